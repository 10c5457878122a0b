//! Putting a reused database back the way it was after a case (see `engine::reuse`).
//!
//! DDL commits implicitly on MySQL and MariaDB, so a case cannot run inside a transaction that
//! is rolled back. It runs exactly as on a fresh copy instead, and afterwards whatever differs
//! from the **baseline** (the state the database was in before the case) is put back, object by
//! object, from the baseline's [`Recipe`] and a shadow database that holds copies of the
//! baseline's non-empty tables.
//!
//! Compared after every case, on a connection of the restorer's own (the case's session is
//! reset first):
//! - the tables, sequences and views there are, with each table's `AUTO_INCREMENT` counter;
//! - the rows, by `CHECKSUM TABLE` (a CRC of every row: a change that keeps it is possible in
//!   principle, at odds of about one in four billion), of every table a statement of the case
//!   names, and of every sequence (a column default may draw from one) — of every table when
//!   something can write where no statement names: triggers, routines, events, views,
//!   cascading foreign keys, in the baseline or made by the case;
//! - the definition (`SHOW CREATE TABLE`) of every table named by a statement of the case other
//!   than data manipulation (DDL names the tables it changes), and of every table whose foreign
//!   keys reference one so named (renaming a parent rewrites its children);
//! - the triggers, views, routines or events as a whole, when such a statement names that kind
//!   of object (`TRIGGER`, `VIEW`, `PROCEDURE`/`FUNCTION`/`PACKAGE`, `EVENT`), or the views are
//!   not the same; the triggers also when such a statement names a table that has some
//!   (dropping a table drops its triggers, even when it comes back the same).
//!
//! A statement whose effect cannot be read from its text (`CALL`, `EXECUTE`, compound
//! statements, executable comments, `SET STATEMENT … FOR`, several statements in one string)
//! makes everything compared. The case's session must still be on the database.
//!
//! Sequences keep a block of values in memory; a copy starts without one. So the sequences of
//! a baseline are flushed (`FLUSH TABLES`) when it is taken, and a sequence a case used is
//! recreated.
//!
//! A table whose rows or counter alone changed is emptied and refilled from the shadow database
//! (unless it has triggers, which would fire, is a sequence or is system-versioned); a table
//! whose definition changed, or that is missing, is dropped and recreated from its `SHOW CREATE
//! TABLE` (which carries its `AUTO_INCREMENT` counter), refilled, and its triggers recreated; a
//! new table or view is dropped; a kind of object that differs is dropped and recreated as a
//! whole. Foreign key checks are off meanwhile, as in a copy. All of it is one multi-statement
//! batch.
//!
//! A **rebase** takes the database as it is as the new baseline after migration files were
//! applied to it on purpose: what the comparison finds changed is read again, and its rows saved
//! anew in the shadow database.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use super::dump::{self, Object, Recipe, Res, Table, err};
use super::{Inner, MysqlDatabase, quote_ident, quote_str};
use crate::engine::mysql::value_text;
use crate::engine::{Outcome, Session};
use crate::provision::{Restorer, Result};
use crate::runtime;

/// What is known of one table or sequence of the baseline besides its `CREATE`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Mark {
    kind: String,
    auto_increment: Option<String>,
    checksum: Option<String>,
    /// Its rows are copied in the shadow database (it had rows).
    saved: bool,
}

/// Kinds of object compared as a whole.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Trigger,
    View,
    Routine,
    Event,
}

const KINDS: [Kind; 4] = [Kind::Trigger, Kind::View, Kind::Routine, Kind::Event];

impl Kind {
    /// Every definition of this kind in the database, without creation and alteration times;
    /// `None` for routines, whose parameter lists information_schema does not hold (their
    /// whole `SHOW CREATE` is compared instead).
    fn query(self) -> Option<&'static str> {
        match self {
            Kind::Trigger => Some(
                "SELECT * FROM information_schema.triggers WHERE trigger_schema = ? ORDER BY trigger_name",
            ),
            Kind::View => Some(
                "SELECT * FROM information_schema.views WHERE table_schema = ? ORDER BY table_name",
            ),
            Kind::Event => Some(
                "SELECT * FROM information_schema.events WHERE event_schema = ? ORDER BY event_name",
            ),
            Kind::Routine => None,
        }
    }

    /// Words that name this kind in a statement that changes one.
    fn words(self) -> &'static [&'static str] {
        match self {
            Kind::Trigger => &["trigger"],
            Kind::View => &["view"],
            Kind::Routine => &["procedure", "function", "package"],
            Kind::Event => &["event"],
        }
    }
}

