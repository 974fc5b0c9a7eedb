//! Hashing shared by the key-affine balancers: the key hash and a consistent-hash ring with
//! virtual nodes (used by `ring` and `bounded-load`).

use crate::engine::random::mix64;
use crate::ids::InstanceId;

/// The hash discosim applies to keys: SplitMix64's finaliser, a bijection on u64 with full
/// avalanche. (It is not linear: h(x ^ y) != h(x) ^ h(y) in general — the source document's
/// consistent-hashing "identity" does not hold for it, nor for any good hash.)
pub fn key_hash(key: u64) -> u64 {
    mix64(key ^ 0x6B65_7973) // "keys"
}

/// The hash of virtual node `v` of `instance`.
fn vnode_hash(instance: InstanceId, v: u32) -> u64 {
    mix64(((instance.0 as u64) << 32 | v as u64) ^ 0x7269_6E67) // "ring"
}

/// Points on the ring: (hash, instance), sorted by hash.
pub(super) struct HashRing {
    points: Vec<(u64, InstanceId)>,
}

impl HashRing {
    pub(super) fn new(instances: u32, vnodes: u32) -> Self {
        let mut points: Vec<(u64, InstanceId)> =
            InstanceId::all(instances).flat_map(|i| (0..vnodes).map(move |v| (vnode_hash(i, v), i))).collect();
        points.sort_unstable();
        HashRing { points }
    }

    /// Instances in ring order from the key's position clockwise (with repeats, one per
    /// virtual node): the key's preference order.
    pub(super) fn walk(&self, key: u64) -> impl Iterator<Item = InstanceId> + '_ {
        let h = key_hash(key);
        let start = self.points.partition_point(|(p, _)| *p < h);
        let n = self.points.len();
        (0..n).map(move |k| self.points[(start + k) % n].1)
    }

    /// Each instance's share of the hash space, exactly: a point owns the hashes from its
    /// predecessor (excluded) to itself (included), the first point the wrap-around arc.
    pub(super) fn shares(&self, instances: u32) -> Vec<f64> {
        let mut owned = vec![0u128; instances as usize];
        let last = self.points.last().map_or(0, |p| p.0);
        let mut previous = None;
        for &(hash, instance) in &self.points {
            owned[instance.index()] += match previous {
                None => (u64::MAX - last) as u128 + hash as u128 + 1,
                Some(p) => (hash - p) as u128,
            };
            previous = Some(hash);
        }
        owned.into_iter().map(|o| o as f64 / 2f64.powi(64)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With v virtual nodes per instance, an instance's share of the ring is a sum of v of the
    /// n·v spacings of n·v uniform points on a circle: Beta(v, (n−1)v) distributed, relative sd
    /// sqrt((n−1)/(n·v + 1)) (the shares together are Dirichlet(v, …, v)). The mean over the
    /// n instances of (n·share − 1)² estimates that relative variance; its 99.9 % interval
    /// (t over instances, which are nearly independent for n = 1000) must cover it.
    #[test]
    fn share_spread_matches_the_beta_closed_form() {
        let n = 1000u32;
        for v in [1u32, 10, 100] {
            let shares = HashRing::new(n, v).shares(n);
            assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9, "the arcs cover the circle");
            let squares: Vec<f64> = shares.iter().map(|s| (n as f64 * s - 1.0).powi(2)).collect();
            let mean = squares.iter().sum::<f64>() / n as f64;
            let var = squares.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = 3.3 * (var / n as f64).sqrt();
            let closed = (n - 1) as f64 / (n as f64 * v as f64 + 1.0);
            assert!((mean - closed).abs() < half, "v={v}: relative variance {mean} ± {half}, closed form {closed}");
        }
    }

    #[test]
    fn key_hash_is_not_linear_in_xor() {
        let (x, y) = (1u64, 2u64);
        assert_ne!(key_hash(x ^ y), key_hash(x) ^ key_hash(y));
    }
}
