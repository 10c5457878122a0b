//! Atlas Data Script files (`script "exec" | "query" "NAME" { … }`), the subset a test's
//! `script` step runs:
//!
//! - `script "exec"`: `exec ["label"] { sql, expect_rows }`, `assert "label" { sql,
//!   error_message }`, `check "label" { sql, output | match, format }`, `output { message }`,
//!   in order, in one transaction (rolled back when one fails).
//! - `script "query"`: `query "label" { sql, format = TABLE | CSV }` (TABLE by default) and
//!   `output { message }`; what they print is the script's output.
//! - top-level `variable` and `locals`, with values from the step's `vars`.
//!
//! Everything else Atlas's scripts have (`script "loop"`, `args`, `rows`, `condition`, `break`,
//! `tx`, `http`, `mask`) is refused with an error at the block, never skipped.

use std::collections::BTreeMap;

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::structure::{Block, Structure};
use hcl::eval::Context;

use super::eval::Attr;
use super::{Format, Inputs, Sql, functions};
use crate::source::{Error, Location, SourceFile};

/// One script of a file.
#[derive(Clone, Debug)]
pub struct DataScript {
    /// `exec` or `query`.
    pub kind: String,
    pub name: String,
    pub location: Location,
    pub steps: Vec<ScriptStep>,
}

#[derive(Clone, Debug)]
pub enum ScriptStep {
    /// `exec { sql, expect_rows }`.
    Exec {
        at: Location,
        sql: Sql,
        expect_rows: Option<u64>,
    },
    /// `assert "n" { sql, error_message }`: one row, one true value.
    Assert {
        at: Location,
        sql: Sql,
        error_message: Option<String>,
    },
    /// `check "n" { sql, output | match, format }`: compares the serialized result.
    Check {
        at: Location,
        sql: Sql,
        format: Format,
        output: Option<String>,
        pattern: Option<regex::Regex>,
    },
    /// `query "n" { sql, format }`: its result is printed.
    Query {
        at: Location,
        sql: Sql,
        format: Format,
    },
    /// `output { message }`: a line printed.
    Output { message: String },
}

const EXEC_BLOCKS: &[&str] = &["exec", "assert", "check", "output"];
const QUERY_BLOCKS: &[&str] = &["query", "output"];

