//! Database URLs: what a user writes after `--url`, `--dev-url` or in an `env` block.
//!
//! [`parse`] turns a URL into a [`DevUrl`]; nothing here connects anywhere. The forms follow Atlas
//! (docs/databases.md), plus `local://` for servers assay starts from locally installed binaries:
//!
//! | form | meaning |
//! |---|---|
//! | `sqlite://file.db?_fk=1`, `sqlite:///abs/path.db`, `sqlite://file:/abs/path.db` | a SQLite file |
//! | `sqlite://dev?mode=memory`, `sqlite::memory:`, `sqlite://:memory:` | an in-memory SQLite database |
//! | `postgres://user:pass@host:5432/db?search_path=public&sslmode=disable` (`postgresql://`) | a PostgreSQL server |
//! | `postgres:///db?host=/var/run/postgresql` | PostgreSQL over a Unix socket directory |
//! | `mysql://user:pass@host:3306/db`, `maria://…`, `mariadb://…` | a MySQL / MariaDB server |
//! | `mysql+unix://user:pass@/tmp/mysql.sock?database=db` (`maria+unix`, `mariadb+unix`) | over a Unix socket |
//! | `docker://postgres/15/dev`, `docker://mysql/8/dev`, `docker://maria/latest/dev` | a throw-away container |
//! | `docker+postgres://_/image:tag/dev`, `docker+mysql://org/image:tag/dev` | a container from a custom image |
//! | `local://postgres/15/db`, `local://postgres`, `local://mariadb/10.11/db` | a server from local binaries |
//!
//! User, password, database and query parameters are percent-decoded; characters such as `@`, `/`
//! or `?` inside a password must be percent-encoded (`%40`, `%2F`, `%3F`), as in any URL.
//!
//! Passwords never reach output unmasked: print URLs through [`mask_password`] or the
//! [`Display`](fmt::Display) of [`DevUrl`], which masks.

use std::fmt;
use std::path::PathBuf;

use crate::Dialect;

mod mask;
mod options;
mod parse;
#[cfg(test)]
mod tests;

pub use mask::mask_password;
pub use options::{ClientOptions, DOCKER_IGNORED, MYSQL_IGNORED, POSTGRES_IGNORED, SQLITE_IGNORED};
pub use parse::{ACCEPTED_FORMS, parse};

/// A parsed database URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevUrl {
    /// `sqlite://…`. `path` is `None` for an in-memory database, whose `name` lets connections
    /// share it (`""` for an anonymous `:memory:` database). For a file, `name` is the path as
    /// written. `mode=memory` is not kept in `params`; `path: None` says it.
    Sqlite {
        path: Option<PathBuf>,
        name: String,
        params: Vec<(String, String)>,
    },
    /// `postgres://` or `postgresql://`.
    Postgres(ServerUrl),
    /// `mysql://` or `mysql+unix://`.
    Mysql(ServerUrl),
    /// `maria://`, `mariadb://` and their `+unix` forms.
    Mariadb(ServerUrl),
    /// `docker://driver/tag[/db]` or `docker+driver://[org|_]/image[:tag][/db]` (`custom`).
    /// `tag` defaults to `latest`; `db: None` means the engine's default (`postgres` for
    /// PostgreSQL, no schema for MySQL/MariaDB).
    Docker {
        engine: Engine,
        image: String,
        tag: String,
        db: Option<String>,
        params: Vec<(String, String)>,
        custom: bool,
    },
    /// `local://engine[/version[/db]]`: a server started from installed binaries. `version: None`
    /// means any installed version (written as nothing, `any` or `*`).
    Local {
        engine: Engine,
        version: Option<String>,
        db: Option<String>,
        params: Vec<(String, String)>,
    },
}

/// Which engine: the one name every room uses for it. MySQL and MariaDB are apart here (they
/// start, dump and restore differently) and share one [`Dialect`], the SQL they speak. The
/// `docker://` and `local://` forms name only the servers assay can start itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    Postgres,
    Mysql,
    Mariadb,
    /// Embedded SQLite (`sqlite://`).
    Sqlite,
}

