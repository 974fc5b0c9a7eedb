//! The registry's membership view, scored against the truth on every change.

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
}

impl Registry {
    /// Every instance starts registered and up.
    pub fn new(instances: u32, phases: &[crate::metrics::Phase]) -> Self {
        Registry {
            view: PerInstance::new(instances, View::Up),
            score: DetectionScore::new(instances, phases),
            changes: Vec::new(),
            record: false,
        }
    }

    pub fn view(&self, instance: InstanceId) -> View {
        self.view[instance]
    }

    /// Sets the view; a change is scored against `truth_up`, a repeat is ignored.
    pub fn set(&mut self, instance: InstanceId, view: View, now: SimTime, truth_up: bool) {
        let slot = &mut self.view[instance];
        if *slot != view {
            *slot = view;
            self.score.on_view_change(instance, now, truth_up, view == View::Up);
            if self.record {
                self.changes.push((instance, view == View::Up));
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
