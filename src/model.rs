//! The typed, validated model of one simulation: what a scenario file means once checked.
//!
//! Everything here is plain data in nanoseconds and instance indices; nothing refers to the
//! file it came from. The simulation reads only this.

use crate::detect::DetectorFactory;
use crate::dist::Dist;
use crate::engine::SimTime;
use std::sync::Arc;

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
    pub detector: Arc<dyn DetectorFactory>,
    pub faults: Vec<Fault>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    Crash,
    Recover,
    /// Cut messages between the instances and the registry.
    Partition,
    Heal,
}

impl FaultAction {
    pub const NAMES: &'static [&'static str] = &["crash", "recover", "partition", "heal"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "crash" => Some(FaultAction::Crash),
            "recover" => Some(FaultAction::Recover),
            "partition" => Some(FaultAction::Partition),
            "heal" => Some(FaultAction::Heal),
            _ => None,
        }
    }

    /// The action that undoes this one at `until`.
    pub fn inverse(self) -> Self {
        match self {
            FaultAction::Crash => FaultAction::Recover,
            FaultAction::Recover => FaultAction::Crash,
            FaultAction::Partition => FaultAction::Heal,
            FaultAction::Heal => FaultAction::Partition,
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
