//! The marker every database assay creates on a server it did not start carries: proof that
//! the database is assay's, naming the process that made it, so that a later run can drop what
//! a killed run left behind — and nothing else.
//!
//! The text is `assay run host=<hostname> pid=<pid> start=<process start> prefix=<name prefix>`,
//! with ` kept` appended when `--keep-failed` kept the database. `start` is the process's start
//! time in clock ticks since boot (`/proc/<pid>/stat`), so a recycled pid is not mistaken for
//! the run that made the database.
//!
//! A database is **stale** only when all of this holds: its marker parses, it is not kept, its
//! host is this host, its name starts with the marker's prefix, and no process with that pid
//! and start time runs here. Anything else — no marker, another host, `/proc` unreadable — is
//! left alone.

use std::sync::OnceLock;

/// The marker of this process's databases (with `prefix`, the names it gives them).
pub fn text(prefix: &str) -> String {
    format!(
        "assay run host={} pid={} start={} prefix={prefix}",
        host(),
        std::process::id(),
        start_time(std::process::id()).unwrap_or_default()
    )
}

/// The marker of a kept database.
pub fn kept(prefix: &str) -> String {
    format!("{} kept", text(prefix))
}

/// Whether the database `name` with comment `marker` was left by a run of assay on this host
/// whose process is gone (see the module docs).
pub fn is_stale(name: &str, marker: &str) -> bool {
    let Some(rest) = marker.strip_prefix("assay run ") else {
        return false;
    };
    let mut fields = std::collections::HashMap::new();
    for word in rest.split(' ') {
        match word.split_once('=') {
            Some((k, v)) => {
                fields.insert(k, v);
            }
            // `kept`, or anything this version does not know: hands off.
            None => return false,
        }
    }
    let (Some(marked_host), Some(pid), Some(start), Some(prefix)) = (
        fields.get("host"),
        fields.get("pid").and_then(|p| p.parse::<u32>().ok()),
        fields.get("start").and_then(|s| s.parse::<u64>().ok()),
        fields.get("prefix"),
    ) else {
        return false;
    };
    if *marked_host != host() || !name.starts_with(prefix) || !prefix.starts_with("assay_") {
        return false;
    }
    if !std::path::Path::new("/proc/self/stat").exists() {
        return false; // cannot tell whether the process runs
    }
    // Gone, or the pid now belongs to a process that started at another time.
    start_time(pid) != Some(start)
}

/// The names to drop of the `(name, marker)` databases on a server: the stale ones, and the
/// unmarked ones named with the prefix of a stale marker — a database whose `CREATE` committed
/// but whose marker never followed (the connection broke in between) belongs to the run whose
/// other databases name that prefix, unless a live run's marker names it too.
pub fn stale_names(databases: &[(String, String)]) -> Vec<String> {
    let mut dead = Vec::new();
    let mut live = Vec::new();
    for (name, marker) in databases {
        let Some(prefix) = prefix_of(marker) else {
            continue;
        };
        if is_stale(name, marker) {
            dead.push(prefix);
        } else {
            live.push(prefix);
        }
    }
    dead.retain(|p| !live.contains(p));
    (databases.iter())
        .filter(|(name, marker)| {
            is_stale(name, marker)
                || (marker.is_empty() && dead.iter().any(|p| name.starts_with(p)))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The `prefix=` of a marker (of any host, kept or not).
fn prefix_of(marker: &str) -> Option<&str> {
    let rest = marker.strip_prefix("assay run ")?;
    let prefix = rest.split(' ').find_map(|w| w.strip_prefix("prefix="))?;
    prefix.starts_with("assay_").then_some(prefix)
}

/// This machine's host name.
fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it
        // (or truncates, which the length bound below handles).
        let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
        let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        match ok {
            true => String::from_utf8_lossy(&buf[..len])
                .replace([' ', '\''], "_")
                .to_string(),
            false => "unknown".to_string(),
        }
    })
}

/// A process's start time in clock ticks since boot (field 22 of `/proc/<pid>/stat`).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_gone_process_on_this_host_makes_a_database_stale() {
        let mine = text("assay_1f_");
        assert!(!is_stale("assay_1f_3", &mine), "this process runs");
        let gone = format!(
            "assay run host={} pid=4194304 start=1 prefix=assay_x_",
            host()
        );
        assert!(is_stale("assay_x_0", &gone));
        assert!(is_stale("assay_x_tpl_abc", &gone));
        assert!(!is_stale("other_db", &gone), "not named by the marker");
        assert!(!is_stale("assay_x_0", &format!("{gone} kept")));
        let recycled = format!(
            "assay run host={} pid=1 start=999999999999 prefix=assay_x_",
            host()
        );
        assert!(
            is_stale("assay_x_0", &recycled),
            "pid 1 started at another time"
        );
        let elsewhere = "assay run host=elsewhere pid=4194304 start=1 prefix=assay_x_";
        assert!(!is_stale("assay_x_0", elsewhere));
        assert!(!is_stale("assay_x_0", ""));
        assert!(!is_stale("assay_x_0", "made by hand"));
        let no_prefix = format!("assay run host={} pid=4194304 start=1 prefix=x_", host());
        assert!(
            !is_stale("x_0", &no_prefix),
            "only assay_ names are ever dropped"
        );
    }

    #[test]
    fn an_unmarked_sibling_of_a_gone_runs_database_is_stale_too() {
        let gone = format!(
            "assay run host={} pid=4194304 start=1 prefix=assay_x_",
            host()
        );
        let list = |rows: &[(&str, &str)]| -> Vec<(String, String)> {
            rows.iter()
                .map(|(n, m)| (n.to_string(), m.to_string()))
                .collect()
        };
        let dbs = list(&[
            ("assay_x_0", &gone),
            ("assay_x_1", ""),
            ("assay_y_1", ""),
            ("assay_users", ""),
        ]);
        assert_eq!(stale_names(&dbs), ["assay_x_0", "assay_x_1"]);
        // A live run with the same prefix (a recycled pid): hands off its unmarked ones.
        let live = text("assay_x_");
        let dbs = list(&[
            ("assay_x_0", &gone),
            ("assay_x_5", &live),
            ("assay_x_1", ""),
        ]);
        assert_eq!(stale_names(&dbs), vec!["assay_x_0".to_string()]);
    }
}
