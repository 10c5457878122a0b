//! Database-object coverage (`--coverage`, `ASSAY_COVERAGE=1`): which of the functions,
//! procedures, triggers and views the desired schema or the migration directory defines did the
//! suite run, how often, and from which cases (docs/coverage.md).
//!
//! What lives here is the engine-free bookkeeping; what each engine can tell is in
//! [`crate::engine::coverage`], read over the case's own session (no extra connection):
//! - **Objects**: the catalog of the case's database, read once per start state (the desired
//!   schema; each migration version a case reaches), before any statement of a case ran
//!   there. A listing taken after a case's own statements (a migrate case that ran `exec`
//!   before a `migrate` step) counts only while no clean listing of that version exists, and
//!   then only the objects every such listing holds — so the report never depends on which
//!   case got there first.
//! - **Calls** of routines and triggers: the engine's cumulative counter, read when a case
//!   starts and when it ends, on its session; the difference is the case's. A database is used
//!   by one case at a time (a copy, a worker), so the difference is exact — except for the
//!   `parallel = true` cases of a file, which share one database and run at once: their calls
//!   are read when the group's database is done and credited to the group (`file::(parallel)`),
//!   with every isolation, so the report does not depend on the strategy a case got.
//! - **Views**: a statement the case sends that reads or writes the view by name (after FROM,
//!   JOIN, UPDATE, INTO or TABLE); a view used inside a routine, a trigger or another view is
//!   not seen.
//!
//! Off (the default), nothing here runs and no session does anything extra.

pub mod report;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use regex::Regex;

use crate::engine::coverage::{Calls, DefinedObject, ObjectKind, Unmeasured};
use crate::engine::{DbError, Dialect, Outcome, RollbackPlan, Session};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether this run measures coverage.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns coverage on for this process (before any trial runs).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// What one target (dev URL) saw.
#[derive(Default)]
struct TargetLedger {
    /// Per start state: the objects its database defines.
    listings: HashMap<String, Listing>,
    calls: HashMap<String, u64>,
    credits: HashMap<String, BTreeSet<String>>,
    /// Why calls could not be read (once per reason).
    unmeasured: BTreeSet<String>,
}

enum Listing {
    /// Read before any statement of a case ran on the database.
    Clean(Vec<DefinedObject>),
    /// Read after a case's own statements: only what every such reading holds.
    After(Vec<DefinedObject>),
}

fn ledger() -> &'static Mutex<BTreeMap<String, TargetLedger>> {
    static LEDGER: OnceLock<Mutex<BTreeMap<String, TargetLedger>>> = OnceLock::new();
    LEDGER.get_or_init(Default::default)
}

fn with_target<T>(target: &str, f: impl FnOnce(&mut TargetLedger) -> T) -> T {
    let mut all = ledger().lock().unwrap_or_else(|e| e.into_inner());
    f(all.entry(target.to_string()).or_default())
}

/// Records the objects of the state `key` from `session`'s database, unless a clean listing of
/// it is known already; returns the listing in force.
fn list(
    target: &str,
    key: &str,
    clean: bool,
    session: &mut dyn Session,
) -> Result<Vec<DefinedObject>, DbError> {
    let known = with_target(target, |t| match t.listings.get(key) {
        Some(Listing::Clean(objects)) => Some(objects.clone()),
        _ => None,
    });
    if let Some(objects) = known {
        return Ok(objects);
    }
    // Read with no lock held: a server round trip.
    let read = session.defined_objects()?;
    Ok(with_target(target, |t| {
        let entry = t.listings.remove(key);
        let listing = match (entry, clean) {
            (Some(Listing::Clean(objects)), _) => Listing::Clean(objects),
            (_, true) => Listing::Clean(read),
            (Some(Listing::After(before)), false) => {
                Listing::After(before.into_iter().filter(|o| read.contains(o)).collect())
            }
            (None, false) => Listing::After(read),
        };
        let objects = match &listing {
            Listing::Clean(o) | Listing::After(o) => o.clone(),
        };
        t.listings.insert(key.to_string(), listing);
        objects
    }))
}

/// Credits the calls between two readings to `credit`.
fn credit(target: &str, credit: &str, before: &Calls, after: Result<Calls, Unmeasured>) {
    with_target(target, |t| match after {
        Ok(after) => {
            for (counter, n) in after {
                let made = n.saturating_sub(before.get(&counter).copied().unwrap_or(0));
                if made > 0 {
                    *t.calls.entry(counter.clone()).or_default() += made;
                    t.credits
                        .entry(counter)
                        .or_default()
                        .insert(credit.to_string());
                }
            }
        }
        Err(Unmeasured(why)) => {
            t.unmeasured.insert(why);
        }
    })
}

fn unmeasured(target: &str, why: Unmeasured) {
    with_target(target, |t| {
        t.unmeasured.insert(why.0);
    })
}

