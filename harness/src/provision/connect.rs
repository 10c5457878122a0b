//! Sessions on a database the user names (`assay migrate apply --url …`), as opposed to the
//! throw-away databases a [`Server`](super::Server) creates.

use dbassay_dsl::url::DevUrl;

use super::mysql::MyConnect;
use super::postgres::PgConnect;
use super::{ProvisionError, Result};
use crate::engine::Engine;
use crate::engine::Session;
use crate::engine::mysql::MysqlSession;
use crate::engine::postgres::PgSession;
use crate::engine::sqlite::SqliteSession;

/// A session on the database `url` names: an SQLite file, or a database on a PostgreSQL or
/// MySQL/MariaDB server. On PostgreSQL every session gets the URL's `search_path`.
pub fn connect(url: &str) -> Result<Box<dyn Session>> {
    let parsed = dbassay_dsl::url::parse(url).map_err(ProvisionError)?;
    match parsed {
        DevUrl::Sqlite { path: Some(path), .. } => {
            let conn = rusqlite::Connection::open(&path)
                .map_err(|e| ProvisionError(format!("cannot open {}: {e}", path.display())))?;
            Ok(Box::new(SqliteSession::new(conn)))
        }
        DevUrl::Sqlite { path: None, .. } => Err(ProvisionError(
            "an in-memory SQLite database is gone when the command ends: give a file (sqlite://app.db)".into(),
        )),
        DevUrl::Postgres(server) => {
            // The URL's search_path reaches the server with the connection's start.
            let connect = PgConnect::from_server(&server);
            let session = PgSession::connect(&connect.config(&connect.dbname))
                .map_err(|e| ProvisionError(e.to_string()))?;
            Ok(Box::new(session))
        }
        DevUrl::Mysql(server) | DevUrl::Mariadb(server) => {
            let connect = MyConnect::from_server(Engine::Mysql, &server)?;
            let db = server.database.clone().ok_or_else(|| {
                ProvisionError("the URL names no database: give one as its path (mysql://user:pass@host/db)".into())
            })?;
            Ok(Box::new(MysqlSession::connect(connect.opts(Some(&db))).map_err(|e| ProvisionError(e.to_string()))?))
        }
        DevUrl::Docker { .. } | DevUrl::Local { .. } => Err(ProvisionError(
            "docker:// and local:// URLs start a throw-away server: give the URL of the database to migrate".into(),
        )),
    }
}
