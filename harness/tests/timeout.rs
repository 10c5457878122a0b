//! The per-case time limit on every engine: a statement that never returns is cancelled on the
//! server within the limit plus a second, the case fails naming the limit and its block, nothing
//! keeps running on the server, and the cases after it pass (on a database that is not the
//! cancelled one).
//!
//! Engines that are missing fail these tests under `CI` and are skipped loudly otherwise.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dbassay::Harness;
use dbassay::engine::{Outcome, Session};
use dbassay::provision::{Database, Server};
use dbassay::run::{Job, Status};

const LIMIT: Duration = Duration::from_secs(2);

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

/// A file whose second case hangs on `endless`, between cases that must pass.
fn cases(name: &str, endless: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("assay-timeout-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = format!(
        r#"test "schema" "a_before" {{
  exec {{
    sql    = "SELECT 1"
    output = "1"
  }}
}}

test "schema" "b_hangs" {{
  exec {{
    sql = "CREATE TABLE t (id int)"
  }}
  exec {{
    sql = "{endless}"
  }}
}}

test "schema" "c_after" {{
  exec {{
    sql = "CREATE TABLE t (id int)"
  }}
  exec {{
    sql    = "SELECT count(*) FROM t"
    output = "0"
  }}
}}
"#
    );
    std::fs::write(dir.join("hang.test.hcl"), body).unwrap();
    dir
}

/// The server a run used, a database on it and a session there, for the caller's checks
/// (dropped in this order).
type After = (Box<dyn Session>, Box<dyn Database>, Arc<dyn Server>);

/// Runs the file's cases in order on `url` with a 2s limit and checks every report.
fn run(name: &str, url: &str, endless: &str) -> Option<After> {
    if !available(url) {
        return None;
    }
    let dir = cases(name, endless);
    let plan = Harness::new()
        .path(&dir)
        .dev_url(url)
        .fixed_dev_urls()
        .timeout(Some(LIMIT))
        .plan()
        .unwrap();
    let mut server = None;
    for trial in plan.trials {
        let Job::Case(job) = trial.job else {
            panic!("{}: not a case", trial.name)
        };
        // The server starts before the clock does.
        let started = job.target.server().unwrap();
        server.get_or_insert(started);
        let start = Instant::now();
        let report = job.run();
        let took = start.elapsed();
        if trial.name.ends_with("b_hangs") {
            assert_eq!(report.status, Status::Fail, "{url}");
            let failure = report.failure.unwrap_or_default().text();
            let at = format!(
                "timed out after 2s at {}:",
                dir.join("hang.test.hcl").display()
            );
            assert!(failure.starts_with(&at), "{url}: {failure}");
            assert!(
                failure.ends_with(":12"),
                "the hanging block's line: {failure}"
            );
            assert!(
                took < LIMIT + Duration::from_secs(1),
                "{url}: the case took {took:?}, more than the limit plus a second"
            );
        } else {
            assert_eq!(
                report.status,
                Status::Pass,
                "{url} {}: {:?}",
                trial.name,
                report.failure
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let server = server?;
    let db = server.create().unwrap();
    let session = db.connect().unwrap();
    Some((session, db, server))
}

fn count(session: &mut dyn Session, sql: &str) -> String {
    match session.run(sql).unwrap() {
        Outcome::Rows(grid) => grid.rows[0][0].clone().unwrap_or_default(),
        other => panic!("{sql}: {other:?}"),
    }
}

const ENDLESS_CTE: &str =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";

#[test]
fn sqlite_memory_interrupts_an_endless_query() {
    run("memory", "sqlite://dev?mode=memory", ENDLESS_CTE);
}

#[test]
fn sqlite_file_interrupts_an_endless_query() {
    run("file", "sqlite://timeout.db", ENDLESS_CTE);
}

#[test]
fn postgres_cancels_a_sleep_on_the_server() {
    let Some((mut session, _db, _server)) =
        run("postgres", "local://postgres", "SELECT pg_sleep(600)")
    else {
        return;
    };
    // The cancel reached the server: no backend still sleeps.
    let sleeping = count(
        &mut *session,
        "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)' AND state = 'active'",
    );
    assert_eq!(sleeping, "0");
}

#[test]
fn mariadb_kills_a_sleep_on_the_server() {
    let Some((mut session, _db, _server)) = run("mariadb", "local://mariadb", "SELECT SLEEP(600)")
    else {
        return;
    };
    let sleeping = count(
        &mut *session,
        "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(600)'",
    );
    assert_eq!(sleeping, "0");
}
