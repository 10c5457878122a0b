//! Running a case inside a transaction that is rolled back, on a database a worker keeps.
//!
//! A fresh copy per case costs a `CREATE DATABASE … TEMPLATE` and a drop on PostgreSQL. Engines
//! with transactional DDL offer a [`RollbackPlan`] instead: the case runs inside `BEGIN … ROLLBACK`
//! on a copy that is reused case after case, each statement inside a savepoint (so a failing
//! statement, as `catch` expects, does not abort the case), and the plan's `undo` restores what
//! a rollback does not (sequence values, session state). The results are the same as on a fresh
//! copy.
//!
//! Cases that could tell the difference get a fresh copy instead, decided before they run: SQL
//! that manages transactions itself or cannot run inside one (`BEGIN`, `COMMIT`, `SAVEPOINT`,
//! `CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`, `CALL`, `DO` …), SQL that reads the transaction's
//! clock or identity (`now()`, `current_timestamp`, `txid_current()` …), cases that let another
//! program or connection look at the database (`external`, `testing.dev_url`), and every case
//! when `--keep-failed` is on (a kept database must hold what the case did).

use std::sync::OnceLock;

use dbassay_dsl::hcl::{Case, CommandKind};
use regex::Regex;

use crate::engine::{DbError, Dialect, Outcome, RollbackPlan, Session};
use crate::provision::Database;

/// A database kept for running cases in rolled-back transactions, with its session and plan.
pub struct Worker {
    pub db: Box<dyn Database>,
    pub session: Box<dyn Session>,
    pub plan: RollbackPlan,
}

impl Worker {
    /// Runs `case` in a transaction on this worker and undoes it. Returns the case's result and
    /// whether the worker is still clean enough to be reused.
    pub fn run(
        &mut self,
        case: impl FnOnce(&dyn Database, &mut dyn Session) -> Result<(), String>,
    ) -> (Result<(), String>, bool) {
        for statement in &self.plan.begin {
            if let Err(e) = self.session.run(statement) {
                return (
                    Err(format!("cannot start the case's transaction: {e}")),
                    false,
                );
            }
        }
        let result = {
            let mut session = Savepoints {
                inner: self.session.as_mut(),
                plan: &self.plan,
            };
            case(self.db.as_ref(), &mut session)
        };
        let clean = self
            .plan
            .undo
            .iter()
            .all(|statement| self.session.run(statement).is_ok());
        (result, clean)
    }
}

/// Whether a case may run in a rolled-back transaction (see the module doc).
pub fn eligible(case: &Case, keep_failed: bool) -> bool {
    eligible_commands(case, keep_failed)
        && !case
            .commands
            .iter()
            .any(|c| matches!(c.kind, CommandKind::Migrate { .. }))
}

fn eligible_commands(case: &Case, keep_failed: bool) -> bool {
    if keep_failed || case.uses_dev_url {
        return false;
    }
    case.commands.iter().all(|command| match &command.kind {
        CommandKind::Exec(e) => safe(&e.sql.text),
        CommandKind::Assert(a) => safe(&a.sql.text),
        CommandKind::Catch(c) => safe(&c.sql.text),
        CommandKind::Cleanup { sql } => safe(&sql.text),
        CommandKind::Log { .. } | CommandKind::Migrate { .. } => true,
        CommandKind::External(_) => false,
    })
}

/// Whether SQL reads the clock: the state a case starts from must not, when its triggers,
/// defaults or functions would see one frozen transaction time instead of a time per statement.
pub fn reads_clock(sql: &str) -> bool {
    static CLOCK: OnceLock<Regex> = OnceLock::new();
    let re = CLOCK.get_or_init(|| {
        Regex::new(
            r"(?i)\b(now|current_timestamp|current_time|current_date|localtime|localtimestamp|transaction_timestamp|statement_timestamp|clock_timestamp)\b",
        )
        .expect("the pattern compiles")
    });
    re.is_match(sql)
}

