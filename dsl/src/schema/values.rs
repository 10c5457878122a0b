//! Reading one block of a schema file: which attributes and nested blocks it may hold, and each
//! attribute's value as the schema language means it — strings, numbers, bools, scoped
//! identifiers (`CASCADE`, `ROW`), references (`table.users.column.id`), types (`int`,
//! `varchar(255)`, `sql("…")`, `enum.status`) and defaults.
//!
//! Values go through the test files' HCL evaluation (`crate::hcl::eval`), so `var`, `local`,
//! `each`, the functions and `${…}` interpolation behave the same in both kinds of file.
//! References and type names are read from the syntax first: they are not HCL values, and
//! reading them as written keeps their spans exact.

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::expr::{Expression as EditExpr, TraversalOperator};
use hcl::edit::structure::{Attribute, Block, Structure};
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

use super::model::{DefaultValue, Type, TypeArg, TypeKind};
use crate::hcl::eval::{Attr, Compiled, show, to_string};
use crate::source::{Error, Location, SourceFile, Span};

/// The roots of reference expressions: block names that declare referable objects.
pub(super) const REF_ROOTS: &[&str] = &[
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
    "column",
];

/// Atlas blocks assay reads but does not translate yet: an error says so, rather than "unknown".
pub(super) const NOT_TRANSLATED: &[&str] = &[
    "policy",
    "composite",
    "aggregate",
    "event_trigger",
    "exclude",
    "row_security",
];

/// The error for a block in [`NOT_TRANSLATED`].
pub(super) fn not_translated(source: &SourceFile, b: &Block) -> Error {
    Error::new(
        source.location(b.ident.span().map_or(0, |s| s.start)),
        format!(
            "`{}` blocks are Atlas schema syntax that assay does not translate yet; create it in SQL (a migration file or a test's exec) or remove the block",
            b.ident.as_str()
        ),
    )
}

/// The key under which the reference table stores an object's address.
pub(super) const REF_KEY: &str = "__ref";
/// The key under which `sql("…")` stores its text.
const SQL_KEY: &str = "__sql";

/// A reference as written: `table.users.column.id` is `["table", "users", "column", "id"]`.
#[derive(Clone, Debug)]
pub(super) struct Address {
    pub path: Vec<String>,
    pub location: Location,
}

impl Address {
    pub(super) fn show(&self) -> String {
        self.path.join(".")
    }
}

/// Declares `sql()`: raw SQL text, carried as an object the schema reader recognizes.
pub(super) fn declare_sql(ctx: &mut Context<'_>) {
    ctx.declare_func("sql", FuncDef::new(sql_fn, [ParamType::String]));
}

fn sql_fn(args: FuncArgs) -> Result<Value, String> {
    let text = args[0].as_str().unwrap_or_default();
    if text.trim().is_empty() {
        return Err("empty expression: sql(\"…\") needs SQL text".into());
    }
    let mut m = hcl::Map::new();
    m.insert(SQL_KEY.to_string(), Value::from(text));
    Ok(Value::Object(m))
}

/// Where a block is evaluated: the file, the shared context and, for a `for_each` copy, a
/// context with `each` bound.
pub(super) struct Scope<'a> {
    pub source: &'a SourceFile,
    pub ctx: &'a Context<'a>,
    /// The context with the reference table declared, when `ctx` lacks it: built the first time
    /// an expression names a block (`table.users.name`), as most schemas never do.
    pub refs: Option<&'a LazyRefs<'a>>,
}

impl<'a> Scope<'a> {
    /// The context to evaluate `e` in.
    pub(super) fn ctx_for(&self, e: &EditExpr) -> &Context<'a> {
        match self.refs {
            Some(refs) if names_a_block(e) => refs.get(),
            _ => self.ctx,
        }
    }
}

/// A context with the reference table, built on first use.
pub(super) struct LazyRefs<'a> {
    cell: std::cell::OnceCell<Context<'static>>,
    build: Box<dyn Fn() -> Context<'static> + 'a>,
}

