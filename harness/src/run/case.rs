//! Running one case: its database, its commands in order, its cleanups, its report.
//!
//! The first failing command stops the case; the cleanups registered so far then run in
//! reverse order, whatever the result. A failure names `file:line` of the block.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command as Process;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dbassay_dsl::hcl::{Case, CaseKind, Command, CommandKind, Expect, External, Output, Sql};
use dbassay_dsl::source::Location;

use crate::coverage::{Meter, Watched};
use crate::engine::{Outcome, Session};
use crate::migrate::{Migrations, apply};
use crate::provision::Database;
use crate::render;
use crate::run::failure::Failure;
use crate::run::sql::{self, SqlFailure};
use crate::run::timeout::Watch;
use crate::run::update;
pub use crate::supply::group::ParallelGroup;
use crate::supply::migrated as cache;
use crate::supply::target::{DesiredState, Target};
use crate::supply::worker as rollback;

/// How many migration files a worker database applies to reach the version a case starts at,
/// at most, before a copy of the cached state is made instead, when that state is already built
/// (a copy costs about as much as applying a few files on PostgreSQL, a few dozen on MariaDB).
/// A state not built yet costs more than applying the files: any idle worker below it advances.
const ADVANCE_LIMIT: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

/// What a case did: its status, how long it took, its `log` lines and the failure text.
#[derive(Clone, Debug)]
pub struct CaseReport {
    pub status: Status,
    pub duration: Duration,
    /// `file:line: message` for every `log` block reached.
    pub logs: Vec<String>,
    pub failure: Option<Failure>,
}

/// One case ready to run: the case, where it runs, and the group it shares a database with.
pub struct CaseJob {
    pub case: Case,
    /// Who this case's calls are credited to under `--coverage`: its trial name, or its
    /// parallel group's (see [`crate::coverage`]).
    pub credit: String,
    pub target: Arc<Target>,
    pub state: Arc<DesiredState>,
    /// The parallel cases of one file on one target share one copy of the state.
    pub group: Option<Arc<ParallelGroup>>,
    pub keep_failed: bool,
    /// The run's migration directory, for `test "migrate"` cases.
    pub migrations: Option<Arc<Migrations>>,
    /// `--update`: rewrite a failing literal `output` in place.
    pub update: bool,
    /// The time limit of the case (see [`crate::run::timeout`]); `None`: no limit.
    pub timeout: Option<Duration>,
}

impl CaseJob {
    /// For a migrate case whose first command is `migrate { to }`, the index of the file it
    /// restores (the version it starts at).
    pub fn start_index(&self) -> Option<usize> {
        let migrations = self.migrations.as_deref()?;
        match &self.case.commands.first()?.kind {
            CommandKind::Migrate { to } if self.case.kind == CaseKind::Migrate => {
                migrations.dir().ok()?.position(to).ok()
            }
            _ => None,
        }
    }
}

/// Where a migrate case's database is: files `0..applied` of the directory are applied.
struct CaseMigration<'a> {
    migrations: &'a Migrations,
    applied: usize,
    /// The first `migrate` block was restored from the cache of migrated states.
    restored: bool,
}

