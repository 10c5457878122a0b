//! The query parameters of a database URL, checked once when the URL is parsed.
//!
//! Each engine has three kinds of parameters:
//! - **applied** ones, which change how assay connects: on PostgreSQL `search_path` (the search
//!   path of every session, also the admin ones), `sslmode` and `options`; on MySQL/MariaDB
//!   `tls`; on SQLite `mode=memory` and the foreign-key switches (`_fk`, `foreign_keys`,
//!   `_foreign_keys`);
//! - **ignored** ones: Atlas or the Go drivers Atlas uses accept them, but they change nothing
//!   a test case on a throw-away database could see (timeouts, TLS certificate files, client
//!   names, Atlas's `parseTime`, the Docker driver's `v`/`verbose` …). They are listed below so
//!   an Atlas user's URL runs unchanged;
//! - everything else is an error naming the parameter and what to do, at parse time.
//!
//! TLS: assay links no TLS library (dev databases are throw-away and usually local), so it
//! connects in plain text. `sslmode=disable`, `allow` and `prefer` (and MySQL `tls=false`,
//! `preferred`) connect without TLS; `require`, `verify-ca`, `verify-full` (`tls=true`,
//! `skip-verify`, a named TLS config) are refused rather than silently downgraded.

use super::{DevUrl, ServerUrl, param};
use crate::Dialect;

/// How assay connects, from the URL's parameters. Obtained with [`DevUrl::client_options`] or
/// [`ServerUrl::client_options`]; the parameters were checked when the URL was parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// PostgreSQL: the schemas of `search_path`, as written (`public`, `app, "My Schema"`).
    pub search_path: Option<String>,
    /// PostgreSQL: the `options` parameter (server settings given at connection start).
    pub options: Option<String>,
    /// Whether the URL asked for no TLS at all (`sslmode=disable`, `tls=false`); otherwise TLS
    /// is merely preferred, which, without a TLS library, means plain text.
    pub tls_disabled: bool,
}

/// PostgreSQL parameters Atlas (lib/pq) accepts that assay ignores.
pub const POSTGRES_IGNORED: &[&str] = &[
    "application_name",
    "fallback_application_name",
    "connect_timeout",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslpassword",
    "sslsni",
    "sslinline",
    "sslcompression",
    "sslnegotiation",
    "krbsrvname",
    "krbspn",
    "gssencmode",
    "channel_binding",
    "target_session_attrs",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "binary_parameters",
    "disable_prepared_binary_result",
    "client_encoding",
];

/// MySQL/MariaDB parameters Atlas (go-sql-driver) accepts that assay ignores.
pub const MYSQL_IGNORED: &[&str] = &[
    "parseTime",
    "charset",
    "collation",
    "loc",
    "timeout",
    "readTimeout",
    "writeTimeout",
    "allowAllFiles",
    "allowCleartextPasswords",
    "allowFallbackToPlaintext",
    "allowNativePasswords",
    "allowOldPasswords",
    "checkConnLiveness",
    "clientFoundRows",
    "columnsWithAlias",
    "interpolateParams",
    "maxAllowedPacket",
    "multiStatements",
    "rejectReadOnly",
    "serverPubKey",
];

/// SQLite parameters Atlas (mattn/go-sqlite3) accepts that assay ignores: each case gets a
/// database of its own, so locking, caching and journaling choices change no result.
pub const SQLITE_IGNORED: &[&str] = &[
    "cache",
    "mode",
    "vfs",
    "immutable",
    "nolock",
    "_auth",
    "_auth_user",
    "_auth_pass",
    "_auth_crypt",
    "_auth_salt",
    "_auto_vacuum",
    "_vacuum",
    "_busy_timeout",
    "_timeout",
    "_case_sensitive_like",
    "_cslike",
    "_defer_foreign_keys",
    "_defer_fk",
    "_ignore_check_constraints",
    "_journal_mode",
    "_journal",
    "_locking_mode",
    "_locking",
    "_loc",
    "_mutex",
    "_query_only",
    "_recursive_triggers",
    "_rt",
    "_secure_delete",
    "_synchronous",
    "_sync",
    "_txlock",
    "_writable_schema",
    "_cache_size",
];

/// Parameters of Atlas's Docker driver that assay ignores (its own output is quiet).
pub const DOCKER_IGNORED: &[&str] = &["v", "verbose"];

