//! # dbassay-dsl — the pure front end of assay
//!
//! Text in, typed model out. Nothing here knows a database exists: no I/O beyond reading the
//! files a user names (and `file()` in HCL), no async, no engine. The harness crate runs what
//! this crate describes.
//!
//! - [`source`]: source files, byte spans, `file:line:col` locations and the crate's error type.
//! - [`hcl`]: Atlas `*.test.hcl` test files: parsing with spans, variables, locals, `for_each`,
//!   evaluation of commands.
//! - [`scan`]: the per-dialect SQL statement scanner (quotes, dollar quotes, comments,
//!   `BEGIN … END`, `DELIMITER`).
//! - [`migrate`]: migration directories (Atlas, golang-migrate, goose, flyway, dbmate), versions,
//!   `atlas.sum`, directives.
//! - [`project`]: the `atlas.hcl` project file.
//! - [`plan`]: Atlas migration plan files (`*.plan.hcl`), for `test "plan"` cases.
//! - [`schema`]: Atlas HCL schema files (`schema.hcl`): a typed model and DDL per dialect.
//! - [`txtar`] and [`script`]: txtar archives and the testscript-style script lexer.
//! - [`update`]: the text edits of `--update` (a literal `output`, a txtar section).
//! - [`url`]: database URLs (`postgres://`, `mysql://`, `sqlite://`, `docker://`, `local://`).

pub mod dialect;
pub mod hcl;
pub mod migrate;
pub mod plan;
pub mod project;
pub mod scan;
pub mod schema;
pub mod script;
pub mod source;
pub mod txtar;
pub mod update;
pub mod url;

pub use dialect::Dialect;
pub use source::{Error, Location, SourceFile, Span};