impl CaseJob {
    pub fn run(&self) -> CaseReport {
        let start = Instant::now();
        let mut logs = Vec::new();
        let failure = if self.case.skip {
            return CaseReport {
                status: Status::Skip,
                duration: Duration::ZERO,
                logs,
                failure: None,
            };
        } else {
            // A panic inside assay is a bug, but it must fail only this case, with its message.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.run_on_database(&mut logs)
            }))
            .unwrap_or_else(|panic| {
                let what = crate::run::panic_text(panic.as_ref());
                Err(self
                    .failure_at_case(format!("assay panicked (a bug; please report it): {what}")))
            })
            .err()
        };
        let status = if failure.is_some() {
            Status::Fail
        } else {
            Status::Pass
        };
        CaseReport {
            status,
            duration: start.elapsed(),
            logs,
            failure,
        }
    }

    /// A failure at the case block.
    fn failure_at_case(&self, message: String) -> Failure {
        let at = &self.case.location;
        Failure::at(at.to_string(), at.line, message)
    }

    fn run_on_database(&self, logs: &mut Vec<String>) -> Result<(), Failure> {
        // Waits until the server's connection budget has room for one more case.
        let _admitted = self.target.admit();
        if self.case.kind == CaseKind::Migrate {
            return self.run_migrate_case(logs);
        }
        if matches!(self.case.kind, CaseKind::Plan | CaseKind::Script) {
            // Plan and script cases start from an empty database: their `schema` step sets
            // the state up.
            let db = self.target.server()?.create().map_err(|e| e.to_string())?;
            return self.run_alone(db, logs, None);
        }
        let fresh = || self.target.fresh(&self.state);
        match &self.group {
            Some(group) => {
                group.attach(&self.target);
                let result = group.acquire(fresh).map_err(Failure::from).and_then(|db| {
                    let mut session = group.session(db.as_ref())?;
                    let result = self.run_commands(db.as_ref(), session.as_mut(), logs);
                    group.give_back(session);
                    result
                });
                group.release();
                result
            }
            None => {
                if let Some(reuse) = self.target.reuse()?
                    && rollback::eligible(
                        &self.case,
                        self.keep_failed,
                        reuse,
                        self.state.reads_clock,
                    )
                    && let Some(result) = self.target.on_worker(&self.state, |db, session| {
                        self.run_commands(db, session, logs)
                    })
                {
                    return result;
                }
                self.run_alone(fresh()?, logs, None)
            }
        }
    }

    /// A `test "migrate"` case: it starts from an empty database, or, when its first command is
    /// `migrate { to }`, from a copy of the cached state at that version.
    fn run_migrate_case(&self, logs: &mut Vec<String>) -> Result<(), Failure> {
        let at = |e: String| self.failure_at_case(e);
        let migrations = self.migrations.as_deref().ok_or_else(|| {
            at("migrate cases need a migration directory (--dir file://migrations)".into())
        })?;
        let dir = migrations.dir().map_err(at)?;
        let first = match self.case.commands.first() {
            Some(Command {
                kind: CommandKind::Migrate { to },
                location,
            }) if !migrations.no_cache => dir.position(to).ok().map(|i| (i, location)),
            _ => None,
        };
        if let Some((i, location)) = first
            && let Some(reuse) = self.target.reuse()?
        {
            // Run on a worker database at that version (or one that advances to it), when the
            // case and the files it applies allow it.
            let server = self.target.server()?;
            let last = (self.case.commands.iter())
                .filter_map(|c| match &c.kind {
                    CommandKind::Migrate { to } => dir.position(to).ok(),
                    _ => None,
                })
                .fold(i, usize::max);
            let later = dir.files.get(i + 1..=last).unwrap_or(&[]);
            let restored = &dir.files[..=i];
            if rollback::eligible_migration(
                &self.case,
                self.keep_failed,
                reuse,
                restored,
                later,
                server.dialect(),
            ) {
                // A worker any distance behind is advanced when the state is not built yet:
                // building it would apply those files too, and copy the database twice (and
                // first build every other case's start version below it).
                let built = (self.target)
                    .ready(&cache::key(server.engine().name(), migrations, i))
                    .is_some();
                let limit = if built { ADVANCE_LIMIT } else { i };
                let keys: Vec<String> = (0..=i.min(limit))
                    .map(|steps| cache::key(server.engine().name(), migrations, i - steps))
                    .collect();
                let fresh = || {
                    cache::fresh(&self.target, migrations, i)
                        .map_err(|e| failure_at(location, format!("migrate: {e}")))
                };
                let advance = |session: &mut dyn Session, steps: usize| {
                    apply::build(session, migrations, i + 1 - steps, i + 1)
                };
                let mut state = CaseMigration {
                    migrations,
                    applied: i + 1,
                    restored: true,
                };
                if let Some(result) =
                    self.target
                        .on_worker_at(&keys, fresh, advance, |db, session| {
                            self.run_commands_with(db, session, logs, Some(&mut state))
                        })
                {
                    return result;
                }
            }
        }
        let db = match first {
            Some((i, location)) => cache::fresh(&self.target, migrations, i)
                .map_err(|e| failure_at(location, format!("migrate: {e}")))?,
            None => {
                let db = self.target.server()?.create().map_err(|e| e.to_string())?;
                if !migrations.baseline.is_empty() {
                    let mut session = db.connect().map_err(|e| e.to_string())?;
                    migrations.run_baseline(session.as_mut()).map_err(at)?;
                }
                db
            }
        };
        let mut state = CaseMigration {
            migrations,
            applied: first.map_or(0, |(i, _)| i + 1),
            restored: first.is_some(),
        };
        self.run_alone(db, logs, Some(&mut state))
    }

    /// Runs the commands on a database of the case's own, kept on failure when asked.
    fn run_alone(
        &self,
        mut db: Box<dyn Database>,
        logs: &mut Vec<String>,
        migration: Option<&mut CaseMigration<'_>>,
    ) -> Result<(), Failure> {
        let result = db
            .connect()
            .map_err(|e| Failure::new(e.to_string()))
            .and_then(|mut session| {
                self.run_commands_with(db.as_ref(), session.as_mut(), logs, migration)
            });
        if result.is_err() && self.keep_failed {
            db.keep();
            let kept = format!("\n\nthe database is kept: {}", db.open_command());
            return result.map_err(|e| e.then(&kept));
        }
        result
    }

    fn run_commands(
        &self,
        db: &dyn Database,
        session: &mut dyn Session,
        logs: &mut Vec<String>,
    ) -> Result<(), Failure> {
        self.run_commands_with(db, session, logs, None)
    }

    fn run_commands_with(
        &self,
        db: &dyn Database,
        session: &mut dyn Session,
        logs: &mut Vec<String>,
        migration: Option<&mut CaseMigration<'_>>,
    ) -> Result<(), Failure> {
        let key = self.coverage_key(migration.as_deref());
        let Some(key) = key else {
            return self.run_steps(db, session, logs, migration, None);
        };
        let mut meter = Meter::start(
            &self.target.label,
            &self.credit,
            &key,
            self.group.is_none(),
            session,
        );
        let mut watched = Watched::new(session);
        let result = self.run_steps(db, &mut watched, logs, migration, Some(&mut meter));
        meter.finish(watched);
        result
    }

    /// Under `--coverage`, the state the case's database starts in (schema and migrate cases;
    /// plan and script cases build their own).
    fn coverage_key(&self, migration: Option<&CaseMigration<'_>>) -> Option<String> {
        if !crate::coverage::enabled() {
            return None;
        }
        match (self.case.kind, migration) {
            (CaseKind::Schema, _) => Some(format!("schema:{}", self.state.key(&self.target.label))),
            (CaseKind::Migrate, Some(m)) => Some(self.version_key(m)),
            _ => None,
        }
    }

    /// The migration version a migrate case's database is at, as a coverage state.
    fn version_key(&self, m: &CaseMigration<'_>) -> String {
        match m.applied {
            0 => "migrate:empty".to_string(),
            n => format!(
                "migrate:{}",
                cache::key(&self.target.label, m.migrations, n - 1)
            ),
        }
    }

    fn run_steps(
        &self,
        db: &dyn Database,
        session: &mut dyn Session,
        logs: &mut Vec<String>,
        mut migration: Option<&mut CaseMigration<'_>>,
        mut meter: Option<&mut Meter>,
    ) -> Result<(), Failure> {
        let commands = self.case.commands(&db.url()).map_err(|e| e.to_string())?;
        let mut cleanups: Vec<(Location, Sql)> = Vec::new();
        let mut result = Ok(());
        // Past the limit the session is cancelled and fails every statement: the case stops
        // at the command that was running, its cleanups are skipped, and its database (or
        // worker) is not reused.
        let watch = Watch::start(session.canceller(), self.timeout);
        for (n, command) in commands.iter().enumerate() {
            let outcome = match (&command.kind, migration.as_deref_mut()) {
                (CommandKind::Migrate { to }, Some(m)) => {
                    let moved = migrate_to(session, m, to);
                    if moved.is_ok()
                        && let Some(meter) = meter.as_deref_mut()
                    {
                        // Clean when no statement of the case's own ran before.
                        let clean = commands[..n]
                            .iter()
                            .all(|c| matches!(c.kind, CommandKind::Migrate { .. }));
                        meter.listed(session, &self.version_key(m), clean);
                    }
                    moved
                }
                (CommandKind::Script(call), _) => {
                    super::data_scripts::run(&db.url(), session, call, &command.location, logs)
                }
                _ => run_command(session, command, logs, &mut cleanups, self.update),
            };
            if watch.expired() {
                let mut failure = Failure::new(watch.message(&short(&command.location)));
                failure.line = Some(command.location.line);
                return Err(failure);
            }
            if let Err(e) = outcome {
                result = Err(failure_at(&command.location, e));
                break;
            }
        }
        // A cleanup's failure is told after the case's own (which keeps its place), and the
        // report points at the cleanup.
        let after = |result: Result<(), Failure>, cleanup: Failure| {
            Err(match result {
                Ok(()) => cleanup,
                Err(e) => Failure {
                    line: cleanup.line,
                    ..e.then(&format!("\n{cleanup}"))
                },
            })
        };
        for (location, sql) in cleanups.iter().rev() {
            let cleaned = sql::run_all(session, sql);
            if watch.expired() {
                let mut failure = Failure::new(watch.message(&short(location)));
                failure.line = Some(location.line);
                return after(result, failure);
            }
            if let Err(f) = cleaned {
                let message = format!("cleanup failed: {}", f.describe());
                result = after(result, failure_at(location, message));
            }
        }
        result
    }
}

