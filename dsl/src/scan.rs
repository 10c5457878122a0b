//! The SQL statement scanner: splits a migration or test file into the statements to send to a
//! database, one at a time.
//!
//! It follows Atlas's `migrate.Scanner`, so a directory Atlas splits one way splits
//! the same way here:
//!
//! - quotes `'…'`, `"…"`, `` `…` `` (a doubled quote is simply two strings back to back);
//!   backslash escapes in MySQL, and in PostgreSQL `E'…'` strings;
//! - PostgreSQL `$tag$ … $tag$` dollar quotes (function bodies, `DO` blocks);
//! - comments `-- …`, `/* … */` and, in MySQL, `# …`; the comments in front of a statement are
//!   kept in [`Statement::comments`] (statement directives live there), and a comment group
//!   followed by a blank line belongs to no statement;
//! - parentheses: a delimiter inside `( … )` does not end a statement;
//! - `BEGIN … END` compound statements (MySQL and SQLite triggers and procedures) stay whole; a
//!   `BEGIN` with no matching `END` is an ordinary word; `BEGIN;` and a transaction start
//!   (`BEGIN TRANSACTION`, `WORK`, `DEFERRED`, `IMMEDIATE`, `EXCLUSIVE`, `ISOLATION`, `READ`,
//!   `DEFERRABLE` after `BEGIN`) never open a block, so `BEGIN; …; COMMIT;` splits into separate
//!   statements whatever follows;
//! - PostgreSQL `BEGIN ATOMIC … END` function bodies; blocks nest up to 64 deep (a `BEGIN`
//!   deeper than that is an ordinary word, so no input can exhaust the stack);
//! - the MySQL client command `DELIMITER xx` (it emits no statement; `DELIMITER ;` restores the
//!   default) and the file directive `-- atlas:delimiter xx` on the first line. A custom delimiter
//!   is stripped from the statement text; the default `;` is kept.
//!
//! Where we differ from Atlas, on purpose: a statement that is only a delimiter (`;;`) is dropped
//! rather than sent as an empty query; a trailing `-- comment` with no newline is a comment, not a
//! statement; an unclosed `/* …` or (with the default delimiter) an unclosed `$tag$` is an error
//! instead of being read as statement text. Columns in errors are 1-based and count characters.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::dialect::Dialect;

/// One statement of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The statement, trimmed; it ends with `;` under the default delimiter, and carries no
    /// delimiter when a custom one is set. Comments in front of it are not part of it.
    pub text: String,
    /// Byte offset of `text`'s first byte in the scanned input.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// The comments directly in front of the statement (each with its markers, e.g.
    /// `-- atlas:nolint\n`), where statement directives are read from.
    pub comments: Vec<String>,
}

/// A file the scanner cannot split: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset of the offending character in the scanned input.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ScanError {}

/// What the scanner recognizes; [`ScanOptions::for_dialect`] gives Atlas's choice per driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    /// `BEGIN … END` compound statements stay whole.
    pub match_begin: bool,
    /// `BEGIN ATOMIC … END` bodies stay whole.
    pub match_begin_atomic: bool,
    /// `$tag$ … $tag$` quoting.
    pub dollar_quotes: bool,
    /// `\` escapes the next character inside every quote.
    pub backslash_escapes: bool,
    /// `\` escapes inside `E'…'` strings only.
    pub escaped_string_ext: bool,
    /// `#` starts a line comment.
    pub hash_comments: bool,
    /// The delimiter at the start of the input (normally `;`).
    pub delimiter: String,
}

const DEFAULT_DELIMITER: &str = ";";

impl ScanOptions {
    /// Atlas's options for a driver.
    pub fn for_dialect(d: Dialect) -> ScanOptions {
        let mut o = ScanOptions {
            match_begin: true,
            match_begin_atomic: false,
            dollar_quotes: false,
            backslash_escapes: false,
            escaped_string_ext: false,
            hash_comments: false,
            delimiter: DEFAULT_DELIMITER.to_string(),
        };
        match d {
            Dialect::Postgres => {
                o.match_begin_atomic = true;
                o.dollar_quotes = true;
                o.escaped_string_ext = true;
            }
            Dialect::Mysql => {
                o.backslash_escapes = true;
                o.hash_comments = true;
            }
            Dialect::Sqlite => {}
        }
        o
    }

