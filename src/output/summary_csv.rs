//! `summary.csv`: one row per sweep point — swept parameters, then for every metric its mean
//! over replications and the 95 % confidence interval (`<metric>.ci_low`, `<metric>.ci_high`).

use super::{csv_bytes, format_number};
use crate::run::RunRecord;
use crate::scenario::LoadedScenario;
use crate::stats::{Estimate, estimate};

/// Per point, per metric (in column order): the estimate over that point's replications.
pub fn estimates(loaded: &LoadedScenario, records: &[RunRecord]) -> Vec<Vec<(String, Estimate)>> {
    (0..loaded.points.len())
        .map(|point| {
            let runs: Vec<&RunRecord> = records.iter().filter(|r| r.point == point).collect();
            let Some(first) = runs.first() else {
                return Vec::new();
            };
            first
                .metrics
                .entries
                .iter()
                .enumerate()
                .map(|(m, (name, _))| {
                    let values: Vec<f64> = runs.iter().map(|r| r.metrics.entries[m].1).collect();
                    (name.clone(), estimate(&values))
                })
                .collect()
        })
        .collect()
}

pub fn render(loaded: &LoadedScenario, estimates: &[Vec<(String, Estimate)>]) -> Vec<u8> {
    let mut header = loaded.swept_keys.clone();
    if let Some(first) = estimates.first() {
        for (name, _) in first {
            header.extend([
                name.clone(),
                format!("{name}.ci_low"),
                format!("{name}.ci_high"),
            ]);
        }
    }
    let rows: Vec<Vec<String>> = estimates
        .iter()
        .enumerate()
        .map(|(point, metrics)| {
            let mut row: Vec<String> = loaded.points[point]
                .params
                .iter()
                .map(|(_, v)| v.clone())
                .collect();
            for (_, e) in metrics {
                row.extend([
                    format_number(e.mean),
                    format_number(e.ci_low),
                    format_number(e.ci_high),
                ]);
            }
            row
        })
        .collect();
    csv_bytes(&header, &rows)
}
