//! A throw-away MariaDB (or MySQL) server from the installed binaries.
//!
//! - A **pristine data directory** is initialized once per server version and kept in the cache
//!   (`$ASSAY_CACHE_DIR`, else `$XDG_CACHE_HOME/assay`, else `~/.cache/assay`), built in a
//!   temporary directory under an exclusive `flock` and renamed into place, so concurrent
//!   processes build it once. Its only account is `root@localhost` without a password, reachable
//!   only over the unix socket: TCP never accepts an unauthenticated login.
//! - [`start`] copies it to tmpfs (`/dev/shm` when present), starts the server with
//!   `--no-defaults` on a private socket and a free 127.0.0.1 port, tuned for throw-away data
//!   (no binlog, no doublewrite, lazy log flush, small buffer pool), and creates
//!   `root@127.0.0.1` with a random password over the socket.
//! - [`stop`] sends SIGTERM (SIGKILL after 10 s) and removes the directory.
//!
//! `start` and `stop` exchange only [`LocalFacts`] (plain data), so a cross-process server
//! sharing layer can call them.

use std::io::Read as _;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};

use super::{MyConnect, quote_str};
use crate::engine::Engine;
use crate::provision::{ProvisionError, Result};
use crate::runtime;

/// InnoDB sizing shared by the pristine build and every start (the data file layout must match).
const INNODB: &[&str] = &[
    "--innodb-data-file-path=ibdata1:10M:autoextend",
    "--innodb-log-file-size=8M",
    "--innodb-buffer-pool-size=64M",
];

const INSTALL_HINT: &str = "install MariaDB's server binaries (`apt-get install mariadb-server`), or use a mysql:// URL \
     or a docker:// URL instead";

/// The server and initialization binaries, and the server's version.
#[derive(Clone, Debug)]
pub struct Binaries {
    pub server: PathBuf,
    /// `mariadb-install-db` / `mysql_install_db`; `None` for MySQL ≥ 5.7 (`mysqld --initialize`).
    pub install: Option<PathBuf>,
    /// The full version (`10.11.19-MariaDB-0+deb12u1`).
    pub version: String,
    pub mariadb: bool,
}

impl Binaries {
    /// Finds the binaries on `PATH`, `/usr/sbin`, `/usr/bin` and `/usr/local/{sbin,bin}`.
    pub fn find() -> Result<Binaries> {
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        for d in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
            dirs.push(PathBuf::from(d));
        }
        Binaries::find_in(&dirs)
    }

    /// Finds the binaries in `dirs` only.
    pub fn find_in(dirs: &[PathBuf]) -> Result<Binaries> {
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| dirs.iter().map(|d| d.join(n)).find(|p| is_executable(p)))
        };
        let server = find(&["mariadbd", "mysqld"]).ok_or_else(|| {
            ProvisionError(format!(
                "local://mariadb needs the MariaDB server binary `mariadbd` (or `mysqld`), which is \
                 not on PATH, /usr/sbin or /usr/bin: {INSTALL_HINT}"
            ))
        })?;
        let output = Command::new(&server)
            .arg("--version")
            .output()
            .map_err(|e| ProvisionError(format!("cannot run {}: {e}", server.display())))?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let version = text
            .split_whitespace()
            .skip_while(|w| *w != "Ver")
            .nth(1)
            .ok_or_else(|| {
                ProvisionError(format!(
                    "cannot read the version from `{} --version`",
                    server.display()
                ))
            })?
            .to_owned();
        let mariadb = version.contains("MariaDB");
        let install = find(&["mariadb-install-db", "mysql_install_db"]);
        if mariadb && install.is_none() {
            return Err(ProvisionError(format!(
                "local://mariadb needs `mariadb-install-db` (or `mysql_install_db`), which is not \
                 on PATH, /usr/sbin or /usr/bin: {INSTALL_HINT}"
            )));
        }
        Ok(Binaries {
            server,
            install: if mariadb { install } else { None },
            version,
            mariadb,
        })
    }

    /// `10.11.19` of `10.11.19-MariaDB-0+deb12u1`.
    pub fn numeric_version(&self) -> &str {
        self.version.split('-').next().unwrap_or(&self.version)
    }

    /// Checks a requested version (`10.11`, `10`, `latest`) against the installed one.
    pub fn check_version(&self, wanted: Option<&str>) -> Result<()> {
        let Some(wanted) = wanted.filter(|w| !w.is_empty() && *w != "latest") else {
            return Ok(());
        };
        let have: Vec<&str> = self.numeric_version().split('.').collect();
        let want: Vec<&str> = wanted.split('.').collect();
        if want.len() <= have.len() && want.iter().zip(&have).all(|(w, h)| w == h) {
            return Ok(());
        }
        Err(ProvisionError(format!(
            "version {wanted} was asked for, but the installed {} is {}; ask for that version, or \
             use a docker:// URL for another one",
            self.server.display(),
            self.version
        )))
    }
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A running local server: everything needed to use it and to stop it.
#[derive(Clone)]
pub struct LocalFacts {
    pub pid: u32,
    /// The server's private directory (data dir, socket, log); removed by [`stop`].
    pub dir: PathBuf,
    pub port: u16,
    pub socket: PathBuf,
    pub user: String,
    pub password: String,
    pub version: String,
}

