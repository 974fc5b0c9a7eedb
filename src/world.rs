//! The simulated system: instances that fail and recover, the network, the registry and its
//! detector. The world owns the event loop of one run and dispatches each event; strategies
//! are reached only through their traits.

mod network;

use crate::cluster::{Eviction, Instances, Registry, Removal, SelfPreservation};
use crate::contention::Contention;
pub use crate::contention::ContentionEvent;
use crate::detect::{Detector, DetectorCtx, DetectorEvent, View};
use crate::dist::Dist;
use crate::engine::{EventQueue, RandomStreams, SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};
use crate::metrics::{self, EngineWork, MetricValues, TraceRecord};
use crate::model::StreamKind;
use crate::model::{FailureModel, FaultAction, Scenario, Target};
pub use crate::traffic::{ChainEvent, Ref, TrafficEvent};
use crate::traffic::{Traffic, TrafficCtx};
use network::Network;

/// Everything that can happen. Small and `Copy`: it lives inline in the event queue.
#[derive(Clone, Copy, Debug, Hash)]
pub enum Event {
    /// The failure process crashes the instance, if still in the up period `epoch`.
    Fail {
        /// The instance.
        instance: InstanceId,
        /// The up period the crash belongs to.
        epoch: u32,
    },
    /// The failure process repairs the instance, if still in the down period `epoch`.
    Repair {
        /// The instance.
        instance: InstanceId,
        /// The down period the repair belongs to.
        epoch: u32,
    },
    /// Scheduled fault number `index` starts, or is undone at its `until`.
    Fault {
        /// Index into the scenario's faults.
        index: u32,
        /// True at the fault's `until`: apply the inverse action.
        undo: bool,
    },
    /// A detector's own event.
    Detector(DetectorEvent),
    /// A request-path event.
    Traffic(TrafficEvent),
    /// The registry's periodic eviction sweep runs.
    Eviction,
    /// A message of the contention workload arrives.
    Contention(ContentionEvent),
}

impl From<ContentionEvent> for Event {
    fn from(event: ContentionEvent) -> Self {
        Event::Contention(event)
    }
}

impl From<TrafficEvent> for Event {
    fn from(event: TrafficEvent) -> Self {
        Event::Traffic(event)
    }
}

/// The world's side of `DetectorCtx`: borrows of the parts a detector may reach.
struct Ctx<'a> {
    now: SimTime,
    queue: &'a mut EventQueue<Event>,
    instances: &'a Instances,
    network: &'a mut Network,
    registry: &'a mut Registry,
    rng: &'a mut PerInstance<InstanceStreams>,
    fault_times: &'a [SimTime],
    horizon: SimTime,
}

impl DetectorCtx for Ctx<'_> {
    fn now(&self) -> SimTime {
        self.now
    }

    fn schedule_at(&mut self, at: SimTime, event: DetectorEvent) {
        self.queue.schedule_at(at, Event::Detector(event));
    }

    fn schedule_in(&mut self, delay: SimTime, event: DetectorEvent) {
        self.queue.schedule_in(delay, Event::Detector(event));
    }

    fn instance_is_up(&self, instance: InstanceId) -> bool {
        self.instances.is_up(instance)
    }

    fn instance_epoch(&self, instance: InstanceId) -> u32 {
        self.instances.epoch(instance)
    }

    fn send(&mut self, instance: InstanceId) -> Option<SimTime> {
        self.network.send(instance, self.now)
    }

    fn send_at(&mut self, instance: InstanceId, sent: SimTime) -> Option<SimTime> {
        self.network.send(instance, sent)
    }

    fn ordinary_run(&mut self, instance: InstanceId, max: u64) -> u64 {
        self.network.ordinary_run(instance, max)
    }

    fn ordinary_delay(&mut self, instance: InstanceId) -> SimTime {
        self.network.ordinary_delay(instance)
    }

    fn send_between(&mut self, from: InstanceId, to: InstanceId) -> Option<SimTime> {
        self.network.send_between(from, to, self.now)
    }

    fn steady_until(&self, instance: InstanceId) -> SimTime {
        let next = self.fault_times.partition_point(|&t| t < self.now);
        let fault = self.fault_times.get(next).copied().unwrap_or(SimTime::MAX);
        self.instances.up_until(instance).min(fault).min(self.horizon)
    }

    fn fails_at_steady_end(&self, instance: InstanceId) -> bool {
        let next = self.fault_times.partition_point(|&t| t < self.now);
        let fault = self.fault_times.get(next).copied().unwrap_or(SimTime::MAX);
        self.instances.up_until(instance) < fault.min(self.horizon)
    }

    fn view(&self, instance: InstanceId) -> View {
        self.registry.view(instance)
    }

    fn mark_up(&mut self, instance: InstanceId) {
        self.registry.mark_up(instance, self.now, self.instances.is_up(instance));
    }

    fn mark_down(&mut self, instance: InstanceId) {
        self.registry.mark_down(instance, self.now, self.instances.is_up(instance));
    }

    fn renewed(&mut self, instance: InstanceId) {
        self.registry.renewed(instance, self.now);
    }

    fn rng(&mut self, instance: InstanceId) -> &mut Stream {
        &mut self.rng[instance].detector
    }
}

