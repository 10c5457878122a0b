//! How each engine describes its own tables, for the script commands `exist` and `cmpshow`.
//!
//! Golden files hold this text, so it must be deterministic: every list is ordered by name.
//! - SQLite: the stored SQL of the table and of its indexes and triggers (`sqlite_schema`).
//! - MySQL/MariaDB: `SHOW CREATE TABLE`, with the table options after the last `)` cut except
//!   `AUTO_INCREMENT=` and `COMMENT=` (what Atlas's `cmpshow` keeps).
//! - PostgreSQL: a description built from the catalogs (columns, constraints, indexes,
//!   triggers), close to psql's `\d` but without its alignment, so it needs no psql binary.

use super::{DbError, Dialect, Outcome, Session};

/// Whether `table` exists as a table (not a view) in the session's current schema.
pub fn table_exists(session: &mut dyn Session, table: &str) -> Result<bool, DbError> {
    let name = literal(table)?;
    let sql = match session.dialect() {
        Dialect::Sqlite => {
            format!("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = {name}")
        }
        Dialect::Postgres => format!(
            "SELECT count(*) FROM pg_class WHERE oid = to_regclass({name}) AND relkind IN ('r', 'p')"
        ),
        Dialect::Mysql => format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = database() AND table_name = {name} AND table_type = 'BASE TABLE'"
        ),
    };
    Ok(column(session, &sql)?.first().is_some_and(|n| n != "0"))
}

/// The names of the tables (not views) in the session's current schema, ordered by name.
pub fn tables(session: &mut dyn Session) -> Result<Vec<String>, DbError> {
    let sql = match session.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
        }
        Dialect::Mysql => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = database() \
             AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    column(session, sql)
}

/// The engine's own definition of `table` (see the module doc). A table that does not exist is
/// an error naming it.
pub fn show_table(session: &mut dyn Session, table: &str) -> Result<String, DbError> {
    if !table_exists(session, table)? {
        return Err(DbError::new(format!("table {table:?} does not exist")));
    }
    match session.dialect() {
        Dialect::Sqlite => sqlite(session, table),
        Dialect::Mysql => mysql(session, table),
        Dialect::Postgres => postgres(session, table),
    }
}

fn sqlite(session: &mut dyn Session, table: &str) -> Result<String, DbError> {
    let sql = format!(
        "SELECT sql FROM sqlite_schema WHERE tbl_name = {} AND sql IS NOT NULL \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name",
        literal(table)?
    );
    Ok(column(session, &sql)?.join("\n"))
}

fn mysql(session: &mut dyn Session, table: &str) -> Result<String, DbError> {
    let quoted = Dialect::Mysql.quote_ident(table);
    let text = match session.run(&format!("SHOW CREATE TABLE {quoted}"))? {
        Outcome::Rows(grid) => grid
            .rows
            .first()
            .and_then(|r| r.get(1).cloned().flatten())
            .unwrap_or_default(),
        Outcome::Done { .. } => String::new(),
    };
    let Some(close) = text.rfind(')') else {
        return Ok(text);
    };
    let mut out = text[..=close].to_string();
    for option in text[close + 1..].split_whitespace() {
        if option.starts_with("AUTO_INCREMENT=") || option.starts_with("COMMENT=") {
            out.push(' ');
            out.push_str(option);
        }
    }
    Ok(out)
}

fn postgres(session: &mut dyn Session, table: &str) -> Result<String, DbError> {
    let rel = format!("to_regclass({})", literal(table)?);
    let mut out = vec![column(session, &format!("SELECT 'Table ' || {rel}::text"))?.concat()];
    out.extend(column(
        session,
        &format!(
            "SELECT '  ' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) \
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END \
             || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') \
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attrelid = {rel} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
        ),
    )?);
    let sections = [
        (
            "Constraints:",
            format!(
                "SELECT '  ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid, true) \
                 FROM pg_constraint WHERE conrelid = {rel} ORDER BY conname"
            ),
        ),
        (
            "Indexes:",
            format!(
                "SELECT '  ' || pg_get_indexdef(i.indexrelid) FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid \
                 WHERE i.indrelid = {rel} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) \
                 ORDER BY c.relname"
            ),
        ),
        (
            "Triggers:",
            format!(
                "SELECT '  ' || pg_get_triggerdef(oid, true) FROM pg_trigger \
                 WHERE tgrelid = {rel} AND NOT tgisinternal ORDER BY tgname"
            ),
        ),
    ];
    for (title, sql) in sections {
        let lines = column(session, &sql)?;
        if !lines.is_empty() {
            out.push(title.to_string());
            out.extend(lines);
        }
    }
    Ok(out.join("\n"))
}

/// The first column of every row of one query (NULL as "").
fn column(session: &mut dyn Session, sql: &str) -> Result<Vec<String>, DbError> {
    match session.run(sql)? {
        Outcome::Rows(grid) => Ok(grid
            .rows
            .into_iter()
            .map(|r| r.into_iter().next().flatten().unwrap_or_default())
            .collect()),
        Outcome::Done { .. } => Ok(Vec::new()),
    }
}

/// A table name as a SQL string literal. Backslashes are refused: MySQL reads them as escapes.
fn literal(name: &str) -> Result<String, DbError> {
    if name.is_empty() || name.contains(['\\', '\0']) {
        return Err(DbError::new(format!("{name:?} is not a table name")));
    }
    Ok(format!("'{}'", name.replace('\'', "''")))
}
