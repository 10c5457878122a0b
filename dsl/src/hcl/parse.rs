//! From text to [`TestFile`]: the block structure (checked once per `test` block), `for_each`
//! expansion, and evaluation of each case's commands.
//!
//! The file is parsed with hcl-edit (spans) once. Every attribute is compiled once per `test`
//! block ([`Attr`]); a case only evaluates those, so a `for_each` of thousands of elements costs
//! one context per case and no re-parsing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::structure::{Attribute, Block, Structure};
use hcl::eval::Context;

use super::eval::{Attr, Compiled, Traversals, show};
use super::functions;
use super::{
    Assert, Case, CaseKind, CaseTemplate, Catch, Command, CommandKind, Exec, Expect, External,
    Format, Inputs, Output, Sql, TestFile,
};
use crate::source::{Error, Location, SourceFile};

mod script_step;

/// Command blocks: name, allowed attributes, required attributes.
const COMMANDS: &[(&str, &[&str], &[&str])] = &[
    ("exec", &["sql", "format", "output", "match"], &["sql"]),
    ("assert", &["sql", "error_message"], &["sql"]),
    ("catch", &["sql", "error"], &["sql"]),
    ("log", &["message"], &["message"]),
    ("cleanup", &["sql"], &["sql"]),
    (
        "external",
        &["program", "working_dir", "output", "match"],
        &["program"],
    ),
    ("migrate", &["to"], &["to"]),
    ("schema", &["url"], &["url"]),
    ("apply", &["url"], &["url"]),
];
const COMMAND_NAMES: &[&str] = &[
    "exec", "assert", "catch", "log", "cleanup", "external", "migrate", "schema", "apply", "script",
];
const TOP_BLOCKS: &[&str] = &["test", "variable", "locals"];
/// `testing.dev_url` while a file is parsed, before any database exists: a valid URL, so
/// `urluserinfo(self.dev_url, …)` evaluates; cases that use the dev URL are evaluated again
/// with the real one when they run.
const PARSE_TIME_DEV_URL: &str = "assay://dev";
const CASE_ATTRS: &[&str] = &["skip", "parallel", "for_each"];

pub(crate) fn parse(source: SourceFile, inputs: &Inputs) -> Result<TestFile, Vec<Error>> {
    let body = parse_body(&source).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let (mut tests, mut variables, mut locals) = (Vec::new(), Vec::new(), Vec::new());
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => errors.push(Error::new(
                at(&source, a.span()),
                format!(
                    "unexpected attribute `{}` at the top level; a test file holds only blocks: {}",
                    a.key.as_str(),
                    TOP_BLOCKS.join(", ")
                ),
            )),
            Structure::Block(b) => match b.ident.as_str() {
                "test" => tests.push(b),
                "variable" => variables.push(b),
                "locals" => locals.push(b),
                other => errors.push(unknown(
                    &source,
                    b.ident.span(),
                    "block",
                    other,
                    "at the top level",
                    TOP_BLOCKS,
                )),
            },
        }
    }

    let dir = source
        .path()
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut ctx = Context::new();
    let called = super::eval::called_functions(&body);
    functions::declare(&mut ctx, |name| called.contains(name));
    functions::with_base_dir(&dir, || {
        let var = super::vars::variables(&source, &variables, inputs, &ctx, &mut errors);
        ctx.declare_var("var", var);
        let local = super::vars::locals(&source, &locals, &mut ctx, &mut errors);
        ctx.declare_var("local", local);
    });
    let scope = Arc::new(FileScope {
        source: source.clone(),
        ctx,
        dir,
    });
    // After a bad variable or local, evaluating cases would only repeat that error in other words.
    let evaluate = errors.is_empty();

    let mut cases = Vec::new();
    let mut seen: HashMap<String, Location> = HashMap::new();
    for block in tests {
        let before = cases.len();
        test_block(&scope, block, evaluate, &mut cases, &mut errors);
        for case in &cases[before..] {
            if let Some(first) = seen.get(&case.name) {
                errors.push(Error::new(
                    case.location.clone(),
                    format!(
                        "duplicate test case \"{}\" (first defined at {first})",
                        case.name
                    ),
                ));
            } else {
                seen.insert(case.name.clone(), case.location.clone());
            }
        }
    }
    if errors.is_empty() {
        Ok(TestFile { source, cases })
    } else {
        // One mistake in a `for_each` body fails every element the same way: report it once.
        let mut unique = std::collections::HashSet::new();
        errors.retain(|e| unique.insert((e.location.clone(), e.message.clone())));
        Err(errors)
    }
}

