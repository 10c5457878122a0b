//! Benchmark: whole `assay` runs on PostgreSQL, compared in the same run with the way other tools
//! do the same job.
//!
//! 1. 1,000 `parallel = true` assertions run by `assay` against a server, vs the same SQL through
//!    one `psql -1 -f` session, vs the same assertions as pgTAP run by `pg_prove`.
//! 2. 200 isolated cases (each on its own copy of a small schema) run by `assay`, per case.
//! 3. Cold start: `assay` on `local://postgres` to the first result (one tiny case), vs a shell
//!    script that copies a pristine data dir, starts the server and runs one query.
//! 4. `--coverage` (docs/coverage.md): workloads 1 and 2 with and without it, alternating runs
//!    in the same process, the median of 15 each.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_pg_cases
//! ```
//! Needs PostgreSQL server binaries, `psql`, and for the pgTAP row `pg_prove` with the pgtap
//! extension (`apt-get install pgtap postgresql-15-pgtap`); a missing tool skips its row.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use dbassay::provision::postgres;

const SCHEMA: &str = "CREATE TABLE t (id serial PRIMARY KEY, v int NOT NULL CHECK (v >= 0));\n\
CREATE FUNCTION double(x int) RETURNS int LANGUAGE sql AS $$ SELECT x * 2 $$;\n\
INSERT INTO t (v) SELECT g FROM generate_series(1, 100) g;\n";

