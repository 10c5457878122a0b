//! `variable` blocks (values from `--var` and atlas.hcl, converted to the declared type) and
//! `locals` (resolved in dependency order; a cycle is an error).

use std::collections::HashMap;

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::expr::Expression as EditExpr;
use hcl::edit::structure::{Attribute, Block};
use hcl::eval::Context;

use super::Inputs;
use super::eval::{Attr, Traversals, show};
use crate::source::{Error, SourceFile};

/// A declared type: `string`, `number`, `bool`, `any`, `list(T)`, `set(T)`, `map(T)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Map(Box<Type>),
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Map(t) => write!(f, "map({t})"),
        }
    }
}

fn parse_type(e: &EditExpr) -> Option<Type> {
    match e {
        EditExpr::Variable(v) => match v.as_str() {
            "string" => Some(Type::String),
            "number" => Some(Type::Number),
            "bool" => Some(Type::Bool),
            "any" => Some(Type::Any),
            _ => None,
        },
        EditExpr::FuncCall(call) if call.args.len() == 1 => {
            let inner = Box::new(parse_type(call.args.iter().next()?)?);
            match call.name.name.as_str() {
                "list" | "set" => Some(Type::List(inner)),
                "map" => Some(Type::Map(inner)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Converts a value to a type as HCL (cty) does: numbers and bools to strings and back.
pub(crate) fn convert(v: Value, ty: &Type) -> Result<Value, String> {
    let fail = |v: &Value| Err(format!("expected {ty}, got {}", show(v)));
    match (ty, v) {
        (Type::Any, v) => Ok(v),
        (_, Value::Null) => Ok(Value::Null),
        (Type::String, v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Ok(
            Value::String(super::eval::to_string(&v).unwrap_or_default()),
        ),
        (Type::Number, v @ Value::Number(_)) => Ok(v),
        (Type::Number, Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(i) => Ok(Value::from(i)),
            Err(_) => match s.trim().parse::<f64>().ok().and_then(hcl::Number::from_f64) {
                Some(n) => Ok(Value::Number(n)),
                None => fail(&Value::String(s)),
            },
        },
        (Type::Bool, v @ Value::Bool(_)) => Ok(v),
        (Type::Bool, Value::String(s)) => match s.as_str() {
            "true" => Ok(true.into()),
            "false" => Ok(false.into()),
            _ => fail(&Value::String(s)),
        },
        (Type::List(t), Value::Array(items)) => items
            .into_iter()
            .map(|i| convert(i, t))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        (Type::Map(t), Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| convert(v, t).map(|v| (k, v)))
            .collect::<Result<hcl::Map<_, _>, _>>()
            .map(Value::Object),
        (_, v) => fail(&v),
    }
}

/// Converts `--var` strings to a type. Repeated keys build a list; a map is written in HCL
/// object syntax (`--var 'm={a = "b"}'`).
fn convert_strings(raw: &[&str], ty: &Type) -> Result<Value, String> {
    match ty {
        Type::List(inner) => raw
            .iter()
            .map(|s| convert(Value::from(*s), inner))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Type::Any if raw.len() > 1 => Ok(raw.iter().map(|s| Value::from(*s)).collect()),
        _ if raw.len() > 1 => Err(format!(
            "expected a single {ty} value, got {} values",
            raw.len()
        )),
        Type::Map(_) => {
            if let Err(refused) = super::nesting::check(raw[0]) {
                return Err(format!(
                    "expected {ty} in HCL object syntax: {}",
                    refused.message()
                ));
            }
            let expr = hcl::edit::parser::parse_expr(raw[0])
                .map_err(|e| format!("expected {ty} in HCL object syntax: {}", e.message()))?;
            let expr = super::arith::expression(&expr);
            let v = hcl::eval::Evaluate::evaluate(&expr, &super::arith::context())
                .map_err(|e| e.to_string())?;
            convert(v, ty)
        }
        _ => convert(Value::from(raw[0]), ty),
    }
}

/// Resolves every `variable` block into the `var` object. A `default` is evaluated in `ctx`,
/// which holds the functions (Atlas's documented `default = getenv("DB_URL")`) but not `var` or
/// `local`: a default may not refer to other variables.
pub(crate) fn variables(
    source: &SourceFile,
    blocks: &[&Block],
    inputs: &Inputs,
    ctx: &Context<'_>,
    errors: &mut Vec<Error>,
) -> Value {
    let mut raw: HashMap<&str, Vec<&str>> = HashMap::new();
    for (k, v) in &inputs.vars {
        raw.entry(k.as_str()).or_default().push(v.as_str());
    }
    // A value for an undeclared variable is ignored, not an error: Atlas passes one set of
    // `--var`s to every file of a run, and each file declares only the ones it uses.
    let mut out = hcl::Map::new();
    for block in blocks {
        let at = source.location(block.span().map_or(0, |s| s.start));
        let Some(name) = super::parse::single_label(source, block, "variable", errors) else {
            continue;
        };
        if out.contains_key(&name) {
            errors.push(Error::new(
                at,
                format!("variable \"{name}\" is declared twice"),
            ));
            continue;
        }
        let mut ty = Type::Any;
        let mut default = None;
        for attr in
            super::parse::attributes(source, block, &["type", "default", "description"], errors)
        {
            match attr.key.as_str() {
                "type" => match parse_type(&attr.value) {
                    Some(t) => ty = t,
                    None => errors.push(Error::new(
                        value_loc(source, attr),
                        format!("variable \"{name}\": unknown type; use string, number, bool, any, list(T), set(T) or map(T)"),
                    )),
                },
                "default" => default = Some(attr),
                _ => {}
            }
        }
        let value = if let Some(strings) = raw.get(name.as_str()) {
            convert_strings(strings, &ty).map_err(|e| {
                Error::new(
                    at.clone(),
                    format!("invalid value for variable \"{name}\": {e}"),
                )
            })
        } else if let Some(v) = inputs.values.get(&name) {
            convert(v.clone(), &ty).map_err(|e| {
                Error::new(
                    at.clone(),
                    format!("invalid value for variable \"{name}\": {e}"),
                )
            })
        } else if let Some(attr) = default {
            Attr::new(source, attr).eval(source, ctx).and_then(|v| {
                convert(v, &ty).map_err(|e| {
                    Error::new(
                        value_loc(source, attr),
                        format!("invalid default for variable \"{name}\": {e}"),
                    )
                })
            })
        } else {
            Err(Error::new(
                at.clone(),
                format!("missing value for required variable \"{name}\""),
            ))
        };
        match value {
            Ok(v) => {
                out.insert(name, v);
            }
            Err(e) => {
                errors.push(e);
                out.insert(name, Value::Null);
            }
        }
    }
    Value::Object(out)
}

fn value_loc(source: &SourceFile, attr: &Attribute) -> crate::source::Location {
    source.location(attr.value.span().or(attr.span()).map_or(0, |s| s.start))
}

/// Resolves every attribute of the `locals` blocks, in dependency order. `ctx` holds `var` and
/// the functions; the result is the `local` object.
pub(crate) fn locals(
    source: &SourceFile,
    blocks: &[&Block],
    ctx: &mut Context<'_>,
    errors: &mut Vec<Error>,
) -> Value {
    locals_after(source, blocks, ctx, hcl::Map::new(), errors)
}

/// [`locals`] of one more file, with `earlier` (the locals of files read before it) in scope;
/// the result holds both.
pub(crate) fn locals_after(
    source: &SourceFile,
    blocks: &[&Block],
    ctx: &mut Context<'_>,
    earlier: hcl::Map<String, Value>,
    errors: &mut Vec<Error>,
) -> Value {
    let mut defs: Vec<&Attribute> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for block in blocks {
        if !block.labels.is_empty() {
            errors.push(Error::new(
                source.location(block.span().map_or(0, |s| s.start)),
                "locals takes no labels",
            ));
        }
        for attr in super::parse::attributes(source, block, &[], errors) {
            let name = attr.key.to_string();
            if let Some(&first) = index.get(&name) {
                let first = value_loc(source, defs[first]);
                errors.push(Error::new(
                    source.location(attr.span().map_or(0, |s| s.start)),
                    format!("local \"{name}\" is defined twice (first at {first})"),
                ));
                continue;
            }
            index.insert(name, defs.len());
            defs.push(attr);
        }
    }
    // Dependencies from `local.x` references; unknown names are left to evaluation's error.
    let deps: Vec<Vec<usize>> = defs
        .iter()
        .map(|a| {
            Traversals::of_expr(&a.value)
                .found
                .into_iter()
                .filter(|(root, _, _)| root == "local")
                .filter_map(|(_, name, _)| index.get(&name).copied())
                .collect()
        })
        .collect();
    // Depth-first topological order; a back edge is a cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks = vec![Mark::New; defs.len()];
    let mut order = Vec::with_capacity(defs.len());
    let mut in_cycle = vec![false; defs.len()];
    fn visit(
        i: usize,
        deps: &[Vec<usize>],
        marks: &mut [Mark],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
        in_cycle: &mut [bool],
    ) {
        marks[i] = Mark::Active;
        stack.push(i);
        for &d in &deps[i] {
            match marks[d] {
                Mark::New => visit(d, deps, marks, order, stack, in_cycle),
                Mark::Active => {
                    let from = stack.iter().position(|&s| s == d).unwrap_or(0);
                    for &s in &stack[from..] {
                        in_cycle[s] = true;
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
        order.push(i);
    }
    let mut stack = Vec::new();
    for i in 0..defs.len() {
        if marks[i] == Mark::New {
            visit(i, &deps, &mut marks, &mut order, &mut stack, &mut in_cycle);
        }
    }
    let mut values = earlier;
    for i in order {
        let attr = defs[i];
        let name = attr.key.to_string();
        if in_cycle[i] {
            errors.push(Error::new(
                value_loc(source, attr),
                format!("local \"{name}\" refers to itself through a cycle of locals"),
            ));
            values.insert(name, Value::Null);
            continue;
        }
        ctx.declare_var("local", Value::Object(values.clone()));
        let v = Attr::new(source, attr)
            .eval(source, ctx)
            .unwrap_or_else(|e| {
                errors.push(e);
                Value::Null
            });
        values.insert(name, v);
    }
    Value::Object(values)
}
