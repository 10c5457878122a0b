//! Bounds on how deeply HCL text nests, checked before hcl-edit parses it.
//!
//! hcl-edit's expression parser backtracks: when the right operand of a binary operation fails to
//! parse (`a / !b / { …` with the object broken somewhere inside), it parses that operand a second
//! time before giving up, so every binary operation whose operand encloses the failure doubles
//! the work — a 482-byte file took 33 s (found by the `atlas_hcl` fuzz target). Valid files nest
//! a few levels (a `test` block, a command block, an object or function call in an attribute) and
//! seldom put a bracket inside an operand inside an operand. So, before parsing, assay refuses
//! **(assay)** text nested deeper than [`MAX_DEPTH`] levels, or with brackets nested inside more
//! than [`MAX_OPERANDS`] operands of binary operators, at the opening past the limit.
//!
//! The scan knows HCL's lexical structure: brackets inside quoted strings, heredocs (that end)
//! and comments do not count; a `${…}`/`%{…}` interpolation inside a string or heredoc counts as
//! one level, and what it contains counts as code again.

/// The deepest nesting of blocks, brackets and template interpolations that assay reads. Real
/// files nest 2–5 levels.
pub(crate) const MAX_DEPTH: usize = 12;

/// How many operands of binary operators (`a + (…)`, `x == {…}`, `n / f(…)`) a bracket may be
/// nested in: hcl-edit's worst case is the text's plain parse time times 2 to this power.
pub(crate) const MAX_OPERANDS: usize = 6;

/// What the scan refused, at a byte offset.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TooDeep {
    /// More than `max` levels of blocks, brackets and interpolations.
    Nesting(usize),
    /// A bracket inside more than `max_operands` operands of binary operators.
    Operands(usize),
}

impl TooDeep {
    pub(crate) fn offset(&self) -> usize {
        match self {
            TooDeep::Nesting(at) | TooDeep::Operands(at) => *at,
        }
    }

    /// What to tell the user.
    pub(crate) fn message(&self) -> String {
        match self {
            TooDeep::Nesting(_) => format!(
                "HCL nested more than {MAX_DEPTH} levels deep (blocks, brackets and ${{…}} \
                 together); assay reads at most {MAX_DEPTH}: move the inner part into a local \
                 or variable"
            ),
            TooDeep::Operands(_) => format!(
                "HCL brackets nested inside more than {MAX_OPERANDS} operands of binary \
                 operators (`a + (b + (…))`); assay reads at most {MAX_OPERANDS}: move the inner \
                 part into a local"
            ),
        }
    }
}

/// Refuses `text` nested past [`MAX_DEPTH`] or [`MAX_OPERANDS`].
pub(crate) fn check(text: &str) -> Result<(), TooDeep> {
    match too_deep(text, MAX_DEPTH, MAX_OPERANDS) {
        Some(refused) => Err(refused),
        None => Ok(()),
    }
}

enum Mode<'a> {
    /// Code inside a bracket, block body or interpolation (or the file itself: the bottom).
    Code(Frame),
    /// A quoted template string; `true` when it is inside an operand (so is what it
    /// interpolates).
    Quoted(bool),
    /// A heredoc body ending at a line that is its marker (after optional whitespace); the
    /// flag as for `Quoted`.
    Heredoc(&'a str, bool),
}

/// One level of code.
#[derive(Default)]
struct Frame {
    /// A binary operator came since the last separator (`,` `=` `:` `?`, or a line break not
    /// right after an operator): a bracket opened now is inside its right operand.
    operand: bool,
    /// The last character that is no space was a binary operator (its operand may be on the
    /// next line).
    pending: bool,
    /// This level was opened inside an operand.
    counted: bool,
}

/// How many levels and operands are open, against their bounds.
struct Levels {
    depth: usize,
    operands: usize,
    max: usize,
    max_operands: usize,
}

