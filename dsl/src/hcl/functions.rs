//! Functions available in test files: the part of Atlas's `schemahcl` standard library that test
//! files use (strings, collections, JSON, `file`, `getenv`, regexes, URLs). atlas.hcl and test
//! files get the same set, everywhere an expression is allowed (variable defaults, locals, env
//! attributes, case attributes).
//!
//! hcl-rs has no built-in functions and a function is a plain `fn` pointer, so `file()` reads its
//! base directory from a thread-local that the evaluator sets around every evaluation
//! ([`with_base_dir`]).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

use super::url_functions as urls;

type Res = Result<Value, String>;

thread_local! {
    static BASE_DIR: RefCell<PathBuf> = RefCell::new(PathBuf::new());
}

/// Runs `f` with `file()` resolving relative paths against `dir`.
pub(crate) fn with_base_dir<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
    let previous = BASE_DIR.with(|d| std::mem::replace(&mut *d.borrow_mut(), dir.to_path_buf()));
    let out = f();
    BASE_DIR.with(|d| *d.borrow_mut() = previous);
    out
}

/// The names of every function, for error messages.
pub(crate) const NAMES: &[&str] = &[
    "abs",
    "chomp",
    "coalesce",
    "concat",
    "contains",
    "endswith",
    "file",
    "flatten",
    "format",
    "getenv",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "max",
    "merge",
    "min",
    "range",
    "regex",
    "regexall",
    "regexreplace",
    "replace",
    "reverse",
    "split",
    "startswith",
    "strrev",
    "substr",
    "title",
    "tobool",
    "tolist",
    "tonumber",
    "toset",
    "tostring",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "upper",
    "urlescape",
    "urlqueryset",
    "urlsetpath",
    "urluserinfo",
    "values",
];

