//! The recipe of a database: what it takes to copy it on the same server.
//!
//! Captured once per snapshot with `SHOW CREATE …`, replayed per copy as one multi-statement
//! batch, in an order that never needs a half-built object:
//! 1. tables (and sequences) with `FOREIGN_KEY_CHECKS=0`, exactly as `SHOW CREATE TABLE` gives
//!    them (so `AUTO_INCREMENT` counters carry over);
//! 2. rows, server-side: `INSERT INTO copy.t (cols) SELECT cols FROM template.t`, listing only
//!    columns that are not generated (invisible ones included; MySQL's `DEFAULT_GENERATED`
//!    columns are ordinary columns with an expression default) — before any trigger exists, so
//!    no trigger fires while copying;
//! 3. stored functions and procedures (views may call functions);
//! 4. views, each after the views its text names;
//! 5. triggers, per table in their action order; 6. events.
//!
//! Routines, triggers and events run under the `sql_mode` they were created with.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use super::{quote_ident, quote_str};
use crate::engine::DbError;
use crate::engine::mysql::to_db_error;

#[derive(Clone, Debug)]
struct Table {
    name: String,
    create: String,
    /// Columns that hold stored values (not generated); empty for sequences.
    columns: Vec<String>,
    sequence: bool,
}

/// A `CREATE` statement for an object whose body depends on `sql_mode`.
#[derive(Clone, Debug)]
struct Object {
    sql_mode: String,
    create: String,
}

/// How to copy one database (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Recipe {
    tables: Vec<Table>,
    routines: Vec<Object>,
    views: Vec<String>,
    triggers: Vec<Object>,
    events: Vec<Object>,
}

type Res<T> = std::result::Result<T, DbError>;

fn err(e: mysql_async::Error) -> DbError {
    to_db_error(&e)
}

impl Recipe {
    /// Reads the recipe of database `db`.
    pub async fn capture(conn: &mut Conn, db: &str) -> Res<Recipe> {
        let mut recipe = Recipe::default();
        let qdb = quote_ident(db);
        // With `db` as the current database, SHOW CREATE VIEW leaves names in it unqualified,
        // so the statement recreates the view in the copy, over the copy's tables.
        conn.query_drop(format!("USE {qdb}")).await.map_err(err)?;

        let objects: Vec<(String, String)> = conn
            .exec(
                "SELECT table_name, table_type FROM information_schema.tables \
                 WHERE table_schema = ? ORDER BY table_name",
                (db,),
            )
            .await
            .map_err(err)?;
        let mut views = Vec::new();
        for (name, kind) in objects {
            let qname = quote_ident(&name);
            if kind == "VIEW" {
                let row: Option<Row> = conn
                    .query_first(format!("SHOW CREATE VIEW {qname}"))
                    .await
                    .map_err(err)?;
                let create = column(row, 1)?;
                views.push((name, create));
                continue;
            }
            let row: Option<Row> = conn
                .query_first(format!("SHOW CREATE TABLE {qname}"))
                .await
                .map_err(err)?;
            let create = column(row, 1)?;
            let sequence = kind == "SEQUENCE";
            let columns: Vec<String> = if sequence {
                Vec::new()
            } else {
                conn.exec(
                    "SELECT column_name FROM information_schema.columns \
                     WHERE table_schema = ? AND table_name = ? \
                       AND extra NOT LIKE '%VIRTUAL GENERATED%' \
                       AND extra NOT LIKE '%STORED GENERATED%' \
                     ORDER BY ordinal_position",
                    (db, &name),
                )
                .await
                .map_err(err)?
            };
            recipe.tables.push(Table {
                name,
                create,
                columns,
                sequence,
            });
        }
        recipe.views = order_views(views);

        let routines: Vec<(String, String)> = conn
            .exec(
                "SELECT routine_type, routine_name FROM information_schema.routines \
                 WHERE routine_schema = ? ORDER BY routine_type, routine_name",
                (db,),
            )
            .await
            .map_err(err)?;
        for (kind, name) in routines {
            let sql = format!("SHOW CREATE {kind} {qdb}.{}", quote_ident(&name));
            recipe.routines.push(show_object(conn, &sql, 2).await?);
        }

        let triggers: Vec<String> = conn
            .exec(
                "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = ? \
                 ORDER BY event_object_table, action_order",
                (db,),
            )
            .await
            .map_err(err)?;
        for name in triggers {
            let sql = format!("SHOW CREATE TRIGGER {qdb}.{}", quote_ident(&name));
            recipe.triggers.push(show_object(conn, &sql, 2).await?);
        }

        let events: Vec<String> = conn
            .exec(
                "SELECT event_name FROM information_schema.events WHERE event_schema = ? \
                 ORDER BY event_name",
                (db,),
            )
            .await
            .map_err(err)?;
        for name in events {
            let sql = format!("SHOW CREATE EVENT {qdb}.{}", quote_ident(&name));
            recipe.events.push(show_object(conn, &sql, 3).await?);
        }
        Ok(recipe)
    }

