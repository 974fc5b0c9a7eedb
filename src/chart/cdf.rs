//! `cdf`: the distribution of a sampled metric (detection time, latency), one curve per sweep
//! point — the quantiles of each replication's histogram, averaged over replications.

use super::data::ResultsData;
use super::legend::{self, Entry, Mark};
use super::style::{FONT, axis_label, builder, colour};
use super::{ChartResult, PlotSpec};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A sweep point's swept values and its (value, level) points.
type Curve = (Vec<String>, Vec<(f64, f64)>);

pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &PlotSpec, data: &ResultsData) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let metric = spec.y.first().ok_or("a CDF chart needs the sampled metric in `y`")?;
    let mut curves: Vec<Curve> = Vec::new();
    for row in data.cdf.iter().filter(|r| &r.metric == metric && r.value.is_finite()) {
        match curves.iter_mut().find(|(p, _)| *p == row.params) {
            Some((_, points)) => points.push((row.value, row.level)),
            None => curves.push((row.params.clone(), vec![(row.value, row.level)])),
        }
    }
    let label = |params: &Vec<String>| {
        if params.is_empty() {
            return metric.clone();
        }
        data.swept_keys.iter().zip(params).map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
    };
    let entries: Vec<Entry> =
        curves.iter().enumerate().map(|(i, (params, _))| Entry::new(label(params), Mark::Curve(colour(i)))).collect();
    let (plot_area, legend) = legend::split(area, entries)?;
    let max = curves.iter().flat_map(|(_, p)| p.iter().map(|q| q.0)).fold(0.0f64, f64::max);
    let mut chart = builder(&plot_area, &spec.title, 70).build_cartesian_2d(0f64..(max * 1.05).max(1e-9), 0f64..1.0)?;
    chart
        .configure_mesh()
        .x_desc(axis_label(std::slice::from_ref(metric)))
        .y_desc("fraction at most x")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    for (index, (_, points)) in curves.iter().enumerate() {
        chart.draw_series(LineSeries::new(points.iter().copied(), colour(index).stroke_width(2)))?;
    }
    legend.draw()
}
