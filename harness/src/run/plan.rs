//! From paths and options to a plan: one trial per case and dev URL.
//!
//! Every file is parsed up front; a file with errors becomes one failing trial that lists all
//! its errors, and every other file still runs. Nothing is provisioned while planning, so
//! `--list` is instant.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dbassay_dsl::hcl::{CaseKind, Inputs, TestFile};
use dbassay_dsl::source::SourceFile;

use super::case::{CaseJob, CaseReport, ParallelGroup, Status};
use super::failure::Failure;
use super::script::{self, ScriptJob};
use crate::migrate::{DirSpec, Migrations};
use crate::supply::target::{DesiredState, Target};
use dbassay_dsl::hcl::CommandKind;

/// What to run and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Files or directories (`*.test.hcl` and `*.txtar` scripts found recursively). Empty
    /// means `.`.
    pub paths: Vec<PathBuf>,
    /// Dev URLs; every case runs once per URL. Empty means embedded in-memory SQLite.
    pub dev_urls: Vec<String>,
    /// The desired schema (`--url` / `--schema`): SQL or Atlas HCL files, or directories of them.
    pub schema: Vec<String>,
    /// SQL applied before `schema`, from atlas.hcl: a dev block's `baseline`, the output of
    /// `data "external_schema"` programs. Each carries its place in atlas.hcl.
    pub schema_sql: Vec<dbassay_dsl::hcl::Sql>,
    /// SQL run on the empty database of migrate cases before the first file (the `baseline` of
    /// the atlas.hcl dev block).
    pub migration_baseline: Vec<dbassay_dsl::hcl::Sql>,
    /// `--var k=v`.
    pub vars: Vec<(String, String)>,
    /// `--run REGEX`: only cases whose name matches (unanchored).
    pub run: Option<regex::Regex>,
    /// Only this kind of case (`assay schema test` / `assay migrate test`).
    pub kind: Option<CaseKind>,
    /// Keep the database of a failed case and print how to open it.
    pub keep_failed: bool,
    /// The migration directory of `test "migrate"` cases (`--dir`, `--dir-format`,
    /// `--revisions-schema`, `--no-cache`); opened only when such a case is planned.
    pub migrations: DirSpec,
    /// Typed variable values (atlas.hcl `test { … { vars = {…} } }`); `vars` wins on conflict.
    pub values: std::collections::BTreeMap<String, dbassay_dsl::hcl::HclValue>,
    /// Rewrite failing literal expectations in place (`--update`, `ASSAY_UPDATE=1`).
    pub update: bool,
    /// The `assay` binary a script's `assay` command runs (default: found next to this one).
    pub assay_bin: Option<PathBuf>,
    /// `--isolation copy` (`ASSAY_ISOLATION=copy`): every case on a real copy of its own.
    pub isolation: crate::supply::Isolation,
    /// The per-case time limit (`--timeout`, `ASSAY_TIMEOUT`).
    pub timeout: super::timeout::TimeLimit,
}

/// The default dev URL: embedded SQLite in memory.
pub const DEFAULT_DEV_URL: &str = "sqlite://dev?mode=memory";

/// One trial of the plan.
pub struct Trial {
    /// `file::case`, prefixed with the engine when there is more than one dev URL.
    pub name: String,
    /// The engine label (the libtest "kind").
    pub engine: String,
    /// `skip = true` cases, listed but not run.
    pub ignored: bool,
    pub job: Job,
}

pub enum Job {
    Case(Box<CaseJob>),
    /// A txtar script on one dev URL.
    Script(Box<ScriptJob>),
    /// A file or setting that could not be used: the trial fails with this failure.
    Broken {
        file: String,
        failure: Failure,
    },
    /// A check of the caller's own (assay's tests wrap trials to expect failures).
    Custom(Box<dyn FnOnce() -> Result<(), String> + Send>),
}

pub struct Plan {
    pub trials: Vec<Trial>,
}

