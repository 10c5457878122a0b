//! Engines: one [`Session`] trait, one module per engine.
//!
//! A session runs **one statement at a time** (callers split SQL with `dbassay_dsl::scan`) and
//! returns its rows as text. How each engine's values become text is documented in one place,
//! `docs/values.md`, and implemented only in these modules. Nothing outside `engine/` and
//! `provision/` may branch on the engine.

use std::fmt;
use std::sync::Arc;

pub use args::Arg;
pub use dbassay_dsl::Dialect;
/// Which engine, in every room: PostgreSQL, MySQL, MariaDB or SQLite (its [`Dialect`] is the SQL
/// it speaks).
pub use dbassay_dsl::url::Engine;

pub mod args;
pub mod coverage;
pub mod mysql;
pub mod postgres;
pub mod reuse;
pub mod roles;
pub mod show;
pub mod sqlite;

/// The rows of one statement, every value already text (`None` is SQL NULL).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextGrid {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// What one statement did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The statement returned a result set (possibly with no rows).
    Rows(TextGrid),
    /// The statement returned no result set.
    Done { affected: u64 },
}

/// A database error as the server reported it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbError {
    /// The server's message, without prefixes.
    pub message: String,
    /// SQLSTATE (PostgreSQL, MySQL), or the extended result code (SQLite), or the error number.
    pub code: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character offset into the statement, when the server gives one.
    pub position: Option<usize>,
    /// MySQL/MariaDB's error number (`ER_…`, e.g. 1210), which `message` also shows.
    pub number: Option<u16>,
}

impl DbError {
    pub fn new(message: impl Into<String>) -> DbError {
        DbError {
            message: message.into(),
            ..DbError::default()
        }
    }

    /// Whether the server refused a connection because it has none left: PostgreSQL's
    /// SQLSTATE 53300 (`too_many_connections`, also for the reserved slots), MySQL/MariaDB's
    /// 1040 (`ER_CON_COUNT_ERROR`).
    pub fn out_of_connections(&self) -> bool {
        self.code.as_deref() == Some("53300") || self.number == Some(1040)
    }
}

impl fmt::Display for DbError {
    /// `message (CODE)`, then `DETAIL: …` and `HINT: …` lines. `catch { error }` matches this text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\nDETAIL: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nHINT: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}

/// An error and its sources, joined with ": ", skipping a source whose text is empty or already
/// said (the useful part, e.g. "Connection refused", is often only in a source).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !part.is_empty() && !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// A connection to one database. Sessions are used by one thread at a time.
pub trait Session: Send {
    /// Runs one statement.
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError>;

    fn dialect(&self) -> Dialect;

    /// Runs one statement with bind parameters in the engine's placeholders (`$1` on
    /// PostgreSQL, `?` on MySQL/MariaDB and SQLite); see [`args`]. Wrappers forward it.
    fn run_bound(&mut self, statement: &str, args: &[Arg]) -> Result<Outcome, DbError> {
        args::run_prepared(self, statement, args)
    }

