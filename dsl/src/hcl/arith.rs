//! Arithmetic that cannot panic or wrap.
//!
//! hcl-rs computes `+ - * / %` on its numbers with Rust's integer operators: `5 % 0` panics in
//! any build, and an integer result past 64 bits panics in a debug build and wraps in a release
//! one (found by the `atlas_hcl` fuzz target). So before an expression is evaluated, every
//! arithmetic operation in it is rewritten into a call of one of the functions here, declared in
//! every evaluation context. **(assay)** An integer result that does not fit 64 bits is computed
//! as a float (as hcl-rs already does for `-x`); division or remainder by zero, and a result
//! that is no finite number, are errors at the attribute.

use hcl::Value;
use hcl::edit::expr::{BinaryOperator, Expression, FuncArgs, FuncCall, Object, ObjectKey};
use hcl::edit::template::Template;
use hcl::edit::visit_mut::{self, VisitMut};
use hcl::eval::{Context, ErrorKind, FuncDef, ParamType};

/// The functions arithmetic is rewritten into, with their operators.
const FUNCTIONS: [(&str, BinaryOperator); 5] = [
    ("assay_add", BinaryOperator::Plus),
    ("assay_subtract", BinaryOperator::Minus),
    ("assay_multiply", BinaryOperator::Mul),
    ("assay_divide", BinaryOperator::Div),
    ("assay_modulo", BinaryOperator::Mod),
];

/// Whether `name` is one of this module's functions (its errors are shown without the name).
pub(crate) fn is_internal(name: &str) -> bool {
    FUNCTIONS.iter().any(|(n, _)| *n == name)
}

/// Declares the arithmetic functions in `ctx`.
pub(crate) fn declare(ctx: &mut Context<'_>) {
    let params = [ParamType::Any, ParamType::Any];
    ctx.declare_func("assay_add", FuncDef::new(add, params.clone()));
    ctx.declare_func("assay_subtract", FuncDef::new(subtract, params.clone()));
    ctx.declare_func("assay_multiply", FuncDef::new(multiply, params.clone()));
    ctx.declare_func("assay_divide", FuncDef::new(divide, params.clone()));
    ctx.declare_func("assay_modulo", FuncDef::new(modulo, params));
}

fn add(args: hcl::eval::FuncArgs) -> Result<Value, String> {
    apply(BinaryOperator::Plus, args)
}

fn subtract(args: hcl::eval::FuncArgs) -> Result<Value, String> {
    apply(BinaryOperator::Minus, args)
}

fn multiply(args: hcl::eval::FuncArgs) -> Result<Value, String> {
    apply(BinaryOperator::Mul, args)
}

fn divide(args: hcl::eval::FuncArgs) -> Result<Value, String> {
    apply(BinaryOperator::Div, args)
}

fn modulo(args: hcl::eval::FuncArgs) -> Result<Value, String> {
    apply(BinaryOperator::Mod, args)
}

/// A context holding only the arithmetic functions (for constant expressions).
pub(crate) fn context() -> Context<'static> {
    let mut ctx = Context::new();
    declare(&mut ctx);
    ctx
}

/// `e` converted for evaluation, its arithmetic rewritten into checked calls.
pub(crate) fn expression(e: &Expression) -> hcl::Expression {
    let mut e = e.clone();
    Checked.visit_expr_mut(&mut e);
    e.into()
}

/// `t` converted for evaluation, the arithmetic of its interpolations rewritten.
pub(crate) fn template(t: &Template) -> hcl::template::Template {
    let mut t = t.clone();
    Checked.visit_template_mut(&mut t);
    hcl::template::Template::from(t)
}

struct Checked;

impl VisitMut for Checked {
    /// hcl-edit's visitor does not enter object keys (they cannot change in place), and a key
    /// may be any expression (`{ (5 % 0) = 1 }`): the object is rebuilt with its keys rewritten.
    fn visit_object_mut(&mut self, node: &mut Object) {
        for (mut key, mut value) in std::mem::take(node) {
            if let ObjectKey::Expression(e) = &mut key {
                self.visit_expr_mut(e);
            }
            self.visit_object_value_mut(&mut value);
            node.insert(key, value);
        }
    }

    fn visit_expr_mut(&mut self, node: &mut Expression) {
        visit_mut::visit_expr_mut(self, node);
        let Expression::BinaryOp(op) = node else {
            return;
        };
        let operator = *op.operator.value();
        let Some((name, _)) = FUNCTIONS.iter().find(|(_, o)| *o == operator) else {
            return;
        };
        let args = FuncArgs::from(vec![op.lhs_expr.clone(), op.rhs_expr.clone()]);
        let call = FuncCall::new(hcl::edit::Ident::new(*name), args);
        *node = Expression::FuncCall(Box::new(call));
    }
}

