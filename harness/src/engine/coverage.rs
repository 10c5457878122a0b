//! What each engine tells about the database objects a suite exercised (`--coverage`; the
//! generic bookkeeping is in [`crate::coverage`]): the functions, procedures, triggers and views
//! a database defines, read from its own catalog, and the calls of routines and triggers it has
//! counted so far.
//!
//! - PostgreSQL: `pg_proc`, `pg_trigger`, `pg_class` in the user's schemas (objects of
//!   extensions left out); calls from the cumulative statistics (`track_functions = 'all'`):
//!   what this database's sessions flushed plus what this session holds unflushed, so a reading
//!   taken on the only session of a database counts every call made on it, including calls
//!   inside rolled-back transactions. A trigger's calls are those of its function
//!   (`pg_trigger.tgfoid`).
//! - MySQL/MariaDB: `information_schema` ROUTINES, TRIGGERS and VIEWS of the session's database;
//!   calls from `performance_schema.events_statements_summary_by_program`.
//! - SQLite: `sqlite_master` triggers and views; calls of triggers from the statement trace
//!   (`SQLITE_TRACE_STMT` reports each trigger program as `-- TRIGGER name`), see
//!   [`SqliteTally`].

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::{DbError, Outcome, Session, TextGrid};

/// The kinds of database objects coverage reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    Function,
    Procedure,
    Trigger,
    View,
}

impl ObjectKind {
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Trigger => "trigger",
            ObjectKind::View => "view",
        }
    }
}

/// One object a database defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinedObject {
    pub kind: ObjectKind,
    /// How the report names it: `public.f(integer)`, `audit ON public.t`, `public.v`.
    pub name: String,
    /// The key its calls are counted under in [`Calls`] (a trigger's function on PostgreSQL);
    /// views are counted by name from the statements a case sends.
    pub counter: String,
    /// A PostgreSQL SQL function the planner may inline into the calling query, where it is
    /// not counted as a call.
    pub inlinable: bool,
}

/// Calls counted so far, by [`DefinedObject::counter`]: cumulative, so a case's calls are the
/// difference of two readings.
pub type Calls = BTreeMap<String, u64>;

/// Why calls cannot be counted on a database (the report says it instead of numbers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmeasured(pub String);

fn rows(session: &mut dyn Session, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
    match session.run(sql)? {
        Outcome::Rows(TextGrid { rows, .. }) => Ok(rows),
        Outcome::Done { .. } => Ok(Vec::new()),
    }
}

fn text(cell: &Option<String>) -> String {
    cell.clone().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const PG_USER_SCHEMA: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// `schema.name(argument types)`, the same in every session of a run (search_path aside).
const PG_ROUTINE: &str = "p.pronamespace::regnamespace::text || '.' || p.proname || '(' || \
     pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'";

pub fn postgres_objects(session: &mut dyn Session) -> Result<Vec<DefinedObject>, DbError> {
    let not_extension = |class: &str, id: &str| {
        format!(
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '{class}'::regclass \
             AND d.objid = {id} AND d.deptype = 'e')"
        )
    };
    let sql = format!(
        "SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, {PG_ROUTINE}, \
                l.lanname, p.prosecdef::text, (p.proconfig IS NOT NULL)::text, p.proretset::text, \
                p.provolatile::text, p.proisstrict::text, \
                CASE WHEN p.prosqlbody IS NULL THEN p.prosrc \
                     ELSE pg_catalog.pg_get_function_sqlbody(p.oid) END, \
                (p.prorettype = 'pg_catalog.trigger'::regtype)::text \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
              JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
         WHERE {PG_USER_SCHEMA} AND p.prokind IN ('f', 'p') AND {} \
         UNION ALL \
         SELECT 'trigger', t.tgname || ' ON ' || n.nspname || '.' || c.relname, \
                (SELECT {PG_ROUTINE} FROM pg_catalog.pg_proc p WHERE p.oid = t.tgfoid), NULL, NULL, NULL, NULL, NULL, NULL, NULL \
         FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT t.tgisinternal AND {PG_USER_SCHEMA} AND {} \
         UNION ALL \
         SELECT 'view', n.nspname || '.' || c.relname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'v' AND {PG_USER_SCHEMA} AND {}",
        not_extension("pg_catalog.pg_proc", "p.oid"),
        not_extension("pg_catalog.pg_class", "c.oid"),
        not_extension("pg_catalog.pg_class", "c.oid"),
    );
    let mut objects = Vec::new();
    let is = |cell: &Option<String>| cell.as_deref() == Some("true");
    let rows = rows(session, &sql)?;
    // Trigger functions are reported through their triggers: `returns trigger` functions
    // that some trigger uses are not listed again.
    let used_by_triggers: std::collections::HashSet<String> = rows
        .iter()
        .filter(|r| r[0].as_deref() == Some("trigger"))
        .map(|r| text(&r[2]))
        .collect();
    for r in &rows {
        let (kind, name) = (text(&r[0]), text(&r[1]));
        match kind.as_str() {
            "trigger" => objects.push(DefinedObject {
                kind: ObjectKind::Trigger,
                name,
                counter: text(&r[2]),
                inlinable: false,
            }),
            "view" => objects.push(DefinedObject {
                kind: ObjectKind::View,
                counter: name.clone(),
                name,
                inlinable: false,
            }),
            _ => {
                if is(&r[9]) && used_by_triggers.contains(&name) {
                    continue;
                }
                let inlinable = text(&r[2]) == "sql"
                    && !is(&r[3])
                    && !is(&r[4])
                    && pg_inlinable_body(&text(&r[8]), is(&r[5]), &text(&r[6]), is(&r[7]));
                objects.push(DefinedObject {
                    kind: if kind == "procedure" {
                        ObjectKind::Procedure
                    } else {
                        ObjectKind::Function
                    },
                    counter: name.clone(),
                    name,
                    inlinable,
                });
            }
        }
    }
    Ok(objects)
}

