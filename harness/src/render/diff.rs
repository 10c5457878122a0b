//! Unified diffs of expected vs actual text.

use similar::TextDiff;

/// A unified diff (`--- expected` / `+++ actual`, 3 lines of context). Both sides are compared
/// with a final newline so a missing one does not show up as a change.
pub fn unified_diff(expected: &str, actual: &str) -> String {
    let e = with_newline(expected);
    let a = with_newline(actual);
    TextDiff::from_lines(&e, &a)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

fn with_newline(s: &str) -> String {
    let s = s.trim_matches('\n');
    if s.is_empty() { String::new() } else { format!("{s}\n") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_removed_and_added_lines() {
        let d = unified_diff("a\nb\n", "a\nc");
        assert!(d.contains("--- expected") && d.contains("+++ actual"), "{d}");
        assert!(d.contains("-b\n") && d.contains("+c\n"), "{d}");
    }
}
