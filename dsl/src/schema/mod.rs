//! Atlas HCL schema files (`schema.hcl`): parsed into a typed [`Schema`] and rendered as DDL
//! for one dialect.
//!
//! ```
//! use dbassay_dsl::{Dialect, SourceFile, hcl::Inputs, schema};
//!
//! let file = SourceFile::new("schema.hcl", r#"
//!     schema "public" {}
//!     table "users" {
//!       schema = schema.public
//!       column "id" { type = int }
//!       column "name" {
//!         type = varchar(100)
//!         null = true
//!       }
//!       primary_key { columns = [column.id] }
//!     }
//! "#);
//! let s = schema::parse(&[file], &Inputs::default()).unwrap();
//! assert_eq!(
//!     schema::render(&s, Dialect::Postgres).unwrap(),
//!     "CREATE TABLE \"users\" (\"id\" integer NOT NULL, \"name\" character varying(100) NULL, PRIMARY KEY (\"id\"));\n"
//! );
//! ```
//!
//! Parsing is dialect-free: the model holds the union of what PostgreSQL, MySQL/MariaDB and
//! SQLite accept, and every block, attribute and reference is checked (unknown ones and
//! dangling references are errors at `file:line:col`). Rendering decides what a dialect can
//! express: a type it lacks or an object it has no statement for is an error at the construct,
//! never DDL that silently leaves it out.
//!
//! Rooms: `model` (the types), `parse` (files, variables, `for_each`), `values` (reading one
//! block's attributes), `refs` (references), `tables`, `objects` and `routines` (decoding
//! blocks), `render` (order, quoting, defaults), `types` (types per dialect) and one file per
//! dialect (`postgres` with `postgres_routines`, `mysql`, `sqlite`).
//!
//! Names: with one schema that is the connection's default (`public` on PostgreSQL; any single
//! schema on MySQL, where the connection names the database; `main` on SQLite), names are left
//! unqualified and no `CREATE SCHEMA` is written, so the DDL applies to whatever database or
//! schema the connection uses. Otherwise every name is schema-qualified and each schema is
//! created first (**assay**'s choice; Atlas decides by the connection's scope).

mod model;
mod mysql;
mod objects;
mod parse;
mod postgres;
mod postgres_routines;
mod refs;
mod render;
mod routines;
mod sqlite;
mod tables;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_mysql;
#[cfg(test)]
mod tests_objects;
#[cfg(test)]
mod tests_sqlite;
mod types;
mod values;

pub use model::*;
pub use render::Origin;

use crate::dialect::Dialect;
use crate::source::{Error, SourceFile};

/// Parses HCL schema files with the test files' HCL evaluation (variable, locals, for_each,
/// functions; `inputs` gives --var values). All files are one schema.
pub fn parse(files: &[SourceFile], inputs: &crate::hcl::Inputs) -> Result<Schema, Vec<Error>> {
    parse::parse(files, inputs)
}

/// DDL for `dialect` in dependency order; an unsupported construct is an Error at its span.
/// Statements end with `;` and a newline; MySQL routines and triggers are wrapped in a
/// `DELIMITER` section that [`crate::scan::split`] understands.
pub fn render(schema: &Schema, dialect: Dialect) -> Result<String, Vec<Error>> {
    render_traced(schema, dialect).map(|r| r.text)
}

/// DDL as [`render`] writes it, with the block each part of it was written for.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub text: String,
    /// In text order: the text from an origin's offset to the next one's comes from its block.
    pub origins: Vec<Origin>,
}

/// [`render`], keeping where each statement comes from (to report a statement the database
/// rejects at its block in the schema file).
pub fn render_traced(schema: &Schema, dialect: Dialect) -> Result<Rendered, Vec<Error>> {
    let mut ddl = render::Ddl::new(dialect, qualify(schema, dialect));
    match dialect {
        Dialect::Postgres => postgres::render(schema, &mut ddl),
        Dialect::Mysql => mysql::render(schema, &mut ddl),
        Dialect::Sqlite => sqlite::render(schema, &mut ddl),
    }
    if ddl.errors.is_empty() {
        Ok(Rendered {
            text: ddl.text,
            origins: ddl.origins,
        })
    } else {
        let mut seen = std::collections::HashSet::new();
        ddl.errors
            .retain(|e| seen.insert((e.location.clone(), e.message.clone())));
        Err(ddl.errors)
    }
}

/// Whether names are schema-qualified (see the module docs).
fn qualify(schema: &Schema, dialect: Dialect) -> bool {
    match dialect {
        Dialect::Postgres => !(schema.schemas.len() == 1 && schema.schemas[0].name == "public"),
        Dialect::Mysql => schema.schemas.len() > 1,
        Dialect::Sqlite => false,
    }
}
