//! Data-migration cases: the cache of migrated states against replaying every migration per case
//! (`--no-cache`, what Atlas and sqlx do), in one run, on the same machine.
//!
//! A generated 100-file Atlas directory (each file: a table, a column on `items`, a backfill of
//! it); N cases, each testing one of the last ten migrations the documented way: migrate to the
//! version before it, seed, migrate to it, assert the backfill. Cases run on as many threads as
//! `assay` uses by default: one per core on SQLite, two per core on a server.
//!
//! ```sh
//! cargo run -p dbassay --example bench_migrate            # sqlite, postgres, mariadb
//! cargo run -p dbassay --example bench_migrate -- sqlite  # one engine
//! ```
//!
//! Each figure is the median of three runs (replay and cached interleaved). Also reported: the
//! cost of a bare clone of a cached state (copy + drop, no case), the floor
//! the cached path is measured against.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbassay::migrate::{DirSpec, Migrations};
use dbassay::provision::{self, cleanup};
use dbassay::run::{Job, Options, Plan, Status, Trial};
use dbassay::supply::migrated as cache;
use dbassay::supply::target::Target;
use dbassay_dsl::migrate::{Dir, Format, sum_text};

const FILES: usize = 100;

fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let engines = [
        ("sqlite", "sqlite://dev?mode=memory", 100),
        ("postgres", "local://postgres", 100),
        ("mariadb", "local://mariadb", 50),
    ];
    let root = std::env::temp_dir().join(format!("assay-bench-migrate-{}", std::process::id()));
    generate(&root);
    println!("{FILES}-file directory, cases testing the last 10 migrations\n");
    println!(
        "| engine | cases | replay (--no-cache) | cached | speed-up | cached per case | bare clone |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (engine, url, cases) in engines {
        if !only.is_empty() && !only.iter().any(|o| o == engine) {
            continue;
        }
        write_cases(&root, cases);
        // The median of three runs of each, interleaved: this machine's speed drifts.
        let (mut replays, mut cacheds) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            replays.push(run(&root, url, true));
            cacheds.push(run(&root, url, false));
        }
        eprintln!("{engine}: replay runs {replays:.2?}, cached runs {cacheds:.2?}");
        let (replay, cached) = (median(replays), median(cacheds));
        let clone = bare_clone(&root, url);
        println!(
            "| {engine} | {cases} | {:.0} ms ({:.1} ms/case) | {:.0} ms ({:.1} ms/case) | {:.1}× | {:.1} ms | {:.1} ms |",
            ms(replay),
            ms(replay) / cases as f64,
            ms(cached),
            ms(cached) / cases as f64,
            replay.as_secs_f64() / cached.as_secs_f64(),
            ms(cached) / cases as f64,
            ms(clone),
        );
    }
    cleanup::run_all();
    let _ = std::fs::remove_dir_all(&root);
}

const ROUNDS: usize = 3;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn version(i: usize) -> String {
    format!("{i:03}")
}

/// `root/migrations`: 100 files with atlas.sum.
fn generate(root: &Path) {
    let dir = root.join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{}_init.sql", version(1))),
        "CREATE TABLE items (id integer NOT NULL, v integer NOT NULL, PRIMARY KEY (id));\n",
    )
    .unwrap();
    for i in 2..=FILES {
        std::fs::write(
            dir.join(format!("{}_step.sql", version(i))),
            format!(
                "CREATE TABLE t{i} (id integer NOT NULL, a integer, b varchar(20), PRIMARY KEY (id));\n\
                 ALTER TABLE items ADD COLUMN c{i} integer NULL;\n\
                 UPDATE items SET c{i} = v + {i};\n"
            ),
        )
        .unwrap();
    }
    let d = Dir::open(&dir, Format::Atlas).unwrap();
    std::fs::write(dir.join("atlas.sum"), sum_text(&d)).unwrap();
}

/// `root/cases.test.hcl`: case k tests migration `FILES - 9 + k % 10`.
fn write_cases(root: &Path, cases: usize) {
    let mut text = String::new();
    for k in 0..cases {
        let tested = FILES - 9 + k % 10;
        text.push_str(&format!(
            "test \"migrate\" \"case{k}\" {{\n  migrate {{\n    to = \"{}\"\n  }}\n  exec {{\n    sql = \"INSERT INTO items (id, v) VALUES (1, 10), (2, 20)\"\n  }}\n  migrate {{\n    to = \"{}\"\n  }}\n  assert {{\n    sql = \"SELECT count(*) = 2 FROM items WHERE c{tested} = v + {tested}\"\n  }}\n}}\n\n",
            version(tested - 1),
            version(tested)
        ));
    }
    std::fs::write(root.join("cases.test.hcl"), text).unwrap();
}

fn spec(root: &Path, no_cache: bool) -> DirSpec {
    DirSpec {
        url: Some(format!("file://{}", root.join("migrations").display())),
        no_cache,
        ..DirSpec::default()
    }
}

/// Runs every case on assay's default number of threads; the time includes provisioning the server and building
/// the cached states, not starting the server (warmed up first).
fn run(root: &Path, url: &str, no_cache: bool) -> Duration {
    let options = Options {
        paths: vec![root.join("cases.test.hcl")],
        dev_urls: vec![url.to_string()],
        migrations: spec(root, no_cache),
        ..Options::default()
    };
    let plan = Plan::build(&options).unwrap().into_run_order();
    // Warm up: the server starts before the clock does.
    if let Some(Trial {
        job: Job::Case(job),
        ..
    }) = plan.trials.first()
    {
        job.target.server().unwrap();
    }
    let queue: Arc<Mutex<Vec<Trial>>> =
        Arc::new(Mutex::new(plan.trials.into_iter().rev().collect()));
    let start = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if provision::is_server(&dbassay_dsl::url::parse(url).unwrap()) {
        2 * cores
    } else {
        cores
    };
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let queue = queue.clone();
            std::thread::spawn(move || {
                loop {
                    let Some(trial) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let Job::Case(job) = trial.job else {
                        panic!("{}: not a case", trial.name)
                    };
                    let report = job.run();
                    assert_eq!(
                        report.status,
                        Status::Pass,
                        "{}: {:?}",
                        trial.name,
                        report.failure
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    start.elapsed()
}

/// The mean cost of copying a cached state and dropping the copy.
fn bare_clone(root: &Path, url: &str) -> Duration {
    let server = provision::open(&dbassay_dsl::url::parse(url).unwrap()).unwrap();
    let target = Target::with_server(server);
    let m = Migrations::open(&spec(root, false));
    let snapshot = cache::migrated(&target, &m, FILES - 2).unwrap();
    let n = 30;
    let start = Instant::now();
    for _ in 0..n {
        drop(snapshot.copy().unwrap());
    }
    start.elapsed() / n
}
