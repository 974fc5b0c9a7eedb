//! The typed, validated model of one simulation: what a scenario file means once checked.
//!
//! Everything here is plain data in nanoseconds and instance indices; nothing refers to the
//! file it came from. The simulation reads only this.

use crate::balance::BalancerFactory;
use crate::detect::DetectorFactory;
use crate::dist::Dist;
use crate::cluster::RegistryConfig;
use crate::engine::SimTime;
use crate::metrics::Phase;
use crate::params::Configured;
use crate::recovery::Recovery;

mod actions;

pub use actions::{FAULT_ACTIONS, parse as parse_fault};

/// One fully resolved simulation setup (one sweep point).
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub horizon: SimTime,
    pub replications: u32,
    /// Sequential stopping, when asked for.
    pub stopping: Option<Stopping>,
    pub instances: u32,
    pub failure: FailureModel,
    pub network: NetworkModel,
    pub detector: Configured<dyn DetectorFactory>,
    /// Service capacity of each instance; None: requests are served at once.
    pub capacity: Option<Capacity>,
    /// Clients and the discovery path; None: a detection-only scenario.
    pub clients: Option<Clients>,
    pub faults: Vec<Fault>,
    /// Windows whose detection and request metrics are also reported as `<metric>@<phase>`.
    pub phases: Vec<Phase>,
    /// How the registry acts on its detector's verdicts (`[registry]`).
    pub registry: RegistryConfig,
}

impl Scenario {
    /// The metric names a run of this scenario reports, in column order.
    pub fn metric_names(&self) -> Vec<String> {
        crate::metrics::catalog_for(&self.phases, self.clients.is_some())
    }
}

/// An instance's server: `servers` workers, a service time, a bounded waiting queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    pub servers: u32,
    pub service_time: Dist,
    pub queue_limit: u32,
    /// A crash resets connections (attempts fail at once) instead of leaving them to time out.
    pub reset_on_crash: bool,
}

/// The clients: their workload, how they learn the view, pick instances and recover.
#[derive(Clone, Debug)]
pub struct Clients {
    pub count: u32,
    /// Requests per second of each client.
    pub rate: f64,
    pub keys: u64,
    /// Zipf exponent of key popularity; None: uniform.
    pub zipf: Option<f64>,
    pub availability_bin: SimTime,
    pub propagation: Propagation,
    /// Caches between the registry and the balancer, beyond the client's own.
    pub stages: CacheStages,
    pub balancer: Configured<dyn BalancerFactory>,
    pub recovery: Recovery,
}

/// Caches on the way from the registry to the balancer (Eureka: the server's response cache;
/// Ribbon: the balancer's own server list). Each refreshes on its own timer, from a random phase.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CacheStages {
    /// Polls are answered from a copy of the registry's view refreshed every this (one per run).
    pub server_cache: Option<SimTime>,
    /// Each client's balancer routes by a copy of the client's cache refreshed every this.
    pub balancer_refresh: Option<SimTime>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Propagation {
    /// The registry pushes every change to every client (delayed by the network, never lost:
    /// a watch is a stream over a reliable connection).
    Watch,
    /// Each client fetches the registry's view every `refresh` (random phase).
    Poll { refresh: SimTime },
}

/// Add replications (in batches of `replications`) until the mean of every metric in
/// `metrics` has a 95 % confidence half-width at most `target_ci` times its magnitude, or
/// `max_replications` is reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Stopping {
    pub target_ci: f64,
    pub metrics: Vec<String>,
    pub max_replications: u32,
}

/// How instances fail on their own (scheduled faults come on top).
#[derive(Clone, Debug, PartialEq)]
pub enum FailureModel {
    None,
    /// Each instance fails once, after a time drawn from `mttf`, and stays down.
    CrashStop {
        mttf: Dist,
    },
    /// Up for a time drawn from `mttf`, down for a time drawn from `mttr`, and again.
    CrashRecover {
        mttf: Dist,
        mttr: Dist,
    },
}

/// Every message between an instance and the registry takes `delay` and is lost with `loss`.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkModel {
    pub delay: Dist,
    pub loss: f64,
}

impl NetworkModel {
    /// One message sent at `now`: lost (None) with probability `loss`, else its arrival time.
    /// The loss draw (only when loss > 0) comes before the delay draw, on the link's stream.
    pub fn transit(&self, now: SimTime, rng: &mut crate::engine::Stream) -> Option<SimTime> {
        if self.loss > 0.0 && rng.bernoulli(self.loss) {
            return None;
        }
        Some(now.saturating_add(self.delay.sample(rng)))
    }
}

/// Which side of the network a partition cuts an instance off from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cut {
    pub registry: bool,
    pub clients: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultAction {
    Crash,
    Recover,
    /// Cut messages between the instances and the registry and/or the clients.
    Partition(Cut),
    Heal(Cut),
    /// Multiply the instances' service time.
    Slow(f64),
    /// Multiply every client's request rate (the instance list is ignored).
    Spike(f64),
    /// Graceful removal: the instance stops and deregisters.
    Leave,
    /// The instance starts and registers.
    Join,
}

impl FaultAction {
    /// The action that undoes this one at `until`.
    pub fn inverse(self) -> Self {
        match self {
            FaultAction::Crash => FaultAction::Recover,
            FaultAction::Recover => FaultAction::Crash,
            FaultAction::Partition(cut) => FaultAction::Heal(cut),
            FaultAction::Heal(cut) => FaultAction::Partition(cut),
            FaultAction::Slow(_) => FaultAction::Slow(1.0),
            FaultAction::Spike(_) => FaultAction::Spike(1.0),
            FaultAction::Leave => FaultAction::Join,
            FaultAction::Join => FaultAction::Leave,
        }
    }
}

/// Which instances a fault touches.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    All,
    Instances(Vec<u32>),
    /// This many, chosen by the seed.
    Count(u32),
    /// This fraction (rounded to the nearest count), chosen by the seed.
    Fraction(f64),
}

/// A scheduled fault.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub at: SimTime,
    pub action: FaultAction,
    pub target: Target,
    /// When set, the inverse action is applied to the same instances at this time.
    pub until: Option<SimTime>,
}

/// The families of components that own a stream. The numeric values are part of the output's
/// reproducibility: never renumber them, only add new ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum StreamKind {
    /// An instance's failure and repair times.
    Failure = 1,
    /// The network link between an instance and the registry (delay and loss draws).
    Link = 2,
    /// Per-instance randomness of the failure detector (heartbeat phase, observation luck).
    Detector = 3,
    /// Choice of instances for a scheduled fault given by `count` or `fraction`.
    FaultSelection = 4,
    /// A client's request times and keys.
    ClientArrivals = 5,
    /// Messages between a client and the instances (delay and loss draws).
    ClientLink = 6,
    /// A client's balancer choices.
    Balance = 7,
    /// A client's backoff jitter.
    Recovery = 8,
    /// Registry-to-client messages of a client (watch pushes, polls).
    Propagation = 9,
    /// An instance's service times.
    Service = 10,
    /// The registry's sweep (its phase, and the choice of whom to evict under a cap).
    Eviction = 11,
}

impl From<StreamKind> for u64 {
    fn from(kind: StreamKind) -> u64 {
        kind as u64
    }
}