/// Rows of a kind's definitions, as text.
type Definitions = Vec<Vec<Option<String>>>;

/// The state to restore to.
struct Baseline {
    recipe: Recipe,
    marks: HashMap<String, Mark>,
    views: BTreeSet<String>,
    definitions: [Definitions; 4],
}

/// The restorer of one database (see the module docs).
pub struct MysqlRestorer {
    conn: Option<super::Admin>,
    db: String,
    shadow: MysqlDatabase,
    base: Baseline,
}

impl MysqlRestorer {
    /// Takes the database as it is now as the baseline; `recipe`, when given, is the recipe it
    /// was copied from (its definitions need not be read again).
    pub(super) fn new(
        inner: &Arc<Inner>,
        db: &str,
        recipe: Option<&Recipe>,
    ) -> Result<MysqlRestorer> {
        let shadow_name = inner.new_name();
        inner.admin(&inner.create_sql(&shadow_name))?;
        let shadow = MysqlDatabase::new(inner, shadow_name);
        let mut conn = inner.connect_admin()?;
        let base = runtime::block_on(async {
            // MySQL caches table statistics (AUTO_INCREMENT among them) unless told not to;
            // MariaDB has no such setting.
            let _ = conn
                .query_drop("SET SESSION information_schema_stats_expiry = 0")
                .await;
            capture(&mut conn, db, shadow.name(), recipe).await
        });
        match base {
            Ok(base) => Ok(MysqlRestorer {
                conn: Some(conn),
                db: db.to_string(),
                shadow,
                base,
            }),
            Err(e) => {
                conn.close();
                Err(inner.error(&format!("cannot read the baseline of {db}"), &e))
            }
        }
    }

    fn with_conn<T>(
        &mut self,
        f: impl AsyncFnOnce(&mut Conn, &str, &str, &mut Baseline) -> Res<T>,
    ) -> Result<T> {
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| crate::provision::ProvisionError("the restorer is closed".into()))?;
        let result = runtime::block_on(f(&mut *conn, &self.db, self.shadow.name(), &mut self.base));
        result.map_err(|e| crate::provision::ProvisionError(format!("{}: {e}", self.db)))
    }
}

impl Drop for MysqlRestorer {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.close();
        }
    }
}

impl MysqlRestorer {
    /// Whether the case's session is still on this database: `USE` is refused before a case
    /// runs, but a session that moved anyway (a comment hid it) must not serve another case.
    fn check_session(&self, session: &mut dyn Session) -> Result<()> {
        let current = match session.run("SELECT DATABASE()") {
            Ok(Outcome::Rows(grid)) => grid
                .rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next().flatten()),
            _ => None,
        };
        if current.as_deref() == Some(self.db.as_str()) {
            return Ok(());
        }
        Err(crate::provision::ProvisionError(format!(
            "the session left {} for {current:?}",
            self.db
        )))
    }
}

impl Restorer for MysqlRestorer {
    fn restore(&mut self, session: &mut dyn Session, ran: &[String]) -> Result<()> {
        self.check_session(session)?;
        let scan = Scan::of(ran);
        self.with_conn(async |conn, db, shadow, base| {
            let diff = compare(conn, db, base, &scan).await?;
            if diff.is_clean() {
                return Ok(());
            }
            let sql = diff.restore_script(base, db, shadow);
            conn.query_drop(sql).await.map_err(err)
        })
    }

    fn rebase(&mut self, session: &mut dyn Session, ran: &[String]) -> Result<()> {
        self.check_session(session)?;
        let scan = Scan::of(ran);
        self.with_conn(async |conn, db, shadow, base| {
            let diff = compare(conn, db, base, &scan).await?;
            rebase(conn, db, shadow, base, diff).await?;
            if base.marks.values().any(|m| m.kind == "SEQUENCE") {
                flush_sequences(conn, db).await?;
            }
            Ok(())
        })
    }
}

