//! PostgreSQL servers: a throw-away server from local binaries ([`local()`]), a server the user
//! runs ([`external`]), or one at known connection facts ([`at`], used by the Docker
//! provisioner).
//!
//! On every server assay works the same way, through one admin connection:
//! - [`Server::create`] is `CREATE DATABASE assay_<runtag>_<n>`; the run tag is unique per
//!   process (pid and clock), so processes sharing a server never collide.
//! - [`Server::freeze`] renames a built database to `assay_tpl_<key>` and marks it
//!   `IS_TEMPLATE true ALLOW_CONNECTIONS false` under `pg_advisory_lock`, so the template
//!   appears whole or not at all, and [`Server::find`] finds it by key from any process using
//!   the server. On a server assay did not start, templates are private to the process
//!   (`assay_<runtag>_tpl_<key>`), because each process drops its own at its end.
//! - [`Snapshot::copy`] is `CREATE DATABASE … TEMPLATE assay_tpl_<key> STRATEGY FILE_COPY`
//!   (measured faster than `WAL_LOG` for small schemas; `ASSAY_PG_CLONE_STRATEGY=wal_log`
//!   switches).
//! - Dropping a [`Database`] queues `DROP DATABASE … WITH (FORCE)` for a background task on
//!   its own connection, off the critical path of the next case. The queue is drained at the
//!   end of the run.
//!
//! Markers (on a server assay did not start): every database carries a comment naming this
//! process ([`marker`]); when such a server is first used, databases of runs on this host whose
//! process is gone (killed, say) are dropped, never one kept with `--keep-failed` and never one
//! without a marker. A drop that failed is retried once at the end of the run.
//!
//! Cleanup: each server registers one closure with [`super::cleanup`] that drains the
//! drop queue, drops the databases and templates this process created and still exist (on a
//! server assay did not start), and stops the local server it owns. `Drop` of the server does
//! the same. Against a server assay did not start only `assay_`-named databases this process
//! created are ever dropped, and the password never appears in errors or output.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dbassay_dsl::url::{ClientOptions, ServerUrl};
use tokio_postgres::{Client, Config, NoTls, SimpleQueryMessage};

use super::cleanup::{self, Registration};
use super::{Database, ProvisionError, Result, Server, Snapshot, marker, shared};
use crate::engine::error_chain;
use crate::engine::postgres::PgSession;
use crate::engine::{Dialect, Engine, Session};
use crate::runtime;
use crate::supply::budget::{Budget, Counted, Permit, patiently};

mod connect;
mod drops;
pub mod local;

pub use connect::PgConnect;
use drops::DropQueue;

/// A throw-away server from the PostgreSQL binaries installed here (`local://postgres[/15]`).
///
/// With a run id (`NEXTEST_RUN_ID` or `ASSAY_RUN_ID`) one server is shared by every process of
/// the run (see [`shared`]); without one, the server belongs to this process and stops when the
/// returned server is dropped or at the end of the run.
///
/// The result coerces to `Arc<dyn Server>`.
pub fn local(version: Option<&str>) -> Result<Arc<PgServer>> {
    local_with(version, &ClientOptions::default())
}

/// [`local()`], its sessions connecting with the dev URL's `client` options (`search_path` …).
pub fn local_with(version: Option<&str>, client: &ClientOptions) -> Result<Arc<PgServer>> {
    let Some(run) = shared::run_id() else {
        return local_unshared_with(version, client);
    };
    let binaries = local::Binaries::find(version)?;
    let name = format!("postgres-{}", binaries.major);
    let lease = shared::acquire(&run, &name, || local::start(&binaries)?.detach())?;
    let connect = local::connect_from_facts(&lease.facts)?.with_client(client);
    PgServer::new(connect, Owner::Shared(lease))
}

/// A throw-away server from local binaries that belongs to this process alone, whatever the
/// run id: it stops when the returned server is dropped or at the end of the run.
pub fn local_unshared(version: Option<&str>) -> Result<Arc<PgServer>> {
    local_unshared_with(version, &ClientOptions::default())
}

fn local_unshared_with(version: Option<&str>, client: &ClientOptions) -> Result<Arc<PgServer>> {
    let binaries = local::Binaries::find(version)?;
    let instance = local::start(&binaries)?;
    let connect = instance.connect().clone().with_client(client);
    PgServer::new(connect, Owner::Local(instance))
}

/// A server the user runs, from a `postgres://user:pass@host:port/db` URL. The URL's database
/// is used only for the admin connection; assay creates and drops its own `assay_…` databases.
pub fn external(url: &str) -> Result<Arc<PgServer>> {
    at(PgConnect::parse(url)?)
}

