//! The network between instances and the registry (and between instances, for peer-to-peer
//! detectors): a delay per message, a loss probability, and partitions that cut an instance off.

use crate::engine::{SimTime, Stream};
use crate::ids::InstanceId;
use crate::model::NetworkModel;

pub struct Network {
    model: NetworkModel,
    /// One stream per instance–registry link, so one link's traffic never shifts another's.
    links: Vec<Stream>,
    partitioned: Vec<bool>,
    pub sent: u64,
    pub lost: u64,
    pub cut: u64,
}

impl Network {
    pub fn new(model: &NetworkModel, links: Vec<Stream>) -> Self {
        let n = links.len();
        Network { model: model.clone(), links, partitioned: vec![false; n], sent: 0, lost: 0, cut: 0 }
    }

    /// Sends a message over `instance`'s link at `now`; returns its arrival time, or None if
    /// the link is partitioned (checked at sending) or the message is lost.
    pub fn send(&mut self, instance: InstanceId, now: SimTime) -> Option<SimTime> {
        self.sent += 1;
        let i = instance.index();
        if self.partitioned[i] {
            self.cut += 1;
            return None;
        }
        let arrival = self.model.transit(now, &mut self.links[i]);
        self.lost += arrival.is_none() as u64;
        arrival
    }

    /// Sends a message from one instance to another (peer-to-peer detectors): cut when a
    /// partition separates them (one is cut off, the other is not), otherwise the sender's
    /// link draws its loss and delay.
    pub fn send_between(&mut self, from: InstanceId, to: InstanceId, now: SimTime) -> Option<SimTime> {
        self.sent += 1;
        if self.partitioned[from.index()] != self.partitioned[to.index()] {
            self.cut += 1;
            return None;
        }
        let arrival = self.model.transit(now, &mut self.links[from.index()]);
        self.lost += arrival.is_none() as u64;
        arrival
    }

    pub fn set_partitioned(&mut self, instance: InstanceId, partitioned: bool) {
        self.partitioned[instance.index()] = partitioned;
    }
}
