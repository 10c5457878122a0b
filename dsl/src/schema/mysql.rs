//! MySQL/MariaDB DDL: databases, tables with everything inline (columns, keys, indexes,
//! foreign keys, checks, options), deferred foreign keys, views, then functions, procedures
//! and triggers inside one `DELIMITER` section so their `;`-separated bodies stay whole.
//! PostgreSQL-only objects are errors at their blocks.

use super::model::{
    Column, Index, IndexTarget, Returns, Routine, RoutineKind, Schema, Table, Timing, Trigger,
};
use super::render::{self, Ddl, Parts, default_sql, paren};
use super::types::sql_type;

pub(super) fn render(schema: &Schema, ddl: &mut Ddl) {
    for s in &schema.schemas {
        ddl.origin(&s.location, "schema", &s.name);
        let mut opts = String::new();
        if let Some(c) = &s.charset {
            opts.push_str(&format!(" CHARACTER SET {c}"));
        }
        if let Some(c) = &s.collate {
            opts.push_str(&format!(" COLLATE {c}"));
        }
        if ddl.qualify {
            ddl.stmt(format!(
                "CREATE DATABASE IF NOT EXISTS {}{opts}",
                ddl.ident(&s.name)
            ));
        } else if !opts.is_empty() {
            // One schema is the connection's database.
            ddl.stmt(format!("ALTER DATABASE{opts}"));
        }
        if s.comment.is_some() {
            ddl.error(
                &s.location,
                "MySQL/MariaDB databases have no comments; remove `comment`",
            );
        }
    }
    pg_only(schema, ddl);

    let order = render::table_order(schema);
    for &i in &order.order {
        let skip: Vec<usize> = order
            .deferred
            .iter()
            .filter(|(t, _)| *t == i)
            .map(|(_, f)| *f)
            .collect();
        table(ddl, &schema.tables[i], &skip);
    }
    for &(ti, fi) in &order.deferred {
        let t = &schema.tables[ti];
        ddl.origin(&t.location, "table", &t.name.name);
        let fk = ddl.foreign_key(
            &t.foreign_keys[fi],
            &ddl.name(&t.foreign_keys[fi].ref_table),
        );
        ddl.stmt(format!("ALTER TABLE {} ADD {fk}", ddl.name(&t.name)));
    }
    match render::view_order(schema) {
        Ok(order) => {
            for i in order {
                let v = &schema.views[i];
                ddl.origin(&v.location, "view", &v.name.name);
                let mut s = String::from("CREATE ");
                if let Some(x) = &v.security {
                    s.push_str(&format!("SQL SECURITY {x} "));
                }
                s.push_str(&format!("VIEW {}", ddl.name(&v.name)));
                if !v.columns.is_empty() {
                    s.push_str(&format!(" ({})", ddl.idents(&v.columns)));
                }
                s.push_str(&format!(" AS {}", v.query));
                if let Some(o) = &v.check_option {
                    s.push_str(&format!(" WITH {o} CHECK OPTION"));
                }
                if v.comment.is_some() {
                    ddl.error(
                        &v.location,
                        format!(
                            "view \"{}\": MySQL/MariaDB views have no comments; remove `comment`",
                            v.name.name
                        ),
                    );
                }
                ddl.stmt(s);
            }
        }
        Err(e) => ddl.errors.push(e),
    }

    // Routine and trigger bodies hold `;`: one DELIMITER section keeps each statement whole,
    // with a delimiter no body contains.
    let mut compound = Vec::new();
    for r in &schema.routines {
        if let Some(s) = routine(ddl, r) {
            let block = match r.kind {
                RoutineKind::Function => "function",
                RoutineKind::Procedure => "procedure",
            };
            compound.push((&r.location, block, &r.name.name, s));
        }
    }
    for t in &schema.triggers {
        if let Some(s) = trigger(ddl, t) {
            compound.push((&t.location, "trigger", &t.name, s));
        }
    }
    if let Some((location, block, name, _)) = compound.first() {
        let delim = ["//", "$$", "@@", ";;", "//;//"]
            .into_iter()
            .find(|d| !compound.iter().any(|(.., s)| s.contains(d)))
            .unwrap_or("$$//$$");
        ddl.origin(location, block, name);
        ddl.raw(format!("DELIMITER {delim}\n"));
        for (location, block, name, s) in compound {
            ddl.origin(location, block, name);
            ddl.raw(format!("{s}\n{delim}\n"));
        }
        ddl.raw("DELIMITER ;\n");
    }
}

