//! Database URLs: what a user writes after `--url`, `--dev-url` or in an `env` block.
//!
//! [`parse`] turns a URL into a [`DevUrl`]; nothing here connects anywhere. The forms follow Atlas
//! (spec §2.3), plus `local://` for servers assay starts from locally installed binaries:
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

#[cfg(test)]
mod tests;

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

/// A server engine that assay can start itself (in Docker or from local binaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    Postgres,
    Mysql,
    Mariadb,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Mariadb => "mariadb",
        }
    }

    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Postgres => Dialect::Postgres,
            Engine::Mysql | Engine::Mariadb => Dialect::Mysql,
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
        if let Some(user) = &self.user {
            out.push_str(&encode(user, ""));
            if let Some(password) = &self.password {
                out.push(':');
                out.push_str(&encode(password, ""));
            }
            out.push('@');
        }
        let unix = scheme.ends_with("+unix");
        let mut params = Vec::new();
        if unix {
            if let Some(socket) = &self.socket {
                out.push_str(&encode(&socket.to_string_lossy(), "/"));
            }
            if let Some(db) = &self.database {
                params.push(("database".to_string(), db.clone()));
            }
        } else {
            if self.host.contains(':') {
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
        match self {
            DevUrl::Sqlite { .. } => Dialect::Sqlite,
            DevUrl::Postgres(_) => Dialect::Postgres,
            DevUrl::Mysql(_) | DevUrl::Mariadb(_) => Dialect::Mysql,
            DevUrl::Docker { engine, .. } | DevUrl::Local { engine, .. } => engine.dialect(),
        }
    }

    /// `"postgres"`, `"mysql"`, `"mariadb"` or `"sqlite"`.
    pub fn engine_name(&self) -> &'static str {
        match self {
            DevUrl::Sqlite { .. } => "sqlite",
            DevUrl::Postgres(_) => "postgres",
            DevUrl::Mysql(_) => "mysql",
            DevUrl::Mariadb(_) => "mariadb",
            DevUrl::Docker { engine, .. } | DevUrl::Local { engine, .. } => engine.name(),
        }
    }

    /// The URL in canonical form, with the password in clear; [`parse`] reads it back to an
    /// equal value. Print the [`Display`](fmt::Display) form instead, which masks passwords.
    pub fn to_url(&self) -> String {
        match self {
            DevUrl::Sqlite { path, name, params } => {
                let mut params = params.clone();
                let mut out = String::from("sqlite://");
                match path {
                    Some(path) => out.push_str(&encode(&path.to_string_lossy(), "/:.")),
                    None if name.is_empty() => out.push_str(":memory:"),
                    None => {
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

/// The forms [`parse`] accepts, for error messages.
pub const ACCEPTED_FORMS: &str = "accepted forms:
  sqlite://file.db?_fk=1, sqlite:///abs/path.db, sqlite://dev?mode=memory, sqlite::memory:
  postgres://user:pass@host:5432/db?search_path=public&sslmode=disable (or postgresql://)
  mysql://user:pass@host:3306/db, maria://..., mariadb://..., mysql+unix:///tmp/mysql.sock?database=db
  docker://postgres/15/dev, docker://mysql/8/dev, docker://maria/latest/dev
  docker+postgres://_/image:tag/dev, docker+mysql://org/image:tag/dev
  local://postgres/15/db, local://postgres, local://mariadb/10.11/db";

/// Parses a database URL. The error says what is wrong (with the password masked) and lists the
/// accepted forms.
pub fn parse(url: &str) -> Result<DevUrl, String> {
    parse_inner(url.trim()).map_err(|why| {
        format!(
            "bad database URL `{}`: {why}\n{ACCEPTED_FORMS}",
            mask_password(url)
        )
    })
}

fn parse_inner(url: &str) -> Result<DevUrl, String> {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => match url.split_once(':') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("sqlite") => {
                return parse_sqlite(rest);
            }
            _ => return Err("missing scheme (such as `postgres://`)".to_string()),
        },
    };
    match scheme.as_str() {
        "sqlite" | "sqlite3" => parse_sqlite(rest),
        "postgres" | "postgresql" => parse_postgres(rest).map(DevUrl::Postgres),
        "mysql" => parse_mysql(rest, false).map(DevUrl::Mysql),
        "mysql+unix" => parse_mysql(rest, true).map(DevUrl::Mysql),
        "maria" | "mariadb" => parse_mysql(rest, false).map(DevUrl::Mariadb),
        "maria+unix" | "mariadb+unix" => parse_mysql(rest, true).map(DevUrl::Mariadb),
        "docker" => parse_docker(rest),
        "local" => parse_local(rest),
        _ => match scheme.strip_prefix("docker+") {
            Some(driver) => parse_docker_custom(driver, rest),
            None => Err(format!("unknown scheme `{scheme}://`")),
        },
    }
}

fn parse_sqlite(rest: &str) -> Result<DevUrl, String> {
    let (target, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut params = parse_query(query)?;
    let memory_mode = param(&params, "mode") == Some("memory");
    params.retain(|(k, v)| !(k == "mode" && v == "memory"));
    let target = decode(target)?;
    // `file:` is SQLite's own URI prefix (`sqlite://file:/abs/x.db`); it names the same thing.
    let target = target.strip_prefix("file:").unwrap_or(&target).to_string();
    if target == ":memory:" || target.is_empty() {
        if target.is_empty() && !memory_mode {
            return Err("SQLite needs a file name (`sqlite://file.db`) or memory mode".to_string());
        }
        return Ok(DevUrl::Sqlite {
            path: None,
            name: String::new(),
            params,
        });
    }
    if memory_mode {
        return Ok(DevUrl::Sqlite {
            path: None,
            name: target,
            params,
        });
    }
    Ok(DevUrl::Sqlite {
        path: Some(PathBuf::from(&target)),
        name: target,
        params,
    })
}

/// `[user[:password]@]host[:port]` then `/path` then `?query`, split but not yet decoded.
struct Parts<'a> {
    userinfo: Option<&'a str>,
    hostport: &'a str,
    path: &'a str,
    query: &'a str,
}

fn split_parts(rest: &str) -> Parts<'_> {
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let (authority, path) = before_query.split_at(authority_end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    Parts {
        userinfo,
        hostport,
        path,
        query,
    }
}

/// Fills user, password, host and port of a [`ServerUrl`].
fn parse_authority(parts: &Parts<'_>) -> Result<ServerUrl, String> {
    let mut server = ServerUrl::default();
    if let Some(userinfo) = parts.userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        server.user = Some(decode(user)?);
        server.password = password.map(decode).transpose()?;
    }
    let hostport = parts.hostport;
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err("unclosed `[` in an IPv6 host".to_string());
        };
        match after {
            "" => (host.to_string(), None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host.to_string(), Some(port)),
                None => return Err(format!("unexpected `{after}` after the IPv6 host")),
            },
        }
    } else {
        match hostport.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err("an IPv6 host must be in brackets, like `[::1]:5432`".to_string());
            }
            Some((host, port)) => (decode(host)?, Some(port)),
            None => (decode(hostport)?, None),
        }
    };
    server.host = host;
    server.port = match port {
        None | Some("") => None,
        Some(port) => Some(
            port.parse::<u16>()
                .map_err(|_| format!("bad port `{port}` (a number up to 65535)"))?,
        ),
    };
    Ok(server)
}

