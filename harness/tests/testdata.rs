//! assay's own behaviour, pinned by files under `testdata/` that assay runs.
//!
//! - `testdata/hcl/<group>/`: `*.test.hcl` files whose cases must all pass, on the desired schema
//!   `schema.sql` (or the Atlas HCL `schema.hcl`) of the group (if any), with the `--var`s listed in `vars.txt` (if any), on the
//!   dev URLs listed in `dev_url.txt` (if any; default embedded SQLite). A group's migration
//!   directory (for `test "migrate"` cases) is `dir.txt` (one line, `file://path?format=F`,
//!   relative to the group), else `migrations/` when it exists.
//! - `testdata/failing/<group>/`: files whose cases must fail with given messages. Each file
//!   says what it expects in comments: `# want <case name>: <text>` (the failure of that case
//!   contains `<text>`) or `# want-error: <text>` (the file does not load and the error contains
//!   `<text>`). A case without a `want` line is itself a failure, so nothing passes silently.
//!
//! A group's `timeout.txt` (a duration such as `2s`) sets its per-case time limit.
//!
//! - `testdata/coverage/<engine>/`: `--coverage` reports pinned exactly (see its README).
//! - `testdata/scripts/`: txtar scripts that must pass; they pin the CLI by calling `assay`.
//!   `examples/golden/` runs the same way.
//! - `testdata/projects/`: txtar scripts of atlas.hcl projects, run once per engine (SQLite,
//!   PostgreSQL, MariaDB); `testdata/projects-docker/`: the same with a `docker` block, when
//!   Docker is here.
//!
//! A group whose engine is not on this machine (no server binaries, no Docker) is skipped with a
//! loud message — unless `CI` is set: then its trials run and fail, so CI never passes by
//! skipping an engine.
//!
//! `ASSAY_DEV_URL` overrides the dev URLs of the groups that have no `dev_url.txt` (the
//! engine-neutral ones), so the same pins can be run on every engine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dbassay::Harness;
use dbassay::run::{Job, Plan, Status, Trial};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = Vec::new();
    for (dir, expect_failure) in [("hcl", false), ("failing", true)] {
        for group in subdirs(&root.join(dir)) {
            if let Err(missing) = engines_present(&group) {
                eprintln!(
                    "!!! SKIPPED {}: {missing} (set CI=true to fail instead)",
                    group.display()
                );
                continue;
            }
            let plan = harness(&group)
                .plan()
                .unwrap_or_else(|e| panic!("{}: {e}", group.display()));
            if expect_failure {
                trials.extend(plan.trials.into_iter().map(expect_failures));
            } else {
                trials.extend(plan.trials);
            }
        }
    }
    // The README's examples, each on the engines it is written for.
    let examples = root.join("../examples");
    let sqlite = "sqlite://dev?mode=memory";
    for (name, urls) in [
        ("quickstart", &[sqlite][..]),
        ("postgres-functions", &["local://postgres"][..]),
        ("mariadb-triggers", &["local://mariadb"][..]),
        (
            "postgres-backfill",
            &[sqlite, "local://postgres", "local://mariadb"][..],
        ),
        // Atlas's testing guides, rewritten with HCL schemas.
        ("guide-functions", &["local://postgres"][..]),
        ("guide-triggers", &["local://postgres"][..]),
        ("guide-views", &["local://postgres"][..]),
        ("guide-domains", &["local://postgres"][..]),
        ("guide-procedures", &["local://postgres"][..]),
        ("guide-data-migrations", &["local://postgres"][..]),
    ] {
        let dir = examples.join(name);
        if let Err(missing) = urls.iter().try_for_each(|u| present(u)) {
            eprintln!(
                "!!! SKIPPED {}: {missing} (set CI=true to fail instead)",
                dir.display()
            );
            continue;
        }
        // An example with a schema runs once per schema it has: `schema.sql` and its Atlas HCL
        // twin `schema.hcl` (trials named `hcl::…`) must both pass the same tests.
        let schemas: Vec<&str> = ["schema.sql", "schema.hcl"]
            .into_iter()
            .filter(|s| dir.join(s).exists())
            .collect();
        for schema in if schemas.is_empty() {
            vec![""]
        } else {
            schemas
        } {
            let mut h = Harness::new().path(&dir).fixed_dev_urls();
            for url in urls {
                h = h.dev_url(*url);
            }
            if !schema.is_empty() {
                h = h.schema(dir.join(schema).display().to_string());
            }
            if dir.join("migrations").exists() {
                h = h.migrations(dir.join("migrations").display().to_string());
            }
            let plan = h
                .plan()
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            trials.extend(plan.trials.into_iter().map(|mut t| {
                if schema.ends_with(".hcl") {
                    t.name = format!("hcl::{}", t.name);
                }
                t
            }));
        }
    }
    // The Atlas project example, through the CLI as its README says (local PostgreSQL; its
    // default dev database is the docker block, pinned by testdata/projects-docker).
    let example = examples.join("atlas-project");
    match present("local://postgres") {
        Err(missing) => eprintln!(
            "!!! SKIPPED {}: {missing} (set CI=true to fail instead)",
            example.display()
        ),
        Ok(()) => trials.push(Trial {
            name: "examples/atlas-project".into(),
            engine: "postgres".into(),
            ignored: false,
            job: Job::Custom(Box::new(move || {
                let args = ["test", "--env", "dev", "--var", "dev=local://postgres"];
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_assay"))
                    .args(args)
                    .current_dir(&example)
                    .output()
                    .map_err(|e| format!("cannot run assay: {e}"))?;
                let stdout = String::from_utf8_lossy(&out.stdout);
                if out.status.success() && stdout.contains("test result: ok. 7 passed") {
                    Ok(())
                } else {
                    Err(format!(
                        "assay {} ({}):\n{stdout}\n{}",
                        args.join(" "),
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    ))
                }
            })),
        }),
    }
    // atlas.hcl projects through the CLI, once per engine (`testdata/projects/`), and the ones
    // that start their dev database in Docker (`testdata/projects-docker/`).
    for (dir, urls) in [
        (
            "projects",
            &[
                "sqlite://dev?mode=memory",
                "local://postgres",
                "local://mariadb",
            ][..],
        ),
        (
            "projects-docker",
            &["docker://postgres/15/dev", "docker://mariadb/10.11/dev"][..],
        ),
    ] {
        let dir = root.join(dir);
        if let Err(missing) = urls.iter().try_for_each(|u| present(u)) {
            eprintln!(
                "!!! SKIPPED {}: {missing} (set CI=true to fail instead)",
                dir.display()
            );
            continue;
        }
        let mut h = Harness::new()
            .path(&dir)
            .assay_bin(env!("CARGO_BIN_EXE_assay"))
            .fixed_dev_urls();
        // The Docker scripts start their own containers; their own database is SQLite.
        if !dir.ends_with("projects-docker") {
            for url in urls {
                h = h.dev_url(*url);
            }
        }
        trials.extend(
            h.plan()
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .trials,
        );
    }
    // Coverage pins (`testdata/coverage/<engine>/`): the report of a suite, through the CLI,
    // exactly as `want-table.txt` and `want.json` say, whatever the thread count or isolation.
    for group in subdirs(&root.join("coverage")) {
        let url = std::fs::read_to_string(group.join("dev_url.txt"))
            .unwrap_or_else(|e| panic!("{}: {e}", group.display()));
        let url = url.trim().to_string();
        if let Err(missing) = present(&url) {
            eprintln!(
                "!!! SKIPPED {}: {missing} (set CI=true to fail instead)",
                group.display()
            );
            continue;
        }
        let engine = group.file_name().unwrap().to_string_lossy().to_string();
        for (variant, extra) in [
            ("default", &[][..]),
            ("one-thread", &["--test-threads", "1"][..]),
            ("isolation-copy", &["--isolation", "copy"][..]),
        ] {
            let (group, url) = (group.clone(), url.clone());
            trials.push(Trial {
                name: format!("coverage/{engine}/{variant}"),
                engine: engine.clone(),
                ignored: false,
                job: Job::Custom(Box::new(move || coverage_pin(&group, &url, extra))),
            });
        }
    }
    for dir in [root.join("scripts"), root.join("../examples/golden")] {
        let scripts = Harness::new()
            .path(&dir)
            .assay_bin(env!("CARGO_BIN_EXE_assay"));
        trials.extend(
            scripts
                .plan()
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .trials,
        );
    }
    let plan = Plan { trials };
    let trials = dbassay::report::libtest::trials(&args, plan, |t| t);
    let conclusion = libtest_mimic::run(&args, trials);
    dbassay::run::update::print_summary();
    dbassay::provision::cleanup::run_all();
    conclusion.exit()
}

