//! Timers that all run for the same delay (a request timeout, a validity period), most of which
//! are cancelled before they expire: only the earliest is in the event queue.
//!
//! Why: with one delay, timers expire in the order they were set, so they form a FIFO. Putting
//! every timer in the queue costs a push and a pop each, and the long-lived ones make the
//! queue larger and slower — for a request path where nearly every timeout is cancelled by its
//! response, a fifth of all queue events did nothing. A lane keeps its timers in a ring buffer,
//! schedules only the head, and skips cancelled heads when it moves on.
//!
//! Order is unchanged: each timer reserves its place in the event order when it is set
//! (`EventQueue::reserve`), and the head is scheduled in that place. So a timer that fires is
//! handled exactly where an ordinary event scheduled at the same moment would have been, and
//! events scheduled after it keep their sequence numbers. Only cancelled timers disappear,
//! which does nothing to a run whose cancelled timers did nothing.

use super::queue::{EventQueue, Reservation};
use super::time::SimTime;
use std::collections::VecDeque;

/// Timers whose expiry times never decrease in the order they are set.
pub struct TimerLane<T> {
    timers: VecDeque<(Reservation, T)>,
}

impl<T> Default for TimerLane<T> {
    fn default() -> Self {
        TimerLane { timers: VecDeque::new() }
    }
}

impl<T: Copy> TimerLane<T> {
    /// Sets a timer for `item` at `at`, no earlier than the last one set. While the lane has
    /// timers, `wake` is scheduled at the earliest; hand it back to `fire` when it pops.
    pub fn set<E: Copy>(&mut self, at: SimTime, item: T, wake: E, queue: &mut EventQueue<E>) {
        let place = queue.reserve(at);
        debug_assert!(self.timers.back().is_none_or(|(last, _)| last.time() <= place.time()));
        if self.timers.is_empty() {
            queue.schedule_reserved(place, wake);
        }
        self.timers.push_back((place, item));
    }

    /// The lane's `wake` event popped: returns the timer that expired, after scheduling `wake`
    /// again at the earliest timer still `live` (timers that are not are dropped unseen).
    pub fn fire<E: Copy>(&mut self, wake: E, queue: &mut EventQueue<E>, live: impl Fn(T) -> bool) -> Option<T> {
        let (_, expired) = self.timers.pop_front()?;
        while let Some(&(place, item)) = self.timers.front() {
            if live(item) {
                queue.schedule_reserved(place, wake);
                break;
            }
            self.timers.pop_front();
        }
        Some(expired)
    }

    /// Whether no timer is set (or every one has expired or been dropped).
    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events are either ordinary (`Plain`) or the lane's wake-up; the lane must deliver its
    /// live timers exactly where ordinary events scheduled in their place would pop.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Ev {
        Plain(u32),
        Wake,
    }

    #[test]
    fn live_timers_pop_in_the_places_of_ordinary_events_and_cancelled_ones_vanish() {
        let cancelled = |id: u32| id.is_multiple_of(3);
        // Reference: every timer an ordinary event; cancelled ones are simply ignored at pop.
        let mut reference = EventQueue::new();
        let mut laned = EventQueue::new();
        let mut lane = TimerLane::default();
        for id in 0..300u32 {
            let at = 1_000 + (id as u64 / 4) * 10; // ties: four timers per instant
            reference.schedule_at(at, Ev::Plain(id));
            lane.set(at, id, Ev::Wake, &mut laned);
            // Ordinary events interleaved at the same instants, scheduled after the timers.
            reference.schedule_at(at + 5 * (id as u64 % 2), Ev::Plain(10_000 + id));
            laned.schedule_at(at + 5 * (id as u64 % 2), Ev::Plain(10_000 + id));
        }
        let expected: Vec<(u64, u32)> =
            std::iter::from_fn(|| reference.pop_before(u64::MAX).map(|e| (reference.now(), e)))
                .filter_map(|(time, e)| match e {
                    Ev::Plain(id) if id >= 10_000 || !cancelled(id) => Some((time, id)),
                    _ => None,
                })
                .collect();
        let mut got = Vec::new();
        while let Some(event) = laned.pop_before(u64::MAX) {
            let id = match event {
                Ev::Plain(id) => id,
                Ev::Wake => lane.fire(Ev::Wake, &mut laned, |id| !cancelled(id)).unwrap(),
            };
            if id >= 10_000 || !cancelled(id) {
                got.push((laned.now(), id));
            }
        }
        assert_eq!(got, expected);
        assert!(lane.is_empty());
        // Only the first cancelled timer (id 0, armed when set) cost a queue event of its own.
        assert_eq!(laned.processed(), 300 + 200 + 1);
    }

    #[test]
    fn a_timer_set_while_the_lane_fires_is_armed_behind_the_head() {
        let mut queue = EventQueue::new();
        let mut lane = TimerLane::default();
        lane.set(10, 'a', (), &mut queue);
        lane.set(20, 'b', (), &mut queue);
        assert_eq!(queue.pending(), 1);
        queue.pop_before(u64::MAX).unwrap();
        assert_eq!(lane.fire((), &mut queue, |_| true), Some('a'));
        lane.set(30, 'c', (), &mut queue); // set while handling 'a'
        assert_eq!(queue.pending(), 1);
        let mut fired = Vec::new();
        while queue.pop_before(u64::MAX).is_some() {
            fired.push((queue.now(), lane.fire((), &mut queue, |_| true).unwrap()));
        }
        assert_eq!(fired, vec![(20, 'b'), (30, 'c')]);
    }
}