    /// Atlas's dialect-free options (`migrate.Stmts`): dollar quotes and `BEGIN ATOMIC`, no
    /// `BEGIN … END`.
    pub fn generic() -> ScanOptions {
        ScanOptions {
            match_begin: false,
            match_begin_atomic: true,
            dollar_quotes: true,
            backslash_escapes: false,
            escaped_string_ext: false,
            hash_comments: false,
            delimiter: DEFAULT_DELIMITER.to_string(),
        }
    }
}

/// `statement` without its leading whitespace and comments (`-- …`, `# …`, `/* … */`); an
/// executable comment (`/*! … */`, `/*M! … */`) is code and stays.
pub fn skip_comments(statement: &str) -> &str {
    let mut rest = statement.trim_start();
    loop {
        if rest.starts_with("/*!") || rest.starts_with("/*M!") {
            return rest;
        }
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else if rest.starts_with("--") || rest.starts_with('#') {
            rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else {
            return rest;
        }
    }
}

/// Splits `sql` with the options of `dialect`.
pub fn split(sql: &str, dialect: Dialect) -> Result<Vec<Statement>, ScanError> {
    split_with(sql, &ScanOptions::for_dialect(dialect))
}

/// Splits `sql` with explicit options. An `-- atlas:delimiter` first line sets the delimiter.
pub fn split_with(sql: &str, opts: &ScanOptions) -> Result<Vec<Statement>, ScanError> {
    let mut sc = Scanner {
        src: sql,
        opts,
        delim: opts.delimiter.clone(),
        block_ends: HashMap::new(),
        failed_blocks: HashSet::new(),
        block_depth: 0,
        last_end: sql.to_ascii_lowercase().rfind("end"),
    };
    if sc.delim.is_empty() {
        return Err(sc.error(0, "empty delimiter: set a delimiter such as \";\""));
    }
    let mut pos = 0;
    let first_line = sql.split('\n').next().unwrap_or("");
    if let Some(d) = delimiter_directive(first_line) {
        if d.is_empty() {
            return Err(sc.error(
                0,
                "empty delimiter in `-- atlas:delimiter`: name one, e.g. `-- atlas:delimiter //`",
            ));
        }
        sc.delim = unescape_delimiter(d);
        match sql.find('\n') {
            Some(nl) => pos = nl + 1,
            None => {
                return Err(sc.error(
                    0,
                    format!("no input found after delimiter {d:?}: put the statements on the lines after the directive"),
                ))
            }
        }
    }
    let mut out = Vec::new();
    // Lines are counted forward from the previous statement, so a file of n statements costs
    // O(n) here, not O(n²).
    let mut lines = LineCounter::default();
    while let Some(raw) = sc.statement(&mut pos)? {
        let text = sc.src[raw.start..raw.end].trim_end();
        let text = if sc.delim != DEFAULT_DELIMITER {
            text.strip_suffix(sc.delim.as_str())
                .unwrap_or(text)
                .trim_end()
        } else {
            text
        };
        if text.is_empty() || text == DEFAULT_DELIMITER {
            continue;
        }
        out.push(Statement {
            text: text.to_string(),
            offset: raw.start,
            line: lines.line_of(sql, raw.start),
            comments: raw.comments,
        });
    }
    Ok(out)
}

/// The 1-based line of offsets asked for in increasing order, counted from the last one.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    /// Newlines before `offset`.
    newlines: usize,
}

