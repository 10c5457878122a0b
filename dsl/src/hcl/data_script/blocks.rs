//! The blocks inside a `script` wrapper, each checked for the attributes and blocks Atlas
//! documents for it, in the place Atlas allows it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hcl::Value;
use hcl::edit::structure::{Block, Body, Structure};
use hcl::eval::Context;

use super::{
    ColumnType, Command, DataScript, Expr, Iterator, Loop, Mask, MaskMethod, ScriptKind, Statement,
    Test, at, attr, attr_at,
};
use crate::hcl::Format;
use crate::hcl::eval::Attr;
use crate::source::{Error, SourceFile};

pub(super) fn script(
    source: &SourceFile,
    b: &Block,
    kind: ScriptKind,
    name: &str,
    ctx: &Context<'_>,
    named: &BTreeMap<String, Mask>,
) -> Result<DataScript, Vec<Error>> {
    let mut errors = Vec::new();
    let location = at(source, b);
    let mut script = DataScript {
        kind,
        name: name.to_string(),
        location: location.clone(),
        no_tx: false,
        commit_on_error: false,
        body: Vec::new(),
        looping: None,
        masks: Vec::new(),
    };
    let word = match kind {
        ScriptKind::Exec => "exec",
        ScriptKind::Query => "query",
        ScriptKind::Loop => "loop",
    };
    let mut looping = Loop {
        body: Vec::new(),
        iterator: None,
        post: Vec::new(),
        manual_tx: false,
        continue_on_error: false,
        limit: None,
        timeout: None,
        every: None,
        ramp: Vec::new(),
        at: location.clone(),
    };
    let mut seen_do = false;
    let mut seen_other = false;
    for s in b.body.iter() {
        let inner = match s {
            Structure::Attribute(a) if a.key.as_str() == "description" => continue,
            Structure::Attribute(a) => {
                errors.push(Error::new(
                    attr_at(source, a),
                    format!(
                        "unexpected attribute `{}` in script \"{word}\" (allowed: description)",
                        a.key.as_str()
                    ),
                ));
                continue;
            }
            Structure::Block(inner) => inner,
        };
        let ident = inner.ident.as_str();
        let result: Result<(), Error> = (|| match (kind, ident) {
            (_, "http") => Err(Error::new(
                at(source, inner),
                "`http` blocks are not run by assay: they call services on the network; test the SQL of the script and call the service in an `external` step",
            )),
            (_, "mask") if kind != ScriptKind::Loop => {
                script.masks.extend(mask(source, inner, ctx, named)?);
                Ok(())
            }
            (ScriptKind::Exec, "tx") => {
                check_attrs(source, inner, &["mode", "on_error"])?;
                if let Some(a) = attr(&inner.body, "mode") {
                    script.no_tx = one_of(source, a, ctx, &["AUTO", "NONE"])? == "NONE";
                }
                if let Some(a) = attr(&inner.body, "on_error") {
                    script.commit_on_error =
                        one_of(source, a, ctx, &["ROLLBACK", "COMMIT"])? == "COMMIT";
                }
                Ok(())
            }
            (ScriptKind::Exec | ScriptKind::Loop, "condition") => {
                if seen_other || seen_do {
                    return Err(Error::new(
                        at(source, inner),
                        format!(
                            "condition blocks go first in script \"{word}\": they run once, before the {}",
                            if kind == ScriptKind::Loop {
                                "loop"
                            } else {
                                "body"
                            }
                        ),
                    ));
                }
                check_attrs(source, inner, &["sql", "args"])?;
                script.body.push(Command::Condition {
                    at: at(source, inner),
                    stmt: statement(source, inner)?,
                });
                Ok(())
            }
            (ScriptKind::Loop, "do") => {
                if seen_do {
                    return Err(Error::new(
                        at(source, inner),
                        "a loop has exactly one `do` block",
                    ));
                }
                seen_do = true;
                for s in inner.body.iter() {
                    match s {
                        Structure::Attribute(a) if a.key.as_str() == "on_error" => {
                            looping.continue_on_error =
                                one_of(source, a, ctx, &["ABORT", "CONTINUE"])? == "CONTINUE";
                        }
                        Structure::Attribute(a) => {
                            return Err(Error::new(
                                attr_at(source, a),
                                format!(
                                    "unexpected attribute `{}` in do (allowed: on_error)",
                                    a.key.as_str()
                                ),
                            ));
                        }
                        Structure::Block(c) => {
                            looping
                                .body
                                .push(command(source, c, ScriptKind::Loop, ctx, named)?)
                        }
                    }
                }
                Ok(())
            }
            (ScriptKind::Loop, "iterator") => {
                if looping.iterator.is_some() {
                    return Err(Error::new(
                        at(source, inner),
                        "a loop has at most one iterator",
                    ));
                }
                looping.iterator = Some(iterator(source, inner)?);
                Ok(())
            }
            (ScriptKind::Loop, "policy") => policy(source, inner, ctx, &mut looping),
            (ScriptKind::Loop, "assert" | "check") => {
                if !seen_do {
                    return Err(Error::new(
                        at(source, inner),
                        format!(
                            "`{ident}` blocks of a loop go after `do`: they run once, after the loop"
                        ),
                    ));
                }
                looping
                    .post
                    .push(command(source, inner, ScriptKind::Loop, ctx, named)?);
                Ok(())
            }
            (ScriptKind::Loop, _) => Err(Error::new(
                at(source, inner),
                format!(
                    "`{ident}` blocks in script \"loop\" go inside `do` (the loop's top level takes condition, iterator, do, assert, check, policy)"
                ),
            )),
            _ => {
                seen_other = true;
                script.body.push(command(source, inner, kind, ctx, named)?);
                Ok(())
            }
        })();
        if let Err(e) = result {
            errors.push(e);
        }
    }
    if kind == ScriptKind::Loop {
        if !seen_do && errors.is_empty() {
            errors.push(Error::new(
                location.clone(),
                "script \"loop\" needs a `do { … }` block: the body it repeats",
            ));
        }
        script.looping = Some(looping);
    }
    if kind == ScriptKind::Exec
        && errors.is_empty()
        && !script.body.iter().any(|c| {
            matches!(
                c,
                Command::Exec { .. } | Command::Assert { .. } | Command::Check { .. }
            )
        })
    {
        errors.push(Error::new(
            location,
            "exec kind requires at least one 'assert', 'check', or 'exec' block",
        ));
    }
    if errors.is_empty() {
        Ok(script)
    } else {
        Err(errors)
    }
}

