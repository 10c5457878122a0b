//! `--update` / `ASSAY_UPDATE=1`: rewriting literal expectations in place.
//!
//! Only two kinds of expectation are ever rewritten, each with exactly the actual output:
//! - a txtar section compared by `cmp stdout SECTION` / `cmp stderr SECTION` (or `cmpshow`);
//! - the literal `output` of an HCL `exec` block: a quoted string or a heredoc, rewritten in
//!   the same style (heredoc marker, `<<-` indentation kept; quotes, `\`, `${` and `%{`
//!   escaped in quoted strings).
//!
//! Regular expressions (`match`, `stdout REGEX`) are never rewritten: failures stay failures
//! and the summary says so. Every other byte of a file stays as it was. The text edits
//! themselves are pure and live in `dbassay_dsl::update` (unit-tested and fuzzed there).
//!
//! Trials run in parallel, so rewrites of one file are serialized (a lock per file, in this
//! process and, with an advisory file lock, across processes), and each rewrite re-reads the
//! file first. txtar sections are found again by name; HCL literals by their original span,
//! shifted by the rewrites this process already made earlier in the file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use dbassay_dsl::hcl::Literal;
use dbassay_dsl::update as edit;

/// A rewrite made in this process: the literal's original span and the length change.
#[derive(Clone)]
struct Edit {
    start: usize,
    end: usize,
    delta: isize,
    text: String,
}

#[derive(Default)]
struct FileState {
    edits: Vec<Edit>,
    /// Sections rewritten by this process, and the data they got.
    sections: HashMap<String, String>,
}

fn files() -> &'static Mutex<HashMap<PathBuf, Arc<Mutex<FileState>>>> {
    static FILES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<FileState>>>>> = OnceLock::new();
    FILES.get_or_init(Mutex::default)
}

fn summary_lines() -> &'static Mutex<Vec<String>> {
    static SUMMARY: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SUMMARY.get_or_init(Mutex::default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `edit` on the text of `path` under the file's locks and writes its result back.
fn with_file<T>(
    path: &Path,
    edit: impl FnOnce(&str, &mut FileState) -> Result<(String, T), String>,
) -> Result<T, String> {
    let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let state = lock(files()).entry(key).or_default().clone();
    let mut state = lock(&state);
    let mut file = File::options()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("cannot open {} for --update: {e}", path.display()))?;
    file.lock()
        .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (new, result) = edit(&text, &mut state)?;
    if new != text {
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(new.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let _ = file.unlock();
    Ok(result)
}

/// Rewrites the data of section `name` of the txtar file `script` with `data`. Returns the
/// summary line.
pub fn rewrite_section(script: &Path, name: &str, data: &str) -> Result<String, String> {
    let line = with_file(script, |text, state| {
        // Two trials (two engines) wanting different data for one section would overwrite
        // each other: the second is refused, and the script wants per-engine sections.
        if let Some(earlier) = state.sections.get(name)
            && earlier != data
        {
            return Err(format!(
                "section {name:?} was already rewritten by another trial with different output; give each engine its own section ([postgres] cmp stdout {name}.postgres)"
            ));
        }
        state.sections.insert(name.to_string(), data.to_string());
        edit::section(text, name, data)?
            .ok_or_else(|| format!("{} has no section {name:?} any more", script.display()))
    })?;
    let note = format!("{}:{line}: updated section {name:?}", script.display());
    lock(summary_lines()).push(note.clone());
    Ok(note)
}

/// Rewrites the literal `output` expression at `literal` in the HCL file `path` so that it
/// holds `actual`. Returns the summary line.
pub fn rewrite_literal(
    path: &Path,
    literal: &Literal,
    actual: &str,
    line: usize,
) -> Result<String, String> {
    with_file(path, |text, state| {
        let (start, end) = (literal.span.start, literal.span.end);
        let old = shifted(state, start, end)
            .and_then(|(s, e)| text.get(s..e))
            .unwrap_or("");
        let replacement = edit::literal(old, &literal.style, actual)?;
        if let Some(done) = state
            .edits
            .iter()
            .find(|e| e.start == start && e.end == end)
        {
            return if done.text == replacement {
                Ok((text.to_string(), ()))
            } else {
                Err("already rewritten by another trial (another engine?) with a different output; not rewritten again".into())
            };
        }
        let (s, e) = shifted(state, start, end).ok_or("the file changed during the run")?;
        let current = text.get(s..e).ok_or("the file changed during the run")?;
        if !edit::plausible(current, &literal.style) {
            return Err("the file changed during the run; run again".into());
        }
        let mut new = String::with_capacity(text.len() + replacement.len());
        new.push_str(&text[..s]);
        new.push_str(&replacement);
        new.push_str(&text[e..]);
        state.edits.push(Edit {
            start,
            end,
            delta: replacement.len() as isize - (e - s) as isize,
            text: replacement,
        });
        Ok((new, ()))
    })?;
    let note = format!("{}:{line}: updated output", path.display());
    lock(summary_lines()).push(note.clone());
    Ok(note)
}

/// Records an expectation that `--update` left alone (a regex), for the summary.
pub fn not_rewritten(place: &str, why: &str) {
    lock(summary_lines()).push(format!("{place}: not rewritten: {why}"));
}

/// The span in the current text of an original span, after this process's earlier rewrites.
fn shifted(state: &FileState, start: usize, end: usize) -> Option<(usize, usize)> {
    let delta: isize = state
        .edits
        .iter()
        .filter(|e| e.end <= start)
        .map(|e| e.delta)
        .sum();
    Some((
        start.checked_add_signed(delta)?,
        end.checked_add_signed(delta)?,
    ))
}

/// What this process rewrote (and refused to), in order.
pub fn summary() -> Vec<String> {
    lock(summary_lines()).clone()
}

/// Prints the summary to stderr when anything was rewritten or refused.
pub fn print_summary() {
    let lines = summary();
    if lines.is_empty() {
        return;
    }
    let updated = lines
        .iter()
        .filter(|l| !l.contains(": not rewritten: "))
        .count();
    eprintln!("assay --update: {updated} expectation(s) rewritten");
    for l in &lines {
        eprintln!("  {l}");
    }
}

/// Whether this environment is CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_rewritten_byte_for_byte_elsewhere() {
        let dir = std::env::temp_dir().join(format!("assay-update-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.txtar");
        std::fs::write(
            &path,
            "query 'x'\r\ncmp stdout want\n-- want --\nold\n-- other --\nkeep\n",
        )
        .unwrap();
        let note = rewrite_section(&path, "want", "new\nlines\n").unwrap();
        assert!(
            note.ends_with("t.txtar:3: updated section \"want\""),
            "{note}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "query 'x'\r\ncmp stdout want\n-- want --\nnew\nlines\n-- other --\nkeep\n"
        );
        // The same data again is fine; different data from another trial is refused.
        assert!(rewrite_section(&path, "want", "new\nlines\n").is_ok());
        let err = rewrite_section(&path, "want", "other\n").unwrap_err();
        assert!(err.contains("already rewritten by another trial"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
