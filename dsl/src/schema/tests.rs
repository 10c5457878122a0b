//! Exact PostgreSQL DDL for each construct, and parsing (references, variables, for_each).

use super::*;
use crate::hcl::Inputs;
use crate::source::SourceFile;

pub(super) fn schema_of(text: &str) -> Schema {
    match parse(&[SourceFile::new("schema.hcl", text)], &Inputs::default()) {
        Ok(s) => s,
        Err(e) => panic!("parse errors: {e:#?}"),
    }
}

pub(super) fn ddl(dialect: Dialect, text: &str) -> String {
    match render(&schema_of(text), dialect) {
        Ok(s) => s,
        Err(e) => panic!("render errors: {e:#?}"),
    }
}

pub(super) fn pg(text: &str) -> String {
    ddl(Dialect::Postgres, text)
}

#[test]
fn table_with_columns_and_primary_key() {
    let out = pg(r#"
        schema "public" {}
        table "users" {
          schema = schema.public
          column "id" { type = int }
          column "name" {
            type = varchar(100)
            null = true
          }
          primary_key { columns = [column.id] }
        }
    "#);
    assert_eq!(
        out,
        "CREATE TABLE \"users\" (\"id\" integer NOT NULL, \"name\" character varying(100) NULL, PRIMARY KEY (\"id\"));\n"
    );
}
