//! Data migrations against real databases: the cache of migrated states (isolation between
//! cases, invalidation when a file changes), the revisions table after a partial failure, a
//! tampered directory, and every directory of the shared corpus applied to its engine.
//!
//! SQLite always runs. PostgreSQL and MariaDB run on throw-away local servers; without their
//! binaries these tests skip loudly, except under `CI`, where they fail.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dbassay::engine::{Engine, Outcome, Session};
use dbassay::migrate::apply::apply;
use dbassay::migrate::revisions::Revisions;
use dbassay::migrate::{DirSpec, Migrations};
use dbassay::provision::Server;
use dbassay::provision::mysql::{self, MysqlServer};
use dbassay::provision::postgres::{self, local::Binaries};
use dbassay::provision::sqlite::SqliteServer;
use dbassay::run::{Job, Options, Plan, Status};
use dbassay::supply::migrated as cache;
use dbassay::supply::target::Target;
use dbassay_dsl::migrate::{Dir, Format, sum_text};

/// A temporary directory removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(name: &str) -> Temp {
        let dir =
            std::env::temp_dir().join(format!("assay-migrate-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("migrations")).unwrap();
        Temp(dir)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).unwrap();
    }

    fn migrations(&self) -> PathBuf {
        self.0.join("migrations")
    }

    /// Writes atlas.sum for the migrations as they are now.
    fn hash(&self) {
        let dir = Dir::open(self.migrations(), Format::Atlas).unwrap();
        std::fs::write(self.migrations().join("atlas.sum"), sum_text(&dir)).unwrap();
    }

    fn spec(&self) -> DirSpec {
        DirSpec {
            url: Some(format!("file://{}", self.migrations().display())),
            ..DirSpec::default()
        }
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pg_server() -> Option<Arc<dyn Server>> {
    if let Err(e) = Binaries::find(None) {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and PostgreSQL is missing: {e}");
        }
        eprintln!("\n!!! SKIPPED: PostgreSQL server binaries are missing: {e}\n");
        return None;
    }
    Some(postgres::local_unshared(None).expect("the local PostgreSQL starts"))
}

fn mariadb_server() -> Option<Arc<dyn Server>> {
    match mysql::Binaries::find() {
        Ok(_) => Some(MysqlServer::local(Engine::Mariadb, None).expect("the local MariaDB starts")),
        Err(e) if std::env::var_os("CI").is_some() => panic!("MariaDB is required under CI: {e}"),
        Err(e) => {
            eprintln!("\n!!! SKIPPED: MariaDB is missing: {e}\n");
            None
        }
    }
}

fn sqlite_server() -> Arc<dyn Server> {
    SqliteServer::new(false, false).unwrap()
}

fn cell(session: &mut dyn Session, sql: &str) -> Option<String> {
    match session.run(sql).unwrap_or_else(|e| panic!("{sql}: {e}")) {
        Outcome::Rows(mut g) => g.rows.remove(0).remove(0),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

fn three_files(t: &Temp) {
    t.write(
        "migrations/1_users.sql",
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));\n",
    );
    t.write(
        "migrations/2_email.sql",
        "ALTER TABLE users ADD email varchar(50);\n",
    );
    t.write(
        "migrations/3_backfill.sql",
        "UPDATE users SET email = 'x@example.com';\n",
    );
    t.hash();
}

/// Copies of one cached state are independent; editing a file changes the keys from that file
/// on, and the rebuilt state has the edit.
fn cache_isolation_and_invalidation(server: Arc<dyn Server>, name: &str) {
    let t = Temp::new(name);
    three_files(&t);
    let target = Target::with_server(server.clone());
    let m = Migrations::open(&t.spec());
    m.dir().unwrap();
    let snapshot = cache::migrated(&target, &m, 1).unwrap();
    let a = snapshot.copy().unwrap();
    let b = snapshot.copy().unwrap();
    a.connect()
        .unwrap()
        .run("INSERT INTO users (id, name, email) VALUES (1, 'a', NULL)")
        .unwrap();
    assert_eq!(
        cell(a.connect().unwrap().as_mut(), "SELECT count(*) FROM users").as_deref(),
        Some("1")
    );
    assert_eq!(
        cell(b.connect().unwrap().as_mut(), "SELECT count(*) FROM users").as_deref(),
        Some("0")
    );
    // Built once: asking again gives the same snapshot.
    assert!(Arc::ptr_eq(
        &snapshot,
        &cache::migrated(&target, &m, 1).unwrap()
    ));

    t.write(
        "migrations/2_email.sql",
        "ALTER TABLE users ADD email varchar(50);\nALTER TABLE users ADD phone varchar(20);\n",
    );
    t.hash();
    let edited = Migrations::open(&t.spec());
    let engine = server.engine().name();
    assert_eq!(cache::key(engine, &m, 0), cache::key(engine, &edited, 0));
    assert_ne!(cache::key(engine, &m, 1), cache::key(engine, &edited, 1));
    let rebuilt = cache::migrated(&target, &edited, 1)
        .unwrap()
        .copy()
        .unwrap();
    let mut s = rebuilt.connect().unwrap();
    s.run("SELECT phone FROM users")
        .expect("the edited file was applied");
    let rows = Revisions::new(s.dialect(), None).read(s.as_mut()).unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.applied == r.total), "{rows:?}");
}

