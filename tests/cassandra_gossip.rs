//! The `cassandra-gossip` detector (Cassandra's gossip with its exponential φ) against closed
//! forms and an independent model: two members (detection time exactly T = threshold · ln 10 ·
//! mean after the last arrival, at the next once-a-round check), two thresholds, the message
//! count of the gossip rounds, and at 50 members the dissemination of a crash compared with a
//! push-pull rumour model written here from Cassandra's description, sharing no code.

mod common;
use common::*;
use discosim::stats::welch;

/// One instance and the registry's agent; constant delay `delay`; the instance crashes for good
/// at 50 s; `detector`: extra detector keys.
fn pair(replications: u32, delay: &str, detector: &str) -> String {
    format!(
        r#"
name = "pair"
horizon = "80s"
replications = {replications}
[cluster]
instances = 1
[network]
delay = {{ dist = "constant", value = "{delay}" }}
[detector]
kind = "cassandra-gossip"
{detector}
[[fault]]
at = "50s"
action = "crash"
instances = [0]
"#
    )
}

/// Two members, no loss, constant delay d, random phases. Member B (the instance) bumps its
/// version at each of its rounds and its SYN/ACK/ACK2 with A (the agent) hands A the new version
/// 3d later: A's arrivals of B's versions are exactly 1 s apart (A's own rounds bring nothing
/// newer). A's window: the first arrival records `max_interval` m, then k − 1 intervals of 1 s
/// (k arrivals before the crash at 50 s: k = 50, one per round from B's first), so mean =
/// (m + k − 1)/k. A convicts at its first round more than T = threshold · ln 10 · mean after the
/// last arrival (Cassandra's `interpret`: PHI_FACTOR · Δt/mean > threshold). B crashes at
/// w ~ U[0, 1) after its last round; A's rounds fall at an independent uniform phase, so the
/// first one past the deadline comes U ~ U[0, 1) after it: D = 3d − w + T + U, E[D] = T + 3d.
/// If B crashes within 2d of its round (probability 2d) the ACK2 is never sent and the last
/// arrival is a round earlier: + 1 s. So E[D] = T + 5d, sd √(1/6) s.
fn closed_form(threshold: f64, max_interval: f64, d: f64) -> f64 {
    let k = 50.0;
    let mean = (max_interval + k - 1.0) / k;
    threshold * std::f64::consts::LN_10 * mean + 5.0 * d
}

#[test]
fn two_members_convict_at_the_first_check_past_threshold_ln10_mean() {
    let runs = replicate(&scenario(&pair(1500, "1ms", "")));
    assert!(values(&runs, "detection_time.count").iter().all(|&c| c == 1.0), "every crash detected once");
    let expected = closed_form(8.0, 2.0, 0.001);
    assert!((expected - 18.7941).abs() < 1e-3, "{expected}");
    assert_covers(ci(&runs, "detection_time.mean"), expected, "threshold 8, first sample 2 s");
    // D lies in (T − 1 + 3d, T + 1 + 3d]; the +1 s of a crash inside an exchange aside.
    assert!(min_of(&runs, "detection_time.mean") > expected - 5.0 * 0.001 - 1.0 - ROUNDING);
    assert!(max_of(&runs, "detection_time.mean") <= expected + 1.0 + 1.0 + ROUNDING);
}

/// The threshold scales the deadline: at threshold 4 with `max_interval` = 1 s (every sample
/// 1 s, mean exactly 1 s), E[D] = 4 · ln 10 + 5d = 9.2153 s, against threshold 8's
/// 8 · ln 10 · 51/50 + 5d = 18.7941 s above (the first sample 2 s in a window of 50).
#[test]
fn the_detection_time_grows_as_threshold_times_ln10_times_the_mean() {
    let runs = replicate(&scenario(&pair(1500, "1ms", "threshold = 4\nmax_interval = \"1s\"")));
    assert_covers(ci(&runs, "detection_time.mean"), closed_form(4.0, 1.0, 0.001), "threshold 4, every sample 1 s");
}

