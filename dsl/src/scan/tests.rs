use super::*;

fn texts(sql: &str, d: Dialect) -> Vec<String> {
    split(sql, d)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|s| s.text)
        .collect()
}

fn err(sql: &str, d: Dialect) -> String {
    split(sql, d)
        .expect_err("expected a scan error")
        .to_string()
}

#[test]
fn splits_at_semicolons_and_keeps_them() {
    assert_eq!(
        texts(
            "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);",
            Dialect::Sqlite
        ),
        ["CREATE TABLE t (a int);", "INSERT INTO t VALUES (1);"]
    );
}

#[test]
fn last_statement_needs_no_delimiter() {
    assert_eq!(
        texts("SELECT 1;\nSELECT 2\n", Dialect::Postgres),
        ["SELECT 1;", "SELECT 2"]
    );
}

#[test]
fn offsets_and_lines_point_at_the_text() {
    let sql = "-- lead\nSELECT 1;\n\n  SELECT\n 2;";
    let st = split(sql, Dialect::Postgres).unwrap();
    assert_eq!(st[0].offset, 8);
    assert_eq!(st[0].line, 2);
    assert_eq!(&sql[st[1].offset..st[1].offset + 6], "SELECT");
    assert_eq!(st[1].line, 4);
}

#[test]
fn comment_and_whitespace_input_has_no_statements() {
    for sql in [
        "",
        "   \n\t",
        "-- only a comment",
        "-- a\n/* b */\n# c\n",
        ";",
        ";;\n;",
    ] {
        assert!(split(sql, Dialect::Mysql).unwrap().is_empty(), "{sql:?}");
    }
}

#[test]
fn quotes_hide_delimiters_and_doubled_quotes_work() {
    assert_eq!(
        texts(
            "SELECT 'a;b', \"c;d\", `e;f`, 'it''s;';SELECT 2;",
            Dialect::Mysql
        ),
        ["SELECT 'a;b', \"c;d\", `e;f`, 'it''s;';", "SELECT 2;"]
    );
}

#[test]
fn backslash_escapes_only_in_mysql_and_postgres_e_strings() {
    assert_eq!(
        texts(r"SELECT 'a\';b';SELECT 2;", Dialect::Mysql),
        [r"SELECT 'a\';b';", "SELECT 2;"]
    );
    // In PostgreSQL a backslash is an ordinary character in a plain string...
    assert_eq!(
        texts(r"SELECT 'a\';SELECT 2;", Dialect::Postgres),
        [r"SELECT 'a\';", "SELECT 2;"]
    );
    // ...and an escape in an E'' string.
    assert_eq!(
        texts(r"SELECT E'a\';b';SELECT 2;", Dialect::Postgres),
        [r"SELECT E'a\';b';", "SELECT 2;"]
    );
    assert_eq!(
        texts(r"SELECT 'a\';SELECT 2;", Dialect::Sqlite),
        [r"SELECT 'a\';", "SELECT 2;"]
    );
}

#[test]
fn dollar_quoted_function_bodies_stay_whole() {
    let f = "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;";
    let sql =
        format!("{f}\nCREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION f();");
    let st = texts(&sql, Dialect::Postgres);
    assert_eq!(st.len(), 2);
    assert_eq!(st[0], f);
    let tagged = "DO $body$ BEGIN PERFORM 1; END $body$;";
    assert_eq!(
        texts(&format!("{tagged} SELECT 1;"), Dialect::Postgres),
        [tagged, "SELECT 1;"]
    );
    // `$1` is a parameter, not a quote.
    assert_eq!(
        texts("PREPARE p AS SELECT $1; SELECT 2;", Dialect::Postgres).len(),
        2
    );
}

#[test]
fn transactions_split_into_statements() {
    let sql = "BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\nBEGIN TRANSACTION;\nSELECT 1;\nCOMMIT;";
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        assert_eq!(
            texts(sql, d),
            [
                "BEGIN;",
                "CREATE TABLE a (x int);",
                "COMMIT;",
                "BEGIN TRANSACTION;",
                "SELECT 1;",
                "COMMIT;"
            ]
        );
    }
}

#[test]
fn create_index_concurrently_is_its_own_statement() {
    let sql = "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY i;";
    assert_eq!(
        texts(sql, Dialect::Postgres),
        [
            "CREATE TABLE t (a int);",
            "CREATE INDEX CONCURRENTLY i ON t (a);",
            "DROP INDEX CONCURRENTLY i;"
        ]
    );
}

#[test]
fn sqlite_trigger_body_stays_whole() {
    let trig = "CREATE TRIGGER t AFTER INSERT ON x BEGIN\n  UPDATE y SET n = n + 1;\n  INSERT INTO z VALUES (new.id);\nEND;";
    let sql = format!("CREATE TABLE x (id int);\n{trig}\nINSERT INTO x VALUES (1);");
    assert_eq!(
        texts(&sql, Dialect::Sqlite),
        [
            "CREATE TABLE x (id int);",
            trig,
            "INSERT INTO x VALUES (1);"
        ]
    );
}

