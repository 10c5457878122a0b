//! Docker containers for `docker://` URLs: start one server container, hand back the facts to
//! connect to it ([`DockerServer`]), remove it.
//!
//! This module only starts and stops containers; the PostgreSQL and MySQL provisioners turn a
//! [`DockerServer`] into a [`super::Server`]. [`start`] and [`stop`] are two plain functions so
//! that a server shared across processes (nextest runs one process per trial) can be started by
//! one process and stopped by another: a [`DockerServer`] is plain data.
//!
//! What makes a container safe to forget about:
//! - Every container carries the labels `dev.assay=1`, `dev.assay.run=<run id>` and
//!   `dev.assay.container=<key>`; [`reap`] removes what a crashed run left behind.
//! - A cleanup is registered in [`super::cleanup`] *before* the container is created, so the end
//!   of the run, Ctrl-C and SIGTERM remove it even when it is still starting.
//! - testcontainers' `ContainerAsync` removes its container in `Drop`, but panics (and leaks the
//!   container) when dropped outside a tokio runtime. Ours live in a process-wide table and are
//!   only ever consumed by `rm().await` inside [`crate::runtime::block_on`].
//!
//! Readiness is a real login from the host (`SELECT 1` with the password), retried until the
//! startup timeout: log lines are not reliable (the official postgres image logs "ready" twice,
//! and docker-proxy accepts TCP connections before the server listens).
//!
//! There is no image registry on the project's machines: `testdata/docker/build-images.sh` builds
//! `postgres:15` and `mariadb:10.11` (also tagged `mysql:8`) from the machine's packages.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use testcontainers::bollard::Docker;
use testcontainers::bollard::models::{HostConfig, PortBinding};
use testcontainers::bollard::query_parameters::{
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::cleanup::{self, Registration};
use super::{ProvisionError, Result};
use crate::engine::{Engine, error_chain};
use crate::runtime::block_on;

/// The label every assay container carries.
pub const LABEL: &str = "dev.assay";
/// The label naming the run that started a container.
pub const RUN_LABEL: &str = "dev.assay.run";
/// The label naming one container, known before the container exists.
const KEY_LABEL: &str = "dev.assay.container";

// The engine a container runs decides its port, environment and login. `docker://` URLs name
// PostgreSQL, MySQL or MariaDB; everything that is not PostgreSQL is of the MySQL family here.

/// The port the server listens on inside its container.
fn container_port(engine: Engine) -> u16 {
    match engine {
        Engine::Postgres => 5432,
        _ => 3306,
    }
}

/// The account the image sets the password of.
fn admin_user(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "postgres",
        _ => "root",
    }
}

/// What to suggest when Docker is not available.
fn local_instead(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "local://postgres/15",
        _ => "local://mariadb/10.11",
    }
}

/// What container to start.
#[derive(Clone, Debug)]
pub struct DockerSpec {
    pub engine: Engine,
    /// The image's repository, e.g. `postgres`, `mariadb`, `arigaio/mysql`.
    pub image: String,
    pub tag: String,
    /// The database to create (`POSTGRES_DB`, `MARIADB_DATABASE`). PostgreSQL defaults to
    /// `postgres`; MySQL without one connects with no default schema.
    pub database: Option<String>,
    /// The run the container belongs to (its `dev.assay.run` label); [`run_id`] by default.
    pub run_id: String,
    /// How long the container may take to answer `SELECT 1`.
    pub startup_timeout: Duration,
}

impl DockerSpec {
    pub fn new(
        engine: Engine,
        image: impl Into<String>,
        tag: impl Into<String>,
        database: Option<&str>,
    ) -> DockerSpec {
        DockerSpec {
            engine,
            image: image.into(),
            tag: tag.into(),
            database: database.map(str::to_owned),
            run_id: run_id().to_owned(),
            startup_timeout: Duration::from_secs(60),
        }
    }

    fn reference(&self) -> String {
        format!("{}:{}", self.image, self.tag)
    }
}

/// How to reach a started container. Plain data: it can be written down and read back by
/// another process. `Debug` masks the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DockerServer {
    pub engine: Engine,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub database: Option<String>,
    pub container_id: String,
}

