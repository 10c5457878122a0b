//! How an engine lets one database serve case after case, and what a case must not do for that
//! to give the results a fresh copy would (the mechanics are in `supply::worker`).
//!
//! - [`Reuse::Rollback`] (PostgreSQL, transactional DDL): the case runs inside a transaction
//!   that is rolled back. Cases that manage transactions, cannot run inside one, or read the
//!   transaction's clock or identity could tell the difference.
//! - [`Reuse::Restore`] (MySQL, MariaDB: DDL commits implicitly): the case runs exactly as on a
//!   copy, and afterwards whatever it changed is put back from a baseline (see
//!   `provision::mysql::restore`). Cases that reach outside their database could not be put
//!   back: `USE`, other databases, accounts, server settings.
//!
//! SQLite has neither: its copies are cheap enough. A server says which one it offers
//! (`provision::Server::reuse`), once; everything that reuses databases asks it.

use std::sync::OnceLock;

use regex::Regex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reuse {
    Rollback,
    Restore,
}

impl Reuse {
    /// Whether SQL a case runs (its own, or a migration file it applies) gives the same result
    /// on a reused database as on a fresh copy.
    pub fn admits(self, sql: &str) -> bool {
        let re = match self {
            Reuse::Rollback => rollback_unsafe(),
            Reuse::Restore => restore_unsafe(),
        };
        !re.is_match(sql)
    }

    /// Whether a migration file that runs outside a transaction (`txmode none`) may be applied
    /// during a case: not inside a transaction that is rolled back.
    pub fn admits_untransacted_files(self) -> bool {
        self == Reuse::Restore
    }

    /// Whether the state a case starts from may read the clock (defaults, triggers, functions):
    /// not when the case runs inside one transaction, whose clock stands still.
    pub fn admits_clock_readers(self) -> bool {
        self == Reuse::Restore
    }
}

/// Whether SQL reads the clock.
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

fn rollback_unsafe() -> &'static Regex {
    static UNSAFE: OnceLock<Regex> = OnceLock::new();
    UNSAFE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:^|;)(?:\s|--[^\n]*|/\*(?s:.*?)\*/)*end\b|\b(add\s+value|begin|start\s+transaction|commit|rollback|savepoint|release|abort|set\s+local|set\s+constraints|set_config|tablespace|current_date|concurrently|vacuum|create\s+database|drop\s+database|alter\s+system|reindex|cluster|listen|notify|prepare\s+transaction|call|do|discard|lock|set\s+session|set\s+transaction|now|current_timestamp|current_time|localtime|localtimestamp|transaction_timestamp|statement_timestamp|clock_timestamp|txid_current|pg_current_xact_id|pg_backend_pid|pg_sleep)\b",
        )
        .expect("the pattern compiles")
    })
}

/// What reaches outside the case's database or its session (other databases, accounts,
/// server-wide settings and state, replication), and events, which run on their own schedule.
fn restore_unsafe() -> &'static Regex {
    static UNSAFE: OnceLock<Regex> = OnceLock::new();
    UNSAFE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:^|;)(?:\s|--[^\n]*|\#[^\n]*|/\*(?s:.*?)\*/)*use\b|\b(create\s+database|drop\s+database|create\s+schema|drop\s+schema|alter\s+database|alter\s+schema|rename\s+user|create\s+user|drop\s+user|alter\s+user|grant|revoke|set\s+global|set\s+@@global|set\s+password|set\s+role|set\s+default\s+role|flush|reset|purge|install|uninstall|kill|shutdown|create\s+server|alter\s+server|drop\s+server|xa|change\s+master|start\s+slave|stop\s+slave|create\s+(or\s+replace\s+)?(definer\s*=\s*\S+\s+)?event|alter\s+event)\b",
        )
        .expect("the pattern compiles")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_refuses_transaction_control_and_clocks() {
        let r = Reuse::Rollback;
        assert!(r.admits("INSERT INTO t VALUES (1); SELECT count(*) FROM t"));
        assert!(r.admits("UPDATE begins SET ended = true")); // words, not keywords
        assert!(!r.admits("BEGIN; INSERT INTO t VALUES (1); COMMIT;"));
        assert!(!r.admits("CREATE INDEX CONCURRENTLY i ON t (a)"));
        assert!(!r.admits("SELECT now()"));
        assert!(!r.admits("ALTER TYPE mood ADD VALUE 'meh'"));
        assert!(!r.admits("call p()"));
        assert!(!r.admits(
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$"
        ));
        assert!(!r.admits("INSERT INTO t VALUES (1); END"));
        assert!(!r.admits("-- done\nEND WORK"));
        assert!(r.admits("SELECT CASE WHEN a THEN 1 ELSE 2 END FROM t"));
        assert!(!r.admits("SET LOCAL search_path = x"));
        assert!(!r.admits("SET CONSTRAINTS ALL DEFERRED"));
        assert!(!r.admits("SELECT set_config('a.b', 'c', true)"));
        assert!(!r.admits("SELECT current_date"));
        assert!(reads_clock("CREATE TABLE t (at timestamptz DEFAULT now())"));
        assert!(!reads_clock("CREATE TABLE t (nowhere int)"));
    }

    #[test]
    fn restore_refuses_what_leaves_the_database() {
        let r = Reuse::Restore;
        assert!(r.admits("BEGIN; INSERT INTO t VALUES (now()); COMMIT"));
        assert!(r.admits("ALTER TABLE users ADD COLUMN c int; CALL p()"));
        assert!(!r.admits("USE other"));
        assert!(!r.admits("-- switch\nUSE other"));
        assert!(!r.admits("SELECT 1; /* x */ USE other"));
        assert!(!r.admits("CREATE DATABASE x"));
        assert!(!r.admits("SET GLOBAL event_scheduler = ON"));
        assert!(!r.admits("GRANT SELECT ON t TO u"));
        assert!(r.admits("SELECT 'in use' AS note"));
        assert!(!r.admits("CREATE EVENT e ON SCHEDULE EVERY 1 SECOND DO DELETE FROM t"));
    }
}
