//! The connection budget under load: a PostgreSQL and a MariaDB server started with
//! `max_connections = 12`, and 1,200 schema cases (1,000 `parallel = true` in ten files, 200
//! isolated) run by the `assay` CLI at `--test-threads 32` against each. Every case passes, no
//! `assay_*` database is left on the server, and the number of connections the server itself
//! counted never exceeds what assay may use (sampled from `pg_stat_activity`; MariaDB's own
//! `Max_used_connections`).
//!
//! Needs the PostgreSQL and MariaDB server binaries; a missing one skips its test loudly, or
//! fails it when `CI` is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use dbassay::engine::{Outcome, Session};
use dbassay::provision::{connect, mysql, postgres};

const MAX_CONNECTIONS: usize = 12;

/// Ten files of 100 parallel and 20 isolated cases, and their schema, in a temp dir.
fn cases(engine: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-budget-{engine}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    std::fs::write(
        dir.join("schema.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);\n\
         INSERT INTO t (id, v) VALUES (1, 10), (2, 20), (3, 30);\n",
    )
    .unwrap();
    let list = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for f in 0..10 {
        let text = format!(
            "test \"schema\" \"shared\" {{\n  parallel = true\n  for_each = [{}]\n  assert {{\n    sql = \"SELECT count(*) = 3 FROM t WHERE v >= 10\"\n  }}\n}}\n\n\
             test \"schema\" \"own\" {{\n  for_each = [{}]\n  exec {{\n    sql = \"INSERT INTO t (id, v) VALUES (${{each.value}}, 1)\"\n  }}\n  assert {{\n    sql = \"SELECT count(*) = 4 FROM t\"\n  }}\n}}\n",
            list(1, 100),
            list(100, 20),
        );
        std::fs::write(dir.join("cases").join(format!("f{f}.test.hcl")), text).unwrap();
    }
    dir
}

fn value(session: &mut dyn Session, sql: &str) -> usize {
    match session.run(sql) {
        Ok(Outcome::Rows(grid)) => grid.rows[0][0]
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{sql}: not a number")),
        other => panic!("{sql}: {other:?}"),
    }
}

/// Samples `count` on its own connection until stopped; returns the highest value seen.
fn sample(url: String, count: &'static str) -> (Arc<AtomicBool>, std::thread::JoinHandle<usize>) {
    let stop = Arc::new(AtomicBool::new(false));
    let seen = AtomicUsize::new(0);
    let mut monitor = connect::connect(&url).unwrap();
    let handle = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                seen.fetch_max(value(monitor.as_mut(), count), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
            seen.load(Ordering::SeqCst)
        })
    };
    (stop, handle)
}

/// Runs the 1,200 cases against `dev_url`; returns (passed, failed).
fn run_cases(dir: &Path, dev_url: &str) -> (usize, usize) {
    let json = dir.join("report.json");
    let status = Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("test")
        .arg(dir.join("cases"))
        .arg(format!("--url=file://{}", dir.join("schema.sql").display()))
        .arg(format!("--dev-url={dev_url}"))
        .arg("--test-threads=32")
        .arg(format!("--json={}", json.display()))
        .env_remove("ASSAY_RUN_ID")
        .env_remove("NEXTEST_RUN_ID")
        .env_remove("ASSAY_ISOLATION")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let report: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let failed: Vec<_> = report.iter().filter(|c| c["status"] != "pass").collect();
    for case in failed.iter().take(5) {
        eprintln!("failed: {case}");
    }
    assert_eq!(status.success(), failed.is_empty());
    (report.len() - failed.len(), failed.len())
}

fn missing(what: &str, e: impl std::fmt::Display) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is needed under CI: {e}"
    );
    eprintln!("!!! SKIPPED: {what}: {e} (set CI=true to fail instead)");
}

#[test]
fn postgres_with_12_connections_runs_1200_cases_at_32_threads() {
    let binaries = match postgres::local::Binaries::find(None) {
        Ok(b) => b,
        Err(e) => return missing("PostgreSQL server binaries", e),
    };
    let max = format!("max_connections={MAX_CONNECTIONS}");
    let instance = postgres::local::start_with(&binaries, &[&max]).unwrap();
    let server = instance.connect().clone();
    let url = server.url("postgres");
    let mut check = connect::connect(&url).unwrap();
    let reserved = value(
        check.as_mut(),
        "SELECT current_setting('superuser_reserved_connections')::int",
    );
    // Client connections other than the sampler's own (which assay counts as someone else's).
    let (stop, peak) = sample(
        url.clone(),
        "SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'",
    );
    let dir = cases("postgres");
    let (passed, failed) = run_cases(&dir, &url);
    stop.store(true, Ordering::SeqCst);
    let peak = peak.join().unwrap();
    // The sampler and this check hold two connections; assay's budget is what is left.
    let budget = MAX_CONNECTIONS - reserved - 2;
    let left = value(
        check.as_mut(),
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'assay%'",
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((passed, failed), (1200, 0));
    assert_eq!(left, 0, "assay_* databases left on the server");
    assert!(
        peak - 1 <= budget && peak >= 2,
        "assay held {} connections at once (the check's excluded); its budget is {budget}",
        peak - 1
    );
    eprintln!(
        "PostgreSQL: peak {} connections of assay, budget {budget}",
        peak - 1
    );
}

#[test]
fn mariadb_with_12_connections_runs_1200_cases_at_32_threads() {
    let binaries = match mysql::local::Binaries::find() {
        Ok(b) => b,
        Err(e) => return missing("MariaDB server binaries", e),
    };
    let facts = mysql::start(&binaries).unwrap();
    struct Stop(mysql::LocalFacts);
    impl Drop for Stop {
        fn drop(&mut self) {
            mysql::stop(&self.0);
        }
    }
    let facts = Stop(facts);
    let base = format!(
        "mariadb://root:{}@127.0.0.1:{}",
        facts.0.password, facts.0.port
    );
    let mut check = connect::connect(&format!("{base}/mysql")).unwrap();
    check
        .run(&format!("SET GLOBAL max_connections = {MAX_CONNECTIONS}"))
        .unwrap();
    let (stop, peak) = sample(
        format!("{base}/mysql"),
        "SELECT count(*) FROM information_schema.processlist WHERE command NOT IN ('Daemon') AND user <> 'system user'",
    );
    check.run("FLUSH STATUS").unwrap();
    let dir = cases("mariadb");
    let (passed, failed) = run_cases(&dir, &base);
    stop.store(true, Ordering::SeqCst);
    let sampled = peak.join().unwrap();
    let max_used = match check.run("SHOW GLOBAL STATUS LIKE 'Max_used_connections'") {
        Ok(Outcome::Rows(grid)) => grid.rows[0][1]
            .as_deref()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap(),
        other => panic!("{other:?}"),
    };
    let left = value(
        check.as_mut(),
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'assay%'",
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((passed, failed), (1200, 0));
    assert_eq!(left, 0, "assay_* databases left on the server");
    // The server's own count includes the check's and the sampler's connections.
    assert!(
        max_used <= MAX_CONNECTIONS && sampled <= MAX_CONNECTIONS,
        "the server saw {max_used} connections at once (sampled {sampled}); max_connections is {MAX_CONNECTIONS}"
    );
    eprintln!("MariaDB: Max_used_connections {max_used} (sampled {sampled}) of {MAX_CONNECTIONS}");
}
