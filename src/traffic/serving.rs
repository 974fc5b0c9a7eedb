//! The instance side and the links that reach it: `servers` workers and a FIFO queue of at most
//! `queue_limit` waiting jobs; a full queue rejects at once. A crashed instance loses its queue
//! and answers nothing (or, with `on_crash = "reset"`, refuses at once).
//! Work whose deadline has passed is dropped unserved, and with deadlines a duplicate of a
//! request this instance already holds is recognised by its timestamp and not executed again.

use super::slab::{Ref, Slab};
use super::{TrafficCtx, TrafficEvent, WorldEvent};
use crate::engine::{LogAhead, SimTime, Stream};
use crate::ids::{ClientId, InstanceId, PerClient, PerInstance};
use crate::metrics::requests::RequestMetrics;
use crate::model::{Capacity, NetworkModel};
use std::collections::{HashMap, VecDeque};

/// A job on an instance: one attempt of a request.
#[derive(Clone, Copy)]
pub(super) struct Job {
    pub attempt: Ref,
    /// Identifies the request across its attempts (its slab reference).
    pub request_id: u64,
    pub client: ClientId,
    pub instance: InstanceId,
    pub deadline: SimTime,
}

struct Server {
    /// Jobs being served, one per busy worker.
    in_service: Vec<Ref>,
    waiting: VecDeque<Ref>,
    slow: f64,
    /// With deadlines: requests this instance has taken, and whether it finished them (kept
    /// until their deadline passes).
    seen: HashMap<u64, (bool, SimTime)>,
}

impl Default for Server {
    fn default() -> Self {
        Server { in_service: Vec::new(), waiting: VecDeque::new(), slow: 1.0, seen: HashMap::new() }
    }
}

/// Clean the duplicate table when it grows past this many entries.
const SEEN_CLEANUP: usize = 4096;

/// Every instance's queue and workers, the jobs in transit or held, and the client links.
pub(super) struct Servers {
    /// None: instances answer at once, without queueing.
    capacity: Option<Capacity>,
    network: NetworkModel,
    servers: PerInstance<Server>,
    jobs: Slab<Job>,
    /// Instances cut off from the clients by a partition.
    cut: PerInstance<bool>,
    /// One per client: both directions of its messages to instances.
    links: PerClient<Stream>,
    /// One per instance: its service times (an exponential one's logarithm computed ahead).
    service: PerInstance<LogAhead>,
    /// With a call chain: a served job waits for its downstream call before it answers.
    hold: bool,
    /// One per instance with tied requests: its cancel messages (else empty).
    tie: PerInstance<Stream>,
    /// With tied requests: each job's other copy, by job slot, cancelled when this one starts
    /// service (kept beside the slab so that jobs stay as small as before).
    twins: Vec<Option<Ref>>,
}

impl Servers {
    pub(super) fn new(
        capacity: Option<Capacity>,
        network: NetworkModel,
        links: PerClient<Stream>,
        service: PerInstance<LogAhead>,
        tie: PerInstance<Stream>,
    ) -> Self {
        let n = service.len() as u32;
        Servers {
            capacity,
            network,
            servers: InstanceId::all(n).map(|_| Server::default()).collect(),
            jobs: Slab::default(),
            cut: PerInstance::new(n, false),
            links,
            service,
            hold: false,
            tie,
            twins: Vec::new(),
        }
    }

    /// With a call chain (`hold`), `on_done` hands each served job back for its downstream call.
    pub(super) fn hold_for_calls(&mut self, hold: bool) {
        self.hold = hold;
    }

    /// A held job's downstream call is over: it answers `ok`, unless its instance went down.
    pub(super) fn answer<E: WorldEvent>(&mut self, job: Ref, ok: bool, ctx: &mut TrafficCtx<E>) {
        match self.jobs.get(job) {
            Some(j) if ctx.truth.is_up(j.instance) => self.respond(job, ok, ctx),
            Some(_) => self.lose(job, ctx),
            None => {}
        }
    }

    pub(super) fn count(&self) -> u32 {
        self.servers.len() as u32
    }

    /// A partition from the clients starts (`true`) or heals.
    pub(super) fn set_cut(&mut self, instance: InstanceId, cut: bool) {
        self.cut[instance] = cut;
    }

    /// A `slow` fault: the instance's service time is multiplied by `factor`.
    pub(super) fn set_slow(&mut self, instance: InstanceId, factor: f64) {
        self.servers[instance].slow = factor;
    }

    /// Sends a message between a client and an instance: its arrival time, or None if lost or
    /// cut by a partition.
    // Always inlined: the attempt's and the response's step in their handlers.
    #[inline(always)]
    fn send(&mut self, client: ClientId, instance: InstanceId, now: SimTime) -> Option<SimTime> {
        if self.cut[instance] {
            return None;
        }
        self.network.transit(now, &mut self.links[client])
    }

    /// A client sends an attempt: unless the message is lost, the job arrives later.
    #[inline]
    pub(super) fn dispatch<E: WorldEvent>(&mut self, job: Job, ctx: &mut TrafficCtx<E>) {
        self.send_job(job, ctx);
    }

