//! A sampled metric (a duration per occurrence) kept as a histogram: constant memory whatever
//! the number of samples. Count, sum, minimum and maximum are exact; quantiles come from an HDR
//! histogram with 3 significant digits (relative error below 0.1 %), clamped into the exact
//! [min, max] so that no quantile contradicts them.

use super::MetricValues;
use crate::engine::SimTime;
use crate::engine::time::to_seconds;
use hdrhistogram::Histogram;
use std::cell::RefCell;

#[derive(Clone, Debug)]
pub(crate) struct Sampled {
    /// Counts by the HDR histogram's index (`hdr_index`). A record is an index computation and
    /// an increment, where the histogram's own `record` is a call of about 70 instructions (one
    /// per request on the request path); the histogram is built from these counts when a
    /// quantile is asked for, with the same count at every index, so the same quantiles.
    counts: Vec<u64>,
    /// The histogram of `counts`, built on demand and rebuilt once more samples came.
    built: RefCell<Option<Histogram<u64>>>,
    count: u64,
    sum: u128,
    min: SimTime,
    max: SimTime,
}

impl Default for Sampled {
    fn default() -> Self {
        Sampled { counts: Vec::new(), built: RefCell::new(None), count: 0, sum: 0, min: SimTime::MAX, max: 0 }
    }
}

/// The histogram's layout for 3 significant digits and a lowest discernible value of 1
/// (`Histogram::new(3)`): sub-buckets of 2^11 values, of which the upper half (2^10) is used past
/// the first bucket.
const HALF_MAGNITUDE: u32 = 10;
const SUB_BUCKET_MASK: u64 = (1 << (HALF_MAGNITUDE + 1)) - 1;
/// 64 − the unit magnitude (0) − the sub-bucket count's magnitude (11).
const LEADING_ZERO_BASE: u32 = 53;

/// The index at which `Histogram::new(3)` counts `value` (its `index_for`, for every `u64`).
#[inline]
fn hdr_index(value: u64) -> usize {
    let bucket = LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) << HALF_MAGNITUDE) + sub_bucket - (1 << HALF_MAGNITUDE)
}

/// The lowest value counted at `index` (the histogram's `value_for`).
fn hdr_value(index: usize) -> u64 {
    let half = 1usize << HALF_MAGNITUDE;
    let (bucket, sub_bucket) = match (index >> HALF_MAGNITUDE).checked_sub(1) {
        Some(bucket) => (bucket, (index & (half - 1)) + half),
        None => (0, index & (half - 1)),
    };
    (sub_bucket as u64) << bucket
}

impl Sampled {
    #[inline]
    pub(crate) fn record(&mut self, nanos: SimTime) {
        let index = hdr_index(nanos);
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        // Saturating, as the histogram's own counts.
        self.counts[index] = self.counts[index].saturating_add(1);
        self.count += 1;
        self.sum += nanos as u128;
        self.min = self.min.min(nanos);
        self.max = self.max.max(nanos);
    }

    /// Calls `f` with the histogram of the samples so far (built from `counts` when samples
    /// came since it was last built).
    fn with_histogram<R>(&self, f: impl FnOnce(&Histogram<u64>) -> R) -> R {
        let mut built = self.built.borrow_mut();
        if built.as_ref().is_some_and(|h| h.len() != self.count) {
            *built = None;
        }
        f(built.get_or_insert_with(|| self.build()))
    }

