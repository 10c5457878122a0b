use super::*;

fn lex_ok(script: &str) -> Vec<Line> {
    let file = SourceFile::new("t.txtar", script);
    lex(&file, script, 1).unwrap_or_else(|e| panic!("{e:?}"))
}

fn lex_err(script: &str) -> Vec<String> {
    let file = SourceFile::new("t.txtar", script);
    lex(&file, script, 1)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn env(name: &str) -> Option<String> {
    match name {
        "WORK" => Some("/tmp/w".into()),
        "db" => Some("test_db".into()),
        "$" => Some("$".into()),
        "/" => Some("/".into()),
        "dot" => Some("a.b*c".into()),
        _ => None,
    }
}

/// The words of a one-line script, expanded with [`env`].
fn words(script: &str) -> Vec<String> {
    let lines = lex_ok(script);
    assert_eq!(lines.len(), 1, "{script:?}");
    lines[0].expand(env)
}

#[test]
fn words_split_on_space_tab_and_cr() {
    assert_eq!(words("exec  a\tb\r\n"), ["exec", "a", "b"]);
    assert_eq!(
        words("  cmp stdout   want.txt  "),
        ["cmp", "stdout", "want.txt"]
    );
    assert_eq!(words("a\rb"), ["a", "b"]);
}

#[test]
fn comments_and_blank_lines() {
    let lines = lex_ok(
        "\n# header\n\n   \nexec a # trailing comment\n  # indented: just a comment\nx#y z\n",
    );
    let texts: Vec<Vec<String>> = lines.iter().map(|l| l.expand(env)).collect();
    assert_eq!(texts, [vec!["exec", "a"], vec!["x"]]);
    assert_eq!(lines[0].line, 5);
    assert_eq!(lines[0].text, "exec a # trailing comment");
    assert_eq!(lines[1].line, 7);
}

#[test]
fn single_quotes() {
    assert_eq!(
        words("exec echo 'a b'  'it''s' '' x''y"),
        ["exec", "echo", "a b", "it's", "", "xy"]
    );
    assert_eq!(
        words("stdout 'a # not a comment'"),
        ["stdout", "a # not a comment"]
    );
    assert_eq!(words("a'b c'd"), ["ab cd"]);
    // No expansion inside quotes.
    assert_eq!(words("echo '$db' $db'$db'"), ["echo", "$db", "test_db$db"]);
}

#[test]
fn double_quotes_are_ordinary() {
    assert_eq!(
        words(r#"atlas --var "url=URL" "a b""#),
        ["atlas", "--var", "\"url=URL\"", "\"a", "b\""]
    );
}

#[test]
fn expansion() {
    assert_eq!(
        words("cd $WORK/x ${db}_dev $db.sql"),
        ["cd", "/tmp/w/x", "test_db_dev", "test_db.sql"]
    );
    assert_eq!(words("echo $unset. ${unset}x"), ["echo", ".", "x"]);
    assert_eq!(
        words("stdout ${dot@R} $dot"),
        ["stdout", r"a\.b\*c", "a.b*c"]
    );
    // Go's os.Expand rules: `$$`, `${/}`, a lone or trailing `$`, `$` before other characters.
    assert_eq!(
        words("echo $$ ${/} $ a$ $/x $.x"),
        ["echo", "$", "/", "$", "a$", "$/x", "$.x"]
    );
    // Bad `${` and `${}` are dropped, as Go does.
    assert_eq!(words("echo ${}a ${x"), ["echo", "a", "x"]);
    // `$1` takes one digit.
    assert_eq!(words("echo $12"), ["echo", "2"]);
}

#[test]
fn words_keep_their_parts() {
    let lines = lex_ok("exec x${db}y 'lit'");
    let w = &lines[0].words;
    assert_eq!(
        w[1].parts,
        [
            Part::Literal("x".into()),
            Part::Var {
                name: "db".into(),
                regex_quote: false
            },
            Part::Literal("y".into())
        ]
    );
    assert_eq!(w[1].as_literal(), None);
    assert_eq!(w[2].as_literal(), Some("lit"));
    assert_eq!((w[0].col, w[1].col, w[2].col), (1, 6, 14));
    assert_eq!(lines[0].command(), Some("exec"));
    assert_eq!(lex_ok("''")[0].words[0].as_literal(), Some(""));
}

#[test]
fn conditions_and_negation() {
    let line = &lex_ok("[postgres] [!exec:psql] ! exec psql")[0];
    assert_eq!(
        line.conds,
        [
            Cond {
                negate: false,
                name: "postgres".into()
            },
            Cond {
                negate: true,
                name: "exec:psql".into()
            }
        ]
    );
    assert!(line.negate);
    assert_eq!(line.expand(env), ["exec", "psql"]);
    let line = &lex_ok("! stdout x")[0];
    assert!(line.negate && line.conds.is_empty());
    // `!` before a condition: the condition is then the command (the harness reports it).
    let line = &lex_ok("! [unix] x")[0];
    assert!(line.negate && line.conds.is_empty());
    assert_eq!(line.command(), Some("[unix]"));
    assert_eq!(
        lex_ok("[ !unix ] x").len(),
        1,
        "spaces split the word: `[` is a command"
    );
}

#[test]
fn background() {
    assert_eq!(lex_ok("exec sleep 1 &")[0].background.as_deref(), Some(""));
    let line = &lex_ok("exec sleep 1 &srv&")[0];
    assert_eq!(
        (line.background.as_deref(), line.words.len()),
        (Some("srv"), 3)
    );
    assert_eq!(lex_ok("exec echo a&b")[0].background, None);
    assert_eq!(lex_ok("&")[0].background, None, "a lone `&` is the command");
    assert_eq!(
        lex_ok("exec x '&'")[0].background.as_deref(),
        Some(""),
        "quoting does not survive, as in testscript"
    );
}

#[test]
fn errors_have_file_line_col_and_are_all_collected() {
    let errors =
        lex_err("exec ok\nexec 'unterminated\n[unix]\n!\n  ! # nothing\n[] x\n[!] x\nfine 'also");
    assert_eq!(
        errors,
        [
            "t.txtar:2:6: unterminated quoted argument: add the closing `'`",
            "t.txtar:3:1: missing command after condition",
            "t.txtar:4:1: `!` with no command after it",
            "t.txtar:5:3: `!` with no command after it",
            "t.txtar:6:1: empty condition: write `[name]` or `[!name]`",
            "t.txtar:7:1: empty condition: write `[name]` or `[!name]`",
            "t.txtar:8:6: unterminated quoted argument: add the closing `'`",
        ]
    );
    assert_eq!(
        lex_err("[pg] !")[0],
        "t.txtar:1:6: `!` with no command after it"
    );
    // Columns count characters.
    assert_eq!(
        lex_err("é 'x")[0],
        "t.txtar:1:3: unterminated quoted argument: add the closing `'`"
    );
}

#[test]
fn first_line_offsets_line_numbers() {
    let file = SourceFile::new("dir/t.txtar", "");
    let lines = lex(&file, "\nexec a\n", 10).unwrap();
    assert_eq!(lines[0].line, 11);
    let errors = lex(&file, "x\n'", 10).unwrap_err();
    assert_eq!(
        errors[0].location,
        Location {
            path: "dir/t.txtar".into(),
            line: 11,
            col: 1
        }
    );
}

#[test]
fn phases_follow_comment_lines() {
    let script = "exec setup\n# apply\n# (two lines)\nexec a\n\nexec b\n# check\n  # not a phase\nexec c\n# empty phase\n";
    let lines = lex_ok(script);
    let phases: Vec<(usize, usize, &str)> = lines
        .iter()
        .map(|l| (l.line, l.phase, l.phase_comment.as_str()))
        .collect();
    assert_eq!(
        phases,
        [
            (1, 0, ""),
            (4, 1, "# apply\n# (two lines)"),
            (6, 1, "# apply\n# (two lines)"),
            (9, 2, "# check")
        ]
    );
    let lines = lex_ok("# first\nexec a\n# second\nexec b\n");
    assert_eq!(
        (lines[0].phase, lines[0].phase_comment.as_str()),
        (0, "# first")
    );
    assert_eq!(
        (lines[1].phase, lines[1].phase_comment.as_str()),
        (1, "# second")
    );
}

#[test]
fn suggestions_for_unknown_commands() {
    let commands = [
        "exec", "execsql", "cmp", "cmpshow", "stdout", "stderr", "exists", "migrate",
    ];
    assert_eq!(did_you_mean("exce", commands), Some("exec"));
    assert_eq!(did_you_mean("execsq", commands), Some("execsql"));
    assert_eq!(did_you_mean("stdot", commands), Some("stdout"));
    assert_eq!(did_you_mean("cmpp", commands), Some("cmp"));
    assert_eq!(did_you_mean("frobnicate", commands), None);
    assert_eq!(
        did_you_mean("exec", commands),
        None,
        "an exact name needs no suggestion"
    );
    assert_eq!(did_you_mean("x", commands), None);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(
        edit_distance("exce", "exec"),
        1,
        "a swap of neighbours is one edit"
    );
}

#[test]
fn the_spec_example_archive() {
    let text = "# apply a schema, then check the table the engine shows back
execsql 'CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL)'
exist users
! exist posts

# migrate the dev database and compare the status output with a golden section
atlas migrate apply --url URL --dir file://migrations
stdout 'Migrating to version 2'
cmp stdout apply.golden

-- migrations/1_init.sql --
CREATE TABLE t (id integer);
-- apply.golden --
...
";
    let file = SourceFile::new("example.txtar", text);
    let archive = crate::txtar::parse(text);
    let lines = lex(&file, &archive.comment, archive.comment_line).unwrap();
    let summary: Vec<(usize, usize, bool, Option<&str>)> = lines
        .iter()
        .map(|l| (l.line, l.phase, l.negate, l.command()))
        .collect();
    assert_eq!(
        summary,
        [
            (2, 0, false, Some("execsql")),
            (3, 0, false, Some("exist")),
            (4, 0, true, Some("exist")),
            (7, 1, false, Some("atlas")),
            (8, 1, false, Some("stdout")),
            (9, 1, false, Some("cmp")),
        ]
    );
    assert_eq!(
        lines[0].expand(env)[1],
        "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL)"
    );
    assert_eq!(
        lines[3].phase_comment,
        "# migrate the dev database and compare the status output with a golden section"
    );
    assert_eq!(archive.files[1].marker_line, 13);
}
