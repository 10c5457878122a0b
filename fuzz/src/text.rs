//! The text formats a user writes by hand: HCL test files, `atlas.hcl`, `--var` values, txtar
//! archives and script lines. Errors must carry a location inside the file; txtar must write
//! back what it read.

use dbassay_dsl::hcl::{Inputs, TestFile};
use dbassay_dsl::{Error, SourceFile, project, script, txtar};

use crate::NOWHERE;

/// Every error names the file, and its line (when it has one) is a line of the file.
fn check_errors(source: &SourceFile, errors: &[Error]) {
    assert!(!errors.is_empty(), "a failed parse reports no error");
    let lines = source.text().split('\n').count();
    for e in errors {
        assert_eq!(
            e.location.path,
            source.path(),
            "error names another file: {e}"
        );
        assert!(
            e.location.line <= lines,
            "error past the end of the file: {e}"
        );
        assert!(
            !e.message.is_empty(),
            "error without a message at {}",
            e.location
        );
    }
}

fn source(name: &str, text: &str) -> SourceFile {
    SourceFile::new(format!("{NOWHERE}/{name}"), text)
}

/// Parses a test file and evaluates every case's commands with a dev URL, as a run does.
pub fn test_file(text: &str, inputs: &Inputs) {
    let src = source("fuzz.test.hcl", text);
    match TestFile::parse(src.clone(), inputs) {
        Ok(file) => {
            for case in &file.cases {
                assert!(!case.name.is_empty(), "a case without a name");
                if let Err(e) = case.commands("postgres://u:p@localhost:5432/dev") {
                    check_errors(&src, &[e]);
                }
            }
        }
        Err(errors) => check_errors(&src, &errors),
    }
}

/// `--var` values as the CLI reads them (`name=value` per line, the name trimmed) into a test
/// file that declares a variable of every type.
pub fn var_values(text: &str) {
    let vars = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .collect();
    let inputs = Inputs {
        vars,
        ..Inputs::default()
    };
    test_file(VARIABLES, &inputs);
}

const VARIABLES: &str = r#"
variable "s" {
  type    = string
  default = "x"
}
variable "n" {
  type    = number
  default = 1
}
variable "b" {
  type    = bool
  default = true
}
variable "ls" {
  type    = list(string)
  default = []
}
variable "ln" {
  type    = set(number)
  default = []
}
variable "ms" {
  type    = map(string)
  default = {}
}
variable "mm" {
  type    = map(list(number))
  default = {}
}
variable "a" {
  type    = any
  default = null
}
test "schema" "vars" {
  for_each = var.ls
  exec {
    sql    = "select '${var.s}', ${var.n}, ${var.b}, '${each.value}', '${jsonencode(var.ms)}'"
    output = "${jsonencode(var.mm)}${jsonencode(var.a)}${jsonencode(var.ln)}"
  }
}
"#;

/// Loads `atlas.hcl` for the env named on the input's first line (the rest is the file).
pub fn project_file(text: &str) {
    let (env, body) = text.split_once('\n').unwrap_or(("dev", text));
    let src = source("atlas.hcl", body);
    let inputs = Inputs {
        vars: vec![
            ("name".into(), "x".into()),
            ("url".into(), "sqlite://f".into()),
        ],
        ..Inputs::default()
    };
    if let Err(errors) = project::load(&src, env.trim(), &inputs) {
        check_errors(&src, &errors);
    }
}

/// txtar: parse → format → parse reads the same archive; parse → format is byte-identical for
/// an archive written the canonical way; script lines lex with locations in the file.
pub fn archive(text: &str) {
    let archive = txtar::parse(text);
    let written = txtar::format(&archive);
    let again = txtar::parse(&written);
    assert_eq!(again.comment, archive.comment, "comment changed on write");
    assert_eq!(
        again.files.len(),
        archive.files.len(),
        "sections changed on write"
    );
    for (a, b) in archive.files.iter().zip(&again.files) {
        assert_eq!(
            (&a.name, &a.data, a.marker_line),
            (&b.name, &b.data, b.marker_line)
        );
        assert_eq!(
            text.get(a.data_span.clone()).map(with_final_newline),
            Some(a.data.clone()),
            "data span"
        );
    }
    if canonical(text) {
        assert_eq!(
            written, text,
            "a canonical archive is not written back byte for byte"
        );
    }
    let _ = txtar::check_name(text);
}

fn with_final_newline(s: &str) -> String {
    let mut s = s.to_string();
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Written the way [`txtar::format`] writes: every line ends in `\n`, no CR, and every marker is
/// exactly `-- name --`.
fn canonical(text: &str) -> bool {
    if !(text.is_empty() || text.ends_with('\n')) || text.contains('\r') {
        return false;
    }
    text.lines().all(
        |line| match line.strip_prefix("-- ").and_then(|l| l.strip_suffix(" --")) {
            Some(inner) if !inner.trim().is_empty() => inner.trim() == inner,
            _ => true,
        },
    )
}

/// The script of an archive, lexed as the harness lexes it.
pub fn script_lines(text: &str) {
    let archive = txtar::parse(text);
    let src = source("fuzz.txtar", text);
    match script::lex(&src, &archive.comment, archive.comment_line) {
        Ok(lines) => {
            for l in &lines {
                assert!(!l.words.is_empty(), "a line without words");
                assert!(l.line >= 1 && l.line <= text.split('\n').count().max(1));
                let _ = l.expand(|name| Some(format!("<{name}>")));
            }
        }
        Err(errors) => check_errors(&src, &errors),
    }
}

/// A `data "template_dir"` template rendered with fixed vars: rendered, or errors in the file.
pub fn go_template(text: &str) {
    use dbassay_dsl::hcl::HclValue as Value;
    let src = source("1_init.sql", text);
    let list =
        |items: &[&str]| Value::from(items.iter().map(|s| Value::from(*s)).collect::<Vec<_>>());
    let nested: Value = [
        ("schema", Value::from("public")),
        ("tables", list(&["t1", "t2"])),
    ]
    .into_iter()
    .collect();
    let vars: Value = [
        ("name", Value::from("app")),
        ("count", Value::from(3)),
        ("flag", Value::from(true)),
        ("empty", Value::from("")),
        ("list", list(&["a", "b", "c"])),
        ("nested", nested),
    ]
    .into_iter()
    .collect();
    if let Err(e) = project::template::render(&src, &vars) {
        check_errors(&src, &[e]);
    }
}

/// A Data Scripts file parsed for each kind of step, with one value for a declared variable.
pub fn data_script(text: &str) {
    let src = source("scripts.hcl", text);
    let values: std::collections::BTreeMap<String, _> =
        [("user_id".to_string(), dbassay_dsl::hcl::HclValue::from(1))]
            .into_iter()
            .collect();
    for kind in ["exec", "query", "loop"] {
        if let Err(errors) = dbassay_dsl::hcl::data_script::parse(&src, values.clone(), kind, None)
        {
            check_errors(&src, &errors);
        }
    }
}
