//! Charts (PNG and SVG) drawn from a results folder's files alone — `summary.csv`,
//! `checks.csv`, `cdf.csv`, `trace.csv` and the `plots` of `manifest.json` — so that
//! `discosim plot DIR` redraws exactly what `discosim run` drew, without simulating.
//!
//! Kinds: `line` (metrics against a swept parameter, 95 % CI error bars, one line per series,
//! every `[[expect]]` formula on the same metric as a dashed line), `bar` (metrics across
//! the values of a swept key, e.g. strategies, grouped when there are several), `cdf` (the distribution of a sampled metric per
//! sweep point), `timeline` (one traced run, per instance: truth, registry, clients) and
//! `tradeoff` (one metric against another as a swept key moves, Pareto-optimal points marked).
//! Legends sit in a band below the plot area (`legend`), never over the data.

mod axes;
mod bar;
mod bitmap;
mod cdf;
mod data;
mod legend;
mod line;
mod style;
mod timeline;
mod tradeoff;

pub(crate) use data::ResultsData;
pub(crate) use data::axis_value as data_axis_value;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

pub(crate) use crate::results::declared::{Kind, PlotSpec};

pub(crate) type ChartResult = Result<(), Box<dyn std::error::Error>>;

/// Draws every chart of a results folder; returns the files written. Charts are drawn in a
/// private temporary folder inside `dir` (so nothing planted in `dir` is written through,
/// and nothing is left behind on an error) and renamed into place.
pub fn draw_all(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let data = ResultsData::read(dir)?;
    let scratch = tempfile::Builder::new()
        .prefix(crate::output::folder::TEMPORARY_PREFIX)
        .tempdir_in(dir)
        .map_err(|e| format!("cannot create a temporary folder in {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for spec in &data.plots {
        if spec.kind == Kind::Timeline && data.trace.is_empty() {
            continue; // drawn only when the run was traced
        }
        written.extend(draw(dir, scratch.path(), spec, &data).map_err(|e| format!("chart `{}`: {e}", spec.name))?);
    }
    Ok(written)
}

/// Draws one chart as PNG and SVG into `scratch`, then renames both into `dir`.
fn draw(
    dir: &Path,
    scratch: &Path,
    spec: &PlotSpec,
    data: &ResultsData,
) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    style::register_font();
    let files = [format!("{}.png", spec.name), format!("{}.svg", spec.name)];
    let (png_tmp, svg_tmp) = (scratch.join(&files[0]), scratch.join(&files[1]));
    draw_both(&png_tmp, &svg_tmp, spec, data)?;
    let mut written = Vec::new();
    for file in files {
        std::fs::rename(scratch.join(&file), dir.join(&file))?;
        written.push(dir.join(file));
    }
    Ok(written)
}

/// Draws one chart as PNG and SVG. The PNG (drawing, then encoding) costs several times the
/// SVG: drawing the SVG meanwhile on a second thread takes it off a run's critical path. Each
/// file is the same either way, and without a second thread both are drawn on this one.
fn draw_both(png: &Path, svg: &Path, spec: &PlotSpec, data: &ResultsData) -> ChartResult {
    std::thread::scope(|scope| {
        let svg_drawn = || draw_svg(svg, spec, data).map_err(|e| e.to_string());
        let thread = std::thread::Builder::new().name("svg".into()).spawn_scoped(scope, svg_drawn);
        let png_drawn = bitmap::draw_png(png, |area| render(area, spec, data));
        let svg_drawn = match thread {
            Ok(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => svg_drawn(),
        };
        png_drawn.and(svg_drawn.map_err(Into::into))
    })
}

/// Draws one chart as SVG into `path`.
fn draw_svg(path: &Path, spec: &PlotSpec, data: &ResultsData) -> ChartResult {
    let area = SVGBackend::new(path, style::SIZE).into_drawing_area();
    render(&area, spec, data)?;
    Ok(area.present()?)
}

fn render<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &PlotSpec, data: &ResultsData) -> ChartResult
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    match spec.kind {
        Kind::Line => line::draw(area, spec, data),
        Kind::Bar => bar::draw(area, spec, data),
        Kind::Cdf => cdf::draw(area, spec, data),
        Kind::Timeline => timeline::draw(area, spec, data),
        Kind::Tradeoff => tradeoff::draw(area, spec, data),
    }
}

