//! Backoff between attempts: fixed or exponential (capped), with the standard jitters
//! (Brooker, "Exponential Backoff And Jitter", AWS 2015): full = U(0, v), equal = v/2 +
//! U(0, v/2), decorrelated = min(cap, U(base, 3 · previous)).

use super::{Backoff, Jitter, Retry};
use crate::engine::{SimTime, Stream};

/// The wait before retry number `retry` (1 for the first retry); `previous` is the wait
/// before the previous retry (`base` before the first), used by decorrelated jitter.
pub(crate) fn delay(policy: &Retry, retry: u32, previous: SimTime, rng: &mut Stream) -> SimTime {
    let v = match policy.backoff {
        Backoff::Fixed => policy.base,
        Backoff::Exponential => policy.base.saturating_mul(1u64 << (retry - 1).min(62)),
    }
    .min(policy.cap);
    match policy.jitter {
        Jitter::None => v,
        Jitter::Full => uniform(0, v, rng),
        Jitter::Equal => v / 2 + uniform(0, v - v / 2, rng),
        Jitter::Decorrelated => uniform(policy.base, previous.max(policy.base).saturating_mul(3), rng).min(policy.cap),
    }
}

/// Uniform on [low, high] in nanoseconds.
fn uniform(low: SimTime, high: SimTime, rng: &mut Stream) -> SimTime {
    if high <= low { low } else { low + rng.below(high - low + 1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;
    use crate::model::StreamKind;

    fn policy(backoff: Backoff, jitter: Jitter) -> Retry {
        Retry { max_attempts: 10, backoff, base: 100, cap: 1_000, jitter, budget: None, budget_floor: 0.0 }
    }

    #[test]
    fn exponential_doubles_up_to_the_cap_and_fixed_stays() {
        let mut rng = RandomStreams::new(1).stream(StreamKind::Detector, 0);
        let exp = policy(Backoff::Exponential, Jitter::None);
        let waits: Vec<u64> = (1..=6).map(|n| delay(&exp, n, 0, &mut rng)).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        let fixed = policy(Backoff::Fixed, Jitter::None);
        assert_eq!(delay(&fixed, 5, 0, &mut rng), 100);
    }

    /// Means of the jitters against their closed forms: full v/2, equal 3v/4, decorrelated
    /// (base + 3·prev)/2 below the cap; 3.3 standard errors of a uniform.
    #[test]
    fn jitters_have_their_closed_form_means() {
        let mut rng = RandomStreams::new(2).stream(StreamKind::Detector, 0);
        let n = 50_000;
        let mean = |p: &Retry, retry: u32, prev: u64, rng: &mut Stream| {
            (0..n).map(|_| delay(p, retry, prev, rng) as f64).sum::<f64>() / n as f64
        };
        let check = |got: f64, expected: f64, width: f64| {
            let se = width / 12f64.sqrt() / (n as f64).sqrt();
            assert!((got - expected).abs() < 3.3 * se + 1.0, "{got} vs {expected}");
        };
        check(mean(&policy(Backoff::Exponential, Jitter::Full), 3, 0, &mut rng), 200.0, 400.0);
        check(mean(&policy(Backoff::Exponential, Jitter::Equal), 3, 0, &mut rng), 300.0, 200.0);
        check(mean(&policy(Backoff::Fixed, Jitter::Decorrelated), 2, 200, &mut rng), 350.0, 500.0);
        let capped =
            (0..1000).map(|_| delay(&policy(Backoff::Fixed, Jitter::Decorrelated), 2, 900, &mut rng)).max().unwrap();
        assert!(capped <= 1000);
    }
}
