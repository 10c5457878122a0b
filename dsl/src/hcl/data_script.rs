//! Atlas Data Script files (`script "exec" | "query" | "loop" "NAME" { … }`), parsed for a
//! test's `script` step.
//!
//! - `script "exec"`: `tx { mode, on_error }`, `condition` (at the start of the body), `exec`,
//!   `assert`, `check`, `query` with `rows` (a bound read), `break`, `output`.
//! - `script "query"`: `query` (printed as TABLE or CSV, or bound with `rows`), `break`,
//!   `output`, `mask`.
//! - `script "loop"`: pre-loop `condition`s, one `do { … }` body (`exec`, `query` with `rows`,
//!   `assert`, `check`, `break`, `continue`, `log`, `output`, `sleep`), at most one `iterator
//!   "keyset" | "range"`, post-loop `assert`/`check`, and `policy { tx, schedule, ramp }`.
//! - top-level `variable`, `locals` and named `mask` blocks.
//!
//! Attributes that may refer to what a script computes while it runs (`query.NAME.rows`,
//! `iterator.keyset.batch`, `cursor.COL`, `self.index`, `ramp.size`) are kept as [`Expr`]s and
//! evaluated by the runner through [`Scope`], with those values bound. Settings that cannot
//! (policies, masks, formats) are evaluated here. `http` blocks are refused: they need the
//! network.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::structure::{Attribute, Block, Body, Structure};
use hcl::eval::Context;

use super::eval::Attr;
use super::{Format, Inputs, Sql, functions};
use crate::source::{Error, Location, SourceFile};

mod blocks;

/// The runnable scripts of one file, with what their expressions are evaluated in.
#[derive(Clone, Debug)]
pub struct ScriptFile {
    pub scope: Scope,
    pub scripts: Vec<DataScript>,
}

/// `exec`, `query` or `loop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptKind {
    Exec,
    Query,
    Loop,
}

/// One script of a file.
#[derive(Clone, Debug)]
pub struct DataScript {
    pub kind: ScriptKind,
    pub name: String,
    pub location: Location,
    /// `tx { mode = NONE }` (exec scripts): no transaction around the body.
    pub no_tx: bool,
    /// `tx { on_error = COMMIT }` (exec scripts): a failing run commits what it did.
    pub commit_on_error: bool,
    /// The body of exec and query scripts; the pre-loop `condition`s of a loop.
    pub body: Vec<Command>,
    /// Loops: the `do` body, the iterator, the post-loop checks and the policy.
    pub looping: Option<Loop>,
    /// Script-level `mask` blocks: the default for every query it prints.
    pub masks: Vec<Mask>,
}

#[derive(Clone, Debug)]
pub struct Loop {
    pub body: Vec<Command>,
    pub iterator: Option<Iterator>,
    /// `assert` / `check` blocks after `do`, run once after the loop, outside a transaction.
    pub post: Vec<Command>,
    /// `policy { tx { mode = MANUAL } }`: statements autocommit instead of one transaction per
    /// iteration.
    pub manual_tx: bool,
    /// `on_error = CONTINUE` in `do`: a failing iteration is rolled back and the loop goes on.
    pub continue_on_error: bool,
    /// `policy { schedule { limit } }`.
    pub limit: Option<u64>,
    /// `policy { schedule { timeout } }`.
    pub timeout: Option<Duration>,
    /// `policy { schedule { every } }`: the pause between iterations.
    pub every: Option<Duration>,
    /// `policy { ramp { stage { size, iterations } … } }`: `ramp.size` per iteration; the last
    /// stage holds.
    pub ramp: Vec<(u64, Option<u64>)>,
    pub at: Location,
}

#[derive(Clone, Debug)]
pub enum Iterator {
    /// `iterator "keyset" { cursor { … } batch { … } init { sql } next { sql, args } }`.
    Keyset {
        at: Location,
        cursor: Vec<(String, ColumnType)>,
        batch: Vec<(String, ColumnType)>,
        init: Statement,
        next: Statement,
    },
    /// `iterator "range" { from, to, step }`: chunks `[from, from + step)` up to `to`.
    Range {
        at: Location,
        from: Expr,
        to: Expr,
        step: Expr,
    },
}

/// SQL with its optional bind parameters.
#[derive(Clone, Debug)]
pub struct Statement {
    pub sql: Expr,
    pub args: Option<Expr>,
}

/// What `break` and `continue` test.
#[derive(Clone, Debug)]
pub enum Test {
    Sql(Statement),
    Expr(Expr),
    /// Neither `sql` nor `expr`: always.
    Always,
}