impl Trial {
    /// Runs the trial and records its result for the JUnit/JSON reports. Returns the name Atlas's
    /// report uses (the case's own name for a case) with the report.
    pub fn run(self) -> (String, CaseReport) {
        let failed = |failure: Failure| CaseReport {
            status: Status::Fail,
            duration: std::time::Duration::ZERO,
            logs: Vec::new(),
            failure: Some(failure),
        };
        let (short, file, line, report) = match self.job {
            Job::Case(job) => {
                let report = job.run();
                let at = &job.case.location;
                (
                    job.case.name.clone(),
                    at.path.display().to_string(),
                    at.line,
                    report,
                )
            }
            Job::Script(job) => {
                let report = job.run();
                (self.name.clone(), job.path.display().to_string(), 0, report)
            }
            Job::Broken { file, failure } => (self.name.clone(), file, 0, failed(failure)),
            Job::Custom(check) => {
                let report = match check() {
                    Ok(()) => CaseReport {
                        status: Status::Pass,
                        duration: std::time::Duration::ZERO,
                        logs: Vec::new(),
                        failure: None,
                    },
                    Err(e) => failed(Failure::new(e)),
                };
                return (self.name, report);
            }
        };
        crate::report::results::record(&self.name, &file, line, &self.engine, &report);
        (short, report)
    }
}

impl Plan {
    /// The order to run the trials in: the plan's, except that migrate cases come last, by the
    /// version their first `migrate` restores, so a few worker databases move forward through
    /// the directory instead of each case copying its own starting state (see `supply::worker`).
    /// Listings keep the plan's order.
    pub fn run_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.trials.len()).collect();
        order.sort_by_key(|&i| match &self.trials[i].job {
            Job::Case(job) => job.start_index().map_or((0, 0), |start| (1, start)),
            _ => (0, 0),
        });
        order
    }

    /// Reorders the trials into [`Plan::run_order`].
    pub fn into_run_order(self) -> Plan {
        let order = self.run_order();
        let mut slots: Vec<Option<Trial>> = self.trials.into_iter().map(Some).collect();
        Plan {
            trials: order.into_iter().filter_map(|i| slots[i].take()).collect(),
        }
    }

    /// Whether any trial runs on a database server (rather than embedded SQLite).
    pub fn uses_servers(&self) -> bool {
        self.trials.iter().any(|t| match &t.job {
            Job::Case(job) => job
                .target
                .dev
                .as_ref()
                .is_some_and(crate::provision::is_server),
            Job::Script(job) => job
                .target
                .dev
                .as_ref()
                .is_some_and(crate::provision::is_server),
            _ => false,
        })
    }

    /// Builds the plan. Only usage errors (a path that does not exist, a bad dev URL) fail the
    /// whole plan; errors inside files become failing trials.
    pub fn build(options: &Options) -> Result<Plan, String> {
        let urls: Vec<String> = if options.dev_urls.is_empty() {
            vec![DEFAULT_DEV_URL.to_string()]
        } else {
            options.dev_urls.clone()
        };
        let targets = targets(&urls, options.isolation)?;
        let files = discover(&options.paths)?;
        let inputs = Inputs {
            vars: options.vars.clone(),
            values: options.values.clone(),
        };
        let state = DesiredState::load(&options.schema, &inputs).map(|mut state| {
            // atlas.hcl's baseline and external_schema output come first (see `applied`).
            state.files.splice(0..0, options.schema_sql.iter().cloned());
            state.reads_clock |=
                (options.schema_sql.iter()).any(|f| crate::engine::reuse::reads_clock(&f.text));
            state
        });
        let several = targets.len() > 1;
        let mut run_migrations: Option<Arc<Migrations>> = None;
        let name = |target: &Target, rest: String| {
            if several {
                format!("{}::{rest}", target.label)
            } else {
                rest
            }
        };

        let mut trials = Vec::new();
        for path in files {
            let display = display_path(&path);
            if is_script(&path) {
                // Scripts are neither schema nor migrate cases: `assay test` runs them.
                if options.kind.is_some()
                    || options
                        .run
                        .as_ref()
                        .is_some_and(|re| !re.is_match(&display))
                {
                    continue;
                }
                let broken = script::check(Path::new(&display)).err();
                for target in &targets {
                    let job = match &broken {
                        Some(failure) => Job::Broken {
                            file: display.clone(),
                            failure: failure.clone(),
                        },
                        None => Job::Script(Box::new(ScriptJob {
                            path: PathBuf::from(&display),
                            target: target.clone(),
                            keep_failed: options.keep_failed,
                            update: options.update,
                            assay_bin: options.assay_bin.clone(),
                        })),
                    };
                    trials.push(Trial {
                        name: name(target, display.clone()),
                        engine: target.label.clone(),
                        ignored: false,
                        job,
                    });
                }
                continue;
            }
            let parsed = SourceFile::read(&path)
                .map_err(|e| vec![e])
                .and_then(|source| TestFile::parse(source, &inputs));
            let usable = match (parsed, &state) {
                (Ok(file), Ok(_)) => Ok(file),
                (Err(errors), _) => {
                    let text = errors
                        .iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("\n");
                    let mut failure = Failure::new(text);
                    // The report points at the last error that has a line.
                    failure.line = errors
                        .iter()
                        .rev()
                        .map(|e| e.location.line)
                        .find(|&l| l > 0);
                    Err(failure)
                }
                (Ok(_), Err(e)) => Err(Failure::new(e.clone())),
            };
            let file = match usable {
                Ok(file) => file,
                Err(failure) => {
                    for target in &targets {
                        trials.push(Trial {
                            name: name(target, display.clone()),
                            engine: target.label.clone(),
                            ignored: false,
                            job: Job::Broken {
                                file: display.clone(),
                                failure: failure.clone(),
                            },
                        });
                    }
                    continue;
                }
            };
            let state = Arc::new(state.clone().unwrap_or_default());
            for target in &targets {
                let group = Arc::new(ParallelGroup::named(
                    &target.label,
                    &name(target, format!("{display}::(parallel)")),
                ));
                for case in &file.cases {
                    if options.kind.is_some_and(|k| k != case.kind)
                        || options
                            .run
                            .as_ref()
                            .is_some_and(|re| !re.is_match(&case.name))
                    {
                        continue;
                    }
                    let migrations = (case.kind == CaseKind::Migrate).then(|| {
                        let m = run_migrations.get_or_insert_with(|| {
                            Arc::new(
                                Migrations::open(&options.migrations)
                                    .with_baseline(options.migration_baseline.clone()),
                            )
                        });
                        if let Some(CommandKind::Migrate { to }) =
                            case.commands.first().map(|c| &c.kind)
                        {
                            m.note_start(to);
                        }
                        m.clone()
                    });
                    let trial = name(target, format!("{display}::{}", case.name));
                    trials.push(Trial {
                        name: trial.clone(),
                        engine: target.label.clone(),
                        ignored: case.skip,
                        job: Job::Case(Box::new(CaseJob {
                            credit: if case.parallel {
                                group.credit().to_string()
                            } else {
                                trial
                            },
                            case: case.clone(),
                            target: target.clone(),
                            state: state.clone(),
                            group: (case.parallel
                                && options.isolation == crate::supply::Isolation::Reuse)
                                .then(|| group.clone()),
                            keep_failed: options.keep_failed,
                            migrations,
                            update: options.update,
                            timeout: options.timeout.0,
                        })),
                    });
                }
            }
        }
        Ok(Plan { trials })
    }

    /// Tells each parallel group how many of its cases will run, given which trials will run.
    pub fn expect_runs(&self, will_run: impl Fn(&Trial) -> bool) {
        let mut counts: HashMap<*const ParallelGroup, (Arc<ParallelGroup>, usize)> = HashMap::new();
        for trial in &self.trials {
            if let Job::Case(job) = &trial.job
                && let Some(group) = &job.group
            {
                let entry = counts
                    .entry(Arc::as_ptr(group))
                    .or_insert_with(|| (group.clone(), 0));
                if will_run(trial) && !trial.ignored {
                    entry.1 += 1;
                }
            }
        }
        for (group, n) in counts.into_values() {
            group.expect(n);
        }
    }
}

