//! Embedded SQLite (rusqlite, bundled): the default engine, no setup needed.
//!
//! Values as text (docs/values.md): integers as written, reals in the shortest form that reads
//! back to the same number (Go's `%g` rules, as Atlas's driver prints them: `2`, `0.1`,
//! `1e+100`), text as is, blobs as `\x` + lowercase hex, NULL as `None`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::trace::{TraceEvent, TraceEventCodes};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, InterruptHandle, ffi};

use super::coverage::SqliteTally;
use super::{Cancel, DbError, Dialect, Outcome, Session, TextGrid, cancelled_error};

/// A session over one SQLite connection.
pub struct SqliteSession {
    conn: Connection,
    /// Set by a [`Cancel`] handle: every later statement fails at once.
    cancelled: Arc<AtomicBool>,
    /// Under `--coverage`: the trigger programs the statement trace saw on this database.
    tally: Option<Arc<SqliteTally>>,
}

impl SqliteSession {
    pub fn new(mut conn: Connection) -> SqliteSession {
        let tally = crate::coverage::enabled().then(|| trace(&mut conn));
        SqliteSession {
            conn,
            cancelled: Arc::new(AtomicBool::new(false)),
            tally,
        }
    }

    /// Whether a [`Cancel`] handle stopped this session.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    pub fn into_connection(self) -> Connection {
        self.conn
    }
}

impl Session for SqliteSession {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        if self.is_cancelled() {
            return Err(cancelled_error());
        }
        run(&self.conn, statement)
    }

    fn run_bound(&mut self, statement: &str, args: &[super::Arg]) -> Result<Outcome, DbError> {
        if self.is_cancelled() {
            return Err(cancelled_error());
        }
        run_with(&self.conn, statement, args)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn reset(&mut self) -> bool {
        !self.is_cancelled()
            && (self.conn.is_autocommit() || self.conn.execute_batch("ROLLBACK").is_ok())
    }

    fn defined_objects(&mut self) -> Result<Vec<super::coverage::DefinedObject>, DbError> {
        super::coverage::sqlite_objects(self)
    }

    fn routine_calls(&mut self) -> Result<super::coverage::Calls, super::coverage::Unmeasured> {
        match &self.tally {
            Some(tally) => Ok(tally.calls()),
            None => Err(super::coverage::Unmeasured(
                "the statement trace is off".into(),
            )),
        }
    }

    fn canceller(&self) -> Option<Arc<dyn Cancel>> {
        Some(Arc::new(SqliteCancel {
            interrupt: self.conn.get_interrupt_handle(),
            cancelled: Arc::clone(&self.cancelled),
        }))
    }
}

/// Installs the statement trace that counts trigger programs, feeding the tally of the
/// connection's database (shared by the connections to one file; the one connection of a
/// database in memory keeps its own, found again through the connection's address while the
/// trace installed on it holds it).
fn trace(conn: &mut Connection) -> Arc<SqliteTally> {
    let key = match conn.path().filter(|p| !p.is_empty()) {
        Some(path) => path.to_string(),
        // SAFETY: the pointer is only formatted, as the identity of this open connection.
        None => format!("memory:{:p}", unsafe { conn.handle() }),
    };
    let tally = SqliteTally::of(Some(&key));
    let fed = Arc::clone(&tally);
    let traced = conn.trace_v2(
        TraceEventCodes::SQLITE_TRACE_STMT,
        Some(move |event: TraceEvent<'_>| {
            if let TraceEvent::Stmt(_, sql) = event {
                fed.saw(sql);
            }
        }),
    );
    if traced.is_err() {
        return Arc::default();
    }
    tally
}

/// Cancels a [`SqliteSession`]'s statement with `sqlite3_interrupt`.
struct SqliteCancel {
    interrupt: InterruptHandle,
    cancelled: Arc<AtomicBool>,
}

impl Cancel for SqliteCancel {
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.interrupt.interrupt();
    }
}

/// Runs one statement on a connection.
pub fn run(conn: &Connection, statement: &str) -> Result<Outcome, DbError> {
    run_with(conn, statement, &[])
}

/// Runs one statement with its bind parameters (`?`, `?NNN`, `$1`, `:name` by position).
pub fn run_with(
    conn: &Connection,
    statement: &str,
    args: &[super::Arg],
) -> Result<Outcome, DbError> {
    use rusqlite::types::Value as SqlValue;
    let mut stmt = conn
        .prepare(statement)
        .map_err(|e| db_error(e, statement))?;
    if stmt.parameter_count() != args.len() {
        if args.is_empty() {
            // Unbound parameters are NULL, as SQLite's own shell runs them.
        } else {
            return Err(super::args::count_error(args.len(), stmt.parameter_count()));
        }
    }
    for (i, a) in args.iter().enumerate() {
        let value = match a {
            super::Arg::Null => SqlValue::Null,
            super::Arg::Bool(b) => SqlValue::Integer(i64::from(*b)),
            super::Arg::Int(n) => SqlValue::Integer(*n),
            super::Arg::Float(f) => SqlValue::Real(*f),
            super::Arg::Text(t) => SqlValue::Text(t.clone()),
        };
        stmt.raw_bind_parameter(i + 1, value)
            .map_err(|e| db_error(e, statement))?;
    }
    let columns: Vec<String> = stmt.column_names().map(String::from).collect();
    if columns.is_empty() {
        let affected = stmt.raw_execute().map_err(|e| db_error(e, statement))?;
        return Ok(Outcome::Done {
            affected: affected as u64,
        });
    }
    let width = columns.len();
    let mut rows = Vec::new();
    let mut cursor = stmt.raw_query();
    while let Some(row) = cursor.next().map_err(|e| db_error(e, statement))? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            cells.push(text(row.get_ref(i).map_err(|e| db_error(e, statement))?));
        }
        rows.push(cells);
    }
    Ok(Outcome::Rows(TextGrid { columns, rows }))
}