/// One block of a script body (or of a loop's `do`).
fn command(
    source: &SourceFile,
    b: &Block,
    kind: ScriptKind,
    ctx: &Context<'_>,
    named: &BTreeMap<String, Mask>,
) -> Result<Command, Error> {
    let ident = b.ident.as_str();
    let location = at(source, b);
    let allowed: &[&str] = match kind {
        ScriptKind::Exec => &["exec", "assert", "check", "query", "break", "output"],
        ScriptKind::Query => &["query", "break", "output"],
        ScriptKind::Loop => &[
            "exec", "query", "assert", "check", "break", "continue", "log", "output", "sleep",
        ],
    };
    if ident == "http" {
        return Err(Error::new(
            location,
            "`http` blocks are not run by assay: they call services on the network; test the SQL of the script and call the service in an `external` step",
        ));
    }
    if ident == "tx" && kind == ScriptKind::Loop {
        return Err(Error::new(
            location,
            "the `tx` command of a loop body is not run by assay yet; use policy { tx { mode = PER_ITERATION } } (the default)",
        ));
    }
    if !allowed.contains(&ident) {
        let word = match kind {
            ScriptKind::Exec => "script \"exec\"",
            ScriptKind::Query => "script \"query\"",
            ScriptKind::Loop => "a loop's do",
        };
        return Err(Error::new(
            location,
            format!(
                "`{ident}` blocks are not allowed in {word} (allowed: {})",
                allowed.join(", ")
            ),
        ));
    }
    let name = b.labels.first().map(|l| l.as_str().to_string());
    Ok(match ident {
        "exec" => {
            check_attrs(source, b, &["sql", "args", "expect_rows"])?;
            Command::Exec {
                stmt: statement(source, b)?,
                expect_rows: expr(source, &b.body, "expect_rows"),
                at: location,
            }
        }
        "assert" => {
            check_attrs(source, b, &["sql", "args", "error_message"])?;
            Command::Assert {
                stmt: statement(source, b)?,
                error_message: expr(source, &b.body, "error_message"),
                at: location,
            }
        }
        "check" => {
            check_attrs(source, b, &["sql", "args", "output", "match", "format"])?;
            let (output, pattern) = (
                expr(source, &b.body, "output"),
                expr(source, &b.body, "match"),
            );
            if output.is_some() && pattern.is_some() {
                return Err(Error::new(
                    location,
                    "check takes `output` or `match`, not both",
                ));
            }
            Command::Check {
                stmt: statement(source, b)?,
                format: output_format(source, b, ctx, Format::Csv)?,
                output,
                pattern,
                at: location,
            }
        }
        "query" => {
            let mut masks = Vec::new();
            let mut rows = None;
            for s in b.body.iter() {
                match s {
                    Structure::Attribute(a)
                        if ["sql", "args", "format"].contains(&a.key.as_str()) => {}
                    Structure::Attribute(a) => {
                        return Err(Error::new(
                            attr_at(source, a),
                            format!(
                                "unexpected attribute `{}` in query (allowed: sql, args, format; blocks: rows, mask)",
                                a.key.as_str()
                            ),
                        ));
                    }
                    Structure::Block(inner) if inner.ident.as_str() == "rows" => {
                        rows = Some(columns(source, inner)?);
                    }
                    Structure::Block(inner) if inner.ident.as_str() == "mask" => {
                        masks.extend(mask(source, inner, ctx, named)?);
                    }
                    Structure::Block(inner) => {
                        return Err(Error::new(
                            at(source, inner),
                            format!(
                                "unexpected block `{}` in query (allowed: rows, mask)",
                                inner.ident.as_str()
                            ),
                        ));
                    }
                }
            }
            if rows.is_some() && (attr(&b.body, "format").is_some() || !masks.is_empty()) {
                return Err(Error::new(
                    location,
                    "a query with `rows` binds its result and prints nothing: `format` and `mask` do not go with it",
                ));
            }
            if rows.is_none() && kind != ScriptKind::Query {
                return Err(Error::new(
                    location,
                    "a query here binds its rows for later blocks: add rows { COLUMN = int | string | … } (printed queries belong to script \"query\")",
                ));
            }
            Command::Query {
                stmt: statement(source, b)?,
                format: output_format(source, b, ctx, Format::Table)?,
                name,
                rows,
                masks,
                at: location,
            }
        }
        "break" | "continue" => {
            let allowed: &[&str] = if ident == "break" {
                &["sql", "args", "expr", "message"]
            } else {
                &["sql", "args", "expr"]
            };
            check_attrs(source, b, allowed)?;
            let test = match (attr(&b.body, "sql"), attr(&b.body, "expr")) {
                (Some(_), Some(_)) => {
                    return Err(Error::new(
                        location,
                        format!("{ident} takes `sql` or `expr`, not both"),
                    ));
                }
                (Some(_), None) => Test::Sql(statement(source, b)?),
                (None, Some(_)) => Test::Expr(expr(source, &b.body, "expr").expect("present")),
                (None, None) => Test::Always,
            };
            if ident == "break" {
                Command::Break {
                    test,
                    message: expr(source, &b.body, "message"),
                    at: location,
                }
            } else {
                Command::Continue { test, at: location }
            }
        }
        "output" | "log" => {
            check_attrs(source, b, &["message"])?;
            let message = expr(source, &b.body, "message").ok_or_else(|| {
                Error::new(
                    location.clone(),
                    format!("{ident} block is missing `message`"),
                )
            })?;
            if ident == "output" {
                Command::Output { message }
            } else {
                Command::Log {
                    message,
                    at: location,
                }
            }
        }
        _ => {
            check_attrs(source, b, &["duration"])?;
            let a = attr(&b.body, "duration")
                .ok_or_else(|| Error::new(location.clone(), "sleep block is missing `duration`"))?;
            Command::Sleep {
                duration: duration(source, a, ctx)?,
            }
        }
    })
}

