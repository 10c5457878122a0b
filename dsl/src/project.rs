//! The `atlas.hcl` project file (docs/migrations.md, "atlas.hcl"): the `env` a run selects with `--env`, and what
//! assay takes from it — the dev URL, the desired schema, the migration directory, and the
//! test files and variables of `schema test` and `migrate test`.
//!
//! Top-level `variable` and `locals` blocks, `getenv()`, `file()` and the other functions of
//! test files are evaluated with the same helpers as test files (in variable defaults, locals
//! and env attributes alike). Schema sources (`data "external_schema" | "hcl_schema" |
//! "composite_schema"`) and dev databases (`docker`, `dev` blocks) are evaluated in
//! `sources`; `data "sql" | "external" | "template_dir"` need the harness and are loaded in
//! rounds ([`load_with`], `data`). Other top-level blocks (`lint`, `diff`, other `data`
//! types, …) are accepted and not evaluated; a reference to one (`data.runtimevar.x`) is an
//! error at the referring attribute. Env
//! attributes assay has no use for (`schemas`, `exclude`, `format { … }`, …) are accepted and
//! ignored.
//!
//! Selection follows Atlas: blocks labelled exactly `--env` win; otherwise unlabelled `env`
//! blocks whose `name` evaluates to it (`name = atlas.env`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::structure::{Attribute, Block, Body, Structure};
use hcl::eval::Context;

use crate::hcl::{Inputs, Sql, eval_support as support};
use crate::source::{Error, Location, SourceFile};

mod data;
#[cfg(test)]
mod source_tests;
mod sources;
pub mod template;

pub use data::{DataKind, DataRequest, Resolved};
pub use sources::{Program, SchemaSource};

/// What loading a project file gives: the env, or the data sources it needs first.
#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Env(Box<Env>),
    /// Data sources the env refers to (`sql`, `external`, `template_dir`) that have no value
    /// yet: evaluate them and load again with their values.
    Needs(Vec<DataRequest>),
}