    /// A histogram with the count of `counts` at each index.
    fn build(&self) -> Histogram<u64> {
        let mut histogram = Histogram::new(3).expect("3 significant digits is a valid precision");
        for (index, &n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            let value = hdr_value(index);
            // The histogram auto-resizes, so `record_n` cannot run out of range; should it
            // ever fail, clamping the value to the range is better than stopping the run.
            if histogram.record_n(value, n).is_err() {
                histogram.saturating_record_n(value, n);
            }
        }
        histogram
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

    /// The q-quantile in seconds, NaN when empty, one at a time through the histogram's own
    /// `value_at_quantile`: the reference `quantiles_seconds` is tested against.
    #[cfg(test)]
    pub(crate) fn quantile_seconds(&self, q: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        to_seconds(self.with_histogram(|h| h.value_at_quantile(q)).clamp(self.min, self.max))
    }

    /// The q-quantiles in seconds of each of `levels` (NaN when empty). The histogram answers
    /// with the top of the value's bucket, which can lie above the exact maximum (p99 > max);
    /// the true quantile is a sample, so between the exact min and max, and clamping there only
    /// moves it closer.
    ///
    /// In one pass over the counts: the histogram's `value_at_quantile` walks the indices from
    /// the first for every quantile, which for a report's 103 quantiles was about 5 M
    /// instructions (the request path's whole report). The same walk gives the same values:
    /// each level's count to reach (its rank, at least 1) is met at the same index.
    pub(crate) fn quantiles_seconds(&self, levels: &[f64]) -> Vec<f64> {
        if self.count == 0 {
            return vec![f64::NAN; levels.len()];
        }
        self.with_histogram(|h| {
            // As `value_at_quantile`: a level above 1 counts as 1, and the rank is at least 1.
            let capped = |q: f64| if q > 1.0 { 1.0 } else { q };
            let rank = |q: f64| ((capped(q) * h.len() as f64).ceil() as u64).max(1);
            let mut order: Vec<usize> = (0..levels.len()).collect();
            order.sort_by_key(|&k| rank(levels[k]));
            let mut values = vec![0; levels.len()];
            let mut pending = order.into_iter().peekable();
            let mut reached = 0u64;
            for (index, &n) in self.counts.iter().enumerate() {
                reached += n;
                while let Some(k) = pending.next_if(|&k| reached >= rank(levels[k])) {
                    let value = hdr_value(index);
                    let zero = capped(levels[k]) == 0.0;
                    values[k] = if zero { h.lowest_equivalent(value) } else { h.highest_equivalent(value) };
                }
            }
            values.into_iter().map(|v| to_seconds(v.clamp(self.min, self.max))).collect()
        })
    }

    /// Appends `<name>.mean .min .p50 .p90 .p99 .p999 .max .count`, and the CDF's levels.
    pub(crate) fn report(&self, name: &str, out: &mut MetricValues) {
        const SUFFIXES: [(&str, f64); 4] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)];
        let levels: Vec<f64> = SUFFIXES.iter().map(|&(_, q)| q).chain(super::cdf_levels()).collect();
        let quantiles = self.quantiles_seconds(&levels);
        out.push(format!("{name}.mean"), self.mean_seconds());
        out.push(format!("{name}.min"), self.min_seconds());
        for ((suffix, _), &value) in SUFFIXES.iter().zip(&quantiles) {
            out.push(format!("{name}.{suffix}"), value);
        }
        out.push(format!("{name}.max"), self.max_seconds());
        out.push(format!("{name}.count"), self.count as f64);
        if self.count > 0 {
            let cdf = super::cdf_levels()
                .zip(&quantiles[SUFFIXES.len()..])
                .map(|(q, &value)| match q {
                    0.0 => self.min_seconds(),
                    1.0 => self.max_seconds(),
                    _ => value,
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
        assert!(s.with_histogram(|h| h.value_at_quantile(0.99)) > 1_000_003);
        let mut out = MetricValues::default();
        s.report("x", &mut out);
        for suffix in ["p50", "p90", "p99", "p999"] {
            assert_eq!(out.get(&format!("x.{suffix}")), out.get("x.max"), "{suffix}");
        }
        assert!(out.cdfs[0].1.iter().all(|&v| v == 0.001000003), "{:?}", out.cdfs[0].1);
    }

    /// Counting by `hdr_index` and building the histogram from the counts gives the histogram
    /// that recording each sample gives: the same count at every value and the same quantiles,
    /// for values over the whole `u64` range (bucket edges, 0, `u64::MAX`) in any order.
    #[test]
    fn counts_build_the_histogram_that_recording_builds() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut values: Vec<u64> = (0..20_000)
            .map(|k| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x >> (k % 64) // every magnitude
            })
            .collect();
        values.extend([0, 1, 2047, 2048, 2049, 4095, 4096, 1 << 40, (1 << 40) - 1, u64::MAX, u64::MAX / 2]);
        let mut direct = Histogram::<u64>::new(3).unwrap();
        let mut s = Sampled::default();
        for &v in &values {
            direct.record(v).unwrap();
            s.record(v);
        }
        s.with_histogram(|built| {
            assert_eq!(built.len(), direct.len());
            for &v in &values {
                assert_eq!(built.count_at(v), direct.count_at(v), "value {v}");
            }
            for k in 0..=1000 {
                let q = k as f64 / 1000.0;
                assert_eq!(built.value_at_quantile(q), direct.value_at_quantile(q), "q {q}");
            }
        });
        for index in 0..56_320 {
            assert_eq!(hdr_index(hdr_value(index)), index, "index {index}");
        }
    }

    /// One pass for many levels gives each level's `quantile_seconds` (the histogram's own
    /// `value_at_quantile`, clamped), bit for bit: levels 0 and 1 and above 1, repeated and
    /// unordered, over samples spread across many magnitudes and piled on a few values.
    #[test]
    fn quantiles_in_one_pass_are_those_one_at_a_time() {
        let mut levels: Vec<f64> = (0..=1000).map(|k| k as f64 / 1000.0).collect();
        levels.extend([1.5, 0.999, 0.5, 0.0, 0.123_456, 1e-9, 0.999_999]);
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for samples in [1, 2, 3, 10, 1000, 100_000] {
            let mut s = Sampled::default();
            for i in 0..samples {
                x = crate::engine::random::mix64(x);
                let value = if i % 3 == 0 { 5_000_000 } else { x >> (x % 60) };
                s.record(value);
            }
            let together = s.quantiles_seconds(&levels);
            for (&q, &value) in levels.iter().zip(&together) {
                assert_eq!(value.to_bits(), s.quantile_seconds(q).to_bits(), "{samples} samples, level {q}");
            }
        }
        assert!(Sampled::default().quantiles_seconds(&[0.5]).iter().all(|v| v.is_nan()));
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
