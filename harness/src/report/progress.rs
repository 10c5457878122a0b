//! A one-line progress note on stderr while something slow happens before cases can run
//! (a server starting, a state being built). Silent when stderr is not a terminal, so logs
//! and CI output stay clean; the line is cleared when the work is done.

use std::io::{IsTerminal as _, Write as _};

/// Shown while alive; cleared on drop.
pub struct Progress {
    width: usize,
}

/// Shows `assay: {what}…` on stderr (when it is a terminal) until the returned guard drops.
pub fn show(what: &str) -> Progress {
    let mut stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return Progress { width: 0 };
    }
    let text = format!("assay: {what}…");
    let _ = write!(stderr, "\r{text}");
    let _ = stderr.flush();
    Progress {
        width: text.chars().count(),
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.width > 0 {
            let mut stderr = std::io::stderr();
            let _ = write!(stderr, "\r{}\r", " ".repeat(self.width));
            let _ = stderr.flush();
        }
    }
}
