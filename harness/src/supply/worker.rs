//! Running case after case on one database a worker keeps, instead of a fresh copy per case.
//!
//! A fresh copy per case costs a `CREATE DATABASE … TEMPLATE` and a drop on PostgreSQL, and
//! replaying a recipe of every table on MySQL/MariaDB. Instead (see [`engine::reuse`]):
//! - **Rollback** (PostgreSQL): the case runs inside `BEGIN … ROLLBACK` on the worker's database,
//!   each statement inside a savepoint (so a failing statement, as `catch` expects, does not
//!   abort the case), and the plan's `undo` restores what a rollback does not (sequence values,
//!   session state).
//! - **Restore** (MySQL, MariaDB): the case runs exactly as on a copy while its statements are
//!   recorded; then the session is reset and a [`Restorer`] puts back whatever differs from the
//!   state before the case.
//!
//! Either way the results are those of a fresh copy. Cases that could tell the difference get
//! a fresh copy instead, decided before they run ([`eligible`], [`eligible_migration`]): SQL the
//! engine's [`Reuse`] does not admit, cases that let another program or connection look at the
//! database (`external`, `testing.dev_url`), and every case when `--keep-failed` is on (a kept
//! database must hold what the case did).
//!
//! A worker of a migration directory can also **advance**: apply more migration files for real
//! (committed), and take the result as its new starting state, so cases ordered by the version
//! they start at share a few workers that move forward through the directory.
//!
//! [`engine::reuse`]: crate::engine::reuse

use dbassay_dsl::hcl::{Case, CommandKind};
use dbassay_dsl::migrate::{MigrationFile, TxMode};

use crate::engine::reuse::{Reuse, reads_clock};
use crate::engine::{DbError, Dialect, Outcome, RollbackPlan, Session};
use crate::provision::{Database, Restorer};

/// A database kept for running cases on, with its session and how it gets back to its start.
pub struct Worker {
    // Dropped in this order: the session and the restorer's connection before the database.
    session: Box<dyn Session>,
    reset: Reset,
    db: Box<dyn Database>,
}

enum Reset {
    /// `begun`: the next case's transaction is open already (begun with the last undo, in the
    /// same round trip).
    Rollback {
        plan: RollbackPlan,
        begun: bool,
        /// Under `--coverage`: the calls read at the end of the last case (nothing runs
        /// between two cases but the undo, so it is the next case's starting reading).
        mark: Option<crate::engine::coverage::Calls>,
    },
    Restore(Box<dyn Restorer>),
}

impl Worker {
    /// A worker on `db`, reused the way its server offers (`reuse`); `None` when the session
    /// or database cannot do it after all, an error when this database cannot serve (say, its
    /// state cannot be read back).
    pub fn new(db: Box<dyn Database>, reuse: Reuse) -> Result<Option<Worker>, String> {
        let mut session = db.connect().map_err(|e| e.to_string())?;
        let reset = match reuse {
            Reuse::Rollback => session.rollback_plan().map(|plan| Reset::Rollback {
                plan,
                begun: false,
                mark: None,
            }),
            Reuse::Restore => db
                .restorer()
                .map_err(|e| e.to_string())?
                .map(Reset::Restore),
        };
        Ok(reset.map(|reset| Worker { session, reset, db }))
    }

    /// Runs `case` on this worker and undoes it. Returns the case's result (its error is the
    /// caller's type) and whether the worker is back in its starting state (else it must not be
    /// reused).
    pub fn run<E: From<String>>(
        &mut self,
        case: impl FnOnce(&dyn Database, &mut dyn Session) -> Result<(), E>,
    ) -> (Result<(), E>, bool) {
        match &mut self.reset {
            Reset::Rollback { plan, begun, mark } => {
                if !std::mem::take(begun)
                    && let Err(e) = self.session.run_all(&plan.begin)
                {
                    return (
                        Err(format!("cannot start the case's transaction: {e}").into()),
                        false,
                    );
                }
                let result = {
                    let mut session = Savepoints {
                        inner: self.session.as_mut(),
                        plan,
                        mark,
                    };
                    case(self.db.as_ref(), &mut session)
                };
                // Undo, and begin the next case's transaction.
                let next: Vec<String> = plan.undo.iter().chain(&plan.begin).cloned().collect();
                let clean = self.session.run_all(&next).is_ok();
                *begun = clean;
                (result, clean)
            }
            Reset::Restore(restorer) => {
                let mut session = Recorder {
                    inner: self.session.as_mut(),
                    ran: Vec::new(),
                };
                let result = case(self.db.as_ref(), &mut session);
                let ran = session.ran;
                let clean =
                    self.session.reset() && restorer.restore(self.session.as_mut(), &ran).is_ok();
                (result, clean)
            }
        }
    }

