//! Every top-level block other than `schema`: naming and registering it (so references may
//! point forward), then decoding it — tables (in `tables`), views, enums, domains, sequences,
//! extensions; functions, procedures and triggers are decoded in `routines`.

use hcl::edit::structure::Block;

use super::model::{Domain, Enum, Extension, ObjectKind, QualifiedName, Schema, Sequence, View};
use super::parse::block_name;
use super::refs::Refs;
use super::routines::{routine, trigger};
use super::tables::{self, depends_on, label, resolve_type};
use super::values::{Reader, Scope};
use crate::source::Error;

fn kind_of(ident: &str) -> Option<ObjectKind> {
    Some(match ident {
        "table" => ObjectKind::Table,
        "view" => ObjectKind::View,
        "materialized" => ObjectKind::Materialized,
        "enum" => ObjectKind::Enum,
        "domain" => ObjectKind::Domain,
        "sequence" => ObjectKind::Sequence,
        "extension" => ObjectKind::Extension,
        "function" => ObjectKind::Function,
        "procedure" => ObjectKind::Procedure,
        "trigger" => ObjectKind::Trigger,
        _ => return None,
    })
}

/// Names a block and registers it under its address. Tables and views also register their
/// column names, which column references are checked against.
pub(super) fn register(
    scope: &Scope<'_>,
    b: &Block,
    refs: &mut Refs,
    errors: &mut Vec<Error>,
) -> Option<QualifiedName> {
    let kind = kind_of(b.ident.as_str())?;
    let at = scope
        .source
        .location(hcl::edit::Span::span(b).map_or(0, |s| s.start));
    let what = || super::values::describe_block(b);
    let max_labels = if matches!(kind, ObjectKind::Trigger | ObjectKind::Extension) {
        1
    } else {
        2
    };
    if b.labels.len() > max_labels {
        errors.push(Error::new(
            at,
            format!(
                "{}: too many labels; write {} \"name\"{}",
                what(),
                b.ident.as_str(),
                if max_labels == 2 {
                    " or {} \"schema\" \"name\"".replace("{}", b.ident.as_str())
                } else {
                    String::new()
                }
            ),
        ));
        return None;
    }
    let name = block_name(scope, b, errors);
    let Some(name) = name else {
        errors.push(Error::new(
            at,
            format!(
                "{} needs a name: {} \"name\" {{ … }}",
                what(),
                b.ident.as_str()
            ),
        ));
        return None;
    };
    // The schema: required for schema objects; triggers take theirs from `on`.
    let schema_attr = b.body.iter().find_map(|s| match s {
        hcl::edit::structure::Structure::Attribute(a) if a.key.as_str() == "schema" => Some(a),
        _ => None,
    });
    let schema =
        match (kind, schema_attr) {
            (ObjectKind::Trigger, Some(a)) => {
                errors.push(Error::new(
                scope.source.location(hcl::edit::Span::span(a).map_or(0, |s| s.start)),
                "trigger takes no `schema`: it lives in the schema of the table or view in `on`",
            ));
                return None;
            }
            (ObjectKind::Trigger, None) => String::new(),
            (_, Some(_)) => {
                let r = Reader::unchecked(scope, b);
                let addr = r.reference("schema", errors)?;
                match refs.schema(&addr) {
                    Ok(s) => s,
                    Err(e) => {
                        errors.push(e);
                        return None;
                    }
                }
            }
            (ObjectKind::Extension, None) => String::new(),
            (_, None) => {
                errors.push(Error::new(
                    at,
                    format!(
                        "{} needs `schema = schema.<name>` (e.g. schema = schema.public)",
                        what()
                    ),
                ));
                return None;
            }
        };
    let qname = QualifiedName { schema, name };
    if kind != ObjectKind::Trigger && kind != ObjectKind::Function {
        let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
        let labels = if labels.is_empty() {
            vec![qname.name.clone()]
        } else {
            labels
        };
        if let Err(e) = refs.declare(kind, &labels, qname.clone(), at) {
            errors.push(e);
        }
    } else if kind == ObjectKind::Function {
        // Overloads share a name: the first declaration is the one references find.
        let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
        let _ = refs.declare(kind, &labels, qname.clone(), at);
    }
    if matches!(
        kind,
        ObjectKind::Table | ObjectKind::View | ObjectKind::Materialized
    ) {
        let cols = b
            .body
            .iter()
            .filter_map(|s| match s {
                hcl::edit::structure::Structure::Block(c) if c.ident.as_str() == "column" => {
                    c.labels.first().map(|l| l.as_str().to_string())
                }
                _ => None,
            })
            .collect();
        refs.set_columns(qname.clone(), cols);
    }
    Some(qname)
}

