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
    {
        let area = BitMapBackend::new(&png_tmp, style::SIZE).into_drawing_area();
        render(&area, spec, data)?;
        area.present()?;
    }
    {
        let area = SVGBackend::new(&svg_tmp, style::SIZE).into_drawing_area();
        render(&area, spec, data)?;
        area.present()?;
    }
    let mut written = Vec::new();
    for file in files {
        std::fs::rename(scratch.join(&file), dir.join(&file))?;
        written.push(dir.join(file));
    }
    Ok(written)
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

/// The charts a sweep gets when it declares none: the first swept key against the metrics its
/// expectations name (or a headline metric), and the CDF of the headline sampled metric.
pub(crate) fn default_plots(
    swept: &[String],
    expected_metrics: &[String],
    has_clients: bool,
    numeric_x: bool,
) -> Vec<PlotSpec> {
    let headline = if has_clients { "latency" } else { "detection_time" };
    let mut y: Vec<String> = expected_metrics.to_vec();
    y.dedup();
    if y.is_empty() {
        y.push(if has_clients { "success_ratio".into() } else { format!("{headline}.mean") });
    }
    let mut plots = Vec::new();
    if let Some(x) = swept.first() {
        let kind = if numeric_x { Kind::Line } else { Kind::Bar };
        plots.push(PlotSpec {
            name: "chart".into(),
            kind,
            title: format!("{} versus {x}", y.join(", ")),
            x: Some(x.clone()),
            y,
            series: swept.get(1).cloned(),
            log_x: false,
            log_y: false,
            along: None,
            pareto: None,
        });
    }
    plots.push(PlotSpec {
        name: format!("{headline}-cdf"),
        kind: Kind::Cdf,
        title: format!("CDF of {headline}"),
        x: None,
        y: vec![headline.into()],
        series: None,
        log_x: false,
        log_y: false,
        along: None,
        pareto: None,
    });
    plots.push(PlotSpec {
        name: "timeline".into(),
        kind: Kind::Timeline,
        title: "Timeline of the traced run".into(),
        x: None,
        y: Vec::new(),
        series: None,
        log_x: false,
        log_y: false,
        along: None,
        pareto: None,
    });
    plots
}
