//! The MySQL/MariaDB engine and its provisioning, against real local MariaDB servers.
//!
//! Each test starts its own throw-away server (a few hundred ms from the pristine cache) and
//! drops it. Without MariaDB installed these tests fail under `CI` and skip loudly elsewhere.

use std::path::PathBuf;
use std::sync::Arc;

use dbassay::engine::{Arg, Engine, Outcome, Session, TextGrid};
use dbassay::provision::mysql::{self, Binaries, MysqlServer};
use dbassay::provision::{Database, Server};

/// The installed binaries; `None` (skip, loudly) when missing, except under `CI` (fail).
fn binaries() -> Option<Binaries> {
    match Binaries::find() {
        Ok(b) => Some(b),
        Err(e) if std::env::var_os("CI").is_some() => panic!("MariaDB is required under CI: {e}"),
        Err(e) => {
            eprintln!("\n!!! SKIPPING MySQL/MariaDB test: {e}\n");
            None
        }
    }
}

fn local_server() -> Option<Arc<MysqlServer>> {
    binaries()?;
    Some(MysqlServer::local_unshared(Engine::Mariadb, None).expect("the local MariaDB starts"))
}

fn rows(session: &mut dyn Session, sql: &str) -> TextGrid {
    match session.run(sql) {
        Ok(Outcome::Rows(grid)) => grid,
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

fn exec(session: &mut dyn Session, sql: &str) {
    if let Err(e) = session.run(sql) {
        panic!("{sql}: {e}");
    }
}

fn cell(grid: &TextGrid, row: usize, col: usize) -> Option<&str> {
    grid.rows[row][col].as_deref()
}

/// Tables, rows, a view, a trigger, a function and a procedure (each one statement).
const SCHEMA: &[&str] = &[
    "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE, \
     email VARCHAR(100) NULL, name_len INT AS (CHAR_LENGTH(name)) VIRTUAL)",
    "CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT, \
     FOREIGN KEY (user_id) REFERENCES users(id))",
    "INSERT INTO users (name, email) VALUES ('ann', 'ann@example.com'), ('bob', NULL)",
    "ALTER TABLE users ADD COLUMN secret INT INVISIBLE NULL",
    "UPDATE users SET secret = id * 10",
    "CREATE SEQUENCE ticket START WITH 100",
    "CREATE VIEW named AS SELECT id, name FROM users",
    "CREATE VIEW named_b AS SELECT name FROM named WHERE name LIKE 'b%'",
    "CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW \
     INSERT INTO audit (user_id) VALUES (NEW.id)",
    "CREATE FUNCTION shout(s TEXT) RETURNS TEXT DETERMINISTIC \
     BEGIN DECLARE r TEXT; SET r = UPPER(s); RETURN CONCAT(r, '!'); END",
    "CREATE PROCEDURE counts() BEGIN SELECT 'ignored' AS first; \
     SELECT COUNT(*) AS users FROM users; END",
];

fn build(db: &dyn Database) {
    let mut s = db.connect().unwrap();
    for sql in SCHEMA {
        exec(&mut *s, sql);
    }
}

#[test]
fn statements_return_rows_and_errors() {
    let Some(server) = local_server() else { return };
    assert_eq!(server.engine(), Engine::Mariadb);
    let db = server.create().unwrap();
    build(&*db);
    let mut s = db.connect().unwrap();

    // Values that do not match the placeholders: the server's error number says so (1210).
    let error =
        (s.run_bound("SELECT ?, ?", &[Arg::Int(1)])).expect_err("two placeholders, one value");
    assert_eq!(error.number, Some(1210), "{error}");
    assert!(
        error.message.starts_with(
            "args: 1 value given, which is not the number of placeholders (?) in the statement"
        ),
        "{error}"
    );

    let grid = rows(&mut *s, "SELECT id, name, email FROM users ORDER BY id");
    assert_eq!(grid.columns, ["id", "name", "email"]);
    assert_eq!(
        grid.rows,
        vec![
            vec![
                Some("1".into()),
                Some("ann".into()),
                Some("ann@example.com".into())
            ],
            vec![Some("2".into()), Some("bob".into()), None],
        ]
    );
    let grid = rows(
        &mut *s,
        "SELECT 1.50 AS n, NULL AS nothing, X'ff00' AS raw, DATE '2024-01-02' AS d",
    );
    assert_eq!(
        grid.rows[0],
        vec![
            Some("1.50".into()),
            None,
            Some("\\xff00".into()),
            Some("2024-01-02".into())
        ]
    );

    // The trigger fired, and the function works.
    assert_eq!(
        s.run("INSERT INTO users (name) VALUES ('cy')").unwrap(),
        Outcome::Done { affected: 1 }
    );
    assert_eq!(
        cell(&rows(&mut *s, "SELECT COUNT(*) FROM audit"), 0, 0),
        Some("1")
    );
    assert_eq!(
        cell(&rows(&mut *s, "SELECT shout('hi')"), 0, 0),
        Some("HI!")
    );

    // CALL: the last result set with columns is the outcome.
    let grid = rows(&mut *s, "CALL counts()");
    assert_eq!(grid.columns, ["users"]);
    assert_eq!(cell(&grid, 0, 0), Some("3"));

    // A duplicate key: Go-driver wording, SQLSTATE as the code.
    let e = s
        .run("INSERT INTO users (name) VALUES ('ann')")
        .unwrap_err();
    assert_eq!(e.code.as_deref(), Some("23000"));
    assert!(
        e.message
            .starts_with("Error 1062 (23000): Duplicate entry 'ann'"),
        "{e}"
    );
    assert!(e.to_string().contains("1062") && e.to_string().contains("Duplicate entry"));

    // SIGNAL.
    exec(
        &mut *s,
        "CREATE PROCEDURE fail() BEGIN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no way'; END",
    );
    let e = s.run("CALL fail()").unwrap_err();
    assert_eq!(e.code.as_deref(), Some("45000"));
    assert_eq!(e.message, "Error 1644 (45000): no way");

    // The multi-result trap: an error in a later result must surface now, not poison the next query.
    let e = s.run("SELECT 1; SELECT * FROM missing_table").unwrap_err();
    assert!(e.message.contains("1146"), "{e}");
    assert_eq!(cell(&rows(&mut *s, "SELECT 42"), 0, 0), Some("42"));
    exec(
        &mut *s,
        "CREATE PROCEDURE half() BEGIN SELECT 1 AS a; SELECT * FROM missing_table; END",
    );
    assert!(s.run("CALL half()").unwrap_err().message.contains("1146"));
    assert_eq!(cell(&rows(&mut *s, "SELECT 43"), 0, 0), Some("43"));

    // A syntax error.
    let e = s.run("SELEC 1").unwrap_err();
    assert_eq!(e.code.as_deref(), Some("42000"));
}

#[test]
fn snapshots_copy_everything_and_copies_are_independent() {
    let Some(server) = local_server() else { return };
    let db = server.create().unwrap();
    build(&*db);
    let snapshot = server.freeze(db, "key-1").unwrap();
    assert!(server.find("key-1").is_some());
    assert!(server.find("key-2").is_none());

    let a = snapshot.copy().unwrap();
    let b = snapshot.copy().unwrap();
    let mut sa = a.connect().unwrap();
    let mut sb = b.connect().unwrap();
    let users = "SELECT id, name, email, name_len FROM users ORDER BY id";
    assert_eq!(rows(&mut *sa, users).rows.len(), 2);
    assert_eq!(cell(&rows(&mut *sa, users), 1, 3), Some("3"));
    assert_eq!(
        cell(&rows(&mut *sa, "SELECT COUNT(*) FROM named_b"), 0, 0),
        Some("1")
    );
    assert_eq!(cell(&rows(&mut *sa, "SELECT shout('x')"), 0, 0), Some("X!"));
    assert_eq!(cell(&rows(&mut *sa, "CALL counts()"), 0, 0), Some("2"));
    // Invisible columns are copied; sequences exist.
    let secret = rows(&mut *sa, "SELECT secret FROM users ORDER BY id");
    assert_eq!(
        secret.rows,
        vec![vec![Some("10".into())], vec![Some("20".into())]]
    );
    assert_eq!(
        cell(&rows(&mut *sa, "SELECT NEXTVAL(ticket)"), 0, 0),
        Some("100")
    );
    // No trigger fired while copying; it fires afterwards; the AUTO_INCREMENT counter carried over.
    assert_eq!(
        cell(&rows(&mut *sa, "SELECT COUNT(*) FROM audit"), 0, 0),
        Some("0")
    );
    exec(&mut *sa, "INSERT INTO users (name) VALUES ('dee')");
    assert_eq!(
        cell(&rows(&mut *sa, "SELECT MAX(id) FROM users"), 0, 0),
        Some("3")
    );
    assert_eq!(
        cell(&rows(&mut *sa, "SELECT COUNT(*) FROM audit"), 0, 0),
        Some("1")
    );
    // The foreign key is there.
    assert!(sa.run("INSERT INTO audit (user_id) VALUES (99)").is_err());

    // Independent of each other and of the template.
    assert_eq!(rows(&mut *sb, users).rows.len(), 2);
    exec(&mut *sb, "DROP VIEW named_b");
    assert_eq!(
        cell(&rows(&mut *sa, "SELECT COUNT(*) FROM named_b"), 0, 0),
        Some("1")
    );
    let c = snapshot.copy().unwrap();
    let mut sc = c.connect().unwrap();
    assert_eq!(rows(&mut *sc, users).rows.len(), 2);

    // URL and open command point at the copy, without printing the password.
    let url = c.url();
    assert!(url.starts_with("mariadb://root:") && url.ends_with(&format!("/{}", db_name(&url))));
    let cmd = c.open_command();
    assert!(
        cmd.starts_with("mariadb -h 127.0.0.1 -P ") && cmd.ends_with(db_name(&url)),
        "{cmd}"
    );
    let password = url
        .split_once("root:")
        .unwrap()
        .1
        .split_once('@')
        .unwrap()
        .0;
    assert!(!cmd.contains(password));

    // Dropping a copy drops its database only.
    let name = db_name(&a.url()).to_owned();
    drop(sa);
    drop(a);
    let dbs = rows(&mut *sb, "SHOW DATABASES");
    assert!(!dbs.rows.iter().any(|r| r[0].as_deref() == Some(&*name)));
    assert!(
        dbs.rows
            .iter()
            .any(|r| r[0].as_deref().is_some_and(|n| n.starts_with("assay_tpl_")))
    );
}

fn db_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

#[test]
fn concurrent_freezes_of_one_key_are_safe() {
    let Some(server) = local_server() else { return };
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || {
                let db = server.create().unwrap();
                build(&*db);
                let snapshot = server.freeze(db, "shared").unwrap();
                let copy = snapshot.copy().unwrap();
                let mut s = copy.connect().unwrap();
                assert_eq!(
                    cell(&rows(&mut *s, "SELECT COUNT(*) FROM users"), 0, 0),
                    Some("2")
                );
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn external_server_sees_only_its_own_databases_created_and_dropped() {
    let Some(local) = local_server() else { return };
    let own = local.create().unwrap();
    let mut admin = own.connect().unwrap();
    exec(&mut *admin, "CREATE DATABASE users_own_db");
    let c = local.connect_info();
    let url = format!(
        "mysql://{}:{}@{}:{}/users_own_db",
        c.user,
        c.password.clone().unwrap(),
        c.host,
        c.port
    );

    // A snapshot frozen through one server handle is found through another (another process).
    let built = local.create().unwrap();
    build(&*built);
    let _frozen = local.freeze(built, "seen-from-elsewhere").unwrap();

    let external = mysql::external(&url).unwrap();
    let found = external
        .find("seen-from-elsewhere")
        .expect("found by its key");
    let found_copy = found.copy().unwrap();
    assert_eq!(
        cell(
            &rows(
                &mut *found_copy.connect().unwrap(),
                "SELECT COUNT(*) FROM users"
            ),
            0,
            0
        ),
        Some("2")
    );
    drop(found_copy);
    drop(found);
    assert_eq!(external.engine(), Engine::Mariadb);
    let db = external.create().unwrap();
    assert!(db.url().starts_with("mysql://"));
    let name = db_name(&db.url()).to_owned();
    assert!(name.starts_with("assay_"));
    build(&*db);
    let snapshot = external.freeze(db, "ext").unwrap();
    let copy = snapshot.copy().unwrap();
    let copy_name = db_name(&copy.url()).to_owned();
    let list = |s: &mut dyn Session| -> Vec<String> {
        rows(s, "SHOW DATABASES")
            .rows
            .into_iter()
            .filter_map(|r| r[0].clone())
            .collect()
    };
    assert!(list(&mut *admin).contains(&copy_name));
    drop(copy);
    drop(snapshot);
    drop(external);
    let after = list(&mut *admin);
    assert!(after.contains(&"users_own_db".to_owned()));
    assert!(!after.contains(&copy_name) && !after.contains(&name));
    // Nothing of the external handle's run is left (its adopted copy of the found snapshot too).
    let run_prefix = &name[..name.rfind('_').unwrap() + 1];
    assert!(
        !after.iter().any(|d| d.starts_with(run_prefix)),
        "{after:?}"
    );
    // Only the template the external handle created itself is gone; the other handle's stays.
    let templates: Vec<_> = after
        .iter()
        .filter(|d| d.starts_with("assay_tpl_"))
        .collect();
    assert_eq!(templates.len(), 1, "{after:?}");

    let e = mysql::external("mysql://root:secret-pw@127.0.0.1:1/x")
        .err()
        .unwrap();
    assert!(!e.to_string().contains("secret-pw"), "{e}");
    assert!(mysql::external("postgres://x@y/z").is_err());
}

#[test]
fn a_stopped_server_leaves_nothing_behind() {
    let Some(server) = local_server() else { return };
    let facts = server.local_facts().unwrap().clone();
    let db = server.create().unwrap();
    assert!(facts.dir.is_dir());
    assert!(PathBuf::from(format!("/proc/{}", facts.pid)).exists());
    drop(db);
    drop(server);
    assert!(!facts.dir.exists(), "{} still exists", facts.dir.display());
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", facts.pid)).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&cmdline).contains(&*facts.dir.to_string_lossy()));
}

#[test]
fn a_missing_binary_says_how_to_install_it() {
    let empty = std::env::temp_dir().join("assay-no-binaries-here");
    let e = Binaries::find_in(&[empty]).unwrap_err().to_string();
    assert!(
        e.contains("mariadbd") && e.contains("apt-get install mariadb-server"),
        "{e}"
    );
}

#[test]
fn a_version_that_is_not_installed_is_refused() {
    let Some(binaries) = binaries() else { return };
    assert!(binaries.check_version(Some("1.0")).is_err());
    let major_minor: Vec<&str> = binaries.numeric_version().split('.').take(2).collect();
    binaries
        .check_version(Some(&major_minor.join(".")))
        .unwrap();
    binaries.check_version(None).unwrap();
}

/// Everything a case could observe of a database, as text: every object's definition, every
/// table's rows (invisible columns and sequence state included) and `AUTO_INCREMENT` counters.
fn full_state(db: &dyn Database) -> String {
    let mut s = db.connect().unwrap();
    let mut out = String::new();
    let objects = rows(
        &mut *s,
        "SELECT table_name, table_type, auto_increment FROM information_schema.tables \
         WHERE table_schema = DATABASE() ORDER BY table_name",
    );
    for row in &objects.rows {
        let (name, kind) = (row[0].clone().unwrap(), row[1].clone().unwrap());
        out.push_str(&format!("{row:?}\n"));
        if kind == "VIEW" {
            out.push_str(&format!(
                "{:?}\n",
                rows(&mut *s, &format!("SHOW CREATE VIEW `{name}`")).rows
            ));
            continue;
        }
        out.push_str(&format!(
            "{:?}\n",
            rows(&mut *s, &format!("SHOW CREATE TABLE `{name}`")).rows
        ));
        let columns = rows(
            &mut *s,
            &format!(
                "SELECT GROUP_CONCAT(CONCAT('`', column_name, '`') ORDER BY ordinal_position) \
                 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{name}'"
            ),
        );
        let columns = cell(&columns, 0, 0).unwrap().to_string();
        let data = rows(
            &mut *s,
            &format!("SELECT {columns} FROM `{name}` ORDER BY 1"),
        );
        out.push_str(&format!("{:?}\n", data.rows));
    }
    for sql in [
        "SELECT trigger_name, event_object_table, action_timing, event_manipulation, action_order, \
         action_statement FROM information_schema.triggers WHERE trigger_schema = DATABASE() ORDER BY 1",
        "SELECT routine_type, routine_name, routine_definition FROM information_schema.routines \
         WHERE routine_schema = DATABASE() ORDER BY 1, 2",
        "SELECT event_name, event_definition FROM information_schema.events \
         WHERE event_schema = DATABASE() ORDER BY 1",
    ] {
        out.push_str(&format!("{:?}\n", rows(&mut *s, sql).rows));
    }
    out
}

/// Runs statements on a session of their own (ended afterwards, as a case's is reset), and
/// returns them as the restorer is told.
fn mutate(db: &dyn Database, statements: &[&str]) -> Vec<String> {
    let mut s = db.connect().unwrap();
    for sql in statements {
        exec(&mut *s, sql);
    }
    statements.iter().map(|s| s.to_string()).collect()
}

/// Restores after `ran`, with a session on the database as the case's would be after its reset.
fn restore(
    restorer: &mut Box<dyn dbassay::provision::Restorer>,
    db: &dyn Database,
    ran: &[String],
) {
    let mut s = db.connect().unwrap();
    restorer.restore(&mut *s, ran).unwrap();
}

/// Runs each change as a case would and restores: the database must be `expected` again.
fn restores_each(
    restorer: &mut Box<dyn dbassay::provision::Restorer>,
    db: &dyn Database,
    changes: &[&[&str]],
    expected: &str,
) {
    for statements in changes {
        let ran = mutate(db, statements);
        restore(restorer, db, &ran);
        assert_eq!(full_state(db), expected, "after {statements:?}");
    }
}

fn rebase(restorer: &mut Box<dyn dbassay::provision::Restorer>, db: &dyn Database, ran: &[String]) {
    let mut s = db.connect().unwrap();
    restorer.rebase(&mut *s, ran).unwrap();
}

#[test]
fn restores_undo_every_kind_of_change() {
    let Some(server) = local_server() else { return };
    let db = server.create().unwrap();
    build(&*db);
    mutate(
        &*db,
        &[
            "CREATE TABLE empty_t (a INT)",
            "CREATE TRIGGER empty_t_ins BEFORE INSERT ON empty_t FOR EACH ROW SET NEW.a = NEW.a + 1",
        ],
    );
    let before = full_state(&*db);
    let mut restorer = db.restorer().unwrap().expect("MariaDB restores databases");
    let changes: &[&[&str]] = &[
        &[],
        &["SELECT 1"],
        // Rows, through a trigger too, and AUTO_INCREMENT counters.
        &["INSERT INTO users (name) VALUES ('cy')"],
        &[
            "INSERT INTO users (name) VALUES ('cy')",
            "DELETE FROM audit",
            "DELETE FROM users WHERE name = 'cy'",
        ],
        &["UPDATE users SET secret = 0 WHERE id = 1"],
        &[
            "DELETE FROM users WHERE id = 2",
            "INSERT INTO users (id, name) VALUES (2, 'bob')",
        ],
        &["SELECT NEXTVAL(ticket)", "SELECT NEXTVAL(ticket)"],
        &["TRUNCATE TABLE audit"],
        &["SET foreign_key_checks = 0", "TRUNCATE TABLE users"],
        // Definitions.
        &["ALTER TABLE users ADD COLUMN extra INT DEFAULT 7"],
        &["ALTER TABLE users DROP COLUMN secret"],
        &["CREATE INDEX by_email ON users (email)"],
        &["CREATE TABLE newt (a INT)", "INSERT INTO newt VALUES (1)"],
        &["DROP TABLE audit"],
        &["SET foreign_key_checks = 0", "DROP TABLE users"],
        &["RENAME TABLE users TO people"],
        &[
            "ALTER TABLE users RENAME TO people",
            "CREATE TABLE users (x INT)",
        ],
        &["DROP VIEW named_b", "CREATE VIEW v2 AS SELECT 1 AS one"],
        &["CREATE OR REPLACE VIEW named AS SELECT id FROM users"],
        &["DROP TRIGGER users_audit"],
        &["CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW SET NEW.email = 'x'"],
        &["DROP FUNCTION shout", "CREATE PROCEDURE p2() SELECT 1"],
        &[
            "DROP SEQUENCE ticket",
            "CREATE SEQUENCE ticket START WITH 5",
        ],
        &["CALL counts()"],
        &[
            "CREATE TEMPORARY TABLE users (x INT)",
            "INSERT INTO users VALUES (1)",
        ],
        &[
            "BEGIN",
            "INSERT INTO users (name) VALUES ('tx')",
            "ALTER TABLE audit ADD COLUMN y INT",
        ],
        // A table dropped and made again the same loses its triggers.
        &["DROP TABLE empty_t", "CREATE TABLE empty_t (a INT)"],
        &["CREATE OR REPLACE TABLE empty_t (a INT)"],
        // Several statements in one string (a DELIMITER chunk).
        &["INSERT INTO audit (user_id) VALUES (1); ALTER TABLE audit ADD COLUMN z INT"],
    ];
    restores_each(&mut restorer, &*db, changes, &before);

    // A session that left the database (a `USE` hidden from the checks) is refused.
    let mut moved = db.connect().unwrap();
    exec(&mut *moved, "USE mysql");
    assert!(restorer.restore(&mut *moved, &[]).is_err());

    // A rebase takes the current state; later restores return there.
    let ran = mutate(
        &*db,
        &[
            "ALTER TABLE users ADD COLUMN c2 INT NULL",
            "UPDATE users SET c2 = id",
            "CREATE TABLE t3 (a INT)",
        ],
    );
    rebase(&mut restorer, &*db, &ran);
    let rebased = full_state(&*db);
    assert_ne!(rebased, before);
    restores_each(&mut restorer, &*db, changes, &rebased);
}

/// Without triggers, routines, views or cascading keys, rows change only in the tables a
/// statement names: only those are compared. Everything else still comes back.
#[test]
fn restores_without_indirect_writes_compare_named_tables() {
    let Some(server) = local_server() else { return };
    let db = server.create().unwrap();
    {
        let mut s = db.connect().unwrap();
        for sql in [
            "CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
            "CREATE TABLE b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id))",
            "CREATE TABLE c (x INT)",
            "CREATE SEQUENCE s",
            "CREATE TABLE n (id BIGINT DEFAULT (NEXTVAL(s)), x INT)",
            "INSERT INTO a (v) VALUES (1), (2)",
            // A value drawn now: the server keeps the rest of a block of them in memory.
            "SELECT NEXTVAL(s)",
            "INSERT INTO b VALUES (1, 1)",
        ] {
            exec(&mut *s, sql);
        }
    }
    let before = full_state(&*db);
    let mut restorer = db.restorer().unwrap().expect("MariaDB restores databases");
    let changes: &[&[&str]] = &[
        &["INSERT INTO a (v) VALUES (3)"],
        &["INSERT INTO a (v) VALUES (3)", "DELETE FROM a WHERE v = 3"],
        &["INSERT INTO c SELECT v FROM a"],
        &["UPDATE a JOIN b ON b.a_id = a.id SET a.v = 9, b.id = 7"],
        &["DELETE b FROM b JOIN a ON a.id = b.a_id"],
        &["SELECT NEXTVAL(s)"],
        // The sequence changes though no statement names it.
        &["INSERT INTO n (x) VALUES (1)"],
        &["SET foreign_key_checks = 0", "DELETE FROM a"],
        &[
            "ALTER TABLE c ADD COLUMN y INT",
            "INSERT INTO c VALUES (1, 2)",
        ],
        &["CREATE TABLE d (z INT)", "INSERT INTO d VALUES (1)"],
        &[
            "CREATE TRIGGER a_copy AFTER INSERT ON a FOR EACH ROW INSERT INTO c VALUES (NEW.v)",
            "INSERT INTO a (v) VALUES (5)",
        ],
    ];
    restores_each(&mut restorer, &*db, changes, &before);

    // Every case draws the same next value, as on a copy (nothing held in memory).
    let next = || {
        let mut s = db.connect().unwrap();
        let value = cell(&rows(&mut *s, "SELECT NEXTVAL(s)"), 0, 0).map(str::to_string);
        (value, vec!["SELECT NEXTVAL(s)".to_string()])
    };
    let (first, ran) = next();
    restore(&mut restorer, &*db, &ran);
    let (second, ran) = next();
    restore(&mut restorer, &*db, &ran);
    assert_eq!(first, second);

    // A rebase after rows alone changed (the shadow copy gets the new rows).
    let ran = mutate(
        &*db,
        &["INSERT INTO a (v) VALUES (7)", "INSERT INTO c VALUES (8)"],
    );
    rebase(&mut restorer, &*db, &ran);
    let rebased = full_state(&*db);
    assert_ne!(rebased, before);
    restores_each(&mut restorer, &*db, changes, &rebased);
}

/// Atlas's MySQL/MariaDB URL parameters on a server the user runs: `mysql://` and `mariadb://`
/// with `tls=false&parseTime=true&charset=…` run the pins of `testdata/hcl/url-params-mariadb`.
#[test]
fn atlas_url_parameters_on_a_users_server() {
    let Some(local) = local_server() else { return };
    let c = local.connect_info();
    let group =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/hcl/url-params-mariadb");
    for scheme in ["mysql", "mariadb"] {
        let url = format!(
            "{scheme}://{}:{}@{}:{}/?tls=false&parseTime=true&charset=utf8mb4",
            c.user,
            c.password.clone().unwrap(),
            c.host,
            c.port
        );
        let plan = dbassay::Harness::new()
            .path(&group)
            .dev_url(url)
            .fixed_dev_urls()
            .plan()
            .unwrap();
        assert_eq!(plan.trials.len(), 2);
        for trial in plan.trials {
            let dbassay::run::Job::Case(job) = trial.job else {
                panic!("{}: not a case", trial.name)
            };
            let report = job.run();
            assert_eq!(
                report.status,
                dbassay::run::Status::Pass,
                "{scheme} {}: {:?}",
                trial.name,
                report.failure
            );
        }
    }
    let e = mysql::external("mysql://root@127.0.0.1:1/x?tls=true")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("needs TLS"), "{e}");
}