#[test]
fn cache_sqlite() {
    cache_isolation_and_invalidation(sqlite_server(), "cache-sqlite");
}

#[test]
fn cache_postgres() {
    if let Some(server) = pg_server() {
        cache_isolation_and_invalidation(server, "cache-pg");
    }
}

#[test]
fn cache_mariadb() {
    if let Some(server) = mariadb_server() {
        cache_isolation_and_invalidation(server, "cache-maria");
    }
}

/// A failing statement: in a `txmode none` file the statements before it stay and the row says
/// how far it got; in a transaction nothing stays. Either way the row records the error.
fn partial_failure(server: Arc<dyn Server>, name: &str) {
    let t = Temp::new(name);
    t.write("migrations/1_ok.sql", "CREATE TABLE a (id int);\n");
    t.write(
        "migrations/2_none.sql",
        "-- atlas:txmode none\n\nCREATE TABLE b (id int);\nINSERT INTO nowhere VALUES (1);\n",
    );
    t.write(
        "migrations/3_tx.sql",
        "CREATE TABLE c (id int);\nINSERT INTO nowhere VALUES (1);\n",
    );
    t.hash();
    let m = Migrations::open(&t.spec());
    for (file, kept, applied) in [(1, "b", 1), (2, "c", 0)] {
        let db = server.create().unwrap();
        let mut s = db.connect().unwrap();
        if file == 2 {
            apply(s.as_mut(), &m, 0, 1, &mut |_| {}).unwrap();
        }
        let err = apply(s.as_mut(), &m, file, file + 1, &mut |_| {}).unwrap_err();
        let path = if file == 1 {
            "2_none.sql:4:"
        } else {
            "3_tx.sql:2:"
        };
        assert!(
            err.contains(path)
                && err.contains("executing statement \"INSERT INTO nowhere VALUES (1);\""),
            "{err}"
        );
        let exists = s.run(&format!("SELECT count(*) FROM {kept}")).is_ok();
        assert_eq!(exists, file == 1, "{kept} after the failure");
        let rows = Revisions::new(s.dialect(), None).read(s.as_mut()).unwrap();
        let row = rows
            .iter()
            .find(|r| r.version == (file + 1).to_string())
            .expect("a row for the failed file");
        assert_eq!((row.applied, row.total), (applied, 2));
        let table = Revisions::new(s.dialect(), None).table();
        let stmt = cell(
            s.as_mut(),
            &format!(
                "SELECT error_stmt FROM {table} WHERE version = '{}'",
                file + 1
            ),
        );
        assert_eq!(stmt.as_deref(), Some("INSERT INTO nowhere VALUES (1);"));
    }
}

#[test]
fn partial_failure_sqlite() {
    partial_failure(sqlite_server(), "partial-sqlite");
}

#[test]
fn partial_failure_postgres() {
    if let Some(server) = pg_server() {
        partial_failure(server, "partial-pg");
    }
}