/// What a scenario without `[[plot]]` varies and measures: its default charts follow from it.
pub(crate) struct Question<'a> {
    /// The swept keys, in order (the first is the x axis, the second the series).
    pub swept: &'a [String],
    /// The metrics its `[[expect]]` tables name, in order.
    pub expected: &'a [String],
    /// Whether it has clients (a request path): then it asks about routing.
    pub has_clients: bool,
    /// Whether the first swept key's values are numbers or durations (a line, else bars).
    pub numeric_x: bool,
}

/// The headline metrics of a question that names none: for routing, whether requests succeed
/// and how long clients route to dead instances; for detection, the detection time and the
/// mistake rate. One chart each (their units differ).
fn headline(has_clients: bool) -> [&'static str; 2] {
    if has_clients {
        ["success_ratio", "stale_route_time.mean"]
    } else {
        ["detection_time.mean", "false_suspicion_rate"]
    }
}

/// The charts a scenario gets when it declares none: the metrics it expects (or its question's
/// headline metrics) against the first swept key, one chart per unit; the distribution of the
/// sampled metric it expects (detection time for a detection question; latency for a routing
/// question without a sweep, whose bars are then missing); the timeline of a traced run.
pub(crate) fn default_plots(question: &Question) -> Vec<PlotSpec> {
    let mut plots = versus_key(question);
    let sampled = question.expected.iter().map(|m| m.split(['.', '@']).next().unwrap_or(m));
    let expected_sampled = sampled.into_iter().find(|m| crate::metrics::SAMPLED.contains(m));
    let cdf = match (expected_sampled, question.has_clients) {
        (Some(metric), _) => Some(metric),
        (None, false) => Some("detection_time"),
        (None, true) => question.swept.is_empty().then_some("latency"),
    };
    if let Some(metric) = cdf {
        plots.push(plain(format!("{metric}-cdf"), Kind::Cdf, format!("CDF of {metric}"), vec![metric.into()]));
    }
    plots.push(plain("timeline".into(), Kind::Timeline, "Timeline of the traced run".into(), Vec::new()));
    plots
}

/// Metrics against the first swept key: the expected ones (each once), else the headline
/// ones; grouped by unit, one chart per unit (`chart`, `chart-2`, …).
fn versus_key(question: &Question) -> Vec<PlotSpec> {
    let Some(x) = question.swept.first() else { return Vec::new() };
    let mut metrics: Vec<String> = Vec::new();
    for metric in question.expected {
        if !metrics.contains(metric) {
            metrics.push(metric.clone());
        }
    }
    if metrics.is_empty() {
        metrics = headline(question.has_clients).map(String::from).to_vec();
    }
    let mut groups: Vec<Vec<String>> = Vec::new();
    for metric in metrics {
        match groups.iter_mut().find(|g| g.first().is_some_and(|m| style::unit(m) == style::unit(&metric))) {
            Some(group) => group.push(metric),
            None => groups.push(vec![metric]),
        }
    }
    let kind = if question.numeric_x { Kind::Line } else { Kind::Bar };
    let name = |i: usize| if i == 0 { "chart".to_string() } else { format!("chart-{}", i + 1) };
    let chart = |(i, y): (usize, Vec<String>)| PlotSpec {
        x: Some(x.clone()),
        series: question.swept.get(1).cloned(),
        ..plain(name(i), kind, format!("{} versus {x}", y.join(", ")), y)
    };
    groups.into_iter().enumerate().map(chart).collect()
}

/// A chart with no axis keys, series or options set.
fn plain(name: String, kind: Kind, title: String, y: Vec<String>) -> PlotSpec {
    PlotSpec { name, kind, title, x: None, y, series: None, log_x: false, log_y: false, along: None, pareto: None }
}
