//! Database commands of scripts. They write to the same stdout/stderr as `exec`, so `stdout`,
//! `stderr` and `cmp stdout FILE` work after them, and they all honour `!`.

use std::path::PathBuf;

use dbassay_dsl::hcl::{Format, Sql};
use dbassay_dsl::source::Location;

use super::{Outcome, State, Stop};
use crate::engine::show;
use crate::migrate::apply::{apply_file, pending};
use crate::migrate::revisions::Revisions;
use crate::migrate::{DirSpec, Migrations};
use crate::render;
use crate::run::sql::{self, SqlFailure};
use dbassay_dsl::migrate::{Dir, Format as DirFormat, validate};

fn fail<T>(message: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Fail(message.into()))
}

/// The result of a command that can fail: stderr gets the error, and `!` flips the outcome.
fn judge(state: &mut State, neg: bool, stdout: String, result: Result<(), String>) -> Outcome {
    match (result, neg) {
        (Ok(()), false) => {
            state.set_output(stdout, String::new());
            Ok(())
        }
        (Ok(()), true) => {
            state.set_output(stdout, String::new());
            fail("unexpected success")
        }
        (Err(e), neg) => {
            state.set_output(stdout, format!("{e}\n"));
            if neg { Ok(()) } else { fail(e) }
        }
    }
}

/// SQL given on a script line.
fn line_sql(state: &State, text: &str) -> Sql {
    Sql {
        text: text.to_string(),
        start: Location {
            path: state.script.clone(),
            line: state.line,
            col: 0,
        },
        exact: false,
        origins: Vec::new(),
    }
}

/// SQL from a file in the work dir; a file that is a section of the script maps errors back to
/// the script's lines.
fn file_sql(state: &State, name: &str) -> Result<Sql, Stop> {
    let path = state.path(name);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Stop::Fail(format!("cannot read {name}: {e}")))?;
    let section =
        super::builtins::section_of(state, name).and_then(|s| state.archive.file(&s).cloned());
    let (start, exact) = match section {
        Some(f) if f.data == text => (
            Location {
                path: state.script.clone(),
                line: f.data_line(),
                col: 1,
            },
            true,
        ),
        _ => (
            Location {
                path: PathBuf::from(name),
                line: 1,
                col: 1,
            },
            true,
        ),
    };
    Ok(Sql {
        text,
        start,
        exact,
        origins: Vec::new(),
    })
}

fn notices(state: &mut State) -> String {
    let notices = state
        .session()
        .map(|s| s.take_notices())
        .unwrap_or_default();
    notices.iter().map(|n| format!("{n}\n")).collect()
}

/// `execsql 'SQL'…`: runs each argument (one or more statements). Errors go to stderr.
pub fn execsql(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    if args.is_empty() {
        return fail("usage: execsql 'SQL'...");
    }
    let mut result = Ok(());
    for arg in args {
        let sql = line_sql(state, arg);
        let session = state.session()?;
        if let Err(f) = sql::run_each(session, &sql, |_| {}) {
            result = Err(failure_text(&f));
            break;
        }
    }
    let out = notices(state);
    judge(state, neg, out, result)
}

fn failure_text(f: &SqlFailure) -> String {
    match f {
        SqlFailure::Statement { error, .. } => error.to_string(),
        other => other.describe(),
    }
}

/// `query [-format=csv|table] 'SQL'`: the rows of the last statement, serialized as HCL `exec`
/// output, with a final newline (so they compare with golden sections).
pub fn query(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let (format, rest) = match args.first().and_then(|a| a.strip_prefix("-format=")) {
        Some("csv") => (Format::Csv, &args[1..]),
        Some("table") => (Format::Table, &args[1..]),
        Some(other) => {
            return fail(format!(
                "query: unknown format {other:?}: use -format=csv or -format=table"
            ));
        }
        None => (Format::Csv, args),
    };
    let [text] = rest else {
        return fail("usage: query [-format=csv|table] 'SQL'");
    };
    let sql = line_sql(state, text);
    let session = state.session()?;
    let result = sql::run_all(session, &sql);
    let (out, result) = match result {
        Ok(grid) => {
            let mut out = render::serialize(&grid, format);
            if !out.is_empty() {
                out.push('\n');
            }
            (out, Ok(()))
        }
        Err(f) => (String::new(), Err(failure_text(&f))),
    };
    judge(state, neg, out, result)
}

