//! The per-case time limit (`--timeout`, `ASSAY_TIMEOUT`).
//!
//! A case's clock starts once it holds its database and session (provisioning, building the
//! desired schema and waiting for a connection do not count). When the limit passes, one
//! watchdog thread of the process cancels the statement the case's session runs, on the server,
//! through the engine's [`Cancel`] handle, and repeats the cancel every half second until the
//! case gives up its [`Watch`]: a statement that started while a request was under way is
//! cancelled by the next one. The cancelled session fails every later statement, so it is never
//! reused; the case reports `timed out after 30s at file:line` (the command that was running),
//! skips its cleanups, and its database is dropped.
//!
//! No lock is held across a cancel: the watchdog copies what is due out of its list first.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::engine::Cancel;

/// The limit when none is given: generous, so that a heavy migration or backfill on a slow CI
/// runner never trips it, yet a case stuck on a lock wait or an endless loop ends in minutes
/// instead of holding the whole run until CI kills it without a word.
pub const DEFAULT: Duration = Duration::from_secs(300);

/// A run's per-case time limit; `None` inside means no limit. The default is [`DEFAULT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeLimit(pub Option<Duration>);

impl Default for TimeLimit {
    fn default() -> TimeLimit {
        TimeLimit(Some(DEFAULT))
    }
}

/// How often the watchdog looks at the clock, and re-sends a cancel that has not taken effect.
const TICK: Duration = Duration::from_millis(100);
const RESEND: Duration = Duration::from_millis(500);

/// Reads a duration as `--timeout` takes it: `30s`, `2m`, `1h`, `1500ms`, a number of seconds,
/// or `0` / `off` / `none` for no limit (`None`).
pub fn parse(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if matches!(text, "0" | "off" | "none") {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds: f64 = number.parse().map_err(|_| bad(text))?;
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad(text)),
    };
    let limit = Duration::try_from_secs_f64(seconds * scale).map_err(|_| bad(text))?;
    Ok(Some(limit).filter(|d| !d.is_zero()))
}

fn bad(text: &str) -> String {
    format!(
        "bad time limit `{text}`: write a duration like 30s, 2m, 1h or 1500ms (0 or off: no limit)"
    )
}

/// A limit as the failure message shows it: `2s`, `1.5s`, `5m`.
pub fn display(limit: Duration) -> String {
    let secs = limit.as_secs_f64();
    if secs >= 60.0 && secs.fract() == 0.0 && limit.as_secs().is_multiple_of(60) {
        format!("{}m", limit.as_secs() / 60)
    } else if secs.fract() == 0.0 {
        format!("{}s", limit.as_secs())
    } else {
        format!("{}ms", limit.as_millis())
    }
}

/// A case under a time limit; dropping it ends the watch.
pub struct Watch {
    entry: Option<(u64, Arc<AtomicBool>)>,
    limit: Duration,
}

impl Watch {
    /// Starts the clock of a case whose session `cancel` stops; no limit when `limit` is
    /// `None`. Without a cancel handle the limit is still checked between commands.
    pub fn start(cancel: Option<Arc<dyn Cancel>>, limit: Option<Duration>) -> Watch {
        let Some(limit) = limit else {
            return Watch {
                entry: None,
                limit: Duration::ZERO,
            };
        };
        static IDS: AtomicU64 = AtomicU64::new(0);
        let id = IDS.fetch_add(1, Ordering::Relaxed);
        let expired = Arc::new(AtomicBool::new(false));
        watchdog()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Due {
                id,
                deadline: Instant::now() + limit,
                cancel,
                expired: Arc::clone(&expired),
                sent: None,
            });
        Watch {
            entry: Some((id, expired)),
            limit,
        }
    }

    /// Whether the limit has passed (the session is then cancelled, or being cancelled).
    pub fn expired(&self) -> bool {
        self.entry
            .as_ref()
            .is_some_and(|(_, expired)| expired.load(Ordering::SeqCst))
    }

    /// `timed out after 30s at file:line`.
    pub fn message(&self, at: &str) -> String {
        format!("timed out after {} at {at}", display(self.limit))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some((id, _)) = &self.entry {
            (watchdog().lock().unwrap_or_else(|e| e.into_inner())).retain(|due| due.id != *id);
        }
    }
}

struct Due {
    id: u64,
    deadline: Instant,
    cancel: Option<Arc<dyn Cancel>>,
    expired: Arc<AtomicBool>,
    /// When the last cancel was sent.
    sent: Option<Instant>,
}

/// The watched cases; the watchdog thread starts with the first.
fn watchdog() -> &'static Mutex<Vec<Due>> {
    static LIST: OnceLock<Arc<Mutex<Vec<Due>>>> = OnceLock::new();
    LIST.get_or_init(|| {
        let list = Arc::new(Mutex::new(Vec::new()));
        let watched = Arc::clone(&list);
        let spawned = std::thread::Builder::new()
            .name("assay-timeout".into())
            .spawn(move || watch_forever(&watched));
        if let Err(e) = spawned {
            eprintln!("assay: cannot start the time-limit watchdog: {e}");
        }
        list
    })
}

fn watch_forever(list: &Mutex<Vec<Due>>) {
    loop {
        std::thread::sleep(TICK);
        let now = Instant::now();
        let due: Vec<Arc<dyn Cancel>> = {
            let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
            list.iter_mut()
                .filter(|due| now >= due.deadline)
                .filter_map(|due| {
                    due.expired.store(true, Ordering::SeqCst);
                    let resend = due.sent.is_none_or(|sent| now - sent >= RESEND);
                    if resend {
                        due.sent = Some(now);
                    }
                    due.cancel.clone().filter(|_| resend)
                })
                .collect()
        };
        for cancel in due {
            cancel.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse("30s"), Ok(Some(Duration::from_secs(30))));
        assert_eq!(parse("2m"), Ok(Some(Duration::from_secs(120))));
        assert_eq!(parse("1h"), Ok(Some(Duration::from_secs(3600))));
        assert_eq!(parse("1500ms"), Ok(Some(Duration::from_millis(1500))));
        assert_eq!(parse("2.5"), Ok(Some(Duration::from_millis(2500))));
        assert_eq!(parse("0"), Ok(None));
        assert_eq!(parse("off"), Ok(None));
        assert!(parse("soon").unwrap_err().contains("bad time limit `soon`"));
        assert!(parse("5 days").is_err());
        assert_eq!(display(Duration::from_secs(30)), "30s");
        assert_eq!(display(Duration::from_secs(300)), "5m");
        assert_eq!(display(Duration::from_millis(1500)), "1500ms");
    }

    struct Counting(AtomicU64);

    impl Cancel for Counting {
        fn cancel(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_watchdog_cancels_after_the_limit_and_again_until_the_watch_ends() {
        let cancel = Arc::new(Counting(AtomicU64::new(0)));
        let watch = Watch::start(Some(cancel.clone()), Some(Duration::from_millis(200)));
        assert!(!watch.expired());
        // Re-sent while the watch lasts (polled: the machine may be busy).
        let waited = Instant::now();
        while cancel.0.load(Ordering::SeqCst) < 2 && waited.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(watch.expired());
        let sent = cancel.0.load(Ordering::SeqCst);
        assert!(sent >= 2, "re-sent while the watch lasts: {sent}");
        drop(watch);
        std::thread::sleep(Duration::from_millis(700));
        assert_eq!(
            cancel.0.load(Ordering::SeqCst),
            sent,
            "no cancel after the watch ended"
        );
        let unlimited = Watch::start(Some(cancel), None);
        assert!(!unlimited.expired());
    }
}
