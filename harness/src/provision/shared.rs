//! One provisioned server shared by every process of a run.
//!
//! nextest runs each trial in its own process, and starting a server per trial is far too slow.
//! When the run has an id — `ASSAY_RUN_ID`, else `NEXTEST_RUN_ID` (nextest sets it per run) —
//! the processes of the run share one server per engine and version:
//!
//! - **Files.** `<cache>/shared/<run id>-<name>/` holds `lock` (who may start the server),
//!   `lease` (who uses it) and `state` (its connection facts, `key=value` lines). `<cache>` is
//!   [`cache_dir`].
//! - **Finding it.** A process takes `lock` exclusively, then a *shared* `flock` on `lease`,
//!   then reads `state`. If there is none, it starts the server, writes `state` (write + rename)
//!   and spawns the watchdog. Then it releases `lock` and keeps its lease until it is done with
//!   the server or exits (the kernel releases a dead process's locks, so a crash cannot leak a
//!   lease).
//! - **Removing it.** The watchdog is a detached `sh -c` loop (it needs `flock(1)` from
//!   util-linux; no re-exec of the test binary). It waits until it can take `lease`
//!   exclusively — no process uses the server — then waits a grace period
//!   (`ASSAY_SHARED_GRACE_MS`, default 1000) so the next trial process of the run can take a
//!   lease, and then tries `lock` and `lease` exclusively without blocking. If it gets both, it
//!   runs the provider's stop script (`stop` in the same dir: stop the server, delete its dir)
//!   and removes the run's directory; otherwise a process came back, and it waits again. A
//!   watchdog whose directory was replaced exits.
//! - A `pid` fact names the server process; a state whose process is gone is replaced.
//! - A process that waited on `lock` while the watchdog removed the directory notices that its
//!   open file is no longer the one at the path and starts over, so a removed server is never
//!   used and two servers are never started for one key.
//!
//! Providers plug in with a closure that starts the server and returns [`Started`]: the facts
//! other processes need to connect, and a shell script that stops the server and removes what
//! it left. PostgreSQL from local binaries uses it; MariaDB and Docker can do the same.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{ProvisionError, Result};

/// The id of the current run, if processes of the run should share servers.
pub fn run_id() -> Option<String> {
    ["ASSAY_RUN_ID", "NEXTEST_RUN_ID"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|id| !id.is_empty())
}

/// Where assay keeps what outlives a run: `$ASSAY_CACHE_DIR`, else `$XDG_CACHE_HOME/assay`,
/// else `~/.cache/assay`, else `<tmp>/assay-cache`.
pub fn cache_dir() -> PathBuf {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("ASSAY_CACHE_DIR") {
        return dir;
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return dir.join("assay");
    }
    if let Some(home) = var("HOME") {
        return home.join(".cache").join("assay");
    }
    std::env::temp_dir().join("assay-cache")
}

/// What other processes need to know about a server: `key=value` pairs without newlines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts(pub BTreeMap<String, String>);

