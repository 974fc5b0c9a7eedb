//! `timeline`: one traced run (`--trace`). Per instance, three lanes show when it was really
//! down (truth), when the registry held it down, and when every client had stopped routing to
//! it; crosses mark crashes, triangles detections, circles false suspicions.

use super::data::ResultsData;
use super::style::{FONT, colour};
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
    let mut chart = ChartBuilder::on(area)
        .caption(&spec.title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..end.max(1e-9), -0.5f64..shown as f64 - 0.5)?;
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
    for (lane, (name, opens, closes)) in LANES.iter().enumerate() {
        let c = colour(lane);
        let offset = 0.25 - lane as f64 * 0.25;
        let bars: Vec<(u32, f64, f64)> = (0..shown).flat_map(|i| intervals(data, i, opens, closes, end)).collect();
        if bars.is_empty() {
            continue; // e.g. no clients: no client lane
        }
        chart
            .draw_series(bars.iter().map(|&(i, from, to)| {
                Rectangle::new(
                    [(from, i as f64 + offset - 0.1), (to.max(from + end * 0.002), i as f64 + offset + 0.1)],
                    c.filled(),
                )
            }))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    let marks = |event: &'static str| data.trace.iter().filter(move |r| r.event == event && r.instance < shown);
    chart
        .draw_series(marks("crash").map(|r| Cross::new((r.time, r.instance as f64 + 0.25), 5, BLACK.stroke_width(2))))?
        .label("crash")
        .legend(|(x, y)| Cross::new((x + 7, y), 5, BLACK.stroke_width(2)));
    chart
        .draw_series(
            marks("detection").map(|r| TriangleMarker::new((r.time, r.instance as f64 + 0.1), 6, colour(5).filled())),
        )?
        .label("detection")
        .legend(|(x, y)| TriangleMarker::new((x + 7, y), 6, colour(5).filled()));
    chart
        .draw_series(
            marks("false_suspicion").map(|r| Circle::new((r.time, r.instance as f64), 5, colour(3).stroke_width(2))),
        )?
        .label("false suspicion")
        .legend(|(x, y)| Circle::new((x + 7, y), 5, colour(3).stroke_width(2)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
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
