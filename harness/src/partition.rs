//! Sharding one suite over several CI runners: `assay test --partition hash:K/N` (or
//! `count:K/N`; a bare `K/N` means `hash:`), and `ASSAY_PARTITION` for a cargo test target run
//! by `cargo test`. Under `cargo nextest run --partition …` nextest does the sharding itself;
//! this module picks the same trials nextest would, so a suite can move between the two.
//!
//! What nextest 0.9 does, and so what assay does:
//! - **hash:K/N** keeps a trial when `xxh64(name, seed 0) % N == K - 1`. The name is the one
//!   libtest lists and nextest sees: `[engine] file::case` (the trial's kind in brackets, then
//!   its name). Stateless: a trial's shard depends on its name only, so adding a case never
//!   moves another one.
//! - **count:K/N** numbers the trials in name order and keeps every N-th, starting at the K-th.
//!   Even shards, but adding a case shifts the ones after it.
//! - Only trials that pass the other filters (name filter, `--skip`, `--exact`, ignored or
//!   not) are shared out; ignored and not-ignored trials are counted apart. nextest shards
//!   each test binary on its own; assay's run is one binary.

use std::fmt;

use crate::run::{Plan, Trial};

/// How trials are shared out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Hash,
    Count,
}

/// One shard of a run: shard `shard` (counting from 1) of `total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub scheme: Scheme,
    pub shard: u64,
    pub total: u64,
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Hash => "hash",
            Scheme::Count => "count",
        };
        write!(f, "{scheme}:{}/{}", self.shard, self.total)
    }
}

impl Partition {
    /// Parses `hash:K/N`, `count:K/N` or `K/N` (hash).
    pub fn parse(text: &str) -> Result<Partition, String> {
        let text = text.trim();
        let (scheme, rest) = if let Some(rest) = text.strip_prefix("hash:") {
            (Scheme::Hash, rest)
        } else if let Some(rest) = text.strip_prefix("count:") {
            (Scheme::Count, rest)
        } else if text.contains(':') {
            return Err(format!(
                "--partition {text}: expected hash:K/N, count:K/N or K/N"
            ));
        } else {
            (Scheme::Hash, text)
        };
        let usage = || {
            format!(
                "--partition {text}: expected K/N with 1 <= K <= N, e.g. hash:1/3 for the first of three runners"
            )
        };
        let (k, n) = rest.split_once('/').ok_or_else(usage)?;
        let shard: u64 = k.trim().parse().map_err(|_| usage())?;
        let total: u64 = n.trim().parse().map_err(|_| usage())?;
        if shard == 0 || shard > total {
            return Err(usage());
        }
        Ok(Partition {
            scheme,
            shard,
            total,
        })
    }

    /// The partition named by `ASSAY_PARTITION`, if set (and not empty).
    pub fn from_env() -> Result<Option<Partition>, String> {
        match std::env::var("ASSAY_PARTITION") {
            Ok(v) if !v.trim().is_empty() => Partition::parse(&v)
                .map(Some)
                .map_err(|e| e.replacen("--partition", "ASSAY_PARTITION", 1)),
            _ => Ok(None),
        }
    }

    /// Which of the entries this shard keeps. An entry is (listed name, ignored, matches the
    /// other filters); entries that do not match are kept (the filters drop them later) and
    /// not counted, as nextest does.
    pub fn keeps(&self, entries: &[(String, bool, bool)]) -> Vec<bool> {
        let mut keep = vec![true; entries.len()];
        match self.scheme {
            Scheme::Hash => {
                for (i, (name, _, matches)) in entries.iter().enumerate() {
                    if *matches {
                        keep[i] = self.owns(xxhash_rust::xxh64::xxh64(name.as_bytes(), 0));
                    }
                }
            }
            Scheme::Count => {
                for ignored in [false, true] {
                    let mut order: Vec<usize> = (0..entries.len())
                        .filter(|&i| entries[i].2 && entries[i].1 == ignored)
                        .collect();
                    order.sort_by(|&a, &b| entries[a].0.cmp(&entries[b].0));
                    for (n, i) in order.into_iter().enumerate() {
                        keep[i] = self.owns(n as u64);
                    }
                }
            }
        }
        keep
    }

    fn owns(&self, value: u64) -> bool {
        value % self.total == self.shard - 1
    }

    /// The plan with only this shard's trials (and those the other filters drop anyway).
    /// `matches` says whether a trial passes the other filters.
    pub fn apply(&self, plan: Plan, matches: impl Fn(&Trial) -> bool) -> Plan {
        let entries: Vec<(String, bool, bool)> = plan
            .trials
            .iter()
            .map(|t| (listed_name(t), t.ignored, matches(t)))
            .collect();
        let keep = self.keeps(&entries);
        Plan {
            trials: plan
                .trials
                .into_iter()
                .zip(keep)
                .filter_map(|(t, k)| k.then_some(t))
                .collect(),
        }
    }
}

/// Whether libtest's arguments (name filter, `--skip`, `--exact`, `--ignored`) let a trial run.
pub fn libtest_matches(args: &libtest_mimic::Arguments) -> impl Fn(&Trial) -> bool + '_ {
    move |t: &Trial| {
        let probe = libtest_mimic::Trial::test(t.name.clone(), || Ok(()))
            .with_kind(t.engine.clone())
            .with_ignored_flag(t.ignored);
        !args.is_filtered_out(&probe) && !args.is_ignored(&probe)
    }
}

/// The name libtest lists for a trial and nextest partitions by: `[engine] name`.
pub fn listed_name(trial: &Trial) -> String {
    if trial.engine.is_empty() {
        trial.name.clone()
    } else {
        format!("[{}] {}", trial.engine, trial.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let p = Partition::parse("hash:2/3").unwrap();
        assert_eq!((p.scheme, p.shard, p.total), (Scheme::Hash, 2, 3));
        assert_eq!(Partition::parse("2/3").unwrap(), p);
        assert_eq!(Partition::parse("count:1/1").unwrap().scheme, Scheme::Count);
        assert_eq!(p.to_string(), "hash:2/3");
        for bad in ["", "0/2", "3/2", "hash:1", "slice:1/2", "a/b", "1/2/3"] {
            assert!(Partition::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn the_hash_is_xxh64_of_the_listed_name() {
        // xxh64("", 0) is the published test vector of xxHash64.
        assert_eq!(xxhash_rust::xxh64::xxh64(b"", 0), 0xEF46_DB37_51D8_E999);
    }

    fn entries(names: &[&str]) -> Vec<(String, bool, bool)> {
        names.iter().map(|n| (n.to_string(), false, true)).collect()
    }

    #[test]
    fn shards_cover_every_entry_once() {
        let names: Vec<String> = (0..50).map(|i| format!("[sqlite] f::case{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        for scheme in ["hash", "count"] {
            let mut owners = vec![0; names.len()];
            for k in 1..=4 {
                let p = Partition::parse(&format!("{scheme}:{k}/4")).unwrap();
                for (i, kept) in p.keeps(&entries(&refs)).into_iter().enumerate() {
                    owners[i] += usize::from(kept);
                }
            }
            assert!(owners.iter().all(|&n| n == 1), "{scheme}: {owners:?}");
        }
    }

    #[test]
    fn count_goes_by_name_order_and_skips_filtered_entries() {
        let mut e = entries(&["c", "a", "b", "d"]);
        e[3].2 = false; // filtered out: kept, not counted
        let p = Partition::parse("count:1/2").unwrap();
        // name order a, b, c → a and c in shard 1.
        assert_eq!(p.keeps(&e), vec![true, true, false, true]);
    }
}