impl std::fmt::Debug for LocalFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalFacts")
            .field("pid", &self.pid)
            .field("dir", &self.dir)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl LocalFacts {
    /// The facts other processes of a run need (see `provision::shared`).
    pub fn to_shared(&self) -> crate::provision::shared::Facts {
        let mut f = crate::provision::shared::Facts::default();
        f.set("pid", self.pid.to_string());
        f.set("dir", self.dir.to_string_lossy());
        f.set("port", self.port.to_string());
        f.set("socket", self.socket.to_string_lossy());
        f.set("user", &self.user);
        f.set("password", &self.password);
        f.set("version", &self.version);
        f
    }

    pub fn from_shared(f: &crate::provision::shared::Facts) -> Result<LocalFacts> {
        let get = |k: &str| {
            f.get(k).map(str::to_owned).ok_or_else(|| {
                ProvisionError(format!("the shared MariaDB server's state has no {k}"))
            })
        };
        let number = |k: &str| -> Result<u32> {
            get(k)?.parse().map_err(|_| {
                ProvisionError(format!("the shared MariaDB server's {k} is not a number"))
            })
        };
        Ok(LocalFacts {
            pid: number("pid")?,
            dir: PathBuf::from(get("dir")?),
            port: number("port")? as u16,
            socket: PathBuf::from(get("socket")?),
            user: get("user")?,
            password: get("password")?,
            version: get("version")?,
        })
    }

    pub fn connect(&self, engine: Engine) -> MyConnect {
        MyConnect {
            engine,
            host: "127.0.0.1".into(),
            port: self.port,
            user: self.user.clone(),
            password: Some(self.password.clone()),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }
}

/// The cache directory of assay.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ASSAY_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("assay");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("assay")
}

