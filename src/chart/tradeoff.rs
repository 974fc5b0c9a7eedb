//! `tradeoff`: one metric against another as a swept key moves — Chen, Toueg and Aguilera's
//! QoS trade-off of a failure detector, detection time against mistake rate as its timeout
//! grows. One curve per value of the other swept keys, its points in the order of the key
//! they move along and labelled with its value, 95 % CI bars on both axes, and rings around
//! the Pareto-optimal points (none beaten on one axis without losing on the other).

use super::axes::{Extent, numeric, on_axis};
use super::data::{ResultsData, axis_value};
use super::legend::{self, Entry, Mark};
use super::style::{FONT, axis_label, colour};
use super::{ChartResult, PlotSpec};
use crate::results::declared::Pareto;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::HashMap;

/// The ring around a Pareto-optimal point: larger than a point (4 px), in black.
pub(super) const PARETO_RING: u32 = 9;

/// One point of a curve: its label (the moving key's value), where it sorts, and per axis
/// (mean, ci_low, ci_high).
struct Point {
    label: String,
    order: f64,
    x: [f64; 3],
    y: [f64; 3],
    optimal: bool,
}

/// The points sharing the values of every swept key but the one they move along.
struct Curve {
    label: String,
    points: Vec<Point>,
}

pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &PlotSpec, data: &ResultsData) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let x = spec.x.as_deref().ok_or("a trade-off chart needs a metric in `x`")?;
    let y = spec.y.first().ok_or("a trade-off chart needs a metric in `y`")?;
    let along = spec.along.as_deref().ok_or("a trade-off chart needs `along`")?;
    let ai = data.key_index(along).ok_or_else(|| format!("`{along}` is not swept"))?;
    let mut curves = collect(data, ai, [x, y]);
    if let Some(pareto) = spec.pareto {
        mark_pareto(&mut curves, pareto);
    }
    let mut entries: Vec<Entry> =
        curves.iter().enumerate().map(|(i, c)| Entry::new(c.label.as_str(), Mark::Line(colour(i)))).collect();
    if curves.iter().flat_map(|c| &c.points).any(|p| p.optimal) {
        entries.push(Entry::new("Pareto-optimal", Mark::Ring(BLACK, PARETO_RING)));
    }
    entries.push(Entry::new(format!("point labels: {along}"), Mark::Nothing));
    let (plot_area, legend) = legend::split(area, entries)?;
    plot(&plot_area, spec, [x, y], &to_axes(curves, spec.log_x, spec.log_y))?;
    legend.draw()
}

/// The curves, in the order their first points were swept; each curve's points sorted by the
/// moving key's value (its sweep order when the values are names).
fn collect(data: &ResultsData, ai: usize, metrics: [&str; 2]) -> Vec<Curve> {
    let mut curves: Vec<(Vec<String>, Curve)> = Vec::new();
    for (index, (cells, values)) in data.points.iter().enumerate() {
        let others: Vec<String> = cells.iter().enumerate().filter(|(i, _)| *i != ai).map(|(_, c)| c.clone()).collect();
        let at = match curves.iter().position(|(o, _)| *o == others) {
            Some(at) => at,
            None => {
                curves.push((
                    others.clone(),
                    Curve { label: curve_label(data, ai, &others, metrics[1]), points: Vec::new() },
                ));
                curves.len() - 1
            }
        };
        let label = cells.get(ai).cloned().unwrap_or_default();
        let order = axis_value(&label).unwrap_or(index as f64);
        let [x, y] = metrics.map(|m| estimate(values, m));
        curves[at].1.points.push(Point { label, order, x, y, optimal: false });
    }
    let mut curves: Vec<Curve> = curves.into_iter().map(|(_, c)| c).collect();
    curves.iter_mut().for_each(|c| c.points.sort_by(|a, b| a.order.total_cmp(&b.order)));
    curves
}

fn curve_label(data: &ResultsData, ai: usize, others: &[String], metric: &str) -> String {
    let keys = data.swept_keys.iter().enumerate().filter(|(i, _)| *i != ai).map(|(_, k)| k);
    let label: Vec<String> = keys.zip(others).map(|(k, v)| format!("{k} = {v}")).collect();
    if label.is_empty() { metric.to_string() } else { label.join(", ") }
}

/// A metric's (mean, ci_low, ci_high) at a point; NaN where absent.
fn estimate(values: &HashMap<String, f64>, metric: &str) -> [f64; 3] {
    let get = |k: &str| values.get(k).copied().unwrap_or(f64::NAN);
    [get(metric), get(&format!("{metric}.ci_low")), get(&format!("{metric}.ci_high"))]
}