#[derive(Clone, Debug)]
pub enum Command {
    /// `condition "n" { sql, args }`: falsy stops the script gracefully; NULL is an error.
    Condition { at: Location, stmt: Statement },
    /// `exec ["n"] { sql, args, expect_rows }`.
    Exec {
        at: Location,
        stmt: Statement,
        expect_rows: Option<Expr>,
    },
    /// `assert "n" { sql, args, error_message }`: one row, one true value.
    Assert {
        at: Location,
        stmt: Statement,
        error_message: Option<Expr>,
    },
    /// `check "n" { sql, args, output | match, format }`.
    Check {
        at: Location,
        stmt: Statement,
        format: Format,
        output: Option<Expr>,
        pattern: Option<Expr>,
    },
    /// `query ["n"] { sql, args, format | rows, mask }`: printed, or bound with `rows`.
    Query {
        at: Location,
        name: Option<String>,
        stmt: Statement,
        format: Format,
        rows: Option<Vec<(String, ColumnType)>>,
        masks: Vec<Mask>,
    },
    /// `output { message }`: a line of the script's product.
    Output { message: Expr },
    /// `log { message }` (loops): a line of the case's log.
    Log { at: Location, message: Expr },
    /// `break ["n"] { sql | expr, message }`.
    Break {
        at: Location,
        test: Test,
        message: Option<Expr>,
    },
    /// `continue ["n"] { sql | expr }` (loops).
    Continue { at: Location, test: Test },
    /// `sleep { duration }` (loops).
    Sleep { duration: Duration },
}

/// A `rows { col = type }` column type: how a text value becomes an HCL value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Float,
    String,
    Bool,
}

/// `mask { columns, method, … }`.
#[derive(Clone, Debug)]
pub struct Mask {
    /// Names or globs (`*`, `?`, `[…]`), matched case-sensitively.
    pub columns: Vec<String>,
    pub method: MaskMethod,
}

#[derive(Clone, Debug)]
pub enum MaskMethod {
    /// The whole value becomes `token` (default `***`).
    Redact { token: String },
    /// Keeps `keep_left` / `keep_right` characters, the rest becomes `fill` (default `*`).
    Partial {
        keep_left: usize,
        keep_right: usize,
        fill: char,
    },
    /// SHA-256 of the value, or HMAC-SHA256 with `salt`, as lowercase hex.
    Hash { salt: Option<String> },
    /// Every match of `pattern` becomes `with`.
    Replace { pattern: regex::Regex, with: String },
}

/// An attribute evaluated while the script runs.
#[derive(Clone, Debug)]
pub struct Expr {
    attr: Arc<Attr>,
}

/// What expressions of a script file are evaluated in: its variables, locals, named masks and
/// the functions it calls, relative to the file's directory.
#[derive(Clone, Debug)]
pub struct Scope {
    source: SourceFile,
    dir: PathBuf,
    var: Value,
    local: Value,
    called: Arc<std::collections::HashSet<String>>,
}

impl Scope {
    fn context(&self, bindings: &[(&str, Value)]) -> Context<'static> {
        let mut ctx = Context::new();
        functions::declare(&mut ctx, |name| self.called.contains(name));
        ctx.declare_var("var", self.var.clone());
        ctx.declare_var("local", self.local.clone());
        for (name, value) in bindings {
            ctx.declare_var(*name, value.clone());
        }
        ctx
    }

    /// Evaluates `e` with `bindings` (`query`, `iterator`, `cursor`, `self`, `ramp`) in scope.
    pub fn value(&self, e: &Expr, bindings: &[(&str, Value)]) -> Result<Value, Error> {
        let ctx = self.context(bindings);
        functions::with_base_dir(&self.dir, || e.attr.eval(&self.source, &ctx))
    }

    pub fn string(&self, e: &Expr, bindings: &[(&str, Value)]) -> Result<String, Error> {
        let ctx = self.context(bindings);
        functions::with_base_dir(&self.dir, || e.attr.eval_string(&self.source, &ctx))
    }

    /// A `sql` attribute as [`Sql`], located in the file.
    pub fn sql(&self, e: &Expr, bindings: &[(&str, Value)]) -> Result<Sql, Error> {
        Ok(Sql {
            text: self.string(e, bindings)?,
            start: self.source.location(e.attr.content_start),
            exact: e.attr.exact,
            origins: Vec::new(),
        })
    }

    /// Where the value of `e` starts.
    pub fn at(&self, e: &Expr) -> Location {
        self.source.location(e.attr.span.start)
    }

    /// An error about `e`'s value: `file:line:col: NAME: message`.
    pub fn error(&self, e: &Expr, message: impl std::fmt::Display) -> Error {
        Error::new(self.at(e), format!("{}: {message}", e.attr.name))
    }
}

