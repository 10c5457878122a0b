//! A throw-away PostgreSQL server from the binaries installed on this machine.
//!
//! - **Binaries**: `initdb` and `postgres` from `/usr/lib/postgresql/<major>/bin` or `PATH`;
//!   the requested major version, else the newest.
//! - **Pristine cache**: `initdb` costs ~0.4–1 s, so it runs once per major version into
//!   `<cache>/postgres/<major>-pristine` ([`cache_dir`]): built in a temp dir, copied, then
//!   renamed into place, under a lock file so two processes never both build it.
//! - **Start**: the pristine dir is copied to a fresh dir on tmpfs (`/dev/shm` when present),
//!   and `postgres` runs on a free 127.0.0.1 port with a private unix socket dir, tuned for
//!   tests (`fsync`, `synchronous_commit`, `full_page_writes` off). Readiness is a connect loop.
//! - **Root**: PostgreSQL refuses to run as root, so then `initdb` and `postgres` run as the
//!   `postgres` OS user and the dirs are made its own.
//! - **Stop**: fast shutdown (SIGINT), SIGKILL after 5 s, then the dir is deleted; by the
//!   owner's `Drop` and by the cleanup registry, whichever comes first.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::PgConnect;
use crate::provision::cleanup::{self, Registration};
use crate::provision::shared::{self, Facts, Started, cache_dir};
use crate::provision::{ProvisionError, Result};
use crate::runtime;

/// The server binaries of one PostgreSQL major version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binaries {
    pub major: u32,
    pub bindir: PathBuf,
}

impl Binaries {
    /// The binaries of `version` (`"15"`, `"15.4"`: the major counts), else the newest, from
    /// `/usr/lib/postgresql/*/bin` and `PATH`.
    pub fn find(version: Option<&str>) -> Result<Binaries> {
        let path = std::env::var_os("PATH");
        Binaries::find_in(version, path.as_deref(), Path::new("/usr/lib/postgresql"))
    }

    /// [`Binaries::find`] with the search places given: a `PATH`-style list and the root of
    /// versioned install dirs (`<root>/<major>/bin`).
    pub fn find_in(
        version: Option<&str>,
        path: Option<&OsStr>,
        lib_root: &Path,
    ) -> Result<Binaries> {
        let wanted = match version {
            Some(v) => Some(major_of(v).ok_or_else(|| {
                ProvisionError(format!(
                    "`{v}` is not a PostgreSQL version (expected e.g. `15`)"
                ))
            })?),
            None => None,
        };
        let mut found: Vec<Binaries> = Vec::new();
        if let Ok(entries) = fs::read_dir(lib_root) {
            for entry in entries.flatten() {
                let bindir = entry.path().join("bin");
                let major = entry.file_name().to_str().and_then(major_of);
                if let (Some(major), true) = (major, has_binaries(&bindir)) {
                    found.push(Binaries { major, bindir });
                }
            }
        }
        for dir in path
            .map(|p| std::env::split_paths(p).collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if !has_binaries(&dir) || found.iter().any(|b| same_dir(&b.bindir, &dir)) {
                continue;
            }
            if let Some(major) = version_of(&dir.join("postgres")) {
                found.push(Binaries { major, bindir: dir });
            }
        }
        let pick = match wanted {
            Some(major) => found.iter().find(|b| b.major == major),
            None => found.iter().max_by_key(|b| b.major),
        };
        if let Some(binaries) = pick {
            return Ok(binaries.clone());
        }
        let mut majors: Vec<String> = found.iter().map(|b| b.major.to_string()).collect();
        majors.sort();
        majors.dedup();
        let have = if majors.is_empty() {
            String::new()
        } else {
            format!(" (found version {} only)", majors.join(", "))
        };
        let package = wanted
            .map(|m| format!("postgresql-{m}"))
            .unwrap_or("postgresql".into());
        Err(ProvisionError(format!(
            "local://postgres{}: the PostgreSQL server binaries (initdb, postgres) were not found \
             on PATH or in {}/*/bin{have}; install them, e.g. `apt-get install {package}`",
            wanted.map(|m| format!("/{m}")).unwrap_or_default(),
            lib_root.display(),
        )))
    }

    fn binary(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }
}

