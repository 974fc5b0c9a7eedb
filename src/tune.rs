//! `discosim tune`: finds the setting of a scenario's `[tune]` knobs that meets every
//! requirement with the smallest objective. A candidate runs replications until the
//! confidence interval of each requirement's metric lies on one side of its bound (or the cap
//! is reached: undecided, treated as not meeting), so the runs go where the answer is close;
//! `search` chooses the candidates (a grid, then refinement around the best feasible one);
//! `report` prints the choice and renders the CSV of every candidate.

pub(crate) mod report;
pub(crate) mod search;

use crate::results::RunRecord;
use crate::run::{Job, run_jobs};
use crate::scenario::tune::{Knob, KnobKind, Requirement, TuneSpec};
use crate::scenario::{LoadedScenario, Origin, Override, ScenarioError, locate};
use crate::stats::{Estimate, estimate_at, within};
use std::path::Path;
use std::sync::Mutex;

/// Where a requirement stands at a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The whole interval is on the allowed side of the bound.
    Met,
    /// The whole interval is on the wrong side (or the metric is undefined in every run).
    Violated,
    /// The interval straddles the bound after the most replications allowed.
    Undecided,
}

impl Verdict {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Violated => "violated",
            Verdict::Undecided => "undecided",
        }
    }
}

/// One candidate setting and what its replications measured.
#[derive(Clone, Debug)]
pub(crate) struct Evaluation {
    /// The knobs' values, in `TuneSpec::knobs` order (seconds for durations).
    pub values: Vec<f64>,
    /// `grid` or `refine`.
    pub stage: &'static str,
    pub replications: u32,
    /// One per requirement, in the table's order.
    pub requirements: Vec<(Estimate, Verdict)>,
    pub objective: Estimate,
}

impl Evaluation {
    /// Meets every requirement (undecided ones count as not meeting).
    pub(crate) fn feasible(&self) -> bool {
        self.requirements.iter().all(|(_, v)| *v == Verdict::Met)
    }

    fn decided(&self) -> bool {
        self.feasible() || self.requirements.iter().any(|(_, v)| *v == Verdict::Violated)
    }
}

/// What the search needs to run a candidate: the scenario's text (parsed again with the knobs
/// set, as `--set` would), the user's own overrides, and the worker threads.
pub(crate) struct Tuner<'a> {
    pub spec: &'a TuneSpec,
    pub text: &'a str,
    pub file: &'a Path,
    pub overrides: &'a [Override],
    pub threads: usize,
}

impl Tuner<'_> {
    /// The scenario with the knobs set to `values`. An error the knob causes is placed on the
    /// knob's entry in `[tune.knobs]`, with the scenario's own message (allowed values, a
    /// suggestion for a near miss).
    pub(crate) fn load(&self, values: &[f64]) -> Result<LoadedScenario, ScenarioError> {
        let label = self.file.display().to_string();
        let base_dir = self.file.parent().unwrap_or(Path::new("."));
        let mut all = self.overrides.to_vec();
        let knobs = self.spec.knobs.iter().zip(values);
        all.extend(knobs.map(|(k, v)| Override::from_option(&k.key, knob_value(k, *v), knob_option(k))));
        let mut loaded = crate::scenario::parse(self.text, &label, base_dir, &all).map_err(|e| self.on_knob(e))?;
        loaded.file = self.file.to_path_buf();
        if loaded.points.len() != 1 {
            return Err(self.one_point_error(loaded.points.len()));
        }
        Ok(loaded)
    }

    fn on_knob(&self, mut error: ScenarioError) -> ScenarioError {
        let Origin::CommandLine { option } = &error.origin else { return error };
        let Some(knob) = self.spec.knobs.iter().find(|k| *option == knob_option(k)) else { return error };
        if let Some(origin) = position(self.text, &format!("tune.knobs.\"{}\"", knob.key)) {
            error.origin = origin;
        }
        error
    }

    fn one_point_error(&self, points: usize) -> ScenarioError {
        let message = format!(
            "tune tries one setting at a time, but the scenario has {points} sweep points: \
             remove its [sweep] and variants, or pin them with --set"
        );
        let error = crate::scenario::KeyError::new("sweep", message);
        let origin = position(self.text, "sweep").or_else(|| position(self.text, "variant")).unwrap_or(Origin::File);
        ScenarioError { file: self.file.display().to_string(), origin, error: Box::new(error) }
    }

    /// Runs replications at `values` until every requirement is decided or the cap is reached:
    /// `min_replications` first, then twice as many each round.
    pub(crate) fn evaluate(&self, values: &[f64], stage: &'static str) -> Result<Evaluation, ScenarioError> {
        let loaded = self.load(values)?;
        let mut records = Vec::new();
        let mut target = self.spec.min_replications;
        loop {
            self.run_more(&loaded, &mut records, target);
            let evaluation = self.judge(values, stage, &records);
            if evaluation.decided() || target >= self.spec.max_replications {
                return Ok(evaluation);
            }
            target = target.saturating_mul(2).min(self.spec.max_replications);
        }
    }

    /// Runs replications `records.len()..target`; records end sorted by replication, so the
    /// result does not depend on the threads.
    fn run_more(&self, loaded: &LoadedScenario, records: &mut Vec<RunRecord>, target: u32) {
        let jobs: Vec<Job> = (records.len() as u32..target).map(|replication| Job { point: 0, replication }).collect();
        let done = Mutex::new(Vec::new());
        run_jobs(loaded, &jobs, self.threads, |record| {
            done.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(record);
        });
        records.extend(done.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner));
        records.sort_by_key(|r| r.replication);
    }

    fn judge(&self, values: &[f64], stage: &'static str, records: &[RunRecord]) -> Evaluation {
        let estimate = |metric: &str| {
            let samples: Vec<f64> = records.iter().map(|r| r.metrics.get(metric).unwrap_or(f64::NAN)).collect();
            within(estimate_at(&samples, self.spec.confidence), crate::metrics::range(metric))
        };
        let requirements = self.spec.requirements.iter().map(|r| {
            let e = estimate(&r.metric);
            (e, verdict(&e, r))
        });
        Evaluation {
            values: values.to_vec(),
            stage,
            replications: records.len() as u32,
            requirements: requirements.collect(),
            objective: estimate(&self.spec.minimize),
        }
    }
}

