//! The search over the knobs: a grid of `grid` values per knob (log-spaced when the knob's
//! scale is log), every combination evaluated; then rounds of refinement around the best
//! feasible candidate: along each knob, the midpoint (geometric on a log scale) between it and
//! its nearest evaluated neighbour on each side, where that neighbour is infeasible (the
//! requirement boundary lies between) or its objective's interval overlaps the best's (it may
//! be as good). With one knob and a monotone requirement this is a bisection of the boundary.
//! It stops when no midpoint is left wider than `resolution`, or after `refine` rounds.

use super::{Evaluation, Tuner};
use crate::scenario::ScenarioError;
use crate::scenario::tune::{Knob, KnobKind, TuneSpec};

/// Every candidate evaluated, in the order they ran, and the chosen one.
pub(crate) struct Outcome {
    pub evaluations: Vec<Evaluation>,
    /// Index of the feasible candidate with the smallest objective mean, if any is feasible.
    pub best: Option<usize>,
}

/// Runs the search; `seen` is called after each candidate (progress).
pub(crate) fn search(tuner: &Tuner, mut seen: impl FnMut(&Evaluation)) -> Result<Outcome, ScenarioError> {
    let spec = tuner.spec;
    let mut evaluations = Vec::new();
    for values in product(&spec.knobs.iter().map(|k| axis(k, spec.grid)).collect::<Vec<_>>()) {
        let evaluation = tuner.evaluate(&values, "grid")?;
        seen(&evaluation);
        evaluations.push(evaluation);
    }
    for _ in 0..spec.refine {
        let Some(best) = best(&evaluations) else { break };
        let fresh: Vec<Vec<f64>> = refinements(spec, &evaluations, best);
        if fresh.is_empty() {
            break;
        }
        for values in fresh {
            let evaluation = tuner.evaluate(&values, "refine")?;
            seen(&evaluation);
            evaluations.push(evaluation);
        }
    }
    Ok(Outcome { best: best(&evaluations), evaluations })
}

/// The feasible candidate with the smallest objective mean (an undefined objective ranks last;
/// ties go to the one evaluated first, so the choice is deterministic).
pub(crate) fn best(evaluations: &[Evaluation]) -> Option<usize> {
    let key = |e: &Evaluation| if e.objective.mean.is_nan() { f64::INFINITY } else { e.objective.mean };
    let feasible = evaluations.iter().enumerate().filter(|(_, e)| e.feasible());
    feasible.min_by(|(_, a), (_, b)| key(a).total_cmp(&key(b))).map(|(i, _)| i)
}

/// `grid` values from low to high, snapped to what the knob can take (duplicates removed).
fn axis(knob: &Knob, grid: u32) -> Vec<f64> {
    let steps = (grid.max(2) - 1) as f64;
    let mut values: Vec<f64> = (0..grid)
        .map(|i| {
            let t = i as f64 / steps;
            let raw = if knob.log {
                knob.low * (knob.high / knob.low).powf(t)
            } else {
                knob.low + (knob.high - knob.low) * t
            };
            snap(knob, raw)
        })
        .collect();
    values.dedup();
    values
}

/// A value as the scenario will take it: whole nanoseconds for a duration, an integer for a
/// count. Candidates are compared after snapping, so none runs twice.
fn snap(knob: &Knob, value: f64) -> f64 {
    let value = value.clamp(knob.low, knob.high);
    match knob.kind {
        KnobKind::Duration => (value * 1e9).round() / 1e9,
        KnobKind::Integer => value.round(),
        KnobKind::Number => value,
    }
}

/// Every combination of one value per axis, the first axis varying slowest.
fn product(axes: &[Vec<f64>]) -> Vec<Vec<f64>> {
    axes.iter().fold(vec![Vec::new()], |acc, axis| {
        acc.iter().flat_map(|prefix| axis.iter().map(move |v| [prefix.clone(), vec![*v]].concat())).collect()
    })
}

