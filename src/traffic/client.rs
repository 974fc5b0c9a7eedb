//! A client's state: its cached view of the registry, the instances it may route to, its
//! attempts in flight per instance, its circuit breakers and retry budget.

use crate::recovery::Recovery;
use crate::recovery::breaker::Breaker;
use crate::recovery::budget::Budget;
use hdrhistogram::Histogram;

pub struct Client {
    /// The registry's view as this client last learned it.
    pub view: Vec<bool>,
    /// Where the client may route: in its view and not held off by an open breaker.
    pub routable: Vec<bool>,
    /// The routable instances, sorted.
    pub live: Vec<u32>,
    pub outstanding: Vec<u32>,
    /// One per instance when the scenario has a breaker, else empty.
    pub breakers: Vec<Breaker>,
    pub budget: Option<Budget>,
    /// Changes when the request rate changes, so the stale next-request event is ignored.
    pub issue_generation: u32,
    /// Latencies of this client's successful attempts, when hedging by quantile.
    pub latencies: Option<Histogram<u64>>,
}

impl Client {
    /// Every instance starts registered, so every client starts with all of them.
    pub fn new(instances: u32, recovery: &Recovery, rate: f64) -> Self {
        let n = instances as usize;
        Client {
            view: vec![true; n],
            routable: vec![true; n],
            live: (0..instances).collect(),
            outstanding: vec![0; n],
            breakers: if recovery.breaker.is_some() { vec![Breaker::default(); n] } else { Vec::new() },
            budget: recovery.retry.budget.map(|ratio| Budget::new(ratio, recovery.retry.budget_floor, rate)),
            issue_generation: 0,
            latencies: recovery.hedge.as_ref().and_then(|h| h.quantile).and_then(|_| Histogram::new(3).ok()),
        }
    }

    /// The client's cache learns `up` for `instance`: whether that changed it.
    pub fn learn(&mut self, instance: u32, up: bool) -> bool {
        let i = instance as usize;
        if self.view[i] == up {
            return false;
        }
        self.view[i] = up;
        self.refresh_routable(instance);
        true
    }

    /// Recomputes whether the client may route to `instance` and keeps `live` in step.
    pub fn refresh_routable(&mut self, instance: u32) {
        let i = instance as usize;
        let allowed = self.view[i] && self.breakers.get(i).is_none_or(Breaker::allows);
        if allowed == self.routable[i] {
            return;
        }
        self.routable[i] = allowed;
        match self.live.binary_search(&instance) {
            Ok(pos) if !allowed => {
                self.live.remove(pos);
            }
            Err(pos) if allowed => self.live.insert(pos, instance),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::Retry;

    #[test]
    fn live_list_follows_the_view() {
        let recovery = Recovery { timeout: 1, deadline: None, retry: Retry::none(), breaker: None, hedge: None };
        let mut c = Client::new(4, &recovery, 1.0);
        c.view[2] = false;
        c.refresh_routable(2);
        assert_eq!(c.live, [0, 1, 3]);
        c.view[2] = true;
        c.refresh_routable(2);
        assert_eq!(c.live, [0, 1, 2, 3]);
    }
}
