//! `gossip`: decentralised membership as memberlist runs it (hashicorp/memberlist `state.go`,
//! `suspicion.go`, `util.go`, `broadcast.go`): every member probes others and spreads what it
//! learns by gossip, so each member holds its own view and a failure is known at different
//! times by different members.
//!
//! The cluster is the instances plus one more member that never fails: the registry's agent
//! (as Consul's servers are members of the gossip pool); the registry lists what that member's
//! view holds — an instance is marked down when the agent holds it dead, up when alive again.
//!
//! - **Probing**: each live member, every `probe_interval` (random phase, or `aligned`: all on
//!   multiples of it, the paper's synchronous rounds), pings one member — the next of a
//!   shuffled round-robin order over the others (`probe_order = "round-robin"`, memberlist;
//!   reshuffled at each wrap) or one at random (`"random"`, the paper's analysis) — skipping
//!   those it holds dead. No ack within `probe_timeout`: `indirect_checks` random members ping
//!   it on its behalf and forward an ack. Still none when the next period starts: the member
//!   suspects the target at the incarnation it holds for it.
//! - **Dissemination**: an update a member accepts goes into its broadcast queue, piggybacked on
//!   its pings and acks and sent every `gossip_interval` to `gossip_nodes` random members it does
//!   not hold dead (nothing is sent while the queue is empty, as memberlist's `gossip` does);
//!   each message carries at most `max_piggyback` updates, the least-sent and newest first, and
//!   an update is sent at most `retransmit_mult · ceil(log10(n + 1))` times (n members). A newer
//!   update about a member replaces the queued one.
//! - **Suspicion (Lifeguard)**: a member that comes to hold another suspect starts a timer of
//!   `max(min, max − (max − min) · ln(c + 1) / ln(k + 1))` from the suspicion's start, c the
//!   independent confirmations (suspicions by other accusers) it has heard, `min =
//!   suspicion_mult · max(1, log10(n)) · probe_interval`, `max = suspicion_max_timeout_mult ·
//!   min`, `k = suspicion_mult − 2` (0 when n − 2 < k; then the timeout is min). When it fires,
//!   the member declares the suspect dead. Once k confirmations are in, more are neither
//!   counted nor passed on (memberlist's `Confirm`). A live member that hears itself suspected
//!   or dead refutes with a higher incarnation. `suspicion_arithmetic = "memberlist"` computes
//!   the timeout as memberlist's integers do (`Settings::suspicion_timeout`: log10 n truncated
//!   to thousandths, a lowered timeout floored to the millisecond); the default is the formula
//!   in real numbers.
//! - **Crash and recovery**: a crashed member forgets everything; on recovery it re-joins by a
//!   push-pull exchange, which gives it every update in flight — then it refutes its own death,
//!   and the suspicions and deaths of others become its own suspicions, with their timers, as
//!   memberlist's `mergeState` makes them (`gossip::rejoin`).
//!
//! - **Lifeguard's other parts**, each switchable: nacks (a helper without an ack from the
//!   target within `probe_timeout` tells the prober) and local health awareness (a score that
//!   stretches the member's probe interval × (score + 1): −1 per answered probe, + the nacks
//!   missing per silent one, or +1 without helpers, +1 per refutation).
//! - **Degraded members** (`degraded`, a fraction of the instances chosen per run): alive, but
//!   each message they receive waits an exponential `degraded_delay` before they handle it;
//!   with `degraded_pause`, they also stop handling messages in periodic pauses (GC-style,
//!   `gossip::pauses`): what arrives in a pause waits for its end. Their timers run on time,
//!   unless `degraded_pause_timers`: then a timer that falls in a pause fires at its end
//!   (`gossip::paused_timers`).
//!
//! - **Push-pull anti-entropy** (`push_pull_interval`, off by default): every interval (random
//!   phase) each live member exchanges its whole view with a random member it does not hold
//!   dead, merged as memberlist's `mergeState` does (a remote death becomes a suspicion).
//!
//! Not modelled yet: `GossipToTheDeadTime`,
//! memberlist's exact packet sizes (`gossip_bytes` is a simple model), Go's ticker grid across
//! a pause (with `degraded_pause_timers` a periodic loop restarts from the pause's end), and a
//! fresh joiner's ignorance of the members it does not list (a re-joining member here knows
//! every member; a death every live member holds it takes as a death). The agent shares
//! instance 0's random stream.
//!
//! Metrics (besides the registry's), `metrics::GOSSIP_METRICS`: `dissemination_first_time`,
//! `dissemination_half_time`, `dissemination_all_time` — from a crash until the first live
//! member, half of them, and all of them hold the crashed member dead (while it stays down) —
//! `refutation_time` (a false suspicion until every live member holds the refutation,
//! `gossip::refutation`), `gossip_messages` and `gossip_bytes`, healthy members' false
//! suspicions and deaths of healthy members, and `view_accuracy` (`gossip::accuracy`); with
//! `report_suspicion_timeouts`, `metrics::SUSPICION_TIMEOUTS`: per confirmation count c at
//! which a suspicion timer declared the suspect dead, the time since the suspicion's start.
//!
//! Events are spent only where they change something: an ack without updates to a member
//! that is not degraded is recorded at its send with its arrival time, a probe's timeout is
//! queued only when the ack will not be handled by the deadline, and a suspicion's timer
//! looks first at the earliest possible deadline (start + min), then at the one set by then.

mod accuracy;
#[cfg(test)]
mod bare;
mod cassandra;
mod followed;
mod knowledge;
mod paused_timers;
mod pauses;
mod queue;
mod refutation;
mod rejoin;
mod settings;