fn iterator(source: &SourceFile, b: &Block) -> Result<Iterator, Error> {
    let location = at(source, b);
    match b.labels.first().map(|l| l.as_str()) {
        Some("keyset") => {
            check_attrs(source, b, &[])?;
            let (mut cursor, mut batch, mut init, mut next) = (None, None, None, None);
            for s in b.body.iter() {
                if let Structure::Block(inner) = s {
                    match inner.ident.as_str() {
                        "cursor" => cursor = Some(columns(source, inner)?),
                        "batch" => batch = Some(columns(source, inner)?),
                        "init" | "next" => {
                            check_attrs(source, inner, &["sql", "args"])?;
                            let stmt = statement(source, inner)?;
                            if inner.ident.as_str() == "init" {
                                init = Some(stmt);
                            } else {
                                next = Some(stmt);
                            }
                        }
                        other => {
                            return Err(Error::new(
                                at(source, inner),
                                format!(
                                    "unexpected block `{other}` in iterator \"keyset\" (allowed: cursor, batch, init, next)"
                                ),
                            ));
                        }
                    }
                }
            }
            let missing = |what: &str| {
                Error::new(
                    location.clone(),
                    format!("iterator \"keyset\" is missing its `{what}` block"),
                )
            };
            Ok(Iterator::Keyset {
                cursor: cursor.ok_or_else(|| missing("cursor"))?,
                batch: batch.ok_or_else(|| missing("batch"))?,
                init: init.ok_or_else(|| missing("init"))?,
                next: next.ok_or_else(|| missing("next"))?,
                at: location,
            })
        }
        Some("range") => {
            check_attrs(source, b, &["from", "to", "step"])?;
            let get = |name: &str| {
                expr(source, &b.body, name).ok_or_else(|| {
                    Error::new(
                        location.clone(),
                        format!("iterator \"range\" is missing `{name}`"),
                    )
                })
            };
            Ok(Iterator::Range {
                from: get("from")?,
                to: get("to")?,
                step: get("step")?,
                at: location.clone(),
            })
        }
        other => Err(Error::new(
            location,
            format!(
                "unknown iterator {:?}: use iterator \"keyset\" or iterator \"range\"",
                other.unwrap_or("")
            ),
        )),
    }
}

