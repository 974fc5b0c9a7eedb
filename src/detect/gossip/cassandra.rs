//! `cassandra-gossip`: Cassandra's gossip with its failure detector, as apache/cassandra runs it
//! (`gms/Gossiper.java` at ac8c8b21, `GossipDigestSynVerbHandler` at 1da4f955,
//! `GossipDigestAckVerbHandler` at 01883da5 and `GossipDigestAck2VerbHandler` at 4669c40d — both
//! call `notifyFailureDetector` before `applyStateLocally` — `gms/FailureDetector.java` at
//! 07242de0). Every member holds a heartbeat version of every other and judges each by its own
//! exponential φ, so a crash is known at different times by different members.
//!
//! - **Gossip round** (`GossipTask.run`), every `gossip_interval` (1 s; a random phase per
//!   member and up period): the member bumps its own heartbeat version, then sends a SYN (a
//!   digest: the version it holds of every endpoint) to one random member it holds live
//!   (`doGossipToLiveMember`); with probability unreachable/(live + 1) to one random member it
//!   holds dead (`maybeGossipToUnreachableMember`); and, with `seed`, when its live target was
//!   not the seed (the registry's agent), to the seed with probability 1/(live + unreachable),
//!   or surely when it holds no member live (`maybeGossipToSeed`). Then `doStatusCheck`: φ of
//!   every endpoint, once per round.
//! - **Exchange** (SYN → ACK → ACK2): the receiver of a SYN answers with the states it holds
//!   newer than the digest and asks for those the digest holds newer (`examineGossiper`); the
//!   initiator applies the ACK's states and sends the asked-for ones in an ACK2, which the
//!   receiver applies. Afterwards both hold the newer version of every endpoint. A version is
//!   (generation, heartbeat): the generation is the member's up period, so a restarted member's
//!   versions beat every older one.
//! - **Failure detector**: applying a newer version of an endpoint reports an arrival into the
//!   member's `ArrivalWindow` for it (`notifyFailureDetector` → `FailureDetector.report`) —
//!   `phi::Tracked` with `phi::Estimate::exponential`: the first arrival records
//!   `max_interval` (2 × the interval: `fd_initial_value_ms`), intervals above it are not
//!   recorded (`fd_max_interval_ms`), `window` samples (1000). `interpret` convicts once
//!   Δt/mean · 1/ln 10 (PHI_FACTOR) exceeds `threshold` (`phi_convict_threshold`, 8): the member
//!   holds the endpoint dead. A newer version of an endpoint held dead sends it an echo
//!   (`markAlive`), and its answer marks it alive (`realMarkAlive`); a new generation of one held
//!   dead clears its window first (`FailureDetector.remove`).
//! - **Crash and recovery**: a crashed member answers nothing; on recovery it starts a new
//!   generation with the versions the seed holds (the shadow round with a seed) and every other
//!   member held dead until an echo answers (`addSavedEndpoint` marks saved peers dead), with
//!   empty windows.
//!
//! The cluster is the instances plus the registry's agent, a member that never fails and is
//! the one seed; the registry lists what the agent's view holds. Not modelled: application
//! states (only heartbeats are gossiped), the local-pause guard of `interpret`
//! (`MAX_LOCAL_PAUSE`), quarantine and fat clients. Messages and bytes (`gossip_messages`,
//! `gossip_bytes`: a simple size model) count SYN, ACK, ACK2 and echoes; the dissemination
//! metrics and `view_accuracy` are the `gossip` detector's; Cassandra has no suspect state, so
//! `gossip_false_suspicions` and `gossip_false_deaths` both count convictions of live members
//! by live members, and `refutation_time` stays empty.

use super::super::phi::{Estimate, Tracked};
use super::super::{Cost, Detector, DetectorCtx, DetectorEvent, DetectorFactory, Load, random_phase};
use super::Pool;
use super::accuracy::Accuracy;
use super::followed::Dissemination;
use crate::engine::SimTime;
use crate::ids::InstanceId;
use crate::metrics::MetricValues;
use crate::metrics::sampled::Sampled;
use crate::params::DefaultValue::{Derived, Fixed};
use crate::params::{KeyError, Param, Strategy, Type, Value, Values};
use std::sync::Arc;

