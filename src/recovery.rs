//! Recovery policies of a client: backoff with jitter between retries, the retry budget, the
//! circuit breaker. (Per-attempt timeouts, deadlines and hedging are steps of the request
//! lifecycle in `traffic::requests`, parameterised by `Recovery` here.)

pub(crate) mod backoff;
pub(crate) mod breaker;
pub(crate) mod budget;
mod parts;

pub use parts::{PARTS, Part, parse};

use crate::engine::SimTime;

/// What a client does about slow or failed attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// Per-attempt timeout.
    pub timeout: SimTime,
    /// The timestamp mechanism: a request is valid for this long.
    pub deadline: Option<SimTime>,
    pub retry: Retry,
    pub breaker: Option<Breaker>,
    pub hedge: Option<Hedge>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    Fixed,
    Exponential,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
    Equal,
    Decorrelated,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// Attempts per request, the first included (1: no retry).
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub base: SimTime,
    pub cap: SimTime,
    pub jitter: Jitter,
    /// Retry budget: retries allowed as this fraction of requests, plus `budget_floor` per second.
    pub budget: Option<f64>,
    pub budget_floor: f64,
}

impl Retry {
    /// One attempt, no retry.
    pub fn none() -> Self {
        Retry {
            max_attempts: 1,
            backoff: Backoff::Fixed,
            base: 0,
            cap: 0,
            jitter: Jitter::None,
            budget: None,
            budget_floor: 0.0,
        }
    }
}

/// A circuit breaker per (client, instance): after a window with at least `min_requests`
/// attempts and a failure fraction of `failure_rate` or more, it opens for `open_for`, then
/// lets one probe through (half-open): success closes it, failure opens it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Breaker {
    pub failure_rate: f64,
    pub window: SimTime,
    pub min_requests: u32,
    pub open_for: SimTime,
}

/// A second attempt to another instance when the first has not answered after `delay`, or
/// after the client's observed latency `quantile` (once it has 100 samples; `delay` until then).
#[derive(Clone, Debug, PartialEq)]
pub struct Hedge {
    pub delay: SimTime,
    pub quantile: Option<f64>,
}