fn policy(
    source: &SourceFile,
    b: &Block,
    ctx: &Context<'_>,
    looping: &mut Loop,
) -> Result<(), Error> {
    check_attrs(source, b, &[])?;
    for s in b.body.iter() {
        let Structure::Block(inner) = s else { continue };
        match inner.ident.as_str() {
            "tx" => {
                check_attrs(source, inner, &["mode"])?;
                if let Some(a) = attr(&inner.body, "mode") {
                    looping.manual_tx =
                        one_of(source, a, ctx, &["PER_ITERATION", "MANUAL"])? == "MANUAL";
                }
            }
            "schedule" => {
                for s in inner.body.iter() {
                    match s {
                        Structure::Attribute(a) if a.key.as_str() == "limit" => {
                            looping.limit = Some(whole(source, a, ctx)?);
                        }
                        Structure::Attribute(a) if a.key.as_str() == "timeout" => {
                            looping.timeout = Some(duration(source, a, ctx)?);
                        }
                        Structure::Attribute(a) if a.key.as_str() == "every" => {
                            looping.every = Some(duration(source, a, ctx)?);
                        }
                        Structure::Attribute(a) => {
                            return Err(Error::new(
                                attr_at(source, a),
                                format!(
                                    "unexpected attribute `{}` in schedule (allowed: every, limit, timeout)",
                                    a.key.as_str()
                                ),
                            ));
                        }
                        Structure::Block(p) => {
                            return Err(Error::new(
                                at(source, p),
                                format!(
                                    "`{}` in schedule is not run by assay yet (a test's database has no replica lag to wait for)",
                                    p.ident.as_str()
                                ),
                            ));
                        }
                    }
                }
            }
            "ramp" => {
                for s in inner.body.iter() {
                    let Structure::Block(stage) = s else { continue };
                    if stage.ident.as_str() != "stage" {
                        return Err(Error::new(
                            at(source, stage),
                            "ramp takes stage { size, iterations } blocks",
                        ));
                    }
                    check_attrs(source, stage, &["size", "iterations", "hold"])?;
                    let size = attr(&stage.body, "size")
                        .ok_or_else(|| Error::new(at(source, stage), "stage is missing `size`"))?;
                    let iterations = attr(&stage.body, "iterations")
                        .map(|a| whole(source, a, ctx))
                        .transpose()?;
                    looping.ramp.push((whole(source, size, ctx)?, iterations));
                }
            }
            other => {
                return Err(Error::new(
                    at(source, inner),
                    format!("unexpected block `{other}` in policy (allowed: tx, schedule, ramp)"),
                ));
            }
        }
    }
    Ok(())
}

