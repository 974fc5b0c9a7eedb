//! The 95 % confidence intervals of `summary.csv` (`stats::estimate_metric`: Student t cut to
//! the metric's range) cover the true mean about 95 % of the time.
//!
//! 200 independent seeds of a cheap scenario whose metrics have known expectations, with
//! crash-recover instances (exponential MTTF, exponential MTTR, all up at 0) over a horizon H:
//! the up fraction has E = π + (1 − π)(1 − e^{−rH})/(rH), π = MTTF/(MTTF+MTTR),
//! r = 1/MTTF + 1/MTTR; an instance crashes at rate 1/MTTF while up, so the expected number of
//! crashes is E[crashes] = instances · H/MTTF · E[up fraction]. The number of covering
//! intervals is Binomial(200, 0.95) if the intervals are right: mean 190, sd 3.1; its 99.9 %
//! range is about [180, 199]. Seeded, so the count is the same on every run.

mod common;
use common::*;
use discosim::stats::{estimate, estimate_metric};

/// The expected up fraction over `horizon` (closed form above).
fn up_fraction(mttf: f64, mttr: f64, horizon: f64) -> f64 {
    let (pi, r) = (mttf / (mttf + mttr), 1.0 / mttf + 1.0 / mttr);
    pi + (1.0 - pi) * (1.0 - (-r * horizon).exp()) / (r * horizon)
}

/// Runs seeds 0..200 and returns, per seed, the cut and the plain interval of `metric`.
fn intervals(instances: u32, mttf: f64, mttr: f64, horizon: f64, metric: &str) -> Vec<(f64, f64, f64)> {
    (0..200)
        .map(|seed| {
            let text = format!(
                "name = \"coverage\"\nseed = {seed}\nhorizon = \"{horizon}s\"\nreplications = 5\n[cluster]\ninstances = {instances}\nfailure = {{ model = \"crash-recover\", mttf = {{ dist = \"exponential\", mean = \"{mttf}s\" }}, mttr = {{ dist = \"exponential\", mean = \"{mttr}s\" }} }}\n[detector]\nkind = \"observer\"\ntick = \"1s\"\np = 1.0\n"
            );
            let values = values(&replicate(&scenario(&text)), metric);
            let (cut, plain) = (estimate_metric(metric, &values), estimate(&values));
            (cut.ci_low, cut.ci_high, plain.ci_low)
        })
        .collect()
}

fn covering(intervals: &[(f64, f64, f64)], truth: f64) -> usize {
    intervals.iter().filter(|(low, high, _)| *low <= truth && truth <= *high).count()
}

#[test]
fn ninety_five_percent_intervals_cover_about_95_percent_of_the_time() {
    let (mttf, mttr, horizon) = (50.0, 5.0, 500.0);
    let truth = up_fraction(mttf, mttr, horizon);
    let covered = covering(&intervals(10, mttf, mttr, horizon, "instance_up_fraction"), truth);
    println!("{covered} of 200 intervals cover the true mean {truth}");
    assert!((180..=199).contains(&covered), "{covered} of 200 intervals cover the true mean");
}

/// A skewed count near 0: one instance crashing about once per run, so the plain t-interval
/// often reaches below 0. The cut interval never does, and it covers exactly as often.
#[test]
fn intervals_of_a_skewed_count_near_zero_stay_non_negative_and_keep_their_coverage() {
    let (mttf, mttr, horizon) = (500.0, 5.0, 500.0);
    let truth = horizon / mttf * up_fraction(mttf, mttr, horizon);
    let all = intervals(1, mttf, mttr, horizon, "crashes");
    let covered = covering(&all, truth);
    let negative = all.iter().filter(|(_, _, plain_low)| *plain_low < 0.0).count();
    println!("{covered} of 200 intervals cover E[crashes] = {truth}; {negative} plain intervals reached below 0");
    assert!(all.iter().all(|(low, _, _)| *low >= 0.0));
    assert!(negative >= 50, "the case must exercise the cut: {negative}");
    assert!((180..=199).contains(&covered), "{covered} of 200 intervals cover the true mean");
}