#[test]
fn nested_begin_end_blocks() {
    let p = "CREATE PROCEDURE p() BEGIN\n  IF 1 THEN\n    BEGIN\n      SELECT 1;\n    END;\n  END IF;\n  SELECT 2;\nEND;";
    assert_eq!(
        texts(&format!("{p}\nCALL p();"), Dialect::Mysql),
        [p, "CALL p();"]
    );
}

#[test]
fn begin_atomic_bodies_stay_whole_in_postgres() {
    let f =
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;";
    assert_eq!(
        texts(&format!("{f}\nSELECT f();"), Dialect::Postgres),
        [f, "SELECT f();"]
    );
}

#[test]
fn mysql_delimiter_command() {
    let sql = "DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND//\nDELIMITER ;\nCALL p();\n";
    let st = split(sql, Dialect::Mysql).unwrap();
    let t: Vec<_> = st.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        t,
        [
            "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND",
            "CALL p();"
        ]
    );
    assert_eq!(st[0].line, 2);
    let dollars = "DELIMITER $$\nCREATE FUNCTION g() RETURNS int BEGIN RETURN 1; END;$$\nDELIMITER ;\nCALL gen_uuid();";
    assert_eq!(
        texts(dollars, Dialect::Mysql),
        [
            "CREATE FUNCTION g() RETURNS int BEGIN RETURN 1; END;",
            "CALL gen_uuid();"
        ]
    );
    // Quoted, with a doubled quote.
    assert_eq!(
        texts("delimiter '$'''\nSELECT 1$'\nSELECT 2$'", Dialect::Mysql),
        ["SELECT 1", "SELECT 2"]
    );
}

#[test]
fn atlas_delimiter_directive() {
    let sql = "-- atlas:delimiter \\n\\n\nCREATE TABLE a (x int);\nSELECT 1;\n\nSELECT 2;";
    let st = split(sql, Dialect::Postgres).unwrap();
    assert_eq!(
        st.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
        ["CREATE TABLE a (x int);\nSELECT 1;", "SELECT 2;"]
    );
    assert_eq!(st[0].line, 2);
    assert_eq!(
        texts(
            "-- atlas:delimiter $$\nSELECT 1$$\nSELECT 2$$",
            Dialect::Sqlite
        ),
        ["SELECT 1", "SELECT 2"]
    );
    assert!(
        err("-- atlas:delimiter $$", Dialect::Sqlite).contains("no input found after delimiter")
    );
    // Only the exact `-- ` prefix on the first line counts.
    assert_eq!(
        texts(
            "SELECT 1;\n-- atlas:delimiter $$\nSELECT 2;",
            Dialect::Sqlite
        )
        .len(),
        2
    );
}

#[test]
fn leading_comments_attach_and_blank_lines_detach() {
    let sql = "-- header\n\n-- atlas:nolint\n/* c */\nSELECT 1; -- trailing\nSELECT /* in */ 2;";
    let st = split(sql, Dialect::Postgres).unwrap();
    assert_eq!(st[0].comments, ["-- atlas:nolint\n", "/* c */"]);
    assert_eq!(st[0].text, "SELECT 1;");
    // A comment after a statement on its line leads the next one.
    assert_eq!(st[1].comments, ["-- trailing\n"]);
    assert_eq!(st[1].text, "SELECT /* in */ 2;");
}

#[test]
fn comments_hide_quotes_and_delimiters_inside_statements() {
    assert_eq!(
        texts("SELECT 1 -- it's; fine\n, 2;", Dialect::Postgres),
        ["SELECT 1 -- it's; fine\n, 2;"]
    );
    assert_eq!(
        texts("SELECT 1 # it's\n;", Dialect::Mysql),
        ["SELECT 1 # it's\n;"]
    );
    // `#` is no comment outside MySQL: jsonb `#>` operator.
    assert_eq!(
        texts("SELECT '{}'::jsonb #> '{a}';", Dialect::Postgres),
        ["SELECT '{}'::jsonb #> '{a}';"]
    );
    // Delimiters take precedence over comments: `;--` ends the statement.
    assert_eq!(
        texts("SELECT 1;-- c\nSELECT 2;", Dialect::Postgres),
        ["SELECT 1;", "SELECT 2;"]
    );
}

#[test]
fn parentheses_hold_delimiters() {
    assert_eq!(
        texts("SELECT (1;2);SELECT 3;", Dialect::Sqlite),
        ["SELECT (1;2);", "SELECT 3;"]
    );
}

