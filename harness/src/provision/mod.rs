//! Provisioning: servers, the databases assay creates on them, and snapshots to clone from.
//!
//! A [`Server`] is an engine instance assay can create databases on (embedded SQLite, a local
//! server it started, a Docker container, or a server the user runs). Every [`Database`] is
//! owned: dropping it removes it (unless [`Database::keep`] was called). A [`Snapshot`] is a
//! frozen database that cheap copies are made from.

use std::fmt;
use std::sync::Arc;

use dbassay_dsl::url::DevUrl;

use crate::engine::{Dialect, Engine, Session};

pub mod cache;
pub mod cleanup;
pub mod connect;
#[cfg(feature = "docker")]
pub mod docker;
pub mod marker;
pub mod mysql;
pub mod postgres;
pub mod shared;
pub mod sqlite;

/// An error while provisioning: what failed and what to do.
#[derive(Clone, Debug)]
pub struct ProvisionError(pub String);

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProvisionError {}

impl From<String> for ProvisionError {
    fn from(s: String) -> Self {
        ProvisionError(s)
    }
}

pub type Result<T> = std::result::Result<T, ProvisionError>;

/// A snapshot, and the database it was frozen from when freezing copied it.
pub type Frozen = (Arc<dyn Snapshot>, Option<Box<dyn Database>>);

/// An engine instance that assay creates databases on.
pub trait Server: Send + Sync {
    fn dialect(&self) -> Dialect;

    /// Which engine the server is (its name labels trials, reports and cache keys).
    fn engine(&self) -> Engine;

    /// A new, empty database owned by assay.
    fn create(&self) -> Result<Box<dyn Database>>;

    /// Freezes a database built by the caller into a snapshot named `key` (a content hash).
    fn freeze(&self, db: Box<dyn Database>, key: &str) -> Result<Arc<dyn Snapshot>>;

    /// [`Server::freeze`], giving the database back when freezing copied it (it is then one
    /// more database in the frozen state, ready to use); `None` when it became the snapshot.
    fn freeze_keeping(&self, db: Box<dyn Database>, key: &str) -> Result<Frozen> {
        Ok((self.freeze(db, key)?, None))
    }

    /// A snapshot frozen earlier under `key`, by this process or (where the server is shared)
    /// by another one.
    fn find(&self, key: &str) -> Option<Arc<dyn Snapshot>>;

    /// Lets the snapshot under `key` go where this process alone holds it (in-memory SQLite);
    /// a snapshot other processes may find (a template database) stays.
    fn forget(&self, _key: &str) {}

    /// How one database on this server can serve case after case: the one reuse capability
    /// (see `engine::reuse`); `None` when every case gets a copy (SQLite, whose copies are
    /// cheap; MySQL, whose restores are not verified yet).
    fn reuse(&self) -> Option<crate::engine::reuse::Reuse> {
        None
    }

    /// The connection budget every connection to this server draws from (see
    /// `supply::budget`); `None` for embedded SQLite, which has no connection limit.
    fn budget(&self) -> Option<Arc<crate::supply::budget::Budget>> {
        None
    }
}

/// A frozen database state that copies are made from.
pub trait Snapshot: Send + Sync {
    /// A new database holding a copy of this state.
    fn copy(&self) -> Result<Box<dyn Database>>;
}

/// A database assay created. Dropping it removes it.
pub trait Database: Send + Sync {
    /// A new session on this database.
    fn connect(&self) -> Result<Box<dyn Session>>;

    /// The URL of this database, as `testing.dev_url` (with the real password: it is handed to
    /// programs the user runs, never printed).
    fn url(&self) -> String;

    /// A ready-to-paste command that opens this database (password masked or in an env var).
    fn open_command(&self) -> String;

    /// Keep the database after the run (`--keep-failed`): dropping no longer removes it.
    fn keep(&mut self);

    /// How many sessions can be open on this database at once, when it is limited by the
    /// database itself (an in-memory SQLite database is one connection); `None` otherwise.
    fn max_sessions(&self) -> Option<usize> {
        None
    }

    /// A restorer that takes the database as it is now as its baseline, for engines that
    /// reuse databases by restoring them (see `engine::reuse`); `None` for other engines.
    fn restorer(&self) -> Result<Option<Box<dyn Restorer>>> {
        Ok(None)
    }
}

/// Puts a reused database back into its baseline after a case ran on it (see
/// `engine::reuse`). Works on a connection of its own: the case's session must have ended its
/// transaction (reset) first.
pub trait Restorer: Send {
    /// Undoes whatever running the statements `ran` on `session` (reset since) changed,
    /// directly or through triggers, cascades and routines.
    fn restore(&mut self, session: &mut dyn Session, ran: &[String]) -> Result<()>;

    /// Takes the database as it is now as the baseline, after `ran` changed it on purpose.
    fn rebase(&mut self, session: &mut dyn Session, ran: &[String]) -> Result<()>;
}