/// `file:line` of a block, as Atlas prints it.
fn short(location: &Location) -> String {
    format!("{}:{}", location.path.display(), location.line)
}

/// A failure at a block of the case.
fn failure_at(location: &Location, message: String) -> Failure {
    Failure::at(short(location), location.line, message)
}

fn run_command(
    session: &mut dyn Session,
    command: &Command,
    logs: &mut Vec<String>,
    cleanups: &mut Vec<(Location, Sql)>,
    update: bool,
) -> Result<(), String> {
    match &command.kind {
        CommandKind::Exec(exec) => {
            let grid =
                sql::run_all(session, &exec.sql).map_err(|f| format!("exec: {}", f.describe()))?;
            if let Some(expect) = &exec.expect {
                let actual = render::serialize(&grid, exec.format);
                let checked = check_output(&actual, expect, exec.format);
                if checked.is_err() && update {
                    return update_output(command, expect, &actual, checked);
                }
                checked?;
            }
            Ok(())
        }
        CommandKind::Assert(assert) => {
            let mut problem = None;
            sql::run_each(session, &assert.sql, |outcome| {
                if let (None, Outcome::Rows(grid)) = (&problem, outcome) {
                    problem = falsy(&grid);
                }
            })
            .map_err(|f| format!("assert: {}", f.describe()))?;
            match problem {
                None => Ok(()),
                Some(why) => {
                    let mut msg = format!("assert failed: {why}");
                    if let Some(m) = &assert.error_message {
                        let _ = write!(msg, "\n  {m}");
                    }
                    Err(msg)
                }
            }
        }
        CommandKind::Catch(catch) => match sql::run_all(session, &catch.sql) {
            Ok(_) => Err("catch: the SQL succeeded, but an error was expected".to_string()),
            Err(SqlFailure::Scan(m)) => {
                Err(format!("catch: cannot split the SQL into statements: {m}"))
            }
            Err(failure) => match &catch.error {
                Some(pattern) if !render::error_matches(pattern, &failure.error_text()) => {
                    Err(format!(
                        "catch: the error does not match {pattern:?}\n  error: {}",
                        failure.error_text().replace('\n', "\n  ")
                    ))
                }
                _ => Ok(()),
            },
        },
        CommandKind::Log { message } => {
            logs.push(format!("{}: {message}", short(&command.location)));
            Ok(())
        }
        CommandKind::Cleanup { sql } => {
            cleanups.push((command.location.clone(), sql.clone()));
            Ok(())
        }
        CommandKind::External(external) => run_external(external, &command.location),
        CommandKind::Migrate { .. } => {
            Err("migrate is only allowed in test \"migrate\" cases".into())
        }
        CommandKind::Schema { url } => super::steps::schema(session, url, &command.location),
        CommandKind::Apply { url } => super::steps::apply(session, url, &command.location, logs),
        CommandKind::Script(_) => Err("script steps run where the case's database is known".into()),
    }
}

