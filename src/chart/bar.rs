//! `bar`: one metric across the values of a swept key (strategies, jitters, balancers), with
//! 95 % CI whiskers; a series key gives grouped bars.

use super::data::ResultsData;
use super::style::{FONT, colour, unit_of};
use super::{ChartResult, PlotSpec};
use plotters::coord::Shift;
use plotters::prelude::*;

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
    let bars: Vec<(usize, usize, f64, f64, f64)> = data
        .points
        .iter()
        .filter_map(|(cells, v)| {
            let x = categories.iter().position(|c| *c == cells[xi])?;
            let s = series.iter().position(|s| si.is_none_or(|i| *s == cells[i]))?;
            let get = |k: String| v.get(&k).copied().unwrap_or(f64::NAN);
            Some((x, s, get(metric.clone()), get(format!("{metric}.ci_low")), get(format!("{metric}.ci_high"))))
        })
        .collect();
    let top = bars.iter().flat_map(|b| [b.2, b.4]).filter(|v| v.is_finite()).fold(0.0f64, f64::max) * 1.15;
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
        let mine: Vec<_> = bars.iter().filter(|b| b.1 == s_index && b.2.is_finite()).collect();
        let label = si.map(|i| format!("{} = {s}", data.swept_keys[i])).unwrap_or_else(|| metric.clone());
        chart
            .draw_series(
                mine.iter().map(|b| Rectangle::new([(left(b.0), 0.0), (left(b.0) + width * 0.9, b.2)], c.filled())),
            )?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
        chart.draw_series(mine.iter().filter(|b| b.3.is_finite()).map(|b| {
            ErrorBar::new_vertical(left(b.0) + width * 0.45, b.3.max(0.0), b.2, b.4, BLACK.stroke_width(1), 8)
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
