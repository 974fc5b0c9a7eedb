//! The network between instances and the registry (and between instances, for peer-to-peer
//! detectors): a delay per message, a loss probability, and partitions that cut an instance off.

use crate::engine::{SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};
use crate::model::NetworkModel;

pub(super) struct Network {
    model: NetworkModel,
    /// The heartbeat's `jump` evaluation: the instance–registry links skip ordinary messages.
    jumps: Option<Jumps>,
    links: PerInstance<Link>,
    pub sent: u64,
    pub lost: u64,
    pub cut: u64,
}

/// One instance–registry link: everything a send reads, in one aligned half cache line (at
/// 10⁶ instances, separate arrays cost a cache miss each per send).
#[derive(Clone)]
#[repr(align(32))]
struct Link {
    /// One stream per link, so one link's traffic never shifts another's.
    rng: Stream,
    /// With `jump` links: ordinary messages before the next special one.
    ordinary_left: u64,
    partitioned: bool,
}

impl Network {
    /// `threshold`: with the heartbeat's `jump` evaluation, the delay up to which a message
    /// is ordinary (see `Jumps`).
    pub(super) fn new(model: &NetworkModel, streams: Vec<Stream>, threshold: Option<SimTime>) -> Self {
        let mut links: PerInstance<Link> =
            streams.into_iter().map(|rng| Link { rng, ordinary_left: 0, partitioned: false }).collect();
        let jumps = threshold.map(|threshold| Jumps::new(model, threshold, &mut links));
        Network { model: model.clone(), jumps, links, sent: 0, lost: 0, cut: 0 }
    }

    /// Starts loading the instance's link into the cache (`ids::Per::prefetch`).
    pub(super) fn prefetch(&self, instance: InstanceId) {
        self.links.prefetch(instance);
    }

    /// Sends a message over `instance`'s link at `now`; returns its arrival time, or None if
    /// the link is partitioned (checked at sending) or the message is lost.
    pub(super) fn send(&mut self, instance: InstanceId, now: SimTime) -> Option<SimTime> {
        self.sent += 1;
        let link = &mut self.links[instance];
        if link.partitioned {
            self.cut += 1;
            return None;
        }
        let arrival = match &mut self.jumps {
            Some(jumps) => jumps.transit(&self.model, now, link),
            None => self.model.transit(now, &mut link.rng),
        };
        self.lost += arrival.is_none() as u64;
        arrival
    }

    /// With `jump` links: takes up to `max` of the next messages over `instance`'s link if
    /// they are all ordinary, and returns how many (0 if the next one is not, or the link is
    /// cut). Their delays are not drawn: `ordinary_delay` draws the one that matters.
    pub(super) fn ordinary_run(&mut self, instance: InstanceId, max: u64) -> u64 {
        let link = &mut self.links[instance];
        if self.jumps.is_none() || link.partitioned {
            return 0;
        }
        let run = link.ordinary_left.min(max);
        link.ordinary_left -= run;
        self.sent += run;
        run
    }

    /// The delay of an ordinary message (at most the threshold), from the link's stream.
    pub(super) fn ordinary_delay(&mut self, instance: InstanceId) -> SimTime {
        let threshold = self.jumps.as_ref().map_or(SimTime::MAX, |j| j.threshold);
        self.model.delay.sample_at_most(threshold, &mut self.links[instance].rng)
    }

    /// Sends a message from one instance to another (peer-to-peer detectors): cut when a
    /// partition separates them (one is cut off, the other is not), otherwise the sender's
    /// link draws its loss and delay.
    pub(super) fn send_between(&mut self, from: InstanceId, to: InstanceId, now: SimTime) -> Option<SimTime> {
        self.sent += 1;
        if self.links[from].partitioned != self.links[to].partitioned {
            self.cut += 1;
            return None;
        }
        let arrival = self.model.transit(now, &mut self.links[from].rng);
        self.lost += arrival.is_none() as u64;
        arrival
    }

    pub(super) fn set_partitioned(&mut self, instance: InstanceId, partitioned: bool) {
        self.links[instance].partitioned = partitioned;
    }
}

/// The messages of an instance–registry link, drawn as runs: a message is *special* when it is
/// lost or delayed beyond `threshold`, with probability p = loss + (1 − loss)·P(delay >
/// threshold), and *ordinary* otherwise. Messages are independent, so the number of ordinary
/// ones before the next special one is geometric with parameter p, and is drawn once per
/// special message instead of a loss and a delay per message: the same distribution of every
/// message's fate, not the same draws. The heartbeat's `jump` evaluation picks the threshold
/// so that ordinary heartbeats cannot change the registry's view but through the last one.
struct Jumps {
    threshold: SimTime,
    /// P(special).
    special: f64,
    /// P(lost | special).
    lost_if_special: f64,
}

/// "Never special" (p = 0): more messages than any run sends.
const NEVER: u64 = u64::MAX / 2;

impl Jumps {
    /// Draws every link's first run.
    fn new(model: &NetworkModel, threshold: SimTime, links: &mut PerInstance<Link>) -> Self {
        let special = model.loss + (1.0 - model.loss) * model.delay.survival(threshold);
        let lost_if_special = if special > 0.0 { model.loss / special } else { 0.0 };
        for link in links.iter_mut() {
            link.ordinary_left = geometric(special, &mut link.rng);
        }
        Jumps { threshold, special, lost_if_special }
    }

    /// One message, drawn from the runs: ordinary while the run lasts, then the special one
    /// (lost, or delayed beyond the threshold), then the next run's length.
    fn transit(&self, model: &NetworkModel, now: SimTime, link: &mut Link) -> Option<SimTime> {
        let rng = &mut link.rng;
        if link.ordinary_left > 0 {
            link.ordinary_left -= 1;
            return Some(now.saturating_add(model.delay.sample_at_most(self.threshold, rng)));
        }
        let lost = rng.bernoulli(self.lost_if_special);
        let arrival = (!lost).then(|| now.saturating_add(model.delay.sample_above(self.threshold, rng)));
        link.ordinary_left = geometric(self.special, rng);
        arrival
    }
}

/// Failures before the first success of Bernoulli(p) trials, by inversion.
fn geometric(p: f64, rng: &mut Stream) -> u64 {
    if p <= 0.0 {
        return NEVER;
    }
    if p >= 1.0 {
        return 0;
    }
    let draws = libm::floor(libm::log(rng.uniform_open0()) / libm::log1p(-p));
    if draws >= NEVER as f64 { NEVER } else { draws as u64 }
}
