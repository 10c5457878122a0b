//! `data "template_dir"`: a migration directory whose top-level `.sql` files are Go templates
//! (`text/template`), rendered with the block's `vars`.
//!
//! assay renders the subset real projects use: `{{ .name }}` (and `.a.b` into maps), `{{ . }}`,
//! `{{ if PIPE }} … {{ else if PIPE }} … {{ else }} … {{ end }}` (Go's truth: false, 0, null,
//! and empty strings, lists and maps are false), `{{ range PIPE }} … {{ else }} … {{ end }}`
//! over a list (`.` is the element, `$.name` the data) or a map (in key order), `{{- … -}}`
//! trimming, and
//! `{{/* comments */}}`. Anything else — functions, pipelines, variables, `define`, `with` —
//! is an error at its `file:line:col`, as is a field that `vars` does not have (Atlas fails to
//! render a template with a missing variable too).

use std::path::Path;

use hcl::Value;

use crate::source::{Error, Location, SourceFile};

/// Renders every top-level `*.sql` file of `dir` (by name); other files are copied as they
/// are, except `atlas.sum`, which the caller computes for the rendered files.
pub fn render_dir(dir: &Path, vars: &Value, at: &Location) -> Result<Vec<(String, String)>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::new(
            at.clone(),
            format!(
                "data \"template_dir\": cannot read the directory {}: {e}; `path` is relative to atlas.hcl",
                dir.display()
            ),
        )
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != "atlas.sum")
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let path = dir.join(&name);
        let source = SourceFile::read(&path).map_err(|e| Error::new(at.clone(), e.to_string()))?;
        let text = if name.ends_with(".sql") {
            render(&source, vars)?
        } else {
            source.text().to_string()
        };
        out.push((name, text));
    }
    Ok(out)
}

/// Renders one template.
pub fn render(source: &SourceFile, vars: &Value) -> Result<String, Error> {
    let nodes = parse(source)?;
    let mut out = String::new();
    exec(source, &nodes, vars, vars, &mut out)?;
    Ok(out)
}

#[derive(Debug)]
enum Node {
    Text(String),
    /// `{{ .a.b }}` or `{{ . }}`.
    Field(Pipe),
    If(Vec<(Pipe, Vec<Node>)>, Vec<Node>),
    Range(Pipe, Vec<Node>, Vec<Node>),
}

#[derive(Debug)]
struct Pipe {
    /// `$.a`: from the template's data, not from `.` (which `range` rebinds).
    root: bool,
    path: Vec<String>,
    at: usize,
}

/// The template as nodes: text and actions, with `if` / `range` blocks closed by `end`.
fn parse(source: &SourceFile) -> Result<Vec<Node>, Error> {
    let text = source.text();
    let mut items: Vec<Item> = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    while let Some(rel) = text[pos..].find("{{") {
        let open = pos + rel;
        let mut chunk = &text[pos..open];
        if trim_next {
            chunk = chunk.trim_start();
        }
        let mut inner_start = open + 2;
        // `{{- ` trims the text before, ` -}}` the text after.
        if text[inner_start..].starts_with("- ") || text[inner_start..].starts_with("-\n") {
            chunk = chunk.trim_end();
            inner_start += 1;
        }
        let Some(close_rel) = text[inner_start..].find("}}") else {
            return Err(Error::new(
                source.location(open),
                "template: unclosed action (`{{` without `}}`)",
            ));
        };
        let close = inner_start + close_rel;
        let mut inner = &text[inner_start..close];
        trim_next = inner.ends_with(" -") || inner.ends_with("\n-");
        if trim_next {
            inner = &inner[..inner.len() - 1];
        }
        items.push(Item::Text(chunk.to_string()));
        items.push(Item::Action(open, inner.trim().to_string()));
        pos = close + 2;
    }
    let rest = &text[pos..];
    items.push(Item::Text(
        if trim_next { rest.trim_start() } else { rest }.to_string(),
    ));
    let mut iter = items.into_iter().peekable();
    let (nodes, end) = block(source, &mut iter)?;
    if let Some((offset, word)) = end {
        return Err(Error::new(
            source.location(offset),
            format!("template: unexpected {{{{ {word} }}}} (no if or range to close)"),
        ));
    }
    Ok(nodes)
}

enum Item {
    Text(String),
    Action(usize, String),
}

type Items = std::iter::Peekable<std::vec::IntoIter<Item>>;

/// The `end` / `else …` action that closed a block: where it starts, and its words.
type Closer = Option<(usize, String)>;