fn parse_postgres(rest: &str) -> Result<ServerUrl, String> {
    let parts = split_parts(rest);
    let mut server = parse_authority(&parts)?;
    // libpq takes `%2Fvar%2Frun%2Fpostgresql` as a host naming a socket directory.
    if server.host.starts_with('/') {
        server.socket = Some(PathBuf::from(std::mem::take(&mut server.host)));
    }
    server.database = single_segment(parts.path, "database")?;
    server.params = parse_query(parts.query)?;
    if let Some(host) = server.param("host").map(str::to_string) {
        server.params.retain(|(k, _)| k != "host");
        if host.starts_with('/') {
            server.socket = Some(PathBuf::from(host));
        } else {
            server.host = host;
        }
    }
    Ok(server)
}

fn parse_mysql(rest: &str, unix: bool) -> Result<ServerUrl, String> {
    if !unix {
        let parts = split_parts(rest);
        let mut server = parse_authority(&parts)?;
        server.database = single_segment(parts.path, "schema")?;
        server.params = parse_query(parts.query)?;
        return Ok(server);
    }
    // `mysql+unix://[user[:pass]@]/path/to.sock?database=db`: the path is the socket.
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (userinfo, socket) = match before_query.rfind('@') {
        Some(at) => (Some(&before_query[..at]), &before_query[at + 1..]),
        None => (None, before_query),
    };
    let parts = Parts {
        userinfo,
        hostport: "",
        path: socket,
        query,
    };
    let mut server = parse_authority(&parts)?;
    let socket = decode(socket)?;
    if socket.is_empty() {
        return Err(
            "a `+unix` URL needs the socket path, like `mysql+unix:///tmp/mysql.sock`".to_string(),
        );
    }
    server.socket = Some(PathBuf::from(socket));
    server.params = parse_query(query)?;
    if let Some(db) = server.param("database").map(str::to_string) {
        server.params.retain(|(k, _)| k != "database");
        server.database = Some(db).filter(|db| !db.is_empty());
    }
    Ok(server)
}

