//! Statistics over replications: the mean and its 95 % Student-t confidence interval, cut to
//! the values the metric can take.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Mean and 95 % confidence interval of the finite values among `values`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The mean (NaN when no value is finite).
    pub mean: f64,
    /// Lower end of the confidence interval (NaN with fewer than two finite values).
    pub ci_low: f64,
    /// Upper end of the confidence interval (NaN with fewer than two finite values).
    pub ci_high: f64,
    /// Number of finite values.
    pub n: usize,
}

/// The mean and its 95 % Student-t interval.
pub fn estimate(values: &[f64]) -> Estimate {
    estimate_at(values, 0.95)
}

/// Mean and two-sided `confidence` interval (e.g. 0.999) of the finite values.
pub fn estimate_at(values: &[f64], confidence: f64) -> Estimate {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = finite.len();
    if n == 0 {
        return Estimate { mean: f64::NAN, ci_low: f64::NAN, ci_high: f64::NAN, n };
    }
    let mean = finite.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Estimate { mean, ci_low: f64::NAN, ci_high: f64::NAN, n };
    }
    let variance = finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_quantile(n - 1, 0.5 + confidence / 2.0) * (variance / n as f64).sqrt();
    Estimate { mean, ci_low: mean - half, ci_high: mean + half, n }
}

/// Mean and 95 % interval of metric `name` (see `metrics::range`): the Student-t interval cut
/// to the metric's range. The true mean lies in that range, so the cut interval covers it
/// exactly when the t-interval does (the same coverage), and it never claims values the metric
/// cannot take, such as a negative mean duration. Sequential stopping judges precision by the
/// uncut half-width (`estimate`): cutting would make a skewed metric look more precise.
pub fn estimate_metric(name: &str, values: &[f64]) -> Estimate {
    within(estimate(values), crate::metrics::range(name))
}

/// `e` with its interval cut to `[low, high]` (a mean of values in the range is inside it).
pub fn within(e: Estimate, (low, high): (f64, f64)) -> Estimate {
    Estimate { ci_low: e.ci_low.clamp(low, high), ci_high: e.ci_high.clamp(low, high), ..e }
}

/// A binomial proportion `successes / trials` with its Wilson score interval at `confidence`
/// (Wilson 1927): unlike mean ± t·se it stays inside [0, 1] and keeps its coverage near 0 and 1.
pub fn wilson(successes: f64, trials: f64, confidence: f64) -> Estimate {
    let n = trials.round().max(0.0) as usize;
    if trials <= 0.0 {
        return Estimate { mean: f64::NAN, ci_low: f64::NAN, ci_high: f64::NAN, n };
    }
    let p = successes / trials;
    let z = Normal::new(0.0, 1.0).map(|d| d.inverse_cdf(0.5 + confidence / 2.0)).unwrap_or(f64::NAN);
    let z2n = z * z / trials;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / trials + z2n / (4.0 * trials)).sqrt();
    Estimate { mean: p, ci_low: (centre - half).max(0.0), ci_high: (centre + half).min(1.0), n }
}

/// A two-sided t-test of "the two means are equal": the statistic, its degrees of freedom
/// and the p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TTest {
    /// The t statistic of `b − a` (NaN when it cannot be computed).
    pub t: f64,
    /// Degrees of freedom (Welch–Satterthwaite for Welch's test, pairs − 1 for the paired one).
    pub dof: f64,
    /// Two-sided p-value: 0 when both samples are constant and differ, 1 when they are constant
    /// and equal, NaN with fewer than two values on a side.
    pub p: f64,
}

/// Welch's t-test (unequal variances) of the finite values of `a` and `b`.
pub fn welch(a: &[f64], b: &[f64]) -> TTest {
    let (Some((ma, va, na)), Some((mb, vb, nb))) = (moments(a), moments(b)) else {
        return TTest { t: f64::NAN, dof: f64::NAN, p: f64::NAN };
    };
    let (sa, sb) = (va / na, vb / nb);
    let dof = (sa + sb).powi(2) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    t_test(mb - ma, (sa + sb).sqrt(), dof)
}

/// The paired t-test of `b − a`, pair by pair (common random numbers: replication r of both
/// ran with one seed); pairs where either value is undefined are left out.
pub fn paired(a: &[f64], b: &[f64]) -> TTest {
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).filter(|d| d.is_finite()).collect();
    let Some((mean, variance, n)) = moments(&differences) else {
        return TTest { t: f64::NAN, dof: f64::NAN, p: f64::NAN };
    };
    t_test(mean, (variance / n).sqrt(), n - 1.0)
}

/// Mean, sample variance and count of the finite values; None with fewer than two.
fn moments(values: &[f64]) -> Option<(f64, f64, f64)> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.len() < 2 {
        return None;
    }
    let n = finite.len() as f64;
    let mean = finite.iter().sum::<f64>() / n;
    Some((mean, finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0), n))
}