/// Parses a script file with the step's `vars`, keeping the scripts of `kind` whose name
/// `run` matches (all of them without `run`).
pub fn parse(
    source: &SourceFile,
    values: BTreeMap<String, Value>,
    kind: &str,
    run: Option<&regex::Regex>,
) -> Result<Vec<DataScript>, Vec<Error>> {
    let body = crate::hcl::parse::parse_body(source).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let (mut variables, mut locals, mut scripts) = (Vec::new(), Vec::new(), Vec::new());
    for s in body.iter() {
        match s {
            Structure::Block(b) if b.ident.as_str() == "variable" => variables.push(b),
            Structure::Block(b) if b.ident.as_str() == "locals" => locals.push(b),
            Structure::Block(b) if b.ident.as_str() == "script" => scripts.push(b),
            // Named masks are declarations; the scripts that would use them are refused.
            Structure::Block(b) if b.ident.as_str() == "mask" => {}
            Structure::Block(b) => errors.push(Error::new(
                at(source, b),
                format!(
                    "unknown block `{}` in a script file (allowed: script, variable, locals, mask)",
                    b.ident.as_str()
                ),
            )),
            Structure::Attribute(a) => errors.push(Error::new(
                source.location(a.span().map_or(0, |s| s.start)),
                format!("unexpected attribute `{}` in a script file", a.key.as_str()),
            )),
        }
    }
    let dir = source
        .path()
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let mut ctx = Context::new();
    let called = super::eval::called_functions(&body);
    functions::declare(&mut ctx, |name| called.contains(name));
    let inputs = Inputs {
        vars: Vec::new(),
        values,
    };
    functions::with_base_dir(&dir, || {
        let var = super::vars::variables(source, &variables, &inputs, &ctx, &mut errors);
        ctx.declare_var("var", var);
        let local = super::vars::locals(source, &locals, &mut ctx, &mut errors);
        ctx.declare_var("local", local);
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::new();
    for b in scripts {
        let (Some(k), Some(name)) = (b.labels.first(), b.labels.get(1)) else {
            errors.push(Error::new(
                at(source, b),
                "script blocks take two labels: script \"exec\" | \"query\" \"NAME\" { … }",
            ));
            continue;
        };
        let (k, name) = (k.as_str(), name.as_str());
        if k != kind || run.is_some_and(|re| !re.is_match(name)) {
            continue;
        }
        if k == "loop" {
            errors.push(Error::new(
                at(source, b),
                "script \"loop\" is not supported by assay yet",
            ));
            continue;
        }
        let allowed = if k == "exec" {
            EXEC_BLOCKS
        } else {
            QUERY_BLOCKS
        };
        let mut steps = Vec::new();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) if a.key.as_str() == "description" => {}
                Structure::Attribute(a) => errors.push(Error::new(
                    source.location(a.span().map_or(0, |s| s.start)),
                    format!(
                        "unexpected attribute `{}` in script \"{k}\" (allowed: description)",
                        a.key.as_str()
                    ),
                )),
                Structure::Block(inner) if allowed.contains(&inner.ident.as_str()) => {
                    functions::with_base_dir(&dir, || {
                        match step(source, inner, &ctx) {
                            Ok(s) => steps.push(s),
                            Err(e) => errors.push(e),
                        }
                    });
                }
                Structure::Block(inner) => errors.push(Error::new(
                    at(source, inner),
                    format!(
                        "`{}` blocks in script \"{k}\" are not supported by assay yet (supported: {})",
                        inner.ident.as_str(),
                        allowed.join(", ")
                    ),
                )),
            }
        }
        out.push(DataScript {
            kind: k.to_string(),
            name: name.to_string(),
            location: at(source, b),
            steps,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn at(source: &SourceFile, b: &Block) -> Location {
    source.location(b.span().map_or(0, |s| s.start))
}

fn step(source: &SourceFile, b: &Block, ctx: &Context<'_>) -> Result<ScriptStep, Error> {
    let ident = b.ident.as_str();
    let location = at(source, b);
    let allowed: &[&str] = match ident {
        "exec" => &["sql", "expect_rows"],
        "assert" => &["sql", "error_message"],
        "check" => &["sql", "output", "match", "format"],
        "query" => &["sql", "format"],
        _ => &["message"],
    };
    let mut attrs = Vec::new();
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) if allowed.contains(&a.key.as_str()) => {
                attrs.push(Attr::new(source, a))
            }
            Structure::Attribute(a) => {
                return Err(Error::new(
                    source.location(a.span().map_or(0, |s| s.start)),
                    format!(
                        "`{}` in {ident} blocks is not supported by assay (allowed: {})",
                        a.key.as_str(),
                        allowed.join(", ")
                    ),
                ));
            }
            Structure::Block(inner) => {
                return Err(Error::new(
                    at(source, inner),
                    format!(
                        "`{}` blocks in {ident} are not supported by assay yet",
                        inner.ident.as_str()
                    ),
                ));
            }
        }
    }
    let get = |name: &str| attrs.iter().find(|a| a.name == name);
    let string = |name: &str| get(name).map(|a| a.eval_string(source, ctx)).transpose();
    let sql = || -> Result<Sql, Error> {
        let a = get("sql").ok_or_else(|| {
            Error::new(location.clone(), format!("{ident} block is missing `sql`"))
        })?;
        Ok(Sql {
            text: a.eval_string(source, ctx)?,
            start: source.location(a.content_start),
            exact: a.exact,
            origins: Vec::new(),
        })
    };
    // Atlas writes the format in capitals (`CSV`, `TABLE`); test files write `csv`, `table`.
    let format = |default: Format| -> Result<Format, Error> {
        let Some(a) = get("format") else {
            return Ok(default);
        };
        let text = match &a.ident {
            Some(i) => i.clone(),
            None => a.eval_string(source, ctx)?,
        };
        match text.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "table" => Ok(Format::Table),
            other => Err(Error::new(
                source.location(a.span.start),
                format!("format: unknown format `{other}`; use CSV or TABLE"),
            )),
        }
    };
    Ok(match ident {
        "exec" => ScriptStep::Exec {
            sql: sql()?,
            expect_rows: match get("expect_rows") {
                None => None,
                Some(a) => match a.eval(source, ctx)? {
                    Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
                    v => return Err(a.type_error(source, "a whole number", &v)),
                },
            },
            at: location,
        },
        "assert" => ScriptStep::Assert {
            sql: sql()?,
            error_message: string("error_message")?,
            at: location,
        },
        "check" => {
            let pattern = match string("match")? {
                Some(p) => Some(regex::Regex::new(&p).map_err(|e| {
                    Error::new(
                        location.clone(),
                        format!("match: invalid regular expression: {e}"),
                    )
                })?),
                None => None,
            };
            ScriptStep::Check {
                sql: sql()?,
                format: format(Format::Csv)?,
                output: string("output")?,
                pattern,
                at: location,
            }
        }
        "query" => ScriptStep::Query {
            sql: sql()?,
            format: format(Format::Table)?,
            at: location,
        },
        _ => ScriptStep::Output {
            message: string("message")?
                .ok_or_else(|| Error::new(location.clone(), "output block is missing `message`"))?,
        },
    })
}