/// A URL path that holds at most one name (`/db`); empty means none.
fn single_segment(path: &str, what: &str) -> Result<Option<String>, String> {
    let path = path.strip_prefix('/').unwrap_or(path);
    if path.contains('/') {
        return Err(format!(
            "the path must be a single {what} name, not `{path}`"
        ));
    }
    let name = decode(path)?;
    Ok(Some(name).filter(|n| !n.is_empty()))
}

fn parse_docker(rest: &str) -> Result<DevUrl, String> {
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let params = parse_query(query)?;
    let mut segments = before_query.split('/');
    let driver = segments.next().unwrap_or_default().to_ascii_lowercase();
    let Some(engine) = Engine::from_driver(&driver) else {
        return Err(format!(
            "unknown docker driver `{driver}` (postgres, postgis, pgvector, mysql, maria, mariadb)"
        ));
    };
    let tag = segments
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or("latest")
        .to_string();
    let db = segments
        .next()
        .map(decode)
        .transpose()?
        .filter(|db| !db.is_empty());
    if let Some(extra) = segments.next() {
        return Err(format!(
            "unexpected `/{extra}`: the form is docker://driver/tag/db"
        ));
    }
    let image = match driver.as_str() {
        "postgis" => "postgis/postgis",
        "pgvector" => "pgvector/pgvector",
        "postgresql" => "postgres",
        "maria" => "mariadb",
        other => other,
    }
    .to_string();
    Ok(DevUrl::Docker {
        engine,
        image,
        tag,
        db,
        params,
        custom: false,
    })
}

/// `docker+driver://[org|_]/image[:tag][/db]`: the last segment is a database when it has no `:`.
fn parse_docker_custom(driver: &str, rest: &str) -> Result<DevUrl, String> {
    let Some(engine) = Engine::from_driver(driver) else {
        return Err(format!(
            "unknown docker driver `{driver}` (postgres, mysql, maria, mariadb)"
        ));
    };
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let params = parse_query(query)?;
    let mut segments: Vec<&str> = before_query.split('/').collect();
    if segments.first() == Some(&"_") {
        segments.remove(0);
    }
    segments.retain(|s| !s.is_empty());
    let db = match segments.last() {
        Some(last) if segments.len() >= 2 && !last.contains(':') => {
            segments.pop().map(decode).transpose()?
        }
        _ => None,
    };
    let Some(last) = segments.pop() else {
        return Err(format!(
            "missing image: the form is docker+{driver}://_/image:tag/db"
        ));
    };
    let (name, tag) = last.split_once(':').unwrap_or((last, "latest"));
    if name.is_empty() || tag.is_empty() {
        return Err(format!("bad image `{last}`: the form is image:tag"));
    }
    segments.push(name);
    let image = segments.join("/");
    Ok(DevUrl::Docker {
        engine,
        image,
        tag: tag.to_string(),
        db,
        params,
        custom: true,
    })
}

