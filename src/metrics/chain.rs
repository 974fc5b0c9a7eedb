//! Call-chain metrics (`[[tier]]`): per tier below the cluster (tier 2 on), the attempts it
//! received, their number per client request (the retry amplification) and per finished call,
//! the calls that failed, the retries its budget refused, and its workers' utilization.

use super::MetricValues;
use crate::engine::SimTime;
use crate::engine::time::to_seconds;

/// Most tiers below the cluster (a chain of at most `MAX_TIERS + 1` services).
pub const MAX_TIERS: usize = 4;

/// The metrics of each tier below the cluster, reported as `tier<i>_<name>` for i = 2, 3, …
pub const CHAIN_METRICS: [&str; 6] =
    ["attempts", "amplification", "attempts_per_call", "failed_calls", "budget_denied", "utilization"];

/// The column names of a chain of `tiers` tiers below the cluster.
pub(crate) fn names(tiers: u8) -> impl Iterator<Item = String> {
    (2..=tiers as usize + 1).flat_map(|t| CHAIN_METRICS.iter().map(move |m| format!("tier{t}_{m}")))
}

/// One tier's counts.
#[derive(Clone, Debug, Default)]
pub(crate) struct TierMetrics {
    /// Attempts sent to the tier.
    pub attempts: u64,
    /// Calls into the tier that are over, and their attempts.
    pub calls_finished: u64,
    pub attempts_of_finished: u64,
    /// Calls that failed (every attempt failed, or the budget refused a retry).
    pub failed_calls: u64,
    /// Retries the tier's budget refused.
    pub budget_denied: u64,
    /// Worker time spent on services that ended, in nanoseconds.
    pub busy: u128,
}

impl TierMetrics {
    /// Reports tier `tier` (2 for the first below the cluster), over `requests` client
    /// requests, with `workers` workers in all, over `horizon`.
    pub(crate) fn report(&self, tier: usize, requests: u64, workers: u64, horizon: SimTime, out: &mut MetricValues) {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let capacity = workers as f64 * to_seconds(horizon);
        for (name, value) in [
            ("attempts", self.attempts as f64),
            ("amplification", ratio(self.attempts as f64, requests as f64)),
            ("attempts_per_call", ratio(self.attempts_of_finished as f64, self.calls_finished as f64)),
            ("failed_calls", self.failed_calls as f64),
            ("budget_denied", self.budget_denied as f64),
            ("utilization", ratio(self.busy as f64 / 1e9, capacity)),
        ] {
            out.push(format!("tier{tier}_{name}"), value);
        }
    }
}
