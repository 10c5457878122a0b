//! What provisioning PostgreSQL costs: cold start of `local://postgres` (pristine cache warm),
//! and per-case copy-from-template + a few statements + drop, with `FILE_COPY` and `WAL_LOG`.
//!
//! `cargo run -p dbassay --example bench_postgres [-- iterations]`
//!
//! Each clone strategy runs in a child process of its own (the strategy is read from
//! `ASSAY_PG_CLONE_STRATEGY` when a server is set up), against a fresh server on tmpfs.

use std::process::Command;
use std::time::{Duration, Instant};

use dbassay::provision::Server;
use dbassay::provision::postgres;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("cases") {
        let iterations = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(200);
        cases(iterations);
        return;
    }
    let iterations: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    cold_start();
    for strategy in ["file_copy", "wal_log"] {
        let status = Command::new(std::env::current_exe().unwrap())
            .args(["cases", &iterations.to_string()])
            .env("ASSAY_PG_CLONE_STRATEGY", strategy)
            .env_remove("ASSAY_RUN_ID")
            .env_remove("NEXTEST_RUN_ID")
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn cold_start() {
    // Warm the pristine cache (initdb runs once per major version and machine).
    let warm = Instant::now();
    drop(postgres::local_unshared(None).unwrap());
    println!(
        "first start (builds the pristine cache if missing): {:?}",
        warm.elapsed()
    );
    let mut starts = Vec::new();
    let mut stops = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let server = postgres::local_unshared(None).unwrap();
        let db = server.create().unwrap();
        let mut session = db.connect().unwrap();
        session.run("SELECT 1").unwrap();
        starts.push(t.elapsed());
        let t = Instant::now();
        drop(session);
        drop(db);
        drop(server);
        stops.push(t.elapsed());
    }
    println!(
        "cold start to first result, 10 runs: {}",
        summary(&mut starts)
    );
    println!(
        "stop and remove, 10 runs:           {}",
        summary(&mut stops)
    );
}

fn cases(iterations: usize) {
    let strategy = std::env::var("ASSAY_PG_CLONE_STRATEGY").unwrap();
    let server = postgres::local_unshared(None).unwrap();
    let db = server.create().unwrap();
    let mut s = db.connect().unwrap();
    for sql in [
        "CREATE TABLE account (id serial PRIMARY KEY, email text UNIQUE, balance numeric)",
        "CREATE INDEX account_balance ON account (balance)",
        "CREATE FUNCTION deposit(a int, x numeric) RETURNS numeric LANGUAGE plpgsql AS $$ \
         BEGIN UPDATE account SET balance = balance + x WHERE id = a; \
         RETURN (SELECT balance FROM account WHERE id = a); END $$",
        "INSERT INTO account (email, balance) SELECT 'u' || i || '@x', i FROM generate_series(1, 100) i",
    ] {
        s.run(sql).unwrap();
    }
    drop(s);
    let snapshot = server.freeze(db, "bench").unwrap();

    let case = |snapshot: &dyn dbassay::provision::Snapshot| {
        let copy = snapshot.copy().unwrap();
        let mut s = copy.connect().unwrap();
        s.run("INSERT INTO account (email, balance) VALUES ('new@x', 5)")
            .unwrap();
        s.run("SELECT deposit(1, 10)").unwrap();
        s.run("SELECT count(*) FROM account").unwrap();
        drop(s);
        drop(copy);
    };

    // Bare copy.
    let mut copies = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let copy = snapshot.copy().unwrap();
        copies.push(t.elapsed());
        drop(copy);
        server.flush_drops();
    }
    println!(
        "[{strategy}] bare CREATE DATABASE … TEMPLATE, 50: {}",
        summary(&mut copies)
    );

    // Drops in the background (the default).
    let mut critical = Vec::new();
    let total = Instant::now();
    for _ in 0..iterations {
        let t = Instant::now();
        case(&*snapshot);
        critical.push(t.elapsed());
    }
    server.flush_drops();
    let total = total.elapsed();
    println!(
        "[{strategy}] copy + 3 statements + queued drop, {iterations}: {}; wall incl. drain {:.1} ms/case",
        summary(&mut critical),
        total.as_secs_f64() * 1000.0 / iterations as f64
    );

    // Drops waited for, one by one.
    let mut synchronous = Vec::new();
    for _ in 0..iterations {
        let t = Instant::now();
        case(&*snapshot);
        server.flush_drops();
        synchronous.push(t.elapsed());
    }
    println!(
        "[{strategy}] copy + 3 statements + drop waited for, {iterations}: {}",
        summary(&mut synchronous)
    );
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / times.len() as f64;
    format!(
        "mean {:.1} ms, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        mean,
        ms(times[times.len() / 2]),
        ms(times[(times.len() * 95 / 100).min(times.len() - 1)]),
        ms(times[times.len() - 1])
    )
}