use super::{Detector, DetectorCtx, DetectorEvent, random_phase};
use crate::engine::SimTime;
use crate::ids::InstanceId;
use crate::metrics::MetricValues;
use crate::metrics::sampled::Sampled;
use accuracy::Accuracy;
pub(super) use cassandra::STRATEGY as CASSANDRA;
use followed::Dissemination;
use knowledge::{Key, Knowledge, RumorId, State};
use queue::Queue;
use refutation::Refutations;
pub(super) use settings::STRATEGY;
use settings::Settings;

const TICK: u8 = 0;
const PING: u8 = 1;
const ACK: u8 = 2;
const PROBE_TIMEOUT: u8 = 3;
const PING_REQ: u8 = 4;
const RELAYED_PING: u8 = 5;
const RELAYED_ACK: u8 = 6;
const FORWARDED_ACK: u8 = 7;
const GOSSIP_TICK: u8 = 8;
const GOSSIP: u8 = 9;
const SUSPICION: u8 = 10;
const NACK_TIMER: u8 = 11;
const NACK: u8 = 12;
const PUSH_PULL_TICK: u8 = 13;
const PUSH_PULL: u8 = 14;
const PUSH_PULL_REPLY: u8 = 15;
/// Set on a message a degraded member has already held back once.
const HELD: u8 = 0x80;

/// The size model of `gossip_bytes`: a message's header (type, sequence number, sender and
/// target names, as memberlist's msgpack-encoded ping or ack: about 30 bytes) and each update
/// it carries (a suspect, dead or alive message: incarnation, node name, and for alive the
/// address and metadata: about 50 bytes), plus UDP/IP headers (28 bytes).
const HEADER_BYTES: u64 = 30 + 28;
const UPDATE_BYTES: u64 = 50;

/// Random draws before a random pick gives up.
const DRAWS: u32 = 64;

/// One member's probe, order, queue and suspicions.
#[derive(Default)]
struct Member {
    incarnation: u32,
    probe: u32,
    target: Option<u32>,
    /// The current probe's ack has been handled (an ack that came as an event).
    acked: bool,
    /// The arrival of the current probe's ack when it came without an event (`SimTime::MAX`:
    /// none): an ack that carries no updates to a member that is not degraded changes nothing
    /// but this, so it needs no event of its own (it counts from strictly after its arrival,
    /// as an event queued after the period's tick and timeout would).
    ack_at: SimTime,
    /// The current probe's timeout (its period's start + `probe_timeout`).
    deadline: SimTime,
    /// Round robin: the permutation (multiplier, offset) and the position in it.
    order: (u64, u64, u64),
    queue: Queue,
    gossiping: bool,
    /// Suspicions this member runs: (subject, incarnation, start, accusers heard).
    suspicions: Vec<(u32, u32, SimTime, Vec<u32>)>,
    /// Lifeguard's local health score (0: healthy).
    score: u32,
    /// The current probe's nacks: expected (helpers asked) and received.
    nacks: (u32, u32),
    /// Indirect probes this member runs for others: (id, origin, probe, answered).
    relays: Vec<(u32, u32, u32, bool)>,
    next_relay: u32,
    /// Alive, but handles every message it receives late.
    degraded: bool,
    /// A degraded member's current or next pause (with `degraded_pause`).
    pause: pauses::Schedule,
}

impl Member {
    /// Whether the current probe's ack has been handled by `now`.
    fn acked_by(&self, now: SimTime) -> bool {
        self.acked || self.ack_at < now
    }
}

/// A message's sender, the probe it belongs to, and the probe's origin for a relayed one.
#[derive(Clone, Copy, Default)]
struct Header {
    from: u32,
    origin: u32,
    target: u32,
    probe: u32,
}

/// A message in flight: its header and the updates it carries (the buffer stays with its
/// slot, so messages allocate only while the slots grow).
#[derive(Default)]
struct Message {
    header: Header,
    updates: Vec<RumorId>,
}

#[derive(Default)]
struct Metrics {
    /// Crashes until the first, half and all live members hold them dead.
    dissemination: Dissemination,
    /// A false suspicion until every live member holds the refutation.
    refutation: Sampled,
    messages: u64,
    /// Bytes sent, by the size model.
    bytes: u64,
    /// Healthy members' views of healthy members turning suspect, and dead.
    false_suspicions: u64,
    false_deaths: u64,
    /// With `report_suspicion_timeouts`: per confirmations heard, a suspicion's start until
    /// its timer declared the suspect dead.
    timeouts: Vec<Sampled>,
}

struct Gossip {
    settings: Settings,
    limit: u32,
    knowledge: Knowledge,
    members: Vec<Member>,
    messages: Vec<Message>,
    free: Vec<u32>,
    /// The updates of the message being received (swapped with the message's buffer).
    scratch: Vec<RumorId>,
    metrics: Metrics,
    accuracy: Accuracy,
    refutations: Refutations,
}

/// How a probe moves the local health score (memberlist's `probeNode`): an ack −1; silence +
/// the nacks missing of those expected (`nacks`: expected, received), or +1 without nacks.
fn awareness_delta(acked: bool, (expected, received): (u32, u32)) -> i64 {
    match (acked, expected > 0) {
        (true, _) => -1,
        (false, true) => i64::from(expected.saturating_sub(received)),
        (false, false) => 1,
    }
}

fn event(member: u32, kind: u8, tag: u32) -> DetectorEvent {
    DetectorEvent { instance: InstanceId(member), kind, tag }
}

/// A gossip pool whose last member is the registry's agent: never down, of one generation,
/// drawing from instance 0's stream. The rule for both `gossip` and `cassandra-gossip`.
trait Pool {
    /// The agent's member number.
    fn agent(&self) -> u32;

