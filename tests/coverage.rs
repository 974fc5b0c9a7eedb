//! The 95 % confidence intervals of `summary.csv` cover the true mean about 95 % of the time.
//!
//! 200 independent seeds of a cheap scenario whose metric has a known expectation: the up
//! fraction of crash-recover instances (exponential MTTF 50 s, MTTR 5 s, all up at 0) over a
//! horizon H, E = π + (1 − π)(1 − e^{−rH})/(rH), π = MTTF/(MTTF+MTTR), r = 1/MTTF + 1/MTTR.
//! The number of covering intervals is Binomial(200, 0.95) if the intervals are right: mean
//! 190, sd 3.1; its 99.9 % range is about [180, 199]. Seeded, so the count is the same on every
//! run.

mod common;
use common::*;
use discosim::stats::estimate;

#[test]
fn ninety_five_percent_intervals_cover_about_95_percent_of_the_time() {
    let (mttf, mttr, horizon): (f64, f64, f64) = (50.0, 5.0, 500.0);
    let (pi, r) = (mttf / (mttf + mttr), 1.0 / mttf + 1.0 / mttr);
    let truth = pi + (1.0 - pi) * (1.0 - (-r * horizon).exp()) / (r * horizon);
    let mut covered = 0;
    for seed in 0..200 {
        let text = format!(
            "name = \"coverage\"\nseed = {seed}\nhorizon = \"{horizon}s\"\nreplications = 5\n[cluster]\ninstances = 10\nfailure = {{ model = \"crash-recover\", mttf = {{ dist = \"exponential\", mean = \"{mttf}s\" }}, mttr = {{ dist = \"exponential\", mean = \"{mttr}s\" }} }}\n[detector]\nkind = \"observer\"\ntick = \"1s\"\np = 1.0\n"
        );
        let runs = replicate(&scenario(&text));
        let e = estimate(&values(&runs, "instance_up_fraction"));
        if e.ci_low <= truth && truth <= e.ci_high {
            covered += 1;
        }
    }
    println!("{covered} of 200 intervals cover the true mean {truth}");
    assert!((180..=199).contains(&covered), "{covered} of 200 intervals cover the true mean");
}