/// The selected env of a project file, with every attribute assay uses evaluated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Env {
    pub name: String,
    pub url: Option<String>,
    pub dev: Option<String>,
    /// `src`, or `schema { src }`: the desired schema, with data sources expanded.
    pub src: Vec<SchemaSource>,
    /// The `baseline` SQL of the `docker` / `dev` block the env's `dev` refers to: it runs on
    /// every database before the desired schema or the migrations.
    pub baseline: Option<Sql>,
    pub migration: Migration,
    /// `test { schema { … } }` (the env's, else the global `test` block, wholesale).
    pub test_schema: TestConfig,
    pub test_migrate: TestConfig,
    /// `test { script { … } }`.
    pub test_script: TestConfig,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Migration {
    pub dir: Option<String>,
    pub format: Option<String>,
    pub revisions_schema: Option<String>,
    pub baseline: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestConfig {
    pub src: Vec<String>,
    pub vars: BTreeMap<String, Value>,
}

/// Reads the env named `env` from a project file whose env needs no `sql`, `external` or
/// `template_dir` data source (one that does is an error here; see [`load_with`]).
pub fn load(source: &SourceFile, env: &str, inputs: &Inputs) -> Result<Env, Vec<Error>> {
    match load_with(source, env, inputs, &Resolved::new())? {
        Loaded::Env(env) => Ok(*env),
        Loaded::Needs(requests) => Err(requests
            .iter()
            .map(|r| {
                Error::new(
                    r.at.clone(),
                    format!("data source {} needs evaluating", r.key),
                )
            })
            .collect()),
    }
}

/// Reads the env named `env`, with the values of the data sources evaluated so far.
pub fn load_with(
    source: &SourceFile,
    env: &str,
    inputs: &Inputs,
    resolved: &Resolved,
) -> Result<Loaded, Vec<Error>> {
    let body = crate::hcl::parse::parse_body(source).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let (mut variables, mut locals, mut envs, mut tests) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in body.iter() {
        if let Structure::Block(b) = s {
            match b.ident.as_str() {
                "variable" => variables.push(b),
                "locals" => locals.push(b),
                "env" => envs.push(b),
                "test" => tests.push(b),
                _ => {}
            }
        }
    }
    let dir = source
        .path()
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut ctx = Context::new();
    support::declare_functions(&mut ctx, &body);
    let mut atlas = hcl::Map::new();
    atlas.insert("env".to_string(), Value::String(env.to_string()));
    ctx.declare_var("atlas", Value::Object(atlas));
    // Data sources are evaluated when top-level locals and variables or the selected env refer
    // to them (Atlas's rule), or a schema source or dev block does.
    let runtime = data::blocks(&body);
    let mut roots: Vec<&Block> = Vec::new();
    roots.extend(variables.iter().copied());
    roots.extend(locals.iter().copied());
    roots.extend(tests.iter().copied());
    roots.extend(
        envs.iter()
            .copied()
            .filter(|b| label(b).is_none_or(|l| l == env)),
    );
    roots.extend(body.iter().filter_map(|s| {
        match s {
            Structure::Block(b)
                if matches!(b.ident.as_str(), "docker" | "dev")
                    || (b.ident.as_str() == "data"
                        && b.labels
                            .first()
                            .is_some_and(|k| !data::KINDS.contains(&k.as_str()))) =>
            {
                Some(b)
            }
            _ => None,
        }
    }));
    let needed = data::referenced(&roots, &runtime);
    let pending: Vec<&String> = needed
        .iter()
        .filter(|k| !resolved.contains_key(*k))
        .collect();
    let values = data::object(resolved, &needed);
    let var = support::with_base_dir(&dir, || {
        support::variables(source, &variables, inputs, &ctx, &mut errors)
    });
    ctx.declare_var("var", var);
    ctx.declare_var("data", Value::Object(values.clone()));
    if !pending.is_empty() {
        // A round of requests: locals that need a missing value are left out for now, and a
        // source whose arguments cannot be evaluated yet waits for the next round.
        let mut later = Vec::new();
        support::with_base_dir(&dir, || {
            let local = support::locals(source, &locals, &mut ctx, &mut later);
            ctx.declare_var("local", local);
        });
        let mut requests = Vec::new();
        let mut failed = Vec::new();
        for key in pending {
            match data::request(source, key, runtime[key.as_str()], &ctx, &dir) {
                Ok(r) => requests.push(r),
                Err(e) => failed.extend(e),
            }
        }
        errors.extend(failed);
        if requests.is_empty() {
            errors.extend(later);
            return Err(errors);
        }
        return Ok(Loaded::Needs(requests));
    }
    support::with_base_dir(&dir, || {
        let local = support::locals(source, &locals, &mut ctx, &mut errors);
        ctx.declare_var("local", local);
    });
    let declared = sources::declare(source, &body, &mut ctx, &dir, values, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let eval = Eval {
        source,
        ctx: &ctx,
        dir: &dir,
    };

    let mut labelled: Vec<&Block> = envs
        .iter()
        .copied()
        .filter(|b| label(b) == Some(env))
        .collect();
    if labelled.is_empty() {
        for b in envs.iter().copied().filter(|b| b.labels.is_empty()) {
            match attr(&b.body, "name").map(|a| eval.string(a)) {
                Some(Ok(n)) if n == env => labelled.push(b),
                Some(Err(e)) => errors.push(e),
                _ => {}
            }
        }
    }
    let Some(block) = labelled.first() else {
        let names: Vec<String> = envs
            .iter()
            .filter_map(|b| label(b).map(String::from))
            .collect();
        return Err(vec![Error::new(
            Location::file(source.path()),
            format!(
                "env {env:?} is not defined in this project file (defined: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        )]);
    };
    let mut out = Env {
        name: env.to_string(),
        ..Env::default()
    };
    let body = &block.body;
    let get = |a: Option<&Attribute>, errors: &mut Vec<Error>| match a.map(|a| eval.string(a)) {
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            errors.push(e);
            None
        }
        None => None,
    };
    out.url = get(attr(body, "url"), &mut errors);
    out.dev = get(attr(body, "dev"), &mut errors);
    out.baseline = out.dev.as_deref().and_then(|d| declared.baseline(d));
    let src = attr(body, "src")
        .or_else(|| block_of(body, "schema").and_then(|schema| attr(&schema.body, "src")));
    if let Some(a) = src {
        let urls = eval.strings(a).unwrap_or_else(|e| {
            errors.push(e);
            Vec::new()
        });
        out.src = urls.iter().flat_map(|u| declared.resolve(u)).collect();
    }
    if let Some(m) = block_of(body, "migration") {
        out.migration.dir = get(attr(&m.body, "dir"), &mut errors);
        out.migration.format = attr(&m.body, "format").and_then(|a| match eval.word(a) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(e);
                None
            }
        });
        out.migration.revisions_schema = get(attr(&m.body, "revisions_schema"), &mut errors);
        out.migration.baseline = get(attr(&m.body, "baseline"), &mut errors);
    }
    // The env's test block replaces the global one wholesale (Atlas's `Test.Extend`).
    if let Some(test) = block_of(body, "test").or_else(|| tests.first().copied()) {
        for (kind, into) in [
            ("schema", &mut out.test_schema),
            ("migrate", &mut out.test_migrate),
            ("script", &mut out.test_script),
        ] {
            let Some(b) = block_of(&test.body, kind) else {
                continue;
            };
            if let Some(a) = attr(&b.body, "src") {
                match eval.strings(a) {
                    Ok(v) => into.src = v,
                    Err(e) => errors.push(e),
                }
            }
            if let Some(a) = attr(&b.body, "vars") {
                match eval.value(a) {
                    Ok(Value::Object(map)) => into.vars = map.into_iter().collect(),
                    Ok(other) => errors.push(Error::new(
                        eval.at(a),
                        format!("vars: expected an object, got {}", support::show(&other)),
                    )),
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Loaded::Env(Box::new(out)))
    } else {
        Err(errors)
    }
}

fn label(b: &Block) -> Option<&str> {
    b.labels.first().map(|l| l.as_str())
}

fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a Attribute> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => Some(a),
        _ => None,
    })
}

fn block_of<'a>(body: &'a Body, name: &str) -> Option<&'a Block> {
    body.iter().find_map(|s| match s {
        Structure::Block(b) if b.ident.as_str() == name => Some(b),
        _ => None,
    })
}

