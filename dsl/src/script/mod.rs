//! The testscript line lexer: a txtar archive's comment, as lines of words (docs/scripts.md).
//!
//! [`lex`] turns the script into [`Line`]s and knows nothing of commands: the command table
//! lives in the harness, which uses [`did_you_mean`] for unknown names. The rules are
//! go-testscript's:
//!
//! - words are separated by spaces, tabs and CRs; blank lines are ignored;
//! - `#` outside quotes starts a comment; a line that *starts* with `#` also starts a new
//!   phase, which is what a failure report shows in full;
//! - only single quotes quote: `'a b'` is one word, `''` inside quotes is a `'`, and nothing
//!   is expanded inside. Double quotes are ordinary characters;
//! - outside quotes `$VAR`, `${VAR}` and `${VAR@R}` (the value regex-escaped) are expanded
//!   when the line runs, so words are kept as [`Part`]s;
//! - `[cond]` / `[!cond]` prefixes come first, then `!`; a last word `&` or `&name&` runs the
//!   command in the background.
//!
//! ```
//! use dbassay_dsl::{script, SourceFile};
//! let file = SourceFile::new("t.txtar", "# check\n[postgres] ! exec psql -c 'select 1' &bg&\n");
//! let lines = script::lex(&file, file.text(), 1).unwrap();
//! let line = &lines[0];
//! assert_eq!((line.line, line.negate, line.phase_comment.as_str()), (2, true, "# check"));
//! assert_eq!(line.conds[0].name, "postgres");
//! assert_eq!(line.background.as_deref(), Some("bg"));
//! let words: Vec<String> = line.words.iter().map(|w| w.expand(|_| None)).collect();
//! assert_eq!(words, ["exec", "psql", "-c", "select 1"]);
//! ```

mod word;

#[cfg(test)]
mod tests;

pub use word::{Part, Word};

use crate::{Error, Location, SourceFile};

/// One command line of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based line in the file.
    pub line: usize,
    /// `[cond]` prefixes, in order; the line runs only when all hold.
    pub conds: Vec<Cond>,
    /// A `!` prefix: the command is expected to fail (or not to match).
    pub negate: bool,
    /// The command and its arguments; never empty.
    pub words: Vec<Word>,
    /// `Some("")` for a last word `&`, `Some(name)` for `&name&`: run in the background.
    pub background: Option<String>,
    /// The line as written (without its line ending), for failure messages.
    pub text: String,
    /// The phase the line belongs to: 0 before the first comment line, then one more for each
    /// run of `#` lines that follows a command.
    pub phase: usize,
    /// The `#` lines that opened the phase, joined by newlines as written (`""` for phase 0
    /// when the script does not start with a comment).
    pub phase_comment: String,
}

impl Line {
    /// The command name (the first word), when it has no variables.
    pub fn command(&self) -> Option<&str> {
        self.words.first().and_then(Word::as_literal)
    }

    /// Every word expanded with `lookup`.
    pub fn expand(&self, lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
        self.words.iter().map(|w| w.expand(&lookup)).collect()
    }
}

/// A `[name]` or `[!name]` prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub negate: bool,
    /// As written, e.g. `postgres`, `exec:psql`, `unix`.
    pub name: String,
}