/// What evaluating a case needs from its file: the functions, `var` and `local`.
#[derive(Debug)]
struct FileScope {
    source: SourceFile,
    ctx: Context<'static>,
    dir: PathBuf,
}

/// A `test` block, checked and compiled; shared by every case `for_each` makes of it.
#[derive(Debug)]
struct TestBody {
    location: Location,
    skip: Option<Attr>,
    parallel: Option<Attr>,
    commands: Vec<CommandTemplate>,
}

#[derive(Debug)]
struct CommandTemplate {
    name: &'static str,
    location: Location,
    attrs: Vec<Attr>,
    /// `match` compiled once when it is a constant.
    regex: Option<regex::Regex>,
    /// `script "KIND"`: the kind, and the attributes of its `as { … }` block.
    script: Option<(String, Vec<Attr>)>,
}

impl CommandTemplate {
    fn get(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// One case: the shared body plus its `each`.
#[derive(Debug)]
struct CaseEval {
    scope: Arc<FileScope>,
    body: Arc<TestBody>,
    each: Option<(Value, Value)>,
}

impl CaseTemplate for CaseEval {
    fn evaluate(&self, case_name: &str, dev_url: &str) -> Result<Vec<Command>, Error> {
        let ctx = self.context(case_name, dev_url);
        functions::with_base_dir(&self.scope.dir, || self.commands(&ctx))
            .map_err(|mut e| e.swap_remove(0))
    }
}

/// The HCL body of a file, or its syntax error at file:line:col (every HCL file assay reads:
/// test files, atlas.hcl, plan files, data scripts, schema files).
pub(crate) fn parse_body(source: &SourceFile) -> Result<hcl::edit::structure::Body, Error> {
    if let Err(refused) = super::nesting::check(source.text()) {
        return Err(Error::new(
            source.location(refused.offset()),
            refused.message(),
        ));
    }
    hcl::edit::parser::parse_body(source.text()).map_err(|e| {
        let loc = e.location();
        Error::new(
            Location {
                path: source.path().to_path_buf(),
                line: loc.line(),
                col: loc.column(),
            },
            format!("HCL syntax error: {}", e.message()),
        )
    })
}

pub(crate) fn at(source: &SourceFile, span: Option<std::ops::Range<usize>>) -> Location {
    source.location(span.map_or(0, |s| s.start))
}

/// An "unknown X" error listing what is allowed, with a suggestion when one is close.
pub(crate) fn unknown(
    source: &SourceFile,
    span: Option<std::ops::Range<usize>>,
    what: &str,
    name: &str,
    place: &str,
    allowed: &[&str],
) -> Error {
    let mut msg = format!("unknown {what} `{name}` {place}");
    if let Some(best) = allowed
        .iter()
        .filter(|a| {
            distance(a, name) <= 2.max(name.len() / 3) || (name.len() >= 3 && a.starts_with(name))
        })
        .min_by_key(|a| (!a.starts_with(name), distance(a, name)))
    {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    if allowed.is_empty() {
        msg.push_str("; none is allowed here");
    } else {
        msg.push_str(&format!(" (allowed: {})", allowed.join(", ")));
    }
    Error::new(at(source, span), msg)
}

/// Levenshtein distance, for did-you-mean suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The attributes of a block that takes no nested blocks. `allowed` empty means any name.
pub(crate) fn attributes<'a>(
    source: &SourceFile,
    block: &'a Block,
    allowed: &[&str],
    errors: &mut Vec<Error>,
) -> Vec<&'a Attribute> {
    let what = block.ident.as_str();
    let mut out = Vec::new();
    for s in block.body.iter() {
        match s {
            Structure::Attribute(a) if allowed.is_empty() || allowed.contains(&a.key.as_str()) => {
                out.push(a)
            }
            Structure::Attribute(a) => errors.push(unknown(
                source,
                a.key.span(),
                "attribute",
                a.key.as_str(),
                &format!("in {what} block"),
                allowed,
            )),
            Structure::Block(b) => errors.push(Error::new(
                at(source, b.ident.span()),
                format!(
                    "unexpected block `{}` in {what} block; {what} takes only attributes",
                    b.ident.as_str()
                ),
            )),
        }
    }
    out
}

/// The one label of a `variable` block.
pub(crate) fn single_label(
    source: &SourceFile,
    block: &Block,
    what: &str,
    errors: &mut Vec<Error>,
) -> Option<String> {
    if block.labels.len() == 1 {
        return Some(block.labels[0].as_str().to_string());
    }
    errors.push(Error::new(
        at(source, block.span()),
        format!("{what} blocks take exactly one label: {what} \"name\" {{ … }}"),
    ));
    None
}

fn test_block(
    scope: &Arc<FileScope>,
    block: &Block,
    evaluate: bool,
    cases: &mut Vec<Case>,
    errors: &mut Vec<Error>,
) {
    let source = &scope.source;
    let location = at(source, block.span());
    if block.labels.len() != 2 {
        errors.push(Error::new(location, "test blocks take exactly two labels: test \"KIND\" \"name\" (KIND: schema, migrate, plan or script)"));
        return;
    }
    let kind = match block.labels[0].as_str() {
        "schema" => CaseKind::Schema,
        "migrate" => CaseKind::Migrate,
        "plan" => CaseKind::Plan,
        "script" => CaseKind::Script,
        other => {
            errors.push(Error::new(
                at(source, block.labels[0].span()),
                format!("unknown test kind \"{other}\"; use test \"schema\", \"migrate\", \"plan\" or \"script\""),
            ));
            return;
        }
    };
    let name = block.labels[1].as_str().to_string();
    if name.trim().is_empty() {
        errors.push(Error::new(
            at(source, block.labels[1].span()),
            "a test needs a name: test \"KIND\" \"name\" { … } (the name is what --run matches and what the case is reported as)",
        ));
        return;
    }
    let error_count = errors.len();
    let (mut skip, mut parallel, mut for_each) = (None, None, None);
    let mut commands = Vec::new();
    for s in block.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.as_str() {
                "skip" => skip = Some(Attr::new(source, a)),
                "parallel" => parallel = Some(Attr::new(source, a)),
                "for_each" => for_each = Some(Attr::new(source, a)),
                other => errors.push(unknown(
                    source,
                    a.key.span(),
                    "attribute",
                    other,
                    "in test block",
                    CASE_ATTRS,
                )),
            },
            Structure::Block(b) => {
                if let Some(c) = command(source, kind, b, errors) {
                    commands.push(c);
                }
            }
        }
    }
    if errors.len() > error_count || !evaluate {
        return;
    }
    let uses_dev_url = Traversals::of_body(&block.body).uses_dev_url();
    let body = Arc::new(TestBody {
        location,
        skip,
        parallel,
        commands,
    });

    let elements: Vec<(String, Option<(Value, Value)>)> = match &for_each {
        None => vec![(name, None)],
        Some(attr) => {
            match functions::with_base_dir(&scope.dir, || attr.eval(source, &scope.ctx)) {
                Err(e) => return errors.push(e),
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{name}/{}", i + 1), Some((Value::from(i), v))))
                    .collect(),
                Ok(Value::Object(m)) => m
                    .into_iter()
                    .map(|(k, v)| (format!("{name}/{k}"), Some((Value::from(k), v))))
                    .collect(),
                Ok(other) => {
                    return errors.push(attr.type_error(source, "a list, set or map", &other));
                }
            }
        }
    };
    for (case_name, each) in elements {
        let eval = CaseEval {
            scope: scope.clone(),
            body: body.clone(),
            each,
        };
        let ctx = eval.context(&case_name, PARSE_TIME_DEV_URL);
        let evaluated = functions::with_base_dir(&scope.dir, || {
            let skip = body
                .skip
                .as_ref()
                .map_or(Ok(false), |a| a.eval_bool(source, &ctx));
            let parallel = body
                .parallel
                .as_ref()
                .map_or(Ok(false), |a| a.eval_bool(source, &ctx));
            (skip, parallel, eval.commands(&ctx))
        });
        match evaluated {
            (Ok(skip), Ok(parallel), Ok(commands)) => cases.push(Case {
                kind,
                name: case_name,
                location: body.location.clone(),
                skip,
                parallel,
                commands,
                uses_dev_url,
                template: Arc::new(eval),
            }),
            (skip, parallel, commands) => {
                errors.extend(skip.err());
                errors.extend(parallel.err());
                errors.extend(commands.err().into_iter().flatten());
            }
        }
    }
}

