//! Embedded SQLite databases: in memory (the default) or files in a private temp dir.
//!
//! - In memory: a database is one connection. A session takes the connection for as long as it
//!   lives and hands it back on drop, so sessions on one database (the `parallel` cases of a
//!   file) take turns; SQLite runs one writer at a time anyway. A snapshot is a frozen
//!   connection; a copy is made with the backup API. `testing.dev_url` is
//!   `sqlite://assay-N?mode=memory`, which names the database but cannot be opened by another
//!   process.
//! - Files (`sqlite://name.db`): each database is a file in a temp dir assay creates and
//!   removes; sessions open their own connections; a copy is a file copy. `testing.dev_url`
//!   points at the file, so external programs can open it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};

use rusqlite::Connection;

use super::{Database, ProvisionError, Result, Server, Snapshot, cleanup};
use crate::engine::sqlite::SqliteSession;
use crate::engine::{DbError, Dialect, Engine, Outcome, Session};

pub struct SqliteServer {
    /// `None` keeps databases in memory.
    dir: Option<TempDir>,
    /// `_fk=1` / `foreign_keys=1` on the URL: enable foreign keys on every connection.
    foreign_keys: bool,
    next: AtomicU64,
    /// In-memory databases by name, so `freeze` can take one's connection. Shared with the
    /// snapshots, whose copies register here too (a copy can be frozen in turn: the cache of
    /// migrated states builds version N on a copy of version M).
    live: Arc<Mutex<HashMap<String, Weak<Slot>>>>,
    snapshots: Mutex<HashMap<String, Arc<dyn Snapshot>>>,
}

impl SqliteServer {
    /// A server keeping databases in memory (`files = false`) or in files in a temp dir.
    pub fn new(files: bool, foreign_keys: bool) -> Result<Arc<SqliteServer>> {
        let dir = if files {
            Some(TempDir::new("sqlite")?)
        } else {
            None
        };
        Ok(Arc::new(SqliteServer {
            dir,
            foreign_keys,
            next: AtomicU64::new(1),
            live: Arc::new(Mutex::new(HashMap::new())),
            snapshots: Mutex::new(HashMap::new()),
        }))
    }

    fn open(&self, path: Option<&Path>) -> Result<Connection> {
        open(path, self.foreign_keys)
    }

    fn name(&self) -> String {
        format!("assay-{}", self.next.fetch_add(1, Ordering::Relaxed))
    }

    fn memory_database(&self, conn: Connection) -> Box<dyn Database> {
        let name = self.name();
        let slot = Arc::new(Slot::new(conn));
        register(&self.live, &name, &slot);
        Box::new(MemoryDatabase { name, slot })
    }
}

fn open(path: Option<&Path>, foreign_keys: bool) -> Result<Connection> {
    let conn = match path {
        None => Connection::open_in_memory(),
        Some(p) => Connection::open(p),
    }
    .map_err(|e| ProvisionError(format!("cannot open an SQLite database: {e}")))?;
    if foreign_keys {
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| ProvisionError(format!("cannot enable foreign keys: {e}")))?;
    }
    if path.is_some() {
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| ProvisionError(format!("cannot set the busy timeout: {e}")))?;
    }
    Ok(conn)
}

