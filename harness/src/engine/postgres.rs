//! PostgreSQL engine (tokio-postgres, no TLS).
//!
//! One statement per [`Session::run`], sent with the simple query protocol, so values arrive in
//! PostgreSQL's own text output (`t`/`f`, `2024-01-23 00:51:54`, numerics exactly as printed)
//! and NULL is `None`. A `RowDescription` (sent even for zero rows) makes the outcome
//! [`Outcome::Rows`]; otherwise it is [`Outcome::Done`].
//!
//! The connection is driven by our own task with `poll_message`, not by the usual
//! `spawn(connection)`: that is how `NOTICE`/`WARNING` messages (`RAISE NOTICE …`) are kept
//! instead of dropped. They are handed out by [`Session::take_notices`] as `NOTICE: text`.
//!
//! assay opens the socket itself (`Drained`): closing a session then waits until the server has
//! closed its end, which its backend does only as it exits, after giving up its connection slot.
//! So a permit of the connection budget is given back when the server no longer counts the
//! connection, not a moment before (when a new connection could still find the slot taken).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::config::Host;
use tokio_postgres::error::ErrorPosition;
use tokio_postgres::{AsyncMessage, CancelToken, Client, Config, NoTls, SimpleQueryMessage};

use super::{Cancel, DbError, Dialect, Outcome, RollbackPlan, Session, TextGrid, cancelled_error};
use crate::runtime;

/// A session on one PostgreSQL database.
pub struct PgSession {
    client: std::mem::ManuallyDrop<Client>,
    notices: Arc<Mutex<Vec<String>>>,
    /// The task driving the connection; it ends when the connection is closed.
    task: Option<tokio::task::JoinHandle<()>>,
    /// Set by a [`Cancel`] handle: every later statement fails at once.
    cancelled: Arc<AtomicBool>,
    /// Where the server is, for cancel requests.
    config: Arc<Config>,
}

impl PgSession {
    /// Connects with `config` (the caller fills host, port, user, password, dbname).
    pub fn connect(config: &Config) -> Result<PgSession, DbError> {
        let config = config.clone();
        runtime::block_on(async move { PgSession::connect_async(&config).await })
    }

    /// The async form of [`PgSession::connect`], for callers already inside the runtime.
    pub async fn connect_async(config: &Config) -> Result<PgSession, DbError> {
        let stream = Drained::open(config).await?;
        let (client, mut connection) = config
            .connect_raw(stream, NoTls)
            .await
            .map_err(|e| db_error(&e))?;
        let notices = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&notices);
        let task = runtime::runtime().spawn(async move {
            let mut messages = futures_util::stream::poll_fn(|cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notice(notice)) => {
                        let line = format!("{}: {}", notice.severity(), notice.message());
                        sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                    }
                    Ok(_) => {}
                    // The client sees the same error on its next call.
                    Err(_) => break,
                }
            }
        });
        Ok(PgSession {
            client: std::mem::ManuallyDrop::new(client),
            notices,
            task: Some(task),
            cancelled: Arc::new(AtomicBool::new(false)),
            config: Arc::new(config.clone()),
        })
    }

    fn live(&self) -> Result<(), DbError> {
        match self.cancelled.load(Ordering::SeqCst) {
            true => Err(cancelled_error()),
            false => Ok(()),
        }
    }

    /// The underlying client, for provisioning code that needs typed queries.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl Drop for PgSession {
    fn drop(&mut self) {
        // Under --coverage, the calls this session counted reach the database's statistics
        // before it closes (a closing backend flushes them only as it exits, after we moved on).
        if crate::coverage::enabled()
            && !self.cancelled.load(Ordering::SeqCst)
            && tokio::runtime::Handle::try_current().is_err()
        {
            let _ = runtime::block_on(
                self.client
                    .simple_query("SELECT pg_catalog.pg_stat_force_next_flush()"),
            );
        }
        // SAFETY: the client is dropped once, here, and never used again.
        unsafe { std::mem::ManuallyDrop::drop(&mut self.client) };
        // Closing ends the connection task; waiting for it (briefly) means the connection is
        // gone when the session is, so a permit of the connection budget is given back only
        // once the server can count the connection as closed.
        if let Some(mut task) = self.task.take()
            && tokio::runtime::Handle::try_current().is_err()
        {
            runtime::block_on(async {
                if tokio::time::timeout(Duration::from_secs(1), &mut task)
                    .await
                    .is_err()
                {
                    task.abort();
                }
            });
        }
    }
}

