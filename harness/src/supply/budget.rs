//! The connection budget of one server: every connection assay opens to it — admin, drop
//! queue, worker, case and restorer connections — holds a [`Permit`] while it is open.
//!
//! - **Size.** Read from the server when assay first reaches it (see `docs/databases.md`):
//!   PostgreSQL `max_connections − superuser_reserved_connections − reserved_connections −`
//!   the client connections others hold; MySQL/MariaDB `max_connections` (or
//!   `max_user_connections` when it is smaller) minus the connections others hold.
//!   `ASSAY_MAX_CONNECTIONS=N` caps it further.
//! - **Waiting, never failing.** When the budget is spent, [`Budget::take`] first asks the pools
//!   (idle workers, idle sessions of parallel groups, idle admin connections) to close one
//!   idle connection, then waits until a permit is given back. No lock is held while waiting.
//! - **No deadlock.** A case may hold a few connections at once (its session, a restorer's,
//!   an admin connection while its database is made). If every case took one and waited for a
//!   second, none would ever finish, so running cases are admitted by [`Budget::case`]: at
//!   most `(size − reserved) / per_case` at once. Running cases then never need more than the
//!   budget holds; idle pooled connections are reclaimed on demand.
//! - **Across processes (nextest, one process per trial).** With a run id (`ASSAY_RUN_ID` or
//!   `NEXTEST_RUN_ID`) a permit is also one of `size` lock files in
//!   `<cache>/shared/<run>-budget-<server>/`, taken with a non-blocking `flock`: the processes
//!   of the run share one budget first come, first served, and a crashed process's permits go
//!   back with its locks. The first process sizes the budget and writes it there. Such
//!   directories of runs that started over a day ago are removed by later runs.

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use crate::engine::{Cancel, DbError, Dialect, Outcome, RollbackPlan, Session};

/// Something holding idle connections it can close when the budget is spent.
pub trait Reclaim: Send + Sync {
    /// Closes one idle connection (giving its permit back); `false` when it holds none.
    fn reclaim_one(&self) -> bool;
}

/// The budget of one server.
pub struct Budget {
    size: usize,
    per_case: usize,
    state: Mutex<Counts>,
    freed: Condvar,
    reclaimers: Mutex<Vec<Weak<dyn Reclaim>>>,
    /// The lock files shared with the other processes of the run.
    slots: Option<PathBuf>,
}

#[derive(Default)]
struct Counts {
    used: usize,
    peak: usize,
    cases: usize,
    reserved: usize,
}

/// One connection's right to exist; dropping it gives the permit back.
pub struct Permit {
    budget: Arc<Budget>,
    _slot: Option<File>,
}

/// One running case's admission (see [`Budget::case`]).
pub struct CaseTicket {
    budget: Arc<Budget>,
}

thread_local! {
    /// Set while this thread closes idle connections for the budget: closing one may itself
    /// need a permit (MySQL drops a database over an admin connection), which must then wait
    /// instead of reclaiming again.
    static RECLAIMING: Cell<bool> = const { Cell::new(false) };
}

const POLL: Duration = Duration::from_millis(20);

