//! Planning and running: test files become a [`Plan`] of trials; each trial runs one case on a
//! database brought to the state the case starts from.
//!
//! - [`plan`]: discovery, parsing (every file up front), filters, trial names.
//! - [`case`]: running one case's commands, cleanups, and the case report. Where its database
//!   comes from is the [`supply`](crate::supply)'s business.
//! - [`steps`]: `schema { url }` and `apply { url }` of plan and script cases.
//! - [`sql`]: running SQL text statement by statement with errors mapped back to the file.
//! - [`script`]: running txtar scripts (testscript commands plus database commands).
//! - [`update`]: `--update`, rewriting literal expectations in place.
//! - [`timeout`]: the per-case time limit and the watchdog that cancels statements past it.

pub mod case;
pub mod data_scripts;
pub mod failure;
pub mod plan;
pub mod script;
pub mod sql;
pub mod steps;
pub mod timeout;
pub mod update;

/// Moved to the supply room; the old paths still work.
pub use crate::supply::{target, worker as rollback};

pub use case::{CaseReport, Status};
pub use failure::Failure;
pub use plan::{Job, Options, Plan, Trial};

/// The message of a panic payload, for the failure of the case or script it ended.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic")
}