/// The measurement of one case, from its start to its end, over its own session.
pub struct Meter {
    target: String,
    credit: String,
    /// The reading at the start; `None` for a parallel case (its group reads) or when the
    /// engine could not count.
    before: Option<Calls>,
    /// The views of the states the case was in: counter and the pattern that finds it.
    views: Vec<(String, Regex)>,
}

impl Meter {
    /// Starts measuring a case on `session`, whose database is in the state `key`. `calls`:
    /// whether this case's calls are read here (not for parallel cases: see [`GroupMeter`]).
    pub fn start(
        target: &str,
        credit: &str,
        key: &str,
        calls: bool,
        session: &mut dyn Session,
    ) -> Meter {
        let mut meter = Meter {
            target: target.to_string(),
            credit: credit.to_string(),
            before: None,
            views: Vec::new(),
        };
        meter.listed(session, key, true);
        let carried = session.coverage_mark().and_then(Option::take);
        if calls && carried.is_some() {
            meter.before = carried;
        } else if calls {
            match session.routine_calls() {
                Ok(c) => meter.before = Some(c),
                Err(why) => unmeasured(target, why),
            }
        }
        meter
    }

    /// The case's database reached the state `key` (a migration version); `clean`: no
    /// statement of the case's own ran before.
    pub fn listed(&mut self, session: &mut dyn Session, key: &str, clean: bool) {
        match list(&self.target, key, clean, session) {
            Ok(objects) => {
                for o in objects.iter().filter(|o| o.kind == ObjectKind::View) {
                    if !self.views.iter().any(|(c, _)| c == &o.counter) {
                        self.views
                            .push((o.counter.clone(), cached_pattern(&o.counter)));
                    }
                }
            }
            Err(e) => unmeasured(
                &self.target,
                Unmeasured(format!("cannot read the catalog: {e}")),
            ),
        }
    }

    /// Ends the measurement on the case's session: the calls since the start, and the views
    /// its statements named, are credited to the case. (A session cancelled by the time limit
    /// reads nothing: that case's calls are not counted.)
    pub fn finish(self, watched: Watched<'_>) {
        let Watched { inner, statements } = watched;
        if let Some(before) = &self.before
            && let Ok(after) = inner.routine_calls()
        {
            if let Some(mark) = inner.coverage_mark() {
                *mark = Some(after.clone());
            }
            credit(&self.target, &self.credit, before, Ok(after));
        }
        let mut named = Calls::new();
        for statement in &statements {
            for (counter, pattern) in &self.views {
                if pattern.is_match(statement) {
                    *named.entry(counter.clone()).or_default() += 1;
                }
            }
        }
        credit(&self.target, &self.credit, &Calls::new(), Ok(named));
    }
}

/// [`view_pattern`], compiled once per view and run.
fn cached_pattern(name: &str) -> Regex {
    static PATTERNS: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let mut all =
        (PATTERNS.get_or_init(Default::default).lock()).unwrap_or_else(|e| e.into_inner());
    all.entry(name.to_string())
        .or_insert_with(|| view_pattern(name))
        .clone()
}

/// `FROM v`, `JOIN s.v`, `UPDATE "v"`, `INSERT INTO v`, `TABLE v`: the view by name, bare or
/// schema-qualified, quoted or not.
fn view_pattern(name: &str) -> Regex {
    let bare = name.rsplit('.').next().unwrap_or(name);
    let q = r#"[`"]?"#;
    Regex::new(&format!(
        r#"(?i)\b(?:from|join|update|into|table)\s+(?:{q}\w+{q}\s*\.\s*)?{q}{}{q}(?:[^\w]|$)"#,
        regex::escape(bare)
    ))
    .expect("an escaped name makes a valid pattern")
}

/// The calls of a parallel group, read on its database when it is made and when it is done.
pub struct GroupMeter {
    target: String,
    credit: String,
    before: Option<Calls>,
}

impl GroupMeter {
    pub fn start(target: &str, credit: &str, session: &mut dyn Session) -> GroupMeter {
        let before = match session.routine_calls() {
            Ok(c) => Some(c),
            Err(why) => {
                unmeasured(target, why);
                None
            }
        };
        GroupMeter {
            target: target.to_string(),
            credit: credit.to_string(),
            before,
        }
    }

    /// Reads the group's calls on `session`, after every other open session of the group
    /// made its own visible (`flush_calls`; closed ones did as they closed).
    pub fn finish(self, session: &mut dyn Session) {
        if let Some(before) = &self.before {
            credit(&self.target, &self.credit, before, session.routine_calls());
        }
    }
}

/// A case's session, noting every statement sent through it (for views).
pub struct Watched<'a> {
    inner: &'a mut dyn Session,
    statements: Vec<String>,
}

impl<'a> Watched<'a> {
    pub fn new(inner: &'a mut dyn Session) -> Watched<'a> {
        Watched {
            inner,
            statements: Vec::new(),
        }
    }
}

impl Session for Watched<'_> {
    fn run(&mut self, statement: &str) -> Result<Outcome, DbError> {
        self.statements.push(statement.to_string());
        self.inner.run(statement)
    }

