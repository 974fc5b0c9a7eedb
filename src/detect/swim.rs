//! `swim`: SWIM's failure detection (Das, Gupta and Motivala, 2002) with indirect probes and
//! suspicion. Members probe each other; the registry learns what they conclude.
//!
//! Each live member runs a protocol period of `interval` (random phase). At its start it picks
//! a member the registry lists as up, uniformly at random, and pings it. Without an ack after
//! `probe_timeout` it asks `indirect_probes` other listed members to ping the target for it;
//! each forwards an ack it gets. Without any ack by the end of the period, it suspects the
//! target and tells it so; a live target refutes. A suspicion not refuted within
//! `suspicion_timeout` is confirmed: the member reports the target dead to the registry, which
//! marks it down. A live member the registry does not list (it recovered, or was wrongly
//! confirmed) re-joins at the start of its next period; the registry marks it up when the join
//! arrives. Every message — pings, acks, ping-reqs, suspicions, refutations, reports, joins —
//! takes the network's delay and loss; a partition separates the cut-off members from the rest
//! and from the registry.
//!
//! Modelling choices: SWIM disseminates suspicions and confirmations by piggybacking them on
//! pings (gossip); here a suspicion goes straight to its target, and a confirmation straight
//! to the registry, one message each — dissemination as fast as the network allows, so
//! detection times are SWIM's lower bound and refutations fail only through loss or a
//! partition. The membership list every member probes from is the registry's view. A member
//! learns that it is not listed by the start of its next period (in SWIM, from the gossip it
//! receives).

use super::{Cost, Detector, DetectorEvent, DetectorFactory, Load, random_phase};
use super::{DetectorCtx, View};
use crate::engine::{SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};
use crate::params::DefaultValue::{Derived, Fixed, Required};
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Value, Values};
use std::sync::Arc;

/// Event kinds. An indirect probe's messages carry the helper's slot: `INDIRECT + 4·slot + hop`.
const PERIOD: u8 = 0;
const PING: u8 = 1;
const ACK: u8 = 2;
const PROBE_TIMEOUT: u8 = 3;
const SUSPECT: u8 = 4;
const ALIVE: u8 = 5;
const SUSPICION_TIMEOUT: u8 = 6;
const CONFIRM: u8 = 7;
const JOIN: u8 = 8;
const INDIRECT: u8 = 16;
/// An indirect probe's four hops: prober → helper (ping-req), helper → target (ping),
/// target → helper (ack), helper → prober (forwarded ack).
const PING_REQ: u8 = 0;
const HELPER_PING: u8 = 1;
const HELPER_ACK: u8 = 2;
const FORWARD: u8 = 3;

/// At most this many indirect probes (`chosen` in `on_probe_timeout` holds 2 more).
const MAX_HELPERS: u32 = 8;
/// Random draws before a target or helper search falls back to a scan of the members.
const DRAWS: u32 = 64;

pub(super) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "swim",
    doc: "SWIM: members probe each other directly and indirectly, with suspicion",
    params: &[
        Param { name: "interval", ty: Type::PositiveDuration, default: Required, doc: "protocol period of a member" },
        Param {
            name: "probe_timeout",
            ty: Type::PositiveDuration,
            default: Derived("interval / 5"),
            doc: "wait for a direct ack before indirect probes; below interval",
        },
        Param {
            name: "indirect_probes",
            ty: Type::Count { min: 0, max: MAX_HELPERS as u64 },
            default: Fixed("3"),
            doc: "members asked to probe the target when the direct ack is late",
        },
        Param {
            name: "suspicion_timeout",
            ty: Type::Duration,
            default: Derived("5 × interval"),
            doc: "time a suspicion has to be refuted before it is confirmed",
        },
    ],
    derived: &[],
    build,
};

#[derive(Debug)]
struct Factory {
    interval: SimTime,
    probe_timeout: SimTime,
    indirect_probes: u32,
    suspicion_timeout: SimTime,
}

fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let interval = values.required_duration("interval")?;
    let probe_timeout = values.duration("probe_timeout").unwrap_or((interval / 5).max(1));
    if probe_timeout >= interval {
        return Err(KeyError::new(values.key_of("probe_timeout"), "must be shorter than the interval")
            .allowed("0 < probe_timeout < interval"));
    }
    let suspicion_timeout = values.duration("suspicion_timeout").unwrap_or(5 * interval);
    values.resolve("probe_timeout", Value::Duration(probe_timeout));
    values.resolve("suspicion_timeout", Value::Duration(suspicion_timeout));
    let indirect_probes = values.required_u32("indirect_probes")?;
    Ok(Arc::new(Factory { interval, probe_timeout, indirect_probes, suspicion_timeout }))
}

impl DetectorFactory for Factory {
    /// Per protocol period of a member: the period, the ping's and the ack's arrivals, the
    /// probe timeout; when the direct probe fails, a suspicion timeout and, per indirect
    /// probe, about three delivered messages.
    fn estimate(&self, load: &Load) -> Cost {
        let delivered = 1.0 - load.loss;
        let direct_fails = 1.0 - delivered * delivered;
        let indirect = 3.0 * delivered * f64::from(self.indirect_probes);
        let per_period = 4.0 + direct_fails * (1.0 + indirect);
        let queue_events = load.up_periods(self.interval) * per_period + 2.0 * load.crashes;
        Cost { queue_events, drawn_events: 0.0, bytes: 400.0 * load.instances }
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(Swim {
            interval: self.interval,
            probe_timeout: self.probe_timeout,
            helpers: self.indirect_probes,
            suspicion_timeout: self.suspicion_timeout,
            members: InstanceId::all(instances).map(|_| Member::default()).collect(),
        })
    }
}

/// One member's probe of the current period and the suspicions it awaits.
#[derive(Default)]
struct Member {
    /// The current probe's number: messages of older probes are ignored.
    probe: u32,
    target: Option<InstanceId>,
    acked: bool,
    helpers: Vec<InstanceId>,
    /// Suspicions raised and not yet refuted or confirmed: (probe number, target).
    suspicions: Vec<(u32, InstanceId)>,
}

struct Swim {
    interval: SimTime,
    probe_timeout: SimTime,
    helpers: u32,
    suspicion_timeout: SimTime,
    members: PerInstance<Member>,
}

/// A member the registry lists as up, other than `exclude`, uniformly at random.
fn pick_listed(
    exclude: &[InstanceId],
    ctx: &mut dyn DetectorCtx,
    instances: u32,
    member: InstanceId,
) -> Option<InstanceId> {
    let listed = |j: InstanceId, ctx: &dyn DetectorCtx| ctx.view(j) == View::Up && !exclude.contains(&j);
    for _ in 0..DRAWS {
        let j = InstanceId(ctx.rng(member).below(instances as u64) as u32);
        if listed(j, ctx) {
            return Some(j);
        }
    }
    let candidates: Vec<InstanceId> = InstanceId::all(instances).filter(|&j| listed(j, ctx)).collect();
    let rng: &mut Stream = ctx.rng(member);
    (!candidates.is_empty()).then(|| candidates[rng.below(candidates.len() as u64) as usize])
}

impl Swim {
    fn instances(&self) -> u32 {
        self.members.len() as u32
    }

    /// A period starts: conclude the last probe, re-join if not listed, probe a new target.
    fn on_period(&mut self, i: InstanceId, epoch: u32, ctx: &mut dyn DetectorCtx) {
        if epoch != ctx.instance_epoch(i) {
            return; // the member crashed since; a recovery starts a new loop
        }
        ctx.schedule_in(self.interval, DetectorEvent { instance: i, kind: PERIOD, tag: epoch });
        self.conclude(i, ctx);
        if ctx.view(i) == View::Down
            && let Some(at) = ctx.send(i)
        {
            ctx.schedule_at(at, DetectorEvent { instance: i, kind: JOIN, tag: 0 });
        }
        let target = pick_listed(&[i], ctx, self.instances(), i);
        let m = &mut self.members[i];
        m.probe = m.probe.wrapping_add(1);
        m.acked = false;
        m.helpers.clear();
        m.target = target;
        let (probe, Some(target)) = (m.probe, m.target) else { return };
        self.message(i, target, DetectorEvent { instance: i, kind: PING, tag: probe }, ctx);
        ctx.schedule_in(self.probe_timeout, DetectorEvent { instance: i, kind: PROBE_TIMEOUT, tag: probe });
    }