impl Levels {
    /// Opens a level of code at `at` (a bracket, or `${` in a template); `counted` when it is
    /// inside an operand.
    fn open<'a>(&mut self, at: usize, counted: bool) -> Result<Mode<'a>, TooDeep> {
        self.depth += 1;
        if self.depth > self.max {
            return Err(TooDeep::Nesting(at));
        }
        if counted {
            self.operands += 1;
            if self.operands > self.max_operands {
                return Err(TooDeep::Operands(at));
            }
        }
        Ok(Mode::Code(Frame {
            counted,
            ..Frame::default()
        }))
    }

    fn close(&mut self, counted: bool) {
        self.depth -= 1;
        if counted {
            self.operands -= 1;
        }
    }
}

/// The first opening past `max` levels or past `max_operands` operands, if any.
pub(crate) fn too_deep(text: &str, max: usize, max_operands: usize) -> Option<TooDeep> {
    let levels = Levels {
        depth: 0,
        operands: 0,
        max,
        max_operands,
    };
    scan(text, levels).err()
}

fn scan(text: &str, mut levels: Levels) -> Result<(), TooDeep> {
    let bytes = text.as_bytes();
    let mut stack = vec![Mode::Code(Frame::default())];
    let mut i = 0;
    let mut line_start = true;
    // Which heredoc markers end on a later line.
    let mut ends = Ends::default();
    while i < bytes.len() {
        let at_line_start = std::mem::replace(&mut line_start, false);
        let b = bytes[i];
        let in_operand = match stack.last() {
            Some(Mode::Quoted(o) | Mode::Heredoc(_, o)) => Some(*o),
            _ => None,
        };
        if let Some(counted) = in_operand
            && let Some(skip) = interpolation(bytes, i)
        {
            if skip == 2 {
                stack.push(levels.open(i, counted)?);
            }
            i += skip;
            continue;
        }
        let top = stack.len() - 1;
        match &mut stack[top] {
            Mode::Code(frame) => {
                let operator = binary_operator(bytes, i);
                match b {
                    b'{' | b'[' | b'(' => {
                        let counted = frame.operand;
                        frame.pending = false;
                        stack.push(levels.open(i, counted)?);
                    }
                    b'}' | b']' | b')' if top > 0 => {
                        if let Some(Mode::Code(closed)) = stack.pop() {
                            levels.close(closed.counted);
                        }
                        if let Some(Mode::Code(parent)) = stack.last_mut() {
                            parent.pending = false;
                        }
                    }
                    b'"' => {
                        frame.pending = false;
                        let operand = frame.operand;
                        stack.push(Mode::Quoted(operand));
                    }
                    b'#' => i = line_end(bytes, i) - 1,
                    b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(bytes, i) - 1,
                    b'/' if bytes.get(i + 1) == Some(&b'*') => {
                        i = text[i + 2..]
                            .find("*/")
                            .map_or(bytes.len(), |p| i + 2 + p + 2)
                            - 1;
                    }
                    b'<' if bytes.get(i + 1) == Some(&b'<')
                        && let Some((marker, body)) = heredoc_start(text, i)
                        // A heredoc that never ends is no heredoc to the parser either: what
                        // follows is read as code.
                        && ends.after(text, marker, body) =>
                    {
                        frame.pending = false;
                        let operand = frame.operand;
                        stack.push(Mode::Heredoc(marker, operand));
                        i = body;
                        line_start = true;
                        continue;
                    }
                    _ if operator > 0 => {
                        frame.operand = true;
                        frame.pending = true;
                        i += operator;
                        continue;
                    }
                    b',' | b'=' | b':' | b'?' => {
                        *frame = Frame {
                            counted: frame.counted,
                            ..Frame::default()
                        };
                        // `=>` of a `for` expression is one separator.
                        if b == b'=' && bytes.get(i + 1) == Some(&b'>') {
                            i += 1;
                        }
                    }
                    b'\n' => {
                        if !frame.pending {
                            frame.operand = false;
                        }
                        line_start = true;
                    }
                    b' ' | b'\t' | b'\r' => {}
                    _ => frame.pending = false,
                }
            }
            Mode::Quoted(_) => match b {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    stack.pop();
                    line_start = b == b'\n';
                }
                _ => {}
            },
            Mode::Heredoc(marker, _) => {
                if at_line_start && let Some(end) = closes_heredoc(text, i, marker) {
                    stack.pop();
                    i = end;
                    continue;
                }
                line_start = b == b'\n';
            }
        }
        i += 1;
    }
    Ok(())
}

