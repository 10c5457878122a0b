//! Atlas `*.test.hcl` test files.
//!
//! [`TestFile::parse`] reads a whole file up front: every syntax error, unknown block or
//! attribute, bad regex, missing variable or type error is reported with `file:line:col`
//! before anything runs. `for_each` is expanded into one [`Case`] per element. A case's
//! commands are evaluated once at parse time (to find errors) and again per run with the
//! case's real `testing.dev_url` ([`Case::commands`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::source::{Error, Location, SourceFile, Span};

/// Which Atlas command runs a case: `test "schema" …` (`schema test`), `test "migrate" …`
/// (`migrate test`), `test "plan" …` (`schema plan test`) or `test "script" …` (`script test`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseKind {
    Schema,
    Migrate,
    Plan,
    Script,
}

impl CaseKind {
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::Schema => "schema",
            CaseKind::Migrate => "migrate",
            CaseKind::Plan => "plan",
            CaseKind::Script => "script",
        }
    }
}

/// Values the user supplies for `variable` blocks: `--var k=v` (repeated keys make a list) and
/// `vars` from atlas.hcl.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// `--var k=v`, converted to the variable's declared type.
    pub vars: Vec<(String, String)>,
    /// Typed values (from atlas.hcl `test { schema { vars = {…} } }`); `vars` wins on conflict.
    pub values: BTreeMap<String, hcl::Value>,
}

/// A parsed test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    pub source: SourceFile,
    pub cases: Vec<Case>,
}

/// One test case (one element of `for_each`, or the block itself).
#[derive(Clone, Debug)]
pub struct Case {
    pub kind: CaseKind,
    /// `name`, `name/1` (1-based tuple index) or `name/key` (map key).
    pub name: String,
    /// The `test` block.
    pub location: Location,
    pub skip: bool,
    pub parallel: bool,
    /// Commands evaluated with a placeholder `testing.dev_url` (`assay://dev`); see
    /// [`Case::commands`].
    pub commands: Vec<Command>,
    /// Whether any command refers to `testing.dev_url` / `self.dev_url`.
    pub uses_dev_url: bool,
    /// What re-evaluation needs (the block, the evaluation scope). Opaque to the harness.
    pub(crate) template: Arc<dyn CaseTemplate>,
}

impl Case {
    /// The commands with `testing.dev_url` / `self.dev_url` set to `dev_url`. When the case does
    /// not use the dev URL this is a clone of [`Case::commands`].
    pub fn commands(&self, dev_url: &str) -> Result<Vec<Command>, Error> {
        if self.uses_dev_url {
            self.template.evaluate(&self.name, dev_url)
        } else {
            Ok(self.commands.clone())
        }
    }
}

/// Re-evaluates a case's commands with a dev URL. Implemented by the parser.
pub(crate) trait CaseTemplate: std::fmt::Debug + Send + Sync {
    fn evaluate(&self, case_name: &str, dev_url: &str) -> Result<Vec<Command>, Error>;
}

/// One command block, in file order.
#[derive(Clone, Debug)]
pub struct Command {
    /// The first line of the block (`exec {`), as Atlas reports it.
    pub location: Location,
    pub kind: CommandKind,
}

#[derive(Clone, Debug)]
pub enum CommandKind {
    Exec(Exec),
    Assert(Assert),
    Catch(Catch),
    Log {
        message: String,
    },
    Cleanup {
        sql: Sql,
    },
    External(External),
    Migrate {
        to: String,
    },
    /// `schema { url }` (plan and script cases): brings the database to the state of a schema
    /// source, as written (relative paths: see the harness).
    Schema {
        url: String,
    },
    /// `apply { url = "file://x.plan.hcl" }` (plan cases): applies a plan file's migration.
    Apply {
        url: String,
    },
    /// `script "exec" | "query" { … }`: runs Data Scripts of a script file.
    Script(ScriptCall),
}

/// A `script` step: which scripts of which file, with what, under whom, expecting what.
#[derive(Clone, Debug)]
pub struct ScriptCall {
    /// `exec`, `query` or `loop`.
    pub kind: String,
    /// As written; relative to the test file's directory.
    pub file: std::path::PathBuf,
    /// `run`: the scripts whose name matches (all of the kind without it).
    pub run: Option<regex::Regex>,
    pub vars: BTreeMap<String, hcl::Value>,
    /// `output` / `match` over everything the scripts print.
    pub expect: Option<Expect>,
    /// `error`: the run must fail with a message matching this (regex or substring).
    pub error: Option<String>,
    /// `as { role = … }`.
    pub role: Option<String>,
    /// `as { user = … password = … }`.
    pub login: Option<(String, String)>,
}

