//! MySQL and MariaDB servers: a throw-away local server ([`local()`]), a server the user runs
//! ([`external`]), or a server at a known address ([`at`], used by the Docker provisioner).
//!
//! On every kind of server assay works the same way:
//! - [`Server::create`] is `CREATE DATABASE assay_<runid>_<n>`; the sessions of a [`Database`] are
//!   bound to it (database name in the connection options). Dropping it runs `DROP DATABASE`.
//! - [`Server::freeze`] copies the built database into `assay_tpl_<hash of key>` (MariaDB has no
//!   template databases) and records a [`dump::Recipe`] of it: `SHOW CREATE` for tables, routines,
//!   views, triggers and events. [`Snapshot::copy`] replays that recipe in **one multi-statement
//!   batch** on one connection, copying rows server-side with `INSERT … SELECT` from the template
//!   (exact for every type, no value round trip through text). Concurrent freezes of one key are
//!   serialized with `GET_LOCK`; a finished template carries a database comment, so [`Server::find`]
//!   also finds templates frozen by another process. Such a template is **adopted**: copied, under
//!   its lock, into a database this process owns, because its creator drops it at the end of its
//!   own run (also under the lock).
//! - Admin work (create, copy, drop) uses a few pooled connections (at most [`ADMIN_CONNECTIONS`]
//!   idle), so parallel trials stay well under `max_connections`.
//!
//! Against a server assay did not start, it only ever drops databases it created itself (the
//! `assay_<runid>_…` and `assay_tpl_…` names this process made). Passwords are never printed:
//! [`Database::open_command`] asks for it with `-p`.
//!
//! Measured with `examples/bench_mariadb.rs` (MariaDB 10.11, tmpfs, busy 2-core machine): a copy
//! of a 5-table schema with 100 rows costs about what replaying its SQL costs (5–10 ms, DDL
//! dominates either way); for a state built by migrations (ALTERs, backfills) the copy is 2–3×
//! cheaper than the replay, and it never re-runs user logic.
//!
//! Known limits: a sequence's copy continues after its cached block (`next_not_cached_value`),
//! as after a server restart; objects whose `DEFINER` is another account need the privilege to
//! set that definer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use dbassay_dsl::url::{DevUrl, ServerUrl};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};
use sha2::{Digest, Sha256};

use crate::engine::mysql::{self as engine, MysqlSession};
use crate::engine::{Dialect, Engine, Session};
use crate::provision::cleanup::{self, Registration};
use crate::provision::{
    Database, Frozen, ProvisionError, Result, Server, Snapshot, marker, shared,
};
use crate::runtime;
use crate::supply::budget::{Budget, Counted, Permit, Reclaim, patiently};

pub mod dump;
pub mod local;
pub mod restore;

pub use local::{Binaries, LocalFacts, start, stop};

/// Idle admin connections kept per server.
pub const ADMIN_CONNECTIONS: usize = 4;

/// The URL scheme and the client command shown to users for the engine a URL named: `mariadb`
/// for MariaDB, `mysql` for the rest of the family.
fn client_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Mariadb => "mariadb",
        _ => "mysql",
    }
}

/// How to reach a server: TCP address and an account allowed to create databases.
#[derive(Clone)]
pub struct MyConnect {
    pub engine: Engine,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
}

