//! A recovering member re-joins by a push-pull exchange (memberlist's `Join` → `pushPull`),
//! merged as `mergeState` does: the accusations in flight about other members — suspicions,
//! and deaths, which a merge only suspects — become the member's own suspicions, each with its
//! suspicion timer, broadcast as its own accusation (so a member that already suspects the
//! subject counts it as a confirmation). A suspicion every live member holds (folded into the
//! baseline, no rumor left to merge) starts a timer too; a death every live member holds stays
//! a death (a fresh memberlist node would not even list the dead member).

use super::knowledge::{Key, RumorId, State};
use super::{DetectorCtx, Gossip};

impl Gossip {
    /// `member`, up again, merges the accusations in flight (`accusations`, from
    /// `Knowledge::member_up`) into its view.
    pub(super) fn merge_accusations(&mut self, member: u32, accusations: &[RumorId], ctx: &mut dyn DetectorCtx) {
        for subject in (0..self.size()).filter(|&s| s != member) {
            let keys = accusations.iter().filter_map(|&id| self.knowledge.get(id)).filter(|r| r.subject == subject);
            let theirs: Option<Key> = keys.map(|r| r.key).max();
            let ours = self.knowledge.view(member, subject);
            match theirs {
                Some((incarnation, _)) if ours.1 == State::Alive && incarnation >= ours.0 => {
                    let id = self.knowledge.rumor(subject, (incarnation, State::Suspect), member);
                    self.hear(member, id, ctx);
                }
                _ if ours.1 == State::Suspect => self.start_suspicion(member, subject, ours.0, member, ctx),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bare::Bare;
    use super::super::{Detector, Gossip, State};
    use crate::engine::SimTime;
    use crate::ids::InstanceId;

    const SECOND: SimTime = 1_000_000_000;

    /// Four instances and the agent (n = 5, k = 2). Member 1 is down while member 0 accuses
    /// member 2 (alive, incarnation 0) and member 3 (down) is declared dead; member 1 comes back
    /// before any of it is gossiped to it, so the push-pull gives it both rumors in flight. As
    /// memberlist's `mergeState`: it holds 2 suspect and 3 suspect (a remote death is only
    /// suspected), each with a suspicion timer of its own; 3's fires at max, 6 · 4 s = 24 s,
    /// unless a confirmation comes (3 is down: the others accuse it too, and their deaths
    /// reach member 1 first or its timer does). Before the fix it held 2 suspect with no
    /// timer, and 3 dead.
    #[test]
    fn a_member_that_rejoins_suspects_the_accused_with_timers_of_its_own() {
        let mut gossip = Gossip::new(super::super::tests::settings(), 4);
        let mut ctx = Bare::start(&mut gossip, 4, 7);
        ctx.run_until(&mut gossip, 10 * SECOND);
        for member in [1, 3] {
            ctx.up[member as usize] = false;
            gossip.on_instance_down(InstanceId(member), &mut ctx);
        }
        gossip.suspect(0, 2, &mut ctx);
        let death = gossip.knowledge.rumor(3, (0, State::Dead), 0);
        gossip.hear(0, death, &mut ctx);
        ctx.up[1] = true;
        gossip.on_instance_up(InstanceId(1), &mut ctx);
        let suspicions: Vec<u32> = gossip.members[1].suspicions.iter().map(|s| s.0).collect();
        assert_eq!(gossip.knowledge.view(1, 2), (0, State::Suspect));
        assert_eq!(gossip.knowledge.view(1, 3), (0, State::Suspect), "a death in flight is only suspected");
        assert_eq!(suspicions, [2, 3], "each with a timer of its own");
        ctx.run_until(&mut gossip, 10 * SECOND + 25 * SECOND);
        assert_eq!(gossip.knowledge.view(1, 3).1, State::Dead, "by its timer or by the others'");
        assert_eq!(gossip.knowledge.view(1, 2).0, 1, "2 heard itself suspected and refuted");
    }
}