impl fmt::Debug for DockerServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerServer")
            .field("engine", &self.engine)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &"***")
            .field("database", &self.database)
            .field("container_id", &self.container_id)
            .finish()
    }
}

impl DockerServer {
    /// The server as a URL (with the real password: for `testing.dev_url` and programs the
    /// user runs, never for output): `postgres://…?sslmode=disable`, `mysql://…`,
    /// `mariadb://…`.
    pub fn url(&self) -> String {
        let scheme = self.engine.name();
        let db = self.database.as_deref().unwrap_or("");
        let tail = if self.engine == Engine::Postgres {
            "?sslmode=disable"
        } else {
            ""
        };
        format!(
            "{scheme}://{}:{}@{}:{}/{db}{tail}",
            self.user, self.password, self.host, self.port
        )
    }
}

/// This process's run id: `ASSAY_RUN_ID` when set (so that processes of one run share it),
/// otherwise made up once per process.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| match std::env::var("ASSAY_RUN_ID") {
        Ok(id) if !id.is_empty() => id,
        _ => format!("{}-{}", std::process::id(), &random_hex()[..8]),
    })
}

/// Containers started by this process and not yet stopped, by container id.
struct Live {
    key: String,
    container: ContainerAsync<GenericImage>,
    _registration: Registration,
}

fn live() -> &'static Mutex<HashMap<String, Live>> {
    static LIVE: OnceLock<Mutex<HashMap<String, Live>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

/// Starts a container and waits until it accepts a login. The container is removed at the end
/// of the run (or on Ctrl-C) unless [`stop`] removes it first. Call from outside the runtime.
pub fn start(spec: &DockerSpec) -> Result<DockerServer> {
    let key = random_hex()[..16].to_owned();
    // Registered before the container exists: an interrupt during the start removes it too.
    let registration = cleanup::register({
        let key = key.clone();
        move || remove_by_key(&key)
    });
    let started = block_on(start_container(spec, &key));
    match started {
        Ok((server, container)) => {
            let mut live = live().lock().unwrap_or_else(|e| e.into_inner());
            live.insert(
                server.container_id.clone(),
                Live {
                    key,
                    container,
                    _registration: registration,
                },
            );
            Ok(server)
        }
        Err(e) => {
            // A container may exist (created, then failed): remove it now.
            remove_by_key(&key);
            drop(registration);
            Err(e)
        }
    }
}

/// Hands a container [`start`] returned over to someone else (the watchdog of a server shared
/// by the processes of a run): this process no longer removes it at the end of the run.
pub fn detach(server: &DockerServer) {
    let entry = live()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&server.container_id);
    if let Some(Live { container, .. }) = entry {
        // Dropping a ContainerAsync removes the container (and panics outside the runtime);
        // forgetting it keeps the container running for the other processes.
        std::mem::forget(container);
    }
}

/// Removes a container [`start`] returned, by this process or another. Removing a container
/// that is already gone is not an error. Call from outside the runtime.
pub fn stop(server: &DockerServer) -> Result<()> {
    let entry = live()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&server.container_id);
    match entry {
        // rm() consumes the container inside the runtime, so its Drop has nothing left to do.
        Some(Live {
            container,
            _registration,
            ..
        }) => {
            match block_on(container.rm()) {
                Ok(()) => Ok(()),
                Err(testcontainers::TestcontainersError::Client(
                    testcontainers::core::error::ClientError::RemoveContainer(e),
                )) if status(&e) == Some(404) => Ok(()),
                Err(e) => Err(ProvisionError(format!(
                    "could not remove container {}: {}",
                    short(&server.container_id),
                    error_chain(&e)
                ))),
            }
            // _registration drops here: the cleanup is no longer needed.
        }
        None => block_on(async {
            let docker = client(server.engine).await?;
            remove(&docker, &server.container_id).await
        }),
    }
}

/// Removes assay's containers: those of one run, or every container labelled `dev.assay=1`
/// when `run_id` is `None` (for `assay docker reap`). Returns how many were removed.
pub fn reap(run_id: Option<&str>) -> Result<usize> {
    let filter = match run_id {
        Some(id) => format!("{RUN_LABEL}={id}"),
        None => format!("{LABEL}=1"),
    };
    block_on(async {
        let docker = client(Engine::Postgres).await?;
        remove_labelled(&docker, &filter).await
    })
}