/// The test of `difference / standard_error` against Student's t with `dof` degrees of
/// freedom. A zero standard error (both sides constant) is decided without the distribution:
/// any difference is then certain.
fn t_test(difference: f64, standard_error: f64, dof: f64) -> TTest {
    if standard_error == 0.0 {
        let (t, p) = if difference == 0.0 { (0.0, 1.0) } else { (difference.signum() * f64::INFINITY, 0.0) };
        return TTest { t, dof, p };
    }
    let t = difference / standard_error;
    let p = StudentsT::new(0.0, 1.0, dof).map(|d| 2.0 * d.cdf(-t.abs())).unwrap_or(f64::NAN);
    TTest { t, dof, p }
}

/// The `p` quantile of Student's t with `dof` degrees of freedom.
pub fn t_quantile(dof: usize, p: f64) -> f64 {
    StudentsT::new(0.0, 1.0, dof as f64).map(|t| t.inverse_cdf(p)).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Textbook values of t(0.975; dof).
        for (dof, expected) in [(1, 12.706), (4, 2.776), (9, 2.262), (29, 2.045), (1000, 1.962)] {
            assert!((t_quantile(dof, 0.975) - expected).abs() < 1e-3, "dof {dof}");
        }
        assert!((t_quantile(9, 0.9995) - 4.781).abs() < 1e-3);
    }

    #[test]
    fn wilson_matches_a_worked_example_and_stays_in_range() {
        // 81 successes of 263 trials, 95 %: Wilson interval [0.2553, 0.3662] (textbook example).
        let e = wilson(81.0, 263.0, 0.95);
        assert!((e.ci_low - 0.2553).abs() < 1e-3 && (e.ci_high - 0.3662).abs() < 1e-3, "{e:?}");
        let all = wilson(20.0, 20.0, 0.95);
        assert_eq!(all.ci_high, 1.0);
        assert!(all.ci_low > 0.8 && all.ci_low < 0.9, "{all:?}");
        assert!(wilson(0.0, 0.0, 0.95).mean.is_nan());
    }

    #[test]
    fn intervals_are_cut_to_the_metric_range_and_nan_stays_nan() {
        // A skewed count: mean 2, sd sqrt(20), t-interval 2 ± 2.776·sqrt(20/5) = [-3.55, 7.55].
        let values = [0.0, 0.0, 0.0, 0.0, 10.0];
        let plain = estimate(&values);
        assert!(plain.ci_low < 0.0, "{plain:?}");
        let cut = estimate_metric("false_suspicions", &values);
        assert_eq!((cut.mean, cut.ci_low, cut.ci_high), (plain.mean, 0.0, plain.ci_high));
        let fractions = estimate_metric("query_accuracy@outage", &[1.0, 1.0, 0.9]);
        assert_eq!(fractions.ci_high, 1.0);
        assert!(fractions.ci_low > 0.0 && fractions.ci_low < 0.95, "{fractions:?}");
        assert!(estimate_metric("crashes", &[3.0]).ci_low.is_nan());
    }

    #[test]
    fn t_tests_match_hand_computed_values() {
        // a = [1, 2, 3], b = [4, 6, 5]: means 2 and 5, variances 1 and 1; Welch: se = √(1/3 + 1/3)
        // = 0.8165, t = 3 / 0.8165 = 3.674, dof = (2/3)² / ((1/3)²/2 · 2) = 4, p = 0.0213.
        let w = welch(&[1.0, 2.0, 3.0], &[4.0, 6.0, 5.0]);
        assert!((w.t - 3.674).abs() < 1e-3 && (w.dof - 4.0).abs() < 1e-9 && (w.p - 0.0213).abs() < 1e-4, "{w:?}");
        // Paired: differences [3, 4, 2], mean 3, sd 1: t = 3 / (1/√3) = 5.196, dof 2, p = 0.0351.
        let p = paired(&[1.0, 2.0, 3.0], &[4.0, 6.0, 5.0]);
        assert!((p.t - 5.196).abs() < 1e-3 && p.dof == 2.0 && (p.p - 0.0351).abs() < 1e-4, "{p:?}");
        // Constant samples: certain when they differ, no evidence when they do not.
        assert_eq!(welch(&[1.0, 1.0], &[2.0, 2.0]).p, 0.0);
        assert_eq!(paired(&[1.0, 2.0], &[1.0, 2.0]).p, 1.0);
        assert!(welch(&[1.0], &[2.0, 3.0]).p.is_nan());
        assert!(paired(&[1.0, f64::NAN, 3.0], &[2.0, 5.0, f64::NAN]).p.is_nan(), "one pair left");
    }

    #[test]
    fn estimate_ignores_missing_values_and_needs_two_for_an_interval() {
        let e = estimate(&[1.0, f64::NAN, 3.0]);
        assert_eq!(e.mean, 2.0);
        assert_eq!(e.n, 2);
        let half = 12.706 * (2.0f64 / 2.0).sqrt();
        assert!((e.ci_high - 2.0 - half).abs() < 1e-2);
        assert!(estimate(&[5.0]).ci_low.is_nan());
        assert!(estimate(&[]).mean.is_nan());
    }
}