/// Reads the baseline of `db` and saves its non-empty tables into `shadow`.
async fn capture(
    conn: &mut Conn,
    db: &str,
    shadow: &str,
    recipe: Option<&Recipe>,
) -> Res<Baseline> {
    let recipe = match recipe {
        Some(recipe) => {
            conn.query_drop(format!("USE {}", quote_ident(db)))
                .await
                .map_err(err)?;
            recipe.clone()
        }
        None => Recipe::capture(conn, db).await?,
    };
    flush_sequences(conn, db).await?;
    let (now, views, _) = survey(conn, db, |_, _| true).await?;
    let nonempty = nonempty(conn, now.keys().map(String::as_str)).await?;
    let mut save = String::new();
    for table in recipe.tables.iter().filter(|t| nonempty.contains(&t.name)) {
        save.push_str(&save_script(table, db, shadow));
    }
    if !save.is_empty() {
        conn.query_drop(save).await.map_err(err)?;
    }
    let marks = now
        .into_iter()
        .map(|(name, (kind, auto_increment, checksum))| {
            let saved = nonempty.contains(&name);
            let mark = Mark {
                kind,
                auto_increment,
                checksum,
                saved,
            };
            (name, mark)
        })
        .collect();
    let mut definitions: [Definitions; 4] = Default::default();
    for (i, kind) in KINDS.into_iter().enumerate() {
        definitions[i] = self::definitions(conn, db, kind).await?;
    }
    Ok(Baseline {
        recipe,
        marks,
        views,
        definitions,
    })
}

