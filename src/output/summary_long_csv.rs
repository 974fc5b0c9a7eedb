//! `summary_long.csv`: the summary in long ("tidy") form, one row per sweep point and metric —
//! the label (with `--label`), the swept parameters (a swept duration also in seconds, as
//! `<key>_s`), then `metric`, `mean`, `ci_low`, `ci_high`, `n` — so pandas and R read it
//! without reshaping columns or parsing `1500ms`. Built from the same estimates as
//! `summary.csv`, so the two always agree.

use super::{csv_bytes, format_number};
use crate::engine::time::to_seconds;
use crate::params::duration::parse_duration;
use crate::results::{Layout, RunRecord};
use crate::stats::Estimate;

/// The suffix of a swept duration's column in seconds.
pub(crate) const SECONDS_SUFFIX: &str = "_s";

pub(crate) fn render(layout: &Layout, records: &[RunRecord], estimates: &[Vec<(String, Estimate)>]) -> Vec<u8> {
    let durations = duration_keys(layout);
    let mut header: Vec<String> = layout.label.iter().map(|_| crate::results::LABEL_COLUMN.to_string()).collect();
    for (key, is_duration) in layout.swept_keys.iter().zip(&durations) {
        header.push(key.clone());
        if *is_duration {
            header.push(format!("{key}{SECONDS_SUFFIX}"));
        }
    }
    header.extend(["metric", "mean", "ci_low", "ci_high", "n"].map(String::from));
    let mut rows = Vec::new();
    for (point, metrics) in estimates.iter().enumerate() {
        let leading = leading_cells(layout, point, &durations);
        for (name, e) in metrics {
            let mut row = leading.clone();
            row.extend([name.clone(), format_number(e.mean), format_number(e.ci_low), format_number(e.ci_high)]);
            row.push(defined_values(records, point, name).to_string());
            rows.push(row);
        }
    }
    csv_bytes(&header, &rows)
}

/// Per swept key, whether every point's value is a duration (`1500ms`, not a plain number).
fn duration_keys(layout: &Layout) -> Vec<bool> {
    let is_duration = |v: &str| v.parse::<f64>().is_err() && parse_duration(v).is_ok();
    (0..layout.swept_keys.len())
        .map(|k| layout.points.iter().all(|p| p.get(k).is_some_and(|(_, v)| is_duration(v))))
        .collect()
}

/// A point's label and swept values, each duration followed by its seconds.
fn leading_cells(layout: &Layout, point: usize, durations: &[bool]) -> Vec<String> {
    let mut cells: Vec<String> = layout.label.iter().cloned().collect();
    for (value, is_duration) in layout.param_cells(point).zip(durations) {
        let seconds = is_duration.then(|| parse_duration(&value).map(|ns| format_number(to_seconds(ns))));
        cells.push(value);
        cells.extend(seconds.map(|s| s.unwrap_or_default()));
    }
    cells
}

/// `n`: the point's replications in which the metric has a value (a proportion's interval
/// pools their counts; a metric with no sample in a run is undefined there).
fn defined_values(records: &[RunRecord], point: usize, metric: &str) -> usize {
    records.iter().filter(|r| r.point == point && r.metrics.get(metric).is_some_and(f64::is_finite)).count()
}