/// An instance's own streams, side by side: a repair draws from both (the next time to
/// failure, the heartbeats' phase), so they share one aligned half cache line.
#[derive(Clone)]
#[repr(align(32))]
struct InstanceStreams {
    failure: Stream,
    detector: Stream,
}

impl InstanceStreams {
    fn all(streams: &RandomStreams, count: u32) -> PerInstance<InstanceStreams> {
        let failure = streams.streams(StreamKind::Failure, count as usize);
        let detector = streams.streams(StreamKind::Detector, count as usize);
        failure.into_iter().zip(detector).map(|(failure, detector)| InstanceStreams { failure, detector }).collect()
    }
}

/// From this many instances on, the world starts loading the next event's instance state into
/// the cache while it handles the current event (`EventQueue::peek`).
const LOOKAHEAD_INSTANCES: u32 = 1 << 16;

/// From this many instances on, the world prefetches each event's instance state before
/// handling it: below, the state of every instance fits in the L2 cache (a few hundred bytes
/// each), and the prefetch is instructions for nothing.
const PREFETCH_INSTANCES: u32 = 1 << 12;

/// One run of one scenario.
pub struct World {
    queue: EventQueue<Event>,
    horizon: SimTime,
    failure: FailureModel,
    /// Each instance's failure and detector streams.
    rng: PerInstance<InstanceStreams>,
    instances: Instances,
    network: Network,
    registry: Registry,
    detector: Box<dyn Detector>,
    /// Scheduled faults with their instances resolved.
    faults: Vec<(FaultAction, Vec<InstanceId>)>,
    /// Clients and servers, when the scenario has a workload.
    traffic: Option<Traffic>,
    /// The contention workload's clients and row, when the scenario has one.
    contention: Option<Contention>,
    /// Changes of state, when tracing.
    trace: Option<Vec<TraceRecord>>,
    /// Every time at which a scheduled fault starts or ends, sorted.
    fault_times: Vec<SimTime>,
}

macro_rules! traffic_ctx {
    ($world:expr) => {
        &mut TrafficCtx {
            now: $world.queue.now(),
            queue: &mut $world.queue,
            truth: &$world.instances,
            registry: &$world.registry,
        }
    };
}

macro_rules! detector_ctx {
    ($world:expr) => {
        &mut Ctx {
            now: $world.queue.now(),
            queue: &mut $world.queue,
            instances: &$world.instances,
            network: &mut $world.network,
            registry: &mut $world.registry,
            rng: &mut $world.rng,
            fault_times: &$world.fault_times,
            horizon: $world.horizon,
        }
    };
}

