//! The network between instances and the registry (and between instances, for peer-to-peer
//! detectors): a delay per message, a loss probability, and partitions that cut an instance off.

use crate::engine::{SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};
use crate::model::NetworkModel;

pub(super) struct Network {
    model: NetworkModel,
    /// One stream per instance–registry link, so one link's traffic never shifts another's.
    links: PerInstance<Stream>,
    partitioned: PerInstance<bool>,
    pub sent: u64,
    pub lost: u64,
    pub cut: u64,
}

impl Network {
    pub(super) fn new(model: &NetworkModel, links: PerInstance<Stream>) -> Self {
        let partitioned = PerInstance::new(links.len() as u32, false);
        Network { model: model.clone(), links, partitioned, sent: 0, lost: 0, cut: 0 }
    }

    /// Sends a message over `instance`'s link at `now`; returns its arrival time, or None if
    /// the link is partitioned (checked at sending) or the message is lost.
    pub(super) fn send(&mut self, instance: InstanceId, now: SimTime) -> Option<SimTime> {
        self.sent += 1;
        if self.partitioned[instance] {
            self.cut += 1;
            return None;
        }
        let arrival = self.model.transit(now, &mut self.links[instance]);
        self.lost += arrival.is_none() as u64;
        arrival
    }

    /// Sends a message from one instance to another (peer-to-peer detectors): cut when a
    /// partition separates them (one is cut off, the other is not), otherwise the sender's
    /// link draws its loss and delay.
    pub(super) fn send_between(&mut self, from: InstanceId, to: InstanceId, now: SimTime) -> Option<SimTime> {
        self.sent += 1;
        if self.partitioned[from] != self.partitioned[to] {
            self.cut += 1;
            return None;
        }
        let arrival = self.model.transit(now, &mut self.links[from]);
        self.lost += arrival.is_none() as u64;
        arrival
    }

    pub(super) fn set_partitioned(&mut self, instance: InstanceId, partitioned: bool) {
        self.partitioned[instance] = partitioned;
    }
}
