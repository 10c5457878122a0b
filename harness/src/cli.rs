//! The `assay` command line: Atlas's spellings plus libtest's flags.
//!
//! ```text
//! assay test [PATHS…]              every case (of every kind) and every txtar script
//! assay schema test [PATHS…]       only test "schema" cases
//! assay migrate test [PATHS…]      only test "migrate" cases
//! assay schema plan test [PATHS…]  only test "plan" cases
//! assay script test [PATHS…]       only test "script" cases
//! assay schema render --url file://schema.hcl --dev-url URL   the DDL of an HCL schema
//! assay cache clean                remove the server data kept for fast local starts
//! ```
//!
//! Positional arguments that name an existing file or directory are paths; one more positional
//! argument is libtest's name filter (as in `cargo test NAME`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dbassay_dsl::hcl::CaseKind;

use crate::provision::cleanup;
use crate::report;
use crate::run::{Options, Plan, update};

#[derive(Parser, Debug)]
#[command(
    name = "assay",
    version,
    about = "Test harness for database logic and data migrations"
)]
struct Cli {
    #[command(subcommand)]
    command: Top,
}

#[derive(Subcommand, Debug)]
enum Top {
    /// Run every test case found under the paths.
    Test(Box<TestArgs>),
    /// Atlas's `schema test` (only `test "schema"` cases) and `schema plan test` (only
    /// `test "plan"` cases).
    Schema {
        #[command(subcommand)]
        command: SchemaCommand,
    },
    /// Atlas's `script test`: run only `test "script"` cases.
    Script {
        #[command(subcommand)]
        command: KindCommand,
    },
    /// Atlas's `migrate test`, and the directory commands `hash`, `validate`, `apply`.
    Migrate {
        #[command(subcommand)]
        command: MigrateCommand,
    },
    /// Print a shell completion script: `assay completions bash > ~/.local/share/bash-completion/completions/assay`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print assay's man page (roff): `assay man > ~/.local/share/man/man1/assay.1`.
    Man,
    /// The server data kept between runs for fast local starts (see docs/databases.md).
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
}

#[derive(Subcommand, Debug)]
enum CacheCommand {
    /// Remove the pristine data dirs and the spare copy on tmpfs, listing what was removed.
    Clean,
}

#[derive(Subcommand, Debug)]
enum MigrateCommand {
    /// Run only `test "migrate"` cases.
    Test(Box<TestArgs>),
    #[command(flatten)]
    Dir(crate::migrate::command::Command),
}

#[derive(Subcommand, Debug)]
enum KindCommand {
    Test(Box<TestArgs>),
}

#[derive(Subcommand, Debug)]
// Parsed once per process: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
enum SchemaCommand {
    /// Run only `test "schema"` cases.
    Test(Box<TestArgs>),
    /// `assay schema plan test`: run only `test "plan"` cases.
    Plan {
        #[command(subcommand)]
        command: KindCommand,
    },
    /// Print the DDL an Atlas HCL schema becomes on the dev URL's engine (no server needed).
    Render(crate::schema_source::RenderArgs),
}