impl Facts {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_string(), value.into());
    }

    fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={}\n", v.replace('\n', " ")))
            .collect()
    }

    fn from_text(text: &str) -> Facts {
        Facts(
            text.lines()
                .filter_map(|line| line.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

/// A server a provider just started for sharing.
pub struct Started {
    pub facts: Facts,
    /// A POSIX shell script that stops the server and removes what it left (its directory,
    /// its container). Run by the watchdog when the last process is gone.
    pub stop_script: String,
}

/// The right to use a shared server; dropping it (or exiting) gives the right up.
pub struct Lease {
    pub facts: Facts,
    _lease: File,
}

/// Finds the shared server `name` of run `run`, starting it with `start` if this process is
/// the first to need it.
pub fn acquire(run: &str, name: &str, start: impl FnOnce() -> Result<Started>) -> Result<Lease> {
    let dir = cache_dir()
        .join("shared")
        .join(format!("{}-{}", sanitize(run), sanitize(name)));
    let mut start = Some(start);
    loop {
        // The state holds passwords: only this user may read the run's directory.
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io_error("create", &dir, e))?;
        let lock_path = dir.join("lock");
        let lock = open(&lock_path)?;
        lock.lock().map_err(|e| io_error("lock", &lock_path, e))?;
        if !same_file(&lock, &lock_path) {
            continue; // the watchdog removed the directory while we waited: start over
        }
        let lease_path = dir.join("lease");
        let lease = open(&lease_path)?;
        lease
            .lock_shared()
            .map_err(|e| io_error("lock", &lease_path, e))?;
        let state_path = dir.join("state");
        if let Ok(text) = fs::read_to_string(&state_path) {
            let facts = Facts::from_text(&text);
            if facts.get("pid").is_none_or(running) {
                return Ok(Lease {
                    facts,
                    _lease: lease,
                });
            }
            // The server died under the run (killed, machine trouble): remove what it left
            // and start another.
            let _ = fs::remove_file(&state_path);
            let _ = Command::new("sh")
                .arg(dir.join("stop"))
                .stdin(Stdio::null())
                .status();
        }
        let Some(start) = start.take() else {
            return Err(ProvisionError(format!("shared server {name} vanished")));
        };
        let started = start()?;
        // The stop script is a file, so whichever watchdog acts stops the current server.
        let stop = dir.join("stop");
        if let Err(e) = fs::write(&stop, &started.stop_script) {
            stop_now(&started.stop_script);
            return Err(io_error("write", &stop, e));
        }
        let tmp = dir.join("state.tmp");
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(started.facts.to_text().as_bytes()));
        if let Err(e) = written {
            // Nobody else could find this server: stop it rather than leak it.
            stop_now(&started.stop_script);
            return Err(io_error("write", &tmp, e));
        }
        fs::rename(&tmp, &state_path).map_err(|e| io_error("write", &state_path, e))?;
        if let Err(e) = spawn_watchdog(&dir) {
            stop_now(&started.stop_script);
            let _ = fs::remove_file(&state_path);
            return Err(e);
        }
        return Ok(Lease {
            facts: started.facts,
            _lease: lease,
        });
        // `lock` is released here, when it is dropped.
    }
}

fn spawn_watchdog(dir: &Path) -> Result<()> {
    let grace_ms: u64 = std::env::var("ASSAY_SHARED_GRACE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let grace = format!("{}.{:03}", grace_ms / 1000, grace_ms % 1000);
    let script = format!(
        r#"exec 8<"$1/lock" 9<"$1/lease" || exit 1
while :; do
  flock -x 9; flock -u 9
  sleep {grace}
  # Another watchdog removed the directory: nothing is left to do.
  [ "$1/lease" -ef /proc/$$/fd/9 ] || exit 0
  if flock -n -x 8; then
    if flock -n -x 9; then
      rm -f "$1/state"
      [ -f "$1/stop" ] && sh "$1/stop"
      rm -rf "$1"
      exit 0
    fi
    flock -u 8
  fi
done
"#
    );
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("watchdog.log"));
    let stderr = match log.as_mut() {
        Ok(file) => {
            let _ = writeln!(file, "watchdog for {}", dir.display());
            file.try_clone()
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null())
        }
        Err(_) => Stdio::null(),
    };
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("assay-watchdog")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        // Its own process group: Ctrl-C on the test run must not kill it before it cleans up.
        .process_group(0)
        .spawn()
        .map_err(|e| ProvisionError(format!("could not start the shared-server watchdog: {e}")))?;
    Ok(())
}

/// Whether process `pid` runs (exists and is not a zombie nobody reaped).
pub fn running(pid: &str) -> bool {
    match fs::read_to_string(Path::new("/proc").join(pid).join("stat")) {
        // `pid (comm) S …`: the state follows the last `)`.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Runs a stop script right away, for a server nobody else can find.
fn stop_now(script: &str) {
    let _ = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .status();
}

fn open(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| io_error("open", path, e))
}

fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> ProvisionError {
    ProvisionError(format!("could not {what} {}: {e}", path.display()))
}