/// Marks each curve's Pareto-optimal points, or those of all curves together.
fn mark_pareto(curves: &mut [Curve], pareto: Pareto) {
    let higher = (pareto.higher_x, pareto.higher_y);
    let mut groups: Vec<Vec<&mut Point>> = if pareto.across_curves {
        vec![curves.iter_mut().flat_map(|c| c.points.iter_mut()).collect()]
    } else {
        curves.iter_mut().map(|c| c.points.iter_mut().collect()).collect()
    };
    for group in &mut groups {
        let means: Vec<(f64, f64)> = group.iter().map(|p| (p.x[0], p.y[0])).collect();
        for (point, optimal) in group.iter_mut().zip(pareto_optimal(&means, higher)) {
            point.optimal = optimal;
        }
    }
}

/// Whether each (x, y) is Pareto-optimal: no other point is as good on both axes and better on
/// one. Smaller is better on an axis unless `higher` says larger is; a point with an undefined
/// mean is neither optimal nor beats another.
pub(super) fn pareto_optimal(points: &[(f64, f64)], higher: (bool, bool)) -> Vec<bool> {
    let sign = |v: f64, h: bool| if h { -v } else { v };
    let p: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (sign(x, higher.0), sign(y, higher.1))).collect();
    let finite = |a: &(f64, f64)| a.0.is_finite() && a.1.is_finite();
    let beats = |b: &(f64, f64), a: &(f64, f64)| b.0 <= a.0 && b.1 <= a.1 && (b.0 < a.0 || b.1 < a.1);
    p.iter().map(|a| finite(a) && !p.iter().any(|b| finite(b) && beats(b, a))).collect()
}

/// The curves as drawn (`axes::on_axis`: log axes hold log10 values).
fn to_axes(mut curves: Vec<Curve>, log_x: bool, log_y: bool) -> Vec<Curve> {
    for p in curves.iter_mut().flat_map(|c| c.points.iter_mut()) {
        p.x = p.x.map(|v| on_axis(v, log_x));
        p.y = p.y.map(|v| on_axis(v, log_y));
    }
    curves
}

fn plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    metrics: [&str; 2],
    curves: &[Curve],
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let (mut xs, mut ys) = (Extent::new(), Extent::new());
    for p in curves.iter().flat_map(|c| &c.points).filter(|p| p.x[0].is_finite() && p.y[0].is_finite()) {
        p.x.iter().for_each(|&v| xs.take(v));
        p.y.iter().for_each(|&v| ys.take(v));
    }
    let labels = (axis_label(&[metrics[0].to_string()]), axis_label(&[metrics[1].to_string()]));
    let mut chart = numeric(area, spec, (xs.padded(), ys.padded()), (&labels.0, &labels.1))?;
    for (index, curve) in curves.iter().enumerate() {
        let c = colour(index);
        let points: Vec<&Point> = curve.points.iter().filter(|p| p.x[0].is_finite() && p.y[0].is_finite()).collect();
        chart.draw_series(LineSeries::new(points.iter().map(|p| (p.x[0], p.y[0])), c.stroke_width(2)))?;
        chart.draw_series(points.iter().map(|p| Circle::new((p.x[0], p.y[0]), 4, c.filled())))?;
        let bars = |a: &[f64; 3]| a[1].is_finite() && a[2].is_finite();
        let style = c.stroke_width(1);
        let ys = points.iter().filter(|p| bars(&p.y));
        chart.draw_series(ys.map(|p| ErrorBar::new_vertical(p.x[0], p.y[1], p.y[0], p.y[2], style, 8)))?;
        let xs = points.iter().filter(|p| bars(&p.x));
        chart.draw_series(xs.map(|p| ErrorBar::new_horizontal(p.y[0], p.x[1], p.x[0], p.x[2], style, 8)))?;
        chart.draw_series(points.iter().map(|p| {
            EmptyElement::at((p.x[0], p.y[0])) + Text::new(p.label.clone(), (7, -20), (FONT, 13).into_font())
        }))?;
        let optimal = points.iter().filter(|p| p.optimal);
        chart.draw_series(optimal.map(|p| Circle::new((p.x[0], p.y[0]), PARETO_RING, BLACK.stroke_width(2))))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::pareto_optimal;

    #[test]
    fn a_point_beaten_on_one_axis_and_tied_or_beaten_on_the_other_is_not_optimal() {
        // (1, 5) and (2, 3) and (4, 1) trade off; (3, 3) loses to (2, 3); (5, 1) to (4, 1);
        // (2, 6) to (1, 5); an undefined point is never optimal.
        let points = [(1.0, 5.0), (2.0, 3.0), (3.0, 3.0), (4.0, 1.0), (5.0, 1.0), (2.0, 6.0), (f64::NAN, 0.0)];
        let expected = [true, true, false, true, false, false, false];
        assert_eq!(pareto_optimal(&points, (false, false)), expected);
    }

    #[test]
    fn larger_can_be_better_on_either_axis() {
        let points = [(1.0, 1.0), (2.0, 2.0), (3.0, 1.0)];
        assert_eq!(pareto_optimal(&points, (true, true)), [false, true, true]);
        assert_eq!(pareto_optimal(&points, (false, true)), [true, true, false]);
        assert_eq!(pareto_optimal(&points, (true, false)), [false, false, true]);
    }
}
