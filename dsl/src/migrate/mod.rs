//! Migration directories: which files a directory holds, in which order, what each one runs, and
//! whether `atlas.sum` still matches them.
//!
//! [`Dir::open`] reads a directory in one of five formats:
//!
//! | format | files | version | what runs |
//! |---|---|---|---|
//! | [`Format::Atlas`] | top-level `*.sql`, byte order of names | text before the first `_` | the whole file, split by the dialect's scanner; `-- atlas:` directives |
//! | [`Format::GolangMigrate`] | top-level `*.up.sql` (downs ignored) | digits before the first `_` | the whole file |
//! | [`Format::Goose`] | top-level `*.sql` | digits before the first `_` | the `-- +goose Up` section, cut the way goose cuts it |
//! | [`Format::Flyway`] | `V…__`, `B…__`, `R__…` `*.sql`, recursive, hidden dirs skipped | dotted numbers (`2.1`), compared numerically | the whole file; baseline, then versioned, then repeatables |
//! | [`Format::Dbmate`] | top-level `*.sql` | text before the first `_` | the `-- migrate:up` section |
//!
//! Golang-migrate and goose files are ordered by their numeric version (what those tools do;
//! for same-width versions this is Atlas's name order). Versions stay strings: Atlas versions
//! have 20 digits in the wild.
//!
//! Statements come from [`MigrationFile::statements`]. Atlas uses a generic scanner for the
//! foreign formats; we use the dialect's scanner for every format (goose's own cutting aside),
//! because that is how the database the tool sends the file to reads it: a SQLite trigger in a
//! dbmate file stays whole, a MySQL `#` comment hides its quotes.
//!
//! `atlas.sum` ([`sum_text`], [`validate`]) is computed over the files a format lists, in its
//! order. Atlas directories must have one; other formats are checked only when one is present
//! (Atlas writes one for goose directories, for instance).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::dialect::Dialect;
use crate::scan::{self, ScanOptions, Statement};
use crate::source::{Error, Location, SourceFile};

mod directive;
mod formats;
mod sum;

pub use sum::{file_hashes, sum_text, validate};

/// The layout of a migration directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Atlas,
    GolangMigrate,
    Goose,
    Flyway,
    Dbmate,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Atlas,
        Format::GolangMigrate,
        Format::Goose,
        Format::Flyway,
        Format::Dbmate,
    ];

    /// The name used in `?format=` and in assay's files.
    pub fn name(self) -> &'static str {
        match self {
            Format::Atlas => "atlas",
            Format::GolangMigrate => "golang-migrate",
            Format::Goose => "goose",
            Format::Flyway => "flyway",
            Format::Dbmate => "dbmate",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    /// The message for an unknown name, listing the valid ones.
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown migration directory format {s:?}: use one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Whether a file runs inside a transaction of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TxMode {
    /// One transaction per file (the default).
    #[default]
    File,
    /// No transaction: `-- atlas:txmode none`, `-- +goose NO TRANSACTION`,
    /// `-- migrate:up transaction:false`.
    None,
}

/// The kind of a file in a flyway directory; every other format has only versioned files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FileKind {
    #[default]
    Versioned,
    /// Flyway `B<version>__…`: the state at that version, replacing the versioned files ≤ it.
    Baseline,
    /// Flyway `R__…`: runs after the versioned files.
    Repeatable,
}

/// A pre-migration check of an `-- atlas:txtar` file (`checks.sql` or `checks/<x>.sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// The archive member: `checks.sql` or `checks/<x>.sql`.
    pub name: String,
    /// `-- atlas:assert oneof`: at least one statement must be true, rather than all.
    pub oneof: bool,
    /// The assertions; offsets and lines are in the migration file.
    pub statements: Vec<Statement>,
}

/// One migration file.
#[derive(Clone, Debug)]
pub struct MigrationFile {
    /// The name as hashed into `atlas.sum`: the file name, or the path below the directory with
    /// `/` separators (flyway sub-directories).
    pub name: String,
    pub path: PathBuf,
    pub version: String,
    pub description: String,
    pub kind: FileKind,
    /// The whole file.
    pub text: String,
    pub txmode: TxMode,
    /// `-- atlas:delimiter` on the first line, unescaped.
    pub delimiter: Option<String>,
    /// `-- atlas:nolint [names]` in the header: accepted, no effect.
    pub nolint: Option<Vec<String>>,
    /// `atlas:sum ignore` on the first line: only the name goes into `atlas.sum`.
    pub sum_ignore: bool,
    /// `-- atlas:checkpoint [tag]` in the header: accepted, no effect yet.
    pub checkpoint: Option<String>,
    body: Body,
    checks: Vec<CheckSection>,
}

/// Where a file's statements come from.
#[derive(Clone, Debug)]
enum Body {
    /// A byte range of the text, split by the dialect's scanner.
    Scan(Range<usize>),
    /// Statements the format already cut (goose).
    Cut(Vec<Statement>),
}

#[derive(Clone, Debug)]
struct CheckSection {
    name: String,
    oneof: bool,
    range: Range<usize>,
}

