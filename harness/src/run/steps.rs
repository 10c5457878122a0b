//! The steps of `test "plan"` and `test "script"` cases that set up state: `schema { url }`
//! brings the database to a schema source, `apply { url = "file://x.plan.hcl" }` applies the
//! migration of an Atlas plan file.
//!
//! (assay) What `apply` compares with the plan's `from` (and, after applying, `to`): Atlas's
//! fingerprints are hashes of its own schema inspection, which assay cannot recompute. A
//! fingerprint written as `assay:<hex>` is compared: it is the SHA-256 of every table's
//! definition as the engine shows it (the text `cmpshow` compares), in name order, so it checks
//! the tables, columns, constraints, indexes and triggers of the current schema, not the data.
//! Any other fingerprint (an Atlas hash) is not compared, and the case says so in its log.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use dbassay_dsl::hcl::Inputs;
use dbassay_dsl::plan;
use dbassay_dsl::source::{Location, SourceFile};

use crate::engine::Session;
use crate::engine::show;
use crate::run::sql;
use crate::run::target::DesiredState;

/// `schema { url }`: applies the schema source's SQL to the case's database.
pub fn schema(session: &mut dyn Session, url: &str, at: &Location) -> Result<(), String> {
    let url = resolve(url, at);
    let state = DesiredState::load(std::slice::from_ref(&url), &Inputs::default())
        .map_err(|e| format!("schema: {e}"))?;
    for file in &state.applied(session.dialect())? {
        sql::run_each(session, file, |_| {}).map_err(|f| format!("schema: {}", f.describe()))?;
    }
    Ok(())
}

/// `apply { url }`: checks the database against the plan's `from`, applies its migration, and
/// checks the result against its `to` (see the module doc for what is compared).
pub fn apply(
    session: &mut dyn Session,
    url: &str,
    at: &Location,
    logs: &mut Vec<String>,
) -> Result<(), String> {
    let url = resolve(url, at);
    let path = PathBuf::from(url.strip_prefix("file://").unwrap_or(&url));
    let source = SourceFile::read(&path)
        .map_err(|e| format!("apply: {e}; `url` names a plan file (file://plans/NAME.plan.hcl)"))?;
    let plan = plan::parse(&source).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!("apply: {}", text.join("\n  "))
    })?;
    let note = |logs: &mut Vec<String>, which: &str| {
        logs.push(format!(
            "{}:{}: plan {:?}: `{which}` is not an assay fingerprint (assay:<hex>); not compared",
            at.path.display(),
            at.line,
            plan.name
        ))
    };
    if plan.from.starts_with("assay:") {
        let actual = fingerprint(session)?;
        if actual != plan.from {
            return Err(format!(
                "apply: {}: plan {:?} starts from {}, but the database is at {actual} (tables: {}); point `schema {{ url }}` at the plan's starting schema",
                plan.from_location,
                plan.name,
                plan.from,
                show::tables(session)
                    .map(|t| t.join(", "))
                    .unwrap_or_default()
            ));
        }
    } else {
        note(logs, "from");
    }
    sql::run_each(session, &plan.migration, |_| {})
        .map_err(|f| format!("apply: plan {:?}: {}", plan.name, f.describe()))?;
    if plan.to.starts_with("assay:") {
        let actual = fingerprint(session)?;
        if actual != plan.to {
            return Err(format!(
                "apply: plan {:?} should end at {}, but the database is at {actual} after its migration",
                plan.name, plan.to
            ));
        }
    } else {
        note(logs, "to");
    }
    Ok(())
}

/// `assay:` and the SHA-256 (hex) of the current schema's table definitions (module doc).
pub fn fingerprint(session: &mut dyn Session) -> Result<String, String> {
    let mut h = Sha256::new();
    let tables = show::tables(session).map_err(|e| format!("apply: {e}"))?;
    for table in tables {
        let text = show::show_table(session, &table).map_err(|e| format!("apply: {e}"))?;
        h.update(text.as_bytes());
        h.update(b"\0");
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("assay:{hex}"))
}

/// A step's `file://` URL: (assay) relative to the test file's directory when the file is
/// there, else to the working directory (where Atlas resolves it).
fn resolve(url: &str, at: &Location) -> String {
    let path = url.strip_prefix("file://").unwrap_or(url);
    if Path::new(path).is_absolute() {
        return url.to_string();
    }
    let dir = at.path.parent().unwrap_or(Path::new(""));
    let near = dir.join(path);
    if near.exists() {
        format!("file://{}", near.display())
    } else {
        url.to_string()
    }
}
