//! The registry's membership view, scored against the truth on every change; with a sweep, a
//! detector's mark-down waits for the next sweep (`super::eviction`).

use super::{Eviction, Removal, SelfPreservation};
use crate::detect::View;
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};
use crate::metrics::DetectionScore;

pub struct Registry {
    view: PerInstance<View>,
    pub score: DetectionScore,
    /// Changes not yet handed to the clients (kept only when there are clients).
    changes: Vec<(InstanceId, bool)>,
    record: bool,
    /// Instances listed up (what a sweep's cap is a fraction of).
    registered: u32,
    eviction: Option<Eviction>,
    self_preservation: Option<SelfPreservation>,
    /// The stages that remove long-unlisted instances (pod eviction, the reaper).
    removals: Vec<Removal>,
}

impl Registry {
    /// Every instance starts registered and up.
    pub fn new(
        instances: u32,
        phases: &[crate::metrics::Phase],
        eviction: Option<Eviction>,
        self_preservation: Option<SelfPreservation>,
        removals: Vec<Removal>,
    ) -> Self {
        Registry {
            view: PerInstance::new(instances, View::Up),
            score: DetectionScore::new(instances, phases),
            changes: Vec::new(),
            record: false,
            registered: instances,
            eviction,
            self_preservation,
            removals,
        }
    }

    /// A renewal reached the registry (counted for self-preservation). Eureka counts only the
    /// renewals of a lease it holds: from an unlisted instance, a renewal is refused and the
    /// instance registers anew.
    pub fn renewed(&mut self, instance: InstanceId, now: SimTime) {
        if let (Some(sp), View::Up) = (&mut self.self_preservation, self.view[instance]) {
            sp.renewed(now);
        }
    }

    /// The removal stages' metrics at the end of the run.
    pub fn report_removals(&mut self, horizon: SimTime, out: &mut crate::metrics::MetricValues) {
        for removal in &mut self.removals {
            removal.report(horizon, out);
        }
    }

    /// Self-preservation's metrics at the end of the run, if it is on.
    pub fn report_self_preservation(&mut self, horizon: SimTime) -> Option<(f64, f64)> {
        self.self_preservation.as_mut().map(|sp| sp.report(horizon))
    }

    /// The sweep, if the registry acts only at sweeps.
    pub fn eviction_mut(&mut self) -> Option<&mut Eviction> {
        self.eviction.as_mut()
    }

    /// The detector found the instance up (a renewal): listed at once, and a pending eviction
    /// is off.
    pub fn mark_up(&mut self, instance: InstanceId, now: SimTime, truth_up: bool) {
        self.set(instance, View::Up, now, truth_up);
    }

    /// The detector found the instance down: unlisted at once, or at the next sweep.
    pub fn mark_down(&mut self, instance: InstanceId, now: SimTime, truth_up: bool) {
        match &mut self.eviction {
            Some(eviction) if self.view[instance] == View::Up => eviction.expire(instance),
            _ => self.set(instance, View::Down, now, truth_up),
        }
    }

    /// A sweep runs: it unlists the pending instances it chooses. `is_up` is the truth.
    pub fn run_eviction(&mut self, now: SimTime, is_up: impl Fn(InstanceId) -> bool) {
        let Some(mut eviction) = self.eviction.take() else { return };
        let pending = eviction.pending_count();
        let allowed = self.self_preservation.as_mut().is_none_or(|sp| sp.allows_expiry(now, self.registered, pending));
        let count = if allowed { eviction.choose(self.registered) } else { 0 };
        for k in 0..count {
            let instance = eviction.chosen(k);
            self.set_view(instance, View::Down, now, is_up(instance));
            // Eureka's evict cancels the lease through internalCancel, which expects one
            // renewing instance less.
            if let Some(sp) = &mut self.self_preservation {
                sp.cancelled();
            }
        }
        eviction.evicted(count);
        self.eviction = Some(eviction);
    }

    /// Starts loading the instance's view and score into the cache (`ids::Per::prefetch`).
    pub fn prefetch(&self, instance: InstanceId) {
        self.view.prefetch(instance);
        self.score.prefetch(instance);
    }

    pub fn view(&self, instance: InstanceId) -> View {
        self.view[instance]
    }

    /// Sets the view at once (a pending eviction is off); a change is scored against
    /// `truth_up`, a repeat is ignored.
    /// Under self-preservation, a listing of an unlisted instance is a registration and an
    /// unlisting here a deregistration (a leave): both change the renewals expected.
    pub fn set(&mut self, instance: InstanceId, view: View, now: SimTime, truth_up: bool) {
        if let Some(eviction) = &mut self.eviction {
            eviction.cancel(instance);
        }
        if let (Some(sp), true) = (&mut self.self_preservation, self.view[instance] != view) {
            match view {
                View::Up => sp.registered(),
                View::Down => sp.cancelled(),
            }
        }
        self.set_view(instance, view, now, truth_up);
    }

    fn set_view(&mut self, instance: InstanceId, view: View, now: SimTime, truth_up: bool) {
        if self.view[instance] != view {
            self.follow_removals(instance, view, now, truth_up);
        }
        let slot = &mut self.view[instance];
        if *slot != view {
            *slot = view;
            match view {
                View::Up => self.registered += 1,
                View::Down => self.registered -= 1,
            }
            self.score.on_view_change(instance, now, truth_up, view == View::Up);
            if self.record {
                self.changes.push((instance, view == View::Up));
            }
        }
    }

    /// The removal stages follow every listing and unlisting (before the score forgets the
    /// crash an unlisting detects).
    fn follow_removals(&mut self, instance: InstanceId, view: View, now: SimTime, truth_up: bool) {
        let crashed = if truth_up { None } else { self.score.pending_crash(instance) };
        for removal in &mut self.removals {
            match view {
                View::Down => removal.unlisted(instance, now, crashed),
                View::Up => removal.listed(instance, now),
            }
        }
    }

    /// Keep changes for `take_changes` (the world does this when there are clients).
    pub fn record_changes(&mut self) {
        self.record = true;
    }

    /// The changes not yet taken.
    pub fn changes(&self) -> &[(InstanceId, bool)] {
        &self.changes
    }

    /// The changes since the last call, oldest first.
    pub fn take_changes(&mut self) -> Vec<(InstanceId, bool)> {
        std::mem::take(&mut self.changes)
    }
}
