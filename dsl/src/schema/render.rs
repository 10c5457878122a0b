//! Rendering the model as DDL: what all dialects share — the output buffer, identifier and
//! string quoting, defaults, and the dependency order (tables by foreign keys, cycles broken by
//! `ALTER TABLE … ADD CONSTRAINT`; views by `depends_on`, a cycle being an error). The
//! per-dialect statements live in `postgres`, `mysql` and `sqlite`.

use std::collections::HashMap;

use super::model::{DefaultValue, QualifiedName, Schema, View};
use crate::dialect::Dialect;
use crate::source::{Error, Location};

/// The DDL being written, and the errors found on the way.
pub(super) struct Ddl {
    pub dialect: Dialect,
    pub text: String,
    pub errors: Vec<Error>,
    /// Whether names are schema-qualified (more than one schema, or one other than the
    /// connection's default).
    pub qualify: bool,
    /// Where the statements from each offset on come from.
    pub origins: Vec<Origin>,
    /// The block the next statements come from, until another is named.
    current: Option<(Location, String)>,
}

/// The clauses of a `CREATE TABLE`, each with the block it was written for.
#[derive(Default)]
pub(super) struct Parts(Vec<(String, Location, String)>);

/// Where each clause of a statement begins, and where the clauses end.
pub(super) struct Within {
    starts: Vec<(usize, Location, String)>,
    end: usize,
}

impl Parts {
    /// A clause written for `kind "name"` (or an unnamed `kind`) at `location`.
    pub(super) fn push(
        &mut self,
        text: String,
        location: &Location,
        kind: &str,
        name: Option<&str>,
    ) {
        let what = match name {
            Some(n) => format!("{kind} {n:?}"),
            None => kind.to_string(),
        };
        self.0.push((text, location.clone(), what));
    }

    /// Appends the clauses to `s`, separated by `, `.
    pub(super) fn write(self, s: &mut String) -> Within {
        let mut starts = Vec::with_capacity(self.0.len());
        for (i, (text, location, what)) in self.0.into_iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            starts.push((s.len(), location, what));
            s.push_str(&text);
        }
        Within {
            starts,
            end: s.len(),
        }
    }
}

/// The block that the rendered text from `offset` on (to the next origin) was written for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub offset: usize,
    pub location: Location,
    /// `table "users"`, `function "f"`.
    pub what: String,
}

impl Ddl {
    pub(super) fn new(dialect: Dialect, qualify: bool) -> Ddl {
        Ddl {
            dialect,
            text: String::new(),
            errors: Vec::new(),
            qualify,
            origins: Vec::new(),
            current: None,
        }
    }

    /// Names the block the next statements are written for (`what` as in `table "users"`).
    pub(super) fn origin(&mut self, location: &Location, kind: &str, name: &str) {
        self.current = Some((location.clone(), format!("{kind} {name:?}")));
    }

    /// Records the current block at the end of the text, when it changed.
    fn mark(&mut self) {
        if let Some((location, what)) = self.current.take()
            && self.origins.last().is_none_or(|o| o.location != location)
        {
            self.origins.push(Origin {
                offset: self.text.len(),
                location,
                what,
            });
        }
    }

    /// Appends one statement; `;` and a newline are added.
    pub(super) fn stmt(&mut self, s: impl AsRef<str>) {
        self.mark();
        self.text.push_str(s.as_ref());
        self.text.push_str(";\n");
    }

    /// Appends a statement whose clauses ([`Parts`], offsets into `s`) come from blocks of
    /// their own (a column, a check); the text after them is the statement's block's again.
    pub(super) fn stmt_within(&mut self, s: String, within: Within) {
        self.mark();
        let base = self.text.len();
        let own = self.origins.last().cloned();
        for (offset, location, what) in within.starts {
            self.push_origin(base + offset, location, what);
        }
        if let Some(own) = own {
            self.push_origin(base + within.end, own.location, own.what);
        }
        self.text.push_str(&s);
        self.text.push_str(";\n");
    }

    fn push_origin(&mut self, offset: usize, location: Location, what: String) {
        if self.origins.last().is_none_or(|o| o.location != location) {
            self.origins.push(Origin {
                offset,
                location,
                what,
            });
        }
    }

