//! The entry point of a `harness = false` cargo test target: every case becomes one trial of
//! `cargo test` / `cargo nextest run`.
//!
//! ```no_run
//! // The body of `fn main` in tests/db.rs, with `[[test]] name = "db" harness = false` in
//! // Cargo.toml:
//! dbassay::Harness::new().path("tests/db").schema("tests/db/schema.sql").main()
//! ```
//!
//! Under `cargo test` only libtest's flags reach the binary, so settings that vary by machine
//! come from the environment: `ASSAY_DEV_URL` (comma-separated dev URLs; overrides
//! [`Harness::dev_url`]), `ASSAY_KEEP_FAILED=1`, `ASSAY_NO_CACHE=1`, `ASSAY_ISOLATION=copy` (every case a real copy), `ASSAY_UPDATE=1` (rewrite failing
//! literal expectations; refused under `CI` unless `ASSAY_FORCE_UPDATE=1`), `ASSAY_JUNIT=FILE` and
//! `ASSAY_JSON=FILE` (reports of the run), `ASSAY_COVERAGE=1`, `ASSAY_COVERAGE_JSON=FILE` and
//! `ASSAY_COVERAGE_MIN=PERCENT` (the database-object coverage report, docs/coverage.md), `ASSAY_PARTITION=hash:K/N` (one shard of the trials, see
//! [`crate::partition`]; under nextest use its own `--partition`).

use std::path::PathBuf;

use crate::provision::cleanup;
use crate::report;
use crate::run::{Options, Plan, update};

/// A cargo test harness over test files.
#[derive(Default)]
pub struct Harness {
    options: Options,
    /// `ASSAY_COVERAGE*`: the coverage report after the run.
    coverage: Option<crate::coverage::report::Wanted>,
    /// The dev URLs were chosen for these files and `ASSAY_DEV_URL` does not replace them.
    fixed: bool,
    /// [`Harness::timeout`] was called: `ASSAY_TIMEOUT` does not replace it.
    fixed_timeout: bool,
}

/// `ASSAY_PARTITION`, unless nextest runs the trials: nextest shards with its own
/// `--partition` and then runs each chosen trial by its exact name.
fn partition() -> Result<Option<crate::partition::Partition>, String> {
    let p = crate::partition::Partition::from_env()?;
    if p.is_some() && std::env::var_os("NEXTEST_RUN_ID").is_some() {
        eprintln!(
            "assay: ASSAY_PARTITION is ignored under nextest; use `cargo nextest run --partition`"
        );
        return Ok(None);
    }
    Ok(p)
}

impl Harness {
    pub fn new() -> Harness {
        Harness::default()
    }

    /// A test file or a directory searched for `*.test.hcl` and `*.txtar`. Relative paths are relative to the
    /// package directory (where cargo runs tests).
    pub fn path(mut self, path: impl Into<PathBuf>) -> Harness {
        self.options.paths.push(path.into());
        self
    }

    /// A dev URL; repeat for an engine matrix. `ASSAY_DEV_URL` overrides these.
    pub fn dev_url(mut self, url: impl Into<String>) -> Harness {
        self.options.dev_urls.push(url.into());
        self
    }

    /// Keeps the dev URLs given so far even when `ASSAY_DEV_URL` is set (for files written for
    /// one engine).
    pub fn fixed_dev_urls(mut self) -> Harness {
        self.fixed = true;
        self
    }

    /// The desired schema: a .sql file, an Atlas HCL schema (.hcl), or a directory of either.
    pub fn schema(mut self, schema: impl Into<String>) -> Harness {
        self.options.schema.push(schema.into());
        self
    }

    /// A value for a `variable` block.
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Harness {
        self.options.vars.push((name.into(), value.into()));
        self
    }

    /// The migration directory of `test "migrate"` cases: `file://path[?format=F]` or a path
    /// (default `migrations`, relative to the package directory).
    pub fn migrations(mut self, dir: impl Into<String>) -> Harness {
        self.options.migrations.url = Some(dir.into());
        self
    }

    /// The time limit of each case (default 5 minutes; `None`: no limit). Past it, the
    /// running statement is cancelled on the server and the case fails.
    pub fn timeout(mut self, limit: Option<std::time::Duration>) -> Harness {
        self.options.timeout = crate::run::timeout::TimeLimit(limit);
        self.fixed_timeout = true;
        self
    }

