//! Probability distributions of durations (network delay, time to failure, time to repair).
//!
//! Sampling is by inversion or Box–Muller with the pure-Rust `libm`, not the platform's maths
//! library and not `rand_distr`, so that a draw is the same bit pattern on every machine and
//! every crate version: the output's byte-identity depends on it.

mod kinds;
mod split;

pub use kinds::{DISTRIBUTIONS, Unplaced, parse};

use crate::engine::time::{from_seconds, to_seconds};
use crate::engine::{LogAhead, SimTime, Stream};
use std::sync::Arc;

/// The 0.99 quantile of the standard normal distribution.
const Z_99: f64 = 2.326_347_874_040_841;

/// A distribution of non-negative durations. Parameters are in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Constant {
        /// The value, in nanoseconds.
        value: SimTime,
    },
    /// Uniform on [low, high].
    Uniform {
        /// The smallest value, in nanoseconds.
        low: SimTime,
        /// The largest value, in nanoseconds.
        high: SimTime,
    },
    /// Exponential with the given mean.
    Exponential {
        /// The mean, in nanoseconds.
        mean: SimTime,
    },
    /// Normal truncated at zero (negative draws are redrawn).
    Normal {
        /// The mean before truncation, in nanoseconds.
        mean: SimTime,
        /// The standard deviation before truncation, in nanoseconds.
        sd: SimTime,
    },
    /// Log-normal given by its median and 99th percentile.
    Lognormal {
        /// The median, in nanoseconds.
        median: SimTime,
        /// The 99th percentile, in nanoseconds.
        p99: SimTime,
    },
    /// Pareto (type I) with minimum `scale` and tail index `shape`.
    Pareto {
        /// The minimum, in nanoseconds.
        scale: SimTime,
        /// The tail index.
        shape: f64,
    },
    /// Resampling (with replacement) of observed values.
    Empirical {
        /// The observed values, in nanoseconds.
        samples: Arc<[SimTime]>,
    },
}

impl Dist {
    /// Draws one duration.
    // Always inlined, with the rare kinds out of line: a constant delay (two per request on
    // the request path) is then a load, and an exponential service time skips the large
    // function's prologue (about 60 instructions a draw before).
    #[inline(always)]
    pub fn sample(&self, rng: &mut Stream) -> SimTime {
        match self {
            Dist::Constant { value } => *value,
            Dist::Exponential { mean } => exponential(*mean, crate::engine::ln::ln(rng.uniform_open0())),
            _ => self.sample_other(rng),
        }
    }

    /// `sample` from a stream that serves this distribution alone: an exponential draw takes
    /// its logarithm computed ahead and computes the next one's (the same values as `sample`'s,
    /// off the handler's critical path); other kinds draw as `sample` does.
    #[inline(always)]
    pub fn sample_ahead(&self, rng: &mut LogAhead) -> SimTime {
        match self {
            Dist::Exponential { mean } => {
                let value = exponential(*mean, rng.take_log());
                rng.prepare();
                value
            }
            _ => self.sample(rng.stream()),
        }
    }

    /// `sample` for the kinds other than constant and exponential.
    #[inline(never)]
    fn sample_other(&self, rng: &mut Stream) -> SimTime {
        match self {
            Dist::Constant { .. } | Dist::Exponential { .. } => self.sample(rng),
            Dist::Uniform { low, high } => low + rng.below(high - low + 1),
            Dist::Normal { mean, sd } => sample_truncated_normal(*mean, *sd, rng),
            Dist::Lognormal { median, p99 } => {
                let mu = libm::log(to_seconds(*median));
                let sigma = (libm::log(to_seconds(*p99)) - mu) / Z_99;
                from_seconds(libm::exp(mu + sigma * standard_normal(rng)))
            }
            Dist::Pareto { scale, shape } => {
                from_seconds(to_seconds(*scale) * libm::pow(rng.uniform_open0(), -1.0 / shape))
            }
            Dist::Empirical { samples } => samples[rng.below(samples.len() as u64) as usize],
        }
    }

    /// The distribution's mean in seconds (infinite for a Pareto tail with shape <= 1).
    pub fn mean_seconds(&self) -> f64 {
        match self {
            Dist::Constant { value } => to_seconds(*value),
            Dist::Uniform { low, high } => (to_seconds(*low) + to_seconds(*high)) / 2.0,
            Dist::Exponential { mean } => to_seconds(*mean),
            Dist::Normal { mean, sd } => truncated_normal_mean(to_seconds(*mean), to_seconds(*sd)),
            Dist::Lognormal { median, p99 } => {
                let sigma = (libm::log(to_seconds(*p99)) - libm::log(to_seconds(*median))) / Z_99;
                to_seconds(*median) * libm::exp(sigma * sigma / 2.0)
            }
            Dist::Pareto { scale, shape } if *shape > 1.0 => to_seconds(*scale) * shape / (shape - 1.0),
            Dist::Pareto { .. } => f64::INFINITY,
            Dist::Empirical { samples } => samples.iter().map(|&s| to_seconds(s)).sum::<f64>() / samples.len() as f64,
        }
    }
}

