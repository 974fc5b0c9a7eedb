//! Shared look of the charts: size, font, the colour-blind-safe Okabe–Ito palette, labels.

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

/// Metrics measured in seconds (their axis says so).
pub(super) fn unit_of(metric: &str) -> &'static str {
    let base = metric.split(['.', '@']).next().unwrap_or(metric);
    if crate::metrics::SAMPLED.contains(&base) || base == "retry_time_per_request" { " (s)" } else { "" }
}

/// A swept key's axis label, with seconds for durations.
pub(super) fn key_label(key: &str, durations: bool) -> String {
    if durations { format!("{key} (s)") } else { key.to_string() }
}
