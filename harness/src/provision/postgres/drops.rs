//! Dropping databases off the critical path: `DROP DATABASE … WITH (FORCE)` runs on a
//! connection of its own in the background (a drop waits for the dropped database's backends
//! to exit, ~100 ms when a session just closed), and the queue is drained at the end of the run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls};

use super::{PgConnect, is_template};
use crate::engine::error_chain;
use crate::runtime;

/// `DROP DATABASE … WITH (FORCE)` on a connection of its own, in the background.
pub(super) struct DropQueue {
    connect: PgConnect,
    sender: Mutex<Option<tokio::sync::mpsc::UnboundedSender<String>>>,
    pending: Arc<(Mutex<usize>, Condvar)>,
    /// Set when the server is about to go away: queued drops are skipped.
    closed: Arc<AtomicBool>,
    /// Databases whose drop failed, for [`DropQueue::retry_failed`].
    failed: Arc<Mutex<Vec<String>>>,
}

impl DropQueue {
    pub(super) fn new(connect: PgConnect) -> DropQueue {
        DropQueue {
            connect,
            sender: Mutex::new(None),
            pending: Arc::new(Default::default()),
            closed: Arc::new(AtomicBool::new(false)),
            failed: Arc::default(),
        }
    }

    /// Queues again the drops that failed; whether there were any.
    pub(super) fn retry_failed(&self) -> bool {
        let failed = std::mem::take(&mut *self.failed.lock().unwrap_or_else(|e| e.into_inner()));
        let any = !failed.is_empty();
        for name in failed {
            self.push(name);
        }
        any
    }

    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub(super) fn push(&self, name: String) {
        let mut sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        let sender = sender.get_or_insert_with(|| self.start());
        *self.pending.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        if sender.send(name).is_err() {
            self.done();
        }
    }

    fn done(&self) {
        done(&self.pending);
    }

    fn start(&self) -> tokio::sync::mpsc::UnboundedSender<String> {
        let (sender, mut names) = tokio::sync::mpsc::unbounded_channel::<String>();
        let connect = self.connect.clone();
        let pending = Arc::clone(&self.pending);
        let closed = Arc::clone(&self.closed);
        let failed = Arc::clone(&self.failed);
        runtime::runtime().spawn(async move {
            let mut client: Option<Client> = None;
            while let Some(name) = names.recv().await {
                if closed.load(Ordering::SeqCst) {
                    done(&pending);
                    continue;
                }
                if client.as_ref().is_none_or(|c| c.is_closed()) {
                    client = match connect.config(&connect.dbname).connect(NoTls).await {
                        Ok((c, connection)) => {
                            tokio::spawn(connection);
                            Some(c)
                        }
                        Err(e) => {
                            report(&closed, &name, &connect, &error_chain(&e));
                            failed.lock().unwrap_or_else(|e| e.into_inner()).push(name);
                            done(&pending);
                            continue;
                        }
                    };
                }
                if let Some(c) = &client
                    && let Err(e) = drop_database(c, &name).await
                {
                    let e = crate::engine::postgres::db_error(&e);
                    // 57P01: the server is shutting down, and the database goes with it.
                    if e.code.as_deref() != Some("57P01") {
                        report(&closed, &name, &connect, &e.to_string());
                        failed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(name.clone());
                    }
                }
                done(&pending);
            }
        });
        sender
    }

    /// Waits until the queue is empty (or `limit` passed).
    pub(super) fn flush(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let (count, changed) = &*self.pending;
        let mut count = count.lock().unwrap_or_else(|e| e.into_inner());
        while *count > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                eprintln!("assay: gave up waiting for {} database drops", *count);
                return;
            }
            count = changed
                .wait_timeout(count, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

async fn drop_database(
    client: &Client,
    name: &str,
) -> std::result::Result<(), tokio_postgres::Error> {
    if is_template(name) {
        // A template cannot be dropped. (Two calls: DROP DATABASE refuses to run in the
        // implicit transaction of a multi-statement string.)
        let sql = format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false");
        if let Err(e) = client.simple_query(&sql).await {
            // Gone already (dropped by another process) is fine.
            if e.code() != Some(&tokio_postgres::error::SqlState::UNDEFINED_DATABASE) {
                return Err(e);
            }
        }
    }
    client
        .simple_query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    Ok(())
}

/// A failed drop is worth a line on stderr, unless the server is going away anyway.
fn report(closed: &AtomicBool, name: &str, connect: &PgConnect, error: &str) {
    if !closed.load(Ordering::SeqCst) {
        eprintln!("assay: could not drop database {name} on {connect:?}: {error}");
    }
}

fn done(pending: &(Mutex<usize>, Condvar)) {
    let mut count = pending.0.lock().unwrap_or_else(|e| e.into_inner());
    *count = count.saturating_sub(1);
    pending.1.notify_all();
}