struct Eval<'a> {
    source: &'a SourceFile,
    ctx: &'a Context<'a>,
    dir: &'a std::path::Path,
}

impl Eval<'_> {
    fn at(&self, a: &Attribute) -> Location {
        self.source
            .location(a.value.span().or(a.span()).map_or(0, |s| s.start))
    }

    fn value(&self, a: &Attribute) -> Result<Value, Error> {
        let compiled = support::compile(self.source, a);
        support::with_base_dir(self.dir, || support::eval(&compiled, self.source, self.ctx))
    }

    fn string(&self, a: &Attribute) -> Result<String, Error> {
        let v = self.value(a)?;
        support::to_string(&v).ok_or_else(|| {
            Error::new(
                self.at(a),
                format!(
                    "{}: expected a string, got {}",
                    a.key.as_str(),
                    support::show(&v)
                ),
            )
        })
    }

    /// A string or a list of strings.
    fn strings(&self, a: &Attribute) -> Result<Vec<String>, Error> {
        match self.value(a)? {
            Value::Array(items) => items
                .iter()
                .map(|v| {
                    support::to_string(v).ok_or_else(|| {
                        Error::new(
                            self.at(a),
                            format!(
                                "{}: expected strings, got {}",
                                a.key.as_str(),
                                support::show(v)
                            ),
                        )
                    })
                })
                .collect(),
            v => support::to_string(&v).map(|s| vec![s]).ok_or_else(|| {
                Error::new(
                    self.at(a),
                    format!("{}: expected a string or a list of strings", a.key.as_str()),
                )
            }),
        }
    }

    /// An enum written bare (`format = golang-migrate`) or as a string.
    fn word(&self, a: &Attribute) -> Result<String, Error> {
        let span = a.value.span().unwrap_or(0..0);
        let raw = self.source.text().get(span).unwrap_or("").trim();
        if !raw.is_empty()
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Ok(raw.to_string());
        }
        self.string(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(text: &str, name: &str, vars: &[(&str, &str)]) -> Result<Env, String> {
        let source = SourceFile::new("atlas.hcl", text);
        let inputs = Inputs {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Inputs::default()
        };
        load(&source, name, &inputs).map_err(|e| {
            e.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    const PROJECT: &str = r#"
variable "dev_db" {
  type    = string
  default = "sqlite://dev?mode=memory"
}

locals {
  dir = "file://migrations"
}

env "dev" {
  url = getenv("ASSAY_PROJECT_TEST_UNSET")
  dev = var.dev_db
  src = "file://schema.sql"
  migration {
    dir              = "${local.dir}?format=atlas"
    format           = golang-migrate
    revisions_schema = "revs"
  }
  test {
    schema {
      src  = ["schema.test.hcl"]
      vars = { seed = "x.sql", n = 2 }
    }
    migrate {
      src = ["migrations/tests"]
    }
  }
  schemas = ["public"]
}

env {
  name = atlas.env
  dev  = "local://postgres"
}

lint {
  latest = 1
}
"#;

    #[test]
    fn a_labelled_env() {
        let e = env(PROJECT, "dev", &[]).unwrap();
        assert_eq!(e.url.as_deref(), Some(""));
        assert_eq!(e.dev.as_deref(), Some("sqlite://dev?mode=memory"));
        assert_eq!(e.src, [SchemaSource::Url("file://schema.sql".into())]);
        assert_eq!(
            e.migration.dir.as_deref(),
            Some("file://migrations?format=atlas")
        );
        assert_eq!(e.migration.format.as_deref(), Some("golang-migrate"));
        assert_eq!(e.migration.revisions_schema.as_deref(), Some("revs"));
        assert_eq!(e.test_schema.src, ["schema.test.hcl"]);
        assert_eq!(
            e.test_schema.vars.get("seed"),
            Some(&Value::String("x.sql".into()))
        );
        assert_eq!(e.test_migrate.src, ["migrations/tests"]);
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        // The atlas_hcl fuzz finding: hcl-edit parsed each level of this twice (33 s at 26
        // levels); now it is an error at the opening past the limit, at once.
        let text = format!(
            "env \"x\" {{\n  url = {}\n}}\n",
            "a / !b.c / {\n".repeat(30)
        );
        let err = env(&text, "x", &[]).unwrap_err();
        assert!(
            err.starts_with("atlas.hcl:8:12:") && err.contains("inside more than 6 operands"),
            "{err}"
        );
    }

    #[test]
    fn vars_and_unlabelled_envs() {
        let e = env(PROJECT, "dev", &[("dev_db", "local://mariadb")]).unwrap();
        assert_eq!(e.dev.as_deref(), Some("local://mariadb"));
        let e = env(PROJECT, "ci", &[]).unwrap();
        assert_eq!(e.dev.as_deref(), Some("local://postgres"));
    }

    #[test]
    fn function_calls_in_defaults_locals_and_env_attributes() {
        // The documented pattern that used to fail with "unknown function getenv".
        let text = r#"variable "db_url" {
  type    = string
  default = getenv("ASSAY_PROJECT_TEST_UNSET")
}
variable "dev" {
  type    = string
  default = coalesce(getenv("ASSAY_PROJECT_TEST_UNSET"), "sqlite://dev?mode=memory")
}
locals {
  reader = urluserinfo("postgres://h:5432/app", "reader", "pw")
}
env "dev" {
  url = var.db_url
  dev = lower(var.dev)
  src = [format("file://%s.sql", "schema"), local.reader]
}
"#;
        let e = env(text, "dev", &[]).unwrap();
        assert_eq!(e.url.as_deref(), Some(""));
        assert_eq!(e.dev.as_deref(), Some("sqlite://dev?mode=memory"));
        assert_eq!(
            e.src,
            [
                SchemaSource::Url("file://schema.sql".into()),
                SchemaSource::Url("postgres://reader:pw@h:5432/app".into())
            ]
        );
    }

    #[test]
    fn errors_name_the_place() {
        let e = env("env \"a\" {\n  dev = nope.x\n}\n", "a", &[]).unwrap_err();
        assert!(e.starts_with("atlas.hcl:2:"), "{e}");
        let e = env("env \"a\" {}\n", "b", &[]).unwrap_err();
        assert!(
            e.contains("env \"b\" is not defined in this project file (defined: a)"),
            "{e}"
        );
        let e = env(
            "variable \"x\" {\n  type = string\n}\nenv \"a\" {}\n",
            "a",
            &[],
        )
        .unwrap_err();
        assert!(e.contains("missing value for required variable"), "{e}");
    }
}