    /// Replay every migration per case instead of cloning cached migrated states
    /// (`ASSAY_NO_CACHE=1` does the same).
    pub fn no_cache(mut self) -> Harness {
        self.options.migrations.no_cache = true;
        self
    }

    /// The `assay` binary that scripts' `assay` command runs; a cargo test target passes
    /// `env!("CARGO_BIN_EXE_assay")`.
    pub fn assay_bin(mut self, path: impl Into<PathBuf>) -> Harness {
        self.options.assay_bin = Some(path.into());
        self
    }

    /// The plan this harness would run (for harnesses that wrap trials themselves).
    pub fn plan(mut self) -> Result<Plan, String> {
        self.apply_env()?;
        Plan::build(&self.options)
    }

    /// Parses libtest's arguments, runs the trials, removes what was provisioned, and exits
    /// with libtest's code.
    pub fn main(mut self) -> ! {
        let args = libtest_mimic::Arguments::from_args();
        let plan = match self.apply_env().and_then(|()| Plan::build(&self.options)) {
            Ok(plan) => plan,
            Err(message) => {
                eprintln!("assay: {message}");
                std::process::exit(2);
            }
        };
        let plan = match partition() {
            Ok(Some(p)) => p.apply(plan, crate::partition::libtest_matches(&args)),
            Ok(None) => plan,
            Err(message) => {
                eprintln!("assay: {message}");
                std::process::exit(2);
            }
        };
        let conclusion = report::libtest::run(&args, plan);
        update::print_summary();
        let covered = match &self.coverage {
            Some(wanted) if !args.list => {
                crate::coverage::report::finish(wanted).unwrap_or_else(|e| {
                    eprintln!("assay: {e}");
                    false
                })
            }
            _ => true,
        };
        let path = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Err(e) = report::results::write(
            path("ASSAY_JUNIT").as_deref(),
            path("ASSAY_JSON").as_deref(),
        ) {
            eprintln!("assay: {e}");
        }
        cleanup::run_all();
        if !covered && !conclusion.has_failed() {
            std::process::exit(1);
        }
        conclusion.exit()
    }

    fn apply_env(&mut self) -> Result<(), String> {
        if let Ok(urls) = std::env::var("ASSAY_DEV_URL")
            && !self.fixed
        {
            let urls: Vec<String> = urls
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(String::from)
                .collect();
            if !urls.is_empty() {
                self.options.dev_urls = urls;
            }
        }
        if let Ok(limit) = std::env::var("ASSAY_TIMEOUT")
            && !self.fixed_timeout
        {
            let limit =
                crate::run::timeout::parse(&limit).map_err(|e| format!("ASSAY_TIMEOUT: {e}"))?;
            self.options.timeout = crate::run::timeout::TimeLimit(limit);
        }
        if std::env::var("ASSAY_NO_CACHE").is_ok_and(|v| v == "1") {
            self.options.migrations.no_cache = true;
        }
        if std::env::var("ASSAY_KEEP_FAILED").is_ok_and(|v| v == "1") {
            self.options.keep_failed = true;
        }
        if let Ok(isolation) = std::env::var("ASSAY_ISOLATION")
            && !isolation.trim().is_empty()
        {
            self.options.isolation = crate::supply::Isolation::parse(&isolation)
                .map_err(|e| format!("ASSAY_ISOLATION: {e}"))?;
        }
        self.options.update = crate::cli::update_requested(false, false)?;
        let set = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
        let on = set("ASSAY_COVERAGE").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        let wanted = crate::coverage::report::Wanted {
            json: set("ASSAY_COVERAGE_JSON").map(PathBuf::from),
            min: set("ASSAY_COVERAGE_MIN")
                .map(|v| crate::coverage::report::parse_min(&v))
                .transpose()
                .map_err(|e| format!("ASSAY_COVERAGE_MIN: {e}"))?,
        };
        if (on || wanted.json.is_some() || wanted.min.is_some())
            && std::env::var_os("NEXTEST_RUN_ID").is_some()
        {
            // Each trial is a process of its own: there is no end of the run to report at.
            eprintln!(
                "assay: ASSAY_COVERAGE is ignored under nextest (one process per trial); use cargo test or the assay command line"
            );
        } else if on || wanted.json.is_some() || wanted.min.is_some() {
            crate::coverage::enable();
            self.coverage = Some(wanted);
        }
        Ok(())
    }
}
