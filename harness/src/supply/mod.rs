//! The supply of databases: "a database in start state S (the desired schema, or migrated to
//! version V), fresh or reused; take it back afterwards".
//!
//! - [`target`]: one dev URL: its server (parsed once, provisioned lazily on first use), the
//!   keyed cache of built states ("desired schema applied") and the pool of idle workers.
//! - [`migrated`]: the keyed cache of migrated states ("files `0..=N` applied"); `migrate/`
//!   only supplies the applying of files `i..j`.
//! - [`worker`]: a database reused case after case, and which cases may run on one.
//! - [`group`]: the database and session pool of a file's `parallel = true` cases.
//! - [`budget`]: the one connection budget per server that every connection draws from.
//! - [`Isolation`]: whether cases may run on reused databases (`--isolation reuse`, the
//!   default) or each gets a real copy (`--isolation copy`).
//!
//! `run/case.rs` asks this room for a database in a state and only runs commands on it.
//!
//! Concurrency rules, kept by everything that hands out databases and connections:
//! - **No lock is held across a wait**: not while connecting, not while waiting for a pooled
//!   connection or a permit of the budget, not across a server round trip another thread
//!   needs to finish first. A pool's lock is taken to push or pop and let go before the
//!   popped connection is used or a new one is made.
//! - **Every connection to a server is drawn from its budget**, admin, drop queue, worker,
//!   parallel-group, case and restorer connections alike, and holds its permit until closed.
//! - **Waits never fail**: when the budget is spent a case waits (idle pooled connections are
//!   closed first to make room); only the server's own refusal is an error.

pub mod budget;
pub mod group;
pub mod migrated;
pub mod target;
pub mod worker;

/// How cases get their databases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Isolation {
    /// Reuse databases where that cannot change a result: rolled-back transactions and
    /// restores on worker databases, shared copies and sessions for `parallel = true` cases.
    #[default]
    Reuse,
    /// Every case gets a real copy of its start state of its own: no rollback, no restore, no
    /// worker or session reuse, and `parallel = true` cases do not share one. Results must be
    /// the same as with [`Isolation::Reuse`]; this is how that is checked.
    Copy,
}

impl Isolation {
    /// `reuse` or `copy` (the `--isolation` flag, `ASSAY_ISOLATION`).
    pub fn parse(text: &str) -> Result<Isolation, String> {
        match text.trim() {
            "reuse" => Ok(Isolation::Reuse),
            "copy" => Ok(Isolation::Copy),
            other => Err(format!(
                "isolation {other:?} is not known: give reuse (the default) or copy"
            )),
        }
    }
}