    /// The last period's probe got no ack: suspect its target, tell it, and wait.
    fn conclude(&mut self, i: InstanceId, ctx: &mut dyn DetectorCtx) {
        let m = &mut self.members[i];
        let (Some(target), false) = (m.target, m.acked) else { return };
        if ctx.view(target) == View::Down {
            return; // already confirmed by someone
        }
        let probe = m.probe;
        m.suspicions.push((probe, target));
        self.message(i, target, DetectorEvent { instance: i, kind: SUSPECT, tag: probe }, ctx);
        ctx.schedule_in(self.suspicion_timeout, DetectorEvent { instance: i, kind: SUSPICION_TIMEOUT, tag: probe });
    }

    /// Sends a message from member `from` to member `to`, to be handled as `event` there.
    fn message(&self, from: InstanceId, to: InstanceId, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        if let Some(at) = ctx.send_between(from, to) {
            ctx.schedule_at(at, event);
        }
    }

    fn current(&self, i: InstanceId, probe: u32) -> Option<&Member> {
        let m = &self.members[i];
        (m.probe == probe).then_some(m)
    }

    /// No ack yet: ask helpers to probe the target.
    fn on_probe_timeout(&mut self, i: InstanceId, probe: u32, ctx: &mut dyn DetectorCtx) {
        let Some(&Member { target: Some(target), acked: false, .. }) = self.current(i, probe) else { return };
        if !ctx.instance_is_up(i) {
            return; // the prober crashed during its period
        }
        let mut chosen = [InstanceId(0); 2 + MAX_HELPERS as usize];
        (chosen[0], chosen[1]) = (i, target);
        for slot in 0..self.helpers {
            let taken = 2 + slot as usize;
            let Some(h) = pick_listed(&chosen[..taken], ctx, self.instances(), i) else { break };
            chosen[taken] = h;
            self.members[i].helpers.push(h);
            let kind = INDIRECT + 4 * slot as u8 + PING_REQ;
            self.message(i, h, DetectorEvent { instance: i, kind, tag: probe }, ctx);
        }
    }

    /// A hop of an indirect probe arrived; a live recipient passes it on.
    fn on_indirect(&mut self, i: InstanceId, probe: u32, slot: u8, hop: u8, ctx: &mut dyn DetectorCtx) {
        let Some(m) = self.current(i, probe) else { return };
        let (Some(target), Some(&helper)) = (m.target, m.helpers.get(slot as usize)) else { return };
        let (at, next) = match hop {
            PING_REQ => (helper, target),
            HELPER_PING => (target, helper),
            HELPER_ACK => (helper, i),
            FORWARD => {
                self.members[i].acked = true;
                return;
            }
            _ => return,
        };
        if ctx.instance_is_up(at) {
            let kind = INDIRECT + 4 * slot + hop + 1;
            self.message(at, next, DetectorEvent { instance: i, kind, tag: probe }, ctx);
        }
    }

    fn target_of_suspicion(&self, i: InstanceId, probe: u32) -> Option<(usize, InstanceId)> {
        let suspicions = &self.members[i].suspicions;
        suspicions.iter().position(|&(p, _)| p == probe).map(|index| (index, suspicions[index].1))
    }

    /// The suspicion timed out unrefuted: report the target dead to the registry.
    fn on_suspicion_timeout(&mut self, i: InstanceId, probe: u32, ctx: &mut dyn DetectorCtx) {
        let Some((index, target)) = self.target_of_suspicion(i, probe) else { return };
        self.members[i].suspicions.swap_remove(index);
        if ctx.instance_is_up(i)
            && let Some(at) = ctx.send(i)
        {
            ctx.schedule_at(at, DetectorEvent { instance: target, kind: CONFIRM, tag: 0 });
        }
    }

