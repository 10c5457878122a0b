//! The concurrency battery: every group under `testdata/` and every example, run through the
//! real `assay` CLI at several `--test-threads` counts and both isolations, under a watchdog.
//! No run may hang, and every case must have the same outcome (status and failure text) in
//! every run: results never depend on thread count or on reusing databases.
//!
//! - In CI (the default): `--test-threads` 1 and 32 with `--isolation reuse`, and 8 with
//!   `--isolation copy`, on each group's own engines (`dev_url.txt`, else SQLite in memory and
//!   in files).
//! - `ASSAY_FULL_BATTERY=1`: thread counts 1, 2, 8 and 32 with reuse, 1 and 32 with copy, and
//!   the engine-neutral groups on local PostgreSQL and MariaDB too.
//!
//! The runs of one battery share their servers (`ASSAY_RUN_ID`), so each engine starts once.
//! An engine missing here skips its groups loudly, or fails them when `CI` is set.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one CLI run may take before it counts as hung.
const WATCHDOG: Duration = Duration::from_secs(240);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn full() -> bool {
    std::env::var("ASSAY_FULL_BATTERY").is_ok_and(|v| v == "1")
}

/// One path run through the CLI with the options its directory asks for (as
/// `tests/testdata.rs` reads them).
struct Group {
    path: PathBuf,
    args: Vec<String>,
    urls: Vec<String>,
}

fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn group(dir: &Path) -> Group {
    let mut args = Vec::new();
    let mut urls = lines(&dir.join("dev_url.txt"));
    if urls.is_empty() {
        urls = vec!["sqlite://dev?mode=memory".into(), "sqlite://dev.db".into()];
        if full() {
            urls.extend(["local://postgres".into(), "local://mariadb".into()]);
        }
    }
    if dir.join("schema.sql").exists() {
        args.push(format!("--url=file://{}", dir.join("schema.sql").display()));
    }
    if let Some(spec) = lines(&dir.join("dir.txt")).first() {
        let rest = spec.strip_prefix("file://").unwrap_or(spec);
        args.push(format!("--dir=file://{}", dir.join(rest).display()));
    } else if dir.join("migrations").is_dir() {
        args.push(format!("--dir=file://{}", dir.join("migrations").display()));
    }
    for var in lines(&dir.join("vars.txt")) {
        args.push(format!("--var={var}"));
    }
    if let Some(limit) = lines(&dir.join("timeout.txt")).first() {
        args.push(format!("--timeout={limit}"));
    }
    Group {
        path: dir.to_path_buf(),
        args,
        urls,
    }
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn groups() -> Vec<Group> {
    let root = root();
    let mut groups = Vec::new();
    for dir in ["testdata/hcl", "testdata/failing"] {
        groups.extend(subdirs(&root.join(dir)).iter().map(|d| group(d)));
    }
    let sqlite = "sqlite://dev?mode=memory";
    for (name, urls) in [
        ("quickstart", &[sqlite][..]),
        ("postgres-functions", &["local://postgres"][..]),
        ("mariadb-triggers", &["local://mariadb"][..]),
        (
            "postgres-backfill",
            &[sqlite, "local://postgres", "local://mariadb"][..],
        ),
    ] {
        let mut g = group(&root.join("examples").join(name));
        g.urls = urls.iter().map(|u| u.to_string()).collect();
        groups.push(g);
    }
    for dir in ["testdata/scripts", "examples/golden"] {
        groups.push(Group {
            path: root.join(dir),
            args: Vec::new(),
            urls: vec![sqlite.to_string()],
        });
    }
    groups
}

/// Whether the engines of `urls` are here; `Err` names the missing one. Under `CI` every engine
/// counts as present, so a missing one fails its runs.
fn present(urls: &[String]) -> Result<(), String> {
    if std::env::var_os("CI").is_some() {
        return Ok(());
    }
    urls.iter()
        .try_for_each(|u| dbassay::provision::available(u).map_err(|e| format!("{u}: {e}")))
}

/// A case's outcome: status and failure text, with the names that differ from run to run
/// (database names, temp paths, ports) replaced.
type Outcomes = BTreeMap<String, (String, String)>;

/// Runs `assay test` once under the watchdog and returns its outcomes by case.
fn run(group: &Group, threads: usize, isolation: &str, run_id: &str) -> Result<Outcomes, String> {
    let scratch = std::env::temp_dir().join(format!(
        "assay-battery-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let json = scratch.join("report.json");
    let stderr = scratch.join("stderr");
    let mut command = Command::new(env!("CARGO_BIN_EXE_assay"));
    command
        .arg("test")
        .arg(&group.path)
        .args(&group.args)
        // `--dev-url` splits its value on commas (several URLs): a comma inside one URL
        // (`search_path=app,public`) is given percent-encoded.
        .args((group.urls.iter()).map(|u| format!("--dev-url={}", u.replace(',', "%2C"))))
        .arg(format!("--test-threads={threads}"))
        .arg(format!("--isolation={isolation}"))
        .arg(format!("--json={}", json.display()))
        .env("ASSAY_RUN_ID", run_id)
        // The servers outlive one run for the next one; the last run's watchdog stops them.
        .env("ASSAY_SHARED_GRACE_MS", "20000")
        .env_remove("ASSAY_DEV_URL")
        .env_remove("ASSAY_ISOLATION")
        .current_dir(&scratch)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).map_err(|e| e.to_string())?)
        .process_group(0);
    let mut child = command.spawn().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let what = format!(
        "assay test {} --test-threads={threads} --isolation={isolation} on {}",
        group.path.display(),
        group.urls.join(", ")
    );
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if start.elapsed() > WATCHDOG {
            // SAFETY: signals the process group this test started.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&scratch);
            return Err(format!("{what}: hung (killed after {WATCHDOG:?})"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let report = std::fs::read_to_string(&json).map_err(|e| {
        let err = std::fs::read_to_string(&stderr).unwrap_or_default();
        format!("{what}: no report ({e}); stderr:\n{err}")
    });
    let _ = std::fs::remove_dir_all(&scratch);
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&report?).map_err(|e| format!("{what}: bad report: {e}"))?;
    let mut outcomes = Outcomes::new();
    for case in cases {
        let text = |k: &str| case[k].as_str().unwrap_or_default().to_string();
        let key = format!(
            "{} {}:{} {}",
            text("engine"),
            text("file"),
            case["line"],
            text("name")
        );
        outcomes.insert(key, (text("status"), normalize(&text("failure"))));
    }
    if outcomes.is_empty() {
        return Err(format!("{what}: ran no case"));
    }
    Ok(outcomes)
}

static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn normalize(text: &str) -> String {
    let patterns = [
        (r"assay_[0-9a-z_]+", "assay_*"),
        (r"assay-(copy-)?[0-9]+", "assay-N"),
        (r"/tmp/[^\s:'\x22]*", "/tmp/…"),
        (r"127\.0\.0\.1:[0-9]+", "127.0.0.1:PORT"),
        (r"[0-9]+(\.[0-9]+)?m?s\b", "Ns"),
    ];
    let mut text = text.to_string();
    for (re, with) in patterns {
        text = regex::Regex::new(re)
            .expect("the pattern compiles")
            .replace_all(&text, with)
            .into_owned();
    }
    text
}

/// Compares the outcomes of every run with the first; describes each difference.
fn compare(runs: &[(String, Outcomes)]) -> Vec<String> {
    let mut problems = Vec::new();
    let Some((first_name, first)) = runs.first() else {
        return problems;
    };
    for (name, outcomes) in &runs[1..] {
        for key in first.keys().chain(outcomes.keys()) {
            let (a, b) = (first.get(key), outcomes.get(key));
            if a != b {
                problems.push(format!("{key}:\n  {first_name}: {a:?}\n  {name}: {b:?}"));
            }
        }
    }
    problems.dedup();
    problems
}

fn battery(groups: Vec<Group>, runs: &[(usize, &str)]) {
    let run_id = format!("battery-{}", std::process::id());
    let mut problems = Vec::new();
    for group in groups {
        if let Err(missing) = present(&group.urls) {
            eprintln!(
                "!!! SKIPPED {}: {missing} (set CI=true to fail instead)",
                group.path.display()
            );
            continue;
        }
        let mut results = Vec::new();
        for &(threads, isolation) in runs {
            let name = format!("--test-threads={threads} --isolation={isolation}");
            match run(&group, threads, isolation, &run_id) {
                Ok(outcomes) => results.push((name, outcomes)),
                Err(e) => problems.push(e),
            }
        }
        problems.extend(compare(&results));
    }
    assert!(
        problems.is_empty(),
        "{} differences or hangs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Dozens of `parallel = true` cases in one file, on SQLite in memory (one connection the
/// cases take turns on) and in files: this hung before the parallel group stopped holding its
/// pool's lock while connecting.
#[test]
fn parallel_cases_never_hang_at_any_thread_count() {
    let mut group = group(&root().join("testdata/hcl/parallel"));
    group.urls = vec!["sqlite://dev?mode=memory".into(), "sqlite://dev.db".into()];
    battery(
        vec![group],
        &[(1, "reuse"), (2, "reuse"), (8, "reuse"), (32, "reuse")],
    );
}

/// Every group and example, at several thread counts and both isolations.
#[test]
fn every_group_has_the_same_outcomes_at_any_thread_count_and_isolation() {
    let runs: &[(usize, &str)] = if full() {
        &[
            (1, "reuse"),
            (2, "reuse"),
            (8, "reuse"),
            (32, "reuse"),
            (1, "copy"),
            (32, "copy"),
        ]
    } else {
        &[(1, "reuse"), (32, "reuse"), (8, "copy")]
    };
    battery(groups(), runs);
}
