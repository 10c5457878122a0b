//! The `script "exec" | "query" | "loop"` step: runs the Data Scripts of a script file on the
//! case's database, under another role or login when `as { … }` says so, and checks what they
//! printed (`output` / `match`) or how they failed (`error`).
//!
//! - `script "exec"` runs its body in one transaction (`tx { mode = NONE }`: none); a falsy
//!   `condition` or a fired `break` ends it early and commits; a failing block rolls it back
//!   (`tx { on_error = COMMIT }`: commits).
//! - `script "query"` prints each `query` result (TABLE by default, or CSV, with its masks)
//!   and each `output` line. **(assay)** Sections are printed one after another, separated by a
//!   line break, without headers; `output` / `match` compare that text (after trimming
//!   newlines).
//! - `script "loop"`: see `looping`.
//! - **(assay)** A step whose `run` selects no script fails (Atlas's CLI prints "No scripts found
//!   to run" and exits 0, which in a test would pass without running anything).

use std::path::Path;

use dbassay_dsl::hcl::data_script::{self, DataScript, ScriptFile, ScriptKind};
use dbassay_dsl::hcl::{Expect, ScriptCall, with_userinfo};
use dbassay_dsl::source::{Location, SourceFile};

use crate::engine::{Session, roles};
use crate::render;

mod body;
mod looping;
mod mask;

/// Runs the step; `db_url` is the case's database, for `as { user, password }`. `log` lines of
/// loops go to `logs`.
pub fn run(
    db_url: &str,
    session: &mut dyn Session,
    call: &ScriptCall,
    at: &Location,
    logs: &mut Vec<String>,
) -> Result<(), String> {
    let dir = at.path.parent().unwrap_or(Path::new(""));
    let path = dir.join(&call.file);
    let source = SourceFile::read(&path).map_err(|e| format!("script: {e}"))?;
    let file = data_script::parse(&source, call.vars.clone(), &call.kind, call.run.as_ref())
        .map_err(|errors| {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            format!("script: {}", text.join("\n  "))
        })?;
    if file.scripts.is_empty() {
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
                Ok(mut other) => under_role(other.as_mut(), call, &file, &mut printed, logs),
                Err(e) => Err(format!("as {{ user = {user:?} }}: cannot connect: {e}")),
            }
        }
        None => under_role(session, call, &file, &mut printed, logs),
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
    file: &ScriptFile,
    printed: &mut Vec<String>,
    logs: &mut Vec<String>,
) -> Result<(), String> {
    if let Some(role) = &call.role {
        roles::assume(session, role).map_err(|e| format!("as {{ role = {role:?} }}: {e}"))?;
    }
    let result = file.scripts.iter().try_for_each(|s| {
        run_script(session, file, s, printed, logs)
            .map_err(|e| format!("script {:?} ({}): {e}", s.name, s.location))
    });
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
    file: &ScriptFile,
    script: &DataScript,
    printed: &mut Vec<String>,
    logs: &mut Vec<String>,
) -> Result<(), String> {
    let mut run = body::Run::new(session, &file.scope, printed, logs, &script.masks);
    match script.kind {
        ScriptKind::Query => run.commands(&script.body).map(|_| ()),
        ScriptKind::Loop => looping::run(&mut run, script),
        ScriptKind::Exec if script.no_tx => run.commands(&script.body).map(|_| ()),
        ScriptKind::Exec => {
            run.sql("BEGIN")?;
            let result = run.commands(&script.body);
            let end = if result.is_ok() || script.commit_on_error {
                "COMMIT"
            } else {
                "ROLLBACK"
            };
            let ended = run.sql(end);
            result.map(|_| ()).and(ended)
        }
    }
}
