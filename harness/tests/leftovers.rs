//! Nothing left behind on a server the user runs: after an `assay` run killed with SIGKILL, the
//! next run drops the databases the killed one left (their marker names a process that is
//! gone) and leaves 0 `assay_` databases of its own — while databases it cannot prove are a
//! gone run's (no marker, another host, kept with `--keep-failed`) stay.
//!
//! "The user's server" is a PostgreSQL server this test starts from the local binaries; the
//! runs reach it through a plain `postgres://` URL, as they would a server they did not start.
//! Without the binaries this test fails under `CI` and is skipped loudly otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dbassay::engine::postgres::PgSession;
use dbassay::engine::{Outcome, Session};
use dbassay::provision::postgres::{self, local::Binaries};

const ASSAY: &str = env!("CARGO_BIN_EXE_assay");

fn names(admin: &mut dyn Session) -> Vec<String> {
    match admin
        .run("SELECT datname FROM pg_database WHERE datname LIKE 'assay%' ORDER BY 1")
        .unwrap()
    {
        Outcome::Rows(grid) => grid
            .rows
            .into_iter()
            .filter_map(|mut r| r.remove(0))
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn dir(name: &str, sleep: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-leftovers-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schema.sql"), "CREATE TABLE t (id int);\n").unwrap();
    let sql = if sleep {
        "SELECT pg_sleep(60)"
    } else {
        "SELECT 1"
    };
    let mut body = String::new();
    for i in 0..4 {
        body.push_str(&format!(
            "test \"schema\" \"c{i}\" {{\n  exec {{\n    sql = \"{sql}\"\n  }}\n}}\n\n"
        ));
    }
    body.push_str(&format!(
        "test \"schema\" \"p\" {{\n  parallel = true\n  exec {{\n    sql = \"{sql}\"\n  }}\n}}\n"
    ));
    std::fs::write(dir.join("c.test.hcl"), body).unwrap();
    dir
}

fn assay(dir: &Path, url: &str) -> Command {
    let mut command = Command::new(ASSAY);
    command
        .args(["test", dir.to_str().unwrap(), "--dev-url", url, "-q"])
        .args(["--url", dir.join("schema.sql").to_str().unwrap()])
        .args(["--test-threads", "4"])
        .env_remove("ASSAY_RUN_ID")
        .env_remove("NEXTEST_RUN_ID")
        .stdout(Stdio::null());
    command
}

#[test]
fn a_run_after_a_killed_one_leaves_no_assay_database() {
    if let Err(e) = Binaries::find(None) {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL is needed under CI: {e}"
        );
        eprintln!("!!! SKIPPED: {e}");
        return;
    }
    let server = postgres::local_unshared(None).expect("the user's server starts");
    let facts = server.connect_facts().clone();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", facts.port);
    let mut admin = PgSession::connect(&facts.config("postgres")).unwrap();

    // Databases that are not a gone run's: never touched.
    let host = String::from_utf8(Command::new("hostname").output().unwrap().stdout).unwrap();
    let host = host.trim();
    for (name, comment) in [
        ("assay_users_own", None),
        (
            "assay_dead_0",
            Some("assay run host=elsewhere pid=4194304 start=1 prefix=assay_dead_".to_string()),
        ),
        (
            "assay_kept_0",
            Some(format!(
                "assay run host={host} pid=4194304 start=1 prefix=assay_kept_ kept"
            )),
        ),
    ] {
        admin.run(&format!("CREATE DATABASE {name}")).unwrap();
        if let Some(comment) = comment {
            admin
                .run(&format!("COMMENT ON DATABASE {name} IS '{comment}'"))
                .unwrap();
        }
    }
    let untouchable = names(&mut admin);

    // A run killed while its cases sleep leaves its databases behind.
    let sleepy = dir("killed", true);
    let mut killed = assay(&sleepy, &url).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while names(&mut admin).len() < untouchable.len() + 3 {
        assert!(Instant::now() < deadline, "the run made no databases");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    killed.kill().unwrap(); // SIGKILL: no cleanup runs
    killed.wait().unwrap();
    let left = names(&mut admin);
    assert!(
        left.len() > untouchable.len(),
        "the killed run left nothing: {left:?}"
    );

    // The next run sweeps them, and drops its own.
    let quick = dir("next", false);
    let next = assay(&quick, &url).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&next.stderr);
    assert!(next.status.success(), "{stderr}");
    assert!(
        stderr.contains("left on"),
        "the sweep says what it drops: {stderr}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while names(&mut admin) != untouchable {
        assert!(
            Instant::now() < deadline,
            "left behind: {:?} (expected only {untouchable:?})",
            names(&mut admin)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // No process of the killed run remains, and it made no temp dirs.
    let tag = format!("-{}-", killed.id());
    assert!(
        !PathBuf::from(format!("/proc/{}", killed.id()))
            .join("cmdline")
            .exists()
            || !std::fs::read_to_string(format!("/proc/{}/cmdline", killed.id()))
                .unwrap_or_default()
                .contains("assay")
    );
    for root in [PathBuf::from("/dev/shm"), std::env::temp_dir()] {
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                !(name.starts_with("assay-") && name.contains(&tag)),
                "left behind: {}",
                entry.path().display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&sleepy);
    let _ = std::fs::remove_dir_all(&quick);
}

/// The user's server restarts while a run's cases sleep: the run fails, and whatever it could
/// not drop is gone after the next run.
#[test]
fn a_run_after_a_server_restart_leaves_no_assay_database() {
    let binaries = match Binaries::find(None) {
        Ok(b) => b,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL is needed under CI: {e}"
            );
            eprintln!("!!! SKIPPED: {e}");
            return;
        }
    };
    let mut instance = postgres::local::start(&binaries).expect("the user's server starts");
    let facts = instance.connect().clone();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", facts.port);
    let mut admin = PgSession::connect(&facts.config("postgres")).unwrap();
    let sleepy = dir("restarted", true);
    // Cases that start after the restart would sleep on: the time limit bounds the test.
    let mut run = assay(&sleepy, &url)
        .args(["--timeout", "10s"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while names(&mut admin).len() < 3 {
        assert!(Instant::now() < deadline, "the run made no databases");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(admin);

    // Restart: a fast shutdown (every session ends), then the same data dir and port again.
    let pid = instance.pid().unwrap();
    // SAFETY: kill has no memory preconditions; the pid is the server this test started.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
    let gone = Instant::now() + Duration::from_secs(30);
    while PathBuf::from(format!("/proc/{pid}/status")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .contains("zombie")
    {
        assert!(Instant::now() < gone, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let postgres = binaries.bindir.join("postgres");
    let mut command = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&postgres);
        c
    } else {
        Command::new(&postgres)
    };
    let mut restarted = command
        .arg("-D")
        .arg(instance.dir().join("data"))
        .args(["-p", &facts.port.to_string(), "-h", "127.0.0.1", "-k"])
        .arg(instance.dir().join("sockets"))
        .args(["-c", "fsync=off", "-c", "dynamic_shared_memory_type=mmap"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut admin = loop {
        if let Ok(session) = PgSession::connect(&facts.config("postgres")) {
            break session;
        }
        assert!(Instant::now() < deadline, "the server did not come back");
        std::thread::sleep(Duration::from_millis(100));
    };
    let status = run.wait().unwrap();
    assert!(!status.success(), "the run's cases lost their sessions");

    let quick = dir("after-restart", false);
    let next = assay(&quick, &url).stderr(Stdio::piped()).output().unwrap();
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !names(&mut admin).is_empty() {
        assert!(
            Instant::now() < deadline,
            "left behind: {:?} {:?}\nthe next run said: {}",
            names(&mut admin),
            admin.run(
                "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database \
                 WHERE datname LIKE 'assay%'"
            ),
            String::from_utf8_lossy(&next.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(admin);
    let _ = std::fs::remove_dir_all(&sleepy);
    let _ = std::fs::remove_dir_all(&quick);
    // The restarted postmaster (runuser does not pass signals on): its pid is in its data dir.
    let pid_file = std::fs::read_to_string(instance.dir().join("data/postmaster.pid")).unwrap();
    let postmaster: i32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
    // SAFETY: as above; this is the restarted server.
    unsafe { libc::kill(postmaster, libc::SIGINT) };
    let _ = restarted.wait();
    instance.stop();
}

/// The same on a user's MariaDB: databases carry the marker as their schema comment.
#[test]
fn mariadb_a_run_after_a_killed_one_leaves_no_assay_database() {
    use dbassay::engine::Engine;
    use dbassay::provision::mysql::{Binaries as MyBinaries, MysqlServer};
    if let Err(e) = MyBinaries::find() {
        assert!(
            std::env::var_os("CI").is_none(),
            "MariaDB is needed under CI: {e}"
        );
        eprintln!("!!! SKIPPED: {e}");
        return;
    }
    let server = MysqlServer::local_unshared(Engine::Mariadb, None).expect("the user's server");
    let c = server.connect_info().clone();
    let url = format!(
        "mariadb://{}:{}@{}:{}/",
        c.user,
        c.password.clone().unwrap_or_default(),
        c.host,
        c.port
    );
    let mut admin = dbassay::engine::mysql::MysqlSession::connect(c.opts(None)).unwrap();
    let list = |admin: &mut dyn Session| -> Vec<String> {
        match admin.run("SHOW DATABASES LIKE 'assay%'").unwrap() {
            Outcome::Rows(grid) => {
                let mut names: Vec<String> = grid
                    .rows
                    .into_iter()
                    .filter_map(|mut r| r.remove(0))
                    .collect();
                names.sort();
                names
            }
            other => panic!("{other:?}"),
        }
    };
    let host = String::from_utf8(Command::new("hostname").output().unwrap().stdout).unwrap();
    admin.run("CREATE DATABASE assay_users_own").unwrap();
    admin
        .run(&format!(
            "CREATE DATABASE assay_kept_0 COMMENT 'assay run host={} pid=4194304 start=1 prefix=assay_kept_ kept'",
            host.trim()
        ))
        .unwrap();
    let untouchable = list(&mut admin);

    let cases = |name: &str, sql: &str| {
        let dir = dir(name, false);
        let body = (0..4)
            .map(|i| {
                format!("test \"schema\" \"c{i}\" {{\n  exec {{\n    sql = \"{sql}\"\n  }}\n}}\n")
            })
            .collect::<String>();
        std::fs::write(dir.join("c.test.hcl"), body).unwrap();
        dir
    };
    let run = |dir: &Path| {
        let mut command = Command::new(ASSAY);
        command
            .args(["test", dir.to_str().unwrap(), "--dev-url", &url, "-q"])
            .args(["--test-threads", "4"])
            .env_remove("ASSAY_RUN_ID")
            .env_remove("NEXTEST_RUN_ID")
            .stdout(Stdio::null());
        command
    };
    let sleepy = cases("maria-killed", "SELECT SLEEP(60)");
    let mut killed = run(&sleepy).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while list(&mut admin).len() < untouchable.len() + 3 {
        assert!(Instant::now() < deadline, "the run made no databases");
        std::thread::sleep(Duration::from_millis(100));
    }
    killed.kill().unwrap();
    killed.wait().unwrap();
    // The killed run's sleeping sessions end with their connections.
    let quick = cases("maria-next", "SELECT 1");
    let next = run(&quick).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&next.stderr);
    assert!(next.status.success(), "{stderr}");
    assert!(
        stderr.contains("left on"),
        "the sweep says what it drops: {stderr}"
    );
    assert_eq!(list(&mut admin), untouchable);
    let _ = std::fs::remove_dir_all(&sleepy);
    let _ = std::fs::remove_dir_all(&quick);
}
