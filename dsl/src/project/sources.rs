//! The top-level blocks of atlas.hcl that an env refers to: schema sources (`data
//! "external_schema"`, `data "hcl_schema"`, `data "composite_schema"`) and dev databases
//! (`docker "postgres" "dev" { … }`, `dev "postgres" "main" { … }`).
//!
//! Each block becomes a value in the evaluation scope, so `data.external_schema.app.url` and
//! `docker.postgres.dev.url` evaluate like Atlas's. A schema source's `url` is a `data://TYPE/NAME`
//! placeholder that [`Declared::resolve`] expands into the [`SchemaSource`]s behind it. Nothing
//! here runs a program: `external_schema` is handed to the harness as a [`Program`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hcl::Value;
use hcl::edit::Span as _;
use hcl::edit::structure::{Attribute, Block, Body, Structure};
use hcl::eval::Context;

use crate::hcl::{Sql, eval_support as support};
use crate::source::{Error, Location, SourceFile};

/// Where a part of the desired schema comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaSource {
    /// A URL or path as written: `file://schema.sql`, a directory, `file://schema.hcl`, ….
    Url(String),
    /// `data "external_schema"`: a program whose standard output is the schema's SQL.
    Program(Program),
}

/// `data "external_schema" "NAME" { program = [...]  working_dir = "…" }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub name: String,
    /// `argv[0]` and its arguments; no shell.
    pub argv: Vec<String>,
    /// The directory the program runs in: `working_dir` relative to the project file's
    /// directory, else the project file's directory.
    pub working_dir: PathBuf,
    /// The `data` block, for errors ("the program failed", "its SQL failed").
    pub at: Location,
}

/// The data sources and dev databases of a project file, evaluated.
#[derive(Default)]
pub(super) struct Declared {
    /// `data://TYPE/NAME` → what it stands for.
    expansions: HashMap<String, Vec<SchemaSource>>,
    /// A dev URL (`docker.postgres.dev.url`, `dev.postgres.main.url`) → its `baseline`.
    baselines: HashMap<String, Sql>,
}

const SCHEMA_SOURCES: &[&str] = &["external_schema", "hcl_schema", "composite_schema"];
const ENGINES: &[&str] = &["postgres", "mysql", "mariadb"];

impl Declared {
    /// The sources a `src` entry stands for: a data source's, or the entry itself.
    pub(super) fn resolve(&self, url: &str) -> Vec<SchemaSource> {
        match self.expansions.get(url) {
            Some(sources) => sources.clone(),
            None => vec![SchemaSource::Url(url.to_string())],
        }
    }

    /// The `baseline` SQL of the docker or dev block whose URL `dev` is.
    pub(super) fn baseline(&self, dev: &str) -> Option<Sql> {
        self.baselines.get(dev).cloned()
    }
}

