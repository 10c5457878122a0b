//! One dev URL of a run: its engine (known without connecting, so `--list` never provisions),
//! its server (provisioned by the first trial that needs it, once per process), and the cache
//! of built states cloned per case.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use dbassay_dsl::hcl::{Inputs, Sql};
use dbassay_dsl::source::Location;
use dbassay_dsl::url::DevUrl;

use crate::engine::Session;
use crate::provision::{self, Database, Server, Snapshot};
use crate::report::progress;
use crate::run::sql;
use crate::schema_source::HclSchema;
use crate::supply::Isolation;
use crate::supply::budget::{CaseTicket, Reclaim};
use crate::supply::worker::Worker;

pub struct Target {
    pub url: String,
    /// The dev URL, parsed once (`None` for a target on a server provisioned already).
    pub dev: Option<DevUrl>,
    /// The engine name used in trial kinds and names: `sqlite`, `postgres`, `mariadb`, `mysql`.
    pub label: String,
    /// `Copy`: no worker reuse, and no database handed on from building a state.
    pub isolation: Isolation,
    server: OnceLock<Result<Arc<dyn Server>, String>>,
    states: Mutex<HashMap<String, Arc<StateCell>>>,
    workers: Arc<Workers>,
    /// Databases a state was built in, per state key, when freezing copied them: the first
    /// fresh database wanted in that state is this one instead of a copy.
    built: Mutex<HashMap<String, Box<dyn Database>>>,
}

/// One built state: set once, by the first thread that asks for it.
type StateCell = OnceLock<Result<Arc<dyn Snapshot>, String>>;

impl Target {
    pub fn new(url: &str) -> Result<Target, String> {
        let dev = dbassay_dsl::url::parse(url)?;
        let engine = dev.engine();
        Ok(Target {
            url: url.to_string(),
            dev: Some(dev),
            label: engine.to_string(),
            isolation: Isolation::Reuse,
            server: OnceLock::new(),
            states: Mutex::new(HashMap::new()),
            workers: Arc::new(Workers::default()),
            built: Mutex::new(HashMap::new()),
        })
    }

    /// A target on a server provisioned already (tests and benchmarks that own their server).
    pub fn with_server(server: Arc<dyn Server>) -> Target {
        let server_cell = OnceLock::new();
        let label = server.engine().to_string();
        let workers = Arc::new(Workers::default());
        workers.attach(server.as_ref());
        let _ = server_cell.set(Ok(server));
        Target {
            url: String::new(),
            dev: None,
            label,
            isolation: Isolation::Reuse,
            server: server_cell,
            states: Mutex::new(HashMap::new()),
            workers,
            built: Mutex::new(HashMap::new()),
        }
    }

    /// Admits one case to run on this target's server (see `supply::budget`): `None` on
    /// engines without a connection budget, or when the server could not be provisioned
    /// (the case then reports that).
    pub fn admit(&self) -> Option<CaseTicket> {
        self.server().ok()?.budget().map(|budget| budget.case())
    }

    /// The server, provisioned on first use. A failure is remembered: every case on this target
    /// reports it, and nothing is retried.
    pub fn server(&self) -> Result<Arc<dyn Server>, String> {
        self.server
            .get_or_init(|| {
                let _note = progress::show(&format!("starting the {} server", self.label));
                let dev = self.dev.as_ref().ok_or("a target without a dev URL")?;
                let server = provision::open(dev).map_err(|e| e.to_string())?;
                self.workers.attach(server.as_ref());
                Ok(server)
            })
            .clone()
    }

    /// A fresh database in `state`: a copy of its snapshot, or an empty one.
    pub fn fresh(&self, state: &DesiredState) -> Result<Box<dyn Database>, String> {
        if state.is_empty() {
            return self.server()?.create().map_err(|e| e.to_string());
        }
        let snapshot = self.snapshot(state)?;
        self.fresh_copy(&state.key(self.server()?.engine().name()), &snapshot)
    }

    /// A fresh database in the state `snapshot` (cached under `key`) holds: the database the
    /// state was built in, the first time (when freezing kept it), else a copy.
    pub fn fresh_copy(
        &self,
        key: &str,
        snapshot: &Arc<dyn Snapshot>,
    ) -> Result<Box<dyn Database>, String> {
        let built = match self.isolation {
            Isolation::Reuse => (self.built.lock())
                .unwrap_or_else(|e| e.into_inner())
                .remove(key),
            Isolation::Copy => None,
        };
        match built {
            Some(db) => Ok(db),
            None => snapshot.copy().map_err(|e| e.to_string()),
        }
    }

