//! Numeric axes shared by line and trade-off charts: log axes as linear axes of log10 values,
//! ranges with a margin, tick labels, the chart and its mesh.

use super::PlotSpec;
use super::style::{FONT, builder};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// A chart with two numeric axes.
pub(super) type Numeric<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The chart over `ranges` (as drawn: log10 values on a log axis) with its mesh and the axes'
/// labels. Ten labels a side, so that a log axis spanning less than a decade still shows
/// several.
pub(super) fn numeric<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    (x, y): ((f64, f64), (f64, f64)),
    labels: (&str, &str),
) -> Result<Numeric<'a, DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let (x_tick, y_tick) = (tick(spec.log_x), tick(spec.log_y));
    let mut chart = builder(area, &spec.title, 80).build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(10)
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .x_desc(labels.0)
        .y_desc(labels.1)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    Ok(chart)
}

/// log10 of an axis value; NaN (not drawn) for values a log axis cannot show.
pub(super) fn log10(v: f64) -> f64 {
    if v > 0.0 { v.log10() } else { f64::NAN }
}

/// An axis value as drawn: log axes are drawn as linear axes of log10 values, labelled with
/// the values themselves (plotters' own log axes label only powers of ten, too few for a sweep
/// within a decade).
pub(super) fn on_axis(v: f64, log: bool) -> f64 {
    if log { log10(v) } else { v }
}

/// The smallest and largest finite values seen.
pub(super) struct Extent(pub f64, pub f64);

impl Extent {
    pub(super) fn new() -> Self {
        Extent(f64::INFINITY, f64::NEG_INFINITY)
    }

    pub(super) fn take(&mut self, v: f64) {
        if v.is_finite() {
            (self.0, self.1) = (self.0.min(v), self.1.max(v));
        }
    }

    /// A range around the values with a margin; (0, 1) when there were none.
    pub(super) fn padded(&self) -> (f64, f64) {
        let (low, high) = (self.0, self.1);
        if !low.is_finite() {
            return (0.0, 1.0);
        }
        let margin = ((high - low) * 0.08).max(high.abs() * 0.05).max(1e-9);
        (low - margin, high + margin)
    }
}

/// A tick's label: the value itself (10^v on a log axis), in discosim's number format.
fn tick(log: bool) -> impl Fn(&f64) -> String {
    move |v: &f64| {
        if log {
            crate::output::format_number(format!("{:.2e}", 10f64.powf(*v)).parse().unwrap_or(0.0))
        } else {
            crate::output::format_number(format!("{v:.4e}").parse().unwrap_or(*v))
        }
    }
}
