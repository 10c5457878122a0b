//! Running txtar scripts (docs/scripts.md): go-testscript's language plus database commands.
//!
//! A script is a txtar archive: its comment is the script, its `-- name --` sections are
//! written into a fresh work directory (`$WORK`, also the working directory), and the lines
//! run in order until one fails. Each script runs once per dev URL, on its own fresh
//! database (`$DB_URL`).
//!
//! Commands live in one table ([`COMMANDS`]): every command is a function with the same
//! signature `(state, neg, args)`, builtins (`exec`, `cmp`, `stdout`, …, in `builtins`) and
//! database commands (`execsql`, `query`, `cmpshow`, …, in `database`) alike. `!` is
//! handled in one place: a command that does not take it is rejected before the script runs,
//! together with unknown commands (with a did-you-mean) and unknown conditions.
//!
//! A failure quotes the failing line with its number (`x.txtar:12: > stdout 'x'`) and shows
//! the log of the failing phase only (earlier phases show their `#` headers).
//!
//! Environment: `WORK`, `DB_URL`, `ENGINE`, `HOME=/no-home`, `TMPDIR=$WORK/.tmp`, `PATH`
//! (inherited), `ASSAY` (the assay binary, when found), and testscript's `devnull`, `/`, `:`,
//! `$`. Nothing else is inherited, so a
//! script runs the same on every machine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dbassay_dsl::script::{self, Cond, Line};
use dbassay_dsl::source::SourceFile;
use dbassay_dsl::txtar::{self, Archive};

use crate::engine::{Dialect, Engine, Session};
use crate::provision::Database;
use crate::run::case::{CaseReport, Status};
use crate::run::failure::Failure;
use crate::supply::target::Target;

mod builtins;
mod database;

/// One script on one dev URL.
pub struct ScriptJob {
    /// The script as the user names it (for messages and `--update`).
    pub path: PathBuf,
    pub target: Arc<Target>,
    pub keep_failed: bool,
    /// Rewrite failing `cmp stdout SECTION` goldens (`--update` / `ASSAY_UPDATE=1`).
    pub update: bool,
    /// The `assay` binary the `assay` command runs (default: found next to this executable).
    pub assay_bin: Option<PathBuf>,
}

/// What a command returns: `Ok` to go on, or why the script stops.
pub type Outcome = Result<(), Stop>;

/// Why a script stops before its last line.
#[derive(Debug)]
pub enum Stop {
    /// The line failed: the message (without the line, which the runner adds).
    Fail(String),
    /// `skip [msg]` or an `only` that did not match: the script is skipped.
    Skip(String),
    /// `stop [msg]`: the script passes early.
    Pass(String),
}

impl From<String> for Stop {
    fn from(message: String) -> Stop {
        Stop::Fail(message)
    }
}

/// A command's function: the script state, whether the line has `!`, the expanded arguments.
pub type CommandFn = fn(&mut State, bool, &[String]) -> Outcome;

/// One entry of the command table.
pub struct Command {
    pub name: &'static str,
    /// Whether the command accepts `!` (expects failure or no match).
    pub negatable: bool,
    pub run: CommandFn,
}