const TICK: u8 = 0;
const SYN: u8 = 1;
const ACK: u8 = 2;
const ACK2: u8 = 3;
const ECHO: u8 = 4;
const ECHO_REPLY: u8 = 5;

/// The size model of `gossip_bytes`: a message's header (Cassandra's internode framing and
/// message header, about 30 bytes, plus TCP/IP's 40), a SYN's cluster and partitioner names
/// (about 60), each digest (endpoint address, generation, version: about 16) and each
/// endpoint state (address and heartbeat state, no application states: about 24).
const HEADER_BYTES: u64 = 30 + 40;
const SYN_BYTES: u64 = 60;
const DIGEST_BYTES: u64 = 16;
const STATE_BYTES: u64 = 24;

pub(in crate::detect) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "cassandra-gossip",
    doc: "Cassandra's gossip: heartbeat versions spread by SYN/ACK/ACK2 with a random member every round, each member judging every other by exponential φ; the registry follows one member's view",
    params: &[
        Param {
            name: "gossip_interval",
            ty: Type::PositiveDuration,
            default: Fixed("1s"),
            doc: "the gossip round: every member bumps its heartbeat, gossips and checks φ once per interval",
        },
        Param {
            name: "threshold",
            ty: Type::Number { min: 0.0, open_min: true, max: 100.0 },
            default: Fixed("8"),
            doc: "phi_convict_threshold: convicted once φ = Δt / mean / ln 10 exceeds it",
        },
        Param {
            name: "window",
            ty: Type::Count { min: 1, max: 100_000 },
            default: Fixed("1000"),
            doc: "inter-arrival times kept per (member, endpoint) (ArrivalWindow's SAMPLE_SIZE)",
        },
        Param {
            name: "max_interval",
            ty: Type::PositiveDuration,
            default: Derived("2 × gossip_interval"),
            doc: "the first sample (fd_initial_value_ms); longer intervals are not recorded (fd_max_interval_ms)",
        },
        Param {
            name: "seed",
            ty: Type::Flag,
            default: Fixed("true"),
            doc: "the registry's agent is a seed: a member whose live target was not it also gossips to it with probability 1/(live + unreachable)",
        },
    ],
    derived: &[],
    build,
};

/// The checked settings.
#[derive(Clone, Copy, Debug)]
struct Settings {
    interval: SimTime,
    threshold: f64,
    window: u32,
    max_interval: SimTime,
    seed: bool,
}

fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let interval = values.required_duration("gossip_interval")?;
    let max_interval = values.duration("max_interval").unwrap_or(2 * interval);
    values.resolve("max_interval", Value::Duration(max_interval));
    Ok(Arc::new(Settings {
        interval,
        threshold: values.required_number("threshold")?,
        window: values.required_u32("window")?,
        max_interval,
        seed: values.flag("seed").unwrap_or(true),
    }))
}

impl DetectorFactory for Settings {
    /// Per member and round: the tick and the three messages of its exchange (a little more
    /// with the seed's and the unreachable members' extra exchanges), and an echo and its
    /// answer per member per recovery. Memory: per (member, endpoint) a version, a flag and
    /// an arrival window, whose samples (8 bytes each) come at most once per round.
    fn estimate(&self, load: &Load) -> Cost {
        let n = load.instances + 1.0;
        let rounds = load.up_periods(self.interval) * n / load.instances.max(1.0);
        let queue_events = rounds * (1.0 + 3.0 * (1.0 + 1.0 / n)) + 4.0 * n * load.crashes;
        let samples = (load.horizon_s / crate::engine::time::to_seconds(self.interval)).min(f64::from(self.window));
        let pair = std::mem::size_of::<Tracked>() as f64 + 9.0 + 8.0 * samples;
        Cost { queue_events, drawn_events: 0.0, bytes: n * n * pair + 64.0 * n * n }
    }

    fn reports_dissemination(&self) -> bool {
        true
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(CassandraGossip::new(*self, instances))
    }
}