/// `apply FILE…`: runs SQL files (the desired schema) statement by statement; `.hcl` files are
/// an Atlas HCL schema, rendered for the script's engine (see `apply_hcl`).
pub fn apply(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    if args.is_empty() {
        return fail("usage: apply file.sql... | apply schema.hcl...");
    }
    if args.iter().any(|a| a.ends_with(".hcl")) {
        return apply_hcl(state, neg, args);
    }
    let mut result = Ok(());
    for name in args {
        let sql = file_sql(state, name)?;
        let session = state.session()?;
        if let Err(f) = sql::run_each(session, &sql, |_| {}) {
            result = Err(f.describe());
            break;
        }
    }
    let out = notices(state);
    judge(state, neg, out, result)
}

/// `apply schema.hcl…`: the files form one Atlas HCL schema, rendered for the script's engine
/// and applied. A schema error (at `file:line:col`) or a rejected statement goes to stderr.
fn apply_hcl(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    if let Some(sql) = args.iter().find(|a| !a.ends_with(".hcl")) {
        let e = format!(
            "apply: {sql} is not an .hcl file: apply SQL files and an HCL schema with separate commands"
        );
        return judge(state, neg, String::new(), Err(e));
    }
    let mut files = Vec::new();
    for name in args {
        let text = std::fs::read_to_string(state.path(name))
            .map_err(|e| Stop::Fail(format!("cannot read {name}: {e}")))?;
        files.push(dbassay_dsl::SourceFile::new(name, text));
    }
    let dialect = state.session()?.dialect();
    let result = crate::schema_source::HclSchema::parse(files, &Default::default())
        .and_then(|schema| schema.sql(dialect))
        .and_then(|sql| {
            let session = state.session()?;
            sql::run_each(session, &sql, |_| {}).map_err(|f| f.describe())
        });
    let out = notices(state);
    judge(state, neg, out, result)
}

/// `migrate [-dir DIR] [-to VERSION]`: applies the pending files of an Atlas-format migration
/// directory (default `migrations`) in order, up to VERSION, with the engine `migrate` blocks
/// use: the revisions table in the script's database says what is pending.
pub fn migrate(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let mut dir = "migrations".to_string();
    let mut to = None;
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "-dir" | "--dir" => {
                dir = rest
                    .next()
                    .cloned()
                    .ok_or(Stop::Fail("migrate: -dir needs a directory".into()))?
            }
            "-to" | "--to" => {
                to = Some(
                    rest.next()
                        .cloned()
                        .ok_or(Stop::Fail("migrate: -to needs a version".into()))?,
                )
            }
            other => {
                return fail(format!(
                    "migrate: unexpected argument {other:?}; usage: migrate [-dir DIR] [-to VERSION]"
                ));
            }
        }
    }
    // The same engine as `migrate` blocks and `assay migrate apply`: the revisions table in the
    // script's database says what is pending; each file in its own transaction.
    // Script fixtures rarely carry an atlas.sum: it is checked when the script has one.
    let dir_path = state.path(dir.strip_prefix("file://").unwrap_or(&dir));
    let opened = Dir::open(&dir_path, DirFormat::Atlas)
        .map_err(|e| e.to_string())
        .and_then(|d| {
            if d.sum.is_some() {
                validate(&d).map_err(|e| {
                    format!("{e}\n  run \"assay migrate hash\" on the section's directory")
                })?;
            }
            Ok(d)
        });
    let migrations = Migrations::from_dir(opened, &DirSpec::default());
    let session = state.session()?;
    let revisions = Revisions::new(session.dialect(), None);
    let mut out = String::new();
    let result = pending(session, &migrations, &revisions, to.as_deref(), None).and_then(|p| {
        let dir = migrations.dir()?;
        for i in p.next..p.last {
            let from = if i == p.next { p.resume } else { 0 };
            apply_file(session, &migrations, &revisions, i, from, &mut |_| {})?;
            let file = &dir.files[i];
            out.push_str(&format!(
                "migrated to version {} ({})\n",
                file.version, file.name
            ));
        }
        Ok(())
    });
    judge(state, neg, out, result)
}

