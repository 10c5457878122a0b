//! Running statements as another role (`as { role = … }` of a `script` step): the SQL each
//! engine takes to assume a role and to drop it again.

use super::{DbError, Dialect, Session};

/// Makes `role` the session's current role.
pub fn assume(session: &mut dyn Session, role: &str) -> Result<(), DbError> {
    let sql = match session.dialect() {
        Dialect::Postgres | Dialect::Mysql => {
            format!("SET ROLE {}", session.dialect().quote_ident(role))
        }
        Dialect::Sqlite => {
            return Err(DbError::new(
                "SQLite has no roles: `as { role }` needs PostgreSQL or MySQL/MariaDB",
            ));
        }
    };
    session.run(&sql).map(|_| ())
}

/// Goes back to the session's own role.
pub fn restore(session: &mut dyn Session) -> Result<(), DbError> {
    let sql = match session.dialect() {
        Dialect::Postgres => "RESET ROLE",
        Dialect::Mysql => "SET ROLE NONE",
        Dialect::Sqlite => return Ok(()),
    };
    session.run(sql).map(|_| ())
}