/// A `SHOW CREATE TABLE` without its `AUTO_INCREMENT=n` table option.
fn without_counter(create: &str) -> String {
    match create.find(" AUTO_INCREMENT=") {
        Some(at) => {
            let rest = &create[at + " AUTO_INCREMENT=".len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            format!("{}{}", &create[..at], &rest[end..])
        }
        None => create.to_string(),
    }
}

/// Discards the values sequences of `db` hold in memory, so the next value comes from the
/// stored row, as in a copy (which starts with nothing in memory).
pub(super) async fn flush_sequences(conn: &mut Conn, db: &str) -> Res<()> {
    let sequences: Vec<String> = conn
        .query(format!(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = {} AND table_type = 'SEQUENCE'",
            quote_str(db)
        ))
        .await
        .map_err(err)?;
    if sequences.is_empty() {
        return Ok(());
    }
    let qdb = quote_ident(db);
    let names: Vec<String> = (sequences.iter())
        .map(|t| format!("{qdb}.{}", quote_ident(t)))
        .collect();
    conn.query_drop(format!("FLUSH TABLES {}", names.join(", ")))
        .await
        .map_err(err)
}

/// `CREATE TABLE … LIKE` and a copy of the rows of `table` in the shadow database.
fn save_script(table: &Table, db: &str, shadow: &str) -> String {
    format!(
        "CREATE TABLE {}.{q} LIKE {}.{q};\n{}",
        quote_ident(shadow),
        quote_ident(db),
        table.copy_rows(db, shadow),
        q = quote_ident(&table.name),
    )
}

/// Current tables and sequences: name → (kind, `AUTO_INCREMENT`, checksum).
type Survey = HashMap<String, (String, Option<String>, Option<String>)>;

/// The tables, sequences (with their counters and checksums) and views of `db` now.
/// The tables, sequences and views of `db` now. Only tables for which `summed(name, kind)`
/// says so get their `AUTO_INCREMENT` counter and a checksum read (the others get `None`);
/// they are returned too.
async fn survey(
    conn: &mut Conn,
    db: &str,
    summed: impl Fn(&str, &str) -> bool,
) -> Res<(Survey, BTreeSet<String>, BTreeSet<String>)> {
    // The text protocol: every value arrives as text. Counters cost the server an open of each
    // table: they are read only where needed.
    let listed: Vec<(String, String)> = conn
        .query(format!(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = {}",
            quote_str(db)
        ))
        .await
        .map_err(err)?;
    let mut now = HashMap::new();
    let mut views = BTreeSet::new();
    for (name, kind) in listed {
        if kind == "VIEW" {
            views.insert(name);
        } else {
            now.insert(name, (kind, None, None));
        }
    }
    let picked: BTreeSet<String> = (now.iter())
        .filter(|(t, (kind, _, _))| summed(t, kind))
        .map(|(t, _)| t.clone())
        .collect();
    if picked.is_empty() {
        return Ok((now, views, picked));
    }
    let names: Vec<String> = picked.iter().map(|t| quote_str(t)).collect();
    let counters: Vec<(String, Option<String>)> = conn
        .query(format!(
            "SELECT table_name, auto_increment FROM information_schema.tables \
             WHERE table_schema = {} AND table_name IN ({})",
            quote_str(db),
            names.join(", ")
        ))
        .await
        .map_err(err)?;
    for (name, counter) in counters {
        if let Some(entry) = now.get_mut(&name) {
            entry.1 = counter;
        }
    }
    let qdb = quote_ident(db);
    let qualified: Vec<String> = (picked.iter())
        .map(|t| format!("{qdb}.{}", quote_ident(t)))
        .collect();
    let sums: Vec<(String, Option<String>)> = conn
        .query(format!("CHECKSUM TABLE {}", qualified.join(", ")))
        .await
        .map_err(err)?;
    let prefix = format!("{db}.");
    for (qualified, sum) in sums {
        let name = qualified.strip_prefix(&prefix).unwrap_or(&qualified);
        if let Some(entry) = now.get_mut(name) {
            entry.2 = sum;
        }
    }
    Ok((now, views, picked))
}

/// How the database differs from the baseline.
struct Diff {
    now: Survey,
    now_views: BTreeSet<String>,
    /// Baseline tables that are missing or whose definition changed: recreated.
    dirty: BTreeSet<String>,
    /// Baseline tables whose rows or counter changed, nothing else: emptied and refilled.
    refill: BTreeSet<String>,
    /// Tables and sequences that are not in the baseline.
    extra: BTreeSet<String>,
    /// Which kinds of object differ (in [`KINDS`] order), with `DROP` statements for the
    /// objects of that kind there are now.
    kinds: [Option<Vec<String>>; 4],
}

impl Diff {
    fn is_clean(&self) -> bool {
        self.dirty.is_empty()
            && self.refill.is_empty()
            && self.extra.is_empty()
            && self.kinds.iter().all(Option::is_none)
    }

    /// One batch that turns database `db` back into the baseline.
    fn restore_script(&self, base: &Baseline, db: &str, shadow: &str) -> String {
        let [triggers, views, routines, events] = self.kinds.each_ref().map(Option::is_some);
        let mut sql =
            String::from("SET @assay_mode = @@SESSION.sql_mode, SESSION foreign_key_checks = 0;\n");
        for drops in self.kinds.iter().flatten() {
            for statement in drops {
                sql.push_str(statement);
                sql.push_str(";\n");
            }
        }
        let gone: Vec<String> = self
            .dirty
            .iter()
            .chain(&self.extra)
            .filter(|t| self.now.contains_key(*t))
            .map(|t| quote_ident(t))
            .collect();
        if !gone.is_empty() {
            sql.push_str(&format!("DROP TABLE IF EXISTS {};\n", gone.join(", ")));
        }
        for table in &base.recipe.tables {
            let refill = self.refill.contains(&table.name);
            if refill {
                sql.push_str(&format!("DELETE FROM {};\n", quote_ident(&table.name)));
            } else if self.dirty.contains(&table.name) {
                sql.push_str(&table.create);
                sql.push_str(";\n");
            } else {
                continue;
            }
            let Some(mark) = base.marks.get(&table.name) else {
                continue;
            };
            if mark.saved {
                sql.push_str(&table.copy_rows(shadow, db));
            }
            if let (true, Some(counter)) = (refill, &mark.auto_increment) {
                sql.push_str(&format!(
                    "ALTER TABLE {} AUTO_INCREMENT = {counter};\n",
                    quote_ident(&table.name)
                ));
            }
        }
        if routines {
            for o in &base.recipe.routines {
                dump::push_object(&mut sql, o);
            }
        }
        if views {
            sql.push_str("SET SESSION sql_mode = @assay_mode;\n");
            for v in &base.recipe.views {
                sql.push_str(v);
                sql.push_str(";\n");
            }
        }
        let recreated =
            |o: &&Object| triggers || o.table.as_ref().is_some_and(|t| self.dirty.contains(t));
        for o in base.recipe.triggers.iter().filter(recreated) {
            dump::push_object(&mut sql, o);
        }
        if events {
            for o in &base.recipe.events {
                dump::push_object(&mut sql, o);
            }
        }
        sql.push_str("SET SESSION sql_mode = @assay_mode, SESSION foreign_key_checks = 1");
        sql
    }
}

/// `DROP` statements for every object of a kind in `db`.
async fn drops(
    conn: &mut Conn,
    db: &str,
    kind: Kind,
    views: &BTreeSet<String>,
) -> Res<Vec<String>> {
    let named: Vec<(String, String)> = match kind {
        Kind::View => {
            return Ok(views
                .iter()
                .map(|v| format!("DROP VIEW IF EXISTS {}", quote_ident(v)))
                .collect());
        }
        Kind::Trigger => {
            conn.exec(
                "SELECT 'TRIGGER', trigger_name FROM information_schema.triggers WHERE trigger_schema = ?",
                (db,),
            )
            .await
        }
        Kind::Routine => {
            conn.exec(
                "SELECT routine_type, routine_name FROM information_schema.routines WHERE routine_schema = ?",
                (db,),
            )
            .await
        }
        Kind::Event => {
            conn.exec(
                "SELECT 'EVENT', event_name FROM information_schema.events WHERE event_schema = ?",
                (db,),
            )
            .await
        }
    }
    .map_err(err)?;
    Ok(named
        .into_iter()
        .map(|(what, name)| format!("DROP {what} IF EXISTS {}", quote_ident(&name)))
        .collect())
}

/// What the statements a case ran can have changed (see the module docs).
struct Scan {
    /// Everything must be compared.
    everything: bool,
    /// The lowercased text of each statement other than data manipulation.
    ddl: Vec<String>,
    /// The lowercased text of each data manipulation statement.
    data: Vec<String>,
}

impl Scan {
    fn of(ran: &[String]) -> Scan {
        let mut scan = Scan {
            everything: false,
            ddl: Vec::new(),
            data: Vec::new(),
        };
        for statement in ran {
            match classify(statement) {
                Class::Data => scan.data.push(statement.to_lowercase()),
                Class::Ddl => scan.ddl.push(statement.to_lowercase()),
                Class::Opaque => scan.everything = true,
            }
        }
        scan
    }

    /// Whether a statement other than data manipulation names table `name`.
    fn names(&self, name: &str) -> bool {
        self.everything || names_in(&self.ddl, name)
    }

    /// Whether any statement names table `name`.
    fn mentions(&self, name: &str) -> bool {
        self.everything || names_in(&self.ddl, name) || names_in(&self.data, name)
    }

    /// Whether a statement other than data manipulation names this kind of object.
    fn touches(&self, kind: Kind) -> bool {
        self.everything
            || self
                .ddl
                .iter()
                .any(|s| kind.words().iter().any(|w| contains_word(s, w)))
    }
}

enum Class {
    /// Reads or writes rows, or sets session state: changes no definition.
    Data,
    /// Changes definitions named in its text.
    Ddl,
    /// Its effect cannot be read from its text.
    Opaque,
}

fn classify(statement: &str) -> Class {
    // One string the server runs as several statements (a `DELIMITER` chunk, text that could
    // not be split): its first word says nothing of the rest.
    match dbassay_dsl::scan::split(statement, dbassay_dsl::Dialect::Mysql) {
        Ok(parts) if parts.len() <= 1 => {}
        _ => return Class::Opaque,
    }
    let rest = dbassay_dsl::scan::skip_comments(statement);
    if rest.starts_with("/*") {
        return Class::Opaque; // an executable comment
    }
    if rest.starts_with('(') {
        return Class::Data;
    }
    let words: Vec<String> = rest
        .split_whitespace()
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let word = words.first().map_or("", |w| {
        let end = w
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(w.len());
        &w[..end]
    });
    match word {
        // Compound statements run anything; so do routines and prepared statements.
        "CALL" | "EXECUTE" | "PREPARE" | "IF" | "WHILE" | "LOOP" | "REPEAT" | "CASE" | "FOR" => {
            Class::Opaque
        }
        "BEGIN" if words.get(1).is_some_and(|w| w == "NOT") => Class::Opaque,
        "SET" if words.get(1).is_some_and(|w| w == "STATEMENT") => Class::Opaque,
        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "WITH" | "VALUES" | "TABLE"
        | "SHOW" | "DESCRIBE" | "DESC" | "EXPLAIN" | "DO" | "BEGIN" | "START" | "COMMIT"
        | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "LOCK" | "UNLOCK" | "HANDLER" | "LOAD"
        | "CHECKSUM" | "DEALLOCATE" | "SIGNAL" | "SET" => Class::Data,
        // Nothing but comments.
        "" if rest.trim().is_empty() => Class::Data,
        // A label (`l: BEGIN NOT ATOMIC …`) or anything else unknown.
        "" => Class::Opaque,
        _ if rest
            .split_whitespace()
            .next()
            .is_some_and(|w| w.ends_with(':')) =>
        {
            Class::Opaque
        }
        _ => Class::Ddl,
    }
}

/// Whether one of the (lowercased) statements names `name`, as written or backquote-escaped.
fn names_in(statements: &[String], name: &str) -> bool {
    let name = name.to_lowercase();
    let escaped = name.replace('`', "``");
    (statements.iter()).any(|s| contains_word(s, &name) || contains_word(s, &escaped))
}

/// Whether `word` occurs in `text` not as part of a longer identifier.
fn contains_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
    text.match_indices(word).any(|(at, _)| {
        !ident(text[..at].chars().next_back()) && !ident(text[at + word.len()..].chars().next())
    })
}

