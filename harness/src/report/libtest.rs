//! Plan trials as libtest-mimic trials.
//!
//! libtest-mimic never captures output, so `log` lines of passing cases are printed only with
//! `--nocapture` / `--show-output`; a failing case carries its logs in its failure message.

use libtest_mimic::{Arguments, Conclusion, Failed};

use crate::run::{CaseReport, Plan, Status};

/// Runs the plan as libtest trials and returns libtest's conclusion.
pub fn run(args: &Arguments, plan: Plan) -> Conclusion {
    let mut args = args.clone();
    if args.test_threads.is_none() && plan.uses_servers() {
        // Cases on a server mostly wait for round trips: twice as many at once as there are
        // cores keeps both the cores and the server busy.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        args.test_threads = Some(2 * cores);
    }
    let trials = trials(&args, plan, |t| t);
    libtest_mimic::run(&args, trials)
}

/// The plan's trials as libtest trials. `wrap` may replace how a trial's result is judged (assay's
/// own tests use it to expect failures); most callers pass `|t| t`.
pub fn trials(
    args: &Arguments,
    plan: Plan,
    wrap: impl Fn(crate::run::Trial) -> crate::run::Trial,
) -> Vec<libtest_mimic::Trial> {
    let show_logs = args.nocapture || args.show_output;
    let mut trials = Vec::with_capacity(plan.trials.len());
    // Which trials will run decides when the database of a parallel group can go.
    let probe = |t: &crate::run::Trial| {
        let trial = libtest_mimic::Trial::test(t.name.clone(), || Ok(()))
            .with_kind(t.engine.clone())
            .with_ignored_flag(t.ignored);
        !args.is_filtered_out(&trial) && !args.is_ignored(&trial)
    };
    let plan = if args.list {
        plan
    } else {
        plan.expect_runs(probe);
        plan.into_run_order()
    };
    for t in plan.trials.into_iter().map(wrap) {
        let (name, engine, ignored) = (t.name.clone(), t.engine.clone(), t.ignored);
        let trial = libtest_mimic::Trial::test(name, move || outcome(t.run().1, show_logs));
        trials.push(trial.with_kind(engine).with_ignored_flag(ignored));
    }
    trials
}

/// A case's (or script's) report as a libtest result.
fn outcome(report: CaseReport, show_logs: bool) -> Result<(), Failed> {
    let logs = report.logs.join("\n");
    match report.status {
        Status::Fail => {
            let failure = report.failure.map(|f| f.text()).unwrap_or_default();
            Err(Failed::from(if logs.is_empty() {
                failure
            } else {
                format!("{logs}\n{failure}")
            }))
        }
        Status::Pass | Status::Skip => {
            if show_logs && !logs.is_empty() {
                println!("{logs}");
            }
            Ok(())
        }
    }
}
