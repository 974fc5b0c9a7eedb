//! `checks.csv` and the verdict table: one row per expectation and sweep point — the
//! expectation, the swept parameters, predicted and simulated values (with the 95 % interval
//! and the extreme replications), the deviation, and whether it holds.

use super::{csv_bytes, format_number};
use crate::expect::Check;
use crate::results::Layout;
use std::fmt::Write;

pub(crate) fn render(layout: &Layout, checks: &[Check]) -> Vec<u8> {
    let mut header: Vec<String> = ["expectation", "metric", "formula", "holds", "tolerance"].map(String::from).to_vec();
    header.extend(layout.swept_keys.iter().cloned());
    header.extend(
        ["predicted", "simulated", "ci_low", "ci_high", "min", "max", "deviation_pct", "verdict"].map(String::from),
    );
    let rows: Vec<Vec<String>> = checks.iter().map(|c| row(layout, c)).collect();
    csv_bytes(&header, &rows)
}

fn row(layout: &Layout, c: &Check) -> Vec<String> {
    let e = &layout.expectations[c.expectation];
    let mut row = vec![
        e.name.clone(),
        e.metric.clone(),
        e.formula.clone(),
        e.holds.name().to_string(),
        format_number(e.tolerance),
    ];
    row.extend(layout.param_cells(c.point));
    for value in
        [c.predicted, c.simulated.mean, c.simulated.ci_low, c.simulated.ci_high, c.min, c.max, c.deviation_percent()]
    {
        row.push(format_number(value));
    }
    row.push(verdict(c).to_string());
    row
}

fn verdict(c: &Check) -> &'static str {
    if c.holds { "holds" } else { "fails" }
}

/// The verdicts as a readable table for stdout.
pub(crate) fn table(layout: &Layout, checks: &[Check]) -> String {
    let mut out = String::new();
    for (index, e) in layout.expectations.iter().enumerate() {
        let _ = writeln!(out, "\nexpect: {} ({}, tolerance {})", e.name, e.holds.name(), format_number(e.tolerance));
        let _ = writeln!(
            out,
            "  {:<36} {:>12} {:>12}   {:<24} {:>9}  verdict",
            "point", "predicted", "simulated", "95% CI", "dev %"
        );
        for c in checks.iter().filter(|c| c.expectation == index) {
            let point: Vec<String> = layout.points[c.point].iter().map(|(k, v)| format!("{k}={v}")).collect();
            let shown = |v: f64| if v.is_finite() { format!("{:.6}", v) } else { "-".into() };
            let ci = format!("[{}, {}]", shown(c.simulated.ci_low), shown(c.simulated.ci_high));
            let _ = writeln!(
                out,
                "  {:<36} {:>12} {:>12}   {:<24} {:>9}  {}",
                point.join(" "),
                shown(c.predicted),
                shown(c.simulated.mean),
                ci,
                format!("{:.2}", c.deviation_percent()),
                verdict(c).to_uppercase()
            );
        }
    }
    out
}
