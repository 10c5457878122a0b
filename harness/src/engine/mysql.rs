//! MySQL and MariaDB engine (mysql_async, text protocol).
//!
//! Each [`Session::run`] sends exactly one statement with `query_iter` and reads every result set
//! it produces. A `CALL p()` returns several: the **last result set with columns** becomes the
//! [`Outcome::Rows`]; a statement without any result set gives [`Outcome::Done`] with the
//! affected-row count of its final OK packet.
//!
//! Reading follows mysql_async's own rules: `affected_rows()` is read before
//! `collect()`, and `drop_result()` always runs last, because an error in a later result of a
//! multi-result response is only reported there (mysql_async#309); skipping it would leave the
//! error on the connection, where it poisons the next, unrelated statement.
//!
//! # Values
//! The text protocol sends every value as bytes: they become text as UTF-8 when valid, otherwise
//! `\x` followed by lowercase hex of all bytes (a `BINARY`/`BLOB` holding non-UTF-8 bytes).
//! SQL NULL is `None`. Numbers, dates and times are exactly the server's text (`1.50`,
//! `2024-01-02 03:04:05`).
//!
//! # Errors
//! A server error becomes a [`DbError`] whose `message` is worded like Go's MySQL driver, which
//! Atlas users match against: `Error 1062 (23000): Duplicate entry '1' for key 'PRIMARY'`, and
//! whose `code` is the SQLSTATE (`23000`). So `catch { error = "Duplicate entry" }`,
//! `error = "1062"` and `error = "23000"` all match. The server gives no error position.
//! Connection errors carry their source chain; passwords never appear in them.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Row, Value};

use crate::engine::{Cancel, DbError, Dialect, Outcome, Session, TextGrid, cancelled_error};
use crate::runtime;

/// A session on one MySQL/MariaDB database.
///
/// It drives its connection on a single-threaded runtime of its own, on the thread that runs
/// the statements: with the process's shared runtime, every statement's reply was read by an
/// I/O thread that then woke the trial's thread, and those two thread switches per statement
/// were most of the cost of a file of small statements (40,000 `INSERT`s).
pub struct MysqlSession {
    // `None` only while being dropped.
    conn: Option<Conn>,
    /// Set by a [`Cancel`] handle: every later statement fails at once.
    cancelled: Arc<AtomicBool>,
    /// The runtime `conn` was opened on; dropped after it.
    io: tokio::runtime::Runtime,
}

impl MysqlSession {
    /// Opens a connection (blocking). `opts` should name the database the session is bound to.
    pub fn connect(opts: Opts) -> Result<MysqlSession, DbError> {
        let io = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DbError::new(format!("cannot start a runtime for the session: {e}")))?;
        let conn = io.block_on(connect(opts))?;
        Ok(MysqlSession {
            conn: Some(conn),
            cancelled: Arc::new(AtomicBool::new(false)),
            io,
        })
    }
}

impl Session for MysqlSession {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        if self.cancelled.load(Ordering::SeqCst) {
            return Err(cancelled_error());
        }
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| DbError::new("the session is closed"))?;
        self.io.block_on(run(conn, statement))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn reset(&mut self) -> bool {
        // COM_RESET_CONNECTION: ends any transaction, releases locks, drops temporary tables,
        // user variables and prepared statements, restores session settings; keeps the database.
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        !self.cancelled.load(Ordering::SeqCst) && self.io.block_on(conn.reset()).unwrap_or(false)
    }

    fn defined_objects(&mut self) -> Result<Vec<super::coverage::DefinedObject>, DbError> {
        super::coverage::mysql_objects(self)
    }

    fn routine_calls(&mut self) -> Result<super::coverage::Calls, super::coverage::Unmeasured> {
        super::coverage::mysql_calls(self)
    }

    fn canceller(&self) -> Option<Arc<dyn Cancel>> {
        let conn = self.conn.as_ref()?;
        Some(Arc::new(MysqlCancel {
            opts: conn.opts().clone(),
            id: conn.id(),
            cancelled: Arc::clone(&self.cancelled),
        }))
    }
}

/// Cancels a [`MysqlSession`]'s statement with `KILL QUERY <id>` on a connection of its own
/// (opened for the kill and closed after it), which the same account may always do.
struct MysqlCancel {
    opts: Opts,
    id: u32,
    cancelled: Arc<AtomicBool>,
}

impl Cancel for MysqlCancel {
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let (opts, id) = (self.opts.clone(), self.id);
        runtime::block_on(async move {
            let kill = async {
                let mut conn = connect(opts).await.ok()?;
                let _ = conn.query_drop(format!("KILL QUERY {id}")).await;
                let _ = conn.disconnect().await;
                Some(())
            };
            let _ = tokio::time::timeout(Duration::from_secs(5), kill).await;
        });
    }
}

