//! Cold start of a Docker server: from `docker::start` to the first `SELECT 1` answered, for
//! postgres:15 and mariadb:10.11 (built by testdata/docker/build-images.sh), then removal.
//!
//! `cargo run --release -p dbassay --example bench_docker [-- ROUNDS]`

use std::time::{Duration, Instant};

use dbassay::engine::Engine;
use dbassay::provision::docker::{self, DockerSpec};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    if let Err(e) = docker::available() {
        eprintln!("{e}");
        std::process::exit(1);
    }
    println!(
        "{:<16} {:>8} {:>8} {:>8} {:>8}",
        "image", "min ms", "median", "max ms", "stop ms"
    );
    for (engine, image, tag) in [
        (Engine::Postgres, "postgres", "15"),
        (Engine::Mariadb, "mariadb", "10.11"),
    ] {
        let mut starts = Vec::new();
        let mut stops = Vec::new();
        for _ in 0..rounds {
            let spec = DockerSpec::new(engine, image, tag, Some("dev"));
            let t = Instant::now();
            // start() returns once a login and `SELECT 1` succeeded from the host.
            let server = match docker::start(&spec) {
                Ok(server) => server,
                Err(e) => {
                    eprintln!("{image}:{tag}: {e}");
                    std::process::exit(1);
                }
            };
            starts.push(t.elapsed());
            let t = Instant::now();
            docker::stop(&server).expect("stop");
            stops.push(t.elapsed());
        }
        starts.sort();
        stops.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<16} {:>8.0} {:>8.0} {:>8.0} {:>8.0}",
            format!("{image}:{tag}"),
            ms(starts[0]),
            ms(starts[starts.len() / 2]),
            ms(starts[starts.len() - 1]),
            ms(stops[stops.len() / 2]),
        );
    }
    dbassay::provision::cleanup::run_all();
}
