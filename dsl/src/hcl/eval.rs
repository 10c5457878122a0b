//! Attribute values prepared for evaluation, and what the parser learns from their syntax.
//!
//! Each attribute is converted from the span-carrying hcl-edit tree to an evaluable form once per
//! `test` block; evaluating a case only walks that form. Evaluation errors from hcl-rs carry no
//! location, so every [`Attr`] keeps its span and the spans of its function calls.

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::expr::{Expression as EditExpr, TraversalOperator};
use hcl::edit::template::{Element, Template as EditTemplate};
use hcl::edit::visit::{self, Visit};
use hcl::eval::{Context, ErrorKind, Evaluate};

use super::{Literal, LiteralStyle};
use crate::source::{Error, SourceFile, Span};

/// An attribute's value, ready to evaluate.
#[derive(Debug)]
pub(crate) struct Attr {
    pub name: String,
    /// The span of the value expression.
    pub span: Span,
    pub expr: Compiled,
    /// Function calls in the expression (name, span), to place a function's error.
    pub calls: Vec<(String, Span)>,
    /// Set when the value is a plain string literal or a heredoc without interpolation.
    pub literal: Option<Literal>,
    /// Where the string content starts (byte offset) and whether its text maps to the file
    /// character for character.
    pub content_start: usize,
    pub exact: bool,
    /// The identifier, when the value is a bare identifier (`format = table`).
    pub ident: Option<String>,
}

#[derive(Debug)]
pub(crate) enum Compiled {
    /// No references: the value is known.
    Const(Value),
    /// A string template with interpolations: evaluated without re-parsing.
    Template(hcl::template::Template),
    Expr(hcl::Expression),
}

impl Attr {
    pub(crate) fn new(source: &SourceFile, attr: &hcl::edit::structure::Attribute) -> Attr {
        let value = &attr.value;
        let span = value.span().unwrap_or_else(|| attr.span().unwrap_or(0..0));
        let text = source.text();
        let mut calls = CallSpans::default();
        calls.visit_expr(value);
        let (literal, content_start, exact, expr) = match value {
            EditExpr::String(s) => {
                let raw = text
                    .get(span.start + 1..span.end.saturating_sub(1))
                    .unwrap_or("");
                let lit = Literal {
                    span: span.clone(),
                    style: LiteralStyle::Quoted,
                };
                (
                    Some(lit),
                    span.start + 1,
                    raw == s.as_str(),
                    Compiled::Const(Value::from(s.as_str())),
                )
            }
            EditExpr::StringTemplate(t) => {
                let lit = literal_text(t).map(|_| Literal {
                    span: span.clone(),
                    style: LiteralStyle::Quoted,
                });
                let expr = compile_template(&hcl::edit::template::Template::from(t.clone()));
                (lit, span.start + 1, false, expr)
            }
            EditExpr::HeredocTemplate(h) => {
                let head = text.get(span.clone()).unwrap_or("");
                let indent = head.starts_with("<<-");
                let start = head.find('\n').map_or(span.start, |i| span.start + i + 1);
                let is_literal = literal_text(&h.template).is_some();
                let lit = is_literal.then(|| Literal {
                    span: span.clone(),
                    style: LiteralStyle::Heredoc {
                        marker: h.delimiter.to_string(),
                        indent,
                    },
                });
                (
                    lit,
                    start,
                    is_literal && !indent,
                    compile_template(&h.template),
                )
            }
            other => (None, span.start, false, compile_expr(other)),
        };
        let ident = value.as_variable().map(|v| v.to_string());
        Attr {
            name: attr.key.to_string(),
            span,
            expr,
            calls: calls.0,
            literal,
            content_start,
            exact,
            ident,
        }
    }

    /// Evaluates the value; an error is placed at the attribute or at the failing call.
    pub(crate) fn eval(&self, source: &SourceFile, ctx: &Context<'_>) -> Result<Value, Error> {
        let result = match &self.expr {
            Compiled::Const(v) => return Ok(v.clone()),
            Compiled::Template(t) => t.evaluate(ctx).map(Value::String),
            Compiled::Expr(e) => e.evaluate(ctx),
        };
        result.map_err(|e| {
            let at = match e.kind() {
                ErrorKind::FuncCall(name, _) => {
                    let name = name.to_string();
                    self.calls
                        .iter()
                        .find(|c| c.0 == name)
                        .map_or(self.span.start, |c| c.1.start)
                }
                _ => self.span.start,
            };
            Error::new(
                source.location(at),
                format!("{}: {}", self.name, describe(e.kind())),
            )
        })
    }

    /// Evaluates to a string; numbers and bools are converted as HCL does.
    pub(crate) fn eval_string(
        &self,
        source: &SourceFile,
        ctx: &Context<'_>,
    ) -> Result<String, Error> {
        let v = self.eval(source, ctx)?;
        to_string(&v).ok_or_else(|| self.type_error(source, "a string", &v))
    }

    pub(crate) fn eval_bool(&self, source: &SourceFile, ctx: &Context<'_>) -> Result<bool, Error> {
        match self.eval(source, ctx)? {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            v => Err(self.type_error(source, "a bool", &v)),
        }
    }

