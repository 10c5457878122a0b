//! The server data assay keeps between runs so that local servers start fast, and `assay cache
//! clean`, which removes it.
//!
//! What is kept, and why it stays bounded:
//! - a **pristine data directory** per installed server version, in the cache dir
//!   ([`shared::cache_dir`]): `postgres/<major>-pristine` (~40 MB) and `mariadb-<version>` /
//!   `mysql-<version>` (~100 MB). One per version: a new version adds one; nothing else grows.
//! - a **spare copy** of the PostgreSQL pristine dir on tmpfs (`/dev/shm/assay-pg<major>-spare-u<uid>`,
//!   ~40 MB of memory), which the next start renames into place instead of copying: one per
//!   major version and user, remade in the background after each start. Copies cut short by a
//!   killed process (`….tmp-<pid>-<n>`) are removed by the next start. `ASSAY_SCRATCH_DIR`
//!   puts the spare and the servers' data dirs elsewhere than `/dev/shm`.
//!
//! Everything is rebuilt on demand, so removing it only costs the next start its speed. Run
//! `clean` when no assay run is going: a start that finds its pristine dir gone rebuilds it, but
//! one copying it at that moment fails.

use std::path::{Path, PathBuf};

use super::shared;

/// One removed entry: its path and size in bytes.
pub struct Removed {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Removes the pristine dirs and spare copies (see the module docs) and says what went.
pub fn clean() -> Vec<Removed> {
    let mut found = Vec::new();
    let cache = shared::cache_dir();
    for entry in read_dir(&cache.join("postgres")) {
        let name = file_name(&entry);
        if name.ends_with("-pristine") || name.contains("-pristine.tmp-") {
            found.push(entry);
        }
    }
    for entry in read_dir(&cache) {
        let name = file_name(&entry);
        if (name.starts_with("mariadb-") || name.starts_with("mysql-")) && entry.is_dir() {
            found.push(entry);
        }
    }
    let roots = match std::env::var_os("ASSAY_SCRATCH_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![PathBuf::from("/dev/shm"), std::env::temp_dir()],
    };
    for root in roots {
        for entry in read_dir(&root) {
            let name = file_name(&entry);
            if name.starts_with("assay-pg") && name.contains("-spare-u") {
                found.push(entry);
            }
        }
    }
    found.sort();
    found.dedup();
    let mut removed = Vec::new();
    for path in found {
        let bytes = size(&path);
        // Renamed out of the way first: a start either finds the whole dir or none of it.
        let doomed = path.with_file_name(format!(
            "{}.removing-{}",
            file_name(&path),
            std::process::id()
        ));
        if std::fs::rename(&path, &doomed).is_ok() && std::fs::remove_dir_all(&doomed).is_ok() {
            removed.push(Removed { path, bytes });
        }
    }
    removed
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The bytes of the files under `path` (symlinks not followed).
fn size(path: &Path) -> u64 {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => read_dir(path).iter().map(|p| size(p)).sum(),
        Ok(meta) => meta.len(),
        Err(_) => 0,
    }
}