/// Declares the functions for which `used` says yes. A file declares only the functions it calls:
/// every case clones its context, and 40 definitions would be most of that cost.
pub(crate) fn declare(ctx: &mut Context<'_>, used: impl Fn(&str) -> bool) {
    use ParamType::{Any, Number, String as Str};
    let list = || ParamType::array_of(Any);
    let strs = || ParamType::array_of(Str);
    let defs: Vec<(&str, FuncDef)> = vec![
        ("abs", FuncDef::new(abs, [Number])),
        ("chomp", FuncDef::new(chomp, [Str])),
        (
            "coalesce",
            FuncDef::builder().variadic_param(Any).build(coalesce),
        ),
        (
            "concat",
            FuncDef::builder().variadic_param(list()).build(concat),
        ),
        ("contains", FuncDef::new(contains, [list(), Any])),
        ("endswith", FuncDef::new(endswith, [Str, Str])),
        ("file", FuncDef::new(file, [Str])),
        ("flatten", FuncDef::new(flatten, [list()])),
        (
            "format",
            FuncDef::builder()
                .param(Str)
                .variadic_param(Any)
                .build(format),
        ),
        ("getenv", FuncDef::new(getenv, [Str])),
        (
            "join",
            FuncDef::builder()
                .param(Str)
                .variadic_param(strs())
                .build(join),
        ),
        ("jsondecode", FuncDef::new(jsondecode, [Str])),
        ("jsonencode", FuncDef::new(jsonencode, [Any])),
        ("keys", FuncDef::new(keys, [ParamType::object_of(Any)])),
        ("length", FuncDef::new(length, [Any])),
        (
            "lookup",
            FuncDef::builder()
                .params([ParamType::object_of(Any), Str])
                .variadic_param(Any)
                .build(lookup),
        ),
        ("lower", FuncDef::new(lower, [Str])),
        ("max", FuncDef::builder().variadic_param(Number).build(max)),
        (
            "merge",
            FuncDef::builder()
                .variadic_param(ParamType::nullable(ParamType::object_of(Any)))
                .build(merge),
        ),
        ("min", FuncDef::builder().variadic_param(Number).build(min)),
        (
            "range",
            FuncDef::builder().variadic_param(Number).build(range),
        ),
        ("regex", FuncDef::new(regex, [Str, Str])),
        ("regexall", FuncDef::new(regexall, [Str, Str])),
        ("regexreplace", FuncDef::new(regexreplace, [Str, Str, Str])),
        ("replace", FuncDef::new(replace, [Str, Str, Str])),
        ("reverse", FuncDef::new(reverse, [list()])),
        ("split", FuncDef::new(split, [Str, Str])),
        ("startswith", FuncDef::new(startswith, [Str, Str])),
        ("strrev", FuncDef::new(strrev, [Str])),
        ("substr", FuncDef::new(substr, [Str, Number, Number])),
        ("title", FuncDef::new(title, [Str])),
        ("tobool", FuncDef::new(tobool, [Any])),
        ("tolist", FuncDef::new(tolist, [list()])),
        ("tonumber", FuncDef::new(tonumber, [Any])),
        ("toset", FuncDef::new(toset, [list()])),
        ("tostring", FuncDef::new(tostring, [Any])),
        ("trim", FuncDef::new(trim, [Str, Str])),
        ("trimprefix", FuncDef::new(trimprefix, [Str, Str])),
        ("trimspace", FuncDef::new(trimspace, [Str])),
        ("trimsuffix", FuncDef::new(trimsuffix, [Str, Str])),
        ("upper", FuncDef::new(upper, [Str])),
        ("urlescape", FuncDef::new(urls::urlescape, [Str])),
        (
            "urlqueryset",
            FuncDef::new(urls::urlqueryset, [Str, Str, Str]),
        ),
        ("urlsetpath", FuncDef::new(urls::urlsetpath, [Str, Str])),
        (
            "urluserinfo",
            FuncDef::builder()
                .params([Str, Str])
                .variadic_param(Any)
                .build(urls::urluserinfo),
        ),
        ("values", FuncDef::new(values, [ParamType::object_of(Any)])),
    ];
    debug_assert_eq!(defs.len(), NAMES.len());
    super::arith::declare(ctx);
    for (name, def) in defs {
        if used(name) {
            ctx.declare_func(name, def);
        }
    }
}

fn s(args: &FuncArgs, i: usize) -> &str {
    // Parameter types are checked by hcl-rs before the call.
    args[i].as_str().unwrap_or_default()
}

fn num(args: &FuncArgs, i: usize) -> f64 {
    args[i]
        .as_number()
        .and_then(|n| n.as_f64())
        .unwrap_or_default()
}

