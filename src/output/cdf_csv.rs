//! `cdf.csv`: per sweep point and sampled metric, the distribution as quantiles (minimum,
//! every percent, maximum): each replication's quantiles averaged over replications (the
//! "Vincent average" of the distributions). The CDF charts draw from it.

use super::{csv_bytes, format_number};
use crate::metrics::cdf_levels;
use crate::results::{Layout, RunRecord};

pub(crate) fn render(layout: &Layout, records: &[RunRecord]) -> Vec<u8> {
    let mut header = layout.swept_keys.clone();
    header.extend(["metric", "level", "value"].map(String::from));
    let mut rows = Vec::new();
    for point in 0..layout.points.len() {
        let runs: Vec<&RunRecord> = records.iter().filter(|r| r.point == point).collect();
        for metric in metric_names(&runs) {
            let curves: Vec<&Vec<f64>> =
                runs.iter().filter_map(|r| r.metrics.cdfs.iter().find(|(n, _)| *n == metric).map(|(_, c)| c)).collect();
            for (k, level) in cdf_levels().enumerate() {
                let mean = curves.iter().map(|c| c[k]).sum::<f64>() / curves.len() as f64;
                let mut row: Vec<String> = layout.param_cells(point).collect();
                row.extend([metric.clone(), format_number(level), format_number(mean)]);
                rows.push(row);
            }
        }
    }
    csv_bytes(&header, &rows)
}

fn metric_names(runs: &[&RunRecord]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, _) in runs.iter().flat_map(|r| &r.metrics.cdfs) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}