const POSTGRES_APPLIED: &[&str] = &["search_path", "sslmode", "options"];
const MYSQL_APPLIED: &[&str] = &["tls"];
const SQLITE_APPLIED: &[&str] = &["_fk", "foreign_keys", "_foreign_keys"];

/// The parameters each dialect's URLs take (MySQL and MariaDB take the same).
impl Dialect {
    fn applied(self) -> &'static [&'static str] {
        match self {
            Dialect::Postgres => POSTGRES_APPLIED,
            Dialect::Mysql => MYSQL_APPLIED,
            Dialect::Sqlite => SQLITE_APPLIED,
        }
    }

    fn ignored(self) -> &'static [&'static str] {
        match self {
            Dialect::Postgres => POSTGRES_IGNORED,
            Dialect::Mysql => MYSQL_IGNORED,
            Dialect::Sqlite => SQLITE_IGNORED,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Mysql => "MySQL/MariaDB",
            Dialect::Sqlite => "SQLite",
        }
    }
}

/// The parameters of every form of URL.
fn params_of(url: &DevUrl) -> &[(String, String)] {
    match url {
        DevUrl::Sqlite { params, .. }
        | DevUrl::Docker { params, .. }
        | DevUrl::Local { params, .. } => params,
        DevUrl::Postgres(server) | DevUrl::Mysql(server) | DevUrl::Mariadb(server) => {
            &server.params
        }
    }
}

/// Checks every parameter of a parsed URL: known to its engine, with a value assay can honour.
pub(super) fn check(url: &DevUrl) -> Result<(), String> {
    let family = url.dialect();
    let docker = matches!(url, DevUrl::Docker { .. });
    for (key, value) in params_of(url) {
        let known = family.applied().contains(&key.as_str())
            || family.ignored().contains(&key.as_str())
            || (docker && DOCKER_IGNORED.contains(&key.as_str()));
        if !known {
            return Err(unknown(family, key));
        }
        check_value(key, value)?;
    }
    Ok(())
}

fn unknown(family: Dialect, key: &str) -> String {
    let hint = match (family, key) {
        (Dialect::Mysql | Dialect::Sqlite, "search_path") => {
            " (search_path is PostgreSQL's; remove it)".to_string()
        }
        (Dialect::Postgres, "tls") => " (PostgreSQL's is `sslmode`)".to_string(),
        (Dialect::Sqlite | Dialect::Postgres, "sslmode" | "tls") => " (remove it)".to_string(),
        _ => String::new(),
    };
    format!(
        "unknown {} URL parameter `{key}`{hint}: assay applies {} and ignores the other \
         parameters Atlas accepts (see docs/databases.md); set session settings in the test \
         instead, or remove the parameter",
        family.title(),
        family
            .applied()
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn check_value(key: &str, value: &str) -> Result<(), String> {
    match key {
        "sslmode" => match value {
            "disable" | "allow" | "prefer" => Ok(()),
            "require" | "verify-ca" | "verify-full" => Err(format!(
                "`sslmode={value}` needs TLS, which assay does not speak (it links no TLS \
                 library): use `sslmode=disable` for a dev database"
            )),
            other => Err(format!(
                "bad `sslmode={other}` (disable, allow, prefer, require, verify-ca, verify-full)"
            )),
        },
        "tls" => match value {
            "false" | "preferred" => Ok(()),
            other => Err(format!(
                "`tls={other}` needs TLS, which assay does not speak (it links no TLS library): \
                 use `tls=false` for a dev database"
            )),
        },
        "search_path" if value.trim().is_empty() => {
            Err("`search_path=` names no schema: give one (`search_path=public`)".to_string())
        }
        _ => Ok(()),
    }
}

fn options_of(params: &[(String, String)]) -> ClientOptions {
    ClientOptions {
        search_path: param(params, "search_path").map(str::to_string),
        options: param(params, "options").map(str::to_string),
        tls_disabled: matches!(param(params, "sslmode"), Some("disable"))
            || matches!(param(params, "tls"), Some("false")),
    }
}

impl DevUrl {
    /// How to connect, from the URL's parameters (checked by [`parse`](super::parse)).
    pub fn client_options(&self) -> ClientOptions {
        options_of(params_of(self))
    }
}

impl ServerUrl {
    /// How to connect, from the URL's parameters (checked by [`parse`](super::parse)).
    pub fn client_options(&self) -> ClientOptions {
        options_of(&self.params)
    }
}
