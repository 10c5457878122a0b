use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A throw-away directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn with(files: &[(&str, &str)]) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "assay-migrate-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        let d = TempDir(p);
        for (name, text) in files {
            d.write(name, text);
        }
        d
    }
    fn write(&self, name: &str, text: &str) {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn open(&self, f: Format) -> Result<Dir, Error> {
        Dir::open(&self.0, f)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn texts(f: &MigrationFile, d: Dialect) -> Vec<String> {
    f.statements(d)
        .unwrap()
        .into_iter()
        .map(|s| s.text)
        .collect()
}

fn versions(d: &Dir) -> Vec<&str> {
    d.files.iter().map(|f| f.version.as_str()).collect()
}

#[test]
fn format_names_parse_and_unknown_lists_the_valid_ones() {
    for f in Format::ALL {
        assert_eq!(f.name().parse::<Format>(), Ok(f));
    }
    let e = "liquibase".parse::<Format>().unwrap_err();
    assert_eq!(
        e,
        "unknown migration directory format \"liquibase\": use one of atlas, golang-migrate, goose, flyway, dbmate"
    );
}

#[test]
fn atlas_reads_top_level_sql_in_byte_order() {
    let d = TempDir::with(&[
        ("2_b.sql", "SELECT 2;"),
        ("10_a.sql", "SELECT 10;"),
        ("1.sql", "SELECT 1;"),
        ("README.md", "not a migration"),
        ("sub/3_c.sql", "SELECT 3;"),
    ]);
    let dir = d.open(Format::Atlas).unwrap();
    let names: Vec<_> = dir.files.iter().map(|f| f.name.as_str()).collect();
    // Bytes, not numbers: '.' < '0' < '2'.
    assert_eq!(names, ["1.sql", "10_a.sql", "2_b.sql"]);
    assert_eq!(versions(&dir), ["1", "10", "2"]);
    assert_eq!(dir.files[1].description, "a");
    assert_eq!(dir.files[0].description, "");
    assert_eq!(texts(&dir.files[2], Dialect::Sqlite), ["SELECT 2;"]);
}

#[test]
fn missing_directory_is_a_clear_error() {
    let e = Dir::open("/nonexistent/assay/migrations", Format::Atlas).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/assay/migrations: cannot read migration directory"),
        "{e}"
    );
}

#[test]
fn txmode_directive() {
    let d = TempDir::with(&[
        (
            "1_a.sql",
            "-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        ),
        ("2_b.sql", "-- atlas:txmode file\n\nSELECT 1;"),
        ("3_c.sql", "SELECT 1;"),
        // Not followed by a blank line: the comment belongs to the statement, not the file.
        ("4_d.sql", "-- atlas:txmode none\nSELECT 1;"),
    ]);
    let dir = d.open(Format::Atlas).unwrap();
    let modes: Vec<_> = dir.files.iter().map(|f| f.txmode).collect();
    assert_eq!(
        modes,
        [TxMode::None, TxMode::File, TxMode::File, TxMode::File]
    );
    let st = dir.files[3].statements(Dialect::Postgres).unwrap();
    assert_eq!(st[0].comments, ["-- atlas:txmode none\n"]);
}

#[test]
fn txmode_errors_name_the_line() {
    let cases = [
        (
            "-- atlas:txmode all\n\nSELECT 1;",
            "1_a.sql:1:1: txmode \"all\" is not allowed in file directive",
        ),
        (
            "-- header\n-- atlas:txmode maybe\n\nSELECT 1;",
            "1_a.sql:2:1: unknown txmode \"maybe\"",
        ),
        (
            "-- atlas:txmode none\n-- atlas:txmode file\n\nSELECT 1;",
            "1_a.sql:2:1: more than one `atlas:txmode`",
        ),
    ];
    for (text, want) in cases {
        let d = TempDir::with(&[("1_a.sql", text)]);
        let e = d.open(Format::Atlas).unwrap_err().to_string();
        assert!(e.contains(want), "{e}\nwant: {want}");
    }
}

#[test]
fn delimiter_nolint_checkpoint_and_sum_ignore_directives() {
    let d = TempDir::with(&[
        (
            "1_a.sql",
            "-- atlas:delimiter \\n\\n\nCREATE TABLE a (x int);\nSELECT 1;\n\nSELECT 2;\n",
        ),
        (
            "2_b.sql",
            "-- atlas:nolint destructive DS101\n-- atlas:checkpoint v1\n\nDROP TABLE a;",
        ),
        ("3_c.sql", "-- atlas:sum ignore\nSELECT 3;"),
        ("4_d.sql", "# atlas:nolint\n\nSELECT 4;"),
    ]);
    let dir = d.open(Format::Atlas).unwrap();
    let f = &dir.files;
    assert_eq!(f[0].delimiter.as_deref(), Some("\n\n"));
    assert_eq!(
        texts(&f[0], Dialect::Postgres),
        ["CREATE TABLE a (x int);\nSELECT 1;", "SELECT 2;"]
    );
    assert_eq!(
        f[1].nolint,
        Some(vec!["destructive".to_string(), "DS101".to_string()])
    );
    assert_eq!(f[1].checkpoint.as_deref(), Some("v1"));
    assert!(f[2].sum_ignore && !f[1].sum_ignore);
    assert_eq!(f[3].nolint, Some(vec![]));
}

#[test]
fn statement_errors_carry_file_line_col() {
    let d = TempDir::with(&[("1_a.sql", "SELECT 1;\nSELECT 'x;\n")]);
    let dir = d.open(Format::Atlas).unwrap();
    let e = dir.files[0].statements(Dialect::Postgres).unwrap_err();
    assert_eq!((e.location.line, e.location.col), (2, 8));
    assert!(e.to_string().contains("1_a.sql:2:8: unclosed quote"), "{e}");
}

#[test]
fn txtar_checks() {
    let text = "-- atlas:txtar\n\n-- checks.sql --\n-- atlas:assert oneof\nSELECT true;\nSELECT false;\n\n-- checks/users.sql --\nSELECT NOT EXISTS (SELECT 1 FROM users);\n\n-- migration.sql --\nALTER TABLE users ADD COLUMN x int;\nSELECT 1;\n";
    let d = TempDir::with(&[("1_a.sql", text)]);
    let dir = d.open(Format::Atlas).unwrap();
    let f = &dir.files[0];
    assert_eq!(
        texts(f, Dialect::Postgres),
        ["ALTER TABLE users ADD COLUMN x int;", "SELECT 1;"]
    );
    assert_eq!(f.statements(Dialect::Postgres).unwrap()[0].line, 12);
    let checks = f.checks(Dialect::Postgres).unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(
        (checks[0].name.as_str(), checks[0].oneof),
        ("checks.sql", true)
    );
    assert_eq!(
        checks[0]
            .statements
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>(),
        ["SELECT true;", "SELECT false;"]
    );
    assert_eq!(checks[0].statements[0].line, 5);
    assert_eq!(
        (checks[1].name.as_str(), checks[1].oneof),
        ("checks/users.sql", false)
    );
}

#[test]
fn txtar_errors() {
    for (text, want) in [
        (
            "-- atlas:txtar\n\n-- checks.sql --\nSELECT true;\n",
            "1_a.sql:1:1: the atlas:txtar archive has no `-- migration.sql --`",
        ),
        (
            "-- atlas:txtar\n\n-- notes.txt --\nhi\n-- migration.sql --\nSELECT 1;",
            "1_a.sql:3:1: unexpected member \"notes.txt\"",
        ),
        (
            "-- atlas:txtar\n\n-- checks.sql --\n-- atlas:assert some\nSELECT 1;\n-- migration.sql --\n",
            "1_a.sql:4:1: unknown `atlas:assert some`",
        ),
    ] {
        let d = TempDir::with(&[("1_a.sql", text)]);
        let e = d.open(Format::Atlas).unwrap_err().to_string();
        assert!(e.contains(want), "{e}\nwant: {want}");
    }
}

#[test]
fn golang_migrate_reads_up_files_only() {
    let d = TempDir::with(&[
        ("0002_add.up.sql", "ALTER TABLE t ADD b int;"),
        ("0002_add.down.sql", "ALTER TABLE t DROP b;"),
        (
            "0001_init.up.sql",
            "CREATE TABLE t (a int);\n-- it's a comment\nCREATE INDEX i ON t (a);",
        ),
        ("0003_typo.dow.sql", "nope"),
        ("10_wide.up.sql", "SELECT 10;"),
    ]);
    let dir = d.open(Format::GolangMigrate).unwrap();
    assert_eq!(versions(&dir), ["0001", "0002", "10"]);
    assert_eq!(dir.files[0].description, "init");
    assert_eq!(texts(&dir.files[0], Dialect::Postgres).len(), 2);
}

#[test]
fn goose_up_section_with_statement_blocks() {
    let text = "\n-- +goose Up\n-- SQL in section 'Up' is executed when this migration is applied\nCREATE TABLE t (\n  a int\n);\nINSERT INTO t VALUES (1); -- trailing\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE t;\n";
    let d = TempDir::with(&[
        ("20240101000000_init.sql", text),
        (
            "2_no_tx.sql",
            "-- +goose Up\n-- +goose no transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        ),
    ]);
    let dir = d.open(Format::Goose).unwrap();
    assert_eq!(versions(&dir), ["2", "20240101000000"]);
    assert_eq!(dir.files[0].txmode, TxMode::None);
    let f = &dir.files[1];
    assert_eq!(f.txmode, TxMode::File);
    let st = f.statements(Dialect::Postgres).unwrap();
    let t: Vec<_> = st.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        t,
        [
            "CREATE TABLE t (\n  a int\n);",
            "INSERT INTO t VALUES (1); -- trailing",
            "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;"
        ]
    );
    assert_eq!(st.iter().map(|s| s.line).collect::<Vec<_>>(), [4, 7, 9]);
    assert_eq!(&f.text[st[2].offset..st[2].offset + 6], "CREATE");
}

#[test]
fn goose_pragma_errors() {
    for (text, want) in [
        (
            "CREATE TABLE t (a int);\n-- +goose Up\n",
            "1_a.sql:1:1: SQL before `-- +goose Up`",
        ),
        (
            "-- +goose Down\nDROP TABLE t;\n-- +goose Up\n",
            "1_a.sql:1:1: unexpected `-- +goose Down`",
        ),
        (
            "-- +goose Up\n-- +goose StatementEnd\n",
            "1_a.sql:2:1: unexpected `-- +goose StatementEnd`",
        ),
        (
            "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
            "1_a.sql:3:1: `-- +goose StatementBegin` is never closed",
        ),
        (
            "-- +goose Up\nSELECT 1\n-- +goose Down\n",
            "1_a.sql:2:1: unfinished SQL statement",
        ),
        ("SELECT 1;", "1_a.sql:1:1: SQL before"),
        ("-- just a comment\n", "1_a.sql:1:1: no `-- +goose Up`"),
        (
            "-- +goose Up\n-- +goose Sideways\n",
            "1_a.sql:2:1: unknown goose annotation",
        ),
    ] {
        let d = TempDir::with(&[("1_a.sql", text)]);
        let e = d.open(Format::Goose).unwrap_err().to_string();
        assert!(e.contains(want), "{e}\nwant: {want}");
    }
}

#[test]
fn flyway_orders_numerically_with_baseline_and_repeatables() {
    let d = TempDir::with(&[
        ("V1__init.sql", "SELECT 1;"),
        ("V2__two.sql", "SELECT 2;"),
        ("V2.1__two_one.sql", "SELECT 21;"),
        ("V10__ten.sql", "SELECT 10;"),
        ("sub/V3__three.sql", "SELECT 3;"),
        (".hidden/V4__hidden.sql", "SELECT 4;"),
        ("U2__undo.sql", "SELECT 'undo';"),
        ("R__views.sql", "SELECT 'v';"),
        ("R__a_funcs.sql", "SELECT 'f';"),
        ("V57__readme.md", "# not sql"),
    ]);
    let dir = d.open(Format::Flyway).unwrap();
    assert_eq!(versions(&dir), ["1", "2", "2.1", "3", "10", "10R", "10RR"]);
    assert_eq!(dir.files[3].name, "sub/V3__three.sql");
    assert_eq!(dir.files[5].description, "a_funcs");
    assert_eq!(dir.files[5].kind, FileKind::Repeatable);

    d.write("B2.1__base.sql", "SELECT 'base';");
    let dir = d.open(Format::Flyway).unwrap();
    assert_eq!(versions(&dir), ["2.1", "3", "10", "10R", "10RR"]);
    assert_eq!(dir.files[0].kind, FileKind::Baseline);
}

#[test]
fn flyway_errors() {
    let d = TempDir::with(&[("V1__a.sql", ""), ("V1.0__b.sql", "")]);
    let e = d.open(Format::Flyway).unwrap_err().to_string();
    assert!(e.contains("flyway version \"1.0\" is used by both"), "{e}");
    let d = TempDir::with(&[("Vx__a.sql", "")]);
    let e = d.open(Format::Flyway).unwrap_err().to_string();
    assert!(e.contains("is not numbers separated by dots"), "{e}");
}

#[test]
fn dbmate_up_section() {
    let d = TempDir::with(&[
        (
            "20240101_a.sql",
            "-- migrate:up\nCREATE TABLE t (a int);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 1;\nEND;\n\n-- migrate:down\nDROP TABLE t;\n",
        ),
        (
            "20240102_b.sql",
            "-- migrate:up transaction:false\nVACUUM;\n",
        ),
    ]);
    let dir = d.open(Format::Dbmate).unwrap();
    let st = dir.files[0].statements(Dialect::Sqlite).unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[1].line, 3);
    assert_eq!(dir.files[0].txmode, TxMode::File);
    assert_eq!(dir.files[1].txmode, TxMode::None);
    assert_eq!(texts(&dir.files[1], Dialect::Sqlite), ["VACUUM;"]);
    for (text, want) in [
        ("CREATE TABLE t (a int);\n", "no `-- migrate:up` line"),
        (
            "-- migrate:down\n-- migrate:up\n",
            "`-- migrate:down` before `-- migrate:up`",
        ),
        ("-- migrate:up transaction:maybe\n", "unknown dbmate option"),
    ] {
        let d = TempDir::with(&[("1_a.sql", text)]);
        let e = d.open(Format::Dbmate).unwrap_err().to_string();
        assert!(e.contains(want), "{e}\nwant: {want}");
    }
}

#[test]
fn position_finds_versions_and_suggests_neighbours() {
    let d = TempDir::with(&[
        ("20240101_a.sql", ""),
        ("20240201_b.sql", ""),
        ("20240301_c.sql", ""),
    ]);
    let dir = d.open(Format::Atlas).unwrap();
    assert_eq!(dir.position("20240201").unwrap(), 1);
    let e = dir.position("20240202").unwrap_err().to_string();
    assert!(
        e.ends_with("migration with version \"20240202\" not found. Did you mean \"20240201\"? (\"20240201\" comes before it, \"20240301\" after it)"),
        "{e}"
    );
    let e = dir.position("2023").unwrap_err().to_string();
    assert!(e.contains("the first is \"20240101\""), "{e}");
    let e = dir.position("2025").unwrap_err().to_string();
    assert!(e.contains("the last is \"20240301\""), "{e}");
}

#[test]
fn prefix_hashes_change_from_the_edited_file_on() {
    let d = TempDir::with(&[
        ("1_a.sql", "SELECT 1;"),
        ("2_b.sql", "SELECT 2;"),
        ("3_c.sql", "SELECT 3;"),
    ]);
    let before = d.open(Format::Atlas).unwrap().prefix_hashes();
    d.write("2_b.sql", "SELECT 22;");
    let after = d.open(Format::Atlas).unwrap().prefix_hashes();
    assert_eq!(before[0], after[0]);
    assert_ne!(before[1], after[1]);
    assert_ne!(before[2], after[2]);
    // The format is part of the key.
    let d = TempDir::with(&[("1_a.sql", "-- migrate:up\nSELECT 1;")]);
    assert_ne!(
        d.open(Format::Atlas).unwrap().prefix_hashes(),
        d.open(Format::Dbmate).unwrap().prefix_hashes()
    );
}

#[test]
fn sum_text_matches_the_spec_algorithm() {
    // Atlas's own testdata layout: a running hash, names included, ignored files name-only.
    let d = TempDir::with(&[
        ("1_a.sql", "SELECT 1;\n"),
        ("2_b.sql", "-- atlas:sum ignore\nSELECT 2;\n"),
        ("3_c.sql", "SELECT 3;\n"),
    ]);
    let dir = d.open(Format::Atlas).unwrap();
    let text = sum_text(&dir);
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("h1:") && lines[0].len() == 47);
    assert!(lines[1].starts_with("1_a.sql h1:"));
    assert!(lines[2].starts_with("3_c.sql h1:"));
    // Recompute line 3 by hand: name, bytes, name (ignored file), name, bytes.
    let mut h = Sha256::new();
    for part in [
        "1_a.sql",
        "SELECT 1;\n",
        "2_b.sql",
        "3_c.sql",
        "SELECT 3;\n",
    ] {
        h.update(part.as_bytes());
    }
    use base64::Engine;
    let want = base64::engine::general_purpose::STANDARD.encode(h.finalize());
    assert_eq!(lines[2], format!("3_c.sql h1:{want}"));
    assert!(text.ends_with('\n'));
}

