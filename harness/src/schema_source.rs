//! Desired schemas written in Atlas HCL (`schema.hcl`, or a directory of `.hcl` files).
//!
//! A schema source that names `.hcl` files is read here: every file is parsed up front by
//! `dbassay_dsl::schema` (pure), so an error reaches the user at `file:line:col` before anything
//! runs, and fails only the cases that need the schema. The DDL is rendered per dialect, on first
//! use, for the dev URL a case runs on: one HCL schema serves a matrix of engines. The harness
//! then applies the rendered text as it applies a `.sql` schema, and the key of the built state
//! hashes that text, so a different translation never reuses a stale snapshot.
//!
//! What may not live here: parsing or rendering (that is `dbassay_dsl::schema`), engine code.
//!
//! Choices Atlas leaves open (documented in docs/schemas.md as **(assay)**):
//! - a directory holding both `.sql` and `.hcl` files is an error (which would be the schema?);
//! - SQL and HCL sources given together (`--url a.sql --url b.hcl`) are an error for the same
//!   reason; several HCL sources form one document, as the files of one directory do;
//! - `*.test.hcl` files in a schema directory are test files, not part of the schema.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use dbassay_dsl::hcl::{Inputs, Sql};
use dbassay_dsl::source::{Location, SourceFile};
use dbassay_dsl::{Dialect, schema};

/// An HCL schema, parsed once; its DDL rendered once per dialect.
pub struct HclSchema {
    /// The files, in the order they were read (name order within a directory).
    pub paths: Vec<PathBuf>,
    /// The files' text, joined: what [`crate::engine::reuse::reads_clock`] looks at.
    pub text: String,
    schema: schema::Schema,
    rendered: Mutex<HashMap<Dialect, Result<Arc<schema::Rendered>, String>>>,
}

impl fmt::Debug for HclSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HclSchema")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

/// Whether a path is an HCL schema file (by its extension).
pub fn is_hcl(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "hcl")
}