impl LineCounter {
    fn line_of(&mut self, text: &str, offset: usize) -> usize {
        let offset = offset.min(text.len());
        if offset < self.offset {
            *self = LineCounter::default();
        }
        self.newlines += text.as_bytes()[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        1 + self.newlines
    }
}

/// The argument of an `-- atlas:delimiter` first line (exact `-- ` prefix), if it is one.
pub(crate) fn delimiter_directive(first_line: &str) -> Option<&str> {
    let rest = first_line.strip_prefix("-- atlas:delimiter")?;
    let rest = rest.trim_end_matches('\r');
    if rest.is_empty() {
        return Some("");
    }
    rest.strip_prefix(' ').map(|r| r.trim_start_matches(' '))
}

/// `\n`, `\r`, `\t` written in a delimiter directive stand for the characters.
fn unescape_delimiter(d: &str) -> String {
    d.replace("\\n", "\n")
        .replace("\\r", "\r")
        .replace("\\t", "\t")
}

/// A statement found in the input: the byte range of its text (delimiter included) and the
/// comments in front of it.
struct Raw {
    start: usize,
    end: usize,
    comments: Vec<String>,
}

struct Scanner<'a> {
    src: &'a str,
    opts: &'a ScanOptions,
    delim: String,
    /// What a block scan found from a statement start: the offset after its block's `END`
    /// statement, or `None`. Keyed by the start, the block depth and the kind of block. Every
    /// start a scan passes is remembered, so a later scan at that depth that reaches it stops
    /// there: without this, each `BEGIN` of a chain of unmatched ones rescanned the rest of the
    /// input.
    block_ends: HashMap<(usize, usize, Block), Option<usize>>,
    /// Positions after a `BEGIN ` whose body was already found to have no `END`, at any depth:
    /// scanning them again would make a file full of unmatched `BEGIN`s exponential.
    failed_blocks: HashSet<usize>,
    /// How many blocks the scan is inside; each level is a recursion.
    block_depth: usize,
    /// Where the last `end` of the input starts: a block whose body starts after it has no
    /// `END`, which saves rescanning the rest of a file of `BEGIN TRANSACTION;` lines per line.
    last_end: Option<usize>,
}

/// How deep `BEGIN … END` blocks nest. Each level is a recursion of the scanner: without a
/// bound, a file of many `BEGIN`s without `END` (say, 10 000 `BEGIN TRANSACTION;` lines)
/// overflows the stack. Past this depth `BEGIN` is an ordinary word; real code nests a few levels.
const MAX_BLOCK_DEPTH: usize = 64;

enum Comment {
    /// A comment ending at this offset (exclusive).
    Ends(usize),
    Unclosed,
}

