//! Tied requests (Dean & Barroso, "The Tail at Scale", CACM 2013): an attempt leaves as two
//! copies to two instances, each told of the other; the instance that starts its copy first
//! sends the other a cancel (`serving`), which drops that copy if it still waits in the queue.
//! The pair is one attempt of the request (toward `max_attempts`) with two copies in flight:
//! the first answer wins, and the request fails over only when both copies have failed.

use super::super::serving::{Job, Servers};
use super::super::slab::Ref;
use super::super::{TrafficCtx, WorldEvent};
use super::RequestPath;
use crate::metrics::requests::RequestMetrics;

impl RequestPath {
    /// Sends `first` with a second copy to another instance (the balancer's choice, failing
    /// over away from the instances already tried); alone when no other instance is usable.
    // Cold and never inlined: off by default, so the plain request path stays as compact as before.
    #[cold]
    #[inline(never)]
    pub(super) fn send_tied<E: WorldEvent>(
        &mut self,
        first: Job,
        request: Ref,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
        metrics: &mut RequestMetrics,
    ) {
        let other = self.pick_instance(request).filter(|&i| i != first.instance);
        let Some(instance) = other else {
            return servers.dispatch(first, ctx);
        };
        self.requests.get_mut(request).expect("the caller holds the request").add_try(instance);
        let attempt = self.open_attempt(request, first.client, instance, ctx, metrics);
        let second = Job { attempt, instance, ..first };
        let cancel = self.model.recovery.tied.is_some_and(|t| t.cancel);
        servers.dispatch_pair(first, second, cancel, ctx);
    }

    /// A copy was dropped from its instance's queue by its twin's cancel: its attempt closes
    /// on the client without an outcome (no timeout, breaker or outlier count), as the client
    /// of a tied request never waits for both copies. Should the twin's attempt have failed
    /// already (its timeout came before the cancel), the request fails over now.
    #[cold]
    #[inline(never)]
    pub(in crate::traffic) fn on_dropped<E: WorldEvent>(
        &mut self,
        attempt: Ref,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) {
        let Some(a) = self.attempts.remove(attempt) else { return };
        self.clients[a.client].outstanding[a.instance] -= 1;
        metrics.attempt_ended(ctx.now, a.instance);
        let Some(r) = self.requests.get_mut(a.request) else { return };
        r.in_flight -= 1;
        if r.in_flight == 0 {
            self.attempt_failed(a.request, ctx, metrics);
        }
    }
}
