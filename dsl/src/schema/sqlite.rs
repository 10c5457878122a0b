//! SQLite DDL: tables (foreign keys always inline: SQLite checks them only on writes), their
//! indexes, views and triggers. SQLite has one schema, `main`; objects it has no statement
//! for are errors at their blocks. Comments have no place in SQLite's catalog: they are
//! written as SQL comments in front of the statement, so they are shown, not dropped.

use super::model::{Column, Index, IndexTarget, Schema, Table, Timing, Trigger};
use super::render::{self, Ddl, Parts, default_sql, paren};
use super::types::sql_type;
use crate::source::Location;

pub(super) fn render(schema: &Schema, ddl: &mut Ddl) {
    // (assay) A lone schema of any name is the database's one schema, `main`, so one schema
    // file written for PostgreSQL's `public` (or MySQL's database) also serves SQLite.
    let lone = schema.schemas.len() == 1;
    for s in &schema.schemas {
        if s.name != "main" && !lone {
            ddl.error(
                &s.location,
                format!(
                    "schema \"{}\": SQLite has one schema, main; declare one schema (named \"main\", or any name for the database's own)",
                    s.name
                ),
            );
        }
        ddl.origin(&s.location, "schema", &s.name);
        comment(ddl, "schema", &s.name, s.comment.as_deref());
        if s.charset.is_some() || s.collate.is_some() {
            ddl.error(
                &s.location,
                "charset/collate are MySQL/MariaDB options; remove them",
            );
        }
    }
    unsupported(schema, ddl);
    // No deferral: SQLite accepts references to tables created later.
    let order = render::table_order(schema);
    let mut order = order.order;
    if order.len() != schema.tables.len() {
        order = (0..schema.tables.len()).collect();
    }
    for i in order {
        table(ddl, &schema.tables[i]);
    }
    match render::view_order(schema) {
        Ok(order) => {
            for i in order {
                let v = &schema.views[i];
                if v.materialized {
                    continue;
                }
                ddl.origin(&v.location, "view", &v.name.name);
                comment(ddl, "view", &v.name.name, v.comment.as_deref());
                let mut s = format!("CREATE VIEW {}", ddl.ident(&v.name.name));
                if !v.columns.is_empty() {
                    s.push_str(&format!(" ({})", ddl.idents(&v.columns)));
                }
                s.push_str(&format!(" AS {}", v.query));
                if v.check_option.is_some() || v.security.is_some() {
                    ddl.error(
                        &v.location,
                        format!("view \"{}\": check_option and security are not SQLite options; remove them", v.name.name),
                    );
                }
                ddl.stmt(s);
            }
        }
        Err(e) => ddl.errors.push(e),
    }
    for t in &schema.triggers {
        trigger(ddl, t);
    }
}

fn unsupported(schema: &Schema, ddl: &mut Ddl) {
    let mut err = |loc: &Location, what: &str, name: &str| {
        ddl.error(
            loc,
            format!("{what} \"{name}\": SQLite has no {what}s; remove the block or keep it in a PostgreSQL/MySQL schema"),
        );
    };
    for e in &schema.enums {
        err(&e.location, "enum", &e.name.name);
    }
    for d in &schema.domains {
        err(&d.location, "domain", &d.name.name);
    }
    for q in &schema.sequences {
        err(&q.location, "sequence", &q.name.name);
    }
    for x in &schema.extensions {
        err(&x.location, "extension", &x.name);
    }
    for v in schema.views.iter().filter(|v| v.materialized) {
        err(&v.location, "materialized view", &v.name.name);
    }
    for r in &schema.routines {
        let what = match r.kind {
            super::model::RoutineKind::Function => "function",
            super::model::RoutineKind::Procedure => "procedure",
        };
        err(&r.location, what, &r.name.name);
    }
}

/// A comment as an SQL comment line in front of the next statement.
fn comment(ddl: &mut Ddl, what: &str, name: &str, text: Option<&str>) {
    if let Some(c) = text {
        let one_line = c.replace(['\n', '\r'], " ");
        ddl.raw(format!("-- {what} {name}: {one_line}\n"));
    }
}

