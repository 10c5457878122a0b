//! The `assay` binary keeps the habits of shells and CI (see `dbassay::shell`): exit codes,
//! `NO_COLOR` / `CLICOLOR_FORCE`, terse output under `CI`, completions and the man page, and
//! a progress bar only for a person at a terminal (tested under a real pseudo-terminal with
//! util-linux `script`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ASSAY: &str = env!("CARGO_BIN_EXE_assay");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `assay` in the workspace, with none of the variables these tests set inherited.
fn assay(args: &[&str]) -> Command {
    let mut cmd = Command::new(ASSAY);
    cmd.current_dir(workspace()).args(args);
    for var in [
        "CI",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "GITHUB_ACTIONS",
        "ASSAY_PARTITION",
        "ASSAY_DEV_URL",
        "ASSAY_COLOR",
        "ASSAY_PROGRESS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn output(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A suite with one passing and one failing case, in a temp dir.
fn suite(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-conv-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.test.hcl"),
        "test \"schema\" \"passes\" {\n  exec {\n    sql    = \"SELECT 1\"\n    output = \"1\"\n  }\n}\n\ntest \"schema\" \"fails\" {\n  exec {\n    sql    = \"SELECT 'a'\"\n    output = \"b\"\n  }\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn exit_codes_say_what_happened() {
    let dir = suite("exit");
    let d = dir.display().to_string();
    let pass = output(&mut assay(&["test", &d, "passes"]));
    assert_eq!(pass.status.code(), Some(0), "{}", text(&pass.stderr));
    let fail = output(&mut assay(&["test", &d]));
    assert_eq!(fail.status.code(), Some(1));
    let usage = output(&mut assay(&["test", &d, "--partition", "4/3"]));
    assert_eq!(usage.status.code(), Some(2));
    assert!(text(&usage.stderr).contains("--partition 4/3"));
    let bad_flag = output(&mut assay(&["test", "--no-such-flag"]));
    assert_eq!(bad_flag.status.code(), Some(2));
    let internal = output(assay(&["test", &d]).env("ASSAY_INTERNAL_PANIC", "1"));
    assert_eq!(internal.status.code(), Some(101));
    assert!(text(&internal.stderr).contains("internal error"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_and_sigint_end_a_run_with_143_and_130() {
    // A script that waits; the signal arrives while it runs.
    let dir = std::env::temp_dir().join(format!("assay-conv-signal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("wait.txtar"), "exec sleep 5\n").unwrap();
    for (signal, code) in [(15, 143), (2, 130)] {
        let mut command = assay(&["test", &dir.display().to_string()]);
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // The signals' default actions, whatever this process inherited: a shell without job
        // control starts background commands with SIGINT ignored, and assay would inherit that.
        use std::os::unix::process::CommandExt as _;
        // SAFETY: signal(2) is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
                Ok(())
            });
        }
        let mut child = command.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(800));
        let status = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt as _;
        // Either assay's handler exits with 128 + signal, or the default action kills it by
        // the signal, which a shell reports as the same 128 + signal.
        let seen = status.code().or(status.signal().map(|s| 128 + s));
        assert_eq!(seen, Some(code), "signal {signal}: {status:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn colour_follows_no_color_and_clicolor_force() {
    let dir = suite("colour");
    let d = dir.display().to_string();
    // stdout is a pipe: no colour unless forced.
    let plain = output(&mut assay(&["test", &d]));
    assert!(!text(&plain.stdout).contains('\x1b'));
    let forced = output(assay(&["test", &d]).env("CLICOLOR_FORCE", "1"));
    assert!(text(&forced.stdout).contains("\x1b["), "CLICOLOR_FORCE=1");
    let both = output(
        assay(&["test", &d])
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1"),
    );
    assert!(!text(&both.stdout).contains('\x1b'), "NO_COLOR wins");
    let flag = output(assay(&["test", &d, "--color", "always"]).env("NO_COLOR", "1"));
    assert!(text(&flag.stdout).contains("\x1b["), "--color wins");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ci_means_terse_unless_a_format_is_chosen() {
    let dir = suite("ci");
    let d = dir.display().to_string();
    let pretty = text(&output(&mut assay(&["test", &d])).stdout);
    assert!(pretty.contains("a.test.hcl::passes ... ok"), "{pretty}");
    let ci = text(&output(assay(&["test", &d]).env("CI", "true")).stdout);
    assert!(!ci.contains("::passes ... ok"), "{ci}");
    assert!(
        ci.contains("test result: FAILED. 1 passed; 1 failed"),
        "{ci}"
    );
    let chosen = text(&output(assay(&["test", &d, "--format", "pretty"]).env("CI", "true")).stdout);
    assert!(chosen.contains("::passes ... ok"), "{chosen}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_and_the_man_page_come_from_the_binary() {
    let bash = output(&mut assay(&["completions", "bash"]));
    assert!(bash.status.success());
    let script = text(&bash.stdout);
    assert!(script.contains("_assay()"), "{script}");
    let checked = Command::new("bash")
        .args(["-n", "-c", &script])
        .status()
        .unwrap();
    assert!(checked.success(), "bash -n rejects the completion script");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = output(&mut assay(&["completions", shell]));
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    let man = output(&mut assay(&["man"]));
    let page = text(&man.stdout);
    assert!(page.contains(".TH assay 1"), "{page}");
    // man(1) renders it when installed.
    if Command::new("man").arg("--version").output().is_ok() {
        let file = std::env::temp_dir().join(format!("assay-{}.1", std::process::id()));
        std::fs::write(&file, &man.stdout).unwrap();
        let shown = Command::new("man")
            .arg("-l")
            .arg(&file)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&file);
        assert!(text(&shown.stdout).contains("completions"), "{shown:?}");
    }
}

#[test]
fn a_progress_bar_for_a_terminal_and_nothing_of_it_when_piped_or_in_ci() {
    let dir = suite("bar");
    // A script that takes a moment, so the bar is drawn while it runs.
    std::fs::write(dir.join("slow.txtar"), "exec sleep 1\n").unwrap();
    let d = dir.display().to_string();
    let Some(shown) = in_a_terminal(&format!("test {d}"), &[]) else {
        return;
    };
    let shown = dbassay::report::results::strip_ansi(&shown);
    assert!(
        shown.contains("passed, "),
        "no bar in a terminal:\n{shown:?}"
    );
    assert!(shown.contains("/3 "), "the bar counts cases:\n{shown:?}");
    assert!(
        shown.contains("test result: FAILED. 2 passed; 1 failed"),
        "{shown:?}"
    );
    let ci = in_a_terminal(&format!("test {d}"), &[("CI", "true")]).unwrap();
    assert!(ci.contains("1 failed"), "{ci:?}");
    assert!(!ci.contains("passed, "), "a bar under CI:\n{ci:?}");
    // Piped: stderr has no bar and no terminal codes.
    let piped = output(&mut assay(&["test", &d]));
    let err = text(&piped.stderr);
    assert!(
        !err.contains("passed, ") && !err.contains('\x1b'),
        "{err:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `assay ARGS` under a pseudo-terminal (util-linux `script`), returning all it printed
/// (stdout and stderr both reach the terminal); `None` (skip) without `script` outside CI.
fn in_a_terminal(args: &str, env: &[(&str, &str)]) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set and util-linux `script` is missing"
        );
        eprintln!("!!! SKIPPED: no `script` to make a terminal (set CI=true to fail instead)");
        return None;
    }
    let mut cmd = Command::new("script");
    cmd.current_dir(workspace())
        .env("TERM", "xterm-256color")
        .env("SHELL", "/bin/sh");
    for var in [
        "CI",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "GITHUB_ACTIONS",
        "ASSAY_PROGRESS",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let line = format!("{ASSAY} {args}");
    let out = output(cmd.args(["-qec", &line, "/dev/null"]));
    Some(text(&out.stdout))
}
