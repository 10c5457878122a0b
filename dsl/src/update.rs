//! The text edits behind `--update`: what a literal `output` or a txtar section becomes when it
//! takes a command's actual output.
//!
//! Pure text in, text out, so the rules can be unit-tested and fuzzed without a run; the
//! harness (`run/update.rs`) adds the file locking and the bookkeeping of a run.
//!
//! The rule every edit keeps: reading the rewritten file back gives exactly the new expectation
//! (an HCL `output` compares after trimming surrounding newlines), and rewriting it again with
//! the same output changes nothing. Output that a literal cannot hold in its style (a heredoc
//! line that would close the heredoc, a txtar line that would start a new section) is refused
//! with an error saying so, rather than written into a file that then means something else.

use crate::hcl::LiteralStyle;
use crate::txtar;

/// What a literal expression (the text `current`, written in `style`) becomes to hold `actual`:
/// the same style, heredoc marker and `<<-` indentation kept.
pub fn literal(current: &str, style: &LiteralStyle, actual: &str) -> Result<String, String> {
    match style {
        LiteralStyle::Quoted => Ok(quoted(actual)),
        LiteralStyle::Heredoc { marker, indent } => heredoc(current, marker, *indent, actual),
    }
}

/// Whether `current` still looks like a literal written in `style` (the file may have been
/// edited during the run).
pub fn plausible(current: &str, style: &LiteralStyle) -> bool {
    match style {
        LiteralStyle::Quoted => {
            current.len() >= 2 && current.starts_with('"') && current.ends_with('"')
        }
        LiteralStyle::Heredoc { marker, .. } => {
            current.starts_with("<<") && current.trim_end().ends_with(marker.as_str())
        }
    }
}

