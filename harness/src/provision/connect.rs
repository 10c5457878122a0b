//! Sessions on a database the user names (`assay migrate apply --url …`), as opposed to the
//! throw-away databases a [`Server`](super::Server) creates.

use dbassay_dsl::url::{DevUrl, ServerUrl};

use super::mysql::MyConnect;
use super::postgres::PgConnect;
use super::{ProvisionError, Result};
use crate::engine::Session;
use crate::engine::mysql::MysqlSession;
use crate::engine::postgres::PgSession;
use crate::engine::sqlite::SqliteSession;

/// A session on the database `url` names: an SQLite file, or a database on a PostgreSQL or
/// MySQL/MariaDB server. `search_path` is set on PostgreSQL when the URL gives one.
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
            let connect = PgConnect::parse(&server_url(&server, "postgres"))?;
            let db = server.database.clone().unwrap_or_else(|| connect.dbname.clone());
            let mut session: Box<dyn Session> =
                Box::new(PgSession::connect(&connect.config(&db)).map_err(|e| ProvisionError(e.to_string()))?);
            if let Some((_, path)) = server.params.iter().find(|(k, _)| k == "search_path") {
                session
                    .run(&format!("SET search_path TO {}", quote_search_path(path)))
                    .map_err(|e| ProvisionError(format!("cannot set search_path: {e}")))?;
            }
            Ok(session)
        }
        DevUrl::Mysql(server) | DevUrl::Mariadb(server) => {
            let connect = MyConnect::from_url(&server_url(&server, "mysql"))?;
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

/// The URL without its query parameters (the drivers' parsers reject Atlas's extra ones).
fn server_url(server: &ServerUrl, scheme: &str) -> String {
    let mut bare = server.clone();
    bare.params.clear();
    bare.to_url(scheme)
}

/// `a, b` as `"a", "b"`: every schema of a URL's `search_path` quoted as an identifier.
fn quote_search_path(path: &str) -> String {
    let quoted: Vec<String> = (path.split(','))
        .map(str::trim)
        .map(|s| match s {
            "$user" => s.to_string(), // special only when unquoted
            _ => format!("\"{}\"", s.trim_matches('"').replace('"', "\"\"")),
        })
        .collect();
    quoted.join(", ")
}
