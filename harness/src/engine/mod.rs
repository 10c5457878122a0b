//! Engines: one [`Session`] trait, one module per engine.
//!
//! A session runs **one statement at a time** (callers split SQL with `dbassay_dsl::scan`) and
//! returns its rows as text. How each engine's values become text is documented in one place,
//! `docs/values.md`, and implemented only in these modules. Nothing outside `engine/` and
//! `provision/` may branch on the engine.

use std::fmt;

pub use dbassay_dsl::Dialect;

pub mod mysql;
pub mod postgres;
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
}

impl DbError {
    pub fn new(message: impl Into<String>) -> DbError {
        DbError { message: message.into(), ..DbError::default() }
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

/// A connection to one database. Sessions are used by one thread at a time.
pub trait Session: Send {
    /// Runs one statement.
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError>;

    fn dialect(&self) -> Dialect;

    /// Messages the server sent besides results since the last call (`NOTICE: …`,
    /// `WARNING: …`, e.g. from `RAISE NOTICE`), oldest first. Engines without them return none.
    fn take_notices(&mut self) -> Vec<String> {
        Vec::new()
    }
}
