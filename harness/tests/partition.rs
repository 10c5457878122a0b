//! Sharding proven end to end on `testdata/partition`, on SQLite and PostgreSQL:
//!
//! - `assay test --partition hash:K/N` and `count:K/N`: the shards run every trial of the
//!   unsharded run exactly once, and their JSON and JUnit reports merge into its reports;
//! - `cargo nextest run --partition …` from a nextest archive, run in another directory with
//!   `--workspace-remap`: the same, with nextest's JUnit; and nextest's `hash:K/N` picks the
//!   very trials `assay --partition hash:K/N` picks.
//!
//! PostgreSQL comes from local server binaries and nextest from `cargo nextest`; without them
//! these tests skip loudly, except under `CI`, where they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const SUITE: &str = "testdata/partition";
const SHARDS: u64 = 3;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the package sits in the workspace")
        .to_path_buf()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-partition-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The engines to shard on: SQLite always, PostgreSQL when its binaries are here (or CI).
fn engines() -> Vec<&'static str> {
    let mut urls = vec!["sqlite://dev?mode=memory"];
    match dbassay::provision::available("local://postgres") {
        Ok(()) => urls.push("local://postgres"),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("CI is set and PostgreSQL is missing: {e}")
        }
        Err(e) => eprintln!("!!! SKIPPED PostgreSQL: {e} (set CI=true to fail instead)"),
    }
    urls
}

/// Runs a command, failing the test with its output when it fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn assay(url: &str, extra: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
    cmd.current_dir(workspace())
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("ASSAY_PARTITION")
        .args(["test", SUITE, "--url"])
        .arg(format!("file://{SUITE}/schema.sql"))
        .args(["--dev-url", url])
        .args(extra);
    run(&mut cmd)
}

/// The names a libtest `--list` prints.
fn listed(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(String::from)
        .collect()
}

/// A JSON report without durations (the one thing that differs between runs), by name.
fn json_cases(path: &Path) -> BTreeMap<String, serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("a JSON array");
    cases
        .into_iter()
        .map(|mut c| {
            c.as_object_mut().expect("an object").remove("duration");
            (c["name"].as_str().expect("a name").to_string(), c)
        })
        .collect()
}

/// The test cases of a JUnit report: (suite, classname, name) → outcome.
fn junit_cases(path: &Path) -> BTreeMap<(String, String, String), String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let suite_re = regex::Regex::new(r#"<testsuite name="([^"]*)""#).unwrap();
    let case_re = regex::Regex::new(r#"<testcase name="([^"]*)" classname="([^"]*)""#).unwrap();
    let mut cases = BTreeMap::new();
    let mut suite = String::new();
    // quick-junit and nextest write one element per line; a case's outcome is the first child
    // element, if any, before the next case.
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(m) = suite_re.captures(line) {
            suite = m[1].to_string();
        }
        if let Some(m) = case_re.captures(line) {
            let outcome = if line.trim_end().ends_with("/>") {
                "pass"
            } else {
                let next = lines.get(i + 1).map_or("", |l| l.trim_start());
                ["failure", "error", "skipped"]
                    .into_iter()
                    .find(|k| next.starts_with(&format!("<{k}")))
                    .unwrap_or("pass")
            };
            let key = (suite.clone(), m[2].to_string(), m[1].to_string());
            assert!(
                cases.insert(key.clone(), outcome.to_string()).is_none(),
                "{}: {key:?} twice",
                path.display()
            );
        }
    }
    cases
}

/// Adds one shard's cases to the merged ones, failing on a case seen twice.
fn merge<K: Ord + Clone + std::fmt::Debug, V>(all: &mut BTreeMap<K, V>, shard: BTreeMap<K, V>) {
    for (k, v) in shard {
        assert!(
            all.insert(k.clone(), v).is_none(),
            "{k:?} ran in two shards"
        );
    }
}

