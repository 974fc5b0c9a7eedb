//! `scenarios/baseline.toml` reproduces the SimPy peer model's statistics
//! (`../shared/peers/simpy_heartbeat.py 1000 1000 SEED`).
//!
//! The peer's figures below were printed by 13 runs of that script (seeds 1–13, SimPy 4).
//! Both simulators sample the same model with independent random numbers; if the models are
//! the same, so are the variances, and the check is Student's two-sample t-test with pooled
//! variance at the 99.9 % level: |mean₁ − mean₂| ≤ t(n₁+n₂−2) · s_p · sqrt(1/n₁ + 1/n₂).
//! With 10 discosim replications this resolves about 6 ms of mean detection time; the peer's
//! printed means are rounded to 0.1 ms, which is negligible beside that.

mod common;
use common::*;
use discosim::stats::t_quantile;

const PEER_MEAN_DETECTION: [f64; 13] =
    [1.4900, 1.4951, 1.4918, 1.4884, 1.4895, 1.4900, 1.4884, 1.4930, 1.4909, 1.4922, 1.4844, 1.4875, 1.4891];
const PEER_FALSE_SUSPICIONS: [f64; 13] =
    [4856.0, 4937.0, 4864.0, 4928.0, 4905.0, 4755.0, 4862.0, 4730.0, 4872.0, 4926.0, 4872.0, 4854.0, 4839.0];
const PEER_DETECTIONS: [f64; 13] =
    [7813.0, 7962.0, 7679.0, 7799.0, 7840.0, 7687.0, 7819.0, 7805.0, 7802.0, 7841.0, 7861.0, 7783.0, 7858.0];

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (mean, xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0))
}

fn assert_same_mean(ours: &[f64], peer: &[f64], what: &str) {
    let ((m1, v1), (m2, v2)) = (mean_var(ours), mean_var(peer));
    let (n1, n2) = (ours.len() as f64, peer.len() as f64);
    let pooled = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / (n1 + n2 - 2.0);
    let dof = ours.len() + peer.len() - 2;
    let bound = t_quantile(dof, 0.9995) * (pooled * (1.0 / n1 + 1.0 / n2)).sqrt();
    println!("{what}: discosim {m1}, SimPy {m2}, |diff| {} <= {bound}", (m1 - m2).abs());
    assert!((m1 - m2).abs() <= bound, "{what}: discosim {m1} vs SimPy {m2} (allowed {bound})");
}

#[test]
fn baseline_matches_the_simpy_peer() {
    let text = std::fs::read_to_string("scenarios/baseline.toml").unwrap();
    let mut baseline = scenario(&text);
    baseline.replications = 10;
    let runs = replicate(&baseline);
    assert_same_mean(&values(&runs, "detection_time.mean"), &PEER_MEAN_DETECTION, "mean detection time");
    assert_same_mean(&values(&runs, "false_suspicions"), &PEER_FALSE_SUSPICIONS, "false suspicions");
    assert_same_mean(&values(&runs, "detection_time.count"), &PEER_DETECTIONS, "detections");
}