/// `migrate { to = "V" }`: applies the pending files up to and including V, for real.
fn migrate_to(
    session: &mut dyn Session,
    m: &mut CaseMigration<'_>,
    to: &str,
) -> Result<(), String> {
    let dir = m.migrations.dir()?;
    let index = dir
        .position(to)
        .map_err(|e| format!("migrate: {}", e.message))?;
    if std::mem::take(&mut m.restored) {
        return Ok(()); // the database was copied from the state at this version
    }
    if index < m.applied {
        return Err(format!(
            "migrate: version {to:?} is already applied: the database is at version {:?}",
            dir.files[m.applied - 1].version
        ));
    }
    apply::apply_more(session, m.migrations, m.applied, index + 1)
        .map_err(|e| format!("migrate: {e}"))?;
    m.applied = index + 1;
    Ok(())
}

/// Why an `assert` result is not a single true value, if it is not.
fn falsy(grid: &crate::engine::TextGrid) -> Option<String> {
    match grid.rows.as_slice() {
        [row] if row.len() == 1 => match row[0].as_deref() {
            Some(v) if ["1", "t", "true"].iter().any(|t| v.eq_ignore_ascii_case(t)) => None,
            Some(v) => Some(format!("the value is {v:?}, not true")),
            None => Some("the value is NULL, not true".to_string()),
        },
        [row] => Some(format!("expected one column, got {}", row.len())),
        rows => Some(format!("expected one row, got {}", rows.len())),
    }
}

