//! `timeline`: one traced run (`--trace`). Per instance, three lanes show when it was really
//! down (truth), when the registry held it down, and when every client had stopped routing to
//! it; crosses mark crashes, triangles detections, circles false suspicions.

use super::data::ResultsData;
use super::legend::{self, Entry, Mark};
use super::style::{FONT, builder, colour};
use super::{ChartResult, PlotSpec};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The instances shown (the first ones): enough to read, few enough to see.
const SHOWN: u32 = 12;

/// (lane name, event that opens a down interval, event that closes it).
const LANES: [(&str, &[&str], &[&str]); 3] = [
    ("instance down", &["crash", "leave"], &["recover", "join"]),
    ("registry holds it down", &["registry_down"], &["registry_up"]),
    ("no client routes to it", &["clients_down"], &["clients_up"]),
];

pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &PlotSpec, data: &ResultsData) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let shown = data.trace.iter().map(|r| r.instance.saturating_add(1)).max().unwrap_or(1).min(SHOWN);
    let end = data.horizon.max(data.trace.iter().map(|r| r.time).fold(0.0, f64::max));
    let lanes: Vec<Vec<(u32, f64, f64)>> = LANES
        .iter()
        .map(|(_, opens, closes)| (0..shown).flat_map(|i| intervals(data, i, opens, closes, end)).collect())
        .collect();
    // A lane with no interval (e.g. no clients: no client lane) has no legend entry.
    let mut entries: Vec<Entry> = LANES
        .iter()
        .zip(&lanes)
        .enumerate()
        .filter(|(_, (_, bars))| !bars.is_empty())
        .map(|(lane, ((name, _, _), _))| Entry::new(*name, Mark::Box(colour(lane))))
        .collect();
    entries.push(Entry::new("crash", Mark::Cross));
    entries.push(Entry::new("detection", Mark::Triangle(colour(5))));
    entries.push(Entry::new("false suspicion", Mark::Ring(colour(3), 5)));
    let (plot_area, legend) = legend::split(area, entries)?;
    plot(&plot_area, spec, data, (shown, end), &lanes)?;
    legend.draw()
}

fn plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &PlotSpec,
    data: &ResultsData,
    (shown, end): (u32, f64),
    lanes: &[Vec<(u32, f64, f64)>],
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let mut chart =
        builder(area, &spec.title, 90).build_cartesian_2d(0f64..end.max(1e-9), -0.5f64..shown as f64 - 0.5)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(shown as usize)
        .y_label_formatter(&|y: &f64| {
            if (y - y.round()).abs() < 0.01 { format!("instance {}", y.round()) } else { String::new() }
        })
        .x_desc("time (s)")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 17))
        .draw()?;
    for (lane, bars) in lanes.iter().enumerate() {
        let (c, offset) = (colour(lane), 0.25 - lane as f64 * 0.25);
        chart.draw_series(bars.iter().map(|&(i, from, to)| {
            let (low, high) = (i as f64 + offset - 0.1, i as f64 + offset + 0.1);
            Rectangle::new([(from, low), (to.max(from + end * 0.002), high)], c.filled())
        }))?;
    }
    let marks = |event: &'static str| data.trace.iter().filter(move |r| r.event == event && r.instance < shown);
    let at = |r: &super::data::TraceRow, offset: f64| (r.time, r.instance as f64 + offset);
    chart.draw_series(marks("crash").map(|r| Cross::new(at(r, 0.25), 5, BLACK.stroke_width(2))))?;
    chart.draw_series(marks("detection").map(|r| TriangleMarker::new(at(r, 0.1), 6, colour(5).filled())))?;
    chart.draw_series(marks("false_suspicion").map(|r| Circle::new(at(r, 0.0), 5, colour(3).stroke_width(2))))?;
    Ok(())
}

/// The [open, close) intervals of one lane of one instance; an interval still open at the end
/// runs to the end.
fn intervals(data: &ResultsData, instance: u32, opens: &[&str], closes: &[&str], end: f64) -> Vec<(u32, f64, f64)> {
    let mut out = Vec::new();
    let mut open: Option<f64> = None;
    for r in data.trace.iter().filter(|r| r.instance == instance) {
        if opens.contains(&r.event.as_str()) && open.is_none() {
            open = Some(r.time);
        } else if closes.contains(&r.event.as_str())
            && let Some(from) = open.take()
        {
            out.push((instance, from, r.time));
        }
    }
    if let Some(from) = open {
        out.push((instance, from, end));
    }
    out
}