/// A message in flight: its sender, digests (a SYN's; an ACK's requests) and endpoint states
/// (an ACK's or ACK2's), as (endpoint, version) pairs; the buffers stay with their slot.
#[derive(Default)]
struct Message {
    from: u32,
    digests: Vec<(u32, u64)>,
    states: Vec<(u32, u64)>,
}

#[derive(Default)]
struct Metrics {
    messages: u64,
    bytes: u64,
    /// Live members convicting live members.
    false_convictions: u64,
}

struct CassandraGossip {
    settings: Settings,
    estimate: Estimate,
    n: u32,
    /// Per member: its heartbeat in its current generation.
    heartbeat: Vec<u32>,
    /// Per (member, endpoint), row-major: the version held (generation << 32 | heartbeat; 0:
    /// none), whether it is held dead, and its arrival window.
    versions: Vec<u64>,
    dead: Vec<bool>,
    windows: Vec<Tracked>,
    live: u32,
    messages: Vec<Message>,
    free: Vec<u32>,
    dissemination: Dissemination,
    accuracy: Accuracy,
    metrics: Metrics,
}

fn event(member: u32, kind: u8, tag: u32) -> DetectorEvent {
    DetectorEvent { instance: InstanceId(member), kind, tag }
}

impl Pool for CassandraGossip {
    fn agent(&self) -> u32 {
        self.n - 1
    }
}

impl CassandraGossip {
    fn new(settings: Settings, instances: u32) -> Self {
        let n = instances + 1;
        let pairs = n as usize * n as usize;
        CassandraGossip {
            settings,
            estimate: Estimate::exponential(settings.threshold, settings.window, settings.max_interval),
            n,
            heartbeat: vec![0; n as usize],
            versions: vec![0; pairs],
            dead: vec![false; pairs],
            windows: (0..pairs).map(|_| Tracked::default()).collect(),
            live: n,
            messages: Vec::new(),
            free: Vec::new(),
            dissemination: Dissemination::default(),
            accuracy: Accuracy::new(n),
            metrics: Metrics::default(),
        }
    }

    fn at(&self, member: u32, endpoint: u32) -> usize {
        member as usize * self.n as usize + endpoint as usize
    }

    /// Starts a member's gossip rounds, on a random phase.
    fn start_member(&mut self, member: u32, ctx: &mut dyn DetectorCtx) {
        let first = random_phase(self.settings.interval, self.rng(member, ctx));
        let epoch = self.epoch(member, ctx);
        ctx.schedule_in(first, event(member, TICK, epoch));
    }

    /// The other members `member` holds live and dead.
    fn partition(&self, member: u32) -> (Vec<u32>, Vec<u32>) {
        (0..self.n).filter(|&j| j != member).partition(|&j| !self.dead[self.at(member, j)])
    }

    /// `GossipTask.run`: bump the heartbeat, gossip to a live member, maybe to an unreachable
    /// one and to the seed, then check every endpoint's φ.
    fn on_tick(&mut self, member: u32, epoch: u32, ctx: &mut dyn DetectorCtx) {
        if epoch != self.epoch(member, ctx) || !self.is_up(member, ctx) {
            return;
        }
        ctx.schedule_in(self.settings.interval, event(member, TICK, epoch));
        self.heartbeat[member as usize] += 1;
        let own = u64::from(epoch) << 32 | u64::from(self.heartbeat[member as usize]);
        let me = self.at(member, member);
        self.versions[me] = own;
        let (live, unreachable) = self.partition(member);
        let to_seed = self.gossip_to_one(member, &live, ctx) == Some(self.agent());
        let (l, u) = (live.len() as f64, unreachable.len() as f64);
        if u > 0.0 && self.rng(member, ctx).uniform() < u / (l + 1.0) {
            self.gossip_to_one(member, &unreachable, ctx);
        }
        if self.settings.seed && member != self.agent() && !to_seed {
            let probability = if live.is_empty() { 1.0 } else { 1.0 / (l + u) };
            if self.rng(member, ctx).uniform() <= probability {
                self.syn(member, self.agent(), ctx);
            }
        }
        self.status_check(member, ctx);
    }

