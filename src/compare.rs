//! `discosim compare A B [...]`: the metrics of results folders side by side, point by point
//! (points matched by their swept values), with the difference and a two-sided t-test on the
//! replications: paired when both folders ran every replication with the same seed (common
//! random numbers), Welch's otherwise. Reads `runs.csv` and `manifest.json`; writes nothing.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub(crate) mod folder;

use crate::params::error::closest;
use crate::stats::{TTest, paired, welch};
use folder::{Folder, PointRuns};
use std::fmt::Write;
use std::path::PathBuf;

/// What to compare and how strictly.
pub(crate) struct Options {
    /// The metrics to compare (empty: every metric both folders report).
    pub metrics: Vec<String>,
    /// A difference is significant when its p-value is below this.
    pub alpha: f64,
}

/// One metric at one point: the two means and the test of their difference.
struct Row {
    metric: String,
    a: f64,
    b: f64,
    test: TTest,
}

/// Folder B against folder A, point by point.
struct Comparison {
    paired: bool,
    /// Per point of A (its swept values as text): the rows.
    points: Vec<(String, Vec<Row>)>,
}

/// Compares every folder after the first with the first: the table to print, and whether
/// some metric differs significantly. An error names the file and what is wrong.
pub(crate) fn compare(dirs: &[PathBuf], options: &Options) -> Result<(String, bool), String> {
    let folders: Vec<Folder> = dirs.iter().map(|d| Folder::read(d)).collect::<Result<_, _>>()?;
    let Some((a, others)) = folders.split_first() else {
        return Err("name at least two results folders".into());
    };
    if others.is_empty() {
        return Err(format!("{}: name a second results folder to compare it with", a.dir.display()));
    }
    let mut out = String::new();
    let mut differs = false;
    for b in others {
        let comparison = compare_two(a, b, options)?;
        differs |= comparison.points.iter().flat_map(|(_, rows)| rows).any(|r| r.test.p < options.alpha);
        render(&mut out, a, b, &comparison, options.alpha);
    }
    Ok((out, differs))
}

fn compare_two(a: &Folder, b: &Folder, options: &Options) -> Result<Comparison, String> {
    let matched = match_points(a, b)?;
    let metrics = chosen_metrics(a, b, &options.metrics)?;
    let paired = matched.iter().all(|(pa, pb)| same_seeds(pa, pb));
    let points = matched
        .iter()
        .map(|(pa, pb)| (describe(pa), metrics.iter().map(|m| row(a, b, pa, pb, m, paired)).collect()))
        .collect();
    Ok(Comparison { paired, points })
}

fn row(a: &Folder, b: &Folder, pa: &PointRuns, pb: &PointRuns, metric: &str, paired_test: bool) -> Row {
    let (va, vb) = (a.values(pa, metric), b.values(pb, metric));
    let test = if paired_test { paired(&va, &vb) } else { welch(&va, &vb) };
    Row { metric: metric.to_string(), a: mean(&va), b: mean(&vb), test }
}

fn mean(values: &[f64]) -> f64 {
    crate::stats::estimate(values).mean
}

/// Every point of A with the point of B of the same swept values; both folders must sweep the
/// same keys over the same points.
fn match_points<'f>(a: &'f Folder, b: &'f Folder) -> Result<Vec<(&'f PointRuns, &'f PointRuns)>, String> {
    let sorted = |keys: &[String]| {
        let mut keys = keys.to_vec();
        keys.sort();
        keys
    };
    if sorted(&a.swept_keys) != sorted(&b.swept_keys) {
        return Err(format!(
            "{} sweeps [{}] but {} sweeps [{}]: compare folders of one sweep",
            a.dir.display(),
            a.swept_keys.join(", "),
            b.dir.display(),
            b.swept_keys.join(", ")
        ));
    }
    let missing = |p: &PointRuns, from: &Folder, to: &Folder| {
        format!("{}: the sweep point [{}] is not in {}", from.dir.display(), describe(p), to.dir.display())
    };
    if let Some(p) = b.points.iter().find(|pb| find(a, pb).is_none()) {
        return Err(missing(p, b, a));
    }
    a.points.iter().map(|pa| find(b, pa).map(|pb| (pa, pb)).ok_or_else(|| missing(pa, a, b))).collect()
}