impl World {
    /// A run of `scenario` with seed `run_seed`, before its first event.
    pub fn new(scenario: &Scenario, run_seed: u64) -> Self {
        let streams = RandomStreams::new(run_seed);
        let n = scenario.instances;
        let faults = scenario.faults.iter().enumerate().map(|(index, fault)| {
            let mut rng = streams.stream(StreamKind::FaultSelection, index as u64);
            (fault.action, resolve_target(&fault.target, n, &mut rng))
        });
        let mut world = World {
            queue: EventQueue::new(),
            horizon: scenario.horizon,
            failure: scenario.failure.clone(),
            rng: InstanceStreams::all(&streams, n),
            instances: Instances::new(n),
            network: Network::new(
                &scenario.network,
                streams.streams(StreamKind::Link, n as usize),
                scenario.detector.link_threshold(),
            ),
            registry: Registry::new(
                n,
                &scenario.phases,
                eviction(scenario, &streams),
                scenario.registry.self_preservation.map(|c| SelfPreservation::new(c, n)),
                removals(scenario, &streams),
            ),
            detector: scenario.detector.build(n),
            faults: faults.collect(),
            traffic: Traffic::new(scenario, &streams),
            contention: scenario.contention.as_ref().map(|c| Contention::new(c, &scenario.network, &streams)),
            trace: None,
            fault_times: fault_times(scenario),
        };
        if world.traffic.is_some() {
            world.registry.record_changes();
        }
        if let Dist::Constant { value } = scenario.network.delay {
            // Messages sent now arrive in the order they were sent: a FIFO beside the heap.
            world.queue.add_delay_lane(value);
        }
        world.schedule_start(scenario);
        world
    }

    fn schedule_start(&mut self, scenario: &Scenario) {
        for (index, fault) in scenario.faults.iter().enumerate() {
            self.queue.schedule_at(fault.at, Event::Fault { index: index as u32, undo: false });
            if let Some(until) = fault.until {
                self.queue.schedule_at(until, Event::Fault { index: index as u32, undo: true });
            }
        }
        for instance in InstanceId::all(self.instances.count()) {
            self.schedule_failure(instance);
        }
        if let Some(eviction) = self.registry.eviction_mut() {
            let first = eviction.first_at();
            self.queue.schedule_at(first, Event::Eviction);
        }
        self.detector.start(detector_ctx!(self));
        if let Some(traffic) = &mut self.traffic {
            traffic.start(traffic_ctx!(self));
        }
        if let Some(contention) = &mut self.contention {
            contention.start(&mut self.queue);
        }
    }

    /// Runs to the horizon and reports the metrics.
    pub fn run(self) -> (MetricValues, EngineWork) {
        self.run_observed(|_, _| {})
    }

    /// Runs to the horizon recording every change of state (for `trace.csv` and timelines).
    pub fn run_traced(mut self) -> (MetricValues, EngineWork, Vec<TraceRecord>) {
        self.trace = Some(Vec::new());
        self.registry.record_changes();
        if let Some(traffic) = &mut self.traffic {
            traffic.trace_clients();
        }
        let mut trace = Vec::new();
        let (out, work) = self.run_with(|_, _| {}, &mut trace);
        (out, work, trace)
    }

    /// Runs to the horizon, showing every event to `observe` before it is handled (for traces
    /// and tests; a no-op closure compiles away).
    pub fn run_observed(self, observe: impl FnMut(SimTime, &Event)) -> (MetricValues, EngineWork) {
        self.run_with(observe, &mut Vec::new())
    }

