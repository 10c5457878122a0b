//! References between blocks: the table of declared objects (by address: `table.users`,
//! `table.public.users`, `enum.status`) and its two uses —
//!
//! - as HCL values, so `${table.users.name}` interpolates and `for_each = [table.a, table.b]`
//!   hands references to `each.value` ([`RefTable`]);
//! - to resolve an [`Address`] to the object's schema-qualified name, or to a column, with an
//!   error naming what is declared when it points nowhere ([`Refs`]).

use std::collections::HashMap;

use hcl::Value;
use hcl::edit::expr::Expression as EditExpr;
use hcl::edit::structure::{Block, Structure};

use super::model::{ObjectKind, ObjectRef, QualifiedName};
use super::values::{Address, REF_KEY};
use crate::source::{Error, Location};

/// A declared object.
#[derive(Clone, Debug)]
struct Declared {
    kind: ObjectKind,
    name: QualifiedName,
    location: Location,
}

/// Declared objects by address, and the columns of tables and views.
#[derive(Default, Debug)]
pub(super) struct Refs {
    objects: HashMap<Vec<String>, Declared>,
    columns: HashMap<QualifiedName, Vec<String>>,
}

impl Refs {
    /// Registers an object under its address (`kind` + labels). A second object at the same
    /// address is an error.
    pub(super) fn declare(
        &mut self,
        kind: ObjectKind,
        labels: &[String],
        name: QualifiedName,
        location: Location,
    ) -> Result<(), Error> {
        let mut path = vec![kind.block().to_string()];
        path.extend(labels.iter().cloned());
        if let Some(first) = self.objects.get(&path) {
            return Err(Error::new(
                location,
                format!(
                    "{} is declared twice (first at {}); give each a different name",
                    path.join("."),
                    first.location
                ),
            ));
        }
        self.objects.insert(
            path,
            Declared {
                kind,
                name,
                location,
            },
        );
        Ok(())
    }

    pub(super) fn set_columns(&mut self, table: QualifiedName, columns: Vec<String>) {
        self.columns.insert(table, columns);
    }

    /// The object an address names, which must be one of `kinds`; the rest of the path must
    /// be empty.
    pub(super) fn object(&self, addr: &Address, kinds: &[ObjectKind]) -> Result<ObjectRef, Error> {
        let (found, rest) = self.lookup(addr, kinds)?;
        if !rest.is_empty() {
            return Err(Error::new(
                addr.location.clone(),
                format!(
                    "`{}` names a part of {}; refer to the {} itself (`{}`)",
                    addr.show(),
                    found.kind.block(),
                    found.kind.block(),
                    &addr.path[..addr.path.len() - rest.len()].join(".")
                ),
            ));
        }
        Ok(ObjectRef {
            kind: found.kind,
            name: found.name.clone(),
        })
    }

    /// The schema name a `schema.x` reference names.
    pub(super) fn schema(&self, addr: &Address) -> Result<String, Error> {
        self.object(addr, &[ObjectKind::Schema])
            .map(|r| r.name.name)
    }

    /// A column: `column.id` in `current` (the table being read), or `table.t.column.id`.
    pub(super) fn column(
        &self,
        addr: &Address,
        current: Option<&QualifiedName>,
    ) -> Result<(QualifiedName, String), Error> {
        let (table, rest) = if addr.path.first().map(String::as_str) == Some("column") {
            let Some(t) = current else {
                return Err(Error::new(
                    addr.location.clone(),
                    format!(
                        "`{}` is relative to a table; outside one write `table.<name>.column.<name>`",
                        addr.show()
                    ),
                ));
            };
            (t.clone(), &addr.path[..])
        } else {
            let (found, rest) = self.lookup(
                addr,
                &[
                    ObjectKind::Table,
                    ObjectKind::View,
                    ObjectKind::Materialized,
                ],
            )?;
            (found.name.clone(), rest)
        };
        let [col, name] = rest else {
            return Err(Error::new(
                addr.location.clone(),
                format!(
                    "`{}` is not a column reference; write `column.<name>` or `table.<table>.column.<name>`",
                    addr.show()
                ),
            ));
        };
        if col != "column" {
            return Err(Error::new(
                addr.location.clone(),
                format!(
                    "`{}` is not a column reference; write `column.<name>` or `table.<table>.column.<name>`",
                    addr.show()
                ),
            ));
        }
        let columns = self.columns.get(&table).map(Vec::as_slice).unwrap_or(&[]);
        if !columns.iter().any(|c| c == name) {
            return Err(Error::new(
                addr.location.clone(),
                format!(
                    "`{}`: table \"{}\" has no column \"{name}\" (its columns: {})",
                    addr.show(),
                    table.name,
                    columns.join(", ")
                ),
            ));
        }
        Ok((table, name.clone()))
    }