/// The midpoints to evaluate next around candidate `best` (none already evaluated).
fn refinements(spec: &TuneSpec, evaluations: &[Evaluation], best: usize) -> Vec<Vec<f64>> {
    let Some(center) = evaluations.get(best) else { return Vec::new() };
    let mut fresh: Vec<Vec<f64>> = Vec::new();
    for (k, knob) in spec.knobs.iter().enumerate() {
        for neighbour in neighbours(evaluations, center, k) {
            if !worth_refining(center, neighbour) || close(knob, center.values[k], neighbour.values[k], spec.resolution)
            {
                continue;
            }
            let mut values = center.values.clone();
            values[k] = snap(knob, midpoint(knob, center.values[k], neighbour.values[k]));
            let known = |v: &Vec<f64>| *v == values;
            if values[k] != center.values[k]
                && !evaluations.iter().any(|e| known(&e.values))
                && !fresh.iter().any(known)
            {
                fresh.push(values);
            }
        }
    }
    fresh
}

/// The nearest evaluated candidates below and above `center` along knob `k`, the other knobs
/// equal.
fn neighbours<'e>(evaluations: &'e [Evaluation], center: &Evaluation, k: usize) -> Vec<&'e Evaluation> {
    let same_elsewhere =
        |e: &&Evaluation| e.values.iter().zip(&center.values).enumerate().all(|(i, (a, b))| i == k || a == b);
    let line: Vec<&Evaluation> = evaluations.iter().filter(same_elsewhere).collect();
    let x = center.values[k];
    let below = line.iter().filter(|e| e.values[k] < x).max_by(|a, b| a.values[k].total_cmp(&b.values[k]));
    let above = line.iter().filter(|e| e.values[k] > x).min_by(|a, b| a.values[k].total_cmp(&b.values[k]));
    below.into_iter().chain(above).copied().collect()
}

/// Between a feasible candidate and an infeasible one lies the boundary; between two feasible
/// ones whose objective intervals overlap, perhaps a better value. Elsewhere the best is
/// already the better end.
fn worth_refining(center: &Evaluation, neighbour: &Evaluation) -> bool {
    let (a, b) = (&center.objective, &neighbour.objective);
    let overlap = a.ci_low.is_nan() || b.ci_low.is_nan() || (a.ci_low <= b.ci_high && b.ci_low <= a.ci_high);
    !neighbour.feasible() || overlap
}

/// Whether two values are closer than the resolution (a ratio on a log scale, a fraction of
/// the range on a linear one; integers: adjacent).
fn close(knob: &Knob, a: f64, b: f64, resolution: f64) -> bool {
    match (knob.kind, knob.log) {
        (KnobKind::Integer, _) => (a - b).abs() <= 1.0,
        (_, true) => (a.max(b) / a.min(b)).ln() <= resolution.ln_1p(),
        (_, false) => (a - b).abs() <= resolution * (knob.high - knob.low),
    }
}

fn midpoint(knob: &Knob, a: f64, b: f64) -> f64 {
    if knob.log { (a * b).sqrt() } else { (a + b) / 2.0 }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn knob(low: f64, high: f64, kind: KnobKind, log: bool) -> Knob {
        Knob { key: "k".into(), low, high, kind, log }
    }

    #[test]
    fn log_axis_is_geometric_and_integer_axis_has_no_duplicates() {
        let values = axis(&knob(0.5, 8.0, KnobKind::Duration, true), 5);
        assert_eq!(values, vec![0.5, 1.0, 2.0, 4.0, 8.0]);
        assert_eq!(axis(&knob(1.0, 3.0, KnobKind::Integer, false), 5), vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn product_varies_the_last_axis_fastest() {
        let p = product(&[vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert_eq!(p, vec![vec![1.0, 3.0], vec![1.0, 4.0], vec![2.0, 3.0], vec![2.0, 4.0]]);
    }

    #[test]
    fn closeness_is_relative_on_a_log_scale() {
        let k = knob(0.5, 8.0, KnobKind::Duration, true);
        assert!(close(&k, 3.0, 3.02, 0.01));
        assert!(!close(&k, 3.0, 3.04, 0.01));
    }
}