fn safe(sql: &str) -> bool {
    static UNSAFE: OnceLock<Regex> = OnceLock::new();
    let re = UNSAFE.get_or_init(|| {
        Regex::new(
            r"(?i)\b(add\s+value|begin|start\s+transaction|commit|rollback|savepoint|release|end\s*;|abort|concurrently|vacuum|create\s+database|drop\s+database|alter\s+system|reindex|cluster|listen|notify|prepare\s+transaction|call|do|discard|lock|set\s+session|set\s+transaction|now|current_timestamp|current_time|localtime|localtimestamp|transaction_timestamp|statement_timestamp|clock_timestamp|txid_current|pg_current_xact_id|pg_backend_pid|pg_sleep)\b",
        )
        .expect("the pattern compiles")
    });
    !re.is_match(sql)
}

/// A session that puts every statement inside a savepoint of the case's transaction.
struct Savepoints<'a> {
    inner: &'a mut dyn Session,
    plan: &'a RollbackPlan,
}

impl Session for Savepoints<'_> {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        // Savepoint control from assay's own code (the migration applier) passes through: a
        // savepoint of ours around it would release or undo the caller's.
        if is_savepoint_control(statement) {
            return self.inner.run(statement);
        }
        self.inner.run(&self.plan.savepoint)?;
        match self.inner.run(statement) {
            Ok(outcome) => {
                self.inner.run(&self.plan.release)?;
                Ok(outcome)
            }
            Err(error) => {
                self.inner.run(&self.plan.rollback_to)?;
                Err(error)
            }
        }
    }

    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    fn in_case_transaction(&self) -> bool {
        true
    }
}

fn is_savepoint_control(statement: &str) -> bool {
    let upper = statement
        .trim_start()
        .get(..12)
        .unwrap_or(statement)
        .to_ascii_uppercase();
    ["SAVEPOINT ", "RELEASE ", "ROLLBACK TO "]
        .iter()
        .any(|p| upper.starts_with(p))
}

/// Whether a migrate case may run in a rolled-back transaction: the case itself qualifies, no
/// file of the state it is restored to reads the clock, and every file it applies for real
/// runs in a transaction of its own (`txmode file`) and holds nothing that manages
/// transactions, reads the clock or cannot run inside a transaction.
pub fn eligible_migration(
    case: &Case,
    keep_failed: bool,
    restored: &[dbassay_dsl::migrate::MigrationFile],
    files: &[dbassay_dsl::migrate::MigrationFile],
    dialect: Dialect,
) -> bool {
    eligible_commands(case, keep_failed)
        && !restored.iter().any(|f| reads_clock(&f.text))
        && files.iter().all(|f| {
            f.txmode == dbassay_dsl::migrate::TxMode::File
                && f.statements(dialect)
                    .is_ok_and(|stmts| stmts.iter().all(|s| safe(&s.text)))
                && f.checks(dialect).is_ok_and(|checks| {
                    checks
                        .iter()
                        .all(|c| c.statements.iter().all(|s| safe(&s.text)))
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_control_and_clocks_are_unsafe() {
        assert!(safe("INSERT INTO t VALUES (1); SELECT count(*) FROM t"));
        assert!(safe("UPDATE begins SET ended = true")); // words, not keywords
        assert!(!safe("BEGIN; INSERT INTO t VALUES (1); COMMIT;"));
        assert!(!safe("CREATE INDEX CONCURRENTLY i ON t (a)"));
        assert!(!safe("SELECT now()"));
        assert!(!safe("ALTER TYPE mood ADD VALUE 'meh'"));
        assert!(reads_clock("CREATE TABLE t (at timestamptz DEFAULT now())"));
        assert!(!reads_clock("CREATE TABLE t (nowhere int)"));
        assert!(!safe("call p()"));
        assert!(!safe(
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$"
        ));
    }
}
