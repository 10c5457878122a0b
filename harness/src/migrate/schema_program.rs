//! `data "external_schema" { program = [...] }` of atlas.hcl: runs the program once, when the
//! project file is loaded, and takes the SQL it prints as part of the desired schema. This is
//! how ORM users hand Atlas their schema (GORM, Drizzle, SQLAlchemy, Django, …).
//!
//! A failing program fails the run with the `data` block's place in atlas.hcl; the SQL it
//! printed carries that place too, so a statement that fails names the block.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dbassay_dsl::hcl::Sql;
use dbassay_dsl::project::Program;

/// How long a schema program may run.
const TIME_LIMIT: Duration = Duration::from_secs(300);

/// Runs `program` and returns what it printed, as SQL located at its `data` block.
pub fn run(program: &Program) -> Result<Sql, String> {
    let at = &program.at;
    let what = format!("data \"external_schema\" \"{}\"", program.name);
    let text = output(&program.argv, &program.working_dir, at, &what)?;
    if text.trim().is_empty() {
        return Err(format!(
            "{at}: {what}: `{}` printed no SQL; it must print the schema's DDL on standard output",
            program.argv.join(" ")
        ));
    }
    Ok(Sql {
        text,
        start: at.clone(),
        exact: false,
        origins: Vec::new(),
    })
}

/// Runs `argv` (no shell) in `working_dir` and returns what it printed on standard output; a
/// program that cannot start, fails, hangs past the limit or prints other than UTF-8 is an
/// error at `at`, naming `what` (the data block) and quoting its standard error.
pub fn output(
    argv: &[String],
    working_dir: &std::path::Path,
    at: &dbassay_dsl::source::Location,
    what: &str,
) -> Result<String, String> {
    let Some((argv0, args)) = argv.split_first() else {
        return Err(format!("{at}: {what}: `program` is empty"));
    };
    let mut child = Command::new(argv0)
        .args(args)
        .current_dir(working_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "{at}: {what}: cannot run `{argv0}` (in {}): {e}; check `program` (argv[0] must be an executable on PATH or a path)",
                working_dir.display()
            )
        })?;
    // Read both pipes while waiting, so a program that prints much never blocks, and stop one
    // that hangs instead of hanging the run.
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_reader = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_reader = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{at}: {what}: `{}` did not finish within {}s; it was stopped",
                    argv.join(" "),
                    TIME_LIMIT.as_secs()
                ));
            }
            Err(e) => return Err(format!("{at}: {what}: waiting for `{argv0}`: {e}")),
        }
    };
    let output = std::process::Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "{at}: {what}: `{}` failed ({}){}",
            argv.join(" "),
            output.status,
            if stderr.trim().is_empty() {
                String::new()
            } else {
                format!(":\n  {}", stderr.trim().replace('\n', "\n  "))
            }
        ));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("{at}: {what}: the program printed text that is not UTF-8"))
}
