//! Data sources whose values come from outside the file: `data "sql"` (a query's rows),
//! `data "external"` (a program's output) and `data "template_dir"` (a rendered migration
//! directory). Nothing here connects or runs a program: the project file is loaded in rounds
//! ([`super::load_with`]). A round that finds a referenced source without a value hands back a
//! [`DataRequest`] for each one whose arguments it can evaluate; the harness answers them and
//! loads again with the values ([`Resolved`]), until none is missing.
//!
//! As in Atlas, a data source is evaluated only when something that is evaluated refers to it:
//! top-level `locals` and `variable` blocks, the selected env, or another data source those
//! refer to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::Value;
use hcl::edit::expr::{Expression as EditExpr, TraversalOperator};
use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::visit::{self, Visit};
use hcl::eval::Context;

use super::sources::{at, attr, check_attrs, string, strings, value, value_at};
use crate::source::{Error, Location, SourceFile};

/// The kinds evaluated through the harness.
pub(super) const KINDS: &[&str] = &["sql", "external", "template_dir"];

/// Values of data sources, by `KIND/NAME` (`sql/tenants`): for `sql` an object with `count`,
/// `values` and `value`; for `external` a string; for `template_dir` an object with `url`.
pub type Resolved = BTreeMap<String, Value>;

/// A data source to evaluate, with its arguments evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct DataRequest {
    /// `KIND/NAME`, the key of its value in [`Resolved`].
    pub key: String,
    pub name: String,
    /// The `data` block, for errors.
    pub at: Location,
    pub kind: DataKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DataKind {
    /// `data "sql" { url, query, args }`.
    Sql {
        url: String,
        query: String,
        args: Vec<Value>,
    },
    /// `data "external" { program, working_dir }`.
    External {
        argv: Vec<String>,
        working_dir: PathBuf,
    },
    /// `data "template_dir" { path, vars }`: `path` resolved against atlas.hcl's directory.
    TemplateDir { path: PathBuf, vars: Value },
}

/// The `data` blocks of the kinds above: `KIND/NAME` → block.
pub(super) fn blocks(body: &Body) -> BTreeMap<String, &Block> {
    body.iter()
        .filter_map(|s| match s {
            Structure::Block(b) if b.ident.as_str() == "data" && b.labels.len() == 2 => Some(b),
            _ => None,
        })
        .filter(|b| KINDS.contains(&b.labels[0].as_str()))
        .map(|b| {
            (
                format!("{}/{}", b.labels[0].as_str(), b.labels[1].as_str()),
                b,
            )
        })
        .collect()
}

/// The keys of the data sources that `roots` refer to, directly or through another one.
pub(super) fn referenced(roots: &[&Block], all: &BTreeMap<String, &Block>) -> BTreeSet<String> {
    let mut refs = DataRefs::default();
    for b in roots {
        refs.visit_block(b);
    }
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = refs.0.into_iter().collect();
    while let Some(key) = todo.pop() {
        let Some(b) = all.get(&key) else { continue };
        if !seen.insert(key) {
            continue;
        }
        let mut inner = DataRefs::default();
        inner.visit_block(b);
        todo.extend(inner.0);
    }
    seen
}

/// `data.KIND.NAME` traversals.
#[derive(Default)]
struct DataRefs(BTreeSet<String>);

impl Visit for DataRefs {
    fn visit_expr(&mut self, e: &EditExpr) {
        if let EditExpr::Traversal(t) = e
            && t.expr.as_variable().is_some_and(|v| v.as_str() == "data")
        {
            let names: Vec<&str> = t
                .operators
                .iter()
                .take(2)
                .filter_map(|op| match op.value() {
                    TraversalOperator::GetAttr(i) => Some(i.as_str()),
                    _ => None,
                })
                .collect();
            if let [kind, name] = names.as_slice()
                && KINDS.contains(kind)
            {
                self.0.insert(format!("{kind}/{name}"));
            }
        }
        visit::visit_expr(self, e);
    }
}

/// The `data` object of the resolved values: `data.sql.NAME`, `data.external.NAME`, ….
pub(super) fn object(resolved: &Resolved, keep: &BTreeSet<String>) -> hcl::Map<String, Value> {
    let mut data = hcl::Map::<String, Value>::new();
    for (key, v) in resolved.iter().filter(|(k, _)| keep.contains(*k)) {
        let Some((kind, name)) = key.split_once('/') else {
            continue;
        };
        let kind_map = data
            .entry(kind.to_string())
            .or_insert_with(|| Value::Object(hcl::Map::new()));
        if let Value::Object(m) = kind_map {
            m.insert(name.to_string(), v.clone());
        }
    }
    data
}

