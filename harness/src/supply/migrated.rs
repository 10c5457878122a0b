//! The cache of migrated states: "migrated to version N" is built at most once per run and
//! cloned for every case that starts there.
//!
//! A state's key is a hash of the engine, where the revisions table lives, and the names and
//! bytes of files `0..=N` ([`Dir::prefix_hashes`](dbassay_dsl::migrate::Dir::prefix_hashes)):
//! editing file `k` changes the keys from `k` on, so a stale state is never found. Keys are
//! content-addressed, so a server shared by several processes (nextest) finds the templates
//! another process froze; the server's `freeze` holds a lock, so two builders of one key never
//! publish twice or expose a half-built state.
//!
//! Building N starts from the nearest state below it that is already built in this process, or
//! from the nearest version below it that another case starts at (built first, recursively), so
//! over a run each file is applied about once per distinct start version, not once per case.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::migrate::Migrations;
use crate::migrate::apply::build;
use crate::provision::Snapshot;
use crate::supply::target::Target;

/// The cache key of "migrated through file `index`" on `engine`.
pub fn key(engine: &str, migrations: &Migrations, index: usize) -> String {
    let mut h = Sha256::new();
    h.update(b"assay migrated state v1\0");
    h.update(engine.as_bytes());
    h.update(b"\0");
    h.update(
        migrations
            .revisions_schema
            .as_deref()
            .unwrap_or("")
            .as_bytes(),
    );
    h.update(b"\0");
    for sql in &migrations.baseline {
        h.update(sql.text.as_bytes());
        h.update(b"\0");
    }
    if let Some(p) = migrations.prefix_hashes.get(index) {
        h.update(p);
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("mig_{hex}")
}

/// A fresh database in the state "files `0..=index` applied": the one the state was built in
/// the first time (when freezing copied it), else a copy.
pub fn fresh(
    target: &Target,
    migrations: &Migrations,
    index: usize,
) -> Result<Box<dyn crate::provision::Database>, String> {
    let snapshot = migrated(target, migrations, index)?;
    let engine = target.server()?.engine().to_string();
    let copy = target.fresh_copy(&key(&engine, migrations, index), &snapshot);
    drop(snapshot);
    // Cases run in the order of their start versions: the states below this one that no case
    // starts at any more are let go (this one is the base of the next), so a run holds a few
    // states at a time, not one per start version (in memory, for in-memory SQLite).
    for spent in migrations.spend_start(index) {
        target.forget(&key(&engine, migrations, spent));
    }
    copy
}

/// The state "files `0..=index` applied" on `target`, built once and then shared.
pub fn migrated(
    target: &Target,
    migrations: &Migrations,
    index: usize,
) -> Result<Arc<dyn Snapshot>, String> {
    let engine = target.server()?.engine().to_string();
    let this = key(&engine, migrations, index);
    target.cached(&this, |server| {
        if let Some(found) = server.find(&this) {
            return Ok(found);
        }
        let ready = (0..index)
            .rev()
            .find_map(|j| target.ready(&key(&engine, migrations, j)).map(|s| (j, s)));
        let planned = migrations
            .start_below(index)
            .filter(|&j| ready.as_ref().is_none_or(|(r, _)| j > *r));
        let base = match planned {
            Some(j) => Some((j, migrated(target, migrations, j)?)),
            None => ready,
        };
        let (from, db) = match base {
            Some((j, snapshot)) => (j + 1, snapshot.copy().map_err(|e| e.to_string())?),
            None => (0, server.create().map_err(|e| e.to_string())?),
        };
        {
            let mut session = db.connect().map_err(|e| e.to_string())?;
            if from == 0 {
                migrations.run_baseline(session.as_mut())?;
            }
            build(session.as_mut(), migrations, from, index + 1)?;
        }
        target.freeze(server, db, &this)
    })
}