impl<'a> Scanner<'a> {
    /// Scans the next statement from `*pos`; `None` at the end of the input.
    fn statement(&mut self, pos: &mut usize) -> Result<Option<Raw>, ScanError> {
        let src = self.src;
        let bytes = src.as_bytes();
        let mut comments: Vec<String> = Vec::new();
        let mut i = skip_space(src, *pos);
        let mut start = i;
        let mut depth = 0usize;
        let mut open_paren = 0usize;
        loop {
            if i >= bytes.len() {
                if depth > 0 {
                    return Err(self.error(open_paren, "unclosed '(': add the matching ')'"));
                }
                *pos = bytes.len();
                if i > start {
                    return Ok(Some(Raw {
                        start,
                        end: bytes.len(),
                        comments,
                    }));
                }
                return Ok(None);
            }
            let c = bytes[i];
            match c {
                b'(' => {
                    if depth == 0 {
                        open_paren = i;
                    }
                    depth += 1;
                    i += 1;
                    continue;
                }
                b')' => {
                    if depth == 0 {
                        return Err(self.error(i, "unexpected ')': no '(' is open here"));
                    }
                    depth -= 1;
                    i += 1;
                    continue;
                }
                b'\'' | b'"' | b'`' => {
                    i = self.skip_quote(i)?;
                    continue;
                }
                _ => {}
            }
            if i == start && starts_with_ignore_case(&src[i..], "delimiter") && src.len() > i + 9 {
                if bytes[i + 9] == b' ' {
                    let eol = src[i..].find('\n').map_or(src.len(), |n| i + n + 1);
                    let mut d = src[i + 9..eol].trim();
                    let unquoted;
                    if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
                        unquoted = d[1..d.len() - 1].replace("''", "'");
                        d = &unquoted;
                    }
                    if d.is_empty() {
                        return Err(self.error(i, "empty DELIMITER: name one, e.g. `DELIMITER //`"));
                    }
                    self.delim = unescape_delimiter(d);
                    // The command emits nothing: the next statement starts after its line.
                    comments.clear();
                    i = skip_space(src, eol);
                    start = i;
                    continue;
                }
                i += 9;
                continue;
            }
            if depth == 0 && src[i..].starts_with(self.delim.as_str()) {
                let end = i + self.delim.len();
                *pos = end;
                return Ok(Some(Raw {
                    start,
                    end,
                    comments,
                }));
            }
            if c == b'$'
                && self.opts.dollar_quotes
                && let Some(tag_len) = dollar_tag(&src[i..])
            {
                let tag = &src[i..i + tag_len];
                match src[i + tag_len..].find(tag) {
                    Some(n) => i = i + tag_len + n + tag_len,
                    None if self.delim == DEFAULT_DELIMITER => {
                        let msg =
                            format!("unclosed dollar-quoted string {tag}: add the closing {tag}");
                        return Err(self.error(i, msg));
                    }
                    None => i = src.len(),
                }
                continue;
            }
            let comment = if (c == b'#' && self.opts.hash_comments) || src[i..].starts_with("--") {
                Some(match src[i..].find('\n') {
                    Some(n) => Comment::Ends(i + n + 1),
                    None => Comment::Ends(src.len()),
                })
            } else if src[i..].starts_with("/*") {
                Some(match src[i + 2..].find("*/") {
                    Some(n) => Comment::Ends(i + 2 + n + 2),
                    None => Comment::Unclosed,
                })
            } else {
                None
            };
            if let Some(comment) = comment {
                let end = match comment {
                    Comment::Ends(end) => end,
                    Comment::Unclosed => {
                        return Err(self.error(i, "unclosed comment '/*': add the closing '*/'"));
                    }
                };
                if i == start {
                    comments.push(src[i..end].to_string());
                    // A blank line after a comment group detaches it from the next statement.
                    let line_comment = src[..end].ends_with('\n');
                    if src[end..].starts_with("\n\n")
                        || (line_comment && src[end..].starts_with('\n'))
                    {
                        comments.clear();
                    }
                    i = skip_space(src, end);
                    start = i;
                } else {
                    i = end;
                }
                continue;
            }
            if self.delim == DEFAULT_DELIMITER && (c == b'B' || c == b'b') {
                let word_start = i == start
                    || src[..i]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_whitespace);
                if word_start {
                    if self.opts.match_begin_atomic
                        && let Some(body) = begin_atomic(&src[i..])
                        && let Some(end) = self.block_end(i + body, Block::Atomic)
                    {
                        *pos = end;
                        return Ok(Some(Raw {
                            start,
                            end,
                            comments,
                        }));
                    }
                    if self.opts.match_begin
                        && let Some(body) = begin_word(&src[i..])
                        && !starts_transaction(&src[i + body..])
                        && let Some(end) = self.block_end(i + body, Block::Begin)
                    {
                        *pos = end;
                        return Ok(Some(Raw {
                            start,
                            end,
                            comments,
                        }));
                    }
                }
            }
            i += utf8_len(c);
        }
    }

    /// Scans the statements of a block body starting at `body` up to its `END` statement; the
    /// offset just after that statement, or `None` when there is no `END` (not a block).
    fn block_end(&mut self, body: usize, kind: Block) -> Option<usize> {
        if self.failed_blocks.contains(&body) {
            return None;
        }
        if self.block_depth >= MAX_BLOCK_DEPTH || self.last_end.is_none_or(|e| e < body) {
            return None;
        }
        self.block_depth += 1;
        let depth = self.block_depth;
        let saved = self.delim.clone();
        let mut pos = body;
        let mut passed = Vec::new();
        let found = loop {
            // A `DELIMITER` inside the body changes what follows; only starts under the
            // default delimiter (where every block scan begins) are remembered.
            if self.delim == DEFAULT_DELIMITER {
                if let Some(&known) = self.block_ends.get(&(pos, depth, kind)) {
                    break known;
                }
                passed.push(pos);
            }
            match self.statement(&mut pos) {
                Ok(Some(raw)) => {
                    let text = self.src[raw.start..raw.end].trim();
                    if is_end(text, kind, &self.delim) {
                        break Some(raw.end);
                    }
                }
                Ok(None) | Err(_) => break None,
            }
        };
        for start in passed {
            self.block_ends.insert((start, depth, kind), found);
        }
        self.delim = saved;
        self.block_depth -= 1;
        if found.is_none() {
            self.failed_blocks.insert(body);
        }
        found
    }

    /// Skips the quoted string opening at `at`; the offset after its closing quote.
    fn skip_quote(&self, at: usize) -> Result<usize, ScanError> {
        let bytes = self.src.as_bytes();
        let quote = bytes[at];
        let escapes = self.opts.backslash_escapes
            || (self.opts.escaped_string_ext && at > 0 && matches!(bytes[at - 1], b'E' | b'e'));
        let mut i = at + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if escapes => i += 2,
                b if b == quote => return Ok(i + 1),
                _ => i += 1,
            }
        }
        let q = quote as char;
        Err(self.error(at, format!("unclosed quote {q}: add the closing {q}")))
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.src[..offset.min(self.src.len())];
        let line = 1 + before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        (line, 1 + before[line_start..].chars().count())
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> ScanError {
        let (line, col) = self.line_col(offset);
        ScanError {
            offset,
            line,
            col,
            message: message.into(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Block {
    Begin,
    Atomic,
}

/// Whether a body statement closes its block: `END` or `END;` for `BEGIN`, any statement
/// starting with the word `END` for `BEGIN ATOMIC`.
fn is_end(text: &str, kind: Block, delim: &str) -> bool {
    if !starts_with_ignore_case(text, "end") {
        return false;
    }
    let rest = &text[3..];
    match kind {
        Block::Begin => {
            let rest = rest.trim_start();
            rest.is_empty() || rest == delim
        }
        Block::Atomic => !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'),
    }
}

/// `BEGIN` followed by whitespace: the length up to the body.
fn begin_word(s: &str) -> Option<usize> {
    if !starts_with_ignore_case(s, "begin") {
        return None;
    }
    let ws = s[5..].len() - s[5..].trim_start().len();
    (ws > 0).then_some(5 + ws)
}

/// Whether the word after `BEGIN ` makes it a transaction start in every dialect (`BEGIN
/// TRANSACTION`, `BEGIN WORK`, SQLite's `BEGIN IMMEDIATE`, PostgreSQL's `BEGIN ISOLATION LEVEL …`
/// and `BEGIN READ ONLY`), never the body of a compound statement: no block scan is tried, so a
/// file of many such lines costs no more than any other.
fn starts_transaction(body: &str) -> bool {
    // Not `NOT`: MariaDB's `BEGIN NOT ATOMIC … END` is a compound statement.
    const WORDS: [&str; 8] = [
        "transaction",
        "work",
        "deferred",
        "immediate",
        "exclusive",
        "isolation",
        "read",
        "deferrable",
    ];
    let word = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(body, |n| &body[..n]);
    WORDS.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// `BEGIN ATOMIC` followed by whitespace: the length up to the body.
fn begin_atomic(s: &str) -> Option<usize> {
    let after_begin = begin_word(s)?;
    let rest = &s[after_begin..];
    if !starts_with_ignore_case(rest, "atomic") {
        return None;
    }
    let ws = rest[6..].len() - rest[6..].trim_start().len();
    (ws > 0).then_some(after_begin + 6 + ws)
}

/// The length of a dollar-quote tag (`$$`, `$body$`) at the start of `s`.
fn dollar_tag(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    chars.next(); // the opening '$'
    let is_first =
        |c: char| c.is_ascii_alphabetic() || c == '_' || ('\u{C8}'..='\u{FF}').contains(&c);
    let mut first = true;
    for (n, c) in chars {
        if c == '$' {
            return Some(n + 1);
        }
        let ok = if first {
            is_first(c)
        } else {
            is_first(c) || c.is_ascii_digit()
        };
        if !ok {
            return None;
        }
        first = false;
    }
    None
}

fn starts_with_ignore_case(s: &str, word: &str) -> bool {
    s.len() >= word.len() && s.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

fn skip_space(s: &str, from: usize) -> usize {
    s.len() - s[from..].trim_start().len()
}

/// The length of the UTF-8 sequence starting with byte `b` (1 for a stray continuation byte).
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests;
