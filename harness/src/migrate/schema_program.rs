//! `data "external_schema" { program = [...] }` of atlas.hcl: runs the program once, when the
//! project file is loaded, and takes the SQL it prints as part of the desired schema. This is
//! how ORM users hand Atlas their schema (GORM, Drizzle, SQLAlchemy, Django, …).
//!
//! A failing program fails the run with the `data` block's place in atlas.hcl; the SQL it
//! printed carries that place too, so a statement that fails names the block.

use std::process::{Command, Stdio};

use dbassay_dsl::hcl::Sql;
use dbassay_dsl::project::Program;

/// Runs `program` and returns what it printed, as SQL located at its `data` block.
pub fn run(program: &Program) -> Result<Sql, String> {
    let at = &program.at;
    let what = format!("data \"external_schema\" \"{}\"", program.name);
    let output = Command::new(&program.argv[0])
        .args(&program.argv[1..])
        .current_dir(&program.working_dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "{at}: {what}: cannot run `{}` (in {}): {e}; check `program` (argv[0] must be an executable on PATH or a path)",
                program.argv[0],
                program.working_dir.display()
            )
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "{at}: {what}: `{}` failed ({}){}",
            program.argv.join(" "),
            output.status,
            if stderr.trim().is_empty() {
                String::new()
            } else {
                format!(":\n  {}", stderr.trim().replace('\n', "\n  "))
            }
        ));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| format!("{at}: {what}: the program printed text that is not UTF-8"))?;
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
    })
}