/// Messages: every member starts one exchange (SYN, ACK, ACK2) per round; an instance whose
/// live target was not the seed (the agent, probability (n − 2)/(n − 1)) also gossips to the
/// seed with probability 1/(live + unreachable) = 1/(n − 1). Over H rounds of n members, all
/// up: 3H · (n + (n − 2)/(n − 1)) messages. Members' phases lie in [0, 1 s), so each has
/// exactly H rounds in [0, H); the last exchanges' replies past the horizon are a few.
#[test]
fn every_round_costs_three_messages_per_member_plus_the_seeds_share() {
    let text = r#"
name = "load"
horizon = "200s"
replications = 6
[cluster]
instances = 49
[network]
delay = { dist = "constant", value = "1ms" }
[detector]
kind = "cassandra-gossip"
"#;
    let runs = replicate(&scenario(text));
    let n = 50.0;
    let expected = 3.0 * 200.0 * (n + (n - 2.0) / (n - 1.0));
    let estimate = ci(&runs, "gossip_messages");
    println!(
        "messages: closed form {expected}, simulated {} [{}, {}]",
        estimate.mean, estimate.ci_low, estimate.ci_high
    );
    assert!(estimate.ci_low - 10.0 <= expected && expected <= estimate.ci_high + 1.0, "{expected} vs {estimate:?}");
    assert_eq!(values(&runs, "gossip_false_deaths"), vec![0.0; 6], "no loss: nobody convicted wrongly");
}

/// 50 members (49 instances and the agent), no seed, delay 1 µs (an exchange is all but
/// instantaneous), one instance crashed for good at 60 s.
const FIFTY: &str = r#"
name = "fifty"
horizon = "100s"
replications = 200
[cluster]
instances = 49
[network]
delay = { dist = "constant", value = "1us" }
[detector]
kind = "cassandra-gossip"
seed = false
[[fault]]
at = "60s"
action = "crash"
instances = [0]
"#;

/// At n = 50 the crash's dissemination has no simple closed form (each member's last version
/// of the victim comes by push-pull gossip, spread in about log₃ n + O(ln ln n) rounds (Karp
/// et al. 2000), and each member's mean inter-arrival grows with the versions it skips), so it
/// is compared with an independent model of the same process written below: every member at
/// its phase + k s bumps its version, checks φ of every other (convicts if Δt > 8 · ln 10 ·
/// mean, mean over its samples: first 2 s, intervals above 2 s dropped; the window of 1000 is
/// never full in 100 s), then exchanges instantly with a random member it holds live, both
/// keeping the newer version of every endpoint (an arrival for each). A member holding some
/// live member dead gossips to a random one it holds dead with probability U/(L + 1); a newer
/// version of a live member held dead makes it alive (its echo answers). The victim answers
/// nothing after the crash. Means compared by Welch's t at 99.9 %.
#[test]
fn fifty_members_disseminate_a_crash_as_an_independent_push_pull_model() {
    let runs = replicate(&scenario(FIFTY));
    let model = model_runs(1000, 50, 60.0, 100.0);
    for (stage, name) in
        ["dissemination_first_time", "dissemination_half_time", "dissemination_all_time"].iter().enumerate()
    {
        let simulated = values(&runs, &format!("{name}.mean"));
        let modelled: Vec<f64> = model.iter().map(|m| m[stage]).collect();
        let test = welch(&simulated, &modelled);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        println!("{name}: simulated {:.4}, model {:.4}, t = {:.3}", mean(&simulated), mean(&modelled), test.t);
        assert!(
            test.p > 1.0 - TEST_CONFIDENCE,
            "{name}: simulated {} vs model {} (p = {})",
            mean(&simulated),
            mean(&modelled),
            test.p
        );
    }
    let first: Vec<f64> = model.iter().map(|m| m[0]).collect();
    println!("model first min {}", first.iter().cloned().fold(f64::INFINITY, f64::min));
    println!("sim all max {}", max_of(&runs, "dissemination_all_time.max"));
    assert_eq!(values(&runs, "gossip_false_deaths").iter().sum::<f64>(), 0.0);
}