impl Session for PgSession {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        self.live()?;
        let messages =
            runtime::block_on(self.client.simple_query(statement)).map_err(|e| db_error(&e))?;
        Ok(outcome(messages))
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn run_in_savepoint(
        &mut self,
        statement: &str,
        plan: &RollbackPlan,
    ) -> Result<Outcome, DbError> {
        // Pipelined: one round trip. Each is a query of its own, so an error position stays
        // relative to the statement; after an error, the release fails too and is ignored.
        self.live()?;
        let client = &self.client;
        let (savepoint, result, release) = runtime::block_on(futures_util::future::join3(
            client.simple_query(&plan.savepoint),
            client.simple_query(statement),
            client.simple_query(&plan.release),
        ));
        savepoint.map_err(|e| db_error(&e))?;
        match result {
            Ok(messages) => {
                release.map_err(|e| db_error(&e))?;
                Ok(outcome(messages))
            }
            Err(e) => {
                self.run(&plan.rollback_to)?;
                Err(db_error(&e))
            }
        }
    }

    fn pipelines(&self) -> bool {
        true
    }

    fn run_all(&mut self, statements: &[String]) -> Result<(), DbError> {
        // Pipelined: one round trip; the first error is reported.
        self.live()?;
        let client = &self.client;
        let results = runtime::block_on(futures_util::future::join_all(
            statements.iter().map(|s| client.simple_query(s)),
        ));
        for result in results {
            result.map_err(|e| db_error(&e))?;
        }
        Ok(())
    }

    fn rollback_plan(&mut self) -> Option<RollbackPlan> {
        // Sequences are not transactional: remember where each one stands now, in the state the
        // database was built with, and put it back after every case.
        let Ok(Outcome::Rows(grid)) = self.run(
            "SELECT format('SELECT setval(%L, %s, %s)', quote_ident(schemaname) || '.' || quote_ident(sequencename), \
             coalesce(last_value, start_value), CASE WHEN last_value IS NULL THEN 'false' ELSE 'true' END) \
             FROM pg_sequences",
        ) else {
            return None;
        };
        // First, proof that the case's transaction is still the one begun for it (a case that
        // ended it, say with `END`, leaves the worker unfit for another case): an error if not.
        let mut undo = vec![
            "SELECT 1 / coalesce(current_setting('assay.in_case', true) = 'on', false)::int"
                .to_string(),
            "ROLLBACK".to_string(),
        ];
        undo.extend(
            grid.rows
                .into_iter()
                .filter_map(|mut row| row.pop().flatten()),
        );
        undo.push("DISCARD ALL".to_string());
        Some(RollbackPlan {
            // Deferred constraints are checked at each statement, as they are when every
            // statement commits on its own.
            // A worker may wait in this transaction for the next case: no idle timeout.
            begin: vec![
                "BEGIN".into(),
                "SET CONSTRAINTS ALL IMMEDIATE".into(),
                "SET LOCAL idle_in_transaction_session_timeout = 0".into(),
                "SET LOCAL assay.in_case = 'on'".into(),
            ],
            savepoint: "SAVEPOINT assay_statement".into(),
            release: "RELEASE SAVEPOINT assay_statement".into(),
            rollback_to: "ROLLBACK TO SAVEPOINT assay_statement".into(),
            undo,
        })
    }

    fn canceller(&self) -> Option<Arc<dyn Cancel>> {
        Some(Arc::new(PgCancel {
            token: self.client.cancel_token(),
            cancelled: Arc::clone(&self.cancelled),
            config: Arc::clone(&self.config),
        }))
    }

    fn defined_objects(&mut self) -> Result<Vec<super::coverage::DefinedObject>, DbError> {
        super::coverage::postgres_objects(self)
    }

    fn routine_calls(&mut self) -> Result<super::coverage::Calls, super::coverage::Unmeasured> {
        super::coverage::postgres_calls(self)
    }

    fn flush_calls(&mut self) {
        super::coverage::postgres_flush(self)
    }

    fn reset(&mut self) -> bool {
        // DISCARD ALL refuses to run inside a transaction; only then is a ROLLBACK needed (one
        // round trip in the usual case, two after a case that left a transaction open).
        let ok = self.run("DISCARD ALL").is_ok()
            || (self.run("ROLLBACK").is_ok() && self.run("DISCARD ALL").is_ok());
        self.take_notices();
        ok
    }
}

/// Cancels a [`PgSession`]'s statement with a PostgreSQL cancel request: a short connection of
/// its own to the postmaster (it takes no backend slot), naming the session's backend.
struct PgCancel {
    token: CancelToken,
    cancelled: Arc<AtomicBool>,
    config: Arc<Config>,
}