    /// Finds the declared object at the start of the address: the qualified form
    /// (`table.q.name`) first, then `table.name`. Returns the rest of the path.
    fn lookup<'a>(
        &self,
        addr: &'a Address,
        kinds: &[ObjectKind],
    ) -> Result<(&Declared, &'a [String]), Error> {
        let root = addr.path.first().map(String::as_str).unwrap_or("");
        let wanted = kinds
            .iter()
            .map(|k| k.block())
            .collect::<Vec<_>>()
            .join(" or ");
        if !kinds.iter().any(|k| k.block() == root) {
            return Err(Error::new(
                addr.location.clone(),
                format!("`{}` is not a {wanted} reference", addr.show()),
            ));
        }
        for len in [3, 2] {
            if addr.path.len() >= len
                && let Some(d) = self.objects.get(&addr.path[..len])
            {
                return Ok((d, &addr.path[len..]));
            }
        }
        let mut declared: Vec<String> = self
            .objects
            .iter()
            .filter(|(p, _)| p[0] == root)
            .map(|(p, _)| p.join("."))
            .collect();
        declared.sort();
        let hint = if declared.is_empty() {
            format!("no {root} is declared")
        } else {
            format!("declared: {}", declared.join(", "))
        };
        Err(Error::new(
            addr.location.clone(),
            format!(
                "dangling reference `{}`: no such {root} ({hint}); declare it or fix the name",
                addr.show()
            ),
        ))
    }
}

/// The reference table as HCL values, one object per root (`table`, `enum`, …): each declared
/// block is `{__ref = [address…], name = "…", column = {…}}` plus its literal string
/// attributes, so interpolation (`${table.users.name}`) and `each.value` work.
#[derive(Default)]
pub(super) struct RefTable {
    roots: HashMap<String, hcl::Map<String, Value>>,
}

impl RefTable {
    /// Adds a top-level block; `name` is its final name (label or `name = …`).
    pub(super) fn add(&mut self, block: &Block, name: &str) {
        let root = block.ident.to_string();
        let labels: Vec<String> = block
            .labels
            .iter()
            .map(|l| l.as_str().to_string())
            .collect();
        if labels.is_empty() {
            return;
        }
        let mut path = vec![root.clone()];
        path.extend(labels.iter().cloned());
        let obj = object_value(block, &path, name);
        let map = self.roots.entry(root).or_default();
        match labels.as_slice() {
            [one] => {
                map.insert(one.clone(), obj);
            }
            [q, one] => {
                let inner = map
                    .entry(q.clone())
                    .or_insert_with(|| Value::Object(hcl::Map::new()));
                if let Value::Object(m) = inner {
                    m.insert(one.clone(), obj);
                }
            }
            _ => {}
        }
    }

    /// Declares every root in `ctx`.
    pub(super) fn declare(mut self, ctx: &mut hcl::eval::Context<'_>) {
        // Every root exists, so `table.x` with no table declared reads "no such key", not
        // "unknown variable `table`".
        for root in super::values::REF_ROOTS.iter().filter(|r| **r != "column") {
            self.roots.entry(root.to_string()).or_default();
        }
        for (root, map) in self.roots {
            ctx.declare_var(root, Value::Object(map));
        }
    }
}

fn object_value(block: &Block, path: &[String], name: &str) -> Value {
    let mut m = hcl::Map::new();
    m.insert(
        REF_KEY.to_string(),
        Value::Array(path.iter().map(|p| Value::from(p.as_str())).collect()),
    );
    m.insert("name".to_string(), Value::from(name));
    let mut children: hcl::Map<String, Value> = hcl::Map::new();
    for s in block.body.iter() {
        match s {
            Structure::Attribute(a) => {
                if let EditExpr::String(v) = &a.value
                    && a.key.as_str() != "name"
                {
                    m.insert(a.key.to_string(), Value::from(v.as_str()));
                }
            }
            Structure::Block(b) => {
                let Some(label) = b.labels.first() else {
                    continue;
                };
                let mut child_path = path.to_vec();
                child_path.push(b.ident.to_string());
                child_path.push(label.as_str().to_string());
                let mut c = hcl::Map::new();
                c.insert(
                    REF_KEY.to_string(),
                    Value::Array(child_path.iter().map(|p| Value::from(p.as_str())).collect()),
                );
                c.insert("name".to_string(), Value::from(label.as_str()));
                for s in b.body.iter() {
                    if let Structure::Attribute(a) = s
                        && let EditExpr::String(v) = &a.value
                    {
                        c.insert(a.key.to_string(), Value::from(v.as_str()));
                    }
                }
                let group = children
                    .entry(b.ident.to_string())
                    .or_insert_with(|| Value::Object(hcl::Map::new()));
                if let Value::Object(g) = group {
                    g.insert(label.as_str().to_string(), Value::Object(c));
                }
            }
        }
    }
    for (k, v) in children {
        m.insert(k, v);
    }
    Value::Object(m)
}