#[test]
fn a_file_name_holding_h1_verifies_against_its_own_sum() {
    // migrate_dbmate: a name with ` h1:` in it was cut at the first `h1:` of its sum line.
    let d = TempDir::with(&[("1_a h1:b.sql", "SELECT 1;\n"), ("2_c.sql", "SELECT 2;\n")]);
    let dir = d.open(Format::Atlas).unwrap();
    let own = Dir {
        sum: Some(sum_text(&dir)),
        ..dir
    };
    validate(&own).unwrap();
}

#[test]
fn validate_detects_added_edited_and_removed_files() {
    let d = TempDir::with(&[
        ("1_a.sql", "SELECT 1;"),
        ("2_b.sql", "SELECT 2;"),
        ("3_c.sql", "SELECT 3;"),
    ]);
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("atlas.sum: checksum file not found: the directory has migrations but no atlas.sum; run \"assay migrate hash\" to create it"), "{e}");
    d.write("atlas.sum", &sum_text(&d.open(Format::Atlas).unwrap()));
    validate(&d.open(Format::Atlas).unwrap()).unwrap();

    d.write("2_b.sql", "SELECT 22;");
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("atlas.sum:3: checksum mismatch: file \"2_b.sql\" was edited; if the change is intended, run \"assay migrate hash\""), "{e}");
    d.write("2_b.sql", "SELECT 2;");

    d.write("4_d.sql", "SELECT 4;");
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("checksum mismatch: file \"4_d.sql\" was added"),
        "{e}"
    );
    d.write("15_x.sql", "SELECT 15;");
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("atlas.sum:2: checksum mismatch: file \"15_x.sql\" was added"),
        "{e}"
    );
    std::fs::remove_file(d.0.join("4_d.sql")).unwrap();
    std::fs::remove_file(d.0.join("15_x.sql")).unwrap();
    validate(&d.open(Format::Atlas).unwrap()).unwrap();

    std::fs::remove_file(d.0.join("2_b.sql")).unwrap();
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("atlas.sum:3: checksum mismatch: file \"2_b.sql\" was removed"),
        "{e}"
    );
    std::fs::remove_file(d.0.join("3_c.sql")).unwrap();
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("file \"2_b.sql\" was removed"), "{e}");
}

#[test]
fn validate_rejects_malformed_sums_and_allows_missing_ones_elsewhere() {
    let d = TempDir::with(&[("1_a.sql", "-- migrate:up\nSELECT 1;")]);
    validate(&d.open(Format::Dbmate).unwrap()).unwrap();
    d.write("atlas.sum", "nonsense\n");
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("atlas.sum:1: checksum file format invalid"),
        "{e}"
    );
    let good = sum_text(&d.open(Format::Atlas).unwrap());
    d.write("atlas.sum", &format!("{good}garbage line\n"));
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("atlas.sum:3: checksum file format invalid"),
        "{e}"
    );
    // A tampered total with intact lines.
    let tampered = format!("h1:AAAA{}", &good[7..]);
    d.write("atlas.sum", &tampered);
    let e = validate(&d.open(Format::Atlas).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the first line (the total) does not match"),
        "{e}"
    );
    // An empty Atlas directory needs no sum.
    let empty = TempDir::with(&[]);
    validate(&empty.open(Format::Atlas).unwrap()).unwrap();
}