impl std::fmt::Debug for MyConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MyConnect")
            .field("engine", &self.engine)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl MyConnect {
    /// Parses `mysql://`, `maria://` or `mariadb://` URLs (through [`dbassay_dsl::url::parse`],
    /// which checks their parameters; the database path is ignored: assay creates its own
    /// databases).
    pub fn from_url(url: &str) -> Result<MyConnect> {
        match dbassay_dsl::url::parse(url).map_err(ProvisionError)? {
            DevUrl::Mysql(server) => MyConnect::from_server(Engine::Mysql, &server),
            DevUrl::Mariadb(server) => MyConnect::from_server(Engine::Mariadb, &server),
            other => Err(ProvisionError(format!(
                "unsupported scheme for MySQL/MariaDB in {other} (use mysql://, maria:// or \
                 mariadb://)"
            ))),
        }
    }

    /// How to reach the server a parsed URL names. Its `tls` parameter needs nothing here:
    /// the client speaks plain text (see `dbassay_dsl::url`), which `tls=false` asks for.
    pub fn from_server(engine: Engine, server: &ServerUrl) -> Result<MyConnect> {
        if server.socket.is_some() {
            return Err(ProvisionError(
                "a MySQL/MariaDB dev URL over a Unix socket (`+unix`) is not supported yet: give \
                 the server's TCP address (mysql://user:pass@127.0.0.1:3306/)"
                    .into(),
            ));
        }
        Ok(MyConnect {
            engine,
            host: match server.host.as_str() {
                "" => "localhost".to_string(),
                host => host.to_string(),
            },
            port: server.port.unwrap_or(3306),
            user: server.user.clone().unwrap_or_else(|| "root".to_string()),
            password: server.password.clone(),
        })
    }

    /// Connection options for `db` (or no default database).
    pub fn opts(&self, db: Option<&str>) -> Opts {
        OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(self.password.clone())
            .db_name(db.map(str::to_owned))
            .prefer_socket(false)
            .into()
    }

    /// A real URL to `db`, with the password (handed to programs, never printed).
    pub fn url(&self, db: &str) -> String {
        let user = dbassay_dsl::url::percent_encode(&self.user);
        let auth = match &self.password {
            Some(p) => format!("{user}:{}", dbassay_dsl::url::percent_encode(p)),
            None => user,
        };
        format!(
            "{}://{auth}@{}:{}/{db}",
            client_name(self.engine),
            self.host,
            self.port
        )
    }
}

/// A throw-away server started from the installed binaries: `local://mariadb[/<version>]`.
/// `Engine::Mysql` (`local://mysql`) uses whatever `mysqld`/`mariadbd` is installed.
pub fn local(engine: Engine, version: Option<&str>) -> Result<Arc<dyn Server>> {
    Ok(MysqlServer::local(engine, version)?)
}

impl MysqlServer {
    /// [`local()`], typed: for callers that need [`MysqlServer::local_facts`].
    pub fn local(engine: Engine, version: Option<&str>) -> Result<Arc<MysqlServer>> {
        let binaries = Binaries::find()?;
        binaries.check_version(version)?;
        if let Some(run) = shared::run_id() {
            // One server for every process of the run (nextest); the watchdog removes it.
            let name = format!("mariadb-{}", binaries.numeric_version());
            let lease = shared::acquire(&run, &name, || {
                let facts = start(&binaries)?;
                Ok(shared::Started {
                    stop_script: local::stop_script(&facts),
                    facts: facts.to_shared(),
                })
            })?;
            let facts = LocalFacts::from_shared(&lease.facts)?;
            let connect = facts.connect(engine);
            let guard = LocalGuard {
                facts: Some(facts),
                owner: Owner::Shared(lease),
            };
            return Ok(Arc::new(MysqlServer::new(connect, Some(guard))?));
        }
        MysqlServer::local_unshared(engine, version)
    }

    /// A local server that belongs to this process alone, whatever the run id: it stops when
    /// the returned server is dropped or at the end of the run.
    pub fn local_unshared(engine: Engine, version: Option<&str>) -> Result<Arc<MysqlServer>> {
        let binaries = Binaries::find()?;
        binaries.check_version(version)?;
        let facts = start(&binaries)?;
        let registration = {
            let facts = facts.clone();
            cleanup::register(move || stop(&facts))
        };
        let connect = facts.connect(engine);
        let guard = LocalGuard {
            facts: Some(facts),
            owner: Owner::Process(registration),
        };
        Ok(Arc::new(MysqlServer::new(connect, Some(guard))?))
    }

    /// The process and directory of a local server (`None` for other servers).
    pub fn local_facts(&self) -> Option<&LocalFacts> {
        self.inner.local.as_ref().and_then(|l| l.facts.as_ref())
    }
}

/// A server the user runs, from a `mysql://`, `maria://` or `mariadb://` URL.
pub fn external(url: &str) -> Result<Arc<dyn Server>> {
    at(MyConnect::from_url(url)?)
}

/// [`external`] for a parsed URL.
pub fn external_at(engine: Engine, server: &ServerUrl) -> Result<Arc<dyn Server>> {
    at(MyConnect::from_server(engine, server)?)
}

/// A server at a known address (e.g. a container the Docker provisioner started).
pub fn at(connect: MyConnect) -> Result<Arc<dyn Server>> {
    Ok(Arc::new(MysqlServer::new(connect, None)?))
}

