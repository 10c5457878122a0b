//! Bind parameters (`args = [...]` of Data Scripts and `data "sql"`): values bound to the
//! engine's own placeholders, `$1`, `$2` on PostgreSQL, `?` on MySQL/MariaDB and SQLite (which
//! also reads `?NNN` and `$1`). The SQL is never rewritten, as in Atlas.
//!
//! SQLite binds natively. PostgreSQL and MySQL/MariaDB prepare the statement on the server
//! (`PREPARE … / EXECUTE …`) with the values written as literals, so results come back over the
//! text protocol and read exactly as those of any other statement (docs/values.md).

use std::sync::atomic::{AtomicU64, Ordering};

use super::{DbError, Dialect, Outcome, Session};

/// One bound value: a scalar.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// The server-side way (PostgreSQL, MySQL/MariaDB), through the session's own `run`.
pub(super) fn run_prepared<S: Session + ?Sized>(
    session: &mut S,
    statement: &str,
    args: &[Arg],
) -> Result<Outcome, DbError> {
    match session.dialect() {
        Dialect::Postgres => postgres(session, statement, args),
        Dialect::Mysql => mysql(session, statement, args),
        Dialect::Sqlite => Err(DbError::new(
            "this session cannot bind parameters (an SQLite session binds them itself)",
        )),
    }
}

fn postgres<S: Session + ?Sized>(
    session: &mut S,
    statement: &str,
    args: &[Arg],
) -> Result<Outcome, DbError> {
    let name = format!("assay_args_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let prefix = format!("PREPARE {name} AS ");
    session
        .run(&format!("{prefix}{statement}"))
        .map_err(|mut e| {
            // The position is the statement's, not the PREPARE's.
            e.position = e.position.map(|p| p.saturating_sub(prefix.chars().count()));
            e
        })?;
    let result = (|| {
        if let Outcome::Rows(grid) = session.run(&format!(
            "SELECT cardinality(parameter_types) FROM pg_catalog.pg_prepared_statements WHERE name = '{name}'"
        ))? && let Some(Some(n)) = grid.rows.first().and_then(|r| r.first())
            && n.parse::<usize>().ok() != Some(args.len())
        {
            return Err(count_error(args.len(), n));
        }
        let values: Vec<String> = args
            .iter()
            .map(|a| match a {
                Arg::Null => "NULL".to_string(),
                Arg::Bool(b) => format!("'{b}'"),
                Arg::Int(i) => format!("'{i}'"),
                Arg::Float(f) => format!("'{f:?}'"),
                Arg::Text(t) => format!("E'{}'", t.replace('\\', "\\\\").replace('\'', "''")),
            })
            .collect();
        if values.is_empty() {
            session.run(&format!("EXECUTE {name}"))
        } else {
            session.run(&format!("EXECUTE {name}({})", values.join(", ")))
        }
    })();
    // In a transaction the failure aborted, this fails too; the session's reset discards it.
    let _ = session.run(&format!("DEALLOCATE {name}"));
    result
}

fn mysql<S: Session + ?Sized>(
    session: &mut S,
    statement: &str,
    args: &[Arg],
) -> Result<Outcome, DbError> {
    let literal = |a: &Arg| match a {
        Arg::Null => "NULL".to_string(),
        Arg::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Arg::Int(i) => i.to_string(),
        Arg::Float(f) => format!("{f:?}"),
        // Hex with a character-set introducer: no escaping rules (sql_mode) to get wrong.
        Arg::Text(t) => text_literal(t),
    };
    session.run(&format!("SET @assay_stmt = {}", text_literal(statement)))?;
    session.run("PREPARE assay_args FROM @assay_stmt")?;
    let result = (|| {
        if args.is_empty() {
            return session.run("EXECUTE assay_args");
        }
        let sets: Vec<String> = args
            .iter()
            .enumerate()
            .map(|(i, a)| format!("@assay_arg{} = {}", i + 1, literal(a)))
            .collect();
        session.run(&format!("SET {}", sets.join(", ")))?;
        let names: Vec<String> = (1..=args.len()).map(|i| format!("@assay_arg{i}")).collect();
        session
            .run(&format!("EXECUTE assay_args USING {}", names.join(", ")))
            .map_err(|mut e| {
                if e.number == Some(ER_WRONG_ARGUMENTS) {
                    e.message = format!(
                        "args: {} given, which is not the number of placeholders (?) in the statement ({})",
                        plural(args.len()),
                        e.message
                    );
                }
                e
            })
    })();
    let _ = session.run("DEALLOCATE PREPARE assay_args");
    result
}

/// MySQL/MariaDB's "Incorrect arguments to EXECUTE": the values do not match the placeholders.
const ER_WRONG_ARGUMENTS: u16 = 1210;

fn text_literal(text: &str) -> String {
    if text.is_empty() {
        return "''".to_string();
    }
    let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
    format!("_utf8mb4 X'{hex}'")
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 value".to_string()
    } else {
        format!("{n} values")
    }
}

/// The error for `args` of the wrong count.
pub(super) fn count_error(given: usize, wanted: impl std::fmt::Display) -> DbError {
    DbError::new(format!(
        "args: {} given, but the statement has {wanted} placeholder(s)",
        plural(given)
    ))
}