fn major_of(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

fn has_binaries(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The major version `postgres --version` reports (`postgres (PostgreSQL) 15.18 (Debian …)`).
fn version_of(postgres: &Path) -> Option<u32> {
    let out = Command::new(postgres).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let number = text.split(')').nth(1)?.split_whitespace().next()?;
    major_of(number)
}

/// The OS user the server runs as when assay runs as root.
#[derive(Clone, Copy, Debug)]
struct RunAs {
    uid: u32,
    gid: u32,
}

fn run_as() -> Result<Option<RunAs>> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() > 3
            && fields[0] == "postgres"
            && let (Ok(uid), Ok(gid)) = (fields[2].parse(), fields[3].parse())
        {
            return Ok(Some(RunAs { uid, gid }));
        }
    }
    Err(ProvisionError(
        "PostgreSQL refuses to run as root, and there is no `postgres` OS user to run it as; \
         run assay as another user or create one (the postgresql packages do)"
            .to_string(),
    ))
}

fn command(program: &Path, owner: Option<RunAs>) -> Command {
    let mut command = Command::new(program);
    if let Some(owner) = owner {
        command.uid(owner.uid).gid(owner.gid);
    }
    command.env("LC_ALL", "C").stdin(Stdio::null());
    command
}

/// Where throw-away data dirs go: `ASSAY_SCRATCH_DIR`, else tmpfs when there is one.
fn scratch_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("ASSAY_SCRATCH_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

fn unique(prefix: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    scratch_root().join(format!("{prefix}-{}-{n}-{nanos:x}", std::process::id()))
}

/// A private dir (0700), owned by the server's user.
fn make_dir(dir: &Path, owner: Option<RunAs>) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| io_error("set permissions of", dir, e))?;
    chown(dir, owner)
}

fn chown(path: &Path, owner: Option<RunAs>) -> Result<()> {
    match owner {
        Some(o) => std::os::unix::fs::chown(path, Some(o.uid), Some(o.gid))
            .map_err(|e| io_error("change the owner of", path, e)),
        None => Ok(()),
    }
}

/// Copies a data dir (regular files and dirs only), making the copy `owner`'s.
fn copy_tree(from: &Path, to: &Path, owner: Option<RunAs>) -> Result<()> {
    make_dir(to, owner)?;
    for entry in fs::read_dir(from).map_err(|e| io_error("read", from, e))? {
        let entry = entry.map_err(|e| io_error("read", from, e))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry
            .file_type()
            .map_err(|e| io_error("read", &source, e))?;
        if kind.is_dir() {
            copy_tree(&source, &target, owner)?;
        } else {
            fs::copy(&source, &target).map_err(|e| io_error("copy", &source, e))?;
            chown(&target, owner)?;
        }
    }
    Ok(())
}

