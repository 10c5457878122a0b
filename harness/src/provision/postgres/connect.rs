//! How to reach a PostgreSQL server: parsed from a URL, turned into a tokio-postgres config or
//! back into a URL, with the password masked wherever it could be shown.

use std::fmt;
use std::time::Duration;

use tokio_postgres::Config;

use crate::engine::postgres::error_chain;
use crate::provision::{ProvisionError, Result};

/// How to reach a PostgreSQL server. `Debug` masks the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgConnect {
    /// A TCP host name or address, or an absolute unix socket directory.
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    /// The database the admin connection uses.
    pub dbname: String,
}

impl fmt::Debug for PgConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked_url(&self.dbname))
    }
}

impl PgConnect {
    /// Parses a `postgres://user:pass@host:port/db` URL (or a libpq key=value string).
    pub fn parse(url: &str) -> Result<PgConnect> {
        let config: Config = url.parse().map_err(|e: tokio_postgres::Error| {
            // The parser's messages name options, never their values.
            ProvisionError(format!("not a PostgreSQL URL: {}", error_chain(&e)))
        })?;
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            Some(tokio_postgres::config::Host::Unix(p)) => p.to_string_lossy().into_owned(),
            None => "localhost".to_string(),
        };
        let user = config.get_user().unwrap_or("postgres").to_string();
        Ok(PgConnect {
            host,
            port: config.get_ports().first().copied().unwrap_or(5432),
            dbname: config.get_dbname().unwrap_or(&user).to_string(),
            user,
            password: config
                .get_password()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
        })
    }

    /// The tokio-postgres config for database `db`.
    pub fn config(&self, db: &str) -> Config {
        let mut config = Config::new();
        if self.host.starts_with('/') {
            config.host_path(&self.host);
        } else {
            config.host(&self.host);
        }
        config
            .port(self.port)
            .user(&self.user)
            .dbname(db)
            .application_name("assay")
            .connect_timeout(Duration::from_secs(10));
        if let Some(password) = &self.password {
            config.password(password);
        }
        config
    }

    /// `postgres://user:password@host:port/db`, with the real password.
    pub fn url(&self, db: &str) -> String {
        self.url_with(db, self.password.as_deref())
    }

    /// The URL with the password replaced by `***`, for messages.
    pub fn masked_url(&self, db: &str) -> String {
        self.url_with(db, self.password.as_ref().map(|_| "***"))
    }

    fn url_with(&self, db: &str, password: Option<&str>) -> String {
        let mut url = format!(
            "postgres://{}",
            dbassay_dsl::url::percent_encode(&self.user)
        );
        if let Some(password) = password {
            url.push(':');
            url.push_str(&if password == "***" {
                password.to_string()
            } else {
                dbassay_dsl::url::percent_encode(password)
            });
        }
        let host = if self.host.starts_with('/') {
            dbassay_dsl::url::percent_encode(&self.host)
        } else {
            self.host.clone()
        };
        url.push_str(&format!(
            "@{host}:{}/{}",
            self.port,
            dbassay_dsl::url::percent_encode(db)
        ));
        url
    }
}
