//! Migration directories, written to disk from a fuzz input and read back per format.
//!
//! The input is a txtar archive: each section is a file (its name may have `/` for flyway's
//! sub-directories), and an `atlas.sum` section is the directory's sum. Input that is not UTF-8
//! becomes one migration file with those bytes. The rules: every listed file splits or fails
//! with an error in that file, every version is found where it is, and the `atlas.sum` that
//! assay writes for a directory verifies against it.

use std::path::{Path, PathBuf};

use dbassay_dsl::migrate::{Dir, Format, sum_text, validate};
use dbassay_dsl::{Dialect, txtar};

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

/// A scratch directory of this process, emptied for every input.
fn scratch(format: Format) -> PathBuf {
    let root = std::env::temp_dir()
        .join(format!("assay-fuzz-{}", std::process::id()))
        .join(format.name());
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("cannot create the fuzz scratch directory");
    root
}

/// Writes the input's files under `root`. `false` when the names cannot all be written (two
/// names for one path, a name that is a directory of another): not a directory to test.
fn write(root: &Path, data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return std::fs::write(root.join("1_raw.sql"), data).is_ok();
    };
    for f in txtar::parse(text).files {
        if txtar::check_name(&f.name).is_err() || f.name.ends_with('/') {
            return false;
        }
        let path = root.join(&f.name);
        let ok = path
            .parent()
            .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && !path.exists()
            && std::fs::write(&path, f.data.as_bytes()).is_ok();
        if !ok {
            return false;
        }
    }
    true
}

/// Reads the directory in `format` and checks the rules.
pub fn check(data: &[u8], format: Format) {
    let root = scratch(format);
    if !write(&root, data) {
        return;
    }
    let dir = match Dir::open(&root, format) {
        Ok(d) => d,
        Err(e) => {
            assert!(
                e.location.path.starts_with(&root),
                "error outside the directory: {e}"
            );
            assert!(!e.message.is_empty());
            return;
        }
    };
    for f in &dir.files {
        for d in DIALECTS {
            match f.statements(d) {
                Ok(stmts) => {
                    for s in stmts {
                        assert!(
                            f.text
                                .get(s.offset..)
                                .is_some_and(|t| t.starts_with(&s.text))
                        );
                    }
                }
                Err(e) => assert_eq!(e.location.path, f.path, "error names another file"),
            }
            if let Err(e) = f.checks(d) {
                assert_eq!(e.location.path, f.path, "error names another file");
            }
        }
        let at = dir
            .position(&f.version)
            .unwrap_or_else(|e| panic!("version {:?} of a listed file not found: {e}", f.version));
        assert_eq!(dir.files[at].version, f.version);
    }
    let _ = dir.position("0-no-such-version");
    assert_eq!(dir.prefix_hashes().len(), dir.files.len());
    let _ = validate(&dir);
    // The sum assay writes for the directory verifies against it.
    let own = Dir {
        sum: Some(sum_text(&dir)),
        ..dir
    };
    if let Err(e) = validate(&own) {
        panic!(
            "the directory's own atlas.sum does not verify: {e}\n{}",
            own.sum.unwrap_or_default()
        );
    }
}

/// `atlas.sum` text checked against a fixed Atlas directory (opened once per process).
pub fn sum(text: &str) {
    static DIR: std::sync::OnceLock<Dir> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let root = scratch(Format::Atlas);
        for (name, body) in [
            ("1_init.sql", "create table t (a int);\n"),
            (
                "2_more.sql",
                "-- atlas:sum ignore\ninsert into t values (1);\n",
            ),
            ("3_last.sql", "alter table t add b int;\n"),
        ] {
            std::fs::write(root.join(name), body).expect("cannot write the fixed directory");
        }
        Dir::open(&root, Format::Atlas).expect("the fixed directory opens")
    });
    let with = Dir {
        sum: Some(text.to_string()),
        ..dir.clone()
    };
    if let Err(e) = validate(&with) {
        assert!(
            e.location.path.ends_with("atlas.sum"),
            "error names another file: {e}"
        );
        assert!(
            e.location.line <= text.lines().count().max(1),
            "line past the end: {e}"
        );
    }
}
