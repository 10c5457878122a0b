//! Decoding `function`, `procedure` and `trigger` blocks: arguments, return types, bodies,
//! events and the function a trigger executes.

use hcl::edit::structure::Block;

use super::model::{
    Arg, ObjectKind, QualifiedName, Returns, Routine, RoutineKind, Timing, Trigger,
};
use super::refs::Refs;
use super::tables::{depends_on, label, resolve_type};
use super::values::{Reader, Scope};
use crate::source::Error;

pub(super) fn routine(
    scope: &Scope<'_>,
    b: &Block,
    name: QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Option<Routine> {
    let kind = if b.ident.as_str() == "function" {
        RoutineKind::Function
    } else {
        RoutineKind::Procedure
    };
    let r = Reader::new(
        scope,
        b,
        &[
            "schema",
            "lang",
            "as",
            "return",
            "return_set",
            "volatility",
            "strict",
            "security",
            "leakproof",
            "parallel",
            "deterministic",
            "data_access",
            "comment",
            "depends_on",
            "for_each",
        ],
        &["arg", "return_table"],
        errors,
    );
    if kind == RoutineKind::Procedure {
        for a in [
            "return",
            "return_set",
            "volatility",
            "strict",
            "leakproof",
            "parallel",
            "deterministic",
        ] {
            if r.has(a) {
                errors.push(Error::new(
                    r.attr_location(a),
                    format!("`{a}` is for functions; a procedure has none"),
                ));
            }
        }
    }
    let mut args = Vec::new();
    for ab in r.children("arg") {
        let ar = Reader::new(
            scope,
            ab,
            &["type", "mode", "default", "charset", "collate"],
            &[],
            errors,
        );
        ar.not_translated(&["charset", "collate"], errors);
        if ab.labels.len() > 1 {
            errors.push(ar.error("arg blocks take at most one label: arg \"name\" { … }"));
        }
        let Some(ty) = ar
            .ty("type", errors)
            .and_then(|t| resolve_type(t, refs, errors))
        else {
            if !ar.has("type") {
                errors.push(ar.error(format!("{} needs `type`", ar.what())));
            }
            continue;
        };
        args.push(Arg {
            name: ab.labels.first().map(|l| l.as_str().to_string()),
            ty,
            mode: ar.keyword("mode", &["IN", "OUT", "INOUT", "VARIADIC"], errors),
            default: ar.default_value("default", errors),
        });
    }
    let mut returns = Vec::new();
    if let Some(t) = r
        .ty("return", errors)
        .and_then(|t| resolve_type(t, refs, errors))
    {
        returns.push(Returns::Type(t));
    }
    if let Some(t) = r
        .ty("return_set", errors)
        .and_then(|t| resolve_type(t, refs, errors))
    {
        returns.push(Returns::SetOf(t));
    }
    for rt in r.children("return_table") {
        let rr = Reader::new(scope, rt, &[], &["column"], errors);
        let mut cols = Vec::new();
        for c in rr.children("column") {
            let cr = Reader::new(scope, c, &["type"], &[], errors);
            let (Some(n), Some(t)) = (
                label(&cr, c, errors),
                cr.ty("type", errors)
                    .and_then(|t| resolve_type(t, refs, errors)),
            ) else {
                continue;
            };
            cols.push((n, t));
        }
        returns.push(Returns::Table(cols));
    }
    if returns.len() > 1 {
        errors.push(r.error(format!(
            "{}: set one of `return`, `return_set` or `return_table`",
            r.what()
        )));
    }
    Some(Routine {
        kind,
        args,
        returns: returns.into_iter().next(),
        lang: r.ident("lang", errors).map(|l| l.to_lowercase()),
        body: r.required_string("as", errors)?,
        volatility: r.keyword("volatility", &["VOLATILE", "STABLE", "IMMUTABLE"], errors),
        strict: r.bool("strict", errors).unwrap_or(false),
        security: r.keyword("security", &["DEFINER", "INVOKER"], errors),
        leakproof: r.bool("leakproof", errors).unwrap_or(false),
        parallel: r.keyword("parallel", &["SAFE", "UNSAFE", "RESTRICTED"], errors),
        deterministic: r.bool("deterministic", errors),
        data_access: r.keyword(
            "data_access",
            &[
                "CONTAINS_SQL",
                "NO_SQL",
                "READS_SQL_DATA",
                "MODIFIES_SQL_DATA",
            ],
            errors,
        ),
        comment: r.string("comment", errors),
        depends_on: depends_on(&r, refs, errors),
        location: r.location(),
        name,
    })
}

pub(super) fn trigger(
    scope: &Scope<'_>,
    b: &Block,
    name: QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Option<Trigger> {
    let r = Reader::new(
        scope,
        b,
        &[
            "on", "for", "foreach", "when", "as", "follows", "precedes", "comment", "for_each",
        ],
        &["before", "after", "instead_of", "execute"],
        errors,
    );
    let Some(on_addr) = r.reference("on", errors) else {
        if !r.has("on") {
            errors.push(r.error(format!(
                "{} needs `on = table.<name>` (or a view)",
                r.what()
            )));
        }
        return None;
    };
    let on = match refs.object(
        &on_addr,
        &[
            ObjectKind::Table,
            ObjectKind::View,
            ObjectKind::Materialized,
        ],
    ) {
        Ok(o) => o,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let mut timing = None;
    let (mut insert, mut update, mut delete, mut truncate) = (false, false, false, false);
    let mut update_of = Vec::new();
    for (ident, t) in [
        ("before", Timing::Before),
        ("after", Timing::After),
        ("instead_of", Timing::InsteadOf),
    ] {
        for eb in r.children(ident) {
            let er = Reader::new(
                scope,
                eb,
                &["insert", "update", "delete", "truncate", "update_of"],
                &[],
                errors,
            );
            if timing.is_some() {
                errors.push(er.error(format!(
                    "{}: set exactly one of before, after or instead_of",
                    r.what()
                )));
            }
            timing = Some(t);
            insert = er.bool("insert", errors).unwrap_or(false);
            update = er.bool("update", errors).unwrap_or(false);
            delete = er.bool("delete", errors).unwrap_or(false);
            truncate = er.bool("truncate", errors).unwrap_or(false);
            for addr in er.references("update_of", errors) {
                match refs.column(&addr, Some(&on.name)) {
                    Ok((_, c)) => update_of.push(c),
                    Err(e) => errors.push(e),
                }
            }
            if update && !update_of.is_empty() {
                errors.push(er.error("set `update` or `update_of`, not both"));
            }
            if !(insert || update || delete || truncate || !update_of.is_empty()) {
                errors.push(er.error(format!(
                    "{}: name at least one event: insert, update, delete, truncate = true or update_of = […]",
                    r.what()
                )));
            }
        }
    }
    let Some(timing) = timing else {
        errors.push(r.error(format!(
            "{} needs one of before {{ … }}, after {{ … }} or instead_of {{ … }}",
            r.what()
        )));
        return None;
    };
    if r.has("for") && r.has("foreach") {
        errors.push(r.error("set `for` or `foreach`, not both"));
    }
    let for_attr = if r.has("foreach") { "foreach" } else { "for" };
    let for_each_row = r
        .keyword(for_attr, &["ROW", "STATEMENT"], errors)
        .map(|k| k == "ROW");
    let mut execute = None;
    for xb in r.children("execute") {
        let xr = Reader::new(scope, xb, &["function", "procedure", "args"], &[], errors);
        let which = if xr.has("procedure") {
            "procedure"
        } else {
            "function"
        };
        let Some(addr) = xr.reference(which, errors) else {
            errors.push(xr.error("execute needs `function = function.<name>`"));
            continue;
        };
        match refs.object(&addr, &[ObjectKind::Function, ObjectKind::Procedure]) {
            Ok(f) => execute = Some((f, xr.strings("args", errors))),
            Err(e) => errors.push(e),
        }
    }
    let mut order = None;
    for (attr, word) in [("follows", "FOLLOWS"), ("precedes", "PRECEDES")] {
        if let Some(addr) = r.reference(attr, errors) {
            match addr.path.as_slice() {
                [root, n] if root == "trigger" => order = Some((word.to_string(), n.clone())),
                _ => errors.push(Error::new(
                    addr.location.clone(),
                    format!("{attr}: expected trigger.<name>, got `{}`", addr.show()),
                )),
            }
        }
    }
    Some(Trigger {
        name: name.name,
        on,
        timing,
        insert,
        update,
        delete,
        truncate,
        update_of,
        for_each_row,
        when: r.string("when", errors),
        execute,
        body: r.string("as", errors),
        order,
        comment: r.string("comment", errors),
        location: r.location(),
    })
}