/// The request for one data source, or the errors evaluating its arguments.
pub(super) fn request(
    source: &SourceFile,
    key: &str,
    b: &Block,
    ctx: &Context<'_>,
    dir: &Path,
) -> Result<DataRequest, Vec<Error>> {
    let mut errors = Vec::new();
    let (kind, name) = key.split_once('/').unwrap_or((key, ""));
    let location = at(source, b);
    let missing = |what: &str, hint: &str| {
        Error::new(
            location.clone(),
            format!("data \"{kind}\" is missing the required attribute `{what}` ({hint})"),
        )
    };
    // A project file named without a directory lives in the working directory.
    let base = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let data = match kind {
        "sql" => {
            check_attrs(source, b, &["url", "query", "args"], &mut errors);
            let url = match attr(&b.body, "url") {
                Some(a) => string(source, a, ctx, dir, &mut errors),
                None => {
                    errors.push(missing("url", "the database to query"));
                    None
                }
            };
            let query = match attr(&b.body, "query") {
                Some(a) => string(source, a, ctx, dir, &mut errors),
                None => {
                    errors.push(missing("query", "the SELECT to run"));
                    None
                }
            };
            let args = match attr(&b.body, "args") {
                None => Some(Vec::new()),
                Some(a) => match value(source, a, ctx, dir, &mut errors) {
                    Some(Value::Array(items)) => Some(items),
                    Some(other) => {
                        errors.push(Error::new(
                            value_at(source, a),
                            format!(
                                "args: expected a list of values, got {}",
                                crate::hcl::eval_support::show(&other)
                            ),
                        ));
                        None
                    }
                    None => None,
                },
            };
            match (url, query, args) {
                (Some(url), Some(query), Some(args)) => Some(DataKind::Sql { url, query, args }),
                _ => None,
            }
        }
        "external" => {
            check_attrs(source, b, &["program", "working_dir"], &mut errors);
            let argv = match attr(&b.body, "program") {
                Some(a) => match strings(source, a, ctx, dir, &mut errors) {
                    Some(v) if v.is_empty() => {
                        errors.push(Error::new(
                            value_at(source, a),
                            "program: the list is empty; give the program and its arguments",
                        ));
                        None
                    }
                    v => v,
                },
                None => {
                    errors.push(missing("program", "argv, e.g. [\"cat\", \"tenants.txt\"]"));
                    None
                }
            };
            let working_dir = match attr(&b.body, "working_dir") {
                Some(w) => string(source, w, ctx, dir, &mut errors).map(|w| base.join(w)),
                None => Some(base.to_path_buf()),
            };
            match (argv, working_dir) {
                (Some(argv), Some(working_dir)) => Some(DataKind::External { argv, working_dir }),
                _ => None,
            }
        }
        _ => {
            check_attrs(source, b, &["path", "vars"], &mut errors);
            let path = match attr(&b.body, "path") {
                Some(a) => string(source, a, ctx, dir, &mut errors).map(|p| {
                    let p = p.strip_prefix("file://").unwrap_or(&p).to_string();
                    dir.join(p)
                }),
                None => {
                    errors.push(missing(
                        "path",
                        "the template directory, relative to atlas.hcl",
                    ));
                    None
                }
            };
            let vars = match attr(&b.body, "vars") {
                None => Some(Value::Object(hcl::Map::new())),
                Some(a) => match value(source, a, ctx, dir, &mut errors) {
                    Some(v @ Value::Object(_)) => Some(v),
                    Some(other) => {
                        errors.push(Error::new(
                            value_at(source, a),
                            format!(
                                "vars: expected an object, got {}",
                                crate::hcl::eval_support::show(&other)
                            ),
                        ));
                        None
                    }
                    None => None,
                },
            };
            match (path, vars) {
                (Some(path), Some(vars)) => Some(DataKind::TemplateDir { path, vars }),
                _ => None,
            }
        }
    };
    for s in b.body.iter() {
        if let Structure::Block(inner) = s {
            errors.push(Error::new(
                at(source, inner),
                format!(
                    "unexpected block `{}` in data \"{kind}\"",
                    inner.ident.as_str()
                ),
            ));
        }
    }
    match data {
        Some(kind) if errors.is_empty() => Ok(DataRequest {
            key: key.to_string(),
            name: name.to_string(),
            at: location,
            kind,
        }),
        _ => Err(errors),
    }
}