    /// Whether `member` is up: the agent always is.
    fn is_up(&self, member: u32, ctx: &dyn DetectorCtx) -> bool {
        member == self.agent() || ctx.instance_is_up(InstanceId(member))
    }

    /// `member`'s epoch, its up period (its loops' identity, its generation); the agent's is 0.
    fn epoch(&self, member: u32, ctx: &dyn DetectorCtx) -> u32 {
        if member == self.agent() { 0 } else { ctx.instance_epoch(InstanceId(member)) }
    }

    /// `member`'s random stream; the agent shares instance 0's.
    fn rng<'a>(&self, member: u32, ctx: &'a mut dyn DetectorCtx) -> &'a mut crate::engine::Stream {
        ctx.rng(InstanceId(if member == self.agent() { 0 } else { member }))
    }
}

impl Pool for Gossip {
    fn agent(&self) -> u32 {
        self.members.len() as u32 - 1
    }
}

impl Gossip {
    fn new(settings: Settings, instances: u32) -> Self {
        let n = instances + 1;
        Gossip {
            settings,
            limit: settings.retransmit_limit(n),
            knowledge: Knowledge::new(n),
            members: (0..n).map(|_| Member::default()).collect(),
            messages: Vec::new(),
            free: Vec::new(),
            scratch: Vec::new(),
            metrics: Metrics {
                timeouts: vec![Sampled::default(); settings.timeout_columns.into()],
                ..Metrics::default()
            },
            accuracy: Accuracy::new(n),
            refutations: Refutations::default(),
        }
    }

    fn size(&self) -> u32 {
        self.members.len() as u32
    }

    /// Starts a member's probe loop and, if it has updates to send, its gossip loop.
    fn start_member(&mut self, member: u32, ctx: &mut dyn DetectorCtx) {
        let interval = self.settings.probe_interval;
        let first = if self.settings.aligned {
            interval - ctx.now() % interval
        } else {
            random_phase(interval, self.rng(member, ctx))
        };
        let epoch = self.epoch(member, ctx);
        ctx.schedule_in(first, event(member, TICK, epoch));
        self.wake_gossip(member, ctx);
        let push_pull = self.settings.push_pull_interval;
        if push_pull > 0 {
            let first = random_phase(push_pull, self.rng(member, ctx));
            ctx.schedule_in(first, event(member, PUSH_PULL_TICK, epoch));
        }
    }

    /// Every `push_pull_interval`: a full state exchange with one random member this one does
    /// not hold dead (memberlist's `pushPull`; the peer merges and answers with its own).
    fn on_push_pull_tick(&mut self, member: u32, epoch: u32, ctx: &mut dyn DetectorCtx) {
        if epoch != self.epoch(member, ctx) || !self.is_up(member, ctx) {
            return;
        }
        ctx.schedule_in(self.settings.push_pull_interval, event(member, PUSH_PULL_TICK, epoch));
        if let Some(peer) = self.random_member(member, |_| false, ctx) {
            self.send(member, peer, PUSH_PULL, Header::default(), ctx);
        }
    }

    /// `member` merges `remote`'s whole view, as memberlist's `mergeState`: a newer alive wins
    /// (`aliveNode`); a suspect or dead at an incarnation at least the one held of a member
    /// held alive becomes this member's own suspicion (`suspectNode`: a remote death is only
    /// suspected), which the subject, if it is this member, refutes. The state is read when
    /// the message is handled, not when it was sent (milliseconds apart).
    fn merge(&mut self, member: u32, remote: u32, ctx: &mut dyn DetectorCtx) {
        for subject in 0..self.size() {
            let (theirs, ours) = (self.knowledge.view(remote, subject), self.knowledge.view(member, subject));
            let key = match theirs.1 {
                State::Alive if theirs.0 > ours.0 => (theirs.0, State::Alive),
                State::Suspect | State::Dead if ours.1 == State::Alive && theirs.0 >= ours.0 => {
                    (theirs.0, State::Suspect)
                }
                _ => continue,
            };
            let from = if key.1 == State::Alive { subject } else { member };
            let id = self.knowledge.rumor(subject, key, from);
            self.hear(member, id, ctx);
        }
    }

    /// Picks the degraded instances, round(degraded × instances) of them uniformly (a partial
    /// shuffle drawn from instance 0's stream after the members' phases).
    fn choose_degraded(&mut self, ctx: &mut dyn DetectorCtx) {
        let instances = self.agent();
        let count = (self.settings.degraded * f64::from(instances)).round() as u32;
        let mut order: Vec<u32> = (0..instances).collect();
        for i in 0..count.min(instances) {
            let j = i + ctx.rng(InstanceId(0)).below(u64::from(instances - i)) as u32;
            order.swap(i as usize, j as usize);
            self.members[order[i as usize] as usize].degraded = true;
        }
        let Some(pauses) = self.settings.pauses else { return };
        for member in order.into_iter().take(count.min(instances) as usize) {
            let schedule = pauses::Schedule::stationary(ctx.now(), &pauses, self.rng(member, ctx));
            self.members[member as usize].pause = schedule;
        }
    }