/// Every command a script may use, builtins and database commands alike.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "cd",
        negatable: false,
        run: builtins::cd,
    },
    Command {
        name: "chmod",
        negatable: false,
        run: builtins::chmod,
    },
    Command {
        name: "cmp",
        negatable: true,
        run: builtins::cmp,
    },
    Command {
        name: "cmpenv",
        negatable: true,
        run: builtins::cmpenv,
    },
    Command {
        name: "cp",
        negatable: false,
        run: builtins::cp,
    },
    Command {
        name: "env",
        negatable: false,
        run: builtins::env,
    },
    Command {
        name: "exec",
        negatable: true,
        run: builtins::exec,
    },
    Command {
        name: "exists",
        negatable: true,
        run: builtins::exists,
    },
    Command {
        name: "grep",
        negatable: true,
        run: builtins::grep,
    },
    Command {
        name: "mkdir",
        negatable: false,
        run: builtins::mkdir,
    },
    Command {
        name: "mv",
        negatable: false,
        run: builtins::mv,
    },
    Command {
        name: "rm",
        negatable: false,
        run: builtins::rm,
    },
    Command {
        name: "skip",
        negatable: false,
        run: builtins::skip,
    },
    Command {
        name: "stderr",
        negatable: true,
        run: builtins::stderr,
    },
    Command {
        name: "stdin",
        negatable: false,
        run: builtins::stdin,
    },
    Command {
        name: "stdout",
        negatable: true,
        run: builtins::stdout,
    },
    Command {
        name: "stop",
        negatable: false,
        run: builtins::stop,
    },
    Command {
        name: "symlink",
        negatable: false,
        run: builtins::symlink,
    },
    Command {
        name: "unquote",
        negatable: false,
        run: builtins::unquote,
    },
    Command {
        name: "wait",
        negatable: false,
        run: builtins::wait,
    },
    Command {
        name: "only",
        negatable: true,
        run: database::only,
    },
    Command {
        name: "execsql",
        negatable: true,
        run: database::execsql,
    },
    Command {
        name: "query",
        negatable: true,
        run: database::query,
    },
    Command {
        name: "apply",
        negatable: true,
        run: database::apply,
    },
    Command {
        name: "migrate",
        negatable: true,
        run: database::migrate,
    },
    Command {
        name: "exist",
        negatable: true,
        run: database::exist,
    },
    Command {
        name: "cmpshow",
        negatable: true,
        run: database::cmpshow,
    },
    Command {
        name: "assay",
        negatable: true,
        run: database::assay,
    },
];

/// Conditions a `[cond]` prefix may name (besides `exec:prog` and the OS names).
const CONDITIONS: &[&str] = &["postgres", "mysql", "mariadb", "sqlite", "docker", "unix"];

fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The state of one running script.
pub struct State {
    /// `$WORK`.
    pub work: PathBuf,
    /// The current directory (`cd`).
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
    /// Output of the last command that produced any.
    pub stdout: String,
    pub stderr: String,
    /// `stdin FILE`: fed to the next `exec`/`assay`.
    pub stdin: Option<Vec<u8>>,
    /// The script file and its archive, for `--update` and error places.
    pub script: PathBuf,
    pub archive: Archive,
    /// The engine the script's database is on.
    pub engine: Engine,
    pub update: bool,
    pub assay_bin: Option<PathBuf>,
    /// The line running, for background processes and notes.
    pub line: usize,
    /// Golden sections rewritten (or to be reported) by this script.
    pub notes: Vec<String>,
    /// The log of the phase running: `> line` and command output.
    log: String,
    database: Option<Box<dyn Database>>,
    session: Option<Box<dyn Session>>,
    background: Vec<builtins::Background>,
}

impl State {
    /// A path argument, relative to the current directory.
    pub fn path(&self, arg: &str) -> PathBuf {
        self.cwd.join(arg)
    }

    /// The script's database session, opened on first use.
    pub fn session(&mut self) -> Result<&mut dyn Session, String> {
        if self.session.is_none() {
            let db = self.database.as_ref().ok_or("no database")?;
            self.session = Some(db.connect().map_err(|e| e.to_string())?);
        }
        Ok(self.session.as_deref_mut().expect("opened above"))
    }

    /// Appends to the phase log (shown when the phase fails).
    pub fn log(&mut self, text: &str) {
        self.log.push_str(text);
        if !text.ends_with('\n') {
            self.log.push('\n');
        }
    }

    /// Sets the output of the command that ran, and logs it.
    pub fn set_output(&mut self, stdout: String, stderr: String) {
        if !stdout.is_empty() {
            self.log(&format!("[stdout]\n{stdout}"));
        }
        if !stderr.is_empty() {
            self.log(&format!("[stderr]\n{stderr}"));
        }
        self.stdout = stdout;
        self.stderr = stderr;
    }