/// Nodes up to an `end` / `else` (returned with its offset and words), or the end of input.
fn block(source: &SourceFile, items: &mut Items) -> Result<(Vec<Node>, Closer), Error> {
    let mut nodes = Vec::new();
    while let Some(item) = items.next() {
        let (offset, action) = match item {
            Item::Text(t) => {
                if !t.is_empty() {
                    nodes.push(Node::Text(t));
                }
                continue;
            }
            Item::Action(o, a) => (o, a),
        };
        if action.starts_with("/*") {
            if !action.ends_with("*/") {
                return Err(Error::new(
                    source.location(offset),
                    "template: unclosed comment",
                ));
            }
            continue;
        }
        let word = action.split_whitespace().next().unwrap_or("");
        match word {
            "end" | "else" => return Ok((nodes, Some((offset, action)))),
            "if" => {
                let mut branches = Vec::new();
                let mut cond = pipe(source, offset, action["if".len()..].trim())?;
                let otherwise;
                loop {
                    let (body, end) = block(source, items)?;
                    branches.push((cond, body));
                    match end {
                        Some((_, e)) if e == "end" => {
                            otherwise = Vec::new();
                            break;
                        }
                        Some((o, e)) if e.starts_with("else if ") => {
                            cond = pipe(source, o, e["else if".len()..].trim())?;
                        }
                        Some((_, e)) if e == "else" => {
                            let (body, end) = block(source, items)?;
                            expect_end(source, offset, "if", end)?;
                            otherwise = body;
                            break;
                        }
                        other => return Err(unclosed(source, offset, "if", other)),
                    }
                }
                nodes.push(Node::If(branches, otherwise));
            }
            "range" => {
                let over = pipe(source, offset, action["range".len()..].trim())?;
                let (body, end) = block(source, items)?;
                let otherwise = match end {
                    Some((_, e)) if e == "end" => Vec::new(),
                    Some((_, e)) if e == "else" => {
                        let (body, end) = block(source, items)?;
                        expect_end(source, offset, "range", end)?;
                        body
                    }
                    other => return Err(unclosed(source, offset, "range", other)),
                };
                nodes.push(Node::Range(over, body, otherwise));
            }
            _ => nodes.push(Node::Field(pipe(source, offset, &action)?)),
        }
    }
    Ok((nodes, None))
}

fn expect_end(source: &SourceFile, offset: usize, what: &str, end: Closer) -> Result<(), Error> {
    match end {
        Some((_, e)) if e == "end" => Ok(()),
        other => Err(unclosed(source, offset, what, other)),
    }
}

fn unclosed(
    source: &SourceFile,
    offset: usize,
    what: &str,
    found: Option<(usize, String)>,
) -> Error {
    match found {
        Some((o, e)) => Error::new(
            source.location(o),
            format!("template: unexpected {{{{ {e} }}}} in {{{{ {what} }}}}"),
        ),
        None => Error::new(
            source.location(offset),
            format!("template: {{{{ {what} }}}} has no {{{{ end }}}}"),
        ),
    }
}

/// `.`, `.a`, `.a.b`; anything else is refused with what assay renders.
fn pipe(source: &SourceFile, offset: usize, text: &str) -> Result<Pipe, Error> {
    let refuse = |what: String| {
        Error::new(
            source.location(offset),
            format!(
                "template: {what}; assay renders fields ({{{{ .name }}}}), if/else, range and comments"
            ),
        )
    };
    if text.is_empty() {
        return Err(refuse("an empty action".to_string()));
    }
    let (root, text) = match text.strip_prefix('$') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if text == "." || (root && text.is_empty()) {
        return Ok(Pipe {
            root,
            path: Vec::new(),
            at: offset,
        });
    }
    let valid = text.starts_with('.')
        && text[1..]
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
    if !valid {
        let first = text.split_whitespace().next().unwrap_or(text);
        return Err(refuse(
            if root || first.starts_with('.') || first.starts_with('$') {
                format!("`{}{text}` is not supported", if root { "$" } else { "" })
            } else {
                format!("unknown function `{first}`")
            },
        ));
    }
    Ok(Pipe {
        root,
        path: text[1..].split('.').map(str::to_string).collect(),
        at: offset,
    })
}

