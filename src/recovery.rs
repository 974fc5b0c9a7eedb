//! Recovery policies of a client: backoff with jitter between retries, the retry budget, the
//! circuit breaker, outlier detection (passive health checking), adaptive throttling (the SRE
//! book's) and retry throttling (gRPC's tokens). (Per-attempt timeouts, deadlines and hedging are steps of the request
//! lifecycle in `traffic::requests`, parameterised by `Recovery` here.)

pub(crate) mod backoff;
pub(crate) mod breaker;
pub(crate) mod budget;
pub(crate) mod outlier;
mod parts;
pub(crate) mod retry_throttle;
pub(crate) mod throttle;

pub use parts::{PARTS, Part, parse};

use crate::engine::SimTime;

/// What a client does about slow or failed attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// Per-attempt timeout.
    pub timeout: SimTime,
    /// The timestamp mechanism: a request is valid for this long.
    pub deadline: Option<SimTime>,
    /// Retries after a failed attempt.
    pub retry: Retry,
    /// The circuit breaker; `None`: none.
    pub breaker: Option<Breaker>,
    /// Hedged requests; `None`: none.
    pub hedge: Option<Hedge>,
    /// Outlier detection (Envoy's passive health checking); `None`: none.
    pub outlier: Option<Outlier>,
    /// Client-side adaptive throttling (the SRE book's); `None`: none.
    pub adaptive_throttling: Option<AdaptiveThrottling>,
    /// gRPC's retry throttling; `None`: none.
    pub retry_throttling: Option<RetryThrottling>,
    /// Tied requests (Dean & Barroso); `None`: none.
    pub tied: Option<Tied>,
}

/// Tied requests (Dean & Barroso, "The Tail at Scale", CACM 2013): every attempt is sent as
/// two copies to two instances; the copy that starts service first sends the other's instance
/// a cancel (a message with the network's delay and loss), which drops that copy if it is
/// still waiting in the queue when the cancel arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tied {
    /// Whether the first copy to start cancels the other (false: both run, plain duplication).
    pub cancel: bool,
}

impl Recovery {
    /// One attempt per request with `timeout`, nothing else.
    pub fn plain(timeout: SimTime) -> Self {
        Recovery {
            timeout,
            deadline: None,
            retry: Retry::none(),
            breaker: None,
            hedge: None,
            outlier: None,
            adaptive_throttling: None,
            retry_throttling: None,
            tied: None,
        }
    }
}

/// Client-side adaptive throttling (Google SRE book, "Handling Overload"): over the last
/// `window`, a client rejects a request locally with probability
/// max(0, (requests − k·accepts) / (requests + 1)), where requests counts every request its
/// application asked for (attempts, retries and hedges included, locally rejected ones too)
/// and accepts those the backend answered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaptiveThrottling {
    /// The multiplier K of accepts (the book's 2).
    pub k: f64,
    /// The sliding window, in nanoseconds (the book's 2 minutes).
    pub window: SimTime,
}

/// gRPC's retry throttling (gRFC A6): each client's token count starts at `max_tokens`, falls
/// by 1 per failed attempt, rises by `token_ratio` per successful one; retries and hedges only
/// while it is above `max_tokens` / 2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryThrottling {
    /// The token count's start and ceiling.
    pub max_tokens: f64,
    /// Tokens a successful attempt gives back.
    pub token_ratio: f64,
}

/// How the backoff before a retry grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    /// `base` before each retry.
    Fixed,
    /// `base` doubled per retry, up to `cap`.
    Exponential,
}

/// How a backoff is randomised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// The backoff as computed.
    None,
    /// Uniform on [0, backoff].
    Full,
    /// Half the backoff plus uniform on [0, half].
    Equal,
    /// Uniform on [base, 3 × previous backoff], at most `cap`.
    Decorrelated,
}

