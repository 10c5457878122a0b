//! Atlas's report layout:
//!
//! ```text
//! -- PASS: seed/1 (901µs)
//!     schema.test.hcl:6: Testing hello -> HELLO
//! -- FAIL: postal (319µs)
//!     schema.test.hcl:2:
//!       Error: …
//! FAIL
//! ```
//!
//! Cases run on `threads` worker threads, in the plan's run order; their blocks print in plan
//! order.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::run::{CaseReport, Failure, Plan, Status, Trial};

/// Runs the plan and prints Atlas's layout to stdout. Returns whether every case passed.
pub fn run(plan: Plan, threads: usize) -> bool {
    plan.expect_runs(|_| true);
    let order = plan.run_order();
    // Each worker takes the trials it runs out of their slots, in run order.
    let trials: Vec<Mutex<Option<Trial>>> = plan
        .trials
        .into_iter()
        .map(|t| Mutex::new(Some(t)))
        .collect();
    let results: Vec<Mutex<Option<String>>> = trials.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let slot = &trials[i];
                    let Some(trial) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() else {
                        continue;
                    };
                    let (name, report) = trial.run();
                    let (text, ok) = (render(&name, &report), report.status != Status::Fail);
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
                }
            });
        }
    });
    for r in results {
        if let Some(text) = r.into_inner().unwrap_or_else(|e| e.into_inner()) {
            print!("{text}");
        }
    }
    let ok = failed.load(Ordering::Relaxed) == 0;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    ok
}

fn render(name: &str, report: &CaseReport) -> String {
    let status = match report.status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Skip => "SKIP",
    };
    block(
        status,
        name,
        report.duration,
        &report.logs,
        report.failure.as_ref(),
    )
}

fn block(
    status: &str,
    name: &str,
    duration: Duration,
    logs: &[String],
    failure: Option<&Failure>,
) -> String {
    let mut s = format!("-- {status}: {name} ({})\n", go_duration(duration));
    for log in logs {
        let _ = writeln!(s, "    {log}");
    }
    if let Some(failure) = failure {
        // Atlas prints the failing block's file:line alone, then the error indented.
        if let Some(place) = &failure.place {
            let _ = writeln!(s, "    {place}:");
        }
        let message = failure.message.replace('\n', "\n      ");
        let _ = writeln!(s, "      Error: {message}");
    }
    s
}

/// Go's `time.Duration` text, rounded as Atlas prints it: `901µs`, `3ms`, `1.5s`.
fn go_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1000 {
        format!("{us}µs")
    } else if us < 1_000_000 {
        format!("{}ms", (us + 500) / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        assert_eq!(go_duration(Duration::from_micros(901)), "901µs");
        assert_eq!(go_duration(Duration::from_micros(2600)), "3ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn a_failure_shows_its_place_then_the_error() {
        let s = block(
            "FAIL",
            "postal",
            Duration::from_micros(319),
            &[],
            Some(&Failure::at("a.hcl:2".into(), 2, "catch: boom\nmore")),
        );
        assert_eq!(
            s,
            "-- FAIL: postal (319µs)\n    a.hcl:2:\n      Error: catch: boom\n      more\n"
        );
    }
}