    /// Sends a job: its reference, unless the message is lost.
    #[inline(always)]
    fn send_job<E: WorldEvent>(&mut self, job: Job, ctx: &mut TrafficCtx<E>) -> Option<Ref> {
        let at = self.send(job.client, job.instance, ctx.now)?;
        let job = self.jobs.insert(job);
        if !self.tie.is_empty() {
            self.set_twin(job, None);
        }
        ctx.at(at, TrafficEvent::Arrive { job });
        Some(job)
    }

    fn set_twin(&mut self, job: Ref, twin: Option<Ref>) {
        let slot = job.slot as usize;
        if self.twins.len() <= slot {
            self.twins.resize(slot + 1, None);
        }
        self.twins[slot] = twin;
    }

    /// A client sends a tied request's two copies; with `cancel`, each is told of the other
    /// (a copy whose twin was lost on the way has nothing to cancel).
    pub(super) fn dispatch_pair<E: WorldEvent>(&mut self, a: Job, b: Job, cancel: bool, ctx: &mut TrafficCtx<E>) {
        let (a, b) = (self.send_job(a, ctx), self.send_job(b, ctx));
        if let (true, Some(a), Some(b)) = (cancel, a, b) {
            self.set_twin(a, Some(b));
            self.set_twin(b, Some(a));
        }
    }

    /// A tied copy starts service: its instance sends the twin's instance a cancel (the
    /// network's delay and loss, drawn from this instance's own stream).
    // Cold and never inlined: only with tied requests, so the plain path stays as compact as before.
    #[cold]
    #[inline(never)]
    fn cancel_twin<E: WorldEvent>(&mut self, instance: InstanceId, job: Ref, ctx: &mut TrafficCtx<E>) {
        let Some(twin) = self.twins.get_mut(job.slot as usize).and_then(Option::take) else { return };
        if let Some(at) = self.network.transit(ctx.now, &mut self.tie[instance]) {
            ctx.at(at, TrafficEvent::Cancel { job: twin });
        }
    }

    /// A cancel reaches a tied copy: if it still waits in its instance's queue it is dropped,
    /// and its attempt is returned (to be closed on the client); else (in service, finished,
    /// lost, or not arrived yet) the cancel is too late and does nothing.
    #[cold]
    #[inline(never)]
    pub(super) fn on_cancel(&mut self, job: Ref, metrics: &mut RequestMetrics) -> Option<Ref> {
        let instance = self.jobs.get(job)?.instance;
        let waiting = &mut self.servers[instance].waiting;
        let position = waiting.iter().position(|&w| w == job)?;
        waiting.remove(position);
        metrics.counters.tied_cancelled += 1;
        self.jobs.remove(job).map(|j| j.attempt)
    }

    // The arrival event's handler, one function with its steps inlined (see `Traffic::on_event`).
    #[inline(never)]
    pub(super) fn on_arrive<E: WorldEvent>(&mut self, job: Ref, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
        let Some(j) = self.jobs.get(job) else { return };
        let (instance, deadline, request_id) = (j.instance, j.deadline, j.request_id);
        metrics.arrival(ctx.now, instance);
        if !ctx.truth.is_up(instance) {
            // A dead process behind a live host refuses at once (reset); a dead host is silent.
            return self.lose(job, ctx);
        }
        if ctx.now > deadline {
            metrics.counters.expired_dropped += 1;
            self.jobs.remove(job);
            return;
        }
        if deadline != SimTime::MAX && self.is_duplicate(instance, request_id, deadline, ctx.now) {
            return self.answer_duplicate(job, ctx, metrics);
        }
        if self.capacity.is_none() {
            // Without a service time an attempt is executed the moment it is admitted, so it
            // counts here; with one, when its service ends (`on_done`).
            metrics.counters.executions += 1;
        }
        self.admit(instance, job, ctx);
    }

    /// Starts the job, queues it, or rejects it when the queue is full.
    #[inline]
    fn admit<E: WorldEvent>(&mut self, instance: InstanceId, job: Ref, ctx: &mut TrafficCtx<E>) {
        let Some(capacity) = &self.capacity else {
            return self.respond(job, true, ctx);
        };
        let server = &mut self.servers[instance];
        if (server.in_service.len() as u32) < capacity.servers {
            server.in_service.push(job);
            self.start_service(instance, job, ctx);
        } else if (server.waiting.len() as u64) < capacity.queue_limit as u64 {
            server.waiting.push_back(job);
        } else {
            self.respond(job, false, ctx);
        }
    }

    // Always inlined: it is a step of the arrival's and the service end's handlers.
    #[inline(always)]
    fn start_service<E: WorldEvent>(&mut self, instance: InstanceId, job: Ref, ctx: &mut TrafficCtx<E>) {
        if !self.tie.is_empty() {
            self.cancel_twin(instance, job, ctx);
        }
        let capacity = self.capacity.as_ref().expect("only with capacity");
        let base = capacity.service_time.sample_ahead(&mut self.service[instance]);
        let slow = self.servers[instance].slow;
        let time = if slow == 1.0 { base } else { (base as f64 * slow).round() as SimTime };
        ctx.at(ctx.now.saturating_add(time), TrafficEvent::Done { instance, job });
    }

