//! Shared look of the charts: size, font, the colour-blind-safe Okabe–Ito palette, labels.

use plotters::coord::Shift;
use plotters::prelude::{ChartBuilder, DrawingArea, DrawingBackend};
use plotters::style::{FontStyle, RGBColor};
use std::sync::Once;

pub(super) const SIZE: (u32, u32) = (1000, 640);
pub(super) const FONT: &str = "sans-serif";

/// Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
pub(super) const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 0, 0),       // black
];

pub(super) fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// DejaVu Sans ships inside the binary, so charts need no system fonts.
pub(super) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/DejaVuSans.ttf");
        // The font is embedded and valid; a failure would only lose the labels, not the run.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, bytes);
    });
}

/// A metric's unit (docs/reference.md's): seconds for sampled metrics (but not their
/// `.count`) and other durations, per instance-hour for the mistake rate, per second for
/// throughputs; None for counts and fractions. `@phase` copies take their metric's unit.
pub(super) fn unit(metric: &str) -> Option<&'static str> {
    let base = metric.split('@').next().unwrap_or(metric);
    let (name, column) = base.split_once('.').unwrap_or((base, ""));
    if crate::metrics::SAMPLED.contains(&name) {
        return (column != "count").then_some("s");
    }
    match name {
        "retry_time_per_request" | "self_preservation_time" | "contention_completion_time" => Some("s"),
        "false_suspicion_rate" => Some("per instance-hour"),
        "goodput" | "offered_load" | "peak_offered_load" => Some("per s"),
        "up_instance_hours" => Some("instance-hours"),
        _ => None,
    }
}

/// An axis label for metrics: their names with their unit, shared when they share one
/// ("detection_time.mean, detection_time.p90 (s)"), else each with its own. Phase copies of
/// one metric are named once ("latency.mean @ before, during, after (s)"), so that a chart of
/// a metric across phases keeps a label short enough for the axis.
pub(super) fn axis_label(metrics: &[String]) -> String {
    let with_unit = |m: &String, u: Option<&str>| u.map_or_else(|| m.clone(), |u| format!("{m} ({u})"));
    let first = metrics.first().and_then(|m| unit(m));
    if metrics.iter().all(|m| unit(m) == first) {
        return with_unit(&phases_once(metrics).unwrap_or_else(|| metrics.join(", ")), first);
    }
    metrics.iter().map(|m| with_unit(m, unit(m))).collect::<Vec<_>>().join(", ")
}

/// "base @ p1, p2, …" when there are several metrics, all phase copies of one base metric.
fn phases_once(metrics: &[String]) -> Option<String> {
    let split: Vec<(&str, &str)> = metrics.iter().map(|m| m.split_once('@')).collect::<Option<_>>()?;
    let base = split.first()?.0;
    let shared = metrics.len() > 1 && split.iter().all(|(b, _)| *b == base);
    shared.then(|| format!("{base} @ {}", split.iter().map(|(_, p)| *p).collect::<Vec<_>>().join(", ")))
}

/// A chart's frame: title, margins (room on the right for the last x label, which is centred
/// on the axis's end), the x labels' band and a y labels' band `y_labels` wide.
pub(super) fn builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    y_labels: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder.caption(title, (FONT, 24)).margin(16).margin_right(40).x_label_area_size(48).y_label_area_size(y_labels);
    builder
}

/// A swept key's axis label, with seconds for durations.
pub(super) fn key_label(key: &str, durations: bool) -> String {
    if durations { format!("{key} (s)") } else { key.to_string() }
}

#[cfg(test)]
mod tests {
    use super::{axis_label, unit};

    #[test]
    fn a_metric_carries_its_unit_and_counts_and_fractions_none() {
        let cases = [
            ("detection_time.mean", Some("s")),
            ("latency.p99@before", Some("s")),
            ("detection_time.count", None),
            ("retry_time_per_request", Some("s")),
            ("false_suspicion_rate", Some("per instance-hour")),
            ("false_suspicion_rate@partition", Some("per instance-hour")),
            ("goodput", Some("per s")),
            ("crashes", None),
            ("success_ratio", None),
        ];
        for (metric, expected) in cases {
            assert_eq!(unit(metric), expected, "{metric}");
        }
    }

    #[test]
    fn metrics_sharing_a_unit_share_it_on_the_axis() {
        let label = |m: &[&str]| axis_label(&m.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            label(&["detection_time.mean", "detection_time.max"]),
            "detection_time.mean, detection_time.max (s)"
        );
        assert_eq!(label(&["detection_time.mean", "false_suspicions"]), "detection_time.mean (s), false_suspicions");
        assert_eq!(label(&["success_ratio", "availability"]), "success_ratio, availability");
        assert_eq!(
            label(&["latency.mean@before", "latency.mean@during", "latency.mean@after"]),
            "latency.mean @ before, during, after (s)"
        );
        assert_eq!(label(&["goodput@after"]), "goodput@after (per s)");
        assert_eq!(
            label(&["latency.mean@before", "latency.p99@before"]),
            "latency.mean@before, latency.p99@before (s)"
        );
    }
}
