//! `bar`: metrics across the values of a swept key (strategies, jitters, balancers), with
//! 95 % CI whiskers. Each x value holds a group of bars: one per metric in `y`, times one per
//! value of the series key.

use super::data::ResultsData;
use super::legend::{self, Entry, Mark};
use super::style::{FONT, axis_label, builder, colour};
use super::{ChartResult, PlotSpec};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One bar: its category (x) and group (metric × series) positions, the mean and its interval.
struct Bar {
    category: usize,
    group: usize,
    mean: f64,
    ci_low: f64,
    ci_high: f64,
}

/// The bars' layout: the x values, and the groups' legend labels (metric-major).
struct Groups {
    categories: Vec<String>,
    labels: Vec<String>,
}

pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &PlotSpec, data: &ResultsData) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let x_key = spec.x.as_deref().ok_or("a bar chart needs `x`")?;
    let xi = data.key_index(x_key).ok_or_else(|| format!("`{x_key}` is not swept"))?;
    let si = spec.series.as_deref().and_then(|s| data.key_index(s));
    let (groups, bars) = collect(spec, data, xi, si);
    let entries: Vec<Entry> =
        groups.labels.iter().enumerate().map(|(g, l)| Entry::new(l.as_str(), Mark::Box(colour(g)))).collect();
    let (plot_area, legend) = legend::split(area, entries)?;
    plot(&plot_area, spec, x_key, &groups, &bars)?;
    legend.draw()
}

/// Every (point, metric)'s bar, group = metric × series count + series.
fn collect(spec: &PlotSpec, data: &ResultsData, xi: usize, si: Option<usize>) -> (Groups, Vec<Bar>) {
    let categories = distinct(data.points.iter().map(|(c, _)| c[xi].clone()));
    let series = distinct(data.points.iter().map(|(c, _)| si.map(|i| c[i].clone()).unwrap_or_default()));
    let mut bars = Vec::new();
    for (cells, v) in &data.points {
        let category = categories.iter().position(|c| *c == cells[xi]).unwrap_or(0);
        let s = series.iter().position(|s| si.is_none_or(|i| *s == cells[i])).unwrap_or(0);
        for (m, metric) in spec.y.iter().enumerate() {
            let get = |k: &str| v.get(k).copied().unwrap_or(f64::NAN);
            let (ci_low, ci_high) = (get(&format!("{metric}.ci_low")), get(&format!("{metric}.ci_high")));
            bars.push(Bar { category, group: m * series.len() + s, mean: get(metric), ci_low, ci_high });
        }
    }
    let mut labels = Vec::new();
    for metric in &spec.y {
        for s in &series {
            let key = si.map(|i| format!("{} = {s}", data.swept_keys[i]));
            labels.push(match key {
                Some(key) if spec.y.len() > 1 => format!("{metric} ({key})"),
                Some(key) => key,
                None => metric.clone(),
            });
        }
    }
    (Groups { categories, labels }, bars)
}

fn plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    x_key: &str,
    groups: &Groups,
    bars: &[Bar],
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let top = bars.iter().flat_map(|b| [b.mean, b.ci_high]).filter(|v| v.is_finite()).fold(0.0f64, f64::max) * 1.15;
    let right = groups.categories.len() as f64 - 0.5;
    let mut chart = builder(area, &spec.title, 110).build_cartesian_2d(-0.5f64..right, 0f64..top.max(1e-9))?;
    let names = &groups.categories;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(names.len())
        .x_label_formatter(&|x: &f64| {
            names.get(x.round() as usize).filter(|_| (x - x.round()).abs() < 0.01).cloned().unwrap_or_default()
        })
        .x_desc(x_key)
        .y_desc(axis_label(&spec.y))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    let width = 0.8 / groups.labels.len().max(1) as f64;
    let left = |b: &Bar| b.category as f64 - 0.4 + b.group as f64 * width;
    let drawn: Vec<&Bar> = bars.iter().filter(|b| b.mean.is_finite()).collect();
    chart.draw_series(
        drawn
            .iter()
            .map(|b| Rectangle::new([(left(b), 0.0), (left(b) + width * 0.9, b.mean)], colour(b.group).filled())),
    )?;
    chart.draw_series(drawn.iter().filter(|b| b.ci_low.is_finite()).map(|b| {
        let x = left(b) + width * 0.45;
        ErrorBar::new_vertical(x, b.ci_low.max(0.0), b.mean, b.ci_high, BLACK.stroke_width(1), 8)
    }))?;
    Ok(())
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}
