//! The readable summary printed to stdout after a run: per sweep point, the headline metrics
//! (and their copies per `[[phase]]`) with their 95 % confidence intervals.

use super::format_number;
use crate::results::Layout;
use crate::stats::Estimate;
use std::fmt::Write;

/// Metrics shown in the terminal; every metric is in the CSV files.
const HEADLINE: &[&str] = &[
    "detection_time.mean",
    "detection_time.p99",
    "detection_time.max",
    "detection_time.count",
    "undetected",
    "recovery_detection_time.mean",
    "false_suspicions",
    "false_suspicion_rate",
    "mistake_duration.mean",
    "query_accuracy",
    "instance_up_fraction",
    "requests",
    "success_ratio",
    "latency.mean",
    "latency.p99",
    "attempts_per_request",
    "availability",
    "goodput",
    "peak_offered_load",
    "stale_route_time.mean",
    "keys_moved_fraction",
];

/// The per-phase metrics shown for each `[[phase]]` (`availability@spike`): fewer than the
/// headline, since each phase repeats them.
const PHASE_HEADLINE: &[&str] = &[
    "detection_time.mean",
    "undetected",
    "false_suspicions",
    "query_accuracy",
    "success_ratio",
    "latency.mean",
    "availability",
    "goodput",
];

/// Whether a metric is shown in the terminal summary (and the report's summary table).
pub(crate) fn is_headline(name: &str) -> bool {
    match name.split_once('@') {
        Some((base, _)) => PHASE_HEADLINE.contains(&base),
        None => HEADLINE.contains(&name),
    }
}

pub(crate) fn render(layout: &Layout, estimates: &[Vec<(String, Estimate)>], runs: usize) -> String {
    let mut out = String::new();
    let label = layout.label.as_ref().map(|l| format!(" (label `{l}`)")).unwrap_or_default();
    let _ = writeln!(out, "{}{label} — {} point(s), {runs} run(s)", layout.name, layout.points.len());
    for (point, metrics) in estimates.iter().enumerate() {
        let params: Vec<String> = layout.points[point].iter().map(|(k, v)| format!("{k} = {v}")).collect();
        if !params.is_empty() {
            let _ = writeln!(out, "\n[{}]", params.join(", "));
        } else {
            out.push('\n');
        }
        let _ = writeln!(out, "  {:<36} {:>14}   95% CI", "metric", "mean");
        for (name, e) in metrics.iter().filter(|(n, _)| is_headline(n)) {
            let ci = if e.ci_low.is_finite() {
                format!("[{}, {}]", format_number(e.ci_low), format_number(e.ci_high))
            } else {
                "-".into()
            };
            let mean = if e.mean.is_finite() { format_number(e.mean) } else { "-".into() };
            let _ = writeln!(out, "  {name:<36} {mean:>14}   {ci}");
        }
    }
    out
}