/// Evaluates the `data`, `docker` and `dev` blocks of `body` and declares `data` (`data`: the
/// values of `sql`, `external` and `template_dir` sources, see [`super::data`], plus the schema
/// sources), `docker` and `dev` in `ctx`. Other types (`runtimevar`, `remote_dir`, the cloud
/// tokens) are left out: a reference to one is an error at the referring attribute.
pub(super) fn declare(
    source: &SourceFile,
    body: &Body,
    ctx: &mut Context<'_>,
    dir: &Path,
    mut data: hcl::Map<String, Value>,
    errors: &mut Vec<Error>,
) -> Declared {
    let mut declared = Declared::default();
    let blocks: Vec<&Block> = body
        .iter()
        .filter_map(|s| match s {
            Structure::Block(b) => Some(b),
            _ => None,
        })
        .collect();

    // Dev databases first: a data source may not refer to them, but an env does.
    let mut docker = hcl::Map::<String, Value>::new();
    let mut dev = hcl::Map::<String, Value>::new();
    for b in blocks
        .iter()
        .filter(|b| matches!(b.ident.as_str(), "docker" | "dev"))
    {
        let Some((engine, name)) = two_labels(source, b, errors) else {
            continue;
        };
        let at = at(source, b);
        let url = if b.ident.as_str() == "docker" {
            docker_url(source, b, &engine, ctx, dir, errors)
        } else {
            attr(&b.body, "url").and_then(|a| string(source, a, ctx, dir, errors))
        };
        let Some(url) = url else {
            if b.ident.as_str() == "dev" && attr(&b.body, "url").is_none() {
                errors.push(Error::new(
                    at,
                    "dev block is missing the required attribute `url`",
                ));
            }
            continue;
        };
        if let Some(a) = attr(&b.body, "baseline")
            && let Some(text) = string(source, a, ctx, dir, errors)
        {
            let (start, exact) = support::text_start(&support::compile(source, a), source);
            declared.baselines.insert(
                url.clone(),
                Sql {
                    text,
                    start,
                    exact,
                    origins: Vec::new(),
                },
            );
        }
        let into = if b.ident.as_str() == "docker" {
            &mut docker
        } else {
            &mut dev
        };
        let engine_map = into
            .entry(engine)
            .or_insert_with(|| Value::Object(hcl::Map::new()));
        if let Value::Object(m) = engine_map {
            let object: Value = [("url", Value::from(url))].into_iter().collect();
            m.insert(name, object);
        }
    }
    ctx.declare_var("docker", Value::Object(docker));
    ctx.declare_var("dev", Value::Object(dev));

    // Data sources: the simple ones, then composites (which refer to the others, and to
    // composites above them) in file order.
    let data_blocks: Vec<&Block> = blocks
        .iter()
        .copied()
        .filter(|b| b.ident.as_str() == "data")
        .collect();
    for composite in [false, true] {
        for b in &data_blocks {
            let Some((kind, name)) = two_labels(source, b, errors) else {
                continue;
            };
            if !SCHEMA_SOURCES.contains(&kind.as_str()) || (kind == "composite_schema") != composite
            {
                continue;
            }
            let key = format!("data://{kind}/{name}");
            let sources = match kind.as_str() {
                "external_schema" => program(source, b, &name, ctx, dir, errors)
                    .map(|p| vec![SchemaSource::Program(p)]),
                "hcl_schema" => hcl_paths(source, b, ctx, dir, errors),
                _ => composite_parts(source, b, &declared, ctx, dir, errors),
            };
            let Some(sources) = sources else {
                continue;
            };
            declared.expansions.insert(key.clone(), sources);
            let kind_map = data
                .entry(kind)
                .or_insert_with(|| Value::Object(hcl::Map::new()));
            if let Value::Object(m) = kind_map {
                let object: Value = [("url", Value::from(key))].into_iter().collect();
                m.insert(name, object);
            }
            ctx.declare_var("data", Value::Object(data.clone()));
        }
    }
    ctx.declare_var("data", Value::Object(data));
    declared
}

/// `docker "ENGINE" "NAME" { image = "postgres:15"  schema = "public" … }` as assay's
/// `docker://` URL: `docker://postgres/15/dev?search_path=public` for the official images,
/// `docker+postgres://org/image:tag/dev` for others. MySQL and MariaDB take `schema` as the
/// database segment.
fn docker_url(
    source: &SourceFile,
    b: &Block,
    engine: &str,
    ctx: &Context<'_>,
    dir: &Path,
    errors: &mut Vec<Error>,
) -> Option<String> {
    let at = at(source, b);
    if !ENGINES.contains(&engine) {
        errors.push(Error::new(
            at,
            format!(
                "docker \"{engine}\": assay runs postgres, mysql and mariadb containers; use one of them or a dev URL"
            ),
        ));
        return None;
    }
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a)
                if ["image", "schema", "baseline", "template", "platform"]
                    .contains(&a.key.as_str()) => {}
            Structure::Attribute(a) => errors.push(Error::new(
                source.location(a.span().map_or(0, |s| s.start)),
                format!(
                    "unknown attribute `{}` in docker block (allowed: image, schema, baseline, template, platform)",
                    a.key.as_str()
                ),
            )),
            Structure::Block(inner) => errors.push(Error::new(
                source.location(inner.span().map_or(0, |s| s.start)),
                format!(
                    "docker \"{engine}\": the `{}` block (building an image) is not supported by assay; give a prebuilt `image`",
                    inner.ident.as_str()
                ),
            )),
        }
    }
    let Some(image_attr) = attr(&b.body, "image") else {
        errors.push(Error::new(
            at,
            "docker block is missing the required attribute `image` (e.g. image = \"postgres:15\")",
        ));
        return None;
    };
    let image = string(source, image_attr, ctx, dir, errors)?;
    let schema = attr(&b.body, "schema").and_then(|a| string(source, a, ctx, dir, errors));
    if let Some(a) = attr(&b.body, "template") {
        // Atlas's per-case template databases: assay isolates every case already.
        let compiled = support::compile(source, a);
        if let Err(e) = support::with_base_dir(dir, || support::eval(&compiled, source, ctx)) {
            errors.push(e);
        }
    }
    let (repo, tag) = match image.rsplit_once(':').filter(|(_, t)| !t.contains('/')) {
        Some((r, t)) => (r.to_string(), t.to_string()),
        None => (image.clone(), "latest".to_string()),
    };
    let official = matches!(
        (engine, repo.as_str()),
        ("postgres", "postgres")
            | ("mysql", "mysql")
            | ("mariadb", "mariadb")
            | ("mariadb", "maria")
    );
    let driver = if engine == "mariadb" { "maria" } else { engine };
    let (db, query) = match (engine, schema.as_deref().filter(|s| !s.is_empty())) {
        ("postgres", Some(s)) => ("/dev".to_string(), format!("?search_path={s}")),
        ("postgres", None) => ("/dev".to_string(), String::new()),
        (_, Some(s)) => (format!("/{s}"), String::new()),
        (_, None) => (String::new(), String::new()),
    };
    Some(if official {
        format!("docker://{driver}/{tag}{db}{query}")
    } else {
        let repo = if repo.contains('/') {
            repo
        } else {
            format!("_/{repo}")
        };
        format!("docker+{driver}://{repo}:{tag}{db}{query}")
    })
}

