//! Progress on stderr while a run is long: an indicatif bar of cases done out of cases to run,
//! with the counts passed and failed so far, and a note while something slow happens before
//! cases can run (a server starting, a state being built).
//!
//! Shown only to a person: stderr must be a terminal, `CI` unset and `TERM` not `dumb`
//! (`ASSAY_PROGRESS=0` turns it off too). Piped or in CI, nothing of it is written.
//!
//! The bar and the report share the terminal: while the bar is up, the report (libtest's lines
//! on stdout) goes through a pipe to a thread that prints each finished line above the bar, so
//! lines and bar never overwrite each other. Without a run bar (a cargo test target),
//! [`show`] draws a spinner for its note alone.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::Status;

/// The bar of the run in progress, if any.
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);
static PASSED: AtomicU64 = AtomicU64::new(0);
static FAILED: AtomicU64 = AtomicU64::new(0);
/// The note of the slow step under way, shown after the counts.
static NOTE: Mutex<String> = Mutex::new(String::new());

/// Whether progress may be drawn: a person watches stderr.
pub fn wanted() -> bool {
    std::io::stderr().is_terminal()
        && !crate::run::update::in_ci()
        && !std::env::var("TERM").is_ok_and(|t| t == "dumb")
        && !std::env::var("ASSAY_PROGRESS").is_ok_and(|v| v == "0")
}

fn bar() -> Option<ProgressBar> {
    BAR.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn message() -> String {
    let (passed, failed) = (
        PASSED.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed),
    );
    let note = NOTE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut text = format!("{passed} passed, {failed} failed");
    if !note.is_empty() {
        text.push_str(" · ");
        text.push_str(&note);
    }
    text
}

/// The bar of one run, up until [`Run::finish`] (or drop).
pub struct Run {
    bar: ProgressBar,
    forward: Option<Forward>,
}

/// Starts the bar for a run of `total` trials, when [`wanted`].
pub fn start(total: usize) -> Option<Run> {
    if !wanted() || total == 0 {
        return None;
    }
    PASSED.store(0, Ordering::Relaxed);
    FAILED.store(0, Ordering::Relaxed);
    let template = if crate::shell::no_color() {
        "{spinner} [{elapsed}] [{bar:30}] {pos}/{len} {msg}"
    } else {
        "{spinner:.cyan} [{elapsed}] [{bar:30.green/dim}] {pos}/{len} {msg}"
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
        .with_style(style(template).progress_chars("=> "))
        .with_message(message());
    bar.enable_steady_tick(Duration::from_millis(120));
    *BAR.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
    let forward = forwards_stdout(total)
        .then(|| Forward::start(bar.clone()))
        .flatten();
    Some(Run { bar, forward })
}

/// Whether [`start`] will route stdout above the bar (stdout is then not a terminal to
/// libtest, so colour must be asked for explicitly, before the run starts).
pub fn forwards_stdout(total: usize) -> bool {
    wanted() && total > 0 && std::io::stdout().is_terminal()
}

impl Run {
    /// Removes the bar and gives stdout back.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(forward) = self.forward.take() {
            forward.stop();
        }
        self.bar.finish_and_clear();
        *BAR.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Removes a bar left up (after a panic), so the terminal is clean for the error.
pub fn abandon() {
    if let Some(bar) = BAR.lock().unwrap_or_else(|e| e.into_inner()).take() {
        bar.finish_and_clear();
    }
}

/// Counts a finished case or script in the bar.
pub fn finished(status: Status) {
    let Some(bar) = bar() else { return };
    match status {
        Status::Fail => FAILED.fetch_add(1, Ordering::Relaxed),
        Status::Pass | Status::Skip => PASSED.fetch_add(1, Ordering::Relaxed),
    };
    bar.inc(1);
    bar.set_message(message());
}

/// Shown while alive; cleared on drop.
pub struct Progress {
    spinner: Option<ProgressBar>,
    noted: bool,
}

/// Shows `{what}…` on stderr (when [`wanted`]) until the returned guard drops: in the run's
/// bar, else as a spinner of its own.
pub fn show(what: &str) -> Progress {
    if !wanted() {
        return Progress {
            spinner: None,
            noted: false,
        };
    }
    if let Some(bar) = bar() {
        *NOTE.lock().unwrap_or_else(|e| e.into_inner()) = format!("{what}…");
        bar.set_message(message());
        return Progress {
            spinner: None,
            noted: true,
        };
    }
    let spinner = ProgressBar::new_spinner()
        .with_style(style("{spinner} assay: {msg}"))
        .with_message(format!("{what}…"));
    spinner.set_draw_target(ProgressDrawTarget::stderr());
    spinner.enable_steady_tick(Duration::from_millis(120));
    Progress {
        spinner: Some(spinner),
        noted: false,
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
        if self.noted {
            NOTE.lock().unwrap_or_else(|e| e.into_inner()).clear();
            if let Some(bar) = bar() {
                bar.set_message(message());
            }
        }
    }
}

/// stdout redirected into a pipe whose lines a thread prints above the bar.
struct Forward {
    /// The terminal stdout was, to put back.
    saved: libc::c_int,
    done: std::sync::mpsc::Receiver<()>,
}

impl Forward {
    fn start(bar: ProgressBar) -> Option<Forward> {
        use std::os::fd::FromRawFd as _;
        let _ = std::io::stdout().flush();
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: plain descriptor calls; every descriptor made here is owned below.
        unsafe {
            if libc::pipe(fds.as_mut_ptr()) != 0 {
                return None;
            }
            let saved = libc::dup(1);
            let out = libc::dup(1);
            if saved < 0 || out < 0 || libc::dup2(fds[1], 1) < 0 {
                for fd in [fds[0], fds[1], saved, out] {
                    if fd >= 0 {
                        libc::close(fd);
                    }
                }
                return None;
            }
            libc::close(fds[1]);
            let mut pipe = std::fs::File::from_raw_fd(fds[0]);
            let mut terminal = std::fs::File::from_raw_fd(out);
            let (tx, done) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut pending = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let n = match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    // Whole lines only: a half-written line would sit where the bar redraws.
                    if let Some(end) = pending.iter().rposition(|&b| b == b'\n') {
                        let lines: Vec<u8> = pending.drain(..=end).collect();
                        bar.suspend(|| {
                            let _ = terminal.write_all(&lines);
                            let _ = terminal.flush();
                        });
                    }
                }
                if !pending.is_empty() {
                    bar.suspend(|| {
                        let _ = terminal.write_all(&pending);
                        let _ = terminal.flush();
                    });
                }
                let _ = tx.send(());
            });
            Some(Forward { saved, done })
        }
    }

    /// Puts stdout back and lets the thread print what is left. A process started during the
    /// run may still hold the pipe open, so the wait is short.
    fn stop(self) {
        let _ = std::io::stdout().flush();
        // SAFETY: `saved` is the descriptor dup'ed in `start`, owned here.
        unsafe {
            libc::dup2(self.saved, 1);
            libc::close(self.saved);
        }
        let _ = self.done.recv_timeout(Duration::from_secs(2));
    }
}
