//! Running SQL text from a test file statement by statement, so one failing statement is
//! reported as that statement, with its place in the file.

use std::fmt::Write as _;

use dbassay_dsl::hcl::Sql;
use dbassay_dsl::scan;

use crate::engine::{Arg, DbError, Outcome, Session, TextGrid};

/// Why SQL text failed: it did not split, or a statement failed.
#[derive(Debug)]
pub enum SqlFailure {
    Scan(String),
    Statement {
        statement: String,
        error: Box<DbError>,
        at: String,
    },
}

impl SqlFailure {
    /// The error text `catch { error }` matches against.
    pub fn error_text(&self) -> String {
        match self {
            SqlFailure::Scan(m) => m.clone(),
            SqlFailure::Statement { error, .. } => error.to_string(),
        }
    }

    /// A report for a failure nobody expected.
    pub fn describe(&self) -> String {
        match self {
            SqlFailure::Scan(m) => format!("cannot split the SQL into statements: {m}"),
            SqlFailure::Statement {
                statement,
                error,
                at,
            } => {
                let mut s = String::new();
                let _ = writeln!(s, "statement failed at {at}:");
                for line in statement.lines() {
                    let _ = writeln!(s, "    {line}");
                }
                let _ = write!(s, "  error: {}", error.to_string().replace('\n', "\n  "));
                s
            }
        }
    }
}

/// Splits `sql` for the session's dialect and runs every statement, calling `each` with the
/// outcome of each one. Stops at the first failing statement.
pub fn run_each(
    session: &mut dyn Session,
    sql: &Sql,
    each: impl FnMut(Outcome),
) -> Result<(), SqlFailure> {
    run_each_bound(session, sql, &[], each)
}

/// [`run_each`] with bind parameters: with `args`, the SQL is one statement, sent whole with
/// its values bound (Atlas binds `args` to a single statement, and so does every driver).
pub fn run_each_bound(
    session: &mut dyn Session,
    sql: &Sql,
    args: &[Arg],
    mut each: impl FnMut(Outcome),
) -> Result<(), SqlFailure> {
    if !args.is_empty() {
        let lead = sql.text.len() - sql.text.trim_start().len();
        let text = sql.text.trim().trim_end_matches(';').trim_end().to_string();
        return match session.run_bound(&text, args) {
            Ok(outcome) => {
                each(outcome);
                Ok(())
            }
            Err(error) => {
                let (offset, (line, col)) = match error.position {
                    Some(p) => {
                        let offset = lead + byte_index(&text, p);
                        (offset, line_col(&sql.text, offset))
                    }
                    None => (lead, (line_col(&sql.text, lead).0, None)),
                };
                Err(SqlFailure::Statement {
                    statement: text,
                    error: Box::new(error),
                    at: place(sql, offset, line, col),
                })
            }
        };
    }
    // SQL the scanner cannot split (an unclosed quote or parenthesis) goes to the engine whole:
    // the database's own error ("incomplete input") is what `catch` blocks are written against.
    let statements = match scan::split(&sql.text, session.dialect()) {
        Ok(statements) => statements,
        Err(_) => vec![scan::Statement {
            text: sql.text.trim().to_string(),
            offset: sql.text.len() - sql.text.trim_start().len(),
            line: 1 + sql.text[..sql.text.len() - sql.text.trim_start().len()]
                .matches('\n')
                .count(),
            comments: Vec::new(),
        }],
    };
    for stmt in statements {
        match session.run(&stmt.text) {
            Ok(outcome) => each(outcome),
            Err(error) => {
                let (offset, (line, col)) = match error.position {
                    Some(p) => {
                        let offset = stmt.offset + byte_index(&stmt.text, p);
                        (offset, line_col(&sql.text, offset))
                    }
                    None => (stmt.offset, (stmt.line, None)),
                };
                return Err(SqlFailure::Statement {
                    statement: stmt.text,
                    error: Box::new(error),
                    at: place(sql, offset, line, col),
                });
            }
        }
    }
    Ok(())
}

/// Runs `sql` and returns the rows of the last statement that returned rows (an empty grid when
/// none did).
pub fn run_all(session: &mut dyn Session, sql: &Sql) -> Result<TextGrid, SqlFailure> {
    run_all_bound(session, sql, &[])
}

/// [`run_all`] with bind parameters (see [`run_each_bound`]).
pub fn run_all_bound(
    session: &mut dyn Session,
    sql: &Sql,
    args: &[Arg],
) -> Result<TextGrid, SqlFailure> {
    let mut last = None;
    run_each_bound(session, sql, args, |o| {
        if let Outcome::Rows(g) = o {
            last = Some(g);
        }
    })?;
    Ok(last.unwrap_or_default())
}

/// The byte index of a 1-based character position (as servers report error positions).
fn byte_index(text: &str, position: usize) -> usize {
    text.char_indices()
        .nth(position.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

/// The 1-based line and column (in characters) of a byte offset in `text`.
fn line_col(text: &str, offset: usize) -> (usize, Option<usize>) {
    let before = text.get(..offset).unwrap_or(text);
    let line = 1 + before.matches('\n').count();
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, Some(col))
}

/// `file:line[:col]` of a line of SQL text in the test file, when the text maps back to the
/// file exactly; otherwise the start of the SQL and the line within it. For DDL rendered from
/// an HCL schema, the schema block the statement was written for comes first.
fn place(sql: &Sql, offset: usize, line: usize, col: Option<usize>) -> String {
    let start = &sql.start;
    let origin = sql.origins.partition_point(|o| o.offset <= offset);
    if let Some(o) = origin.checked_sub(1).map(|i| &sql.origins[i]) {
        let at = match col {
            Some(c) => format!("{line}:{c}"),
            None => line.to_string(),
        };
        return format!(
            "{} ({}), at {at} of {}",
            o.location,
            o.what,
            start.path.display()
        );
    }
    if sql.exact {
        let file_line = start.line + line - 1;
        let file_col = match col {
            Some(c) if line == 1 => Some(start.col + c - 1),
            other => other,
        };
        match file_col {
            Some(c) => format!("{}:{file_line}:{c}", start.path.display()),
            None => format!("{}:{file_line}", start.path.display()),
        }
    } else {
        format!("{start} (line {line} of the SQL)")
    }
}
