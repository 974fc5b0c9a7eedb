//! The decentralised query accuracy: over the run, the fraction of (member, member) pairs —
//! a live member's view of another member — that are right, time-weighted. A view is wrong
//! when it holds a member that is up dead, or a member that is down not dead (suspect counts as
//! not dead, as it does for the registry). Kept incrementally: per subject, how many live
//! members hold it dead; a view change moves one pair, a crash or recovery recounts.

use crate::engine::SimTime;

pub(super) struct Accuracy {
    /// Per member: how many other live members hold it dead.
    dead_holders: Vec<u32>,
    /// Per member: whether it is up.
    up: Vec<bool>,
    live: u32,
    /// Wrong (live member, other member) pairs now.
    wrong: u64,
    last: SimTime,
    /// ∫ wrong pairs dt and ∫ pairs dt, in pair-nanoseconds.
    wrong_time: f64,
    pair_time: f64,
}

impl Accuracy {
    /// `members` members, all up, every view right.
    pub fn new(members: u32) -> Self {
        let n = members as usize;
        Accuracy {
            dead_holders: vec![0; n],
            up: vec![true; n],
            live: members,
            wrong: 0,
            last: 0,
            wrong_time: 0.0,
            pair_time: 0.0,
        }
    }

    /// Live members holding `subject` dead.
    pub fn dead_holders(&self, subject: u32) -> u32 {
        self.dead_holders[subject as usize]
    }

    /// Carries the integrals to `now`.
    fn advance(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.last) as f64;
        let pairs = f64::from(self.live) * (self.up.len() as f64 - 1.0);
        self.wrong_time += self.wrong as f64 * dt;
        self.pair_time += pairs * dt;
        self.last = now;
    }

    /// A live member's view of `subject` went from dead (or not) to dead (or not).
    pub fn view_changed(&mut self, subject: u32, was_dead: bool, is_dead: bool, now: SimTime) {
        if was_dead == is_dead {
            return;
        }
        self.advance(now);
        let holders = &mut self.dead_holders[subject as usize];
        *holders = if is_dead { *holders + 1 } else { *holders - 1 };
        // For a subject that is up, a new holder is a new wrong view; for one that is down, a
        // new holder is a view put right.
        let wrong_up = is_dead == self.up[subject as usize];
        self.wrong = if wrong_up { self.wrong + 1 } else { self.wrong - 1 };
    }

    /// `member` crashed (`up = false`) or recovered; `held_dead` lists the members it holds
    /// dead (before it forgets them, or after it re-joined).
    pub fn member_changed(&mut self, member: u32, up: bool, held_dead: &[u32], now: SimTime) {
        self.advance(now);
        self.up[member as usize] = up;
        self.live = if up { self.live + 1 } else { self.live - 1 };
        for &subject in held_dead {
            let holders = &mut self.dead_holders[subject as usize];
            *holders = if up { *holders + 1 } else { *holders - 1 };
        }
        self.wrong = (0..self.up.len() as u32).map(|j| u64::from(self.wrong_views(j))).sum();
    }

    /// Wrong views of `subject` among the other live members.
    fn wrong_views(&self, subject: u32) -> u32 {
        let holders = self.dead_holders[subject as usize];
        if self.up[subject as usize] { holders } else { self.live - holders }
    }

    /// The time-weighted fraction of right views over the run, up to `horizon`.
    pub fn report(&mut self, horizon: SimTime) -> f64 {
        self.advance(horizon);
        if self.pair_time > 0.0 { 1.0 - self.wrong_time / self.pair_time } else { 1.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three members. Member 2 crashes at 10; member 0 holds it dead from 14, member 1 from 16
    /// (the agent's view, say); it recovers at 30 and both are put right at 32. Wrong pairs:
    /// 2 over [10, 14), 1 over [14, 16), 2 over [30, 32): 8 + 2 + 4 = 14 pair-ns of
    /// 3·2·10 + 2·2·20 + 3·2·10 = 200 (live members × other members) by 40.
    #[test]
    fn accuracy_integrates_the_wrong_pairs() {
        let mut a = Accuracy::new(3);
        a.member_changed(2, false, &[], 10);
        a.view_changed(2, false, true, 14);
        a.view_changed(2, false, true, 16);
        assert_eq!(a.dead_holders(2), 2);
        a.member_changed(2, true, &[], 30);
        a.view_changed(2, true, false, 32);
        a.view_changed(2, true, false, 32);
        let expected = 1.0 - 14.0 / 200.0;
        assert!((a.report(40) - expected).abs() < 1e-12, "{}", a.report(40));
    }
}
