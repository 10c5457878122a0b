//! The SQL scanner's rule: every statement is the input's own text at its offset, statements
//! come in order without overlapping, and what lies between them is only what the scanner
//! documents it drops — whitespace, comments, delimiters, `DELIMITER` commands and the
//! `-- atlas:delimiter` directive. Nothing a user wrote is silently lost.

use dbassay_dsl::Dialect;
use dbassay_dsl::scan::{ScanOptions, split_with};

/// Scans `sql` with a dialect's options (`None`: Atlas's generic options) and checks the rule.
pub fn check(sql: &str, dialect: Option<Dialect>) {
    let opts = dialect.map_or_else(ScanOptions::generic, ScanOptions::for_dialect);
    let stmts = match split_with(sql, &opts) {
        Ok(s) => s,
        Err(e) => {
            let before = sql
                .get(..e.offset)
                .unwrap_or_else(|| panic!("error offset {} is not in the input", e.offset));
            assert_eq!(e.line, 1 + before.matches('\n').count(), "error line");
            let line_start = before.rfind('\n').map_or(0, |n| n + 1);
            assert_eq!(
                e.col,
                1 + before[line_start..].chars().count(),
                "error column"
            );
            assert!(!e.message.is_empty());
            return;
        }
    };
    let delimiters = delimiters(sql);
    let mut end = 0;
    for s in &stmts {
        assert!(!s.text.is_empty(), "empty statement at {}", s.offset);
        assert!(
            s.offset >= end,
            "statement at {} overlaps the one before",
            s.offset
        );
        let at = sql
            .get(s.offset..)
            .unwrap_or_else(|| panic!("statement offset {} is not in the input", s.offset));
        assert!(
            at.starts_with(&s.text),
            "statement {:?} is not the input's text at offset {}",
            s.text,
            s.offset
        );
        assert_eq!(s.line, 1 + sql[..s.offset].matches('\n').count(), "line");
        gap(&sql[end..s.offset], &opts, &delimiters);
        end = s.offset + s.text.len();
    }
    gap(&sql[end..], &opts, &delimiters);
}

/// Every delimiter the input could set: `;`, an `-- atlas:delimiter` first line, and the
/// argument of every `DELIMITER` word (a superset is fine: it only loosens the gap check).
fn delimiters(sql: &str) -> Vec<String> {
    let unescape = |d: &str| {
        d.replace("\\n", "\n")
            .replace("\\r", "\r")
            .replace("\\t", "\t")
    };
    let mut out = vec![";".to_string()];
    if let Some(d) = sql
        .split('\n')
        .next()
        .and_then(|l| l.strip_prefix("-- atlas:delimiter "))
    {
        out.push(unescape(d.trim_start_matches(' ').trim_end_matches('\r')));
    }
    let lower = sql.to_ascii_lowercase();
    for (i, _) in lower.match_indices("delimiter ") {
        let rest = &sql[i + 10..];
        let d = rest.split('\n').next().unwrap_or("").trim();
        let d = if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
            d[1..d.len() - 1].replace("''", "'")
        } else {
            d.to_string()
        };
        out.push(unescape(&d));
    }
    out.retain(|d| !d.trim().is_empty());
    out
}

/// Checks that `gap` (text between statements) holds only droppable text: it can be read, from
/// start to end, as whitespace, comments, delimiters and `DELIMITER` lines.
///
/// The delimiters are a superset of those in force, so no one way of reading is right: a
/// longest-match reading took `����` for one delimiter where `���` was in force (and failed on
/// the rest), earlier ones a whitespace-led delimiter or a `-` delimiter for the start of a
/// comment. So every way is tried: the gap passes when some reading reaches its end.
fn gap(gap: &str, opts: &ScanOptions, delimiters: &[String]) {
    let mut seen = vec![false; gap.len() + 1];
    let mut todo = vec![0usize];
    let mut furthest = 0;
    while let Some(at) = todo.pop() {
        if at == gap.len() {
            return;
        }
        if std::mem::replace(&mut seen[at], true) {
            continue;
        }
        furthest = furthest.max(at);
        let rest = &gap[at..];
        let mut next = |len: usize| todo.push(at + len);
        for d in delimiters.iter().filter(|d| rest.starts_with(d.as_str())) {
            next(d.len());
        }
        if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
            next(c.len_utf8());
        }
        let line = || rest.find('\n').map_or(rest.len(), |n| n + 1);
        if rest.starts_with("--") || (opts.hash_comments && rest.starts_with('#')) {
            next(line());
        }
        if let Some(n) = rest.strip_prefix("/*").and_then(|r| r.find("*/")) {
            next(2 + n + 2);
        }
        if rest.len() >= 10 && rest.as_bytes()[..10].eq_ignore_ascii_case(b"delimiter ") {
            next(line());
        }
    }
    panic!(
        "the scanner dropped text that is no whitespace, comment or delimiter: {:?} (in {gap:?})",
        &gap[furthest..]
    );
}