impl<'a> LazyRefs<'a> {
    pub(super) fn new(build: impl Fn() -> Context<'static> + 'a) -> LazyRefs<'a> {
        LazyRefs {
            cell: std::cell::OnceCell::new(),
            build: Box::new(build),
        }
    }

    fn get(&self) -> &Context<'static> {
        self.cell.get_or_init(|| (self.build)())
    }
}

/// Whether an expression mentions a reference root (`table`, `column`, `enum`, …).
fn names_a_block(e: &EditExpr) -> bool {
    use hcl::edit::visit::{Visit, visit_expr};
    struct Finder(bool);
    impl Visit for Finder {
        fn visit_expr(&mut self, e: &EditExpr) {
            match e {
                EditExpr::Variable(v) if REF_ROOTS.contains(&v.as_str()) => self.0 = true,
                _ if !self.0 => visit_expr(self, e),
                _ => {}
            }
        }
    }
    let mut f = Finder(false);
    f.visit_expr(e);
    f.0
}

/// One block being read: its attributes and nested blocks, checked against what it may hold.
pub(super) struct Reader<'a> {
    pub scope: &'a Scope<'a>,
    pub block: &'a Block,
    attrs: Vec<&'a Attribute>,
    pub blocks: Vec<&'a Block>,
}

impl<'a> Reader<'a> {
    fn empty(scope: &'a Scope<'a>, block: &'a Block) -> Reader<'a> {
        Reader {
            scope,
            block,
            attrs: Vec::new(),
            blocks: Vec::new(),
        }
    }

    /// Splits `block`'s body, reporting attributes and blocks not in `attrs` / `blocks`.
    pub(super) fn new(
        scope: &'a Scope<'a>,
        block: &'a Block,
        attrs: &[&str],
        blocks: &[&str],
        errors: &mut Vec<Error>,
    ) -> Reader<'a> {
        let mut r = Reader::empty(scope, block);
        for s in block.body.iter() {
            match s {
                Structure::Attribute(a) => {
                    if attrs.contains(&a.key.as_str()) {
                        if r.attrs.iter().any(|x| x.key.as_str() == a.key.as_str()) {
                            errors.push(Error::new(
                                r.loc(a.key.span()),
                                format!(
                                    "attribute `{}` is set twice in {}",
                                    a.key.as_str(),
                                    r.what()
                                ),
                            ));
                        }
                        r.attrs.push(a);
                    } else {
                        errors.push(crate::hcl::parse::unknown(
                            scope.source,
                            a.key.span(),
                            "attribute",
                            a.key.as_str(),
                            &format!("in {}", r.what()),
                            attrs,
                        ));
                    }
                }
                Structure::Block(b) => {
                    if blocks.contains(&b.ident.as_str()) {
                        r.blocks.push(b);
                    } else if NOT_TRANSLATED.contains(&b.ident.as_str()) {
                        errors.push(not_translated(scope.source, b));
                    } else {
                        errors.push(crate::hcl::parse::unknown(
                            scope.source,
                            b.ident.span(),
                            "block",
                            b.ident.as_str(),
                            &format!("in {}", r.what()),
                            blocks,
                        ));
                    }
                }
            }
        }
        r
    }