/// A throw-away server shared by the processes of a run through [`shared::acquire`] (a
/// container): the lease is held as long as the server is used.
pub fn at_shared(connect: MyConnect, lease: shared::Lease) -> Result<Arc<dyn Server>> {
    let guard = LocalGuard {
        facts: None,
        owner: Owner::Shared(lease),
    };
    Ok(Arc::new(MysqlServer::new(connect, Some(guard))?))
}

/// Keeps a local server running; stops it when dropped.
struct LocalGuard {
    /// The process and directory of a server started from local binaries (`None` for a
    /// container).
    facts: Option<LocalFacts>,
    owner: Owner,
}

/// Who stops a local server.
enum Owner {
    /// This process: at drop, and through its cleanup registration.
    Process(#[expect(dead_code, reason = "held for its cleanup")] Registration),
    /// The processes of a run share it; dropping the lease lets the watchdog stop it.
    Shared(#[expect(dead_code, reason = "held for its lock")] shared::Lease),
}

impl Drop for LocalGuard {
    fn drop(&mut self) {
        if let (Owner::Process(_), Some(facts)) = (&self.owner, &self.facts) {
            stop(facts);
        }
    }
}

/// What databases, snapshots and the server share.
struct Inner {
    connect: MyConnect,
    /// What the server is (its `VERSION()`), which may differ from what the URL named.
    engine: Engine,
    run_id: String,
    next: AtomicU64,
    idle: Mutex<Vec<Admin>>,
    /// The connection budget of this server (see `supply::budget`).
    budget: Arc<Budget>,
    /// On a MariaDB server assay did not start, databases carry a [`marker`] as their schema
    /// comment, and stale ones of gone runs are dropped when the server is first used.
    marked: bool,
    // Declared last: the server stops after the admin connections are closed.
    local: Option<LocalGuard>,
}

/// An admin connection and its permit of the server's budget.
pub struct Admin {
    conn: Conn,
    _permit: Permit,
}

impl Admin {
    /// Closes the connection, then gives its permit back.
    pub fn close(self) {
        engine::disconnect(self.conn);
    }
}

impl std::ops::Deref for Admin {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for Admin {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl Reclaim for Inner {
    fn reclaim_one(&self) -> bool {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        idle.map(Admin::close).is_some()
    }
}

impl Inner {
    fn take(&self) -> Result<Admin> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.connect_admin(),
        }
    }

    /// A new admin connection, drawn from the budget (waits while it is spent).
    pub(super) fn connect_admin(&self) -> Result<Admin> {
        let permit = self.budget.take();
        let conn = patiently(|| runtime::block_on(engine::connect(self.admin_opts())))
            .map_err(|e| self.error("cannot connect", &e))?;
        Ok(Admin {
            conn,
            _permit: permit,
        })
    }

    /// Admin connections give up on a metadata lock (e.g. `DROP DATABASE` of a database a
    /// forgotten session holds a transaction in) instead of waiting for a year, the default.
    fn admin_opts(&self) -> Opts {
        OptsBuilder::from_opts(self.connect.opts(None))
            .init(vec!["SET SESSION lock_wait_timeout = 60"])
            .into()
    }

    fn give(&self, conn: Admin) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < ADMIN_CONNECTIONS {
            idle.push(conn);
        } else {
            drop(idle);
            conn.close();
        }
    }

    /// Runs admin SQL (possibly a multi-statement batch) on a pooled connection.
    fn admin(&self, sql: &str) -> Result<()> {
        let mut conn = self.take()?;
        match runtime::block_on(batch(&mut conn, sql)) {
            Ok(()) => {
                self.give(conn);
                Ok(())
            }
            // A failed connection is not reused.
            Err(e) => {
                conn.close();
                Err(self.error("admin statement failed", &e))
            }
        }
    }

    fn error(&self, what: &str, e: &dyn std::fmt::Display) -> ProvisionError {
        let c = &self.connect;
        ProvisionError(format!(
            "{} at {}:{} ({what}): {e}",
            self.engine, c.host, c.port
        ))
    }

    /// `CREATE DATABASE name`, with this run's [`marker`] as its comment when `marked`.
    pub(super) fn create_sql(&self, name: &str) -> String {
        match self.marked {
            true => format!(
                "CREATE DATABASE {} COMMENT {}",
                quote_ident(name),
                quote_str(&marker::text(&self.prefix()))
            ),
            false => format!("CREATE DATABASE {}", quote_ident(name)),
        }
    }

    fn prefix(&self) -> String {
        format!("assay_{}_", self.run_id)
    }

    /// Drops the databases that runs of assay on this host left when they were killed: those
    /// whose [`marker`] comment names a process that is gone.
    fn sweep(&self) -> Result<()> {
        let mut conn = self.take()?;
        let rows: Vec<(String, String)> = runtime::block_on(conn.query(
            "SELECT SCHEMA_NAME, SCHEMA_COMMENT FROM information_schema.SCHEMATA \
             WHERE SCHEMA_NAME LIKE 'assay\\_%'",
        ))
        .map_err(|e| self.error("cannot list databases", &e))?;
        self.give(conn);
        let stale: Vec<String> = (rows.into_iter())
            .filter(|(name, comment)| marker::is_stale(name, comment))
            .map(|(name, _)| name)
            .collect();
        if !stale.is_empty() {
            eprintln!(
                "assay: dropping {} database(s) left on {}:{} by earlier runs that are gone: {}",
                stale.len(),
                self.connect.host,
                self.connect.port,
                stale.join(", ")
            );
        }
        for name in stale {
            self.drop_database(&name);
        }
        Ok(())
    }

    fn new_name(&self) -> String {
        format!(
            "assay_{}_{}",
            self.run_id,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }

    fn drop_database(&self, name: &str) {
        if let Err(e) = self.admin(&format!("DROP DATABASE IF EXISTS {}", quote_ident(name))) {
            eprintln!("assay: could not drop database {name}: {e}");
        }
    }
}

impl Inner {
    /// Drops a template under its named lock, so no other process is adopting it meanwhile.
    fn drop_template(&self, name: &str) {
        let sql = format!(
            "DO GET_LOCK({n}, 60); DROP DATABASE IF EXISTS {q}; DO RELEASE_LOCK({n})",
            n = quote_str(name),
            q = quote_ident(name)
        );
        if let Err(e) = self.admin(&sql) {
            eprintln!("assay: could not drop database {name}: {e}");
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        for conn in idle {
            conn.close();
        }
    }
}

/// Runs a batch and drains every result, so an error in any statement is reported here.
async fn batch(conn: &mut Conn, sql: &str) -> std::result::Result<(), crate::engine::DbError> {
    conn.query_drop(sql)
        .await
        .map_err(|e| engine::to_db_error(&e))
}

/// A MySQL or MariaDB server assay creates databases on.
pub struct MysqlServer {
    inner: Arc<Inner>,
    snapshots: Mutex<HashMap<String, Arc<MysqlSnapshot>>>,
}

impl MysqlServer {
    fn new(connect: MyConnect, local: Option<LocalGuard>) -> Result<MysqlServer> {
        let mut conn = runtime::block_on(engine::connect(connect.opts(None))).map_err(|e| {
            ProvisionError(format!(
                "cannot connect to MySQL/MariaDB at {}:{} as {}: {e}",
                connect.host, connect.port, connect.user
            ))
        })?;
        let is_mariadb = runtime::block_on(async {
            let v: Option<String> = conn.query_first("SELECT VERSION()").await.ok().flatten();
            v.is_some_and(|v| v.contains("MariaDB"))
        });
        // MySQL has no schema comments; servers assay started go away whole.
        let marked = is_mariadb && local.is_none();
        let limit = runtime::block_on(connection_limit(&mut conn));
        // A case holds at most its session, its restorer's connection and an admin connection.
        let budget = Budget::new(
            limit,
            3,
            &format!("mysql-{}-{}", connect.host, connect.port),
        );
        let first = Admin {
            conn,
            _permit: budget.take(),
        };
        let inner = Arc::new(Inner {
            engine: if is_mariadb {
                Engine::Mariadb
            } else {
                Engine::Mysql
            },
            connect,
            run_id: run_id(),
            next: AtomicU64::new(1),
            idle: Mutex::new(vec![first]),
            budget,
            marked,
            local,
        });
        let pool: Arc<dyn Reclaim> = inner.clone();
        inner.budget.reclaim_with(Arc::downgrade(&pool));
        if marked {
            inner.sweep()?;
        }
        Ok(MysqlServer {
            inner,
            snapshots: Mutex::new(HashMap::new()),
        })
    }

    /// How to reach this server.
    pub fn connect_info(&self) -> &MyConnect {
        &self.inner.connect
    }
}

/// How many connections assay may hold on the server: `max_connections` (or
/// `max_user_connections` when set and smaller) less the connections others hold now (the one
/// asking is assay's). Background threads of the server are not connections.
async fn connection_limit(conn: &mut Conn) -> usize {
    let sql = "SELECT @@max_connections, @@max_user_connections, \
               (SELECT count(*) FROM information_schema.processlist \
                WHERE command NOT IN ('Daemon', 'Binlog Dump') AND user <> 'system user'), \
               (SELECT count(*) FROM information_schema.processlist WHERE user = SUBSTRING_INDEX(CURRENT_USER(), '@', 1))";
    let row: Option<(i64, i64, i64, i64)> = conn.query_first(sql).await.ok().flatten();
    let Some((max, max_user, all, mine)) = row else {
        return 2;
    };
    // The one asking is assay's; two more are headroom for connections the server is still
    // tearing down when their permits are given back (it counts a connection until its
    // thread has cleaned up, a moment after the client closed it).
    let mut free = max - all - 1;
    if max_user > 0 {
        free = free.min(max_user - mine - 1);
    }
    free.max(2) as usize
}

/// Short, unique per process and run: databases of concurrent runs never collide.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{}-{nanos}", std::process::id()));
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

fn template_name(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("assay_tpl_{hex}")
}

/// Marks a finished template (MariaDB ≥ 10.5 has schema comments; elsewhere existence counts).
const TEMPLATE_COMMENT: &str = "assay snapshot";

/// A quoted identifier (the one quoting of the MySQL dialect, [`Dialect::quote_ident`]).
pub(crate) fn quote_ident(name: &str) -> String {
    Dialect::Mysql.quote_ident(name)
}

/// A string literal ([`Dialect::quote_str`]).
pub(crate) fn quote_str(s: &str) -> String {
    Dialect::Mysql.quote_str(s)
}

impl Server for MysqlServer {
    fn budget(&self) -> Option<Arc<Budget>> {
        Some(self.inner.budget.clone())
    }

    fn reuse(&self) -> Option<crate::engine::reuse::Reuse> {
        // Restores are verified on MariaDB; MySQL servers get copies until they are too.
        (self.inner.engine == Engine::Mariadb).then_some(crate::engine::reuse::Reuse::Restore)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn engine(&self) -> Engine {
        self.inner.engine
    }

    fn create(&self) -> Result<Box<dyn Database>> {
        let name = self.inner.new_name();
        self.inner.admin(&self.inner.create_sql(&name))?;
        Ok(Box::new(MysqlDatabase::new(&self.inner, name)))
    }

    fn freeze(&self, db: Box<dyn Database>, key: &str) -> Result<Arc<dyn Snapshot>> {
        Ok(self.freeze_keeping(db, key)?.0)
    }

    fn freeze_keeping(&self, db: Box<dyn Database>, key: &str) -> Result<Frozen> {
        let source = Opts::from_url(&format!(
            "mysql://{}",
            db.url().split_once("://").unwrap_or_default().1
        ))
        .ok()
        .and_then(|o| o.db_name().map(str::to_owned))
        .ok_or_else(|| ProvisionError("freeze: the database has no name in its URL".into()))?;
        // Held during the freeze: one freeze per key in this process, and the snapshot that
        // owns the template is the one every thread gets.
        let mut snapshots = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = snapshots.get(key) {
            let existing = existing.clone();
            drop(snapshots);
            return Ok((existing, self.like_a_copy(db, &source)));
        }
        let template = template_name(key);
        // The template is a copy: the database stays as it was.
        let snapshot = Arc::new(freeze(&self.inner, &source, &template)?);
        snapshots.insert(key.to_owned(), snapshot.clone());
        drop(snapshots);
        Ok((snapshot, self.like_a_copy(db, &source)))
    }

    fn find(&self, key: &str) -> Option<Arc<dyn Snapshot>> {
        if let Some(s) = self
            .snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Some(s.clone());
        }
        // Frozen by another thread's server handle or another process.
        let template = template_name(key);
        let snapshot = Arc::new(find_template(&self.inner, &template).ok().flatten()?);
        let mut snapshots = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        let snapshot = snapshots.entry(key.to_owned()).or_insert(snapshot).clone();
        Some(snapshot)
    }
}

impl MysqlServer {
    /// The database a state was built in, made to behave as a copy of it: its sequences hold no
    /// values in memory. `None` (it is dropped) when that fails.
    fn like_a_copy(&self, db: Box<dyn Database>, name: &str) -> Option<Box<dyn Database>> {
        let mut conn = self.inner.take().ok()?;
        match runtime::block_on(restore::flush_sequences(&mut conn, name)) {
            Ok(()) => {
                self.inner.give(conn);
                Some(db)
            }
            Err(_) => {
                conn.close();
                None
            }
        }
    }
}

/// Copies `source` into the template database under a named lock; reuses a finished template.
fn freeze(inner: &Arc<Inner>, source: &str, template: &str) -> Result<MysqlSnapshot> {
    locked_template(inner, template, Some(source))?
        .ok_or_else(|| inner.error("freeze", &format!("{template} was not created")))
}

/// Under the template's named lock (`GET_LOCK`, which serializes threads and processes):
/// - a finished template made by someone else is **adopted**: copied into a database this
///   process owns, so that its creator may drop it at any time afterwards;
/// - else, with `source`, the template is (re)built from it; without, there is none.
fn locked_template(
    inner: &Arc<Inner>,
    template: &str,
    source: Option<&str>,
) -> Result<Option<MysqlSnapshot>> {
    let mut conn = inner.take()?;
    let private = inner.new_name();
    let result = runtime::block_on(async {
        let locked: Option<i64> = conn
            .exec_first("SELECT GET_LOCK(?, 300)", (template,))
            .await
            .map_err(|e| engine::to_db_error(&e))?;
        if locked != Some(1) {
            return Err(crate::engine::DbError::new(format!(
                "timed out waiting for lock {template}"
            )));
        }
        let built = async {
            if template_finished(&mut conn, template).await? {
                let recipe = dump::Recipe::capture(&mut conn, template).await?;
                let sql = format!(
                    "{}; {}",
                    inner.create_sql(&private),
                    recipe.script(template, &private)
                );
                if let Err(e) = batch(&mut conn, &sql).await {
                    let drop = format!("DROP DATABASE IF EXISTS {}", quote_ident(&private));
                    let _ = conn.query_drop(drop).await;
                    return Err(e);
                }
                return Ok(Some((private.clone(), recipe)));
            }
            let Some(source) = source else {
                return Ok(None);
            };
            // A template left unfinished by a crashed process is rebuilt.
            let recipe = dump::Recipe::capture(&mut conn, source).await?;
            let sql = format!(
                "DROP DATABASE IF EXISTS {t}; CREATE DATABASE {t}; {copy}",
                t = quote_ident(template),
                copy = recipe.script(source, template),
            );
            batch(&mut conn, &sql).await?;
            // MySQL has no schema comments: there, existence alone marks a finished template.
            let _ = conn
                .query_drop(format!(
                    "ALTER DATABASE {} COMMENT {}",
                    quote_ident(template),
                    quote_str(TEMPLATE_COMMENT)
                ))
                .await;
            Ok(Some((template.to_owned(), recipe)))
        }
        .await;
        let _ = conn.exec_drop("DO RELEASE_LOCK(?)", (template,)).await;
        built
    });
    match result {
        Ok(found) => {
            inner.give(conn);
            Ok(found.map(|(name, recipe)| MysqlSnapshot::new(inner, name, recipe)))
        }
        Err(e) => {
            conn.close();
            Err(inner.error(&format!("cannot freeze into {template}"), &e))
        }
    }
}

async fn template_finished(
    conn: &mut Conn,
    template: &str,
) -> std::result::Result<bool, crate::engine::DbError> {
    let exists: Option<String> = conn
        .exec_first(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?",
            (template,),
        )
        .await
        .map_err(|e| engine::to_db_error(&e))?;
    if exists.is_none() {
        return Ok(false);
    }
    let comment: std::result::Result<Option<Option<String>>, _> = conn
        .exec_first(
            "SELECT schema_comment FROM information_schema.schemata WHERE schema_name = ?",
            (template,),
        )
        .await;
    Ok(match comment {
        Ok(c) => c.flatten().as_deref() == Some(TEMPLATE_COMMENT),
        Err(_) => true, // no schema comments (MySQL)
    })
}

fn find_template(inner: &Arc<Inner>, template: &str) -> Result<Option<MysqlSnapshot>> {
    locked_template(inner, template, None)
}

/// A frozen database: the template database and the recipe to copy it.
pub struct MysqlSnapshot {
    inner: Arc<Inner>,
    /// The template database (or this process's private copy of another's template).
    template: String,
    recipe: Arc<dump::Recipe>,
    _registration: Registration,
}

impl MysqlSnapshot {
    fn new(inner: &Arc<Inner>, template: String, recipe: dump::Recipe) -> Self {
        let registration = drop_registration(inner, &template, true);
        MysqlSnapshot {
            inner: inner.clone(),
            template,
            recipe: Arc::new(recipe),
            _registration: registration,
        }
    }

    /// The template database's name.
    pub fn template(&self) -> &str {
        &self.template
    }
}

impl Drop for MysqlSnapshot {
    fn drop(&mut self) {
        self.inner.drop_template(&self.template);
    }
}

impl Snapshot for MysqlSnapshot {
    fn copy(&self) -> Result<Box<dyn Database>> {
        let name = self.inner.new_name();
        let sql = format!(
            "{}; {}",
            self.inner.create_sql(&name),
            self.recipe.script(&self.template, &name)
        );
        let mut database = MysqlDatabase::new(&self.inner, name);
        self.inner.admin(&sql)?; // on failure, dropping `database` removes the partial copy
        database.recipe = Some(self.recipe.clone());
        Ok(Box::new(database))
    }
}

fn drop_registration(inner: &Arc<Inner>, name: &str, template: bool) -> Registration {
    let weak: Weak<Inner> = Arc::downgrade(inner);
    let name = name.to_owned();
    cleanup::register(move || {
        if let Some(inner) = weak.upgrade() {
            if template {
                inner.drop_template(&name);
            } else {
                inner.drop_database(&name);
            }
        }
    })
}

/// A database assay created on a MySQL/MariaDB server.
pub struct MysqlDatabase {
    inner: Arc<Inner>,
    name: String,
    /// The recipe of the snapshot this database is a copy of (its definitions, as made).
    recipe: Option<Arc<dump::Recipe>>,
    registration: Option<Registration>,
    kept: bool,
}

impl MysqlDatabase {
    fn new(inner: &Arc<Inner>, name: String) -> MysqlDatabase {
        let registration = Some(drop_registration(inner, &name, false));
        MysqlDatabase {
            inner: inner.clone(),
            name,
            recipe: None,
            registration,
            kept: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Database for MysqlDatabase {
    fn connect(&self) -> Result<Box<dyn Session>> {
        let permit = self.inner.budget.take();
        let session =
            patiently(|| MysqlSession::connect(self.inner.connect.opts(Some(&self.name))))
                .map_err(|e| {
                    self.inner
                        .error(&format!("cannot connect to {}", self.name), &e)
                })?;
        Ok(Counted::wrap(Box::new(session), permit))
    }

    fn url(&self) -> String {
        self.inner.connect.url(&self.name)
    }

    fn open_command(&self) -> String {
        let c = &self.inner.connect;
        let password = if c.password.is_some() { " -p" } else { "" };
        format!(
            "{} -h {} -P {} -u {}{password} {}",
            client_name(c.engine),
            c.host,
            c.port,
            c.user,
            self.name
        )
    }

    fn keep(&mut self) {
        self.kept = true;
        self.registration = None;
        if self.inner.marked {
            // A kept database is never swept.
            let sql = format!(
                "ALTER DATABASE {} COMMENT {}",
                quote_ident(&self.name),
                quote_str(&marker::kept(&self.inner.prefix()))
            );
            if let Err(e) = self.inner.admin(&sql) {
                eprintln!("assay: could not mark {} as kept: {e}", self.name);
            }
        }
    }

    fn restorer(&self) -> Result<Option<Box<dyn crate::provision::Restorer>>> {
        // Restores are verified on MariaDB; MySQL servers get copies until they are too.
        if self.inner.engine != Engine::Mariadb {
            return Ok(None);
        }
        Ok(Some(Box::new(restore::MysqlRestorer::new(
            &self.inner,
            &self.name,
            self.recipe.as_deref(),
        )?)))
    }
}

impl Drop for MysqlDatabase {
    fn drop(&mut self) {
        if !self.kept {
            self.inner.drop_database(&self.name);
        }
        self.registration = None;
    }
}