/// [`external`] for a parsed URL.
pub fn external_at(server: &ServerUrl) -> Result<Arc<PgServer>> {
    at(PgConnect::from_server(server))
}

/// A server at known connection facts (a server the user runs, or a container assay started
/// and removes itself).
pub fn at(connect: PgConnect) -> Result<Arc<PgServer>> {
    PgServer::new(connect, Owner::Nobody)
}

/// A throw-away server shared by the processes of a run through [`shared::acquire`] (e.g. a
/// container): templates are shared between the processes by key and left to the server's
/// removal; each process drops its other databases when it is done.
pub fn at_shared(connect: PgConnect, lease: shared::Lease) -> Result<Arc<PgServer>> {
    PgServer::new(connect, Owner::Shared(lease))
}

/// Who stops the server process.
enum Owner {
    /// Someone else's server: only our databases are dropped.
    Nobody,
    /// This process started it and stops it.
    Local(local::Instance),
    /// Shared with other processes of the run; the watchdog stops it.
    Shared(#[expect(dead_code, reason = "held for its lock")] shared::Lease),
}

/// A PostgreSQL server assay creates databases on.
pub struct PgServer {
    inner: Arc<Inner>,
    _registration: Registration,
}

struct Inner {
    connect: PgConnect,
    owner: Mutex<Owner>,
    admin: tokio::sync::Mutex<Option<Arc<Client>>>,
    /// `assay_<runtag>_`: unique to this process.
    prefix: String,
    /// `assay_tpl_` on a throw-away server (templates are found by key from every process and
    /// vanish with the server); `assay_<runtag>_tpl_` on a server assay did not start, where
    /// each process drops its own templates at its end, so no process may rely on another's.
    template_prefix: String,
    counter: AtomicU64,
    /// `FILE_COPY` or `WAL_LOG`; `None` before PostgreSQL 15.
    strategy: Option<&'static str>,
    /// Databases and templates this process created and has not dropped.
    live: Mutex<HashSet<String>>,
    drops: DropQueue,
    freezing: Mutex<()>,
    shut: AtomicBool,
    /// A database was kept (`--keep-failed`): a server this process started keeps running.
    kept: AtomicBool,
    /// The connection budget of this server, sized from it when it is first reached.
    budget: OnceLock<Arc<Budget>>,
    /// The permits of the admin connection and the drop queue's, held for the server's life.
    reserved: Mutex<Vec<Permit>>,
    /// On a server assay did not start, every database carries a [`marker`] comment, and
    /// stale ones of runs that are gone are dropped when the server is first used.
    marked: bool,
}

impl PgServer {
    fn new(connect: PgConnect, owner: Owner) -> Result<Arc<PgServer>> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tag = format!(
            "{:x}{:03x}",
            std::process::id(),
            ((nanos >> 8) as u64 + RUNS.fetch_add(1, Ordering::Relaxed)) & 0xfff
        );
        let prefix = format!("assay_{tag}_");
        let marked = matches!(owner, Owner::Nobody);
        let template_prefix = match owner {
            Owner::Nobody => format!("{prefix}tpl_"),
            Owner::Local(_) | Owner::Shared(_) => "assay_tpl_".to_string(),
        };
        let mut inner = Inner {
            template_prefix,
            drops: DropQueue::new(connect.clone()),
            connect,
            owner: Mutex::new(owner),
            admin: tokio::sync::Mutex::new(None),
            prefix,
            counter: AtomicU64::new(0),
            strategy: None,
            live: Mutex::new(HashSet::new()),
            freezing: Mutex::new(()),
            shut: AtomicBool::new(false),
            kept: AtomicBool::new(false),
            budget: OnceLock::new(),
            reserved: Mutex::new(Vec::new()),
            marked,
        };
        let version = inner.query_one("SELECT current_setting('server_version_num')")?;
        let version: u32 = version.and_then(|v| v.parse().ok()).unwrap_or(0);
        if version >= 150000 {
            inner.strategy = Some(match std::env::var("ASSAY_PG_CLONE_STRATEGY").as_deref() {
                Ok(s) if s.eq_ignore_ascii_case("wal_log") => "WAL_LOG",
                _ => "FILE_COPY",
            });
        }
        let budget = Budget::new(
            inner.connection_limit()?,
            1,
            &format!("postgres-{}-{}", inner.connect.host, inner.connect.port),
        );
        // The admin connection is open already; the drop queue opens one when first used.
        *inner.reserved.get_mut().unwrap_or_else(|e| e.into_inner()) =
            vec![budget.reserve(), budget.reserve()];
        let _ = inner.budget.set(budget);
        if marked {
            inner.sweep()?;
        }
        let inner = Arc::new(inner);
        let at_exit = Arc::clone(&inner);
        let registration = cleanup::register(move || at_exit.shutdown());
        Ok(Arc::new(PgServer {
            inner,
            _registration: registration,
        }))
    }

