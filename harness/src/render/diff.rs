//! Unified diffs of expected vs actual text.

use similar::TextDiff;

/// A unified diff (`--- expected` / `+++ actual`, 3 lines of context). Both sides are compared
/// with a final newline so a missing one does not show up as a change.
pub fn unified_diff(expected: &str, actual: &str) -> String {
    let e = with_newline(expected);
    let a = with_newline(actual);
    let diff = TextDiff::from_lines(&e, &a)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    colorize(&diff)
}

/// A unified diff of two texts compared byte for byte (`cmp`): nothing is trimmed, and a
/// difference only in line endings or a final newline is said in words.
pub fn exact_diff(expected: &str, actual: &str, expected_name: &str, actual_name: &str) -> String {
    let diff = TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(expected_name, actual_name)
        .missing_newline_hint(true)
        .to_string();
    let diff = if diff.trim().is_empty() {
        format!(
            "(the texts differ only in whitespace at the ends of lines: {} vs {} bytes)\n",
            expected.len(),
            actual.len()
        )
    } else {
        diff
    };
    colorize(&diff)
}

/// Colours a unified diff (removed lines red, added lines green) when colour is on.
pub fn colorize(diff: &str) -> String {
    if !color_enabled() {
        return diff.to_string();
    }
    let mut out = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        let code = if line.starts_with("---") || line.starts_with("+++") {
            "1"
        } else if line.starts_with('-') {
            "31"
        } else if line.starts_with('+') {
            "32"
        } else if line.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{end}"));
        }
    }
    out
}

/// Colour when stdout is a terminal, unless `NO_COLOR` is set (or `CLICOLOR_FORCE` forces
/// it); `ASSAY_COLOR=always|never`
/// overrides (the CLI's `--color` sets it).
pub fn color_enabled() -> bool {
    use std::io::IsTerminal as _;
    match std::env::var("ASSAY_COLOR").as_deref() {
        Ok("always") => true,
        Ok("never") => false,
        _ => match crate::shell::color_from_env().as_deref() {
            Some("never") => false,
            Some("always") => true,
            _ => std::io::stdout().is_terminal(),
        },
    }
}

fn with_newline(s: &str) -> String {
    let s = s.trim_matches('\n');
    if s.is_empty() {
        String::new()
    } else {
        format!("{s}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_removed_and_added_lines() {
        let d = unified_diff("a\nb\n", "a\nc");
        assert!(
            d.contains("--- expected") && d.contains("+++ actual"),
            "{d}"
        );
        assert!(d.contains("-b\n") && d.contains("+c\n"), "{d}");
    }
}