/// Whether a Docker daemon answers, and if not, why (the same message [`start`] would give).
pub fn available() -> Result<()> {
    block_on(async { client(Engine::Postgres).await.map(|_| ()) })
}

/// Whether the image `name:tag` is present locally.
pub fn image_present(image: &str, tag: &str) -> Result<bool> {
    block_on(async {
        let docker = client(Engine::Postgres).await?;
        match docker.inspect_image(&format!("{image}:{tag}")).await {
            Ok(_) => Ok(true),
            Err(e) if status(&e) == Some(404) => Ok(false),
            Err(e) => Err(ProvisionError(format!(
                "could not inspect image {image}:{tag}: {}",
                error_chain(&e)
            ))),
        }
    })
}

async fn start_container(
    spec: &DockerSpec,
    key: &str,
) -> Result<(DockerServer, ContainerAsync<GenericImage>)> {
    let docker = client(spec.engine).await?;
    let reference = spec.reference();
    let local = match docker.inspect_image(&reference).await {
        Ok(_) => true,
        Err(e) if status(&e) == Some(404) => false,
        Err(e) => {
            return Err(ProvisionError(format!(
                "could not inspect image {reference}: {}",
                error_chain(&e)
            )));
        }
    };

    let engine = spec.engine;
    let port = container_port(engine);
    let password = random_hex()[..24].to_owned();
    let database = match (engine, &spec.database) {
        (_, Some(db)) => Some(db.clone()),
        (Engine::Postgres, None) => Some("postgres".to_owned()),
        (_, None) => None,
    };
    let (bind_ip, host) = published_address();

    let mut request = GenericImage::new(spec.image.clone(), spec.tag.clone())
        .with_exposed_port(port.tcp())
        // Readiness is checked by logging in from the host (see the module docs).
        .with_wait_for(WaitFor::Nothing)
        .with_label(LABEL, "1")
        .with_label(RUN_LABEL, spec.run_id.clone())
        .with_label(KEY_LABEL, key)
        .with_label("dev.assay.engine", engine.name())
        .with_startup_timeout(spec.startup_timeout)
        .with_host_config_modifier(move |config: &mut HostConfig| {
            // Published on one interface only, on a port Docker picks (free by construction).
            let binding = PortBinding {
                host_ip: Some(bind_ip.clone()),
                host_port: Some(String::new()),
            };
            config.publish_all_ports = Some(false);
            config.port_bindings = Some(HashMap::from([(
                format!("{port}/tcp"),
                Some(vec![binding]),
            )]));
        });
    request = match engine {
        Engine::Postgres => {
            // Calls of functions and trigger functions, for --coverage.
            let mut r = request
                .with_cmd(["postgres", "-c", "track_functions=all"])
                .with_env_var("POSTGRES_PASSWORD", password.clone());
            if let Some(db) = &database {
                r = r.with_env_var("POSTGRES_DB", db.clone());
            }
            r
        }
        _ => {
            // --coverage reads performance_schema: on by default in MySQL, off in MariaDB.
            let request = match engine {
                Engine::Mariadb => request.with_cmd([
                    "mariadbd",
                    "--performance-schema=ON",
                    "--performance-schema-instrument=%=OFF",
                    "--performance-schema-instrument=statement/sp/%=ON",
                ]),
                _ => request,
            };
            // Both spellings: the official mariadb image reads either, mysql only MYSQL_*.
            let mut r = request
                .with_env_var("MYSQL_ROOT_PASSWORD", password.clone())
                .with_env_var("MARIADB_ROOT_PASSWORD", password.clone());
            if let Some(db) = &database {
                r = r
                    .with_env_var("MYSQL_DATABASE", db.clone())
                    .with_env_var("MARIADB_DATABASE", db.clone());
            }
            r
        }
    };

    let deadline = Instant::now() + spec.startup_timeout;
    let container = request.start().await.map_err(|e| {
        let why = error_chain(&e);
        if !local {
            ProvisionError(format!(
                "image {reference} is not present and could not be pulled ({why}); there is no \
                 registry on this machine: build it with testdata/docker/build-images.sh"
            ))
        } else {
            ProvisionError(format!(
                "could not start a container from {reference}: {why}"
            ))
        }
    })?;

    let facts = async {
        let host_port = match container.get_host_port_ipv4(port).await {
            Ok(port) => port,
            // A container that exited at once has no ports: say why it exited.
            Err(_) if !container.is_running().await.unwrap_or(true) => {
                return Err(ProvisionError(format!(
                    "container from {reference} exited at once{}",
                    log_tail(&container).await
                )));
            }
            Err(e) => {
                return Err(ProvisionError(format!(
                    "container from {reference} has no published port: {}",
                    error_chain(&e)
                )));
            }
        };
        Ok::<_, ProvisionError>(DockerServer {
            engine,
            host: host.clone(),
            port: host_port,
            user: admin_user(engine).to_owned(),
            password,
            database,
            container_id: container.id().to_owned(),
        })
    }
    .await;
    let server = match facts {
        Ok(server) => server,
        Err(e) => {
            let _ = container.rm().await;
            return Err(e);
        }
    };
    if let Err(e) = wait_ready(&server, &container, deadline).await {
        let _ = container.rm().await;
        return Err(ProvisionError(format!(
            "container from {reference} did not become ready: {e}"
        )));
    }
    Ok((server, container))
}