    /// Changes the worker's starting state for good: runs `change` (applying migration files)
    /// committed, and takes the result as the state later cases start from. On an error the
    /// worker must not be reused.
    pub fn advance(
        &mut self,
        change: impl FnOnce(&mut dyn Session) -> Result<(), String>,
    ) -> Result<(), String> {
        match &mut self.reset {
            Reset::Rollback { plan, begun, mark } => {
                // Applying files may call routines: the next case reads anew.
                *mark = None;
                if std::mem::take(begun) {
                    self.session.run("ROLLBACK").map_err(|e| e.to_string())?;
                }
                change(self.session.as_mut())?;
                if !self.session.reset() {
                    return Err("cannot reset the session".into());
                }
                *plan = self
                    .session
                    .rollback_plan()
                    .ok_or("cannot read the new state's sequences")?;
                Ok(())
            }
            Reset::Restore(restorer) => {
                let mut session = Recorder {
                    inner: self.session.as_mut(),
                    ran: Vec::new(),
                };
                let result = change(&mut session);
                let ran = session.ran;
                result?;
                if !self.session.reset() {
                    return Err("cannot reset the session".into());
                }
                restorer
                    .rebase(self.session.as_mut(), &ran)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// Whether a schema case may run on a reused database of an engine that reuses them this way,
/// starting from a state that reads the clock (`state_reads_clock`) or not.
pub fn eligible(case: &Case, keep_failed: bool, reuse: Reuse, state_reads_clock: bool) -> bool {
    eligible_commands(case, keep_failed, reuse)
        && (!state_reads_clock || reuse.admits_clock_readers())
        && !case
            .commands
            .iter()
            .any(|c| matches!(c.kind, CommandKind::Migrate { .. }))
}

fn eligible_commands(case: &Case, keep_failed: bool, reuse: Reuse) -> bool {
    if keep_failed || case.uses_dev_url {
        return false;
    }
    case.commands.iter().all(|command| match &command.kind {
        CommandKind::Exec(e) => reuse.admits(&e.sql.text),
        CommandKind::Assert(a) => reuse.admits(&a.sql.text),
        CommandKind::Catch(c) => reuse.admits(&c.sql.text),
        CommandKind::Cleanup { sql } => reuse.admits(&sql.text),
        CommandKind::Log { .. } | CommandKind::Migrate { .. } => true,
        // Plan and script cases never reach here: they run on a database of their own.
        // Scripts open and end their own transactions.
        CommandKind::External(_)
        | CommandKind::Schema { .. }
        | CommandKind::Apply { .. }
        | CommandKind::Script(_) => false,
    })
}

/// A session that records every statement run through it, for the [`Restorer`].
struct Recorder<'a> {
    inner: &'a mut dyn Session,
    ran: Vec<String>,
}

impl Session for Recorder<'_> {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        self.ran.push(statement.to_string());
        self.inner.run(statement)
    }

    fn canceller(&self) -> Option<std::sync::Arc<dyn crate::engine::Cancel>> {
        self.inner.canceller()
    }

    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    fn take_notices(&mut self) -> Vec<String> {
        self.inner.take_notices()
    }

    fn defined_objects(&mut self) -> Result<Vec<crate::engine::coverage::DefinedObject>, DbError> {
        self.inner.defined_objects()
    }

    fn routine_calls(
        &mut self,
    ) -> Result<crate::engine::coverage::Calls, crate::engine::coverage::Unmeasured> {
        self.inner.routine_calls()
    }

    fn flush_calls(&mut self) {
        self.inner.flush_calls()
    }
}

/// A session that puts every statement inside a savepoint of the case's transaction.
struct Savepoints<'a> {
    inner: &'a mut dyn Session,
    plan: &'a RollbackPlan,
    mark: &'a mut Option<crate::engine::coverage::Calls>,
}

impl Session for Savepoints<'_> {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        // Savepoint control from assay's own code (the migration applier) passes through: a
        // savepoint of ours around it would release or undo the caller's.
        if is_savepoint_control(statement) {
            return self.inner.run(statement);
        }
        self.inner.run_in_savepoint(statement, self.plan)
    }

    fn canceller(&self) -> Option<std::sync::Arc<dyn crate::engine::Cancel>> {
        self.inner.canceller()
    }

    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    fn take_notices(&mut self) -> Vec<String> {
        self.inner.take_notices()
    }

    fn defined_objects(&mut self) -> Result<Vec<crate::engine::coverage::DefinedObject>, DbError> {
        self.inner.defined_objects()
    }

    fn routine_calls(
        &mut self,
    ) -> Result<crate::engine::coverage::Calls, crate::engine::coverage::Unmeasured> {
        self.inner.routine_calls()
    }

    fn flush_calls(&mut self) {
        self.inner.flush_calls()
    }

    fn coverage_mark(&mut self) -> Option<&mut Option<crate::engine::coverage::Calls>> {
        Some(self.mark)
    }

    /// Statements sent together come from assay's own code (a migration file inside its
    /// savepoint, which is rolled back to as a whole on failure): no savepoint of ours each.
    fn run_all(&mut self, statements: &[String]) -> Result<(), DbError> {
        self.inner.run_all(statements)
    }

    fn pipelines(&self) -> bool {
        self.inner.pipelines()
    }

    fn in_case_transaction(&self) -> bool {
        true
    }
}

fn is_savepoint_control(statement: &str) -> bool {
    let upper = statement
        .trim_start()
        .get(..12)
        .unwrap_or(statement)
        .to_ascii_uppercase();
    ["SAVEPOINT ", "RELEASE ", "ROLLBACK TO "]
        .iter()
        .any(|p| upper.starts_with(p))
}

/// Whether a migrate case may run on a reused database: the case itself qualifies, the state
/// it is restored to (`restored`) reads the clock only where the engine admits that, and every
/// file it applies during the case (`files`) holds only SQL the engine admits, in a
/// transaction of its own (`txmode file`) where the case runs inside one.
pub fn eligible_migration(
    case: &Case,
    keep_failed: bool,
    reuse: Reuse,
    restored: &[MigrationFile],
    files: &[MigrationFile],
    dialect: Dialect,
) -> bool {
    eligible_commands(case, keep_failed, reuse)
        && (reuse.admits_clock_readers() || !restored.iter().any(|f| reads_clock(&f.text)))
        && files.iter().all(|f| {
            (f.txmode == TxMode::File || reuse.admits_untransacted_files())
                && f.statements(dialect)
                    .is_ok_and(|stmts| stmts.iter().all(|s| reuse.admits(&s.text)))
                && f.checks(dialect).is_ok_and(|checks| {
                    checks
                        .iter()
                        .all(|c| c.statements.iter().all(|s| reuse.admits(&s.text)))
                })
        })
}