    /// Sends a message of `kind` from `from` to `to`, with updates from the sender's queue
    /// (they count as sent even if the message is lost, as memberlist counts them); its
    /// arrival, unless it is lost.
    fn send(&mut self, from: u32, to: u32, kind: u8, header: Header, ctx: &mut dyn DetectorCtx) -> Option<SimTime> {
        self.metrics.messages += 1;
        let slot = self.free.pop().unwrap_or_else(|| {
            self.messages.push(Message::default());
            self.messages.len() as u32 - 1
        });
        let message = &mut self.messages[slot as usize];
        message.header = Header { from, ..header };
        let (knowledge, limit, max) = (&self.knowledge, self.limit, self.settings.max_piggyback);
        // A push-pull carries the sender's whole state (one entry per member), no broadcasts.
        let entries = if kind == PUSH_PULL || kind == PUSH_PULL_REPLY {
            message.updates.clear();
            self.members.len()
        } else {
            self.members[from as usize].queue.take(max, limit, knowledge, &mut message.updates);
            message.updates.len()
        };
        self.metrics.bytes += HEADER_BYTES + UPDATE_BYTES * entries as u64;
        let arrival = match (from == self.agent(), to == self.agent()) {
            (true, _) => ctx.send(InstanceId(to)),
            (_, true) => ctx.send(InstanceId(from)),
            _ => ctx.send_between(InstanceId(from), InstanceId(to)),
        };
        match arrival {
            Some(at) if !self.ack_without_event(to, kind, slot, at, ctx) => ctx.schedule_at(at, event(to, kind, slot)),
            _ => self.free.push(slot),
        }
        arrival
    }

    /// An ack that carries no updates, to a member that is up and not degraded, only marks the
    /// probe answered: recorded here with its arrival, instead of an event (whether the prober
    /// is still on that probe when it arrives is read then: `Member::acked_by`).
    fn ack_without_event(&mut self, to: u32, kind: u8, slot: u32, at: SimTime, ctx: &dyn DetectorCtx) -> bool {
        let message = &self.messages[slot as usize];
        let m = &self.members[to as usize];
        if kind != ACK || !message.updates.is_empty() || m.degraded || !self.is_up(to, ctx) {
            return false;
        }
        if m.probe == message.header.probe {
            self.members[to as usize].ack_at = at;
        }
        true
    }

    /// A message reached `member`: it hears the updates (if it is up), then acts on it. The
    /// slot, and its buffer, are free again.
    fn receive(&mut self, member: u32, kind: u8, slot: u32, ctx: &mut dyn DetectorCtx) {
        let (first, header) = (kind & HELD == 0, self.messages[slot as usize].header);
        let up = self.is_up(member, ctx);
        if kind == PING && (!up || self.members[member as usize].degraded) {
            self.settle_timeout(header.from, header.probe, None, ctx);
        }
        if self.members[member as usize].degraded && first && up && self.hold(member, kind, slot, ctx) {
            return;
        }
        let kind = kind & !HELD;
        self.free.push(slot);
        if !up {
            return;
        }
        std::mem::swap(&mut self.scratch, &mut self.messages[slot as usize].updates);
        for index in 0..self.scratch.len() {
            self.hear(member, self.scratch[index], ctx);
        }
        std::mem::swap(&mut self.scratch, &mut self.messages[slot as usize].updates);
        let reply = Header { origin: header.origin, target: header.target, probe: header.probe, ..Header::default() };
        match kind {
            PING => self.answer(member, header, first, reply, ctx),
            ACK | FORWARDED_ACK => self.acked(member, header.probe),
            PING_REQ => self.relay(member, header, ctx),
            RELAYED_PING => _ = self.send(member, header.from, RELAYED_ACK, reply, ctx),
            RELAYED_ACK => self.relayed_ack(member, header, ctx),
            NACK => self.nacked(member, header.probe),
            PUSH_PULL => {
                self.merge(member, header.from, ctx);
                self.send(member, header.from, PUSH_PULL_REPLY, Header::default(), ctx);
            }
            PUSH_PULL_REPLY => self.merge(member, header.from, ctx),
            _ => {}
        }
    }

    /// A degraded member receives a message: with pauses, it waits for the end of the pause
    /// the message arrives in (arrival times only grow, as `Schedule::release` needs), then
    /// the exponential `degraded_delay` (unless 0). Whether the message is held (then it comes
    /// back as an event, `HELD`).
    fn hold(&mut self, member: u32, kind: u8, slot: u32, ctx: &mut dyn DetectorCtx) -> bool {
        let mut at = ctx.now();
        if let Some(pauses) = self.settings.pauses {
            let mut schedule = self.members[member as usize].pause;
            at = schedule.release(at, &pauses, self.rng(member, ctx));
            self.members[member as usize].pause = schedule;
        }
        let delay = self.settings.degraded_delay;
        if delay > 0 {
            at += (-(delay as f64) * self.rng(member, ctx).uniform_open0().ln()) as SimTime;
        } else if at == ctx.now() {
            return false;
        }
        ctx.schedule_at(at, event(member, kind | HELD, slot));
        true
    }

    /// The target of a probe acks it. Only a probe whose ack the prober will not have handled
    /// by its deadline needs the timeout event (queued when the ping arrives, not when it
    /// leaves: most probes are answered in time and need none).
    fn answer(&mut self, member: u32, ping: Header, first: bool, reply: Header, ctx: &mut dyn DetectorCtx) {
        let arrival = self.send(member, ping.from, ACK, reply, ctx);
        if first && !self.members[member as usize].degraded {
            self.settle_timeout(ping.from, ping.probe, arrival, ctx);
        }
    }

    /// Queues the prober's timeout of `probe` unless an ack arriving at `ack` will have been
    /// handled before the deadline (strictly before: at the deadline the timeout, queued first
    /// in memberlist's order of events, comes first).
    fn settle_timeout(&mut self, prober: u32, probe: u32, ack: Option<SimTime>, ctx: &mut dyn DetectorCtx) {
        let m = &self.members[prober as usize];
        let answered = ack.is_some_and(|at| at < m.deadline) && !m.degraded;
        if m.probe == probe && !answered {
            ctx.schedule_at(m.deadline, event(prober, PROBE_TIMEOUT, probe));
        }
    }

