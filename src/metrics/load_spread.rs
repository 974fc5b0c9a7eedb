//! Load-spread metrics (`[metrics] load_spread = true`), the figures of the hashing papers:
//! how evenly the balancer divides the key space among the instances (each instance's share,
//! from `balance::Balancer::key_shares`), and the peak number of attempts in flight to one
//! instance over the mean per instance (the quantity bounded-load hashing bounds by c).

use super::MetricValues;
use crate::engine::SimTime;
use crate::ids::InstanceId;

/// The metric names, in column order.
pub const NAMES: [&str; 6] = [
    "share_sd_over_mean",
    "share_p01_over_mean",
    "share_p99_over_mean",
    "share_min_over_mean",
    "share_max_over_mean",
    "concurrency_peak_over_mean",
];

/// Attempts in flight per instance, as time goes (constant memory per instance).
pub(crate) struct LoadSpread {
    /// Each instance's share of the key space (None: the balancer has none).
    shares: Option<Vec<f64>>,
    in_flight: Vec<u32>,
    /// The most attempts in flight to one instance at any time.
    peak: u32,
    /// Attempts in flight to all instances, and its integral over time (attempt-nanoseconds).
    total: u64,
    area: u128,
    since: SimTime,
}

impl LoadSpread {
    pub(crate) fn new(instances: u32, shares: Option<Vec<f64>>) -> Self {
        LoadSpread { shares, in_flight: vec![0; instances as usize], peak: 0, total: 0, area: 0, since: 0 }
    }

    /// The balancer's key-space shares, with every instance in the view.
    pub(crate) fn set_shares(&mut self, shares: Option<Vec<f64>>) {
        self.shares = shares.filter(|s| !s.is_empty());
    }

    fn advance(&mut self, now: SimTime) {
        self.area += self.total as u128 * now.saturating_sub(self.since) as u128;
        self.since = self.since.max(now);
    }

    /// An attempt was sent to `instance`.
    pub(crate) fn started(&mut self, now: SimTime, instance: InstanceId) {
        self.advance(now);
        self.total += 1;
        let count = &mut self.in_flight[instance.index()];
        *count += 1;
        self.peak = self.peak.max(*count);
    }

    /// An attempt to `instance` ended on the client (its response, or its timeout).
    pub(crate) fn ended(&mut self, now: SimTime, instance: InstanceId) {
        self.advance(now);
        self.total -= 1;
        self.in_flight[instance.index()] -= 1;
    }

    /// Reports the metrics of a run that lasted `horizon`: the share statistics (NaN without
    /// shares) and the peak over the time-averaged attempts in flight per instance.
    pub(crate) fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        let spread = self.shares.as_deref().map_or([f64::NAN; 5], share_spread);
        for (name, value) in NAMES.iter().zip(spread) {
            out.push(*name, value);
        }
        self.advance(horizon);
        let mean = self.area as f64 / (horizon as f64 * self.in_flight.len().max(1) as f64);
        out.push(NAMES[5], if mean > 0.0 { self.peak as f64 / mean } else { f64::NAN });
    }
}

/// Of shares relative to their mean (1/n of the key space): the standard deviation (over the
/// n instances, dividing by n: the shares are the whole population), the 1 % and 99 %
/// quantiles (linear between order statistics, at rank (n − 1)·q), the minimum and maximum.
pub(crate) fn share_spread(shares: &[f64]) -> [f64; 5] {
    let n = shares.len() as f64;
    let mean = shares.iter().sum::<f64>() / n;
    let mut relative: Vec<f64> = shares.iter().map(|s| s / mean).collect();
    relative.sort_by(f64::total_cmp);
    let sd = (relative.iter().map(|r| (r - 1.0).powi(2)).sum::<f64>() / n).sqrt();
    let quantile = |q: f64| {
        let rank = (n - 1.0) * q;
        let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
        relative[low] + (relative[high] - relative[low]) * (rank - low as f64)
    };
    [sd, quantile(0.01), quantile(0.99), relative[0], relative[relative.len() - 1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_known_shares() {
        let shares: Vec<f64> = (1..=101).map(|k| k as f64).collect();
        let [sd, p01, p99, min, max] = share_spread(&shares);
        let mean = 51.0;
        assert!((p01 - 2.0 / mean).abs() < 1e-12 && (p99 - 100.0 / mean).abs() < 1e-12);
        assert!((min - 1.0 / mean).abs() < 1e-12 && (max - 101.0 / mean).abs() < 1e-12);
        let pop_var = (101.0f64 * 101.0 - 1.0) / 12.0;
        assert!((sd - pop_var.sqrt() / mean).abs() < 1e-12);
    }

    /// Two instances over 10 ns: one attempt to 0 during [0, 10), two to 1 during [5, 10):
    /// 20 attempt-ns over 2 instances × 10 ns is a mean of 1; the peak is 2.
    #[test]
    fn concurrency_peak_over_the_time_average() {
        let mut m = LoadSpread::new(2, None);
        m.started(0, InstanceId(0));
        m.started(5, InstanceId(1));
        m.started(5, InstanceId(1));
        m.ended(10, InstanceId(1));
        let mut out = MetricValues::default();
        m.report(10, &mut out);
        assert_eq!(out.get("concurrency_peak_over_mean"), Some(2.0));
        assert!(out.get("share_sd_over_mean").is_some_and(f64::is_nan));
    }
}
