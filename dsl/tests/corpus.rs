//! The real-world migration directories of `shared/corpus/` (beside the repository checkout):
//! every one opens in its format, every file's statements split on its engine, and every
//! `atlas.sum` is reproduced byte for byte. The corpus is read only.

use std::path::{Path, PathBuf};
use std::time::Instant;

use dbassay_dsl::Dialect;
use dbassay_dsl::migrate::{Dir, FileKind, Format, TxMode, sum_text, validate};

/// `$ASSAY_CORPUS`, else `shared/corpus` beside the checkout (`../../shared/corpus` from this
/// crate), else in a folder further up (a git worktree nested below the main checkout's parent).
fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ASSAY_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../shared/corpus");
    if let Some(found) = manifest
        .ancestors()
        .skip(2)
        .map(|a| a.join("shared/corpus"))
        .find(|d| d.is_dir())
    {
        return Some(found);
    }
    let msg = format!(
        "migration corpus not found at {} (the `shared/` folder beside the checkout)",
        dir.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}: CI is set, so the corpus test must run");
    }
    eprintln!("SKIPPING the corpus tests: {msg}");
    None
}

/// The corpus folders: (path, format, dialect) from the folder name, e.g. `goose-sqlite-autokitteh`.
fn folders() -> Vec<(PathBuf, Format, Dialect)> {
    let Some(root) = corpus() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).expect("read the corpus") {
        let path = entry.expect("corpus entry").path();
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let format = Format::ALL
            .into_iter()
            .find(|f| name.starts_with(&format!("{}-", f.name())))
            .unwrap_or_else(|| panic!("corpus folder {name}: the name must start with a format"));
        let dialect = if name.contains("postgres") {
            Dialect::Postgres
        } else if name.contains("mysql") {
            Dialect::Mysql
        } else if name.contains("sqlite") {
            Dialect::Sqlite
        } else {
            panic!("corpus folder {name}: the name must say postgres, mysql or sqlite")
        };
        out.push((path, format, dialect));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 12 || out.is_empty(),
        "expected the 12 corpus folders, found {}",
        out.len()
    );
    out
}

#[test]
fn every_atlas_sum_is_reproduced_byte_for_byte() {
    let mut checked = 0;
    for (path, format, _) in folders() {
        let Ok(want) = std::fs::read_to_string(path.join("atlas.sum")) else {
            continue;
        };
        let start = Instant::now();
        let dir = Dir::open(&path, format).unwrap_or_else(|e| panic!("{e}"));
        let got = sum_text(&dir);
        let took = start.elapsed();
        assert!(
            got == want,
            "{}: computed atlas.sum differs from the shipped one",
            path.display()
        );
        validate(&dir).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "{}: {} files opened and hashed in {took:?}",
            path.display(),
            dir.files.len()
        );
        checked += 1;
    }
    if corpus().is_some() {
        assert_eq!(checked, 5, "the corpus has 5 directories with an atlas.sum");
    }
}

#[test]
fn every_directory_opens_and_every_file_splits() {
    for (path, format, dialect) in folders() {
        let dir = Dir::open(&path, format).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !dir.files.is_empty(),
            "{}: no migration files",
            path.display()
        );
        validate(&dir).unwrap_or_else(|e| panic!("{e}"));
        let mut statements = 0;
        for f in &dir.files {
            statements += f
                .statements(dialect)
                .unwrap_or_else(|e| panic!("{e}"))
                .len();
        }
        assert_eq!(dir.prefix_hashes().len(), dir.files.len());
        eprintln!(
            "{}: {} files, {statements} statements ({format}, {dialect})",
            path.display(),
            dir.files.len()
        );
    }
}

fn folder(name: &str) -> Option<(PathBuf, Format, Dialect)> {
    folders().into_iter().find(|f| f.0.ends_with(name))
}

fn no_tx_files(dir: &Dir) -> usize {
    dir.files
        .iter()
        .filter(|f| f.txmode == TxMode::None)
        .count()
}

#[test]
fn corpus_facts_from_sources_md() {
    if let Some((path, format, _)) = folder("atlas-postgres-hatchet") {
        let dir = Dir::open(&path, format).unwrap();
        assert_eq!(
            (dir.files.len(), no_tx_files(&dir)),
            (82, 12),
            "12 files start with `-- atlas:txmode none`"
        );
    }
    if let Some((path, format, _)) = folder("goose-postgres-hatchet") {
        let dir = Dir::open(&path, format).unwrap();
        assert_eq!(
            (dir.files.len(), no_tx_files(&dir)),
            (149, 18),
            "18 files have `-- +goose NO TRANSACTION`"
        );
    }
    if let Some((path, format, _)) = folder("atlas-mysql-kratos") {
        let dir = Dir::open(&path, format).unwrap();
        assert_eq!(
            dir.files[0].version, "20150100000001000000",
            "20-digit versions stay strings"
        );
        let empty = dir.files.iter().filter(|f| f.text.is_empty()).count();
        assert_eq!(empty, 19);
        assert_eq!(dir.position("20150100000001000000").unwrap(), 0);
    }
    if let Some((path, format, _)) = folder("golang-migrate-mysql-banzai-pipeline") {
        let dir = Dir::open(&path, format).unwrap();
        assert_eq!(
            dir.files.len(),
            90,
            "the `.dow.sql` typo is no migration; the odd `.up.sql_…up.sql` is"
        );
    }
    if let Some((path, format, _)) = folder("flyway-postgres-marquez") {
        let dir = Dir::open(&path, format).unwrap();
        let v: Vec<&str> = dir.files.iter().map(|f| f.version.as_str()).collect();
        let at = |x: &str| v.iter().position(|y| *y == x).unwrap();
        assert!(
            at("2") < at("2.1")
                && at("2.1") < at("3")
                && at("9") < at("10")
                && at("17.1") < at("17.2")
        );
        let kinds: Vec<FileKind> = dir.files.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == FileKind::Repeatable).count(),
            3
        );
        assert!(
            kinds[..81].iter().all(|k| *k == FileKind::Versioned),
            "repeatables come last"
        );
    }
}