    /// Appends text as is (MySQL `DELIMITER` sections).
    pub(super) fn raw(&mut self, s: impl AsRef<str>) {
        self.mark();
        self.text.push_str(s.as_ref());
    }

    pub(super) fn error(&mut self, at: &Location, message: impl Into<String>) {
        self.errors.push(Error::new(at.clone(), message));
    }

    /// A quoted identifier.
    pub(super) fn ident(&self, name: &str) -> String {
        self.dialect.quote_ident(name)
    }

    /// A quoted, schema-qualified name when the schema is rendered qualified.
    pub(super) fn name(&self, n: &QualifiedName) -> String {
        if self.qualify && !n.schema.is_empty() {
            format!("{}.{}", self.ident(&n.schema), self.ident(&n.name))
        } else {
            self.ident(&n.name)
        }
    }

    /// A quoted identifier list: `("a", "b")` without the parentheses.
    pub(super) fn idents(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.ident(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `CONSTRAINT name FOREIGN KEY (…) REFERENCES parent (…)` with its actions; `parent` is the
    /// referenced table as the dialect writes it.
    pub(super) fn foreign_key(&self, fk: &super::model::ForeignKey, parent: &str) -> String {
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {parent} ({})",
            self.ident(&fk.name),
            self.idents(&fk.columns),
            self.idents(&fk.ref_columns)
        );
        if let Some(a) = &fk.on_update {
            s.push_str(&format!(" ON UPDATE {a}"));
        }
        if let Some(a) = &fk.on_delete {
            s.push_str(&format!(" ON DELETE {a}"));
        }
        s
    }

    /// A SQL string literal.
    pub(super) fn string(&self, s: &str) -> String {
        self.dialect.quote_str(s)
    }
}

/// A `DEFAULT` value: literals are quoted unless the column's type is numeric or boolean (a
/// string already in single quotes is kept); `sql("…")` text is verbatim, wrapped in
/// parentheses on SQLite (which requires them around expressions).
pub(super) fn default_sql(dialect: Dialect, d: &DefaultValue, numeric: bool) -> String {
    let literal = |s: &str| {
        if numeric || (s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'')) {
            s.to_string()
        } else {
            dialect.quote_str(s)
        }
    };
    match d {
        DefaultValue::String(s) => literal(s),
        DefaultValue::Number(n) => literal(n),
        DefaultValue::Bool(b) => literal(if *b { "true" } else { "false" }),
        DefaultValue::Raw(s) => {
            if dialect == Dialect::Sqlite && !wrapped(s) {
                format!("({s})")
            } else {
                s.clone()
            }
        }
    }
}

/// `(…)` around an expression unless the whole text is already one parenthesised group.
pub(super) fn paren(expr: &str) -> String {
    let e = expr.trim();
    if wrapped(e) {
        e.to_string()
    } else {
        format!("({e})")
    }
}

/// Whether the text is one parenthesised group (`(a) + (b)` is not).
pub(super) fn wrapped(e: &str) -> bool {
    let e = e.trim();
    if !(e.starts_with('(') && e.ends_with(')')) {
        return false;
    }
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in e.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 && i != e.len() - 1 {
                        return false;
                    }
                }
                _ => {}
            },
        }
    }
    depth == 0
}

/// Whether a rendered type takes its literal defaults unquoted.
pub(super) fn numeric_type(sql_type: &str) -> bool {
    let t = sql_type.trim().to_ascii_lowercase();
    [
        "int",
        "smallint",
        "bigint",
        "integer",
        "tinyint",
        "mediumint",
        "numeric",
        "decimal",
        "real",
        "double",
        "float",
        "serial",
        "smallserial",
        "bigserial",
        "bool",
        "boolean",
        "bit",
        "money",
        "unsigned",
    ]
    .iter()
    .any(|p| t == *p || t.starts_with(&format!("{p}(")) || t.starts_with(&format!("{p} ")))
}

/// The order tables are created in, and the foreign keys left for `ALTER TABLE` after all
/// tables: when foreign keys (self-references aside) form a cycle, every table is created
/// without its cross-table keys, which are added afterwards (what Atlas does). Otherwise a
/// table comes after the tables it references and depends on, then in file order.
pub(super) struct TableOrder {
    pub order: Vec<usize>,
    /// (table index, foreign key index)
    pub deferred: Vec<(usize, usize)>,
}

