//! Data migrations: applying a migration directory to a database, the cache of migrated
//! states, and the `assay migrate …` commands.
//!
//! - [`Migrations`]: the directory of a run (`--dir`, `--dir-format`, `--revisions-schema`),
//!   opened and checked against `atlas.sum` once; a broken directory fails every migrate case
//!   with its error, and nothing else.
//! - [`apply`]: files applied in order, one transaction per file unless `txmode none`, the
//!   `-- atlas:txtar` checks first, a row per file in the revisions table ([`revisions`]).
//! - The cache of migrated states ("migrated to version N", built at most once per run) is the
//!   supply's: `supply::migrated`. This room only applies files.
//! - [`command`]: `assay migrate hash | validate | apply`.
//!
//! Nothing here branches on the engine except the revisions table's DDL, which is per dialect.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use dbassay_dsl::migrate::{Dir, Format, file_hashes, validate};

pub mod apply;
pub mod command;
pub mod data_sources;
pub mod project;
pub mod revisions;
pub mod schema_program;

/// The migration directory of a run, ready to apply.
pub struct Migrations {
    /// The directory, or why it cannot be used (reported by every migrate case).
    dir: Result<Dir, String>,
    /// `--revisions-schema` (PostgreSQL only; see [`revisions`]).
    pub revisions_schema: Option<String>,
    /// `--no-cache`: every case replays its migrations from an empty database.
    pub no_cache: bool,
    /// The content hash of files `0..=i`, for cache keys.
    pub(crate) prefix_hashes: Vec<[u8; 32]>,
    /// Each file's `atlas.sum` hash, for the revisions table.
    file_hashes: Vec<String>,
    /// The indices of the files cases start at (their first `migrate { to }`), known from the
    /// plan, with how many cases have yet to start there: building one state reuses the nearest
    /// of these below it, and a state no case will start at again may be let go.
    starts: Mutex<BTreeMap<usize, usize>>,
    /// SQL run on the empty database before the first file: the `baseline` of the atlas.hcl
    /// dev block the run uses.
    pub baseline: Vec<dbassay_dsl::hcl::Sql>,
}

/// Where the directory is and how to read it: `file://path?format=F`, or a plain path.
#[derive(Clone, Debug, Default)]
pub struct DirSpec {
    /// `--dir`; default `file://migrations` (Atlas's default), relative to the working directory.
    pub url: Option<String>,
    /// `--dir-format`; overrides `?format=`.
    pub format: Option<String>,
    pub revisions_schema: Option<String>,
    pub no_cache: bool,
}

impl DirSpec {
    /// The path and format the spec names.
    pub fn resolve(&self) -> Result<(PathBuf, Format), String> {
        let url = self.url.as_deref().unwrap_or("file://migrations");
        let rest = url.strip_prefix("file://").unwrap_or(url);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = if path.is_empty() { "migrations" } else { path };
        let mut format = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("format", f)) => format = Some(f.to_string()),
                _ => {
                    return Err(format!(
                        "--dir {url}: unknown parameter {pair:?}; only format=… is known"
                    ));
                }
            }
        }
        let format = match self.format.clone().or(format) {
            Some(f) => f
                .parse::<Format>()
                .map_err(|e| format!("--dir-format: {e}"))?,
            None => Format::Atlas,
        };
        Ok((PathBuf::from(path), format))
    }
}

impl Migrations {
    /// Opens and validates the directory. Never fails: a problem is kept and reported by the
    /// cases that need the directory.
    pub fn open(spec: &DirSpec) -> Migrations {
        let dir = spec.resolve().and_then(|(path, format)| {
            if !path.is_dir() {
                return Err(format!(
                    "the migration directory {} does not exist: give it with --dir file://path (default: file://migrations)",
                    path.display()
                ));
            }
            let dir = Dir::open(&path, format).map_err(|e| e.to_string())?;
            validate(&dir).map_err(|e| {
                format!("You have a checksum error in your migration directory.\n{e}\n  run \"assay migrate hash --dir file://{}\" after checking the change", path.display())
            })?;
            Ok(dir)
        });
        Migrations::from_dir(dir, spec)
    }