    pub(crate) fn type_error(&self, source: &SourceFile, want: &str, got: &Value) -> Error {
        Error::new(
            source.location(self.span.start),
            format!("{}: expected {want}, got {}", self.name, show(got)),
        )
    }
}

/// A string value as HCL converts it: strings, numbers and bools; not null or collections.
pub(crate) fn to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value for an error message.
pub(crate) fn show(v: &Value) -> String {
    let text = match v {
        Value::Null => "null".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => super::functions::to_json(other).to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::FuncCall(name, message) if super::arith::is_internal(&name.to_string()) => {
            message.clone()
        }
        ErrorKind::UndefinedFunc(name)
            if super::functions::NAMES.contains(&name.to_string().as_str()) =>
        {
            format!("function `{name}` cannot be called here")
        }
        ErrorKind::UndefinedFunc(name) => {
            format!(
                "unknown function `{name}`; available: {}",
                super::functions::NAMES.join(", ")
            )
        }
        ErrorKind::UndefinedVar(name) => format!(
            "unknown variable `{name}`; in scope: var, local, each (with for_each), testing, self"
        ),
        other => other.to_string(),
    }
}

/// The literal text of a template made only of literals (`$${` escapes included).
fn literal_text(t: &EditTemplate) -> Option<String> {
    let mut out = String::new();
    for e in t.iter() {
        match e {
            Element::Literal(l) => out.push_str(l.value()),
            _ => return None,
        }
    }
    Some(out)
}

fn compile_template(t: &EditTemplate) -> Compiled {
    if let Some(text) = literal_text(t) {
        return Compiled::Const(Value::String(text));
    }
    // A template that is a single interpolation yields the value itself (HCL's unwrapping).
    if let Some(Element::Interpolation(i)) = t.as_single_element() {
        return compile_expr(&i.expr);
    }
    Compiled::Template(super::arith::template(t))
}

fn compile_expr(e: &EditExpr) -> Compiled {
    let expr = super::arith::expression(e);
    let mut refs = Refs::default();
    refs.visit_expr(e);
    if !refs.any {
        // Constant expressions (lists and objects of literals) are evaluated once.
        if let Ok(v) = expr.evaluate(&super::arith::context()) {
            return Compiled::Const(v);
        }
    }
    Compiled::Expr(expr)
}

#[derive(Default)]
struct CallSpans(Vec<(String, Span)>);

impl Visit for CallSpans {
    fn visit_func_call(&mut self, node: &hcl::edit::expr::FuncCall) {
        if let Some(span) = node.span() {
            self.0.push((node.name.name.to_string(), span));
        }
        visit::visit_func_call(self, node);
    }
}

/// Whether an expression refers to anything (a variable or a function).
#[derive(Default)]
struct Refs {
    any: bool,
}

impl Visit for Refs {
    fn visit_expr(&mut self, e: &EditExpr) {
        match e {
            EditExpr::Variable(_) | EditExpr::FuncCall(_) | EditExpr::ForExpr(_) => self.any = true,
            other => visit::visit_expr(self, other),
        }
    }
}

/// References of the form `root.name` in an expression, with the span of the traversal.
#[derive(Default)]
pub(crate) struct Traversals {
    /// (root, first attribute or "" when the root is used whole, span)
    pub found: Vec<(String, String, Span)>,
}

impl Visit for Traversals {
    fn visit_expr(&mut self, e: &EditExpr) {
        match e {
            EditExpr::Variable(v) => {
                self.found
                    .push((v.to_string(), String::new(), e.span().unwrap_or(0..0)));
            }
            EditExpr::Traversal(t) => {
                if let EditExpr::Variable(root) = &t.expr {
                    let first = match t.operators.first().map(|o| o.value()) {
                        Some(TraversalOperator::GetAttr(name)) => name.to_string(),
                        Some(TraversalOperator::Index(EditExpr::String(s))) => s.to_string(),
                        _ => String::new(),
                    };
                    self.found
                        .push((root.to_string(), first, t.span().unwrap_or(0..0)));
                    for op in &t.operators {
                        visit::visit_traversal_operator(self, op.value());
                    }
                } else {
                    visit::visit_traversal(self, t);
                }
            }
            other => visit::visit_expr(self, other),
        }
    }
}

impl Traversals {
    pub(crate) fn of_expr(e: &EditExpr) -> Traversals {
        let mut t = Traversals::default();
        t.visit_expr(e);
        t
    }

    pub(crate) fn of_body(b: &hcl::edit::structure::Body) -> Traversals {
        let mut t = Traversals::default();
        t.visit_body(b);
        t
    }

    /// Whether `testing.dev_url` / `self.dev_url` (or the whole object) is used.
    pub(crate) fn uses_dev_url(&self) -> bool {
        self.found.iter().any(|(root, attr, _)| {
            (root == "testing" || root == "self") && (attr.is_empty() || attr == "dev_url")
        })
    }
}

/// The names of all functions called anywhere in a file.
pub(crate) fn called_functions(
    body: &hcl::edit::structure::Body,
) -> std::collections::HashSet<String> {
    let mut calls = CallSpans::default();
    calls.visit_body(body);
    calls.0.into_iter().map(|c| c.0).collect()
}
