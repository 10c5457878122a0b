//! Reporting a plan's results: as libtest trials (the default: `cargo test`, nextest, filters,
//! `--list`) or in Atlas's layout (`--report atlas`); and, from the same run, JUnit, JSON and
//! CI annotations ([`results`]).

pub mod atlas;
pub mod libtest;
pub mod progress;
pub mod results;