/// Parses a script file with the step's `vars`, keeping the scripts of `kind` whose name
/// `run` matches (all of them without `run`).
pub fn parse(
    source: &SourceFile,
    values: BTreeMap<String, Value>,
    kind: &str,
    run: Option<&regex::Regex>,
) -> Result<ScriptFile, Vec<Error>> {
    let body = crate::hcl::parse::parse_body(source).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let (mut variables, mut locals, mut scripts, mut masks) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in body.iter() {
        match s {
            Structure::Block(b) if b.ident.as_str() == "variable" => variables.push(b),
            Structure::Block(b) if b.ident.as_str() == "locals" => locals.push(b),
            Structure::Block(b) if b.ident.as_str() == "script" => scripts.push(b),
            Structure::Block(b) if b.ident.as_str() == "mask" => masks.push(b),
            Structure::Block(b) => errors.push(Error::new(
                at(source, b),
                format!(
                    "unknown block `{}` in a script file (allowed: script, variable, locals, mask)",
                    b.ident.as_str()
                ),
            )),
            Structure::Attribute(a) => errors.push(Error::new(
                attr_at(source, a),
                format!("unexpected attribute `{}` in a script file", a.key.as_str()),
            )),
        }
    }
    let dir = source
        .path()
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let called = Arc::new(super::eval::called_functions(&body));
    let mut ctx = Context::new();
    functions::declare(&mut ctx, |name| called.contains(name));
    let inputs = Inputs {
        vars: Vec::new(),
        values,
    };
    let (var, local) = functions::with_base_dir(&dir, || {
        let var = super::vars::variables(source, &variables, &inputs, &ctx, &mut errors);
        ctx.declare_var("var", var.clone());
        let local = super::vars::locals(source, &locals, &mut ctx, &mut errors);
        ctx.declare_var("local", local.clone());
        (var, local)
    });
    let scope = Scope {
        source: source.clone(),
        dir: dir.clone(),
        var,
        local,
        called,
    };
    // Named masks: `mask.NAME` evaluates to a marker that `use = [mask.NAME]` looks up.
    let mut named: BTreeMap<String, Mask> = BTreeMap::new();
    let mut markers = hcl::Map::new();
    for b in masks {
        let Some(name) = b.labels.first().map(|l| l.as_str().to_string()) else {
            errors.push(Error::new(
                at(source, b),
                "a top-level mask block needs a name: mask \"NAME\" { … }",
            ));
            continue;
        };
        let parsed =
            functions::with_base_dir(&dir, || blocks::mask(source, b, &ctx, &BTreeMap::new()));
        match parsed {
            Ok(mut m) => {
                if let Some(m) = m.pop() {
                    named.insert(name.clone(), m);
                }
            }
            Err(e) => errors.push(e),
        }
        markers.insert(name.clone(), Value::from(format!("mask:{name}")));
    }
    ctx.declare_var("mask", Value::Object(markers));
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::new();
    for b in scripts {
        let (Some(k), Some(name)) = (b.labels.first(), b.labels.get(1)) else {
            errors.push(Error::new(
                at(source, b),
                "script blocks take two labels: script \"exec\" | \"query\" | \"loop\" \"NAME\" { … }",
            ));
            continue;
        };
        let (k, name) = (k.as_str(), name.as_str());
        let script_kind = match k {
            "exec" => ScriptKind::Exec,
            "query" => ScriptKind::Query,
            "loop" => ScriptKind::Loop,
            other => {
                errors.push(Error::new(
                    at(source, b),
                    format!("unknown script kind {other:?} (use exec, query or loop)"),
                ));
                continue;
            }
        };
        if k != kind || run.is_some_and(|re| !re.is_match(name)) {
            continue;
        }
        let parsed = functions::with_base_dir(&dir, || {
            blocks::script(source, b, script_kind, name, &ctx, &named)
        });
        match parsed {
            Ok(s) => out.push(s),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(ScriptFile {
            scope,
            scripts: out,
        })
    } else {
        Err(errors)
    }
}

fn at(source: &SourceFile, b: &Block) -> Location {
    source.location(b.span().map_or(0, |s| s.start))
}

fn attr_at(source: &SourceFile, a: &Attribute) -> Location {
    source.location(a.span().map_or(0, |s| s.start))
}

fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a Attribute> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => Some(a),
        _ => None,
    })
}

/// A value for an error message, on one line (JSON-like, cut after 60 characters).
pub fn show(v: &Value) -> String {
    super::eval::show(v)
}