    /// How to reach this server (the admin database).
    pub fn connect_facts(&self) -> &PgConnect {
        &self.inner.connect
    }

    /// Waits until every queued `DROP DATABASE` has run.
    pub fn flush_drops(&self) {
        self.inner.drops.flush(Duration::from_secs(60));
    }

    /// Stops using the server now: drains the drop queue, drops what this process created
    /// (on a server assay did not start), and stops the server if this process owns it.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.inner.shutdown();
    }
}

impl Inner {
    async fn admin(&self) -> Result<Arc<Client>> {
        let mut slot = self.admin.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(Arc::clone(client));
        }
        let (client, connection) = self
            .connect
            .config(&self.connect.dbname)
            .connect(NoTls)
            .await
            .map_err(|e| {
                ProvisionError(format!(
                    "could not connect to PostgreSQL at {:?}: {}",
                    self.connect,
                    error_chain(&e)
                ))
            })?;
        runtime::runtime().spawn(connection);
        let client = Arc::new(client);
        *slot = Some(Arc::clone(&client));
        Ok(client)
    }

    /// How many connections assay may hold on this server: `max_connections` less the slots
    /// reserved for superusers (and, from PostgreSQL 16, `reserved_connections`), less the
    /// client connections others hold now (this one is assay's), less one of headroom for a
    /// connection the server is still tearing down when its permit is given back.
    fn connection_limit(&self) -> Result<usize> {
        let sql = "SELECT current_setting('max_connections')::int \
                   - current_setting('superuser_reserved_connections')::int \
                   - coalesce(current_setting('reserved_connections', true)::int, 0) \
                   - (SELECT count(*) FROM pg_stat_activity \
                      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int - 1";
        let free = self.query_one(sql)?.and_then(|v| v.parse::<i64>().ok());
        Ok(free.unwrap_or(2).max(2) as usize)
    }

    /// Runs one statement on the admin connection.
    fn exec(&self, sql: &str) -> Result<Vec<SimpleQueryMessage>> {
        runtime::block_on(async {
            let client = self.admin().await?;
            client
                .simple_query(sql)
                .await
                .map_err(|e| self.error(sql, &e))
        })
    }

    /// Runs two statements in one round trip; the first error is returned.
    fn exec_pipelined(&self, first: &str, second: &str) -> Result<()> {
        runtime::block_on(async {
            let client = self.admin().await?;
            let (a, b) =
                futures_util::future::join(client.simple_query(first), client.simple_query(second))
                    .await;
            a.map_err(|e| self.error(first, &e))?;
            b.map_err(|e| self.error(second, &e))?;
            Ok(())
        })
    }

    fn comment(&self, name: &str, text: &str) -> String {
        format!(
            "COMMENT ON DATABASE \"{name}\" IS {}",
            Dialect::Postgres.quote_str(text)
        )
    }

    /// The first value of the first row, if any.
    fn query_one(&self, sql: &str) -> Result<Option<String>> {
        Ok(self
            .exec(sql)?
            .into_iter()
            .find_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(row.get(0).map(str::to_string)),
                _ => None,
            })
            .flatten())
    }

    fn error(&self, sql: &str, e: &tokio_postgres::Error) -> ProvisionError {
        let db = crate::engine::postgres::db_error(e);
        ProvisionError(format!(
            "PostgreSQL at {:?}: `{sql}` failed: {db}",
            self.connect
        ))
    }

    /// Drops (in the background) the databases that runs of assay on this host left on the
    /// server when they were killed: those whose [`marker`] names a process that is gone.
    fn sweep(&self) -> Result<()> {
        let sql = "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') \
                   FROM pg_database WHERE datname LIKE 'assay\\_%'";
        let databases: Vec<(String, String)> = (self.exec(sql)?.into_iter())
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => {
                    Some((row.get(0)?.to_string(), row.get(1)?.to_string()))
                }
                _ => None,
            })
            .collect();
        let stale = marker::stale_names(&databases);
        if !stale.is_empty() {
            eprintln!(
                "assay: dropping {} database(s) left on {:?} by earlier runs that are gone: {}",
                stale.len(),
                self.connect,
                stale.join(", ")
            );
        }
        for name in stale {
            self.drops.push(name);
        }
        Ok(())
    }

    fn create_named(&self, name: &str, template: Option<&str>) -> Result<()> {
        let sql = match (template, self.strategy) {
            (Some(t), Some(s)) => {
                format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\" STRATEGY {s}")
            }
            (Some(t), None) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
            (None, Some(s)) => format!("CREATE DATABASE \"{name}\" STRATEGY {s}"),
            (None, None) => format!("CREATE DATABASE \"{name}\""),
        };
        if self.marked {
            // Pipelined with the CREATE: no extra round trip. (Not one string: CREATE DATABASE
            // refuses the implicit transaction of a multi-statement query.)
            let comment = self.comment(name, &marker::text(&self.prefix));
            if let Err(e) = self.exec_pipelined(&sql, &comment) {
                // The CREATE may have committed without its marker (the connection broke in
                // between): no later run could prove the database is ours, so drop it now.
                self.drops.push(name.to_string());
                return Err(e);
            }
        } else {
            self.exec(&sql)?;
        }
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string());
        Ok(())
    }

    fn next_name(&self) -> String {
        format!(
            "{}{}",
            self.prefix,
            self.counter.fetch_add(1, Ordering::Relaxed)
        )
    }

    fn forget(&self, name: &str) -> bool {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
    }

    fn drop_later(&self, name: &str) {
        if self.forget(name) {
            self.drops.push(name.to_string());
        }
    }

    fn shutdown(&self) {
        if self.shut.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut owner = self.owner.lock().unwrap_or_else(|e| e.into_inner());
        if self.kept.load(Ordering::SeqCst) && matches!(*owner, Owner::Local(_)) {
            // A kept database must stay reachable: hand the server over to the user.
            if let Owner::Local(instance) = std::mem::replace(&mut *owner, Owner::Nobody) {
                self.drops.flush(Duration::from_secs(60));
                match instance.detach() {
                    Ok(started) => eprintln!(
                        "assay: the PostgreSQL server holding the kept databases keeps running; stop it with:\n  {}",
                        started.stop_script
                    ),
                    Err(e) => eprintln!("assay: could not keep the PostgreSQL server running: {e}"),
                }
            }
            return;
        }
        if let Owner::Local(instance) = &mut *owner {
            // The whole server goes away; dropping databases one by one would only cost time.
            self.drops.close();
            instance.stop();
            return;
        }
        // On a server shared by the processes of a run, templates are shared by key: another
        // process may be about to copy one, so they stay until the watchdog removes the server.
        let shared = matches!(*owner, Owner::Shared(_));
        let leftovers: Vec<String> = self
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .filter(|name| !(shared && is_template(name)))
            .collect();
        for name in leftovers {
            self.drops.push(name);
        }
        self.drops.flush(Duration::from_secs(60));
        // A drop that failed (say, the server restarted meanwhile) gets one more try, on a
        // fresh connection; what still fails is swept by a later run.
        if self.drops.retry_failed() {
            self.drops.flush(Duration::from_secs(60));
        }
        // Releasing a shared lease lets the watchdog stop the server once nobody uses it.
        *owner = Owner::Nobody;
    }
}