#[derive(Args, Debug)]
struct TestArgs {
    /// Test files or directories (`*.test.hcl` and `*.txtar` scripts, searched recursively);
    /// default `.`. One extra
    /// argument that is not a path filters trials by name, as in `cargo test NAME`.
    paths: Vec<String>,
    /// Dev database URL; repeat to run every case once per engine. Default: embedded SQLite
    /// in memory (sqlite://dev?mode=memory).
    #[arg(long = "dev-url", env = "ASSAY_DEV_URL", value_delimiter = ',')]
    dev_url: Vec<String>,
    /// The desired schema: a .sql file, an Atlas HCL schema (.hcl), or a directory of either
    /// (file://schema.sql, file://schema.hcl); repeatable.
    #[arg(short = 'u', long = "url", alias = "schema", value_delimiter = ',')]
    url: Vec<String>,
    /// A value for a `variable` block: --var name=value (repeat a name to build a list).
    #[arg(long = "var")]
    var: Vec<String>,
    /// Run only cases whose name matches this regular expression (Atlas's --run).
    #[arg(long = "run")]
    run: Option<String>,
    /// Report layout: libtest (one line per case) or atlas (-- PASS: name (dur) …).
    #[arg(long, value_enum, default_value_t = Report::Libtest)]
    report: Report,
    /// Keep the database of a failed case and print a command that opens it.
    #[arg(long = "keep-failed")]
    keep_failed: bool,
    /// The time limit of each case (30s, 2m, 1h; 0 or off: none; default 5m). Past it, the
    /// running statement is cancelled on the server and the case fails.
    #[arg(long, env = "ASSAY_TIMEOUT", value_name = "DURATION")]
    timeout: Option<String>,
    /// The migration directory of migrate cases: file://path[?format=F] (default file://migrations).
    #[arg(long = "dir")]
    dir: Option<String>,
    /// The migration directory's format: atlas, golang-migrate, goose, flyway or dbmate.
    #[arg(long = "dir-format")]
    dir_format: Option<String>,
    /// PostgreSQL: the schema of the atlas_schema_revisions table.
    #[arg(long = "revisions-schema")]
    revisions_schema: Option<String>,
    /// Accepted and ignored: Atlas's run metadata for Atlas Cloud (JSON), which atlas-action
    /// and atlasexec pass to `migrate test`.
    #[arg(long = "context", value_name = "JSON")]
    context: Option<String>,
    /// Replay every migration in every migrate case instead of cloning cached migrated states.
    #[arg(long = "no-cache")]
    no_cache: bool,
    /// How cases get databases: reuse (rolled-back transactions, restores, shared copies where
    /// that cannot change a result) or copy (every case a real copy of its own; slower, for
    /// checking that reuse never changes a result). Also ASSAY_ISOLATION.
    #[arg(
        long,
        env = "ASSAY_ISOLATION",
        value_name = "reuse|copy",
        default_value = "reuse"
    )]
    isolation: String,
    /// The project file: file://atlas.hcl (default: atlas.hcl in the working directory, when
    /// --env is given).
    #[arg(short = 'c', long = "config")]
    config: Option<String>,
    /// The env block of the project file that supplies the dev URL, schema, migration
    /// directory, test files and vars.
    #[arg(long = "env")]
    env: Option<String>,
    /// Rewrite failing literal expectations in place: txtar sections compared with
    /// `cmp stdout FILE`, HCL `output` strings and heredocs. Regexes are never rewritten.
    /// Also ASSAY_UPDATE=1. Refused under CI unless --force-update is given.
    #[arg(long)]
    update: bool,
    /// Also write a JUnit XML report of the run to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write a JSON report to FILE: one object per case (name, file, line, engine, status,
    /// duration, failure).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// After the run, report which functions, procedures, triggers and views of the schema or
    /// migration directory the cases ran, per engine (docs/coverage.md). Also ASSAY_COVERAGE=1.
    #[arg(long)]
    coverage: bool,
    /// Also write the coverage report as JSON to FILE: one object per database object
    /// (implies --coverage).
    #[arg(long = "coverage-json", value_name = "FILE")]
    coverage_json: Option<PathBuf>,
    /// Fail the run (exit code 1) when an engine's share of exercised objects is below
    /// PERCENT (implies --coverage).
    #[arg(long = "coverage-min", value_name = "PERCENT")]
    coverage_min: Option<String>,
    /// Allow --update under CI.
    #[arg(long = "force-update")]
    force_update: bool,
    /// Run only one shard of the trials, for one of N CI runners: hash:K/N (the trials
    /// `cargo nextest run --partition hash:K/N` would pick), count:K/N, or K/N (= hash).
    #[arg(long, env = "ASSAY_PARTITION", value_name = "hash:K/N")]
    partition: Option<String>,

    // libtest's flags.
    /// List the trials instead of running them.
    #[arg(long)]
    list: bool,
    /// Match the name filter exactly.
    #[arg(long)]
    exact: bool,
    /// Skip trials whose name contains this text; repeatable.
    #[arg(long)]
    skip: Vec<String>,
    /// Number of trials run at once.
    #[arg(long = "test-threads")]
    test_threads: Option<usize>,
    /// libtest output format: pretty, terse or json.
    #[arg(long)]
    format: Option<String>,
    /// Run only ignored (skip = true) cases.
    #[arg(long)]
    ignored: bool,
    /// Run ignored cases too.
    #[arg(long = "include-ignored")]
    include_ignored: bool,
    /// Terse output (the default when CI is set and no --format is given).
    #[arg(short, long)]
    quiet: bool,
    /// Print `log` lines of passing cases too.
    #[arg(long, alias = "show-output")]
    nocapture: bool,
    /// Colour: auto, always or never (default: never under NO_COLOR, always under
    /// CLICOLOR_FORCE, else when output is a terminal).
    #[arg(long)]
    color: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Report {
    Libtest,
    Atlas,
}

