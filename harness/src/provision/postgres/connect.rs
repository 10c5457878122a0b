//! How to reach a PostgreSQL server: parsed from a URL, turned into a tokio-postgres config or
//! back into a URL, with the password masked wherever it could be shown.

use std::fmt;
use std::time::Duration;

use dbassay_dsl::url::{ClientOptions, DevUrl, ServerUrl};
use tokio_postgres::Config;
use tokio_postgres::config::SslMode;

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
    /// From the dev URL's parameters: the search path every session gets (as a server
    /// setting at connection start, so `RESET`/`DISCARD ALL` return to it), extra `options`,
    /// and whether TLS is disabled (else preferred, which without a TLS library means plain).
    pub client: ClientOptions,
}

impl fmt::Debug for PgConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked_url(&self.dbname))
    }
}

impl PgConnect {
    /// Parses a `postgres://user:pass@host:port/db?search_path=…` URL (through
    /// [`dbassay_dsl::url::parse`], which checks its parameters).
    pub fn parse(url: &str) -> Result<PgConnect> {
        match dbassay_dsl::url::parse(url).map_err(ProvisionError)? {
            DevUrl::Postgres(server) => Ok(PgConnect::from_server(&server)),
            other => Err(ProvisionError(format!(
                "not a PostgreSQL URL: {other} is a {} URL",
                other.engine()
            ))),
        }
    }

    /// How to reach the server a parsed `postgres://` URL names, with its parameters applied.
    /// libpq's defaults fill the gaps: `localhost`, port 5432, user `postgres`, the database
    /// named as the user.
    pub fn from_server(server: &ServerUrl) -> PgConnect {
        let host = match &server.socket {
            Some(dir) => dir.to_string_lossy().into_owned(),
            None if server.host.is_empty() => "localhost".to_string(),
            None => server.host.clone(),
        };
        let user = server
            .user
            .clone()
            .unwrap_or_else(|| "postgres".to_string());
        PgConnect {
            host,
            port: server.port.unwrap_or(5432),
            dbname: server.database.clone().unwrap_or_else(|| user.clone()),
            user,
            password: server.password.clone(),
            client: server.client_options(),
        }
    }

    /// These facts with the client options of a dev URL (`search_path`, `sslmode`), for
    /// servers assay started itself.
    pub fn with_client(mut self, client: &ClientOptions) -> PgConnect {
        self.client = client.clone();
        self
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
        if let Some(options) = self.startup_options() {
            config.options(&options);
        }
        config.ssl_mode(if self.client.tls_disabled {
            SslMode::Disable
        } else {
            SslMode::Prefer
        });
        config
    }

    /// The server settings sent at connection start: `-c search_path=…` and the URL's own
    /// `options`. Whitespace and backslashes in the search path are escaped, as the server
    /// splits the options at whitespace.
    fn startup_options(&self) -> Option<String> {
        let mut options = Vec::new();
        if let Some(path) = &self.client.search_path {
            let mut escaped = String::from("-c search_path=");
            for c in path.chars() {
                if c.is_whitespace() || c == '\\' {
                    escaped.push('\\');
                }
                escaped.push(c);
            }
            options.push(escaped);
        }
        options.extend(self.client.options.clone());
        (!options.is_empty()).then(|| options.join(" "))
    }

    /// The URL with the password masked, for messages.
    pub fn masked_url(&self, db: &str) -> String {
        dbassay_dsl::url::mask_password(&self.url(db))
    }

    /// `postgres://user:password@host:port/db`, with the real password.
    pub fn url(&self, db: &str) -> String {
        let mut url = format!(
            "postgres://{}",
            dbassay_dsl::url::percent_encode(&self.user)
        );
        if let Some(password) = &self.password {
            url.push(':');
            url.push_str(&dbassay_dsl::url::percent_encode(password));
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
        // libpq and the drivers built on it read `options`; programs given the URL get the
        // same search path as assay's own sessions.
        let mut params = Vec::new();
        if let Some(options) = self.startup_options() {
            params.push(format!(
                "options={}",
                dbassay_dsl::url::percent_encode(&options)
            ));
        }
        if self.client.tls_disabled {
            params.push("sslmode=disable".to_string());
        }
        if !params.is_empty() {
            url.push('?');
            url.push_str(&params.join("&"));
        }
        url
    }
}