    /// Freezes `db`, built in the state cached under `key`; keeps it for [`Target::fresh_copy`]
    /// when freezing copied it.
    pub fn freeze(
        &self,
        server: &Arc<dyn Server>,
        db: Box<dyn Database>,
        key: &str,
    ) -> Result<Arc<dyn Snapshot>, String> {
        let (snapshot, kept) = server.freeze_keeping(db, key).map_err(|e| e.to_string())?;
        if let Some(db) = kept {
            (self.built.lock().unwrap_or_else(|e| e.into_inner())).insert(key.to_string(), db);
        }
        Ok(snapshot)
    }

    /// Runs `case` on a reused worker database in `state` (see [`crate::supply::worker`]).
    /// `None` when the engine cannot reuse databases; the caller then makes a copy.
    pub fn on_worker<E: From<String>>(
        &self,
        state: &DesiredState,
        case: impl FnOnce(&dyn Database, &mut dyn Session) -> Result<(), E>,
    ) -> Option<Result<(), E>> {
        let keys = [state.key(&self.label)];
        let fresh = || self.fresh(state).map_err(E::from);
        self.on_worker_at(&keys, fresh, |_, _| Ok(()), case)
    }

    /// [`Target::on_worker`] for any state. `keys[0]` names the state the case starts in, and
    /// `keys[d]` a state `d` steps before it, from which `advance(session, d)` brings a worker
    /// there; `fresh` makes a database in the state when no worker is idle.
    pub fn on_worker_at<E: From<String>>(
        &self,
        keys: &[String],
        fresh: impl FnOnce() -> Result<Box<dyn Database>, E>,
        advance: impl FnOnce(&mut dyn Session, usize) -> Result<(), String>,
        case: impl FnOnce(&dyn Database, &mut dyn Session) -> Result<(), E>,
    ) -> Option<Result<(), E>> {
        if self.isolation == Isolation::Copy {
            return None;
        }
        let reuse = self.server().ok()?.reuse()?;
        let idle = {
            let mut workers = self.workers.idle.lock().unwrap_or_else(|e| e.into_inner());
            let workers = workers.as_mut()?;
            keys.iter().enumerate().find_map(|(steps, key)| {
                let worker = workers.get_mut(key)?.pop()?;
                Some((steps, worker))
            })
        };
        let advanced = idle.and_then(|(steps, mut worker)| {
            if steps == 0 {
                return Some(worker);
            }
            // A worker that cannot advance is dropped; a fresh one is made instead.
            worker.advance(|s| advance(s, steps)).ok().map(|()| worker)
        });
        let mut worker = match advanced {
            Some(worker) => worker,
            None => match fresh().map(|db| Worker::new(db, reuse)) {
                Ok(Ok(Some(worker))) => worker,
                Ok(Ok(None)) => {
                    *self.workers.idle.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    return None;
                }
                // This database cannot serve (say, the account may not read a routine's body
                // back): the case gets a copy of its own.
                Ok(Err(_)) => return None,
                Err(e) => return Some(Err(e)),
            },
        };
        let (result, clean) = worker.run(case);
        if clean
            && let Some(workers) = (self.workers.idle.lock())
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
        {
            workers.entry(keys[0].clone()).or_default().push(worker);
        }
        Some(result)
    }

    /// How the engine reuses databases between cases, if it does.
    pub fn reuse(&self) -> Result<Option<crate::engine::reuse::Reuse>, String> {
        Ok(self.server()?.reuse())
    }

    /// The snapshot of `state`, built at most once per process (and found instead of built when
    /// the server already holds it under the same key).
    pub fn snapshot(&self, state: &DesiredState) -> Result<Arc<dyn Snapshot>, String> {
        let server = self.server()?;
        let key = state.key(server.engine().name());
        self.cached(&key, |server| {
            if let Some(found) = server.find(&key) {
                return Ok(found);
            }
            let _note = progress::show(&format!("building the desired schema on {}", self.label));
            let db = server.create().map_err(|e| e.to_string())?;
            {
                let mut session = db.connect().map_err(|e| e.to_string())?;
                for file in &state.applied(server.dialect())? {
                    sql::run_each(session.as_mut(), file, |_| {}).map_err(|f| {
                        format!("applying the desired schema failed: {}", f.describe())
                    })?;
                }
            }
            self.freeze(server, db, &key)
        })
    }

    /// The snapshot cached under `key` (a content hash) in this process, built by `build` at
    /// most once; threads asking for the same key meanwhile wait for it.
    pub fn cached(
        &self,
        key: &str,
        build: impl FnOnce(&Arc<dyn Server>) -> Result<Arc<dyn Snapshot>, String>,
    ) -> Result<Arc<dyn Snapshot>, String> {
        let server = self.server()?;
        let cell = self
            .states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| build(&server)).clone()
    }

    /// Lets the state under `key` go: this process no longer finds it, and the server frees
    /// what it holds of it where that is private to this process. A later use builds it again.
    pub fn forget(&self, key: &str) {
        let cell = (self.states.lock().unwrap_or_else(|e| e.into_inner())).remove(key);
        let kept = (self.built.lock().unwrap_or_else(|e| e.into_inner())).remove(key);
        drop((cell, kept));
        if let Ok(server) = self.server() {
            server.forget(key);
        }
    }

    /// The snapshot under `key` if this process has already built it.
    pub fn ready(&self, key: &str) -> Option<Arc<dyn Snapshot>> {
        let states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        match states.get(key)?.get()? {
            Ok(s) => Some(s.clone()),
            Err(_) => None,
        }
    }
}

