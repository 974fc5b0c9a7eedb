//! `keys_moved_fraction`: on every change of client 0's view, the fraction of a fixed sample
//! of keys whose first choice changed (key-affine balancers only; other balancers leave the
//! metric empty). All clients share the balancer's logic, so client 0 speaks for them.

use super::RequestPath;
use crate::balance::Pick;
use crate::ids::{ClientId, InstanceId};
use crate::metrics::requests::RequestMetrics;

/// Keys 0..SAMPLE_KEYS (or all keys, if fewer) are followed: a moved fraction of 1/20 is then
/// estimated within about ±9 % (two binomial standard deviations).
const SAMPLE_KEYS: u64 = 10_000;

impl RequestPath {
    /// The current first choice of each sampled key for client 0.
    fn assignment(&mut self) -> Vec<Option<InstanceId>> {
        let c = &self.clients[ClientId(0)];
        let rng = &mut self.rng.balance[ClientId(0)];
        (0..SAMPLE_KEYS.min(self.model.keys))
            .map(|key| {
                self.balancer.pick(&mut Pick {
                    client: ClientId(0),
                    key,
                    live: &c.live,
                    is_live: &c.routable,
                    outstanding: &c.outstanding,
                    tried: &[],
                    rng,
                })
            })
            .collect()
    }

    pub(crate) fn snapshot_assignment(&mut self) {
        if self.balancer.key_affine() {
            self.assignment = self.assignment();
        }
    }

    pub(crate) fn measure_keys_moved(&mut self, metrics: &mut RequestMetrics) {
        if !self.balancer.key_affine() {
            return;
        }
        let after = self.assignment();
        let moved = after.iter().zip(&self.assignment).filter(|(a, b)| a != b).count();
        metrics.keys_moved(moved as f64 / after.len().max(1) as f64);
        self.assignment = after;
    }
}
