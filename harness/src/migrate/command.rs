//! `assay migrate hash | validate | apply`: the directory commands, with Atlas's spellings.
//!
//! ```text
//! assay migrate hash     [--dir file://migrations] [--dir-format F]   writes atlas.sum
//! assay migrate validate [--dir …] [--dir-format F] [--dev-url URL]   checks atlas.sum and splitting
//! assay migrate apply --url URL [--dir …] [--to-version V] [AMOUNT]    applies pending files
//! ```

use std::time::Duration;

use clap::{Args, Subcommand};
use dbassay_dsl::migrate::{Dir, sum_text, validate};

use super::apply::{Event, Pending, apply_file, pending};
use super::revisions::Revisions;
use super::{DirSpec, Migrations};
use crate::provision;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write atlas.sum for the migration directory.
    Hash(DirArgs),
    /// Check atlas.sum, and that every file splits into statements.
    Validate {
        #[command(flatten)]
        dir: DirArgs,
        /// Check splitting with this database's dialect (default: every dialect assay knows).
        #[arg(long = "dev-url")]
        dev_url: Option<String>,
    },
    /// Apply pending migration files to a database.
    Apply(ApplyArgs),
}

#[derive(Args, Debug, Clone)]
pub struct DirArgs {
    /// The migration directory: file://path[?format=F]. Default: file://migrations.
    #[arg(long = "dir")]
    pub dir: Option<String>,
    /// atlas, golang-migrate, goose, flyway or dbmate.
    #[arg(long = "dir-format")]
    pub dir_format: Option<String>,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The database to migrate (sqlite://file.db, postgres://…, mysql://…/db).
    #[arg(short = 'u', long = "url")]
    url: String,
    /// PostgreSQL: the schema holding atlas_schema_revisions.
    #[arg(long = "revisions-schema")]
    revisions_schema: Option<String>,
    /// Apply up to and including this version.
    #[arg(long = "to-version")]
    to_version: Option<String>,
    /// Apply at most this many files.
    amount: Option<usize>,
}

impl DirArgs {
    fn spec(&self) -> DirSpec {
        DirSpec {
            url: self.dir.clone(),
            format: self.dir_format.clone(),
            ..DirSpec::default()
        }
    }
}

/// Runs one command; `Ok(false)` is a failure already reported.
pub fn run(command: Command) -> Result<bool, String> {
    match command {
        Command::Hash(args) => hash(&args),
        Command::Validate { dir, dev_url } => validate_dir(&dir, dev_url.as_deref()),
        Command::Apply(args) => apply_cmd(&args),
    }
}

fn open(spec: &DirSpec) -> Result<Dir, String> {
    let (path, format) = spec.resolve()?;
    if !path.is_dir() {
        return Err(format!(
            "the migration directory {} does not exist",
            path.display()
        ));
    }
    Dir::open(&path, format).map_err(|e| e.to_string())
}

/// Writes `atlas.sum` and nothing else.
fn hash(args: &DirArgs) -> Result<bool, String> {
    let dir = open(&args.spec())?;
    let path = dir.path.join("atlas.sum");
    std::fs::write(&path, sum_text(&dir))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}

fn validate_dir(args: &DirArgs, dev_url: Option<&str>) -> Result<bool, String> {
    let dir = open(&args.spec())?;
    if let Err(e) = validate(&dir) {
        eprintln!("You have a checksum error in your migration directory.\nError: {e}");
        return Ok(false);
    }
    let dialects = match dev_url {
        // The URL names the dialect; nothing needs to start to check the files.
        Some(url) => vec![dbassay_dsl::url::parse(url)?.dialect()],
        None => vec![
            dbassay_dsl::Dialect::Postgres,
            dbassay_dsl::Dialect::Mysql,
            dbassay_dsl::Dialect::Sqlite,
        ],
    };
    let mut ok = true;
    for dialect in dialects {
        for f in &dir.files {
            if let Err(e) = f.statements(dialect).and_then(|_| f.checks(dialect)) {
                eprintln!("Error ({dialect}): {e}");
                ok = false;
            }
        }
    }
    Ok(ok)
}

fn apply_cmd(args: &ApplyArgs) -> Result<bool, String> {
    let spec = DirSpec {
        revisions_schema: args.revisions_schema.clone(),
        ..args.dir.spec()
    };
    let migrations = Migrations::open(&spec);
    let dir = migrations.dir()?;
    let mut session = provision::connect::connect(&args.url).map_err(|e| e.to_string())?;
    let revisions = Revisions::new(session.dialect(), migrations.revisions_schema.as_deref());
    let Pending { next, last, resume } = pending(
        session.as_mut(),
        &migrations,
        &revisions,
        args.to_version.as_deref(),
        args.amount,
    )?;
    if next >= last {
        println!("No migration files to execute");
        return Ok(true);
    }
    let target = &dir.files[last - 1].version;
    let count = last - next;
    match next.checked_sub(1) {
        Some(i) => println!(
            "Migrating to version {target} from {} ({count} migrations in total):",
            dir.files[i].version
        ),
        None => println!("Migrating to version {target} ({count} migrations in total):"),
    }
    let mut statements = 0;
    let mut total = Duration::ZERO;
    let mut observe = |e: Event<'_>| match e {
        Event::File(f) => println!("\n  -- migrating version {}", f.version),
        Event::Statement(s) => {
            statements += 1;
            println!("    -> {}", s.replace('\n', "\n       "));
        }
        Event::Done(_, d) => {
            total += d;
            println!("  -- ok ({})", show(d));
        }
    };
    for i in next..last {
        let from = if i == next { resume } else { 0 };
        if let Err(e) = apply_file(
            session.as_mut(),
            &migrations,
            &revisions,
            i,
            from,
            &mut observe,
        ) {
            println!("  -- failed\n");
            eprintln!("Error: {e}");
            return Ok(false);
        }
    }
    println!("\n  -------------------------");
    println!("  -- {}", show(total));
    println!("  -- {count} migrations");
    println!("  -- {statements} sql statements");
    Ok(true)
}

/// A duration as Go prints one, roughly: `12.345ms`, `1.2s`.
fn show(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{:.3}s", d.as_secs_f64())
    } else if d.as_millis() >= 1 {
        format!("{:.3}ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{}µs", d.as_micros())
    }
}
