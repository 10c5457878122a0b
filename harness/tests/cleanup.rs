//! Nothing assay provisions outlives a run: after a passing run, a failing run, and a run
//! interrupted with SIGINT, no server process, data directory, temp dir or container of that run
//! is left, on every provider.
//!
//! Each run is the real `assay` binary. Leftovers are found by what assay names after its process
//! id (`/dev/shm/assay-pg-<pid>-…`, `assay-mariadb-…-<pid>-…`, `<tmp>/assay-sqlite-<pid>-…`, and
//! server command lines holding those paths) and, for Docker, by the run's label.
//!
//! Engines that are missing fail these tests under `CI` and are skipped loudly otherwise.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ASSAY: &str = env!("CARGO_BIN_EXE_assay");

/// The tests of this file count what runs leave behind, so they run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The providers, with SQL that keeps a case busy long enough to interrupt it.
const PROVIDERS: &[(&str, &str)] = &[
    (
        "sqlite://cleanup.db",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
    ),
    ("local://postgres", "SELECT pg_sleep(30)"),
    ("local://mariadb", "SELECT SLEEP(30)"),
    ("docker://postgres/15/dev", "SELECT pg_sleep(30)"),
    ("docker://mariadb/10.11/dev", "SELECT SLEEP(30)"),
];

fn available(url: &str) -> bool {
    match dbassay::provision::available(url) {
        Ok(()) => true,
        Err(e) if std::env::var_os("CI").is_some() => panic!("{url} is needed under CI: {e}"),
        Err(e) => {
            eprintln!("!!! SKIPPED {url}: {e}");
            false
        }
    }
}

/// A directory with one test file.
fn cases(name: &str, body: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("assay-cleanup-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("c.test.hcl"), body).unwrap();
    dir
}

fn spawn(dir: &Path, url: &str, run_id: &str) -> Child {
    Command::new(ASSAY)
        .args(["test", dir.to_str().unwrap(), "--dev-url", url, "-q"])
        .env("ASSAY_RUN_ID", run_id)
        .env("ASSAY_SHARED_GRACE_MS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("assay starts")
}

/// What a run left behind: its dirs, processes and containers.
fn leftovers(pid: u32, run_id: &str) -> Vec<String> {
    let tag = format!("-{pid}-");
    let mut found = Vec::new();
    for root in [PathBuf::from("/dev/shm"), std::env::temp_dir()] {
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("assay-")
                && name.contains(&tag)
                && !name.starts_with("assay-cleanup-test")
            {
                found.push(entry.path().display().to_string());
            }
        }
    }
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains("/assay-")
                && cmdline.contains(&tag)
                && !cmdline.contains("assay-cleanup-test")
            {
                found.push(format!(
                    "process {}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    if let Ok(out) = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=dev.assay.run={run_id}"),
        ])
        .output()
    {
        found.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|id| format!("container {id}")),
        );
    }
    found
}

/// Waits until nothing of the run is left (servers stop asynchronously for a moment).
fn assert_clean(pid: u32, run_id: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = leftovers(pid, run_id);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: left behind:\n{}",
            left.join("\n")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run_id(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("cleanup-{what}-{nanos:x}")
}

#[test]
fn passing_and_failing_runs_leave_nothing() {
    let _serial = serial();
    let pass = cases(
        "pass",
        "test \"schema\" \"ok\" {\n  exec {\n    sql = \"CREATE TABLE t (a int); SELECT 1\"\n    output = \"1\"\n  }\n}\n",
    );
    let fail = cases(
        "fail",
        "test \"schema\" \"bad\" {\n  exec {\n    sql = \"CREATE TABLE t (a int); SELECT 1\"\n    output = \"2\"\n  }\n}\n",
    );
    for &(url, _) in PROVIDERS {
        if !available(url) {
            continue;
        }
        for (dir, code) in [(&pass, 0), (&fail, 1)] {
            let id = run_id("run");
            let child = spawn(dir, url, &id);
            let pid = child.id();
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(code),
                "{url}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_clean(pid, &id, &format!("{url}, exit {code}"));
        }
    }
}

#[test]
fn an_interrupted_run_leaves_nothing() {
    let _serial = serial();
    for &(url, busy) in PROVIDERS {
        if !available(url) {
            continue;
        }
        let dir = cases(
            "interrupt",
            &format!("test \"schema\" \"busy\" {{\n  exec {{\n    sql = \"{busy}\"\n  }}\n}}\n"),
        );
        let id = run_id("int");
        let mut child = spawn(&dir, url, &id);
        let pid = child.id();
        // Interrupt once the run has provisioned something, while the case is busy.
        let deadline = Instant::now() + Duration::from_secs(60);
        while leftovers(pid, &id).is_empty() {
            assert!(
                Instant::now() < deadline,
                "{url}: the run never provisioned anything"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "{url}: the run ended before it could be interrupted"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(700));
        // SAFETY: sends SIGINT to our own child.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(130),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean(pid, &id, &format!("{url}, interrupted"));
    }
}

/// `/dev/shm` entries of local MariaDB servers.
fn mariadb_dirs() -> Vec<String> {
    std::fs::read_dir("/dev/shm")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("assay-mariadb-server-"))
        .collect()
}

#[test]
fn processes_of_one_run_share_a_server_until_the_last_is_done() {
    let _serial = serial();
    let dir = cases(
        "share",
        "test \"schema\" \"one\" {\n  exec {\n    sql = \"SELECT 1\"\n    output = \"1\"\n  }\n}\n",
    );
    for url in ["local://mariadb", "docker://postgres/15/dev"] {
        if !available(url) {
            continue;
        }
        let id = run_id("share");
        let before = mariadb_dirs();
        for _ in 0..3 {
            let out = Command::new(ASSAY)
                .args(["test", dir.to_str().unwrap(), "--dev-url", url, "-q"])
                .env("ASSAY_RUN_ID", &id)
                .env("ASSAY_SHARED_GRACE_MS", "1500")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{url}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Three processes, one server: within the grace period exactly one is there.
        let servers = match url {
            "local://mariadb" => mariadb_dirs()
                .into_iter()
                .filter(|d| !before.contains(d))
                .count(),
            _ => leftovers(0, &id).len(),
        };
        assert_eq!(servers, 1, "{url}: one shared server expected");
        // After the grace period the watchdog removes it.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = match url {
                "local://mariadb" => mariadb_dirs()
                    .into_iter()
                    .filter(|d| !before.contains(d))
                    .count(),
                _ => leftovers(0, &id).len(),
            };
            if left == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{url}: the shared server was not removed"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
