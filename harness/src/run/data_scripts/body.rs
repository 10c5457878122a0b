//! The blocks of a script body, run in order on one session, with the values they bind
//! (`query.NAME.rows`) and the loop's (`iterator`, `cursor`, `self`, `ramp`) in scope.

use dbassay_dsl::hcl::HclValue as Value;
use dbassay_dsl::hcl::data_script::{ColumnType, Command, Expr, Mask, Scope, Statement, Test};
use dbassay_dsl::source::Location;

use crate::engine::{Arg, Outcome, Session, TextGrid};
use crate::render;
use crate::run::sql;

/// How a body ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    /// Every block ran.
    Done,
    /// A falsy `condition` or a fired `break`: the script (or loop) ends, keeping its work.
    Stop,
    /// A fired `continue`: the loop's iteration ends, keeping its work.
    Skip,
}

pub(super) struct Run<'a> {
    pub(super) session: &'a mut dyn Session,
    pub(super) scope: &'a Scope,
    printed: &'a mut Vec<String>,
    logs: &'a mut Vec<String>,
    masks: &'a [Mask],
    /// `query.NAME.rows` of the bound queries so far.
    queries: Vec<(String, Value)>,
    /// The loop's bindings for the current iteration.
    pub(super) looping: Vec<(&'static str, Value)>,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        session: &'a mut dyn Session,
        scope: &'a Scope,
        printed: &'a mut Vec<String>,
        logs: &'a mut Vec<String>,
        masks: &'a [Mask],
    ) -> Run<'a> {
        Run {
            session,
            scope,
            printed,
            logs,
            masks,
            queries: Vec::new(),
            looping: Vec::new(),
        }
    }

    pub(super) fn bindings(&self) -> Vec<(&'static str, Value)> {
        let queries: Value = self
            .queries
            .iter()
            .map(|(name, rows)| {
                let object: Value = [("rows".to_string(), rows.clone())].into_iter().collect();
                (name.clone(), object)
            })
            .collect();
        let mut out = vec![("query", queries)];
        out.extend(self.looping.iter().cloned());
        out
    }

    /// Runs a transaction-control statement of assay's own.
    pub(super) fn sql(&mut self, statement: &str) -> Result<(), String> {
        self.session
            .run(statement)
            .map(|_| ())
            .map_err(|e| format!("{statement}: {e}"))
    }

    pub(super) fn commands(&mut self, commands: &[Command]) -> Result<Flow, String> {
        for c in commands {
            match self.command(c)? {
                Flow::Done => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Done)
    }

    fn eval(&self, e: &Expr) -> Result<Value, String> {
        self.scope
            .value(e, &self.bindings())
            .map_err(|e| e.to_string())
    }

    fn string(&self, e: &Expr) -> Result<String, String> {
        self.scope
            .string(e, &self.bindings())
            .map_err(|e| e.to_string())
    }

    /// Runs a statement (with its `args`) and returns its rows, or what it affected.
    pub(super) fn statement(
        &mut self,
        stmt: &Statement,
        what: &str,
        at: &Location,
    ) -> Result<(Option<TextGrid>, u64), String> {
        let bindings = self.bindings();
        let sql = self
            .scope
            .sql(&stmt.sql, &bindings)
            .map_err(|e| e.to_string())?;
        let args = match &stmt.args {
            Some(e) => args(self.scope, e, &bindings)?,
            None => Vec::new(),
        };
        let (mut grid, mut affected) = (None, 0);
        sql::run_each_bound(self.session, &sql, &args, |o| match o {
            Outcome::Rows(g) => grid = Some(g),
            Outcome::Done { affected: n } => affected += n,
        })
        .map_err(|f| format!("{at}: {what}: {}", f.describe()))?;
        Ok((grid, affected))
    }

    /// A statement whose one value is a boolean: `condition`, `break`, `continue`. NULL, no
    /// row, several, or a value that is not a boolean are errors.
    fn truth(&mut self, stmt: &Statement, what: &str, at: &Location) -> Result<bool, String> {
        let (grid, _) = self.statement(stmt, what, at)?;
        let grid = grid.unwrap_or_default();
        match grid.rows.as_slice() {
            [row] if row.len() == 1 => match row[0].as_deref() {
                None => Err(format!(
                    "{at}: {what}: the query returned NULL; wrap it in COALESCE(…, false)"
                )),
                Some(v) => boolean(v).ok_or_else(|| {
                    format!(
                        "{at}: {what}: the query must return a boolean (true/false, 1/0), got {v:?}"
                    )
                }),
            },
            rows => Err(format!(
                "{at}: {what}: the query must return one row with one boolean column, got {} row(s) of {} column(s)",
                rows.len(),
                grid.columns.len()
            )),
        }
    }

    fn test(&mut self, test: &Test, what: &str, at: &Location) -> Result<bool, String> {
        match test {
            Test::Always => Ok(true),
            Test::Sql(stmt) => self.truth(stmt, what, at),
            Test::Expr(e) => match self.eval(e)? {
                Value::Bool(b) => Ok(b),
                other => Err(format!(
                    "{}: {what}: expr must be a bool, got {}",
                    self.scope.at(e),
                    compact(&other)
                )),
            },
        }
    }

    fn command(&mut self, command: &Command) -> Result<Flow, String> {
        match command {
            Command::Condition { at, stmt } => Ok(if self.truth(stmt, "condition", at)? {
                Flow::Done
            } else {
                Flow::Stop
            }),
            Command::Exec {
                at,
                stmt,
                expect_rows,
            } => {
                let (_, affected) = self.statement(stmt, "exec", at)?;
                if let Some(e) = expect_rows {
                    let want = match self.eval(e)? {
                        Value::Number(n) if n.as_u64().is_some() => n.as_u64().unwrap_or(0),
                        other => {
                            return Err(format!(
                                "{}: expect_rows: expected a whole number, got {}",
                                self.scope.at(e),
                                compact(&other)
                            ));
                        }
                    };
                    if want != affected {
                        return Err(format!(
                            "{at}: exec: expected {want} affected rows, got {affected}"
                        ));
                    }
                }
                Ok(Flow::Done)
            }
            Command::Assert {
                at,
                stmt,
                error_message,
            } => {
                let (grid, _) = self.statement(stmt, "assert", at)?;
                let grid = grid.unwrap_or_default();
                let truthy = matches!(grid.rows.as_slice(), [row] if row.len() == 1
                    && row[0].as_deref().and_then(boolean) == Some(true));
                if truthy {
                    return Ok(Flow::Done);
                }
                let message = match error_message {
                    Some(e) => format!(": {}", self.string(e)?),
                    None => String::new(),
                };
                Err(format!("{at}: assert failed{message}"))
            }
            Command::Check {
                at,
                stmt,
                format,
                output,
                pattern,
            } => {
                let (grid, _) = self.statement(stmt, "check", at)?;
                let actual = render::serialize(&grid.unwrap_or_default(), *format);
                let ok = match (output, pattern) {
                    (Some(o), _) => render::output_matches(&self.string(o)?, &actual, *format),
                    (None, Some(p)) => {
                        let text = self.string(p)?;
                        let re = regex::Regex::new(&text).map_err(|e| {
                            format!(
                                "{}: match: invalid regular expression: {e}",
                                self.scope.at(p)
                            )
                        })?;
                        re.is_match(&actual)
                    }
                    (None, None) => true,
                };
                if ok {
                    Ok(Flow::Done)
                } else {
                    Err(format!("{at}: check failed: got {actual:?}"))
                }
            }
            Command::Query {
                at,
                name,
                stmt,
                format,
                rows,
                masks,
            } => {
                let (grid, _) = self.statement(stmt, "query", at)?;
                let grid = grid.unwrap_or_default();
                match rows {
                    Some(columns) => {
                        let bound =
                            bind_rows(&grid, columns).map_err(|e| format!("{at}: rows: {e}"))?;
                        if let Some(name) = name {
                            self.queries.retain(|(n, _)| n != name);
                            self.queries.push((name.clone(), bound));
                        }
                    }
                    None => {
                        let grid = super::mask::apply(grid, masks, self.masks);
                        self.printed.push(render::serialize(&grid, *format));
                    }
                }
                Ok(Flow::Done)
            }
            Command::Output { message } => {
                let line = self.string(message)?;
                self.printed.push(line);
                Ok(Flow::Done)
            }
            Command::Log { at, message } => {
                let line = self.string(message)?;
                self.logs
                    .push(format!("{}:{}: {line}", at.path.display(), at.line));
                Ok(Flow::Done)
            }
            Command::Break { at, test, message } => {
                if !self.test(test, "break", at)? {
                    return Ok(Flow::Done);
                }
                // (assay) A break's message is a line of the script's output.
                if let Some(m) = message {
                    let line = self.string(m)?;
                    self.printed.push(line);
                }
                Ok(Flow::Stop)
            }
            Command::Continue { at, test } => Ok(if self.test(test, "continue", at)? {
                Flow::Skip
            } else {
                Flow::Done
            }),
            Command::Sleep { duration } => {
                std::thread::sleep(*duration);
                Ok(Flow::Done)
            }
        }
    }
}

