//! The look-aside cache in front of the service (`[cache]`): its keys declared once (`crate::params`),
//! and its check. A request first looks its key up in the cache; a hit answers after
//! `latency` without touching an instance, a miss goes to the instances as without a cache and
//! its success fills the cache. The `flush` fault action empties it.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use crate::engine::SimTime;
use crate::params::DefaultValue::{Derived, Fixed};
use crate::params::{KeyError, Param, Type};

/// The most keys a cache may be asked to track: it holds a few bytes per key of the key space.
pub const MAX_CACHE_KEYS: u64 = 1_000_000;

/// A look-aside cache shared by every client (`[cache]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CacheConfig {
    /// How long a lookup takes: a hit answers after this, a miss is sent to an instance after it.
    pub latency: SimTime,
    /// An entry expires this long after it was filled; None: never.
    pub ttl: Option<SimTime>,
    /// At most this many entries, the least recently used evicted first; None: unbounded.
    pub capacity: Option<u64>,
    /// The hit ratio counts as recovered after a flush when a bin's hit ratio reaches this
    /// fraction of the last full bin's before the flush (`cache_recovery_time`).
    pub recovered: f64,
}

/// The `[cache]` table's keys.
pub const CACHE_KEYS: &[Param] = &[
    Param {
        name: "latency",
        ty: Type::Duration,
        default: Fixed("0s"),
        doc: "a lookup's time: a hit answers after it, a miss goes to an instance after it",
    },
    Param {
        name: "ttl",
        ty: Type::PositiveDuration,
        default: Derived("none: entries never expire"),
        doc: "an entry expires this long after the response that filled it",
    },
    Param {
        name: "capacity",
        ty: Type::Count { min: 1, max: MAX_CACHE_KEYS },
        default: Derived("none: unbounded"),
        doc: "LRU: at most this many entries, the least recently used (looked up or filled) evicted first",
    },
    Param {
        name: "recovered",
        ty: Type::Number { min: 0.0, open_min: true, max: 1.0 },
        default: Fixed("0.9"),
        doc: "`cache_recovery_time` ends at the first bin whose hit ratio reaches this fraction of the last full bin's before the flush",
    },
];

/// Reads the `[cache]` table found at `key` (absent: no cache); `keys` is `workload.keys`.
pub fn parse(table: Option<toml::Table>, key: &str, keys: u64) -> Result<Option<CacheConfig>, KeyError> {
    let Some(table) = table else { return Ok(None) };
    let values = crate::params::check(CACHE_KEYS, table, key)?;
    if keys > MAX_CACHE_KEYS {
        return Err(KeyError::new("workload.keys", format!("{keys} keys is too many for a cache"))
            .allowed(format!("at most {MAX_CACHE_KEYS} with a [cache]")));
    }
    Ok(Some(CacheConfig {
        latency: values.duration("latency").unwrap_or(0),
        ttl: values.duration("ttl"),
        capacity: values.count("capacity"),
        recovered: values.number("recovered").unwrap_or(0.9),
    }))
}
