//! Applying migration files to one database (docs/migrations.md): per-file transactions, pre-migration
//! checks, revisions rows, errors that name the file, the statement and its line.

use std::time::{Duration, Instant};

use dbassay_dsl::Dialect;
use dbassay_dsl::migrate::{Check, MigrationFile, TxMode};
use dbassay_dsl::scan::Statement;

use super::Migrations;
use super::revisions::{Revisions, Row};
use crate::engine::{DbError, Outcome, Session};
use crate::run::plan::display_path;

/// What happens while applying, for the CLI's Atlas-like output.
pub enum Event<'a> {
    /// A file starts.
    File(&'a MigrationFile),
    /// A statement is about to run.
    Statement(&'a str),
    /// The file is applied.
    Done(&'a MigrationFile, Duration),
}

/// Applies files `from..to` (indices into the directory) in order; stops at the first failure.
pub fn apply(
    session: &mut dyn Session,
    migrations: &Migrations,
    from: usize,
    to: usize,
    observe: &mut dyn FnMut(Event<'_>),
) -> Result<(), String> {
    apply_range(session, migrations, from, to, observe, false, true)
}

/// [`apply`] for a case's `migrate` blocks. When files `0..from` were applied by assay already
/// the revisions table exists and is not made again. Inside a case's rolled-back transaction
/// the files are applied as [`build`] applies them (a failing file is rolled back to its
/// savepoint and applied again the plain way, which reports the error as usual).
pub fn apply_more(
    session: &mut dyn Session,
    migrations: &Migrations,
    from: usize,
    to: usize,
) -> Result<(), String> {
    let pipelined = session.in_case_transaction();
    apply_range(
        session,
        migrations,
        from,
        to,
        &mut |_| {},
        pipelined,
        from == 0,
    )
}

/// [`apply`] for building a state (the cache of migrated states, a worker database moving
/// forward): on an engine that pipelines, the statements of a file that runs in a transaction
/// of its own go out at once. A failing file is rolled back and applied again the plain way,
/// which reports the error exactly as [`apply`] does. Files `0..from` must have been applied by
/// assay already.
pub fn build(
    session: &mut dyn Session,
    migrations: &Migrations,
    from: usize,
    to: usize,
) -> Result<(), String> {
    apply_range(session, migrations, from, to, &mut |_| {}, true, from == 0)
}

fn apply_range(
    session: &mut dyn Session,
    migrations: &Migrations,
    from: usize,
    to: usize,
    observe: &mut dyn FnMut(Event<'_>),
    pipelined: bool,
    ensure: bool,
) -> Result<(), String> {
    let dir = migrations.dir()?;
    let dialect = session.dialect();
    let revisions = Revisions::new(dialect, migrations.revisions_schema.as_deref());
    if ensure {
        revisions.ensure(session).map_err(|e| {
            format!(
                "cannot create the revisions table {}: {e}",
                revisions.table()
            )
        })?;
    }
    for i in from..to.min(dir.files.len()) {
        if pipelined && apply_pipelined(session, migrations, &revisions, i) {
            continue;
        }
        apply_file(session, migrations, &revisions, i, 0, observe)?;
    }
    Ok(())
}

/// Applies file `index` in one pipelined transaction when the engine pipelines and the file
/// allows it (a transaction of its own, no checks). Returns whether it was applied; on `false`
/// nothing of it is (a failure rolled back).
fn apply_pipelined(
    session: &mut dyn Session,
    migrations: &Migrations,
    revisions: &Revisions,
    index: usize,
) -> bool {
    let Ok(dir) = migrations.dir() else {
        return false;
    };
    let file = &dir.files[index];
    let dialect = session.dialect();
    let (Ok(statements), Ok(checks)) = (file.statements(dialect), file.checks(dialect)) else {
        return false;
    };
    if !session.pipelines()
        || statements.iter().any(|s| controls_transactions(&s.text))
        || file.txmode != TxMode::File
        || !checks.is_empty()
        || needs_autocommit(dir.format, dialect, &statements)
    {
        return false;
    }
    let (begin, commit, rollback) = file_transaction(session);
    let start = Instant::now();
    let mut batch = vec![begin.to_string()];
    batch.extend(statements.iter().map(|s| s.text.clone()));
    let row = |execution_ns| Row {
        version: &file.version,
        description: &file.description,
        applied: statements.len(),
        total: statements.len(),
        execution_ns,
        error: None,
        error_stmt: None,
        hash: migrations.file_hash(index),
    };
    let applied = session.run_all(&batch).is_ok() && {
        let [delete, insert] = revisions.write_statements(&row(start.elapsed().as_nanos()));
        session.run_all(&[delete, insert, commit.into()]).is_ok()
    };
    if !applied {
        let _ = session.run(rollback);
    }
    applied
}

/// Whether a statement may end or open a transaction (then a file's later statements would not
/// be held back by its failure).
fn controls_transactions(statement: &str) -> bool {
    let word: String = dbassay_dsl::scan::skip_comments(statement)
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        word.as_str(),
        "BEGIN"
            | "START"
            | "COMMIT"
            | "END"
            | "ROLLBACK"
            | "ABORT"
            | "SAVEPOINT"
            | "RELEASE"
            | "PREPARE"
            | "CALL"
            | "DO"
            | ""
    )
}

/// How a file's transaction begins, commits and rolls back: inside a case's rolled-back
/// transaction it is a savepoint.
fn file_transaction(session: &dyn Session) -> (&'static str, &'static str, &'static str) {
    if session.in_case_transaction() {
        (
            "SAVEPOINT assay_migration",
            "RELEASE SAVEPOINT assay_migration",
            "ROLLBACK TO SAVEPOINT assay_migration",
        )
    } else {
        ("BEGIN", "COMMIT", "ROLLBACK")
    }
}

/// The files still to apply to a database, from its revisions table: indices `next..last`, the
/// first resuming at statement `resume` (a `txmode none` file that failed part way).
pub struct Pending {
    pub next: usize,
    pub last: usize,
    pub resume: usize,
}

/// Reads the revisions table (creating it if missing) and works out what is pending, up to and
/// including version `to` and at most `amount` files.
pub fn pending(
    session: &mut dyn Session,
    migrations: &Migrations,
    revisions: &Revisions,
    to: Option<&str>,
    amount: Option<usize>,
) -> Result<Pending, String> {
    let dir = migrations.dir()?;
    revisions.ensure(session).map_err(|e| {
        format!(
            "cannot create the revisions table {}: {e}",
            revisions.table()
        )
    })?;
    let recorded = revisions.read(session).map_err(|e| e.to_string())?;
    // The pending files: after the last file recorded as complete; a partly applied file resumes.
    let done = |v: &str| {
        recorded
            .iter()
            .any(|r| r.version == v && r.applied == r.total)
    };
    let next = dir
        .files
        .iter()
        .rposition(|f| done(&f.version))
        .map_or(0, |i| i + 1);
    let resume = (dir.files.get(next))
        .and_then(|f| recorded.iter().find(|r| r.version == f.version))
        .map_or(0, |r| r.applied);
    let mut last = dir.files.len();
    if let Some(v) = to {
        last = last.min(dir.position(v).map_err(|e| e.to_string())? + 1);
    }
    if let Some(n) = amount {
        last = last.min(next + n);
    }
    Ok(Pending { next, last, resume })
}

/// Applies one file, starting at statement `resume` (a `txmode none` file that failed before).
pub fn apply_file(
    session: &mut dyn Session,
    migrations: &Migrations,
    revisions: &Revisions,
    index: usize,
    resume: usize,
    observe: &mut dyn FnMut(Event<'_>),
) -> Result<(), String> {
    let dir = migrations.dir()?;
    let file = &dir.files[index];
    let dialect = session.dialect();
    let path = display_path(&file.path);
    let statements = file.statements(dialect).map_err(|e| e.to_string())?;
    let checks = file.checks(dialect).map_err(|e| e.to_string())?;
    let in_tx = file.txmode == TxMode::File && !needs_autocommit(dir.format, dialect, &statements);
    let (begin_tx, commit_tx, rollback_tx) = file_transaction(session);
    let hash = migrations.file_hash(index);
    observe(Event::File(file));
    let start = Instant::now();
    let record = |s: &mut dyn Session, applied: usize, error: Option<&str>, stmt: Option<&str>| {
        let row = Row {
            version: &file.version,
            description: &file.description,
            applied,
            total: statements.len(),
            execution_ns: start.elapsed().as_nanos(),
            error,
            error_stmt: stmt,
            hash,
        };
        revisions.write(s, &row)
    };
    let begin = |s: &mut dyn Session| -> Result<(), String> {
        if in_tx {
            s.run(begin_tx)
                .map_err(|e| format!("{path}: cannot start a transaction: {e}"))?;
        }
        Ok(())
    };
    // Records a failure after rolling back what the file's transaction did.
    let fail = |s: &mut dyn Session, applied: usize, error: &str, stmt: Option<&str>| {
        if in_tx {
            let _ = s.run(rollback_tx);
        }
        let _ = record(s, applied, Some(error), stmt);
    };

    begin(session)?;
    if let Err(message) = run_checks(session, &checks, &path) {
        fail(session, 0, &message, None);
        return Err(message);
    }
    for (k, stmt) in statements.iter().enumerate().skip(resume) {
        observe(Event::Statement(&stmt.text));
        if let Err(error) = session.run(&stmt.text) {
            let line = error_line(stmt, &error);
            let message = format!(
                "{path}:{line}: executing statement {:?} from version {:?}: {error}",
                abbreviate(&stmt.text),
                file.version
            );
            fail(
                session,
                if in_tx { resume } else { k },
                &error.to_string(),
                Some(&stmt.text),
            );
            return Err(message);
        }
    }
    let done = record(session, statements.len(), None, None);
    if let Err(e) = done {
        fail(session, resume, &e.to_string(), None);
        return Err(format!(
            "{path}: cannot write its row in {}: {e}",
            revisions.table()
        ));
    }
    if in_tx {
        session
            .run(commit_tx)
            .map_err(|e| format!("{path}: commit failed: {e}"))?;
    }
    observe(Event::Done(file, start.elapsed()));
    Ok(())
}

/// Statements PostgreSQL refuses inside a transaction block. Flyway runs such files outside a
/// transaction on its own (marquez's `CREATE INDEX CONCURRENTLY`); Atlas files say so with
/// `-- atlas:txmode none`, and Atlas does not guess, so neither do we for them.
fn needs_autocommit(
    format: dbassay_dsl::migrate::Format,
    dialect: Dialect,
    statements: &[Statement],
) -> bool {
    use dbassay_dsl::migrate::Format;
    if dialect != Dialect::Postgres || format == Format::Atlas {
        return false;
    }
    statements.iter().any(|s| {
        let upper = s.text.to_ascii_uppercase();
        let words: Vec<&str> = upper.split_whitespace().take(4).collect();
        upper.contains(" CONCURRENTLY ")
            || words.first() == Some(&"VACUUM")
            || words.starts_with(&["CREATE", "DATABASE"])
            || words.starts_with(&["DROP", "DATABASE"])
    })
}

/// Runs the `-- atlas:txtar` checks: every statement of a check must return true (at least one,
/// with `-- atlas:assert oneof`).
fn run_checks(session: &mut dyn Session, checks: &[Check], path: &str) -> Result<(), String> {
    for check in checks {
        let mut failed = Vec::new();
        for stmt in &check.statements {
            let outcome = session.run(&stmt.text).map_err(|e| {
                format!(
                    "{path}:{}: check {} failed: executing {:?}: {e}",
                    error_line(stmt, &e),
                    check.name,
                    stmt.text
                )
            })?;
            if !is_true(&outcome) {
                failed.push(stmt);
            }
        }
        let all_failed = failed.len() == check.statements.len();
        if (check.oneof && all_failed && !failed.is_empty()) || (!check.oneof && !failed.is_empty())
        {
            let first = failed[0];
            return Err(format!(
                "{path}:{}: {} of {} assertions failed: check assertion {:?} returned false",
                first.line,
                failed.len(),
                check.statements.len(),
                first.text
            ));
        }
    }
    Ok(())
}

/// One row, one column, a true value (`t`, `true`, `1`).
fn is_true(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Rows(grid) => match grid.rows.as_slice() {
            [row] if row.len() == 1 => row[0]
                .as_deref()
                .is_some_and(|v| ["1", "t", "true"].iter().any(|t| v.eq_ignore_ascii_case(t))),
            _ => false,
        },
        Outcome::Done { .. } => false,
    }
}

/// The file line of an error: the statement's line, moved down to the server's position.
fn error_line(stmt: &Statement, error: &DbError) -> usize {
    match error.position {
        Some(p) => {
            let before: String = stmt.text.chars().take(p.saturating_sub(1)).collect();
            stmt.line + before.matches('\n').count()
        }
        None => stmt.line,
    }
}

/// A statement for one line of an error message.
fn abbreviate(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 120 {
        format!("{}…", one_line.chars().take(119).collect::<String>())
    } else {
        one_line
    }
}
