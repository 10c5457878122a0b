//! testscript's builtin commands, with testscript's meaning (docs/scripts.md).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command as Process, Output, Stdio};
use std::thread::JoinHandle;

use regex::Regex;

use super::{Outcome, State, Stop, expand_env};
use crate::run::update;

fn fail<T>(message: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Fail(message.into()))
}

fn usage(args: &[String], min: usize, max: usize, text: &str) -> Outcome {
    if args.len() < min || args.len() > max {
        fail(format!("usage: {text}"))
    } else {
        Ok(())
    }
}

/// A command started with `&`.
pub struct Background {
    name: String,
    line: usize,
    neg: bool,
    pid: u32,
    args: Vec<String>,
    handle: JoinHandle<std::io::Result<Output>>,
}

fn process(state: &State, program: &Path, args: &[String]) -> Process {
    let mut p = Process::new(program);
    p.args(args)
        .current_dir(&state.cwd)
        .env_clear()
        .envs(&state.env);
    p
}

fn resolve(state: &State, program: &str) -> Result<std::path::PathBuf, Stop> {
    super::find_program(program, &state.env)
        .or_else(|| Some(state.path(program)).filter(|p| program.contains('/') && p.is_file()))
        .ok_or_else(|| Stop::Fail(format!("{program}: executable file not found in $PATH")))
}

/// Runs a program to completion with the script's environment and stdin; sets stdout/stderr.
pub(super) fn run_program(
    state: &mut State,
    neg: bool,
    program: &Path,
    args: &[String],
) -> Outcome {
    let mut p = process(state, program, args);
    let stdin = state.stdin.take();
    p.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = p
        .spawn()
        .map_err(|e| Stop::Fail(format!("cannot run {}: {e}", program.display())))?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // Written from a thread so a program that does not read its input cannot block us.
        std::thread::spawn(move || pipe.write_all(&data));
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Stop::Fail(format!("{}: {e}", program.display())))?;
    state.set_output(
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    exit_status(&out, neg)
}

fn exit_status(out: &Output, neg: bool) -> Outcome {
    match (out.status.success(), neg) {
        (true, false) | (false, true) => Ok(()),
        (true, true) => fail("unexpected command success"),
        (false, false) => fail(format!(
            "exit status {}",
            out.status
                .code()
                .map_or("killed".to_string(), |c| c.to_string())
        )),
    }
}

pub fn exec(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let (program, rest) = args
        .split_first()
        .ok_or(Stop::Fail("usage: exec program [args...] [&]".into()))?;
    let program = resolve(state, program)?;
    run_program(state, neg, &program, rest)
}

pub fn exec_background(state: &mut State, neg: bool, args: &[String], name: String) -> Outcome {
    let (program, rest) = args
        .split_first()
        .ok_or(Stop::Fail("usage: exec program [args...] &".into()))?;
    let program = resolve(state, program)?;
    let mut p = process(state, &program, rest);
    p.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = p
        .spawn()
        .map_err(|e| Stop::Fail(format!("cannot run {}: {e}", program.display())))?;
    let pid = child.id();
    let handle = std::thread::spawn(move || child.wait_with_output());
    state.background.push(Background {
        name,
        line: state.line,
        neg,
        pid,
        args: args.to_vec(),
        handle,
    });
    Ok(())
}

/// `wait [name]`: waits for background commands; their output becomes stdout/stderr.
pub fn wait(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 0, 1, "wait [name]")?;
    let which: Vec<Background> = match args.first() {
        Some(name) => {
            let Some(i) = state.background.iter().position(|b| &b.name == name) else {
                return fail(format!("no background command named {name}"));
            };
            vec![state.background.remove(i)]
        }
        None => std::mem::take(&mut state.background),
    };
    let (mut stdout, mut stderr, mut errors) = (String::new(), String::new(), Vec::new());
    for b in which {
        let out = b
            .handle
            .join()
            .map_err(|_| Stop::Fail("a background command's reader panicked".into()))?;
        let out = out.map_err(|e| Stop::Fail(format!("{}: {e}", b.args.join(" "))))?;
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        if let Err(Stop::Fail(e)) = exit_status(&out, b.neg) {
            errors.push(format!("line {}: {}: {e}", b.line, b.args.join(" ")));
        }
    }
    state.set_output(stdout, stderr);
    if errors.is_empty() {
        Ok(())
    } else {
        fail(errors.join("\n"))
    }
}

/// At the end of a script, background commands must have finished well.
pub fn wait_all(state: &mut State) -> Result<(), String> {
    if state.background.is_empty() {
        return Ok(());
    }
    match wait(state, false, &[]) {
        Ok(()) => Ok(()),
        Err(Stop::Fail(e)) => Err(e),
        Err(_) => Ok(()),
    }
}

/// Ends background commands still running (after a failure), by their own pids.
pub fn kill_background(state: &mut State) {
    for b in state.background.drain(..) {
        if !b.handle.is_finished() {
            // SAFETY: kill(2) on the pid of a child we spawned and have not yet reaped.
            unsafe {
                libc::kill(b.pid as libc::pid_t, libc::SIGKILL);
            }
        }
        let _ = b.handle.join();
    }
}

