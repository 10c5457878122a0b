//! Masking passwords in URLs and `key=value` settings before anything is printed.

use std::ops::Range;

/// Masks passwords in any text that holds URLs or `key=value` settings:
/// `postgres://u:secret@h/db` → `postgres://u:***@h/db`, `password=secret` → `password=***`.
///
/// Works on text that does not parse (an error message, a libpq keyword string), so it can be
/// applied to anything assay prints about a connection. Both kinds of password are found in
/// the original text and every byte either covers is masked: masking one kind first could
/// hide the `:` or `=` that marks the other.
pub fn mask_password(text: &str) -> String {
    let mut ranges = userinfo_passwords(text);
    ranges.extend(param_passwords(text));
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for r in ranges {
        if r.end <= done {
            continue;
        }
        // Ranges never start at 0 (a `:` or `=` comes first); one that overlaps or touches
        // the last is part of its mask.
        if r.start > done {
            out.push_str(&text[done..r.start]);
            out.push_str(MASK);
        }
        done = r.end;
    }
    out.push_str(&text[done..]);
    out
}

const MASK: &str = "***";

/// The passwords of `scheme://user:password@…` forms.
fn userinfo_passwords(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let start = from + i + 3;
        // The userinfo ends at the last `@` before the URL ends (whitespace or a quote). Looking
        // past `/` and `?` masks a password that holds them unescaped too; at worst an `@` in
        // the query masks more than it must.
        let tail = &text[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let region = &tail[..end];
        // The password runs from the first `:` of the userinfo to that `@`; it may itself end
        // in `:` (`u:pa:@h`), and an empty one (`u:@h`) has nothing to mask.
        let userinfo = region.rfind('@').map(|at| (at, region[..at].find(':')));
        match userinfo {
            Some((at, Some(colon))) if colon + 1 < at => {
                found.push(start + colon + 1..start + at);
                from = start + at;
            }
            _ => from = start,
        }
    }
    found
}

fn is_password_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.ends_with("password") || key == "passwd" || key == "pwd"
}

/// The values of `password=…` settings (and `passwd`, `pwd`, `…password`).
fn param_passwords(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find('=') {
        let eq = from + i;
        let (before, after) = (&text[from..eq], &text[eq + 1..]);
        // The key starts after the last character that cannot be in one (which may be
        // several bytes long).
        let key_start = before
            .char_indices()
            .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        from = eq + 1;
        if !is_password_key(&before[key_start..]) || after.is_empty() {
            continue;
        }
        // A libpq value may be single-quoted: `password='a b'`.
        let value_len = if let Some(quoted) = after.strip_prefix('\'') {
            quoted.find('\'').map_or(after.len(), |i| i + 2)
        } else {
            after
                .find(|c: char| c.is_whitespace() || c == '&' || c == ';')
                .unwrap_or(after.len())
        };
        if value_len > 0 {
            found.push(from..from + value_len);
            from += value_len;
        }
    }
    found
}