fn program(
    source: &SourceFile,
    b: &Block,
    name: &str,
    ctx: &Context<'_>,
    dir: &Path,
    errors: &mut Vec<Error>,
) -> Option<Program> {
    let at = at(source, b);
    check_attrs(source, b, &["program", "working_dir"], errors);
    let Some(a) = attr(&b.body, "program") else {
        errors.push(Error::new(
            at,
            "data \"external_schema\" is missing the required attribute `program` (argv, e.g. [\"python3\", \"schema.py\"])",
        ));
        return None;
    };
    let argv = strings(source, a, ctx, dir, errors)?;
    if argv.is_empty() {
        errors.push(Error::new(
            value_at(source, a),
            "program: the list is empty; give the program and its arguments",
        ));
        return None;
    }
    // A project file named without a directory lives in the working directory.
    let base = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let working_dir = match attr(&b.body, "working_dir") {
        Some(w) => base.join(string(source, w, ctx, dir, errors)?),
        None => base.to_path_buf(),
    };
    Some(Program {
        name: name.to_string(),
        argv,
        working_dir,
        at,
    })
}

/// `data "hcl_schema" { path = "schema.hcl" }` or `{ paths = [...] }` (paths relative to the
/// project file): the files, handed to the desired-state loader like `--url file://x.hcl`.
fn hcl_paths(
    source: &SourceFile,
    b: &Block,
    ctx: &Context<'_>,
    dir: &Path,
    errors: &mut Vec<Error>,
) -> Option<Vec<SchemaSource>> {
    check_attrs(source, b, &["path", "paths", "vars"], errors);
    let paths = match (attr(&b.body, "path"), attr(&b.body, "paths")) {
        (Some(p), None) => strings(source, p, ctx, dir, errors)?,
        (None, Some(p)) => strings(source, p, ctx, dir, errors)?,
        _ => {
            errors.push(Error::new(
                at(source, b),
                "data \"hcl_schema\" takes one of `path` (a file) or `paths` (a list of files)",
            ));
            return None;
        }
    };
    Some(
        paths
            .iter()
            .map(|p| {
                let p = p.strip_prefix("file://").unwrap_or(p);
                SchemaSource::Url(format!("file://{}", dir.join(p).display()))
            })
            .collect(),
    )
}

