//! What a detector may see and do during one of its calls: the interface the world implements.
//!
//! Detectors are reached through `dyn Detector` and act through `dyn DetectorCtx`, so this
//! module, not the world, is where a detector's powers are written down.

use super::DetectorEvent;
use crate::engine::{SimTime, Stream};
use crate::ids::InstanceId;

/// What the registry believes about an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Registered and routable.
    Up,
    /// Marked down.
    Down,
}

/// A detector's access to the run: time, its own events, the lossy network, the registry's
/// view, and (instance-side only) the instance's true state.
pub trait DetectorCtx {
    /// The current simulated time.
    fn now(&self) -> SimTime;

    /// Schedules one of the detector's own events at an absolute time.
    fn schedule_at(&mut self, at: SimTime, event: DetectorEvent);

    /// Schedules one of the detector's own events after a delay.
    fn schedule_in(&mut self, delay: SimTime, event: DetectorEvent);

    /// True state. For instance-side behaviour only (and oracle detectors).
    fn instance_is_up(&self, instance: InstanceId) -> bool;

    /// Identity of the instance's current up or down period.
    fn instance_epoch(&self, instance: InstanceId) -> u32;

    /// Sends a message between the instance and the registry (either way); returns when it
    /// arrives, or None if it is lost or cut by a partition.
    fn send(&mut self, instance: InstanceId) -> Option<SimTime>;

    /// Sends a message that leaves at `sent`, for a detector that generates an instance's
    /// periodic sends ahead of time: `sent` must lie before `steady_until`, so that the
    /// instance is up then and the link is as it is now.
    fn send_at(&mut self, instance: InstanceId, sent: SimTime) -> Option<SimTime>;

    /// Where the links are drawn in runs (`DetectorFactory::link_threshold`): takes up to
    /// `max` of the instance's next sends if they are all ordinary — delivered with a delay
    /// at most the threshold — and returns how many (0: the next one is not, or the link is
    /// cut, or the links are not drawn in runs). Same preconditions as `send_at`.
    fn ordinary_run(&mut self, instance: InstanceId, max: u64) -> u64;

    /// The delay of the last send of an ordinary run (at most the threshold).
    fn ordinary_delay(&mut self, instance: InstanceId) -> SimTime;

    /// Sends a message from one instance to another; returns when it arrives, or None if it is
    /// lost or a partition separates them (the cut-off instances on one side, the registry and
    /// everyone else on the other).
    fn send_between(&mut self, from: InstanceId, to: InstanceId) -> Option<SimTime>;

    /// A time before which the instance (up now) certainly stays up with its link unchanged:
    /// its scheduled failure, the next scheduled fault (any), or the horizon. Instance-side
    /// knowledge: it lets a detector draw the instance's own sends ahead of time; the registry
    /// still learns of them only at their arrival times. Anything new that can crash an
    /// instance or change its link must lower this bound.
    fn steady_until(&self, instance: InstanceId) -> SimTime;

    /// Whether `steady_until` ends at the instance's own scheduled failure (before any fault
    /// and the horizon): the world then calls `on_instance_down` at that time.
    fn fails_at_steady_end(&self, instance: InstanceId) -> bool;

    /// What the registry believes about the instance now.
    fn view(&self, instance: InstanceId) -> View;

    /// The registry marks the instance up (a repeat is ignored).
    fn mark_up(&mut self, instance: InstanceId);

    /// The registry marks the instance down (a repeat is ignored).
    fn mark_down(&mut self, instance: InstanceId);

    /// A renewal (a heartbeat or session ping) reached the registry: counted for Eureka's
    /// self-preservation. Detectors that count renewals say so (`DetectorFactory::counts_renewals`).
    fn renewed(&mut self, instance: InstanceId);

    /// The detector's own random stream for this instance.
    fn rng(&mut self, instance: InstanceId) -> &mut Stream;
}
