//! A distribution split at a threshold: the probability of a draw above it, and draws
//! conditioned on either side. The heartbeat's `jump` evaluation needs them to draw only the
//! messages that can change the registry's view (lost, or later than a threshold) and skip the
//! others in one draw.
//!
//! Every draw is a rounded nanosecond (`from_seconds`), so "above θ" means a draw ≥ θ + 1, that
//! is a real value ≥ θ + 0.5 ns before rounding. The conditional draws are exact: by inversion
//! where the distribution allows it (exponential, Pareto, uniform), by Robert's exponential
//! rejection for a normal tail, and otherwise by rejection from the whole distribution, whose
//! expected cost per draw is 1/(probability of that side) — as many draws as the skipped
//! messages would have taken, so never more on average than drawing every message.

use super::{Dist, standard_normal};
use crate::engine::time::{from_seconds, to_seconds};
use crate::engine::{SimTime, Stream};

impl Dist {
    /// P(draw > threshold), with threshold in nanoseconds.
    pub fn survival(&self, threshold: SimTime) -> f64 {
        let cut = to_seconds(threshold) + 0.5e-9;
        match self {
            Dist::Constant { value } => f64::from(u8::from(*value > threshold)),
            Dist::Uniform { low, high } => {
                let above = high.saturating_sub(threshold.max(low.saturating_sub(1)));
                above as f64 / (high - low + 1) as f64
            }
            Dist::Exponential { mean } => libm::exp(-cut / to_seconds(*mean)),
            Dist::Normal { mean, sd } => {
                let (mean, sd) = (to_seconds(*mean), to_seconds(*sd));
                if sd == 0.0 {
                    return f64::from(u8::from(from_seconds(mean) > threshold));
                }
                normal_tail((cut - mean) / sd) / normal_tail(-mean / sd)
            }
            Dist::Lognormal { .. } => normal_tail(self.lognormal_z(cut)),
            Dist::Pareto { scale, shape } => libm::pow(to_seconds(*scale) / cut, *shape).min(1.0),
            Dist::Empirical { samples } => {
                samples.iter().filter(|&&s| s > threshold).count() as f64 / samples.len() as f64
            }
        }
    }

    /// A draw conditioned on being above `threshold` (which `survival` must show possible).
    pub fn sample_above(&self, threshold: SimTime, rng: &mut Stream) -> SimTime {
        let cut = to_seconds(threshold) + 0.5e-9;
        match self {
            Dist::Uniform { low, high } => {
                let from = (*low).max(threshold + 1);
                from + rng.below(high - from + 1)
            }
            Dist::Exponential { mean } => {
                from_seconds(cut - to_seconds(*mean) * crate::engine::ln::ln(rng.uniform_open0())).max(threshold + 1)
            }
            Dist::Pareto { scale, shape } => {
                let from = cut.max(to_seconds(*scale));
                from_seconds(from * libm::pow(rng.uniform_open0(), -1.0 / shape)).max(threshold + 1)
            }
            Dist::Normal { mean, sd } if *sd > 0 => {
                let (mean, sd) = (to_seconds(*mean), to_seconds(*sd));
                from_seconds(mean + sd * normal_above((cut - mean) / sd, rng)).max(threshold + 1)
            }
            Dist::Lognormal { .. } => {
                let (mu, sigma) = self.lognormal_parameters();
                let z = normal_above(self.lognormal_z(cut), rng);
                from_seconds(libm::exp(mu + sigma * z)).max(threshold + 1)
            }
            _ => self.sample_where(rng, |d| d > threshold),
        }
    }

    /// A draw conditioned on being at most `threshold` (which `survival` must show possible).
    pub fn sample_at_most(&self, threshold: SimTime, rng: &mut Stream) -> SimTime {
        let cut = to_seconds(threshold) + 0.5e-9;
        match self {
            Dist::Uniform { low, high } => low + rng.below((*high).min(threshold) - low + 1),
            Dist::Exponential { mean } => {
                // Inversion of the exponential restricted to [0, cut).
                let mean = to_seconds(*mean);
                let mass = -libm::expm1(-cut / mean);
                from_seconds(-mean * libm::log1p(-rng.uniform() * mass)).min(threshold)
            }
            Dist::Pareto { scale, shape } => {
                let scale = to_seconds(*scale);
                let mass = 1.0 - libm::pow(scale / cut, *shape);
                from_seconds(scale * libm::pow(1.0 - rng.uniform() * mass, -1.0 / shape)).min(threshold)
            }
            _ => self.sample_where(rng, |d| d <= threshold),
        }
    }

    /// Rejection from the whole distribution.
    fn sample_where(&self, rng: &mut Stream, keep: impl Fn(SimTime) -> bool) -> SimTime {
        loop {
            let draw = self.sample(rng);
            if keep(draw) {
                return draw;
            }
        }
    }