/// A socket to the server whose shutdown lasts until the server has closed its end too.
struct Drained {
    socket: Socket,
    /// Whether the writing half is shut (the drain is under way).
    shut: bool,
}

enum Socket {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

impl Drained {
    /// Opens the socket `config` names (its first host and port; a host path is the directory
    /// of the server's Unix socket), within its connect timeout.
    async fn open(config: &Config) -> Result<Drained, DbError> {
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let open = async {
            match config.get_hosts().first() {
                Some(Host::Unix(dir)) => {
                    tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}")))
                        .await
                        .map(Socket::Unix)
                }
                Some(Host::Tcp(host)) => {
                    let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
                    stream.set_nodelay(true)?;
                    Ok(Socket::Tcp(stream))
                }
                None => {
                    let stream = tokio::net::TcpStream::connect(("localhost", port)).await?;
                    stream.set_nodelay(true)?;
                    Ok(Socket::Tcp(stream))
                }
            }
        };
        let opened = match config.get_connect_timeout() {
            Some(limit) => tokio::time::timeout(*limit, open)
                .await
                .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())),
            None => open.await,
        };
        opened
            .map(|socket| Drained {
                socket,
                shut: false,
            })
            .map_err(|e| DbError::new(format!("error connecting to server: {e}")))
    }
}

impl tokio::io::AsyncRead for Drained {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match &mut self.get_mut().socket {
            Socket::Tcp(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Socket::Unix(s) => std::pin::Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Drained {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match &mut self.get_mut().socket {
            Socket::Tcp(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Socket::Unix(s) => std::pin::Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match &mut self.get_mut().socket {
            Socket::Tcp(s) => std::pin::Pin::new(s).poll_flush(cx),
            Socket::Unix(s) => std::pin::Pin::new(s).poll_flush(cx),
        }
    }

    /// Shuts the writing half, then reads (and drops) what comes until the server closes.
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::{Poll, ready};
        use tokio::io::AsyncRead;
        let this = self.get_mut();
        if !this.shut {
            ready!(match &mut this.socket {
                Socket::Tcp(s) => std::pin::Pin::new(s).poll_shutdown(cx),
                Socket::Unix(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            })?;
            this.shut = true;
        }
        let mut scratch = [0u8; 256];
        loop {
            let mut buf = tokio::io::ReadBuf::new(&mut scratch);
            ready!(std::pin::Pin::new(&mut *this).poll_read(cx, &mut buf))?;
            if buf.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

impl Cancel for PgCancel {
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let token = self.token.clone();
        let config = Arc::clone(&self.config);
        runtime::block_on(async move {
            let cancel = async {
                let stream = Drained::open(&config).await.ok()?;
                token.cancel_query_raw(stream, NoTls).await.ok()
            };
            let _ = tokio::time::timeout(Duration::from_secs(5), cancel).await;
        });
    }
}

/// The outcome of the last statement in `messages`.
fn outcome(messages: Vec<SimpleQueryMessage>) -> Outcome {
    let mut grid: Option<TextGrid> = None;
    let mut last = Outcome::Done { affected: 0 };
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) => {
                let columns = columns.iter().map(|c| c.name().to_string()).collect();
                grid = Some(TextGrid {
                    columns,
                    rows: Vec::new(),
                });
            }
            SimpleQueryMessage::Row(row) => {
                let grid = grid.get_or_insert_with(|| TextGrid {
                    columns: row.columns().iter().map(|c| c.name().to_string()).collect(),
                    rows: Vec::new(),
                });
                grid.rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                );
            }
            SimpleQueryMessage::CommandComplete(affected) => {
                last = match grid.take() {
                    Some(grid) => Outcome::Rows(grid),
                    None => Outcome::Done { affected },
                };
            }
            _ => {}
        }
    }
    last
}

/// The server's error as a [`DbError`]; other errors (connection, I/O) with their source chain.
pub fn db_error(error: &tokio_postgres::Error) -> DbError {
    if let Some(db) = error.as_db_error() {
        return DbError {
            message: db.message().to_string(),
            code: Some(db.code().code().to_string()),
            detail: db.detail().map(str::to_string),
            hint: db.hint().map(str::to_string),
            position: match db.position() {
                Some(ErrorPosition::Original(n)) => Some(*n as usize),
                _ => None,
            },
            number: None,
        };
    }
    DbError::new(super::error_chain(error))
}
