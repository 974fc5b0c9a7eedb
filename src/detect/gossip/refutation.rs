//! `refutation_time`: how long a false suspicion lasts cluster-wide — from the first live
//! member's view of a live member turning suspect (or dead) until every live member, the
//! subject included, holds it alive at a higher incarnation than the one suspected. Kept
//! incrementally: per open episode, how many live members hold such a refutation.

use super::knowledge::{Key, State};
use crate::engine::SimTime;

/// One false suspicion being refuted.
struct Episode {
    subject: u32,
    start: SimTime,
    /// The incarnation suspected: a refutation is alive at a higher one.
    incarnation: u32,
    /// Live members whose view of the subject is a refutation.
    holders: u32,
}

/// The open episodes (few at a time: one per suspected live member).
#[derive(Default)]
pub(super) struct Refutations {
    open: Vec<Episode>,
}

impl Refutations {
    fn refutes(episode: &Episode, key: Key) -> bool {
        key.1 == State::Alive && key.0 > episode.incarnation
    }

    /// A live member's view of `subject` (up) went from `before` to `after`: opens an episode
    /// at the first turn away from alive (`holding(i)`: the live members that already hold it
    /// alive above incarnation i, rarely any), moves the count of refutations held. The time
    /// of the episode this closes (every one of the `live` members holds a refutation).
    pub fn view_changed(
        &mut self,
        (subject, before, after): (u32, Key, Key),
        holding: impl FnOnce(u32) -> u32,
        live: u32,
        now: SimTime,
    ) -> Option<SimTime> {
        let index = self.open.iter().position(|e| e.subject == subject);
        let Some(index) = index else {
            if before.1 == State::Alive && after.1 != State::Alive {
                let holders = holding(after.0);
                self.open.push(Episode { subject, start: now, incarnation: after.0, holders });
            }
            return None;
        };
        let e = &mut self.open[index];
        e.holders =
            (e.holders + u32::from(Self::refutes(e, after))).saturating_sub(u32::from(Self::refutes(e, before)));
        self.close(index, live, now)
    }

    fn close(&mut self, index: usize, live: u32, now: SimTime) -> Option<SimTime> {
        (self.open[index].holders >= live).then(|| now - self.open.swap_remove(index).start)
    }

    /// `member` went down (`up = false`) or came up, its view of each subject given by `view`;
    /// a subject going down ends its episode (a crash, not a false suspicion). The times of the
    /// episodes this closes.
    pub fn member_changed(
        &mut self,
        member: u32,
        up: bool,
        view: impl Fn(u32) -> Key,
        live: u32,
        now: SimTime,
    ) -> Vec<SimTime> {
        self.open.retain(|e| e.subject != member);
        for e in &mut self.open {
            if Self::refutes(e, view(e.subject)) {
                e.holders = if up { e.holders + 1 } else { e.holders.saturating_sub(1) };
            }
        }
        let mut closed = Vec::new();
        for index in (0..self.open.len()).rev() {
            closed.extend(self.close(index, live, now));
        }
        closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three live members; member 0 suspects member 2 (incarnation 0) at 10; member 1 hears it
    /// at 11; 2 refutes (alive at 1) at 12, 0 hears it at 13, 1 at 15: refuted everywhere 5
    /// after the first suspicion.
    #[test]
    fn an_episode_lasts_until_every_live_member_holds_the_refutation() {
        let mut r = Refutations::default();
        let (alive, suspect, refuted) = ((0, State::Alive), (0, State::Suspect), (1, State::Alive));
        assert_eq!(r.view_changed((2, alive, suspect), |_| 0, 3, 10), None);
        assert_eq!(r.view_changed((2, alive, suspect), |_| 0, 3, 11), None);
        assert_eq!(r.view_changed((2, alive, refuted), |_| 0, 3, 12), None, "the subject itself");
        assert_eq!(r.view_changed((2, suspect, refuted), |_| 0, 3, 13), None);
        assert_eq!(r.view_changed((2, suspect, refuted), |_| 0, 3, 15), Some(5));
        assert!(r.open.is_empty());
    }

    /// A member that holds no refutation crashes: the others are now every live member.
    #[test]
    fn a_crash_of_the_last_unrefuted_member_closes_the_episode() {
        let mut r = Refutations::default();
        r.view_changed((2, (0, State::Alive), (0, State::Suspect)), |_| 0, 3, 10);
        r.view_changed((2, (0, State::Alive), (1, State::Alive)), |_| 0, 3, 12);
        r.view_changed((2, (0, State::Suspect), (1, State::Alive)), |_| 0, 3, 13);
        assert_eq!(r.member_changed(1, false, |_| (0, State::Suspect), 2, 14), vec![4]);
    }
}