/// The worker databases of a target, idle.
struct Workers {
    /// Per the key of the state they are in. `None` once the engine said it cannot reuse them
    /// (then cases get fresh copies).
    idle: Mutex<Option<HashMap<String, Vec<Worker>>>>,
}

impl Default for Workers {
    fn default() -> Workers {
        Workers {
            idle: Mutex::new(Some(HashMap::new())),
        }
    }
}

impl Workers {
    /// Lets the server's budget close idle workers when it is spent.
    fn attach(self: &Arc<Self>, server: &dyn Server) {
        if let Some(budget) = server.budget() {
            let pool: Arc<dyn Reclaim> = self.clone();
            budget.reclaim_with(Arc::downgrade(&pool));
        }
    }
}

impl Reclaim for Workers {
    fn reclaim_one(&self) -> bool {
        let worker = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            (idle.as_mut()).and_then(|idle| idle.values_mut().find_map(|w| w.pop()))
        };
        // Dropped (connections closed, database dropped) with the pool's lock let go.
        worker.is_some()
    }
}

/// The schema every schema case starts from: SQL files applied in order (`--url`/`--schema`),
/// or an Atlas HCL schema rendered for the engine (see [`crate::schema_source`]).
#[derive(Clone, Debug, Default)]
pub struct DesiredState {
    pub files: Vec<Sql>,
    pub hcl: Option<Arc<HclSchema>>,
    /// Whether the schema reads the clock (defaults, triggers, functions), which keeps its
    /// cases out of rolled-back transactions (see `engine::reuse`).
    pub reads_clock: bool,
}

impl DesiredState {
    /// Reads `file://path`, plain paths, and directories (their `*.sql` files in name order);
    /// `.hcl` files and directories of them are one Atlas HCL schema, parsed with `inputs`.
    pub fn load(urls: &[String], inputs: &Inputs) -> Result<DesiredState, String> {
        let mut files = Vec::new();
        let mut hcl_paths = Vec::new();
        for url in urls
            .iter()
            .flat_map(|u| u.split(','))
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            let path = PathBuf::from(url.strip_prefix("file://").unwrap_or(url));
            if let Some(hcl) = crate::schema_source::hcl_files(&path)? {
                hcl_paths.extend(hcl);
            } else if path.is_dir() {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                    .map_err(|e| {
                        format!("cannot read the schema directory {}: {e}", path.display())
                    })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "sql") && p.is_file())
                    .collect();
                entries.sort();
                if entries.is_empty() {
                    return Err(format!(
                        "the schema directory {} holds no .sql files",
                        path.display()
                    ));
                }
                for p in entries {
                    files.push(read_sql(&p)?);
                }
            } else if path.is_file() {
                files.push(read_sql(&path)?);
            } else {
                return Err(format!(
                    "the desired schema {url} does not exist: give a .sql or .hcl file, or a directory of them (--url file://schema.sql)"
                ));
            }
        }
        let hcl = crate::schema_source::HclSchema::load(&hcl_paths, inputs, !files.is_empty())?;
        let reads_clock = (files.iter().map(|f| f.text.as_str()))
            .chain(hcl.as_ref().map(|h| h.text.as_str()))
            .any(crate::engine::reuse::reads_clock);
        Ok(DesiredState {
            files,
            hcl: hcl.map(Arc::new),
            reads_clock,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.hcl.is_none()
    }

    /// The SQL that builds this state on `dialect`: the SQL files, or the HCL schema rendered.
    pub fn applied(&self, dialect: crate::engine::Dialect) -> Result<Vec<Sql>, String> {
        // With an HCL schema, `files` holds only what atlas.hcl puts before it (a dev block's
        // baseline, external_schema output): SQL files and HCL are not mixed otherwise.
        let mut out = self.files.clone();
        if let Some(hcl) = &self.hcl {
            out.push(hcl.sql(dialect)?);
        }
        Ok(out)
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
        if let Some(hcl) = &self.hcl {
            h.update(b"\0hcl\0");
            h.update(hcl.key_text(engine).as_bytes());
        }
        let digest = h.finalize();
        digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
    }
}

fn read_sql(path: &std::path::Path) -> Result<Sql, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Sql {
        text,
        start: Location {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
        },
        exact: true,
        origins: Vec::new(),
    })
}