#[test]
fn errors_name_line_and_column() {
    assert_eq!(
        err("SELECT 1;\nSELECT 'abc;", Dialect::Postgres),
        "2:8: unclosed quote ': add the closing '"
    );
    assert_eq!(
        err("SELECT (1,\n (2);", Dialect::Sqlite),
        "1:8: unclosed '(': add the matching ')'"
    );
    assert_eq!(
        err("SELECT 1);", Dialect::Sqlite),
        "1:9: unexpected ')': no '(' is open here"
    );
    assert_eq!(
        err("SELECT é, \"x;", Dialect::Sqlite),
        "1:11: unclosed quote \": add the closing \""
    );
    assert!(err("SELECT 1 /* x;", Dialect::Sqlite).starts_with("1:10: unclosed comment"));
    assert!(
        err("DO $$ BEGIN", Dialect::Postgres).starts_with("1:4: unclosed dollar-quoted string $$")
    );
    let e = split("\n\n  'x", Dialect::Mysql).unwrap_err();
    assert_eq!((e.offset, e.line, e.col), (4, 3, 3));
}

#[test]
fn unmatched_begins_do_not_blow_up() {
    let sql = "BEGIN x;\n".repeat(200);
    assert_eq!(split(&sql, Dialect::Sqlite).unwrap().len(), 200);
}

#[test]
fn generic_options_split_triggers_like_atlas() {
    // Atlas's dialect-free scanner has no BEGIN … END matching.
    let sql = "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;";
    assert_eq!(split_with(sql, &ScanOptions::generic()).unwrap().len(), 2);
}

#[test]
fn leading_comments_are_skipped_but_executable_ones_stay() {
    assert_eq!(skip_comments("  -- a\n# b\n/* c */ SELECT 1"), "SELECT 1");
    assert_eq!(
        skip_comments("/*!50001 CREATE VIEW v */"),
        "/*!50001 CREATE VIEW v */"
    );
    assert_eq!(skip_comments("-- only"), "");
}

#[test]
fn many_unmatched_begins_do_not_exhaust_the_stack() {
    // Found while writing the scan_* fuzz targets: each unmatched BEGIN was one level of
    // recursion, so a long enough file of them overflowed the stack and aborted the whole run.
    // With no END anywhere the scan is linear; with one at the end, the depth bound holds.
    // `BEGIN TRANSACTION` is never scanned as a block; `BEGIN x` is.
    for (line, tail) in [
        ("BEGIN TRANSACTION;\n", ""),
        ("BEGIN TRANSACTION;\n", "END;\n"),
        ("BEGIN x;\n", ""),
        ("BEGIN x;\n", "END;\n"),
    ] {
        let sql = line.repeat(1_000) + tail;
        let n = std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(move || split(&sql, Dialect::Sqlite).map(|s| s.len()))
            .unwrap()
            .join()
            .unwrap();
        assert!(n.as_ref().is_ok_and(|n| *n >= 1_000), "{n:?}");
    }
    // Real nesting still works.
    let nested = format!("{}SELECT 1;{}", "BEGIN ".repeat(10), " END;".repeat(10));
    assert_eq!(split(&nested, Dialect::Mysql).unwrap().len(), 1);
}

#[test]
fn statement_lines_are_counted_once() {
    // Found by the malformed-input battery (harness/tests/malformed.rs): 20 000 one-line
    // statements took 50 s in a debug build, counting every statement's line from the start.
    let sql = "SELECT 1;\n".repeat(200_000);
    let stmts = split(&sql, Dialect::Sqlite).unwrap();
    assert_eq!(stmts.len(), 200_000);
    assert_eq!((stmts[0].line, stmts[199_999].line), (1, 200_000));
}

#[test]
fn transaction_starts_never_open_blocks() {
    // Found measuring issue 16: in a file of `BEGIN TRANSACTION; …; COMMIT;` groups with a
    // trigger's `END` at the end, every `BEGIN` tried a block scan to that `END` (16 000 groups,
    // 1 MB: 64 s). A transaction start is no compound statement in any dialect.
    let groups = "BEGIN TRANSACTION;\nINSERT INTO t VALUES (1);\nCOMMIT;\n".repeat(3);
    let trigger = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET b = 1;\nEND;\n";
    for dialect in [Dialect::Sqlite, Dialect::Mysql, Dialect::Postgres] {
        let stmts = split(&(groups.clone() + trigger), dialect).unwrap();
        assert_eq!(stmts.len(), 10, "{dialect:?}");
        assert_eq!(stmts[9].text, trigger.trim_end());
    }
    for opener in [
        "BEGIN WORK;",
        "begin deferred transaction;",
        "BEGIN IMMEDIATE;",
        "BEGIN EXCLUSIVE;",
        "BEGIN ISOLATION LEVEL SERIALIZABLE;",
        "BEGIN READ ONLY;",
        "BEGIN DEFERRABLE;",
    ] {
        let sql = format!("{opener}\nSELECT 1;\nEND;\n");
        assert_eq!(split(&sql, Dialect::Sqlite).unwrap().len(), 3, "{opener}");
    }
    // MariaDB's anonymous block is one statement.
    let block = "BEGIN NOT ATOMIC\n  DECLARE x INT DEFAULT 1;\n  SELECT x;\nEND;\nSELECT 2;";
    assert_eq!(split(block, Dialect::Mysql).unwrap().len(), 2);
    // A block whose body starts with another word is still one statement.
    let block = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN transactions_seen(); END;";
    assert_eq!(split(block, Dialect::Sqlite).unwrap().len(), 1);
}