/// Whether the body of a `LANGUAGE sql` function (not SECURITY DEFINER, no SET clause) is of
/// the shape PostgreSQL's planner inlines (see `inline_function` and
/// `inline_set_returning_function` in its optimizer): one `SELECT` of one expression with no
/// FROM or other clause for a scalar function (or `RETURN expr`); one `SELECT` from anything
/// for a set-returning function that is neither volatile nor strict. Whether a given call is
/// inlined depends on the call site too: this says only that it may be.
pub fn pg_inlinable_body(body: &str, returns_set: bool, volatility: &str, strict: bool) -> bool {
    let mut body = body.trim();
    // BEGIN ATOMIC … END bodies as pg_get_function_sqlbody prints them.
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("begin atomic") && lower.ends_with("end") {
        body = body[12..body.len() - 3].trim();
    }
    let body = body.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    if body.contains(';') {
        return false; // more than one statement
    }
    let lower = body.to_ascii_lowercase();
    let word = |w: &str| {
        lower
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|t| t == w)
    };
    if returns_set {
        return lower.starts_with("select") && volatility != "v" && !strict;
    }
    if lower.starts_with("return") {
        return !word("select");
    }
    lower.starts_with("select")
        && ![
            "from",
            "where",
            "group",
            "having",
            "order",
            "limit",
            "offset",
            "union",
            "intersect",
            "except",
            "distinct",
            "window",
            "over",
            "with",
        ]
        .iter()
        .any(|w| word(w))
        && !lower[6..].contains("select")
}

pub fn postgres_calls(session: &mut dyn Session) -> Result<Calls, Unmeasured> {
    let err = |e: DbError| Unmeasured(format!("cannot read pg_stat_user_functions: {e}"));
    // One round trip: the setting (under the empty key) and the counts. Every routine a user
    // made has an OID from FirstNormalObjectId (16384) on: an index range scan of pg_proc,
    // four times cheaper than filtering by schema (which the listing does).
    let sql = format!(
        "SELECT '', current_setting('track_functions') || ' ' || current_setting('is_superuser') \
         UNION ALL \
         SELECT {PG_ROUTINE}, (COALESCE(pg_catalog.pg_stat_get_function_calls(p.oid), 0) \
                + COALESCE(pg_catalog.pg_stat_get_xact_function_calls(p.oid), 0))::text \
         FROM pg_catalog.pg_proc p WHERE p.oid >= 16384"
    );
    let mut setting = String::new();
    let mut calls = Calls::new();
    for r in rows(session, &sql).map_err(err)? {
        match text(&r[0]) {
            key if key.is_empty() => setting = text(&r[1]),
            key => match text(&r[1]).parse() {
                Ok(0) | Err(_) => {}
                Ok(n) => {
                    calls.insert(key, n);
                }
            },
        }
    }
    match setting.split_once(' ') {
        Some(("all", _)) => Ok(calls),
        Some((_, "on")) => {
            // A user's server and a superuser: counted from this session on (the setting lasts
            // until the session is reset or, inside a case's transaction, rolled back: each
            // case sets it again).
            session
                .run("SET track_functions = 'all'")
                .map_err(|e| Unmeasured(format!("cannot set track_functions: {e}")))?;
            Ok(calls)
        }
        _ => Err(Unmeasured(
            "track_functions is not 'all' on this server and this role may not set it: \
             set track_functions = 'all' on the server (servers assay starts have it)"
                .into(),
        )),
    }
}

/// Makes the calls this session holds unflushed visible to the database's other sessions: the
/// flush happens when the backend goes idle, before it answers, so it is done when this returns.
pub fn postgres_flush(session: &mut dyn Session) {
    let _ = session.run("SELECT pg_catalog.pg_stat_force_next_flush()");
}

// ---------------------------------------------------------------------------------------------
// MySQL / MariaDB