    /// The log-normal's (μ, σ) of the underlying normal, in log-seconds.
    fn lognormal_parameters(&self) -> (f64, f64) {
        match self {
            Dist::Lognormal { median, p99 } => {
                let mu = libm::log(to_seconds(*median));
                (mu, (libm::log(to_seconds(*p99)) - mu) / super::Z_99)
            }
            _ => (0.0, 1.0),
        }
    }

    /// The standard normal value whose log-normal image is `seconds`.
    fn lognormal_z(&self, seconds: f64) -> f64 {
        let (mu, sigma) = self.lognormal_parameters();
        (libm::log(seconds) - mu) / sigma
    }
}

/// P(Z ≥ z) for a standard normal Z.
fn normal_tail(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// A standard normal conditioned on Z ≥ a: rejection from the whole normal when a is low (each
/// try succeeds with probability ≥ 0.3), otherwise Robert's (1995) exponential proposal
/// a + Exp(α), α = (a + √(a² + 4))/2, accepted with probability exp(−(x − α)²/2).
fn normal_above(a: f64, rng: &mut Stream) -> f64 {
    if a < 0.5 {
        loop {
            let z = standard_normal(rng);
            if z >= a {
                return z;
            }
        }
    }
    let alpha = (a + libm::sqrt(a * a + 4.0)) / 2.0;
    loop {
        let x = a - libm::log(rng.uniform_open0()) / alpha;
        if libm::log(rng.uniform_open0()) <= -(x - alpha) * (x - alpha) / 2.0 {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    //! Each side of the split against rejection from the whole distribution, which is the
    //! definition: the survival against the fraction of 200 000 draws above the threshold
    //! (binomial 99.9 % interval), and each conditional mean against the mean of the draws on
    //! that side (a 99.9 % interval from their standard deviation).
    use super::*;
    use crate::engine::RandomStreams;

    /// A conditional draw.
    type Draw<'a> = dyn Fn(&mut Stream) -> SimTime + 'a;

    const MS: SimTime = 1_000_000;
    const DRAWS: usize = 200_000;
    const Z: f64 = 3.29;

    fn cases() -> Vec<(Dist, SimTime)> {
        vec![
            (Dist::Constant { value: 5 * MS }, 4 * MS),
            (Dist::Uniform { low: 10 * MS, high: 30 * MS }, 17 * MS),
            (Dist::Exponential { mean: 10 * MS }, 15 * MS),
            (Dist::Normal { mean: 10 * MS, sd: 4 * MS }, 13 * MS),
            (Dist::Normal { mean: 10 * MS, sd: 4 * MS }, 3 * MS),
            (Dist::Lognormal { median: 10 * MS, p99: 80 * MS }, 25 * MS),
            (Dist::Pareto { scale: 5 * MS, shape: 2.5 }, 9 * MS),
            (Dist::Empirical { samples: vec![MS, 2 * MS, 7 * MS, 9 * MS].into() }, 2 * MS),
        ]
    }

    fn mean_sd(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        (mean, var.sqrt())
    }

    #[test]
    fn survival_matches_the_fraction_of_draws_above() {
        for (index, (dist, threshold)) in cases().into_iter().enumerate() {
            let mut rng = RandomStreams::new(7).stream(0u64, index as u64);
            let above = (0..DRAWS).filter(|_| dist.sample(&mut rng) > threshold).count() as f64 / DRAWS as f64;
            let p = dist.survival(threshold);
            let half_width = Z * (p * (1.0 - p) / DRAWS as f64).sqrt() + 1e-12;
            assert!((above - p).abs() <= half_width, "{dist:?}: survival {p}, drawn {above}");
        }
    }

    #[test]
    fn conditional_draws_match_rejection_from_the_whole() {
        for (index, (dist, threshold)) in cases().into_iter().enumerate() {
            let streams = RandomStreams::new(11);
            let mut whole = streams.stream(0u64, index as u64);
            let mut split = streams.stream(1u64, index as u64);
            let draws: Vec<SimTime> = (0..DRAWS).map(|_| dist.sample(&mut whole)).collect();
            let sides: [(bool, &Draw); 2] =
                [(true, &|rng| dist.sample_above(threshold, rng)), (false, &|rng| dist.sample_at_most(threshold, rng))];
            for (above, draw) in sides {
                let reference: Vec<f64> =
                    draws.iter().filter(|&&d| (d > threshold) == above).map(|&d| to_seconds(d)).collect();
                if reference.len() < 1000 {
                    continue;
                }
                let drawn: Vec<SimTime> = (0..DRAWS / 4).map(|_| draw(&mut split)).collect();
                assert!(drawn.iter().all(|&d| (d > threshold) == above), "{dist:?}: a draw on the wrong side");
                let (m1, s1) = mean_sd(&reference);
                let (m2, s2) = mean_sd(&drawn.iter().map(|&d| to_seconds(d)).collect::<Vec<_>>());
                let se = (s1 * s1 / reference.len() as f64 + s2 * s2 / drawn.len() as f64).sqrt();
                assert!((m1 - m2).abs() <= Z * se + 1e-12, "{dist:?} above={above}: {m1} vs {m2} (se {se})");
            }
        }
    }
}