    /// A helper probes the target for the origin; with nacks, it answers either way.
    fn relay(&mut self, member: u32, header: Header, ctx: &mut dyn DetectorCtx) {
        let reply = Header { origin: header.from, probe: header.probe, target: header.target, from: 0 };
        self.send(member, header.target, RELAYED_PING, reply, ctx);
        if self.settings.nacks {
            let m = &mut self.members[member as usize];
            m.next_relay = m.next_relay.wrapping_add(1);
            m.relays.push((m.next_relay, header.from, header.probe, false));
            ctx.schedule_in(self.settings.probe_timeout, event(member, NACK_TIMER, m.next_relay));
        }
    }

    /// The target answered a helper: the ack goes on to the origin.
    fn relayed_ack(&mut self, member: u32, header: Header, ctx: &mut dyn DetectorCtx) {
        let relays = &mut self.members[member as usize].relays;
        if let Some(r) = relays.iter_mut().find(|r| r.1 == header.origin && r.2 == header.probe) {
            r.3 = true;
        }
        let reply = Header { from: 0, ..header };
        self.send(member, header.origin, FORWARDED_ACK, reply, ctx);
    }

    /// A helper's wait is over: without an ack from the target, it tells the origin so.
    fn on_nack_timer(&mut self, member: u32, id: u32, ctx: &mut dyn DetectorCtx) {
        let relays = &mut self.members[member as usize].relays;
        let Some(index) = relays.iter().position(|r| r.0 == id) else { return };
        let (_, origin, probe, answered) = relays.swap_remove(index);
        if !answered && self.is_up(member, ctx) {
            self.send(member, origin, NACK, Header { probe, ..Header::default() }, ctx);
        }
    }

    fn nacked(&mut self, member: u32, probe: u32) {
        let m = &mut self.members[member as usize];
        if m.probe == probe {
            m.nacks.1 += 1;
        }
    }

    fn acked(&mut self, member: u32, probe: u32) {
        let m = &mut self.members[member as usize];
        if m.probe == probe {
            m.acked = true;
        }
    }

    /// A probe period starts: suspect the last target if it never answered, ping the next.
    fn on_tick(&mut self, member: u32, epoch: u32, ctx: &mut dyn DetectorCtx) {
        if epoch != self.epoch(member, ctx) || !self.is_up(member, ctx) {
            return;
        }
        self.conclude(member, ctx);
        let stretch = u64::from(self.members[member as usize].score) + 1;
        ctx.schedule_in(self.settings.probe_interval * stretch, event(member, TICK, epoch));
        let target = self.next_target(member, ctx);
        let m = &mut self.members[member as usize];
        m.probe = m.probe.wrapping_add(1);
        (m.target, m.acked, m.ack_at, m.nacks) = (target, false, SimTime::MAX, (0, 0));
        m.deadline = ctx.now() + self.settings.probe_timeout;
        let (probe, deadline) = (m.probe, m.deadline);
        let Some(target) = target else { return };
        let arrival = self.send(member, target, PING, Header { probe, target, ..Header::default() }, ctx);
        // A ping that arrives in time has its target settle the timeout (`answer`).
        if arrival.is_none_or(|at| at >= deadline) {
            ctx.schedule_at(deadline, event(member, PROBE_TIMEOUT, probe));
        }
    }

    /// The last probe's outcome: an answer lowers the local health score; silence raises it
    /// by the nacks missing (by 1 without nacks: memberlist's `probeNode`) and suspects the target.
    fn conclude(&mut self, member: u32, ctx: &mut dyn DetectorCtx) {
        let m = &self.members[member as usize];
        let Some(target) = m.target else { return };
        let acked = m.acked_by(ctx.now());
        self.adjust_score(member, awareness_delta(acked, m.nacks));
        if !acked {
            self.suspect(member, target, ctx);
        }
    }

    /// Lifeguard's awareness: the score moves by `delta`, within [0, max − 1].
    fn adjust_score(&mut self, member: u32, delta: i64) {
        if !self.settings.awareness {
            return;
        }
        let top = i64::from(self.settings.awareness_max.saturating_sub(1));
        let m = &mut self.members[member as usize];
        m.score = (i64::from(m.score) + delta).clamp(0, top) as u32;
    }

    /// No ack in time: ask `indirect_checks` random members to probe the target.
    fn on_probe_timeout(&mut self, member: u32, probe: u32, ctx: &mut dyn DetectorCtx) {
        let m = &self.members[member as usize];
        let (Some(target), false, true) = (m.target, m.acked_by(ctx.now()), m.probe == probe) else { return };
        if !self.is_up(member, ctx) {
            return;
        }
        let mut asked = Vec::new();
        for _ in 0..self.settings.indirect_checks {
            let exclude = |j: u32| j == target || asked.contains(&j);
            let Some(helper) = self.random_member(member, exclude, ctx) else { break };
            asked.push(helper);
            let message = Header { origin: member, target, probe, ..Header::default() };
            self.send(member, helper, PING_REQ, message, ctx);
        }
        if self.settings.nacks {
            self.members[member as usize].nacks.0 = asked.len() as u32;
        }
    }