    /// A reader of a block whose attributes and blocks another reader checks: it reports
    /// nothing unknown.
    pub(super) fn unchecked(scope: &'a Scope<'a>, block: &'a Block) -> Reader<'a> {
        let mut r = Reader::empty(scope, block);
        for s in block.body.iter() {
            match s {
                Structure::Attribute(a) => r.attrs.push(a),
                Structure::Block(b) => r.blocks.push(b),
            }
        }
        r
    }

    /// `table "users"`, for messages.
    pub(super) fn what(&self) -> String {
        describe_block(self.block)
    }

    pub(super) fn loc(&self, span: Option<Span>) -> Location {
        self.scope.source.location(span.map_or(0, |s| s.start))
    }

    /// The block's own location (its first line).
    pub(super) fn location(&self) -> Location {
        self.loc(self.block.span())
    }

    pub(super) fn attr(&self, name: &str) -> Option<&'a Attribute> {
        self.attrs.iter().copied().find(|a| a.key.as_str() == name)
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    /// The location of an attribute's value (or of the block when it is absent).
    pub(super) fn attr_location(&self, name: &str) -> Location {
        match self.attr(name) {
            Some(a) => self.loc(a.value.span().or(a.span())),
            None => self.location(),
        }
    }

    pub(super) fn children<'s>(&'s self, ident: &'s str) -> impl Iterator<Item = &'a Block> + 's {
        self.blocks
            .iter()
            .copied()
            .filter(move |b| b.ident.as_str() == ident)
    }

    /// An error at the block.
    pub(super) fn error(&self, message: impl Into<String>) -> Error {
        Error::new(self.location(), message)
    }

    /// Attributes Atlas accepts here that assay does not translate yet: an error each, so
    /// nothing is silently left out of the DDL.
    pub(super) fn not_translated(&self, names: &[&str], errors: &mut Vec<Error>) {
        for name in names {
            if self.has(name) {
                errors.push(Error::new(
                    self.attr_location(name),
                    format!(
                        "`{name}` in {} is Atlas syntax that assay does not translate yet; remove it (or set it in SQL)",
                        self.what()
                    ),
                ));
            }
        }
    }