/// Checks a command block's structure (once per `test` block).
fn command(
    source: &SourceFile,
    kind: CaseKind,
    block: &Block,
    errors: &mut Vec<Error>,
) -> Option<CommandTemplate> {
    let ident = block.ident.as_str();
    if ident == "script" {
        return script_step::check(source, block, errors);
    }
    let Some(&(name, allowed, required)) = COMMANDS.iter().find(|c| c.0 == ident) else {
        errors.push(unknown(
            source,
            block.ident.span(),
            "block",
            ident,
            "in test block",
            COMMAND_NAMES,
        ));
        return None;
    };
    let location = at(source, block.span());
    let before = errors.len();
    if name == "migrate" && kind != CaseKind::Migrate {
        errors.push(Error::new(
            location.clone(),
            "migrate blocks are only allowed in test \"migrate\" cases",
        ));
    }
    if name == "schema" && !matches!(kind, CaseKind::Plan | CaseKind::Script) {
        errors.push(Error::new(
            location.clone(),
            "schema blocks are only allowed in test \"plan\" and test \"script\" cases (schema cases start from the desired schema already)",
        ));
    }
    if name == "apply" && kind != CaseKind::Plan {
        errors.push(Error::new(
            location.clone(),
            "apply blocks are only allowed in test \"plan\" cases",
        ));
    }
    if !block.labels.is_empty() {
        errors.push(Error::new(
            at(source, block.labels[0].span()),
            format!("{name} blocks take no labels"),
        ));
    }
    let attrs: Vec<Attr> = attributes(source, block, allowed, errors)
        .into_iter()
        .map(|a| Attr::new(source, a))
        .collect();
    for req in required {
        if !attrs.iter().any(|a| a.name == *req) {
            errors.push(Error::new(
                location.clone(),
                format!("{name} block is missing the required attribute `{req}`"),
            ));
        }
    }
    let template = CommandTemplate {
        name,
        location,
        attrs,
        regex: None,
        script: None,
    };
    if let (Some(_), Some(m)) = (template.get("output"), template.get("match")) {
        errors.push(Error::new(
            source.location(m.span.start),
            format!("{name}: `output` and `match` cannot be used together; keep one"),
        ));
    }
    let mut regex = None;
    if let Some(m) = template.get("match")
        && let Compiled::Const(v) = &m.expr
    {
        match compile_match(source, m, v) {
            Ok(re) => regex = Some(re),
            Err(e) => errors.push(e),
        }
    }
    if let Some(f) = template.get("format")
        && let Some(ident) = &f.ident
        && ident != "csv"
        && ident != "table"
    {
        errors.push(Error::new(
            source.location(f.span.start),
            format!("format: unknown format `{ident}`; use csv or table"),
        ));
    }
    (errors.len() == before).then_some(CommandTemplate { regex, ..template })
}