/// Objects MySQL has no statement for.
fn pg_only(schema: &Schema, ddl: &mut Ddl) {
    for e in &schema.enums {
        ddl.error(
            &e.location,
            format!(
                "enum \"{}\": MySQL/MariaDB has no enum types; write the values on the column: type = enum(\"a\", \"b\")",
                e.name.name
            ),
        );
    }
    for d in &schema.domains {
        ddl.error(
            &d.location,
            format!(
                "domain \"{}\": MySQL/MariaDB has no domains; use the base type and a check",
                d.name.name
            ),
        );
    }
    for q in &schema.sequences {
        ddl.error(
            &q.location,
            format!("sequence \"{}\": MySQL has no sequences (MariaDB's are not translated); use auto_increment = true", q.name.name),
        );
    }
    for x in &schema.extensions {
        ddl.error(
            &x.location,
            format!(
                "extension \"{}\": extensions are PostgreSQL-only; remove it",
                x.name
            ),
        );
    }
    for v in schema.views.iter().filter(|v| v.materialized) {
        ddl.error(
            &v.location,
            format!(
                "materialized \"{}\": MySQL/MariaDB has no materialized views; use a view or a table",
                v.name.name
            ),
        );
    }
}

fn column(ddl: &mut Ddl, c: &Column) -> Option<String> {
    let ty = sql_type(ddl, &c.ty, c.unsigned)?;
    let mut s = format!("{} {ty}", ddl.ident(&c.name));
    if let Some(cs) = &c.charset {
        s.push_str(&format!(" CHARACTER SET {cs}"));
    }
    if let Some(co) = &c.collate {
        s.push_str(&format!(" COLLATE {co}"));
    }
    if let Some(g) = &c.generated {
        let storage = g.storage.as_deref().unwrap_or("VIRTUAL");
        s.push_str(&format!(" AS {} {storage}", paren(&g.expr)));
        // MariaDB rejects NULL/NOT NULL on generated columns; MySQL makes them nullable.
    } else {
        s.push_str(if c.null { " NULL" } else { " NOT NULL" });
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(
            " DEFAULT {}",
            default_sql(ddl.dialect, d, render::numeric_type(&ty))
        ));
    }
    if c.auto_increment {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(u) = &c.on_update {
        s.push_str(&format!(" ON UPDATE {u}"));
    }
    if let Some(cm) = &c.comment {
        s.push_str(&format!(" COMMENT {}", ddl.string(cm)));
    }
    if c.identity.is_some() {
        ddl.error(
            &c.location,
            format!(
                "column \"{}\": `identity` is PostgreSQL; on MySQL/MariaDB use auto_increment = true",
                c.name
            ),
        );
    }
    Some(s)
}

fn index_clause(ddl: &mut Ddl, i: &Index) -> String {
    let method = i.method.as_deref().map(str::to_uppercase);
    let mut s = String::new();
    match method.as_deref() {
        Some("FULLTEXT") => s.push_str("FULLTEXT "),
        Some("SPATIAL") => s.push_str("SPATIAL "),
        _ if i.unique => s.push_str("UNIQUE "),
        _ => {}
    }
    s.push_str(&format!("INDEX {}", ddl.ident(&i.name)));
    let mut parts = Vec::new();
    for p in &i.parts {
        let mut x = match &p.target {
            IndexTarget::Column(c) => ddl.ident(c),
            IndexTarget::Expr(e) => paren(e),
        };
        if let Some(n) = p.prefix {
            if matches!(p.target, IndexTarget::Expr(_)) {
                ddl.error(
                    &i.location,
                    format!(
                        "index \"{}\": `prefix` applies to columns, not expressions",
                        i.name
                    ),
                );
            }
            x.push_str(&format!("({n})"));
        }
        if p.desc {
            x.push_str(" DESC");
        }
        if p.ops.is_some() || p.nulls_first.is_some() {
            ddl.error(
                &i.location,
                format!(
                    "index \"{}\": ops and nulls_first/nulls_last are PostgreSQL options; remove them",
                    i.name
                ),
            );
        }
        parts.push(x);
    }
    s.push_str(&format!(" ({})", parts.join(", ")));
    match method.as_deref() {
        Some("HASH") => s.push_str(" USING HASH"),
        Some("BTREE" | "FULLTEXT" | "SPATIAL") | None => {}
        Some(other) => ddl.error(
            &i.location,
            format!(
                "index \"{}\": type {other} is not a MySQL/MariaDB index type (BTREE, HASH, FULLTEXT, SPATIAL)",
                i.name
            ),
        ),
    }
    if let Some(c) = &i.comment {
        s.push_str(&format!(" COMMENT {}", ddl.string(c)));
    }
    if let Some(p) = &i.parser {
        s.push_str(&format!(" WITH PARSER {p}"));
    }
    for (attr, set) in [
        ("where", i.where_clause.is_some()),
        ("include", !i.include.is_empty()),
        ("nulls_distinct", i.nulls_distinct.is_some()),
    ] {
        if set {
            ddl.error(
                &i.location,
                format!(
                    "index \"{}\": `{attr}` is not supported by MySQL/MariaDB indexes; remove it",
                    i.name
                ),
            );
        }
    }
    s
}