/// The `.hcl` files a schema URL names: the file itself, or the direct children of a
/// directory that end in `.hcl` (in name order; subdirectories are not read, as in Atlas).
/// `None` when the URL names SQL (a `.sql` file, or a directory without `.hcl` files).
pub fn hcl_files(path: &Path) -> Result<Option<Vec<PathBuf>>, String> {
    if path.is_file() {
        return Ok(is_hcl(path).then(|| vec![path.to_path_buf()]));
    }
    if !path.is_dir() {
        return Ok(None);
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read the schema directory {}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    // Test files next to the schema are not part of it (assay): Atlas would fail on them.
    let mut hcl: Vec<PathBuf> = (entries.iter())
        .filter(|p| is_hcl(p) && !p.to_string_lossy().ends_with(".test.hcl"))
        .cloned()
        .collect();
    if hcl.is_empty() {
        return Ok(None);
    }
    if entries
        .iter()
        .any(|p| p.extension().is_some_and(|x| x == "sql"))
    {
        return Err(format!(
            "the schema directory {} holds both .sql and .hcl files: a desired schema is either \
             SQL or Atlas HCL; move one kind to its own directory",
            path.display()
        ));
    }
    hcl.sort();
    Ok(Some(hcl))
}

impl HclSchema {
    /// The HCL part of a desired state: `None` without HCL files; an error when SQL files
    /// were given as well (`with_sql`), or when the files do not parse.
    pub fn load(
        paths: &[PathBuf],
        inputs: &Inputs,
        with_sql: bool,
    ) -> Result<Option<HclSchema>, String> {
        if paths.is_empty() {
            return Ok(None);
        }
        if with_sql {
            return Err(format!(
                "the desired schema mixes .sql files and Atlas HCL ({}): give one kind",
                paths[0].display()
            ));
        }
        HclSchema::read(paths, inputs).map(Some)
    }

    /// Reads and parses `paths` as one document. Every error is reported, one per line, each
    /// at `file:line:col`.
    pub fn read(paths: &[PathBuf], inputs: &Inputs) -> Result<HclSchema, String> {
        let mut files = Vec::new();
        for path in paths {
            files.push(SourceFile::read(path).map_err(|e| e.to_string())?);
        }
        HclSchema::parse(files, inputs)
    }

    /// Parses files already in memory (a txtar section, a test).
    pub fn parse(files: Vec<SourceFile>, inputs: &Inputs) -> Result<HclSchema, String> {
        let schema = schema::parse(&files, inputs).map_err(|errors| joined(&errors))?;
        Ok(HclSchema {
            paths: files.iter().map(|f| f.path().to_path_buf()).collect(),
            text: files
                .iter()
                .map(|f| f.text())
                .collect::<Vec<_>>()
                .join("\n"),
            schema,
            rendered: Mutex::new(HashMap::new()),
        })
    }

    /// The DDL for `dialect`, rendered on first use (a dialect the schema cannot be written
    /// in, say a PostgreSQL domain on SQLite, is an error at the construct's `file:line:col`).
    pub fn render(&self, dialect: Dialect) -> Result<String, String> {
        self.rendered(dialect).map(|r| r.text.clone())
    }

    fn rendered(&self, dialect: Dialect) -> Result<Arc<schema::Rendered>, String> {
        if let Some(done) = self.lock().get(&dialect) {
            return done.clone();
        }
        // Rendered without the lock held: two threads may both render, with the same result.
        let rendered = schema::render_traced(&self.schema, dialect)
            .map(Arc::new)
            .map_err(|errors| {
                format!(
                    "the HCL schema cannot be written for {dialect}:\n{}",
                    joined(&errors)
                )
            });
        self.lock().entry(dialect).or_insert(rendered).clone()
    }

    /// The rendered DDL as SQL to apply, with the block each statement was written for: a
    /// statement the database rejects is reported at its block, with its place in the text
    /// `assay schema render` shows (named after the first file and the dialect).
    pub fn sql(&self, dialect: Dialect) -> Result<Sql, String> {
        let rendered = self.rendered(dialect)?;
        let first = self.paths.first().map(|p| p.display().to_string());
        Ok(Sql {
            text: rendered.text.clone(),
            start: Location {
                path: PathBuf::from(format!(
                    "{} (rendered for {dialect}; see `assay schema render`)",
                    first.unwrap_or_default()
                )),
                line: 1,
                col: 1,
            },
            exact: true,
            origins: rendered.origins.clone(),
        })
    }

    /// What the key of a state built from this schema on `engine` hashes: the rendered text
    /// (or the error, which the build reports).
    pub fn key_text(&self, engine: &str) -> String {
        match self.render(dialect_of_engine(engine)) {
            Ok(text) => text,
            Err(e) => format!("error: {e}"),
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<Dialect, Result<Arc<schema::Rendered>, String>>> {
        self.rendered.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The dialect of an engine name as trials and servers spell it (`postgres`, `mysql`,
/// `mariadb`, `sqlite`).
pub fn dialect_of_engine(engine: &str) -> Dialect {
    match engine {
        "postgres" => Dialect::Postgres,
        "sqlite" => Dialect::Sqlite,
        _ => Dialect::Mysql,
    }
}

fn joined(errors: &[dbassay_dsl::Error]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `assay schema render`: the DDL an HCL schema becomes on the dialect of `dev_url`. Needs no
/// server: the dialect is read from the URL.
pub fn render_for(urls: &[String], dev_url: &str, inputs: &Inputs) -> Result<String, String> {
    let dialect = dbassay_dsl::url::parse(dev_url)
        .map_err(|e| format!("--dev-url {dev_url}: {e}"))?
        .dialect();
    let mut paths = Vec::new();
    for url in urls
        .iter()
        .flat_map(|u| u.split(','))
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        let path = PathBuf::from(url.strip_prefix("file://").unwrap_or(url));
        match hcl_files(&path)? {
            Some(files) => paths.extend(files),
            None if path.exists() => {
                return Err(format!(
                    "{url} is not an Atlas HCL schema: give a .hcl file or a directory of them"
                ));
            }
            None => return Err(format!("the schema {url} does not exist")),
        }
    }
    if paths.is_empty() {
        return Err("name the HCL schema: --url file://schema.hcl".into());
    }
    HclSchema::read(&paths, inputs)?.render(dialect)
}

/// `assay schema render`'s flags.
#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// The HCL schema: a .hcl file or a directory of them (file://schema.hcl); repeatable.
    #[arg(
        short = 'u',
        long = "url",
        alias = "schema",
        value_delimiter = ',',
        required = true
    )]
    url: Vec<String>,
    /// The dev URL whose engine the DDL is written for (only its dialect is read; nothing is
    /// started or connected to).
    #[arg(long = "dev-url", env = "ASSAY_DEV_URL")]
    dev_url: String,
    /// A value for a `variable` block: --var name=value (repeat a name to build a list).
    #[arg(long = "var")]
    var: Vec<String>,
}

/// Runs `assay schema render`: the DDL on stdout, errors on stderr (exit 1 for a schema
/// error, 2 for a usage error).
pub fn render_command(a: RenderArgs) -> std::process::ExitCode {
    let vars: Result<Vec<(String, String)>, String> = (a.var.iter())
        .map(|v| {
            v.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| format!("--var {v}: expected name=value"))
        })
        .collect();
    let inputs = match vars {
        Ok(vars) => Inputs {
            vars,
            ..Inputs::default()
        },
        Err(e) => {
            eprintln!("assay: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match render_for(&a.url, &a.dev_url, &inputs) {
        Ok(ddl) => {
            print!("{ddl}");
            if !ddl.ends_with('\n') {
                println!();
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("assay: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::target::DesiredState;

    /// A fresh directory under the temp dir holding `files`.
    fn dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("assay-schema-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        dir
    }

    const USERS: &str = "schema \"main\" {}\ntable \"users\" {\n  schema = schema.main\n  column \"id\" {\n    type = integer\n  }\n}\n";

    #[test]
    fn a_directory_is_its_hcl_files_without_test_files() {
        let d = dir(
            "dir",
            &[("b.hcl", USERS), ("a.hcl", ""), ("cases.test.hcl", "")],
        );
        let files = hcl_files(&d).unwrap().unwrap();
        let names: Vec<_> = files.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(names, ["a.hcl", "b.hcl"]);
        let sql = dir("sql", &[("a.sql", "")]);
        assert!(hcl_files(&sql).unwrap().is_none());
        let mixed = dir("mixed", &[("a.sql", ""), ("b.hcl", "")]);
        assert!(
            hcl_files(&mixed)
                .unwrap_err()
                .contains("both .sql and .hcl")
        );
    }

    #[test]
    fn the_state_key_follows_the_rendered_ddl() {
        let d = dir("key", &[("schema.hcl", USERS)]);
        let url = vec![format!("file://{}", d.join("schema.hcl").display())];
        let state = DesiredState::load(&url, &Inputs::default()).unwrap();
        assert!(!state.is_empty());
        // One schema, one key per engine; the same engine twice, the same key.
        assert_ne!(state.key("sqlite"), state.key("postgres"));
        assert_eq!(state.key("sqlite"), state.key("sqlite"));
        let before = state.key("sqlite");
        let changed = USERS.replace("integer", "text");
        std::fs::write(d.join("schema.hcl"), changed).unwrap();
        let again = DesiredState::load(&url, &Inputs::default()).unwrap();
        assert_ne!(again.key("sqlite"), before);
        assert!(
            state.applied(Dialect::Sqlite).unwrap()[0]
                .text
                .contains("CREATE TABLE")
        );
    }

    #[test]
    fn sql_and_hcl_together_are_refused_and_errors_name_the_place() {
        let d = dir("both", &[("a.sql", "SELECT 1;"), ("b.hcl", USERS)]);
        let urls = vec![
            d.join("a.sql").display().to_string(),
            d.join("b.hcl").display().to_string(),
        ];
        let e = DesiredState::load(&urls, &Inputs::default()).unwrap_err();
        assert!(e.contains("mixes .sql files and Atlas HCL"), "{e}");
        let bad = dir("bad", &[("schema.hcl", "tabel \"x\" {}\n")]);
        let e = DesiredState::load(
            &[bad.join("schema.hcl").display().to_string()],
            &Inputs::default(),
        )
        .unwrap_err();
        assert!(e.contains("schema.hcl:1:1"), "{e}");
    }
}