impl Drop for MysqlSession {
    fn drop(&mut self) {
        // mysql_async disconnects a dropped `Conn` by spawning onto the current runtime, which a
        // plain trial thread does not have; disconnect here, politely and bounded in time.
        let Some(conn) = self.conn.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            // Inside a runtime, which cannot block on another: the connection just closes.
            drop(conn);
            return;
        }
        self.io.block_on(async {
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.disconnect()).await;
        });
    }
}

/// Closes a connection from synchronous code (inside or outside the runtime).
pub(crate) fn disconnect(conn: Conn) {
    if tokio::runtime::Handle::try_current().is_ok() {
        // Inside the runtime (e.g. a drop during an async call): let the driver spawn it.
        drop(conn);
        return;
    }
    runtime::block_on(async {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), conn.disconnect()).await;
    });
}

/// Opens a connection. Always over the address in `opts`: `prefer_socket` is turned off, because
/// on a loopback address the driver would otherwise switch to the server's unix socket, where
/// `root@localhost` is a different account than `root@127.0.0.1`.
pub(crate) async fn connect(opts: Opts) -> Result<Conn, DbError> {
    let opts = OptsBuilder::from_opts(opts).prefer_socket(false);
    Conn::new(opts).await.map_err(|e| connection_error(&e))
}

/// Runs one statement and reads all of its results (see the module docs).
pub(crate) async fn run(conn: &mut Conn, statement: &str) -> Result<Outcome, DbError> {
    let mut result = conn
        .query_iter(statement)
        .await
        .map_err(|e| to_db_error(&e))?;
    let mut grid: Option<TextGrid> = None;
    // A statement without a result set is already complete here: `is_empty()` is true.
    let mut affected = result.affected_rows();
    while !result.is_empty() {
        let columns: Vec<String> = result
            .columns_ref()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect();
        affected = result.affected_rows();
        let rows: Vec<Row> = result.collect().await.map_err(|e| to_db_error(&e))?;
        if !columns.is_empty() {
            let rows = rows.into_iter().map(row_text).collect();
            grid = Some(TextGrid { columns, rows });
        }
    }
    result.drop_result().await.map_err(|e| to_db_error(&e))?;
    Ok(match grid {
        Some(grid) => Outcome::Rows(grid),
        None => Outcome::Done { affected },
    })
}

fn row_text(row: Row) -> Vec<Option<String>> {
    row.unwrap().into_iter().map(value_text).collect()
}

/// The text of one value (see the module docs).
pub(crate) fn value_text(value: Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => hex_text(e.as_bytes()),
        }),
        // The text protocol sends only bytes; the binary protocol (unused) would send these.
        Value::Int(v) => Some(v.to_string()),
        Value::UInt(v) => Some(v.to_string()),
        Value::Float(v) => Some(v.to_string()),
        Value::Double(v) => Some(v.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_owned()),
    }
}

fn hex_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 + bytes.len() * 2);
    text.push_str("\\x");
    for b in bytes {
        let _ = write!(text, "{b:02x}");
    }
    text
}

/// A driver error as a [`DbError`] (see the module docs for the wording).
pub(crate) fn to_db_error(error: &mysql_async::Error) -> DbError {
    match error {
        mysql_async::Error::Server(e) => DbError {
            message: format!("Error {} ({}): {}", e.code, e.state, e.message),
            code: Some(e.state.clone()),
            number: Some(e.code),
            ..DbError::default()
        },
        other => connection_error(other),
    }
}

/// A non-server error with its source chain. mysql_async errors never contain the password.
fn connection_error(error: &mysql_async::Error) -> DbError {
    if let mysql_async::Error::Server(_) = error {
        return to_db_error(error);
    }
    DbError::new(super::error_chain(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_text() {
        assert_eq!(value_text(Value::NULL), None);
        assert_eq!(
            value_text(Value::Bytes(b"1.50".to_vec())),
            Some("1.50".into())
        );
        assert_eq!(
            value_text(Value::Bytes(vec![0xff, 0x00, 0x41])),
            Some("\\xff0041".into())
        );
    }

    #[test]
    fn server_errors_read_like_the_go_driver() {
        let e = mysql_async::Error::Server(mysql_async::ServerError {
            code: 1062,
            state: "23000".into(),
            message: "Duplicate entry '1' for key 'PRIMARY'".into(),
        });
        let db = to_db_error(&e);
        assert_eq!(
            db.message,
            "Error 1062 (23000): Duplicate entry '1' for key 'PRIMARY'"
        );
        assert_eq!(db.code.as_deref(), Some("23000"));
    }
}
