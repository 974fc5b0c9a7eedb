//! `line`: metrics against a swept parameter — the mean over replications with its 95 % CI as
//! error bars, one line per series value — and every `[[expect]]` formula on the same metric
//! as a dashed line, so the prediction stands beside the simulation.

use super::axes::{Extent, numeric, on_axis};
use super::data::{ResultsData, axis_value, is_duration};
use super::legend::{self, Entry, Mark};
use super::style::{axis_label, colour, key_label};
use super::{ChartResult, PlotSpec};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A simulated line: (x, mean, ci_low, ci_high) per point.
struct Line {
    label: String,
    colour: usize,
    points: Vec<(f64, f64, f64, f64)>,
}

/// A predicted (dashed) line.
struct Dashed {
    label: String,
    colour: usize,
    points: Vec<(f64, f64)>,
}

pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &PlotSpec, data: &ResultsData) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let x_key = spec.x.as_deref().ok_or("a line chart needs `x`")?;
    let xi = data.key_index(x_key).ok_or_else(|| format!("`{x_key}` is not swept"))?;
    let si = spec.series.as_deref().and_then(|s| data.key_index(s));
    let (lines, dashed) = collect(spec, data, xi, si);
    let (lines, dashed) = to_axes(lines, dashed, spec.log_x, spec.log_y);
    let (xs, ys) = extents(&lines, &dashed);
    let durations = data.points.first().is_some_and(|(cells, _)| is_duration(&cells[xi]));
    let labels = (key_label(x_key, durations), axis_label(&spec.y));
    let ranges = (xs.padded(), ys.padded());
    let entries: Vec<Entry> = lines
        .iter()
        .map(|l| Entry::new(l.label.as_str(), Mark::Line(colour(l.colour))))
        .chain(dashed.iter().map(|d| Entry::new(d.label.as_str(), Mark::Dashed(colour(d.colour)))))
        .collect();
    let (plot_area, legend) = legend::split(area, entries)?;
    plot(&plot_area, spec, ranges, &labels, &lines, &dashed)?;
    legend.draw()
}

/// The points as drawn on the axes (`axes::on_axis`: log axes hold log10 values).
fn to_axes(mut lines: Vec<Line>, mut dashed: Vec<Dashed>, log_x: bool, log_y: bool) -> (Vec<Line>, Vec<Dashed>) {
    let lx = |x: f64| on_axis(x, log_x);
    let ly = |y: f64| on_axis(y, log_y);
    for l in &mut lines {
        l.points.iter_mut().for_each(|p| *p = (lx(p.0), ly(p.1), ly(p.2), ly(p.3)));
    }
    for d in &mut dashed {
        d.points.iter_mut().for_each(|p| *p = (lx(p.0), ly(p.1)));
    }
    (lines, dashed)
}

/// One simulated line per (series value, metric), one dashed line per (series value,
/// expectation on a plotted metric).
fn collect(spec: &PlotSpec, data: &ResultsData, xi: usize, si: Option<usize>) -> (Vec<Line>, Vec<Dashed>) {
    let mut series: Vec<String> = Vec::new();
    for (cells, _) in &data.points {
        let s = si.map(|i| cells[i].clone()).unwrap_or_default();
        if !series.contains(&s) {
            series.push(s);
        }
    }
    let (mut lines, mut dashed) = (Vec::new(), Vec::new());
    for (s_index, s) in series.iter().enumerate() {
        let in_series = |cells: &[String]| si.is_none_or(|i| &cells[i] == s);
        let suffix = si.map(|i| format!(" ({} = {s})", data.swept_keys[i])).unwrap_or_default();
        for (m_index, metric) in spec.y.iter().enumerate() {
            let colour = s_index * spec.y.len() + m_index;
            let mut points: Vec<(f64, f64, f64, f64)> = data
                .points
                .iter()
                .filter(|(cells, _)| in_series(cells))
                .filter_map(|(cells, v)| {
                    Some((
                        axis_value(&cells[xi])?,
                        *v.get(metric)?,
                        value(v, &format!("{metric}.ci_low")),
                        value(v, &format!("{metric}.ci_high")),
                    ))
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            lines.push(Line { label: format!("{metric}{suffix}"), colour, points });
            for name in expectations_on(data, metric) {
                let mut predicted: Vec<(f64, f64)> = data
                    .checks
                    .iter()
                    .filter(|c| c.expectation == name && in_series(&c.params))
                    .filter_map(|c| Some((axis_value(&c.params[xi])?, c.predicted)))
                    .collect();
                predicted.sort_by(|a, b| a.0.total_cmp(&b.0));
                let formula =
                    data.checks.iter().find(|c| c.expectation == name).map(|c| c.formula.clone()).unwrap_or_default();
                dashed.push(Dashed { label: format!("predicted: {formula}{suffix}"), colour, points: predicted });
            }
        }
    }
    (lines, dashed)
}

fn value(v: &std::collections::HashMap<String, f64>, key: &str) -> f64 {
    v.get(key).copied().unwrap_or(f64::NAN)
}

/// Names of the expectations on `metric`, in order.
fn expectations_on(data: &ResultsData, metric: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in data.checks.iter().filter(|c| c.metric == metric) {
        if !names.contains(&c.expectation) {
            names.push(c.expectation.clone());
        }
    }
    names
}

fn extents(lines: &[Line], dashed: &[Dashed]) -> (Extent, Extent) {
    let (mut xs, mut ys) = (Extent::new(), Extent::new());
    for l in lines {
        for &(x, mean, low, high) in &l.points {
            xs.take(x);
            [mean, low, high].into_iter().for_each(|y| ys.take(y));
        }
    }
    for &(x, y) in dashed.iter().flat_map(|d| &d.points) {
        xs.take(x);
        ys.take(y);
    }
    (xs, ys)
}

fn plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    ranges: ((f64, f64), (f64, f64)),
    labels: &(String, String),
    lines: &[Line],
    dashed: &[Dashed],
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let mut chart = numeric(area, spec, ranges, (&labels.0, &labels.1))?;
    for l in lines {
        let c = colour(l.colour);
        chart.draw_series(LineSeries::new(l.points.iter().map(|p| (p.0, p.1)), c.stroke_width(2)))?;
        chart.draw_series(l.points.iter().map(|p| Circle::new((p.0, p.1), 4, c.filled())))?;
        chart.draw_series(
            l.points
                .iter()
                .filter(|p| p.2.is_finite() && p.3.is_finite())
                .map(|p| ErrorBar::new_vertical(p.0, p.2, p.1, p.3, c.stroke_width(1), 10)),
        )?;
    }
    for d in dashed {
        let c = colour(d.colour);
        chart.draw_series(DashedLineSeries::new(d.points.iter().copied(), 8, 6, c.stroke_width(2)))?;
    }
    Ok(())
}