fn table(ddl: &mut Ddl, t: &Table, deferred: &[usize]) {
    ddl.origin(&t.location, "table", &t.name.name);
    let mut parts = Parts::default();
    for c in &t.columns {
        if let Some(s) = column(ddl, c) {
            parts.push(s, &c.location, "column", Some(&c.name));
        }
    }
    if let Some(pk) = &t.primary_key {
        let s = format!("PRIMARY KEY ({})", ddl.idents(&pk.columns));
        parts.push(s, &pk.location, "primary_key", None);
    }
    for i in &t.indexes {
        let s = index_clause(ddl, i);
        parts.push(s, &i.location, "index", Some(&i.name));
    }
    for (i, fk) in t.foreign_keys.iter().enumerate() {
        if !deferred.contains(&i) {
            let s = ddl.foreign_key(fk, &ddl.name(&fk.ref_table));
            parts.push(s, &fk.location, "foreign_key", Some(&fk.name));
        }
    }
    for c in &t.checks {
        let mut s = match &c.name {
            Some(n) => format!("CONSTRAINT {} CHECK {}", ddl.ident(n), paren(&c.expr)),
            None => format!("CHECK {}", paren(&c.expr)),
        };
        if c.enforced == Some(false) {
            s.push_str(" NOT ENFORCED");
        }
        parts.push(s, &c.location, "check", c.name.as_deref());
    }
    let mut s = format!("CREATE TABLE {} (", ddl.name(&t.name));
    let within = parts.write(&mut s);
    s.push(')');
    if let Some(c) = &t.comment {
        s.push_str(&format!(" COMMENT {}", ddl.string(c)));
    }
    if let Some(c) = &t.charset {
        s.push_str(&format!(" CHARACTER SET {c}"));
    }
    if let Some(c) = &t.collate {
        s.push_str(&format!(" COLLATE {c}"));
    }
    if let Some(e) = &t.engine {
        s.push_str(&format!(" ENGINE {e}"));
    }
    if let Some(n) = t.auto_increment.filter(|n| *n > 1) {
        s.push_str(&format!(" AUTO_INCREMENT {n}"));
    }
    for (what, set, loc) in [
        (
            "unique blocks (PostgreSQL)",
            !t.uniques.is_empty(),
            t.uniques.first().map(|u| &u.location),
        ),
        (
            "partition (PostgreSQL)",
            t.partition.is_some(),
            t.partition.as_ref().map(|p| &p.location),
        ),
    ] {
        if set {
            ddl.error(
                loc.unwrap_or(&t.location),
                format!(
                    "table \"{}\": {what} are not translated for MySQL/MariaDB; use index {{ unique = true }} instead of unique, and write partitions in SQL",
                    t.name.name
                ),
            );
        }
    }
    if t.strict || t.without_rowid {
        ddl.error(
            &t.location,
            format!(
                "table \"{}\": strict/without_rowid are SQLite options; remove them",
                t.name.name
            ),
        );
    }
    ddl.stmt_within(s, within);
}

