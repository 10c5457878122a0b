//! Words of a script line: literal text and `$VAR` references, expanded at run time.

/// One argument of a script line. Quoted text and text between variables are literal parts;
/// `$VAR`, `${VAR}` and `${VAR@R}` outside quotes are variable parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<Part>,
    /// The 1-based column (in characters) where the word starts, for error messages.
    pub col: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    /// `$name` / `${name}`; `${name@R}` sets `regex_quote`, which escapes the value for a regex.
    Var {
        name: String,
        regex_quote: bool,
    },
}

impl Word {
    /// A word of literal text.
    pub fn literal(text: &str, col: usize) -> Word {
        let mut word = Word {
            parts: Vec::new(),
            col,
        };
        word.push_literal(text);
        word
    }

    /// The text of a word without variables; `None` when it has any.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Literal(text)] => Some(text),
            _ => None,
        }
    }

    /// The word with variables replaced by `lookup`'s values; unset variables expand to "".
    pub fn expand(&self, lookup: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Var { name, regex_quote } => {
                    let value = lookup(name).unwrap_or_default();
                    if *regex_quote {
                        out.push_str(&regex::escape(&value));
                    } else {
                        out.push_str(&value);
                    }
                }
            }
        }
        out
    }

    pub(crate) fn push_literal(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Part::Literal(last)) = self.parts.last_mut() {
            last.push_str(text);
        } else {
            self.parts.push(Part::Literal(text.to_string()));
        }
    }

    fn push_var(&mut self, name: &str) {
        let (name, regex_quote) = match name.strip_suffix("@R") {
            Some(name) => (name, true),
            None => (name, false),
        };
        self.parts.push(Part::Var {
            name: name.to_string(),
            regex_quote,
        });
    }

    /// Adds unquoted text, splitting out its variables with the rules of Go's `os.Expand`
    /// (which testscript uses): `$name` takes letters, digits and `_`; `$` followed by one of
    /// `*#$@!?-` or a digit names that one character; `${…}` runs to the next `}`; a bad
    /// `${` or `${}` is dropped; a `$` followed by anything else stays a `$`.
    pub(crate) fn push_unquoted(&mut self, chunk: &str) {
        let bytes = chunk.as_bytes();
        let mut literal_start = 0;
        let mut j = 0;
        while j < bytes.len() {
            if bytes[j] != b'$' || j + 1 >= bytes.len() {
                j += 1;
                continue;
            }
            self.push_literal(&chunk[literal_start..j]);
            let rest = &chunk[j + 1..];
            let (name, width) = shell_name(rest);
            match (name, width) {
                ("", 0) => self.push_literal("$"),
                ("", _) => {}
                (name, _) => self.push_var(name),
            }
            j += 1 + width;
            literal_start = j;
        }
        self.push_literal(&chunk[literal_start..]);
    }
}

fn is_special(b: u8) -> bool {
    b"*#$@!?-".contains(&b) || b.is_ascii_digit()
}

/// The variable name at the start of `s` (just after a `$`) and how many bytes it takes.
fn shell_name(s: &str) -> (&str, usize) {
    let bytes = s.as_bytes();
    if bytes[0] == b'{' {
        if bytes.len() > 2 && is_special(bytes[1]) && bytes[2] == b'}' {
            return (&s[1..2], 3);
        }
        return match s[1..].find('}') {
            Some(0) => ("", 2),
            Some(i) => (&s[1..=i], i + 2),
            None => ("", 1),
        };
    }
    if is_special(bytes[0]) {
        return (&s[..1], 1);
    }
    let len = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (&s[..len], len)
}