impl Server for PgServer {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn budget(&self) -> Option<Arc<Budget>> {
        self.inner.budget.get().cloned()
    }

    fn reuse(&self) -> Option<crate::engine::reuse::Reuse> {
        Some(crate::engine::reuse::Reuse::Rollback)
    }

    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    fn create(&self) -> Result<Box<dyn Database>> {
        let name = self.inner.next_name();
        self.inner.create_named(&name, None)?;
        Ok(Box::new(PgDatabase {
            server: Arc::clone(&self.inner),
            name,
            kept: false,
        }))
    }

    fn freeze(&self, db: Box<dyn Database>, key: &str) -> Result<Arc<dyn Snapshot>> {
        let inner = &self.inner;
        let name = database_name(&db.url())?;
        if !name.starts_with(&inner.prefix) {
            return Err(ProvisionError(format!(
                "cannot freeze database {name}: it was not created by this server"
            )));
        }
        let template = template_name(&inner.template_prefix, key);
        let _one_at_a_time = inner.freezing.lock().unwrap_or_else(|e| e.into_inner());
        inner.exec(&format!("SELECT pg_advisory_lock(hashtext('{template}'))"))?;
        let result = (|| {
            let exists = inner
                .query_one(&format!(
                    "SELECT 1 FROM pg_database WHERE datname = '{template}'"
                ))?
                .is_some();
            if exists {
                // Another thread or process froze the same state first; ours is not needed.
                return Ok(());
            }
            // The builder's sessions may still be open: a template keeps no connections.
            let mut attempts = 0;
            loop {
                inner.exec(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ))?;
                match inner.exec(&format!(
                    "ALTER DATABASE \"{name}\" RENAME TO \"{template}\""
                )) {
                    Ok(_) => break,
                    // 55006: still in use by a session that is going away.
                    Err(e) if e.0.contains("(55006)") && attempts < 200 => {
                        attempts += 1;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => return Err(e),
                }
            }
            inner.forget(&name);
            inner
                .live
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(template.clone());
            inner.exec(&format!(
                "ALTER DATABASE \"{template}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
            ))?;
            Ok(())
        })();
        let unlock = inner.exec(&format!(
            "SELECT pg_advisory_unlock(hashtext('{template}'))"
        ));
        result?;
        unlock?;
        drop(db); // renamed (forgotten) or not needed (queued for dropping)
        Ok(Arc::new(PgSnapshot {
            server: Arc::clone(inner),
            template,
        }))
    }