/// Compares the database with the baseline (see the module docs).
async fn compare(conn: &mut Conn, db: &str, base: &Baseline, scan: &Scan) -> Res<Diff> {
    // Rows change only in the tables statements name, unless something writes elsewhere on
    // their behalf: triggers, routines, events, views (writes through them), cascading
    // foreign keys — in the baseline or made by the case.
    let indirect = scan.everything
        || !base.recipe.triggers.is_empty()
        || !base.recipe.routines.is_empty()
        || !base.recipe.events.is_empty()
        || !base.views.is_empty()
        || (base.recipe.tables.iter())
            .any(|t| t.create.contains(" ON DELETE ") || t.create.contains(" ON UPDATE "))
        || [Kind::Trigger, Kind::Routine, Kind::Event, Kind::View]
            .into_iter()
            .any(|k| scan.touches(k));
    // Sequences are always summed: a column default may draw from one.
    let summed = |t: &str, kind: &str| indirect || kind == "SEQUENCE" || scan.mentions(t);
    let (mut now, now_views, picked) = survey(conn, db, summed).await?;
    // A table nothing could write keeps its rows and counter: the baseline's stand.
    for (name, entry) in now.iter_mut() {
        if !picked.contains(name)
            && let Some(mark) = base.marks.get(name)
        {
            entry.1 = mark.auto_increment.clone();
            entry.2 = mark.checksum.clone();
        }
    }
    let extra: BTreeSet<String> = now
        .keys()
        .filter(|t| !base.marks.contains_key(*t))
        .cloned()
        .collect();
    let mut dirty = BTreeSet::new();
    let mut refill = BTreeSet::new();
    for table in &base.recipe.tables {
        let Some(mark) = base.marks.get(&table.name) else {
            dirty.insert(table.name.clone());
            continue;
        };
        match now.get(&table.name) {
            Some((kind, auto, sum)) if *kind == mark.kind => {
                if *auto != mark.auto_increment || *sum != mark.checksum {
                    refill.insert(table.name.clone());
                }
            }
            _ => {
                dirty.insert(table.name.clone());
            }
        }
    }
    // Definitions change when DDL names the table, or a table its foreign keys reference (a
    // renamed parent, a renamed column).
    let touched: BTreeSet<&str> = (base.recipe.tables.iter())
        .map(|t| t.name.as_str())
        .filter(|t| dirty.contains(*t) || scan.names(t))
        .chain(extra.iter().map(String::as_str))
        .collect();
    let references = |create: &str| {
        create.contains("REFERENCES")
            && touched
                .iter()
                .any(|t| create.contains(&format!("REFERENCES {}", quote_ident(t))))
    };
    for table in &base.recipe.tables {
        if dirty.contains(&table.name)
            || !(touched.contains(table.name.as_str()) || references(&table.create))
        {
            continue;
        }
        let row: Option<Row> = conn
            .query_first(format!("SHOW CREATE TABLE {}", quote_ident(&table.name)))
            .await
            .map_err(err)?;
        let create = row
            .and_then(|r| r.get_opt::<String, _>(1))
            .and_then(|r| r.ok());
        let same = match create {
            // A refill puts the counter back; only the rest must be the same.
            Some(create) if refill.contains(&table.name) => {
                without_counter(&create) == without_counter(&table.create)
            }
            Some(create) => create == table.create,
            None => false,
        };
        if !same {
            refill.remove(&table.name);
            dirty.insert(table.name.clone());
        }
    }
    // Emptying a table fires its delete triggers and records history in a system-versioned
    // one: those are recreated instead.
    let refillable = |t: &Table| {
        !(base.recipe.triggers.iter()).any(|o| o.table.as_ref() == Some(&t.name))
            && !t.sequence
            && !t.create.contains("WITH SYSTEM VERSIONING")
    };
    for table in &base.recipe.tables {
        if refill.contains(&table.name) && !refillable(table) {
            refill.remove(&table.name);
            dirty.insert(table.name.clone());
        }
    }
    let mut kinds: [Option<Vec<String>>; 4] = Default::default();
    // Dropping or replacing a table drops its triggers, even when it comes back the same.
    let tables_with_triggers_named =
        (base.recipe.triggers.iter()).any(|o| o.table.as_deref().is_some_and(|t| scan.names(t)));
    for (i, kind) in KINDS.into_iter().enumerate() {
        let renamed = matches!(kind, Kind::View) && now_views != base.views;
        let named = matches!(kind, Kind::Trigger) && tables_with_triggers_named;
        if !renamed && !named && !scan.touches(kind) {
            continue;
        }
        if renamed || definitions(conn, db, kind).await? != base.definitions[i] {
            kinds[i] = Some(drops(conn, db, kind, &now_views).await?);
        }
    }
    Ok(Diff {
        now,
        now_views,
        dirty,
        refill,
        extra,
        kinds,
    })
}

