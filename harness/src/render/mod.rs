//! Serializing result grids (csv, table), comparing them with expectations, and diffs.
//!
//! One text form per value comes from the engine modules; this room only lays values out.

mod compare;
mod csv;
mod diff;
mod table;

pub use compare::{error_matches, output_matches};
pub use csv::csv;
pub use diff::{color_enabled, colorize, exact_diff, unified_diff};
pub use table::table;

use dbassay_dsl::hcl::Format;

use crate::engine::TextGrid;

/// Serializes a grid in the format an `exec` block asks for.
pub fn serialize(grid: &TextGrid, format: Format) -> String {
    match format {
        Format::Csv => csv(grid),
        Format::Table => table(grid),
    }
}
