//! The look-aside cache's metrics (reported only with `[cache]`): the hit ratio, the rate of
//! requests that reach the backend (the misses), and after each flush the time until the
//! hit ratio of a bin (`workload.availability_bin`) is back to `recovered` times that of the
//! last full bin before the flush.

use super::{MetricValues, Sampled};
use crate::engine::SimTime;
use crate::engine::time::to_seconds;

pub(crate) struct CacheMetrics {
    hits: u64,
    lookups: u64,
    /// The bin being counted: its index, hits and lookups.
    bin: (SimTime, u64, u64),
    width: SimTime,
    /// The last closed bin's hit ratio.
    last_ratio: Option<f64>,
    /// The flush waiting for recovery: when, and the hit ratio that counts as recovered.
    pending: Option<(SimTime, f64)>,
    recovered: f64,
    recovery_time: Sampled,
}

impl CacheMetrics {
    pub(crate) fn new(width: SimTime, recovered: f64) -> Self {
        CacheMetrics {
            hits: 0,
            lookups: 0,
            bin: (0, 0, 0),
            width,
            last_ratio: None,
            pending: None,
            recovered,
            recovery_time: Sampled::default(),
        }
    }

    /// A lookup at `now`, a hit or not.
    pub(crate) fn lookup(&mut self, now: SimTime, hit: bool) {
        self.hits += hit as u64;
        self.lookups += 1;
        let index = now / self.width;
        if index != self.bin.0 {
            self.close();
            self.bin.0 = index;
        }
        self.bin.1 += hit as u64;
        self.bin.2 += 1;
    }

    /// Ends the bin being counted; a bin that reaches the pending flush's target (and starts
    /// after it) ends the recovery.
    fn close(&mut self) {
        let (index, hits, lookups) = self.bin;
        self.bin = (index, 0, 0);
        if lookups == 0 {
            return;
        }
        let ratio = hits as f64 / lookups as f64;
        self.last_ratio = Some(ratio);
        let start = index * self.width;
        if let Some((at, target)) = self.pending
            && start >= at
            && ratio >= target
        {
            self.recovery_time.record(start + self.width - at);
            self.pending = None;
        }
    }

    /// The cache was flushed at `now`: recovery is timed against the last full bin before.
    pub(crate) fn flushed(&mut self, now: SimTime) {
        if self.pending.is_none() {
            self.pending = self.last_ratio.map(|r| (now, r * self.recovered));
        }
    }

    pub(crate) fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        self.close();
        let misses = self.lookups - self.hits;
        out.push("cache_hit_ratio", ratio(self.hits, self.lookups));
        out.push("backend_request_rate", misses as f64 / to_seconds(horizon));
        self.recovery_time.report("cache_recovery_time", out);
    }
}

pub(crate) fn ratio(part: u64, whole: u64) -> f64 {
    if whole > 0 { part as f64 / whole as f64 } else { f64::NAN }
}
