//! `scenarios/baseline.toml` reproduces the statistics of an independent SimPy model of the
//! same system (`bench/simpy_baseline.py`, run as `python3 bench/simpy_baseline.py --seed SEED`).
//!
//! The reference figures below were printed by 20 runs of that script (seeds 1–20, SimPy 4.1.2,
//! Python 3.11), so the test needs neither Python nor SimPy. Both simulators sample the same
//! model with independent random numbers; if the models are the same, so are the variances, and
//! the check is Student's two-sample t-test with pooled variance at the 99.9 % level:
//! |mean₁ − mean₂| ≤ t(n₁+n₂−2) · s_p · sqrt(1/n₁ + 1/n₂). With 10 discosim replications this
//! resolves about 5 ms of mean detection time; the printed means are rounded to 1 µs.
//! To refresh the reference: `for s in $(seq 20); do python3 bench/simpy_baseline.py --seed $s; done`.

mod common;
use common::*;
use discosim::stats::t_quantile;

const SIMPY_MEAN_DETECTION: [f64; 20] = [
    1.491319, 1.487434, 1.494135, 1.493348, 1.497646, 1.490071, 1.493310, 1.490449, 1.496782, 1.497781, 1.492840,
    1.490340, 1.491836, 1.485497, 1.489550, 1.492879, 1.488059, 1.494152, 1.486571, 1.494844,
];
const SIMPY_FALSE_SUSPICIONS: [f64; 20] = [
    4778.0, 4773.0, 4874.0, 4822.0, 4851.0, 4695.0, 4850.0, 4729.0, 4814.0, 4837.0, 4809.0, 4900.0, 4848.0, 4793.0,
    4734.0, 4852.0, 4798.0, 4874.0, 4956.0, 4926.0,
];
const SIMPY_DETECTIONS: [f64; 20] = [
    7842.0, 8023.0, 7853.0, 7680.0, 7876.0, 7670.0, 7710.0, 7727.0, 7781.0, 7817.0, 7807.0, 7754.0, 7780.0, 7917.0,
    7610.0, 7938.0, 7831.0, 7693.0, 7859.0, 7728.0,
];

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (mean, xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0))
}

fn assert_same_mean(ours: &[f64], simpy: &[f64], what: &str) {
    let ((m1, v1), (m2, v2)) = (mean_var(ours), mean_var(simpy));
    let (n1, n2) = (ours.len() as f64, simpy.len() as f64);
    let pooled = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / (n1 + n2 - 2.0);
    let dof = ours.len() + simpy.len() - 2;
    let bound = t_quantile(dof, 0.9995) * (pooled * (1.0 / n1 + 1.0 / n2)).sqrt();
    println!("{what}: discosim {m1}, SimPy {m2}, |diff| {} <= {bound}", (m1 - m2).abs());
    assert!((m1 - m2).abs() <= bound, "{what}: discosim {m1} vs SimPy {m2} (allowed {bound})");
}

#[test]
fn baseline_matches_the_simpy_model() {
    let text = std::fs::read_to_string("scenarios/baseline.toml").unwrap();
    let mut baseline = scenario(&text);
    baseline.replications = 10;
    let runs = replicate(&baseline);
    assert_same_mean(&values(&runs, "detection_time.mean"), &SIMPY_MEAN_DETECTION, "mean detection time");
    assert_same_mean(&values(&runs, "false_suspicions"), &SIMPY_FALSE_SUSPICIONS, "false suspicions");
    assert_same_mean(&values(&runs, "detection_time.count"), &SIMPY_DETECTIONS, "detections");
}