/// Starts a throw-away server. The caller must eventually [`stop`] it.
pub fn start(binaries: &Binaries) -> Result<LocalFacts> {
    let pristine = pristine(binaries)?;
    let dir = private_dir("server")?;
    let data = dir.join("data");
    let mut last_error = None;
    let result = copy_dir(&pristine, &data).map_err(|e| {
        ProvisionError(format!(
            "cannot copy {} to {}: {e}",
            pristine.display(),
            data.display()
        ))
    });
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    // A free port can be taken between probing and binding: retry with another one.
    for _ in 0..3 {
        match start_in(binaries, &dir) {
            Ok(facts) => return Ok(facts),
            Err(e) => last_error = Some(e),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Err(last_error.unwrap_or_else(|| ProvisionError("the server did not start".into())))
}

fn start_in(binaries: &Binaries, dir: &Path) -> Result<LocalFacts> {
    let port = crate::provision::free_port()?;
    let socket = dir.join("server.sock");
    let log = dir.join("error.log");
    let mut cmd = server_command(binaries, &dir.join("data"), &socket);
    cmd.arg("--bind-address=127.0.0.1")
        .arg(format!("--port={port}"))
        .arg(format!("--log-error={}", log.display()))
        .arg(format!("--pid-file={}", dir.join("server.pid").display()));
    let child = cmd
        .spawn()
        .map_err(|e| ProvisionError(format!("cannot run {}: {e}", binaries.server.display())))?;
    let pid = child.id();
    let mut facts = LocalFacts {
        pid,
        dir: dir.to_owned(),
        port,
        socket: socket.clone(),
        user: "root".into(),
        password: random_password(),
        version: binaries.version.clone(),
    };
    let ready = wait_ready(pid, &socket, &log).and_then(|mut conn| {
        let sql = format!(
            "CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY {pw}; \
             GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
            pw = quote_str(&facts.password)
        );
        let result = runtime::block_on(conn.query_drop(sql));
        crate::engine::mysql::disconnect(conn);
        result.map_err(|e| ProvisionError(format!("cannot create the assay account: {e}")))
    });
    match ready {
        Ok(()) => {
            facts.socket = socket;
            Ok(facts)
        }
        Err(e) => {
            // Keep the directory (the caller retries in it); stop only the process.
            terminate(pid, &dir.join("data"));
            let _ = std::fs::remove_file(&socket);
            Err(e)
        }
    }
}

/// The server command line shared by the pristine build and every start.
fn server_command(binaries: &Binaries, data: &Path, socket: &Path) -> Command {
    let mut cmd = Command::new(&binaries.server);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", socket.display()))
        .arg(format!(
            "--tmpdir={}",
            data.parent().unwrap_or(data).display()
        ))
        .args(INNODB)
        .args([
            "--skip-log-bin",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--skip-name-resolve",
            // Only the stored-program summaries --coverage reads: +~20 MB, against +~110 MB
            // for the defaults.
            "--performance-schema=ON",
            "--performance-schema-instrument=%=OFF",
            "--performance-schema-instrument=statement/sp/%=ON",
            "--performance-schema-digests-size=0",
            "--performance-schema-max-digest-length=0",
            "--performance-schema-max-sql-text-length=0",
            "--performance-schema-events-statements-history-size=0",
            "--performance-schema-events-statements-history-long-size=0",
            "--performance-schema-events-waits-history-size=0",
            "--performance-schema-events-waits-history-long-size=0",
            "--performance-schema-events-stages-history-size=0",
            "--performance-schema-events-stages-history-long-size=0",
            "--performance-schema-max-table-instances=0",
            "--performance-schema-max-table-handles=0",
            "--performance-schema-max-file-instances=0",
            "--performance-schema-max-mutex-instances=0",
            "--performance-schema-max-rwlock-instances=0",
            "--performance-schema-max-cond-instances=0",
            "--performance-schema-max-socket-instances=0",
            "--max-connections=500",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
        ]);
    if is_root() {
        // mariadbd refuses to run as root unless told to.
        cmd.arg("--user=root");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Waits until the server accepts a connection on its socket (30 s at most).
fn wait_ready(pid: u32, socket: &Path, log: &Path) -> Result<Conn> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if socket.exists() {
            let opts = OptsBuilder::default()
                .socket(Some(socket.to_string_lossy().into_owned()))
                .user(Some("root"))
                .prefer_socket(false);
            if let Ok(conn) = runtime::block_on(Conn::new(opts)) {
                return Ok(conn);
            }
        }
        if !alive(pid) {
            return Err(ProvisionError(format!(
                "the MariaDB server exited while starting; the end of its log:\n{}",
                tail(log)
            )));
        }
        if Instant::now() > deadline {
            return Err(ProvisionError(format!(
                "the MariaDB server did not accept connections within 30 s; the end of its log:\n{}",
                tail(log)
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A shell script doing what [`stop`] does, for the watchdog of a shared server: SIGTERM, up to
/// 10 s, SIGKILL, remove the directory.
pub fn stop_script(facts: &LocalFacts) -> String {
    let pid = facts.pid;
    let dir = facts.dir.to_string_lossy().replace('\'', "'\\''");
    format!(
        "kill -TERM {pid} 2>/dev/null; i=0; \
         while kill -0 {pid} 2>/dev/null && ! grep -q '^State:.*Z' /proc/{pid}/status 2>/dev/null \
         && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; \
         kill -KILL {pid} 2>/dev/null; rm -rf '{dir}'"
    )
}

/// Stops a server started by [`start`] and removes its directory. Idempotent.
pub fn stop(facts: &LocalFacts) {
    terminate(facts.pid, &facts.data_dir());
    let _ = std::fs::remove_dir_all(&facts.dir);
}

/// SIGTERM, then SIGKILL after 10 s, to `pid` — only while it is the server of `data`
/// (never a process that reused the pid).
fn terminate(pid: u32, data: &Path) {
    let ours = std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&*data.to_string_lossy()));
    if !ours {
        reap(pid);
        return;
    }
    signal(pid, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        if Instant::now() > deadline {
            signal(pid, libc::SIGKILL);
            let kill_deadline = Instant::now() + Duration::from_secs(5);
            while alive(pid) && Instant::now() < kill_deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill has no memory preconditions; the pid was checked to be our server.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// Whether `pid` still runs; reaps it when it is our exited child.
fn alive(pid: u32) -> bool {
    if reap(pid) {
        return false;
    }
    // SAFETY: signal 0 only checks for existence.
    let exists = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
    exists && !is_zombie(pid)
}

/// Reaps `pid` if it is an exited child of this process; true when it was reaped.
fn reap(pid: u32) -> bool {
    let mut status = 0;
    // SAFETY: waitpid with WNOHANG on a single pid; `status` is a valid pointer.
    unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) == pid as libc::pid_t }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.starts_with('Z')))
        .unwrap_or(false)
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn random_password() -> String {
    let mut bytes = [0u8; 18];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let digest =
            <sha2::Sha256 as sha2::Digest>::digest(format!("{nanos}-{}", std::process::id()));
        bytes.copy_from_slice(&digest[..18]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new private (0700) directory on tmpfs when there is one.
fn private_dir(what: &str) -> Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = base.join(format!(
        "assay-mariadb-{what}-{}-{n}-{}",
        std::process::id(),
        &random_password()[..8]
    ));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| ProvisionError(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().mode(0o700).create(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The pristine data directory for these binaries, built once (see the module docs).
fn pristine(binaries: &Binaries) -> Result<PathBuf> {
    let cache = cache_dir();
    let kind = if binaries.mariadb { "mariadb" } else { "mysql" };
    let key: String = binaries
        .version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = cache.join(format!("{kind}-{key}"));
    if dir.join("mysql").is_dir() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&cache)
        .map_err(|e| ProvisionError(format!("cannot create the cache {}: {e}", cache.display())))?;
    let lock_path = cache.join(format!("{kind}-{key}.lock"));
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| ProvisionError(format!("cannot create {}: {e}", lock_path.display())))?;
    use std::os::fd::AsRawFd as _;
    // SAFETY: flock on an open file descriptor we own; released when `lock` is closed.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(ProvisionError(format!(
            "cannot lock {}",
            lock_path.display()
        )));
    }
    if dir.join("mysql").is_dir() {
        return Ok(dir); // built by another process while we waited
    }
    let build = cache.join(format!("{kind}-{key}.build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&build);
    let result = build_pristine(binaries, &build).and_then(|()| {
        std::fs::rename(&build, &dir)
            .map_err(|e| ProvisionError(format!("cannot move {} into place: {e}", build.display())))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&build);
    }
    result.map(|()| dir)
}

fn build_pristine(binaries: &Binaries, data: &Path) -> Result<()> {
    let work = private_dir("init")?;
    let result = build_pristine_in(binaries, data, &work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn build_pristine_in(binaries: &Binaries, data: &Path, work: &Path) -> Result<()> {
    let log = work.join("install.log");
    let log_file = std::fs::File::create(&log)
        .map_err(|e| ProvisionError(format!("cannot create {}: {e}", log.display())))?;
    let mut cmd = match &binaries.install {
        Some(install) => {
            let mut cmd = Command::new(install);
            cmd.arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg("--auth-root-authentication-method=normal")
                .arg("--skip-test-db")
                .args(INNODB);
            if let Some(base) = binaries.server.parent().and_then(Path::parent) {
                // install-db looks for the server under --basedir (/usr/sbin/mariadbd → /usr).
                cmd.arg(format!("--basedir={}", base.display()));
            }
            if is_root() {
                cmd.arg("--user=root");
            }
            cmd
        }
        None => {
            let mut cmd = Command::new(&binaries.server);
            cmd.arg("--no-defaults")
                .arg("--initialize-insecure")
                .arg(format!("--datadir={}", data.display()));
            if is_root() {
                cmd.arg("--user=root");
            }
            cmd
        }
    };
    let status = cmd
        .stdin(Stdio::null())
        .stdout(
            log_file
                .try_clone()
                .map_err(|e| ProvisionError(e.to_string()))?,
        )
        .stderr(log_file)
        .status()
        .map_err(|e| ProvisionError(format!("cannot run the database initialization: {e}")))?;
    if !status.success() {
        return Err(ProvisionError(format!(
            "initializing a MariaDB data directory failed ({status}); the end of its log:\n{}",
            tail(&log)
        )));
    }
    // Leave only root@localhost (socket): drop the TCP and anonymous accounts once, here.
    let socket = work.join("init.sock");
    let mut cmd = server_command(binaries, data, &socket);
    cmd.arg("--skip-networking")
        .arg(format!("--log-error={}", work.join("error.log").display()));
    let child = cmd
        .spawn()
        .map_err(|e| ProvisionError(format!("cannot run the server: {e}")))?;
    let pid = child.id();
    let result = wait_ready(pid, &socket, &work.join("error.log")).and_then(|mut conn| {
        let result = runtime::block_on(async {
            let accounts: Vec<(String, String)> = conn
                .query(
                    "SELECT user, host FROM mysql.user \
                     WHERE NOT (user = 'root' AND host = 'localhost') AND user <> 'mariadb.sys'",
                )
                .await?;
            for (user, host) in accounts {
                conn.query_drop(format!(
                    "DROP USER {}@{}",
                    quote_str(&user),
                    quote_str(&host)
                ))
                .await?;
            }
            Ok::<_, mysql_async::Error>(())
        });
        crate::engine::mysql::disconnect(conn);
        result.map_err(|e| ProvisionError(format!("cannot prepare the pristine accounts: {e}")))
    });
    terminate(pid, data);
    result?;
    // Files the server leaves that a copy must not inherit.
    for f in ["server.pid", "init.sock"] {
        let _ = std::fs::remove_file(data.join(f));
    }
    Ok(())
}
