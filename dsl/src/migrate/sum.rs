//! `atlas.sum`: the directory's integrity file.
//!
//! One running SHA-256 over the directory, never reset: for each file in order, its name, then
//! its bytes (only the name for an `atlas:sum ignore` file, which gets no line). Each line holds
//! the digest so far, so editing a file changes its line and every line after it. The first line
//! is a SHA-256 over all (name, hash) pairs.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::{Dir, Format};
use crate::source::{Error, Location};

pub(super) const SUM_FILE: &str = "atlas.sum";

const HINT: &str = "if the change is intended, run \"assay migrate hash\" to update atlas.sum";

/// The per-file lines: (name, base64 hash without `h1:`).
fn entries(dir: &Dir) -> Vec<(String, String)> {
    let mut h = Sha256::new();
    let mut out = Vec::with_capacity(dir.files.len());
    for f in &dir.files {
        h.update(f.name.as_bytes());
        if f.sum_ignore {
            continue;
        }
        h.update(f.text.as_bytes());
        out.push((f.name.clone(), STANDARD.encode(h.clone().finalize())));
    }
    out
}

fn total(entries: &[(String, String)]) -> String {
    let mut t = Sha256::new();
    for (name, hash) in entries {
        t.update(name.as_bytes());
        t.update(hash.as_bytes());
    }
    STANDARD.encode(t.finalize())
}

/// The `atlas.sum` text for a directory, byte for byte what `atlas migrate hash` writes.
pub fn sum_text(dir: &Dir) -> String {
    let entries = entries(dir);
    let mut s = format!("h1:{}\n", total(&entries));
    for (name, hash) in &entries {
        s.push_str(name);
        s.push_str(" h1:");
        s.push_str(hash);
        s.push('\n');
    }
    s
}

/// Each file's cumulative hash as its `atlas.sum` line shows it (base64, without `h1:`), in
/// directory order: what the revisions table records in `hash`. An `atlas:sum ignore` file has
/// no line; it gets the hash so far (empty before the first hashed file).
pub fn file_hashes(dir: &Dir) -> Vec<String> {
    let mut h = Sha256::new();
    let mut last = String::new();
    let mut out = Vec::with_capacity(dir.files.len());
    for f in &dir.files {
        h.update(f.name.as_bytes());
        if !f.sum_ignore {
            h.update(f.text.as_bytes());
            last = STANDARD.encode(h.clone().finalize());
        }
        out.push(last.clone());
    }
    out
}

/// A parsed `atlas.sum`: the total and the (name, hash, line) entries.
struct SumFile {
    total: String,
    entries: Vec<(String, String, usize)>,
}

fn parse(text: &str, at: &dyn Fn(usize) -> Location) -> Result<SumFile, Error> {
    let mut lines = text.lines().enumerate();
    let invalid = |line: usize, what: &str| {
        Error::new(
            at(line),
            format!(
                "checksum file format invalid: {what}; run \"assay migrate hash\" to rewrite atlas.sum"
            ),
        )
    };
    let total = match lines.next() {
        Some((_, l)) => l
            .strip_prefix("h1:")
            .ok_or_else(|| invalid(1, "the first line must be `h1:<sum>`"))?,
        None => return Err(invalid(1, "the file is empty")),
    };
    let mut entries = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        // The last `h1:`: a hash (base64) has no `:`, a file name may hold `h1:`.
        let Some((name, hash)) = line.rsplit_once("h1:") else {
            return Err(invalid(
                i + 1,
                "every line after the first must be `<file> h1:<hash>`",
            ));
        };
        entries.push((name.trim().to_string(), hash.to_string(), i + 1));
    }
    Ok(SumFile {
        total: total.to_string(),
        entries,
    })
}

/// Whether `atlas.sum` matches the directory. An Atlas directory with migration files must have
/// one; other formats are checked only when they have one.
pub fn validate(dir: &Dir) -> Result<(), Error> {
    let sum_path = dir.path.join(SUM_FILE);
    let Some(text) = &dir.sum else {
        if dir.format == Format::Atlas && !dir.files.is_empty() {
            return Err(Error::new(
                Location::file(&sum_path),
                "checksum file not found: the directory has migrations but no atlas.sum; run \"assay migrate hash\" to create it",
            ));
        }
        return Ok(());
    };
    let at = |line: usize| Location {
        path: sum_path.clone(),
        line,
        col: 0,
    };
    let file = parse(text, &at)?;
    let computed = entries(dir);
    if total(&computed) == file.total
        && computed.len() == file.entries.len()
        && computed
            .iter()
            .zip(&file.entries)
            .all(|(c, f)| c.0 == f.0 && c.1 == f.1)
    {
        return Ok(());
    }
    let mismatch = |line: usize, what: String| {
        Error::new(at(line), format!("checksum mismatch: {what}; {HINT}"))
    };
    let file_names: Vec<&str> = file.entries.iter().map(|e| e.0.as_str()).collect();
    for (k, c) in computed.iter().enumerate() {
        match file.entries.get(k) {
            None => {
                return Err(mismatch(
                    file.entries.last().map_or(1, |e| e.2),
                    format!("file {:?} was added", c.0),
                ));
            }
            Some(f) if f.0 == c.0 => {
                if f.1 != c.1 {
                    return Err(mismatch(f.2, format!("file {:?} was edited", c.0)));
                }
            }
            Some(f) => {
                let what = if !dir.files.iter().any(|d| d.name == f.0) {
                    format!("file {:?} was removed", f.0)
                } else if !file_names.contains(&c.0.as_str()) {
                    format!("file {:?} was added", c.0)
                } else {
                    format!("files {:?} and {:?} changed places", f.0, c.0)
                };
                return Err(mismatch(f.2, what));
            }
        }
    }
    if let Some(f) = file.entries.get(computed.len()) {
        return Err(mismatch(f.2, format!("file {:?} was removed", f.0)));
    }
    Err(mismatch(
        1,
        "the first line (the total) does not match the lines below it".into(),
    ))
}