    fn lookup(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}

/// A script ready to run: its lines checked against the command table.
struct Prepared {
    source: SourceFile,
    archive: Archive,
    lines: Vec<Line>,
}

/// Reads, lexes and checks a script. Every problem is reported, each with `file:line`; the
/// failure is at the last.
fn prepare(path: &Path) -> Result<Prepared, Failure> {
    let source = SourceFile::read(path).map_err(|e| Failure::new(e.to_string()))?;
    let archive = txtar::parse(source.text());
    // Each problem with its line, so they are reported in file order.
    let mut errors: Vec<(usize, String)> = Vec::new();
    for file in &archive.files {
        if let Err(e) = txtar::check_name(&file.name) {
            let text = format!("{}:{}: {e}", path.display(), file.marker_line);
            errors.push((file.marker_line, text));
        }
    }
    let lines = match script::lex(&source, &archive.comment, archive.comment_line) {
        Ok(lines) => lines,
        Err(lex_errors) => {
            errors.extend(lex_errors.iter().map(|e| (e.location.line, e.to_string())));
            // Lex the good lines one by one, so their problems are reported in the same run.
            let start = archive.comment_line;
            archive
                .comment
                .split('\n')
                .enumerate()
                .filter_map(|(i, text)| script::lex(&source, text, start + i).ok())
                .flatten()
                .collect()
        }
    };
    for line in &lines {
        let at = format!("{}:{}", path.display(), line.line);
        for cond in &line.conds {
            if !known_condition(&cond.name) {
                errors.push((line.line, format!(
                    "{at}: unknown condition [{}]; known: {}, exec:PROGRAM, and OS names (linux, darwin, windows)",
                    cond.name,
                    CONDITIONS.join(", ")
                )));
            }
        }
        let Some(name) = line.command() else { continue };
        match command(name) {
            None => {
                let hint = script::did_you_mean(name, COMMANDS.iter().map(|c| c.name))
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                errors.push((line.line, format!("{at}: unknown command \"{name}\"{hint}")));
            }
            Some(c) if line.negate && !c.negatable => {
                errors.push((
                    line.line,
                    format!("{at}: \"{name}\" does not take \"!\": it cannot be expected to fail"),
                ));
            }
            Some(c) if line.background.is_some() && c.name != "exec" => {
                errors.push((
                    line.line,
                    format!("{at}: only exec can run in the background (&)"),
                ));
            }
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(Prepared {
            source,
            archive,
            lines,
        })
    } else {
        errors.sort_by_key(|(line, _)| *line);
        let last = errors.last().map(|(line, _)| *line);
        let texts: Vec<String> = errors.into_iter().map(|(_, text)| text).collect();
        let mut failure = Failure::new(texts.join("\n"));
        failure.line = last;
        Err(failure)
    }
}

fn known_condition(name: &str) -> bool {
    CONDITIONS.contains(&name)
        || name.strip_prefix("exec:").is_some_and(|p| !p.is_empty())
        || ["linux", "darwin", "windows", "freebsd"].contains(&name)
}

/// Checks a script without running it: why it is malformed.
pub fn check(path: &Path) -> Result<(), Failure> {
    prepare(path).map(|_| ())
}

impl ScriptJob {
    pub fn run(&self) -> CaseReport {
        let start = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run_script()))
            .unwrap_or_else(|panic| {
                let what = crate::run::panic_text(panic.as_ref());
                Ended::fail(format!(
                    "{}: assay panicked (a bug; please report it): {what}",
                    self.path.display()
                ))
            });
        CaseReport {
            status: result.status,
            duration: start.elapsed(),
            logs: result.logs,
            failure: result.failure,
        }
    }

    fn run_script(&self) -> Ended {
        let prepared = match prepare(&self.path) {
            Ok(p) => p,
            Err(e) => return Ended::fail(e),
        };
        let work = match work_dir(&self.path) {
            Ok(w) => w,
            Err(e) => return Ended::fail(e),
        };
        let mut ended = self.run_in(&prepared, &work);
        if ended.status == Status::Fail && self.keep_failed {
            ended.then(&format!(
                "\n\nthe work directory is kept: {}",
                work.display()
            ));
        } else {
            let _ = std::fs::remove_dir_all(&work);
        }
        ended
    }