fn text(value: ValueRef<'_>) -> Option<String> {
    Some(match value {
        ValueRef::Null => return None,
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => real(f),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => {
            let mut s = String::with_capacity(2 + b.len() * 2);
            s.push_str("\\x");
            for byte in b {
                s.push_str(&format!("{byte:02x}"));
            }
            s
        }
    })
}

/// The shortest text that reads back to `f`, with the choice between plain and exponent notation
/// that Go's `strconv.FormatFloat(f, 'g', -1, 64)` makes (exponent below -4 or at 6 and above),
/// because that is what Atlas's SQLite driver prints: `1500000.0` is `1.5e+06`.
fn real(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    // Rust prints `1e100` / `1.5e-7`; Go prints `1e+100` / `1.5e-07`.
    let s = format!("{f:e}");
    let (mantissa, e) = s.split_once('e').expect("LowerExp always has an exponent");
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

fn db_error(error: rusqlite::Error, statement: &str) -> DbError {
    match error {
        rusqlite::Error::SqlInputError {
            error,
            msg,
            sql,
            offset,
        } => {
            // The offset is into the SQL that was left to prepare; make it a 1-based character
            // position in the statement.
            let consumed = statement.len().saturating_sub(sql.len());
            let byte = consumed + offset.max(0) as usize;
            let position = statement.get(..byte).map(|s| s.chars().count() + 1);
            DbError {
                message: msg,
                code: Some(code_name(&error)),
                position,
                ..DbError::default()
            }
        }
        rusqlite::Error::SqliteFailure(error, msg) => DbError {
            message: msg.unwrap_or_else(|| error.to_string()),
            code: Some(code_name(&error)),
            ..DbError::default()
        },
        other => DbError::new(other.to_string()),
    }
}

/// The symbolic name of an SQLite result code, e.g. `SQLITE_CONSTRAINT_UNIQUE`.
fn code_name(error: &ffi::Error) -> String {
    let name = match error.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE => "SQLITE_CONSTRAINT_UNIQUE",
        ffi::SQLITE_CONSTRAINT_PRIMARYKEY => "SQLITE_CONSTRAINT_PRIMARYKEY",
        ffi::SQLITE_CONSTRAINT_NOTNULL => "SQLITE_CONSTRAINT_NOTNULL",
        ffi::SQLITE_CONSTRAINT_CHECK => "SQLITE_CONSTRAINT_CHECK",
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => "SQLITE_CONSTRAINT_FOREIGNKEY",
        ffi::SQLITE_CONSTRAINT_TRIGGER => "SQLITE_CONSTRAINT_TRIGGER",
        ffi::SQLITE_CONSTRAINT => "SQLITE_CONSTRAINT",
        ffi::SQLITE_ERROR => "SQLITE_ERROR",
        ffi::SQLITE_BUSY => "SQLITE_BUSY",
        ffi::SQLITE_LOCKED => "SQLITE_LOCKED",
        ffi::SQLITE_READONLY => "SQLITE_READONLY",
        ffi::SQLITE_MISMATCH => "SQLITE_MISMATCH",
        ffi::SQLITE_RANGE => "SQLITE_RANGE",
        ffi::SQLITE_TOOBIG => "SQLITE_TOOBIG",
        ffi::SQLITE_INTERRUPT => "SQLITE_INTERRUPT",
        other => return format!("SQLITE_{other}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn values_become_text() {
        let c = conn();
        let out = run(
            &c,
            "SELECT 1, 2.5, 'x', x'00ff', NULL, 1e100, 0.1, 2.0, -0.00001, 123456.0, 1500000.0",
        )
        .unwrap();
        let Outcome::Rows(grid) = out else {
            panic!("rows expected")
        };
        let cells: Vec<_> = grid.rows[0].iter().map(|c| c.as_deref()).collect();
        assert_eq!(
            cells,
            [
                Some("1"),
                Some("2.5"),
                Some("x"),
                Some("\\x00ff"),
                None,
                Some("1e+100"),
                Some("0.1"),
                Some("2"),
                Some("-1e-05"),
                Some("123456"),
                Some("1.5e+06")
            ]
        );
    }

    #[test]
    fn statements_without_rows_report_affected_rows() {
        let c = conn();
        run(&c, "CREATE TABLE t (a int)").unwrap();
        assert_eq!(
            run(&c, "INSERT INTO t VALUES (1), (2)").unwrap(),
            Outcome::Done { affected: 2 }
        );
        let Outcome::Rows(g) = run(&c, "SELECT a FROM t WHERE a > 5").unwrap() else {
            panic!()
        };
        assert_eq!((g.columns, g.rows.len()), (vec!["a".to_string()], 0));
    }

    #[test]
    fn errors_carry_message_code_and_position() {
        let c = conn();
        run(&c, "CREATE TABLE t (a int UNIQUE)").unwrap();
        run(&c, "INSERT INTO t VALUES (1)").unwrap();
        let e = run(&c, "INSERT INTO t VALUES (1)").unwrap_err();
        assert_eq!(e.message, "UNIQUE constraint failed: t.a");
        assert_eq!(e.code.as_deref(), Some("SQLITE_CONSTRAINT_UNIQUE"));
        let e = run(&c, "SELECT nope FROM t").unwrap_err();
        assert_eq!(e.message, "no such column: nope");
        assert_eq!(e.position, Some(8));
    }
}
