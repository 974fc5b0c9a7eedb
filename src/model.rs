//! The typed, validated model of one simulation: what a scenario file means once checked.
//!
//! Everything here is plain data in nanoseconds and instance indices; nothing refers to the
//! file it came from. The simulation reads only this.

use crate::balance::BalancerFactory;
pub use crate::cluster::{
    EvictionConfig, PARTS as REGISTRY_PARTS, RegistryConfig, RemovalConfig, SelfPreservationConfig,
};
use crate::detect::DetectorFactory;
use crate::dist::Dist;
use crate::engine::SimTime;
pub use crate::metrics::MetricOptions;
use crate::metrics::Phase;
use crate::params::Configured;
use crate::recovery::Recovery;

mod actions;
mod cache;
mod chain;

pub use actions::{FAULT_ACTIONS, parse as parse_fault};
pub use cache::{CACHE_KEYS, CacheConfig, MAX_CACHE_KEYS, parse as parse_cache};
pub use chain::{MAX_TIERS, Outage, Tier};

/// One fully resolved simulation setup (one sweep point).
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario's name (names its results folder).
    pub name: String,
    /// The seed every random draw of the scenario's runs follows from.
    pub seed: u64,
    /// Simulated time of one run, in nanoseconds.
    pub horizon: SimTime,
    /// Independent runs per sweep point (the batch size under sequential stopping).
    pub replications: u32,
    /// Sequential stopping, when asked for.
    pub stopping: Option<Stopping>,
    /// Number of instances in the cluster.
    pub instances: u32,
    /// How instances fail on their own.
    pub failure: FailureModel,
    /// Delay and loss of messages between instances and the registry.
    pub network: NetworkModel,
    /// The failure detector with its resolved parameters.
    pub detector: Configured<dyn DetectorFactory>,
    /// Service capacity of each instance; None: requests are served at once.
    pub capacity: Option<Capacity>,
    /// Clients and the discovery path; None: a detection-only scenario.
    pub clients: Option<Clients>,
    /// The contention workload (`[workload] kind = "contention"`); None: none.
    pub contention: Option<Contention>,
    /// Scheduled faults, in file order.
    pub faults: Vec<Fault>,
    /// Windows whose detection and request metrics are also reported as `<metric>@<phase>`.
    pub phases: Vec<Phase>,
    /// How the registry acts on its detector's verdicts (`[registry]`).
    pub registry: RegistryConfig,
    /// The optional metrics asked for (`[metrics]`).
    pub metric_options: MetricOptions,
}

impl Scenario {
    /// The metric names a run of this scenario reports, in column order.
    pub fn metric_names(&self) -> Vec<String> {
        crate::metrics::catalog_for(&self.phases, self.metric_groups())
    }

    /// The optional groups of metrics a run of this scenario reports.
    pub fn metric_groups(&self) -> crate::metrics::Groups {
        let clients = self.clients.as_ref();
        crate::metrics::Groups {
            requests: clients.is_some(),
            self_preservation: self.registry.self_preservation.is_some(),
            outlier: clients.is_some_and(|c| c.recovery.outlier.is_some()),
            server_cache: clients.is_some_and(|c| c.stages.server_cache.is_some()),
            client_cache: clients.is_some_and(|c| c.stages.balancer_refresh.is_some()),
            pod_eviction: self.registry.pod_eviction.is_some(),
            reaper: self.registry.reaper.is_some(),
            gossip: self.detector.reports_dissemination(),
            suspicion_timeouts: self.detector.suspicion_timeout_columns(),
            load_spread: clients.is_some() && self.metric_options.load_spread,
            throttling: clients
                .is_some_and(|c| c.recovery.adaptive_throttling.is_some() || c.recovery.retry_throttling.is_some()),
            contention: self.contention.is_some(),
            chain_tiers: clients.map_or(0, |c| c.tiers.len() as u8),
            cache: clients.is_some_and(|c| c.cache.is_some()),
            tail: clients.is_some() && self.metric_options.slow.is_some(),
        }
    }
}

/// An instance's server: `servers` workers, a service time, a bounded waiting queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    /// Parallel workers per instance.
    pub servers: u32,
    /// Time a worker spends on one attempt.
    pub service_time: Dist,
    /// Attempts that may wait beyond the busy workers (`u32::MAX`: no limit); more are rejected.
    pub queue_limit: u32,
    /// A crash resets connections (attempts fail at once) instead of leaving them to time out.
    pub reset_on_crash: bool,
}

/// The clients: their workload, how they learn the view, pick instances and recover.
#[derive(Clone, Debug)]
pub struct Clients {
    /// Number of clients, each a Poisson stream of requests.
    pub count: u32,
    /// Requests per second of each client.
    pub rate: f64,
    /// Number of request keys.
    pub keys: u64,
    /// Zipf exponent of key popularity; None: uniform.
    pub zipf: Option<f64>,
    /// Bin width of `availability` and `peak_offered_load`, in nanoseconds.
    pub availability_bin: SimTime,
    /// How clients learn the registry's view.
    pub propagation: Propagation,
    /// Caches between the registry and the balancer, beyond the client's own.
    pub stages: CacheStages,
    /// How a client picks an instance, with the balancer's resolved parameters.
    pub balancer: Configured<dyn BalancerFactory>,
    /// What a client does about slow or failed attempts.
    pub recovery: Recovery,
    /// The tiers that the cluster's instances call in a chain (`[[tier]]`); empty: none.
    pub tiers: Vec<Tier>,
    /// The look-aside cache every client consults first (`[cache]`); None: no cache.
    pub cache: Option<CacheConfig>,
    /// Fan-out requests (`[workload] fanout`, `quorum`); None: one leaf per request.
    pub fanout: Option<FanOut>,
}

