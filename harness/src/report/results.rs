//! Results of the trials that ran, recorded as they finish, and the reports written from them
//! after the run: JUnit XML (`--junit FILE`), JSON (`--json FILE`, one object per case) and
//! GitHub Actions annotations (`::error file=…,line=…::…` when `GITHUB_ACTIONS=true`).
//!
//! Every way of running (libtest trials, the Atlas layout, a cargo test harness) records into
//! one process-wide list, so one run can write every format.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;

use crate::run::{CaseReport, Status};

/// One finished trial.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The trial name (as libtest lists it).
    pub name: String,
    /// The test file or script.
    pub file: String,
    /// The line the failure is at (the failing block or script line), else the case's line
    /// (0 when unknown).
    pub line: usize,
    pub engine: String,
    pub status: Status,
    pub duration: Duration,
    /// The failure text (logs included), without terminal colours.
    pub failure: Option<String>,
    /// The failure in one line (JUnit's `message`), without terminal colours.
    pub summary: Option<String>,
}

fn results() -> &'static Mutex<Vec<CaseResult>> {
    static RESULTS: OnceLock<Mutex<Vec<CaseResult>>> = OnceLock::new();
    RESULTS.get_or_init(Mutex::default)
}

/// Records a finished trial. `line` is the case's line; a failure's own line wins (the failing
/// script line or block).
pub fn record(name: &str, file: &str, line: usize, engine: &str, report: &CaseReport) {
    let file = &crate::run::plan::display_path(std::path::Path::new(file));
    let failure = report.failure.as_ref();
    let line = failure.and_then(|f| f.line).unwrap_or(line);
    super::progress::finished(report.status);
    let result = CaseResult {
        name: name.to_string(),
        file: file.to_string(),
        line,
        engine: engine.to_string(),
        status: report.status,
        duration: report.duration,
        failure: failure.map(|f| strip_ansi(&f.text())),
        summary: failure.map(|f| strip_ansi(&f.summary)),
    };
    results()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(result);
}

/// Everything recorded so far, in name order.
pub fn recorded() -> Vec<CaseResult> {
    let mut all = results().lock().unwrap_or_else(|e| e.into_inner()).clone();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// Text without ANSI colour sequences.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Skip => "skip",
    }
}

/// The JSON report: an array with one object per case.
pub fn json(results: &[CaseResult]) -> String {
    let cases: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "file": r.file,
                "line": r.line,
                "engine": r.engine,
                "status": status_name(r.status),
                "duration": r.duration.as_secs_f64(),
                "failure": r.failure,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&cases).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// The JUnit XML report: one suite per file, one test case per trial.
pub fn junit(results: &[CaseResult]) -> Result<String, String> {
    let mut suites: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for r in results {
        suites.entry(r.file.as_str()).or_default().push(r);
    }
    let mut report = Report::new("assay");
    let total: Duration = results.iter().map(|r| r.duration).sum();
    report.set_time(total);
    for (file, cases) in suites {
        let mut suite = TestSuite::new(file);
        suite.set_time(cases.iter().map(|r| r.duration).sum());
        for r in cases {
            let status = match r.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Skip => TestCaseStatus::skipped(),
                Status::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(r.summary.clone().unwrap_or_default());
                    s.set_description(r.failure.clone().unwrap_or_default());
                    s
                }
            };
            let mut case = TestCase::new(r.name.clone(), status);
            case.set_classname(format!("{}.{}", r.engine, r.file));
            case.set_time(r.duration);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .map_err(|e| format!("cannot write the JUnit report: {e}"))
}

/// GitHub Actions `::error` lines for the failures (message escaped as the runner wants).
pub fn github_annotations(results: &[CaseResult]) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for r in results.iter().filter(|r| r.status == Status::Fail) {
        let line = if r.line > 0 {
            format!(",line={}", r.line)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "::error file={}{line},title={}::{}\n",
            escape_prop(&r.file),
            escape_prop(&r.name),
            escape(r.failure.as_deref().unwrap_or("failed"))
        ));
    }
    out
}

/// Writes the requested reports, and prints annotations under GitHub Actions.
pub fn write(
    junit_path: Option<&std::path::Path>,
    json_path: Option<&std::path::Path>,
) -> Result<(), String> {
    let results = recorded();
    if let Some(path) = junit_path {
        std::fs::write(path, junit(&results)?)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = json_path {
        std::fs::write(path, json(&results))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        print!("{}", github_annotations(&results));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: Status, failure: Option<&str>) -> CaseResult {
        CaseResult {
            name: "a.txtar".into(),
            file: "a.txtar".into(),
            line: 3,
            engine: "sqlite".into(),
            status,
            duration: Duration::from_millis(5),
            failure: failure.map(String::from),
            summary: failure.map(String::from),
        }
    }

    #[test]
    fn annotations_escape_newlines_and_name_the_place() {
        let out = github_annotations(&[
            result(Status::Fail, Some("x\ny%")),
            result(Status::Pass, None),
        ]);
        assert_eq!(out, "::error file=a.txtar,line=3,title=a.txtar::x%0Ay%25\n");
    }

    #[test]
    fn json_has_one_object_per_case() {
        let v: serde_json::Value =
            serde_json::from_str(&json(&[result(Status::Skip, None)])).unwrap();
        assert_eq!(v[0]["status"], "skip");
        assert_eq!(v[0]["line"], 3);
        assert!(v[0]["failure"].is_null());
    }

    #[test]
    fn colours_are_stripped() {
        assert_eq!(strip_ansi("\x1b[31m-a\x1b[0m\n"), "-a\n");
    }
}