/// `mask { columns, method, … }` or `mask { use = [mask.NAME] }`: the masks it stands for.
pub(super) fn mask(
    source: &SourceFile,
    b: &Block,
    ctx: &Context<'_>,
    named: &BTreeMap<String, Mask>,
) -> Result<Vec<Mask>, Error> {
    let location = at(source, b);
    check_attrs(
        source,
        b,
        &[
            "use",
            "columns",
            "method",
            "token",
            "keep",
            "keep_left",
            "keep_right",
            "char",
            "salt",
            "match",
            "with",
        ],
    )?;
    let mut out = Vec::new();
    if let Some(a) = attr(&b.body, "use") {
        let compiled = Attr::new(source, a);
        let used = compiled.eval(source, ctx)?;
        let items = match used {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in items {
            let found = match &item {
                Value::String(s) => s.strip_prefix("mask:").and_then(|n| named.get(n)),
                _ => None,
            };
            match found {
                Some(m) => out.push(m.clone()),
                None => {
                    return Err(compiled.type_error(
                        source,
                        "mask.NAME of a top-level mask block",
                        &item,
                    ));
                }
            }
        }
    }
    let Some(columns) = attr(&b.body, "columns") else {
        if out.is_empty() {
            return Err(Error::new(
                location,
                "mask needs `columns` (or `use = [mask.NAME]`)",
            ));
        }
        return Ok(out);
    };
    let compiled = Attr::new(source, columns);
    let columns: Vec<String> = match compiled.eval(source, ctx)? {
        Value::Array(items) => items
            .iter()
            .map(|v| {
                crate::hcl::eval::to_string(v)
                    .ok_or_else(|| compiled.type_error(source, "a list of column names", v))
            })
            .collect::<Result<_, _>>()?,
        v => return Err(compiled.type_error(source, "a list of column names", &v)),
    };
    let text = |name: &str| -> Result<Option<String>, Error> {
        attr(&b.body, name)
            .map(|a| Attr::new(source, a).eval_string(source, ctx))
            .transpose()
    };
    let count = |name: &str| -> Result<Option<usize>, Error> {
        attr(&b.body, name)
            .map(|a| whole(source, a, ctx).map(|n| n as usize))
            .transpose()
    };
    let method = match attr(&b.body, "method") {
        Some(a) => one_of(source, a, ctx, &["REDACT", "PARTIAL", "HASH", "REPLACE"])?,
        None => "REDACT".to_string(),
    };
    let method = match method.as_str() {
        "REDACT" => MaskMethod::Redact {
            token: text("token")?.unwrap_or_else(|| "***".to_string()),
        },
        "PARTIAL" => {
            let keep = count("keep")?.unwrap_or(0);
            let fill = text("char")?.unwrap_or_else(|| "*".to_string());
            let mut chars = fill.chars();
            let (Some(fill), None) = (chars.next(), chars.next()) else {
                return Err(Error::new(location, "char: expected one character"));
            };
            MaskMethod::Partial {
                keep_left: count("keep_left")?.unwrap_or(keep),
                keep_right: count("keep_right")?.unwrap_or(keep),
                fill,
            }
        }
        "HASH" => MaskMethod::Hash {
            salt: text("salt")?,
        },
        _ => {
            let pattern = text("match")?.ok_or_else(|| {
                Error::new(
                    location.clone(),
                    "method REPLACE needs `match` (a regular expression)",
                )
            })?;
            let pattern = regex::Regex::new(&pattern).map_err(|e| {
                Error::new(
                    location.clone(),
                    format!("match: invalid regular expression: {e}"),
                )
            })?;
            MaskMethod::Replace {
                pattern,
                with: text("with")?.unwrap_or_default(),
            }
        }
    };
    out.push(Mask { columns, method });
    Ok(out)
}

/// `rows { col = type }`, `cursor { … }`, `batch { … }`.
fn columns(source: &SourceFile, b: &Block) -> Result<Vec<(String, ColumnType)>, Error> {
    let mut out = Vec::new();
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => {
                let ty = a.value.as_variable().map(|v| v.to_string());
                let ty = match ty.as_deref() {
                    Some("int" | "integer" | "bigint") => ColumnType::Int,
                    Some("float" | "double" | "number" | "decimal") => ColumnType::Float,
                    Some("string" | "text") => ColumnType::String,
                    Some("bool" | "boolean") => ColumnType::Bool,
                    _ => {
                        return Err(Error::new(
                            attr_at(source, a),
                            format!(
                                "{}: unknown column type; use int, float, string or bool",
                                a.key.as_str()
                            ),
                        ));
                    }
                };
                out.push((a.key.to_string(), ty));
            }
            Structure::Block(inner) => {
                return Err(Error::new(
                    at(source, inner),
                    format!(
                        "{} takes `COLUMN = type` attributes, not blocks",
                        b.ident.as_str()
                    ),
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(Error::new(
            at(source, b),
            format!(
                "{} declares no columns (write COLUMN = int | string | …)",
                b.ident.as_str()
            ),
        ));
    }
    Ok(out)
}

fn statement(source: &SourceFile, b: &Block) -> Result<Statement, Error> {
    let sql = expr(source, &b.body, "sql").ok_or_else(|| {
        Error::new(
            at(source, b),
            format!("{} block is missing `sql`", b.ident.as_str()),
        )
    })?;
    Ok(Statement {
        sql,
        args: expr(source, &b.body, "args"),
    })
}

fn expr(source: &SourceFile, body: &Body, name: &str) -> Option<Expr> {
    attr(body, name).map(|a| Expr {
        attr: Arc::new(Attr::new(source, a)),
    })
}

fn check_attrs(source: &SourceFile, b: &Block, allowed: &[&str]) -> Result<(), Error> {
    for s in b.body.iter() {
        if let Structure::Attribute(a) = s
            && !allowed.contains(&a.key.as_str())
        {
            let list = if allowed.is_empty() {
                "none".to_string()
            } else {
                allowed.join(", ")
            };
            return Err(Error::new(
                attr_at(source, a),
                format!(
                    "unexpected attribute `{}` in {} (allowed: {list})",
                    a.key.as_str(),
                    b.ident.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// An enum written bare (`mode = NONE`) or as a string, one of `allowed`.
fn one_of(
    source: &SourceFile,
    a: &hcl::edit::structure::Attribute,
    ctx: &Context<'_>,
    allowed: &[&str],
) -> Result<String, Error> {
    let compiled = Attr::new(source, a);
    let text = match &compiled.ident {
        Some(i) => i.clone(),
        None => compiled.eval_string(source, ctx)?,
    };
    let upper = text.to_ascii_uppercase();
    if allowed.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(Error::new(
            source.location(compiled.span.start),
            format!(
                "{}: unknown value `{text}`; use {}",
                a.key.as_str(),
                allowed.join(" or ")
            ),
        ))
    }
}

fn whole(
    source: &SourceFile,
    a: &hcl::edit::structure::Attribute,
    ctx: &Context<'_>,
) -> Result<u64, Error> {
    let compiled = Attr::new(source, a);
    match compiled.eval(source, ctx)? {
        Value::Number(n) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or(0)),
        v => Err(compiled.type_error(source, "a whole number", &v)),
    }
}

/// `"200ms"`, `"5s"`, `"30m"`, `"1h"` (Go's duration syntax, one unit).
fn duration(
    source: &SourceFile,
    a: &hcl::edit::structure::Attribute,
    ctx: &Context<'_>,
) -> Result<Duration, Error> {
    let compiled = Attr::new(source, a);
    let text = compiled.eval_string(source, ctx)?;
    parse_duration(&text).ok_or_else(|| {
        Error::new(
            source.location(compiled.span.start),
            format!(
                "{}: `{text}` is not a duration; write e.g. \"200ms\", \"5s\", \"30m\"",
                a.key.as_str()
            ),
        )
    })
}

pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (n, unit) = text.split_at(split);
    let n: f64 = n.parse().ok()?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

/// `format = CSV | TABLE` (Atlas writes capitals; test files write `csv`, `table`).
fn output_format(
    source: &SourceFile,
    b: &Block,
    ctx: &Context<'_>,
    default: Format,
) -> Result<Format, Error> {
    let Some(a) = attr(&b.body, "format") else {
        return Ok(default);
    };
    Ok(match one_of(source, a, ctx, &["CSV", "TABLE"])?.as_str() {
        "CSV" => Format::Csv,
        _ => Format::Table,
    })
}
