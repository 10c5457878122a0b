//! Benchmark: 10,000 small SQLite cases (half `parallel = true`, half isolated) run by the
//! `assay` binary, against the same cases with the schema replayed per case (what a harness
//! without a state cache does). Reports wall time and peak RSS of each run.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_sqlite [FILES] [CASES_PER_FILE]
//! ```
//!
//! Goal (issue 2): ≤ 2 s wall and ≤ 100 MB peak RSS for 10,000 cases on a 2-core machine.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SCHEMA: &str = "\
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, n INTEGER NOT NULL DEFAULT 0);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT);
CREATE TRIGGER posts_count AFTER INSERT ON posts BEGIN UPDATE users SET n = n + 1 WHERE id = NEW.user_id; END;
CREATE VIEW counts AS SELECT email, n FROM users;
INSERT INTO users (id, email) VALUES (1, 'a@example.com');
";

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let files = args.next().unwrap_or(100);
    let per_file = args.next().unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("assay-bench-sqlite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("cases")).expect("temp dir");
    std::fs::write(dir.join("schema.sql"), SCHEMA).expect("schema");
    for f in 0..files {
        std::fs::write(
            dir.join(format!("cases/f{f:04}.test.hcl")),
            file(per_file, false),
        )
        .expect("case file");
    }
    let assay = assay_binary();
    println!(
        "{} cases in {files} files; assay = {}",
        files * per_file,
        assay.display()
    );

    let schema = format!("file://{}", dir.join("schema.sql").display());
    let cached = run(
        &assay,
        &[
            "test",
            dir.join("cases").to_str().unwrap(),
            "--url",
            &schema,
            "-q",
        ],
    );
    println!(
        "assay (state built once, copied per case): {:.2} s wall, {} MB peak RSS",
        cached.0,
        cached.1 / 1024
    );

    // The way a harness without a cache does it: every case starts empty and replays the schema.
    let replay_dir = dir.join("replay");
    std::fs::create_dir_all(&replay_dir).expect("replay dir");
    for f in 0..files {
        std::fs::write(
            replay_dir.join(format!("f{f:04}.test.hcl")),
            file(per_file, true),
        )
        .expect("case file");
    }
    let replay = run(&assay, &["test", replay_dir.to_str().unwrap(), "-q"]);
    println!(
        "replay the schema per case:                {:.2} s wall, {} MB peak RSS",
        replay.0,
        replay.1 / 1024
    );
    println!("speed-up: {:.1}x", replay.0 / cached.0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One file: half its cases isolated blocks, half the elements of one `for_each` (parallel, or
/// with `replay` isolated too, since each then replays the schema into its own empty database).
fn file(cases: usize, replay: bool) -> String {
    let isolated = cases / 2;
    let parallel = cases - isolated;
    let setup = if replay {
        format!("  exec {{\n    sql = <<-SQL\n{SCHEMA}SQL\n  }}\n")
    } else {
        String::new()
    };
    let mut s = String::new();
    for i in 0..isolated {
        let _ = write!(
            s,
            "test \"schema\" \"isolated_{i}\" {{\n{setup}  exec {{\n    sql = \"INSERT INTO posts (user_id, title) VALUES (1, 'p{i}')\"\n  }}\n  exec {{\n    sql = \"SELECT n FROM counts\"\n    output = \"1\"\n  }}\n}}\n\n"
        );
    }
    let items: Vec<String> = (0..parallel).map(|i| format!("{{x: {i}}}")).collect();
    let _ = write!(
        s,
        "test \"schema\" \"parallel\" {{\n  parallel = {}\n  for_each = [{}]\n{setup}  assert {{\n    sql = \"SELECT ${{each.value.x}} >= 0 AND count(*) = 1 FROM users\"\n  }}\n}}\n",
        !replay,
        items.join(", ")
    );
    s
}

/// `assay` beside this example (target/<profile>/assay).
fn assay_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples");
    let assay = profile_dir.join("assay");
    assert!(
        assay.exists(),
        "{} is missing: run `cargo build` with the same profile first",
        assay.display()
    );
    assay
}

/// Runs a command; returns its wall time in seconds and its peak RSS in KiB (from `wait4`).
#[expect(
    clippy::zombie_processes,
    reason = "reaped by wait4, which also reports the peak RSS"
)]
fn run(bin: &Path, args: &[&str]) -> (f64, i64) {
    let start = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the assay binary starts");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it in for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child we just spawned; std never waits for it afterwards.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    assert!(
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the run failed"
    );
    (secs, usage.ru_maxrss)
}