    /// The next member to probe: round robin over a permutation redrawn at each wrap, or at
    /// random; never itself or one it holds dead.
    fn next_target(&mut self, member: u32, ctx: &mut dyn DetectorCtx) -> Option<u32> {
        if self.settings.random_order {
            return self.random_member(member, |_| false, ctx);
        }
        let n = u64::from(self.size());
        for _ in 0..n {
            let (mut a, mut b, position) = self.members[member as usize].order;
            if position % n == 0 {
                (a, b) = (self.coprime(n, member, ctx), self.rng(member, ctx).below(n));
            }
            self.members[member as usize].order = (a, b, position + 1);
            let candidate = ((a * (position % n) + b) % n) as u32;
            if self.probeable(member, candidate) {
                return Some(candidate);
            }
        }
        None
    }

    /// A random multiplier coprime with `n`: an affine permutation of 0..n.
    fn coprime(&self, n: u64, member: u32, ctx: &mut dyn DetectorCtx) -> u64 {
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        loop {
            let a = 1 + self.rng(member, ctx).below(n.max(2) - 1);
            if gcd(a, n) == 1 {
                return a;
            }
        }
    }

    fn probeable(&self, member: u32, candidate: u32) -> bool {
        candidate != member && self.knowledge.view(member, candidate).1 != State::Dead
    }

    /// A random member `member` does not hold dead, other than itself and `exclude`d ones.
    fn random_member(&self, member: u32, exclude: impl Fn(u32) -> bool, ctx: &mut dyn DetectorCtx) -> Option<u32> {
        let n = u64::from(self.size());
        (0..DRAWS).map(|_| self.rng(member, ctx).below(n) as u32).find(|&j| self.probeable(member, j) && !exclude(j))
    }

    /// Every `gossip_interval` while its queue holds updates: send some to `gossip_nodes`
    /// random members.
    fn on_gossip_tick(&mut self, member: u32, epoch: u32, ctx: &mut dyn DetectorCtx) {
        if epoch != self.epoch(member, ctx) || !self.is_up(member, ctx) {
            return;
        }
        self.members[member as usize].gossiping = false;
        if self.members[member as usize].queue.is_empty() {
            return;
        }
        let mut sent = Vec::new();
        for _ in 0..self.settings.gossip_nodes {
            let Some(to) = self.random_member(member, |j| sent.contains(&j), ctx) else { break };
            sent.push(to);
            self.send(member, to, GOSSIP, Header::default(), ctx);
        }
        self.wake_gossip(member, ctx);
    }

    /// Schedules the member's next gossip tick if it has updates and none is scheduled.
    fn wake_gossip(&mut self, member: u32, ctx: &mut dyn DetectorCtx) {
        let m = &self.members[member as usize];
        if m.gossiping || m.queue.is_empty() || self.settings.gossip_nodes == 0 {
            return;
        }
        self.members[member as usize].gossiping = true;
        let epoch = self.epoch(member, ctx);
        ctx.schedule_in(self.settings.gossip_interval, event(member, GOSSIP_TICK, epoch));
    }

    /// `member`'s probe of `target` failed: it suspects it, at the incarnation it holds.
    fn suspect(&mut self, member: u32, target: u32, ctx: &mut dyn DetectorCtx) {
        let (incarnation, state) = self.knowledge.view(member, target);
        if state == State::Dead {
            return;
        }
        let id = self.knowledge.rumor(target, (incarnation, State::Suspect), member);
        self.hear(member, id, ctx);
    }

    /// `member` hears update `id`: if it is news, it may change its view (then re-broadcast,
    /// refute, start or end a suspicion, move the registry) or confirm a suspicion.
    fn hear(&mut self, member: u32, id: RumorId, ctx: &mut dyn DetectorCtx) {
        // Read the rumor first: the member may be the last to hear it, which folds it away.
        let Some(rumor) = self.knowledge.get(id) else { return };
        let (subject, key, from) = (rumor.subject, rumor.key, rumor.from);
        let Some(before) = self.knowledge.hear(member, id) else { return };
        let after = self.knowledge.view(member, subject);
        if after == before {
            if key == after && key.1 == State::Suspect && self.confirm(member, subject, key.0, from, ctx) {
                self.enqueue(member, id, ctx);
            }
            return;
        }
        self.enqueue(member, id, ctx);
        self.changed(member, subject, before, after, from, ctx);
    }

    /// `member`'s view of `subject` changed from `before` to `after` (raised by `from`).
    fn changed(&mut self, member: u32, subject: u32, before: Key, after: Key, from: u32, ctx: &mut dyn DetectorCtx) {
        self.members[member as usize].suspicions.retain(|s| s.0 != subject);
        self.follow_refutation(subject, before, after, ctx);
        if subject != member {
            self.accuracy.view_changed(subject, before.1 == State::Dead, after.1 == State::Dead, ctx.now());
        }
        if subject == member && after.1 != State::Alive {
            return self.refute(member, after.0, ctx);
        }
        if after.1 == State::Suspect {
            self.start_suspicion(member, subject, after.0, from, ctx);
        }
        if member == self.agent() && subject != member {
            match after.1 {
                State::Dead => ctx.mark_down(InstanceId(subject)),
                _ if before.1 == State::Dead => ctx.mark_up(InstanceId(subject)),
                _ => {}
            }
        }
        if after.1 == State::Dead && before.1 != State::Dead {
            self.check_followed(ctx.now());
        }
        self.count_mistake(member, subject, after.1, ctx);
    }

    /// A live member's view of `subject` changed: one step of a false suspicion's refutation.
    fn follow_refutation(&mut self, subject: u32, before: Key, after: Key, ctx: &dyn DetectorCtx) {
        if !self.is_up(subject, ctx) {
            return;
        }
        let knowledge = &self.knowledge;
        let holding = |incarnation| {
            let refutes = |j: u32| {
                knowledge.is_up(j) && matches!(knowledge.view(j, subject), (i, State::Alive) if i > incarnation)
            };
            (0..knowledge.members()).filter(|&j| refutes(j)).count() as u32
        };
        let live = knowledge.up_count();
        if let Some(time) = self.refutations.view_changed((subject, before, after), holding, live, ctx.now()) {
            self.metrics.refutation.record(time);
        }
    }

