//! Parsing database URLs into [`DevUrl`]s.

use std::path::PathBuf;

use super::{DevUrl, Engine, ServerUrl, mask_password, param};

/// The forms [`parse`] accepts, for error messages.
pub const ACCEPTED_FORMS: &str = "accepted forms:
  sqlite://file.db?_fk=1, sqlite:///abs/path.db, sqlite://dev?mode=memory, sqlite::memory:
  postgres://user:pass@host:5432/db?search_path=public&sslmode=disable (or postgresql://)
  mysql://user:pass@host:3306/db, maria://..., mariadb://..., mysql+unix:///tmp/mysql.sock?database=db
  docker://postgres/15/dev, docker://mysql/8/dev, docker://maria/latest/dev
  docker+postgres://_/image:tag/dev, docker+mysql://org/image:tag/dev
  local://postgres/15/db, local://postgres, local://mariadb/10.11/db";

/// Added where a raw special character in a password is the likely cause. Errors never quote
/// parts of the URL that may hold a password; they show the whole URL, masked.
const ENCODE_HINT: &str = "; in a user or password, write `@`, `:`, `/`, `?` and `%` \
                           percent-encoded (`%40`, `%3A`, `%2F`, `%3F`, `%25`)";

/// Parses a database URL. The error says what is wrong (with the password masked) and lists the
/// accepted forms.
pub fn parse(url: &str) -> Result<DevUrl, String> {
    let parsed = parse_inner(url.trim()).and_then(|parsed| {
        super::options::check(&parsed)?;
        Ok(parsed)
    });
    parsed.map_err(|why| {
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
                .map_err(|_| format!("bad port (a number up to 65535){ENCODE_HINT}"))?,
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
    if let Some(host) = take(&mut server.params, "host") {
        if host.starts_with('/') {
            server.socket = Some(PathBuf::from(host));
        } else {
            server.host = host;
        }
    }
    // libpq also takes the parts of the address as parameters; the last one wins.
    if let Some(user) = take(&mut server.params, "user") {
        server.user = Some(user);
    }
    if let Some(password) = take(&mut server.params, "password") {
        server.password = Some(password);
    }
    if let Some(db) = take(&mut server.params, "dbname") {
        server.database = Some(db).filter(|db| !db.is_empty());
    }
    if let Some(port) = take(&mut server.params, "port") {
        server.port = Some(
            port.parse::<u16>()
                .map_err(|_| "bad `port` parameter (a number up to 65535)".to_string())?,
        );
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

/// Removes every `key` parameter, giving the value of the last one.
fn take(params: &mut Vec<(String, String)>, key: &str) -> Option<String> {
    let value = param(params, key).map(str::to_string);
    params.retain(|(k, _)| k != key);
    value
}

/// A URL path that holds at most one name (`/db`); empty means none.
fn single_segment(path: &str, what: &str) -> Result<Option<String>, String> {
    let path = path.strip_prefix('/').unwrap_or(path);
    if path.contains('/') {
        return Err(format!(
            "the path must be a single {what} name{ENCODE_HINT}"
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
    let db = last_database(&mut segments, "docker://driver/tag/db")?;
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
    // Docker's characters only, and a `:` only for a registry's port: anything else could not
    // be written back as the same URL.
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    // A name component starts with a letter or digit (so `_` stays the "no org" placeholder).
    let component = |s: &str| plain(s) && s.starts_with(|c: char| c.is_ascii_alphanumeric());
    let registry = |s: &str| match s.split_once(':') {
        Some((host, port)) => {
            component(host) && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
        }
        None => component(s),
    };
    let segments_ok = segments
        .iter()
        .enumerate()
        .all(|(i, s)| if i == 0 { registry(s) } else { component(s) });
    if !segments_ok || !component(name) || !plain(tag) {
        return Err(format!(
            "bad image `{}`: image names and tags use letters, digits, `.`, `_` and `-` (and a registry's `host:port`)",
            before_query
        ));
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
        Some(v)
            if v.starts_with(|c: char| c.is_ascii_digit())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) =>
        {
            Some(v.to_string())
        }
        Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) => {
            return Err(format!(
                "`{}` is not a version: a version is letters, digits, `.`, `-` and `_`, like 15 or 10.11",
                v.escape_debug()
            ));
        }
        Some(v) => {
            return Err(format!(
                "`{v}` is not a version; write local://{driver}/any/{v} for a database on any installed version"
            ));
        }
    };
    let db = last_database(&mut segments, "local://engine/version/db")?;
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

/// Query strings also take `+` for a space (as Go's `url.ParseQuery`, which Atlas uses).
fn decode_query(s: &str) -> Result<String, String> {
    decode(&s.replace('+', " "))
}

/// The optional database segment that ends a `docker://` or `local://` URL of the given form.
fn last_database<'a>(
    segments: &mut impl Iterator<Item = &'a str>,
    form: &str,
) -> Result<Option<String>, String> {
    let db = segments
        .next()
        .map(decode)
        .transpose()?
        .filter(|db| !db.is_empty());
    match segments.next() {
        Some(extra) => Err(format!("unexpected `/{extra}`: the form is {form}")),
        None => Ok(db),
    }
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
