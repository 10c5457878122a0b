//! The CI recipes under `examples/ci/` run what they say: every `assay …` command line of the
//! GitHub Actions and GitLab CI files is taken from the file, its matrix or `parallel:`
//! variables filled in for each shard, and run for real (with the recipes' `ASSAY_DEV_URL`,
//! a local PostgreSQL) on a copy of `testdata/partition` laid out as the recipes expect
//! (`tests/db/`). The shards must pass and their JSON reports must hold every case once.
//! (The recipes are linted by `.ci/lint-recipes.sh`; the nextest archive path they show is
//! proven by `tests/partition.rs`.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `assay …` command lines of a recipe (a `run:` block line or a `script:` item).
fn assay_lines(recipe: &str) -> Vec<String> {
    recipe
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").trim())
        .filter(|l| l.starts_with("assay "))
        .map(String::from)
        .collect()
}

/// The value of the first `NAME: value` line.
fn setting(recipe: &str, name: &str) -> String {
    recipe
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("no {name}: in the recipe"))
}

fn run_shards(recipe_file: &str, shard_count: usize, fill: impl Fn(&str, usize) -> String) {
    let recipe = std::fs::read_to_string(workspace().join("examples/ci").join(recipe_file))
        .expect("the recipe");
    let lines = assay_lines(&recipe);
    assert_eq!(
        lines.len(),
        1,
        "{recipe_file}: one assay command: {lines:?}"
    );
    let url = setting(&recipe, "ASSAY_DEV_URL");
    if let Err(e) = dbassay::provision::available(&url) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set and {url} is missing: {e}"
        );
        eprintln!("!!! SKIPPED {recipe_file}: {url}: {e} (set CI=true to fail instead)");
        return;
    }
    let dir = std::env::temp_dir().join(format!(
        "assay-recipe-{}-{}",
        recipe_file.replace('.', "-"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("tests/db");
    std::fs::create_dir_all(&db).unwrap();
    for entry in std::fs::read_dir(workspace().join("testdata/partition")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, db.join(path.file_name().unwrap())).unwrap();
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_assay")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let listed = Command::new(env!("CARGO_BIN_EXE_assay"))
        .current_dir(&dir)
        .env("ASSAY_DEV_URL", &url)
        .args([
            "test",
            "tests/db",
            "--url",
            "file://tests/db/schema.sql",
            "--list",
        ])
        .output()
        .unwrap();
    let all: BTreeSet<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .filter(|n| !n.ends_with("::not_yet")) // the one skip case
        .map(|n| n.split_once("] ").map_or(n, |(_, name)| name).to_string())
        .collect();
    let mut seen = BTreeSet::new();
    for shard in 1..=shard_count {
        let line = fill(&lines[0], shard);
        let out = Command::new("sh")
            .current_dir(&dir)
            .env("PATH", &path)
            .env("ASSAY_DEV_URL", &url)
            .env("CI", "true")
            .env_remove("ASSAY_PARTITION")
            .args(["-c", &line])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{recipe_file}: `{line}` failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let json = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "json"))
            .expect("the shard wrote its JSON report");
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        for case in cases {
            let name = case["name"].as_str().unwrap().to_string();
            assert!(seen.insert(name.clone()), "{name} ran in two shards");
        }
        // The shard's reports are its artifacts; the next shard writes its own.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                std::fs::remove_file(p).unwrap();
            }
        }
    }
    assert_eq!(
        seen, all,
        "{recipe_file}: the shards did not run the suite once"
    );
    eprintln!(
        "{recipe_file}: {shard_count} shards ran {} cases once each",
        seen.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_github_actions_recipe_runs_its_shards() {
    let recipe =
        std::fs::read_to_string(workspace().join("examples/ci/github-actions.yml")).unwrap();
    assert!(
        recipe.contains("shard: [1, 2, 3]"),
        "the matrix the test fills in"
    );
    run_shards("github-actions.yml", 3, |line, k| {
        line.replace("${{ matrix.shard }}", &k.to_string())
    });
}

#[test]
fn the_gitlab_recipe_runs_its_shards() {
    let recipe = std::fs::read_to_string(workspace().join("examples/ci/gitlab-ci.yml")).unwrap();
    assert!(
        recipe.contains("parallel: 3"),
        "the job count the test fills in"
    );
    run_shards("gitlab-ci.yml", 3, |line, k| {
        line.replace("${CI_NODE_INDEX}", &k.to_string())
            .replace("${CI_NODE_TOTAL}", "3")
    });
}