/// Runs a coverage group through the CLI and compares its report with the goldens.
fn coverage_pin(group: &Path, url: &str, extra: &[&str]) -> Result<(), String> {
    let json = std::env::temp_dir().join(format!(
        "assay-coverage-{}-{}.json",
        std::process::id(),
        extra.join("")
    ));
    let mut args = vec![
        "test",
        ".",
        "--url",
        "file://schema.sql",
        "--dir",
        "file://migrations",
        "--dev-url",
        url,
        "--coverage",
        "--coverage-json",
    ];
    let json_arg = json.display().to_string();
    args.push(&json_arg);
    args.extend(extra);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(&args)
        .current_dir(group)
        .env_remove("ASSAY_ISOLATION")
        .output()
        .map_err(|e| format!("cannot run assay: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let failed = |why: String| {
        format!(
            "assay {} in {}: {why}\n--- stdout\n{stdout}\n--- stderr\n{}",
            args.join(" "),
            group.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    if !out.status.success() {
        return Err(failed(format!("exited with {}", out.status)));
    }
    let table = stdout.find("coverage on ").map_or("", |at| &stdout[at..]);
    let want = |name: &str| {
        std::fs::read_to_string(group.join(name))
            .map_err(|e| format!("{}: {e}", group.join(name).display()))
    };
    let got_json = std::fs::read_to_string(&json).map_err(|e| failed(e.to_string()))?;
    let _ = std::fs::remove_file(&json);
    for (name, got) in [("want-table.txt", table), ("want.json", got_json.as_str())] {
        let want = want(name)?;
        if got != want {
            return Err(failed(format!(
                "the report differs from {name}\n{}",
                similar::TextDiff::from_lines(want.as_str(), got)
                    .unified_diff()
                    .header(name, "got")
            )));
        }
    }
    Ok(())
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

/// Whether the engines a group names in `dev_url.txt` are here; always "yes" under `CI`.
fn engines_present(group: &Path) -> Result<(), String> {
    let urls = std::fs::read_to_string(group.join("dev_url.txt")).unwrap_or_default();
    (urls
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#')))
    .try_for_each(present)
}

/// Whether a dev URL's engine is on this machine; always "yes" under `CI`, where a missing
/// engine must fail the run.
fn present(url: &str) -> Result<(), String> {
    if std::env::var_os("CI").is_some() {
        return Ok(());
    }
    dbassay::provision::available(url).map_err(|e| format!("{url}: {e}"))
}

fn harness(group: &Path) -> Harness {
    let mut h = Harness::new().path(group);
    if let Ok(urls) = std::fs::read_to_string(group.join("dev_url.txt")) {
        for url in urls
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            h = h.dev_url(url).fixed_dev_urls();
        }
    }
    // A group's desired schema: `schema.sql`, or an Atlas HCL `schema.hcl`.
    for schema in [group.join("schema.sql"), group.join("schema.hcl")] {
        if schema.exists() {
            h = h.schema(schema.display().to_string());
        }
    }
    if let Ok(dir) = std::fs::read_to_string(group.join("dir.txt")) {
        let dir = dir.trim();
        let rest = dir.strip_prefix("file://").unwrap_or(dir);
        h = h.migrations(format!("file://{}", group.join(rest).display()));
    } else if group.join("migrations").is_dir() {
        h = h.migrations(format!("file://{}", group.join("migrations").display()));
    }
    if let Ok(limit) = std::fs::read_to_string(group.join("timeout.txt")) {
        let limit = dbassay::run::timeout::parse(&limit).expect("timeout.txt holds a duration");
        h = h.timeout(limit);
    }
    if let Ok(vars) = std::fs::read_to_string(group.join("vars.txt")) {
        for line in vars.lines().filter(|l| !l.trim().is_empty()) {
            let (k, v) = line.split_once('=').expect("vars.txt lines are name=value");
            h = h.var(k.trim(), v);
        }
    }
    h
}

/// The `# want …` lines of a file: case name → expected text; `""` holds a `want-error`.
fn wants(file: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut wants = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# want-error: ") {
            wants.insert(String::new(), rest.to_string());
        } else if let Some(rest) = line.strip_prefix("# want ")
            && let Some((case, want)) = rest.split_once(": ")
        {
            wants.insert(case.to_string(), want.to_string());
        }
    }
    wants
}

/// Turns a trial into one that passes only when the case fails with the text its file expects.
fn expect_failures(trial: Trial) -> Trial {
    // With several dev URLs a trial's name starts with its engine: `postgres::file::case`.
    let name = match trial.name.split_once("::") {
        Some((engine, rest)) if !engine.contains('/') && !engine.contains('.') => rest,
        _ => trial.name.as_str(),
    };
    let (file, case) = match name.rsplit_once(".test.hcl::") {
        Some((file, case)) => (format!("{file}.test.hcl"), case.to_string()),
        None => (name.to_string(), String::new()),
    };
    let want = wants(Path::new(&file)).remove(&case);
    let check: Box<dyn FnOnce() -> Result<(), String> + Send> = match trial.job {
        Job::Broken { failure, .. } => {
            Box::new(move || check_text(&failure.text(), want, "the file to be rejected"))
        }
        Job::Case(job) => Box::new(move || {
            let report = job.run();
            match report.status {
                Status::Fail => {
                    let text = [
                        report.logs.join("\n"),
                        report.failure.unwrap_or_default().text(),
                    ]
                    .join("\n");
                    check_text(&text, want, "the case to fail")
                }
                status => Err(format!(
                    "expected the case to fail, but its status is {status:?}"
                )),
            }
        }),
        Job::Script(job) => Box::new(move || {
            let report = job.run();
            match report.status {
                Status::Fail => check_text(
                    &report.failure.unwrap_or_default().text(),
                    want,
                    "the script to fail",
                ),
                status => Err(format!(
                    "expected the script to fail, but its status is {status:?}"
                )),
            }
        }),
        Job::Custom(check) => check,
    };
    Trial {
        job: Job::Custom(check),
        ..trial
    }
}

fn check_text(actual: &str, want: Option<String>, what: &str) -> Result<(), String> {
    match want {
        None => Err(format!(
            "no `# want` line for this trial; expected {what}. It said:\n{actual}"
        )),
        Some(want) if actual.contains(&want) => Ok(()),
        Some(want) => Err(format!(
            "expected {what} with a message containing {want:?}, got:\n{actual}"
        )),
    }
}
