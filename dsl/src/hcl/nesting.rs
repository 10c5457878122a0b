//! A bound on how deeply HCL text nests, checked before hcl-edit parses it.
//!
//! hcl-edit's expression parser backtracks: on some invalid input (a binary operation whose
//! right operand is an object or parenthesis that fails to parse, e.g. `a / !b / { …`) it parses
//! each nested level twice, so its time doubles per level — a 482-byte file took 33 s (found by
//! the `atlas_hcl` fuzz target). Valid files nest a few levels (a `test` block, a command block,
//! an object or function call in an attribute). So assay refuses text nested deeper than
//! [`MAX_DEPTH`] before parsing it, with the place where the limit was passed **(assay)**.
//!
//! The scan knows HCL's lexical structure: brackets inside quoted strings, heredocs and comments do
//! not count; a `${…}`/`%{…}` interpolation inside a string or heredoc counts as one level, and
//! what it contains counts as code again.

/// The deepest nesting of blocks, brackets and template interpolations that assay reads. Real
/// files nest 2–5 levels. At 16 the fuzzer still found a 360-byte file that took 110 ms (more
/// than one backtracking operator per level); at 12 that is a sixteenth.
pub(crate) const MAX_DEPTH: usize = 12;

enum Mode<'a> {
    /// Code inside a bracket, block body or interpolation (or the file itself: the bottom).
    Code,
    /// A quoted template string.
    Quoted,
    /// A heredoc body ending at a line that is its marker (after optional whitespace).
    Heredoc(&'a str),
}

/// The byte offset of the first opening that nests deeper than `max` levels, if any.
pub(crate) fn too_deep(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut stack = vec![Mode::Code];
    let mut depth = 0usize;
    let mut i = 0;
    let mut line_start = true;
    // Per heredoc marker: (searched from, the offset of the next line that ends it).
    let mut ends: std::collections::HashMap<&str, (usize, Option<usize>)> = Default::default();
    while i < bytes.len() {
        let at_line_start = std::mem::replace(&mut line_start, false);
        let b = bytes[i];
        if matches!(stack.last(), Some(Mode::Quoted | Mode::Heredoc(_)))
            && let Some(skip) = interpolation(bytes, i)
        {
            if skip == 2 {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
                stack.push(Mode::Code);
            }
            i += skip;
            continue;
        }
        match stack.last() {
            Some(Mode::Code) | None => match b {
                b'{' | b'[' | b'(' => {
                    depth += 1;
                    if depth > max {
                        return Some(i);
                    }
                    stack.push(Mode::Code);
                }
                b'}' | b']' | b')' if stack.len() > 1 => {
                    stack.pop();
                    depth -= 1;
                }
                b'"' => stack.push(Mode::Quoted),
                b'#' => i = line_end(bytes, i) - 1,
                b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(bytes, i) - 1,
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i = text[i + 2..]
                        .find("*/")
                        .map_or(bytes.len(), |p| i + 2 + p + 2)
                        - 1;
                }
                b'<' if bytes.get(i + 1) == Some(&b'<') => {
                    // A heredoc that never ends is no heredoc to the parser either: what
                    // follows is read as code.
                    if let Some((marker, body)) = heredoc_start(text, i)
                        && ends_after(text, marker, body, &mut ends)
                    {
                        stack.push(Mode::Heredoc(marker));
                        i = body;
                        line_start = true;
                        continue;
                    }
                }
                b'\n' => line_start = true,
                _ => {}
            },
            Some(Mode::Quoted) => match b {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    stack.pop();
                    line_start = b == b'\n';
                }
                _ => {}
            },
            Some(Mode::Heredoc(marker)) => {
                if at_line_start {
                    let end = line_end(bytes, i);
                    if text[i..end].trim() == *marker {
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                line_start = b == b'\n';
            }
        }
        i += 1;
    }
    None
}

/// The end of the line holding `i` (the offset of its `\n`, or of the end of the text).
fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p)
}