pub(super) fn table_order(schema: &Schema) -> TableOrder {
    let index: HashMap<&QualifiedName, usize> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (&t.name, i))
        .collect();
    let deps: Vec<Vec<usize>> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut d: Vec<usize> = t
                .foreign_keys
                .iter()
                .filter_map(|fk| index.get(&fk.ref_table).copied())
                .chain(
                    t.depends_on
                        .iter()
                        .filter_map(|r| index.get(&r.name).copied()),
                )
                .filter(|&j| j != i)
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    match topo(&deps) {
        Ok(order) => TableOrder {
            order,
            deferred: Vec::new(),
        },
        Err(_) => {
            // Without foreign keys only `depends_on` orders tables; a cycle there is kept in
            // file order (the database does not care).
            let deps: Vec<Vec<usize>> = schema
                .tables
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    t.depends_on
                        .iter()
                        .filter_map(|r| index.get(&r.name).copied())
                        .filter(|&j| j != i)
                        .collect()
                })
                .collect();
            let order = topo(&deps).unwrap_or_else(|_| (0..schema.tables.len()).collect());
            let deferred = schema
                .tables
                .iter()
                .enumerate()
                .flat_map(|(i, t)| {
                    t.foreign_keys
                        .iter()
                        .enumerate()
                        .filter(move |(_, fk)| fk.ref_table != t.name)
                        .map(move |(j, _)| (i, j))
                })
                .collect();
            TableOrder { order, deferred }
        }
    }
}

/// Views (and materialized views) ordered by `depends_on`; a cycle is an error at a view in it.
pub(super) fn view_order(schema: &Schema) -> Result<Vec<usize>, Error> {
    let index: HashMap<&QualifiedName, usize> = schema
        .views
        .iter()
        .enumerate()
        .map(|(i, v)| (&v.name, i))
        .collect();
    let deps: Vec<Vec<usize>> = schema
        .views
        .iter()
        .map(|v: &View| {
            v.depends_on
                .iter()
                .filter_map(|r| index.get(&r.name).copied())
                .collect()
        })
        .collect();
    topo(&deps).map_err(|cycle| {
        let names: Vec<String> = cycle
            .iter()
            .map(|&i| schema.views[i].name.name.clone())
            .collect();
        let first = &schema.views[cycle[0]];
        Error::new(
            first.location.clone(),
            format!(
                "views depend on each other in a cycle ({}); remove one of the depends_on",
                names.join(" → ")
            ),
        )
    })
}

/// Depth-first topological order, stable (file order among independents). `Err` holds a cycle.
pub(super) fn topo(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = deps.len();
    let mut marks = vec![Mark::New; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next dependency to visit).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::Active;
        while let Some(top) = stack.len().checked_sub(1) {
            let (node, next) = stack[top];
            if let Some(&d) = deps[node].get(next) {
                stack[top].1 += 1;
                match marks[d] {
                    Mark::New => {
                        marks[d] = Mark::Active;
                        stack.push((d, 0));
                    }
                    Mark::Active => {
                        let from = stack.iter().position(|&(s, _)| s == d).unwrap_or(0);
                        return Err(stack[from..].iter().map(|&(s, _)| s).collect());
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

/// Whether `text` calls `name(` (as a word, case-insensitive): how a table's expressions or a
/// view's query are found to need a function.
pub(super) fn calls(text: &str, name: &str) -> bool {
    mentions(text, name, true)
}

/// Whether `text` mentions `name` as a word (case-insensitive).
pub(super) fn mentions(text: &str, name: &str, call: bool) -> bool {
    if name.is_empty() {
        return false;
    }
    let lower = text.to_lowercase();
    let needle = name.to_lowercase();
    let bytes = lower.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = start == 0 || (!word(bytes[start - 1]) || bytes[start - 1] == b'"');
        let mut after = end;
        if call {
            while after < bytes.len() && (bytes[after] == b' ' || bytes[after] == b'"') {
                after += 1;
            }
        }
        let after_ok = if call {
            after < bytes.len() && bytes[after] == b'('
        } else {
            end >= bytes.len() || !word(bytes[end])
        };
        if before_ok && after_ok {
            return true;
        }
        from = start + 1;
        while !lower.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}