/// Logs in from the host until `SELECT 1` works, the container exits, or the deadline passes.
async fn wait_ready(
    server: &DockerServer,
    container: &ContainerAsync<GenericImage>,
    deadline: Instant,
) -> std::result::Result<(), String> {
    let mut last_error = String::new();
    let mut attempt = 0u32;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no login within the startup timeout (last error: {last_error}){}",
                log_tail(container).await
            ));
        }
        let probe = tokio::time::timeout(left.min(Duration::from_secs(5)), select_one(server));
        match probe.await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => last_error = e,
            Err(_) => last_error = "the login timed out".to_owned(),
        }
        attempt += 1;
        // A container that died will never answer: say why instead of waiting a minute.
        if attempt.is_multiple_of(10) && !container.is_running().await.unwrap_or(true) {
            return Err(format!("the container exited{}", log_tail(container).await));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn select_one(server: &DockerServer) -> std::result::Result<(), String> {
    match server.engine {
        Engine::Postgres => {
            let mut config = tokio_postgres::Config::new();
            config
                .host(&server.host)
                .port(server.port)
                .user(&server.user)
                .password(&server.password)
                .dbname(server.database.as_deref().unwrap_or("postgres"))
                .connect_timeout(Duration::from_secs(2));
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| error_chain(&e))?;
            let driver = tokio::spawn(connection);
            let result = client
                .simple_query("SELECT 1")
                .await
                .map(|_| ())
                .map_err(|e| error_chain(&e));
            drop(client);
            let _ = driver.await;
            result
        }
        _ => {
            use mysql_async::prelude::Queryable;
            let opts = mysql_async::OptsBuilder::default()
                .ip_or_hostname(server.host.clone())
                .tcp_port(server.port)
                .user(Some(server.user.clone()))
                .pass(Some(server.password.clone()))
                .db_name(server.database.clone())
                // Otherwise the driver asks the server for its socket path and connects there:
                // on the host that may be a different server.
                .prefer_socket(false);
            let mut conn = mysql_async::Conn::new(opts)
                .await
                .map_err(|e| error_chain(&e))?;
            let result = conn
                .query_drop("SELECT 1")
                .await
                .map_err(|e| error_chain(&e));
            let _ = conn.disconnect().await;
            result
        }
    }
}

/// The last lines the container printed, for an error message.
async fn log_tail(container: &ContainerAsync<GenericImage>) -> String {
    let mut text = String::new();
    if let Ok(out) = container.stdout_to_vec().await {
        text.push_str(&String::from_utf8_lossy(&out));
    }
    if let Ok(err) = container.stderr_to_vec().await {
        text.push_str(&String::from_utf8_lossy(&err));
    }
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(15)..];
    if tail.is_empty() {
        String::new()
    } else {
        format!("; its last output:\n  {}", tail.join("\n  "))
    }
}

