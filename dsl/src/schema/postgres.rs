//! PostgreSQL DDL: schemas, extensions, enums and domains, sequences, the functions tables
//! need, tables (with their indexes and comments), deferred foreign keys, sequence owners,
//! views and materialized views, the other routines, triggers. Routines and
//! triggers are written by `postgres_routines`.

use super::model::{Check, Column, Index, IndexTarget, Schema, Table, TypeKind};
use super::postgres_routines::{Place, place, routine, trigger};
use super::render::{self, Ddl, Parts, default_sql, paren};
use super::types::sql_type;

pub(super) fn render(schema: &Schema, ddl: &mut Ddl) {
    for s in &schema.schemas {
        ddl.origin(&s.location, "schema", &s.name);
        if ddl.qualify {
            ddl.stmt(format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                ddl.ident(&s.name)
            ));
        }
        if let Some(c) = &s.comment {
            ddl.stmt(format!(
                "COMMENT ON SCHEMA {} IS {}",
                ddl.ident(&s.name),
                ddl.string(c)
            ));
        }
        if s.charset.is_some() || s.collate.is_some() {
            ddl.error(
                &s.location,
                "schema charset/collate are MySQL/MariaDB options; PostgreSQL sets them per database — remove them",
            );
        }
    }
    for e in extensions_in_order(schema) {
        ddl.origin(&e.location, "extension", &e.name);
        let mut s = format!("CREATE EXTENSION IF NOT EXISTS {}", ddl.ident(&e.name));
        if let Some(sc) = &e.schema {
            s.push_str(&format!(" WITH SCHEMA {}", ddl.ident(sc)));
        }
        if let Some(v) = &e.version {
            s.push_str(&format!(" VERSION {}", ddl.string(v)));
        }
        ddl.stmt(s);
    }
    for e in &schema.enums {
        ddl.origin(&e.location, "enum", &e.name.name);
        let values: Vec<String> = e.values.iter().map(|v| ddl.string(v)).collect();
        ddl.stmt(format!(
            "CREATE TYPE {} AS ENUM ({})",
            ddl.name(&e.name),
            values.join(", ")
        ));
        if let Some(c) = &e.comment {
            ddl.stmt(format!(
                "COMMENT ON TYPE {} IS {}",
                ddl.name(&e.name),
                ddl.string(c)
            ));
        }
    }
    domains(schema, ddl);
    for q in &schema.sequences {
        ddl.origin(&q.location, "sequence", &q.name.name);
        let mut s = format!("CREATE SEQUENCE {}", ddl.name(&q.name));
        if let Some(t) = &q.ty
            && let Some(t) = sql_type(ddl, t, false)
        {
            s.push_str(&format!(" AS {t}"));
        }
        for (word, v) in [
            ("INCREMENT BY", q.increment),
            ("MINVALUE", q.min_value),
            ("MAXVALUE", q.max_value),
            ("START WITH", q.start),
            ("CACHE", q.cache),
        ] {
            if let Some(v) = v {
                s.push_str(&format!(" {word} {v}"));
            }
        }
        if q.cycle {
            s.push_str(" CYCLE");
        }
        ddl.stmt(s);
        if let Some(c) = &q.comment {
            ddl.stmt(format!(
                "COMMENT ON SEQUENCE {} IS {}",
                ddl.name(&q.name),
                ddl.string(c)
            ));
        }
    }

    // Routines are placed by what needs them: before tables when a table's expressions call
    // them, after views when they mention a view, otherwise between tables and views.
    let placement: Vec<Place> = schema.routines.iter().map(|r| place(schema, r)).collect();
    for (r, _) in schema
        .routines
        .iter()
        .zip(&placement)
        .filter(|(_, p)| **p == Place::BeforeTables)
    {
        routine(ddl, r);
    }

    let order = render::table_order(schema);
    for &i in &order.order {
        let t = &schema.tables[i];
        let skip: Vec<usize> = order
            .deferred
            .iter()
            .filter(|(ti, _)| *ti == i)
            .map(|(_, f)| *f)
            .collect();
        table(ddl, t, &skip);
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
    for q in &schema.sequences {
        if let Some((t, c)) = &q.owner {
            ddl.origin(&q.location, "sequence", &q.name.name);
            ddl.stmt(format!(
                "ALTER SEQUENCE {} OWNED BY {}.{}",
                ddl.name(&q.name),
                ddl.name(t),
                ddl.ident(c)
            ));
        }
    }
    for (r, _) in schema
        .routines
        .iter()
        .zip(&placement)
        .filter(|(_, p)| **p == Place::BeforeViews)
    {
        routine(ddl, r);
    }
    match render::view_order(schema) {
        Ok(order) => {
            for i in order {
                view(ddl, &schema.views[i]);
            }
        }
        Err(e) => ddl.errors.push(e),
    }
    for (r, _) in schema
        .routines
        .iter()
        .zip(&placement)
        .filter(|(_, p)| **p == Place::AfterViews)
    {
        routine(ddl, r);
    }
    for t in &schema.triggers {
        trigger(ddl, t);
    }
}