/// The text of `stdout`, `stderr` or a file.
fn read(state: &State, name: &str) -> Result<String, Stop> {
    match name {
        "stdout" => Ok(state.stdout.clone()),
        "stderr" => Ok(state.stderr.clone()),
        _ => std::fs::read(state.path(name))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| Stop::Fail(format!("cannot read {name}: {e}"))),
    }
}

pub fn cmp(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    compare(state, neg, args, false)
}

pub fn cmpenv(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    compare(state, neg, args, true)
}

fn compare(state: &mut State, neg: bool, args: &[String], env: bool) -> Outcome {
    let name = if env { "cmpenv" } else { "cmp" };
    usage(args, 2, 2, &format!("{name} file1 file2"))?;
    let actual = read(state, &args[0])?;
    let mut expected = read(state, &args[1])?;
    if env {
        expected = expand_env(&expected, &state.env);
    }
    let same = actual == expected;
    if neg {
        return if same {
            fail(format!("{} and {} do not differ", args[0], args[1]))
        } else {
            Ok(())
        };
    }
    if same {
        return Ok(());
    }
    // `--update`: a golden that is a section of the script takes the actual output.
    if !env
        && state.update
        && matches!(args[0].as_str(), "stdout" | "stderr")
        && let Some(section) = section_of(state, &args[1])
    {
        match update::rewrite_section(&state.script, &section, &actual) {
            Ok(note) => {
                let _ = std::fs::write(state.path(&args[1]), &actual);
                state.notes.push(note);
                return Ok(());
            }
            Err(e) => {
                return fail(format!(
                    "{} and {} differ, and --update could not rewrite it: {e}",
                    args[0], args[1]
                ));
            }
        }
    }
    let diff = crate::render::exact_diff(&expected, &actual, &args[1], &args[0]);
    fail(format!("{} and {} differ\n{diff}", args[0], args[1]))
}

/// The archive section a path argument names, when it is one (resolved from the current dir).
pub(super) fn section_of(state: &State, arg: &str) -> Option<String> {
    let target = state.path(arg);
    state
        .archive
        .files
        .iter()
        .rev()
        .find(|f| {
            normalize(&state.work.join(expand_env(&f.name, &state.env))) == normalize(&target)
        })
        .map(|f| f.name.clone())
}

