//! Call chains (`[[tier]]`): an attempt served by a cluster instance calls the first tier below
//! it, an attempt served there calls the next, and so on; each answers its caller once its own
//! call is over (success, or failure when every attempt failed or the budget refused a retry).
//! Each tier's callers pick an instance with the tier's balancer, time out attempts after the
//! tier's timeout and retry after its fixed backoff, so retries multiply down the chain.
//!
//! A worker is freed when its own work ends, before its downstream call (an asynchronous
//! server), and a caller that times out does not cancel the work it started below: both are
//! what makes retry amplification real. The single-tier path is untouched without `[[tier]]`.

mod tier;

use super::serving::Servers;
use super::slab::{Ref, Slab};
use super::{TrafficCtx, TrafficEvent, WorldEvent};
use crate::engine::{RandomStreams, SimTime};
use crate::ids::InstanceId;
use crate::metrics::MetricValues;
use crate::model::{Clients, NetworkModel};
use tier::{Admission, TierState};

/// A call chain's own events.
#[derive(Clone, Copy, Debug, Hash)]
pub enum ChainEvent {
    /// An attempt reaches its instance.
    Arrive {
        /// The attempt's job on the instance.
        job: Ref,
    },
    /// A worker finished its own work on a job.
    Done {
        /// The job.
        job: Ref,
    },
    /// An answer reaches the caller.
    Response {
        /// The attempt answered.
        attempt: Ref,
        /// False for an error or a refusal.
        ok: bool,
    },
    /// The earliest pending attempt timeout into `tier` is due.
    Timeout {
        /// The tier (0 for the first below the cluster).
        tier: u8,
    },
    /// The backoff before a call's next attempt is over.
    Retry {
        /// The call.
        call: Ref,
    },
}

/// Who made a call, and waits for its outcome.
#[derive(Clone, Copy)]
enum Caller {
    /// A cluster instance's job (in the request path's servers).
    Cluster(Ref),
    /// A job on an instance of the tier above.
    Tier(Ref),
}

#[derive(Clone, Copy)]
struct Call {
    tier: u8,
    caller: Caller,
    key: u64,
    attempts: u32,
}

/// An attempt on its caller's side (gone once answered or timed out).
#[derive(Clone, Copy)]
struct Attempt {
    call: Ref,
    tier: u8,
    instance: InstanceId,
}

/// An attempt on its instance's side (it outlives a caller's timeout).
#[derive(Clone, Copy)]
struct Job {
    attempt: Ref,
    tier: u8,
    instance: InstanceId,
    key: u64,
    /// When its service started, and for how long (0 until then).
    started: SimTime,
    length: SimTime,
}

/// Every tier below the cluster, and the calls, attempts and jobs in flight between them.
pub(super) struct Chain {
    tiers: Vec<TierState>,
    calls: Slab<Call>,
    attempts: Slab<Attempt>,
    jobs: Slab<Job>,
    network: NetworkModel,
}

impl Chain {
    /// The chain of `model`'s tiers (None without `[[tier]]`).
    pub(super) fn new(model: &Clients, network: &NetworkModel, streams: &RandomStreams) -> Option<Self> {
        if model.tiers.is_empty() {
            return None;
        }
        let rate = model.rate * model.count as f64;
        let tiers = model.tiers.iter().enumerate();
        Some(Chain {
            tiers: tiers.map(|(i, t)| TierState::new(t.clone(), i as u64, rate, streams)).collect(),
            calls: Slab::default(),
            attempts: Slab::default(),
            jobs: Slab::default(),
            network: network.clone(),
        })
    }

    pub(super) fn on_event<E: WorldEvent>(
        &mut self,
        event: ChainEvent,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
    ) {
        match event {
            ChainEvent::Arrive { job } => self.on_arrive(job, ctx),
            ChainEvent::Done { job } => self.on_done(job, ctx, servers),
            ChainEvent::Response { attempt, ok } => self.on_response(attempt, ok, ctx, servers),
            ChainEvent::Timeout { tier } => self.on_timeout(tier, ctx, servers),
            ChainEvent::Retry { call } => self.send_attempt(call, ctx, servers),
        }
    }

    /// A cluster instance finished its own work on `job` (of request `key`): it calls the first tier.
    pub(super) fn call_from_cluster<E: WorldEvent>(
        &mut self,
        job: Ref,
        key: u64,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
    ) {
        self.start_call(0, Caller::Cluster(job), key, ctx, servers);
    }

    fn start_call<E: WorldEvent>(
        &mut self,
        tier: u8,
        caller: Caller,
        key: u64,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
    ) {
        self.tiers[tier as usize].call_started(ctx.now);
        let call = self.calls.insert(Call { tier, caller, key, attempts: 0 });
        self.send_attempt(call, ctx, servers);
    }

    /// Sends the call's next attempt: picked by the tier's balancer, timed out by its lane,
    /// carried by the network (a lost attempt only times out).
    fn send_attempt<E: WorldEvent>(&mut self, call: Ref, ctx: &mut TrafficCtx<E>, servers: &mut Servers) {
        let Some(c) = self.calls.get_mut(call) else { return };
        c.attempts += 1;
        let (tier, key) = (c.tier, c.key);
        let t = &mut self.tiers[tier as usize];
        t.metrics.attempts += 1;
        let Some(instance) = t.pick(key) else {
            return self.attempt_failed(call, ctx, servers);
        };
        let attempt = self.attempts.insert(Attempt { call, tier, instance });
        let wake = E::from(TrafficEvent::Chain(ChainEvent::Timeout { tier }));
        t.timeouts.set(ctx.now.saturating_add(t.model.timeout), attempt, wake, ctx.queue);
        if let Some(at) = self.network.transit(ctx.now, &mut t.link_rng) {
            let job = self.jobs.insert(Job { attempt, tier, instance, key, started: 0, length: 0 });
            ctx.at(at, TrafficEvent::Chain(ChainEvent::Arrive { job }));
        }
    }

