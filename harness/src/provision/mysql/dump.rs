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
pub(super) struct Table {
    pub name: String,
    pub create: String,
    /// Columns that hold stored values (not generated); empty for sequences.
    pub columns: Vec<String>,
    pub sequence: bool,
}

/// A `CREATE` statement for an object whose body depends on `sql_mode`.
#[derive(Clone, Debug)]
pub(super) struct Object {
    /// The table a trigger belongs to (`None` for other objects).
    pub table: Option<String>,
    pub sql_mode: String,
    pub create: String,
}

/// How to copy one database (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Recipe {
    pub(super) tables: Vec<Table>,
    pub(super) routines: Vec<Object>,
    pub(super) views: Vec<String>,
    pub(super) triggers: Vec<Object>,
    pub(super) events: Vec<Object>,
}

pub(super) type Res<T> = std::result::Result<T, DbError>;

pub(super) fn err(e: mysql_async::Error) -> DbError {
    to_db_error(&e)
}

impl Recipe {
    /// Reads the recipe of database `db`. Leaves `db` the connection's current database.
    pub async fn capture(conn: &mut Conn, db: &str) -> Res<Recipe> {
        // With `db` as the current database, SHOW CREATE VIEW leaves names in it unqualified,
        // so the statement recreates the view in the copy, over the copy's tables.
        conn.query_drop(format!("USE {}", quote_ident(db)))
            .await
            .map_err(err)?;
        let objects = list_objects(conn, db).await?;
        let mut columns = stored_columns(conn, db, None).await?;
        let mut recipe = Recipe::default();
        let mut views = Vec::new();
        for (name, kind) in objects {
            if kind == "VIEW" {
                views.push(name);
                continue;
            }
            let cols = columns.remove(&name).unwrap_or_default();
            recipe
                .tables
                .push(capture_table(conn, name, &kind, cols).await?);
        }
        recipe.views = capture_views(conn, views).await?;
        recipe.routines = capture_routines(conn, db).await?;
        recipe.triggers = capture_triggers(conn, db).await?;
        recipe.events = capture_events(conn, db).await?;
        Ok(recipe)
    }