fn arr(args: &FuncArgs, i: usize) -> &[Value] {
    args[i].as_array().map(Vec::as_slice).unwrap_or_default()
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        hcl::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// Text of a scalar as string interpolation renders it; collections are JSON.
pub(crate) fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => to_json(other).to_string(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn upper(a: FuncArgs) -> Res {
    Ok(s(&a, 0).to_uppercase().into())
}
fn lower(a: FuncArgs) -> Res {
    Ok(s(&a, 0).to_lowercase().into())
}
fn title(a: FuncArgs) -> Res {
    let mut out = String::new();
    let mut start = true;
    for c in s(&a, 0).chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    Ok(out.into())
}
fn strrev(a: FuncArgs) -> Res {
    Ok(s(&a, 0).chars().rev().collect::<String>().into())
}
fn chomp(a: FuncArgs) -> Res {
    Ok(s(&a, 0).trim_end_matches(['\n', '\r']).into())
}
fn trim(a: FuncArgs) -> Res {
    let cut = s(&a, 1);
    Ok(s(&a, 0).trim_matches(|c| cut.contains(c)).into())
}
fn trimspace(a: FuncArgs) -> Res {
    Ok(s(&a, 0).trim().into())
}
fn trimprefix(a: FuncArgs) -> Res {
    let (x, p) = (s(&a, 0), s(&a, 1));
    Ok(x.strip_prefix(p).unwrap_or(x).into())
}
fn trimsuffix(a: FuncArgs) -> Res {
    let (x, p) = (s(&a, 0), s(&a, 1));
    Ok(x.strip_suffix(p).unwrap_or(x).into())
}
fn startswith(a: FuncArgs) -> Res {
    Ok(s(&a, 0).starts_with(s(&a, 1)).into())
}
fn endswith(a: FuncArgs) -> Res {
    Ok(s(&a, 0).ends_with(s(&a, 1)).into())
}
fn replace(a: FuncArgs) -> Res {
    Ok(s(&a, 0).replace(s(&a, 1), s(&a, 2)).into())
}
fn substr(a: FuncArgs) -> Res {
    let chars: Vec<char> = s(&a, 0).chars().collect();
    let len = chars.len() as i64;
    let mut off = num(&a, 1) as i64;
    if off < 0 {
        off += len;
    }
    let off = off.clamp(0, len) as usize;
    let n = num(&a, 2) as i64;
    let end = if n < 0 {
        chars.len()
    } else {
        (off + n as usize).min(chars.len())
    };
    Ok(chars[off..end.max(off)].iter().collect::<String>().into())
}
fn split(a: FuncArgs) -> Res {
    let (sep, x) = (s(&a, 0), s(&a, 1));
    if x.is_empty() {
        return Ok(Value::Array(vec![Value::from("")]));
    }
    Ok(x.split(sep).map(Value::from).collect())
}
fn join(a: FuncArgs) -> Res {
    let sep = s(&a, 0);
    let items: Vec<&str> = a
        .variadic_args()
        .flat_map(|l| l.as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    if a.len() < 2 {
        return Err("at least one list is required".into());
    }
    Ok(items.join(sep).into())
}
fn length(a: FuncArgs) -> Res {
    match &a[0] {
        Value::String(s) => Ok(s.chars().count().into()),
        Value::Array(v) => Ok(v.len().into()),
        Value::Object(m) => Ok(m.len().into()),
        other => Err(format!("cannot take the length of a {}", type_name(other))),
    }
}
fn concat(a: FuncArgs) -> Res {
    Ok(Value::Array(
        a.iter()
            .flat_map(|l| l.as_array().cloned().unwrap_or_default())
            .collect(),
    ))
}
fn flatten_into(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::Array(inner) => flatten_into(inner, out),
            other => out.push(other.clone()),
        }
    }
}
fn flatten(a: FuncArgs) -> Res {
    let mut out = Vec::new();
    flatten_into(arr(&a, 0), &mut out);
    Ok(Value::Array(out))
}
fn tolist(a: FuncArgs) -> Res {
    Ok(a[0].clone())
}
fn toset(a: FuncArgs) -> Res {
    let mut out: Vec<Value> = Vec::new();
    for v in arr(&a, 0) {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    Ok(Value::Array(out))
}
fn reverse(a: FuncArgs) -> Res {
    Ok(Value::Array(arr(&a, 0).iter().rev().cloned().collect()))
}
fn contains(a: FuncArgs) -> Res {
    Ok(arr(&a, 0).contains(&a[1]).into())
}
fn coalesce(a: FuncArgs) -> Res {
    a.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "no non-null, non-empty argument".to_string())
}
fn keys(a: FuncArgs) -> Res {
    let m = a[0].as_object().cloned().unwrap_or_default();
    let mut k: Vec<String> = m.into_keys().collect();
    k.sort();
    Ok(k.into_iter().map(Value::from).collect())
}
fn values(a: FuncArgs) -> Res {
    let m = a[0].as_object().cloned().unwrap_or_default();
    let mut entries: Vec<(String, Value)> = m.into_iter().collect();
    entries.sort_by(|x, y| x.0.cmp(&y.0));
    Ok(Value::Array(entries.into_iter().map(|e| e.1).collect()))
}
fn merge(a: FuncArgs) -> Res {
    let mut out = hcl::Map::new();
    for m in a.iter().filter_map(Value::as_object) {
        for (k, v) in m {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}
fn lookup(a: FuncArgs) -> Res {
    let m = a[0].as_object().cloned().unwrap_or_default();
    match m.get(s(&a, 1)) {
        Some(v) => Ok(v.clone()),
        None => a
            .get(2)
            .cloned()
            .ok_or_else(|| format!("no key {:?} and no default", s(&a, 1))),
    }
}
fn abs(a: FuncArgs) -> Res {
    Ok(number(num(&a, 0).abs()))
}
fn min(a: FuncArgs) -> Res {
    let v: Vec<f64> = a
        .iter()
        .filter_map(|v| v.as_number().and_then(|n| n.as_f64()))
        .collect();
    v.into_iter()
        .reduce(f64::min)
        .map(number)
        .ok_or_else(|| "at least one number is required".into())
}
fn max(a: FuncArgs) -> Res {
    let v: Vec<f64> = a
        .iter()
        .filter_map(|v| v.as_number().and_then(|n| n.as_f64()))
        .collect();
    v.into_iter()
        .reduce(f64::max)
        .map(number)
        .ok_or_else(|| "at least one number is required".into())
}
/// `range(end)`, `range(start, end)`, `range(start, end, step)`, as Terraform.
fn range(a: FuncArgs) -> Res {
    let n: Vec<f64> = a
        .iter()
        .filter_map(|v| v.as_number().and_then(|n| n.as_f64()))
        .collect();
    let (start, end, step) = match n.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, if start <= end { 1.0 } else { -1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return Err("range takes 1 to 3 numbers".into()),
    };
    if step == 0.0 || (step > 0.0) != (start <= end) && start != end {
        return Err("step must be non-zero and move from start towards end".into());
    }
    let count = ((end - start) / step).ceil().max(0.0);
    if count > 1_000_000.0 {
        return Err("range too large (more than 1000000 elements)".into());
    }
    Ok((0..count as usize)
        .map(|i| number(start + step * i as f64))
        .collect())
}
fn tostring(a: FuncArgs) -> Res {
    match &a[0] {
        Value::Array(_) | Value::Object(_) => {
            Err(format!("cannot convert a {} to a string", type_name(&a[0])))
        }
        Value::Null => Ok(Value::Null),
        v => Ok(display(v).into()),
    }
}
fn tonumber(a: FuncArgs) -> Res {
    match &a[0] {
        Value::Number(_) | Value::Null => Ok(a[0].clone()),
        Value::String(x) => x
            .trim()
            .parse::<f64>()
            .map(number)
            .map_err(|_| format!("cannot convert {x:?} to a number")),
        v => Err(format!("cannot convert a {} to a number", type_name(v))),
    }
}
fn tobool(a: FuncArgs) -> Res {
    match &a[0] {
        Value::Bool(_) | Value::Null => Ok(a[0].clone()),
        Value::String(x) if x == "true" => Ok(true.into()),
        Value::String(x) if x == "false" => Ok(false.into()),
        v => Err(format!("cannot convert `{}` to a bool", display(v))),
    }
}
fn getenv(a: FuncArgs) -> Res {
    Ok(std::env::var(s(&a, 0)).unwrap_or_default().into())
}
fn file(a: FuncArgs) -> Res {
    let rel = Path::new(s(&a, 0));
    let path = BASE_DIR.with(|d| d.borrow().join(rel));
    std::fs::read_to_string(&path)
        .map(Value::from)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| format!("invalid regex: {e}"))
}
/// Atlas (cty) semantics: no groups → the match; named groups → an object; else a list.
fn captures(re: &regex::Regex, caps: regex::Captures<'_>) -> Value {
    if re.captures_len() == 1 {
        return caps.get(0).map_or("", |m| m.as_str()).into();
    }
    if re.capture_names().flatten().next().is_some() {
        return re
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| {
                n.map(|n| {
                    (
                        n.to_string(),
                        Value::from(caps.get(i).map_or("", |m| m.as_str())),
                    )
                })
            })
            .collect();
    }
    (1..re.captures_len())
        .map(|i| Value::from(caps.get(i).map_or("", |m| m.as_str())))
        .collect()
}
fn regex(a: FuncArgs) -> Res {
    let re = compile(s(&a, 0))?;
    let caps = re
        .captures(s(&a, 1))
        .ok_or("pattern did not match any part of the given string")?;
    Ok(captures(&re, caps))
}
fn regexall(a: FuncArgs) -> Res {
    let re = compile(s(&a, 0))?;
    Ok(re
        .captures_iter(s(&a, 1))
        .map(|c| captures(&re, c))
        .collect())
}
fn regexreplace(a: FuncArgs) -> Res {
    let re = compile(s(&a, 1))?;
    Ok(re.replace_all(s(&a, 0), s(&a, 2)).into_owned().into())
}

pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(J::Null, J::Number)
            }
        }
        Value::String(s) => J::String(s.clone()),
        Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        Value::Object(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}
