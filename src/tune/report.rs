//! What `discosim tune` shows: the chosen setting with its measured metrics and intervals on
//! stdout, and `tune.csv`, one row per candidate evaluated, in the order they ran.

use super::search::Outcome;
use super::{Evaluation, setting_text};
use crate::output::{csv_bytes, format_number};
use crate::scenario::tune::TuneSpec;
use crate::stats::Estimate;

/// The metrics with estimate columns: each requirement's, then the objective, each once.
fn metrics(spec: &TuneSpec) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for name in spec.requirements.iter().map(|r| r.metric.as_str()).chain([spec.minimize.as_str()]) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// `tune.csv`: candidate number, stage, the knobs (durations in seconds), replications run,
/// feasible and chosen (0/1), each metric's mean and interval, each requirement's verdict.
pub(crate) fn csv(spec: &TuneSpec, outcome: &Outcome) -> Vec<u8> {
    let mut header: Vec<String> = vec!["candidate".into(), "stage".into()];
    header.extend(spec.knobs.iter().map(|k| k.key.clone()));
    header.extend(["replications", "feasible", "chosen"].map(String::from));
    for m in metrics(spec) {
        header.extend([m.to_string(), format!("{m}.ci_low"), format!("{m}.ci_high")]);
    }
    header.extend(spec.requirements.iter().map(|r| r.text.clone()));
    let rows: Vec<Vec<String>> =
        outcome.evaluations.iter().enumerate().map(|(i, e)| row(spec, i, e, outcome.best == Some(i))).collect();
    csv_bytes(&header, &rows)
}

fn row(spec: &TuneSpec, index: usize, e: &Evaluation, chosen: bool) -> Vec<String> {
    let mut row = vec![index.to_string(), e.stage.to_string()];
    row.extend(e.values.iter().map(|v| format_number(*v)));
    row.extend([e.replications.to_string(), u8::from(e.feasible()).to_string(), u8::from(chosen).to_string()]);
    for m in metrics(spec) {
        let estimate = estimate_of(spec, e, m);
        row.extend([estimate.mean, estimate.ci_low, estimate.ci_high].map(format_number));
    }
    row.extend(e.requirements.iter().map(|(_, v)| v.name().to_string()));
    row
}

fn estimate_of(spec: &TuneSpec, e: &Evaluation, metric: &str) -> Estimate {
    let from_requirement = spec.requirements.iter().zip(&e.requirements).find(|(r, _)| r.metric == metric);
    from_requirement.map_or(e.objective, |(_, (estimate, _))| *estimate)
}

/// The terminal summary: the choice and what it measured, or why there is none.
pub(crate) fn table(spec: &TuneSpec, outcome: &Outcome) -> String {
    let runs: u32 = outcome.evaluations.iter().map(|e| e.replications).sum();
    let mut out = format!("{} candidate(s) evaluated, {runs} replication(s) in all\n", outcome.evaluations.len());
    let Some(chosen) = outcome.best.and_then(|i| outcome.evaluations.get(i).map(|e| (i, e))) else {
        out.push_str("no setting in the ranges meets every requirement (undecided counts as not meeting)\n");
        return out;
    };
    let (index, e) = chosen;
    let setting = setting_text(spec, &e.values);
    out.push_str(&format!("chosen: {setting} (candidate {index}, {} replications)\n", e.replications));
    let level = format!("{}% interval", format_number(spec.confidence * 100.0));
    out.push_str(&format!("  {:<44} {:>12}  {:<28} verdict\n", "", "mean", level));
    for (r, (estimate, verdict)) in spec.requirements.iter().zip(&e.requirements) {
        out.push_str(&format!("  {:<44} {}  {}\n", r.text, cells(estimate), verdict.name()));
    }
    out.push_str(&format!("  {:<44} {}  minimised\n", spec.minimize, cells(&e.objective)));
    out
}

fn cells(e: &Estimate) -> String {
    let interval = format!("[{}, {}]", format_number(e.ci_low), format_number(e.ci_high));
    format!("{:>12}  {interval:<28}", format_number(e.mean))
}