fn extensions_in_order(schema: &Schema) -> Vec<&super::model::Extension> {
    let deps: Vec<Vec<usize>> = schema
        .extensions
        .iter()
        .map(|e| {
            e.depends_on
                .iter()
                .filter_map(|d| schema.extensions.iter().position(|x| x.name == d.name.name))
                .collect()
        })
        .collect();
    let order = render::topo(&deps).unwrap_or_else(|_| (0..deps.len()).collect());
    order.into_iter().map(|i| &schema.extensions[i]).collect()
}

fn domains(schema: &Schema, ddl: &mut Ddl) {
    // A domain over another domain comes after it.
    let deps: Vec<Vec<usize>> = schema
        .domains
        .iter()
        .map(|d| match &d.ty.kind {
            TypeKind::Object(o) => schema
                .domains
                .iter()
                .position(|x| x.name == o.name)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let order = render::topo(&deps).unwrap_or_else(|_| (0..deps.len()).collect());
    for i in order {
        let d = &schema.domains[i];
        ddl.origin(&d.location, "domain", &d.name.name);
        let Some(ty) = sql_type(ddl, &d.ty, false) else {
            continue;
        };
        let mut s = format!("CREATE DOMAIN {} AS {ty}", ddl.name(&d.name));
        if let Some(def) = &d.default {
            s.push_str(&format!(
                " DEFAULT {}",
                default_sql(ddl.dialect, def, render::numeric_type(&ty))
            ));
        }
        if !d.null {
            s.push_str(" NOT NULL");
        }
        for c in &d.checks {
            s.push_str(&format!(" {}", check_clause(ddl, c)));
        }
        ddl.stmt(s);
        if let Some(c) = &d.comment {
            ddl.stmt(format!(
                "COMMENT ON DOMAIN {} IS {}",
                ddl.name(&d.name),
                ddl.string(c)
            ));
        }
    }
}

fn check_clause(ddl: &mut Ddl, c: &Check) -> String {
    if c.enforced.is_some() {
        ddl.error(
            &c.location,
            "check `enforced` is a MySQL option; PostgreSQL checks are always enforced — remove it",
        );
    }
    match &c.name {
        Some(n) => format!("CONSTRAINT {} CHECK {}", ddl.ident(n), paren(&c.expr)),
        None => format!("CHECK {}", paren(&c.expr)),
    }
}

fn column(ddl: &mut Ddl, c: &Column) -> Option<String> {
    let ty = sql_type(ddl, &c.ty, c.unsigned)?;
    let mut s = format!("{} {ty}", ddl.ident(&c.name));
    if ty.ends_with("serial") && c.null {
        ddl.error(
            &c.location,
            format!(
                "column \"{}\": a serial column is NOT NULL; remove `null = true`",
                c.name
            ),
        );
    }
    s.push_str(if c.null { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default {
        s.push_str(&format!(
            " DEFAULT {}",
            default_sql(ddl.dialect, d, render::numeric_type(&ty))
        ));
    }
    if let Some(co) = &c.collate {
        s.push_str(&format!(" COLLATE {}", ddl.ident(co)));
    }
    if let Some(id) = &c.identity {
        s.push_str(&format!(" GENERATED {} AS IDENTITY", id.generated));
        let mut opts = Vec::new();
        if let Some(v) = id.start.filter(|v| *v != 1) {
            opts.push(format!("START WITH {v}"));
        }
        if let Some(v) = id.increment.filter(|v| *v != 1) {
            opts.push(format!("INCREMENT BY {v}"));
        }
        if !opts.is_empty() {
            s.push_str(&format!(" ({})", opts.join(" ")));
        }
    }
    if let Some(g) = &c.generated {
        if g.storage.as_deref() == Some("VIRTUAL") {
            ddl.error(
                &c.location,
                format!(
                    "column \"{}\": PostgreSQL generated columns are STORED; remove `type = VIRTUAL`",
                    c.name
                ),
            );
        }
        s.push_str(&format!(" GENERATED ALWAYS AS {} STORED", paren(&g.expr)));
    }
    let mysql_only = [
        ("auto_increment", c.auto_increment),
        ("charset", c.charset.is_some()),
        ("on_update", c.on_update.is_some()),
    ];
    for (attr, set) in mysql_only {
        if set {
            let hint = if attr == "auto_increment" {
                "use identity { generated = ALWAYS } or type = serial"
            } else {
                "remove it"
            };
            ddl.error(
                &c.location,
                format!(
                    "column \"{}\": `{attr}` is a MySQL/MariaDB attribute; on PostgreSQL {hint}",
                    c.name
                ),
            );
        }
    }
    Some(s)
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
    for u in &t.uniques {
        let mut s = format!("CONSTRAINT {} UNIQUE", ddl.ident(&u.name));
        if u.nulls_distinct == Some(false) {
            s.push_str(" NULLS NOT DISTINCT");
        }
        s.push_str(&format!(" ({})", ddl.idents(&u.columns)));
        if !u.include.is_empty() {
            s.push_str(&format!(" INCLUDE ({})", ddl.idents(&u.include)));
        }
        parts.push(s, &u.location, "unique", Some(&u.name));
    }
    for (i, fk) in t.foreign_keys.iter().enumerate() {
        if !deferred.contains(&i) {
            let s = ddl.foreign_key(fk, &ddl.name(&fk.ref_table));
            parts.push(s, &fk.location, "foreign_key", Some(&fk.name));
        }
    }
    for c in &t.checks {
        let s = check_clause(ddl, c);
        parts.push(s, &c.location, "check", c.name.as_deref());
    }
    let mut s = format!("CREATE TABLE {} (", ddl.name(&t.name));
    let within = parts.write(&mut s);
    s.push(')');
    if let Some(p) = &t.partition {
        let targets: Vec<String> = p
            .parts
            .iter()
            .map(|x| match x {
                IndexTarget::Column(c) => ddl.ident(c),
                IndexTarget::Expr(e) => paren(e),
            })
            .collect();
        s.push_str(&format!(
            " PARTITION BY {} ({})",
            p.method,
            targets.join(", ")
        ));
    }
    let other = [
        ("charset", t.charset.is_some()),
        ("collate", t.collate.is_some()),
        ("engine", t.engine.is_some()),
        ("auto_increment", t.auto_increment.is_some()),
        ("strict", t.strict),
        ("without_rowid", t.without_rowid),
    ];
    for (attr, set) in other {
        if set {
            ddl.error(
                &t.location,
                format!(
                    "table \"{}\": `{attr}` is not a PostgreSQL table option; remove it",
                    t.name.name
                ),
            );
        }
    }
    ddl.stmt_within(s, within);
    for i in &t.indexes {
        index(ddl, &t.name, i);
    }
    ddl.origin(&t.location, "table", &t.name.name);
    if let Some(c) = &t.comment {
        ddl.stmt(format!(
            "COMMENT ON TABLE {} IS {}",
            ddl.name(&t.name),
            ddl.string(c)
        ));
    }
    for c in &t.columns {
        if let Some(cm) = &c.comment {
            ddl.stmt(format!(
                "COMMENT ON COLUMN {}.{} IS {}",
                ddl.name(&t.name),
                ddl.ident(&c.name),
                ddl.string(cm)
            ));
        }
    }
}

fn index(ddl: &mut Ddl, on: &super::model::QualifiedName, i: &Index) {
    ddl.origin(&i.location, "index", &i.name);
    let mut s = String::from("CREATE ");
    if i.unique {
        s.push_str("UNIQUE ");
    }
    s.push_str(&format!("INDEX {} ON {}", ddl.ident(&i.name), ddl.name(on)));
    if let Some(m) = i
        .method
        .as_deref()
        .filter(|m| !m.eq_ignore_ascii_case("btree"))
    {
        s.push_str(&format!(" USING {}", m.to_uppercase()));
    }
    let mut parts = Vec::new();
    for p in &i.parts {
        let mut x = match &p.target {
            IndexTarget::Column(c) => ddl.ident(c),
            IndexTarget::Expr(e) => paren(e),
        };
        if let Some(o) = &p.ops {
            x.push_str(&format!(" {o}"));
        }
        if p.desc {
            x.push_str(" DESC");
        }
        match (p.desc, p.nulls_first) {
            (false, Some(true)) => x.push_str(" NULLS FIRST"),
            (true, Some(false)) => x.push_str(" NULLS LAST"),
            _ => {}
        }
        if p.prefix.is_some() {
            ddl.error(
                &i.location,
                format!(
                    "index \"{}\": `prefix` is a MySQL option; on PostgreSQL index an expression such as left(c, 10)",
                    i.name
                ),
            );
        }
        parts.push(x);
    }
    s.push_str(&format!(" ({})", parts.join(", ")));
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", ddl.idents(&i.include)));
    }
    if i.nulls_distinct == Some(false) {
        s.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(w) = &i.where_clause {
        s.push_str(&format!(" WHERE {}", paren(w)));
    }
    if i.parser.is_some() {
        ddl.error(
            &i.location,
            format!(
                "index \"{}\": `parser` is a MySQL FULLTEXT option; remove it",
                i.name
            ),
        );
    }
    ddl.stmt(s);
    if let Some(c) = &i.comment {
        let name = super::model::QualifiedName {
            schema: on.schema.clone(),
            name: i.name.clone(),
        };
        ddl.stmt(format!(
            "COMMENT ON INDEX {} IS {}",
            ddl.name(&name),
            ddl.string(c)
        ));
    }
}

fn view(ddl: &mut Ddl, v: &super::model::View) {
    let block = if v.materialized {
        "materialized"
    } else {
        "view"
    };
    ddl.origin(&v.location, block, &v.name.name);
    let kind = if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    let mut s = format!("CREATE {kind} {}", ddl.name(&v.name));
    if !v.columns.is_empty() {
        s.push_str(&format!(" ({})", ddl.idents(&v.columns)));
    }
    s.push_str(&format!(" AS {}", v.query));
    if let Some(o) = &v.check_option {
        s.push_str(&format!(" WITH {o} CHECK OPTION"));
    }
    if v.security.is_some() {
        ddl.error(
            &v.location,
            format!(
                "view \"{}\": `security` is a MySQL option; remove it (PostgreSQL views use security_invoker options in SQL)",
                v.name.name
            ),
        );
    }
    ddl.stmt(s);
    for i in &v.indexes {
        index(ddl, &v.name, i);
    }
    ddl.origin(&v.location, block, &v.name.name);
    if let Some(c) = &v.comment {
        ddl.stmt(format!(
            "COMMENT ON {kind} {} IS {}",
            ddl.name(&v.name),
            ddl.string(c)
        ));
    }
}