/// A client's retry policy (`[recovery.retry]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// Attempts per request, the first included (1: no retry).
    pub max_attempts: u32,
    /// How the backoff grows.
    pub backoff: Backoff,
    /// The first backoff, in nanoseconds.
    pub base: SimTime,
    /// The longest backoff, in nanoseconds.
    pub cap: SimTime,
    /// How a backoff is randomised.
    pub jitter: Jitter,
    /// Retry budget: retries allowed as this fraction of requests, plus `budget_floor` per second.
    pub budget: Option<f64>,
    /// Retries allowed per second on top of the `budget` fraction.
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
    /// Failed fraction of a window's attempts that opens the breaker, 0 to 1.
    pub failure_rate: f64,
    /// The window the failure rate is measured over, in nanoseconds.
    pub window: SimTime,
    /// Attempts a window needs before it can open the breaker (0 counts as 1).
    pub min_requests: u32,
    /// How long the instance is skipped before one probe, in nanoseconds.
    pub open_for: SimTime,
}

/// A second attempt to another instance when the first has not answered after `delay`, or
/// after the client's observed latency `quantile` (once it has 100 samples; `delay` until then).
#[derive(Clone, Debug, PartialEq)]
pub struct Hedge {
    /// Time before the second attempt, in nanoseconds (until `quantile` has 100 samples).
    pub delay: SimTime,
    /// Below 1: use the client's observed latency quantile instead, after 100 samples.
    pub quantile: Option<f64>,
}

/// Outlier detection, as Envoy's (`outlier_detection.proto`), per client: after
/// `consecutive_failures` failed attempts in a row to an instance the client ejects it at once
/// (if at most `max_ejection_percent` of the listed instances would then be ejected, one always
/// allowed) for `base_ejection_time` × the times it has been ejected, at most
/// `max_ejection_time`; it returns at the first analysis sweep (every `interval`) after that.
/// While fewer than `panic_threshold` % of the listed instances are not ejected, ejections are
/// ignored (healthy panic). At each sweep, optionally, the success rates of the interval
/// just ended eject instances too (`success_rate`, `failure_percentage`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outlier {
    /// Failed attempts in a row that eject an instance (Envoy's `consecutive_5xx`).
    pub consecutive_failures: u32,
    /// Time between analysis sweeps, which return ejected instances, in nanoseconds.
    pub interval: SimTime,
    /// Ejection time per ejection so far, in nanoseconds.
    pub base_ejection_time: SimTime,
    /// The longest ejection, in nanoseconds (at least `base_ejection_time`, as Envoy's).
    pub max_ejection_time: SimTime,
    /// Percent of the listed instances that may be ejected at once, this one included.
    pub max_ejection_percent: f64,
    /// One instance may be ejected whatever the percentage (Envoy's `always_eject_one_host`).
    pub always_eject_one_host: bool,
    /// Percent of the listed instances below which the balancer ignores ejections.
    pub panic_threshold: f64,
    /// Success-rate ejection: `limit` is the standard-deviation factor (Envoy's
    /// `success_rate_stdev_factor` / 1000).
    pub success_rate: RateEjection,
    /// Failure-percentage ejection: `limit` is the failure percentage that ejects.
    pub failure_percentage: RateEjection,
}

/// One of Envoy's statistical ejections, run at every analysis sweep over the attempts of the
/// interval just ended (`processSuccessRateEjections`): instances not ejected with at least
/// `request_volume` attempts count, if there are `minimum_hosts` of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateEjection {
    /// The rule's parameter: a standard-deviation factor, or a failure percentage.
    pub limit: f64,
    /// Instances with enough attempts needed for the rule to run.
    pub minimum_hosts: u32,
    /// Attempts in the interval an instance needs to count.
    pub request_volume: u32,
    /// Percent chance that an instance the rule finds is ejected (0: the rule is off).
    pub enforcing: f64,
}

impl RateEjection {
    /// Whether the rule can eject at all.
    pub fn is_on(&self) -> bool {
        self.enforcing > 0.0
    }
}

impl Outlier {
    /// How long the `times`-th ejection of an instance lasts (before the sweep that ends it).
    pub fn ejection_time(&self, times: u32) -> SimTime {
        let cap = self.max_ejection_time.max(self.base_ejection_time);
        self.base_ejection_time.saturating_mul(times as u64).min(cap)
    }
}