fn parse_local(rest: &str) -> Result<DevUrl, String> {
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let params = parse_query(query)?;
    let mut segments = before_query.split('/');
    let driver = segments.next().unwrap_or_default().to_ascii_lowercase();
    let engine = match Engine::from_driver(&driver) {
        Some(engine) if !matches!(driver.as_str(), "postgis" | "pgvector") => engine,
        _ => {
            return Err(format!(
                "unknown local engine `{driver}` (postgres, mysql, mariadb)"
            ));
        }
    };
    let version = match segments.next() {
        None | Some("" | "any" | "*") => None,
        Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) => Some(v.to_string()),
        Some(v) => {
            return Err(format!(
                "`{v}` is not a version; write local://{driver}/any/{v} for a database on any installed version"
            ));
        }
    };
    let db = segments
        .next()
        .map(decode)
        .transpose()?
        .filter(|db| !db.is_empty());
    if let Some(extra) = segments.next() {
        return Err(format!(
            "unexpected `/{extra}`: the form is local://engine/version/db"
        ));
    }
    Ok(DevUrl::Local {
        engine,
        version,
        db,
        params,
    })
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode_query(k)?, decode_query(v)?))
        })
        .collect()
}

fn push_query(out: &mut String, params: &[(String, String)]) {
    for (i, (k, v)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&encode(k, "/:,"));
        out.push('=');
        out.push_str(&encode(v, "/:,"));
    }
}

/// Query strings also take `+` for a space (as Go's `url.ParseQuery`, which Atlas uses).
fn decode_query(s: &str) -> Result<String, String> {
    decode(&s.replace('+', " "))
}

fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                // The text is not quoted: it may be a password. The caller shows the masked URL.
                return Err("bad percent-escape (write `%25` for a literal `%`)".to_string());
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-escapes that are not UTF-8".to_string())
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

/// Masks passwords in any text that holds URLs or `key=value` settings:
/// `postgres://u:secret@h/db` → `postgres://u:****@h/db`, `password=secret` → `password=****`.
///
/// Works on text that does not parse (an error message, a libpq keyword string), so it can be
/// applied to anything assay prints about a connection.
pub fn mask_password(text: &str) -> String {
    mask_params(&mask_userinfo(text))
}

const MASK: &str = "****";

fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority cannot hold whitespace or `?`; its userinfo ends at the last `@`.
        // Taking the last `@` masks a password that carries an unescaped `/` as well.
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '?' || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let region = &tail[..end];
        match region.rfind('@') {
            Some(at) if region[..at].contains(':') && !region[..at].ends_with(':') => {
                let colon = region[..at].find(':').unwrap_or(at);
                out.push_str(&region[..=colon]);
                out.push_str(MASK);
                rest = &tail[at..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

fn is_password_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.ends_with("password") || key == "passwd" || key == "pwd"
}

fn mask_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = (&rest[..eq], &rest[eq + 1..]);
        let key_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        out.push_str(before);
        out.push('=');
        rest = after;
        if !is_password_key(&before[key_start..]) || after.is_empty() {
            continue;
        }
        // A libpq value may be single-quoted: `password='a b'`.
        let value_len = if let Some(quoted) = after.strip_prefix('\'') {
            quoted.find('\'').map_or(after.len(), |i| i + 2)
        } else {
            after
                .find(|c: char| c.is_whitespace() || c == '&' || c == ';')
                .unwrap_or(after.len())
        };
        if value_len > 0 {
            out.push_str(MASK);
            rest = &after[value_len..];
        }
    }
    out.push_str(rest);
    out
}
