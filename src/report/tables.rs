//! The report's tables: provenance (from `manifest.json`), the summary (one row per sweep
//! point, the headline metrics with their intervals; every metric in a folded table) and the
//! verdicts of `checks.csv`, one table per expectation.

use super::folder::{CHECK_HEAD, CHECK_TAIL, Folder, Table};
use super::html::{escape, estimate_cell, header_row, number};
use std::fmt::Write;

/// The manifest's provenance as a two-column table.
pub(super) fn provenance(folder: &Folder) -> String {
    let top = |key: &str| folder.field(key).map(shown);
    let run = |key: &str| folder.field("provenance").and_then(|p| p.get(key)).map(shown);
    let scenario = |key: &str| folder.field("resolved_scenario").and_then(|s| s.get(key)).map(shown);
    let command = folder.field("provenance").and_then(|p| p.get("command_line")).and_then(|c| c.as_array());
    let command = command.map(|words| words.iter().map(|w| quoted(&shown(w))).collect::<Vec<_>>().join(" "));
    let seeds = folder.field("replication_seeds").and_then(|s| s.as_array()).map(|s| s.len().to_string());
    let rows = [
        ("scenario", top("scenario_name")),
        ("scenario file", top("scenario_file")),
        ("scenario hash", top("scenario_hash")),
        ("label", folder.label.clone()),
        ("discosim version", top("discosim_version")),
        ("git commit", top("git_commit")),
        ("seed", scenario("seed")),
        ("replications", scenario("replications")),
        ("runs", top("runs")),
        ("replication seeds", seeds.map(|n| format!("{n} (listed in manifest.json)"))),
        ("command", command),
        ("started", run("started")),
        ("finished", run("finished")),
        ("threads", run("threads")),
        ("shard", run("shard").filter(|s| s != "null")),
        ("peak memory (bytes)", run("peak_rss_bytes")),
    ];
    let mut out = String::from("<table class=\"provenance\">\n");
    for (name, value) in rows.iter().filter_map(|(n, v)| v.as_ref().map(|v| (n, v))) {
        let _ = writeln!(out, "<tr><th>{name}</th><td><code>{}</code></td></tr>", escape(value));
    }
    out.push_str("</table>\n");
    out
}

/// A JSON value as text: strings as they are, anything else as JSON.
fn shown(value: &serde_json::Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), String::from)
}