/// A Docker client that answers, or the error to show: which daemon is missing and what to do.
async fn client(engine: Engine) -> Result<Docker> {
    let not_running = |why: String| {
        ProvisionError(format!(
            "Docker is not running ({why}): start dockerd (.ci/docker-setup.sh does) or use {} \
             instead of docker://",
            local_instead(engine)
        ))
    };
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .map_err(|e| not_running(error_chain(&e)))?;
    match tokio::time::timeout(Duration::from_secs(10), docker.ping()).await {
        Ok(Ok(_)) => Ok(docker),
        Ok(Err(e)) => Err(not_running(error_chain(&e))),
        Err(_) => Err(not_running(
            "the daemon did not answer within 10 s".to_owned(),
        )),
    }
}

/// Where to publish ports and where to connect: 127.0.0.1, unless `DOCKER_HOST` names a
/// daemon on another machine (then its host, on all interfaces).
fn published_address() -> (String, String) {
    if let Ok(url) = std::env::var("DOCKER_HOST")
        && let Some(rest) = url
            .strip_prefix("tcp://")
            .or_else(|| url.strip_prefix("http://"))
    {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if !host.is_empty() && host != "localhost" && host != "127.0.0.1" {
            return ("0.0.0.0".to_owned(), host.to_owned());
        }
    }
    ("127.0.0.1".to_owned(), "127.0.0.1".to_owned())
}

/// The cleanup registered for one container: remove it by its key label, whether or not it
/// finished starting. Runs outside the runtime, possibly from the signal handler while a runtime
/// worker is blocked waiting for it, so it uses a runtime and a Docker connection of its own
/// rather than the shared ones (whose I/O that blocked worker might be the one to drive).
fn remove_by_key(key: &str) {
    if let Some(entry) = take_live_by_key(key) {
        // Its container is removed below; dropping it here, outside the runtime, would panic.
        std::mem::forget(entry);
    }
    let filter = format!("{KEY_LABEL}={key}");
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let _ = rt.block_on(async {
        let docker = Docker::connect_with_defaults()
            .map_err(|e| ProvisionError(format!("no Docker client: {}", error_chain(&e))))?;
        remove_labelled(&docker, &filter).await
    });
}

fn take_live_by_key(key: &str) -> Option<Live> {
    let mut live = live().lock().unwrap_or_else(|e| e.into_inner());
    let id = live
        .iter()
        .find(|(_, l)| l.key == key)
        .map(|(id, _)| id.clone())?;
    live.remove(&id)
}

async fn remove_labelled(docker: &Docker, filter: &str) -> Result<usize> {
    let filters = HashMap::from([("label", vec![filter])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let containers = docker.list_containers(Some(options)).await.map_err(|e| {
        ProvisionError(format!(
            "could not list containers labelled {filter}: {}",
            error_chain(&e)
        ))
    })?;
    let mut removed = 0;
    for id in containers.into_iter().filter_map(|c| c.id) {
        remove(docker, &id).await?;
        removed += 1;
    }
    Ok(removed)
}

async fn remove(docker: &Docker, id: &str) -> Result<()> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        Err(e) if status(&e) == Some(404) => Ok(()),
        Err(e) => Err(ProvisionError(format!(
            "could not remove container {}: {}",
            short(id),
            error_chain(&e)
        ))),
    }
}

fn status(e: &testcontainers::bollard::errors::Error) -> Option<u16> {
    match e {
        testcontainers::bollard::errors::Error::DockerResponseServerError {
            status_code, ..
        } => Some(*status_code),
        _ => None,
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// 64 random hex digits (std's per-process random hasher keys, the clock, a counter).
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut seed = std::hash::RandomState::new().build_hasher();
    seed.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    seed.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    seed.write_u32(std::process::id());
    let mut hasher = Sha256::new();
    hasher.update(seed.finish().to_le_bytes());
    hasher.update(
        std::hash::RandomState::new()
            .build_hasher()
            .finish()
            .to_le_bytes(),
    );
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