    /// A directory already read (tests and benchmarks); it is not validated again.
    pub fn from_dir(dir: Result<Dir, String>, spec: &DirSpec) -> Migrations {
        let (prefix_hashes, file_hashes) = match &dir {
            Ok(d) => (d.prefix_hashes(), file_hashes(d)),
            Err(_) => (Vec::new(), Vec::new()),
        };
        Migrations {
            dir,
            revisions_schema: spec.revisions_schema.clone(),
            no_cache: spec.no_cache,
            prefix_hashes,
            file_hashes,
            starts: Mutex::new(BTreeMap::new()),
            baseline: Vec::new(),
        }
    }

    /// The directory with `baseline` SQL run on every empty database before its first file.
    pub fn with_baseline(mut self, baseline: Vec<dbassay_dsl::hcl::Sql>) -> Migrations {
        self.baseline = baseline;
        self
    }

    /// Runs the baseline on a database that holds no migration yet.
    pub fn run_baseline(&self, session: &mut dyn crate::engine::Session) -> Result<(), String> {
        for sql in &self.baseline {
            crate::run::sql::run_each(session, sql, |_| {})
                .map_err(|f| format!("the dev database's baseline failed: {}", f.describe()))?;
        }
        Ok(())
    }

    /// The directory, or the error every migrate case reports.
    pub fn dir(&self) -> Result<&Dir, String> {
        self.dir.as_ref().map_err(Clone::clone)
    }

    pub fn file_hash(&self, index: usize) -> &str {
        self.file_hashes.get(index).map_or("", String::as_str)
    }

    /// Notes that a case starts at `version` (when the version exists).
    pub fn note_start(&self, version: &str) {
        if let Ok(dir) = &self.dir
            && let Ok(i) = dir.position(version)
        {
            *(self.starts.lock().unwrap_or_else(|e| e.into_inner()))
                .entry(i)
                .or_default() += 1;
        }
    }

    /// The highest start below `index` that a case has yet to start at.
    pub(crate) fn start_below(&self, index: usize) -> Option<usize> {
        (self.starts.lock().unwrap_or_else(|e| e.into_inner()))
            .range(..index)
            .rev()
            .find(|(_, left)| **left > 0)
            .map(|(i, _)| *i)
    }

    /// Notes that a case started at `index`; gives the starts below it that no case will start
    /// at again (each given once).
    pub(crate) fn spend_start(&self, index: usize) -> Vec<usize> {
        let mut starts = self.starts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(left) = starts.get_mut(&index) {
            *left = left.saturating_sub(1);
        }
        let spent: Vec<usize> = (starts.range(..index))
            .filter(|(_, left)| **left == 0)
            .map(|(i, _)| *i)
            .collect();
        for i in &spent {
            starts.remove(i);
        }
        spent
    }
}

/// A shared handle, as the plan hands it to cases.
pub type SharedMigrations = Arc<Migrations>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_spent_once_every_case_there_has_started() {
        let root = std::env::temp_dir().join(format!("assay-starts-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        for v in 1..=4 {
            std::fs::write(root.join(format!("{v}_f.sql")), "SELECT 1;\n").unwrap();
        }
        let dir = Dir::open(&root, Format::Atlas).unwrap();
        let m = Migrations::from_dir(Ok(dir), &DirSpec::default());
        for v in ["1", "2", "2", "4"] {
            m.note_start(v);
        }
        assert_eq!(m.start_below(3), Some(1));
        // The first case at 2 leaves the state at 1 spent; 2 is still wanted.
        assert_eq!(m.spend_start(0), Vec::<usize>::new());
        assert_eq!(m.spend_start(1), vec![0]);
        assert_eq!(m.start_below(3), Some(1));
        // The second case at 2: nothing below it is spent any more (1 is this one).
        assert_eq!(m.spend_start(1), Vec::<usize>::new());
        assert_eq!(m.start_below(3), None);
        assert_eq!(m.spend_start(3), vec![1]);
        assert_eq!(m.spend_start(3), Vec::<usize>::new());
        let _ = std::fs::remove_dir_all(&root);
    }
}