fn main() {
    let dir = std::env::temp_dir().join(format!("assay-bench-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schema.sql"), SCHEMA).unwrap();
    let assay = assay_binary();
    let server = postgres::local_unshared(None).expect("a local PostgreSQL server");
    let url = server.connect_facts().url("postgres");

    // 1. 1,000 parallel assertions.
    let n = 1000;
    std::fs::create_dir_all(dir.join("parallel")).unwrap();
    let mut hcl = String::new();
    for i in 0..n {
        let _ = writeln!(
            hcl,
            "test \"schema\" \"a{i}\" {{\n  parallel = true\n  assert {{\n    sql = \"SELECT double({i}) = {} FROM t WHERE id = 1\"\n  }}\n}}",
            i * 2
        );
    }
    std::fs::write(dir.join("parallel/p.test.hcl"), hcl).unwrap();
    let schema_url = format!("file://{}", dir.join("schema.sql").display());
    let assay_secs = time(Command::new(&assay).args([
        "test",
        dir.join("parallel").to_str().unwrap(),
        "--url",
        &schema_url,
        "--dev-url",
        &url,
        "-q",
    ]));
    println!("{n} parallel assertions, assay (schema copy + {n} cases):  {assay_secs:.3} s");

    // The same SQL through one psql session, in one transaction, on a database with the schema.
    let plain = |db: &str| {
        run_psql(&url, &format!("DROP DATABASE IF EXISTS {db}"));
        run_psql(&url, &format!("CREATE DATABASE {db}"));
        let db_url = server.connect_facts().url(db);
        run_psql(&db_url, SCHEMA);
        db_url
    };
    let psql_db = plain("bench_psql");
    let mut sql = String::new();
    for i in 0..n {
        let _ = writeln!(sql, "SELECT double({i}) = {} FROM t WHERE id = 1;", i * 2);
    }
    std::fs::write(dir.join("plain.sql"), &sql).unwrap();
    let psql_secs = time(
        Command::new("psql")
            .args(["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(dir.join("plain.sql"))
            .arg(&psql_db)
            .stdout(Stdio::null()),
    );
    println!(
        "{n} assertions, one `psql -1 -f` session:                  {psql_secs:.3} s  (assay / psql = {:.2}x)",
        assay_secs / psql_secs
    );

    if which("pg_prove") {
        let tap_db = plain("bench_pgtap");
        run_psql(&tap_db, "CREATE EXTENSION IF NOT EXISTS pgtap");
        let mut tap = format!("SELECT plan({n});\n");
        for i in 0..n {
            let _ = writeln!(
                tap,
                "SELECT ok(double({i}) = {}, 'a{i}') FROM t WHERE id = 1;",
                i * 2
            );
        }
        tap.push_str("SELECT * FROM finish();\n");
        std::fs::write(dir.join("tap.sql"), tap).unwrap();
        let f = server.connect_facts();
        let tap_secs = time(
            Command::new("pg_prove")
                .args([
                    "-h",
                    &f.host,
                    "-p",
                    &f.port.to_string(),
                    "-U",
                    &f.user,
                    "-d",
                    "bench_pgtap",
                ])
                .arg(dir.join("tap.sql"))
                .env("PGPASSWORD", f.password.clone().unwrap_or_default())
                .stdout(Stdio::null()),
        );
        println!(
            "{n} assertions as pgTAP through pg_prove:                  {tap_secs:.3} s  (assay / pg_prove = {:.2}x)",
            assay_secs / tap_secs
        );
    } else {
        println!("pg_prove: not installed (apt-get install pgtap postgresql-15-pgtap)");
    }

    // 2. Isolated cases: each on its own copy of the schema.
    let m = 200;
    std::fs::create_dir_all(dir.join("isolated")).unwrap();
    let mut hcl = String::new();
    for i in 0..m {
        let _ = writeln!(
            hcl,
            "test \"schema\" \"c{i}\" {{\n  exec {{\n    sql = \"INSERT INTO t (v) VALUES ({i}) RETURNING id\"\n    output = \"101\"\n  }}\n}}"
        );
    }
    std::fs::write(dir.join("isolated/i.test.hcl"), hcl).unwrap();
    let iso = time(Command::new(&assay).args([
        "test",
        dir.join("isolated").to_str().unwrap(),
        "--url",
        &schema_url,
        "--dev-url",
        &url,
        "-q",
    ]));
    println!(
        "{m} isolated cases, assay: {iso:.3} s = {:.1} ms per case all-in (copy, case, drop)",
        iso * 1000.0 / m as f64
    );

    // 4. The cost of --coverage on workloads 1 and 2, alternating runs with and without it.
    for (label, sub, cases) in [("parallel", "parallel", n), ("isolated", "isolated", m)] {
        let run = |coverage: bool| {
            let mut cmd = Command::new(&assay);
            cmd.args([
                "test",
                dir.join(sub).to_str().unwrap(),
                "--url",
                &schema_url,
                "--dev-url",
                &url,
                "-q",
            ]);
            if coverage {
                cmd.arg("--coverage");
            }
            cmd.stdout(Stdio::null());
            time(&mut cmd)
        };
        let (mut off, mut on) = (Vec::new(), Vec::new());
        for _ in 0..15 {
            off.push(run(false));
            on.push(run(true));
        }
        let (off, on) = (median(&mut off), median(&mut on));
        println!(
            "{cases} {label} cases, --coverage off / on (median of 15): {off:.3} s / {on:.3} s = {:+.1}%",
            (on / off - 1.0) * 100.0
        );
    }

    // 3. Cold start.
    std::fs::create_dir_all(dir.join("one")).unwrap();
    std::fs::write(
        dir.join("one/o.test.hcl"),
        "test \"schema\" \"one\" {\n  exec {\n    sql = \"SELECT 1\"\n    output = \"1\"\n  }\n}\n",
    )
    .unwrap();
    drop(server);
    let cold = time(Command::new(&assay).args([
        "test",
        dir.join("one").to_str().unwrap(),
        "--dev-url",
        "local://postgres",
        "-q",
    ]));
    println!(
        "cold start, assay on local://postgres to the first result: {cold:.3} s (whole run: start, case, stop)"
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/pg_cold_baseline.sh");
    let base = time(Command::new("sh").arg(&script));
    println!(
        "cold start, a shell script (copy pristine dir, pg_ctl start, psql, stop):  {base:.3} s"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn run_psql(url: &str, sql: &str) {
    let ok = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, url])
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "psql failed: {sql}");
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(cmd: &mut Command) -> f64 {
    let start = Instant::now();
    let status = cmd.status().expect("the command starts");
    assert!(status.success(), "{cmd:?} failed");
    start.elapsed().as_secs_f64()
}

fn assay_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let assay = exe.parent().and_then(Path::parent).unwrap().join("assay");
    assert!(
        assay.exists(),
        "build the assay binary first ({})",
        assay.display()
    );
    assay
}
