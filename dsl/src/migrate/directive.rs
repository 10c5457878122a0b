//! `atlas:` directives and the `-- atlas:txtar` pre-migration checks.
//!
//! File directives live in the comment block at the very top of a file (lines starting with `--`
//! or `#`), and only when a blank line follows the block (or the file is only comments):
//! otherwise the comments belong to the first statement. `-- atlas:delimiter` and
//! `atlas:sum ignore` are read from the first line alone.

use std::ops::Range;

use super::TxMode;
use crate::scan;

/// A problem at a byte offset of the file.
pub(super) type Fail = (usize, String);

/// One `atlas:<name> <args>` directive of a comment line.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Directive<'a> {
    pub name: &'a str,
    pub args: &'a str,
}

/// Reads `atlas:<name> [args]` from a comment line: the text before `atlas:` must be printable
/// ASCII (`-- `, `#`, `/*`).
pub(super) fn parse(line: &str) -> Option<Directive<'_>> {
    let line = line.trim_end_matches(['\r', '\n']);
    let at = line.find("atlas:")?;
    if !line[..at].bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return None;
    }
    let rest = &line[at + "atlas:".len()..];
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let after = &rest[name_len..];
    let args = if after.starts_with(' ') {
        after.trim()
    } else {
        ""
    };
    Some(Directive {
        name: &rest[..name_len],
        args,
    })
}

/// The file directives of an Atlas-style file.
#[derive(Debug, Default)]
pub(super) struct FileDirectives {
    pub txmode: TxMode,
    pub delimiter: Option<String>,
    pub nolint: Option<Vec<String>>,
    pub sum_ignore: bool,
    pub checkpoint: Option<String>,
    /// `-- atlas:txtar`: the offsets of the directive and of the archive (after the header).
    pub txtar: Option<(usize, usize)>,
}

/// `atlas:sum ignore` on the first line.
pub(super) fn sum_ignore(text: &str) -> bool {
    let first = text.split('\n').next().unwrap_or("");
    parse(first).is_some_and(|d| d.name == "sum" && d.args == "ignore")
}

/// The header comment lines, with their offsets, when they form a file-directive block.
fn header(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut at = 0;
    while text[at..].starts_with("--") || text[at..].starts_with('#') {
        match text[at..].find('\n') {
            Some(n) => {
                lines.push((at, &text[at..at + n]));
                at += n + 1;
            }
            None => {
                // A file of comments only.
                lines.push((at, &text[at..]));
                return lines;
            }
        }
    }
    let rest = text[at..].trim_start_matches([' ', '\t', '\r']);
    if rest.starts_with('\n') || rest.trim().is_empty() {
        lines
    } else {
        Vec::new()
    }
}

/// Reads the file directives; unknown `atlas:` names in the header are left alone (they may be
/// Atlas Cloud's).
pub(super) fn file_directives(text: &str) -> Result<FileDirectives, Fail> {
    let mut d = FileDirectives {
        sum_ignore: sum_ignore(text),
        delimiter: scan::delimiter_directive(text.split('\n').next().unwrap_or("")).map(|d| {
            d.replace("\\n", "\n")
                .replace("\\r", "\r")
                .replace("\\t", "\t")
        }),
        ..FileDirectives::default()
    };
    let mut txmode_seen = false;
    let lines = header(text);
    let header_end = lines.last().map(|(at, l)| at + l.len());
    for (at, line) in &lines {
        let Some(dir) = parse(line) else { continue };
        match dir.name {
            "txmode" => {
                if txmode_seen {
                    return Err((
                        *at,
                        "more than one `atlas:txmode` directive: keep one".into(),
                    ));
                }
                txmode_seen = true;
                d.txmode = match dir.args {
                    "none" => TxMode::None,
                    "file" => TxMode::File,
                    "all" => {
                        return Err((
                            *at,
                            "txmode \"all\" is not allowed in file directive: use `-- atlas:txmode file` or `none`, and set `all` for the whole run instead".into(),
                        ));
                    }
                    other => {
                        return Err((
                            *at,
                            format!(
                                "unknown txmode {other:?} in `atlas:txmode`: use `none` or `file`"
                            ),
                        ));
                    }
                };
            }
            "nolint" => d.nolint = Some(dir.args.split_whitespace().map(str::to_string).collect()),
            "checkpoint" => d.checkpoint = Some(dir.args.to_string()),
            "txtar" => d.txtar = header_end.map(|e| (*at, (e + 1).min(text.len()))),
            _ => {}
        }
    }
    Ok(d)
}

/// The members of an `-- atlas:txtar` file: the checks and the migration's range.
pub(super) struct Archive {
    pub checks: Vec<(String, bool, Range<usize>)>,
    pub migration: Range<usize>,
}

/// Splits the txtar archive that starts at `from` (after the directive at `directive`): `-- name --` marker lines open members.
pub(super) fn archive(text: &str, (directive, from): (usize, usize)) -> Result<Archive, Fail> {
    let mut members: Vec<(usize, String, usize)> = Vec::new(); // (marker offset, name, body start)
    let mut at = from;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
        let line = text[at..end].trim_end_matches('\r');
        if let Some(name) = line.strip_prefix("-- ").and_then(|l| l.strip_suffix(" --")) {
            let name = name.trim();
            if !name.is_empty() {
                members.push((at, name.to_string(), (end + 1).min(text.len())));
            }
        }
        at = end + 1;
    }
    let mut checks = Vec::new();
    let mut migration = None;
    for (k, (marker, name, body)) in members.iter().enumerate() {
        let body_end = members.get(k + 1).map_or(text.len(), |m| m.0);
        let range = *body..body_end.max(*body);
        if name == "migration.sql" {
            if migration.is_some() {
                return Err((
                    *marker,
                    "`migration.sql` appears twice in the atlas:txtar archive: keep one".into(),
                ));
            }
            migration = Some(range);
        } else if name == "checks.sql" || (name.starts_with("checks/") && name.ends_with(".sql")) {
            let first = text[range.clone()]
                .trim_start()
                .split('\n')
                .next()
                .unwrap_or("");
            let oneof = match parse(first) {
                Some(d) if d.name == "assert" => match d.args {
                    "oneof" => true,
                    other => {
                        return Err((
                            *body,
                            format!(
                                "unknown `atlas:assert {other}` in {name}: use `-- atlas:assert oneof`, or nothing for all"
                            ),
                        ));
                    }
                },
                _ => false,
            };
            checks.push((name.clone(), oneof, range));
        } else {
            return Err((
                *marker,
                format!(
                    "unexpected member {name:?} in the atlas:txtar archive: use `checks.sql`, `checks/<name>.sql` and `migration.sql`"
                ),
            ));
        }
    }
    let Some(migration) = migration else {
        return Err((directive, "the atlas:txtar archive has no `-- migration.sql --` member: add one holding the migration".into()));
    };
    Ok(Archive { checks, migration })
}