    /// `member` went down or came up: its views leave or join the refutations' counts.
    fn refutations_member(&mut self, member: u32, up: bool, now: SimTime) {
        let knowledge = &self.knowledge;
        let live = knowledge.up_count() - u32::from(!up);
        for time in self.refutations.member_changed(member, up, |s| knowledge.view(member, s), live, now) {
            self.metrics.refutation.record(time);
        }
    }

    /// A healthy member (up, not degraded) came to hold another healthy one suspect or dead
    /// (a degraded member suspected is slow indeed: Lifeguard's false positives are the
    /// healthy members' verdicts on healthy members).
    fn count_mistake(&mut self, member: u32, subject: u32, state: State, ctx: &mut dyn DetectorCtx) {
        let healthy = |g: &Self, j: u32, ctx: &dyn DetectorCtx| g.is_up(j, ctx) && !g.members[j as usize].degraded;
        if subject == member || !healthy(self, member, ctx) || !healthy(self, subject, ctx) {
            return;
        }
        match state {
            State::Suspect => self.metrics.false_suspicions += 1,
            State::Dead => self.metrics.false_deaths += 1,
            State::Alive => {}
        }
    }

    /// A live member hears itself suspected or dead: alive again, one incarnation higher.
    fn refute(&mut self, member: u32, incarnation: u32, ctx: &mut dyn DetectorCtx) {
        self.adjust_score(member, 1);
        let next = incarnation.max(self.members[member as usize].incarnation) + 1;
        self.members[member as usize].incarnation = next;
        let id = self.knowledge.rumor(member, (next, State::Alive), member);
        self.hear(member, id, ctx);
    }

    fn enqueue(&mut self, member: u32, id: RumorId, ctx: &mut dyn DetectorCtx) {
        let subject = self.knowledge.get(id).map_or(u32::MAX, |r| r.subject);
        self.members[member as usize].queue.push(id, subject, &self.knowledge);
        self.wake_gossip(member, ctx);
    }

    fn start_suspicion(&mut self, member: u32, subject: u32, incarnation: u32, from: u32, ctx: &mut dyn DetectorCtx) {
        let start = ctx.now();
        self.members[member as usize].suspicions.push((subject, incarnation, start, vec![from]));
        ctx.schedule_at(self.first_check(start), event(member, SUSPICION, subject));
    }

    /// A suspicion's timer first looks at `start` + min, the earliest any deadline can be, and
    /// then at the deadline the confirmations have set by then: most suspicions are refuted
    /// sooner, so the queue holds one short timer per suspecting member, not one of up to max
    /// per confirmation (the deadline is the same: `on_suspicion`).
    fn first_check(&self, start: SimTime) -> SimTime {
        start.saturating_add(self.settings.suspicion_bounds(self.size()).0 as SimTime)
    }

    /// Another accuser's suspicion of a subject `member` already suspects: one more
    /// confirmation, and an earlier deadline, while fewer than k have come. Whether it counted
    /// (then the member passes it on).
    fn confirm(&mut self, member: u32, subject: u32, incarnation: u32, from: u32, ctx: &mut dyn DetectorCtx) -> bool {
        let size = self.size();
        let (_, _, k) = self.settings.suspicion_bounds(size);
        let m = &mut self.members[member as usize];
        let Some(s) = m.suspicions.iter_mut().find(|s| s.0 == subject && s.1 == incarnation) else { return false };
        // memberlist's `Confirm`: once k confirmations are in, more change nothing and are not
        // passed on.
        if s.3.len() as u32 > k || s.3.contains(&from) {
            return false;
        }
        s.3.push(from);
        let (start, confirmations) = (s.2, s.3.len() as u32 - 1);
        // Before the first check, that check will find the new deadline.
        if ctx.now() >= self.first_check(start) {
            let deadline = start.saturating_add(self.settings.suspicion_timeout(size, confirmations));
            ctx.schedule_at(deadline.max(ctx.now()), event(member, SUSPICION, subject));
        }
        true
    }

    /// A suspicion timer: if the suspicion still stands, the member declares the subject dead
    /// at its deadline (looks again then if it is not yet due).
    fn on_suspicion(&mut self, member: u32, subject: u32, ctx: &mut dyn DetectorCtx) {
        if !self.is_up(member, ctx) {
            return;
        }
        let size = self.size();
        let m = &self.members[member as usize];
        let Some(s) = m.suspicions.iter().find(|s| s.0 == subject) else { return };
        let deadline = s.2.saturating_add(self.settings.suspicion_timeout(size, s.3.len() as u32 - 1));
        if deadline > ctx.now() {
            return ctx.schedule_at(deadline, event(member, SUSPICION, subject));
        }
        if let Some(sampled) = self.metrics.timeouts.get_mut(s.3.len() - 1) {
            sampled.record(ctx.now() - s.2);
        }
        let id = self.knowledge.rumor(subject, (s.1, State::Dead), member);
        self.hear(member, id, ctx);
    }

    /// The other members `member` holds dead.
    fn held_dead(&self, member: u32) -> Vec<u32> {
        (0..self.size()).filter(|&j| j != member && self.knowledge.view(member, j).1 == State::Dead).collect()
    }