    /// The evaluated value; `null` counts as absent (Atlas: setting null means omission).
    pub(super) fn value(&self, name: &str, errors: &mut Vec<Error>) -> Option<Value> {
        let a = self.attr(name)?;
        match eval(self.scope, a) {
            Ok(Value::Null) => None,
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    }

    fn type_error(&self, name: &str, want: &str, got: &Value) -> Error {
        Error::new(
            self.attr_location(name),
            format!("{name}: expected {want}, got {}", show(got)),
        )
    }

    pub(super) fn string(&self, name: &str, errors: &mut Vec<Error>) -> Option<String> {
        let v = self.value(name, errors)?;
        match to_string(&v) {
            Some(s) => Some(s),
            None => {
                errors.push(self.type_error(name, "a string", &v));
                None
            }
        }
    }

    /// A required string: absent is an error naming the attribute.
    pub(super) fn required_string(&self, name: &str, errors: &mut Vec<Error>) -> Option<String> {
        if !self.has(name) {
            errors.push(self.error(format!("{} needs `{name}`", self.what())));
            return None;
        }
        self.string(name, errors)
    }

    pub(super) fn bool(&self, name: &str, errors: &mut Vec<Error>) -> Option<bool> {
        match self.value(name, errors)? {
            Value::Bool(b) => Some(b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            v => {
                errors.push(self.type_error(name, "true or false", &v));
                None
            }
        }
    }

    pub(super) fn int(&self, name: &str, errors: &mut Vec<Error>) -> Option<i64> {
        let v = self.value(name, errors)?;
        let n = match &v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if n.is_none() {
            errors.push(self.type_error(name, "a whole number", &v));
        }
        n
    }

    /// A scoped identifier (`CASCADE`, `ROW`, `SET_NULL`) or a string, as upper-case SQL words
    /// with `_` read as a space when `spaces` is set.
    pub(super) fn ident(&self, name: &str, errors: &mut Vec<Error>) -> Option<String> {
        let a = self.attr(name)?;
        let text = match &a.value {
            EditExpr::Variable(v) if !is_scope_root(v.as_str()) => v.to_string(),
            _ => self.string(name, errors)?,
        };
        Some(text)
    }

    /// An identifier checked against the words the attribute allows (compared ignoring case and
    /// `_`/space), returned in its canonical SQL spelling.
    pub(super) fn keyword(
        &self,
        name: &str,
        allowed: &[&str],
        errors: &mut Vec<Error>,
    ) -> Option<String> {
        let raw = self.ident(name, errors)?;
        let norm = raw.replace('_', " ").to_uppercase();
        match allowed
            .iter()
            .find(|a| a.replace('_', " ").to_uppercase() == norm)
        {
            Some(a) => Some(a.replace('_', " ")),
            None => {
                errors.push(Error::new(
                    self.attr_location(name),
                    format!(
                        "{name}: unknown value `{raw}` in {}; use one of: {}",
                        self.what(),
                        allowed.join(", ")
                    ),
                ));
                None
            }
        }
    }

    /// One reference (`schema.public`, `table.users`, `column.id`).
    pub(super) fn reference(&self, name: &str, errors: &mut Vec<Error>) -> Option<Address> {
        let a = self.attr(name)?;
        match address(self.scope, &a.value, name) {
            Ok(addr) => addr,
            Err(e) => {
                errors.push(e);
                None
            }
        }
    }

    /// A list of references (`columns = [column.a, column.b]`).
    pub(super) fn references(&self, name: &str, errors: &mut Vec<Error>) -> Vec<Address> {
        let Some(a) = self.attr(name) else {
            return Vec::new();
        };
        let result = match &a.value {
            EditExpr::Array(items) => items
                .iter()
                .filter_map(|item| match address(self.scope, item, name) {
                    Ok(Some(addr)) => Some(Ok(addr)),
                    Ok(None) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<Vec<_>, _>>(),
            _ => match eval(self.scope, a) {
                Ok(Value::Array(items)) => {
                    let at = self.attr_location(name);
                    items
                        .iter()
                        .map(|v| value_address(v, &at, name))
                        .collect::<Result<Vec<_>, _>>()
                }
                Ok(Value::Null) => Ok(Vec::new()),
                Ok(v) => Err(self.type_error(name, "a list of references", &v)),
                Err(e) => Err(e),
            },
        };
        result.unwrap_or_else(|e| {
            errors.push(e);
            Vec::new()
        })
    }

    /// A list of strings (`values = ["a", "b"]`, `args = […]`).
    pub(super) fn strings(&self, name: &str, errors: &mut Vec<Error>) -> Vec<String> {
        match self.value(name, errors) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for v in &items {
                    match to_string(v) {
                        Some(s) => out.push(s),
                        None => errors.push(self.type_error(name, "a list of strings", v)),
                    }
                }
                out
            }
            Some(v) => {
                errors.push(self.type_error(name, "a list of strings", &v));
                Vec::new()
            }
        }
    }

    /// A `type` attribute: a registry name or call, `sql("…")`, or a reference to a declared
    /// type; references are returned as an address for the caller to resolve.
    pub(super) fn ty(&self, name: &str, errors: &mut Vec<Error>) -> Option<TypeOrRef> {
        let a = self.attr(name)?;
        let location = self.loc(a.value.span().or(a.span()));
        let kind = |k| {
            Some(TypeOrRef::Type(Type {
                kind: k,
                location: location.clone(),
            }))
        };
        match &a.value {
            EditExpr::Variable(v) if !is_scope_root(v.as_str()) => kind(TypeKind::Named {
                name: v.to_string(),
                args: Vec::new(),
            }),
            EditExpr::FuncCall(call)
                if call.name.namespace.is_empty() && call.name.name.as_str() != "sql" =>
            {
                let mut args = Vec::new();
                for arg in call.args.iter() {
                    let v = match arg {
                        EditExpr::Number(n) => Value::Number(*n.value()),
                        other => {
                            let expr = crate::hcl::arith::expression(other);
                            match hcl::eval::Evaluate::evaluate(&expr, self.scope.ctx_for(other)) {
                                Ok(v) => v,
                                Err(e) => {
                                    errors
                                        .push(Error::new(location.clone(), format!("{name}: {e}")));
                                    return None;
                                }
                            }
                        }
                    };
                    match v {
                        Value::Number(n) => args.push(TypeArg::Number(n.to_string())),
                        Value::String(s) => args.push(TypeArg::String(s)),
                        other => {
                            errors.push(Error::new(
                                location.clone(),
                                format!(
                                    "{name}: type arguments are numbers or strings, got {}",
                                    show(&other)
                                ),
                            ));
                            return None;
                        }
                    }
                }
                kind(TypeKind::Named {
                    name: call.name.name.to_string(),
                    args,
                })
            }
            _ => {
                if let Ok(Some(addr)) = syntactic_address(self.scope, &a.value) {
                    return Some(TypeOrRef::Ref(addr));
                }
                match self.value(name, errors)? {
                    Value::Object(m) if m.contains_key(SQL_KEY) => {
                        kind(TypeKind::Raw(to_string(&m[SQL_KEY]).unwrap_or_default()))
                    }
                    Value::Object(m) if m.contains_key(REF_KEY) => {
                        match value_address(&Value::Object(m), &location, name) {
                            Ok(addr) => Some(TypeOrRef::Ref(addr)),
                            Err(e) => {
                                errors.push(e);
                                None
                            }
                        }
                    }
                    // A string computed by an expression (`var.id_type`) is SQL type text.
                    Value::String(s) => kind(TypeKind::Raw(s)),
                    v => {
                        errors.push(self.type_error(
                            name,
                            "a type such as int, varchar(255) or sql(\"…\")",
                            &v,
                        ));
                        None
                    }
                }
            }
        }
    }

    /// A `default`: an HCL literal or `sql("…")`.
    pub(super) fn default_value(
        &self,
        name: &str,
        errors: &mut Vec<Error>,
    ) -> Option<DefaultValue> {
        match self.value(name, errors)? {
            Value::String(s) => Some(DefaultValue::String(s)),
            Value::Number(n) => Some(DefaultValue::Number(n.to_string())),
            Value::Bool(b) => Some(DefaultValue::Bool(b)),
            Value::Object(m) if m.contains_key(SQL_KEY) => Some(DefaultValue::Raw(
                to_string(&m[SQL_KEY]).unwrap_or_default(),
            )),
            v => {
                errors.push(self.type_error(name, "a string, number, bool or sql(\"…\")", &v));
                None
            }
        }
    }

    /// An identifier, a string, or `sql("…")` text (PostgreSQL operator classes).
    pub(super) fn raw_sql_or_ident(&self, name: &str, errors: &mut Vec<Error>) -> Option<String> {
        let a = self.attr(name)?;
        if let EditExpr::Variable(v) = &a.value
            && !is_scope_root(v.as_str())
        {
            return Some(v.to_string());
        }
        match self.value(name, errors)? {
            Value::Object(m) if m.contains_key(SQL_KEY) => to_string(&m[SQL_KEY]),
            Value::String(s) => Some(s),
            v => {
                errors.push(self.type_error(name, "a name or sql(\"…\")", &v));
                None
            }
        }
    }

    /// Raw SQL from `sql("…")` (MySQL `on_update`).
    pub(super) fn raw_sql(&self, name: &str, errors: &mut Vec<Error>) -> Option<String> {
        match self.value(name, errors)? {
            Value::Object(m) if m.contains_key(SQL_KEY) => to_string(&m[SQL_KEY]),
            v => {
                errors.push(self.type_error(name, "sql(\"…\")", &v));
                None
            }
        }
    }
}

/// A `type` value before references are resolved.
pub(super) enum TypeOrRef {
    Type(Type),
    Ref(Address),
}

/// `table "users"`, `table "public" "users"`, `index "i"`, `primary_key`.
pub(super) fn describe_block(block: &Block) -> String {
    let mut s = block.ident.to_string();
    for l in block.labels.iter() {
        s.push_str(&format!(" {:?}", l.as_str()));
    }
    s
}

/// Names bound by the evaluation scope; a bare identifier with another name is a scoped word
/// or a type name.
fn is_scope_root(name: &str) -> bool {
    matches!(name, "var" | "local" | "each")
}

/// Evaluates an attribute in the scope.
pub(super) fn eval(scope: &Scope<'_>, a: &Attribute) -> Result<Value, Error> {
    // Literals, most attributes of a schema, need no compiling.
    match &a.value {
        EditExpr::Bool(b) => return Ok(Value::Bool(*b.value())),
        EditExpr::Number(n) => return Ok(Value::Number(*n.value())),
        EditExpr::String(s) => return Ok(Value::from(s.as_str())),
        EditExpr::Null(_) => return Ok(Value::Null),
        _ => {}
    }
    let compiled = Attr::new(scope.source, a);
    if let Compiled::Const(v) = &compiled.expr {
        return Ok(v.clone());
    }
    compiled.eval(scope.source, scope.ctx_for(&a.value)).map_err(|mut e| {
        if let Some(i) = e.message.find("; in scope: var, local, each") {
            e.message.truncate(i);
            e.message.push_str(
                "; in scope: var, local, each (with for_each) and the blocks (schema, table, enum, …)",
            );
        }
        if e.message.contains("no such key") {
            e.message.push_str(
                " (nothing of that name is declared: check the reference against the labels of the blocks, variables and locals)",
            );
        }
        e
    })
}

/// A reference expression: read from the syntax when it is a plain traversal, otherwise
/// evaluated (`each.value` holding a reference). `Ok(None)` for `null`.
fn address(scope: &Scope<'_>, e: &EditExpr, attr: &str) -> Result<Option<Address>, Error> {
    if let Some(addr) = syntactic_address(scope, e)? {
        return Ok(Some(addr));
    }
    let at = scope.source.location(e.span().map_or(0, |s| s.start));
    let expr = crate::hcl::arith::expression(e);
    match hcl::eval::Evaluate::evaluate(&expr, scope.ctx_for(e)) {
        Ok(Value::Null) => Ok(None),
        Ok(v) => value_address(&v, &at, attr).map(Some),
        Err(err) => Err(Error::new(at, format!("{attr}: {err}"))),
    }
}

/// `root.a.b["c"]` with a root in [`REF_ROOTS`].
fn syntactic_address(scope: &Scope<'_>, e: &EditExpr) -> Result<Option<Address>, Error> {
    let EditExpr::Traversal(t) = e else {
        return Ok(None);
    };
    let EditExpr::Variable(root) = &t.expr else {
        return Ok(None);
    };
    if !REF_ROOTS.contains(&root.as_str()) {
        return Ok(None);
    }
    let location = scope.source.location(e.span().map_or(0, |s| s.start));
    let mut path = vec![root.to_string()];
    for op in &t.operators {
        match op.value() {
            TraversalOperator::GetAttr(name) => path.push(name.to_string()),
            TraversalOperator::Index(EditExpr::String(s)) => path.push(s.to_string()),
            _ => {
                return Err(Error::new(
                    location,
                    format!(
                        "a reference is written `{root}.name` or `{root}[\"name\"]`, not with an index or splat"
                    ),
                ));
            }
        }
    }
    Ok(Some(Address { path, location }))
}

/// The address an evaluated reference carries.
fn value_address(v: &Value, at: &Location, attr: &str) -> Result<Address, Error> {
    if let Value::Object(m) = v
        && let Some(Value::Array(parts)) = m.get(REF_KEY)
    {
        return Ok(Address {
            path: parts.iter().filter_map(to_string).collect(),
            location: at.clone(),
        });
    }
    Err(Error::new(
        at.clone(),
        format!(
            "{attr}: expected a reference such as table.users or column.id, got {}",
            show(v)
        ),
    ))
}
