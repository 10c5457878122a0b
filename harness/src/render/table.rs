//! The psql-like table of Atlas's `format = table` (docs/language.md, "Output formats"): headers centred, cells
//! left-aligned (numbers too, unlike psql), one space of padding, `|` between columns, a `-+-`
//! rule under the header, trailing spaces removed, no trailing newline. NULL is an empty cell.
//!
//! Hand-written rather than comfy-table: Atlas's layout centres headers and strips trailing
//! padding, which comfy-table's styles do not do, and golden files must match byte for byte.

use crate::engine::TextGrid;

pub fn table(grid: &TextGrid) -> String {
    if grid.columns.is_empty() {
        return String::new();
    }
    let cell = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    let widths: Vec<usize> = grid
        .columns
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let cells = grid
                .rows
                .iter()
                .map(|r| r.get(i).map_or(0, |v| width(&cell(v))));
            cells.fold(width(h), usize::max)
        })
        .collect();

    let mut lines = Vec::with_capacity(grid.rows.len() + 2);
    let header: Vec<String> = grid
        .columns
        .iter()
        .zip(&widths)
        .map(|(h, &w)| format!(" {} ", centre(h, w)))
        .collect();
    lines.push(header.join("|").trim_end().to_string());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    lines.push(rule.join("+"));
    for row in &grid.rows {
        let cells: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let v = row.get(i).map(cell).unwrap_or_default();
                format!(" {v}{} ", " ".repeat(w - width(&v)))
            })
            .collect();
        lines.push(cells.join("|").trim_end().to_string());
    }
    lines.join("\n")
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn centre(s: &str, w: usize) -> String {
    let pad = w - width(s);
    let left = pad / 2;
    format!("{}{s}{}", " ".repeat(left), " ".repeat(pad - left))
}

/// Whether a line of a table is the header rule (`---+----`).
pub(crate) fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| c == '-' || c == '+')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cols: &[&str], rows: &[&[Option<&str>]]) -> TextGrid {
        TextGrid {
            columns: cols.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.map(String::from)).collect())
                .collect(),
        }
    }

    #[test]
    fn matches_the_atlas_docs_example() {
        let g = grid(
            &["a", "b"],
            &[&[Some("1"), Some("one")], &[Some("2"), Some("two")]],
        );
        assert_eq!(table(&g), " a |  b\n---+-----\n 1 | one\n 2 | two");
    }

    #[test]
    fn null_is_an_empty_cell_and_trailing_spaces_are_removed() {
        let g = grid(
            &["id", "email"],
            &[&[Some("1"), None], &[Some("10"), Some("a@b.c")]],
        );
        assert_eq!(table(&g), " id | email\n----+-------\n 1  |\n 10 | a@b.c");
    }

    #[test]
    fn no_rows_gives_header_and_rule() {
        assert_eq!(table(&grid(&["count"], &[])), " count\n-------");
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        let g = grid(&["n"], &[&[Some("héé")]]);
        assert_eq!(table(&g), "  n\n-----\n héé");
    }
}