#[test]
fn assay_partitions_add_up_to_the_whole_run() {
    for url in engines() {
        let dir = temp_dir("assay");
        let (full_json, full_junit) = (dir.join("full.json"), dir.join("full.xml"));
        assay(url, &["--json", &full_json.display().to_string()]);
        assay(url, &["--junit", &full_junit.display().to_string()]);
        let full = json_cases(&full_json);
        assert!(full.len() >= 15, "{url}: only {} cases ran", full.len());
        let all_listed = listed(&assay(url, &["--list"]));
        let all_ignored = listed(&assay(url, &["--list", "--ignored"]));
        assert_eq!(all_ignored.len(), 1, "{url}: {all_ignored:?}");
        for scheme in ["hash", "count"] {
            let (mut json, mut junit, mut ignored) =
                (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
            let mut sizes = Vec::new();
            for k in 1..=SHARDS {
                let p = format!("{scheme}:{k}/{SHARDS}");
                let (j, x) = (dir.join(format!("{k}.json")), dir.join(format!("{k}.xml")));
                let (j_s, x_s) = (j.display().to_string(), x.display().to_string());
                assay(url, &["--partition", &p, "--json", &j_s, "--junit", &x_s]);
                let shard = json_cases(&j);
                sizes.push(shard.len());
                // The shard's listing is the trials it ran.
                let list = listed(&assay(url, &["--partition", &p, "--list"]));
                let ran: BTreeSet<String> = shard
                    .values()
                    .map(|c| {
                        format!(
                            "[{}] {}",
                            c["engine"].as_str().unwrap(),
                            c["name"].as_str().unwrap()
                        )
                    })
                    .collect();
                assert!(
                    ran.is_subset(&list),
                    "{url} {p}: ran {ran:?}, listed {list:?}"
                );
                merge(&mut json, shard);
                merge(&mut junit, junit_cases(&x));
                let ign = listed(&assay(url, &["--partition", &p, "--list", "--ignored"]));
                merge(&mut ignored, ign.into_iter().map(|n| (n, ())).collect());
            }
            eprintln!("{url} {scheme}: shards of {sizes:?} = {} cases", full.len());
            assert_eq!(json, full, "{url} {scheme}: merged JSON differs");
            assert_eq!(junit, junit_cases(&full_junit), "{url} {scheme}: JUnit");
            assert_eq!(ignored.into_keys().collect::<BTreeSet<_>>(), all_ignored);
            assert!(
                sizes.iter().all(|&n| n > 0),
                "{url} {scheme}: an empty shard"
            );
        }
        assert!(all_listed.len() > full.len(), "the skip case is listed too");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A cargo command with the environment of the shell that ran `cargo test`: without the
/// variables cargo sets for a test binary. Build scripts track some of them (ring's tracks
/// `CARGO_MANIFEST_DIR`), and a nested build that sees them rebuilds half the tree, twice.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_tests = name == "OUT_DIR"
            || name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
            ]
            .contains(&name.as_ref());
        if set_for_tests || name.starts_with("NEXTEST") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd
}

/// `cargo nextest`, or `None` (skip) when it is not installed outside CI.
fn nextest() -> Option<Command> {
    let here = cargo()
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if here {
        let mut cmd = cargo();
        // `CI` stays: the nested build must see the environment the outer one saw.
        cmd.arg("nextest").env_remove("ASSAY_PARTITION");
        return Some(cmd);
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set and cargo-nextest is missing (cargo install cargo-nextest --locked)");
    }
    eprintln!("!!! SKIPPED: cargo-nextest is not installed (set CI=true to fail instead)");
    None
}

/// The tests a nextest JUnit report says ran (not skipped), by name, with their outcome.
fn nextest_ran(junit: &Path) -> BTreeMap<String, String> {
    junit_cases(junit)
        .into_iter()
        .filter(|(_, outcome)| outcome != "skipped")
        .map(|((_, _, name), outcome)| (name, outcome))
        .collect()
}

#[test]
fn nextest_partitions_from_an_archive_add_up_to_the_whole_run() {
    let Some(mut archive) = nextest() else {
        return;
    };
    let dir = temp_dir("nextest");
    let file = dir.join("suite.tar.zst");
    run(archive
        .current_dir(workspace())
        .args(["archive", "-p", "dbassay", "--test", "partition_suite"])
        .arg("--archive-file")
        .arg(&file));
    // Another "machine": a workspace with only the package directory and the suite, plus one
    // file the original does not have, so trials prove they read the remapped workspace.
    let ws = dir.join("workspace");
    std::fs::create_dir_all(ws.join("harness")).unwrap();
    std::fs::create_dir_all(ws.join(SUITE)).unwrap();
    // nextest checks that the workspace it remaps to is one.
    for manifest in ["Cargo.toml", "harness/Cargo.toml"] {
        std::fs::copy(workspace().join(manifest), ws.join(manifest)).unwrap();
    }
    for entry in std::fs::read_dir(workspace().join(SUITE)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, ws.join(SUITE).join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        ws.join(SUITE).join("remapped.test.hcl"),
        "test \"schema\" \"only_in_the_remapped_workspace\" {\n  assert {\n    sql = \"SELECT count(*) = 3 FROM accounts\"\n  }\n}\n",
    )
    .unwrap();
    let config = dir.join("nextest.toml");
    std::fs::write(&config, "[profile.shard.junit]\npath = \"junit.xml\"\n").unwrap();
    // The first run extracts the archive; the others run the extracted binaries in place
    // (nextest's reuse-build flags, which an archive run uses under the hood), since each
    // extraction of debug binaries takes seconds.
    let extract = dir.join("extracted");
    std::fs::create_dir_all(&extract).unwrap();
    let extracted = std::cell::Cell::new(false);
    for url in engines() {
        let nextest_run = |partition: Option<&str>| {
            let mut cmd = nextest().expect("checked above");
            cmd.current_dir(&dir).env("ASSAY_DEV_URL", url).arg("run");
            if extracted.get() {
                let meta = extract.join("target/nextest");
                cmd.arg("--binaries-metadata")
                    .arg(meta.join("binaries-metadata.json"))
                    .arg("--cargo-metadata")
                    .arg(meta.join("cargo-metadata.json"))
                    .arg("--target-dir-remap")
                    .arg(extract.join("target"));
            } else {
                cmd.arg("--archive-file")
                    .arg(&file)
                    .arg("--extract-to")
                    .arg(&extract);
            }
            cmd.arg("--workspace-remap")
                .arg(&ws)
                .arg("--config-file")
                .arg(&config)
                .args(["--profile", "shard", "--no-fail-fast"]);
            if let Some(p) = partition {
                cmd.args(["--partition", p]);
            }
            run(&mut cmd);
            extracted.set(true);
            // nextest writes its reports under the remapped workspace's target dir.
            let junit = ws.join("target/nextest/shard/junit.xml");
            let ran = nextest_ran(&junit);
            std::fs::remove_file(&junit).unwrap();
            ran
        };
        let full = nextest_run(None);
        assert!(
            full.keys()
                .any(|n| n.contains("only_in_the_remapped_workspace")),
            "{url}: the archive did not run in the remapped workspace: {full:?}"
        );
        assert!(full.values().all(|o| o == "pass"), "{url}: {full:?}");
        // count is shown once, on SQLite (every run costs seconds of process starts).
        let schemes: &[&str] = if url.starts_with("sqlite") {
            &["hash", "count"]
        } else {
            &["hash"]
        };
        for &scheme in schemes {
            let mut merged = BTreeMap::new();
            for k in 1..=SHARDS {
                let p = format!("{scheme}:{k}/{SHARDS}");
                let shard = nextest_run(Some(&p));
                assert!(!shard.is_empty(), "{url} {p}: no test ran");
                if scheme == "hash" {
                    // The same shard as `assay --partition`, name for name.
                    let mut assay_cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
                    assay_cmd
                        .current_dir(ws.join("harness"))
                        .env_remove("ASSAY_PARTITION")
                        .args(["test", &format!("../{SUITE}"), "--url"])
                        .arg(format!("file://../{SUITE}/schema.sql"))
                        .args(["--dev-url", url, "--partition", &p, "--list"]);
                    // `--list` shows ignored trials in every shard; nextest skips them.
                    let picked: BTreeSet<String> = listed(&run(&mut assay_cmd))
                        .into_iter()
                        .filter(|n| !n.ends_with("::not_yet"))
                        .collect();
                    let ran: BTreeSet<String> = shard.keys().cloned().collect();
                    assert_eq!(ran, picked, "{url} {p}: nextest and assay pick differently");
                }
                merge(&mut merged, shard);
            }
            eprintln!(
                "{url} nextest {scheme}: {} tests in {SHARDS} shards",
                merged.len()
            );
            assert_eq!(
                merged, full,
                "{url} {scheme}: the shards differ from the whole run"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