/// A quoted HCL string holding `text` exactly.
pub fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A heredoc holding `text`, written like `old`: the same marker, and for `<<-` the same
/// indentation of content and closing marker. **(assay)** When every line of `text` starts with
/// a space or a tab, `<<-` would strip that too (it takes the smallest indentation of all
/// lines away), so the heredoc is written as `<<MARKER`, unindented.
pub fn heredoc(old: &str, marker: &str, indent: bool, text: &str) -> Result<String, String> {
    let escaped = text.replace("${", "$${").replace("%{", "%%{");
    let lines: Vec<&str> = (escaped.trim_matches('\n').split('\n'))
        .filter(|l| !l.is_empty())
        .collect();
    let all_indented = !lines.is_empty() && lines.iter().all(|l| l.starts_with([' ', '\t']));
    let indent = indent && !all_indented;
    let open = if indent {
        format!("<<-{marker}")
    } else {
        format!("<<{marker}")
    };
    let old_lines: Vec<&str> = old.lines().collect();
    let close_indent = old_lines
        .last()
        .map_or("", |l| &l[..l.len() - l.trim_start().len()]);
    let content_indent = if indent {
        old_lines
            .get(1..old_lines.len().saturating_sub(1))
            .unwrap_or(&[])
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| &l[..l.len() - l.trim_start().len()])
            .min_by_key(|i| i.len())
            .unwrap_or(close_indent)
    } else {
        ""
    };
    // A line that starts (after spaces or tabs) with the marker and no identifier character
    // after it ends a heredoc early: hcl-edit reads it as the closing marker.
    let closes = |line: &str| {
        line.trim_start_matches([' ', '\t'])
            .strip_prefix(marker)
            .is_some_and(|rest| {
                !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-')
            })
    };
    if text.contains('\r') {
        return Err(
            "the output has a carriage return, which a heredoc reads as part of a line ending; write the expectation as a quoted string and run --update again".into(),
        );
    }
    if let Some(line) = escaped.split('\n').find(|l| closes(l)) {
        return Err(format!(
            "the output has the line {line:?}, which would close the heredoc <<{marker}; write the expectation with another marker and run --update again"
        ));
    }
    let mut out = format!("{open}\n");
    for line in escaped.trim_matches('\n').split('\n') {
        if !line.is_empty() {
            out.push_str(content_indent);
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(close_indent);
    out.push_str(marker);
    Ok(out)
}

/// `text` (a txtar archive) with the data of its section `name` replaced by `data`, and the
/// 1-based line of the section's marker. `Ok(None)` when there is no such section.
pub fn section(text: &str, name: &str, data: &str) -> Result<Option<(String, usize)>, String> {
    let archive = txtar::parse(text);
    let Some(file) = archive.file(name) else {
        return Ok(None);
    };
    if let Some(line) = data.split('\n').find(|l| txtar::marker_name(l).is_some()) {
        return Err(format!(
            "the output has the line {line:?}, which reads as a txtar section marker; section {name:?} cannot hold it, so compare it another way (a file written by the script)"
        ));
    }
    Ok(Some((
        txtar::replace_file_data(text, file, data),
        file.marker_line,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_escape_what_hcl_reads_specially() {
        assert_eq!(
            quoted("a\"b\\c\nd ${x} %{y} $z"),
            r#""a\"b\\c\nd $${x} %%{y} $z""#
        );
    }

    #[test]
    fn heredocs_keep_marker_and_indentation() {
        assert_eq!(
            heredoc("<<EOT\nold\nEOT", "EOT", false, "1,a\n2,b").unwrap(),
            "<<EOT\n1,a\n2,b\nEOT"
        );
        let old = "<<-OUT\n      x\n    OUT";
        assert_eq!(
            heredoc(old, "OUT", true, "1\n\n${v}").unwrap(),
            "<<-OUT\n      1\n\n      $${v}\n    OUT"
        );
        assert_eq!(
            heredoc("<<-OUT\n  OUT", "OUT", true, "a").unwrap(),
            "<<-OUT\n  a\n  OUT"
        );
        // update_hcl: when every line starts with whitespace, `<<-` would strip it too; the
        // heredoc is written unindented.
        assert_eq!(
            heredoc("<<-OUT\n      x\n    OUT", "OUT", true, "\tA\n  b\n\n c").unwrap(),
            "<<OUT\n\tA\n  b\n\n c\n    OUT"
        );
        assert_eq!(
            heredoc("<<-OUT\n  x\n  OUT", "OUT", true, "").unwrap(),
            "<<-OUT\n\n  OUT"
        );
    }

    #[test]
    fn heredocs_keep_carriage_returns_and_refuse_their_marker() {
        // update_hcl: a CR before LF is part of the line ending to hcl-edit, so the rewritten
        // file still differed; refused (a quoted string holds it).
        let err = heredoc("<<EOT\nold\nEOT", "EOT", false, "a\r\nb \r").unwrap_err();
        assert!(err.contains("carriage return"), "{err}");
        assert_eq!(quoted("a\r\nb"), "\"a\\r\\nb\"");
        // An output line that would close the heredoc is refused, not written.
        for actual in ["EOT", "x\n  EOT", "EOT, more", "a\n\tEOT\n"] {
            let err = heredoc("<<EOT\nold\nEOT", "EOT", false, actual).unwrap_err();
            assert!(err.contains("would close the heredoc <<EOT"), "{err}");
        }
        assert!(heredoc("<<EOT\nold\nEOT", "EOT", false, "EOTX\nEOT_1\nEOT-2").is_ok());
    }

    #[test]
    fn sections_refuse_data_that_reads_as_a_marker() {
        // update_txtar: output with a `-- x --` line became a new section, and a second
        // --update changed the file again.
        let text = "cmp stdout want\n-- want --\nold\n";
        let err = section(text, "want", "a\n-- x --\nb\n").unwrap_err();
        assert!(err.contains("reads as a txtar section marker"), "{err}");
        assert!(
            section(text, "want", "a\n-- x -- y\n--  --\n")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn sections_are_found_by_name_and_replaced() {
        let text = "cmp stdout want\n-- want --\nold\n-- other --\nkeep\n";
        let (new, line) = section(text, "want", "new\n").unwrap().unwrap();
        assert_eq!(new, "cmp stdout want\n-- want --\nnew\n-- other --\nkeep\n");
        assert_eq!(line, 2);
        assert_eq!(section(text, "nope", "x").unwrap(), None);
    }

    #[test]
    fn a_marker_on_the_last_line_without_a_line_ending_keeps_its_section() {
        // update_txtar: the data was appended to the marker line, and the section was gone.
        let (new, line) = section("-- suite/pass.txtar --", "suite/pass.txtar", "nata")
            .unwrap()
            .unwrap();
        assert_eq!(new, "-- suite/pass.txtar --\nnata\n");
        assert_eq!(line, 1);
        assert_eq!(
            txtar::parse(&new).file("suite/pass.txtar").unwrap().data,
            "nata\n"
        );
        let (crlf, _) = section("x\r\n-- a --\r", "a", "b\n").unwrap().unwrap();
        assert_eq!(crlf, "x\r\n-- a --\r\nb\n");
    }
}
