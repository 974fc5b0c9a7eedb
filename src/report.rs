//! `discosim report DIR` (and `run --report`): one self-contained HTML file, `DIR/report.html`,
//! from a results folder's files alone — the scenario as it ran, the manifest's provenance,
//! every chart inline as SVG, the summary table and the verdict tables of `checks.csv` — to
//! attach to a paper's artifact or a review. Nothing in it is fetched: no script, no web font,
//! no link to another file; every text from the folder is escaped.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod folder;
mod html;
mod tables;

use crate::exit::Exit;
use folder::Folder;
use html::{escape, section};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The report's file name in the results folder.
pub(crate) const FILE: &str = "report.html";

/// Why no report was written, with the exit code: 2 for a folder that cannot be read as
/// results, 3 for a write the file system refused.
pub(crate) struct ReportError {
    pub code: Exit,
    pub message: String,
}

/// Reads the results folder `dir` and writes `dir/report.html` (atomically); returns its path.
pub(crate) fn write(dir: &Path) -> Result<PathBuf, ReportError> {
    let folder = Folder::read(dir).map_err(|message| ReportError { code: Exit::BadInput, message })?;
    let path = dir.join(FILE);
    crate::output::write_atomic(&path, render(&folder).as_bytes()).map_err(|e| ReportError {
        code: Exit::CannotWrite,
        message: format!("cannot write {}: {e}", path.display()),
    })?;
    Ok(path)
}

/// The whole page: what a reader looks for first (the charts, the verdicts) first, what it
/// came from last.
fn render(folder: &Folder) -> String {
    let name = folder.field("scenario_name").and_then(|v| v.as_str()).unwrap_or("results");
    let mut body = String::new();
    let _ = writeln!(body, "<h1>discosim report: {}</h1>", escape(name));
    if let Some(description) = resolved(folder, "description").and_then(|v| v.as_str()) {
        let _ = writeln!(body, "<p class=\"description\">{}</p>", escape(description));
    }
    let sections = sections(folder);
    body.push_str(&contents(folder, &sections));
    for (id, title, content) in &sections {
        body.push_str(&section(id, title, content));
    }
    html::page(&format!("{name} — discosim report"), &body)
}

/// The sections in order: (anchor, heading, content).
fn sections(folder: &Folder) -> Vec<(&'static str, &'static str, String)> {
    let mut sections = vec![("charts", "Charts", charts(folder))];
    if let Some(checks) = &folder.checks {
        sections.push(("checks", "Expectations and formula checks", tables::checks(folder, checks)));
    }
    sections.push(("summary", "Summary", tables::summary(folder)));
    sections.push(("provenance", "Provenance", tables::provenance(folder)));
    sections.push(("scenario", "Scenario", scenario(folder)));
    sections
}

/// A key of the resolved scenario.
fn resolved<'f>(folder: &'f Folder, key: &str) -> Option<&'f serde_json::Value> {
    folder.field("resolved_scenario").and_then(|s| s.get(key))
}

/// The table of contents: every section, and every chart under "Charts".
fn contents(folder: &Folder, sections: &[(&str, &str, String)]) -> String {
    let mut out = String::from("<nav id=\"contents\"><h2>Contents</h2>\n<ul>\n");
    for (id, title, _) in sections {
        let _ = writeln!(out, "<li><a href=\"#{id}\">{title}</a>");
        if *id == "charts" && !folder.charts.is_empty() {
            out.push_str("<ul>\n");
            for chart in &folder.charts {
                let (anchor, title) = (chart_anchor(&chart.name), escape(&chart.title));
                let _ = writeln!(out, "<li><a href=\"#{anchor}\">{title}</a></li>");
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul></nav>\n");
    out
}

/// A chart's anchor: its name (a checked file name) escaped.
fn chart_anchor(name: &str) -> String {
    format!("chart-{}", escape(name))
}

/// The scenario as it ran: the resolved table (presets, variants and overrides applied) as TOML.
fn scenario(folder: &Folder) -> String {
    let file = folder.field("scenario_file").and_then(|v| v.as_str()).unwrap_or("?");
    let text = folder
        .field("resolved_scenario")
        .cloned()
        .and_then(|v| toml::Value::try_from(v).ok())
        .and_then(|v| toml::to_string(&v).ok())
        .unwrap_or_default();
    format!(
        "<p>From <code>{}</code>, as it ran (overrides applied; expectations and charts are listed below).</p>\n<pre class=\"toml\">{}</pre>\n",
        escape(file),
        escape(&text)
    )
}

/// Every chart, inline.
fn charts(folder: &Folder) -> String {
    if folder.charts.is_empty() {
        return "<p>No chart in this folder.</p>\n".into();
    }
    let mut out = String::new();
    for chart in &folder.charts {
        let _ = writeln!(
            out,
            "<figure id=\"{}\" class=\"chart\">\n<figcaption>{} <small>({}.svg)</small></figcaption>\n{}\n</figure>",
            chart_anchor(&chart.name),
            escape(&chart.title),
            escape(&chart.name),
            chart.svg.trim()
        );
    }
    out
}
