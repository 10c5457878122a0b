//! Masking passwords in URLs and `key=value` settings before anything is printed.

/// Masks passwords in any text that holds URLs or `key=value` settings:
/// `postgres://u:secret@h/db` → `postgres://u:****@h/db`, `password=secret` → `password=****`.
///
/// Works on text that does not parse (an error message, a libpq keyword string), so it can be
/// applied to anything assay prints about a connection.
pub fn mask_password(text: &str) -> String {
    // Settings first: a URL's userinfo runs to the last `@`, which may lie inside a
    // `password=` value and would take the key but leave the value.
    mask_userinfo(&mask_params(text))
}

const MASK: &str = "****";

fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The userinfo ends at the last `@` before the URL ends (whitespace or a quote). Looking
        // past `/` and `?` masks a password that holds them unescaped too; at worst an `@` in
        // the query masks more than it must.
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let region = &tail[..end];
        // The password runs from the first `:` of the userinfo to that `@`; it may itself end
        // in `:` (`u:pa:@h`), and an empty one (`u:@h`) has nothing to mask.
        let userinfo = region.rfind('@').map(|at| (at, region[..at].find(':')));
        match userinfo {
            Some((at, Some(colon))) if colon + 1 < at => {
                out.push_str(&region[..=colon]);
                out.push_str(MASK);
                rest = &tail[at..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

fn is_password_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.ends_with("password") || key == "passwd" || key == "pwd"
}

fn mask_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = (&rest[..eq], &rest[eq + 1..]);
        // The key starts after the last character that cannot be in one (which may be
        // several bytes long).
        let key_start = before
            .char_indices()
            .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        out.push_str(before);
        out.push('=');
        rest = after;
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
            out.push_str(MASK);
            rest = &after[value_len..];
        }
    }
    out.push_str(rest);
    out
}