    fn run_with(
        mut self,
        mut observe: impl FnMut(SimTime, &Event),
        trace: &mut Vec<TraceRecord>,
    ) -> (MetricValues, EngineWork) {
        // Below these sizes the state stays in the cache, and prefetching it (the event's
        // own, or the next event's through a peek) would be work for nothing.
        match self.instances.count() {
            n if n >= LOOKAHEAD_INSTANCES => self.event_loop::<true, true>(&mut observe),
            n if n >= PREFETCH_INSTANCES => self.event_loop::<true, false>(&mut observe),
            _ => self.event_loop::<false, false>(&mut observe),
        }
        if let Some(mut records) = self.trace.take() {
            if let Some(traffic) = &mut self.traffic {
                records.append(&mut traffic.take_trace());
            }
            records.sort_by_key(|r| r.time);
            *trace = records;
        }
        let mut out = MetricValues::default();
        let view: Vec<bool> = self.instances.ids().map(|i| self.registry.view(i) == View::Up).collect();
        self.registry.score.report(self.horizon, &self.instances.all_up(), |i| view[i], &mut out);
        let [sent, lost] = crate::metrics::NETWORK_METRICS;
        out.push(sent, self.network.sent as f64);
        out.push(lost, (self.network.lost + self.network.cut) as f64);
        if let Some((time, kept)) = self.registry.report_self_preservation(self.horizon) {
            let [time_name, kept_name] = crate::metrics::SELF_PRESERVATION_METRICS;
            out.push(time_name, time);
            out.push(kept_name, kept);
        }
        self.registry.report_removals(self.horizon, &mut out);
        self.detector.report(self.horizon, &mut out);
        if let Some(traffic) = &mut self.traffic {
            traffic.report(self.horizon, &mut out);
        }
        if let Some(contention) = &self.contention {
            contention.report(self.horizon, &mut out);
        }
        let work = EngineWork {
            events: self.queue.processed(),
            wall_seconds: 0.0,
            peak_pending: self.queue.peak_pending() as u64,
        };
        (out, work)
    }

    /// Pops and handles events up to the horizon; with `PREFETCH`, each event's instance state
    /// is prefetched first, and with `LOOKAHEAD` the next event's too.
    fn event_loop<const PREFETCH: bool, const LOOKAHEAD: bool>(&mut self, observe: &mut impl FnMut(SimTime, &Event)) {
        while self.queue.has_before(self.horizon) {
            let event = self.queue.pop();
            observe(self.queue.now(), &event);
            // Not `if let (LOOKAHEAD, Some(..)) = (.., peek())`: a tuple evaluates the peek
            // whether or not it is wanted.
            if LOOKAHEAD && let Some(&next) = self.queue.peek() {
                self.prefetch(&next);
            }
            if PREFETCH {
                self.prefetch(&event);
            }
            self.dispatch(event);
        }
    }

