//! CSV as Atlas compares it: no header, `,` between fields, `\n` between rows, RFC 4180 quoting
//! for fields holding `,`, `"`, CR or LF, NULL as the empty field, an empty result as "".

use crate::engine::TextGrid;

pub fn csv(grid: &TextGrid) -> String {
    let mut out = String::new();
    for (i, row) in grid.rows.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, cell) in row.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_field(&mut out, cell.as_deref().unwrap_or(""));
        }
    }
    out
}

fn push_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Splits one CSV line into fields, honouring quotes. Used by the lenient comparison.
pub(crate) fn split_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("fields is never empty");
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => field.push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[Option<&str>]]) -> TextGrid {
        TextGrid {
            columns: vec![],
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.map(String::from)).collect())
                .collect(),
        }
    }

    #[test]
    fn fields_are_joined_and_quoted_only_when_needed() {
        let g = grid(&[
            &[Some("1"), Some("a,b"), None],
            &[Some("2"), Some("say \"hi\""), Some("")],
        ]);
        assert_eq!(csv(&g), "1,\"a,b\",\n2,\"say \"\"hi\"\"\",");
    }

    #[test]
    fn empty_result_is_empty_text() {
        assert_eq!(csv(&grid(&[])), "");
    }

    #[test]
    fn split_line_reverses_quoting() {
        assert_eq!(split_line("1,\"a,b\", x"), vec!["1", "a,b", " x"]);
        assert_eq!(split_line("\"say \"\"hi\"\"\""), vec!["say \"hi\""]);
    }
}