    fn run_in(&self, prepared: &Prepared, work: &Path) -> Ended {
        let created = self.target.server().and_then(|server| {
            let db = server.create().map_err(|e| e.to_string())?;
            Ok((server.engine(), db))
        });
        let (engine, mut database) = match created {
            Ok(created) => created,
            Err(e) => return Ended::fail(format!("{}: {e}", self.path.display())),
        };
        let mut state = State {
            work: work.to_path_buf(),
            cwd: work.to_path_buf(),
            env: environment(work, &database.url(), &self.target.label),
            stdout: String::new(),
            stderr: String::new(),
            stdin: None,
            script: self.path.clone(),
            archive: prepared.archive.clone(),
            engine,
            update: self.update,
            assay_bin: self.assay_bin.clone(),
            line: 0,
            notes: Vec::new(),
            log: String::new(),
            database: None,
            session: None,
            background: Vec::new(),
        };
        if let Some(bin) = database::assay_binary(&state) {
            state.env.insert("ASSAY".into(), bin.display().to_string());
        }
        let mut ended = match write_files(&state, &prepared.archive) {
            Ok(()) => {
                state.database = Some(database);
                let ended = run_lines(&mut state, &prepared.lines, &prepared.source);
                state.session = None;
                database = state.database.take().expect("set above");
                ended
            }
            Err(e) => Ended::fail(format!("{}: {e}", self.path.display())),
        };
        builtins::kill_background(&mut state);
        ended.logs.append(&mut state.notes);
        if ended.status == Status::Fail && self.keep_failed {
            database.keep();
            ended.then(&format!(
                "\n\nthe database is kept: {}",
                database.open_command()
            ));
        }
        ended
    }
}

/// How a script ended.
struct Ended {
    status: Status,
    failure: Option<Failure>,
    logs: Vec<String>,
}

impl Ended {
    fn fail(failure: impl Into<Failure>) -> Ended {
        Ended {
            status: Status::Fail,
            failure: Some(failure.into()),
            logs: Vec::new(),
        }
    }

    /// Adds `more` after the failure's text.
    fn then(&mut self, more: &str) {
        let failure = self.failure.take().unwrap_or_default();
        self.failure = Some(failure.then(more));
    }
}

fn run_lines(state: &mut State, lines: &[Line], source: &SourceFile) -> Ended {
    let path = source.path().display().to_string();
    // Headers (with timing) of the phases that passed; the failing phase is shown in full.
    let mut passed_phases = String::new();
    let mut phase = usize::MAX;
    let mut phase_start = Instant::now();
    let mut phase_header = String::new();
    for line in lines {
        if line.phase != phase {
            if phase != usize::MAX {
                let _ = writeln!(
                    passed_phases,
                    "{} ({})",
                    header(&phase_header),
                    seconds(phase_start.elapsed())
                );
            }
            phase = line.phase;
            phase_start = Instant::now();
            phase_header = line.phase_comment.clone();
            state.log.clear();
        }
        if !conditions_hold(state, &line.conds) {
            state.log(&format!("[condition not met] {}", line.text.trim()));
            continue;
        }
        state.log(&format!("> {}", line.text.trim()));
        state.line = line.line;
        let words = line.expand(|name| state.lookup(name));
        let Some(cmd) = words.first().and_then(|name| command(name)) else {
            let name = words.first().cloned().unwrap_or_default();
            let failure = format!("unknown command \"{name}\"");
            return failed(state, &passed_phases, &phase_header, &path, line, &failure);
        };
        let result = if line.background.is_some() {
            builtins::exec_background(
                state,
                line.negate,
                &words[1..],
                line.background.clone().unwrap_or_default(),
            )
        } else {
            (cmd.run)(state, line.negate, &words[1..])
        };
        match result {
            Ok(()) => {}
            Err(Stop::Fail(message)) => {
                return failed(state, &passed_phases, &phase_header, &path, line, &message);
            }
            Err(Stop::Skip(message)) => {
                let why = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                let logs = vec![format!("{path}:{}: skipped{why}", line.line)];
                return Ended {
                    status: Status::Skip,
                    failure: None,
                    logs,
                };
            }
            Err(Stop::Pass(message)) => {
                let why = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                let logs = vec![format!("{path}:{}: stopped{why}", line.line)];
                return Ended {
                    status: Status::Pass,
                    failure: None,
                    logs,
                };
            }
        }
    }
    if let Err(message) = builtins::wait_all(state) {
        let mut text = passed_phases;
        text.push_str(&state.log);
        let _ = write!(text, "{path}: background command failed: {message}");
        return Ended::fail(text);
    }
    Ended {
        status: Status::Pass,
        failure: None,
        logs: Vec::new(),
    }
}