/// `data "composite_schema" { schema "NAME" { url = … } … }`: every part, in order, into one
/// database. (assay) The schema labels are not used to place the parts; a part's SQL names its
/// own schema (or runs in the dev URL's).
fn composite_parts(
    source: &SourceFile,
    b: &Block,
    declared: &Declared,
    ctx: &Context<'_>,
    dir: &Path,
    errors: &mut Vec<Error>,
) -> Option<Vec<SchemaSource>> {
    let mut out = Vec::new();
    let before = errors.len();
    for s in b.body.iter() {
        match s {
            Structure::Block(part) if part.ident.as_str() == "schema" => {
                check_attrs(source, part, &["url"], errors);
                match attr(&part.body, "url") {
                    Some(a) => {
                        if let Some(url) = string(source, a, ctx, dir, errors) {
                            out.extend(declared.resolve(&url));
                        }
                    }
                    None => errors.push(Error::new(
                        at(source, part),
                        "schema block of a composite_schema is missing the required attribute `url`",
                    )),
                }
            }
            Structure::Block(other) => errors.push(Error::new(
                at(source, other),
                format!(
                    "unexpected block `{}` in composite_schema; it holds `schema \"NAME\" {{ url = … }}` blocks",
                    other.ident.as_str()
                ),
            )),
            Structure::Attribute(a) => errors.push(Error::new(
                source.location(a.span().map_or(0, |s| s.start)),
                format!(
                    "unexpected attribute `{}` in composite_schema; it holds `schema \"NAME\" {{ url = … }}` blocks",
                    a.key.as_str()
                ),
            )),
        }
    }
    if out.is_empty() && errors.len() == before {
        errors.push(Error::new(
            at(source, b),
            "composite_schema holds no `schema \"NAME\" { url = … }` block",
        ));
    }
    (errors.len() == before).then_some(out)
}

fn two_labels(source: &SourceFile, b: &Block, errors: &mut Vec<Error>) -> Option<(String, String)> {
    if b.labels.len() == 2 {
        return Some((
            b.labels[0].as_str().to_string(),
            b.labels[1].as_str().to_string(),
        ));
    }
    let what = b.ident.as_str();
    errors.push(Error::new(
        at(source, b),
        format!("{what} blocks take two labels: {what} \"TYPE\" \"NAME\" {{ … }}"),
    ));
    None
}

pub(super) fn check_attrs(
    source: &SourceFile,
    b: &Block,
    allowed: &[&str],
    errors: &mut Vec<Error>,
) {
    for s in b.body.iter() {
        if let Structure::Attribute(a) = s
            && !allowed.contains(&a.key.as_str())
        {
            errors.push(Error::new(
                source.location(a.span().map_or(0, |s| s.start)),
                format!(
                    "unknown attribute `{}` in {} block (allowed: {})",
                    a.key.as_str(),
                    b.ident.as_str(),
                    allowed.join(", ")
                ),
            ));
        }
    }
}

pub(super) fn at(source: &SourceFile, b: &Block) -> Location {
    source.location(b.span().map_or(0, |s| s.start))
}

pub(super) fn value_at(source: &SourceFile, a: &Attribute) -> Location {
    source.location(a.value.span().or(a.span()).map_or(0, |s| s.start))
}

pub(super) fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a Attribute> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => Some(a),
        _ => None,
    })
}

pub(super) fn value(
    source: &SourceFile,
    a: &Attribute,
    ctx: &Context<'_>,
    dir: &Path,
    errors: &mut Vec<Error>,
) -> Option<Value> {
    let compiled = support::compile(source, a);
    support::with_base_dir(dir, || support::eval(&compiled, source, ctx))
        .map_err(|e| errors.push(e))
        .ok()
}

pub(super) fn string(
    source: &SourceFile,
    a: &Attribute,
    ctx: &Context<'_>,
    dir: &Path,
    errors: &mut Vec<Error>,
) -> Option<String> {
    let v = value(source, a, ctx, dir, errors)?;
    let s = support::to_string(&v);
    if s.is_none() {
        errors.push(Error::new(
            value_at(source, a),
            format!(
                "{}: expected a string, got {}",
                a.key.as_str(),
                support::show(&v)
            ),
        ));
    }
    s
}

/// A string or a list of strings.
pub(super) fn strings(
    source: &SourceFile,
    a: &Attribute,
    ctx: &Context<'_>,
    dir: &Path,
    errors: &mut Vec<Error>,
) -> Option<Vec<String>> {
    let v = value(source, a, ctx, dir, errors)?;
    let out = match &v {
        Value::Array(items) => items.iter().map(support::to_string).collect(),
        other => support::to_string(other).map(|s| vec![s]),
    };
    if out.is_none() {
        errors.push(Error::new(
            value_at(source, a),
            format!(
                "{}: expected a list of strings, got {}",
                a.key.as_str(),
                support::show(&v)
            ),
        ));
    }
    out
}
