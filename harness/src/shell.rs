//! The habits of shells and CI systems that `assay` keeps: completions and a man page, the
//! colour variables, quiet output under CI, and exit codes.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | every case passed (or nothing to do) |
//! | 1    | a case failed |
//! | 2    | usage error: a bad flag, path, URL or setting; nothing ran |
//! | 101  | internal error: assay itself panicked outside a case (a bug; please report it) |
//! | 130  | interrupted by SIGINT (Ctrl-C); what assay provisioned is removed first |
//! | 143  | terminated by SIGTERM; likewise |
//!
//! A panic inside a case fails that case (code 1), like a failing assertion.
//!
//! Colour: `--color always|never|auto` wins; else `NO_COLOR` (set, not empty) turns colour
//! off; else `CLICOLOR_FORCE` (set, not empty, not `0`) turns it on even when output is not
//! a terminal; else colour follows whether the output is a terminal.

use std::process::ExitCode;

/// Runs the command line; a panic that escapes it becomes exit code 101 after what was
/// provisioned is removed (a panic message has already been printed by the panic hook).
pub fn exit_101_on_panic(run: impl FnOnce() -> ExitCode + std::panic::UnwindSafe) -> ExitCode {
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(_) => {
            crate::report::progress::abandon();
            crate::provision::cleanup::run_all();
            eprintln!(
                "assay: internal error (exit code 101): this is a bug in assay; please report it with the message above"
            );
            ExitCode::from(101)
        }
    }
}

/// For assay's own tests of exit code 101: `ASSAY_INTERNAL_PANIC=1` panics before a run.
pub fn panic_if_asked() {
    if std::env::var_os("ASSAY_INTERNAL_PANIC").is_some_and(|v| v == "1") {
        panic!("ASSAY_INTERNAL_PANIC=1: a deliberate internal error");
    }
}

/// `assay completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = crate::cli::command();
    clap_complete::generate(shell, &mut cmd, "assay", &mut std::io::stdout());
    ExitCode::SUCCESS
}

/// `assay man`: the man page (roff) on stdout.
pub fn man() -> ExitCode {
    let page = clap_mangen::Man::new(crate::cli::command());
    match page.render(&mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("assay: cannot write the man page: {e}");
            ExitCode::from(2)
        }
    }
}

fn set(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The colour the environment asks for when `--color` is not given: `never` under
/// `NO_COLOR`, `always` under `CLICOLOR_FORCE`, else none (auto).
pub fn color_from_env() -> Option<String> {
    if set("NO_COLOR").is_some() {
        Some("never".into())
    } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        Some("always".into())
    } else {
        None
    }
}

/// Whether colour is off by the environment (`NO_COLOR`), for things that are not output
/// proper (the progress bar).
pub fn no_color() -> bool {
    set("NO_COLOR").is_some()
}

/// Under CI (`CI` set, not `0`/`false`) the libtest report is terse (`--quiet`) unless an
/// output format was chosen: CI logs keep failures and the summary, not a line per passing
/// case. `--format pretty` brings the lines back.
pub fn quiet_in_ci(format_given: bool, listing: bool) -> bool {
    !format_given && !listing && crate::run::update::in_ci()
}

#[cfg(test)]
mod tests {

    #[test]
    fn completions_and_man_page_are_generated() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::command(), "assay", &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("assay"), "{shell}");
            assert!(text.contains("partition"), "{shell}: flags of `assay test`");
        }
        let mut out = Vec::new();
        clap_mangen::Man::new(crate::cli::command())
            .render(&mut out)
            .unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.starts_with(".ie"), "{page}");
        assert!(page.contains(".TH assay 1"), "{page}");
        assert!(page.contains("completions"), "subcommands are listed");
    }
}
