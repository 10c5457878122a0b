//! From schema files to the model: syntax, `variable` and `locals`, the reference table,
//! `for_each` expansion, then every block decoded with its references resolved.
//!
//! Atlas's order (docs/schemas.md, "Files and evaluation"): variables, locals, references, `for_each` copies, blocks. All
//! files are one document: a block may refer to one declared in another file, or further down.

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::structure::{Block, Body, Structure};
use hcl::eval::Context;

use super::model::{ObjectKind, QualifiedName, Schema, SchemaDef};
use super::refs::{RefTable, Refs};
use super::values::{LazyRefs, Reader, Scope, declare_sql, eval};
use crate::hcl::Inputs;
use crate::source::{Error, SourceFile};

/// Top-level blocks of a schema file.
pub(super) const TOP_BLOCKS: &[&str] = &[
    "schema",
    "table",
    "view",
    "materialized",
    "enum",
    "domain",
    "sequence",
    "extension",
    "function",
    "procedure",
    "trigger",
    "variable",
    "locals",
];

/// One top-level block to decode: a block, or one `for_each` copy of it.
pub(super) struct Instance<'a> {
    pub file: usize,
    pub block: &'a Block,
    /// The context with `each` bound, for a `for_each` copy.
    pub each: Option<usize>,
}