fn compile_match(source: &SourceFile, attr: &Attr, v: &Value) -> Result<regex::Regex, Error> {
    let pattern =
        super::eval::to_string(v).ok_or_else(|| attr.type_error(source, "a string", v))?;
    regex::Regex::new(&pattern).map_err(|e| {
        Error::new(
            source.location(attr.span.start),
            format!("match: invalid regular expression: {e}"),
        )
    })
}

impl CaseEval {
    fn context(&self, case_name: &str, dev_url: &str) -> Context<'static> {
        let mut ctx = self.scope.ctx.clone();
        if let Some((key, value)) = &self.each {
            let each: Value = [("key", key.clone()), ("value", value.clone())]
                .into_iter()
                .collect();
            ctx.declare_var("each", each);
        }
        let testing: Value = [
            ("name", Value::from(case_name)),
            ("dev_url", Value::from(dev_url)),
        ]
        .into_iter()
        .collect();
        ctx.declare_var("self", testing.clone());
        ctx.declare_var("testing", testing);
        ctx
    }

    /// Evaluates every command; errors from all commands are collected.
    fn commands(&self, ctx: &Context<'_>) -> Result<Vec<Command>, Vec<Error>> {
        let source = &self.scope.source;
        let mut out = Vec::with_capacity(self.body.commands.len());
        let mut errors = Vec::new();
        for c in &self.body.commands {
            match eval_command(source, c, ctx) {
                Ok(kind) => out.push(Command {
                    location: c.location.clone(),
                    kind,
                }),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

fn eval_command(
    source: &SourceFile,
    c: &CommandTemplate,
    ctx: &Context<'_>,
) -> Result<CommandKind, Error> {
    let string = |name: &str| c.get(name).map(|a| a.eval_string(source, ctx)).transpose();
    let sql = || -> Result<Sql, Error> {
        let attr = c
            .get("sql")
            .ok_or_else(|| Error::new(c.location.clone(), "missing sql"))?;
        let text = attr.eval_string(source, ctx)?;
        Ok(Sql {
            text,
            start: source.location(attr.content_start),
            exact: attr.exact,
            origins: Vec::new(),
        })
    };
    let required = |name: &str| {
        string(name)?.ok_or_else(|| Error::new(c.location.clone(), format!("missing {name}")))
    };
    Ok(match c.name {
        "exec" => CommandKind::Exec(Exec {
            sql: sql()?,
            format: format(source, c, ctx)?,
            expect: expect(source, c, ctx)?,
        }),
        "assert" => CommandKind::Assert(Assert {
            sql: sql()?,
            error_message: string("error_message")?,
        }),
        "catch" => CommandKind::Catch(Catch {
            sql: sql()?,
            error: string("error")?,
        }),
        "log" => CommandKind::Log {
            message: required("message")?,
        },
        "cleanup" => CommandKind::Cleanup { sql: sql()? },
        "migrate" => CommandKind::Migrate {
            to: required("to")?,
        },
        "schema" => CommandKind::Schema {
            url: required("url")?,
        },
        "apply" => CommandKind::Apply {
            url: required("url")?,
        },
        "script" => script_step::evaluate(source, c, ctx)?,
        _ => CommandKind::External(External {
            program: program(source, c, ctx)?,
            // Kept as written: the runner resolves a relative path against the file's directory.
            working_dir: string("working_dir")?.map(PathBuf::from),
            expect: expect(source, c, ctx)?,
        }),
    })
}

fn format(source: &SourceFile, c: &CommandTemplate, ctx: &Context<'_>) -> Result<Format, Error> {
    let Some(attr) = c.get("format") else {
        return Ok(Format::Csv);
    };
    let text = match &attr.ident {
        Some(ident) => ident.clone(),
        None => attr.eval_string(source, ctx)?,
    };
    match text.as_str() {
        "csv" => Ok(Format::Csv),
        "table" => Ok(Format::Table),
        other => Err(Error::new(
            source.location(attr.span.start),
            format!("format: unknown format `{other}`; use csv or table"),
        )),
    }
}

fn expect(
    source: &SourceFile,
    c: &CommandTemplate,
    ctx: &Context<'_>,
) -> Result<Option<Expect>, Error> {
    if let Some(attr) = c.get("output") {
        let text = attr.eval_string(source, ctx)?;
        return Ok(Some(Expect::Output(Output {
            text,
            literal: attr.literal.clone(),
        })));
    }
    match (c.get("match"), &c.regex) {
        (_, Some(re)) => Ok(Some(Expect::Match(re.clone()))),
        (Some(attr), None) => {
            compile_match(source, attr, &attr.eval(source, ctx)?).map(|re| Some(Expect::Match(re)))
        }
        (None, None) => Ok(None),
    }
}

fn program(
    source: &SourceFile,
    c: &CommandTemplate,
    ctx: &Context<'_>,
) -> Result<Vec<String>, Error> {
    let attr = c
        .get("program")
        .ok_or_else(|| Error::new(c.location.clone(), "missing program"))?;
    let v = attr.eval(source, ctx)?;
    let argv = match &v {
        Value::Array(items) => items
            .iter()
            .map(super::eval::to_string)
            .collect::<Option<Vec<_>>>(),
        _ => None,
    };
    match argv {
        Some(argv) if !argv.is_empty() => Ok(argv),
        Some(_) => Err(Error::new(
            source.location(attr.span.start),
            "program: the list is empty; give the program and its arguments",
        )),
        None => Err(Error::new(
            source.location(attr.span.start),
            format!(
                "program: expected a list of strings (argv), got {}",
                show(&v)
            ),
        )),
    }
}