/// The point of `folder` with the swept values of `point` (whatever the keys' column order).
fn find<'f>(folder: &'f Folder, point: &PointRuns) -> Option<&'f PointRuns> {
    let same = |p: &PointRuns| point.params.iter().all(|kv| p.params.contains(kv));
    folder.points.iter().find(|p| same(p))
}

/// Whether both points ran the same replications with the same seeds: then replication r of
/// each drew the same random numbers, and the paired test applies.
fn same_seeds(a: &PointRuns, b: &PointRuns) -> bool {
    a.runs.len() == b.runs.len()
        && a.runs.iter().zip(&b.runs).all(|(x, y)| x.replication == y.replication && x.seed == y.seed)
}

/// `--metric`s (each must be a column of both folders), or every metric both report.
fn chosen_metrics(a: &Folder, b: &Folder, asked: &[String]) -> Result<Vec<String>, String> {
    let common: Vec<&String> = a.metrics.iter().filter(|m| b.metrics.contains(m)).collect();
    if asked.is_empty() {
        return Ok(common.into_iter().cloned().collect());
    }
    for metric in asked {
        if !common.contains(&metric) {
            let hint = closest(metric, common.iter().map(|m| m.as_str())).map(|c| format!("; did you mean `{c}`?"));
            return Err(format!(
                "--metric {metric}: not a metric of both {} and {} (see the columns of their runs.csv){}",
                a.dir.display(),
                b.dir.display(),
                hint.unwrap_or_default()
            ));
        }
    }
    Ok(asked.to_vec())
}

fn describe(point: &PointRuns) -> String {
    let values: Vec<String> = point.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    if values.is_empty() { "the only point".into() } else { values.join(", ") }
}

/// A folder's name in the table: its label, else its path.
fn name(folder: &Folder) -> String {
    folder.label.clone().unwrap_or_else(|| folder.dir.display().to_string())
}

fn render(out: &mut String, a: &Folder, b: &Folder, comparison: &Comparison, alpha: f64) {
    let test = if comparison.paired {
        "paired t-test (every replication ran with the same seed in both: common random numbers)"
    } else {
        "Welch's t-test (the folders' replications ran with different seeds)"
    };
    let _ = writeln!(out, "A = {}, B = {}: {test}; significant: p < {alpha}", name(a), name(b));
    for (point, rows) in &comparison.points {
        let _ = writeln!(out, "\n[{point}]");
        let _ = writeln!(
            out,
            "  {:<32} {:>12} {:>12} {:>12} {:>9} {:>9}  significant",
            "metric", "A mean", "B mean", "B - A", "relative", "p-value"
        );
        rows.iter().for_each(|r| render_row(out, r, alpha));
    }
    let rows = comparison.points.iter().flat_map(|(_, rows)| rows);
    let tested = rows.clone().filter(|r| !r.test.p.is_nan()).count();
    let significant = rows.filter(|r| r.test.p < alpha).count();
    let _ = writeln!(out, "\n{significant} of {tested} tested difference(s) significant at p < {alpha}\n");
}

fn render_row(out: &mut String, r: &Row, alpha: f64) {
    let significant = if r.test.p.is_nan() {
        "-"
    } else if r.test.p < alpha {
        "yes"
    } else {
        "no"
    };
    let _ = writeln!(
        out,
        "  {:<32} {:>12} {:>12} {:>12} {:>9} {:>9}  {significant}",
        r.metric,
        short(r.a),
        short(r.b),
        short(r.b - r.a),
        relative(r.a, r.b),
        p_value(r.test.p)
    );
}

/// A number to 4 significant digits; `-` when undefined.
fn short(value: f64) -> String {
    if !value.is_finite() {
        return "-".into();
    }
    let rounded: f64 = format!("{value:.3e}").parse().unwrap_or(value);
    format!("{rounded}")
}

/// (B − A) / |A| as a percentage; `-` when A is 0 (unless B is 0 too) or undefined.
fn relative(a: f64, b: f64) -> String {
    if a == b {
        return "0%".into();
    }
    let r = (b - a) / a.abs();
    if r.is_finite() { format!("{:+.3}%", 100.0 * r) } else { "-".into() }
}

fn p_value(p: f64) -> String {
    match p {
        p if p.is_nan() => "-".into(),
        p if p < 1e-4 => "<0.0001".into(),
        p => format!("{p:.4}"),
    }
}