/// SQL text from a `sql` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sql {
    pub text: String,
    /// Where the text starts in the file: for a heredoc, the line after `<<X`, column 1; for a
    /// quoted string, the character after the opening quote. `exact` says whether offsets in
    /// `text` map back to the file line by line (no interpolation, no `<<-` indent stripping).
    pub start: Location,
    pub exact: bool,
    /// For DDL rendered from an HCL schema: the schema block each part of `text` was written
    /// for, so a statement the database rejects is reported at its block. Empty otherwise.
    pub origins: Vec<crate::schema::Origin>,
}

/// Expected output, as `output = …` or `match = …`.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Compared exactly after trimming surrounding newlines, with the lenient fallback.
    Output(Output),
    /// Unanchored regex over the serialized output; compiled and checked at parse time.
    Match(regex::Regex),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub text: String,
    /// Where the expectation is written, when it is a literal that `--update` may rewrite in
    /// place: a quoted string without interpolation, or a heredoc without interpolation. `None`
    /// when it is computed (`each.value.expected`, `"${…}"`, a function call).
    pub literal: Option<Literal>,
}

/// A literal string expression in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// The byte span of the whole expression (`"…"` with quotes, or `<<X … X` with markers).
    pub span: Span,
    pub style: LiteralStyle,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiteralStyle {
    Quoted,
    /// `<<MARKER` (`indent: false`) or `<<-MARKER` (`indent: true`).
    Heredoc {
        marker: String,
        indent: bool,
    },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Csv,
    Table,
}

#[derive(Clone, Debug)]
pub struct Exec {
    pub sql: Sql,
    pub format: Format,
    pub expect: Option<Expect>,
}

#[derive(Clone, Debug)]
pub struct Assert {
    pub sql: Sql,
    pub error_message: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Catch {
    pub sql: Sql,
    /// Matched against the error text as an unanchored regex or as a plain substring.
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct External {
    pub program: Vec<String>,
    /// Relative paths are relative to the test file's directory.
    pub working_dir: Option<std::path::PathBuf>,
    pub expect: Option<Expect>,
}

// The parser and evaluator (hcl-rs with hcl-edit spans) live in these modules.
pub(crate) mod arith;
pub mod data_script;
pub(crate) mod eval;
pub(crate) mod functions;
pub(crate) mod nesting;
pub(crate) mod parse;
#[cfg(test)]
mod tests;
mod url_functions;
pub(crate) mod vars;

pub use url_functions::with_userinfo;

impl TestFile {
    /// Parses a test file. All errors in the file are returned together.
    pub fn parse(source: SourceFile, inputs: &Inputs) -> Result<TestFile, Vec<Error>> {
        parse::parse(source, inputs)
    }
}

/// The evaluation helpers of test files, for the other HCL file assay reads (`atlas.hcl`).
pub(crate) mod eval_support {
    use std::path::Path;

    use hcl::Value;
    use hcl::edit::structure::{Attribute, Block, Body};
    use hcl::eval::Context;

    use super::Inputs;
    use crate::source::{Error, SourceFile};

    /// Declares the functions the file calls.
    pub(crate) fn declare_functions(ctx: &mut Context<'_>, body: &Body) {
        let called = super::eval::called_functions(body);
        super::functions::declare(ctx, |name| called.contains(name));
    }

    pub(crate) fn with_base_dir<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
        super::functions::with_base_dir(dir, f)
    }

    pub(crate) fn variables(
        source: &SourceFile,
        blocks: &[&Block],
        inputs: &Inputs,
        ctx: &Context<'_>,
        errors: &mut Vec<Error>,
    ) -> Value {
        super::vars::variables(source, blocks, inputs, ctx, errors)
    }

    pub(crate) fn locals(
        source: &SourceFile,
        blocks: &[&Block],
        ctx: &mut Context<'_>,
        errors: &mut Vec<Error>,
    ) -> Value {
        super::vars::locals(source, blocks, ctx, errors)
    }

    pub(crate) struct Compiled(super::eval::Attr);

    pub(crate) fn compile(source: &SourceFile, attr: &Attribute) -> Compiled {
        Compiled(super::eval::Attr::new(source, attr))
    }

    pub(crate) fn eval(
        c: &Compiled,
        source: &SourceFile,
        ctx: &Context<'_>,
    ) -> Result<Value, Error> {
        c.0.eval(source, ctx)
    }

    pub(crate) fn to_string(v: &Value) -> Option<String> {
        super::eval::to_string(v)
    }

    /// Where a string attribute's text starts, and whether offsets in the text map back to the
    /// file line by line (a literal without `<<-` indent stripping), as [`super::Sql`] says.
    pub(crate) fn text_start(c: &Compiled, source: &SourceFile) -> (crate::source::Location, bool) {
        (source.location(c.0.content_start), c.0.exact)
    }

    pub(crate) fn show(v: &Value) -> String {
        super::eval::show(v)
    }
}

/// Typed values for `Inputs::values` (from atlas.hcl `vars`), without a dependency on hcl-rs.
pub use ::hcl::Value as HclValue;
