//! The `script "exec" | "query" | "loop"` step of a test case: its structure, checked once per `test`
//! block, and its evaluation per case. The script file itself is read when the step runs
//! ([`crate::hcl::data_script`]).

use std::path::PathBuf;

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::structure::{Block, Structure};
use hcl::eval::Context;

use super::{CommandTemplate, at, attributes, expect, unknown};
use crate::hcl::eval::Attr;
use crate::hcl::{CommandKind, ScriptCall};
use crate::source::{Error, SourceFile};

/// `script "exec" | "query" | "loop" { file, run, vars, output | match | error, as { … } }`: checked here,
/// the script file is read when the step runs.
pub(super) fn check(
    source: &SourceFile,
    block: &Block,
    errors: &mut Vec<Error>,
) -> Option<CommandTemplate> {
    let location = at(source, block.span());
    let before = errors.len();
    let kind = match block.labels.as_slice() {
        [k] if ["exec", "query", "loop"].contains(&k.as_str()) => k.as_str().to_string(),
        _ => {
            errors.push(Error::new(
                location,
                "script steps take one label: script \"exec\" | \"query\" | \"loop\" { file = … }",
            ));
            return None;
        }
    };
    let allowed = ["file", "run", "vars", "output", "match", "error"];
    let mut attrs = Vec::new();
    let mut as_attrs = Vec::new();
    for s in block.body.iter() {
        match s {
            Structure::Attribute(a) if allowed.contains(&a.key.as_str()) => {
                attrs.push(Attr::new(source, a))
            }
            Structure::Attribute(a) => errors.push(unknown(
                source,
                a.key.span(),
                "attribute",
                a.key.as_str(),
                "in script block",
                &allowed,
            )),
            Structure::Block(b) if b.ident.as_str() == "as" => {
                as_attrs.extend(
                    attributes(source, b, &["role", "user", "password"], errors)
                        .into_iter()
                        .map(|a| Attr::new(source, a)),
                );
            }
            Structure::Block(b) => errors.push(unknown(
                source,
                b.ident.span(),
                "block",
                b.ident.as_str(),
                "in script block",
                &["as"],
            )),
        }
    }
    if !attrs.iter().any(|a| a.name == "file") {
        errors.push(Error::new(
            location.clone(),
            "script block is missing the required attribute `file`",
        ));
    }
    let expects = attrs
        .iter()
        .filter(|a| ["output", "match", "error"].contains(&a.name.as_str()))
        .count();
    if expects > 1 {
        errors.push(Error::new(
            location.clone(),
            "script: `output`, `match` and `error` cannot be used together; keep one",
        ));
    }
    let has = |n: &str| as_attrs.iter().any(|a| a.name == n);
    if has("role") && (has("user") || has("password")) || has("user") != has("password") {
        errors.push(Error::new(
            location.clone(),
            "as: give either role = \"…\" or both user = \"…\" and password = \"…\"",
        ));
    }
    (errors.len() == before).then(|| CommandTemplate {
        name: "script",
        location,
        attrs,
        regex: None,
        script: Some((kind, as_attrs)),
    })
}

/// The step with the case's values.
pub(super) fn evaluate(
    source: &SourceFile,
    c: &CommandTemplate,
    ctx: &Context<'_>,
) -> Result<CommandKind, Error> {
    let string = |name: &str| c.get(name).map(|a| a.eval_string(source, ctx)).transpose();
    let required = |name: &str| {
        string(name)?.ok_or_else(|| Error::new(c.location.clone(), format!("missing {name}")))
    };
    let (kind, as_attrs) = match &c.script {
        Some((k, a)) => (k.clone(), a.as_slice()),
        None => (String::new(), &[][..]),
    };
    let as_string = |name: &str| {
        as_attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.eval_string(source, ctx))
            .transpose()
    };
    let vars = match c.get("vars") {
        None => Default::default(),
        Some(a) => match a.eval(source, ctx)? {
            Value::Object(m) => m.into_iter().collect(),
            v => return Err(a.type_error(source, "an object of variable values", &v)),
        },
    };
    let run = match c.get("run") {
        None => None,
        Some(a) => Some(
            regex::Regex::new(&a.eval_string(source, ctx)?).map_err(|e| {
                Error::new(
                    source.location(a.span.start),
                    format!("run: invalid regular expression: {e}"),
                )
            })?,
        ),
    };
    let role = as_string("role")?;
    let login = match (as_string("user")?, as_string("password")?) {
        (Some(u), Some(p)) => Some((u, p)),
        _ => None,
    };
    Ok(CommandKind::Script(ScriptCall {
        kind,
        file: PathBuf::from(required("file")?),
        run,
        vars,
        expect: expect(source, c, ctx)?,
        error: string("error")?,
        role,
        login,
    }))
}
