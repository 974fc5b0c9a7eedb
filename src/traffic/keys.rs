//! Request keys: uniform over `keys`, or Zipf with exponent s (key k, 1-based, has weight
//! k^-s), drawn by inverting a precomputed cumulative table.

use crate::engine::Stream;

pub(super) enum Keys {
    Uniform(u64),
    Zipf(Vec<f64>),
}

/// Zipf tables above this size would cost more memory than they are worth.
pub(crate) const MAX_ZIPF_KEYS: u64 = 1_000_000;

impl Keys {
    pub(super) fn new(keys: u64, zipf: Option<f64>) -> Self {
        let Some(s) = zipf else {
            return Keys::Uniform(keys);
        };
        let mut cumulative: Vec<f64> = (1..=keys).map(|k| libm::pow(k as f64, -s)).collect();
        let mut total = 0.0;
        for w in cumulative.iter_mut() {
            total += *w;
            *w = total;
        }
        cumulative.iter_mut().for_each(|c| *c /= total);
        Keys::Zipf(cumulative)
    }

    pub(super) fn sample(&self, rng: &mut Stream) -> u64 {
        match self {
            Keys::Uniform(n) => rng.below(*n),
            Keys::Zipf(cumulative) => {
                let u = rng.uniform();
                (cumulative.partition_point(|&c| c <= u) as u64).min(cumulative.len() as u64 - 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;
    use crate::model::StreamKind;

    /// Zipf(1) over 100 keys: key 0 has probability 1/H_100 ≈ 0.1928; within 3.3 binomial sd.
    #[test]
    fn zipf_top_key_has_its_probability() {
        let keys = Keys::new(100, Some(1.0));
        let mut rng = RandomStreams::new(1).stream(StreamKind::Detector, 0);
        let n = 100_000;
        let top = (0..n).filter(|_| keys.sample(&mut rng) == 0).count() as f64 / n as f64;
        let h100: f64 = (1..=100).map(|k| 1.0 / k as f64).sum();
        let p = 1.0 / h100;
        assert!((top - p).abs() < 3.3 * (p * (1.0 - p) / n as f64).sqrt(), "{top} vs {p}");
        assert!((0..1000).all(|_| keys.sample(&mut rng) < 100));
    }
}
