//! `bar`: one metric across the values of a swept key (strategies, jitters, balancers), with
//! 95 % CI whiskers; a series key gives grouped bars.

use super::data::ResultsData;
use super::style::{FONT, colour, unit_of};
use super::{ChartResult, PlotSpec};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One bar: its category (x) and series positions, the mean and its interval.
struct Bar {
    category: usize,
    series: usize,
    mean: f64,
    ci_low: f64,
    ci_high: f64,
}

pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &PlotSpec, data: &ResultsData) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let x_key = spec.x.as_deref().ok_or("a bar chart needs `x`")?;
    let xi = data.key_index(x_key).ok_or_else(|| format!("`{x_key}` is not swept"))?;
    let si = spec.series.as_deref().and_then(|s| data.key_index(s));
    let metric = spec.y.first().ok_or("a bar chart needs one metric in `y`")?;
    let categories = distinct(data.points.iter().map(|(c, _)| c[xi].clone()));
    let series = distinct(data.points.iter().map(|(c, _)| si.map(|i| c[i].clone()).unwrap_or_default()));
    let bars: Vec<Bar> = data
        .points
        .iter()
        .filter_map(|(cells, v)| {
            let category = categories.iter().position(|c| *c == cells[xi])?;
            let series = series.iter().position(|s| si.is_none_or(|i| *s == cells[i]))?;
            let get = |k: String| v.get(&k).copied().unwrap_or(f64::NAN);
            let (ci_low, ci_high) = (get(format!("{metric}.ci_low")), get(format!("{metric}.ci_high")));
            Some(Bar { category, series, mean: get(metric.clone()), ci_low, ci_high })
        })
        .collect();
    let top = bars.iter().flat_map(|b| [b.mean, b.ci_high]).filter(|v| v.is_finite()).fold(0.0f64, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption(&spec.title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(110)
        .build_cartesian_2d(-0.5f64..categories.len() as f64 - 0.5, 0f64..top.max(1e-9))?;
    let names = categories.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(categories.len())
        .x_label_formatter(&|x: &f64| {
            names.get(x.round() as usize).filter(|_| (x - x.round()).abs() < 0.01).cloned().unwrap_or_default()
        })
        .x_desc(x_key)
        .y_desc(format!("{metric}{}", unit_of(metric)))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    let width = 0.8 / series.len() as f64;
    for (s_index, s) in series.iter().enumerate() {
        let c = colour(s_index);
        let left = |x: usize| x as f64 - 0.4 + s_index as f64 * width;
        let mine: Vec<&Bar> = bars.iter().filter(|b| b.series == s_index && b.mean.is_finite()).collect();
        let label = si.map(|i| format!("{} = {s}", data.swept_keys[i])).unwrap_or_else(|| metric.clone());
        chart
            .draw_series(mine.iter().map(|b| {
                Rectangle::new([(left(b.category), 0.0), (left(b.category) + width * 0.9, b.mean)], c.filled())
            }))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
        chart.draw_series(mine.iter().filter(|b| b.ci_low.is_finite()).map(|b| {
            let x = left(b.category) + width * 0.45;
            ErrorBar::new_vertical(x, b.ci_low.max(0.0), b.mean, b.ci_high, BLACK.stroke_width(1), 8)
        }))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
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
