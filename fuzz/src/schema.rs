//! HCL schema files (`schema.hcl`): parsed, then rendered for every dialect, and the DDL split
//! by that dialect's scanner as the harness applies it. The rule: errors name one of the files.

use dbassay_dsl::hcl::Inputs;
use dbassay_dsl::{Dialect, SourceFile, scan, schema, txtar};

use crate::NOWHERE;

/// The input is one schema file, or a txtar archive of several (`-- name.hcl --` sections).
pub fn check(text: &str) {
    let archive = txtar::parse(text);
    let files: Vec<SourceFile> = if archive.files.is_empty() {
        vec![SourceFile::new(format!("{NOWHERE}/schema.hcl"), text)]
    } else {
        archive
            .files
            .iter()
            .map(|f| SourceFile::new(format!("{NOWHERE}/{}", f.name), f.data.as_str()))
            .collect()
    };
    let named = |errors: &[dbassay_dsl::Error]| {
        assert!(!errors.is_empty(), "a failure without an error");
        for e in errors {
            assert!(
                files.iter().any(|f| f.path() == e.location.path),
                "error names no input file: {e}"
            );
        }
    };
    let parsed = match schema::parse(&files, &Inputs::default()) {
        Ok(s) => s,
        Err(errors) => return named(&errors),
    };
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        match schema::render(&parsed, d) {
            // Routine and view bodies are rendered verbatim, so DDL from a body that is not
            // SQL (`as = "SELECT("`) does not split: the scanner's error, not a panic. Making
            // that an error at the `as` attribute is open (docs/fuzzing.md).
            Ok(ddl) => {
                let _ = scan::split(&ddl, d);
            }
            Err(errors) => named(&errors),
        }
    }
}
