//! The Docker provisioner against a real daemon and real containers (no mocks).
//!
//! Needs dockerd and the local images (`.ci/docker-setup.sh` provides both). Without them the
//! tests fail when `CI` is set and skip, loudly, otherwise.
//!
//! Some tests re-run this binary as a child process (`child_entry` with `ASSAY_DOCKER_CHILD`
//! set) to see what happens to a container when a process is interrupted, panics or just exits.
#![cfg(feature = "docker")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dbassay::engine::Engine;
use dbassay::provision::cleanup;
use dbassay::provision::docker::{self, DockerServer, DockerSpec};
use dbassay::runtime::block_on;

/// True when Docker and the images are here; otherwise fails under CI and skips loudly.
fn docker_ready(images: &[(&str, &str)]) -> bool {
    let missing = match docker::available() {
        Err(e) => Some(e.to_string()),
        Ok(()) => images
            .iter()
            .find(|(image, tag)| !docker::image_present(image, tag).unwrap_or(false))
            .map(|(image, tag)| {
                format!("image {image}:{tag} is missing: run testdata/docker/build-images.sh")
            }),
    };
    match missing {
        None => true,
        Some(why) if std::env::var_os("CI").is_some() => {
            panic!("CI is set and Docker is not usable: {why}")
        }
        Some(why) => {
            // Straight to the process's stderr: libtest captures eprintln! of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! SKIPPED: Docker is not usable here: {why}\n"
            );
            false
        }
    }
}

/// A run id of its own for each test, so tests running in parallel never see each other.
fn spec(engine: Engine, image: &str, tag: &str, test: &str) -> DockerSpec {
    let mut spec = DockerSpec::new(engine, image, tag, Some("dev"));
    spec.run_id = format!("test-{test}-{}", std::process::id());
    spec
}

/// Container ids labelled with the run, as `docker ps -a` shows them.
fn containers_of_run(run_id: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=dev.assay.run={run_id}"),
        ])
        .output()
        .expect("the docker client runs");
    assert!(
        out.status.success(),
        "docker ps failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn postgres_select(server: &DockerServer, sql: &str) -> String {
    block_on(async {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&server.host)
            .port(server.port)
            .user(&server.user)
            .password(&server.password)
            .dbname(server.database.as_deref().unwrap());
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let row = client.query_one(sql, &[]).await.unwrap();
        row.get::<_, String>(0)
    })
}

fn mysql_select(server: &DockerServer, sql: &str) -> String {
    use mysql_async::prelude::Queryable;
    block_on(async {
        let opts = mysql_async::OptsBuilder::default()
            .ip_or_hostname(server.host.clone())
            .tcp_port(server.port)
            .user(Some(server.user.clone()))
            .pass(Some(server.password.clone()))
            .db_name(server.database.clone())
            .prefer_socket(false);
        let mut conn = mysql_async::Conn::new(opts).await.unwrap();
        let value: Option<String> = conn.query_first(sql).await.unwrap();
        conn.disconnect().await.unwrap();
        value.unwrap()
    })
}

#[test]
fn postgres_container_answers_and_stop_removes_it() {
    if !docker_ready(&[("postgres", "15")]) {
        return;
    }
    let spec = spec(Engine::Postgres, "postgres", "15", "pg");
    let server = docker::start(&spec).unwrap();
    assert_eq!(server.host, "127.0.0.1");
    assert_eq!(containers_of_run(&spec.run_id).len(), 1);
    assert_eq!(
        postgres_select(&server, "SELECT current_database()::text || ' ' || 1"),
        "dev 1"
    );
    assert!(
        !format!("{server:?}").contains(&server.password),
        "Debug shows the password"
    );

    docker::stop(&server).unwrap();
    assert!(
        containers_of_run(&spec.run_id).is_empty(),
        "the container is still there"
    );
    // Stopping twice is harmless.
    docker::stop(&server).unwrap();
}

#[test]
fn mariadb_container_answers_and_stop_removes_it() {
    if !docker_ready(&[("mariadb", "10.11")]) {
        return;
    }
    let spec = spec(Engine::Mariadb, "mariadb", "10.11", "maria");
    let server = docker::start(&spec).unwrap();
    assert_eq!(server.user, "root");
    assert_eq!(
        mysql_select(&server, "SELECT CONCAT(DATABASE(), ' ', 1)"),
        "dev 1"
    );
    assert!(mysql_select(&server, "SELECT VERSION()").contains("MariaDB"));

    docker::stop(&server).unwrap();
    assert!(
        containers_of_run(&spec.run_id).is_empty(),
        "the container is still there"
    );
}

#[test]
fn mysql_url_runs_on_the_mariadb_image_as_mysql_8() {
    if !docker_ready(&[("mysql", "8")]) {
        return;
    }
    let spec = spec(Engine::Mysql, "mysql", "8", "mysql");
    let server = docker::start(&spec).unwrap();
    assert_eq!(mysql_select(&server, "SELECT DATABASE()"), "dev");
    docker::stop(&server).unwrap();
    assert!(containers_of_run(&spec.run_id).is_empty());
}

#[test]
fn a_container_that_dies_at_start_says_why() {
    if !docker_ready(&[("mariadb", "10.11")]) {
        return;
    }
    // The MariaDB image started as PostgreSQL gets no MARIADB_ROOT_PASSWORD and exits.
    let spec = spec(Engine::Postgres, "mariadb", "10.11", "dies");
    let started = Instant::now();
    let err = docker::start(&spec).unwrap_err().to_string();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.contains("exited"), "{err}");
    assert!(
        err.contains("MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD) must be set"),
        "{err}"
    );
    assert!(containers_of_run(&spec.run_id).is_empty());
}

