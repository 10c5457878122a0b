//! The process-wide list of things to remove: servers assay started, containers, temp dirs,
//! databases on a server the user runs.
//!
//! Owners remove their resources in `Drop`. But statics are never dropped, and Ctrl-C does not
//! unwind, so every owner also registers a closure here. [`run_all`] runs the registered closures
//! (newest first) at the end of a run; on SIGINT/SIGTERM they run and the process exits with
//! 130/143. A [`Registration`] dropped by its owner (after it cleaned up itself) removes its
//! closure.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

type Action = Box<dyn FnOnce() + Send>;

static ACTIONS: Mutex<Vec<(u64, Action)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Removes its closure from the list when dropped.
#[must_use = "dropping the registration forgets the cleanup at once"]
pub struct Registration(u64);

impl Drop for Registration {
    fn drop(&mut self) {
        let mut actions = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
        actions.retain(|(id, _)| *id != self.0);
    }
}

/// Registers a cleanup to run at the end of the run or on interrupt, unless the returned
/// registration is dropped first. The closure must be idempotent with the owner's own `Drop`
/// and must not be called from inside the tokio runtime (it may block).
pub fn register(action: impl FnOnce() + Send + 'static) -> Registration {
    install_signal_handler();
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    ACTIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((id, Box::new(action)));
    Registration(id)
}

/// Set once SIGINT/SIGTERM arrived: the signal task owns the exit from then on.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs every registered cleanup, newest first. Called at the end of a run. After an interrupt
/// the cleanups are already running on the signal's behalf, and the process exits with 130/143
/// when they are done: a run that finishes meanwhile (its cases failing as their servers go)
/// waits for that instead of exiting with its own code.
pub fn run_all() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    run_actions();
}

fn run_actions() {
    let actions = std::mem::take(&mut *ACTIONS.lock().unwrap_or_else(|e| e.into_inner()));
    for (_, action) in actions.into_iter().rev() {
        // One failing cleanup must not stop the others.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(action));
    }
}

fn install_signal_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        crate::runtime::runtime().spawn(async {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            let code = tokio::select! {
                _ = int.recv() => 130,
                _ = term.recv() => 143,
            };
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("assay: interrupted; removing the databases and servers it started");
            // Cleanups may block on this runtime, so they run on a plain thread, and this task
            // awaits it instead of joining: a join would hold a worker the cleanups need.
            let (done, finished) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                run_actions();
                let _ = done.send(());
            });
            let _ = finished.await;
            std::process::exit(code);
        });
    });
}
