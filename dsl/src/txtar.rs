//! txtar archives: a comment (for scripts, the script itself) followed by files, each introduced
//! by a `-- name --` marker line.
//!
//! Our own parser, because we want line numbers: every file records the line of its marker and
//! the byte range of its data in the original text, so errors point at `file:line` and
//! `--update` can rewrite one golden section while keeping every other byte.
//!
//! The format has no syntax errors:
//! - a marker is a line that starts with `-- ` and ends with ` --` (a CR before the LF is
//!   ignored); the name between is trimmed. A marker whose name is empty is ordinary data.
//! - a file's data is every line up to the next marker, blank lines included;
//! - a comment or data whose last line lacks a newline gets one; empty data stays empty.
//!
//! ```
//! use dbassay_dsl::txtar;
//! let archive = txtar::parse("exec echo hi\n-- a.txt --\nhello\n");
//! assert_eq!(archive.comment, "exec echo hi\n");
//! assert_eq!((archive.files[0].name.as_str(), archive.files[0].data.as_str()), ("a.txt", "hello\n"));
//! assert_eq!(archive.files[0].marker_line, 2);
//! ```

use std::ops::Range;

/// A parsed archive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Archive {
    /// Everything before the first marker: the script.
    pub comment: String,
    /// The 1-based line the comment starts on (always 1; kept so callers need not know).
    pub comment_line: usize,
    pub files: Vec<ArchiveFile>,
}

/// One `-- name --` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArchiveFile {
    pub name: String,
    /// The data, with a final newline added when the original lacked one.
    pub data: String,
    /// The 1-based line of the `-- name --` marker; the data starts on the next line.
    pub marker_line: usize,
    /// The byte range of the data in the original text (without any added newline).
    pub data_span: Range<usize>,
}

impl ArchiveFile {
    /// The 1-based line of the data's first line.
    pub fn data_line(&self) -> usize {
        self.marker_line + 1
    }
}

impl Archive {
    /// The file with this name. When a name appears twice the later one wins, as testscript
    /// writes files in order.
    pub fn file(&self, name: &str) -> Option<&ArchiveFile> {
        self.files.iter().rev().find(|f| f.name == name)
    }
}

/// Parses an archive. Never fails: any text is an archive.
pub fn parse(text: &str) -> Archive {
    let mut archive = Archive {
        comment: String::new(),
        comment_line: 1,
        files: Vec::new(),
    };
    // The section being read: its data starts at `start`; `None` is the comment.
    let mut current: Option<ArchiveFile> = None;
    let mut start = 0;
    let mut offset = 0;
    let mut line = 1;
    while offset < text.len() {
        let end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        if let Some(name) = marker_name(&text[offset..end]) {
            close(&mut archive, current.take(), text, start..offset);
            current = Some(ArchiveFile {
                name: name.to_string(),
                marker_line: line,
                ..ArchiveFile::default()
            });
            start = end;
        }
        offset = end;
        line += 1;
    }
    close(&mut archive, current, text, start..text.len());
    archive
}

/// Stores the section that ends at `span.end`.
fn close(archive: &mut Archive, section: Option<ArchiveFile>, text: &str, span: Range<usize>) {
    let data = with_final_newline(&text[span.clone()]);
    match section {
        None => archive.comment = data,
        Some(mut file) => {
            file.data = data;
            file.data_span = span;
            archive.files.push(file);
        }
    }
}

/// The name of a marker line (`-- name --`, with or without its line ending), if it is one.
pub fn marker_name(line: &str) -> Option<&str> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let inner = line.strip_prefix("-- ")?.strip_suffix(" --")?;
    Some(inner.trim()).filter(|name| !name.is_empty())
}

fn with_final_newline(s: &str) -> String {
    let mut s = s.to_string();
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Writes an archive back as text: for an archive whose comment and data end in newlines and
/// whose markers are written `-- name --`, this is the text [`parse`] read.
pub fn format(archive: &Archive) -> String {
    let mut out = with_final_newline(&archive.comment);
    for file in &archive.files {
        out.push_str("-- ");
        out.push_str(&file.name);
        out.push_str(" --\n");
        out.push_str(&with_final_newline(&file.data));
    }
    out
}

/// The original `text` with `file`'s data replaced by `new_data`, every other byte kept. A
/// final newline is added to non-empty data so the next marker stays on its own line.
///
/// `file` must come from `parse(text)`.
pub fn replace_file_data(text: &str, file: &ArchiveFile, new_data: &str) -> String {
    let span = &file.data_span;
    let mut out = String::with_capacity(text.len() + new_data.len());
    out.push_str(&text[..span.start]);
    let new_data = with_final_newline(new_data);
    // A marker on the last line without a line ending gets one, or the data would extend it.
    if !new_data.is_empty() && !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&new_data);
    out.push_str(&text[span.end..]);
    out
}