    /// One multi-statement batch that fills the (existing, empty) database `target` from
    /// `source`, which holds the state the recipe was captured from. Leaves the session's
    /// `sql_mode` and foreign key checks as it found them.
    pub fn script(&self, source: &str, target: &str) -> String {
        let (src, dst) = (quote_ident(source), quote_ident(target));
        let mut sql = format!(
            "USE {dst}; SET @assay_mode = @@SESSION.sql_mode, @assay_fk = @@SESSION.foreign_key_checks, \
             SESSION foreign_key_checks = 0;\n"
        );
        for t in &self.tables {
            sql.push_str(&t.create);
            sql.push_str(";\n");
            let name = quote_ident(&t.name);
            if t.sequence {
                // A sequence table holds one row: its state.
                sql.push_str(&format!(
                    "INSERT INTO {dst}.{name} SELECT * FROM {src}.{name};\n"
                ));
                continue;
            }
            if t.columns.is_empty() {
                continue;
            }
            let cols = t
                .columns
                .iter()
                .map(|c| quote_ident(c))
                .collect::<Vec<_>>()
                .join(", ");
            sql.push_str(&format!(
                "INSERT INTO {dst}.{name} ({cols}) SELECT {cols} FROM {src}.{name};\n"
            ));
        }
        for o in self.routines.iter() {
            push_object(&mut sql, o);
        }
        if !self.views.is_empty() {
            sql.push_str("SET SESSION sql_mode = @assay_mode;\n");
        }
        for v in &self.views {
            sql.push_str(v);
            sql.push_str(";\n");
        }
        for o in self.triggers.iter().chain(&self.events) {
            push_object(&mut sql, o);
        }
        sql.push_str(
            "SET SESSION sql_mode = @assay_mode, SESSION foreign_key_checks = @assay_fk; USE mysql",
        );
        sql
    }

    /// How many objects the recipe recreates (for tests and benchmarks).
    pub fn object_count(&self) -> usize {
        self.tables.len()
            + self.routines.len()
            + self.views.len()
            + self.triggers.len()
            + self.events.len()
    }
}

fn push_object(sql: &mut String, o: &Object) {
    sql.push_str(&format!(
        "SET SESSION sql_mode = {};\n",
        quote_str(&o.sql_mode)
    ));
    sql.push_str(&o.create);
    sql.push_str(";\n");
}

/// Reads a `SHOW CREATE` row: `sql_mode` is column 1, the statement column `create_at`.
async fn show_object(conn: &mut Conn, sql: &str, create_at: usize) -> Res<Object> {
    let row: Option<Row> = conn.query_first(sql).await.map_err(err)?;
    let Some(row) = row else {
        return Err(DbError::new(format!("`{sql}` returned nothing")));
    };
    let sql_mode = text_at(&row, 1)?;
    let create = text_at(&row, create_at)?;
    Ok(Object { sql_mode, create })
}

fn column(row: Option<Row>, i: usize) -> Res<String> {
    let row = row.ok_or_else(|| DbError::new("SHOW CREATE returned nothing"))?;
    text_at(&row, i)
}

fn text_at(row: &Row, i: usize) -> Res<String> {
    match row.as_ref(i) {
        Some(mysql_async::Value::Bytes(b)) => Ok(String::from_utf8_lossy(b).into_owned()),
        // e.g. a routine the account may not read: SHOW CREATE gives NULL for its body.
        _ => Err(DbError::new(format!(
            "SHOW CREATE gave no definition (column {i}); does the account have the privileges?"
        ))),
    }
}

/// Orders views so that each comes after the views its text names (`` `name` ``). Textual
/// mentions only add constraints; on a cycle (impossible for real dependencies) the remaining
/// views keep name order.
fn order_views(mut views: Vec<(String, String)>) -> Vec<String> {
    let mut ordered = Vec::with_capacity(views.len());
    while !views.is_empty() {
        let ready = views.iter().position(|(_, create)| {
            !views.iter().any(|(other, _)| {
                let body = create
                    .split_once(" AS ")
                    .map_or(create.as_str(), |(_, b)| b);
                body.contains(&format!("`{other}`")) && !create_names(create, other)
            })
        });
        let i = ready.unwrap_or(0);
        ordered.push(views.remove(i).1);
    }
    ordered
}

/// Whether `create` is the statement creating view `name` itself.
fn create_names(create: &str, name: &str) -> bool {
    create
        .split_once(" AS ")
        .is_some_and(|(head, _)| head.ends_with(&format!("VIEW `{name}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_follow_the_views_they_name() {
        let views = vec![
            (
                "a".into(),
                "CREATE VIEW `a` AS select `b`.`x` AS `x` from `b`".into(),
            ),
            (
                "b".into(),
                "CREATE VIEW `b` AS select `t`.`x` AS `x` from `t`".into(),
            ),
        ];
        let ordered = order_views(views);
        assert!(ordered[0].contains("VIEW `b`"));
        assert!(ordered[1].contains("VIEW `a`"));
    }
}