/// `--update` after a failed `output`/`match`: a literal `output` takes the actual output (the
/// command then passes); anything else stays a failure and is reported as not rewritten.
fn update_output(
    command: &Command,
    expect: &Expect,
    actual: &str,
    failed: Result<(), String>,
) -> Result<(), String> {
    let place = short(&command.location);
    let why = match expect {
        Expect::Output(Output {
            literal: Some(literal),
            ..
        }) => {
            return match update::rewrite_literal(
                &command.location.path,
                literal,
                actual,
                command.location.line,
            ) {
                Ok(_) => Ok(()),
                Err(e) => failed.map_err(|f| format!("{f}\n--update could not rewrite it: {e}")),
            };
        }
        Expect::Output(_) => "the output is computed, not a literal",
        Expect::Match(_) => "a `match` regular expression is never rewritten",
    };
    update::not_rewritten(&place, why);
    failed.map_err(|f| format!("{f}\n(--update: not rewritten: {why})"))
}

fn check_output(
    actual: &str,
    expect: &Expect,
    format: dbassay_dsl::hcl::Format,
) -> Result<(), String> {
    match expect {
        Expect::Output(output) => {
            if render::output_matches(&output.text, actual, format) {
                Ok(())
            } else {
                Err(format!(
                    "output mismatch\n{}",
                    render::unified_diff(&output.text, actual)
                ))
            }
        }
        Expect::Match(re) => {
            if re.is_match(actual) {
                Ok(())
            } else {
                Err(format!(
                    "output does not match /{}/\n  output: {actual:?}",
                    re.as_str()
                ))
            }
        }
    }
}

fn run_external(external: &External, location: &Location) -> Result<(), String> {
    let (program, args) = external
        .program
        .split_first()
        .ok_or_else(|| "external: program is empty; give [\"name\", \"arg\", …]".to_string())?;
    let mut process = Process::new(program);
    process.args(args);
    let base = location
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(dir) = &external.working_dir {
        process.current_dir(base.join(dir));
    }
    let out = process
        .output()
        .map_err(|e| format!("external: cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "external: {program} exited with {}\n  stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .trim_end()
                .replace('\n', "\n  ")
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    match &external.expect {
        // Program output is text, not a result set: exact after trimming newlines, no cell-wise
        // fallback.
        Some(Expect::Output(o)) if o.text.trim_matches('\n') != stdout.trim_matches('\n') => {
            Err(format!(
                "external: output mismatch\n{}",
                render::unified_diff(&o.text, &stdout)
            ))
        }
        Some(expect @ Expect::Match(_)) => {
            check_output(&stdout, expect, dbassay_dsl::hcl::Format::Csv)
                .map_err(|e| format!("external: {e}"))
        }
        _ => Ok(()),
    }
}
