//! The parallel groups: the `parallel = true` cases of one file on one target share one copy
//! of their start state and take turns on its sessions.

use std::sync::{Arc, Condvar, Mutex, OnceLock};

use crate::engine::Session;
use crate::provision::Database;
use crate::supply::budget::Reclaim;
use crate::supply::target::Target;

/// The database shared by the `parallel = true` cases of one file on one target. It is made by
/// the first of them to start and removed when the last one that will run has finished.
#[derive(Default)]
pub struct ParallelGroup {
    db: Mutex<(Option<Arc<dyn Database>>, usize)>,
    /// Under `--coverage`: the engine label, and the name the group's calls are credited to.
    target: String,
    credit: String,
    /// Under `--coverage`: the group's calls, read when its database is made.
    meter: Mutex<Option<crate::coverage::GroupMeter>>,
    /// Sessions the group's finished cases handed back, reset, for the next ones: a thousand
    /// small parallel cases should not open a thousand connections.
    idle: Arc<IdleSessions>,
    attached: OnceLock<()>,
}

/// The sessions of a parallel group: those idle, and how many are open. A case wanting one
/// takes an idle one, else opens one when the database allows another, else waits for one to
/// be given back — on this pool's condition variable, never inside `connect` while the
/// session it waits for sits idle here (that hung on in-memory SQLite, whose one connection
/// is the only session there can be).
#[derive(Default)]
struct IdleSessions {
    state: Mutex<(Vec<Box<dyn Session>>, usize)>,
    returned: Condvar,
}

impl IdleSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Box<dyn Session>>, usize)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One session fewer is open (closed, or never opened after all).
    fn closed(&self) {
        let mut state = self.lock();
        state.1 = state.1.saturating_sub(1);
        drop(state);
        self.returned.notify_one();
    }
}

impl Reclaim for IdleSessions {
    fn reclaim_one(&self) -> bool {
        let session = self.lock().0.pop();
        let closed = session.is_some();
        if closed {
            drop(session); // closed with the lock let go
            self.closed();
        }
        closed
    }
}

impl ParallelGroup {
    /// The group of a file's parallel cases on the target labelled `target`; its calls are
    /// credited to `credit` under `--coverage`.
    pub fn named(target: &str, credit: &str) -> ParallelGroup {
        ParallelGroup {
            target: target.to_string(),
            credit: credit.to_string(),
            ..ParallelGroup::default()
        }
    }

    /// The name the group's calls are credited to under `--coverage`.
    pub fn credit(&self) -> &str {
        &self.credit
    }

    /// Declares how many cases of the group will run (after filters).
    pub fn expect(&self, cases: usize) {
        self.db.lock().unwrap_or_else(|e| e.into_inner()).1 = cases;
    }

    pub(crate) fn acquire(
        &self,
        make: impl FnOnce() -> Result<Box<dyn Database>, String>,
    ) -> Result<Arc<dyn Database>, String> {
        let mut guard = self.db.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(db) = &guard.0 {
            return Ok(db.clone());
        }
        let db: Arc<dyn Database> = Arc::from(make()?);
        if crate::coverage::enabled() {
            // The first reading, before any case of the group runs; the session joins the pool.
            let mut session = db.connect().map_err(|e| e.to_string())?;
            let meter =
                crate::coverage::GroupMeter::start(&self.target, &self.credit, session.as_mut());
            *self.meter.lock().unwrap_or_else(|e| e.into_inner()) = Some(meter);
            let mut idle = self.idle.lock();
            idle.0.push(session);
            idle.1 += 1;
        }
        guard.0 = Some(db.clone());
        Ok(db)
    }

    pub(crate) fn release(&self) {
        let done = {
            let mut guard = self.db.lock().unwrap_or_else(|e| e.into_inner());
            guard.1 = guard.1.saturating_sub(1);
            if guard.1 == 0 { guard.0.take() } else { None }
        };
        if let Some(db) = done {
            // Closed and dropped (server round trips) with no lock held.
            let mut idle = {
                let mut state = self.idle.lock();
                state.1 = 0;
                std::mem::take(&mut state.0)
            };
            let meter = (self.meter.lock().unwrap_or_else(|e| e.into_inner())).take();
            if let Some(meter) = meter {
                // Every open session's calls made visible, then read on one of them.
                idle.iter_mut().for_each(|s| s.flush_calls());
                match idle.last_mut() {
                    Some(session) => meter.finish(session.as_mut()),
                    None => {
                        if let Ok(mut session) = db.connect() {
                            meter.finish(session.as_mut());
                        }
                    }
                }
            }
            drop(idle);
            drop(db);
        }
    }

    pub(crate) fn session(&self, db: &dyn Database) -> Result<Box<dyn Session>, String> {
        let pool = &self.idle;
        let mut state = pool.lock();
        loop {
            if let Some(session) = state.0.pop() {
                return Ok(session);
            }
            if db.max_sessions().is_none_or(|max| state.1 < max) {
                state.1 += 1;
                // Connecting may wait (for a permit of the connection budget): not under the
                // pool's lock, through which the other cases give their sessions back.
                drop(state);
                return db.connect().map_err(|e| {
                    pool.closed();
                    e.to_string()
                });
            }
            state = (pool.returned.wait(state)).unwrap_or_else(|e| e.into_inner());
        }
    }

    pub(crate) fn give_back(&self, mut session: Box<dyn Session>) {
        if session.reset() {
            self.idle.lock().0.push(session);
            self.idle.returned.notify_one();
        } else {
            drop(session);
            self.idle.closed();
        }
    }

    /// Lets the server's budget close the group's idle sessions when it is spent.
    pub(crate) fn attach(&self, target: &Target) {
        self.attached.get_or_init(|| {
            if let Some(budget) = target.server().ok().and_then(|s| s.budget()) {
                let pool: Arc<dyn Reclaim> = self.idle.clone();
                budget.reclaim_with(Arc::downgrade(&pool));
            }
        });
    }
}