fn routine(ddl: &mut Ddl, r: &Routine) -> Option<String> {
    let what = match r.kind {
        RoutineKind::Function => "FUNCTION",
        RoutineKind::Procedure => "PROCEDURE",
    };
    let mut args = Vec::new();
    for a in &r.args {
        let ty = sql_type(ddl, &a.ty, false)?;
        let Some(name) = &a.name else {
            ddl.error(
                &r.location,
                format!(
                    "{} \"{}\": MySQL/MariaDB arguments need a name: arg \"name\" {{ … }}",
                    what.to_lowercase(),
                    r.name.name
                ),
            );
            return None;
        };
        let mut s = String::new();
        match (r.kind, a.mode.as_deref()) {
            (RoutineKind::Procedure, Some(m @ ("IN" | "OUT" | "INOUT"))) => {
                s.push_str(&format!("{m} "))
            }
            (_, None) | (RoutineKind::Function, Some("IN")) => {}
            (_, Some(m)) => ddl.error(
                &r.location,
                format!(
                    "{} \"{}\": argument mode {m} is not supported here by MySQL/MariaDB",
                    what.to_lowercase(),
                    r.name.name
                ),
            ),
        }
        s.push_str(&format!("{} {ty}", ddl.ident(name)));
        if a.default.is_some() {
            ddl.error(
                &r.location,
                "MySQL/MariaDB routine arguments have no defaults; remove `default`",
            );
        }
        args.push(s);
    }
    let mut s = format!("CREATE {what} {} ({})", ddl.name(&r.name), args.join(", "));
    if r.kind == RoutineKind::Function {
        match &r.returns {
            Some(Returns::Type(t)) => s.push_str(&format!(" RETURNS {}", sql_type(ddl, t, false)?)),
            Some(_) => ddl.error(
                &r.location,
                "MySQL/MariaDB functions return one value: use `return`, not return_set or return_table",
            ),
            None => ddl.error(
                &r.location,
                format!("function \"{}\" needs `return` (e.g. return = int)", r.name.name),
            ),
        }
    }
    if let Some(c) = &r.comment {
        s.push_str(&format!(" COMMENT {}", ddl.string(c)));
    }
    if let Some(l) = r.lang.as_deref().filter(|l| *l != "sql") {
        ddl.error(
            &r.location,
            format!("MySQL/MariaDB routines are written in SQL; remove `lang = {l}`"),
        );
    }
    match r.deterministic {
        Some(true) => s.push_str(" DETERMINISTIC"),
        Some(false) => s.push_str(" NOT DETERMINISTIC"),
        None => {}
    }
    if let Some(d) = &r.data_access {
        s.push_str(&format!(" {d}"));
    }
    if let Some(x) = &r.security {
        s.push_str(&format!(" SQL SECURITY {x}"));
    }
    for (attr, set) in [
        ("volatility", r.volatility.is_some()),
        ("strict", r.strict),
        ("leakproof", r.leakproof),
        ("parallel", r.parallel.is_some()),
    ] {
        if set {
            ddl.error(
                &r.location,
                format!("`{attr}` is a PostgreSQL routine option; on MySQL/MariaDB use deterministic / data_access"),
            );
        }
    }
    s.push_str(&format!(
        " {}",
        r.body.trim().trim_end_matches(';').trim_end()
    ));
    Some(s)
}

fn trigger(ddl: &mut Ddl, t: &Trigger) -> Option<String> {
    let timing = match t.timing {
        Timing::Before => "BEFORE",
        Timing::After => "AFTER",
        Timing::InsteadOf => {
            ddl.error(
                &t.location,
                format!(
                    "trigger \"{}\": MySQL/MariaDB triggers are BEFORE or AFTER",
                    t.name
                ),
            );
            return None;
        }
    };
    let events: Vec<&str> = [
        ("INSERT", t.insert),
        ("UPDATE", t.update || !t.update_of.is_empty()),
        ("DELETE", t.delete),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(e, _)| e)
    .collect();
    if events.len() != 1 || t.truncate || !t.update_of.is_empty() {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\": a MySQL/MariaDB trigger fires on exactly one of insert, update or delete (no truncate, no update_of); split it into one trigger per event",
                t.name
            ),
        );
        return None;
    }
    let Some(body) = &t.body else {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\" needs `as` with its body (e.g. BEGIN … END)",
                t.name
            ),
        );
        return None;
    };
    if t.for_each_row == Some(false) {
        ddl.error(
            &t.location,
            format!(
                "trigger \"{}\": MySQL/MariaDB triggers are FOR EACH ROW only",
                t.name
            ),
        );
    }
    for (attr, set) in [
        ("when", t.when.is_some()),
        ("execute", t.execute.is_some()),
        ("comment", t.comment.is_some()),
    ] {
        if set {
            ddl.error(
                &t.location,
                format!("trigger \"{}\": `{attr}` is not supported by MySQL/MariaDB triggers; remove it", t.name),
            );
        }
    }
    let mut s = format!(
        "CREATE TRIGGER {} {timing} {} ON {} FOR EACH ROW",
        ddl.ident(&t.name),
        events[0],
        ddl.name(&t.on.name)
    );
    if let Some((word, other)) = &t.order {
        s.push_str(&format!(" {word} {}", ddl.ident(other)));
    }
    s.push_str(&format!(
        " {}",
        body.trim().trim_end_matches(';').trim_end()
    ));
    Some(s)
}
