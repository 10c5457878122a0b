//! The SQL dialects assay knows. The scanner and the migration formats vary by dialect; the
//! harness maps each engine to one of these.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    Postgres,
    /// MySQL and MariaDB share one dialect.
    Mysql,
    Sqlite,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// A quoted identifier: `"name"` on PostgreSQL, `` `name` `` on MySQL/MariaDB and SQLite
    /// (which reads both), the quote character doubled inside.
    pub fn quote_ident(self, name: &str) -> String {
        match self {
            Dialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::Mysql | Dialect::Sqlite => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// A SQL string literal: `'` doubled, and on MySQL/MariaDB `\` doubled too (they read
    /// backslash escapes in strings unless `NO_BACKSLASH_ESCAPES` is set).
    pub fn quote_str(self, s: &str) -> String {
        let mut text = s.replace('\'', "''");
        if self == Dialect::Mysql {
            text = text.replace('\\', "\\\\");
        }
        format!("'{text}'")
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
