//! The PostgreSQL engine and its provisioning, against real servers started from the binaries
//! installed here. Without them these tests skip loudly, except under `CI`, where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dbassay::engine::postgres::PgSession;
use dbassay::engine::{DbError, Outcome, Session, TextGrid};
use dbassay::provision::postgres::{self, PgServer, local::Binaries};
use dbassay::provision::{Database, Server};

/// A private local server, or `None` (skip) when the binaries are missing outside CI.
fn server() -> Option<Arc<PgServer>> {
    if let Err(e) = Binaries::find(None) {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and PostgreSQL is missing: {e}");
        }
        eprintln!("\n!!! SKIPPED: PostgreSQL server binaries are missing: {e}\n");
        return None;
    }
    match postgres::local_unshared(None) {
        Ok(server) => Some(server),
        Err(e) => panic!("the local server did not start: {e}"),
    }
}

fn rows(outcome: Outcome) -> TextGrid {
    match outcome {
        Outcome::Rows(grid) => grid,
        other => panic!("expected rows, got {other:?}"),
    }
}

fn run(session: &mut dyn Session, sql: &str) -> Outcome {
    session.run(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn cell(session: &mut dyn Session, sql: &str) -> Option<String> {
    rows(run(session, sql)).rows.remove(0).remove(0)
}

fn text(values: &[Option<&str>]) -> Vec<Option<String>> {
    values.iter().map(|v| v.map(str::to_string)).collect()
}

/// The server's dir (data dir, sockets) from `SHOW data_directory`.
fn server_dir(session: &mut dyn Session) -> PathBuf {
    let data = cell(session, "SHOW data_directory").unwrap();
    Path::new(&data).parent().unwrap().to_path_buf()
}

fn postmaster_pid(dir: &Path) -> u32 {
    let pid = std::fs::read_to_string(dir.join("data/postmaster.pid")).unwrap();
    pid.lines().next().unwrap().trim().parse().unwrap()
}

/// Whether any process has `needle` in its command line.
fn process_mentions(needle: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains(needle))
            .unwrap_or(false)
    })
}

fn eventually(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn values_come_back_as_postgres_prints_them() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    let grid = rows(run(
        &mut *s,
        "SELECT 1 AS i, NULL::text AS n, true AS b, false AS f, 1.50::numeric AS d, \
         '2024-01-23 00:51:54'::timestamp AS ts, '{1,2}'::int[] AS a, '{\"a\": 1}'::jsonb AS j",
    ));
    assert_eq!(grid.columns, ["i", "n", "b", "f", "d", "ts", "a", "j"]);
    assert_eq!(
        grid.rows,
        [text(&[
            Some("1"),
            None,
            Some("t"),
            Some("f"),
            Some("1.50"),
            Some("2024-01-23 00:51:54"),
            Some("{1,2}"),
            Some("{\"a\": 1}")
        ])]
    );
    // A result set with no rows still has its columns.
    let empty = rows(run(&mut *s, "SELECT 1 AS x, 2 AS y WHERE false"));
    assert_eq!(
        empty,
        TextGrid {
            columns: vec!["x".into(), "y".into()],
            rows: vec![]
        }
    );
    assert_eq!(
        run(&mut *s, "CREATE TABLE t (id int)"),
        Outcome::Done { affected: 0 }
    );
    assert_eq!(
        run(&mut *s, "INSERT INTO t VALUES (1), (2), (NULL)"),
        Outcome::Done { affected: 3 }
    );
    let grid = rows(run(&mut *s, "SELECT id FROM t ORDER BY id"));
    assert_eq!(
        grid.rows,
        [text(&[Some("1")]), text(&[Some("2")]), text(&[None])]
    );
}

#[test]
fn functions_triggers_and_domains_work_and_errors_carry_sqlstate() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    run(&mut *s, "CREATE DOMAIN positive AS int CHECK (VALUE > 0)");
    run(
        &mut *s,
        "CREATE TABLE account (id serial PRIMARY KEY, balance positive, note text)",
    );
    run(
        &mut *s,
        "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$\n\
         BEGIN NEW.note := 'stamped ' || NEW.balance; RETURN NEW; END\n$$",
    );
    run(
        &mut *s,
        "CREATE TRIGGER stamp BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION stamp()",
    );
    run(
        &mut *s,
        "CREATE FUNCTION double(x int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 2 * x; END $$",
    );
    run(&mut *s, "INSERT INTO account (balance) VALUES (21)");
    assert_eq!(
        cell(&mut *s, "SELECT note FROM account").as_deref(),
        Some("stamped 21")
    );
    assert_eq!(
        cell(&mut *s, "SELECT double(balance) FROM account").as_deref(),
        Some("42")
    );

    let error = s
        .run("INSERT INTO account (balance) VALUES (-1)")
        .unwrap_err();
    assert_eq!(error.code.as_deref(), Some("23514"));
    assert_eq!(
        error.message,
        "value for domain positive violates check constraint \"positive_check\""
    );
    assert!(error.to_string().ends_with("(23514)"), "{error}");
}