/// The length of the binary operator at `i` (`+ - * / % < > <= >= == != && ||`), or 0.
fn binary_operator(bytes: &[u8], i: usize) -> usize {
    let next = bytes.get(i + 1).copied();
    match (bytes[i], next) {
        (b'=', Some(b'=')) | (b'!', Some(b'=')) | (b'<', Some(b'=')) | (b'>', Some(b'=')) => 2,
        (b'&', Some(b'&')) | (b'|', Some(b'|')) => 2,
        (b'=', _) | (b'!', _) | (b'&', _) | (b'|', _) => 0,
        (b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>', _) => 1,
        _ => 0,
    }
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

/// Whether the line starting at `at` closes a heredoc of `marker`, as hcl-edit reads it: spaces
/// or tabs, the marker, then anything but an identifier character (`EOF` in `EOF)` or `EOF==x`
/// closes it; nothing needs to follow on the line). The offset just after the marker, if so.
/// Unicode letters after the marker count as closing here though hcl-edit reads them as part of
/// an identifier: the scan may end a heredoc early, never late, so it never misses code the
/// parser reads.
fn closes_heredoc(text: &str, at: usize, marker: &str) -> Option<usize> {
    let line = &text[at..];
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    let after = line[indent..].strip_prefix(marker)?;
    match after.as_bytes().first() {
        Some(&b) if identifier_byte(b) => None,
        _ => Some(at + indent + marker.len()),
    }
}

/// Where heredocs can end: the lines of the text by the identifier they start with (after
/// spaces or tabs), built once, so asking whether a marker ends after an offset costs a lookup
/// however many markers a text has.
#[derive(Default)]
struct Ends<'t> {
    /// Line starts (offsets, increasing) by their leading identifier; `None` until first used.
    lines: Option<std::collections::HashMap<&'t str, Vec<usize>>>,
}

impl<'t> Ends<'t> {
    /// Whether a line at or after `body` (a line start) closes a heredoc of `marker`
    /// ([`closes_heredoc`]).
    fn after(&mut self, text: &'t str, marker: &str, body: usize) -> bool {
        if !marker.bytes().all(identifier_byte) {
            // A marker with other letters: its lines are not indexed; look line by line.
            let mut at = body;
            while at < text.len() {
                if closes_heredoc(text, at, marker).is_some() {
                    return true;
                }
                at = line_end(text.as_bytes(), at) + 1;
            }
            return false;
        }
        let lines = self.lines.get_or_insert_with(|| {
            let mut lines: std::collections::HashMap<&str, Vec<usize>> = Default::default();
            let mut at = 0;
            while at < text.len() {
                let line = &text[at..line_end(text.as_bytes(), at)];
                let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
                let rest = &line[indent..];
                let len = rest.bytes().take_while(|&b| identifier_byte(b)).count();
                if len > 0 {
                    lines.entry(&rest[..len]).or_default().push(at);
                }
                at += line.len() + 1;
            }
            lines
        });
        lines
            .get(marker)
            .is_some_and(|starts| starts.last().is_some_and(|&last| last >= body))
    }
}

fn identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
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
        (0..64)
            .find(|&max| too_deep(text, max, 64).is_none())
            .unwrap()
    }

    fn operands_of(text: &str) -> usize {
        (0..64)
            .find(|&max| too_deep(text, 64, max).is_none())
            .unwrap()
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
        // hcl-edit ends a heredoc at a line starting with the marker and no identifier character
        // after it, and reads the rest of that line as code (the atlas_hcl fuzz finding's third
        // form hid brackets behind `l==…` lines of a `<<l` heredoc).
        assert_eq!(depth_of("a = <<EOT\nfoo\nEOTx ((((\nEOT\n"), 0);
        assert_eq!(depth_of("a = <<EOT\nfoo\n  EOT) ((((\nEOT\n"), 4);
        assert_eq!(depth_of("a = <<EOT\nfoo\nEOT==((((\n"), 4);
        // A heredoc that never ends hides nothing (the atlas_hcl fuzz finding's second form).
        assert_eq!(depth_of("a = <<EOT\n{{{{\n"), 4);
        assert_eq!(depth_of("a = [<<A\n((\nA\n, <<B\n[[[\n]\n"), 4);
        // Many markers, a few of which end: each is looked up, not searched for.
        let mut text: String = (0..2_000).map(|k| format!("a{k} = <<M{k}\n")).collect();
        text.push_str("b = <<M7\n((((((((((((((\nM7\n");
        assert_eq!(depth_of(&text), 0);
    }

    #[test]
    fn counts_brackets_inside_operands_of_binary_operators() {
        assert_eq!(operands_of("a = f(g(h(1)))\n"), 0);
        assert_eq!(operands_of("a = 1 + f(g(1))\n"), 1);
        assert_eq!(
            operands_of("a = x / !y.z / {\n  b = c / (d == [1])\n}\n"),
            3
        );
        // An operand on the next line is still the operator's.
        assert_eq!(operands_of("a = (1 +\n  (2 *\n  (3)))\n"), 2);
        // Separators end an operand: list items, object items, `=>`, a line break.
        assert_eq!(
            operands_of("a = [1 + 1, (2)]\nb = { x = 1 - 1\n y = (2) }\n"),
            0
        );
        assert_eq!(operands_of("a = {for k, v in m : k => (v)}\n"), 0);
        assert_eq!(operands_of("x = a - b\ny {\n  z = [(1)]\n}\n"), 0);
        // Comparisons and logic count; `!` and `=` alone do not; nor strings and comments.
        assert_eq!(operands_of("a = b >= (c && (d || [e]))\n"), 3);
        assert_eq!(operands_of("a = !(b)\nc = \"1 + (2)\" # 1 + (2)\n"), 0);
        // What a string or heredoc in an operand interpolates is inside that operand.
        assert_eq!(operands_of("a = x + \"${y + \"${(1)}\"}\"\n"), 2);
        assert_eq!(operands_of("a = x + <<E\n${(1)}\nE\nb = \"${(1)}\"\n"), 1);
    }

    #[test]
    fn reports_the_opening_past_the_limit() {
        let text = format!("x = {}", "b / !c / { ".repeat(20));
        let Some(TooDeep::Operands(at)) = too_deep(&text, MAX_DEPTH, MAX_OPERANDS) else {
            panic!("{:?}", too_deep(&text, MAX_DEPTH, MAX_OPERANDS));
        };
        assert_eq!(text[..=at].matches('{').count(), MAX_OPERANDS + 1);
        let text = format!("x = {}", "[".repeat(20));
        assert_eq!(
            too_deep(&text, MAX_DEPTH, MAX_OPERANDS),
            Some(TooDeep::Nesting(4 + MAX_DEPTH))
        );
        assert_eq!(too_deep("x = ((1))", 2, 0), None);
    }

    #[test]
    fn unbalanced_input_is_scanned_to_the_end() {
        assert_eq!(too_deep(")))}}]]]", 1, 1), None);
        assert_eq!(too_deep("a = \"unterminated\nb = {", 1, 1), None);
        assert_eq!(
            too_deep("a = <<EOT\nnever ends {{{{", 1, 1),
            Some(TooDeep::Nesting(22))
        );
        assert_eq!(too_deep("a = <<", 1, 1), None);
        assert_eq!(too_deep("a = 1 +", 1, 1), None);
    }
}
