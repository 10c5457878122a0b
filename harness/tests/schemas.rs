//! Equivalence of Atlas HCL schemas and hand-written SQL, checked by the engines themselves.
//!
//! Every directory under `testdata/schemas/` is a fixture: an HCL schema (`schema.hcl`, or a
//! directory `schema/` of `.hcl` files read as one document), the SQL a person writes for the
//! same database (`schema.sql`, or `schema.<engine>.sql` where the engines need different SQL),
//! and `engines.txt` (one of `postgres`, `mariadb`, `sqlite` per line). On each engine, one trial
//! renders the HCL for the engine's dialect (through the harness, as a run does), applies it to
//! one fresh database and the SQL to another, and compares the two catalogs as the engine reports
//! them:
//!
//! - PostgreSQL: `pg_dump --schema-only`, without comments, `SET` lines and blank lines;
//! - MariaDB: `SHOW CREATE` of every table, view, trigger, function and procedure, with the
//!   database's own name blanked;
//! - SQLite: the pragmas of every table (columns, keys, indexes, options) and the `sqlite_master`
//!   text of indexes, views, triggers and checks, with quoting, case and spacing normalised.
//!
//! So the translation is checked against the engine, never against itself. An engine missing
//! on this machine skips its trials loudly, unless `CI` is set: then they fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use dbassay::engine::{Dialect, Outcome, Session};
use dbassay::provision::{self, Database, Server};
use dbassay::run::sql;
use dbassay::run::target::DesiredState;
use dbassay_dsl::hcl::{Inputs, Sql};
use dbassay_dsl::source::Location;
use libtest_mimic::{Arguments, Failed, Trial};

const ENGINES: [(&str, &str); 3] = [
    ("postgres", "local://postgres"),
    ("mariadb", "local://mariadb"),
    ("sqlite", "sqlite://dev?mode=memory"),
];