    // Inlined into the loop: its one call site, about 4 instructions an event saved.
    #[inline(always)]
    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Detector(e) => {
                self.detector.on_event(e, detector_ctx!(self));
                self.forward_view_changes();
            }
            Event::Traffic(e) => {
                if let Some(traffic) = &mut self.traffic {
                    traffic.on_event(e, traffic_ctx!(self));
                }
            }
            Event::Fail { instance, epoch } if epoch == self.instances.epoch(instance) => {
                self.crash(instance);
                self.schedule_repair(instance);
            }
            Event::Repair { instance, epoch } if epoch == self.instances.epoch(instance) => {
                self.recover(instance);
            }
            Event::Fault { index, undo } => self.apply_fault(index as usize, undo),
            Event::Eviction => self.eviction_sweep(),
            Event::Contention(e) => {
                if let Some(contention) = &mut self.contention {
                    contention.on_event(e, &mut self.queue);
                }
            }
            Event::Fail { .. } | Event::Repair { .. } => {}
        }
    }

    /// Starts loading, all at once, the state of the instance an event is about that its
    /// handling reads: at 10⁶ instances each is a cache miss, and these overlap where reads in
    /// turn would wait for each other. A hint only.
    fn prefetch(&self, event: &Event) {
        let (instance, failure) = match *event {
            Event::Fail { instance, .. } | Event::Repair { instance, .. } => (instance, true),
            Event::Detector(e) => (e.instance, false),
            _ => return,
        };
        self.detector.prefetch(instance);
        self.instances.prefetch(instance);
        self.registry.prefetch(instance);
        self.network.prefetch(instance);
        if failure {
            self.rng.prefetch(instance);
        }
    }

    /// The registry's sweep: evicts what it may, and comes again one interval later.
    fn eviction_sweep(&mut self) {
        let instances = &self.instances;
        self.registry.run_eviction(self.queue.now(), |i| instances.is_up(i));
        if let Some(eviction) = self.registry.eviction_mut() {
            let interval = eviction.interval();
            self.queue.schedule_in(interval, Event::Eviction);
        }
        self.forward_view_changes();
    }

    /// Hands the registry's latest changes to the clients (watch pushes, propagation metrics).
    fn forward_view_changes(&mut self) {
        if let Some(trace) = &mut self.trace {
            for (instance, up) in self.registry.changes() {
                let event = if *up { "registry_up" } else { "registry_down" };
                trace.push(TraceRecord { time: self.queue.now(), event, instance: *instance });
                if !*up {
                    // A mark-down of a live instance is a mistake; of a dead one, a detection.
                    let event = if self.instances.is_up(*instance) { "false_suspicion" } else { "detection" };
                    trace.push(TraceRecord { time: self.queue.now(), event, instance: *instance });
                }
            }
        }
        let Some(traffic) = &mut self.traffic else {
            self.registry.take_changes();
            return;
        };
        for (instance, up) in self.registry.take_changes() {
            let ctx = &mut TrafficCtx {
                now: self.queue.now(),
                queue: &mut self.queue,
                truth: &self.instances,
                registry: &self.registry,
            };
            traffic.on_view_change(instance, up, ctx);
        }
    }

    fn schedule_failure(&mut self, instance: InstanceId) {
        let mttf = match &self.failure {
            FailureModel::None => return,
            FailureModel::CrashStop { mttf } | FailureModel::CrashRecover { mttf, .. } => mttf,
        };
        let ttf = mttf.sample(&mut self.rng[instance].failure);
        let epoch = self.instances.epoch(instance);
        let at = self.queue.now().saturating_add(ttf);
        self.instances.set_up_until(instance, at);
        self.queue.schedule_at(at, Event::Fail { instance, epoch });
    }

    fn schedule_repair(&mut self, instance: InstanceId) {
        if let FailureModel::CrashRecover { mttr, .. } = &self.failure {
            let ttr = mttr.sample(&mut self.rng[instance].failure);
            let epoch = self.instances.epoch(instance);
            self.queue.schedule_in(ttr, Event::Repair { instance, epoch });
        }
    }

    fn crash(&mut self, instance: InstanceId) {
        let view_up = self.registry.view(instance) == View::Up;
        if self.instances.set(instance, false) {
            self.registry.score.on_crash(instance, self.queue.now(), view_up);
            self.record("crash", instance);
            self.went_down(instance);
        }
    }

    fn record(&mut self, event: &'static str, instance: InstanceId) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord { time: self.queue.now(), event, instance });
        }
    }

    /// The instance is down: the detector and the servers learn it.
    fn went_down(&mut self, instance: InstanceId) {
        self.detector.on_instance_down(instance, detector_ctx!(self));
        self.forward_view_changes();
        if let Some(traffic) = &mut self.traffic {
            traffic.on_instance_down(instance, traffic_ctx!(self));
        }
    }

    /// Brings the instance back and starts its next time to failure.
    fn recover(&mut self, instance: InstanceId) {
        let view_up = self.registry.view(instance) == View::Up;
        if self.instances.set(instance, true) {
            self.registry.score.on_recover(instance, self.queue.now(), view_up);
            self.record("recover", instance);
            self.went_up(instance);
        }
    }

    fn went_up(&mut self, instance: InstanceId) {
        self.schedule_failure(instance);
        self.detector.on_instance_up(instance, detector_ctx!(self));
        self.forward_view_changes();
        if let Some(traffic) = &mut self.traffic {
            traffic.on_instance_up(instance);
        }
    }

    /// Graceful removal: the instance stops and deregisters at once (not a detection).
    fn leave(&mut self, instance: InstanceId) {
        let now = self.queue.now();
        let view_up = self.registry.view(instance) == View::Up;
        if self.instances.set(instance, false) {
            self.registry.score.on_leave(instance, now, view_up);
            self.record("leave", instance);
            self.registry.set(instance, View::Down, now, false);
            self.went_down(instance);
        }
    }

    /// The instance starts and registers at once.
    fn join(&mut self, instance: InstanceId) {
        let now = self.queue.now();
        let view_up = self.registry.view(instance) == View::Up;
        if self.instances.set(instance, true) {
            self.registry.score.on_join(instance, now, view_up);
            self.record("join", instance);
            self.registry.set(instance, View::Up, now, true);
            self.went_up(instance);
        }
    }

    fn apply_fault(&mut self, index: usize, undo: bool) {
        let (action, count) = (self.faults[index].0, self.faults[index].1.len());
        let action = if undo { action.inverse() } else { action };
        if let FaultAction::Spike(factor) = action {
            if let Some(traffic) = &mut self.traffic {
                traffic.set_rate_factor(factor, traffic_ctx!(self));
            }
            return;
        }
        if action == FaultAction::Flush {
            let now = self.queue.now();
            if let Some(traffic) = &mut self.traffic {
                traffic.flush_cache(now);
            }
            return;
        }
        for k in 0..count {
            let instance = self.faults[index].1[k];
            self.apply_to(action, instance);
        }
    }

    fn apply_to(&mut self, action: FaultAction, instance: InstanceId) {
        match action {
            FaultAction::Crash => self.crash(instance),
            FaultAction::Recover => self.recover(instance),
            FaultAction::Leave => self.leave(instance),
            FaultAction::Join => self.join(instance),
            FaultAction::Partition(cut) | FaultAction::Heal(cut) => {
                let on = matches!(action, FaultAction::Partition(_));
                if cut.registry {
                    self.network.set_partitioned(instance, on);
                }
                if let (true, Some(traffic)) = (cut.clients, &mut self.traffic) {
                    traffic.set_cut(instance, on);
                }
            }
            FaultAction::Slow(factor) => {
                if let Some(traffic) = &mut self.traffic {
                    traffic.set_slow(instance, factor);
                }
            }
            FaultAction::Spike(_) | FaultAction::Flush => {}
        }
    }
}