/// The definitions of one kind of object, without the columns that record when.
async fn definitions(conn: &mut Conn, db: &str, kind: Kind) -> Res<Definitions> {
    let Some(query) = kind.query() else {
        let routines = dump::capture_routines(conn, db).await?;
        return Ok(routines
            .into_iter()
            .map(|o| vec![Some(o.sql_mode), Some(o.create)])
            .collect());
    };
    let rows: Vec<Row> = conn.exec(query, (db,)).await.map_err(err)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let keep: Vec<bool> = row
                .columns_ref()
                .iter()
                .map(|c| {
                    let name = c.name_str().to_ascii_uppercase();
                    !matches!(
                        name.as_str(),
                        "CREATED" | "LAST_ALTERED" | "LAST_EXECUTED" | "STARTS" | "ENDS"
                    )
                })
                .collect();
            row.unwrap()
                .into_iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(v, _)| value_text(v))
                .collect()
        })
        .collect())
}

/// Takes what `diff` found as the new baseline: re-reads changed and new tables, saves their
/// rows anew, forgets missing ones, and re-reads the kinds of object that changed (triggers
/// also when a table that has them changed).
async fn rebase(
    conn: &mut Conn,
    db: &str,
    shadow: &str,
    base: &mut Baseline,
    mut diff: Diff,
) -> Res<()> {
    let changed: BTreeSet<String> = (diff.dirty.iter())
        .chain(&diff.refill)
        .chain(&diff.extra)
        .cloned()
        .collect();
    let present: Vec<&str> = (changed.iter())
        .filter(|t| diff.now.contains_key(*t))
        .map(String::as_str)
        .collect();
    let mut columns = dump::stored_columns(conn, db, Some(&present)).await?;
    let nonempty = nonempty(conn, present.iter().copied()).await?;
    let triggers_moved = (base.recipe.triggers.iter())
        .any(|o| o.table.as_ref().is_some_and(|t| changed.contains(t)));
    let qshadow = quote_ident(shadow);
    let mut batch = String::new();
    for name in &changed {
        let was_saved = base.marks.remove(name).is_some_and(|m| m.saved);
        // Only rows changed: the shadow copy keeps its definition and gets the new rows.
        let refill = was_saved && diff.refill.contains(name) && nonempty.contains(name);
        if was_saved && !refill {
            batch.push_str(&format!("DROP TABLE {qshadow}.{};\n", quote_ident(name)));
        }
        base.recipe.tables.retain(|t| &t.name != name);
        let Some((kind, auto_increment, checksum)) = diff.now.remove(name) else {
            continue;
        };
        let table = dump::capture_table(
            conn,
            name.clone(),
            &kind,
            columns.remove(name).unwrap_or_default(),
        )
        .await?;
        let saved = nonempty.contains(name);
        if refill {
            batch.push_str(&format!("DELETE FROM {qshadow}.{};\n", quote_ident(name)));
            batch.push_str(&table.copy_rows(db, shadow));
        } else if saved {
            batch.push_str(&save_script(&table, db, shadow));
        }
        let mark = Mark {
            kind,
            auto_increment,
            checksum,
            saved,
        };
        base.marks.insert(name.clone(), mark);
        let at = (base.recipe.tables).partition_point(|t| t.name.as_str() < name.as_str());
        base.recipe.tables.insert(at, table);
    }
    if !batch.is_empty() {
        conn.query_drop(batch).await.map_err(err)?;
    }
    let [triggers, views, routines, events] = diff.kinds.each_ref().map(Option::is_some);
    if triggers || triggers_moved {
        base.recipe.triggers = dump::capture_triggers(conn, db).await?;
        base.definitions[0] = definitions(conn, db, Kind::Trigger).await?;
    }
    if views {
        base.recipe.views =
            dump::capture_views(conn, diff.now_views.iter().cloned().collect()).await?;
        base.definitions[1] = definitions(conn, db, Kind::View).await?;
        base.views = diff.now_views;
    }
    if routines {
        base.recipe.routines = dump::capture_routines(conn, db).await?;
        base.definitions[2] = definitions(conn, db, Kind::Routine).await?;
    }
    if events {
        base.recipe.events = dump::capture_events(conn, db).await?;
        base.definitions[3] = definitions(conn, db, Kind::Event).await?;
    }
    Ok(())
}

