//! PostgreSQL functions, procedures and triggers, and where routines go among the other
//! statements (before the tables whose expressions call them, after the views they mention).

use super::model::{
    DefaultValue, IndexTarget, ObjectKind, Returns, Routine, RoutineKind, Schema, Timing, Trigger,
};
use super::render::{self, Ddl, default_sql, paren};
use super::types::sql_type;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    BeforeTables,
    BeforeViews,
    AfterViews,
}

pub(super) fn place(schema: &Schema, r: &Routine) -> Place {
    let name = &r.name.name;
    let depends_on_relation = r.depends_on.iter().any(|d| {
        matches!(
            d.kind,
            ObjectKind::Table | ObjectKind::View | ObjectKind::Materialized
        )
    });
    let used_by_tables =
        schema.tables.iter().any(|t| {
            t.depends_on.iter().any(|d| d.name == r.name) || t.columns.iter().any(|c| {
                c.generated
                    .as_ref()
                    .is_some_and(|g| render::calls(&g.expr, name))
                    || matches!(&c.default, Some(DefaultValue::Raw(d)) if render::calls(d, name))
            }) || t.checks.iter().any(|c| render::calls(&c.expr, name))
                || t.indexes.iter().any(|i| {
                    i.parts.iter().any(
                        |p| matches!(&p.target, IndexTarget::Expr(e) if render::calls(e, name)),
                    ) || i
                        .where_clause
                        .as_ref()
                        .is_some_and(|w| render::calls(w, name))
                })
        }) || schema.domains.iter().any(|d| {
            d.checks.iter().any(|c| render::calls(&c.expr, name))
                || matches!(&d.default, Some(DefaultValue::Raw(x)) if render::calls(x, name))
        });
    if used_by_tables && !depends_on_relation {
        return Place::BeforeTables;
    }
    let mentions_view = r
        .depends_on
        .iter()
        .any(|d| matches!(d.kind, ObjectKind::View | ObjectKind::Materialized))
        || schema
            .views
            .iter()
            .any(|v| render::mentions(&r.body, &v.name.name, false));
    if mentions_view {
        Place::AfterViews
    } else {
        Place::BeforeViews
    }
}

/// A dollar-quoted body, with a tag the body does not contain.
fn dollar_quote(body: &str) -> String {
    let mut tag = String::new();
    let mut n = 0;
    while body.contains(&format!("${tag}$")) {
        n += 1;
        tag = if n == 1 {
            "body".into()
        } else {
            format!("body{n}")
        };
    }
    format!("${tag}${body}${tag}$")
}