/// SplitMix64: the model's own random numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize
    }
}

/// One member's view of another in the model: version, dead, last arrival, window sum, count.
#[derive(Clone, Copy, Default)]
struct Entry {
    version: u32,
    dead: bool,
    last: Option<f64>,
    sum: f64,
    count: u32,
}

impl Entry {
    fn arrive(&mut self, t: f64) {
        match self.last {
            None => (self.sum, self.count) = (2.0, 1),
            Some(last) if t - last <= 2.0 => (self.sum, self.count) = (self.sum + t - last, self.count + 1),
            Some(_) => {}
        }
        self.last = Some(t);
    }
    fn convicts(&self, t: f64) -> bool {
        self.last.is_some_and(|last| t - last > 8.0 * std::f64::consts::LN_10 * self.sum / f64::from(self.count))
    }
}

/// `runs` runs of the model: per run, the times from the crash (member 0, at `crash`) until
/// 1, half and all of the other members hold it dead.
fn model_runs(runs: u64, n: usize, crash: f64, horizon: f64) -> Vec<[f64; 3]> {
    (0..runs).map(|r| model_run(&mut Rng(0x5eed ^ r.wrapping_mul(0x1234_5678_9abc)), n, crash, horizon)).collect()
}

fn model_run(rng: &mut Rng, n: usize, crash: f64, horizon: f64) -> [f64; 3] {
    let mut view = vec![vec![Entry::default(); n]; n];
    let phases: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| phases[a].total_cmp(&phases[b]));
    let needed = [1, (n - 1).div_ceil(2), n - 1];
    let mut reached = [f64::NAN; 3];
    for second in 0..horizon as usize {
        for &i in &order {
            let t = second as f64 + phases[i];
            if i == 0 && t >= crash {
                continue;
            }
            view[i][i].version += 1;
            for j in (0..n).filter(|&j| j != i) {
                if !view[i][j].dead && view[i][j].convicts(t) {
                    view[i][j].dead = true;
                }
            }
            let down = |j: usize| j == 0 && t >= crash;
            let (live, dead): (Vec<usize>, Vec<usize>) = (0..n).filter(|&j| j != i).partition(|&j| !view[i][j].dead);
            if !live.is_empty() {
                let p = live[rng.below(live.len())];
                if !down(p) {
                    exchange(&mut view, i, p, t, crash);
                }
            }
            if !dead.is_empty() && rng.uniform() < dead.len() as f64 / (live.len() as f64 + 1.0) {
                let p = dead[rng.below(dead.len())];
                if !down(p) {
                    exchange(&mut view, i, p, t, crash);
                }
            }
            let holding = (1..n).filter(|&j| view[j][0].dead).count();
            for (stage, &need) in needed.iter().enumerate() {
                if reached[stage].is_nan() && t >= crash && holding >= need {
                    reached[stage] = t - crash;
                }
            }
        }
    }
    reached
}

/// Push-pull: both keep the newer version of every endpoint; each newer one is an arrival, and
/// a live endpoint held dead is alive again (its echo answers).
fn exchange(view: &mut [Vec<Entry>], a: usize, b: usize, t: f64, crash: f64) {
    let newest: Vec<u32> = view[a].iter().zip(&view[b]).map(|(x, y)| x.version.max(y.version)).collect();
    for m in [a, b] {
        for (j, (e, &version)) in view[m].iter_mut().zip(&newest).enumerate() {
            if m != j && e.version < version {
                e.version = version;
                e.arrive(t);
                if e.dead && !(j == 0 && t >= crash) {
                    e.dead = false;
                }
            }
        }
    }
}
