//! Reporting a plan's results: as libtest trials (the default: `cargo test`, nextest, filters,
//! `--list`) or in Atlas's layout (`--report atlas`).

pub mod atlas;
pub mod libtest;