pub(super) fn parse(files: &[SourceFile], inputs: &Inputs) -> Result<Schema, Vec<Error>> {
    let mut errors = Vec::new();
    let mut bodies: Vec<(usize, Body)> = Vec::new();
    for (i, source) in files.iter().enumerate() {
        match crate::hcl::parse::parse_body(source) {
            Ok(body) => bodies.push((i, body)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Top-level structure.
    let mut tops: Vec<(usize, &Block)> = Vec::new();
    let mut variables: Vec<Vec<&Block>> = vec![Vec::new(); files.len()];
    let mut locals: Vec<Vec<&Block>> = vec![Vec::new(); files.len()];
    for (i, body) in &bodies {
        let source = &files[*i];
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => errors.push(Error::new(
                    source.location(a.span().map_or(0, |s| s.start)),
                    format!(
                        "unexpected attribute `{}` at the top level of a schema file; it holds only blocks ({})",
                        a.key.as_str(),
                        TOP_BLOCKS.join(", ")
                    ),
                )),
                Structure::Block(b) => match b.ident.as_str() {
                    "variable" => variables[*i].push(b),
                    "locals" => locals[*i].push(b),
                    "env" | "lint" | "diff" | "test" | "data" => errors.push(Error::new(
                        source.location(b.span().map_or(0, |s| s.start)),
                        format!(
                            "`{}` blocks belong in atlas.hcl or a test file, not in a schema file; give this file to --config / as a test file instead",
                            b.ident.as_str()
                        ),
                    )),
                    k if TOP_BLOCKS.contains(&k) => tops.push((*i, b)),
                    k if super::values::NOT_TRANSLATED.contains(&k) => {
                        errors.push(super::values::not_translated(source, b))
                    }
                    other => errors.push(crate::hcl::parse::unknown(
                        source,
                        b.ident.span(),
                        "block",
                        other,
                        "at the top level of a schema file",
                        TOP_BLOCKS,
                    )),
                },
            }
        }
    }

    // Functions, `sql()`, variables and locals.
    let structure_errors = errors.len();
    let mut ctx = Context::new();
    // Every function, unless `for_each` copies the context per element: then only those
    // called (finding them walks every expression, which costs more than declaring them all).
    let copied = tops.iter().any(|(_, b)| for_each(b).is_some());
    let mut called = std::collections::HashSet::new();
    if copied {
        for (_, body) in &bodies {
            called.extend(crate::hcl::eval::called_functions(body));
        }
    }
    crate::hcl::functions::declare(&mut ctx, |name| !copied || called.contains(name));
    declare_sql(&mut ctx);
    let mut var = hcl::Map::new();
    for (i, blocks) in variables.iter().enumerate() {
        if let Value::Object(m) =
            crate::hcl::vars::variables(&files[i], blocks, inputs, &ctx, &mut errors)
        {
            var.extend(m);
        }
    }
    ctx.declare_var("var", Value::Object(var));
    let mut local = hcl::Map::new();
    for (i, blocks) in locals.iter().enumerate() {
        if blocks.is_empty() {
            continue;
        }
        // Locals of earlier files stay visible to later ones.
        if let Value::Object(m) = crate::hcl::vars::locals_after(
            &files[i],
            blocks,
            &mut ctx,
            std::mem::take(&mut local),
            &mut errors,
        ) {
            local = m;
        }
    }
    ctx.declare_var("local", Value::Object(local));
    // After a bad variable or local, decoding would only repeat that error in other words.
    if errors.len() > structure_errors {
        return Err(errors);
    }

    // The reference table, from labels and literal names: built now when a `for_each` may
    // hand references to `each`, else on first use (`Scope::ctx_for`).
    let names: Vec<String> = tops
        .iter()
        .map(|(i, b)| {
            let scope = Scope {
                source: &files[*i],
                ctx: &ctx,
                refs: None,
            };
            block_name(&scope, b, &mut errors).unwrap_or_default()
        })
        .collect();
    let with_refs = |mut ctx: Context<'static>| {
        let mut table = RefTable::default();
        for ((_, b), name) in tops.iter().zip(&names) {
            table.add(b, name);
        }
        table.declare(&mut ctx);
        ctx
    };
    if copied {
        ctx = with_refs(ctx);
    }
    let lazy_refs = LazyRefs::new(|| with_refs(ctx.clone()));
    let lazy_refs = (!copied).then_some(&lazy_refs);

    // `for_each` copies: each holds its `each`, bound in one context as its turn comes (a
    // context per copy would copy the reference table and every variable once per copy).
    let mut eaches: Vec<Value> = Vec::new();
    let mut instances: Vec<Instance<'_>> = Vec::new();
    for (i, b) in &tops {
        let source = &files[*i];
        let Some(fe) = for_each(b) else {
            instances.push(Instance {
                file: *i,
                block: b,
                each: None,
            });
            continue;
        };
        let scope = Scope {
            source,
            ctx: &ctx,
            refs: None,
        };
        let items: Vec<(Value, Value)> = match eval(&scope, fe) {
            Ok(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(k, v)| (Value::from(k as u64), v))
                .collect(),
            Ok(Value::Object(m)) => m.into_iter().map(|(k, v)| (Value::from(k), v)).collect(),
            Ok(v) => {
                errors.push(Error::new(
                    source.location(fe.value.span().map_or(0, |s| s.start)),
                    format!(
                        "for_each: expected a list, set or map, got {}",
                        crate::hcl::eval::show(&v)
                    ),
                ));
                continue;
            }
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for (key, value) in items {
            let mut each = hcl::Map::new();
            each.insert("key".to_string(), key);
            each.insert("value".to_string(), value);
            instances.push(Instance {
                file: *i,
                block: b,
                each: Some(eaches.len()),
            });
            eaches.push(Value::Object(each));
        }
    }
    let mut each_ctx: Option<Context<'static>> = None;
    // Schemas first: every other object is named through one.
    let mut schema = Schema::default();
    let mut refs = Refs::default();
    for inst in instances
        .iter()
        .filter(|i| i.block.ident.as_str() == "schema")
    {
        let scope = Scope {
            source: &files[inst.file],
            ctx: bind(&ctx, &mut each_ctx, inst.each.map(|k| &eaches[k])),
            refs: lazy_refs,
        };
        if let Some(def) = schema_block(&scope, inst.block, &mut refs, &mut errors) {
            schema.schemas.push(def);
        }
    }

    // Every other object: its qualified name, registered before any block is decoded so that
    // references may point forward and across files.
    let mut named: Vec<(&Instance<'_>, QualifiedName)> = Vec::new();
    for inst in instances
        .iter()
        .filter(|i| !matches!(i.block.ident.as_str(), "schema"))
    {
        let scope = Scope {
            source: &files[inst.file],
            ctx: bind(&ctx, &mut each_ctx, inst.each.map(|k| &eaches[k])),
            refs: lazy_refs,
        };
        if let Some(n) = super::objects::register(&scope, inst.block, &mut refs, &mut errors) {
            named.push((inst, n));
        }
    }
    for (inst, name) in named {
        let scope = Scope {
            source: &files[inst.file],
            ctx: bind(&ctx, &mut each_ctx, inst.each.map(|k| &eaches[k])),
            refs: lazy_refs,
        };
        super::objects::decode(&scope, inst.block, name, &refs, &mut schema, &mut errors);
    }

    if errors.is_empty() {
        Ok(schema)
    } else {
        // One mistake in a `for_each` body fails every copy the same way: report it once.
        let mut unique = std::collections::HashSet::new();
        errors.retain(|e| unique.insert((e.location.clone(), e.message.clone())));
        Err(errors)
    }
}

/// A block's name: `name = …` where the block honours it, else its last label.
pub(super) fn block_name(scope: &Scope<'_>, b: &Block, errors: &mut Vec<Error>) -> Option<String> {
    let honours_name = !matches!(
        b.ident.as_str(),
        "table" | "trigger" | "view" | "materialized"
    );
    if honours_name {
        let attr = b.body.iter().find_map(|s| match s {
            Structure::Attribute(a) if a.key.as_str() == "name" => Some(a),
            _ => None,
        });
        if let Some(a) = attr {
            match eval(scope, a) {
                Ok(v) => {
                    if let Some(s) = crate::hcl::eval::to_string(&v) {
                        return Some(s);
                    }
                }
                Err(e) => {
                    // Evaluated again with `each` when decoding; report only outside for_each.
                    if for_each(b).is_none() {
                        errors.push(e);
                    }
                }
            }
        }
    }
    b.labels.last().map(|l| l.as_str().to_string())
}

/// `schema "name" { name, comment, charset, collate }`.
fn schema_block(
    scope: &Scope<'_>,
    b: &Block,
    refs: &mut Refs,
    errors: &mut Vec<Error>,
) -> Option<SchemaDef> {
    let r = Reader::new(
        scope,
        b,
        &[
            "name",
            "comment",
            "charset",
            "collate",
            "collation",
            "for_each",
        ],
        &[],
        errors,
    );
    if b.labels.len() > 1 {
        errors.push(r.error("schema blocks take one label: schema \"name\" { … }"));
        return None;
    }
    let name = match r.string("name", errors) {
        Some(n) => n,
        None => match b.labels.first() {
            Some(l) => l.as_str().to_string(),
            None => {
                errors.push(r.error("schema needs a name: schema \"name\" { … } or name = \"…\""));
                return None;
            }
        },
    };
    let labels: Vec<String> = match b.labels.first() {
        Some(l) => vec![l.as_str().to_string()],
        None => vec![name.clone()],
    };
    if let Err(e) = refs.declare(
        ObjectKind::Schema,
        &labels,
        QualifiedName {
            schema: name.clone(),
            name: name.clone(),
        },
        r.location(),
    ) {
        errors.push(e);
    }
    if r.has("collate") && r.has("collation") {
        errors.push(r.error("schema: set `collate` or `collation`, not both"));
    }
    Some(SchemaDef {
        comment: r.string("comment", errors),
        charset: r.string("charset", errors),
        collate: r
            .string("collate", errors)
            .or_else(|| r.string("collation", errors)),
        location: r.location(),
        name,
    })
}

/// A block's `for_each` attribute.
fn for_each(b: &Block) -> Option<&hcl::edit::structure::Attribute> {
    b.body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == "for_each" => Some(a),
        _ => None,
    })
}

/// The context a block is read in: `ctx`, or for a `for_each` copy one context holding a copy
/// of `ctx` (made once) with this copy's `each` bound.
fn bind<'c>(
    ctx: &'c Context<'static>,
    each_ctx: &'c mut Option<Context<'static>>,
    each: Option<&Value>,
) -> &'c Context<'static> {
    match each {
        None => ctx,
        Some(each) => {
            let c = each_ctx.get_or_insert_with(|| ctx.clone());
            c.declare_var("each", each.clone());
            c
        }
    }
}