/// Runs the `assay` command line and returns its exit code: 0 when every case passed, 1 when
/// one failed, 2 for a usage error, 101 for an internal error (a panic outside a case), and
/// 130/143 when interrupted by SIGINT/SIGTERM (see [`crate::shell`]).
pub fn main() -> ExitCode {
    crate::shell::exit_101_on_panic(run)
}

/// The command line's definition (for completions and the man page).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

fn run() -> ExitCode {
    let cli = Cli::parse();
    crate::shell::panic_if_asked();
    let (args, kind) = match cli.command {
        Top::Test(a) => (*a, None),
        Top::Schema {
            command: SchemaCommand::Test(a),
        } => (*a, Some(CaseKind::Schema)),
        Top::Schema {
            command:
                SchemaCommand::Plan {
                    command: KindCommand::Test(a),
                },
        } => (*a, Some(CaseKind::Plan)),
        Top::Script {
            command: KindCommand::Test(a),
        } => (*a, Some(CaseKind::Script)),
        Top::Schema {
            command: SchemaCommand::Render(a),
        } => return crate::schema_source::render_command(a),
        Top::Migrate {
            command: MigrateCommand::Test(a),
        } => (*a, Some(CaseKind::Migrate)),
        Top::Completions { shell } => return crate::shell::completions(shell),
        Top::Man => return crate::shell::man(),
        Top::Cache {
            command: CacheCommand::Clean,
        } => {
            let removed = crate::provision::cache::clean();
            for r in &removed {
                println!("removed {} ({} MB)", r.path.display(), r.bytes / 1_000_000);
            }
            if removed.is_empty() {
                println!("nothing to remove");
            }
            return ExitCode::SUCCESS;
        }
        Top::Migrate {
            command: MigrateCommand::Dir(command),
        } => {
            return match crate::migrate::command::run(command) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(message) => {
                    eprintln!("assay: {message}");
                    ExitCode::from(2)
                }
            };
        }
    };
    let code = match test(args, kind) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("assay: {message}");
            ExitCode::from(2)
        }
    };
    cleanup::run_all();
    code
}