    /// `sendGossip`: a SYN to one of `to`, at random; which.
    fn gossip_to_one(&mut self, member: u32, to: &[u32], ctx: &mut dyn DetectorCtx) -> Option<u32> {
        if to.is_empty() {
            return None;
        }
        let target = to[self.rng(member, ctx).below(to.len() as u64) as usize];
        self.syn(member, target, ctx);
        Some(target)
    }

    /// A SYN: the digest of every version `from` holds.
    fn syn(&mut self, from: u32, to: u32, ctx: &mut dyn DetectorCtx) {
        let slot = self.slot(from);
        let row = self.at(from, 0);
        let versions = &self.versions[row..row + self.n as usize];
        let message = &mut self.messages[slot as usize];
        message.digests.extend(versions.iter().enumerate().map(|(j, &v)| (j as u32, v)));
        self.send(to, SYN, slot, ctx);
    }

    /// A free message slot from `from`, its buffers empty.
    fn slot(&mut self, from: u32) -> u32 {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.messages.push(Message::default());
            self.messages.len() as u32 - 1
        });
        let message = &mut self.messages[slot as usize];
        message.from = from;
        message.digests.clear();
        message.states.clear();
        slot
    }

    /// Sends the message in `slot` to `to`: counted, then delivered as an event unless lost.
    fn send(&mut self, to: u32, kind: u8, slot: u32, ctx: &mut dyn DetectorCtx) {
        let message = &self.messages[slot as usize];
        let from = message.from;
        let extra = if kind == SYN { SYN_BYTES } else { 0 };
        self.metrics.messages += 1;
        self.metrics.bytes += HEADER_BYTES
            + extra
            + DIGEST_BYTES * message.digests.len() as u64
            + STATE_BYTES * message.states.len() as u64;
        let arrival = match (from == self.agent(), to == self.agent()) {
            (true, _) => ctx.send(InstanceId(to)),
            (_, true) => ctx.send(InstanceId(from)),
            _ => ctx.send_between(InstanceId(from), InstanceId(to)),
        };
        match arrival {
            Some(at) => ctx.schedule_at(at, event(to, kind, slot)),
            None => self.free.push(slot),
        }
    }

    /// A message reached `member`: a member that is down drops it.
    fn receive(&mut self, member: u32, kind: u8, slot: u32, ctx: &mut dyn DetectorCtx) {
        if self.is_up(member, ctx) {
            let from = self.messages[slot as usize].from;
            match kind {
                SYN => self.on_syn(member, slot, ctx),
                ACK => self.on_ack(member, slot, ctx),
                ACK2 => self.apply(member, slot, ctx),
                ECHO => {
                    let reply = self.slot(member);
                    self.send(from, ECHO_REPLY, reply, ctx);
                }
                _ => self.echoed(member, from, ctx),
            }
        }
        self.free.push(slot);
    }

    /// `examineGossiper`: the ACK carries the states `member` holds newer than the digest and
    /// asks (with the version held) for those the digest holds newer.
    fn on_syn(&mut self, member: u32, slot: u32, ctx: &mut dyn DetectorCtx) {
        let reply = self.slot(member);
        let mut ack = std::mem::take(&mut self.messages[reply as usize]);
        self.examine(member, &self.messages[slot as usize].digests, &mut ack);
        self.messages[reply as usize] = ack;
        self.send(self.messages[slot as usize].from, ACK, reply, ctx);
    }

    /// The initiator applies the ACK's states and sends, in an ACK2, those asked for that it
    /// holds newer than the version the receiver holds.
    fn on_ack(&mut self, member: u32, slot: u32, ctx: &mut dyn DetectorCtx) {
        self.apply(member, slot, ctx);
        let reply = self.slot(member);
        let mut ack2 = std::mem::take(&mut self.messages[reply as usize]);
        self.examine(member, &self.messages[slot as usize].digests, &mut ack2);
        ack2.digests.clear();
        self.messages[reply as usize] = ack2;
        self.send(self.messages[slot as usize].from, ACK2, reply, ctx);
    }

    /// Into `reply`, the states `member` holds newer than `digests` and, with the version it
    /// holds, requests for those it holds older (`examineGossiper`; an ACK2 keeps only the
    /// states: the requests' digests hold the receiver's versions, never older than the
    /// initiator's after its ACK).
    fn examine(&self, member: u32, digests: &[(u32, u64)], reply: &mut Message) {
        let row = self.at(member, 0);
        for &(j, theirs) in digests {
            let mine = self.versions[row + j as usize];
            if mine > theirs {
                reply.states.push((j, mine));
            } else if theirs > mine {
                reply.digests.push((j, mine));
            }
        }
    }

    /// `member` applies the states of the message in `slot`: each newer version reports an
    /// arrival (`notifyFailureDetector`, `applyStateLocally`).
    fn apply(&mut self, member: u32, slot: u32, ctx: &mut dyn DetectorCtx) {
        let states = std::mem::take(&mut self.messages[slot as usize].states);
        for &(j, version) in &states {
            if j != member {
                self.newer(member, j, version, ctx);
            }
        }
        self.messages[slot as usize].states = states;
    }

    /// `member` hears `version` of `endpoint`: if newer, an arrival into its window (cleared
    /// first at a new generation of an endpoint held dead); an endpoint held dead gets an
    /// echo.
    fn newer(&mut self, member: u32, endpoint: u32, version: u64, ctx: &mut dyn DetectorCtx) {
        let at = self.at(member, endpoint);
        let held = self.versions[at];
        if version <= held {
            return;
        }
        if version >> 32 > held >> 32 && self.dead[at] {
            self.windows[at] = Tracked::default();
        }
        self.windows[at].arrive(ctx.now(), &self.estimate);
        self.versions[at] = version;
        if self.dead[at] {
            let echo = self.slot(member);
            self.send(endpoint, ECHO, echo, ctx);
        }
    }

    /// `endpoint` answered `member`'s echo: alive again (`realMarkAlive`).
    fn echoed(&mut self, member: u32, endpoint: u32, ctx: &mut dyn DetectorCtx) {
        let at = self.at(member, endpoint);
        if !std::mem::replace(&mut self.dead[at], false) {
            return;
        }
        self.accuracy.view_changed(endpoint, true, false, ctx.now());
        if member == self.agent() {
            ctx.mark_up(InstanceId(endpoint));
        }
    }

    /// `doStatusCheck`: `member` interprets every endpoint's φ and convicts those past the
    /// threshold.
    fn status_check(&mut self, member: u32, ctx: &mut dyn DetectorCtx) {
        let now = ctx.now();
        for endpoint in (0..self.n).filter(|&j| j != member) {
            let at = self.at(member, endpoint);
            if !self.dead[at] && self.windows[at].convicts(now, &self.estimate) {
                self.convict(member, endpoint, ctx);
            }
        }
    }

    /// `member` holds `endpoint` dead (`convict` → `markDead`).
    fn convict(&mut self, member: u32, endpoint: u32, ctx: &mut dyn DetectorCtx) {
        let at = self.at(member, endpoint);
        self.dead[at] = true;
        let now = ctx.now();
        self.accuracy.view_changed(endpoint, false, true, now);
        if member == self.agent() {
            ctx.mark_down(InstanceId(endpoint));
        }
        if self.is_up(endpoint, ctx) {
            self.metrics.false_convictions += 1;
        }
        self.check_followed(now);
    }

    fn check_followed(&mut self, now: SimTime) {
        let accuracy = &self.accuracy;
        self.dissemination.check(|s| accuracy.dead_holders(s), self.live, now);
    }

    /// The other members `member` holds dead.
    fn held_dead(&self, member: u32) -> Vec<u32> {
        self.partition(member).1
    }

    /// A recovered member's row: the seed's versions (a shadow round), its own new
    /// generation, every other member held dead with an empty window.
    fn rejoin(&mut self, member: u32, ctx: &dyn DetectorCtx) {
        let (row, seed) = (self.at(member, 0), self.at(self.agent(), 0));
        let n = self.n as usize;
        self.versions.copy_within(seed..seed + n, row);
        self.heartbeat[member as usize] = 0;
        self.versions[row + member as usize] = u64::from(self.epoch(member, ctx)) << 32;
        for j in 0..n {
            self.dead[row + j] = j != member as usize;
            self.windows[row + j] = Tracked::default();
        }
    }
}