fn apply(operator: BinaryOperator, args: hcl::eval::FuncArgs) -> Result<Value, String> {
    let (Value::Number(a), Value::Number(b)) = (&args[0], &args[1]) else {
        let kind = ErrorKind::BinaryOp(args[0].clone(), operator, args[1].clone());
        return Err(kind.to_string());
    };
    compute(operator, a, b).map(Value::Number)
}

/// `a operator b` as hcl-rs computes it, without panicking or wrapping.
fn compute(
    operator: BinaryOperator,
    a: &hcl::Number,
    b: &hcl::Number,
) -> Result<hcl::Number, String> {
    use BinaryOperator::{Div, Minus, Mod, Mul, Plus};
    let zero = b.as_f64() == Some(0.0);
    if zero && matches!(operator, Div | Mod) {
        return Err(format!("division by zero in {a} {} {b}", operator.as_str()));
    }
    // Integers stay integers while the result fits 64 bits, as in hcl-rs.
    let integer = |n: &hcl::Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    if operator != Div
        && let (Some(x), Some(y)) = (integer(a), integer(b))
    {
        let exact = match operator {
            Plus => x.checked_add(y),
            Minus => x.checked_sub(y),
            Mul => x.checked_mul(y),
            _ => x.checked_rem(y),
        };
        if let Some(n) = exact {
            if let Ok(n) = i64::try_from(n) {
                return Ok(hcl::Number::from(n));
            }
            if let Ok(n) = u64::try_from(n) {
                return Ok(hcl::Number::from(n));
            }
        }
    }
    let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
    let f = match operator {
        Plus => x + y,
        Minus => x - y,
        Mul => x * y,
        Div => x / y,
        _ => x % y,
    };
    hcl::Number::from_f64(f).ok_or_else(|| {
        format!(
            "{a} {} {b} is out of the range of numbers",
            operator.as_str()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(text: &str) -> Result<Value, String> {
        let e = hcl::edit::parser::parse_expr(text).unwrap();
        expression(&e)
            .evaluate(&context())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn arithmetic_reads_as_before() {
        assert_eq!(eval("1 + 2 * 3").unwrap(), Value::from(7));
        assert_eq!(eval("7 - 10").unwrap(), Value::from(-3));
        assert_eq!(eval("7 % 3").unwrap(), Value::from(1));
        assert_eq!(eval("-7 % 3").unwrap(), Value::from(-1));
        assert_eq!(eval("7 / 2").unwrap(), Value::from(3.5));
        assert_eq!(eval("6 / 2").unwrap(), Value::from(3));
        assert_eq!(eval("1.5 * 2").unwrap(), Value::from(3));
        assert_eq!(eval("[1 + 1, { a = 2 * 2 }]"), eval("[2, { a = 4 }]"));
        assert!(eval("\"a\" + 1").unwrap_err().contains("\"a\""));
    }

    #[test]
    fn overflow_and_division_by_zero_do_not_panic() {
        // The atlas_hcl fuzz finding: a product past 64 bits panicked in hcl-primitives.
        assert_eq!(
            eval("9223372036854775807 * 4").unwrap(),
            Value::from(3.6893488147419103e19)
        );
        assert_eq!(
            eval("18446744073709551615 + 1").unwrap(),
            Value::from(18446744073709551616.0)
        );
        assert_eq!(
            eval("-9223372036854775807 - 5").unwrap(),
            Value::from(-9223372036854775812.0)
        );
        assert!(
            eval("5 % 0")
                .unwrap_err()
                .contains("division by zero in 5 % 0")
        );
        assert!(
            eval("5 / 0")
                .unwrap_err()
                .contains("division by zero in 5 / 0")
        );
        assert!(eval("1e308 * 10").unwrap_err().contains("out of the range"));
        assert_eq!(eval("{ (1 + 1) = 2 * 2 }"), eval("{ \"2\" = 4 }"));
        // Everywhere an expression can stand (object keys were the fuzz target's next finding).
        for text in [
            "\"x${5 % 0}\"",
            "{ (5 % 0) = 1 }",
            "{ a = { (1 / 0) = 1 } }",
            "[for x in [1, 2] : x % 0]",
            "{ for x in [1, 2] : x => x % 0 }",
            "[for x in [1, 2] : x if x % 0 == 1]",
            "[1, 2][5 % 0]",
            "5 % 0 == 0 ? 1 : 2",
            "(5 % 0)",
            "-(5 % 0)",
            "!(5 % 0 == 1)",
            "\"%{ if 5 % 0 == 1 }a%{ endif }\"",
            "\"%{ for x in [1] }${x % 0}%{ endfor }\"",
        ] {
            assert!(
                eval(text).unwrap_err().contains("division by zero"),
                "{text}"
            );
        }
    }
}
