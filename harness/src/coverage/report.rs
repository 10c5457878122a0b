//! The coverage report: a table per engine on stdout, `--coverage-json FILE` (one object per
//! database object), and `--coverage-min PERCENT`, which fails the run when an engine's share of
//! exercised objects is below it.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use super::Covered;

/// The share of measurable objects that were exercised, in percent: `None` when nothing could
/// be measured.
pub fn percent(objects: &[Covered]) -> Option<f64> {
    let measurable: Vec<&Covered> = objects.iter().filter(|c| c.calls.is_some()).collect();
    if measurable.is_empty() {
        return None;
    }
    let exercised = measurable.iter().filter(|c| c.calls > Some(0)).count();
    Some(exercised as f64 * 100.0 / measurable.len() as f64)
}

/// The table of one engine.
pub fn table(engine: &str, objects: &[Covered]) -> String {
    let mut out = String::new();
    let measurable = objects.iter().filter(|c| c.calls.is_some()).count();
    let exercised = objects.iter().filter(|c| c.calls > Some(0)).count();
    let share = percent(objects).map_or("-".to_string(), |p| format!("{p:.1}%"));
    let _ = writeln!(
        out,
        "coverage on {engine}: {exercised} of {measurable} objects exercised ({share})"
    );
    if objects.is_empty() {
        out.push_str("  (the schema defines no functions, procedures, triggers or views)\n");
        return out;
    }
    let rows: Vec<[String; 4]> = objects
        .iter()
        .map(|c| {
            let calls = c.calls.map_or("-".to_string(), |n| n.to_string());
            let mut cases = c.cases.join(", ");
            if let Some(note) = &c.note {
                if !cases.is_empty() {
                    cases.push_str("; ");
                }
                cases.push_str(note);
            }
            [c.kind.name().to_string(), c.name.clone(), calls, cases]
        })
        .collect();
    let header = ["KIND", "OBJECT", "CALLS", "CASES"].map(String::from);
    let width = |i: usize| {
        (rows.iter().chain([&header]))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for r in std::iter::once(&header).chain(&rows) {
        let line = format!("  {:<w0$}  {:<w1$}  {:>w2$}  {}", r[0], r[1], r[2], r[3]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The JSON report: an array with one object per database object.
pub fn json(all: &[(String, Vec<Covered>)]) -> String {
    let objects: Vec<serde_json::Value> = all
        .iter()
        .flat_map(|(_, objects)| objects)
        .map(|c| {
            json!({
                "engine": c.engine,
                "kind": c.kind.name(),
                "name": c.name,
                "calls": c.calls,
                "cases": c.cases,
                "status": match c.calls {
                    Some(0) => "never",
                    Some(_) => "exercised",
                    None => "unmeasurable",
                },
                "note": c.note,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&objects).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// `--coverage-min`: a number from 0 to 100 (a trailing `%` is allowed).
pub fn parse_min(text: &str) -> Result<f64, String> {
    let n: f64 = text
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("{text:?} is not a percentage: give a number from 0 to 100"))?;
    if !(0.0..=100.0).contains(&n) {
        return Err(format!(
            "{text:?} is not a percentage: give a number from 0 to 100"
        ));
    }
    Ok(n)
}

/// What the run asked for.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub json: Option<std::path::PathBuf>,
    pub min: Option<f64>,
}

/// Prints the tables, writes the JSON, and checks the threshold: `Ok(false)` when an engine is
/// below it (the reason on stderr).
pub fn finish(wanted: &Wanted) -> Result<bool, String> {
    let all = super::collected();
    let mut text = String::new();
    for (engine, objects) in &all {
        text.push('\n');
        text.push_str(&table(engine, objects));
    }
    if all.is_empty() {
        text.push_str("\ncoverage: no case ran on a database\n");
    }
    print!("{text}");
    if let Some(path) = &wanted.json {
        write(path, &json(&all))?;
    }
    let Some(min) = wanted.min else {
        return Ok(true);
    };
    let mut ok = true;
    for (engine, objects) in &all {
        match percent(objects) {
            Some(p) if p + 1e-9 >= min => {}
            Some(p) => {
                eprintln!("assay: coverage on {engine} is {p:.1}%, below --coverage-min {min}%");
                ok = false;
            }
            None => {
                eprintln!(
                    "assay: coverage on {engine} could not be measured, so --coverage-min {min}% is not met"
                );
                ok = false;
            }
        }
    }
    Ok(ok)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::coverage::ObjectKind;

    fn c(kind: ObjectKind, name: &str, calls: Option<u64>) -> Covered {
        Covered {
            engine: "sqlite".into(),
            kind,
            name: name.into(),
            calls,
            cases: if calls > Some(0) {
                vec!["a.test.hcl::one".into()]
            } else {
                vec![]
            },
            note: calls.is_none().then(|| "inlined: not measurable".into()),
        }
    }

    #[test]
    fn the_share_counts_only_measurable_objects() {
        let objects = [
            c(ObjectKind::Trigger, "t ON x", Some(0)),
            c(ObjectKind::Function, "f", None),
            c(ObjectKind::View, "v", Some(2)),
        ];
        assert_eq!(percent(&objects), Some(50.0));
        assert_eq!(percent(&objects[1..2]), None);
        assert_eq!(
            table("sqlite", &objects),
            "coverage on sqlite: 1 of 2 objects exercised (50.0%)\n\
             \x20 KIND      OBJECT  CALLS  CASES\n\
             \x20 trigger   t ON x      0\n\
             \x20 function  f           -  inlined: not measurable\n\
             \x20 view      v           2  a.test.hcl::one\n"
        );
    }

    #[test]
    fn the_minimum_is_a_percentage() {
        assert_eq!(parse_min("80"), Ok(80.0));
        assert_eq!(parse_min("12.5%"), Ok(12.5));
        assert!(parse_min("120").is_err());
        assert!(parse_min("most").is_err());
    }
}
