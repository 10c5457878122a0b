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
