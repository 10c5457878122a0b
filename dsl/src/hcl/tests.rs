//! Unit tests of the HCL test-file parser: each rule of the language and each error, with its
//! `file:line:col` and message.

use super::*;

fn parse(text: &str) -> TestFile {
    parse_with(text, &Inputs::default())
}

fn parse_with(text: &str, inputs: &Inputs) -> TestFile {
    match TestFile::parse(SourceFile::new("x.test.hcl", text), inputs) {
        Ok(f) => f,
        Err(errors) => panic!("unexpected errors: {errors:#?}"),
    }
}

/// The errors of a file, each as `file:line:col: message`.
fn errors(text: &str) -> Vec<String> {
    errors_with(text, &Inputs::default())
}

fn errors_with(text: &str, inputs: &Inputs) -> Vec<String> {
    match TestFile::parse(SourceFile::new("x.test.hcl", text), inputs) {
        Ok(_) => panic!("expected errors"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

fn exec(c: &Command) -> &Exec {
    match &c.kind {
        CommandKind::Exec(e) => e,
        other => panic!("not exec: {other:?}"),
    }
}

#[test]
fn exec_assert_catch_log_in_file_order() {
    let f = parse(
        r#"test "schema" "basic" {
  exec {
    sql = "SELECT 1"
    output = "1"
  }
  assert {
    sql = "SELECT true"
    error_message = "not true"
  }
  catch {
    sql = "SELECT x"
    error = "column"
  }
  log {
    message = "done"
  }
}
"#,
    );
    assert_eq!(f.cases.len(), 1);
    let case = &f.cases[0];
    assert_eq!(case.name, "basic");
    assert_eq!(case.kind, CaseKind::Schema);
    assert_eq!(case.location.to_string(), "x.test.hcl:1:1");
    assert!(!case.skip && !case.parallel && !case.uses_dev_url);
    assert_eq!(case.commands.len(), 4);
    let e = exec(&case.commands[0]);
    assert_eq!(e.sql.text, "SELECT 1");
    assert_eq!(e.format, Format::Csv);
    match &e.expect {
        Some(Expect::Output(o)) => assert_eq!(o.text, "1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(case.commands[0].location.to_string(), "x.test.hcl:2:3");
    match &case.commands[1].kind {
        CommandKind::Assert(a) => {
            assert_eq!(a.sql.text, "SELECT true");
            assert_eq!(a.error_message.as_deref(), Some("not true"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(case.commands[1].location.line, 6);
    match &case.commands[2].kind {
        CommandKind::Catch(c) => assert_eq!(c.error.as_deref(), Some("column")),
        other => panic!("{other:?}"),
    }
    match &case.commands[3].kind {
        CommandKind::Log { message } => assert_eq!(message, "done"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn for_each_over_a_tuple_names_cases_from_one_and_keys_from_zero() {
    let f = parse(
        r#"test "schema" "upper" {
  for_each = [
    {input: "a", expected: "A"},
    {input = "b", expected = "B"},
  ]
  exec {
    sql = "SELECT upper('${each.value.input}') -- ${each.key} ${testing.name}"
    output = each.value.expected
  }
}
"#,
    );
    let names: Vec<&str> = f.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["upper/1", "upper/2"]);
    let e = exec(&f.cases[1].commands[0]);
    assert_eq!(e.sql.text, "SELECT upper('b') -- 1 upper/2");
    assert!(!e.sql.exact);
    match &e.expect {
        Some(Expect::Output(o)) => {
            assert_eq!(o.text, "B");
            assert_eq!(o.literal, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn for_each_over_a_map_names_cases_by_key() {
    let f = parse(
        r#"test "schema" "m" {
  for_each = { one = 1, two = 2 }
  log { message = "${each.key}=${each.value}" }
}
"#,
    );
    let names: Vec<&str> = f.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["m/one", "m/two"]);
    match &f.cases[1].commands[0].kind {
        CommandKind::Log { message } => assert_eq!(message, "two=2"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn for_each_that_is_not_a_collection_is_an_error() {
    assert_eq!(
        errors("test \"schema\" \"x\" {\n  for_each = 3\n}\n"),
        ["x.test.hcl:2:14: for_each: expected a list, set or map, got 3"]
    );
}

#[test]
fn migrate_cases_take_migrate_blocks_and_schema_cases_do_not() {
    let f = parse(
        "test \"migrate\" \"m\" {\n  migrate { to = \"20240101\" }\n  migrate { to = 2 }\n}\n",
    );
    assert_eq!(f.cases[0].kind, CaseKind::Migrate);
    match (&f.cases[0].commands[0].kind, &f.cases[0].commands[1].kind) {
        (CommandKind::Migrate { to: a }, CommandKind::Migrate { to: b }) => {
            assert_eq!((a.as_str(), b.as_str()), ("20240101", "2"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        errors("test \"schema\" \"s\" {\n  migrate { to = \"1\" }\n}\n"),
        ["x.test.hcl:2:3: migrate blocks are only allowed in test \"migrate\" cases"]
    );
}

#[test]
fn test_blocks_need_two_labels_and_a_known_kind() {
    assert_eq!(
        errors("test \"schema\" {\n}\ntest \"unit\" \"p\" {\n}\n"),
        [
            "x.test.hcl:1:1: test blocks take exactly two labels: test \"KIND\" \"name\" (KIND: schema, migrate, plan or script)",
            "x.test.hcl:3:6: unknown test kind \"unit\"; use test \"schema\", \"migrate\", \"plan\" or \"script\"",
        ]
    );
}

#[test]
fn skip_and_parallel_are_bool_expressions() {
    let f = parse(
        "variable \"slow\" {\n  type = bool\n  default = true\n}\ntest \"schema\" \"a\" {\n  skip = var.slow\n  parallel = !var.slow || true\n}\n",
    );
    assert!(f.cases[0].skip);
    assert!(f.cases[0].parallel);
    assert_eq!(
        errors("test \"schema\" \"a\" {\n  skip = \"maybe\"\n}\n"),
        ["x.test.hcl:2:10: skip: expected a bool, got \"maybe\""]
    );
}

#[test]
fn cleanup_and_external_commands() {
    let f = parse(
        r#"test "schema" "x" {
  cleanup { sql = "DROP TABLE t" }
  external {
    program = ["go", "test", "--dev-url", testing.dev_url, 3]
    working_dir = "sub/dir"
    match = "^ok"
  }
}
"#,
    );
    let case = &f.cases[0];
    assert!(case.uses_dev_url);
    match &case.commands[0].kind {
        CommandKind::Cleanup { sql } => assert_eq!(sql.text, "DROP TABLE t"),
        other => panic!("{other:?}"),
    }
    match &case.commands[1].kind {
        CommandKind::External(e) => {
            assert_eq!(e.program, ["go", "test", "--dev-url", "assay://dev", "3"]);
            assert_eq!(
                e.working_dir.as_deref(),
                Some(std::path::Path::new("sub/dir"))
            );
            match &e.expect {
                Some(Expect::Match(re)) => assert!(re.is_match("ok 1")),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    let again = case.commands("postgres://dev").unwrap();
    match &again[1].kind {
        CommandKind::External(e) => assert_eq!(e.program[3], "postgres://dev"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_is_an_alias_of_testing_and_dev_url_is_re_evaluated() {
    let f = parse(
        "test \"schema\" \"n\" {\n  for_each = [1]\n  log { message = \"${self.name} ${self.dev_url} ${testing.dev_url}\" }\n}\ntest \"schema\" \"plain\" {\n  log { message = testing.name }\n}\n",
    );
    assert!(f.cases[0].uses_dev_url);
    assert!(!f.cases[1].uses_dev_url);
    let msg = |cmds: &[Command]| match &cmds[0].kind {
        CommandKind::Log { message } => message.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(msg(&f.cases[0].commands), "n/1 assay://dev assay://dev");
    assert_eq!(
        msg(&f.cases[0].commands("sqlite://a").unwrap()),
        "n/1 sqlite://a sqlite://a"
    );
    assert_eq!(msg(&f.cases[1].commands("sqlite://a").unwrap()), "plain");
}

#[test]
fn format_is_a_bare_identifier_or_a_string() {
    let f = parse(
        "test \"schema\" \"f\" {\n  exec {\n    sql = \"SELECT 1\"\n    format = table\n  }\n  exec {\n    sql = \"SELECT 1\"\n    format = \"csv\"\n  }\n}\n",
    );
    assert_eq!(exec(&f.cases[0].commands[0]).format, Format::Table);
    assert_eq!(exec(&f.cases[0].commands[1]).format, Format::Csv);
    assert_eq!(
        errors(
            "test \"schema\" \"f\" {\n  exec {\n    sql = \"SELECT 1\"\n    format = json\n  }\n}\n"
        ),
        ["x.test.hcl:4:14: format: unknown format `json`; use csv or table"]
    );
    assert_eq!(
        errors(
            "test \"schema\" \"f\" {\n  exec {\n    sql = \"SELECT 1\"\n    format = \"xml\"\n  }\n}\n"
        ),
        ["x.test.hcl:4:14: format: unknown format `xml`; use csv or table"]
    );
}

#[test]
fn empty_output_is_an_expectation_and_missing_output_is_none() {
    let text = "test \"schema\" \"o\" {\n  exec {\n    sql = \"SELECT 1\"\n    output = \"\"\n  }\n  exec {\n    sql = \"SELECT 1\"\n  }\n}\n";
    let f = parse(text);
    match &exec(&f.cases[0].commands[0]).expect {
        Some(Expect::Output(o)) => {
            assert_eq!(o.text, "");
            let lit = o.literal.clone().expect("a literal");
            assert_eq!(lit.style, LiteralStyle::Quoted);
            assert_eq!(&text[lit.span], "\"\"");
        }
        other => panic!("{other:?}"),
    }
    assert!(exec(&f.cases[0].commands[1]).expect.is_none());
}

#[test]
fn output_and_match_together_and_bad_regexes_are_errors() {
    let errs = errors(
        "test \"schema\" \"o\" {\n  exec {\n    sql = \"SELECT 1\"\n    output = \"1\"\n    match = \"1\"\n  }\n  exec {\n    sql = \"SELECT 1\"\n    match = \"(\"\n  }\n}\n",
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(
        errs[0],
        "x.test.hcl:5:13: exec: `output` and `match` cannot be used together; keep one"
    );
    assert!(
        errs[1].starts_with("x.test.hcl:9:13: match: invalid regular expression: "),
        "{}",
        errs[1]
    );
    assert!(errs[1].contains("unclosed group"), "{}", errs[1]);
}

#[test]
fn computed_bad_regex_is_reported_per_case() {
    let errs = errors(
        "test \"schema\" \"o\" {\n  for_each = [\"ok\", \"[\"]\n  exec {\n    sql = \"SELECT 1\"\n    match = each.value\n  }\n}\n",
    );
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("x.test.hcl:5:13: match: invalid regular expression"),
        "{}",
        errs[0]
    );
}

#[test]
fn unknown_blocks_and_attributes_list_what_is_allowed() {
    let errs = errors(
        r#"tset "schema" "a" {}
name = 1
test "schema" "b" {
  paralel = true
  exce { sql = "x" }
  exec {
    sql = "SELECT 1"
    outptu = "1"
    nested {}
  }
}
"#,
    );
    assert_eq!(
        errs,
        [
            "x.test.hcl:1:1: unknown block `tset` at the top level; did you mean `test`? (allowed: test, variable, locals)",
            "x.test.hcl:2:1: unexpected attribute `name` at the top level; a test file holds only blocks: test, variable, locals",
            "x.test.hcl:4:3: unknown attribute `paralel` in test block; did you mean `parallel`? (allowed: skip, parallel, for_each)",
            "x.test.hcl:5:3: unknown block `exce` in test block; did you mean `exec`? (allowed: exec, assert, catch, log, cleanup, external, migrate, schema, apply, script)",
            "x.test.hcl:8:5: unknown attribute `outptu` in exec block; did you mean `output`? (allowed: sql, format, output, match)",
            "x.test.hcl:9:5: unexpected block `nested` in exec block; exec takes only attributes",
        ]
    );
}

#[test]
fn missing_required_attributes_are_errors() {
    let errs = errors(
        "test \"migrate\" \"r\" {\n  exec {}\n  assert {}\n  catch {}\n  log {}\n  cleanup {}\n  external {}\n  migrate {}\n}\n",
    );
    assert_eq!(
        errs,
        [
            "x.test.hcl:2:3: exec block is missing the required attribute `sql`",
            "x.test.hcl:3:3: assert block is missing the required attribute `sql`",
            "x.test.hcl:4:3: catch block is missing the required attribute `sql`",
            "x.test.hcl:5:3: log block is missing the required attribute `message`",
            "x.test.hcl:6:3: cleanup block is missing the required attribute `sql`",
            "x.test.hcl:7:3: external block is missing the required attribute `program`",
            "x.test.hcl:8:3: migrate block is missing the required attribute `to`",
        ]
    );
}

#[test]
fn duplicate_case_names_after_expansion_are_errors() {
    let errs = errors(
        "test \"schema\" \"a\" {\n}\ntest \"schema\" \"a\" {\n}\ntest \"schema\" \"b\" {\n  for_each = [1]\n}\ntest \"migrate\" \"b/1\" {\n}\n",
    );
    assert_eq!(
        errs,
        [
            "x.test.hcl:3:1: duplicate test case \"a\" (first defined at x.test.hcl:1:1)",
            "x.test.hcl:8:1: duplicate test case \"b/1\" (first defined at x.test.hcl:5:1)",
        ]
    );
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let errs = errors("test \"schema\" \"a\" {\n  exec {\n    sql = \"unterminated\n  }\n}\n");
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("x.test.hcl:3:"), "{}", errs[0]);
    assert!(errs[0].contains("HCL syntax error"), "{}", errs[0]);
}

#[test]
fn all_errors_of_a_file_are_reported_together() {
    let errs = errors(
        "test \"schema\" \"a\" {\n  exec { sql = var.nope }\n}\ntest \"schema\" \"b\" {\n  log { message = upper(1, 2) }\n  exec { sql = \"x\" }\n  log { message = nofunc() }\n}\n",
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(
        errs[0].starts_with("x.test.hcl:2:16: sql: no such key: `nope`"),
        "{}",
        errs[0]
    );
    assert!(
        errs[1].starts_with("x.test.hcl:5:19: message: error calling function `upper`"),
        "{}",
        errs[1]
    );
    assert!(
        errs[2].starts_with("x.test.hcl:7:19: message: unknown function `nofunc`; available: abs,"),
        "{}",
        errs[2]
    );
}

#[test]
fn heredocs_fill_sql_start_exact_and_output_literal() {
    let text = "test \"schema\" \"h\" {\n  exec {\n    sql = <<SQL\nSELECT 1;\n  SELECT $$x$$, '$${y}';\nSQL\n    format = table\n    output = <<-TAB\n       a\n      ---\n       1\n    TAB\n  }\n  exec {\n    sql = \"SELECT\\t2\"\n    output = \"x${1}\"\n  }\n  exec {\n    sql = <<-SQL\n      SELECT 3\n    SQL\n  }\n  exec {\n    sql = \"SELECT 4\"\n  }\n}\n";
    let f = parse(text);
    let cmds = &f.cases[0].commands;
    let first = exec(&cmds[0]);
    assert_eq!(first.sql.text, "SELECT 1;\n  SELECT $$x$$, '${y}';\n");
    assert_eq!(first.sql.start.to_string(), "x.test.hcl:4:1");
    assert!(first.sql.exact);
    match &first.expect {
        Some(Expect::Output(o)) => {
            assert_eq!(o.text, " a\n---\n 1\n");
            let lit = o.literal.clone().expect("a literal");
            assert_eq!(
                lit.style,
                LiteralStyle::Heredoc {
                    marker: "TAB".into(),
                    indent: true
                }
            );
            assert_eq!(
                &text[lit.span],
                "<<-TAB\n       a\n      ---\n       1\n    TAB"
            );
        }
        other => panic!("{other:?}"),
    }
    let second = exec(&cmds[1]);
    assert_eq!(second.sql.text, "SELECT\t2");
    assert_eq!(second.sql.start.to_string(), "x.test.hcl:15:12");
    assert!(!second.sql.exact, "an escape sequence shifts offsets");
    match &second.expect {
        Some(Expect::Output(o)) => assert_eq!((o.text.as_str(), &o.literal), ("x1", &None)),
        other => panic!("{other:?}"),
    }
    let third = exec(&cmds[2]);
    assert_eq!(third.sql.text, "SELECT 3\n");
    assert_eq!(third.sql.start.line, 20);
    assert!(!third.sql.exact, "<<- strips indentation");
    let fourth = exec(&cmds[3]);
    assert_eq!(fourth.sql.start.to_string(), "x.test.hcl:24:12");
    assert!(fourth.sql.exact);
}

fn inputs(vars: &[(&str, &str)]) -> Inputs {
    Inputs {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        values: Default::default(),
    }
}

const VARS: &str = r#"variable "n" {
  type = number
}
variable "names" {
  type = list(string)
  default = []
}
variable "flag" {
  type = bool
  default = false
  description = "a flag"
}
variable "m" {
  type = map(number)
  default = {}
}
test "schema" "v" {
  log { message = "${var.n + 1} ${join(",", var.names)} ${var.flag} ${jsonencode(var.m)}" }
}
"#;

fn first_log(f: &TestFile) -> String {
    match &f.cases[0].commands[0].kind {
        CommandKind::Log { message } => message.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn variables_take_typed_values_from_vars_and_inputs() {
    let f = parse_with(
        VARS,
        &inputs(&[
            ("n", "41"),
            ("names", "a"),
            ("names", "b"),
            ("flag", "true"),
            ("m", "{x = 1}"),
            ("unused", "1"),
        ]),
    );
    assert_eq!(first_log(&f), "42 a,b true {\"x\":1}");
    let mut typed = inputs(&[]);
    typed.values.insert("n".into(), hcl::Value::from("2"));
    assert_eq!(first_log(&parse_with(VARS, &typed)), "3  false {}");
    // `vars` wins over `values`.
    typed.vars.push(("n".into(), "5".into()));
    assert_eq!(first_log(&parse_with(VARS, &typed)), "6  false {}");
}

#[test]
fn missing_and_mistyped_variables_are_errors() {
    assert_eq!(
        errors(VARS),
        ["x.test.hcl:1:1: missing value for required variable \"n\""]
    );
    assert_eq!(
        errors_with(
            VARS,
            &inputs(&[("n", "x"), ("flag", "yes"), ("m", "{x = \"a\"}")])
        ),
        [
            "x.test.hcl:1:1: invalid value for variable \"n\": expected number, got \"x\"",
            "x.test.hcl:8:1: invalid value for variable \"flag\": expected bool, got \"yes\"",
            "x.test.hcl:13:1: invalid value for variable \"m\": expected number, got \"a\"",
        ]
    );
    let deep = format!("{{x = {}1}}", "a / !b.c / (".repeat(20));
    assert_eq!(
        errors_with(VARS, &inputs(&[("n", "1"), ("m", &deep)])),
        [
            "x.test.hcl:13:1: invalid value for variable \"m\": expected map(number) in HCL object syntax: HCL brackets nested inside more than 6 operands of binary operators (`a + (b + (…))`); assay reads at most 6: move the inner part into a local"
        ]
    );
    assert_eq!(
        errors_with(VARS, &inputs(&[("n", "1"), ("n", "2")])),
        [
            "x.test.hcl:1:1: invalid value for variable \"n\": expected a single number value, got 2 values"
        ]
    );
    assert_eq!(
        errors("variable \"v\" {\n  type = strng\n  default = 1\n  desc = \"\"\n}\n"),
        [
            "x.test.hcl:4:3: unknown attribute `desc` in variable block; did you mean `description`? (allowed: type, default, description)",
            "x.test.hcl:2:10: variable \"v\": unknown type; use string, number, bool, any, list(T), set(T) or map(T)",
        ]
    );
}

#[test]
fn locals_resolve_in_dependency_order() {
    let f = parse_with(
        "locals {\n  c = \"${local.b}!\"\n}\nlocals {\n  b = upper(local.a)\n  a = \"x${var.v}\"\n}\nvariable \"v\" {\n  default = \"y\"\n}\ntest \"schema\" \"l\" {\n  log { message = local.c }\n}\n",
        &Inputs::default(),
    );
    assert_eq!(first_log(&f), "XY!");
}

#[test]
fn a_cycle_of_locals_is_an_error() {
    assert_eq!(
        errors("locals {\n  a = local.b\n  b = \"${local.a}\"\n  c = 1\n}\n"),
        [
            "x.test.hcl:3:7: local \"b\" refers to itself through a cycle of locals",
            "x.test.hcl:2:7: local \"a\" refers to itself through a cycle of locals",
        ]
    );
    assert_eq!(
        errors("locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\n"),
        ["x.test.hcl:5:3: local \"a\" is defined twice (first at x.test.hcl:2:7)"]
    );
}

/// Evaluates `expr` as a log message in a case of its own.
fn eval(expr: &str) -> String {
    first_log(&parse(&format!(
        "test \"schema\" \"f\" {{\n  log {{ message = {expr} }}\n}}\n"
    )))
}

#[test]
fn string_functions() {
    assert_eq!(eval(r#"upper("abc")"#), "ABC");
    assert_eq!(eval(r#"lower("AbC")"#), "abc");
    assert_eq!(
        eval(
            r#"format("%s|%d|%v|%q|%%|%5s|%-3d|%03d|%.2f", "a", 7, true, "x\"y", "r", 4, 5, 1.5)"#
        ),
        "a|7|true|\"x\\\"y\"|%|    r|4  |005|1.50"
    );
    assert_eq!(eval(r#"join("-", ["a", "b"], ["c"])"#), "a-b-c");
    assert_eq!(eval(r#"join(",", split("/", "a/b/c"))"#), "a,b,c");
    assert_eq!(eval(r#"replace("a.b.c", ".", "::")"#), "a::b::c");
    assert_eq!(eval(r#"trim("xxhixx", "x")"#), "hi");
    assert_eq!(eval(r#"trimspace("  hi \n")"#), "hi");
    assert_eq!(eval(r#"trimprefix("prefix_x", "prefix_")"#), "x");
    assert_eq!(eval(r#"trimsuffix("x.sql", ".sql")"#), "x");
    assert_eq!(eval(r##"regexreplace("a1b22", "[0-9]+", "#")"##), "a#b#");
    assert_eq!(eval(r#"regex("v([0-9]+)", "v12")[0]"#), "12");
    assert_eq!(
        eval(r#"jsonencode(regexall("[a-z]", "a1b"))"#),
        "[\"a\",\"b\"]"
    );
    assert_eq!(eval(r#"substr("hello", 1, 3)"#), "ell");
    assert_eq!(eval(r#"title("hello world")"#), "Hello World");
}

#[test]
fn collection_and_json_functions() {
    assert_eq!(
        eval(r#"length("héllo") + length([1, 2]) + length({a = 1})"#),
        "8"
    );
    assert_eq!(eval(r#"jsonencode(concat([1], [2, 3]))"#), "[1,2,3]");
    assert_eq!(eval(r#"jsonencode(flatten([1, [2, [3]]]))"#), "[1,2,3]");
    assert_eq!(
        eval(r#"jsonencode(merge({a = 1, b = 1}, {b = 2}))"#),
        "{\"a\":1,\"b\":2}"
    );
    assert_eq!(eval(r#"jsonencode(keys({b = 1, a = 2}))"#), "[\"a\",\"b\"]");
    assert_eq!(eval(r#"jsonencode(values({b = 1, a = 2}))"#), "[2,1]");
    assert_eq!(
        eval(r#"jsonencode(toset(tolist(["a", "b", "a"])))"#),
        "[\"a\",\"b\"]"
    );
    assert_eq!(eval(r#"jsondecode("{\"k\": [1, \"x\"]}").k[1]"#), "x");
    assert_eq!(eval(r#"lookup({a = "1"}, "b", "none")"#), "none");
    assert_eq!(eval(r#"getenv("DBASSAY_SURELY_UNSET_VARIABLE")"#), "");
}

#[test]
fn function_errors_name_the_call() {
    let errs =
        errors("test \"schema\" \"f\" {\n  log { message = \"x ${format(\"%d\", \"a\")}\" }\n}\n");
    assert_eq!(
        errs,
        [
            "x.test.hcl:2:24: message: error calling function `format`: %d needs a whole number, got `a`"
        ]
    );
    let errs = errors("test \"schema\" \"f\" {\n  log { message = jsondecode(\"{\") }\n}\n");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with(
            "x.test.hcl:2:19: message: error calling function `jsondecode`: invalid JSON"
        ),
        "{}",
        errs[0]
    );
}

#[test]
fn file_reads_relative_to_the_test_file() {
    let dir = std::env::temp_dir().join(format!("dbassay-dsl-file-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sql")).unwrap();
    std::fs::write(dir.join("sql/seed.sql"), "INSERT 1;").unwrap();
    let text = "locals {\n  seed = file(\"sql/seed.sql\")\n}\ntest \"schema\" \"f\" {\n  exec { sql = local.seed }\n  exec { sql = file(\"sql/seed.sql\") }\n}\n";
    let f = TestFile::parse(
        SourceFile::new(dir.join("a.test.hcl"), text),
        &Inputs::default(),
    )
    .unwrap();
    assert_eq!(exec(&f.cases[0].commands[0]).sql.text, "INSERT 1;");
    assert_eq!(exec(&f.cases[0].commands[1]).sql.text, "INSERT 1;");
    let errs = TestFile::parse(
        SourceFile::new(
            dir.join("b.test.hcl"),
            "test \"schema\" \"f\" {\n  exec { sql = file(\"nope.sql\") }\n}\n",
        ),
        &Inputs::default(),
    )
    .unwrap_err();
    assert_eq!((errs[0].location.line, errs[0].location.col), (2, 16));
    assert!(
        errs[0].message.contains("cannot read"),
        "{}",
        errs[0].message
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ten_thousand_cases_parse() {
    // 100 test blocks of 100 for_each elements; the benchmark times this, the test pins the shape.
    let mut text = String::new();
    for b in 0..100 {
        text.push_str(&format!(
            "test \"schema\" \"t{b}\" {{\n  for_each = [for i in range(100) : {{ n = i }}]\n  exec {{\n    sql = \"SELECT ${{each.value.n}}\"\n    output = \"${{each.value.n}}\"\n  }}\n  assert {{ sql = \"SELECT true\" }}\n}}\n"
        ));
    }
    let start = std::time::Instant::now();
    let f = parse(&text);
    eprintln!("10,000 cases in {:?}", start.elapsed());
    assert_eq!(f.cases.len(), 10_000);
    assert_eq!(exec(&f.cases[9_999].commands[0]).sql.text, "SELECT 99");
}

#[test]
fn locations_skip_leading_comments_and_indentation() {
    let f = parse(
        "# a file comment\n\n/* before */ test \"schema\" \"c\" {\n  // the first step\n    exec { sql = \"SELECT 1\" }\n}\n",
    );
    assert_eq!(f.cases[0].location.to_string(), "x.test.hcl:3:14");
    assert_eq!(
        f.cases[0].commands[0].location.to_string(),
        "x.test.hcl:5:5"
    );
    assert_eq!(
        exec(&f.cases[0].commands[0]).sql.start.to_string(),
        "x.test.hcl:5:19"
    );
}

#[test]
fn url_functions() {
    assert_eq!(
        eval(
            r#"urluserinfo("postgres://root:pass@localhost:5432/db?sslmode=disable", "tester", "p@ss")"#
        ),
        "postgres://tester:p%40ss@localhost:5432/db?sslmode=disable"
    );
    assert_eq!(
        eval(r#"urluserinfo("postgres://localhost/db", "reader")"#),
        "postgres://reader@localhost/db"
    );
    assert_eq!(
        eval(r#"urlqueryset("postgres://h/db?search_path=a&x=1", "search_path", "b c")"#),
        "postgres://h/db?x=1&search_path=b+c"
    );
    assert_eq!(
        eval(r#"urlsetpath("mysql://u@h:3306/a?p=1", "b")"#),
        "mysql://u@h:3306/b?p=1"
    );
    assert_eq!(eval(r#"urlescape("a b/c")"#), "a+b%2Fc");
    let errs =
        errors("test \"schema\" \"f\" {\n  log { message = urluserinfo(\"nourl\", \"u\") }\n}\n");
    assert!(errs[0].contains("missing scheme"), "{errs:?}");
}

#[test]
fn functions_in_variable_defaults_and_locals() {
    // Atlas's documented `default = getenv("DB_URL")`: functions work in defaults.
    let f = parse(
        r#"variable "url" {
  type    = string
  default = getenv("DBASSAY_SURELY_UNSET_VARIABLE")
}
variable "n" {
  type    = number
  default = length(split(",", "a,b,c"))
}
locals {
  who = urluserinfo("postgres://h/db", upper("u"))
}
test "schema" "f" {
  log { message = "${var.url}|${var.n}|${local.who}|${self.name}|${testing.name}" }
}
"#,
    );
    match &f.cases[0].commands[0].kind {
        CommandKind::Log { message } => assert_eq!(message, "|3|postgres://U@h/db|f|f"),
        other => panic!("{other:?}"),
    }
    // A default may not refer to other variables: the error says where, without contradiction.
    let errs =
        errors("variable \"a\" {\n  default = \"x\"\n}\nvariable \"b\" {\n  default = var.a\n}\n");
    assert!(
        errs[0].starts_with("x.test.hcl:5:13: default: unknown variable `var`"),
        "{errs:?}"
    );
}

#[test]
fn plan_and_script_cases() {
    let f = parse(
        r#"test "plan" "p" {
  schema {
    url = "file://v1.sql"
  }
  apply {
    url = "file://plans/v2.plan.hcl"
  }
}
test "script" "s" {
  schema {
    url = "file://schema.sql"
  }
  exec {
    sql = "SELECT 1"
  }
}
"#,
    );
    assert_eq!(f.cases[0].kind, CaseKind::Plan);
    assert_eq!(f.cases[1].kind, CaseKind::Script);
    assert!(
        matches!(&f.cases[0].commands[0].kind, CommandKind::Schema { url } if url == "file://v1.sql")
    );
    assert!(
        matches!(&f.cases[0].commands[1].kind, CommandKind::Apply { url } if url == "file://plans/v2.plan.hcl")
    );
    assert_eq!(
        errors(
            "test \"schema\" \"s\" {\n  apply { url = \"x\" }\n  schema { url = \"y\" }\n}\ntest \"script\" \"t\" {\n  script \"loops\" {\n    file = \"s.hcl\"\n  }\n  script \"exec\" {\n    run = \"x\"\n    as {\n      user = \"u\"\n    }\n  }\n}\n"
        ),
        [
            "x.test.hcl:2:3: apply blocks are only allowed in test \"plan\" cases",
            "x.test.hcl:3:3: schema blocks are only allowed in test \"plan\" and test \"script\" cases (schema cases start from the desired schema already)",
            "x.test.hcl:6:3: script steps take one label: script \"exec\" | \"query\" | \"loop\" { file = … }",
            "x.test.hcl:9:3: script block is missing the required attribute `file`",
            "x.test.hcl:9:3: as: give either role = \"…\" or both user = \"…\" and password = \"…\"",
        ]
    );
}

#[test]
fn script_steps() {
    let f = parse(
        r#"test "script" "s" {
  script "query" {
    file   = "scripts.hcl"
    run    = "^who$"
    vars   = { id = 1 }
    output = "x"
    as {
      role = "reader"
    }
  }
}
"#,
    );
    match &f.cases[0].commands[0].kind {
        CommandKind::Script(call) => {
            assert_eq!(call.kind, "query");
            assert_eq!(call.file, std::path::Path::new("scripts.hcl"));
            assert!(call.run.as_ref().is_some_and(|r| r.is_match("who")));
            assert_eq!(call.vars.get("id"), Some(&hcl::Value::from(1)));
            assert_eq!(call.role.as_deref(), Some("reader"));
            assert!(matches!(&call.expect, Some(Expect::Output(o)) if o.text == "x"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn data_script_files() {
    let text = r#"variable "id" {
  type = number
}
script "exec" "archive" {
  description = "x"
  exec "a" {
    sql         = "UPDATE t SET s = 1 WHERE id = ${var.id}"
    expect_rows = 1
  }
  assert "b" {
    sql = "SELECT 1"
  }
}
script "query" "q" {
  query "c" {
    sql    = "SELECT 1"
    format = CSV
  }
  output {
    message = "id ${var.id}"
  }
}
script "exec" "later" {
  condition "c" {
    sql = "SELECT 1"
  }
}
script "exec" "guarded" {
  exec {
    sql = "SELECT 1"
  }
  condition "late" {
    sql = "SELECT 1"
  }
  http {
    url = "https://example.com"
  }
}
script "loop" "l" {
  condition "pre" {
    sql  = "SELECT $1"
    args = [var.id]
  }
  iterator "keyset" {
    cursor {
      id = int
    }
    batch {
      id = int
    }
    init {
      sql = "SELECT id FROM t ORDER BY id LIMIT ${ramp.size}"
    }
    next {
      sql  = "SELECT id FROM t WHERE id > $1 ORDER BY id LIMIT ${ramp.size}"
      args = [cursor.id]
    }
  }
  do {
    exec {
      sql = "DELETE FROM t WHERE id = 1"
    }
    log {
      message = "batch ${self.index}"
    }
  }
  assert "after" {
    sql = "SELECT 1"
  }
  policy {
    schedule {
      limit = 5
      every = "10ms"
    }
    ramp {
      stage {
        size       = 2
        iterations = 1
      }
      stage {
        size = 10
      }
    }
  }
}
"#;
    let source = SourceFile::new("s.hcl", text);
    let values: BTreeMap<String, hcl::Value> = [("id".to_string(), hcl::Value::from(7))].into();
    let re = regex::Regex::new("^archive$").unwrap();
    let file = data_script::parse(&source, values.clone(), "exec", Some(&re)).unwrap();
    assert_eq!(file.scripts.len(), 1);
    match &file.scripts[0].body[0] {
        data_script::Command::Exec {
            stmt, expect_rows, ..
        } => {
            let sql = file.scope.sql(&stmt.sql, &[]).unwrap();
            assert_eq!(sql.text, "UPDATE t SET s = 1 WHERE id = 7");
            assert_eq!(
                file.scope
                    .value(expect_rows.as_ref().unwrap(), &[])
                    .unwrap(),
                hcl::Value::from(1)
            );
        }
        other => panic!("{other:?}"),
    }
    let q = data_script::parse(&source, values.clone(), "query", None).unwrap();
    match &q.scripts[0].body[1] {
        data_script::Command::Output { message } => {
            assert_eq!(q.scope.string(message, &[]).unwrap(), "id 7")
        }
        other => panic!("{other:?}"),
    }
    let l = data_script::parse(&source, values.clone(), "loop", None).unwrap();
    let looping = l.scripts[0].looping.as_ref().unwrap();
    assert_eq!(looping.limit, Some(5));
    assert_eq!(looping.ramp, [(2, Some(1)), (10, None)]);
    assert_eq!(looping.body.len(), 2);
    assert_eq!(looping.post.len(), 1);
    assert!(matches!(
        looping.iterator,
        Some(data_script::Iterator::Keyset { .. })
    ));
    let e = data_script::parse(&source, values, "exec", None).unwrap_err();
    let e: Vec<String> = e.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        e,
        [
            "s.hcl:23:1: exec kind requires at least one 'assert', 'check', or 'exec' block",
            "s.hcl:32:3: condition blocks go first in script \"exec\": they run once, before the body",
            "s.hcl:35:3: `http` blocks are not run by assay: they call services on the network; test the SQL of the script and call the service in an `external` step",
        ]
    );
}

#[test]
fn a_test_without_a_name_is_an_error() {
    // Found by the hcl_test_file fuzz target: `test "schema" ""` made a case named "".
    assert_eq!(
        errors(
            "test \"schema\" \"\" {\n  exec {\n    sql = \"SELECT 1\"\n  }\n}\ntest \"schema\" \" \" {}\n"
        ),
        [
            "x.test.hcl:1:15: a test needs a name: test \"KIND\" \"name\" { … } (the name is what --run matches and what the case is reported as)",
            "x.test.hcl:6:15: a test needs a name: test \"KIND\" \"name\" { … } (the name is what --run matches and what the case is reported as)",
        ]
    );
}