/// The tables among `names` that hold at least one row.
async fn nonempty<'a>(
    conn: &mut Conn,
    names: impl Iterator<Item = &'a str>,
) -> Res<BTreeSet<String>> {
    let parts: Vec<String> = names
        .map(|t| {
            format!(
                "SELECT {} FROM DUAL WHERE EXISTS (SELECT 1 FROM {})",
                quote_str(t),
                quote_ident(t)
            )
        })
        .collect();
    if parts.is_empty() {
        return Ok(BTreeSet::new());
    }
    let rows: Vec<String> = conn.query(parts.join(" UNION ALL ")).await.map_err(err)?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_classified_by_their_first_word() {
        assert!(matches!(
            classify("  INSERT INTO t VALUES (1)"),
            Class::Data
        ));
        assert!(matches!(classify("/* c */ select 1"), Class::Data));
        assert!(matches!(
            classify("-- c\nALTER TABLE t ADD c int"),
            Class::Ddl
        ));
        assert!(matches!(classify("CALL p()"), Class::Opaque));
        assert!(matches!(
            classify("/*!50001 CREATE VIEW v AS SELECT 1 */"),
            Class::Opaque
        ));
        assert!(matches!(
            classify("SET STATEMENT max_statement_time=1 FOR ALTER TABLE t FORCE"),
            Class::Opaque
        ));
        assert!(matches!(classify("SET @a = 1"), Class::Data));
        assert!(matches!(
            classify("INSERT INTO a VALUES (1); ALTER TABLE b ADD c int"),
            Class::Opaque
        ));
        assert!(matches!(
            classify("BEGIN NOT ATOMIC ALTER TABLE b ADD c int; END"),
            Class::Opaque
        ));
        assert!(matches!(
            classify("lbl: BEGIN NOT ATOMIC END"),
            Class::Opaque
        ));
        assert!(matches!(
            classify("IF 1 THEN DROP TABLE t; END IF"),
            Class::Opaque
        ));
        assert!(matches!(
            classify("INSERT INTO t VALUES (';')"),
            Class::Data
        ));
        assert!(matches!(classify("-- only a comment"), Class::Data));
    }

    #[test]
    fn names_are_matched_as_whole_identifiers() {
        let scan = Scan::of(&["ALTER TABLE `items` ADD COLUMN c2 int".to_string()]);
        assert!(scan.names("items"));
        assert!(scan.names("ITEMS"));
        assert!(!scan.names("item"));
        assert!(!scan.names("c"));
        assert!(!scan.touches(Kind::Trigger));
        let scan = Scan::of(&[
            "create trigger trg before insert on t for each row set new.a = 1".to_string(),
        ]);
        assert!(scan.touches(Kind::Trigger));
        assert!(scan.names("t"));
        assert!(!Scan::of(&["INSERT INTO items VALUES (1)".to_string()]).names("items"));
    }
}