/// A TCP port on 127.0.0.1 nobody listens on now, for a server assay starts.
pub(crate) fn free_port() -> Result<u16> {
    let no_port = |e: std::io::Error| ProvisionError(format!("no free TCP port on 127.0.0.1: {e}"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(no_port)?;
    listener.local_addr().map(|a| a.port()).map_err(no_port)
}

/// Whether a dev URL names a database server (reached over a connection) rather than embedded
/// SQLite.
pub fn is_server(url: &DevUrl) -> bool {
    !matches!(url, DevUrl::Sqlite { .. })
}

/// Provisions the server a dev URL names. Its parameters were checked when it was parsed;
/// the client options (`search_path`, `sslmode`) apply to every session on the server.
pub fn open(url: &DevUrl) -> Result<Arc<dyn Server>> {
    let client = url.client_options();
    match url.clone() {
        DevUrl::Sqlite { path, params, .. } => {
            let on = |k: &str| {
                dbassay_dsl::url::param(&params, k)
                    .is_some_and(|v| matches!(v, "1" | "true" | "on"))
            };
            let fk = on("_fk") || on("foreign_keys") || on("_foreign_keys");
            Ok(sqlite::SqliteServer::new(path.is_some(), fk)?)
        }
        DevUrl::Postgres(server) => Ok(postgres::external_at(&server)?),
        DevUrl::Mysql(server) => mysql::external_at(Engine::Mysql, &server),
        DevUrl::Mariadb(server) => mysql::external_at(Engine::Mariadb, &server),
        DevUrl::Local {
            engine: Engine::Postgres,
            version,
            ..
        } => Ok(postgres::local_with(version.as_deref(), &client)?),
        DevUrl::Local {
            engine, version, ..
        } => mysql::local(engine, version.as_deref()),
        DevUrl::Docker {
            engine,
            image,
            tag,
            db,
            ..
        } => docker_server(engine, &image, &tag, db.as_deref(), &client),
    }
}

/// Whether what a dev URL needs is on this machine (server binaries, a Docker daemon and the
/// image), checked without starting anything. Servers the user names are assumed reachable.
pub fn available(url: &str) -> Result<()> {
    match parse(url)? {
        DevUrl::Local {
            engine: Engine::Postgres,
            version,
            ..
        } => postgres::local::Binaries::find(version.as_deref()).map(|_| ()),
        DevUrl::Local { .. } => mysql::local::Binaries::find().map(|_| ()),
        DevUrl::Docker { image, tag, .. } => docker_available(&image, &tag),
        _ => Ok(()),
    }
}

#[cfg(feature = "docker")]
fn docker_available(image: &str, tag: &str) -> Result<()> {
    docker::available()?;
    if docker::image_present(image, tag)? {
        Ok(())
    } else {
        Err(ProvisionError(format!(
            "the image {image}:{tag} is not present: build it with testdata/docker/build-images.sh"
        )))
    }
}

#[cfg(not(feature = "docker"))]
fn docker_available(_: &str, _: &str) -> Result<()> {
    Err(ProvisionError(
        "this build of assay has no Docker support".into(),
    ))
}

/// A container, removed at the end of the run (and on Ctrl-C). With a run id (nextest) one
/// container serves every process of the run: it is found through [`shared`] and removed by its
/// watchdog once no process uses it.
#[cfg(feature = "docker")]
fn docker_server(
    engine: Engine,
    image: &str,
    tag: &str,
    db: Option<&str>,
    client: &dbassay_dsl::url::ClientOptions,
) -> Result<Arc<dyn Server>> {
    let spec = docker::DockerSpec::new(engine, image, tag, db);
    let (facts, lease) = match shared::run_id() {
        None => (docker::start(&spec)?, None),
        Some(run) => {
            let name = format!("docker-{}-{image}-{tag}", engine.name());
            let lease = shared::acquire(&run, &name, || {
                let started = docker::start(&spec)?;
                docker::detach(&started);
                let mut facts = shared::Facts::default();
                facts.set("host", &started.host);
                facts.set("port", started.port.to_string());
                facts.set("user", &started.user);
                facts.set("password", &started.password);
                facts.set("database", started.database.clone().unwrap_or_default());
                facts.set("container", &started.container_id);
                let stop_script =
                    format!("docker rm -f -v {} >/dev/null 2>&1", started.container_id);
                Ok(shared::Started { facts, stop_script })
            })?;
            let get = |k: &str| lease.facts.get(k).unwrap_or_default().to_string();
            let started = docker::DockerServer {
                engine,
                host: get("host"),
                port: get("port").parse().map_err(|_| {
                    ProvisionError("the shared container's state has no port".into())
                })?,
                user: get("user"),
                password: get("password"),
                database: Some(get("database")).filter(|d| !d.is_empty()),
                container_id: get("container"),
            };
            (started, Some(lease))
        }
    };
    match engine {
        Engine::Postgres => {
            let connect = postgres::PgConnect {
                host: facts.host.clone(),
                port: facts.port,
                user: facts.user.clone(),
                password: Some(facts.password.clone()),
                dbname: facts.database.clone().unwrap_or_else(|| "postgres".into()),
                client: client.clone(),
            };
            Ok(match lease {
                Some(lease) => postgres::at_shared(connect, lease)?,
                None => postgres::at(connect)?,
            })
        }
        _ => {
            let connect = mysql::MyConnect {
                engine,
                host: facts.host.clone(),
                port: facts.port,
                user: facts.user.clone(),
                password: Some(facts.password.clone()),
            };
            match lease {
                Some(lease) => mysql::at_shared(connect, lease),
                None => mysql::at(connect),
            }
        }
    }
}

#[cfg(not(feature = "docker"))]
fn docker_server(
    _: Engine,
    _: &str,
    _: &str,
    _: Option<&str>,
    _: &dbassay_dsl::url::ClientOptions,
) -> Result<Arc<dyn Server>> {
    Err(ProvisionError("this build of assay has no Docker support: build it with the `docker` feature, or use local://postgres".into()))
}

fn parse(url: &str) -> Result<DevUrl> {
    dbassay_dsl::url::parse(url).map_err(ProvisionError)
}