/// The registry's sweep, on its own stream, if the scenario has one.
fn eviction(scenario: &Scenario, streams: &RandomStreams) -> Option<Eviction> {
    let config = scenario.registry.eviction?;
    Some(Eviction::new(config, scenario.instances, streams.stream(StreamKind::Eviction, 0)))
}

/// The stages that remove long-unlisted instances, in the order their metrics are reported.
fn removals(scenario: &Scenario, streams: &RandomStreams) -> Vec<Removal> {
    let (n, registry) = (scenario.instances, &scenario.registry);
    let pods = registry.pod_eviction.map(|c| Removal::new(metrics::POD_EVICTION_METRICS, c, n, None));
    let reaper_rng = Some(streams.stream(StreamKind::Reaper, 0));
    let reaper = registry.reaper.map(|c| Removal::new(metrics::REAPER_METRICS, c, n, reaper_rng));
    pods.into_iter().chain(reaper).collect()
}

fn fault_times(scenario: &Scenario) -> Vec<SimTime> {
    let mut times: Vec<SimTime> =
        scenario.faults.iter().flat_map(|fault| std::iter::once(fault.at).chain(fault.until)).collect();
    times.sort_unstable();
    times
}

/// The concrete instances of a fault; `count` and `fraction` pick them with the fault's own
/// stream (a partial Fisher–Yates shuffle), so the choice depends only on the seed.
fn resolve_target(target: &Target, instances: u32, rng: &mut Stream) -> Vec<InstanceId> {
    let count = match target {
        Target::All => return InstanceId::all(instances).collect(),
        Target::Instances(list) => return list.iter().copied().map(InstanceId).collect(),
        Target::Count(count) => *count,
        Target::Fraction(fraction) => (fraction * instances as f64).round() as u32,
    };
    let mut all: Vec<InstanceId> = InstanceId::all(instances).collect();
    for k in 0..count as usize {
        let pick = k + rng.below((all.len() - k) as u64) as usize;
        all.swap(k, pick);
    }
    all.truncate(count as usize);
    all.sort_unstable();
    all
}

#[cfg(test)]
mod tests {
    /// The queue stores events inline: typed ids must not make them any bigger.
    #[test]
    fn events_stay_small() {
        assert!(size_of::<super::Event>() <= 16, "{} bytes", size_of::<super::Event>());
    }
}