    /// One multi-statement batch that fills the (existing, empty) database `target` from
    /// `source`, which holds the state the recipe was captured from. Leaves the session's
    /// `sql_mode` and foreign key checks as it found them.
    pub fn script(&self, source: &str, target: &str) -> String {
        let dst = quote_ident(target);
        let mut sql = format!(
            "USE {dst}; SET @assay_mode = @@SESSION.sql_mode, @assay_fk = @@SESSION.foreign_key_checks, \
             SESSION foreign_key_checks = 0;\n"
        );
        for t in &self.tables {
            sql.push_str(&t.create);
            sql.push_str(";\n");
            sql.push_str(&t.copy_rows(source, target));
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

impl Table {
    /// `INSERT … SELECT` of this table's rows from database `from` into `to` (empty when the
    /// table has no stored columns), before any trigger exists, so none fires.
    pub(super) fn copy_rows(&self, from: &str, to: &str) -> String {
        let (src, dst, name) = (quote_ident(from), quote_ident(to), quote_ident(&self.name));
        if self.sequence {
            // A sequence table holds one row: its state.
            return format!("INSERT INTO {dst}.{name} SELECT * FROM {src}.{name};\n");
        }
        if self.columns.is_empty() {
            return String::new();
        }
        let cols = self
            .columns
            .iter()
            .map(|c| quote_ident(c))
            .collect::<Vec<_>>()
            .join(", ");
        format!("INSERT INTO {dst}.{name} ({cols}) SELECT {cols} FROM {src}.{name};\n")
    }
}

/// The tables, sequences and views of `db`, by name: `(name, table_type)`.
pub(super) async fn list_objects(conn: &mut Conn, db: &str) -> Res<Vec<(String, String)>> {
    conn.exec(
        "SELECT table_name, table_type FROM information_schema.tables \
         WHERE table_schema = ? ORDER BY table_name",
        (db,),
    )
    .await
    .map_err(err)
}

/// The stored (not generated) columns of the tables of `db` (all, or those in `only`), in
/// order; invisible ones included. MySQL's `DEFAULT_GENERATED` columns are ordinary columns with
/// an expression default.
pub(super) async fn stored_columns(
    conn: &mut Conn,
    db: &str,
    only: Option<&[&str]>,
) -> Res<std::collections::HashMap<String, Vec<String>>> {
    let filter = match only {
        Some([]) => return Ok(Default::default()),
        Some(names) => format!(
            "AND table_name IN ({})",
            names
                .iter()
                .map(|n| quote_str(n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    // The text protocol: every value arrives as text.
    let rows: Vec<(String, String)> = conn
        .query(format!(
            "SELECT table_name, column_name FROM information_schema.columns \
             WHERE table_schema = {} {filter} \
               AND extra NOT LIKE '%VIRTUAL GENERATED%' \
               AND extra NOT LIKE '%STORED GENERATED%' \
             ORDER BY table_name, ordinal_position",
            quote_str(db)
        ))
        .await
        .map_err(err)?;
    let mut columns: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (table, column) in rows {
        columns.entry(table).or_default().push(column);
    }
    Ok(columns)
}

/// One table or sequence of the connection's current database, given its stored columns.
pub(super) async fn capture_table(
    conn: &mut Conn,
    name: String,
    kind: &str,
    columns: Vec<String>,
) -> Res<Table> {
    let row: Option<Row> = conn
        .query_first(format!("SHOW CREATE TABLE {}", quote_ident(&name)))
        .await
        .map_err(err)?;
    let create = column(row, 1)?;
    let sequence = kind == "SEQUENCE";
    Ok(Table {
        name,
        create,
        columns: if sequence { Vec::new() } else { columns },
        sequence,
    })
}

/// The `CREATE VIEW` statements of the named views of the current database, in an order that
/// creates each after the views it names.
pub(super) async fn capture_views(conn: &mut Conn, names: Vec<String>) -> Res<Vec<String>> {
    let mut views = Vec::new();
    for name in names {
        let row: Option<Row> = conn
            .query_first(format!("SHOW CREATE VIEW {}", quote_ident(&name)))
            .await
            .map_err(err)?;
        views.push((name, column(row, 1)?));
    }
    Ok(order_views(views))
}

pub(super) async fn capture_routines(conn: &mut Conn, db: &str) -> Res<Vec<Object>> {
    let list = "SELECT routine_type, routine_name, NULL FROM information_schema.routines \
                WHERE routine_schema = ? ORDER BY routine_type, routine_name";
    show_objects(conn, db, list, 2).await
}

/// Triggers, per table in their action order.
pub(super) async fn capture_triggers(conn: &mut Conn, db: &str) -> Res<Vec<Object>> {
    let list = "SELECT 'TRIGGER', trigger_name, event_object_table FROM information_schema.triggers \
                WHERE trigger_schema = ? ORDER BY event_object_table, action_order";
    show_objects(conn, db, list, 2).await
}

pub(super) async fn capture_events(conn: &mut Conn, db: &str) -> Res<Vec<Object>> {
    let list = "SELECT 'EVENT', event_name, NULL FROM information_schema.events \
                WHERE event_schema = ? ORDER BY event_name";
    show_objects(conn, db, list, 3).await
}

/// `SHOW CREATE <kind> db.name` for each `(kind, name, table)` that `list` gives for `db`.
async fn show_objects(conn: &mut Conn, db: &str, list: &str, create_at: usize) -> Res<Vec<Object>> {
    let named: Vec<(String, String, Option<String>)> = conn.exec(list, (db,)).await.map_err(err)?;
    let mut objects = Vec::new();
    for (kind, name, table) in named {
        let sql = format!(
            "SHOW CREATE {kind} {}.{}",
            quote_ident(db),
            quote_ident(&name)
        );
        objects.push(show_object(conn, &sql, create_at, table).await?);
    }
    Ok(objects)
}

pub(super) fn push_object(sql: &mut String, o: &Object) {
    sql.push_str(&format!(
        "SET SESSION sql_mode = {};\n",
        quote_str(&o.sql_mode)
    ));
    sql.push_str(&o.create);
    sql.push_str(";\n");
}

/// Reads a `SHOW CREATE` row: `sql_mode` is column 1, the statement column `create_at`.
async fn show_object(
    conn: &mut Conn,
    sql: &str,
    create_at: usize,
    table: Option<String>,
) -> Res<Object> {
    let row: Option<Row> = conn.query_first(sql).await.map_err(err)?;
    let Some(row) = row else {
        return Err(DbError::new(format!("`{sql}` returned nothing")));
    };
    let sql_mode = text_at(&row, 1)?;
    let create = text_at(&row, create_at)?;
    Ok(Object {
        table,
        sql_mode,
        create,
    })
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