fn normalize(p: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `-count=N` at the front of the arguments.
fn count_flag(args: &[String]) -> Result<(Option<usize>, &[String]), Stop> {
    match args.first().and_then(|a| a.strip_prefix("-count=")) {
        Some(n) => {
            let n = n
                .parse()
                .map_err(|_| Stop::Fail(format!("bad -count={n}: want a number")))?;
            Ok((Some(n), &args[1..]))
        }
        None => Ok((None, args)),
    }
}

fn regex(pattern: &str) -> Result<Regex, Stop> {
    Regex::new(&format!("(?m){pattern}"))
        .map_err(|e| Stop::Fail(format!("bad regular expression {pattern:?}: {e}")))
}

fn search(
    state: &mut State,
    neg: bool,
    args: &[String],
    what: &str,
    text: &str,
    name: &str,
) -> Outcome {
    let (count, args) = count_flag(args)?;
    let [pattern] = args else {
        return fail(format!("usage: {what} [-count=N] 'pattern'"));
    };
    if neg && count.is_some() {
        return fail("-count is not allowed with !");
    }
    let re = regex(pattern)?;
    let found = re.find_iter(text).count();
    let refused = state.update && (found == 0) != neg;
    if refused {
        update::not_rewritten(
            &format!("{}:{}", state.script.display(), state.line),
            &format!("`{what}` takes a regular expression"),
        );
    }
    let note = if refused {
        "\n(a regular expression is never rewritten by --update: edit it by hand)"
    } else {
        ""
    };
    match (count, neg) {
        (Some(n), _) if found != n => fail(format!(
            "found {found} matches for `{pattern}` in {name}, want {n}{note}"
        )),
        (None, false) if found == 0 => {
            fail(format!("no match for `{pattern}` found in {name}{note}"))
        }
        (None, true) if found > 0 => {
            fail(format!("unexpected match for `{pattern}` found in {name}"))
        }
        _ => Ok(()),
    }
}

pub fn stdout(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let text = state.stdout.clone();
    search(state, neg, args, "stdout", &text, "stdout")
}

pub fn stderr(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let text = state.stderr.clone();
    search(state, neg, args, "stderr", &text, "stderr")
}

pub fn grep(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let (count, rest) = count_flag(args)?;
    let [_, file] = rest else {
        return fail("usage: grep [-count=N] 'pattern' file");
    };
    let text = read(state, file)?;
    let mut with_count: Vec<String> = count
        .map(|n| vec![format!("-count={n}")])
        .unwrap_or_default();
    with_count.push(rest[0].clone());
    search(state, neg, &with_count, "grep", &text, file)
}

pub fn exists(state: &mut State, neg: bool, args: &[String]) -> Outcome {
    let (readonly, files) = match args.first().map(String::as_str) {
        Some("-readonly") => (true, &args[1..]),
        _ => (false, args),
    };
    if files.is_empty() {
        return fail("usage: exists [-readonly] file...");
    }
    for file in files {
        let meta = std::fs::symlink_metadata(state.path(file));
        match (meta, neg) {
            (Ok(_), true) => return fail(format!("{file} exists")),
            (Err(_), false) => return fail(format!("{file} does not exist")),
            (Ok(m), false) if readonly && !m.permissions().readonly() => {
                return fail(format!("{file} exists but is writable"));
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn env(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    if args.is_empty() {
        let text: String = state
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}\n", dbassay_dsl::url::mask_password(v)))
            .collect();
        state.log(&text);
        return Ok(());
    }
    for arg in args {
        match arg.split_once('=') {
            Some((k, v)) => {
                state.env.insert(k.to_string(), v.to_string());
            }
            None => {
                let value = state.env.get(arg.as_str()).cloned().unwrap_or_default();
                // The log is printed when the script fails: no password in it.
                let line = format!("{arg}={}", dbassay_dsl::url::mask_password(&value));
                state.log(&line);
            }
        }
    }
    Ok(())
}

pub fn cd(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 1, 1, "cd dir")?;
    let dir = normalize(&state.path(&args[0]));
    if !dir.is_dir() {
        return fail(format!("{} is not a directory", args[0]));
    }
    state.env.insert("PWD".into(), dir.display().to_string());
    state.cwd = dir;
    Ok(())
}

pub fn mkdir(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 1, usize::MAX, "mkdir path...")?;
    for a in args {
        std::fs::create_dir_all(state.path(a))
            .map_err(|e| Stop::Fail(format!("mkdir {a}: {e}")))?;
    }
    Ok(())
}

pub fn cp(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 2, usize::MAX, "cp src... dst")?;
    let (dst, srcs) = args.split_last().expect("two or more");
    let dst_path = state.path(dst);
    let into_dir = dst_path.is_dir();
    if srcs.len() > 1 && !into_dir {
        return fail(format!("cp: {dst} is not a directory"));
    }
    for src in srcs {
        let data = read(state, src)?;
        let target = if into_dir {
            dst_path.join(Path::new(src).file_name().unwrap_or_default())
        } else {
            dst_path.clone()
        };
        std::fs::write(&target, data).map_err(|e| Stop::Fail(format!("cp {src} {dst}: {e}")))?;
    }
    Ok(())
}

pub fn mv(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 2, 2, "mv old new")?;
    std::fs::rename(state.path(&args[0]), state.path(&args[1]))
        .map_err(|e| Stop::Fail(format!("mv: {e}")))?;
    Ok(())
}

pub fn rm(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 1, usize::MAX, "rm path...")?;
    for a in args {
        let p = state.path(a);
        let r = if p.is_dir() && !p.is_symlink() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        match r {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return fail(format!("rm {a}: {e}")),
        }
    }
    Ok(())
}

pub fn stdin(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 1, 1, "stdin file")?;
    state.stdin = Some(read(state, &args[0])?.into_bytes());
    Ok(())
}

pub fn skip(_: &mut State, _neg: bool, args: &[String]) -> Outcome {
    Err(Stop::Skip(args.join(" ")))
}

pub fn stop(_: &mut State, _neg: bool, args: &[String]) -> Outcome {
    Err(Stop::Pass(args.join(" ")))
}

pub fn unquote(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    for a in args {
        let text = read(state, a)?;
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split_inclusive('\n').enumerate() {
            match line.strip_prefix('>') {
                Some(rest) => out.push_str(rest),
                None if line.trim_end().is_empty() => out.push_str(line),
                None => return fail(format!("{a}:{}: line is not quoted with >", i + 1)),
            }
        }
        std::fs::write(state.path(a), out).map_err(|e| Stop::Fail(format!("unquote {a}: {e}")))?;
    }
    Ok(())
}

pub fn chmod(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    usage(args, 2, usize::MAX, "chmod perm path...")?;
    let mode = u32::from_str_radix(&args[0], 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| {
            Stop::Fail(format!(
                "chmod: invalid mode {}: want octal like 0644",
                args[0]
            ))
        })?;
    for a in &args[1..] {
        set_mode(&state.path(a), mode).map_err(|e| Stop::Fail(format!("chmod {a}: {e}")))?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    let mut p = std::fs::metadata(path)?.permissions();
    p.set_readonly(mode & 0o200 == 0);
    std::fs::set_permissions(path, p)
}

pub fn symlink(state: &mut State, _neg: bool, args: &[String]) -> Outcome {
    let [link, arrow, target] = args else {
        return fail("usage: symlink file -> target");
    };
    if arrow != "->" {
        return fail("usage: symlink file -> target");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, state.path(link))
            .map_err(|e| Stop::Fail(format!("symlink: {e}")))?;
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = (state, link, target);
        fail("symlink is only supported on unix")
    }
}
