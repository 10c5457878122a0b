//! `script "loop"`: pre-loop `condition`s (run once; a falsy one ends the script), then the
//! `do` body once per page of the iterator, then the post-loop `assert` / `check` blocks.
//!
//! - `iterator "keyset"`: iteration 1 runs `init`, later ones `next` with `cursor.COL` bound to
//!   the last row of the previous page; the page is `iterator.keyset.batch`. An empty page ends
//!   the loop.
//! - `iterator "range" { from, to, step }`: **(assay)** chunks `[from, from + step)`, the last
//!   one cut at `to` (exclusive), as `iterator.range.from` / `iterator.range.to`; the loop ends
//!   when a chunk would start at or past `to`.
//! - Without an iterator the body repeats until a `break` fires.
//! - `self.index` is the 0-based iteration; `ramp.size` the current stage's size (**(assay)**
//!   0 without a `ramp`).
//! - Each iteration is one transaction (`policy { tx { mode = MANUAL } }`: none); `break` and
//!   `continue` commit the work done so far; a failing iteration is rolled back and ends the
//!   run, or is skipped with `on_error = CONTINUE` in `do`.
//! - Bounds: `policy { schedule { limit } }` ends the loop after that many iterations and
//!   `timeout` after that much time. **(assay)** A loop without `limit` fails after
//!   [`MAX_ITERATIONS`] iterations: a `break` that never fires cannot hang a test.

use std::time::Instant;

use dbassay_dsl::hcl::HclValue as Value;
use dbassay_dsl::hcl::data_script::{DataScript, Iterator, Loop};

use super::body::{Flow, Run, bind_rows};

/// **(assay)** See the module docs.
pub const MAX_ITERATIONS: u64 = 1_000;

pub(super) fn run(run: &mut Run<'_>, script: &DataScript) -> Result<(), String> {
    let Some(looping) = &script.looping else {
        return Ok(());
    };
    if run.commands(&script.body)? == Flow::Stop {
        return Ok(());
    }
    iterate(run, looping)?;
    run.looping.clear();
    run.commands(&looping.post).map(|_| ())
}

fn iterate(run: &mut Run<'_>, looping: &Loop) -> Result<(), String> {
    let started = Instant::now();
    let mut cursor: Option<Value> = None;
    let mut index: u64 = 0;
    loop {
        match looping.limit {
            Some(limit) if index >= limit => return Ok(()),
            None if index >= MAX_ITERATIONS => {
                return Err(format!(
                    "{}: the loop ran {MAX_ITERATIONS} iterations without ending (assay's bound for a loop without policy {{ schedule {{ limit }} }}); end it with an iterator that runs dry, a break, or a limit",
                    looping.at
                ));
            }
            _ => {}
        }
        if looping.timeout.is_some_and(|t| started.elapsed() >= t) {
            return Ok(());
        }
        let size = ramp_size(&looping.ramp, index);
        run.looping = vec![
            ("self", object([("index", Value::from(index))])),
            ("ramp", object([("size", Value::from(size))])),
        ];
        if let Some(c) = &cursor {
            run.looping.push(("cursor", c.clone()));
        }
        match &looping.iterator {
            None => {}
            Some(Iterator::Keyset {
                at,
                cursor: cursor_columns,
                batch,
                init,
                next,
            }) => {
                let stmt = if index == 0 { init } else { next };
                let what = if index == 0 {
                    "iterator init"
                } else {
                    "iterator next"
                };
                let (grid, _) = run.statement(stmt, what, at)?;
                let grid = grid.unwrap_or_default();
                if grid.rows.is_empty() {
                    return Ok(());
                }
                let page = bind_rows(&grid, batch).map_err(|e| format!("{at}: batch: {e}"))?;
                let last = crate::engine::TextGrid {
                    columns: grid.columns.clone(),
                    rows: grid.rows.last().cloned().into_iter().collect(),
                };
                let Value::Array(mut last) =
                    bind_rows(&last, cursor_columns).map_err(|e| format!("{at}: cursor: {e}"))?
                else {
                    unreachable!("bind_rows returns a list");
                };
                cursor = last.pop();
                run.looping
                    .push(("iterator", object([("keyset", object([("batch", page)]))])));
            }
            Some(Iterator::Range { at, from, to, step }) => {
                let bindings = run.bindings();
                let number = |e| -> Result<f64, String> {
                    match run.scope.value(e, &bindings).map_err(|e| e.to_string())? {
                        Value::Number(n) => Ok(n.as_f64().unwrap_or(0.0)),
                        other => Err(run
                            .scope
                            .error(
                                e,
                                format!("expected a number, got {}", super::body::compact(&other)),
                            )
                            .to_string()),
                    }
                };
                let (from, to, step) = (number(from)?, number(to)?, number(step)?);
                if step <= 0.0 {
                    return Err(format!("{at}: iterator \"range\": step must be positive"));
                }
                let start = from + step * index as f64;
                if start >= to {
                    return Ok(());
                }
                let end = (start + step).min(to);
                run.looping.push((
                    "iterator",
                    object([(
                        "range",
                        object([("from", number_value(start)), ("to", number_value(end))]),
                    )]),
                ));
            }
        }
        if !looping.manual_tx {
            run.sql("BEGIN")?;
        }
        let result = run.commands(&looping.body);
        match result {
            Ok(flow) => {
                if !looping.manual_tx {
                    run.sql("COMMIT")?;
                }
                if flow == Flow::Stop {
                    return Ok(());
                }
            }
            Err(e) => {
                if !looping.manual_tx {
                    run.sql("ROLLBACK")?;
                }
                if !looping.continue_on_error {
                    return Err(format!("iteration {index}: {e}"));
                }
            }
        }
        index += 1;
        if let Some(every) = looping.every {
            std::thread::sleep(every);
        }
    }
}

fn ramp_size(ramp: &[(u64, Option<u64>)], index: u64) -> u64 {
    let mut passed = 0;
    for (size, iterations) in ramp {
        match iterations {
            Some(n) if index >= passed + n => passed += n,
            _ => return *size,
        }
    }
    ramp.last().map_or(0, |(size, _)| *size)
}

fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}