pub(crate) fn from_json(v: serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => b.into(),
        J::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into(),
            (_, Some(u)) => u.into(),
            _ => n.as_f64().map_or(Value::Null, number),
        },
        J::String(s) => s.into(),
        J::Array(a) => a.into_iter().map(from_json).collect(),
        J::Object(m) => m.into_iter().map(|(k, v)| (k, from_json(v))).collect(),
    }
}
fn jsonencode(a: FuncArgs) -> Res {
    Ok(to_json(&a[0]).to_string().into())
}
fn jsondecode(a: FuncArgs) -> Res {
    serde_json::from_str(s(&a, 0))
        .map(from_json)
        .map_err(|e| format!("invalid JSON: {e}"))
}

/// printf-style formatting as Go's `fmt` / Terraform's `format`: `%s %d %v %q %f %t %%`, with
/// optional `-` / `0` flags, width and precision.
fn format(a: FuncArgs) -> Res {
    let spec = s(&a, 0).to_string();
    let args: Vec<&Value> = a.variadic_args().collect();
    let mut next = 0;
    let mut out = String::with_capacity(spec.len());
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let (mut left, mut zero) = (false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let verb = chars
            .next()
            .ok_or("format string ends with an unfinished verb")?;
        let arg = *args
            .get(next)
            .ok_or_else(|| format!("not enough arguments for %{verb}"))?;
        next += 1;
        let text = match verb {
            's' | 'v' => display(arg),
            'q' => serde_json::Value::String(display(arg)).to_string(),
            't' => match arg {
                Value::Bool(b) => b.to_string(),
                v => return Err(format!("%t needs a bool, got {}", type_name(v))),
            },
            'd' => match arg.as_number().and_then(|n| n.as_f64()) {
                Some(f) if f.fract() == 0.0 => format!("{}", f as i64),
                _ => return Err(format!("%d needs a whole number, got `{}`", display(arg))),
            },
            'f' => match arg.as_number().and_then(|n| n.as_f64()) {
                Some(f) => format!("{:.*}", precision.unwrap_or(6), f),
                None => return Err(format!("%f needs a number, got `{}`", display(arg))),
            },
            other => return Err(format!("unsupported verb %{other}")),
        };
        let text = match (verb, precision) {
            ('s' | 'v', Some(p)) => text.chars().take(p).collect(),
            _ => text,
        };
        let width: usize = width.parse().unwrap_or(0);
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            let fill = if zero && matches!(verb, 'd' | 'f') {
                '0'
            } else {
                ' '
            };
            out.extend(std::iter::repeat_n(fill, pad));
            out.push_str(&text);
        }
    }
    if next < args.len() {
        return Err(format!(
            "too many arguments: the format uses {next}, got {}",
            args.len()
        ));
    }
    Ok(out.into())
}
