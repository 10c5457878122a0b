//! atlas.hcl data sources evaluated outside the file, for [`project::load_with`]'s requests:
//!
//! - `data "sql"`: connects to `url`, runs `query` (with `args` bound in the engine's
//!   placeholders) and gives `count` (rows), `values` (**(assay)** the first column of every
//!   row, as strings; NULL is null) and `value` (the first of them, or null).
//! - `data "external"`: runs `program` (no shell) in `working_dir` (relative to atlas.hcl);
//!   its value is what it printed, **(assay)** without the trailing line break.
//! - `data "template_dir"`: renders the directory's `.sql` templates with `vars` into a
//!   directory of its own for the run, with an `atlas.sum` computed for the rendered files
//!   **(assay)**; its `url` is that directory.
//!
//! A failure is an error at the `data` block's `atlas.hcl:line:col`, with what to check.

use std::sync::Mutex;

use dbassay_dsl::hcl::HclValue as Value;
use dbassay_dsl::migrate::{Dir, Format, sum_text};
use dbassay_dsl::project::{self, DataKind, DataRequest};

use crate::engine::{Arg, Outcome};
use crate::provision::sqlite::TempDir;

/// The rendered template directories, removed at the end of the run.
static RENDERED: Mutex<Vec<TempDir>> = Mutex::new(Vec::new());

/// The value of one data source.
pub fn evaluate(request: &DataRequest) -> Result<Value, String> {
    let at = &request.at;
    match &request.kind {
        DataKind::Sql { url, query, args } => {
            let what = format!("data \"sql\" \"{}\"", request.name);
            let shown = dbassay_dsl::url::mask_password(url);
            let mut session = crate::provision::connect::connect(url).map_err(|e| {
                format!("{at}: {what}: cannot connect to {shown}: {e}; check `url`")
            })?;
            let args = args
                .iter()
                .map(|v| scalar(v).ok_or_else(|| {
                    format!(
                        "{at}: {what}: args: values are bound as scalars; got {} (pass a list with jsonencode(…))",
                        dbassay_dsl::hcl::data_script::show(v)
                    )
                }))
                .collect::<Result<Vec<Arg>, String>>()?;
            let text = query.trim().trim_end_matches(';').trim_end();
            let outcome = if args.is_empty() {
                session.run(text)
            } else {
                session.run_bound(text, &args)
            }
            .map_err(|e| {
                format!(
                    "{at}: {what}: the query failed: {}; check `query`",
                    e.to_string().replace('\n', "\n  ")
                )
            })?;
            let rows = match outcome {
                Outcome::Rows(grid) => grid.rows,
                Outcome::Done { .. } => Vec::new(),
            };
            let values: Vec<Value> = rows
                .iter()
                .map(|r| match r.first().cloned().flatten() {
                    Some(text) => Value::from(text),
                    None => Value::Null,
                })
                .collect();
            let value = values.first().cloned().unwrap_or(Value::Null);
            Ok([
                ("count".to_string(), Value::from(rows.len() as u64)),
                ("values".to_string(), Value::Array(values)),
                ("value".to_string(), value),
            ]
            .into_iter()
            .collect())
        }
        DataKind::External { argv, working_dir } => {
            let what = format!("data \"external\" \"{}\"", request.name);
            let out = super::schema_program::output(argv, working_dir, at, &what)?;
            let out = out.strip_suffix('\n').unwrap_or(&out);
            Ok(Value::from(out.strip_suffix('\r').unwrap_or(out)))
        }
        DataKind::TemplateDir { path, vars } => {
            let files = project::template::render_dir(path, vars, at).map_err(|e| e.to_string())?;
            let dir = TempDir::new("template-dir").map_err(|e| format!("{at}: {e}"))?;
            for (name, text) in &files {
                std::fs::write(dir.path.join(name), text)
                    .map_err(|e| format!("{at}: cannot write the rendered {name}: {e}"))?;
            }
            let opened = Dir::open(&dir.path, Format::Atlas).map_err(|e| format!("{at}: {e}"))?;
            std::fs::write(dir.path.join("atlas.sum"), sum_text(&opened))
                .map_err(|e| format!("{at}: cannot write atlas.sum: {e}"))?;
            let url = format!("file://{}", dir.path.display());
            RENDERED.lock().unwrap_or_else(|e| e.into_inner()).push(dir);
            Ok([("url".to_string(), Value::from(url))]
                .into_iter()
                .collect())
        }
    }
}

fn scalar(v: &Value) -> Option<Arg> {
    Some(match v {
        Value::Null => Arg::Null,
        Value::Bool(b) => Arg::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Arg::Int(i),
            None => Arg::Float(n.as_f64()?),
        },
        Value::String(s) => Arg::Text(s.clone()),
        _ => return None,
    })
}