    /// Records the stages every followed crash has reached, and forgets those done.
    fn check_followed(&mut self, now: SimTime) {
        let accuracy = &self.accuracy;
        self.metrics.dissemination.check(|s| accuracy.dead_holders(s), self.knowledge.up_count(), now);
    }
}

impl Detector for Gossip {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for member in 0..self.size() {
            self.start_member(member, ctx);
        }
        self.choose_degraded(ctx);
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let member = instance.0;
        self.metrics.dissemination.recovered(member);
        let accusations = self.knowledge.member_up(member);
        self.refutations_member(member, true, ctx.now());
        let held = self.held_dead(member);
        self.accuracy.member_changed(member, true, &held, ctx.now());
        let (incarnation, state) = self.knowledge.view(member, member);
        if state != State::Alive {
            self.refute(member, incarnation, ctx);
        }
        self.merge_accusations(member, &accusations, ctx);
        self.start_member(member, ctx);
    }

    fn on_instance_down(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let member = instance.0;
        let held = self.held_dead(member);
        self.accuracy.member_changed(member, false, &held, ctx.now());
        self.refutations_member(member, false, ctx.now());
        self.knowledge.member_down(member);
        let m = &mut self.members[member as usize];
        m.queue.clear();
        m.suspicions.clear();
        m.relays.clear();
        m.score = 0;
        (m.target, m.gossiping, m.ack_at) = (None, false, SimTime::MAX);
        self.metrics.dissemination.crashed(member, ctx.now());
        self.check_followed(ctx.now());
    }

    fn on_event(&mut self, e: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        if self.defer_timer(e, ctx) {
            return;
        }
        let member = e.instance.0;
        match e.kind {
            TICK => self.on_tick(member, e.tag, ctx),
            PROBE_TIMEOUT => self.on_probe_timeout(member, e.tag, ctx),
            GOSSIP_TICK => self.on_gossip_tick(member, e.tag, ctx),
            SUSPICION => self.on_suspicion(member, e.tag, ctx),
            NACK_TIMER => self.on_nack_timer(member, e.tag, ctx),
            PUSH_PULL_TICK => self.on_push_pull_tick(member, e.tag, ctx),
            kind => self.receive(member, kind, e.tag, ctx),
        }
    }

    fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        let [first, half, all, refutation, messages, bytes, suspicions, deaths, accuracy] =
            crate::metrics::GOSSIP_METRICS;
        self.metrics.dissemination.report([first, half, all], out);
        self.metrics.refutation.report(refutation, out);
        out.push(messages, self.metrics.messages as f64);
        out.push(bytes, self.metrics.bytes as f64);
        out.push(suspicions, self.metrics.false_suspicions as f64);
        out.push(deaths, self.metrics.false_deaths as f64);
        out.push(accuracy, self.accuracy.report(horizon));
        for (sampled, name) in self.metrics.timeouts.iter().zip(crate::metrics::SUSPICION_TIMEOUTS) {
            sampled.report(name, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// memberlist's LAN defaults, with every Lifeguard part on.
    pub(super) fn settings() -> Settings {
        Settings {
            probe_interval: 1_000_000_000,
            probe_timeout: 500_000_000,
            indirect_checks: 3,
            suspicion_mult: 4,
            suspicion_max_timeout_mult: 6,
            retransmit_mult: 4,
            gossip_interval: 200_000_000,
            gossip_nodes: 3,
            max_piggyback: 20,
            random_order: false,
            aligned: false,
            dynamic_suspicion: true,
            memberlist_arithmetic: false,
            timeout_columns: 0,
            nacks: true,
            awareness: true,
            awareness_max: 8,
            degraded: 0.0,
            degraded_delay: 1_000_000_000,
            pauses: None,
            pause_timers: false,
            push_pull_interval: 0,
        }
    }

    /// memberlist's `suspicionTimeout` and `remainingSuspicionTime` for the LAN defaults at
    /// n = 100: min = 4 · log10(100) · 1 s = 8 s, max = 6 · 8 = 48 s, k = 2; after c
    /// confirmations max − 40 · ln(c + 1)/ln 3, never below 8 s: 48, 22.76, 8, 8 s.
    #[test]
    fn the_suspicion_timeout_falls_with_confirmations_as_memberlists() {
        let s = settings();
        let seconds = |c| s.suspicion_timeout(100, c) as f64 / 1e9;
        assert!((seconds(0) - 48.0).abs() < 1e-6);
        assert!((seconds(1) - (48.0 - 40.0 * 2f64.ln() / 3f64.ln())).abs() < 1e-6);
        assert!((seconds(2) - 8.0).abs() < 1e-6 && (seconds(3) - 8.0).abs() < 1e-6);
        assert_eq!(s.suspicion_timeout(5, 0), 24_000_000_000, "n = 5: log10 below 1 counts as 1; k = 2, so max");
        assert_eq!(s.suspicion_timeout(3, 0), 4_000_000_000, "n − 2 < k: the timeout is min");
        assert_eq!(s.retransmit_limit(100), 12, "4 · ceil(log10(101))");
    }

    /// Lifeguard's score: an answered probe −1, a silent one + the missing nacks (a member
    /// whose helpers all nack is healthy: the target is the problem), + 1 without helpers.
    #[test]
    fn a_probe_moves_the_awareness_score_by_the_missing_nacks() {
        assert_eq!(awareness_delta(true, (3, 0)), -1);
        assert_eq!(awareness_delta(false, (3, 3)), 0, "every helper nacked: not our fault");
        assert_eq!(awareness_delta(false, (3, 1)), 2);
        assert_eq!(awareness_delta(false, (0, 0)), 1, "no helpers asked: any failure counts");
    }
}
