//! `mask` blocks: result columns redacted before a `query` prints them.
//!
//! A column takes the first mask of the `query` that names it, else the first of the script's
//! own `mask` blocks **(assay: a query's masks win over the script's)**. Columns are names or
//! globs (`*`, `?`, `[…]`), case-sensitive. NULL stays NULL. `HASH` prints the SHA-256 of the
//! value, or its HMAC-SHA256 keyed with `salt`, as lowercase hex **(assay)**.

use dbassay_dsl::hcl::data_script::{Mask, MaskMethod};
use sha2::{Digest, Sha256};

use crate::engine::TextGrid;

pub(super) fn apply(mut grid: TextGrid, query: &[Mask], script: &[Mask]) -> TextGrid {
    if query.is_empty() && script.is_empty() {
        return grid;
    }
    let chosen: Vec<Option<&Mask>> = grid
        .columns
        .iter()
        .map(|c| {
            query
                .iter()
                .chain(script)
                .find(|m| m.columns.iter().any(|p| glob(p, c)))
        })
        .collect();
    for row in &mut grid.rows {
        for (cell, mask) in row.iter_mut().zip(&chosen) {
            if let (Some(value), Some(mask)) = (cell.as_mut(), mask) {
                *value = masked(value, &mask.method);
            }
        }
    }
    grid
}

fn masked(value: &str, method: &MaskMethod) -> String {
    match method {
        MaskMethod::Redact { token } => token.clone(),
        MaskMethod::Partial {
            keep_left,
            keep_right,
            fill,
        } => {
            let chars: Vec<char> = value.chars().collect();
            // (assay) A value no longer than what is kept is starred whole: nothing leaks.
            if chars.len() <= keep_left + keep_right {
                return fill.to_string().repeat(chars.len());
            }
            let mut out: String = chars[..*keep_left].iter().collect();
            out.push_str(
                &fill
                    .to_string()
                    .repeat(chars.len() - keep_left - keep_right),
            );
            out.extend(&chars[chars.len() - keep_right..]);
            out
        }
        MaskMethod::Hash { salt } => {
            let digest = match salt {
                None => Sha256::digest(value.as_bytes()).to_vec(),
                Some(key) => hmac_sha256(key.as_bytes(), value.as_bytes()),
            };
            digest.iter().map(|b| format!("{b:02x}")).collect()
        }
        MaskMethod::Replace { pattern, with } => {
            pattern.replace_all(value, with.as_str()).into_owned()
        }
    }
}

/// HMAC (RFC 2104) over SHA-256.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Whether `name` matches `pattern` (`*`, `?`, `[…]`; anything else literally).
fn glob(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?', '[']) {
        return pattern == name;
    }
    let mut re = String::from("^");
    let mut in_class = false;
    for c in pattern.chars() {
        match c {
            '[' if !in_class => {
                in_class = true;
                re.push('[');
            }
            ']' if in_class => {
                in_class = false;
                re.push(']');
            }
            _ if in_class => re.push(c),
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn globs() {
        assert!(glob("*email*", "work_email_2"));
        assert!(glob("ssn", "ssn"));
        assert!(!glob("ssn", "SSN"));
        assert!(glob("c?rd", "card"));
        assert!(glob("[ab]x", "bx"));
    }

    #[test]
    fn partial_keeps_the_ends() {
        let m = MaskMethod::Partial {
            keep_left: 0,
            keep_right: 4,
            fill: '*',
        };
        assert_eq!(masked("4111111111111111", &m), "************1111");
        assert_eq!(masked("12", &m), "**");
    }
}