    /// Messages the server sent besides results since the last call (`NOTICE: …`,
    /// `WARNING: …`, e.g. from `RAISE NOTICE`), oldest first. Engines without them return none.
    fn take_notices(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// Makes the session fit for another case on the same database: ends any open transaction
    /// and resets session state (settings, temp tables, prepared statements). Returns whether
    /// the session may be reused; engines that cannot reset return `false` (the default).
    fn reset(&mut self) -> bool {
        false
    }

    /// How this engine runs a case inside a transaction that is rolled back afterwards, or
    /// `None` when it cannot undo everything a case may do (MySQL's DDL commits implicitly).
    fn rollback_plan(&mut self) -> Option<RollbackPlan> {
        None
    }

    /// Runs one statement inside a savepoint of the open transaction (`plan.savepoint`), which
    /// is released after it or rolled back to when it fails. Engines that can pipeline send the
    /// three at once.
    fn run_in_savepoint(
        &mut self,
        statement: &str,
        plan: &RollbackPlan,
    ) -> Result<Outcome, DbError> {
        self.run(&plan.savepoint)?;
        match self.run(statement) {
            Ok(outcome) => {
                self.run(&plan.release)?;
                Ok(outcome)
            }
            Err(error) => {
                self.run(&plan.rollback_to)?;
                Err(error)
            }
        }
    }

    /// Runs statements in order, each on its own, and returns the first error. Engines that
    /// [pipeline](Session::pipelines) send them all at once: statements after a failing one still
    /// run, unless the failure aborted the transaction they run in.
    fn run_all(&mut self, statements: &[String]) -> Result<(), DbError> {
        for statement in statements {
            self.run(statement)?;
        }
        Ok(())
    }

    /// Whether [`Session::run_all`] and [`Session::run_in_savepoint`] send their statements at
    /// once (one round trip) rather than one by one.
    fn pipelines(&self) -> bool {
        false
    }

    /// Whether this session runs inside a case's transaction that will be rolled back: code
    /// that would open its own transaction (the migration applier) uses a savepoint instead.
    fn in_case_transaction(&self) -> bool {
        false
    }

    /// A handle that stops this session's running statement from another thread (the per-case
    /// time limit), or `None` when the engine cannot. Wrappers forward their inner session's.
    fn canceller(&self) -> Option<Arc<dyn Cancel>> {
        None
    }

    /// Coverage (`--coverage`): the functions, procedures, triggers and views the session's
    /// database defines. Engines without any return none. Wrappers forward their inner
    /// session's, never through their own statement handling.
    fn defined_objects(&mut self) -> Result<Vec<coverage::DefinedObject>, DbError> {
        Ok(Vec::new())
    }

    /// Coverage: the calls of routines and triggers counted on the session's database so far
    /// (cumulative; see [`coverage`]), or why they cannot be counted there.
    fn routine_calls(&mut self) -> Result<coverage::Calls, coverage::Unmeasured> {
        Err(coverage::Unmeasured(
            "this engine counts no calls".to_string(),
        ))
    }

    /// Coverage: makes the calls this session counted visible to readings taken on other
    /// sessions of the database (PostgreSQL flushes its statistics lazily).
    fn flush_calls(&mut self) {}

    /// Coverage: where a session that serves case after case on one database keeps the reading
    /// taken at the end of the last case, which is the next case's starting reading when
    /// nothing ran in between (a worker whose cases are rolled back). `None`: read anew.
    fn coverage_mark(&mut self) -> Option<&mut Option<coverage::Calls>> {
        None
    }
}

/// Stops what a [`Session`] runs, from another thread: the statement running now is cancelled
/// on the server (PostgreSQL cancel request, MySQL/MariaDB `KILL QUERY` on a connection of its
/// own, SQLite interrupt), and every later statement of the session fails at once, so the
/// session is never reused.
pub trait Cancel: Send + Sync {
    /// Cancels; may be called again (a statement that started while the first request was
    /// under way is cancelled by the next). Errors are ignored: the caller reports the timeout.
    fn cancel(&self);
}

/// The error a cancelled session gives for every statement after the cancel.
pub fn cancelled_error() -> DbError {
    DbError::new("the session was cancelled (the case ran out of time)")
}

/// The statements that run a case inside a transaction and undo it afterwards, for engines with
/// transactional DDL. Each statement of the case runs between `savepoint` and `release` (or
/// `rollback_to` when it fails), so a failing statement does not abort the case's transaction.
#[derive(Clone, Debug)]
pub struct RollbackPlan {
    pub begin: Vec<String>,
    pub savepoint: String,
    pub release: String,
    pub rollback_to: String,
    /// Rolls the case back and restores what a rollback does not undo (sequence values, session
    /// state), so the next case sees exactly the state the database was built with.
    pub undo: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_server_is_known_by_its_code_not_its_words() {
        let postgres = DbError {
            code: Some("53300".into()),
            ..DbError::new("remaining connection slots are reserved")
        };
        let mariadb = DbError {
            code: Some("08004".into()),
            number: Some(1040),
            ..DbError::new("Error 1040 (08004): Too many connections")
        };
        assert!(postgres.out_of_connections() && mariadb.out_of_connections());
        assert!(!DbError::new("Too many connections").out_of_connections());
    }

    #[test]
    fn a_chain_says_each_source_once() {
        let io = std::io::Error::other("Connection refused");
        let text = error_chain(&Wrapped(io));
        assert_eq!(text, "cannot connect: Connection refused");
    }

    #[derive(Debug)]
    struct Wrapped(std::io::Error);

    impl fmt::Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("cannot connect")
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
