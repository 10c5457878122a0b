//! TEMPORARY minimal splitter until the real scanner lands (dsl-scan-migrate branch).
use crate::Dialect;

pub struct Statement {
    pub text: String,
    pub offset: usize,
    pub line: usize,
}

#[derive(Debug)]
pub struct ScanError {
    pub offset: usize,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

pub fn split(sql: &str, _dialect: Dialect) -> Result<Vec<Statement>, ScanError> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut depth_begin = 0i32;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b';' if depth_begin == 0 => {
                push(sql, start, i + 1, &mut out);
                start = i + 1;
            }
            c if c.is_ascii_alphabetic() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) => {
                let end = (i..b.len()).find(|&j| !b[j].is_ascii_alphanumeric()).unwrap_or(b.len());
                let w = sql[i..end].to_ascii_uppercase();
                if w == "BEGIN" && sql[end..].trim_start().chars().next().is_some_and(|c| c != ';') {
                    depth_begin += 1;
                } else if w == "END" && depth_begin > 0 {
                    depth_begin -= 1;
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    push(sql, start, sql.len(), &mut out);
    Ok(out)
}

fn push(sql: &str, start: usize, end: usize, out: &mut Vec<Statement>) {
    let piece = &sql[start..end.min(sql.len())];
    let mut lead = 0;
    loop {
        let rest = &piece[lead..];
        let trimmed = rest.trim_start();
        lead += rest.len() - trimmed.len();
        if trimmed.starts_with("--") {
            lead += trimmed.find('\n').map_or(trimmed.len(), |n| n + 1);
        } else {
            break;
        }
    }
    let text = piece[lead..].trim_end();
    if text.is_empty() || text == ";" {
        return;
    }
    let offset = start + lead;
    let line = 1 + sql[..offset].matches('\n').count();
    out.push(Statement { text: text.to_string(), offset, line });
}