/// At a `$` or `%` in a template: `Some(2)` for an interpolation or directive opening (`${`,
/// `%{`), `Some(3)` for its escape (`$${`, `%%{`), `None` otherwise.
fn interpolation(bytes: &[u8], i: usize) -> Option<usize> {
    let b = bytes[i];
    if b != b'$' && b != b'%' {
        return None;
    }
    match (bytes.get(i + 1), bytes.get(i + 2)) {
        (Some(b'{'), _) => Some(2),
        (Some(&n), Some(b'{')) if n == b => Some(3),
        _ => None,
    }
}

/// Whether a line at or after `body` is `marker` (after optional whitespace). Each marker's
/// search resumes where the last one ended, so the scan stays linear.
fn ends_after<'t>(
    text: &'t str,
    marker: &'t str,
    body: usize,
    ends: &mut std::collections::HashMap<&'t str, (usize, Option<usize>)>,
) -> bool {
    match ends.get(marker) {
        Some(&(from, found)) if from <= body && found.is_none_or(|e| e >= body) => {
            return found.is_some();
        }
        _ => {}
    }
    let mut at = body;
    let found = loop {
        if at >= text.len() {
            break None;
        }
        let end = line_end(text.as_bytes(), at);
        if text[at..end].trim() == marker {
            break Some(at);
        }
        at = end + 1;
    };
    ends.insert(marker, (body, found));
    found.is_some()
}

/// A heredoc opening `<<ID` or `<<-ID` followed by a newline at `i`: its marker and the offset
/// of the body's first line.
fn heredoc_start(text: &str, i: usize) -> Option<(&str, usize)> {
    let rest = &text[i + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let marker = &rest[..len];
    let after = &rest[len..];
    let after = after.strip_prefix('\r').unwrap_or(after);
    if marker.is_empty() || !after.starts_with('\n') {
        return None;
    }
    let body = text.len() - after.len() + 1;
    Some((marker, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(text: &str) -> usize {
        (0..64).find(|&max| too_deep(text, max).is_none()).unwrap()
    }

    #[test]
    fn counts_blocks_brackets_and_interpolations() {
        assert_eq!(depth_of("a = 1\n"), 0);
        assert_eq!(
            depth_of("test \"schema\" \"x\" {\n  exec {\n    sql = f([1])\n  }\n}\n"),
            4
        );
        assert_eq!(depth_of("a = \"${b}\"\n"), 1);
        assert_eq!(depth_of("a = \"${f(\"${g(1)}\")}\"\n"), 4);
    }

    #[test]
    fn strings_heredocs_and_comments_do_not_count() {
        assert_eq!(depth_of("a = \"((((\\\"[[[\"\n"), 0);
        assert_eq!(depth_of("a = \"$${{{{ %%{{{\"\n"), 0);
        assert_eq!(depth_of("# ((((\n// [[[[\n/* {{{{ */ a = 1\n"), 0);
        let heredoc =
            "t {\n  sql = <<-SQL\n    SELECT ((((1)))) -- }}}}\n    ${x}\n  SQL\n  b = [1]\n}\n";
        assert_eq!(depth_of(heredoc), 2);
        // A line that merely holds the marker with other text does not end the heredoc.
        assert_eq!(depth_of("a = <<EOT\nEOT x ((((\nEOT\n"), 0);
        // A heredoc that never ends hides nothing (the atlas_hcl fuzz finding's second form).
        assert_eq!(depth_of("a = <<EOT\n{{{{\n"), 4);
        assert_eq!(depth_of("a = [<<A\n((\nA\n, <<B\n[[[\n]\n"), 4);
    }

    #[test]
    fn reports_the_opening_past_the_limit() {
        let text = format!("x = {}", "b / !c / { ".repeat(20));
        let at = too_deep(&text, MAX_DEPTH).unwrap();
        assert_eq!(text[..=at].matches('{').count(), MAX_DEPTH + 1);
        assert_eq!(too_deep("x = ((1))", 2), None);
    }

    #[test]
    fn unbalanced_input_is_scanned_to_the_end() {
        assert_eq!(too_deep(")))}}]]]", 1), None);
        assert_eq!(too_deep("a = \"unterminated\nb = {", 1), None);
        assert_eq!(too_deep("a = <<EOT\nnever ends {{{{", 1), Some(22));
        assert_eq!(too_deep("a = <<", 1), None);
    }
}
