//! The dissemination of a crash: from the crash until the first live member, half of them
//! and all of them hold the crashed member dead (while it stays down) — the
//! `dissemination_first_time`, `_half_time` and `_all_time` metrics of the gossip detectors
//! (`gossip` and `cassandra-gossip`).

use crate::engine::SimTime;
use crate::metrics::MetricValues;
use crate::metrics::sampled::Sampled;

/// A crash followed until every live member holds the crashed member dead.
struct Followed {
    subject: u32,
    at: SimTime,
    reached: u8,
}

/// The crashes followed, and the three stages' times.
#[derive(Default)]
pub(super) struct Dissemination {
    crashes: Vec<Followed>,
    first: Sampled,
    half: Sampled,
    all: Sampled,
}

impl Dissemination {
    /// `subject` crashed at `at`: follow it.
    pub fn crashed(&mut self, subject: u32, at: SimTime) {
        self.crashes.push(Followed { subject, at, reached: 0 });
    }

    /// `subject` is up again: its crash is no longer followed.
    pub fn recovered(&mut self, subject: u32) {
        self.crashes.retain(|f| f.subject != subject);
    }

    /// Records the stages every followed crash has reached by `now` (`holding`: the live
    /// members holding a subject dead; `live`: the live members), and forgets those done.
    pub fn check(&mut self, holding: impl Fn(u32) -> u32, live: u32, now: SimTime) {
        let (first, half, all) = (&mut self.first, &mut self.half, &mut self.all);
        self.crashes.retain_mut(|f| {
            let held = holding(f.subject);
            let stages = [(1, &mut *first), (live.div_ceil(2), &mut *half), (live, &mut *all)];
            for (stage, (needed, sampled)) in stages.into_iter().enumerate() {
                if usize::from(f.reached) == stage && held >= needed.max(1) {
                    sampled.record(now - f.at);
                    f.reached += 1;
                }
            }
            f.reached < 3
        });
    }

    /// Reports the three stages under `names` (first, half, all).
    pub fn report(&self, [first, half, all]: [&str; 3], out: &mut MetricValues) {
        self.first.report(first, out);
        self.half.report(half, out);
        self.all.report(all, out);
    }
}