/// A tampered directory fails the migrate cases with the checksum error; the schema cases of
/// the same run still pass.
#[test]
fn tampered_directory_fails_only_migrate_cases() {
    let t = Temp::new("tampered");
    three_files(&t);
    t.write(
        "migrations/3_backfill.sql",
        "UPDATE users SET email = 'edited';\n",
    );
    t.write(
        "cases.test.hcl",
        "test \"schema\" \"still_runs\" {\n  assert {\n    sql = \"SELECT 1 = 1\"\n  }\n}\n\ntest \"migrate\" \"refused\" {\n  migrate {\n    to = \"2\"\n  }\n}\n",
    );
    let options = Options {
        paths: vec![t.0.join("cases.test.hcl")],
        migrations: t.spec(),
        ..Options::default()
    };
    let plan = Plan::build(&options).unwrap();
    let mut seen = 0;
    for trial in plan.trials {
        let Job::Case(job) = trial.job else {
            panic!("{}: not a case", trial.name)
        };
        let report = job.run();
        if trial.name.ends_with("still_runs") {
            assert_eq!(report.status, Status::Pass, "{:?}", report.failure);
        } else {
            let failure = report.failure.unwrap_or_default().text();
            assert!(
                failure.contains("checksum mismatch: file \"3_backfill.sql\" was edited"),
                "{failure}"
            );
            assert!(failure.contains("assay migrate hash"), "{failure}");
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}

/// Cases never see each other's seed data, through the whole plan (SQLite).
#[test]
fn cases_never_see_each_others_seed_data() {
    let t = Temp::new("isolation");
    three_files(&t);
    let mut text = String::new();
    for i in 0..6 {
        text.push_str(&format!(
            "test \"migrate\" \"case{i}\" {{\n  migrate {{\n    to = \"2\"\n  }}\n  assert {{\n    sql = \"SELECT count(*) = 0 FROM users\"\n  }}\n  exec {{\n    sql = \"INSERT INTO users (id, name) VALUES ({i}, 'n')\"\n  }}\n  migrate {{\n    to = \"3\"\n  }}\n  assert {{\n    sql = \"SELECT count(*) = 1 FROM users WHERE email = 'x@example.com'\"\n  }}\n}}\n\n"
        ));
    }
    t.write("cases.test.hcl", &text);
    for no_cache in [false, true] {
        let options = Options {
            paths: vec![t.0.join("cases.test.hcl")],
            migrations: DirSpec {
                no_cache,
                ..t.spec()
            },
            ..Options::default()
        };
        let plan = Plan::build(&options).unwrap();
        let handles: Vec<_> = plan
            .trials
            .into_iter()
            .map(|trial| {
                std::thread::spawn(move || match trial.job {
                    Job::Case(job) => job.run(),
                    _ => panic!("not a case"),
                })
            })
            .collect();
        for h in handles {
            let report = h.join().unwrap();
            assert_eq!(report.status, Status::Pass, "{:?}", report.failure);
        }
    }
}

/// `shared/corpus` beside the checkout (as `dsl/tests/corpus.rs` finds it), or `$ASSAY_CORPUS`.
fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ASSAY_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = manifest
        .ancestors()
        .skip(2)
        .map(|a| a.join("shared/corpus"))
        .find(|d| d.is_dir());
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set and the migration corpus (shared/corpus) is missing");
        }
        eprintln!("\n!!! SKIPPED: the migration corpus (shared/corpus) is missing\n");
    }
    found
}

/// Every corpus directory whose name says `engine` applies cleanly to an empty database.
fn corpus_applies(engine: &str, server: Arc<dyn Server>) {
    let Some(root) = corpus() else { return };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().unwrap().to_string_lossy().contains(engine))
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no {engine} directories in {}",
        root.display()
    );
    for path in dirs {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let format = Format::ALL
            .into_iter()
            .find(|f| name.starts_with(&format!("{}-", f.name())))
            .unwrap();
        let dir = Dir::open(&path, format).unwrap_or_else(|e| panic!("{name}: {e}"));
        let files = dir.files.len();
        let m = Migrations::from_dir(Ok(dir), &DirSpec::default());
        let db = server.create().unwrap();
        let mut s = db.connect().unwrap();
        if name.contains("harbor") {
            // golang-migrate's own table, which harbor's migrations alter.
            s.run("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)").unwrap();
        }
        if name.contains("kratos") {
            // Its INSERT … SELECT backfills omit NOT NULL columns: kratos runs MySQL non-strict
            // (SOURCES.md: fails in strict mode, applies with NO_ENGINE_SUBSTITUTION).
            s.run("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'")
                .unwrap();
        }
        let start = std::time::Instant::now();
        apply(s.as_mut(), &m, 0, files, &mut |_| {}).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rows = Revisions::new(s.dialect(), None).read(s.as_mut()).unwrap();
        assert_eq!(
            rows.iter().filter(|r| r.applied == r.total).count(),
            rows.len(),
            "{name}"
        );
        eprintln!("{name}: {files} files applied in {:?}", start.elapsed());
    }
}

#[test]
fn corpus_applies_to_sqlite() {
    corpus_applies("sqlite", sqlite_server());
}

#[test]
fn corpus_applies_to_postgres() {
    if let Some(server) = pg_server() {
        corpus_applies("postgres", server);
    }
}

#[test]
fn corpus_applies_to_mariadb() {
    if let Some(server) = mariadb_server() {
        corpus_applies("mysql", server);
    }
}