pub fn mysql_objects(session: &mut dyn Session) -> Result<Vec<DefinedObject>, DbError> {
    let sql = "SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, ROUTINE_NAME FROM information_schema.ROUTINES \
               WHERE ROUTINE_SCHEMA = DATABASE() \
               UNION ALL SELECT 'trigger', CONCAT(TRIGGER_NAME, ' ON ', EVENT_OBJECT_TABLE), TRIGGER_NAME \
               FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
               UNION ALL SELECT 'view', TABLE_NAME, TABLE_NAME FROM information_schema.VIEWS \
               WHERE TABLE_SCHEMA = DATABASE()";
    Ok(rows(session, sql)?
        .iter()
        .filter_map(|r| {
            let kind = match text(&r[0]).as_str() {
                "function" => ObjectKind::Function,
                "procedure" => ObjectKind::Procedure,
                "trigger" => ObjectKind::Trigger,
                "view" => ObjectKind::View,
                _ => return None,
            };
            let counter = match kind {
                ObjectKind::View => text(&r[2]),
                _ => format!("{}:{}", kind.name(), text(&r[2])),
            };
            Some(DefinedObject {
                kind,
                name: text(&r[1]),
                counter,
                inlinable: false,
            })
        })
        .collect())
}

pub fn mysql_calls(session: &mut dyn Session) -> Result<Calls, Unmeasured> {
    // One round trip: whether performance_schema is on (under the empty key) and the counts.
    let sql = "SELECT '', @@performance_schema \
               UNION ALL SELECT CONCAT(LOWER(OBJECT_TYPE), ':', OBJECT_NAME), COUNT_STAR \
               FROM performance_schema.events_statements_summary_by_program \
               WHERE OBJECT_SCHEMA = DATABASE() AND OBJECT_TYPE IN ('FUNCTION', 'PROCEDURE', 'TRIGGER')";
    let mut calls: Calls = rows(session, sql)
        .map_err(|e| {
            Unmeasured(format!(
                "cannot read performance_schema.events_statements_summary_by_program: {e}"
            ))
        })?
        .iter()
        .map(|r| (text(&r[0]), text(&r[1]).parse().unwrap_or(0)))
        .collect();
    if calls.remove("") != Some(1) {
        return Err(Unmeasured(
            "performance_schema is OFF on this server: start it with --performance-schema=ON \
             (servers assay starts have it)"
                .into(),
        ));
    }
    Ok(calls)
}

// ---------------------------------------------------------------------------------------------
// SQLite

pub fn sqlite_objects(session: &mut dyn Session) -> Result<Vec<DefinedObject>, DbError> {
    let sql = "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('trigger', 'view') \
               AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
    Ok(rows(session, sql)?
        .iter()
        .map(|r| {
            let name = text(&r[1]);
            if text(&r[0]) == "trigger" {
                DefinedObject {
                    kind: ObjectKind::Trigger,
                    name: format!("{name} ON {}", text(&r[2])),
                    counter: format!("trigger:{name}"),
                    inlinable: false,
                }
            } else {
                DefinedObject {
                    kind: ObjectKind::View,
                    counter: name.clone(),
                    name,
                    inlinable: false,
                }
            }
        })
        .collect())
}

/// The trigger programs SQLite ran on one database, counted by the statement trace of every
/// connection to it. Shared by the connections to one database file (parallel cases), per
/// connection for a database in memory (which has one).
#[derive(Default)]
pub struct SqliteTally {
    calls: Mutex<Calls>,
}

impl SqliteTally {
    /// The tally of the database at `path` (`None`: a private one).
    pub fn of(path: Option<&str>) -> Arc<SqliteTally> {
        static BY_PATH: OnceLock<Mutex<HashMap<String, Weak<SqliteTally>>>> = OnceLock::new();
        let Some(path) = path.filter(|p| !p.is_empty()) else {
            return Arc::default();
        };
        let mut all =
            (BY_PATH.get_or_init(Default::default).lock()).unwrap_or_else(|e| e.into_inner());
        all.retain(|_, t| t.strong_count() > 0);
        if let Some(t) = all.get(path).and_then(Weak::upgrade) {
            return t;
        }
        let t: Arc<SqliteTally> = Arc::default();
        all.insert(path.to_string(), Arc::downgrade(&t));
        t
    }

    /// One traced statement: `-- TRIGGER name` is a trigger program starting.
    pub fn saw(&self, sql: &str) {
        if let Some(name) = sql.strip_prefix("-- TRIGGER ") {
            let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
            *calls.entry(format!("trigger:{}", name.trim())).or_default() += 1;
        }
    }

    pub fn calls(&self) -> Calls {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::pg_inlinable_body as inl;

    #[test]
    fn inlinable_sql_bodies() {
        assert!(inl(" SELECT x * 2 ", false, "v", false));
        assert!(inl("SELECT $1 + $2;", false, "i", true));
        assert!(inl(
            "BEGIN ATOMIC\n SELECT (x * 2);\nEND",
            false,
            "i",
            false
        ));
        assert!(inl("RETURN x * 2", false, "i", false));
        assert!(!inl("SELECT count(*) FROM t", false, "s", false));
        assert!(!inl(
            "INSERT INTO t VALUES (1); SELECT 1",
            false,
            "v",
            false
        ));
        assert!(!inl("SELECT (SELECT 1)", false, "v", false));
        assert!(inl("SELECT * FROM t WHERE id = x", true, "s", false));
        assert!(!inl("SELECT * FROM t WHERE id = x", true, "v", false));
        assert!(!inl("UPDATE t SET v = 1", false, "v", false));
    }
}