/// `true`/`t`/`1` or `false`/`f`/`0`, in any case.
pub(super) fn boolean(v: &str) -> Option<bool> {
    let v = v.trim();
    if ["1", "t", "true"].iter().any(|t| v.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if ["0", "f", "false"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
    {
        Some(false)
    } else {
        None
    }
}

/// `args = [...]`: scalars only, as Atlas binds them (`jsonencode` a list).
pub(super) fn args(
    scope: &Scope,
    e: &Expr,
    bindings: &[(&str, Value)],
) -> Result<Vec<Arg>, String> {
    let items = match scope.value(e, bindings).map_err(|e| e.to_string())? {
        Value::Array(items) => items,
        other => {
            return Err(scope
                .error(
                    e,
                    format!("expected a list of values, got {}", compact(&other)),
                )
                .to_string());
        }
    };
    items
        .into_iter()
        .map(|v| {
            Ok(match v {
                Value::Null => Arg::Null,
                Value::Bool(b) => Arg::Bool(b),
                Value::Number(n) => match n.as_i64() {
                    Some(i) => Arg::Int(i),
                    None => Arg::Float(n.as_f64().unwrap_or(0.0)),
                },
                Value::String(s) => Arg::Text(s),
                other => {
                    return Err(scope
                        .error(
                            e,
                            format!(
                                "values are bound as scalars; got {} (pass a list with jsonencode(…))",
                                compact(&other)
                            ),
                        )
                        .to_string());
                }
            })
        })
        .collect()
}

/// The rows of `grid` as a list of objects with the declared columns, typed.
pub(super) fn bind_rows(
    grid: &TextGrid,
    columns: &[(String, ColumnType)],
) -> Result<Value, String> {
    let mut index = Vec::new();
    for (name, ty) in columns {
        let i = grid
            .columns
            .iter()
            .position(|c| c == name)
            .or_else(|| {
                grid.columns
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| {
                format!(
                    "column `{name}` is not in the result (columns: {})",
                    grid.columns.join(", ")
                )
            })?;
        index.push((name, *ty, i));
    }
    let mut rows = Vec::new();
    for row in &grid.rows {
        let mut object = Vec::new();
        for (name, ty, i) in &index {
            let value = match row.get(*i).cloned().flatten() {
                None => Value::Null,
                Some(text) => typed(&text, *ty).ok_or_else(|| {
                    format!("column `{name}`: {text:?} is not {}", type_name(*ty))
                })?,
            };
            object.push((name.to_string(), value));
        }
        rows.push(object.into_iter().collect::<Value>());
    }
    Ok(Value::Array(rows))
}

pub(super) fn typed(text: &str, ty: ColumnType) -> Option<Value> {
    Some(match ty {
        ColumnType::String => Value::from(text),
        ColumnType::Bool => Value::Bool(boolean(text)?),
        ColumnType::Int => Value::from(text.trim().parse::<i64>().ok()?),
        ColumnType::Float => Value::from(text.trim().parse::<f64>().ok()?),
    })
}

fn type_name(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Int => "an int",
        ColumnType::Float => "a float",
        ColumnType::String => "a string",
        ColumnType::Bool => "a bool",
    }
}

/// A value on one line, for messages.
pub(super) fn compact(v: &Value) -> String {
    dbassay_dsl::hcl::data_script::show(v)
}