/// `exist TABLE…`: every table exists (with `!`: none does).
pub fn exist(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    if args.is_empty() {
        return fail("usage: exist table...");
    }
    for table in args {
        let session = state.session()?;
        let there = show::table_exists(session, table).map_err(|e| Stop::Fail(e.to_string()))?;
        match (there, neg) {
            (false, false) => return fail(format!("table {table} does not exist")),
            (true, true) => return fail(format!("table {table} exists")),
            _ => {}
        }
    }
    Ok(())
}

/// `cmpshow TABLE… FILE`: the engine's own definition of the tables, joined by newlines, equals
/// FILE (both trimmed). stdout holds the definition, so `--update` can take it.
pub fn cmpshow(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let Some((file, tables)) = args.split_last().filter(|(_, t)| !t.is_empty()) else {
        return fail("usage: cmpshow table... file");
    };
    let mut shown = Vec::new();
    for table in tables {
        let session = state.session()?;
        shown.push(show::show_table(session, table).map_err(|e| Stop::Fail(e.to_string()))?);
    }
    let actual = format!("{}\n", shown.join("\n").trim());
    let expected = std::fs::read_to_string(state.path(file))
        .map_err(|e| Stop::Fail(format!("cannot read {file}: {e}")))?;
    state.set_output(actual.clone(), String::new());
    let same = actual.trim() == expected.trim();
    match (same, neg) {
        (true, false) | (false, true) => Ok(()),
        (true, true) => fail(format!("the definition equals {file}")),
        (false, false) => {
            if state.update
                && let Some(section) = super::builtins::section_of(state, file)
            {
                let note = crate::run::update::rewrite_section(&state.script, &section, &actual)
                    .map_err(Stop::Fail)?;
                state.notes.push(note);
                return Ok(());
            }
            let diff = render::exact_diff(expected.trim(), actual.trim(), file, "shown");
            fail(format!("the definition differs from {file}\n{diff}"))
        }
    }
}

/// `only ENGINE…`: the script goes on when any pattern matches the engine (case-insensitive,
/// unanchored regex), else it is skipped. `! only …` skips when every pattern matches.
pub fn only(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    if args.is_empty() {
        return fail("usage: only engine...");
    }
    let mut matches = Vec::new();
    for a in args {
        let re = regex::Regex::new(&format!("(?mi){a}"))
            .map_err(|e| Stop::Fail(format!("only: bad pattern {a:?}: {e}")))?;
        matches.push(re.is_match(state.engine.name()));
    }
    let skip = if neg {
        matches.iter().all(|m| *m)
    } else {
        !matches.iter().any(|m| *m)
    };
    if skip {
        Err(Stop::Skip(format!("not for {}", state.engine)))
    } else {
        Ok(())
    }
}

/// `assay ARGS…`: runs the assay CLI itself, like `exec`.
pub fn assay(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let bin = assay_binary(state).ok_or(Stop::Fail(
        "cannot find the assay binary: build it (cargo build) or set ASSAY_BIN".into(),
    ))?;
    super::builtins::run_program(state, neg, &bin, args)
}

/// The `assay` binary: given by the harness, `ASSAY_BIN` / `CARGO_BIN_EXE_assay`, or next to
/// the running executable (or one directory up, from a cargo test binary in `deps/`).
pub(super) fn assay_binary(state: &State) -> Option<PathBuf> {
    if let Some(bin) = &state.assay_bin {
        return Some(bin.clone());
    }
    for var in ["ASSAY_BIN", "CARGO_BIN_EXE_assay"] {
        if let Some(p) = std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_file())
        {
            return Some(p);
        }
    }
    let exe = std::env::current_exe().ok()?;
    let name = format!("assay{}", std::env::consts::EXE_SUFFIX);
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join(&name))
        .find(|p| p.is_file())
}