impl Engine {
    /// `"postgres"`, `"mysql"`, `"mariadb"` or `"sqlite"`: trial names, `$ENGINE`, cache keys.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Mariadb => "mariadb",
            Engine::Sqlite => "sqlite",
        }
    }

    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Postgres => Dialect::Postgres,
            Engine::Mysql | Engine::Mariadb => Dialect::Mysql,
            Engine::Sqlite => Dialect::Sqlite,
        }
    }

    /// The engine a driver name in a `docker://` or `local://` URL stands for.
    fn from_driver(driver: &str) -> Option<Engine> {
        match driver {
            "postgres" | "postgresql" | "postgis" | "pgvector" => Some(Engine::Postgres),
            "mysql" => Some(Engine::Mysql),
            "maria" | "mariadb" => Some(Engine::Mariadb),
            _ => None,
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The parts of a client-server URL, decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerUrl {
    pub user: Option<String>,
    pub password: Option<String>,
    /// As written, without IPv6 brackets; empty when the URL names no host (the client default,
    /// or the socket).
    pub host: String,
    pub port: Option<u16>,
    pub database: Option<String>,
    /// Query parameters in order, e.g. `search_path`, `sslmode`. The ones this type models
    /// (`host=/dir` on PostgreSQL, `database` on `+unix` URLs) are taken out.
    pub params: Vec<(String, String)>,
    /// A Unix socket: the socket file for `mysql+unix`, the socket directory for PostgreSQL.
    pub socket: Option<PathBuf>,
}

impl ServerUrl {
    /// The URL again, with the password in clear (mask it before printing).
    ///
    /// A `scheme` ending in `+unix` writes the socket as the path (`mysql+unix://u@/tmp/s.sock?
    /// database=db`); any other scheme writes it as `host=/dir` (the PostgreSQL convention).
    pub fn to_url(&self, scheme: &str) -> String {
        let mut out = format!("{scheme}://");
        let mut params = Vec::new();
        match (&self.user, &self.password) {
            (Some(user), password) => {
                out.push_str(&encode(user, ""));
                if let Some(password) = password {
                    out.push(':');
                    out.push_str(&encode(password, ""));
                }
                out.push('@');
            }
            // A password with no user (libpq's `?password=`) stays a parameter.
            (None, Some(password)) => params.push(("password".to_string(), password.clone())),
            (None, None) => {}
        }
        let unix = scheme.ends_with("+unix");
        if unix {
            if let Some(socket) = &self.socket {
                out.push_str(&encode(&socket.to_string_lossy(), "/"));
            }
            if let Some(db) = &self.database {
                params.push(("database".to_string(), db.clone()));
            }
        } else {
            // Brackets for an IPv6 address only; any other host with a `:` (percent-encoded
            // when it was read) is encoded again, so the URL reads back the same.
            let ipv6 = self.host.contains(':')
                && self
                    .host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '%'));
            if ipv6 {
                out.push_str(&format!("[{}]", self.host));
            } else {
                out.push_str(&encode(&self.host, ""));
            }
            if let Some(port) = self.port {
                out.push_str(&format!(":{port}"));
            }
            out.push('/');
            if let Some(db) = &self.database {
                out.push_str(&encode(db, ""));
            }
            if let Some(socket) = &self.socket {
                params.push(("host".to_string(), socket.to_string_lossy().into_owned()));
            }
        }
        params.extend(self.params.iter().cloned());
        push_query(&mut out, &params);
        out
    }

    /// The value of a query parameter (the last one wins, as in libpq).
    pub fn param(&self, key: &str) -> Option<&str> {
        param(&self.params, key)
    }
}

/// The value of a query parameter (the last one wins).
pub fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl DevUrl {
    pub fn dialect(&self) -> Dialect {
        self.engine().dialect()
    }

    /// The engine the URL names.
    pub fn engine(&self) -> Engine {
        match self {
            DevUrl::Sqlite { .. } => Engine::Sqlite,
            DevUrl::Postgres(_) => Engine::Postgres,
            DevUrl::Mysql(_) => Engine::Mysql,
            DevUrl::Mariadb(_) => Engine::Mariadb,
            DevUrl::Docker { engine, .. } | DevUrl::Local { engine, .. } => *engine,
        }
    }

    /// The URL in canonical form, with the password in clear; [`parse`] reads it back to an
    /// equal value. Print the [`Display`](fmt::Display) form instead, which masks passwords.
    pub fn to_url(&self) -> String {
        match self {
            DevUrl::Sqlite { path, name, params } => {
                let mut params = params.clone();
                let mut out = String::from("sqlite://");
                // A name that itself starts with `file:` keeps it behind one more `file:`
                // (SQLite's URI prefix, which reading drops once).
                let file_prefix = |name: &str| {
                    if name.starts_with("file:") {
                        "file:"
                    } else {
                        ""
                    }
                };
                match path {
                    Some(path) => {
                        let path = path.to_string_lossy();
                        out.push_str(file_prefix(&path));
                        out.push_str(&encode(&path, "/:."));
                    }
                    None if name.is_empty() => out.push_str(":memory:"),
                    None => {
                        out.push_str(file_prefix(name));
                        out.push_str(&encode(name, "/:."));
                        params.insert(0, ("mode".to_string(), "memory".to_string()));
                    }
                }
                push_query(&mut out, &params);
                out
            }
            DevUrl::Postgres(server) => server.to_url("postgres"),
            DevUrl::Mysql(server) => server.to_url(if server.socket.is_some() {
                "mysql+unix"
            } else {
                "mysql"
            }),
            DevUrl::Mariadb(server) => server.to_url(if server.socket.is_some() {
                "mariadb+unix"
            } else {
                "mariadb"
            }),
            DevUrl::Docker {
                engine,
                image,
                tag,
                db,
                params,
                custom,
            } => {
                let mut out = if *custom {
                    let (org, name) = match image.split_once('/') {
                        Some((org, name)) => (org, name),
                        None => ("_", image.as_str()),
                    };
                    format!("docker+{engine}://{org}/{name}:{tag}")
                } else {
                    let driver = image
                        .strip_suffix("/postgis")
                        .or(image.strip_suffix("/pgvector"))
                        .unwrap_or(image);
                    format!("docker://{driver}/{tag}")
                };
                if let Some(db) = db {
                    out.push('/');
                    out.push_str(&encode(db, ""));
                }
                push_query(&mut out, params);
                out
            }
            DevUrl::Local {
                engine,
                version,
                db,
                params,
            } => {
                let mut out = format!("local://{engine}");
                if version.is_some() || db.is_some() {
                    out.push('/');
                    out.push_str(version.as_deref().unwrap_or("any"));
                }
                if let Some(db) = db {
                    out.push('/');
                    out.push_str(&encode(db, ""));
                }
                push_query(&mut out, params);
                out
            }
        }
    }
}

impl fmt::Display for DevUrl {
    /// The canonical URL with its password masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_password(&self.to_url()))
    }
}

fn push_query(out: &mut String, params: &[(String, String)]) {
    for (i, (k, v)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&encode(k, "/:,"));
        out.push('=');
        out.push_str(&encode(v, "/:,"));
    }
}

/// Percent-encodes a URL component: everything but the unreserved characters (`A-Za-z0-9-._~`).
pub fn percent_encode(s: &str) -> String {
    encode(s, "")
}

/// Percent-encodes everything but unreserved characters and those in `keep`.
fn encode(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