pub(super) fn routine(ddl: &mut Ddl, r: &Routine) {
    let what = match r.kind {
        RoutineKind::Function => "FUNCTION",
        RoutineKind::Procedure => "PROCEDURE",
    };
    ddl.origin(&r.location, &what.to_lowercase(), &r.name.name);
    let mut args = Vec::new();
    let mut arg_types = Vec::new();
    for a in &r.args {
        let Some(ty) = sql_type(ddl, &a.ty, false) else {
            continue;
        };
        let mut s = String::new();
        if let Some(m) = &a.mode {
            s.push_str(&format!("{m} "));
        }
        if let Some(n) = &a.name {
            s.push_str(&format!("{} ", ddl.ident(n)));
        }
        s.push_str(&ty);
        if let Some(d) = &a.default {
            s.push_str(&format!(
                " DEFAULT {}",
                default_sql(ddl.dialect, d, render::numeric_type(&ty))
            ));
        }
        if a.mode.as_deref() != Some("OUT") {
            arg_types.push(ty);
        }
        args.push(s);
    }
    let mut s = format!("CREATE {what} {} ({})", ddl.name(&r.name), args.join(", "));
    match &r.returns {
        Some(Returns::Type(t)) => {
            if let Some(t) = sql_type(ddl, t, false) {
                s.push_str(&format!(" RETURNS {t}"));
            }
        }
        Some(Returns::SetOf(t)) => {
            if let Some(t) = sql_type(ddl, t, false) {
                s.push_str(&format!(" RETURNS SETOF {t}"));
            }
        }
        Some(Returns::Table(cols)) => {
            let mut cs = Vec::new();
            for (n, t) in cols {
                if let Some(t) = sql_type(ddl, t, false) {
                    cs.push(format!("{} {t}", ddl.ident(n)));
                }
            }
            s.push_str(&format!(" RETURNS TABLE ({})", cs.join(", ")));
        }
        None => {
            let has_out = r
                .args
                .iter()
                .any(|a| matches!(a.mode.as_deref(), Some("OUT" | "INOUT")));
            if r.kind == RoutineKind::Function && !has_out {
                ddl.error(
                    &r.location,
                    format!(
                        "function \"{}\" needs `return` (e.g. return = int, or trigger for a trigger function)",
                        r.name.name
                    ),
                );
            }
        }
    }
    match &r.lang {
        Some(l) => s.push_str(&format!(" LANGUAGE {l}")),
        None => ddl.error(
            &r.location,
            format!(
                "{} \"{}\" needs `lang` (SQL or PLpgSQL)",
                what.to_lowercase(),
                r.name.name
            ),
        ),
    }
    if let Some(v) = &r.volatility {
        s.push_str(&format!(" {v}"));
    }
    if r.strict {
        s.push_str(" STRICT");
    }
    if let Some(x) = &r.security {
        s.push_str(&format!(" SECURITY {x}"));
    }
    if r.leakproof {
        s.push_str(" LEAKPROOF");
    }
    if let Some(p) = &r.parallel {
        s.push_str(&format!(" PARALLEL {p}"));
    }
    for (attr, set) in [
        ("deterministic", r.deterministic.is_some()),
        ("data_access", r.data_access.is_some()),
    ] {
        if set {
            ddl.error(
                &r.location,
                format!("`{attr}` is a MySQL/MariaDB routine option; on PostgreSQL use volatility"),
            );
        }
    }
    let body = r.body.trim();
    let upper = body.to_ascii_uppercase();
    if upper.starts_with("BEGIN ATOMIC") || upper.starts_with("RETURN ") {
        // An SQL-standard body is written in place of AS '…'.
        s.push_str(&format!(" {}", body.trim_end_matches(';')));
        if upper.starts_with("BEGIN ATOMIC") && !upper.trim_end_matches(';').ends_with("END") {
            s.push_str(" END");
        }
    } else {
        s.push_str(&format!(" AS {}", dollar_quote(&r.body)));
    }
    ddl.stmt(s);
    if let Some(c) = &r.comment {
        ddl.stmt(format!(
            "COMMENT ON {what} {}({}) IS {}",
            ddl.name(&r.name),
            arg_types.join(", "),
            ddl.string(c)
        ));
    }
}

pub(super) fn trigger(ddl: &mut Ddl, t: &Trigger) {
    ddl.origin(&t.location, "trigger", &t.name);
    let timing = match t.timing {
        Timing::Before => "BEFORE",
        Timing::After => "AFTER",
        Timing::InsteadOf => "INSTEAD OF",
    };
    let mut events = Vec::new();
    if t.insert {
        events.push("INSERT".to_string());
    }
    if t.update {
        events.push("UPDATE".to_string());
    }
    if !t.update_of.is_empty() {
        events.push(format!("UPDATE OF {}", ddl.idents(&t.update_of)));
    }
    if t.delete {
        events.push("DELETE".to_string());
    }
    if t.truncate {
        events.push("TRUNCATE".to_string());
    }
    let mut s = format!(
        "CREATE TRIGGER {} {timing} {} ON {}",
        ddl.ident(&t.name),
        events.join(" OR "),
        ddl.name(&t.on.name)
    );
    match t.for_each_row {
        Some(true) => s.push_str(" FOR EACH ROW"),
        Some(false) => s.push_str(" FOR EACH STATEMENT"),
        None => {}
    }
    if let Some(w) = &t.when {
        s.push_str(&format!(" WHEN {}", paren(w)));
    }
    match &t.execute {
        Some((f, args)) => {
            let args: Vec<String> = args.iter().map(|a| ddl.string(a)).collect();
            let word = if f.kind == ObjectKind::Procedure {
                "PROCEDURE"
            } else {
                "FUNCTION"
            };
            s.push_str(&format!(
                " EXECUTE {word} {}({})",
                ddl.name(&f.name),
                args.join(", ")
            ));
        }
        None => ddl.error(
            &t.location,
            format!(
                "trigger \"{}\": PostgreSQL triggers run a function; add execute {{ function = function.<name> }}",
                t.name
            ),
        ),
    }
    if t.body.is_some() {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\": `as` is for MySQL and SQLite trigger bodies; on PostgreSQL put the body in a function and use execute",
                t.name
            ),
        );
    }
    if t.order.is_some() {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\": follows/precedes are MySQL options; PostgreSQL fires triggers in name order",
                t.name
            ),
        );
    }
    ddl.stmt(s);
    if let Some(c) = &t.comment {
        ddl.stmt(format!(
            "COMMENT ON TRIGGER {} ON {} IS {}",
            ddl.ident(&t.name),
            ddl.name(&t.on.name),
            ddl.string(c)
        ));
    }
}