#[test]
fn syntax_errors_carry_their_position() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    let error = s.run("SELECT 1 FROM WHERE").unwrap_err();
    assert_eq!(
        error,
        DbError {
            message: "syntax error at or near \"WHERE\"".into(),
            code: Some("42601".into()),
            detail: None,
            hint: None,
            position: Some(15),
            number: None,
        }
    );
    let missing = s.run("SELECT * FROM nowhere").unwrap_err();
    assert_eq!(missing.code.as_deref(), Some("42P01"));
    // The session is usable after an error.
    assert_eq!(cell(&mut *s, "SELECT 1").as_deref(), Some("1"));
}

#[test]
fn transactions_and_concurrent_index_builds_run_statement_by_statement() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    run(&mut *s, "CREATE TABLE t (id int)");
    run(&mut *s, "BEGIN");
    run(&mut *s, "INSERT INTO t VALUES (1)");
    run(&mut *s, "COMMIT");
    run(&mut *s, "BEGIN");
    run(&mut *s, "INSERT INTO t VALUES (2)");
    run(&mut *s, "ROLLBACK");
    assert_eq!(
        cell(&mut *s, "SELECT count(*) FROM t").as_deref(),
        Some("1")
    );
    run(&mut *s, "CREATE INDEX CONCURRENTLY t_id ON t (id)");
    assert_eq!(
        cell(
            &mut *s,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 't_id'"
        )
        .as_deref(),
        Some("1")
    );
}

#[test]
fn notices_and_warnings_are_captured() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    assert!(s.take_notices().is_empty());
    run(
        &mut *s,
        "DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful'; END $$",
    );
    assert_eq!(s.take_notices(), ["NOTICE: hello 42", "WARNING: careful"]);
    assert!(s.take_notices().is_empty());
}

#[test]
fn snapshots_freeze_find_copy_and_drop() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    run(&mut *s, "CREATE TABLE t (id int)");
    run(&mut *s, "INSERT INTO t VALUES (1), (2)");
    // The builder's session may stay open; freezing ends it.
    let snapshot = server.freeze(db, "abc123").unwrap();
    drop(s);
    assert!(server.find("abc123").is_some());
    assert!(server.find("other").is_none());

    let copies: Vec<Box<dyn Database>> = (0..3).map(|_| snapshot.copy().unwrap()).collect();
    for copy in &copies {
        let mut s = copy.connect().unwrap();
        assert_eq!(
            cell(&mut *s, "SELECT count(*) FROM t").as_deref(),
            Some("2")
        );
        run(&mut *s, "INSERT INTO t VALUES (3)"); // copies are independent
    }
    let again = server.find("abc123").unwrap().copy().unwrap();
    assert_eq!(
        cell(&mut *again.connect().unwrap(), "SELECT count(*) FROM t").as_deref(),
        Some("2")
    );
    drop(copies);
    drop(again);
    server.flush_drops();
    let admin = admin_session(&server);
    let names = assay_databases(admin);
    assert_eq!(names, ["assay_tpl_abc123"], "only the template is left");
}

#[test]
fn two_threads_freezing_one_key_leave_one_whole_template() {
    let Some(server) = server() else { return };
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                let db = server.create().unwrap();
                let mut s = db.connect().unwrap();
                run(&mut *s, "CREATE TABLE t (id int)");
                run(&mut *s, &format!("INSERT INTO t VALUES ({i})"));
                drop(s);
                server.freeze(db, "same_key").unwrap()
            })
        })
        .collect();
    for thread in threads {
        let snapshot = thread.join().unwrap();
        let copy = snapshot.copy().unwrap();
        assert_eq!(
            cell(&mut *copy.connect().unwrap(), "SELECT count(*) FROM t").as_deref(),
            Some("1")
        );
    }
    server.flush_drops();
    assert_eq!(
        assay_databases(admin_session(&server)),
        ["assay_tpl_same_key"]
    );
}