/// The pristine data dir of `binaries`' major version, built on first use.
fn pristine(binaries: &Binaries, owner: Option<RunAs>) -> Result<PathBuf> {
    let root = cache_dir().join("postgres");
    let dir = root.join(format!("{}-pristine", binaries.major));
    if dir.is_dir() {
        return Ok(dir); // complete: it only appears by rename
    }
    fs::create_dir_all(&root).map_err(|e| io_error("create", &root, e))?;
    let lock_path = root.join(format!("{}.lock", binaries.major));
    let lock = File::create(&lock_path).map_err(|e| io_error("create", &lock_path, e))?;
    lock.lock().map_err(|e| io_error("lock", &lock_path, e))?;
    if dir.is_dir() {
        return Ok(dir); // another process built it while we waited
    }
    let work = unique("assay-initdb");
    make_dir(&work, owner)?;
    let built = (|| {
        let data = work.join("data");
        let out = command(&binaries.binary("initdb"), owner)
            .current_dir(&work)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
            // Small WAL segments: less to copy on every start.
            .args(["--no-sync", "--wal-segsize=1", "--no-instructions"])
            .output()
            .map_err(|e| ProvisionError(format!("could not run initdb: {e}")))?;
        if !out.status.success() {
            return Err(ProvisionError(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let tmp = root.join(format!(
            "{}-pristine.tmp-{}",
            binaries.major,
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&tmp);
        copy_tree(&data, &tmp, None)?;
        drop_spare_wal(binaries, &tmp);
        fs::rename(&tmp, &dir).map_err(|e| io_error("rename", &tmp, e))
    })();
    let _ = fs::remove_dir_all(&work);
    built.map(|()| dir)
}

/// initdb leaves a few preallocated WAL segments; only the one holding the last checkpoint is
/// needed, and every start copies what is left.
fn drop_spare_wal(binaries: &Binaries, data: &Path) {
    let Ok(out) = Command::new(binaries.binary("pg_controldata"))
        .arg(data)
        .output()
    else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(keep) = text
        .lines()
        .find_map(|l| l.strip_prefix("Latest checkpoint's REDO WAL file:"))
        .map(str::trim)
    else {
        return;
    };
    let wal = data.join("pg_wal");
    for entry in fs::read_dir(&wal).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let segment = name.len() == 24 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if segment && name.as_str() > keep {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A ready copy of the pristine dir on tmpfs, per major version and owner, so the next start
/// only renames it (copying ~25 MB costs ~100 ms here; the rename is free). It stays on tmpfs
/// between runs, like a cache.
fn spare_path(major: u32, owner: Option<RunAs>) -> PathBuf {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = owner
        .map(|o| o.uid)
        .unwrap_or_else(|| unsafe { libc::geteuid() });
    scratch_root().join(format!("assay-pg{major}-spare-u{uid}"))
}

/// Copies the pristine dir to `spare` in the background, unless a spare is there. A copy cut
/// short by the process's exit is removed by a later start.
fn make_spare(pristine: PathBuf, spare: PathBuf, owner: Option<RunAs>) {
    if spare.exists() {
        return;
    }
    let name = spare
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stale = format!("{name}.tmp-");
    for entry in fs::read_dir(scratch_root()).into_iter().flatten().flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = file_name
            .strip_prefix(&stale)
            .and_then(|p| p.split('-').next())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    std::thread::spawn(move || {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let tmp = spare.with_file_name(format!("{stale}{}-{n}", std::process::id()));
        if copy_tree(&pristine, &tmp, owner).is_err() || fs::rename(&tmp, &spare).is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
    });
}

/// A running server this process started.
pub struct Instance {
    connect: PgConnect,
    base: PathBuf,
    child: Arc<Mutex<Option<Child>>>,
    registration: Option<Registration>,
}

/// Starts a server from the pristine copy of `binaries`' version.
pub fn start(binaries: &Binaries) -> Result<Instance> {
    start_with(binaries, &[])
}

/// [`start`] with more server settings (`name=value`, as `postgres -c` takes them; they win
/// over assay's own), e.g. `max_connections=12` to test the connection budget.
pub fn start_with(binaries: &Binaries, settings: &[&str]) -> Result<Instance> {
    let owner = run_as()?;
    let pristine = pristine(binaries, owner)?;
    let base = unique("assay-pg");
    make_dir(&base, owner)?;
    let child: Arc<Mutex<Option<Child>>> = Arc::new(Mutex::new(None));
    let registration = {
        let (child, base) = (Arc::clone(&child), base.clone());
        cleanup::register(move || stop(&child, &base))
    };
    let mut instance = Instance {
        connect: PgConnect {
            host: "127.0.0.1".into(),
            port: 0,
            user: "postgres".into(),
            password: None,
            dbname: "postgres".into(),
            client: Default::default(),
        },
        base: base.clone(),
        child,
        registration: Some(registration),
    };
    let data = base.join("data");
    let sockets = base.join("sockets");
    let spare = spare_path(binaries.major, owner);
    if fs::rename(&spare, &data).is_err() {
        copy_tree(&pristine, &data, owner)?;
    }
    make_spare(pristine.clone(), spare, owner);
    make_dir(&sockets, owner)?;
    let log_path = base.join("postgres.log");
    // A port taken between our probe and the server's bind fails the start: try again.
    let mut last_error = None;
    for _ in 0..3 {
        let port = crate::provision::free_port()?;
        let log = File::create(&log_path).map_err(|e| io_error("create", &log_path, e))?;
        chown(&log_path, owner)?;
        let spawned = command(&binaries.binary("postgres"), owner)
            .current_dir(&base)
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"])
            .arg(&sockets)
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=300"])
            .args(["-c", "shared_buffers=32MB", "-c", "max_wal_size=1GB"])
            // Calls of functions, procedures and trigger functions, for --coverage.
            .args(["-c", "track_functions=all"])
            .args([
                "-c",
                "logging_collector=off",
                "-c",
                "log_min_messages=warning",
            ])
            // Shared memory segments in the data dir, so a killed server leaves none elsewhere.
            .args(["-c", "dynamic_shared_memory_type=mmap"])
            .args(settings.iter().flat_map(|s| ["-c", s]))
            .stdout(Stdio::null())
            .stderr(log)
            // Not in the terminal's process group: Ctrl-C reaches assay, which stops it.
            .process_group(0)
            .spawn()
            .map_err(|e| ProvisionError(format!("could not run postgres: {e}")))?;
        *instance.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(spawned);
        instance.connect.port = port;
        match instance.wait_ready(Duration::from_secs(30)) {
            Ok(()) => return Ok(instance),
            Err(e) => {
                let log = fs::read_to_string(&log_path).unwrap_or_default();
                stop_child(&instance.child);
                let retry = log.contains("could not bind") || log.contains("Address already");
                last_error = Some(ProvisionError(format!("{e}\npostgres log:\n{log}")));
                if !retry {
                    break;
                }
            }
        }
    }
    Err(last_error.unwrap_or_else(|| ProvisionError("postgres did not start".into())))
}

impl Instance {
    /// How to reach the server (the `postgres` database, as the `postgres` user).
    pub fn connect(&self) -> &PgConnect {
        &self.connect
    }

    /// The server's dir (data dir, sockets, log); deleted when the server stops.
    pub fn dir(&self) -> &Path {
        &self.base
    }

    /// The server process id.
    pub fn pid(&self) -> Option<u32> {
        self.child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(Child::id)
    }

    /// Connects until the server answers, or it exits, or `limit` passes.
    fn wait_ready(&self, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        let config = self.connect.config("postgres");
        loop {
            let attempt = runtime::block_on(async {
                let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
                drop(connection);
                drop(client);
                Ok::<(), tokio_postgres::Error>(())
            });
            if attempt.is_ok() {
                return Ok(());
            }
            let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(Ok(Some(status))) = child.as_mut().map(Child::try_wait) {
                return Err(ProvisionError(format!(
                    "postgres exited while starting ({status})"
                )));
            }
            drop(child);
            if Instant::now() > deadline {
                return Err(ProvisionError(format!(
                    "postgres did not accept connections on port {} within {limit:?}",
                    self.connect.port
                )));
            }
            std::thread::sleep(Duration::from_millis(3));
        }
    }

    /// Stops the server and deletes its dir. Idempotent.
    pub fn stop(&mut self) {
        stop(&self.child, &self.base);
        self.registration = None;
    }

    /// Hands the server over to the shared-server watchdog: this process no longer stops it.
    pub fn detach(mut self) -> Result<Started> {
        let pid = self
            .pid()
            .ok_or_else(|| ProvisionError("postgres is not running".into()))?;
        self.registration = None;
        // Forget the child without waiting for it: it outlives this process.
        self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        let mut facts = Facts::default();
        facts.set("host", &self.connect.host);
        facts.set("port", self.connect.port.to_string());
        facts.set("user", &self.connect.user);
        facts.set("dbname", &self.connect.dbname);
        facts.set("pid", pid.to_string());
        facts.set("dir", self.base.to_string_lossy());
        let dir = shell_quote(&self.base.to_string_lossy());
        let stop_script = format!(
            "kill -INT {pid} 2>/dev/null; i=0; \
             while kill -0 {pid} 2>/dev/null && ! grep -q '^State:.*Z' /proc/{pid}/status \
             && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; \
             kill -KILL {pid} 2>/dev/null; rm -rf {dir}"
        );
        self.base = PathBuf::new();
        Ok(Started { facts, stop_script })
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The connection facts of a shared server started by [`Instance::detach`].
pub fn connect_from_facts(facts: &Facts) -> Result<PgConnect> {
    let get = |key: &str| {
        facts.get(key).map(str::to_string).ok_or_else(|| {
            let dir = shared::cache_dir().join("shared");
            ProvisionError(format!(
                "the shared server's state lacks `{key}`; remove {}",
                dir.display()
            ))
        })
    };
    Ok(PgConnect {
        host: get("host")?,
        port: get("port")?
            .parse()
            .map_err(|_| ProvisionError("bad port in shared state".into()))?,
        user: get("user")?,
        password: None,
        dbname: get("dbname")?,
        client: Default::default(),
    })
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn stop(child: &Mutex<Option<Child>>, base: &Path) {
    stop_child(child);
    if !base.as_os_str().is_empty() {
        let _ = fs::remove_dir_all(base);
    }
}

/// Fast shutdown, then SIGKILL after 5 s.
fn stop_child(child: &Mutex<Option<Child>>) {
    let Some(mut child) = child.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return;
    };
    if let Ok(None) = child.try_wait() {
        // SAFETY: kill has no memory-safety preconditions; the pid is our unreaped child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill();
    }
    let _ = child.wait();
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> ProvisionError {
    ProvisionError(format!("could not {what} {}: {e}", path.display()))
}