/// A fan-out request goes to `leaves` instances (distinct where the view allows) and is done
/// when `quorum` of them have answered: its latency is the `quorum`-th fastest leaf's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FanOut {
    /// Leaves per request (n).
    pub leaves: u32,
    /// Leaves that must answer (k, 1 ≤ k ≤ n; n: all).
    pub quorum: u32,
}

/// The contention workload (Brooker, "Exponential Backoff And Jitter", AWS 2015): `clients`
/// clients each update one shared row once with optimistic concurrency — read its version,
/// write conditionally on it, back off after a conflict and read again — and stop after their
/// successful write. Messages take the scenario's network delay.
#[derive(Clone, Debug, PartialEq)]
pub struct Contention {
    /// Number of clients, all starting at time 0.
    pub clients: u32,
    /// The backoff between a conflict and the next read, and the writes allowed per client
    /// (`max_attempts`: a client that has used them gives up).
    pub retry: crate::recovery::Retry,
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

/// How the registry's changes reach the clients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Propagation {
    /// The registry pushes every change to every client (delayed by the network, never lost:
    /// a watch is a stream over a reliable connection).
    Watch,
    /// Each client fetches the registry's view every `refresh` (random phase).
    Poll {
        /// Time between polls, in nanoseconds.
        refresh: SimTime,
    },
    /// A DNS-style cache: each client reuses its answer until `ttl` runs out; the first request
    /// after that starts a lookup (routed meanwhile by the expired answer), and the answer lasts
    /// `ttl` from its arrival.
    Ttl {
        /// How long an answer is reused, in nanoseconds.
        ttl: SimTime,
    },
}

/// Add replications (in batches of `replications`) until the mean of every metric in
/// `metrics` has a 95 % confidence half-width at most `target_ci` times its magnitude, or
/// `max_replications` is reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Stopping {
    /// Largest relative 95 % half-width allowed on each mean.
    pub target_ci: f64,
    /// The metrics whose means are judged.
    pub metrics: Vec<String>,
    /// The most replications per point.
    pub max_replications: u32,
}

/// How instances fail on their own (scheduled faults come on top).
#[derive(Clone, Debug, PartialEq)]
pub enum FailureModel {
    /// Instances fail only through scheduled faults.
    None,
    /// Each instance fails once, after a time drawn from `mttf`, and stays down.
    CrashStop {
        /// Time to failure.
        mttf: Dist,
    },
    /// Up for a time drawn from `mttf`, down for a time drawn from `mttr`, and again.
    CrashRecover {
        /// Time to failure.
        mttf: Dist,
        /// Time to repair.
        mttr: Dist,
    },
}

/// Every message between an instance and the registry takes `delay` and is lost with `loss`.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkModel {
    /// One-way delay of each message.
    pub delay: Dist,
    /// Probability that a message is lost, 0 to 1.
    pub loss: f64,
}

impl NetworkModel {
    /// One message sent at `now`: lost (None) with probability `loss`, else its arrival time.
    /// The loss draw (only when loss > 0) comes before the delay draw, on the link's stream.
    // Always inlined: two messages per request on the request path, and a constant delay is
    // a load.
    #[inline(always)]
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
    /// Cut messages between the instances and the registry.
    pub registry: bool,
    /// Cut messages between the instances and the clients.
    pub clients: bool,
}

/// What a scheduled fault does to its instances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultAction {
    /// Crash the instances.
    Crash,
    /// Recover the instances if they are down.
    Recover,
    /// Cut messages between the instances and the registry and/or the clients.
    Partition(Cut),
    /// Restore messages across the given sides.
    Heal(Cut),
    /// Multiply the instances' service time.
    Slow(f64),
    /// Multiply every client's request rate (the instance list is ignored).
    Spike(f64),
    /// Graceful removal: the instance stops and deregisters.
    Leave,
    /// The instance starts and registers.
    Join,
    /// The look-aside cache loses every entry (the instance list is ignored).
    Flush,
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
            // A flush has no `until`: there is nothing to undo.
            FaultAction::Flush => FaultAction::Flush,
        }
    }
}

/// Which instances a fault touches.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Every instance.
    All,
    /// These instance indices.
    Instances(Vec<u32>),
    /// This many, chosen by the seed.
    Count(u32),
    /// This fraction (rounded to the nearest count), chosen by the seed.
    Fraction(f64),
}

/// A scheduled fault.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// When the fault starts, in nanoseconds of simulated time.
    pub at: SimTime,
    /// What the fault does.
    pub action: FaultAction,
    /// Which instances it touches.
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
    /// The registry's response cache (its refresh phase).
    ServerCache = 12,
    /// A client's balancer list (its refresh phase).
    ListRefresh = 13,
    /// The reaper's checks (each instance's agent's phase).
    Reaper = 14,
    /// A client's outlier detector (the enforcement draws of its rate rules).
    Outlier = 15,
    /// A client's adaptive throttling (its local rejections).
    Throttle = 16,
    /// A contention client: its messages' delays and its backoff jitter.
    Contention = 17,
    /// A call chain's tier below the cluster (`[[tier]]`): index 4·tier + 0 its service times,
    /// + 1 its balancer, + 2 its failure and outage draws, + 3 the network to it.
    Chain = 21,
    /// An instance's cancel messages to the other copy of a tied request (delay and loss).
    Tie = 18,
}

impl From<StreamKind> for u64 {
    fn from(kind: StreamKind) -> u64 {
        kind as u64
    }
}