/// A command-line word, quoted for a POSIX shell when it needs it.
fn quoted(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The columns before a summary's metrics: the label (with `--label`) and the swept keys.
fn leading(folder: &Folder) -> usize {
    usize::from(folder.label.is_some()) + folder.swept_keys.len()
}

/// The summary: per sweep point, the metrics the scenario charts and expects and the headline
/// metrics that have a value; then every metric with a value, folded.
pub(super) fn summary(folder: &Folder) -> String {
    let table = &folder.summary;
    let lead = leading(folder);
    let metrics = shown_metrics(folder);
    let mut names: Vec<&str> = table.header.iter().take(lead).map(String::as_str).collect();
    names.extend(metrics.iter().map(String::as_str));
    let mut out = format!(
        "<p>{} sweep point(s); means over the replications with their 95 % confidence intervals beneath. Every metric is in <code>summary.csv</code>.</p>\n<div class=\"scroll\"><table class=\"summary\">\n",
        table.rows.len()
    );
    out.push_str(&header_row(&names));
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row.iter().take(lead) {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        for metric in &metrics {
            out.push_str(&estimate(table, row, metric));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    out.push_str(&every_metric(folder));
    out
}

/// A metric's cell in a summary row.
fn estimate(table: &Table, row: &[String], metric: &str) -> String {
    let cell = |column: &str| table.column(column).and_then(|i| row.get(i)).map_or("", String::as_str);
    estimate_cell(cell(metric), cell(&format!("{metric}.ci_low")), cell(&format!("{metric}.ci_high")))
}

/// The metric columns of the summary (their intervals aside).
fn metric_columns(folder: &Folder) -> impl Iterator<Item = &String> {
    let interval = |c: &&String| c.ends_with(".ci_low") || c.ends_with(".ci_high");
    folder.summary.header.iter().skip(leading(folder)).filter(move |c| !interval(c))
}

/// Whether some sweep point has a value of `metric`.
fn has_value(table: &Table, metric: &str) -> bool {
    table.column(metric).is_some_and(|i| table.rows.iter().any(|r| r.get(i).is_some_and(|c| !c.is_empty())))
}

/// The summary table's metrics: those the charts and expectations name, then the headline
/// metrics of the terminal summary; each once, and only with a value somewhere.
fn shown_metrics(folder: &Folder) -> Vec<String> {
    let plots = folder.field("plots").and_then(|p| p.as_array()).map(Vec::as_slice).unwrap_or_default();
    // A trade-off's x is a metric; other charts' x is a swept key. A CDF's y is a sampled
    // metric, not a summary column.
    let kind = |p: &serde_json::Value| p.get("kind").and_then(|k| k.as_str()).unwrap_or_default().to_string();
    let charted = plots.iter().filter(|p| !matches!(kind(p).as_str(), "cdf" | "timeline")).flat_map(|p| {
        let x = p.get("x").filter(|_| kind(p) == "tradeoff");
        x.into_iter().chain(p.get("y").and_then(|y| y.as_array()).into_iter().flatten())
    });
    let expectations = folder.field("expectations").and_then(|e| e.as_array()).map(Vec::as_slice).unwrap_or_default();
    let expected = expectations.iter().filter_map(|e| e.get("metric"));
    let named: Vec<String> = charted.chain(expected).filter_map(|v| v.as_str().map(String::from)).collect();
    let headline = metric_columns(folder).filter(|m| crate::output::table::is_headline(m)).cloned();
    let mut metrics: Vec<String> = Vec::new();
    for metric in named.into_iter().chain(headline) {
        if !metrics.contains(&metric) && has_value(&folder.summary, &metric) {
            metrics.push(metric);
        }
    }
    metrics
}

/// Every metric with a value, per sweep point, in a folded table.
fn every_metric(folder: &Folder) -> String {
    let table = &folder.summary;
    let lead = leading(folder);
    let mut out = String::from(
        "<details><summary>Every metric with a value (summary.csv)</summary>\n<div class=\"scroll\"><table class=\"every-metric\">\n",
    );
    out.push_str(&header_row(&["sweep point", "metric", "mean [95 % CI]"]));
    for row in &table.rows {
        let point = point_text(table, row, lead);
        for metric in metric_columns(folder) {
            let value = table.column(metric).and_then(|i| row.get(i)).filter(|c| !c.is_empty());
            if value.is_some() {
                let cell = estimate(table, row, metric);
                let _ = writeln!(out, "<tr><td>{}</td><td>{}</td>{cell}</tr>", escape(&point), escape(metric));
            }
        }
    }
    out.push_str("</table></div></details>\n");
    out
}

/// A sweep point as `key = value, …` (its leading cells).
fn point_text(table: &Table, row: &[String], lead: usize) -> String {
    let pairs = table.header.iter().zip(row).take(lead).map(|(k, v)| format!("{k} = {v}"));
    let text = pairs.collect::<Vec<_>>().join(", ");
    if text.is_empty() { "(the one point)".into() } else { text }
}

/// The verdicts: a count, then per expectation its formula and one row per sweep point.
pub(super) fn checks(folder: &Folder, checks: &Table) -> String {
    let verdict = checks.column("verdict");
    let holds = checks.rows.iter().filter(|r| verdict.and_then(|i| r.get(i)).is_some_and(|v| v == "holds")).count();
    let mut out = format!(
        "<p><strong>{holds} of {} verdict(s) hold.</strong> One table per <code>[[expect]]</code>: the formula's prediction against the simulated mean and its 95 % interval, per sweep point (<code>checks.csv</code>).</p>\n",
        checks.rows.len()
    );
    let mut groups: Vec<(&[String], Vec<&Vec<String>>)> = Vec::new();
    for row in &checks.rows {
        let head = row.get(..CHECK_HEAD.len()).unwrap_or_default();
        match groups.iter_mut().find(|(h, _)| *h == head) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((head, vec![row])),
        }
    }
    for (head, rows) in groups {
        out.push_str(&expectation(folder, head, &rows));
    }
    out
}

/// One expectation's table.
fn expectation(folder: &Folder, head: &[String], rows: &[&Vec<String>]) -> String {
    let get = |i: usize| head.get(i).map_or("", String::as_str);
    let failed = rows.iter().filter(|r| r.last().is_some_and(|v| v != "holds")).count();
    let status = if failed == 0 {
        "<span class=\"holds\">holds</span>".to_string()
    } else {
        format!("<span class=\"fails\">fails at {failed} point(s)</span>")
    };
    let mut out = format!(
        "<h3>{} — {status}</h3>\n<p><code>{}</code> = <code>{}</code> ({}, tolerance {})</p>\n<div class=\"scroll\"><table class=\"checks\">\n",
        escape(get(0)),
        escape(get(1)),
        escape(get(2)),
        escape(get(3)),
        number(get(4))
    );
    let mut names: Vec<&str> = folder.swept_keys.iter().map(String::as_str).collect();
    names.extend(["predicted", "simulated [95 % CI]", "min", "max", "deviation %", "verdict"]);
    out.push_str(&header_row(&names));
    let swept = folder.swept_keys.len();
    for row in rows {
        let tail = |name: &str| {
            let at = CHECK_TAIL.iter().position(|c| *c == name).map(|i| CHECK_HEAD.len() + swept + i);
            at.and_then(|i| row.get(i)).map_or("", String::as_str)
        };
        out.push_str("<tr>");
        for cell in row.iter().skip(CHECK_HEAD.len()).take(swept) {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        let _ = write!(out, "<td class=\"num\">{}</td>", number(tail("predicted")));
        out.push_str(&estimate_cell(tail("simulated"), tail("ci_low"), tail("ci_high")));
        for name in ["min", "max", "deviation_pct"] {
            let _ = write!(out, "<td class=\"num\">{}</td>", number(tail(name)));
        }
        let verdict = tail("verdict");
        let class = if verdict == "holds" { "holds" } else { "fails" };
        let _ = writeln!(out, "<td class=\"{class}\">{}</td></tr>", escape(verdict));
    }
    out.push_str("</table></div>\n");
    out
}
