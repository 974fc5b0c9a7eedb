//! Reading a results folder for the report: `manifest.json` (through `compare`'s reader, so
//! both commands check a folder alike), `summary.csv`, `checks.csv` and the charts' SVG files.
//! Every file is input: an error names the file and says what is wrong.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use crate::compare::folder::{keys_and_label, read_manifest};
use crate::input::{MAX_RESULTS_FILE_BYTES, read_bytes, read_text};
use crate::results::LABEL_COLUMN;
use std::path::Path;

/// Largest chart file the report inlines: discosim's are well under a megabyte.
const MAX_SVG_BYTES: u64 = 64 << 20;

/// The columns of `checks.csv` before the swept keys, and after them.
pub(super) const CHECK_HEAD: [&str; 5] = ["expectation", "metric", "formula", "holds", "tolerance"];
pub(super) const CHECK_TAIL: [&str; 8] =
    ["predicted", "simulated", "ci_low", "ci_high", "min", "max", "deviation_pct", "verdict"];

/// A CSV file as text: its header and rows, every row as long as the header.
pub(super) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The index of a column.
    pub(super) fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// One chart: its name (its files' stem), title and SVG text.
pub(super) struct Chart {
    pub name: String,
    pub title: String,
    pub svg: String,
}

/// A results folder as the report shows it.
pub(super) struct Folder {
    pub manifest: serde_json::Value,
    pub swept_keys: Vec<String>,
    pub label: Option<String>,
    pub summary: Table,
    /// `checks.csv`, when the scenario has expectations.
    pub checks: Option<Table>,
    pub charts: Vec<Chart>,
}

impl Folder {
    /// Reads what the report shows from `dir`.
    pub(super) fn read(dir: &Path) -> Result<Folder, String> {
        if !dir.is_dir() {
            return Err(format!("{}: not a results folder (no such folder)", dir.display()));
        }
        let path = dir.join("manifest.json");
        let manifest = read_manifest(&path)?;
        let (swept_keys, label) = keys_and_label(&path, &manifest)?;
        if !manifest.get("resolved_scenario").is_some_and(serde_json::Value::is_object) {
            return Err(format!("{}: key `resolved_scenario`: missing or not a table", path.display()));
        }
        let leading: Vec<String> = label.iter().map(|_| LABEL_COLUMN.to_string()).chain(swept_keys.clone()).collect();
        let summary = csv_table(&dir.join("summary.csv"), &leading)?;
        let checks = read_checks(dir, &manifest, &swept_keys)?;
        let charts = read_charts(dir, &manifest)?;
        Ok(Folder { manifest, swept_keys, label, summary, checks, charts })
    }

    /// A top-level key of the manifest.
    pub(super) fn field(&self, key: &str) -> Option<&serde_json::Value> {
        self.manifest.get(key)
    }
}

/// A CSV file whose first columns must be `leading`.
fn csv_table(path: &Path, leading: &[String]) -> Result<Table, String> {
    let at = |line: u64, what: &dyn std::fmt::Display| format!("{}:{line}: {what}", path.display());
    let bytes = read_bytes(path, MAX_RESULTS_FILE_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().map_err(|e| at(1, &e))?.iter().map(String::from).collect();
    if !header.iter().take(leading.len()).eq(leading.iter()) {
        let message = format!("the first columns are not `{}` (the manifest's swept keys)", leading.join(","));
        return Err(at(1, &message));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| at(e.position().map_or(0, |p| p.line()), &e))?;
        rows.push(record.iter().map(String::from).collect());
    }
    Ok(Table { header, rows })
}

/// `checks.csv`: required when the manifest lists expectations, with its columns in order.
fn read_checks(dir: &Path, manifest: &serde_json::Value, swept: &[String]) -> Result<Option<Table>, String> {
    let path = dir.join("checks.csv");
    let expects = manifest.get("expectations").and_then(|e| e.as_array()).is_some_and(|e| !e.is_empty());
    if !expects && !path.exists() {
        return Ok(None);
    }
    let head = CHECK_HEAD.iter().map(|c| c.to_string()).chain(swept.iter().cloned());
    let columns: Vec<String> = head.chain(CHECK_TAIL.iter().map(|c| c.to_string())).collect();
    let table = csv_table(&path, &columns)?;
    if table.header.len() != columns.len() {
        return Err(format!("{}:1: the columns are not `{}`", path.display(), columns.join(",")));
    }
    Ok(Some(table))
}