/// One engine's server, started by the first trial that needs it.
type ServerCell = OnceLock<Result<Arc<dyn Server>, String>>;

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/schemas");
    let servers: Arc<[ServerCell; 3]> = Arc::new(Default::default());
    let mut trials = Vec::new();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    for fixture in fixtures {
        let name = fixture.file_name().unwrap().to_string_lossy().to_string();
        let engines = std::fs::read_to_string(fixture.join("engines.txt"))
            .unwrap_or_else(|e| panic!("{}/engines.txt: {e}", fixture.display()));
        for engine in engines.split_whitespace() {
            let Some(index) = ENGINES.iter().position(|(e, _)| *e == engine) else {
                panic!(
                    "{}/engines.txt: unknown engine {engine:?}",
                    fixture.display()
                );
            };
            let (engine, url) = ENGINES[index];
            let ignored = match available(url) {
                Ok(()) => false,
                Err(missing) => {
                    eprintln!("!!! SKIPPED {name} on {engine}: {missing} (set CI=true to fail)");
                    true
                }
            };
            let (fixture, servers) = (fixture.clone(), servers.clone());
            let trial = Trial::test(format!("{engine}::{name}"), move || {
                let server = servers[index]
                    .get_or_init(|| {
                        let dev = dbassay_dsl::url::parse(url)?;
                        provision::open(&dev).map_err(|e| e.to_string())
                    })
                    .clone()?;
                check(&fixture, engine, server.as_ref()).map_err(Failed::from)
            });
            trials.push(trial.with_ignored_flag(ignored));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    provision::cleanup::run_all();
    conclusion.exit()
}

fn available(url: &str) -> Result<(), String> {
    if std::env::var_os("CI").is_some() {
        return Ok(());
    }
    provision::available(url).map_err(|e| e.to_string())
}

/// Applies both schemas on `engine` and compares the catalogs.
fn check(fixture: &Path, engine: &str, server: &dyn Server) -> Result<(), String> {
    let hcl_url = if fixture.join("schema.hcl").exists() {
        fixture.join("schema.hcl")
    } else {
        fixture.join("schema")
    };
    let state = DesiredState::load(&[hcl_url.display().to_string()], &Inputs::default())?;
    let rendered = state.applied(server.dialect())?;
    let sql_path = [format!("schema.{engine}.sql"), "schema.sql".to_string()]
        .into_iter()
        .map(|f| fixture.join(f))
        .find(|p| p.exists())
        .ok_or("the fixture has no schema.sql")?;
    let hand = read_sql(&sql_path)?;

    let from_hcl = server.create().map_err(|e| e.to_string())?;
    let from_sql = server.create().map_err(|e| e.to_string())?;
    let ddl: String = rendered.iter().map(|s| s.text.as_str()).collect();
    apply(from_hcl.as_ref(), &rendered).map_err(|e| format!("{e}\n--- rendered DDL:\n{ddl}"))?;
    apply(from_sql.as_ref(), &[hand])?;
    let a = catalog(from_hcl.as_ref(), server.dialect())?;
    let b = catalog(from_sql.as_ref(), server.dialect())?;
    if a == b {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(&b, &a)
        .unified_diff()
        .header("from schema.sql", "from schema.hcl")
        .to_string();
    Err(format!(
        "the catalogs differ on {engine}:\n{diff}\n--- rendered DDL:\n{ddl}"
    ))
}

fn read_sql(path: &Path) -> Result<Sql, String> {
    Ok(Sql {
        text: std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        start: Location {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
        },
        exact: true,
        origins: Vec::new(),
    })
}

fn apply(db: &dyn Database, files: &[Sql]) -> Result<(), String> {
    let mut session = db.connect().map_err(|e| e.to_string())?;
    for file in files {
        sql::run_each(session.as_mut(), file, |_| {}).map_err(|f| f.describe())?;
    }
    Ok(())
}

fn catalog(db: &dyn Database, dialect: Dialect) -> Result<String, String> {
    match dialect {
        Dialect::Postgres => pg_dump(db),
        Dialect::Mysql => show_create(db),
        Dialect::Sqlite => sqlite_catalog(db),
    }
}

/// `pg_dump --schema-only`, normalised: comments, `SET` lines and blank lines removed, each
/// line trimmed (function bodies keep their text, not their indentation).
fn pg_dump(db: &dyn Database) -> Result<String, String> {
    let bin = Path::new("/usr/lib/postgresql/15/bin/pg_dump");
    let bin = if bin.exists() {
        bin.to_path_buf()
    } else {
        PathBuf::from("pg_dump")
    };
    let out = Command::new(bin)
        .args(["--schema-only", "--no-owner", "--no-privileges", "--dbname"])
        .arg(db.url())
        .output()
        .map_err(|e| format!("pg_dump: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let dump = String::from_utf8_lossy(&out.stdout);
    let lines = dump.lines().map(str::trim).filter(|l| {
        !(l.is_empty()
            || l.starts_with("--")
            || l.starts_with("SET ")
            || l.starts_with("SELECT pg_catalog.set_config")
            // pg_dump's per-run random key (`\restrict KEY`).
            || l.starts_with("\\restrict")
            || l.starts_with("\\unrestrict"))
    });
    // A body that starts on the line after `AS $$` is the same body.
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        if !l.ends_with("$$") {
            out.push('\n');
        }
    }
    Ok(out)
}

fn rows(session: &mut dyn Session, statement: &str) -> Result<Vec<Vec<String>>, String> {
    match session
        .run(statement)
        .map_err(|e| format!("{statement}: {e}"))?
    {
        Outcome::Rows(grid) => Ok(grid
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(Option::unwrap_or_default).collect())
            .collect()),
        Outcome::Done { .. } => Ok(Vec::new()),
    }
}

/// The MariaDB catalog: `SHOW CREATE` of every table and view (keys in name order: MariaDB lists
/// them in the order they were added, which says nothing about the table), and the
/// `information_schema` rows of triggers, routines and their parameters (`SHOW CREATE` of those
/// repeats the text as written). The database's own name is blanked.
fn show_create(db: &dyn Database) -> Result<String, String> {
    let mut s = db.connect().map_err(|e| e.to_string())?;
    let s = s.as_mut();
    let name = rows(s, "SELECT DATABASE()")?
        .first()
        .and_then(|r| r.first().cloned())
        .ok_or("no database selected")?;
    let mut out = String::new();
    let tables = "SELECT table_name, table_type FROM information_schema.tables \
                  WHERE table_schema = DATABASE() ORDER BY table_name";
    for row in rows(s, tables)? {
        let (object, show) = match row[1].as_str() {
            "VIEW" => (&row[0], "VIEW"),
            _ => (&row[0], "TABLE"),
        };
        let created = rows(s, &format!("SHOW CREATE {show} `{object}`"))?;
        let text = (created.first().and_then(|r| r.get(1)))
            .cloned()
            .unwrap_or_default()
            .replace(&format!("`{name}`."), "");
        out.push_str(&format!("{show} {object}:\n{}\n\n", keys_sorted(&text)));
    }
    for query in [
        "SELECT trigger_name, event_manipulation, event_object_table, action_order, \
         action_orientation, action_timing, action_statement FROM information_schema.triggers \
         WHERE trigger_schema = DATABASE() ORDER BY trigger_name",
        "SELECT routine_type, routine_name, data_type, dtd_identifier, routine_body, \
         routine_definition, is_deterministic, sql_data_access, security_type, routine_comment \
         FROM information_schema.routines WHERE routine_schema = DATABASE() \
         ORDER BY routine_type, routine_name",
        "SELECT specific_name, ordinal_position, parameter_mode, parameter_name, dtd_identifier \
         FROM information_schema.parameters WHERE specific_schema = DATABASE() \
         ORDER BY specific_name, ordinal_position",
    ] {
        for row in rows(s, query)? {
            out.push_str(&format!(
                "{}\n",
                row.join(" | ").replace(&format!("`{name}`."), "")
            ));
        }
    }
    Ok(out)
}

/// A `CREATE TABLE` with its key and constraint lines in name order (columns keep theirs).
fn keys_sorted(create: &str) -> String {
    let mut lines: Vec<String> = create
        .lines()
        .map(|l| l.trim_end_matches(',').to_string())
        .collect();
    let keys: Vec<usize> = (lines.iter().enumerate())
        .filter(|(_, l)| l.starts_with("  ") && !l.starts_with("  `"))
        .map(|(i, _)| i)
        .collect();
    let mut sorted: Vec<String> = keys.iter().map(|&i| lines[i].clone()).collect();
    sorted.sort();
    for (i, line) in keys.into_iter().zip(sorted) {
        lines[i] = line;
    }
    lines.join("\n")
}

/// The SQLite catalog: per table its pragmas, and the normalised text of what pragmas do not
/// show (index expressions and conditions, checks, views, triggers).
fn sqlite_catalog(db: &dyn Database) -> Result<String, String> {
    let mut s = db.connect().map_err(|e| e.to_string())?;
    let s = s.as_mut();
    let mut out = String::new();
    let objects = rows(
        s,
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master \
         WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?;
    for o in &objects {
        let (kind, name, table, text) = (&o[0], &o[1], &o[2], &o[3]);
        out.push_str(&format!("{kind} {name} on {table}\n"));
        match kind.as_str() {
            "table" => {
                for q in [
                    "SELECT type, ncol, wr, strict FROM pragma_table_list WHERE name = ?",
                    "SELECT cid, name, lower(type), \"notnull\", dflt_value, pk, hidden \
                     FROM pragma_table_xinfo(?)",
                    "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete \
                     FROM pragma_foreign_key_list(?)",
                    "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) \
                     ORDER BY name",
                ] {
                    for row in rows(s, &q.replace('?', &format!("'{name}'")))? {
                        let mut row: Vec<String> = row.iter().map(|v| unwrap_default(v)).collect();
                        if q.contains("table_xinfo") {
                            // SQLite keeps only the affinity: `varchar(120)` is `varchar`.
                            row[2] = row[2].split('(').next().unwrap_or("").trim().to_string();
                        }
                        out.push_str(&format!("  {}\n", row.join(" | ")));
                    }
                }
                for check in checks(text) {
                    out.push_str(&format!("  check {check}\n"));
                }
            }
            "index" => {
                let q =
                    format!("SELECT seqno, cid, name, desc, key FROM pragma_index_xinfo('{name}')");
                for row in rows(s, &q)? {
                    out.push_str(&format!("  {}\n", row.join(" | ")));
                }
                out.push_str(&format!("  {}\n", normalise(text)));
            }
            "view" => {
                for row in rows(s, &format!("SELECT name FROM pragma_table_xinfo('{name}')"))? {
                    out.push_str(&format!("  column {}\n", row.join(" | ")));
                }
                out.push_str(&format!("  {}\n", normalise(text)));
            }
            _ => out.push_str(&format!("  {}\n", normalise(text))),
        }
    }
    Ok(out)
}

/// A default as SQLite keeps it, with one pair of wrapping parentheses dropped: `(x)` and `x`
/// are the same default.
fn unwrap_default(v: &str) -> String {
    let t = v.trim();
    match t.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) if balanced(inner) => inner.trim().to_string(),
        _ => t.to_string(),
    }
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// The `CHECK (…)` clauses of a `CREATE TABLE`, normalised, in order, with their names.
fn checks(create: &str) -> Vec<String> {
    let text = normalise(create);
    let mut found = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("check(") {
        let before = &rest[..i];
        let name = before
            .trim_end()
            .rsplit_once("constraint ")
            .map(|(_, n)| n.trim().to_string())
            .filter(|n| !n.contains([',', '(', ')']))
            .unwrap_or_default();
        let body = &rest[i + "check".len()..];
        let mut depth = 0;
        let mut end = body.len();
        for (j, c) in body.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.push(format!("{name} {}", &body[..end]));
        rest = &body[end..];
    }
    found
}

/// Case, identifier quotes and spacing normalised, a trailing `;` dropped.
fn normalise(sql: &str) -> String {
    let lowered: String = sql
        .chars()
        .filter(|c| !matches!(c, '`' | '"'))
        .collect::<String>()
        .to_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().collect();
    let mut out = words.join(" ");
    for p in ["(", ")", ",", ";"] {
        out = out
            .replace(&format!(" {p}"), p)
            .replace(&format!("{p} "), p);
    }
    unwrap_groups(out.trim_end_matches(';'))
}

/// `((x))` is `(x)`: a pair of parentheses whose only content is another parenthesised group
/// is dropped (Atlas wraps index expressions; SQLite keeps the text as written).
fn unwrap_groups(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    loop {
        let mut matching = vec![None; chars.len()];
        let mut open = Vec::new();
        for (i, c) in chars.iter().enumerate() {
            match c {
                '(' => open.push(i),
                ')' => {
                    if let Some(o) = open.pop() {
                        matching[o] = Some(i);
                    }
                }
                _ => {}
            }
        }
        let redundant = (0..chars.len())
            .find(|&i| matching[i].is_some_and(|j| j > i + 1 && matching[i + 1] == Some(j - 1)));
        match redundant {
            Some(i) => {
                let j = matching[i].unwrap_or(i);
                chars.remove(j);
                chars.remove(i);
            }
            None => return chars.into_iter().collect(),
        }
    }
}
