//! Why a trial failed, in parts: the place it stopped at, what went wrong, the line of its file
//! and a one-line summary. Runners fill the parts where they know them; reports (libtest, Atlas's
//! layout, JUnit, JSON, annotations) take them from here and never read them back out of the
//! text.

use std::fmt;

/// Why a case, a script or a file failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    /// `file:line` of the block that failed, which the text starts with (Atlas's layout prints
    /// it on a line of its own). `None` when the text starts with no place.
    pub place: Option<String>,
    /// What went wrong: the text after the place, or the whole text.
    pub message: String,
    /// The line of the trial's own file the failure is at: the failing block, script line or
    /// cleanup. `None`: the report uses the case's line.
    pub line: Option<usize>,
    /// One line saying what failed (JUnit's `message`).
    pub summary: String,
}

impl Failure {
    /// A failure that names no place.
    pub fn new(message: impl Into<String>) -> Failure {
        let message = message.into();
        Failure {
            summary: first_line(&message).to_string(),
            message,
            ..Failure::default()
        }
    }

    /// A failure at `place` (`file:line`), which is `line` of the trial's file.
    pub fn at(place: String, line: usize, message: impl Into<String>) -> Failure {
        let mut failure = Failure::new(message);
        failure.summary = format!("{place}: {}", failure.summary);
        failure.place = Some(place);
        failure.line = Some(line);
        failure
    }

    /// The whole text, as the user reads it.
    pub fn text(&self) -> String {
        self.to_string()
    }

    /// The same failure with `more` on the lines after it.
    pub fn then(mut self, more: &str) -> Failure {
        self.message.push_str(more);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some(place) => write!(f, "{place}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::new(message)
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_at_a_place_starts_its_text_with_it() {
        let f = Failure::at("a.hcl:2".into(), 2, "catch: boom\nmore").then("\nkept");
        assert_eq!(f.text(), "a.hcl:2: catch: boom\nmore\nkept");
        assert_eq!(f.summary, "a.hcl:2: catch: boom");
        assert_eq!((f.place.as_deref(), f.line), (Some("a.hcl:2"), Some(2)));
        assert_eq!(Failure::new("x\ny").summary, "x");
    }
}