    fn run_bound(
        &mut self,
        statement: &str,
        args: &[crate::engine::Arg],
    ) -> Result<Outcome, DbError> {
        self.statements.push(statement.to_string());
        self.inner.run_bound(statement, args)
    }

    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    fn take_notices(&mut self) -> Vec<String> {
        self.inner.take_notices()
    }

    fn run_in_savepoint(
        &mut self,
        statement: &str,
        plan: &RollbackPlan,
    ) -> Result<Outcome, DbError> {
        self.statements.push(statement.to_string());
        self.inner.run_in_savepoint(statement, plan)
    }

    fn run_all(&mut self, statements: &[String]) -> Result<(), DbError> {
        self.statements.extend(statements.iter().cloned());
        self.inner.run_all(statements)
    }

    fn pipelines(&self) -> bool {
        self.inner.pipelines()
    }

    fn in_case_transaction(&self) -> bool {
        self.inner.in_case_transaction()
    }

    fn canceller(&self) -> Option<std::sync::Arc<dyn crate::engine::Cancel>> {
        self.inner.canceller()
    }

    fn defined_objects(&mut self) -> Result<Vec<DefinedObject>, DbError> {
        self.inner.defined_objects()
    }

    fn routine_calls(&mut self) -> Result<Calls, Unmeasured> {
        self.inner.routine_calls()
    }

    fn flush_calls(&mut self) {
        self.inner.flush_calls()
    }

    fn coverage_mark(&mut self) -> Option<&mut Option<Calls>> {
        self.inner.coverage_mark()
    }
}

/// One object in the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Covered {
    pub engine: String,
    pub kind: ObjectKind,
    pub name: String,
    /// `None`: not measurable (see `note`).
    pub calls: Option<u64>,
    /// Trial names (or parallel groups), sorted.
    pub cases: Vec<String>,
    pub note: Option<String>,
}

/// Everything measured, per target, in report order: objects never exercised first, then
/// those that cannot be measured, then the rest; by kind and name within each.
pub fn collected() -> Vec<(String, Vec<Covered>)> {
    let all = ledger().lock().unwrap_or_else(|e| e.into_inner());
    all.iter()
        .map(|(target, t)| (target.clone(), covered(target, t)))
        .collect()
}

fn covered(target: &str, t: &TargetLedger) -> Vec<Covered> {
    let mut objects: BTreeMap<(ObjectKind, String), DefinedObject> = BTreeMap::new();
    for listing in t.listings.values() {
        let (Listing::Clean(o) | Listing::After(o)) = listing;
        for object in o {
            objects
                .entry((object.kind, object.name.clone()))
                .or_insert_with(|| object.clone());
        }
    }
    // Trigger functions shared by several triggers: the count is the function's.
    let mut sharing: HashMap<&str, usize> = HashMap::new();
    for o in objects.values().filter(|o| o.kind == ObjectKind::Trigger) {
        *sharing.entry(o.counter.as_str()).or_default() += 1;
    }
    let unmeasured = t.unmeasured.iter().next();
    let mut out: Vec<Covered> = objects
        .values()
        .map(|o| {
            let calls = t.calls.get(&o.counter).copied().unwrap_or(0);
            let cases: Vec<String> = (t.credits.get(&o.counter))
                .map(|c| c.iter().cloned().collect())
                .unwrap_or_default();
            let (calls, note) = match (o.kind, unmeasured) {
                (ObjectKind::View, _) => (Some(calls), None),
                (_, Some(why)) if calls == 0 => (None, Some(format!("not measured: {why}"))),
                _ if calls == 0 && o.inlinable => {
                    (None, Some("inlined: not measurable".to_string()))
                }
                (ObjectKind::Trigger, _) if sharing.get(o.counter.as_str()) > Some(&1) => (
                    Some(calls),
                    Some(format!(
                        "calls of {}, shared with other triggers",
                        o.counter
                    )),
                ),
                _ => (Some(calls), None),
            };
            Covered {
                engine: target.to_string(),
                kind: o.kind,
                name: o.name.clone(),
                calls,
                cases,
                note,
            }
        })
        .collect();
    out.sort_by_key(|c| {
        let rank = match c.calls {
            Some(0) => 0,
            None => 1,
            Some(_) => 2,
        };
        (rank, c.kind, c.name.clone())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::view_pattern;

    #[test]
    fn views_are_found_by_name_where_a_statement_reads_or_writes_them() {
        let v = view_pattern("public.active_users");
        assert!(v.is_match("SELECT * FROM active_users"));
        assert!(v.is_match("select count(*) from public.active_users where x"));
        assert!(v.is_match("SELECT 1 FROM t JOIN \"active_users\" u ON true"));
        assert!(v.is_match("UPDATE active_users SET a = 1"));
        assert!(!v.is_match("SELECT active_users FROM t"));
        assert!(!v.is_match("SELECT * FROM active_users_2"));
        let m = view_pattern("v");
        assert!(m.is_match("SELECT * FROM `v`"));
        assert!(!m.is_match("SELECT v FROM t"));
    }
}
