//! `summary.csv`: one row per sweep point — swept parameters, then for every metric its mean
//! over replications and the 95 % confidence interval (`<metric>.ci_low`, `<metric>.ci_high`):
//! Student t for means, cut to the metric's range (`stats::estimate_metric`); Wilson for the
//! binomial proportions of `metrics::PROPORTIONS` (whose estimate is the pooled ratio over all
//! replications).

use super::{csv_bytes, format_number};
use crate::metrics::PROPORTIONS;
use crate::results::{Layout, RunRecord};
use crate::stats::{self, Estimate, wilson};

/// Per point, per metric (in column order): the estimate over that point's replications.
pub(crate) fn estimates(layout: &Layout, records: &[RunRecord]) -> Vec<Vec<(String, Estimate)>> {
    (0..layout.points.len())
        .map(|point| {
            let runs: Vec<&RunRecord> = records.iter().filter(|r| r.point == point).collect();
            let Some(first) = runs.first() else {
                return Vec::new();
            };
            first.metrics.names().map(|name| (name.to_string(), estimate_metric(name, &runs))).collect()
        })
        .collect()
}

fn estimate_metric(name: &str, runs: &[&RunRecord]) -> Estimate {
    let total = |metric: &str| runs.iter().filter_map(|r| r.metrics.get(metric)).filter(|v| v.is_finite()).sum::<f64>();
    if let Some(p) = PROPORTIONS.iter().find(|p| p.name == name) {
        let (successes, failures) = (total(p.successes), total(p.failures));
        return wilson(successes, successes + failures, 0.95);
    }
    let values: Vec<f64> = runs.iter().map(|r| r.metrics.get(name).unwrap_or(f64::NAN)).collect();
    stats::estimate_metric(name, &values)
}

pub(crate) fn render(layout: &Layout, estimates: &[Vec<(String, Estimate)>]) -> Vec<u8> {
    let mut header = layout.leading_header();
    // A shard may hold no run of some points: their rows are empty, the columns come from a
    // point that has runs.
    let columns = estimates.iter().find(|metrics| !metrics.is_empty()).map_or(0, Vec::len);
    if let Some(first) = estimates.iter().find(|metrics| !metrics.is_empty()) {
        for (name, _) in first {
            header.extend([name.clone(), format!("{name}.ci_low"), format!("{name}.ci_high")]);
        }
    }
    let rows: Vec<Vec<String>> = estimates
        .iter()
        .enumerate()
        .map(|(point, metrics)| {
            let mut row: Vec<String> = layout.leading_cells(point).collect();
            for (_, e) in metrics {
                row.extend([format_number(e.mean), format_number(e.ci_low), format_number(e.ci_high)]);
            }
            if metrics.is_empty() {
                row.extend(std::iter::repeat_n(String::new(), 3 * columns));
            }
            row
        })
        .collect();
    csv_bytes(&header, &rows)
}