/// Decodes a registered block into the schema.
pub(super) fn decode(
    scope: &Scope<'_>,
    b: &Block,
    name: QualifiedName,
    refs: &Refs,
    schema: &mut Schema,
    errors: &mut Vec<Error>,
) {
    match b.ident.as_str() {
        "table" => schema
            .tables
            .push(tables::table(scope, b, name, refs, errors)),
        "view" | "materialized" => {
            if let Some(v) = view(scope, b, name, refs, errors) {
                schema.views.push(v);
            }
        }
        "enum" => {
            let r = Reader::new(
                scope,
                b,
                &["schema", "values", "name", "comment", "for_each"],
                &[],
                errors,
            );
            if !r.has("values") {
                errors.push(r.error(format!("{} needs `values = [\"…\", …]`", r.what())));
            }
            schema.enums.push(Enum {
                values: r.strings("values", errors),
                comment: r.string("comment", errors),
                location: r.location(),
                name,
            });
        }
        "domain" => {
            let r = Reader::new(
                scope,
                b,
                &[
                    "schema", "type", "null", "default", "name", "comment", "for_each",
                ],
                &["check"],
                errors,
            );
            let Some(ty) = r
                .ty("type", errors)
                .and_then(|t| resolve_type(t, refs, errors))
            else {
                if !r.has("type") {
                    errors.push(r.error(format!("{} needs `type`", r.what())));
                }
                return;
            };
            let checks = r
                .children("check")
                .filter_map(|c| tables::check(scope, c, errors))
                .collect();
            schema.domains.push(Domain {
                ty,
                null: r.bool("null", errors).unwrap_or(false),
                default: r.default_value("default", errors),
                checks,
                comment: r.string("comment", errors),
                location: r.location(),
                name,
            });
        }
        "sequence" => {
            let r = Reader::new(
                scope,
                b,
                &[
                    "schema",
                    "type",
                    "start",
                    "increment",
                    "min_value",
                    "max_value",
                    "cache",
                    "cycle",
                    "owner",
                    "comment",
                    "name",
                    "for_each",
                ],
                &[],
                errors,
            );
            let ty = r
                .ty("type", errors)
                .and_then(|t| resolve_type(t, refs, errors));
            let owner = r
                .reference("owner", errors)
                .and_then(|a| match refs.column(&a, None) {
                    Ok(o) => Some(o),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                });
            schema.sequences.push(Sequence {
                ty,
                start: r.int("start", errors),
                increment: r.int("increment", errors),
                min_value: r.int("min_value", errors),
                max_value: r.int("max_value", errors),
                cache: r.int("cache", errors),
                cycle: r.bool("cycle", errors).unwrap_or(false),
                owner,
                comment: r.string("comment", errors),
                location: r.location(),
                name,
            });
        }
        "extension" => {
            let r = Reader::new(
                scope,
                b,
                &[
                    "schema",
                    "version",
                    "name",
                    "comment",
                    "depends_on",
                    "for_each",
                ],
                &[],
                errors,
            );
            r.not_translated(&["comment"], errors);
            schema.extensions.push(Extension {
                name: name.name,
                schema: (!name.schema.is_empty()).then_some(name.schema),
                version: r.string("version", errors),
                depends_on: depends_on(&r, refs, errors),
                location: r.location(),
            });
        }
        "function" | "procedure" => {
            if let Some(f) = routine(scope, b, name, refs, errors) {
                schema.routines.push(f);
            }
        }
        "trigger" => {
            if let Some(t) = trigger(scope, b, name, refs, errors) {
                schema.triggers.push(t);
            }
        }
        _ => {}
    }
}

fn view(
    scope: &Scope<'_>,
    b: &Block,
    name: QualifiedName,
    refs: &Refs,
    errors: &mut Vec<Error>,
) -> Option<View> {
    let materialized = b.ident.as_str() == "materialized";
    let mut attrs = vec![
        "schema",
        "as",
        "depends_on",
        "comment",
        "check_option",
        "security",
        "for_each",
    ];
    let mut blocks = vec!["column"];
    if materialized {
        attrs.retain(|a| !matches!(*a, "check_option" | "security"));
        blocks.push("index");
    }
    let r = Reader::new(scope, b, &attrs, &blocks, errors);
    let mut columns = Vec::new();
    for c in r.children("column") {
        let cr = Reader::new(
            scope,
            c,
            &["type", "null", "comment", "unsigned"],
            &[],
            errors,
        );
        cr.not_translated(&["comment"], errors);
        if let Some(n) = label(&cr, c, errors) {
            columns.push(n);
        }
    }
    let query = r.required_string("as", errors)?;
    let query = query
        .trim_end()
        .trim_end_matches(';')
        .trim_end()
        .to_string();
    let indexes = r
        .children("index")
        .filter_map(|i| tables::index(scope, i, &name, refs, errors))
        .collect();
    Some(View {
        materialized,
        columns,
        query,
        depends_on: depends_on(&r, refs, errors),
        comment: r.string("comment", errors),
        check_option: r.keyword("check_option", &["LOCAL", "CASCADED"], errors),
        security: r.keyword("security", &["DEFINER", "INVOKER"], errors),
        indexes,
        location: r.location(),
        name,
    })
}
