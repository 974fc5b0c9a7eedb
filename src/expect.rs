//! Formula predictions (`[[expect]]`): what theory predicts for a metric at each sweep point,
//! and the verdict once the simulation has measured it.
//!
//! A `mean` expectation holds when the predicted value lies inside the simulated 95 %
//! confidence interval of the metric's mean over replications, widened on both sides by
//! `tolerance` × |mean|. A bound holds when no replication's value of the metric crosses it
//! (beyond `tolerance` × |predicted|): for a `.max` or `.min` metric that means no sampled
//! value at all crossed it.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub(crate) mod formula;
pub(crate) mod variables;

use crate::results::{Layout, RunRecord};
use crate::stats::{Estimate, estimate_metric};

pub(crate) use crate::results::declared::{Expectation, Holds};

/// The verdict of one expectation at one sweep point.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Check {
    pub point: usize,
    pub expectation: usize,
    pub predicted: f64,
    pub simulated: Estimate,
    pub min: f64,
    pub max: f64,
    pub holds: bool,
}

impl Check {
    /// (simulated mean − predicted) / |predicted|, in percent.
    pub(crate) fn deviation_percent(&self) -> f64 {
        (self.simulated.mean - self.predicted) / self.predicted.abs() * 100.0
    }
}

/// Evaluates every expectation at every point where it applies.
pub(crate) fn evaluate(layout: &Layout, records: &[RunRecord]) -> Vec<Check> {
    let mut checks = Vec::new();
    for (point, predictions) in layout.predictions.iter().enumerate() {
        for &(expectation, predicted) in predictions {
            let Some(e) = layout.expectations.get(expectation) else {
                continue; // `Layout::check` refuses such a prediction in a file read back
            };
            let values: Vec<f64> =
                records.iter().filter(|r| r.point == point).filter_map(|r| r.metrics.get(&e.metric)).collect();
            checks.push(check(point, expectation, e, predicted, &values));
        }
    }
    checks
}

fn check(point: usize, expectation: usize, e: &Expectation, predicted: f64, values: &[f64]) -> Check {
    let simulated = estimate_metric(&e.metric, values);
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // Values are computed from integer nanoseconds: allow for the last bits of the division.
    let slack = e.tolerance * predicted.abs() + 1e-9 * predicted.abs().max(1e-9);
    let holds = !finite.is_empty()
        && match e.holds {
            Holds::UpperBound => max <= predicted + slack,
            Holds::LowerBound => min >= predicted - slack,
            Holds::Mean => {
                let widen = e.tolerance * simulated.mean.abs() + 1e-9 * simulated.mean.abs().max(1e-9);
                let (low, high) = if simulated.ci_low.is_finite() {
                    (simulated.ci_low, simulated.ci_high)
                } else {
                    (simulated.mean, simulated.mean)
                };
                low - widen <= predicted && predicted <= high + widen
            }
        };
    Check { point, expectation, predicted, simulated, min, max, holds }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn e(holds: Holds, tolerance: f64) -> Expectation {
        Expectation { name: "x".into(), metric: "m".into(), formula: "1".into(), holds, tolerance }
    }

    #[test]
    fn mean_holds_inside_the_widened_interval() {
        let values = [0.9, 1.0, 1.1];
        assert!(check(0, 0, &e(Holds::Mean, 0.0), 1.05, &values).holds);
        assert!(!check(0, 0, &e(Holds::Mean, 0.0), 2.0, &values).holds);
        assert!(check(0, 0, &e(Holds::Mean, 1.5), 2.0, &values).holds, "a wide tolerance");
    }

    #[test]
    fn bounds_hold_when_no_value_crosses() {
        let values = [0.9, 1.0, 1.1];
        assert!(check(0, 0, &e(Holds::UpperBound, 0.0), 1.1, &values).holds);
        assert!(!check(0, 0, &e(Holds::UpperBound, 0.0), 1.05, &values).holds);
        assert!(check(0, 0, &e(Holds::LowerBound, 0.0), 0.9, &values).holds);
        assert!(!check(0, 0, &e(Holds::LowerBound, 0.0), 0.95, &values).holds);
        assert!(!check(0, 0, &e(Holds::LowerBound, 0.0), 0.0, &[f64::NAN]).holds, "no data is no verdict of holding");
    }
}