fn admin_session(server: &PgServer) -> PgSession {
    let connect = server.connect_facts();
    PgSession::connect(&connect.config(&connect.dbname)).unwrap()
}

fn assay_databases(mut admin: PgSession) -> Vec<String> {
    rows(run(
        &mut admin,
        "SELECT datname FROM pg_database WHERE datname LIKE 'assay%' ORDER BY 1",
    ))
    .rows
    .into_iter()
    .map(|mut r| r.remove(0).unwrap())
    .collect()
}

#[test]
fn on_a_users_server_only_assay_databases_are_created_and_all_are_dropped() {
    let Some(local) = server() else { return };
    let facts = local.connect_facts().clone();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", facts.port);
    let external = postgres::external(&url).unwrap();
    let db = external.create().unwrap();
    assert!(db.url().starts_with(&format!(
        "postgres://postgres@127.0.0.1:{}/assay_",
        facts.port
    )));
    assert!(
        db.open_command()
            .starts_with("psql 'postgres://postgres@127.0.0.1:")
    );
    let mut s = db.connect().unwrap();
    run(&mut *s, "CREATE TABLE t (id int)");
    let snapshot = external.freeze(db, "ext").unwrap();
    let copy = snapshot.copy().unwrap();
    let kept_outside = admin_session(&local);
    let during = assay_databases(kept_outside);
    assert_eq!(during.len(), 2, "{during:?}");
    assert!(during.iter().all(|d| d.starts_with("assay_")));
    drop(copy);
    drop(snapshot);
    drop(external); // the end of its run: drops what it created
    assert!(assay_databases(admin_session(&local)).is_empty());
    let all = rows(run(
        &mut admin_session(&local),
        "SELECT count(*) FROM pg_database",
    ));
    assert_eq!(
        all.rows,
        [text(&[Some("3")])],
        "postgres, template0, template1 remain"
    );
}

#[test]
fn passwords_never_appear_in_errors() {
    let error = match postgres::external("postgres://alice:s3cr3t-pw@127.0.0.1:1/app") {
        Ok(_) => panic!("nothing listens on port 1"),
        Err(e) => e.to_string(),
    };
    assert!(!error.contains("s3cr3t-pw"), "{error}");
    assert!(
        error.contains("postgres://alice:***@127.0.0.1:1/app"),
        "{error}"
    );
    let connect = postgres::PgConnect::parse("postgres://alice:s3cr3t-pw@db:5433/app").unwrap();
    assert_eq!(format!("{connect:?}"), "postgres://alice:***@db:5433/app");
    assert_eq!(connect.url("x"), "postgres://alice:s3cr3t-pw@db:5433/x");
}

#[test]
fn a_dropped_server_leaves_no_process_and_no_directory() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let dir = server_dir(&mut *db.connect().unwrap());
    let pid = postmaster_pid(&dir);
    assert!(
        dir.starts_with("/dev/shm") || dir.starts_with(std::env::temp_dir()),
        "{dir:?}"
    );
    drop(db);
    drop(server);
    assert!(!dir.exists(), "{dir:?} is left");
    assert!(
        !dbassay::provision::shared::running(&pid.to_string()),
        "postgres {pid} still runs"
    );
    assert!(
        !process_mentions(&dir.to_string_lossy()),
        "a process still uses {dir:?}"
    );
}