/// Records a live in-memory database by name (so `freeze` can find its connection), forgetting
/// the ones that are gone.
fn register(live: &Mutex<HashMap<String, Weak<Slot>>>, name: &str, slot: &Arc<Slot>) {
    let mut live = lock(live);
    live.retain(|_, slot| slot.strong_count() > 0);
    live.insert(name.to_string(), Arc::downgrade(slot));
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Server for SqliteServer {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    fn create(&self) -> Result<Box<dyn Database>> {
        match &self.dir {
            None => Ok(self.memory_database(self.open(None)?)),
            Some(dir) => {
                let path = dir.path.join(format!("{}.db", self.name()));
                self.open(Some(&path))?; // creates the file
                Ok(Box::new(FileDatabase {
                    path,
                    foreign_keys: self.foreign_keys,
                    keep: false,
                }))
            }
        }
    }

    fn freeze(&self, db: Box<dyn Database>, key: &str) -> Result<Arc<dyn Snapshot>> {
        let url = db.url();
        let frozen: Arc<dyn Snapshot> = match &self.dir {
            None => {
                let name = url
                    .trim_start_matches("sqlite://")
                    .trim_end_matches("?mode=memory");
                let slot = lock(&self.live)
                    .get(name)
                    .and_then(Weak::upgrade)
                    .ok_or_else(|| {
                        ProvisionError(format!("{url} is not a database of this server"))
                    })?;
                let conn = slot.take();
                drop(db);
                Arc::new(MemorySnapshot {
                    conn: Mutex::new(conn),
                    foreign_keys: self.foreign_keys,
                    live: self.live.clone(),
                })
            }
            Some(dir) => {
                let path = dir.path.join(format!("snapshot-{key}.db"));
                let from = PathBuf::from(url.trim_start_matches("sqlite://"));
                std::fs::rename(&from, &path).map_err(|e| {
                    ProvisionError(format!(
                        "cannot move {} to {}: {e}",
                        from.display(),
                        path.display()
                    ))
                })?;
                drop(db);
                Arc::new(FileSnapshot {
                    path,
                    foreign_keys: self.foreign_keys,
                    next: AtomicU64::new(1),
                })
            }
        };
        lock(&self.snapshots).insert(key.to_string(), frozen.clone());
        Ok(frozen)
    }

    fn find(&self, key: &str) -> Option<Arc<dyn Snapshot>> {
        lock(&self.snapshots).get(key).cloned()
    }

    fn forget(&self, key: &str) {
        // An in-memory snapshot is freed with its last holder. A file snapshot's file stays in
        // the server's temp dir until the run ends (a state built again reuses its name).
        let gone = lock(&self.snapshots).remove(key);
        drop(gone);
    }
}

/// One in-memory connection that sessions borrow in turn.
struct Slot {
    conn: Mutex<Option<Connection>>,
    returned: Condvar,
}

impl Slot {
    fn new(conn: Connection) -> Slot {
        Slot {
            conn: Mutex::new(Some(conn)),
            returned: Condvar::new(),
        }
    }

    fn take(&self) -> Connection {
        let mut guard = lock(&self.conn);
        loop {
            if let Some(conn) = guard.take() {
                return conn;
            }
            guard = self.returned.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn put(&self, conn: Connection) {
        *lock(&self.conn) = Some(conn);
        self.returned.notify_one();
    }
}

struct MemoryDatabase {
    name: String,
    slot: Arc<Slot>,
}

impl Database for MemoryDatabase {
    fn connect(&self) -> Result<Box<dyn Session>> {
        let conn = self.slot.take();
        Ok(Box::new(BorrowedSession {
            session: Some(SqliteSession::new(conn)),
            slot: self.slot.clone(),
        }))
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=memory", self.name)
    }

    fn open_command(&self) -> String {
        format!(
            "# {} lives in memory and ends with the run; use a file dev URL (sqlite://dev.db) to keep it",
            self.name
        )
    }

    fn keep(&mut self) {}

    fn max_sessions(&self) -> Option<usize> {
        Some(1)
    }
}

/// A session holding a borrowed in-memory connection until it is dropped.
struct BorrowedSession {
    session: Option<SqliteSession>,
    slot: Arc<Slot>,
}

impl Session for BorrowedSession {
    fn run(&mut self, statement: &str) -> std::result::Result<Outcome, DbError> {
        self.session
            .as_mut()
            .expect("held until drop")
            .run(statement)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn run_bound(
        &mut self,
        statement: &str,
        args: &[crate::engine::Arg],
    ) -> std::result::Result<Outcome, DbError> {
        self.session
            .as_mut()
            .expect("held until drop")
            .run_bound(statement, args)
    }

    fn reset(&mut self) -> bool {
        self.session.as_mut().is_some_and(|s| s.reset())
    }

    fn defined_objects(
        &mut self,
    ) -> std::result::Result<Vec<crate::engine::coverage::DefinedObject>, DbError> {
        self.session
            .as_mut()
            .expect("held until drop")
            .defined_objects()
    }

    fn routine_calls(
        &mut self,
    ) -> std::result::Result<crate::engine::coverage::Calls, crate::engine::coverage::Unmeasured>
    {
        self.session
            .as_mut()
            .expect("held until drop")
            .routine_calls()
    }

    fn flush_calls(&mut self) {
        self.session
            .as_mut()
            .expect("held until drop")
            .flush_calls()
    }

    fn canceller(&self) -> Option<Arc<dyn crate::engine::Cancel>> {
        self.session.as_ref().and_then(|s| s.canceller())
    }
}

impl Drop for BorrowedSession {
    fn drop(&mut self) {
        if let Some(mut session) = self.session.take() {
            // The next session on this database must not find this one's open transaction.
            session.reset();
            self.slot.put(session.into_connection());
        }
    }
}

struct MemorySnapshot {
    conn: Mutex<Connection>,
    foreign_keys: bool,
    live: Arc<Mutex<HashMap<String, Weak<Slot>>>>,
}

impl Snapshot for MemorySnapshot {
    fn copy(&self) -> Result<Box<dyn Database>> {
        let mut copy = open(None, self.foreign_keys)?;
        {
            let source = lock(&self.conn);
            rusqlite::backup::Backup::new(&source, &mut copy)
                .and_then(|b| b.run_to_completion(i32::MAX, std::time::Duration::ZERO, None))
                .map_err(|e| ProvisionError(format!("cannot copy an SQLite database: {e}")))?;
        }
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let name = format!("assay-copy-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let slot = Arc::new(Slot::new(copy));
        register(&self.live, &name, &slot);
        Ok(Box::new(MemoryDatabase { name, slot }))
    }
}

struct FileDatabase {
    path: PathBuf,
    foreign_keys: bool,
    keep: bool,
}

impl Database for FileDatabase {
    fn connect(&self) -> Result<Box<dyn Session>> {
        Ok(Box::new(SqliteSession::new(open(
            Some(&self.path),
            self.foreign_keys,
        )?)))
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    fn open_command(&self) -> String {
        format!("sqlite3 {}", self.path.display())
    }

    fn keep(&mut self) {
        // Out of the run's temp dir, which goes at the end of the run.
        let kept = std::env::temp_dir().join("assay-kept");
        // Named by process too: a database kept by an earlier run is never replaced.
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let to = kept.join(format!("{}-{name}", std::process::id()));
        if std::fs::create_dir_all(&kept).is_ok() && std::fs::rename(&self.path, &to).is_ok() {
            self.path = to;
        }
        self.keep = true;
    }
}

impl Drop for FileDatabase {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

struct FileSnapshot {
    path: PathBuf,
    foreign_keys: bool,
    next: AtomicU64,
}

impl Snapshot for FileSnapshot {
    fn copy(&self) -> Result<Box<dyn Database>> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let stem = self
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("snapshot");
        let path = self.path.with_file_name(format!("{stem}-copy-{n}.db"));
        std::fs::copy(&self.path, &path)
            .map_err(|e| ProvisionError(format!("cannot copy {}: {e}", self.path.display())))?;
        Ok(Box::new(FileDatabase {
            path,
            foreign_keys: self.foreign_keys,
            keep: false,
        }))
    }
}

/// A temp dir removed on drop and at the end of the run. Kept databases are moved out of it
/// (`FileDatabase::keep`), so removing the dir never removes what the user asked to keep.
pub struct TempDir {
    pub path: PathBuf,
    _registration: cleanup::Registration,
}

impl TempDir {
    pub fn new(purpose: &str) -> Result<TempDir> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("assay-{purpose}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| ProvisionError(format!("cannot create {}: {e}", path.display())))?;
        let remove = path.clone();
        let registration = cleanup::register(move || {
            let _ = std::fs::remove_dir_all(&remove);
        });
        Ok(TempDir {
            path,
            _registration: registration,
        })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Outcome;

    fn count(db: &dyn Database) -> String {
        let mut s = db.connect().unwrap();
        match s.run("SELECT count(*) FROM t").unwrap() {
            Outcome::Rows(g) => g.rows[0][0].clone().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    fn check_copies_are_independent(server: Arc<SqliteServer>) {
        let db = server.create().unwrap();
        {
            let mut s = db.connect().unwrap();
            s.run("CREATE TABLE t (a int)").unwrap();
            s.run("INSERT INTO t VALUES (1)").unwrap();
        }
        let snap = server.freeze(db, "k1").unwrap();
        assert!(server.find("k1").is_some() && server.find("k2").is_none());
        let a = snap.copy().unwrap();
        let b = snap.copy().unwrap();
        a.connect()
            .unwrap()
            .run("INSERT INTO t VALUES (2)")
            .unwrap();
        assert_eq!(count(a.as_ref()), "2");
        assert_eq!(count(b.as_ref()), "1");
        assert_eq!(count(snap.copy().unwrap().as_ref()), "1");
    }

    #[test]
    fn memory_copies_are_independent() {
        check_copies_are_independent(SqliteServer::new(false, false).unwrap());
    }

    #[test]
    fn file_copies_are_independent_and_removed() {
        let server = SqliteServer::new(true, false).unwrap();
        let dir = server.dir.as_ref().unwrap().path.clone();
        check_copies_are_independent(server);
        assert!(
            !dir.exists(),
            "the temp dir must be removed with the server"
        );
    }

    #[test]
    fn sessions_on_one_memory_database_take_turns() {
        let server = SqliteServer::new(false, false).unwrap();
        let db: Arc<dyn Database> = Arc::from(server.create().unwrap());
        db.connect().unwrap().run("CREATE TABLE t (a int)").unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || {
                    db.connect()
                        .unwrap()
                        .run("INSERT INTO t VALUES (1)")
                        .unwrap()
                })
            })
            .collect();
        threads.into_iter().for_each(|t| drop(t.join().unwrap()));
        assert_eq!(count(db.as_ref()), "4");
    }
}
