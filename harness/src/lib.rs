//! # dbassay — the runner of assay
//!
//! Everything that touches a database lives here; the file formats live in `dbassay-dsl`.
//!
//! - [`coverage`]: `--coverage`: which functions, procedures, triggers and views the suite ran.
//! - [`engine`]: one [`engine::Session`] trait; the PostgreSQL, MySQL/MariaDB and SQLite
//!   modules. Values become text here and only here.
//! - [`provision`]: servers and databases: embedded SQLite, local server binaries, Docker,
//!   a server the user names. Every resource is owned by a guard and removed on drop.
//! - [`migrate`]: applying migration directories, the cache of migrated states, `assay migrate`.
//! - [`run`]: planning trials and running cases.
//! - [`schema_source`]: desired schemas written in Atlas HCL, rendered per dialect.
//! - [`supply`]: handing out databases in the state a case starts from: the cache of built
//!   states ("schema applied", "migrated to version N"), isolation, reuse, the connection
//!   budget of each server.
//! - [`render`]: csv and table serialization, comparison, diffs.
//! - [`report`]: libtest-mimic trials and the Atlas-style report.
//! - [`shell`]: completions, man page, colour and CI conventions, exit codes.
//! - [`partition`]: one shard of a run for one of several CI runners (`--partition`).

pub mod cli;
pub mod coverage;
pub mod engine;
mod harness;
pub mod migrate;
pub mod partition;
pub mod provision;
pub mod render;
pub mod report;
pub mod run;
pub mod runtime;
pub mod schema_source;
pub mod shell;
pub mod supply;

pub use harness::Harness;
