//! One dev URL of a run: its engine (known without connecting, so `--list` never provisions),
//! its server (provisioned by the first trial that needs it, once per process), and the cache
//! of built states cloned per case.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use dbassay_dsl::hcl::Sql;
use dbassay_dsl::source::Location;

use crate::provision::{self, Server, Snapshot};
use crate::report::progress;
use crate::run::sql;

pub struct Target {
    pub url: String,
    /// The engine name used in trial kinds and names: `sqlite`, `postgres`, `mariadb`, `mysql`.
    pub label: String,
    server: OnceLock<Result<Arc<dyn Server>, String>>,
    states: Mutex<HashMap<String, Arc<OnceLock<Result<Arc<dyn Snapshot>, String>>>>>,
}

impl Target {
    pub fn new(url: &str) -> Result<Target, String> {
        let engine = provision::engine_of(url).map_err(|e| e.to_string())?;
        Ok(Target {
            url: url.to_string(),
            label: engine.to_string(),
            server: OnceLock::new(),
            states: Mutex::new(HashMap::new()),
        })
    }

    /// The server, provisioned on first use. A failure is remembered: every case on this target
    /// reports it, and nothing is retried.
    pub fn server(&self) -> Result<Arc<dyn Server>, String> {
        self.server
            .get_or_init(|| {
                let _note = progress::show(&format!("starting the {} server", self.label));
                provision::open(&self.url).map_err(|e| e.to_string())
            })
            .clone()
    }

    /// The snapshot of `state`, built at most once per process (and found instead of built when
    /// the server already holds it under the same key).
    pub fn snapshot(&self, state: &DesiredState) -> Result<Arc<dyn Snapshot>, String> {
        let server = self.server()?;
        let key = state.key(server.engine());
        let cell = self
            .states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| {
            if let Some(found) = server.find(&key) {
                return Ok(found);
            }
            let _note = progress::show(&format!("building the desired schema on {}", self.label));
            let db = server.create().map_err(|e| e.to_string())?;
            {
                let mut session = db.connect().map_err(|e| e.to_string())?;
                for file in &state.files {
                    sql::run_each(session.as_mut(), file, |_| {}).map_err(|f| {
                        format!("applying the desired schema failed: {}", f.describe())
                    })?;
                }
            }
            server.freeze(db, &key).map_err(|e| e.to_string())
        })
        .clone()
    }
}

/// The schema every schema case starts from: SQL files applied in order (`--url`/`--schema`).
#[derive(Clone, Debug, Default)]
pub struct DesiredState {
    pub files: Vec<Sql>,
}

impl DesiredState {
    /// Reads `file://path`, plain paths, and directories (their `*.sql` files in name order).
    pub fn load(urls: &[String]) -> Result<DesiredState, String> {
        let mut files = Vec::new();
        for url in urls.iter().flat_map(|u| u.split(',')).map(str::trim).filter(|u| !u.is_empty()) {
            let path = PathBuf::from(url.strip_prefix("file://").unwrap_or(url));
            if path.is_dir() {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                    .map_err(|e| format!("cannot read the schema directory {}: {e}", path.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "sql") && p.is_file())
                    .collect();
                entries.sort();
                if entries.is_empty() {
                    return Err(format!("the schema directory {} holds no .sql files", path.display()));
                }
                for p in entries {
                    files.push(read_sql(&p)?);
                }
            } else if path.is_file() {
                files.push(read_sql(&path)?);
            } else {
                return Err(format!(
                    "the desired schema {url} does not exist: give a .sql file or a directory of them (--url file://schema.sql)"
                ));
            }
        }
        Ok(DesiredState { files })
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// A content hash of the engine and the exact bytes (and names) of the files.
    pub fn key(&self, engine: &str) -> String {
        let mut h = Sha256::new();
        h.update(engine.as_bytes());
        for f in &self.files {
            h.update(b"\0");
            h.update(f.start.path.as_os_str().as_encoded_bytes());
            h.update(b"\0");
            h.update(f.text.as_bytes());
        }
        let digest = h.finalize();
        digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
    }
}

fn read_sql(path: &std::path::Path) -> Result<Sql, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Sql { text, start: Location { path: path.to_path_buf(), line: 1, col: 1 }, exact: true })
}
