//! Comparing serialized output with an expectation.
//!
//! `output` passes when both sides are equal after trimming surrounding newlines. Failing that,
//! a lenient cell-wise comparison accepts the spellings Atlas's own docs
//! use: for csv, each line split on unquoted commas with every field trimmed (`Ada, Lovelace`
//! equals `Ada,Lovelace`); for tables, rule lines dropped and each line split on `|` with every
//! cell trimmed.

use dbassay_dsl::hcl::Format;

use super::{csv, table};

pub fn output_matches(expected: &str, actual: &str, format: Format) -> bool {
    let (e, a) = (expected.trim_matches('\n'), actual.trim_matches('\n'));
    e == a || cells(e, format) == cells(a, format)
}

fn cells(text: &str, format: Format) -> Vec<Vec<String>> {
    let lines = text.lines().map(|l| l.trim_end_matches('\r'));
    match format {
        Format::Csv => lines
            .map(|l| {
                csv::split_line(l)
                    .into_iter()
                    .map(|f| f.trim().to_string())
                    .collect()
            })
            .collect(),
        Format::Table => lines
            .filter(|l| !table::is_rule(l))
            .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
            .collect(),
    }
}

/// `catch { error = … }`: the pattern matches the error text as an unanchored regex, or is a
/// plain substring of it (so patterns with unescaped parentheses or dots still work as text).
pub fn error_matches(pattern: &str, error: &str) -> bool {
    error.contains(pattern) || regex::Regex::new(pattern).is_ok_and(|re| re.is_match(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_after_trimming_newlines() {
        assert!(output_matches("\n1,a\n", "1,a", Format::Csv));
        assert!(!output_matches("1,a", "1,b", Format::Csv));
    }

    #[test]
    fn csv_fields_are_compared_trimmed() {
        assert!(output_matches("Ada, Lovelace", "Ada,Lovelace", Format::Csv));
        assert!(output_matches("Prince, ", "Prince,", Format::Csv));
        assert!(!output_matches("Ada, Lovelace", "Ada,Byron", Format::Csv));
        assert!(!output_matches("Ada", "Ada,Lovelace", Format::Csv));
    }

    #[test]
    fn empty_expectation_requires_empty_output() {
        assert!(output_matches("", "", Format::Csv));
        assert!(!output_matches("", "0", Format::Csv));
    }

    #[test]
    fn table_cells_are_compared_ignoring_alignment() {
        let actual = " id | email\n----+-------\n 1  | a@b.c";
        assert!(output_matches(
            "id|email\n--+--\n1|a@b.c",
            actual,
            Format::Table
        ));
        assert!(!output_matches("id|email\n1|x@b.c", actual, Format::Table));
    }

    #[test]
    fn error_pattern_is_regex_or_substring() {
        let err = "value for domain us_postal_code violates check constraint (23514)";
        assert!(error_matches("violates check", err));
        assert!(error_matches("^value .* constraint", err));
        assert!(error_matches("(23514)", err));
        assert!(!error_matches("unique", err));
    }
}