fn lookup<'a>(
    source: &SourceFile,
    p: &Pipe,
    dot: &'a Value,
    root: &'a Value,
) -> Result<&'a Value, Error> {
    let mut v = if p.root { root } else { dot };
    for (i, key) in p.path.iter().enumerate() {
        let found = match v {
            Value::Object(m) => m.get(key),
            _ => None,
        };
        v = found.ok_or_else(|| {
            let name = format!(".{}", p.path[..=i].join("."));
            Error::new(
                source.location(p.at),
                format!("template: no value for {name}: add `{key}` to the data source's `vars`"),
            )
        })?;
    }
    Ok(v)
}

fn truth(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A value as Go's `fmt` prints it in a template.
fn print(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("<no value>"),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                print(&map[*k], out);
            }
            out.push(']');
        }
    }
}

fn exec(
    source: &SourceFile,
    nodes: &[Node],
    dot: &Value,
    root: &Value,
    out: &mut String,
) -> Result<(), Error> {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Field(p) => print(lookup(source, p, dot, root)?, out),
            Node::If(branches, otherwise) => {
                let mut taken = false;
                for (cond, body) in branches {
                    if truth(lookup(source, cond, dot, root)?) {
                        exec(source, body, dot, root, out)?;
                        taken = true;
                        break;
                    }
                }
                if !taken {
                    exec(source, otherwise, dot, root, out)?;
                }
            }
            Node::Range(over, body, otherwise) => {
                let items: Vec<Value> = match lookup(source, over, dot, root)? {
                    Value::Array(items) => items.clone(),
                    Value::Object(map) => {
                        let mut keys: Vec<&String> = map.keys().collect();
                        keys.sort();
                        keys.into_iter().map(|k| map[k].clone()).collect()
                    }
                    Value::Null => Vec::new(),
                    other => {
                        return Err(Error::new(
                            source.location(over.at),
                            format!(
                                "template: range over {}, which is not a list or a map",
                                crate::hcl::eval_support::show(other)
                            ),
                        ));
                    }
                };
                if items.is_empty() {
                    exec(source, otherwise, dot, root, out)?;
                }
                for item in &items {
                    exec(source, body, item, root, out)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Value {
        hcl::value!({
            name = "users"
            start = 1000
            audit = true
            empty = ""
            tenants = ["a", "b"]
            none = []
            nested = { schema = "app" }
        })
    }

    fn run(text: &str) -> Result<String, String> {
        render(&SourceFile::new("1_init.sql", text), &vars()).map_err(|e| e.to_string())
    }

    #[test]
    fn fields_conditions_and_ranges() {
        assert_eq!(
            run("CREATE TABLE {{ .name }} (id int) AUTO_INCREMENT={{.start}};").unwrap(),
            "CREATE TABLE users (id int) AUTO_INCREMENT=1000;"
        );
        assert_eq!(run("{{ .nested.schema }}").unwrap(), "app");
        assert_eq!(
            run(
                "{{ if .audit }}A{{ else }}B{{ end }}{{ if .empty }}C{{ else if .audit }}D{{ end }}"
            )
            .unwrap(),
            "AD"
        );
        assert_eq!(
            run("{{ range .tenants }}CREATE SCHEMA {{ . }};\n{{ end }}").unwrap(),
            "CREATE SCHEMA a;\nCREATE SCHEMA b;\n"
        );
        assert_eq!(
            run("{{ range .tenants }}{{ $.name }}.{{ . }} {{ end }}").unwrap(),
            "users.a users.b "
        );
        assert_eq!(run("a  {{- /* note */ -}}  b").unwrap(), "ab");
        assert_eq!(
            run("{{ range .none }}x{{ else }}none{{ end }}").unwrap(),
            "none"
        );
    }

    #[test]
    fn what_is_not_rendered_is_an_error_at_its_place() {
        assert_eq!(
            run("SELECT 1;\nSELECT {{ .missing }};").unwrap_err(),
            "1_init.sql:2:8: template: no value for .missing: add `missing` to the data source's `vars`"
        );
        assert_eq!(
            run("{{ upper .name }}").unwrap_err(),
            "1_init.sql:1:1: template: unknown function `upper`; assay renders fields ({{ .name }}), if/else, range and comments"
        );
        assert_eq!(
            run("{{ if .audit }}x").unwrap_err(),
            "1_init.sql:1:1: template: {{ if }} has no {{ end }}"
        );
        assert_eq!(
            run("x {{ end }}").unwrap_err(),
            "1_init.sql:1:3: template: unexpected {{ end }} (no if or range to close)"
        );
        assert_eq!(
            run("{{ .name").unwrap_err(),
            "1_init.sql:1:1: template: unclosed action (`{{` without `}}`)"
        );
    }
}
