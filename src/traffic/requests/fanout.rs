//! Fan-out requests: a request goes to `leaves` instances at once, chosen together by the
//! balancer (distinct while the view has enough: each choice fails over away from the ones
//! before, as a retry does), and is done when `quorum` of its leaves have answered — its
//! latency is the slowest needed leaf's — or failed when too many leaves have failed for the
//! quorum to be reached. Each leaf is a request of its own on the path (timeouts, retries,
//! hedges, tied copies, deadline); leaves still running when their parent is done run on, and
//! are counted in the leaf metrics when they end.

use super::super::serving::Servers;
use super::super::slab::Ref;
use super::super::{TrafficCtx, WorldEvent};
use super::{Request, RequestPath};
use crate::balance::Pick;
use crate::engine::SimTime;
use crate::ids::ClientId;
use crate::metrics::requests::RequestMetrics;
use crate::model::FanOut;

/// A fan-out request waiting for its leaves.
#[derive(Clone, Copy)]
pub(in crate::traffic) struct Parent {
    issued: SimTime,
    leaves: u32,
    quorum: u32,
    answered: u32,
    failed: u32,
}

impl RequestPath {
    /// Issues a fan-out request: its leaves' instances are chosen, then each leaf is sent.
    // Cold and never inlined: off by default, so the plain request path stays as compact as before.
    #[cold]
    #[inline(never)]
    pub(super) fn issue_fanout<E: WorldEvent>(
        &mut self,
        client: ClientId,
        key: u64,
        fanout: FanOut,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
        metrics: &mut RequestMetrics,
    ) {
        let parent = self.parents.insert(Parent {
            issued: ctx.now,
            leaves: fanout.leaves,
            quorum: fanout.quorum,
            answered: 0,
            failed: 0,
        });
        self.choose_leaves(client, key, fanout.leaves);
        for leaf in 0..fanout.leaves as usize {
            let request = self.new_request(client, key, ctx);
            let slot = request.slot as usize;
            if self.leaf_parent.len() <= slot {
                self.leaf_parent.resize(slot + 1, None);
            }
            self.leaf_parent[slot] = Some(parent);
            self.next_pinned = self.chosen.get(leaf).copied();
            self.send_attempt(request, ctx, servers, metrics);
        }
    }

    /// Fills `chosen` with up to `leaves` instances from the balancer, each choice failing over
    /// away from those before it; once every usable instance is chosen, repeats are allowed.
    fn choose_leaves(&mut self, client: ClientId, key: u64, leaves: u32) {
        self.chosen.clear();
        let c = &self.clients[client];
        for _ in 0..leaves {
            let mut pick = Pick {
                client,
                key,
                live: &c.live,
                is_live: &c.routable,
                outstanding: &c.outstanding,
                tried: &self.chosen,
                rng: &mut self.rng.balance[client],
            };
            let mut choice = self.balancer.pick(&mut pick);
            if choice.is_none() {
                pick.tried = &[];
                choice = self.balancer.pick(&mut pick);
            }
            match choice {
                Some(instance) => self.chosen.push(instance),
                None => return,
            }
        }
    }

    /// A leaf ended: it counts in the leaf metrics, and toward its parent's quorum (or its
    /// failure) while the parent waits.
    #[cold]
    #[inline(never)]
    pub(super) fn leaf_done(
        &mut self,
        parent: Ref,
        leaf: Request,
        success: bool,
        now: SimTime,
        metrics: &mut RequestMetrics,
    ) {
        metrics.leaf(now, leaf.issued, leaf.first_sent, leaf.attempts, success);
        let Some(p) = self.parents.get_mut(parent) else { return };
        if success {
            p.answered += 1;
        } else {
            p.failed += 1;
        }
        let done = if p.answered >= p.quorum {
            Some(true)
        } else if p.failed > p.leaves - p.quorum {
            Some(false)
        } else {
            None
        };
        if let Some(success) = done {
            let issued = p.issued;
            self.parents.remove(parent);
            metrics.outcome(now, issued, success);
        }
    }
}