/// Where `path` is written in `text`, if it is.
fn position(text: &str, path: &str) -> Option<Origin> {
    let span = locate::span_of(text, path)?;
    let (line, column) = locate::line_column(text, span.start);
    Some(Origin::Position { line, column })
}

/// Met when the interval lies on the allowed side of the bound, violated when it lies on the
/// other side or the metric is undefined in every run (no crash to detect, say), otherwise
/// undecided. An interval touching the bound counts as on its side: a metric that is exactly
/// the bound in every run meets `<=`.
fn verdict(e: &Estimate, r: &Requirement) -> Verdict {
    if e.n == 0 {
        return Verdict::Violated;
    }
    if e.ci_low.is_nan() || e.ci_high.is_nan() {
        return Verdict::Undecided;
    }
    let (inside, outside) =
        if r.at_most { (e.ci_high <= r.bound, e.ci_low > r.bound) } else { (e.ci_low >= r.bound, e.ci_high < r.bound) };
    match (inside, outside) {
        (true, _) => Verdict::Met,
        (_, true) => Verdict::Violated,
        _ => Verdict::Undecided,
    }
}

/// A knob's value as the scenario takes it: a duration in whole nanoseconds, an integer, or a
/// number.
fn knob_value(knob: &Knob, value: f64) -> toml::Value {
    match knob.kind {
        KnobKind::Duration => toml::Value::String(format!("{}ns", (value * 1e9).round() as u64)),
        KnobKind::Integer => toml::Value::Integer(value.round() as i64),
        KnobKind::Number => toml::Value::Float(value),
    }
}

/// How a knob appears in the errors its values cause before they are placed on its entry.
fn knob_option(knob: &Knob) -> String {
    format!("[tune] knob {}", knob.key)
}

/// The knobs' values for people: `detector.timeout = 3.1s, …`.
pub(crate) fn setting_text(spec: &TuneSpec, values: &[f64]) -> String {
    let parts: Vec<String> =
        spec.knobs.iter().zip(values).map(|(k, v)| format!("{} = {}", k.key, knob_text(k, *v))).collect();
    parts.join(", ")
}

/// A knob's value for people: durations with a unit.
fn knob_text(knob: &Knob, value: f64) -> String {
    match knob.kind {
        KnobKind::Duration => format!("{}s", crate::output::format_number(value)),
        KnobKind::Integer => format!("{}", value.round() as i64),
        KnobKind::Number => crate::output::format_number(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_most(bound: f64) -> Requirement {
        Requirement { metric: "m".into(), at_most: true, bound, text: format!("m <= {bound}") }
    }

    fn interval(mean: f64, ci_low: f64, ci_high: f64, n: usize) -> Estimate {
        Estimate { mean, ci_low, ci_high, n }
    }

    #[test]
    fn an_interval_decides_only_when_it_lies_on_one_side() {
        assert_eq!(verdict(&interval(1.0, 0.5, 1.5, 5), &at_most(2.0)), Verdict::Met);
        assert_eq!(verdict(&interval(1.0, 0.5, 2.0, 5), &at_most(2.0)), Verdict::Met, "touching counts");
        assert_eq!(verdict(&interval(3.0, 2.5, 3.5, 5), &at_most(2.0)), Verdict::Violated);
        assert_eq!(verdict(&interval(2.0, 1.5, 2.5, 5), &at_most(2.0)), Verdict::Undecided);
        let at_least = Requirement { at_most: false, ..at_most(2.0) };
        assert_eq!(verdict(&interval(3.0, 2.5, 3.5, 5), &at_least), Verdict::Met);
        assert_eq!(verdict(&interval(1.0, 0.5, 1.5, 5), &at_least), Verdict::Violated);
    }

    #[test]
    fn an_undefined_metric_violates_and_one_value_decides_nothing() {
        assert_eq!(verdict(&interval(f64::NAN, f64::NAN, f64::NAN, 0), &at_most(2.0)), Verdict::Violated);
        assert_eq!(verdict(&interval(1.0, f64::NAN, f64::NAN, 1), &at_most(2.0)), Verdict::Undecided);
    }
}