/// Lexes `script`, whose first line is line `first_line` of `source`. Every error is collected;
/// each names `file:line:col`.
pub fn lex(source: &SourceFile, script: &str, first_line: usize) -> Result<Vec<Line>, Vec<Error>> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut phase = 0;
    let mut phase_comment = String::new();
    let mut phase_has_commands = false;
    for (i, raw) in script.split('\n').enumerate() {
        let number = first_line + i;
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        let error = |col: usize, message: String| {
            Error::new(
                Location {
                    path: source.path().to_path_buf(),
                    line: number,
                    col,
                },
                message,
            )
        };
        if text.starts_with('#') {
            if phase_has_commands {
                phase += 1;
                phase_comment.clear();
                phase_has_commands = false;
            }
            if !phase_comment.is_empty() {
                phase_comment.push('\n');
            }
            phase_comment.push_str(text);
            continue;
        }
        let words = match split_words(text) {
            Ok(words) if words.is_empty() => continue,
            Ok(words) => words,
            Err((col, message)) => {
                errors.push(error(col, message));
                continue;
            }
        };
        match prefixes(words) {
            Ok((conds, negate, words, background)) => {
                phase_has_commands = true;
                lines.push(Line {
                    line: number,
                    conds,
                    negate,
                    words,
                    background,
                    text: text.to_string(),
                    phase,
                    phase_comment: phase_comment.clone(),
                })
            }
            Err((col, message)) => errors.push(error(col, message)),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// A lexing problem: 1-based column and message.
type LineError = (usize, String);

/// Splits a line into words, stopping at a `#` outside quotes.
fn split_words(text: &str) -> Result<Vec<Word>, LineError> {
    let col_of = |byte: usize| text[..byte].chars().count() + 1;
    let mut words = Vec::new();
    let mut word: Option<Word> = None;
    // Byte offset where the current unquoted (or quoted) chunk starts.
    let mut chunk_start = 0;
    let mut quote_start: Option<usize> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        if let Some(open) = quote_start {
            let Some(close) = text[i..].find('\'').map(|c| i + c) else {
                return Err((
                    col_of(open),
                    "unterminated quoted argument: add the closing `'`".to_string(),
                ));
            };
            let current = word.get_or_insert_with(|| Word {
                parts: Vec::new(),
                col: col_of(open),
            });
            current.push_literal(&text[chunk_start..close]);
            if bytes.get(close + 1) == Some(&b'\'') {
                // `''` inside quotes is one `'`.
                current.push_literal("'");
                chunk_start = close + 2;
                i = close + 2;
            } else {
                quote_start = None;
                chunk_start = close + 1;
                i = close + 1;
            }
            continue;
        }
        let at_end = i >= bytes.len();
        let b = bytes.get(i).copied().unwrap_or(b'\n');
        if at_end || matches!(b, b' ' | b'\t' | b'\r' | b'#') {
            if let Some(mut done) = word.take() {
                done.push_unquoted(&text[chunk_start..i]);
                words.push(done);
            }
            if at_end || b == b'#' {
                return Ok(words);
            }
            i += 1;
            chunk_start = i;
            continue;
        }
        let current = word.get_or_insert_with(|| Word {
            parts: Vec::new(),
            col: col_of(i),
        });
        if b == b'\'' {
            current.push_unquoted(&text[chunk_start..i]);
            quote_start = Some(i);
            chunk_start = i + 1;
        }
        i += 1;
    }
}

type Prefixed = (Vec<Cond>, bool, Vec<Word>, Option<String>);

/// Takes `[cond]`s, `!` and a background `&…&` off a line's words.
fn prefixes(mut words: Vec<Word>) -> Result<Prefixed, LineError> {
    let mut conds = Vec::new();
    let mut rest = 0;
    while let Some(word) = words.get(rest) {
        let Some(inner) = word
            .as_literal()
            .and_then(|w| w.strip_prefix('[')?.strip_suffix(']'))
        else {
            break;
        };
        let inner = inner.trim();
        let (negate, name) = match inner.strip_prefix('!') {
            Some(name) => (true, name.trim()),
            None => (false, inner),
        };
        if name.is_empty() {
            return Err((
                word.col,
                "empty condition: write `[name]` or `[!name]`".to_string(),
            ));
        }
        conds.push(Cond {
            negate,
            name: name.to_string(),
        });
        rest += 1;
        if rest == words.len() {
            return Err((word.col, "missing command after condition".to_string()));
        }
    }
    let mut negate = false;
    if let Some(word) = words.get(rest).filter(|w| w.as_literal() == Some("!")) {
        negate = true;
        rest += 1;
        if rest == words.len() {
            return Err((word.col, "`!` with no command after it".to_string()));
        }
    }
    let mut words = words.split_off(rest);
    let mut background = None;
    if words.len() > 1
        && let Some(name) = words
            .last()
            .and_then(Word::as_literal)
            .and_then(background_name)
    {
        background = Some(name.to_string());
        words.pop();
    }
    Ok((conds, negate, words, background))
}

/// `&` → `""`, `&name&` → `name` (letters, digits, `_`).
fn background_name(word: &str) -> Option<&str> {
    if word == "&" {
        return Some("");
    }
    let name = word.strip_prefix('&')?.strip_suffix('&')?;
    let valid = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then_some(name)
}

/// The candidate nearest to `word` by edit distance, when near enough to be a likely typo
/// (at most a third of the word's length, and at least one edit). Ties go to the earlier
/// candidate.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = edit_distance(word, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.filter(|(d, _)| *d > 0).map(|(_, c)| c)
}

/// Edit distance over characters: insertions, deletions, substitutions and swaps of
/// neighbouring characters (`exce` → `exec`) each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
