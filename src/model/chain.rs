//! Call chains (`[[tier]]`): the services behind the cluster's instances. The cluster is tier
//! 1; an attempt served at tier i calls tier i + 1, and answers once that call is over.

use crate::balance::BalancerFactory;
use crate::dist::Dist;
use crate::engine::SimTime;
use crate::params::Configured;

pub use crate::metrics::chain::MAX_TIERS;

/// One tier of a call chain below the cluster: its instances, how its callers pick one, and
/// how they time out and retry.
#[derive(Clone, Debug)]
pub struct Tier {
    /// Instances of the tier.
    pub instances: u32,
    /// Parallel workers per instance.
    pub workers: u32,
    /// Attempts that may wait beyond the busy workers (`u32::MAX`: no limit); more are refused.
    pub queue_limit: u32,
    /// A worker's own work on one attempt (before its downstream call); None: none.
    pub service_time: Option<Dist>,
    /// How a caller picks an instance of this tier.
    pub balancer: Configured<dyn BalancerFactory>,
    /// A caller's timeout on one attempt to this tier.
    pub timeout: SimTime,
    /// Attempts per call (1: no retry).
    pub attempts: u32,
    /// The fixed wait between a failed attempt and the next.
    pub backoff: SimTime,
    /// Retry budget: retries allowed per call into the tier, pooled over its callers
    /// (a token bucket without floor, like `recovery.retry.budget`); None: no budget.
    pub budget: Option<f64>,
    /// Probability that a served attempt answers with an error.
    pub failure: f64,
    /// A window in which the tier fails or slows down.
    pub outage: Option<Outage>,
}

/// A window [from, until) in which a tier's attempts are refused at once with probability
/// `failure`, and the others served `slow` times slower.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outage {
    /// Start of the window.
    pub from: SimTime,
    /// End of the window (excluded).
    pub until: SimTime,
    /// Probability that an attempt arriving in the window is refused at once.
    pub failure: f64,
    /// Factor on the service time of attempts that start service in the window.
    pub slow: f64,
}

impl Outage {
    /// Whether `now` is in the window.
    pub fn covers(&self, now: SimTime) -> bool {
        self.from <= now && now < self.until
    }
}