impl Budget {
    /// A budget of `size` connections, of which one case holds at most `per_case` at once.
    /// `server` names the server for the lock files shared by the processes of a run.
    pub fn new(size: usize, per_case: usize, server: &str) -> Arc<Budget> {
        let cap = std::env::var("ASSAY_MAX_CONNECTIONS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok());
        let mut size = cap.map_or(size, |cap| size.min(cap));
        let slots = crate::provision::shared::run_id().and_then(|run| {
            let dir = crate::provision::shared::cache_dir()
                .join("shared")
                .join(format!("{}-budget-{}", safe(&run), safe(server)));
            std::fs::create_dir_all(&dir).ok()?;
            size = agreed_size(&dir, size);
            sweep_old_runs(&dir);
            Some(dir)
        });
        Arc::new(Budget {
            size: size.max(1),
            per_case: per_case.max(1),
            state: Mutex::new(Counts::default()),
            freed: Condvar::new(),
            reclaimers: Mutex::new(Vec::new()),
            slots,
        })
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// The most connections this process held at once.
    pub fn peak(&self) -> usize {
        self.lock().peak
    }

    /// Registers a pool that can close idle connections on demand.
    pub fn reclaim_with(&self, pool: Weak<dyn Reclaim>) {
        let mut pools = self.reclaimers.lock().unwrap_or_else(|e| e.into_inner());
        pools.retain(|p| p.strong_count() > 0);
        pools.push(pool);
    }

    /// A permit for a connection held for the whole life of the server (admin, drop queue):
    /// counted as one connection for good, and left out of what cases are admitted against.
    pub fn reserve(self: &Arc<Self>) -> Permit {
        let permit = self.take();
        self.lock().reserved += 1;
        permit
    }

    /// A permit for one connection: waits (never fails) until one is free.
    pub fn take(self: &Arc<Self>) -> Permit {
        let mut waited = 0;
        loop {
            {
                let mut counts = self.lock();
                if counts.used < self.size {
                    // Else every slot of the run is taken: wait below.
                    if let Ok(slot) = self.shared_slot() {
                        counts.used += 1;
                        counts.peak = counts.peak.max(counts.used);
                        return Permit {
                            budget: Arc::clone(self),
                            _slot: slot,
                        };
                    }
                }
            }
            // Spent: wait a little for a permit to come back, then close an idle connection
            // somewhere (closing and reopening costs more, and the server counts a closed
            // connection as gone only a moment later).
            if waited >= 2 && !RECLAIMING.get() && self.reclaim() {
                waited = 0;
                continue;
            }
            waited += 1;
            let counts = self.lock();
            let _ = self.freed.wait_timeout(counts, POLL);
        }
    }

    /// Admits one case to run (see the module doc); waits until fewer than the budget's share
    /// of cases run.
    pub fn case(self: &Arc<Self>) -> CaseTicket {
        let mut counts = self.lock();
        loop {
            let room = self.size.saturating_sub(counts.reserved) / self.per_case;
            if counts.cases < room.max(1) {
                counts.cases += 1;
                return CaseTicket {
                    budget: Arc::clone(self),
                };
            }
            counts = self
                .freed
                .wait_timeout(counts, POLL)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn reclaim(&self) -> bool {
        let pools: Vec<Arc<dyn Reclaim>> = (self.reclaimers.lock())
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        RECLAIMING.set(true);
        let closed = pools.iter().any(|p| p.reclaim_one());
        RECLAIMING.set(false);
        closed
    }

    /// One of the run's lock files, when processes share the budget.
    fn shared_slot(&self) -> Result<Option<File>, ()> {
        let Some(dir) = &self.slots else {
            return Ok(None);
        };
        for n in 0..self.size {
            let path = dir.join(format!("slot-{n}"));
            let Ok(file) = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
            else {
                continue;
            };
            if file.try_lock().is_ok() {
                return Ok(Some(file));
            }
        }
        Err(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.budget.lock().used -= 1;
        self.budget.freed.notify_all();
    }
}

impl Drop for CaseTicket {
    fn drop(&mut self) {
        self.budget.lock().cases -= 1;
        self.budget.freed.notify_all();
    }
}

/// Connects with `connect`, waiting and trying again while the server refuses because its
/// connections are spent (MariaDB/MySQL 1040, PostgreSQL 53300): a server counts a closed
/// connection as gone a moment after the client has closed it, and others may connect too.
/// Gives up after a minute; any other error is returned at once.
pub fn patiently<T>(mut connect: impl FnMut() -> Result<T, DbError>) -> Result<T, DbError> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match connect() {
            Err(e) if e.out_of_connections() && start.elapsed() < Duration::from_secs(60) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            done => return done,
        }
    }
}

/// A session that holds a permit of its server's budget until it is closed.
pub struct Counted {
    // Dropped in this order: the connection closes before its permit is given back.
    session: Box<dyn Session>,
    _permit: Permit,
}

impl Counted {
    pub fn wrap(session: Box<dyn Session>, permit: Permit) -> Box<dyn Session> {
        Box::new(Counted {
            session,
            _permit: permit,
        })
    }
}

impl Session for Counted {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        self.session.run(statement)
    }

    fn run_bound(
        &mut self,
        statement: &str,
        args: &[crate::engine::Arg],
    ) -> Result<Outcome, DbError> {
        self.session.run_bound(statement, args)
    }

    fn dialect(&self) -> Dialect {
        self.session.dialect()
    }

    fn take_notices(&mut self) -> Vec<String> {
        self.session.take_notices()
    }

    fn reset(&mut self) -> bool {
        self.session.reset()
    }

    fn defined_objects(&mut self) -> Result<Vec<crate::engine::coverage::DefinedObject>, DbError> {
        self.session.defined_objects()
    }

    fn routine_calls(
        &mut self,
    ) -> Result<crate::engine::coverage::Calls, crate::engine::coverage::Unmeasured> {
        self.session.routine_calls()
    }

    fn flush_calls(&mut self) {
        self.session.flush_calls()
    }

    fn rollback_plan(&mut self) -> Option<RollbackPlan> {
        self.session.rollback_plan()
    }

    fn run_in_savepoint(
        &mut self,
        statement: &str,
        plan: &RollbackPlan,
    ) -> Result<Outcome, DbError> {
        self.session.run_in_savepoint(statement, plan)
    }

    fn run_all(&mut self, statements: &[String]) -> Result<(), DbError> {
        self.session.run_all(statements)
    }

    fn pipelines(&self) -> bool {
        self.session.pipelines()
    }

    fn in_case_transaction(&self) -> bool {
        self.session.in_case_transaction()
    }

    fn canceller(&self) -> Option<Arc<dyn Cancel>> {
        self.session.canceller()
    }
}

/// The size the first process of the run wrote, else `size` (written now for the others).
fn agreed_size(dir: &std::path::Path, size: usize) -> usize {
    let path = dir.join("size");
    let read = || {
        std::fs::read_to_string(&path)
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
    };
    if let Some(agreed) = read() {
        return agreed;
    }
    let tmp = dir.join(format!("size.{}", std::process::id()));
    if std::fs::write(&tmp, size.to_string()).is_ok() {
        // A hard link fails when another process wrote first: its size wins.
        let _ = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
    }
    read().unwrap_or(size)
}

/// Removes the lock files of budgets whose run started over a day ago (their `size` file is
/// that old): a run's lock files are empty, but one directory per nextest run would pile up.
fn sweep_old_runs(current: &std::path::Path) {
    let Some(shared) = current.parent() else {
        return;
    };
    let day = Duration::from_secs(24 * 60 * 60);
    for entry in std::fs::read_dir(shared).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = std::fs::metadata(path.join("size"))
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
        if path != current && name.contains("-budget-") && old {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn takers_wait_and_never_exceed_the_size() {
        let budget = Budget::new(3, 1, "test");
        let held = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (budget, held, most) = (budget.clone(), held.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        let _p = budget.take();
                        let now = held.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_micros(200));
                        held.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(most.load(Ordering::SeqCst) <= 3);
        assert_eq!(budget.peak(), most.load(Ordering::SeqCst));
    }

    struct Pool(Mutex<Vec<Permit>>);
    impl Reclaim for Pool {
        fn reclaim_one(&self) -> bool {
            let idle = self.0.lock().unwrap().pop();
            idle.is_some()
        }
    }

    #[test]
    fn a_spent_budget_closes_idle_pooled_connections() {
        let budget = Budget::new(2, 1, "test");
        let pool = Arc::new(Pool(Mutex::new(vec![budget.take(), budget.take()])));
        let weak: Weak<dyn Reclaim> = Arc::downgrade(&(pool.clone() as Arc<dyn Reclaim>));
        budget.reclaim_with(weak);
        let _a = budget.take();
        let _b = budget.take();
        assert!(pool.0.lock().unwrap().is_empty());
    }

    #[test]
    fn cases_are_admitted_by_the_share_they_may_need() {
        let budget = Budget::new(7, 3, "test");
        let _admin = budget.reserve();
        let a = budget.case();
        let _b = budget.case();
        let waiting = {
            let budget = budget.clone();
            std::thread::spawn(move || drop(budget.case()))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "(7 - 1) / 3 = 2 cases at once");
        drop(a);
        waiting.join().unwrap();
    }
}