    fn on_message(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        let (i, probe) = (event.instance, event.tag);
        match event.kind {
            PING => {
                let target = self.current(i, probe).and_then(|m| m.target);
                if let Some(target) = target.filter(|&t| ctx.instance_is_up(t)) {
                    self.message(target, i, DetectorEvent { kind: ACK, ..event }, ctx);
                }
            }
            ACK if self.current(i, probe).is_some() => self.members[i].acked = true,
            SUSPECT => {
                let target = self.target_of_suspicion(i, probe).map(|(_, t)| t);
                if let Some(target) = target.filter(|&t| ctx.instance_is_up(t)) {
                    self.message(target, i, DetectorEvent { kind: ALIVE, ..event }, ctx);
                }
            }
            ALIVE => {
                if let Some((index, _)) = self.target_of_suspicion(i, probe) {
                    self.members[i].suspicions.swap_remove(index);
                }
            }
            CONFIRM => ctx.mark_down(i),
            JOIN => ctx.mark_up(i),
            _ => {}
        }
    }
}

impl Detector for Swim {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for instance in InstanceId::all(self.instances()) {
            self.on_instance_up(instance, ctx);
        }
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let phase = random_phase(self.interval, ctx.rng(instance));
        let tag = ctx.instance_epoch(instance);
        // A new incarnation: nothing of the last one's probe or suspicions survives, but probe
        // numbers go on, so that its messages still in flight match nothing.
        let m = &mut self.members[instance];
        (m.target, m.acked) = (None, false);
        m.helpers.clear();
        m.suspicions.clear();
        ctx.schedule_in(phase, DetectorEvent { instance, kind: PERIOD, tag });
    }

    fn on_instance_down(&mut self, _instance: InstanceId, _ctx: &mut dyn DetectorCtx) {}

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        let (i, probe) = (event.instance, event.tag);
        match event.kind {
            PERIOD => self.on_period(i, event.tag, ctx),
            PROBE_TIMEOUT => self.on_probe_timeout(i, probe, ctx),
            SUSPICION_TIMEOUT => self.on_suspicion_timeout(i, probe, ctx),
            kind if kind >= INDIRECT => self.on_indirect(i, probe, (kind - INDIRECT) / 4, (kind - INDIRECT) % 4, ctx),
            _ => self.on_message(event, ctx),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn bad_parameters_are_errors() {
        for (text, key) in [
            ("interval = \"1s\"\nprobe_timeout = \"1s\"", "detector.probe_timeout"),
            ("interval = \"1s\"\nindirect_probes = 9", "detector.indirect_probes"),
            ("interval = \"1s\"\nsuspicion_timeout = \"soon\"", "detector.suspicion_timeout"),
            ("interval = \"0s\"", "detector.interval"),
            ("interval = \"1s\"\nfanout = 3", "detector.fanout"),
        ] {
            assert_eq!(super::super::error_key(&format!("kind = \"swim\"\n{text}")), key, "{text}");
        }
    }

    /// Heavy-tailed delays (messages overtaking each other and missing every timeout), loss,
    /// restarts, partitions, crash, leave and join faults: the detector keeps working and
    /// stays deterministic; recovered members re-join.
    #[test]
    fn survives_every_fault_and_reproduces() {
        let a = super::super::run_twice_with_every_fault(
            r#"name = "swim-faults"
horizon = "300s"
[cluster]
instances = 30
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "60s" }, mttr = { dist = "exponential", mean = "30s" } }
[network]
delay = { dist = "pareto", scale = "20ms", shape = 1.2 }
loss = 0.1
[detector]
kind = "swim"
interval = "1s"
indirect_probes = 2
"#,
        );
        assert!(a.get("detection_time.count").unwrap() > 50.0);
        assert!(a.get("recovery_detection_time.count").unwrap() > 50.0, "recovered members re-join");
        assert!(a.get("false_suspicions").unwrap() > 0.0, "the partition and the tail fool it");
    }
}