fn column(ddl: &mut Ddl, c: &Column, inline_pk: bool) -> Option<String> {
    let ty = sql_type(ddl, &c.ty, c.unsigned)?;
    let mut s = format!("{} {ty}", ddl.ident(&c.name));
    s.push_str(if c.null { " NULL" } else { " NOT NULL" });
    if inline_pk {
        s.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(
            " DEFAULT {}",
            default_sql(ddl.dialect, d, render::numeric_type(&ty))
        ));
    }
    if let Some(co) = &c.collate {
        s.push_str(&format!(" COLLATE {co}"));
    }
    if let Some(g) = &c.generated {
        if c.auto_increment {
            ddl.error(
                &c.location,
                format!(
                    "column \"{}\": auto_increment and a generation expression together; keep one",
                    c.name
                ),
            );
        }
        let storage = g.storage.as_deref().unwrap_or("VIRTUAL");
        s.push_str(&format!(" AS {} {storage}", paren(&g.expr)));
    }
    for (attr, set, hint) in [
        (
            "identity",
            c.identity.is_some(),
            "use auto_increment = true on an integer primary key",
        ),
        ("charset", c.charset.is_some(), "remove it"),
        ("on_update", c.on_update.is_some(), "use a trigger"),
    ] {
        if set {
            ddl.error(
                &c.location,
                format!(
                    "column \"{}\": `{attr}` is not a SQLite column option; {hint}",
                    c.name
                ),
            );
        }
    }
    Some(s)
}

fn table(ddl: &mut Ddl, t: &Table) {
    ddl.origin(&t.location, "table", &t.name.name);
    // `auto_increment` is SQLite's AUTOINCREMENT: only on the single-column integer key.
    let auto: Vec<&Column> = t.columns.iter().filter(|c| c.auto_increment).collect();
    let mut inline_pk = None;
    if let Some(c) = auto.first() {
        let single_pk = t
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == c.name);
        if auto.len() > 1 || !single_pk {
            ddl.error(
                &c.location,
                format!(
                    "column \"{}\": SQLite's AUTOINCREMENT needs the column to be the table's only primary key column (primary_key {{ columns = [column.{}] }})",
                    c.name, c.name
                ),
            );
        } else if t.without_rowid {
            ddl.error(
                &c.location,
                "AUTOINCREMENT is not allowed on a WITHOUT ROWID table",
            );
        } else {
            inline_pk = Some(c.name.clone());
        }
    }
    comment(ddl, "table", &t.name.name, t.comment.as_deref());
    for c in &t.columns {
        comment(
            ddl,
            "column",
            &format!("{}.{}", t.name.name, c.name),
            c.comment.as_deref(),
        );
    }
    let mut parts = Parts::default();
    for c in &t.columns {
        if let Some(s) = column(ddl, c, inline_pk.as_deref() == Some(c.name.as_str())) {
            parts.push(s, &c.location, "column", Some(&c.name));
        }
    }
    if let Some(pk) = &t.primary_key
        && inline_pk.is_none()
    {
        let s = match &pk.name {
            Some(n) => format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                ddl.ident(n),
                ddl.idents(&pk.columns)
            ),
            None => format!("PRIMARY KEY ({})", ddl.idents(&pk.columns)),
        };
        parts.push(s, &pk.location, "primary_key", None);
    }
    for fk in &t.foreign_keys {
        // SQLite names the parent table without its schema.
        let s = ddl.foreign_key(fk, &ddl.ident(&fk.ref_table.name));
        parts.push(s, &fk.location, "foreign_key", Some(&fk.name));
    }
    for c in &t.checks {
        if c.enforced.is_some() {
            ddl.error(&c.location, "check `enforced` is a MySQL option; remove it");
        }
        let s = match &c.name {
            Some(n) => format!("CONSTRAINT {} CHECK {}", ddl.ident(n), paren(&c.expr)),
            None => format!("CHECK {}", paren(&c.expr)),
        };
        parts.push(s, &c.location, "check", c.name.as_deref());
    }
    let mut s = format!("CREATE TABLE {} (", ddl.ident(&t.name.name));
    let within = parts.write(&mut s);
    s.push(')');
    let mut opts = Vec::new();
    if t.without_rowid {
        opts.push("WITHOUT ROWID");
    }
    if t.strict {
        opts.push("STRICT");
    }
    if !opts.is_empty() {
        s.push_str(&format!(" {}", opts.join(", ")));
    }
    for (attr, set) in [
        ("charset", t.charset.is_some()),
        ("collate", t.collate.is_some()),
        ("engine", t.engine.is_some()),
        ("auto_increment", t.auto_increment.is_some()),
        (
            "unique (use index { unique = true })",
            !t.uniques.is_empty(),
        ),
        ("partition", t.partition.is_some()),
    ] {
        if set {
            ddl.error(
                &t.location,
                format!(
                    "table \"{}\": `{attr}` is not a SQLite table option; remove it",
                    t.name.name
                ),
            );
        }
    }
    ddl.stmt_within(s, within);
    for i in &t.indexes {
        index(ddl, &t.name.name, i);
    }
}