fn failed(
    state: &State,
    passed: &str,
    phase_header: &str,
    path: &str,
    line: &Line,
    message: &str,
) -> Ended {
    let mut text = String::from(passed);
    if !phase_header.is_empty() {
        let _ = writeln!(text, "{phase_header}");
    }
    text.push_str(&state.log);
    let message = message.trim_end();
    let _ = write!(
        text,
        "{path}:{}: > {}\nFAIL: {message}",
        line.line,
        line.text.trim(),
    );
    // The report points at the failing line and sums up with the message.
    let mut failure = Failure::new(text);
    failure.line = Some(line.line);
    failure.summary = message.lines().next().unwrap_or("").to_string();
    Ended::fail(failure)
}

fn header(comment: &str) -> &str {
    if comment.is_empty() {
        "#"
    } else {
        comment.lines().next().unwrap_or("#")
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

fn conditions_hold(state: &State, conds: &[Cond]) -> bool {
    conds.iter().all(|c| condition(state, &c.name) != c.negate)
}

fn condition(state: &State, name: &str) -> bool {
    match name {
        "postgres" => state.engine == Engine::Postgres,
        "sqlite" => state.engine == Engine::Sqlite,
        "mariadb" => state.engine == Engine::Mariadb,
        // MariaDB is of the MySQL family, as in Atlas's harness.
        "mysql" => state.engine.dialect() == Dialect::Mysql,
        "unix" => cfg!(unix),
        "docker" => {
            find_program("docker", &state.env).is_some()
                && Path::new("/var/run/docker.sock").exists()
        }
        _ => match name.strip_prefix("exec:") {
            Some(program) => find_program(program, &state.env).is_some(),
            None => std::env::consts::OS == name,
        },
    }
}

/// A program on the script's `PATH`.
pub(crate) fn find_program(program: &str, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program)).filter(|p| p.is_file());
    }
    let path = env.get("PATH")?;
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn environment(work: &Path, db_url: &str, engine: &str) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let work_text = work.display().to_string();
    env.insert("WORK".into(), work_text.clone());
    env.insert("PWD".into(), work_text.clone());
    env.insert("DB_URL".into(), db_url.to_string());
    env.insert("ENGINE".into(), engine.to_string());
    env.insert("HOME".into(), "/no-home".into());
    env.insert("TMPDIR".into(), work.join(".tmp").display().to_string());
    env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
    env.insert("devnull".into(), "/dev/null".into());
    env.insert("/".into(), std::path::MAIN_SEPARATOR.to_string());
    env.insert(":".into(), if cfg!(windows) { ";" } else { ":" }.into());
    env.insert("$".into(), "$".into());
    env
}

/// A fresh work directory for one run of a script.
fn work_dir(script: &Path) -> Result<PathBuf, String> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let stem = script
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("script");
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("assay-script-{stem}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".tmp"))
        .map_err(|e| format!("cannot create the work directory {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Writes the archive's sections into the work directory (later duplicates win).
fn write_files(state: &State, archive: &Archive) -> Result<(), String> {
    for file in &archive.files {
        let name = expand_env(&file.name, &state.env);
        txtar::check_name(&name).map_err(|e| format!("line {}: {e}", file.marker_line))?;
        let path = state.work.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &file.data)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// `$VAR` and `${VAR}` replaced by their values (unset: empty), as Go's `os.ExpandEnv`.
pub fn expand_env(text: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, width) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            (&after[..len], len)
        };
        if width == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(env.get(name).map_or("", String::as_str));
        rest = &after[width..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_env_reads_like_go() {
        let env = BTreeMap::from([
            ("A".to_string(), "1".to_string()),
            ("AB".to_string(), "2".to_string()),
        ]);
        assert_eq!(expand_env("x$A ${A}b $AB $C $", &env), "x1 1b 2  $");
    }

    #[test]
    fn every_command_is_listed_once() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
    }
}
