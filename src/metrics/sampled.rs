//! A sampled metric (a duration per occurrence) kept as a histogram: constant memory whatever
//! the number of samples. Count, sum, minimum and maximum are exact; quantiles come from an HDR
//! histogram with 3 significant digits (relative error below 0.1 %), clamped into the exact
//! [min, max] so that no quantile contradicts them.

use super::MetricValues;
use crate::engine::SimTime;
use crate::engine::time::to_seconds;
use hdrhistogram::Histogram;

#[derive(Clone, Debug)]
pub(crate) struct Sampled {
    histogram: Histogram<u64>,
    count: u64,
    sum: u128,
    min: SimTime,
    max: SimTime,
}

impl Default for Sampled {
    fn default() -> Self {
        Sampled {
            histogram: Histogram::new(3).expect("3 significant digits is a valid precision"),
            count: 0,
            sum: 0,
            min: SimTime::MAX,
            max: 0,
        }
    }
}

impl Sampled {
    pub(crate) fn record(&mut self, nanos: SimTime) {
        // The histogram auto-resizes, so `record` cannot run out of range; should it ever
        // fail, clamping the value to the range is better than stopping the run.
        if self.histogram.record(nanos).is_err() {
            self.histogram.saturating_record(nanos);
        }
        self.count += 1;
        self.sum += nanos as u128;
        self.min = self.min.min(nanos);
        self.max = self.max.max(nanos);
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Mean in seconds, NaN when empty.
    pub(crate) fn mean_seconds(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.sum as f64 / self.count as f64 / 1e9 }
    }

    pub(crate) fn min_seconds(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { to_seconds(self.min) }
    }

    pub(crate) fn max_seconds(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { to_seconds(self.max) }
    }

    /// The q-quantile in seconds, NaN when empty. The histogram answers with the top of the
    /// value's bucket, which can lie above the exact maximum (p99 > max); the true quantile is
    /// a sample, so between the exact min and max, and clamping there only moves it closer.
    pub(crate) fn quantile_seconds(&self, q: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        to_seconds(self.histogram.value_at_quantile(q).clamp(self.min, self.max))
    }

    /// Appends `<name>.mean .min .p50 .p90 .p99 .p999 .max .count`.
    pub(crate) fn report(&self, name: &str, out: &mut MetricValues) {
        out.push(format!("{name}.mean"), self.mean_seconds());
        out.push(format!("{name}.min"), self.min_seconds());
        for (suffix, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)] {
            out.push(format!("{name}.{suffix}"), self.quantile_seconds(q));
        }
        out.push(format!("{name}.max"), self.max_seconds());
        out.push(format!("{name}.count"), self.count as f64);
        if self.count > 0 {
            let cdf = super::cdf_levels()
                .map(|q| match q {
                    0.0 => self.min_seconds(),
                    1.0 => self.max_seconds(),
                    q => self.quantile_seconds(q),
                })
                .collect();
            out.cdfs.push((name.to_string(), cdf));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suffixes of a sampled metric (see docs/reference.md), `min` included (needed to check
    /// lower bounds).
    const SUFFIXES: &[&str] = &["mean", "min", "p50", "p90", "p99", "p999", "max", "count"];

    #[test]
    fn exact_mean_max_count_and_close_quantiles() {
        let mut s = Sampled::default();
        for ms in 1..=1000u64 {
            s.record(ms * 1_000_000);
        }
        assert_eq!(s.count(), 1000);
        assert!((s.mean_seconds() - 0.5005).abs() < 1e-12);
        assert_eq!(s.max_seconds(), 1.0);
        assert_eq!(s.min_seconds(), 0.001);
        // HDR with 3 significant digits: within 0.1 % of the true quantile.
        assert!((s.quantile_seconds(0.5) - 0.5).abs() <= 0.5 * 1e-3 + 1e-3);
        assert!((s.quantile_seconds(0.99) - 0.99).abs() <= 0.99 * 1e-3 + 1e-3);
    }

    #[test]
    fn quantiles_never_leave_the_exact_range() {
        // 1 000 003 ns lies in a bucket 1 024 ns wide: the histogram's top of it is above the
        // maximum, so p99 and p999 would exceed max without the clamp.
        let mut s = Sampled::default();
        for _ in 0..1000 {
            s.record(1_000_003);
        }
        assert!(s.histogram.value_at_quantile(0.99) > 1_000_003);
        let mut out = MetricValues::default();
        s.report("x", &mut out);
        for suffix in ["p50", "p90", "p99", "p999"] {
            assert_eq!(out.get(&format!("x.{suffix}")), out.get("x.max"), "{suffix}");
        }
        assert!(out.cdfs[0].1.iter().all(|&v| v == 0.001000003), "{:?}", out.cdfs[0].1);
    }

    #[test]
    fn empty_reports_nan_but_zero_count() {
        let mut out = MetricValues::default();
        Sampled::default().report("x", &mut out);
        assert!(out.get("x.mean").unwrap().is_nan());
        assert_eq!(out.get("x.count"), Some(0.0));
        assert_eq!(out.entries.len(), SUFFIXES.len());
    }
}