fn test(a: TestArgs, kind: Option<CaseKind>) -> Result<bool, String> {
    let mut paths = Vec::new();
    let mut filter = None;
    for p in a.paths.clone() {
        if std::path::Path::new(&p).exists() {
            paths.push(PathBuf::from(p));
        } else if p.contains('/') || p.ends_with(".hcl") || p.ends_with(".txtar") {
            // Taken as a name filter, a mistyped path would select nothing and pass.
            return Err(format!("{p}: no such file or directory"));
        } else if filter.is_none() {
            filter = Some(p);
        } else {
            return Err(format!(
                "{p}: no such file or directory (only one name filter may be given, and {:?} is one)",
                filter.unwrap_or_default()
            ));
        }
    }
    let vars = a
        .var
        .iter()
        .flat_map(|v| split_vars(v))
        .map(|v| {
            v.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| format!("--var {v}: expected name=value"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut a = a;
    // `--context` is Atlas Cloud's run metadata: accepted so atlas-action's command lines run,
    // and not used.
    let _ = a.context.take();
    let mut values = std::collections::BTreeMap::new();
    let mut schema_sql = Vec::new();
    let mut migration_baseline = Vec::new();
    if a.env.is_some() || a.config.is_some() {
        let mut project_paths = Vec::new();
        values = crate::migrate::project::apply(
            &mut a.project(&mut project_paths, &mut schema_sql, &mut migration_baseline),
            &vars,
            kind,
        )?;
        if paths.is_empty() {
            paths = project_paths.iter().map(PathBuf::from).collect();
        }
    }
    let run = a
        .run
        .map(|r| {
            regex::Regex::new(&r).map_err(|e| format!("--run: invalid regular expression: {e}"))
        })
        .transpose()?;
    let options = Options {
        paths,
        dev_urls: a.dev_url,
        schema: a.url,
        schema_sql,
        migration_baseline,
        vars,
        run,
        kind,
        keep_failed: a.keep_failed,
        migrations: crate::migrate::DirSpec {
            url: a.dir,
            format: a.dir_format,
            revisions_schema: a.revisions_schema,
            no_cache: a.no_cache,
        },
        values,
        update: update_requested(a.update, a.force_update)?,
        assay_bin: None,
        isolation: crate::supply::Isolation::parse(&a.isolation)
            .map_err(|e| format!("--isolation: {e}"))?,
        timeout: match &a.timeout {
            Some(text) => crate::run::timeout::TimeLimit(
                crate::run::timeout::parse(text).map_err(|e| format!("--timeout: {e}"))?,
            ),
            None => Default::default(),
        },
    };
    let coverage = crate::coverage::report::Wanted {
        json: a.coverage_json.clone(),
        min: (a.coverage_min.as_deref())
            .map(crate::coverage::report::parse_min)
            .transpose()
            .map_err(|e| format!("--coverage-min: {e}"))?,
    };
    let from_env = std::env::var("ASSAY_COVERAGE")
        .is_ok_and(|v| v.trim() == "1" || v.trim().eq_ignore_ascii_case("true"));
    let coverage = (a.coverage || from_env || coverage.json.is_some() || coverage.min.is_some())
        .then_some(coverage);
    if coverage.is_some() && !a.list {
        crate::coverage::enable();
    }
    let plan = Plan::build(&options)?;
    let partition = a
        .partition
        .as_deref()
        .map(crate::partition::Partition::parse)
        .transpose()?;
    if matches!(a.report, Report::Atlas) && !a.list {
        // Every trial of the Atlas layout runs (skip cases report SKIP).
        let plan = match partition {
            Some(p) => p.apply(plan, |_| true),
            None => plan,
        };
        let threads = a
            .test_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let color = a.color.clone().or_else(crate::shell::color_from_env);
        match &color {
            Some(c) => diff_colors(c),
            // The layout will reach the terminal through the bar's pipe: keep diff colours.
            None if report::progress::forwards_stdout(plan.trials.len()) => diff_colors("always"),
            None => {}
        }
        let progress = report::progress::start(plan.trials.len());
        let ok = report::atlas::run(plan, threads);
        drop(progress);
        update::print_summary();
        report::results::write(a.junit.as_deref(), a.json.as_deref())?;
        let covered = match &coverage {
            Some(wanted) => crate::coverage::report::finish(wanted)?,
            None => true,
        };
        return Ok(ok && covered);
    }
    let mut libtest = vec!["assay".to_string()];
    let flags = [
        (a.list, "--list"),
        (a.exact, "--exact"),
        (a.ignored, "--ignored"),
        (a.include_ignored, "--include-ignored"),
        (
            a.quiet || crate::shell::quiet_in_ci(a.format.is_some(), a.list),
            "--quiet",
        ),
        (a.nocapture, "--nocapture"),
    ];
    libtest.extend(
        flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| f.to_string()),
    );
    for s in a.skip {
        libtest.extend(["--skip".to_string(), s]);
    }
    if let Some(n) = a.test_threads {
        libtest.extend(["--test-threads".to_string(), n.to_string()]);
    }
    if let Some(f) = a.format {
        libtest.extend(["--format".to_string(), f]);
    }
    let color = a.color.or_else(crate::shell::color_from_env);
    if let Some(c) = &color {
        diff_colors(c);
        libtest.extend(["--color".to_string(), c.clone()]);
    }
    libtest.extend(filter);
    let mut args = libtest_mimic::Arguments::from_iter(libtest);
    let plan = match partition {
        Some(p) => p.apply(plan, crate::partition::libtest_matches(&args)),
        None => plan,
    };
    let to_run = plan
        .trials
        .iter()
        .filter(|t| crate::partition::libtest_matches(&args)(t))
        .count();
    let to_run = if a.list { 0 } else { to_run };
    if color.is_none() && report::progress::forwards_stdout(to_run) {
        // The report will reach the terminal through the bar's pipe: keep its colours.
        diff_colors("always");
        args.color = Some(libtest_mimic::ColorSetting::Always);
    }
    let progress = report::progress::start(to_run);
    let ok = !report::libtest::run(&args, plan).has_failed();
    drop(progress);
    update::print_summary();
    if !a.list {
        report::results::write(a.junit.as_deref(), a.json.as_deref())?;
        if let Some(wanted) = &coverage {
            return Ok(crate::coverage::report::finish(wanted)? && ok);
        }
    }
    Ok(ok)
}

/// One `--var` holds several values as Atlas reads it (`--var "a=1,b=2"`): split at the commas
/// that start another `name=`, outside quotes and HCL brackets, so `--var 'list=a,b'` and
/// `--var 'm={a = 1, b = 2}'` stay one value each.
fn split_vars(arg: &str) -> Vec<String> {
    let starts_name = |rest: &str| {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        !name.is_empty()
            && rest[name.len()..].starts_with('=')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    };
    let (mut out, mut current) = (Vec::new(), String::new());
    let (mut depth, mut quoted) = (0i32, false);
    for (i, c) in arg.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '{' | '[' | '(' if !quoted => depth += 1,
            '}' | ']' | ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 && starts_name(&arg[i + 1..]) => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}

/// `--color always|never` decides the colours of diffs too (default: when stdout is a terminal).
fn diff_colors(choice: &str) {
    if matches!(choice, "always" | "never") {
        // SAFETY: called from the main thread before any trial thread starts.
        unsafe { std::env::set_var("ASSAY_COLOR", choice) };
    }
}

/// Whether to rewrite expectations: `--update` or `ASSAY_UPDATE=1`, refused under `CI` unless
/// forced (`--force-update`, `ASSAY_FORCE_UPDATE=1`).
pub fn update_requested(flag: bool, force: bool) -> Result<bool, String> {
    let on =
        |var: &str| std::env::var(var).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    if !(flag || on("ASSAY_UPDATE")) {
        return Ok(false);
    }
    if update::in_ci() && !(force || on("ASSAY_FORCE_UPDATE")) {
        return Err("refusing to rewrite expectations under CI (CI is set): review changes locally, or pass --force-update".into());
    }
    Ok(true)
}

impl TestArgs {
    /// The settings an atlas.hcl env may fill in (those not given on the command line).
    fn project<'a>(
        &'a mut self,
        paths: &'a mut Vec<String>,
        schema_sql: &'a mut Vec<dbassay_dsl::hcl::Sql>,
        migration_baseline: &'a mut Vec<dbassay_dsl::hcl::Sql>,
    ) -> crate::migrate::project::Settings<'a> {
        crate::migrate::project::Settings {
            config: self.config.as_deref(),
            env: self.env.as_deref(),
            dev_urls: &mut self.dev_url,
            schema: &mut self.url,
            dir: &mut self.dir,
            dir_format: &mut self.dir_format,
            revisions_schema: &mut self.revisions_schema,
            paths,
            schema_sql,
            migration_baseline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_vars;

    #[test]
    fn a_var_holds_several_values_as_in_atlas() {
        assert_eq!(split_vars("a=1,b=2"), ["a=1", "b=2"]);
        assert_eq!(split_vars("list=a,b"), ["list=a,b"]);
        assert_eq!(split_vars("m={a = 1, b=2},n=3"), ["m={a = 1, b=2}", "n=3"]);
        assert_eq!(split_vars("s=\"x,y=1\",t=2"), ["s=\"x,y=1\"", "t=2"]);
    }
}