/// A standard normal variate by Box–Muller (one of the pair; the other is dropped so that each
/// call consumes exactly two uniforms and streams stay easy to reason about).
fn standard_normal(rng: &mut Stream) -> f64 {
    let radius = libm::sqrt(-2.0 * libm::log(rng.uniform_open0()));
    radius * libm::cos(std::f64::consts::TAU * rng.uniform())
}

/// An exponential duration with `mean` from ln(u), u uniform in (0, 1]: one expression for
/// `sample` and `sample_ahead`, so both give the same bits.
#[inline(always)]
fn exponential(mean: SimTime, log_u: f64) -> SimTime {
    from_seconds(-to_seconds(mean) * log_u)
}

fn sample_truncated_normal(mean: SimTime, sd: SimTime, rng: &mut Stream) -> SimTime {
    let (mean, sd) = (to_seconds(mean), to_seconds(sd));
    // Validation requires mean >= 0, so each try succeeds with probability >= 1/2; the cap only
    // guards against a pathological stream and falls back to the mean.
    for _ in 0..64 {
        let x = mean + sd * standard_normal(rng);
        if x >= 0.0 {
            return from_seconds(x);
        }
    }
    from_seconds(mean)
}

fn truncated_normal_mean(mean: f64, sd: f64) -> f64 {
    if sd == 0.0 {
        return mean;
    }
    let alpha = -mean / sd;
    let pdf = libm::exp(-alpha * alpha / 2.0) / libm::sqrt(std::f64::consts::TAU);
    let survival = 0.5 * libm::erfc(alpha / std::f64::consts::SQRT_2);
    mean + sd * pdf / survival
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;
    use crate::model::StreamKind;

    const MS: SimTime = 1_000_000;

    /// Sample mean and its standard error over `n` draws, in seconds.
    fn sample_mean(dist: &Dist, n: usize, seed: u64) -> (f64, f64) {
        let mut rng = RandomStreams::new(seed).stream(StreamKind::Link, 0);
        let xs: Vec<f64> = (0..n).map(|_| to_seconds(dist.sample(&mut rng))).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, (var / n as f64).sqrt())
    }

    /// Each distribution's sample mean matches its closed-form mean within a 99.9 % normal
    /// confidence band (|z| < 3.3), over a fixed seed so the test is exact and repeatable.
    #[test]
    fn sample_means_match_closed_forms() {
        let dists = [
            Dist::Constant { value: 5 * MS },
            Dist::Uniform { low: 10 * MS, high: 30 * MS },
            Dist::Exponential { mean: 10 * MS },
            Dist::Normal { mean: 10 * MS, sd: 2 * MS },
            Dist::Normal { mean: MS, sd: 2 * MS }, // heavily truncated
            Dist::Lognormal { median: 10 * MS, p99: 50 * MS },
            Dist::Pareto { scale: 10 * MS, shape: 3.0 },
            Dist::Empirical { samples: vec![MS, 2 * MS, 6 * MS].into() },
        ];
        for dist in &dists {
            let (mean, se) = sample_mean(dist, 200_000, 11);
            let expected = dist.mean_seconds();
            assert!(
                (mean - expected).abs() <= 3.3 * se + 1e-9,
                "{dist:?}: sample mean {mean} vs closed form {expected} (se {se})"
            );
        }
    }

    #[test]
    fn lognormal_p99_is_where_it_was_asked() {
        let dist = Dist::Lognormal { median: 10 * MS, p99: 50 * MS };
        let mut rng = RandomStreams::new(5).stream(StreamKind::Link, 0);
        let n = 100_000;
        let above = (0..n).filter(|_| dist.sample(&mut rng) > 50 * MS).count();
        // Binomial(n, 0.01): sd = sqrt(n * 0.01 * 0.99) ~ 31.5; 3.3 sigma band.
        assert!((above as f64 - 1000.0).abs() < 3.3 * 31.5, "{above} above p99");
    }

    #[test]
    fn draws_are_never_negative_and_uniform_is_inclusive() {
        let mut rng = RandomStreams::new(1).stream(StreamKind::Link, 0);
        let uniform = Dist::Uniform { low: 3, high: 5 };
        let seen: std::collections::BTreeSet<_> = (0..1000).map(|_| uniform.sample(&mut rng)).collect();
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![3, 4, 5]);
    }
}