fn targets(
    urls: &[String],
    isolation: crate::supply::Isolation,
) -> Result<Vec<Arc<Target>>, String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut targets = Vec::new();
    for url in urls {
        let mut target = Target::new(url)?;
        target.isolation = isolation;
        let n = seen.entry(target.label.clone()).or_default();
        *n += 1;
        if *n > 1 {
            target.label = format!("{}{}", target.label, n);
        }
        targets.push(Arc::new(target));
    }
    Ok(targets)
}

/// A txtar script rather than an HCL test file.
fn is_script(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "txtar")
}

/// `*.test.hcl` and `*.txtar` files under the paths (recursively; hidden dirs and `target` skipped), each once,
/// in a stable order. A file named explicitly is taken whatever its name.
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
        } else if path.is_dir() {
            walk(path, &mut files)?;
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // Symlinked directories are not followed: a link to a parent would loop forever.
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if path.is_dir() {
            if !is_link && !name.starts_with('.') && name != "target" {
                walk(&path, files)?;
            }
        } else if name.ends_with(".test.hcl") || name.ends_with(".txtar") {
            files.push(path);
        }
    }
    Ok(())
}

/// A path as the user would write it: relative to the working directory when under it.
pub fn display_path(path: &Path) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    if path.is_absolute()
        && let Ok(cwd) = std::env::current_dir()
        && let Ok(rel) = path.strip_prefix(&cwd)
    {
        return rel.display().to_string();
    }
    path.display().to_string()
}