/// The charts the manifest lists, with their SVG files; a timeline's only if the run was
/// traced (it is drawn only then).
fn read_charts(dir: &Path, manifest: &serde_json::Value) -> Result<Vec<Chart>, String> {
    let plots = manifest.get("plots").and_then(|p| p.as_array()).map(Vec::as_slice).unwrap_or_default();
    let mut charts = Vec::new();
    for plot in plots {
        let text = |key: &str| plot.get(key).and_then(|v| v.as_str()).map(String::from);
        let (Some(name), Some(kind)) = (text("name"), text("kind")) else {
            return Err(format!("{}: a chart without a name or kind", dir.join("manifest.json").display()));
        };
        crate::input::check_name(&name).map_err(|e| format!("manifest.json: chart `{}`: {e}", name.escape_debug()))?;
        let path = dir.join(format!("{name}.svg"));
        if kind == "timeline" && !path.exists() {
            continue;
        }
        let svg = read_text(&path, MAX_SVG_BYTES).map_err(|e| {
            format!("{}: {e} (redraw the charts with `discosim plot {}`)", path.display(), dir.display())
        })?;
        check_svg(&svg).map_err(|e| format!("{}: {e}", path.display()))?;
        charts.push(Chart { title: text("title").unwrap_or_else(|| name.clone()), name, svg });
    }
    Ok(charts)
}

/// What must not be in a chart inlined in a page: scripts, event handlers, links and
/// embedded documents (discosim draws none of them; a file holding one was not drawn by it).
const ACTIVE: &[&str] =
    &["<script", "<foreignobject", "<iframe", "<image", "<use", "href", "javascript:", "url(", "@import"];

/// An SVG drawing discosim could have drawn: one `<svg>` element and nothing active in it.
fn check_svg(svg: &str) -> Result<(), String> {
    let trimmed = svg.trim();
    if !trimmed.starts_with("<svg") || !trimmed.ends_with("</svg>") {
        return Err("is not an SVG drawing (it must start with `<svg` and end with `</svg>`)".into());
    }
    let lower = trimmed.to_ascii_lowercase();
    if let Some(found) = ACTIVE.iter().find(|a| lower.contains(*a)) {
        return Err(format!("holds `{found}`, which discosim's charts never do: refusing to inline it"));
    }
    if let Some(handler) = event_handler(&lower) {
        return Err(format!("holds an event handler `{handler}`, which discosim's charts never do"));
    }
    Ok(())
}

/// The first attribute named `on…` (an event handler) inside a tag, if any.
fn event_handler(lower: &str) -> Option<String> {
    let tags = lower.split('<').filter_map(|rest| rest.split('>').next());
    tags.flat_map(|tag| tag.match_indices("on").map(move |(at, _)| (tag, at))).find_map(|(tag, at)| {
        let before = tag.get(..at)?.chars().next_back()?;
        let name: String = tag.get(at..)?.chars().take_while(char::is_ascii_alphabetic).collect();
        let after = tag.get(at + name.len()..)?.trim_start();
        (before.is_ascii_whitespace() && name.len() > 2 && after.starts_with('=')).then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::check_svg;

    #[test]
    fn charts_with_active_content_are_refused() {
        let ok = "<svg width=\"1\">\n<text x=\"1\">once = not an attribute</text>\n</svg>\n";
        assert!(check_svg(ok).is_ok());
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=\"alert(1)\"></svg>",
            "<svg><rect\nONCLICK = 'x'/></svg>",
            "<svg><a href=\"https://example.org\">x</a></svg>",
            "<html></html>",
        ] {
            assert!(check_svg(bad).is_err(), "{bad}");
        }
    }
}