#[test]
fn missing_image_says_how_to_build_it() {
    if !docker_ready(&[]) {
        return;
    }
    let spec = spec(
        Engine::Postgres,
        "assay-no-such-image/postgres",
        "15",
        "noimage",
    );
    let started = Instant::now();
    let err = docker::start(&spec).unwrap_err().to_string();
    assert!(err.contains("assay-no-such-image/postgres:15"), "{err}");
    assert!(err.contains("testdata/docker/build-images.sh"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(containers_of_run(&spec.run_id).is_empty());
}

#[test]
fn reap_removes_leftovers_of_a_run() {
    if !docker_ready(&[("postgres", "15")]) {
        return;
    }
    let run_id = format!("test-reap-{}", std::process::id());
    // What a crashed run leaves: a container with assay's labels that nobody will stop.
    let out = Command::new("docker")
        .args(["create", "--label", "dev.assay=1", "--label"])
        .arg(format!("dev.assay.run={run_id}"))
        .args(["-e", "POSTGRES_PASSWORD=x", "postgres:15"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut spec = spec(Engine::Postgres, "postgres", "15", "reap");
    spec.run_id = run_id.clone();
    let server = docker::start(&spec).unwrap();
    assert_eq!(containers_of_run(&run_id).len(), 2);

    assert_eq!(docker::reap(Some(&run_id)).unwrap(), 2);
    assert!(containers_of_run(&run_id).is_empty());
    // The provisioner does not mind that its container was reaped under it.
    docker::stop(&server).unwrap();
    assert_eq!(docker::reap(Some(&run_id)).unwrap(), 0);
}

/// Runs this test binary as a child doing `mode` (see [`child_entry`]).
fn child(mode: &str, run_id: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env("ASSAY_DOCKER_CHILD", mode)
        .env("ASSAY_RUN_ID", run_id)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Reads the child's stdout until a line `container <id>`; returns the id.
fn container_line(stdout: &mut impl BufRead) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the child ended before starting a container"
        );
        // libtest prints "test child_entry ... " on the same line first.
        if let Some((_, id)) = line.trim().split_once("container ") {
            return id.to_owned();
        }
    }
}

#[test]
fn interrupted_run_removes_its_container() {
    if !docker_ready(&[("postgres", "15")]) {
        return;
    }
    let run_id = format!("test-sigint-{}", std::process::id());
    let mut proc = child("hold", &run_id).spawn().unwrap();
    let mut stdout = BufReader::new(proc.stdout.take().unwrap());
    let id = container_line(&mut stdout);
    assert_eq!(containers_of_run(&run_id), vec![id[..12].to_owned()]);

    let kill = Command::new("kill")
        .args(["-INT", &proc.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = proc.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "the child was not stopped by SIGINT cleanly"
    );
    assert!(
        containers_of_run(&run_id).is_empty(),
        "SIGINT left the container behind"
    );
}

#[test]
fn failing_case_container_is_removed_at_end_of_run() {
    if !docker_ready(&[("postgres", "15")]) {
        return;
    }
    let run_id = format!("test-panic-{}", std::process::id());
    let out = child("panic", &run_id).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("container "),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("the case panicked"), "{stdout}");
    assert!(
        containers_of_run(&run_id).is_empty(),
        "the panicking case left its container"
    );
}

#[test]
fn another_process_can_stop_a_container() {
    if !docker_ready(&[("postgres", "15")]) {
        return;
    }
    let run_id = format!("test-share-{}", std::process::id());
    // The child starts a container and exits without cleaning up, as the owner of a server
    // shared across processes does; this process stops it from the facts alone.
    let out = child("leave", &run_id).output().unwrap();
    let id = container_line(&mut out.stdout.as_slice());
    assert_eq!(containers_of_run(&run_id).len(), 1);
    let server = DockerServer {
        engine: Engine::Postgres,
        host: "127.0.0.1".into(),
        port: 0,
        user: "postgres".into(),
        password: String::new(),
        database: None,
        container_id: id,
    };
    docker::stop(&server).unwrap();
    assert!(containers_of_run(&run_id).is_empty());
}

#[test]
fn missing_daemon_is_a_quick_clear_error() {
    let started = Instant::now();
    let out = child("start", "test-nodaemon")
        .env("DOCKER_HOST", "unix:///tmp/assay-no-docker-here.sock")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("error: Docker is not running"), "{stdout}");
    assert!(stdout.contains("local://postgres"), "{stdout}");
    assert!(stdout.contains("assay-no-docker-here.sock"), "{stdout}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// The child's side of the tests above; does nothing in a normal run.
#[test]
fn child_entry() {
    let Ok(mode) = std::env::var("ASSAY_DOCKER_CHILD") else {
        return;
    };
    let spec = DockerSpec::new(Engine::Postgres, "postgres", "15", Some("dev"));
    let server = match docker::start(&spec) {
        Ok(server) => server,
        Err(e) => {
            println!("error: {e}");
            return;
        }
    };
    println!("container {}", server.container_id);
    match mode.as_str() {
        "hold" => loop {
            std::thread::sleep(Duration::from_secs(1));
        },
        "panic" => {
            // A failing case: the trial panics; the run goes on and cleans up at its end.
            let case = std::thread::spawn(move || {
                let _server = server;
                panic!("a failing case");
            });
            if case.join().is_err() {
                println!("the case panicked");
            }
            cleanup::run_all();
        }
        "leave" => std::process::exit(0),
        _ => docker::stop(&server).unwrap(),
    }
}
