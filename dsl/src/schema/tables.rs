//! `table` blocks: columns and their types, defaults, identity and generated columns; primary
//! keys, indexes, foreign keys, checks, PostgreSQL `unique` and `partition`.

use hcl::edit::structure::Block;

use super::model::{
    Check, Column, ForeignKey, Generated, Identity, Index, IndexPart, IndexTarget, ObjectKind,
    Partition, PrimaryKey, QualifiedName, Table, Type, TypeKind, Unique,
};
use super::refs::Refs;
use super::values::{Reader, Scope, TypeOrRef};
use crate::source::Error;

const TABLE_ATTRS: &[&str] = &[
    "schema",
    "comment",
    "depends_on",
    "charset",
    "collate",
    "collation",
    "engine",
    "auto_increment",
    "strict",
    "without_rowid",
    "for_each",
];
const TABLE_BLOCKS: &[&str] = &[
    "column",
    "primary_key",
    "index",
    "foreign_key",
    "check",
    "unique",
    "partition",
];
const COLUMN_ATTRS: &[&str] = &[
    "type",
    "null",
    "default",
    "comment",
    "as",
    "auto_increment",
    "unsigned",
    "charset",
    "collate",
    "collation",
    "on_update",
];
pub(super) const FK_ACTIONS: &[&str] = &[
    "NO_ACTION",
    "RESTRICT",
    "CASCADE",
    "SET_NULL",
    "SET_DEFAULT",
];

