//! The revisions table `atlas_schema_revisions`: where it lives, its columns per
//! dialect, and the rows assay writes.
//!
//! - SQLite: in `main`.
//! - PostgreSQL: in the schema `--revisions-schema` names, else in a schema of its own named
//!   `atlas_schema_revisions` (Atlas's choice for a database-scoped URL), created if missing.
//! - MySQL/MariaDB: in the case's database (a schema *is* a database there, and another
//!   database would be shared by every case); `--revisions-schema` is not used.
//!
//! Values are written as SQL literals (sessions run text only), quoted for the dialect.

use dbassay_dsl::Dialect;

use crate::engine::{DbError, Outcome, Session};

pub const TABLE: &str = "atlas_schema_revisions";

/// `type` bit: the file was applied by executing it.
const APPLIED: i64 = 2;

/// The revisions table of one database.
#[derive(Clone, Debug)]
pub struct Revisions {
    dialect: Dialect,
    schema: Option<String>,
}

/// One row, as assay writes it.
pub struct Row<'a> {
    pub version: &'a str,
    pub description: &'a str,
    pub applied: usize,
    pub total: usize,
    pub execution_ns: u128,
    pub error: Option<&'a str>,
    pub error_stmt: Option<&'a str>,
    pub hash: &'a str,
}

/// What the table says about one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub version: String,
    pub applied: usize,
    pub total: usize,
}

impl Revisions {
    pub fn new(dialect: Dialect, revisions_schema: Option<&str>) -> Revisions {
        let schema = match dialect {
            Dialect::Postgres => Some(revisions_schema.unwrap_or(TABLE).to_string()),
            Dialect::Mysql | Dialect::Sqlite => None,
        };
        Revisions { dialect, schema }
    }

    /// The qualified table name.
    pub fn table(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", self.ident(s), self.ident(TABLE)),
            None => self.ident(TABLE),
        }
    }

    fn ident(&self, name: &str) -> String {
        self.dialect.quote_ident(name)
    }

    /// A string literal.
    pub fn quote(&self, s: &str) -> String {
        self.dialect.quote_str(s)
    }

    /// Creates the table (and its schema) if missing.
    pub fn ensure(&self, session: &mut dyn Session) -> Result<(), DbError> {
        if let Some(s) = &self.schema {
            session.run(&format!("CREATE SCHEMA IF NOT EXISTS {}", self.ident(s)))?;
        }
        let t = self.table();
        let ddl = match self.dialect {
            Dialect::Postgres => format!(
                "CREATE TABLE IF NOT EXISTS {t} (version character varying NOT NULL, description character varying NOT NULL, \
                 type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, \
                 executed_at timestamptz NOT NULL, execution_time bigint NOT NULL, error text NULL, error_stmt text NULL, \
                 hash character varying NOT NULL, partial_hashes jsonb NULL, operator_version character varying NOT NULL, \
                 PRIMARY KEY (version))"
            ),
            Dialect::Mysql => format!(
                "CREATE TABLE IF NOT EXISTS {t} (`version` varchar(255) NOT NULL, `description` varchar(255) NOT NULL, \
                 `type` bigint unsigned NOT NULL DEFAULT 2, `applied` bigint NOT NULL DEFAULT 0, `total` bigint NOT NULL DEFAULT 0, \
                 `executed_at` timestamp NOT NULL, `execution_time` bigint NOT NULL, `error` longtext NULL, `error_stmt` longtext NULL, \
                 `hash` varchar(255) NOT NULL, `partial_hashes` json NULL, `operator_version` varchar(255) NOT NULL, \
                 PRIMARY KEY (`version`)) CHARSET utf8mb4 COLLATE utf8mb4_bin"
            ),
            Dialect::Sqlite => format!(
                "CREATE TABLE IF NOT EXISTS {t} (version text NOT NULL, description text NOT NULL, \
                 type integer NOT NULL DEFAULT 2, applied integer NOT NULL DEFAULT 0, total integer NOT NULL DEFAULT 0, \
                 executed_at datetime NOT NULL, execution_time integer NOT NULL, error text NULL, error_stmt text NULL, \
                 hash text NOT NULL, partial_hashes json NULL, operator_version text NOT NULL, PRIMARY KEY (version))"
            ),
        };
        session.run(&ddl).map(|_| ())
    }

    /// Writes (replaces) the row of one version.
    pub fn write(&self, session: &mut dyn Session, row: &Row<'_>) -> Result<(), DbError> {
        for statement in self.write_statements(row) {
            session.run(&statement)?;
        }
        Ok(())
    }

    /// The statements [`Revisions::write`] runs.
    pub fn write_statements(&self, row: &Row<'_>) -> [String; 2] {
        let t = self.table();
        let opt = |v: Option<&str>| v.map_or_else(|| "NULL".to_string(), |s| self.quote(s));
        [
            format!(
                "DELETE FROM {t} WHERE version = {}",
                self.quote(row.version)
            ),
            format!(
                "INSERT INTO {t} (version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, operator_version) \
                 VALUES ({}, {}, {APPLIED}, {}, {}, CURRENT_TIMESTAMP, {}, {}, {}, {}, {})",
                self.quote(row.version),
                self.quote(row.description),
                row.applied,
                row.total,
                row.execution_ns.min(i64::MAX as u128),
                opt(row.error),
                opt(row.error_stmt),
                self.quote(row.hash),
                self.quote(&format!("assay v{}", env!("CARGO_PKG_VERSION"))),
            ),
        ]
    }

    /// Every recorded version (the table must exist).
    pub fn read(&self, session: &mut dyn Session) -> Result<Vec<Recorded>, DbError> {
        let out = session.run(&format!(
            "SELECT version, applied, total FROM {}",
            self.table()
        ))?;
        let Outcome::Rows(grid) = out else {
            return Ok(Vec::new());
        };
        let num = |v: &Option<String>| v.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
        Ok(grid
            .rows
            .iter()
            .map(|r| Recorded {
                version: r.first().cloned().flatten().unwrap_or_default(),
                applied: r.get(1).map_or(0, num),
                total: r.get(2).map_or(0, num),
            })
            .collect())
    }
}