#[test]
fn missing_binaries_say_what_to_install() {
    let error = Binaries::find_in(None, Some("".as_ref()), Path::new("/nonexistent")).unwrap_err();
    assert!(
        error.to_string().contains("apt-get install postgresql`"),
        "{error}"
    );
    let error = match postgres::local(Some("99")) {
        Ok(_) => panic!("there is no PostgreSQL 99"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("local://postgres/99"), "{error}");
    assert!(error.contains("apt-get install postgresql-99"), "{error}");
}

/// Processes of one run (same `ASSAY_RUN_ID`) share one server: two at once, and a third that
/// starts after them within the grace period (as nextest runs trials one process after
/// another). The server is gone after the last one exited.
#[test]
fn processes_of_one_run_share_one_server_and_it_goes_away_after_them() {
    if server().is_none() {
        return;
    }
    let run = format!("test-{}-{:?}", std::process::id(), Instant::now());
    let spawn = || {
        Command::new(std::env::current_exe().unwrap())
            .args(["shared_server_child", "--exact", "--ignored", "--nocapture"])
            .env("ASSAY_RUN_ID", &run)
            .env("ASSAY_SHARED_CHILD", "1")
            .env("ASSAY_SHARED_GRACE_MS", "1500")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let used = |child: std::process::Child| {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "child failed: {stdout}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with("SHARED "))
            .expect(&stdout);
        line.to_string()
    };
    let together = [spawn(), spawn()];
    let mut seen: Vec<String> = together.into_iter().map(used).collect();
    seen.push(used(spawn()));
    assert_eq!(seen[0], seen[1], "both processes used the same server");
    assert_eq!(seen[0], seen[2], "the next process of the run found it too");
    let dir = PathBuf::from(seen[0].split(' ').nth(2).unwrap());
    let pid: u32 = seen[0].split(' ').nth(1).unwrap().parse().unwrap();
    assert!(dir.exists(), "the server waits out the grace period");
    eventually(
        "the shared server's removal",
        Duration::from_secs(15),
        || !dir.exists() && !dbassay::provision::shared::running(&pid.to_string()),
    );
    let state = dbassay::provision::shared::cache_dir().join("shared");
    eventually(
        "the run's shared dir removal",
        Duration::from_secs(5),
        || {
            std::fs::read_dir(&state)
                .map(|mut d| !d.any(|e| e.unwrap().file_name().to_string_lossy().contains(&run)))
                .unwrap_or(true)
        },
    );
}

/// The child half of the sharing test: prints `SHARED <pid> <dir>` of the server it used.
#[test]
#[ignore = "run by processes_of_one_run_share_one_server_and_it_goes_away_after_them"]
fn shared_server_child() {
    if std::env::var_os("ASSAY_SHARED_CHILD").is_none() {
        return;
    }
    let server = postgres::local(None).unwrap();
    // Templates are shared by key between the processes of the run.
    if server.find("shared_child").is_none() {
        let built = server.create().unwrap();
        run(&mut *built.connect().unwrap(), "CREATE TABLE t (id int)");
        server.freeze(built, "shared_child").unwrap();
    }
    let db = server.find("shared_child").unwrap().copy().unwrap();
    let mut s = db.connect().unwrap();
    run(&mut *s, "SELECT count(*) FROM t");
    let dir = server_dir(&mut *s);
    println!("SHARED {} {}", postmaster_pid(&dir), dir.display());
    // Overlap with the other child, so both certainly use the server at the same time.
    std::thread::sleep(Duration::from_millis(500));
    drop(s);
    drop(db);
    drop(server);
}

/// Ctrl-C or a kill does not unwind, so the cleanup registry stops the server and removes its
/// dir before the process exits.
#[test]
fn an_interrupted_run_still_removes_its_server() {
    use std::io::BufRead;
    if server().is_none() {
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["interrupted_child", "--exact", "--ignored", "--nocapture"])
        .env("ASSAY_INTERRUPTED_CHILD", "1")
        .env_remove("ASSAY_RUN_ID")
        .env_remove("NEXTEST_RUN_ID")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines
        .find(|l| l.as_ref().unwrap().starts_with("SERVER "))
        .unwrap()
        .unwrap();
    let pid: u32 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let dir = PathBuf::from(line.split(' ').nth(2).unwrap());
    assert!(dir.exists());
    // SAFETY: kill has no memory-safety preconditions; the pid is our child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert!(!dir.exists(), "{dir:?} is left");
    assert!(
        !dbassay::provision::shared::running(&pid.to_string()),
        "postgres {pid} still runs"
    );
}

/// The child half of the interrupt test: starts a server, says where, and waits to be killed.
#[test]
#[ignore = "run by an_interrupted_run_still_removes_its_server"]
fn interrupted_child() {
    if std::env::var_os("ASSAY_INTERRUPTED_CHILD").is_none() {
        return;
    }
    let server = postgres::local_unshared(None).unwrap();
    let db = server.create().unwrap();
    let dir = server_dir(&mut *db.connect().unwrap());
    println!("SERVER {} {}", postmaster_pid(&dir), dir.display());
    std::thread::sleep(Duration::from_secs(30));
    unreachable!("the parent kills this process");
}

/// A user's server usually gives assay a role that may create databases, not a superuser.
#[test]
fn a_role_with_createdb_only_is_enough() {
    let Some(local) = server() else { return };
    let mut admin = admin_session(&local);
    run(
        &mut admin,
        "CREATE ROLE app LOGIN CREATEDB PASSWORD 'pw;with@odd:chars'",
    );
    let facts = local.connect_facts();
    let url = format!(
        "postgres://app:pw%3Bwith%40odd%3Achars@127.0.0.1:{}/postgres",
        facts.port
    );
    let external = postgres::external(&url).unwrap();
    let db = external.create().unwrap();
    assert!(
        db.open_command()
            .starts_with("PGPASSWORD=… psql 'postgres://app@127.0.0.1:")
    );
    assert!(
        db.url().contains("app:pw%3Bwith%40odd%3Achars@"),
        "{}",
        db.url()
    );
    run(&mut *db.connect().unwrap(), "CREATE TABLE t (id int)");
    let snapshot = external.freeze(db, "as_app").unwrap();
    let copy = snapshot.copy().unwrap();
    assert_eq!(
        cell(&mut *copy.connect().unwrap(), "SELECT count(*) FROM t").as_deref(),
        Some("0")
    );
    drop(copy);
    drop(snapshot);
    drop(external);
    assert!(assay_databases(admin_session(&local)).is_empty());
}

/// The rollback plan: statements in savepoints (a failure does not end the case), the undo
/// puts everything back, and an undo after the case's transaction ended some other way fails,
/// so the database is not reused.
#[test]
fn the_rollback_plan_undoes_cases_and_notices_an_ended_transaction() {
    let Some(server) = server() else { return };
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    run(&mut *s, "CREATE TABLE t (id int PRIMARY KEY)");
    run(&mut *s, "CREATE SEQUENCE q");
    let plan = s.rollback_plan().expect("PostgreSQL rolls cases back");

    s.run_all(&plan.begin).unwrap();
    s.run_in_savepoint("INSERT INTO t VALUES (1)", &plan)
        .unwrap();
    let e = s
        .run_in_savepoint("INSERT INTO t VALUES (1)", &plan)
        .unwrap_err();
    assert_eq!(e.code.as_deref(), Some("23505"), "{e}");
    s.run_in_savepoint("SELECT nextval('q')", &plan).unwrap();
    let count = s.run_in_savepoint("SELECT count(*) FROM t", &plan).unwrap();
    assert_eq!(rows(count).rows, vec![text(&[Some("1")])]);
    s.run_all(&plan.undo).unwrap();
    assert_eq!(
        cell(&mut *s, "SELECT count(*) FROM t").as_deref(),
        Some("0")
    );
    assert_eq!(cell(&mut *s, "SELECT nextval('q')").as_deref(), Some("1"));

    // A case that ended its transaction: the undo reports it.
    s.run_all(&plan.begin).unwrap();
    run(&mut *s, "COMMIT");
    assert!(s.run_all(&plan.undo).is_err());
}

/// Atlas's dev URL form on a server the user runs: `?search_path=…&sslmode=disable` reaches
/// every session (schema build, cases, reused workers after a reset), as the pins of
/// `testdata/hcl/url-params-postgres` check on `local://postgres`.
#[test]
fn atlas_url_parameters_apply_on_a_users_server() {
    let Some(local) = server() else { return };
    let port = local.connect_facts().port;
    let group = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/hcl/url-params-postgres");
    let url = format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?search_path=app,public&sslmode=disable"
    );
    let plan = dbassay::Harness::new()
        .path(&group)
        .schema(group.join("schema.sql").display().to_string())
        .dev_url(url)
        .fixed_dev_urls()
        .plan()
        .unwrap();
    assert!(plan.trials.len() >= 5);
    for trial in plan.trials {
        let dbassay::run::Job::Case(job) = trial.job else {
            panic!("{}: not a case", trial.name)
        };
        let report = job.run();
        assert_eq!(
            report.status,
            dbassay::run::Status::Pass,
            "{}: {:?}",
            trial.name,
            report.failure
        );
    }
}

#[test]
fn a_urls_search_path_goes_to_programs_given_the_database() {
    let connect = postgres::PgConnect::parse(
        "postgres://u:pw@h:5433/db?search_path=app,+public&sslmode=disable",
    )
    .unwrap();
    assert_eq!(
        connect.url("x"),
        "postgres://u:pw@h:5433/x?options=-c%20search_path%3Dapp%2C%5C%20public&sslmode=disable"
    );
    let config = connect.config("x");
    assert_eq!(config.get_options(), Some("-c search_path=app,\\ public"));
    assert_eq!(
        config.get_ssl_mode(),
        tokio_postgres::config::SslMode::Disable
    );
    let error = postgres::PgConnect::parse("postgres://u@h/db?search_pth=x").unwrap_err();
    assert!(error.to_string().contains("`search_pth`"), "{error}");
}