    fn on_arrive<E: WorldEvent>(&mut self, job: Ref, ctx: &mut TrafficCtx<E>) {
        let Some(j) = self.jobs.get(job) else { return };
        let (tier, instance) = (j.tier as usize, j.instance);
        match self.tiers[tier].admit(instance, job, ctx.now) {
            Admission::Serve(length) => self.start_service(job, length, ctx),
            Admission::Queued => {}
            Admission::Refused => self.respond(job, false, ctx),
        }
    }

    fn start_service<E: WorldEvent>(&mut self, job: Ref, length: SimTime, ctx: &mut TrafficCtx<E>) {
        if let Some(j) = self.jobs.get_mut(job) {
            (j.started, j.length) = (ctx.now, length);
            ctx.at(ctx.now.saturating_add(length), TrafficEvent::Chain(ChainEvent::Done { job }));
        }
    }

    /// A worker's own work on `job` ended: the worker moves on, and the job fails (the tier's
    /// `failure`), calls the tier below, or answers.
    fn on_done<E: WorldEvent>(&mut self, job: Ref, ctx: &mut TrafficCtx<E>, servers: &mut Servers) {
        let Some(j) = self.jobs.get(job) else { return };
        let (tier, key) = (j.tier, j.key);
        let t = &mut self.tiers[tier as usize];
        if let Some((next, length)) = t.service_ended(j.instance, j.length, ctx.now) {
            self.start_service(next, length, ctx);
        }
        if self.tiers[tier as usize].fails() {
            self.respond(job, false, ctx);
        } else if (tier as usize) + 1 < self.tiers.len() {
            self.start_call(tier + 1, Caller::Tier(job), key, ctx, servers);
        } else {
            self.respond(job, true, ctx);
        }
    }

    /// The job's answer leaves for its caller (unless the network loses it).
    fn respond<E: WorldEvent>(&mut self, job: Ref, ok: bool, ctx: &mut TrafficCtx<E>) {
        let Some(j) = self.jobs.remove(job) else { return };
        if let Some(at) = self.network.transit(ctx.now, &mut self.tiers[j.tier as usize].link_rng) {
            ctx.at(at, TrafficEvent::Chain(ChainEvent::Response { attempt: j.attempt, ok }));
        }
    }

    fn on_response<E: WorldEvent>(&mut self, attempt: Ref, ok: bool, ctx: &mut TrafficCtx<E>, servers: &mut Servers) {
        let Some(call) = self.end_attempt(attempt) else { return };
        if ok {
            self.finish_call(call, true, ctx, servers);
        } else {
            self.attempt_failed(call, ctx, servers);
        }
    }

    /// The earliest timeout into `tier` is due; timeouts of attempts already answered are
    /// dropped from the lane unseen.
    fn on_timeout<E: WorldEvent>(&mut self, tier: u8, ctx: &mut TrafficCtx<E>, servers: &mut Servers) {
        let attempts = &self.attempts;
        let wake = E::from(TrafficEvent::Chain(ChainEvent::Timeout { tier }));
        let lane = &mut self.tiers[tier as usize].timeouts;
        let Some(attempt) = lane.fire(wake, ctx.queue, |a| attempts.get(a).is_some()) else { return };
        if let Some(call) = self.end_attempt(attempt) {
            self.attempt_failed(call, ctx, servers);
        }
    }

    /// Closes an attempt on its caller's side: its call.
    fn end_attempt(&mut self, attempt: Ref) -> Option<Ref> {
        let a = self.attempts.remove(attempt)?;
        self.tiers[a.tier as usize].attempt_ended(a.instance);
        Some(a.call)
    }

    /// An attempt failed: retry after the backoff if attempts are left and the budget allows,
    /// else the call fails.
    fn attempt_failed<E: WorldEvent>(&mut self, call: Ref, ctx: &mut TrafficCtx<E>, servers: &mut Servers) {
        let Some(c) = self.calls.get(call) else { return };
        let t = &mut self.tiers[c.tier as usize];
        if c.attempts >= t.model.attempts || !t.retry_allowed(ctx.now) {
            return self.finish_call(call, false, ctx, servers);
        }
        let at = ctx.now.saturating_add(t.model.backoff);
        ctx.at(at, TrafficEvent::Chain(ChainEvent::Retry { call }));
    }

    /// The call is over: its caller answers with its outcome.
    fn finish_call<E: WorldEvent>(&mut self, call: Ref, ok: bool, ctx: &mut TrafficCtx<E>, servers: &mut Servers) {
        let Some(c) = self.calls.remove(call) else { return };
        let m = &mut self.tiers[c.tier as usize].metrics;
        m.calls_finished += 1;
        m.attempts_of_finished += c.attempts as u64;
        m.failed_calls += !ok as u64;
        match c.caller {
            Caller::Cluster(job) => servers.answer(job, ok, ctx),
            Caller::Tier(job) => self.respond(job, ok, ctx),
        }
    }

    /// Each tier's metrics, over `requests` client requests.
    pub(super) fn report(&self, requests: u64, horizon: SimTime, out: &mut MetricValues) {
        for (i, t) in self.tiers.iter().enumerate() {
            let workers = t.model.instances as u64 * t.model.workers as u64;
            t.metrics.report(i + 2, requests, workers, horizon, out);
        }
    }
}
