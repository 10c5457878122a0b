use super::*;

fn server(url: &str) -> ServerUrl {
    match parse(url).unwrap() {
        DevUrl::Postgres(s) | DevUrl::Mysql(s) | DevUrl::Mariadb(s) => s,
        other => panic!("not a server URL: {other:?}"),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every URL a user can write reads back to the same value from its canonical form.
fn assert_round_trip(url: &str) {
    let parsed = parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let canonical = parsed.to_url();
    assert_eq!(parse(&canonical).unwrap(), parsed, "{url} -> {canonical}");
    assert_eq!(
        parse(&canonical).unwrap().to_url(),
        canonical,
        "canonical form is stable"
    );
}

#[test]
fn sqlite_files_and_memory() {
    assert_eq!(
        parse("sqlite://file.db?_fk=1").unwrap(),
        DevUrl::Sqlite {
            path: Some("file.db".into()),
            name: "file.db".into(),
            params: pairs(&[("_fk", "1")])
        }
    );
    assert_eq!(
        parse("sqlite:///abs/path.db").unwrap(),
        DevUrl::Sqlite {
            path: Some("/abs/path.db".into()),
            name: "/abs/path.db".into(),
            params: vec![]
        }
    );
    // The URL Atlas's integration scripts use for their file database.
    assert_eq!(
        parse("sqlite://file:/work/atlas.sqlite?cache=shared&_fk=1").unwrap(),
        DevUrl::Sqlite {
            path: Some("/work/atlas.sqlite".into()),
            name: "/work/atlas.sqlite".into(),
            params: pairs(&[("cache", "shared"), ("_fk", "1")]),
        }
    );
    assert_eq!(
        parse("sqlite://dev?mode=memory&_fk=1").unwrap(),
        DevUrl::Sqlite {
            path: None,
            name: "dev".into(),
            params: pairs(&[("_fk", "1")])
        }
    );
    for anonymous in [
        "sqlite::memory:",
        "sqlite://:memory:",
        "sqlite://?mode=memory",
        "sqlite://file::memory:",
    ] {
        assert_eq!(
            parse(anonymous).unwrap(),
            DevUrl::Sqlite {
                path: None,
                name: String::new(),
                params: vec![]
            },
            "{anonymous}"
        );
    }
    assert_eq!(parse("sqlite:rel/x.db").unwrap().dialect(), Dialect::Sqlite);
    assert!(parse("sqlite://").is_err());
}

#[test]
fn postgres_urls() {
    let s = server("postgres://user:pass@host:5432/db?search_path=public&sslmode=disable");
    assert_eq!(
        s,
        ServerUrl {
            user: Some("user".into()),
            password: Some("pass".into()),
            host: "host".into(),
            port: Some(5432),
            database: Some("db".into()),
            params: pairs(&[("search_path", "public"), ("sslmode", "disable")]),
            socket: None,
        }
    );
    assert_eq!(s.param("search_path"), Some("public"));
    assert_eq!(
        parse("postgresql://h/db").unwrap().engine().name(),
        "postgres"
    );
    assert_eq!(server("postgres://localhost").database, None);
    assert_eq!(server("postgres://localhost/").database, None);
    assert_eq!(server("POSTGRES://h/db").host, "h");
}

#[test]
fn percent_decoding_of_user_password_and_database() {
    let s = server("postgres://us%40er:p%40ss%2Fw%3Ard@h/my%20db?application_name=a+b");
    assert_eq!(s.user.as_deref(), Some("us@er"));
    assert_eq!(s.password.as_deref(), Some("p@ss/w:rd"));
    assert_eq!(s.database.as_deref(), Some("my db"));
    assert_eq!(s.param("application_name"), Some("a b"));
    // A raw `@` in the password still parses: the userinfo ends at the last `@`.
    assert_eq!(
        server("postgres://u:p@ss@h/db").password.as_deref(),
        Some("p@ss")
    );
    assert!(
        parse("postgres://u:%zz@h/db")
            .unwrap_err()
            .contains("percent-escape")
    );
    assert!(
        !parse("postgres://u:%zz@h/db").unwrap_err().contains("%zz"),
        "the password is masked"
    );
}

#[test]
fn ipv6_hosts() {
    let s = server("postgres://u@[::1]:5433/db");
    assert_eq!((s.host.as_str(), s.port), ("::1", Some(5433)));
    assert_eq!(server("mysql://[fe80::1]/db").host, "fe80::1");
    assert!(parse("postgres://::1/db").unwrap_err().contains("brackets"));
    assert!(parse("postgres://[::1/db").is_err());
    assert_eq!(s.to_url("postgres"), "postgres://u@[::1]:5433/db");
}

#[test]
fn postgres_socket_directories() {
    let s = server("postgres:///db?host=/var/run/postgresql&sslmode=disable");
    assert_eq!(s.socket, Some(PathBuf::from("/var/run/postgresql")));
    assert_eq!(s.host, "");
    assert_eq!(s.params, pairs(&[("sslmode", "disable")]));
    let s = server("postgres://%2Ftmp%2Fpg/db");
    assert_eq!(s.socket, Some(PathBuf::from("/tmp/pg")));
    // A `host` parameter that is not a path names a host.
    assert_eq!(
        server("postgres:///db?host=example.com").host,
        "example.com"
    );
}

#[test]
fn mysql_and_mariadb_urls() {
    let s = server("mysql://root:pass@localhost:3306/schema?parseTime=true");
    assert_eq!(s.database.as_deref(), Some("schema"));
    assert_eq!(s.port, Some(3306));
    assert_eq!(s.params, pairs(&[("parseTime", "true")]));
    assert_eq!(server("mysql://localhost:3306/").database, None);
    for url in ["maria://root@h/db", "mariadb://root@h/db"] {
        let parsed = parse(url).unwrap();
        assert!(matches!(parsed, DevUrl::Mariadb(_)));
        assert_eq!(
            (parsed.engine().name(), parsed.dialect()),
            ("mariadb", Dialect::Mysql)
        );
    }
    assert_eq!(parse("mysql://h/db").unwrap().engine().name(), "mysql");
    assert!(
        parse("mysql://h/a/b")
            .unwrap_err()
            .contains("single schema")
    );
    assert!(
        parse("mysql://h:99999/db")
            .unwrap_err()
            .contains("bad port")
    );
    assert!(parse("mysql://h:x/db").unwrap_err().contains("bad port"));
}

#[test]
fn unix_sockets() {
    let s = server("mysql+unix:///tmp/mysql.sock?database=db");
    assert_eq!(s.socket, Some(PathBuf::from("/tmp/mysql.sock")));
    assert_eq!(
        (s.database.as_deref(), s.user.as_deref()),
        (Some("db"), None)
    );
    assert!(s.params.is_empty());
    let s = server("mysql+unix://user:pw@/tmp/mysql.sock?database=db&tls=false");
    assert_eq!(
        (s.user.as_deref(), s.password.as_deref()),
        (Some("user"), Some("pw"))
    );
    assert_eq!(s.params, pairs(&[("tls", "false")]));
    assert_eq!(
        s.to_url("mysql+unix"),
        "mysql+unix://user:pw@/tmp/mysql.sock?database=db&tls=false"
    );
    assert!(matches!(
        parse("maria+unix:///run/mysqld/mysqld.sock").unwrap(),
        DevUrl::Mariadb(_)
    ));
    assert!(matches!(
        parse("mariadb+unix:///run/mysqld/mysqld.sock").unwrap(),
        DevUrl::Mariadb(_)
    ));
    assert!(parse("mysql+unix://").unwrap_err().contains("socket path"));
}

#[test]
fn docker_urls() {
    let docker = |engine, image: &str, tag: &str, db: Option<&str>, custom| DevUrl::Docker {
        engine,
        image: image.into(),
        tag: tag.into(),
        db: db.map(str::to_string),
        params: vec![],
        custom,
    };
    assert_eq!(
        parse("docker://postgres/15/dev").unwrap(),
        docker(Engine::Postgres, "postgres", "15", Some("dev"), false)
    );
    assert_eq!(
        parse("docker://postgres/15").unwrap(),
        docker(Engine::Postgres, "postgres", "15", None, false)
    );
    assert_eq!(
        parse("docker://mysql/8/dev").unwrap(),
        docker(Engine::Mysql, "mysql", "8", Some("dev"), false)
    );
    assert_eq!(
        parse("docker://maria/latest/dev").unwrap(),
        docker(Engine::Mariadb, "mariadb", "latest", Some("dev"), false)
    );
    assert_eq!(
        parse("docker://mariadb/10.11/dev").unwrap(),
        docker(Engine::Mariadb, "mariadb", "10.11", Some("dev"), false)
    );
    assert_eq!(
        parse("docker://postgres").unwrap(),
        docker(Engine::Postgres, "postgres", "latest", None, false)
    );
    assert_eq!(
        parse("docker://postgis/15-3.4/dev").unwrap(),
        docker(
            Engine::Postgres,
            "postgis/postgis",
            "15-3.4",
            Some("dev"),
            false
        )
    );
    let with_params = parse("docker://postgres/15/dev?search_path=public").unwrap();
    assert!(
        matches!(&with_params, DevUrl::Docker { params, .. } if params == &pairs(&[("search_path", "public")]))
    );
    assert_eq!(with_params.dialect(), Dialect::Postgres);
    assert!(
        parse("docker://oracle/21")
            .unwrap_err()
            .contains("unknown docker driver")
    );
    assert!(parse("docker://postgres/15/dev/x").is_err());
}

#[test]
fn docker_custom_images() {
    let docker = |engine, image: &str, tag: &str, db: Option<&str>| DevUrl::Docker {
        engine,
        image: image.into(),
        tag: tag.into(),
        db: db.map(str::to_string),
        params: vec![],
        custom: true,
    };
    assert_eq!(
        parse("docker+postgres://_/image:tag/dev").unwrap(),
        docker(Engine::Postgres, "image", "tag", Some("dev"))
    );
    assert_eq!(
        parse("docker+mysql://org/image:tag/dev").unwrap(),
        docker(Engine::Mysql, "org/image", "tag", Some("dev"))
    );
    // The last segment is a database only when it has no `:`.
    assert_eq!(
        parse("docker+postgres://_/image:tag").unwrap(),
        docker(Engine::Postgres, "image", "tag", None)
    );
    assert_eq!(
        parse("docker+mysql://org/image/dev").unwrap(),
        docker(Engine::Mysql, "org/image", "latest", Some("dev"))
    );
    assert_eq!(
        parse("docker+postgres://_/image").unwrap(),
        docker(Engine::Postgres, "image", "latest", None)
    );
    assert_eq!(
        parse("docker+mariadb://_/m:10/db").unwrap(),
        docker(Engine::Mariadb, "m", "10", Some("db"))
    );
    assert!(
        parse("docker+postgres://_/")
            .unwrap_err()
            .contains("missing image")
    );
    assert!(parse("docker+sqlserver://_/x:1").is_err());
}

#[test]
fn local_servers() {
    assert_eq!(
        parse("local://postgres/15/db").unwrap(),
        DevUrl::Local {
            engine: Engine::Postgres,
            version: Some("15".into()),
            db: Some("db".into()),
            params: vec![]
        }
    );
    assert_eq!(
        parse("local://postgres").unwrap(),
        DevUrl::Local {
            engine: Engine::Postgres,
            version: None,
            db: None,
            params: vec![]
        }
    );
    assert_eq!(
        parse("local://mariadb/10.11/db").unwrap(),
        DevUrl::Local {
            engine: Engine::Mariadb,
            version: Some("10.11".into()),
            db: Some("db".into()),
            params: vec![]
        }
    );
    assert!(matches!(
        parse("local://postgres/any/db").unwrap(),
        DevUrl::Local { version: None, .. }
    ));
    assert!(
        parse("local://postgres/db")
            .unwrap_err()
            .contains("local://postgres/any/db")
    );
    assert!(parse("local://sqlite").is_err());
    assert_eq!(parse("local://mysql/8").unwrap().engine().name(), "mysql");
}

#[test]
fn bad_urls_list_the_accepted_forms() {
    for bad in ["", "localhost:5432", "oracle://x/y", "http://h/db"] {
        let err = parse(bad).unwrap_err();
        assert!(
            err.contains("accepted forms") && err.contains("docker://postgres/15/dev"),
            "{bad}: {err}"
        );
    }
    assert!(
        parse("oracle://x")
            .unwrap_err()
            .contains("unknown scheme `oracle://`")
    );
}

#[test]
fn canonical_forms_round_trip() {
    for url in [
        "sqlite://file.db?_fk=1",
        "sqlite:///abs/path.db",
        "sqlite://dev?mode=memory&_fk=1",
        "sqlite::memory:",
        "sqlite://my%20file.db",
        "postgres://user:pass@host:5432/db?search_path=public&sslmode=disable",
        "postgresql://us%40er:p%26ss@[::1]:5433/my%20db",
        "postgres:///db?host=/var/run/postgresql",
        "postgres://h",
        "mysql://root:pass@localhost:3306/schema?parseTime=true",
        "mysql+unix://u:p@/tmp/mysql.sock?database=db",
        "maria://root@h/db",
        "mariadb+unix:///run/mysqld.sock",
        "docker://postgres/15/dev?search_path=public",
        "docker://postgres/15",
        "docker://postgis/15-3.4/dev",
        "docker://maria/latest/dev",
        "docker+postgres://_/image:tag/dev",
        "docker+mysql://org/image:tag",
        "local://postgres",
        "local://postgres/15",
        "local://postgres/any/db",
        "local://mariadb/10.11/db?tls=false",
    ] {
        assert_round_trip(url);
    }
    assert_eq!(
        parse("postgresql://h/db").unwrap().to_url(),
        "postgres://h/db"
    );
    assert_eq!(
        parse("docker://maria/latest/dev").unwrap().to_url(),
        "docker://mariadb/latest/dev"
    );
}

#[test]
fn display_masks_the_password() {
    let url = parse("postgres://u:secret@h/db?sslmode=disable").unwrap();
    assert_eq!(url.to_string(), "postgres://u:***@h/db?sslmode=disable");
    assert_eq!(url.to_url(), "postgres://u:secret@h/db?sslmode=disable");
}

#[test]
fn masking_passwords_in_urls() {
    assert_eq!(
        mask_password("postgres://u:secret@h/db"),
        "postgres://u:***@h/db"
    );
    assert_eq!(
        mask_password("mysql://root:pass@localhost:3306/x"),
        "mysql://root:***@localhost:3306/x"
    );
    assert_eq!(
        mask_password("postgres://u:p@ss/w@h/db"),
        "postgres://u:***@h/db"
    );
    assert_eq!(
        mask_password("mysql+unix://u:pw@/tmp/s.sock"),
        "mysql+unix://u:***@/tmp/s.sock"
    );
    // Nothing to hide.
    for plain in [
        "postgres://u@h/db",
        "postgres://h:5432/db",
        "docker+postgres://_/image:tag/dev",
        "sqlite://file:/x.db",
    ] {
        assert_eq!(mask_password(plain), plain);
    }
    assert_eq!(mask_password("postgres://u:@h/db"), "postgres://u:@h/db");
    // Inside other text, several URLs.
    assert_eq!(
        mask_password("cannot connect to \"postgres://a:b@h/db\" nor mysql://c:d@h/e: refused"),
        "cannot connect to \"postgres://a:***@h/db\" nor mysql://c:***@h/e: refused"
    );
}

#[test]
fn masking_passwords_in_parameters() {
    assert_eq!(
        mask_password("postgres://h/db?user=u&password=secret&x=1"),
        "postgres://h/db?user=u&password=***&x=1"
    );
    assert_eq!(
        mask_password("host=h user=u password=secret dbname=d"),
        "host=h user=u password=*** dbname=d"
    );
    assert_eq!(
        mask_password("password='a b' dbname=d"),
        "password=*** dbname=d"
    );
    assert_eq!(
        mask_password("sslpassword=x;PWD=y"),
        "sslpassword=***;PWD=***"
    );
    assert_eq!(mask_password("password= dbname=d"), "password= dbname=d");
    assert_eq!(mask_password("bypass=1 passwords"), "bypass=1 passwords");
}

#[test]
fn masking_found_by_fuzzing() {
    // url_mask: a password ending in `:` was left in clear (`u:pa:@h` looked like no password).
    assert_eq!(
        mask_password("cannot connect to postgres://:\u{6}\0\u{6}:@ and more"),
        "cannot connect to postgres://:***@ and more"
    );
    assert_eq!(
        mask_password("postgres://u:hunter2:@h/db"),
        "postgres://u:***@h/db"
    );
    // dev_url: a non-ASCII character before `=` made the key's start fall inside it (a panic).
    assert_eq!(mask_password("\u{fffd}=\0\u{fffd}"), "\u{fffd}=\0\u{fffd}");
    assert_eq!(mask_password("épassword=x"), "épassword=***");
    // url_mask: a URL-like text before `password=` took the key into its userinfo (which ends
    // at the last `@`) and left a value holding `@` in clear.
    assert_eq!(
        mask_password("host=h \0:////:\0x\0password=@:/y dbname=d"),
        "host=h \0:////:*** dbname=d"
    );
    // url_mask: and the other way round, a `password=` inside the user hid the `:` that
    // starts the URL's password when settings were masked first.
    assert_eq!(
        mask_password("to postgres://xpassword=a:;b@s2 and more"),
        "to postgres://xpassword=***@s2 and more"
    );
    assert_eq!(
        mask_password("a://u:v password=p@ss dbname=d"),
        "a://u:v password=*** dbname=d"
    );
}

#[test]
fn round_trips_found_by_fuzzing() {
    // dev_url: a password given as a parameter with no user was dropped from the canonical form.
    let url = parse("postgres:///db?host=/var/run&password=A%00b-disable").unwrap();
    assert_eq!(parse(&url.to_url()).unwrap(), url);
    assert_eq!(
        mask_password(&url.to_url()),
        "postgres:///db?password=***&host=/var/run"
    );
    // dev_url: a local:// version holding a control character lost it when the URL was
    // trimmed; a version is letters, digits, `.`, `-` and `_`.
    let err = parse("local://mariadb/1cal:\u{fffd}\r/").unwrap_err();
    assert!(err.contains("is not a version"), "{err}");
    assert!(parse("local://mariadb/10.11/db").is_ok());
    // dev_url: a SQLite name that starts with `file:` after the prefix lost it on the way back.
    for url in [
        "sqlite://file:file:/x.db/x.db",
        "sqlite://file:file:m?mode=memory",
    ] {
        let parsed = parse(url).unwrap();
        assert_eq!(parse(&parsed.to_url()).unwrap(), parsed, "{url}");
    }
}

#[test]
fn a_host_with_a_colon_that_is_no_ipv6_address_reads_back() {
    // dev_url: `%3A` in a host decoded to `:`, and the canonical form bracketed it as IPv6.
    let url = parse("mysql://%00s.sor%3Ap%26s%7Bh/db").unwrap();
    assert_eq!(parse(&url.to_url()).unwrap(), url);
    let v6 = parse("postgres://u@[::1]:5432/db").unwrap();
    assert_eq!(v6.to_url(), "postgres://u@[::1]:5432/db");
}

#[test]
fn custom_docker_images_with_odd_characters_are_errors() {
    // dev_url: an image with `:` and `+` in its path segments wrote back as another URL.
    let err = parse("docker+postgres:///_/postgrds:d51c+postgres://_/postgrds:d51/ev").unwrap_err();
    assert!(err.contains("image names and tags use letters"), "{err}");
    // An org `_` after the placeholder read back as no org.
    assert!(parse("docker+postgres://_/_/qs/_db").is_err());
    let ok = parse("docker+postgres://localhost:5000/team/pg:15/dev").unwrap();
    assert_eq!(parse(&ok.to_url()).unwrap(), ok);
}

#[test]
fn parse_errors_never_show_the_password() {
    for url in [
        "postgres://u:hunter2@h:x/db",
        "postgres://u:hun?ter2@h/db",
        "postgres://u:hun/ter2@h/db",
        "postgres://u:1/hunter2@h/db",
        "mysql://u:%zzhunter2@h/db",
    ] {
        let err = parse(url).unwrap_err();
        assert!(!err.contains("hunter2") && !err.contains("ter2"), "{err}");
        assert!(err.contains("u:***@"), "{err}");
    }
    assert!(
        parse("postgres://u:p?ss@h/db")
            .unwrap_err()
            .contains("percent-encoded")
    );
}

#[test]
fn atlas_parameters_on_every_postgres_form() {
    for url in [
        "postgres://u@h:5432/db?search_path=public&sslmode=disable",
        "postgresql://u:pw@h/db?sslmode=disable&search_path=public",
        "postgres:///db?host=/var/run/postgresql&search_path=public&sslmode=disable",
        "docker://postgres/15/dev?search_path=public&sslmode=disable",
        "docker+postgres://_/postgres:15/dev?search_path=public&sslmode=disable",
        "local://postgres?search_path=public&sslmode=disable",
        "local://postgres/15/db?search_path=public&sslmode=disable",
    ] {
        let parsed = parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(
            parsed.client_options(),
            ClientOptions {
                search_path: Some("public".into()),
                options: None,
                tls_disabled: true,
            },
            "{url}"
        );
        assert_round_trip(url);
    }
    let opts = parse("postgres://h/db?search_path=app,+%22My+Schema%22&options=-c+work_mem%3D8MB")
        .unwrap()
        .client_options();
    assert_eq!(opts.search_path.as_deref(), Some("app, \"My Schema\""));
    assert_eq!(opts.options.as_deref(), Some("-c work_mem=8MB"));
    assert!(!opts.tls_disabled);
    // Without sslmode TLS is only preferred (plain text: assay links no TLS library).
    assert!(
        !parse("postgres://h/db?sslmode=prefer")
            .unwrap()
            .client_options()
            .tls_disabled
    );
}

#[test]
fn atlas_parameters_on_every_mysql_and_sqlite_form() {
    for url in [
        "mysql://root:pass@localhost:3306/schema?parseTime=true&tls=false",
        "maria://root:pass@localhost/schema?tls=false&charset=utf8mb4",
        "mariadb+unix://u@/tmp/mysql.sock?database=db&tls=false&parseTime=true",
        "docker://mariadb/10.11/dev?tls=false&v",
        "local://mariadb?tls=false&parseTime=true",
        "local://mysql/any/db?tls=false",
    ] {
        let parsed = parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(parsed.client_options().tls_disabled, "{url}");
        assert_eq!(parsed.client_options().search_path, None, "{url}");
    }
    for url in [
        "sqlite://file.db?_fk=1&cache=shared&_busy_timeout=5000",
        "sqlite://dev?mode=memory&_fk=1&cache=shared",
        "sqlite::memory:?_foreign_keys=on",
    ] {
        parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

#[test]
fn an_unknown_parameter_is_an_error_naming_it() {
    for (url, names) in [
        ("postgres://u@h/db?search_pth=public", "`search_pth`"),
        ("postgres://u@h/db?TimeZone=UTC", "`TimeZone`"),
        ("local://postgres?tls=false", "PostgreSQL's is `sslmode`"),
        (
            "mysql://u@h/db?search_path=public",
            "search_path is PostgreSQL's",
        ),
        ("docker://postgres/15?sql_mode=ANSI", "`sql_mode`"),
        (
            "sqlite://dev?mode=memory&search_path=x",
            "search_path is PostgreSQL's",
        ),
        ("local://mariadb?x=1", "`x`"),
    ] {
        let e = parse(url).unwrap_err();
        assert!(e.contains("unknown") && e.contains(names), "{url}: {e}");
        assert!(e.contains("remove the parameter"), "{e}");
    }
    // Atlas's Docker driver flags are for docker:// only.
    assert!(parse("postgres://u@h/db?verbose").is_err());
}

#[test]
fn tls_that_assay_cannot_give_is_refused_not_downgraded() {
    for url in [
        "postgres://u@h/db?sslmode=require",
        "postgres://u@h/db?sslmode=verify-full",
        "local://postgres?sslmode=verify-ca",
        "mysql://u@h/db?tls=true",
        "docker://mysql/8?tls=skip-verify",
    ] {
        let e = parse(url).unwrap_err();
        assert!(e.contains("needs TLS"), "{url}: {e}");
    }
    assert!(
        parse("postgres://u@h/db?sslmode=bogus")
            .unwrap_err()
            .contains("bad `sslmode=bogus`")
    );
    assert!(
        parse("postgres://u@h/db?search_path=")
            .unwrap_err()
            .contains("names no schema")
    );
}

#[test]
fn libpq_address_parameters_fill_the_address() {
    let s = server("postgres://h/db?user=u&password=p%40ss&port=5433&dbname=app");
    assert_eq!(s.user.as_deref(), Some("u"));
    assert_eq!(s.password.as_deref(), Some("p@ss"));
    assert_eq!(s.port, Some(5433));
    assert_eq!(s.database.as_deref(), Some("app"));
    assert!(s.params.is_empty());
    assert!(
        parse("postgres://h/db?port=x")
            .unwrap_err()
            .contains("bad `port`")
    );
}