    /// A service ended: the job answers, or (with a call chain) is returned with its request
    /// id, held for its downstream call.
    // The service end's handler, one function with its steps inlined (see `Traffic::on_event`).
    #[inline(never)]
    pub(super) fn on_done<E: WorldEvent>(
        &mut self,
        instance: InstanceId,
        job: Ref,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) -> Option<(Ref, u64)> {
        let server = &mut self.servers[instance];
        let Some(pos) = position_of(&server.in_service, job) else {
            return None; // the instance crashed since: its work was lost
        };
        server.in_service.swap_remove(pos);
        metrics.counters.executions += 1;
        // Only requests with a deadline are recorded as seen (`is_duplicate`): without one the
        // hash lookup, a call on every service's end, finds nothing.
        if let Some(j) = self.jobs.get(job)
            && j.deadline != SimTime::MAX
            && let Some(entry) = self.servers[instance].seen.get_mut(&j.request_id)
        {
            entry.0 = true;
        }
        let held = if self.hold { self.jobs.get(job).map(|j| (job, j.request_id)) } else { None };
        if held.is_none() {
            self.respond(job, true, ctx);
        }
        self.next_job(instance, ctx, metrics);
        held
    }

    /// A worker is free: serve the next waiting job whose deadline has not passed.
    #[inline]
    fn next_job<E: WorldEvent>(&mut self, instance: InstanceId, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
        while let Some(next) = self.servers[instance].waiting.pop_front() {
            match self.jobs.get(next) {
                Some(j) if ctx.now > j.deadline => {
                    metrics.counters.expired_dropped += 1;
                    self.jobs.remove(next);
                }
                Some(_) => {
                    self.servers[instance].in_service.push(next);
                    return self.start_service(instance, next, ctx);
                }
                None => {}
            }
        }
    }

    /// Sends the job's response (success, or a rejection) back to its client.
    #[inline(always)]
    fn respond<E: WorldEvent>(&mut self, job: Ref, ok: bool, ctx: &mut TrafficCtx<E>) {
        let Some(j) = self.jobs.remove(job) else {
            return;
        };
        if let Some(at) = self.send(j.client, j.instance, ctx.now) {
            ctx.at(at, TrafficEvent::Response { attempt: j.attempt, ok });
        }
    }

    /// Whether this instance already took the request; records it otherwise.
    fn is_duplicate(&mut self, instance: InstanceId, request_id: u64, deadline: SimTime, now: SimTime) -> bool {
        let seen = &mut self.servers[instance].seen;
        if seen.len() >= SEEN_CLEANUP {
            seen.retain(|_, (_, until)| *until >= now);
        }
        if seen.contains_key(&request_id) {
            return true;
        }
        seen.insert(request_id, (false, deadline));
        false
    }

    /// A duplicate is not executed: answered at once if the original is finished, else
    /// dropped (the original's response answers the request).
    fn answer_duplicate<E: WorldEvent>(&mut self, job: Ref, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
        metrics.counters.duplicates_suppressed += 1;
        let j = self.jobs.get(job).expect("checked by the caller");
        let finished = self.servers[j.instance].seen.get(&j.request_id).is_some_and(|e| e.0);
        if finished {
            self.respond(job, true, ctx);
        } else {
            self.jobs.remove(job);
        }
    }

    /// A job reaches a crashed instance or is held by one when it crashes.
    fn lose<E: WorldEvent>(&mut self, job: Ref, ctx: &mut TrafficCtx<E>) {
        if self.capacity.as_ref().is_some_and(|c| c.reset_on_crash) {
            self.respond(job, false, ctx);
        } else {
            self.jobs.remove(job);
        }
    }

    /// A crash loses every job queued or in service on the instance.
    /// With `on_crash = "reset"` the clients of those jobs get a failure at once instead (the
    /// operating system resets the dead process's connections).
    pub(super) fn drop_work<E: WorldEvent>(&mut self, instance: InstanceId, ctx: &mut TrafficCtx<E>) {
        let server = &mut self.servers[instance];
        let lost: Vec<Ref> = server.waiting.drain(..).chain(server.in_service.drain(..)).collect();
        server.seen.clear();
        for job in lost {
            self.lose(job, ctx);
        }
    }
}

/// Where `job` is among the jobs in service (each at most once). The whole list is scanned,
/// without stopping at the match: a loop that stopped where the job happens to be would end
/// at a place a processor cannot predict, once per service's end.
#[inline(always)]
fn position_of(in_service: &[Ref], job: Ref) -> Option<usize> {
    let mut found = usize::MAX;
    for (i, &j) in in_service.iter().enumerate() {
        found = if j == job { i } else { found };
    }
    (found != usize::MAX).then_some(found)
}