pub(super) fn table(
    scope: &Scope<'_>,
    b: &Block,
    name: QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Table {
    let r = Reader::new(scope, b, TABLE_ATTRS, TABLE_BLOCKS, errors);
    let mut t = Table {
        columns: Vec::new(),
        primary_key: None,
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        uniques: Vec::new(),
        comment: r.string("comment", errors),
        depends_on: depends_on(&r, refs, errors),
        charset: r.string("charset", errors),
        collate: r
            .string("collate", errors)
            .or_else(|| r.string("collation", errors)),
        engine: r.ident("engine", errors),
        auto_increment: r.int("auto_increment", errors),
        strict: r.bool("strict", errors).unwrap_or(false),
        without_rowid: r.bool("without_rowid", errors).unwrap_or(false),
        partition: None,
        location: r.location(),
        name,
    };
    for c in r.children("column") {
        if let Some(col) = column(scope, c, refs, errors) {
            if t.columns.iter().any(|x| x.name == col.name) {
                errors.push(Error::new(
                    col.location.clone(),
                    format!("column \"{}\" is declared twice in {}", col.name, r.what()),
                ));
            }
            t.columns.push(col);
        }
    }
    for pk in r.children("primary_key") {
        let pr = Reader::new(scope, pk, &["columns", "comment", "type"], &[], errors);
        pr.not_translated(&["comment", "type"], errors);
        if t.primary_key.is_some() {
            errors.push(pr.error(format!("{} has two primary_key blocks; keep one", r.what())));
        }
        let columns = columns(&pr, "columns", &t.name, refs, errors);
        if columns.is_empty() && !pr.has("columns") {
            errors.push(pr.error("primary_key needs `columns = [column.…]`"));
        }
        t.primary_key = Some(PrimaryKey {
            name: pk.labels.first().map(|l| l.as_str().to_string()),
            columns,
            location: pr.location(),
        });
    }
    for ib in r.children("index") {
        if let Some(i) = index(scope, ib, &t.name, refs, errors) {
            t.indexes.push(i);
        }
    }
    for fb in r.children("foreign_key") {
        if let Some(fk) = foreign_key(scope, fb, &t.name, refs, errors) {
            t.foreign_keys.push(fk);
        }
    }
    for cb in r.children("check") {
        if let Some(c) = check(scope, cb, errors) {
            t.checks.push(c);
        }
    }
    for ub in r.children("unique") {
        let ur = Reader::new(
            scope,
            ub,
            &["columns", "include", "nulls_distinct", "comment"],
            &[],
            errors,
        );
        ur.not_translated(&["comment"], errors);
        let Some(name) = label(&ur, ub, errors) else {
            continue;
        };
        t.uniques.push(Unique {
            name,
            columns: columns(&ur, "columns", &t.name, refs, errors),
            include: columns(&ur, "include", &t.name, refs, errors),
            nulls_distinct: ur.bool("nulls_distinct", errors),
            location: ur.location(),
        });
    }
    for pb in r.children("partition") {
        let pr = Reader::new(scope, pb, &["type", "columns"], &["by"], errors);
        let method = pr
            .keyword("type", &["RANGE", "LIST", "HASH"], errors)
            .unwrap_or_default();
        if !pr.has("type") {
            errors.push(pr.error("partition needs `type = RANGE|LIST|HASH`"));
        }
        let mut parts: Vec<IndexTarget> = columns(&pr, "columns", &t.name, refs, errors)
            .into_iter()
            .map(IndexTarget::Column)
            .collect();
        for by in pr.children("by") {
            let br = Reader::new(scope, by, &["column", "expr"], &[], errors);
            if let Some(target) = part_target(&br, &t.name, refs, errors) {
                parts.push(target);
            }
        }
        if parts.is_empty() {
            errors
                .push(pr.error("partition needs `columns = […]` or `by { column | expr }` blocks"));
        }
        t.partition = Some(Partition {
            method,
            parts,
            location: pr.location(),
        });
    }
    t
}

/// A column of a table (also used for the columns of views, which keep only their names).
fn column(scope: &Scope<'_>, b: &Block, refs: &Refs, errors: &mut Vec<Error>) -> Option<Column> {
    let r = Reader::new(scope, b, COLUMN_ATTRS, &["identity", "as"], errors);
    let name = label(&r, b, errors)?;
    let ty = match r.ty("type", errors) {
        Some(t) => resolve_type(t, refs, errors)?,
        None => {
            if !r.has("type") {
                errors.push(r.error(format!("{} needs `type` (e.g. type = int)", r.what())));
            }
            return None;
        }
    };
    let mut generated = None;
    if r.has("as") {
        generated = r.string("as", errors).map(|expr| Generated {
            expr,
            storage: None,
        });
    }
    for ab in r.children("as") {
        let ar = Reader::new(scope, ab, &["expr", "type"], &[], errors);
        if generated.is_some() {
            errors.push(ar.error(format!(
                "{} has two `as` definitions; keep the attribute or the block",
                r.what()
            )));
        }
        let storage = ar
            .keyword("type", &["STORED", "VIRTUAL", "PERSISTENT"], errors)
            .map(|s| {
                if s == "PERSISTENT" {
                    "STORED".to_string()
                } else {
                    s
                }
            });
        generated = ar
            .required_string("expr", errors)
            .map(|expr| Generated { expr, storage });
    }
    let mut identity = None;
    for ib in r.children("identity") {
        let ir = Reader::new(scope, ib, &["generated", "start", "increment"], &[], errors);
        identity = Some(Identity {
            generated: ir
                .keyword("generated", &["ALWAYS", "BY_DEFAULT"], errors)
                .unwrap_or_else(|| "BY DEFAULT".to_string()),
            start: ir.int("start", errors),
            increment: ir.int("increment", errors),
        });
    }
    if identity.is_some() && generated.is_some() {
        errors.push(r.error(format!(
            "{}: both identity and a generation expression are set; keep one",
            r.what()
        )));
    }
    Some(Column {
        ty,
        null: r.bool("null", errors).unwrap_or(false),
        default: r.default_value("default", errors),
        auto_increment: r.bool("auto_increment", errors).unwrap_or(false),
        identity,
        generated,
        comment: r.string("comment", errors),
        charset: r.string("charset", errors),
        collate: r
            .string("collate", errors)
            .or_else(|| r.string("collation", errors)),
        on_update: r.raw_sql("on_update", errors),
        unsigned: r.bool("unsigned", errors).unwrap_or(false),
        location: r.location(),
        name,
    })
}

/// A type with its reference (if any) resolved to a declared enum or domain.
pub(super) fn resolve_type(t: TypeOrRef, refs: &Refs, errors: &mut Vec<Error>) -> Option<Type> {
    match t {
        TypeOrRef::Type(t) => Some(t),
        TypeOrRef::Ref(addr) => match refs.object(&addr, &[ObjectKind::Enum, ObjectKind::Domain]) {
            Ok(o) => Some(Type {
                kind: TypeKind::Object(o),
                location: addr.location,
            }),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    }
}

pub(super) fn index(
    scope: &Scope<'_>,
    b: &Block,
    table: &QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Option<Index> {
    let r = Reader::new(
        scope,
        b,
        &[
            "columns",
            "unique",
            "type",
            "where",
            "include",
            "nulls_distinct",
            "parser",
            "comment",
        ],
        &["on"],
        errors,
    );
    let name = label(&r, b, errors)?;
    let mut parts: Vec<IndexPart> = columns(&r, "columns", table, refs, errors)
        .into_iter()
        .map(|c| IndexPart {
            target: IndexTarget::Column(c),
            desc: false,
            ops: None,
            nulls_first: None,
            prefix: None,
        })
        .collect();
    let on: Vec<&Block> = r.children("on").collect();
    if r.has("columns") && !on.is_empty() {
        errors.push(r.error(format!(
            "{}: use either `columns` or `on` blocks, not both",
            r.what()
        )));
    }
    if !r.has("columns") && on.is_empty() {
        errors.push(r.error(format!(
            "{} needs `columns = [column.…]` or `on {{ column | expr }}` blocks",
            r.what()
        )));
        return None;
    }
    for ob in on {
        let or = Reader::new(
            scope,
            ob,
            &[
                "column",
                "expr",
                "desc",
                "ops",
                "nulls_first",
                "nulls_last",
                "prefix",
            ],
            &[],
            errors,
        );
        let Some(target) = part_target(&or, table, refs, errors) else {
            continue;
        };
        let nulls_first = match (
            or.bool("nulls_first", errors),
            or.bool("nulls_last", errors),
        ) {
            (Some(true), _) => Some(true),
            (_, Some(true)) => Some(false),
            _ => None,
        };
        let ops = match or.attr("ops") {
            Some(_) => match or.raw_sql_or_ident("ops", errors) {
                Some(s) => Some(s),
                None => continue,
            },
            None => None,
        };
        parts.push(IndexPart {
            target,
            desc: or.bool("desc", errors).unwrap_or(false),
            ops,
            nulls_first,
            prefix: or.int("prefix", errors),
        });
    }
    Some(Index {
        name,
        unique: r.bool("unique", errors).unwrap_or(false),
        parts,
        method: r.ident("type", errors),
        where_clause: r.string("where", errors),
        include: columns(&r, "include", table, refs, errors),
        nulls_distinct: r.bool("nulls_distinct", errors),
        parser: r.ident("parser", errors),
        comment: r.string("comment", errors),
        location: r.location(),
    })
}

/// `column = column.x` or `expr = "…"` in an `on` / `by` block.
fn part_target(
    r: &Reader<'_>,
    table: &QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Option<IndexTarget> {
    match (r.has("column"), r.has("expr")) {
        (true, true) => {
            errors.push(r.error("set `column` or `expr`, not both"));
            None
        }
        (false, false) => {
            errors.push(r.error("needs `column = column.…` or `expr = \"…\"`"));
            None
        }
        (true, false) => {
            let addr = r.reference("column", errors)?;
            match refs.column(&addr, Some(table)) {
                Ok((_, c)) => Some(IndexTarget::Column(c)),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        }
        (false, true) => r.string("expr", errors).map(IndexTarget::Expr),
    }
}

fn foreign_key(
    scope: &Scope<'_>,
    b: &Block,
    table: &QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Option<ForeignKey> {
    let r = Reader::new(
        scope,
        b,
        &[
            "columns",
            "ref_columns",
            "on_update",
            "on_delete",
            "comment",
        ],
        &[],
        errors,
    );
    r.not_translated(&["comment"], errors);
    let name = label(&r, b, errors)?;
    for req in ["columns", "ref_columns"] {
        if !r.has(req) {
            errors.push(r.error(format!("{} needs `{req}`", r.what())));
            return None;
        }
    }
    let before = errors.len();
    let cols = columns(&r, "columns", table, refs, errors);
    let mut ref_table: Option<QualifiedName> = None;
    let mut ref_columns = Vec::new();
    for addr in r.references("ref_columns", errors) {
        match refs.column(&addr, Some(table)) {
            Ok((t, c)) => {
                if ref_table.as_ref().is_some_and(|rt| *rt != t) {
                    errors.push(Error::new(
                        addr.location.clone(),
                        format!(
                            "{}: ref_columns name more than one table; a foreign key references one table",
                            r.what()
                        ),
                    ));
                }
                ref_table = Some(t);
                ref_columns.push(c);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.len() > before {
        return None;
    }
    if cols.len() != ref_columns.len() {
        errors.push(r.error(format!(
            "{}: {} columns but {} ref_columns; they must pair up",
            r.what(),
            cols.len(),
            ref_columns.len()
        )));
        return None;
    }
    Some(ForeignKey {
        name,
        columns: cols,
        ref_table: ref_table?,
        ref_columns,
        on_update: r.keyword("on_update", FK_ACTIONS, errors),
        on_delete: r.keyword("on_delete", FK_ACTIONS, errors),
        location: r.location(),
    })
}

pub(super) fn check(scope: &Scope<'_>, b: &Block, errors: &mut Vec<Error>) -> Option<Check> {
    let r = Reader::new(scope, b, &["expr", "comment", "enforced"], &[], errors);
    r.not_translated(&["comment"], errors);
    Some(Check {
        name: b.labels.first().map(|l| l.as_str().to_string()),
        expr: r.required_string("expr", errors)?,
        enforced: r.bool("enforced", errors),
        location: r.location(),
    })
}

/// The column names of a list of column references in `table`.
pub(super) fn columns(
    r: &Reader<'_>,
    attr: &str,
    table: &QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Vec<String> {
    r.references(attr, errors)
        .into_iter()
        .filter_map(|addr| match refs.column(&addr, Some(table)) {
            Ok((t, c)) if t == *table => Some(c),
            Ok(_) => {
                errors.push(Error::new(
                    addr.location.clone(),
                    format!(
                        "`{}` is a column of another table; {attr} names columns of {}",
                        addr.show(),
                        table.name
                    ),
                ));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        })
        .collect()
}

/// The block's single label (required).
pub(super) fn label(r: &Reader<'_>, b: &Block, errors: &mut Vec<Error>) -> Option<String> {
    match b.labels.as_slice() {
        [one] => Some(one.as_str().to_string()),
        _ => {
            errors.push(r.error(format!(
                "{} blocks take one label: {} \"name\" {{ … }}",
                b.ident.as_str(),
                b.ident.as_str()
            )));
            None
        }
    }
}

/// `depends_on = [table.x, view.y, …]`, resolved.
pub(super) fn depends_on(
    r: &Reader<'_>,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Vec<super::model::ObjectRef> {
    const KINDS: &[ObjectKind] = &[
        ObjectKind::Table,
        ObjectKind::View,
        ObjectKind::Materialized,
        ObjectKind::Enum,
        ObjectKind::Domain,
        ObjectKind::Sequence,
        ObjectKind::Extension,
        ObjectKind::Function,
        ObjectKind::Procedure,
    ];
    r.references("depends_on", errors)
        .into_iter()
        .filter_map(|addr| match refs.object(&addr, KINDS) {
            Ok(o) => Some(o),
            Err(e) => {
                errors.push(e);
                None
            }
        })
        .collect()
}