    fn find(&self, key: &str) -> Option<Arc<dyn Snapshot>> {
        let template = template_name(&self.inner.template_prefix, key);
        let sql =
            format!("SELECT 1 FROM pg_database WHERE datname = '{template}' AND datistemplate");
        match self.inner.query_one(&sql) {
            Ok(Some(_)) => Some(Arc::new(PgSnapshot {
                server: Arc::clone(&self.inner),
                template,
            })),
            _ => None,
        }
    }
}

/// `<prefix><key>` for a key of up to 40 lower-case letters, digits and `_`; otherwise a hash
/// of it. (PostgreSQL names are at most 63 bytes.)
fn template_name(prefix: &str, key: &str) -> String {
    let plain = key
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plain && !key.is_empty() && key.len() <= 40 {
        return format!("{prefix}{key}");
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

/// Whether one of our names is a template's (see [`template_name`]).
fn is_template(name: &str) -> bool {
    name.starts_with("assay_tpl_") || name.contains("_tpl_")
}

/// The database name in one of our own URLs.
fn database_name(url: &str) -> Result<String> {
    let config: Config = url
        .parse()
        .map_err(|_| ProvisionError("not a PostgreSQL database of this server".to_string()))?;
    config
        .get_dbname()
        .map(str::to_string)
        .ok_or_else(|| ProvisionError("not a PostgreSQL database of this server".to_string()))
}

/// A template database copies are made from.
struct PgSnapshot {
    server: Arc<Inner>,
    template: String,
}

impl Snapshot for PgSnapshot {
    fn copy(&self) -> Result<Box<dyn Database>> {
        let name = self.server.next_name();
        self.server.create_named(&name, Some(&self.template))?;
        Ok(Box::new(PgDatabase {
            server: Arc::clone(&self.server),
            name,
            kept: false,
        }))
    }
}

/// A database assay created; dropped (in the background) when this is dropped.
struct PgDatabase {
    server: Arc<Inner>,
    name: String,
    kept: bool,
}

impl Database for PgDatabase {
    fn connect(&self) -> Result<Box<dyn Session>> {
        let permit = self.server.budget.get().map(|b| b.take());
        let config = self.server.connect.config(&self.name);
        let session = patiently(|| PgSession::connect(&config)).map_err(|e| {
            ProvisionError(format!(
                "could not connect to {:?}: {e}",
                self.server.connect.masked_url(&self.name)
            ))
        })?;
        Ok(match permit {
            Some(permit) => Counted::wrap(Box::new(session), permit),
            None => Box::new(session),
        })
    }

    fn url(&self) -> String {
        self.server.connect.url(&self.name)
    }

    fn open_command(&self) -> String {
        let mut no_password = self.server.connect.clone();
        let password = no_password.password.take();
        let command = format!("psql '{}'", no_password.url(&self.name));
        match password {
            Some(_) => format!("PGPASSWORD=… {command}"),
            None => command,
        }
    }

    fn keep(&mut self) {
        self.kept = true;
        self.server.kept.store(true, Ordering::SeqCst);
        self.server.forget(&self.name);
        if self.server.marked {
            // A kept database is never swept.
            let kept = marker::kept(&self.server.prefix);
            if let Err(e) = self.server.exec(&self.server.comment(&self.name, &kept)) {
                eprintln!("assay: could not mark {} as kept: {e}", self.name);
            }
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if !self.kept {
            self.server.drop_later(&self.name);
        }
    }
}