impl MigrationFile {
    /// The statements to run on `dialect`, in order; offsets and lines are in [`Self::text`].
    pub fn statements(&self, dialect: Dialect) -> Result<Vec<Statement>, Error> {
        match &self.body {
            Body::Cut(stmts) => Ok(stmts.clone()),
            Body::Scan(range) => self.scan_range(range, dialect),
        }
    }

    /// The pre-migration checks of an `-- atlas:txtar` file (empty for other files).
    pub fn checks(&self, dialect: Dialect) -> Result<Vec<Check>, Error> {
        self.checks
            .iter()
            .map(|c| {
                Ok(Check {
                    name: c.name.clone(),
                    oneof: c.oneof,
                    statements: self.scan_range(&c.range, dialect)?,
                })
            })
            .collect()
    }

    fn scan_range(&self, range: &Range<usize>, dialect: Dialect) -> Result<Vec<Statement>, Error> {
        let src = self.source();
        let mut stmts = scan::split_with(
            &self.text[range.clone()],
            &ScanOptions::for_dialect(dialect),
        )
        .map_err(|e| {
            Error::new(
                src.location(range.start + e.offset),
                format!("{}; the file cannot be split into statements", e.message),
            )
        })?;
        if range.start > 0 {
            for s in &mut stmts {
                s.offset += range.start;
                s.line = src.line_col(s.offset).0;
            }
        }
        Ok(stmts)
    }

    fn source(&self) -> SourceFile {
        SourceFile::new(&self.path, self.text.as_str())
    }
}

/// A migration directory, its files in the order they apply.
#[derive(Clone, Debug)]
pub struct Dir {
    pub path: PathBuf,
    pub format: Format,
    pub files: Vec<MigrationFile>,
    /// The text of `atlas.sum`, when the directory has one.
    pub sum: Option<String>,
}

impl Dir {
    /// Reads a directory: lists its migration files, reads them, parses names and directives.
    /// Statements are split later, per dialect ([`MigrationFile::statements`]).
    pub fn open(path: impl AsRef<Path>, format: Format) -> Result<Dir, Error> {
        let path = path.as_ref();
        let files = formats::read(path, format)?;
        let sum_path = path.join(sum::SUM_FILE);
        let sum = match std::fs::read(&sum_path) {
            Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
                Error::new(Location::file(&sum_path), "checksum file format invalid: atlas.sum is not UTF-8; run \"assay migrate hash\" to rewrite it")
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::new(Location::file(&sum_path), format!("cannot read file: {e}"))),
        };
        Ok(Dir {
            path: path.to_path_buf(),
            format,
            files,
            sum,
        })
    }

    /// The index of the (last) file with `version`, for `migrate { to = "V" }`. An unknown
    /// version is an error naming the closest versions there are.
    pub fn position(&self, version: &str) -> Result<usize, Error> {
        if let Some(i) = self.files.iter().rposition(|f| f.version == version) {
            return Ok(i);
        }
        let here = Location::file(&self.path);
        if self.files.is_empty() {
            return Err(Error::new(
                here,
                format!(
                    "migration with version {version:?} not found: the directory has no migration files"
                ),
            ));
        }
        // The neighbours: where the version would sit among the existing ones.
        let after = self
            .files
            .iter()
            .position(|f| self.format.version_cmp(&f.version, version).is_gt());
        // The closest spelling; ties go to the version nearest to where it would sit.
        let slot = after.unwrap_or(self.files.len());
        let closest = self
            .files
            .iter()
            .enumerate()
            .min_by_key(|(i, f)| (edit_distance(&f.version, version), slot.abs_diff(*i + 1)))
            .map(|(_, f)| f.version.as_str())
            .unwrap_or_default();
        let mut around = Vec::new();
        match after {
            Some(0) => around.push(format!("the first is {:?}", self.files[0].version)),
            Some(i) => {
                around.push(format!("{:?} comes before it", self.files[i - 1].version));
                around.push(format!("{:?} after it", self.files[i].version));
            }
            None => around.push(format!(
                "the last is {:?}",
                self.files[self.files.len() - 1].version
            )),
        }
        Err(Error::new(
            here,
            format!(
                "migration with version {version:?} not found. Did you mean {closest:?}? ({})",
                around.join(", ")
            ),
        ))
    }

    /// Content hashes for caching migrated states: entry `i` covers the format and the names and
    /// bytes of files `0..=i`, so editing file `k` changes the hashes from `k` on only.
    pub fn prefix_hashes(&self) -> Vec<[u8; 32]> {
        let mut h = Sha256::new();
        h.update(b"assay migrate dir v1\0");
        h.update(self.format.name().as_bytes());
        let mut out = Vec::with_capacity(self.files.len());
        for f in &self.files {
            // Length prefixes keep ("ab","c") and ("a","bc") apart.
            for part in [f.name.as_bytes(), f.text.as_bytes()] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part);
            }
            out.push(h.clone().finalize().into());
        }
        out
    }
}

impl Format {
    /// How this format orders two versions.
    pub fn version_cmp(self, a: &str, b: &str) -> std::cmp::Ordering {
        match self {
            Format::Flyway => formats::flyway_version_cmp(a, b),
            Format::GolangMigrate | Format::Goose => formats::numeric_cmp(a, b),
            Format::Atlas | Format::Dbmate => a.cmp(b),
        }
    }
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;