impl Detector for CassandraGossip {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for member in 0..self.n {
            self.start_member(member, ctx);
        }
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let member = instance.0;
        self.dissemination.recovered(member);
        self.rejoin(member, ctx);
        self.live += 1;
        let held = self.held_dead(member);
        self.accuracy.member_changed(member, true, &held, ctx.now());
        self.start_member(member, ctx);
    }

    fn on_instance_down(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let member = instance.0;
        let held = self.held_dead(member);
        self.accuracy.member_changed(member, false, &held, ctx.now());
        self.live -= 1;
        self.dissemination.crashed(member, ctx.now());
        self.check_followed(ctx.now());
    }

    fn on_event(&mut self, e: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        match e.kind {
            TICK => self.on_tick(e.instance.0, e.tag, ctx),
            kind => self.receive(e.instance.0, kind, e.tag, ctx),
        }
    }

    fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        let [first, half, all, refutation, messages, bytes, suspicions, deaths, accuracy] =
            crate::metrics::GOSSIP_METRICS;
        self.dissemination.report([first, half, all], out);
        Sampled::default().report(refutation, out);
        out.push(messages, self.metrics.messages as f64);
        out.push(bytes, self.metrics.bytes as f64);
        out.push(suspicions, self.metrics.false_convictions as f64);
        out.push(deaths, self.metrics.false_convictions as f64);
        out.push(accuracy, self.accuracy.report(horizon));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_key(text: &str) -> String {
        super::super::super::error_key(&format!("kind = \"cassandra-gossip\"\n{text}"))
    }

    #[test]
    fn bad_parameters_are_errors() {
        for (text, key) in [
            ("threshold = 0.0", "detector.threshold"),
            ("window = 0", "detector.window"),
            ("gossip_interval = \"0s\"", "detector.gossip_interval"),
            ("max_interval = \"fast\"", "detector.max_interval"),
            ("seed = 3", "detector.seed"),
            ("treshold = 8", "detector.treshold"),
        ] {
            assert_eq!(error_key(text), key, "{text}");
        }
    }

    /// The exchange leaves both members with the newer version of every endpoint: a SYN from
    /// a member holding (5, 0, 7) to one holding (3, 4, 7) brings back endpoint 1's state and
    /// asks for endpoint 0's (at version 3), which the ACK2 carries; endpoint 2, equal,
    /// travels in neither.
    #[test]
    fn syn_ack_ack2_carry_the_newer_versions_both_ways() {
        let settings =
            Settings { interval: 1_000_000_000, threshold: 8.0, window: 10, max_interval: 2_000_000_000, seed: false };
        let mut g = CassandraGossip::new(settings, 2);
        g.versions[..3].copy_from_slice(&[5, 0, 7]);
        g.versions[3..6].copy_from_slice(&[3, 4, 7]);
        let syn = [(0, 5), (1, 0), (2, 7)];
        let mut ack = Message::default();
        g.examine(1, &syn, &mut ack);
        assert_eq!((ack.states.clone(), ack.digests.clone()), (vec![(1, 4)], vec![(0, 3)]));
        let mut ack2 = Message::default();
        g.examine(0, &ack.digests, &mut ack2);
        assert_eq!(ack2.states, vec![(0, 5)]);
    }

    /// Heavy-tailed delays (messages overtaking each other), loss, restarts, partitions,
    /// crash, leave and join faults: the detector keeps working and reproduces; with 20 %
    /// loss and Pareto delays its φ convicts live members sometimes.
    #[test]
    fn survives_every_fault_and_reproduces() {
        let a = super::super::super::run_hostile("kind = \"cassandra-gossip\"\nthreshold = 3.0\n");
        // Repairs take 3 s on average, φ at threshold 3 about 7 s: most crashes end first.
        assert!(a.get("detection_time.count").unwrap() > 10.0);
        assert!(a.get("undetected").unwrap() > a.get("detection_time.count").unwrap());
        assert!(a.get("dissemination_all_time.count").unwrap() > 0.0);
        assert!(a.get("gossip_false_deaths").unwrap() > 0.0);
        let accuracy = a.get("view_accuracy").unwrap();
        assert!(accuracy > 0.5 && accuracy < 1.0, "{accuracy}");
    }
}
