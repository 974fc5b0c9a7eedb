//! One tier of a call chain below the cluster: its instances' workers and bounded queues, the
//! balancer its callers share, their attempt timeouts, its retry budget, its random streams and
//! its metrics. Its instances never crash; an outage window refuses or slows their attempts.

use crate::balance::{Balancer, Pick};
use crate::engine::{RandomStreams, SimTime, Stream, TimerLane};
use crate::ids::{ClientId, InstanceId, PerInstance};
use crate::metrics::chain::TierMetrics;
use crate::model::{StreamKind, Tier};
use crate::recovery::budget::Budget;
use crate::traffic::slab::Ref;
use std::collections::VecDeque;

/// What an instance does with an arriving attempt.
pub(super) enum Admission {
    /// A worker takes it: its service ends after this long.
    Serve(SimTime),
    /// It waits in the queue.
    Queued,
    /// It is refused at once (full queue, or the tier's outage).
    Refused,
}

/// One instance: busy workers and the attempts waiting for one.
#[derive(Default)]
struct Server {
    busy: u32,
    waiting: VecDeque<Ref>,
}

/// A tier's state in one run.
pub(super) struct TierState {
    pub model: Tier,
    balancer: Box<dyn Balancer>,
    live: Vec<InstanceId>,
    is_live: PerInstance<bool>,
    outstanding: PerInstance<u32>,
    servers: PerInstance<Server>,
    /// Callers' attempt timeouts: one fixed delay, so a FIFO lane.
    pub timeouts: TimerLane<Ref>,
    budget: Option<Budget>,
    service_rng: Stream,
    balance_rng: Stream,
    failure_rng: Stream,
    /// The network to and from the tier's instances.
    pub link_rng: Stream,
    pub metrics: TierMetrics,
}

impl TierState {
    /// Tier `index` (0 for the first below the cluster); `call_rate` sizes its budget's bucket.
    pub(super) fn new(model: Tier, index: u64, call_rate: f64, streams: &RandomStreams) -> Self {
        let n = model.instances;
        let stream = |k: u64| streams.stream(StreamKind::Chain, 4 * index + k);
        TierState {
            balancer: model.balancer.build(n, 1),
            live: InstanceId::all(n).collect(),
            is_live: PerInstance::new(n, true),
            outstanding: PerInstance::new(n, 0),
            servers: InstanceId::all(n).map(|_| Server::default()).collect(),
            timeouts: TimerLane::default(),
            budget: model.budget.map(|ratio| Budget::new(ratio, 0.0, call_rate)),
            service_rng: stream(0),
            balance_rng: stream(1),
            failure_rng: stream(2),
            link_rng: stream(3),
            metrics: TierMetrics::default(),
            model,
        }
    }

    /// A call into the tier starts: it deposits into the budget.
    pub(super) fn call_started(&mut self, now: SimTime) {
        if let Some(budget) = &mut self.budget {
            budget.deposit(now);
        }
    }

    /// Whether a retry is allowed by the budget (taking its token); a refusal is counted.
    pub(super) fn retry_allowed(&mut self, now: SimTime) -> bool {
        let allowed = self.budget.as_mut().is_none_or(|b| b.withdraw(now));
        self.metrics.budget_denied += !allowed as u64;
        allowed
    }

    /// The balancer's choice for an attempt with `key`, counted as outstanding.
    pub(super) fn pick(&mut self, key: u64) -> Option<InstanceId> {
        let mut pick = Pick {
            client: ClientId(0),
            key,
            live: &self.live,
            is_live: &self.is_live,
            outstanding: &self.outstanding,
            tried: &[],
            rng: &mut self.balance_rng,
        };
        let instance = self.balancer.pick(&mut pick)?;
        self.outstanding[instance] += 1;
        Some(instance)
    }

    /// An attempt to `instance` ended on its caller.
    pub(super) fn attempt_ended(&mut self, instance: InstanceId) {
        self.outstanding[instance] -= 1;
    }

    /// An attempt `job` arrives at `instance` at `now`.
    pub(super) fn admit(&mut self, instance: InstanceId, job: Ref, now: SimTime) -> Admission {
        if let Some(o) = self.model.outage
            && o.covers(now)
            && self.failure_rng.bernoulli(o.failure)
        {
            return Admission::Refused;
        }
        let server = &mut self.servers[instance];
        if server.busy < self.model.workers {
            server.busy += 1;
            Admission::Serve(self.service_time(now))
        } else if (server.waiting.len() as u64) < self.model.queue_limit as u64 {
            server.waiting.push_back(job);
            Admission::Queued
        } else {
            Admission::Refused
        }
    }

    /// A worker's time on one attempt starting at `now` (the outage's slowdown included).
    fn service_time(&mut self, now: SimTime) -> SimTime {
        let base = self.model.service_time.as_ref().map_or(0, |d| d.sample(&mut self.service_rng));
        match self.model.outage {
            Some(o) if o.slow != 1.0 && o.covers(now) => (base as f64 * o.slow).round() as SimTime,
            _ => base,
        }
    }

    /// A service of `length` on `instance` ended: the worker takes the next waiting attempt
    /// (returned with its service time), or becomes free.
    pub(super) fn service_ended(
        &mut self,
        instance: InstanceId,
        length: SimTime,
        now: SimTime,
    ) -> Option<(Ref, SimTime)> {
        self.metrics.busy += length as u128;
        match self.servers[instance].waiting.pop_front() {
            Some(next) => Some((next, self.service_time(now))),
            None => {
                self.servers[instance].busy -= 1;
                None
            }
        }
    }

    /// Whether a served attempt answers with an error (the tier's `failure` probability).
    pub(super) fn fails(&mut self) -> bool {
        self.model.failure > 0.0 && self.failure_rng.bernoulli(self.model.failure)
    }
}