fn index(ddl: &mut Ddl, table: &str, i: &Index) {
    ddl.origin(&i.location, "index", &i.name);
    comment(ddl, "index", &i.name, i.comment.as_deref());
    let mut s = String::from("CREATE ");
    if i.unique {
        s.push_str("UNIQUE ");
    }
    s.push_str(&format!(
        "INDEX {} ON {}",
        ddl.ident(&i.name),
        ddl.ident(table)
    ));
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            let mut x = match &p.target {
                IndexTarget::Column(c) => ddl.ident(c),
                IndexTarget::Expr(e) => paren(e),
            };
            if p.desc {
                x.push_str(" DESC");
            }
            x
        })
        .collect();
    s.push_str(&format!(" ({})", parts.join(", ")));
    if let Some(w) = &i.where_clause {
        s.push_str(&format!(" WHERE {w}"));
    }
    let pg = i
        .parts
        .iter()
        .any(|p| p.ops.is_some() || p.nulls_first.is_some() || p.prefix.is_some());
    if pg
        || i.method.is_some()
        || !i.include.is_empty()
        || i.nulls_distinct.is_some()
        || i.parser.is_some()
    {
        ddl.error(
            &i.location,
            format!(
                "index \"{}\": type, include, nulls_distinct, parser, ops, nulls_first/last and prefix are not SQLite index options; remove them",
                i.name
            ),
        );
    }
    ddl.stmt(s);
}

fn trigger(ddl: &mut Ddl, t: &Trigger) {
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
    if events.len() != 1 || t.truncate {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\": a SQLite trigger fires on exactly one of insert, update, update_of or delete; split it into one trigger per event",
                t.name
            ),
        );
        return;
    }
    let Some(body) = &t.body else {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\" needs `as` with its body: BEGIN … END",
                t.name
            ),
        );
        return;
    };
    for (attr, set) in [
        ("execute", t.execute.is_some()),
        ("follows/precedes", t.order.is_some()),
    ] {
        if set {
            ddl.error(
                &t.location,
                format!("trigger \"{}\": `{attr}` is not supported by SQLite triggers; write the body in `as`", t.name),
            );
        }
    }
    if t.for_each_row == Some(false) {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\": SQLite triggers are FOR EACH ROW only",
                t.name
            ),
        );
    }
    comment(ddl, "trigger", &t.name, t.comment.as_deref());
    let mut s = format!(
        "CREATE TRIGGER {} {timing} {} ON {}",
        ddl.ident(&t.name),
        events[0],
        ddl.ident(&t.on.name.name)
    );
    if t.for_each_row == Some(true) {
        s.push_str(" FOR EACH ROW");
    }
    if let Some(w) = &t.when {
        s.push_str(&format!(" WHEN {w}"));
    }
    let body = body.trim().trim_end_matches(';').trim_end();
    if body.to_ascii_uppercase().starts_with("BEGIN") {
        s.push_str(&format!(" {body}"));
    } else {
        // A single statement becomes the trigger's one-statement program.
        s.push_str(&format!(" BEGIN {body}; END"));
    }
    ddl.stmt(s);
}