/// Checks that a section name stays inside the work directory: relative, no `..` component.
/// The error says what is wrong with the name.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty file name".to_string());
    }
    let drive =
        name.len() >= 2 && name.as_bytes()[1] == b':' && name.as_bytes()[0].is_ascii_alphabetic();
    if name.starts_with('/') || name.starts_with('\\') || drive {
        return Err(format!(
            "file name `{name}` is absolute; names are relative to the work directory"
        ));
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!(
            "file name `{name}` leaves the work directory (`..`)"
        ));
    }
    if name.contains('\0') {
        return Err(format!(
            "file name `{}` contains a NUL byte",
            name.escape_debug()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(a: &Archive) -> Vec<&str> {
        a.files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn comment_files_and_lines() {
        let text = "# script\nexec x\n\n-- a.txt --\none\n\ntwo\n-- dir/b.sql --\nSELECT 1;\n";
        let a = parse(text);
        assert_eq!(a.comment, "# script\nexec x\n\n");
        assert_eq!(a.comment_line, 1);
        assert_eq!(names(&a), ["a.txt", "dir/b.sql"]);
        assert_eq!(
            a.files[0].data, "one\n\ntwo\n",
            "blank lines belong to the data"
        );
        assert_eq!((a.files[0].marker_line, a.files[0].data_line()), (4, 5));
        assert_eq!(a.files[1].marker_line, 8);
        for f in &a.files {
            assert_eq!(&text[f.data_span.clone()], f.data);
        }
        assert_eq!(format(&a), text);
    }

    #[test]
    fn marker_rules() {
        // Names are trimmed; CR before LF is ignored; markers only at the start of a line.
        let a = parse("--   spaced name  --\r\nx\n -- not --\n--no--\n-- --\n--  --\n-- last --");
        assert_eq!(names(&a), ["spaced name", "last"]);
        assert_eq!(a.files[0].data, "x\n -- not --\n--no--\n-- --\n--  --\n");
        assert_eq!(a.files[1].data, "", "empty data stays empty");
        assert_eq!(a.files[1].marker_line, 7);
        assert_eq!(a.comment, "");
    }

    #[test]
    fn missing_final_newline_is_added() {
        let a = parse("exec x");
        assert_eq!((a.comment.as_str(), a.files.len()), ("exec x\n", 0));
        let a = parse("-- a --\nabc");
        assert_eq!(a.files[0].data, "abc\n");
        assert_eq!(a.files[0].data_span, 8..11);
        assert_eq!(format(&a), "-- a --\nabc\n");
    }

    #[test]
    fn empty_and_comment_only() {
        assert_eq!(
            parse(""),
            Archive {
                comment: String::new(),
                comment_line: 1,
                files: vec![]
            }
        );
        assert_eq!(format(&parse("")), "");
        let a = parse("-- a --\n-- b --\n");
        assert_eq!(names(&a), ["a", "b"]);
        assert!(a.files.iter().all(|f| f.data.is_empty()));
        assert_eq!(a.files[0].data_span, 8..8);
    }

    #[test]
    fn crlf_data_is_kept() {
        let text = "cmd\r\n-- a --\r\nx\r\n";
        let a = parse(text);
        assert_eq!(a.comment, "cmd\r\n");
        assert_eq!(a.files[0].data, "x\r\n");
    }

    #[test]
    fn duplicates_later_wins() {
        let a = parse("-- a --\n1\n-- a --\n2\n");
        assert_eq!(a.file("a").map(|f| f.data.as_str()), Some("2\n"));
        assert!(a.file("b").is_none());
    }

    #[test]
    fn format_adds_newlines() {
        let a = Archive {
            comment: "c".into(),
            comment_line: 1,
            files: vec![ArchiveFile {
                name: "f".into(),
                data: "d".into(),
                ..ArchiveFile::default()
            }],
        };
        assert_eq!(format(&a), "c\n-- f --\nd\n");
    }

    #[test]
    fn replace_keeps_every_other_byte() {
        let text = "exec x\r\n-- out.golden --\nold\nlines\n\n-- other --  \nkeep\n";
        // `-- other --  ` is not a marker (it does not end with ` --`): it belongs to the golden.
        let a = parse(text);
        assert_eq!(names(&a), ["out.golden"]);
        let text = "exec x\r\n-- out.golden --\nold\nlines\n\n-- other --\r\nkeep";
        let a = parse(text);
        let golden = a.file("out.golden").unwrap();
        let new = replace_file_data(text, golden, "new");
        assert_eq!(new, "exec x\r\n-- out.golden --\nnew\n-- other --\r\nkeep");
        let other = parse(&new).files[1].clone();
        assert_eq!(
            replace_file_data(&new, &other, ""),
            "exec x\r\n-- out.golden --\nnew\n-- other --\r\n"
        );
        assert_eq!(
            replace_file_data(&new, &other, "a\nb\n"),
            "exec x\r\n-- out.golden --\nnew\n-- other --\r\na\nb\n"
        );
    }

    #[test]
    fn names_must_stay_in_the_work_dir() {
        for ok in ["a.txt", "dir/b.sql", "./x", "a..b", "migrations/1_init.sql"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "..",
            "a\\..\\x",
            "C:\\x",
            "\\x",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(
            check_name("../x")
                .unwrap_err()
                .contains("leaves the work directory")
        );
    }
}
