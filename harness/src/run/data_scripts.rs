//! The `script "exec" | "query"` step: runs the Data Scripts of a script file on the case's
//! database, under another role or login when `as { … }` says so, and checks what they printed
//! (`output` / `match`) or how they failed (`error`).
//!
//! - `script "exec"` runs its blocks in one transaction: `exec` (with `expect_rows`), `assert`,
//!   `check`, `output`; a failing block rolls it back.
//! - `script "query"` prints each `query` result (TABLE by default, or CSV) and each `output`
//!   line. **(assay)** Sections are printed one after another, separated by a line break,
//!   without headers; `output` / `match` compare that text (after trimming newlines).
//! - **(assay)** A step whose `run` selects no script fails (Atlas's CLI prints "No scripts found
//!   to run" and exits 0, which in a test would pass without running anything).

use std::path::Path;

use dbassay_dsl::hcl::data_script::{self, DataScript, ScriptStep};
use dbassay_dsl::hcl::{Expect, ScriptCall, with_userinfo};
use dbassay_dsl::source::{Location, SourceFile};

use crate::engine::{Outcome, Session, roles};
use crate::render;
use crate::run::sql;

/// Runs the step; `db_url` is the case's database, for `as { user, password }`.
pub fn run(
    db_url: &str,
    session: &mut dyn Session,
    call: &ScriptCall,
    at: &Location,
) -> Result<(), String> {
    let dir = at.path.parent().unwrap_or(Path::new(""));
    let path = dir.join(&call.file);
    let source = SourceFile::read(&path).map_err(|e| format!("script: {e}"))?;
    let scripts = data_script::parse(&source, call.vars.clone(), &call.kind, call.run.as_ref())
        .map_err(|errors| {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!("script: {}", text.join("\n  "))
        })?;
    if scripts.is_empty() {
        return Err(format!(
            "script: no script \"{}\" in {} matches run = {:?}",
            call.kind,
            path.display(),
            call.run.as_ref().map_or("", |r| r.as_str())
        ));
    }
    let mut printed = Vec::new();
    let result = match &call.login {
        Some((user, password)) => {
            let url =
                with_userinfo(db_url, user, password).map_err(|e| format!("script: as: {e}"))?;
            match crate::provision::connect::connect(&url) {
                Ok(mut other) => under_role(other.as_mut(), call, &scripts, &mut printed),
                Err(e) => Err(format!("as {{ user = {user:?} }}: cannot connect: {e}")),
            }
        }
        None => under_role(session, call, &scripts, &mut printed),
    };
    let printed = printed.join("\n");
    match (result, &call.error) {
        (Ok(()), Some(pattern)) => Err(format!(
            "script: the scripts succeeded, but an error matching {pattern:?} was expected"
        )),
        (Err(e), Some(pattern)) if render::error_matches(pattern, &e) => Ok(()),
        (Err(e), Some(pattern)) => Err(format!(
            "script: the error does not match {pattern:?}\n  error: {}",
            e.replace('\n', "\n  ")
        )),
        (Err(e), None) => Err(format!("script: {e}")),
        (Ok(()), None) => match &call.expect {
            Some(Expect::Output(o)) if o.text.trim_matches('\n') != printed.trim_matches('\n') => {
                Err(format!(
                    "script: output mismatch\n{}",
                    render::unified_diff(&o.text, &printed)
                ))
            }
            Some(Expect::Match(re)) if !re.is_match(&printed) => Err(format!(
                "script: output does not match /{}/\n  output: {printed:?}",
                re.as_str()
            )),
            _ => Ok(()),
        },
    }
}

fn under_role(
    session: &mut dyn Session,
    call: &ScriptCall,
    scripts: &[DataScript],
    printed: &mut Vec<String>,
) -> Result<(), String> {
    if let Some(role) = &call.role {
        roles::assume(session, role).map_err(|e| format!("as {{ role = {role:?} }}: {e}"))?;
    }
    let result = scripts
        .iter()
        .try_for_each(|s| run_script(session, s, printed));
    if call.role.is_some() {
        // The case goes on as its own user, whatever the scripts did.
        let restored =
            roles::restore(session).map_err(|e| format!("as: cannot reset the role: {e}"));
        return result.and(restored);
    }
    result
}

fn run_script(
    session: &mut dyn Session,
    script: &DataScript,
    printed: &mut Vec<String>,
) -> Result<(), String> {
    let exec = script.kind == "exec";
    if exec {
        session.run("BEGIN").map_err(|e| e.to_string())?;
    }
    let result = script
        .steps
        .iter()
        .try_for_each(|step| run_step(session, step, printed))
        .map_err(|e| format!("script {:?} ({}): {e}", script.name, script.location));
    if exec {
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = session.run(end).map(|_| ()).map_err(|e| e.to_string());
        return result.and(ended);
    }
    result
}

fn run_step(
    session: &mut dyn Session,
    step: &ScriptStep,
    printed: &mut Vec<String>,
) -> Result<(), String> {
    match step {
        ScriptStep::Exec {
            at,
            sql,
            expect_rows,
        } => {
            let mut affected = 0;
            sql::run_each(session, sql, |o| {
                if let Outcome::Done { affected: n } = o {
                    affected += n;
                }
            })
            .map_err(|f| format!("{at}: exec: {}", f.describe()))?;
            match expect_rows {
                Some(want) if *want != affected => Err(format!(
                    "{at}: exec: expected {want} affected rows, got {affected}"
                )),
                _ => Ok(()),
            }
        }
        ScriptStep::Assert {
            at,
            sql,
            error_message,
        } => {
            let grid = sql::run_all(session, sql)
                .map_err(|f| format!("{at}: assert: {}", f.describe()))?;
            let truthy = matches!(grid.rows.as_slice(), [row] if row.len() == 1
                && row[0].as_deref().is_some_and(|v| ["1", "t", "true"].iter().any(|t| v.eq_ignore_ascii_case(t))));
            if truthy {
                Ok(())
            } else {
                Err(format!(
                    "{at}: assert failed{}",
                    error_message
                        .as_deref()
                        .map_or(String::new(), |m| format!(": {m}"))
                ))
            }
        }
        ScriptStep::Check {
            at,
            sql,
            format,
            output,
            pattern,
        } => {
            let grid =
                sql::run_all(session, sql).map_err(|f| format!("{at}: check: {}", f.describe()))?;
            let actual = render::serialize(&grid, *format);
            let ok = match (output, pattern) {
                (Some(o), _) => render::output_matches(o, &actual, *format),
                (None, Some(re)) => re.is_match(&actual),
                (None, None) => true,
            };
            if ok {
                Ok(())
            } else {
                Err(format!("{at}: check failed: got {actual:?}"))
            }
        }
        ScriptStep::Query { at, sql, format } => {
            let grid =
                sql::run_all(session, sql).map_err(|f| format!("{at}: query: {}", f.describe()))?;
            printed.push(render::serialize(&grid, *format));
            Ok(())
        }
        ScriptStep::Output { message } => {
            printed.push(message.clone());
            Ok(())
        }
    }
}
