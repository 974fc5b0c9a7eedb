//! The event queue: a binary min-heap ordered by (time, sequence number).
//!
//! The sequence number makes the order total: two events at the same nanosecond run in the
//! order they were scheduled, so a run never depends on the heap's internal layout.
//! Events are small `Copy` values stored inline; the heap's buffer grows to the peak number of
//! pending events and is then reused, so scheduling does not allocate per event.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Pending events and the simulation clock.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    now: SimTime,
    next_seq: u64,
    processed: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::new(), now: 0, next_seq: 0, processed: 0 }
    }

    /// The current simulated time: the time of the event being processed.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Events waiting in the queue.
    pub fn pending(&self) -> usize {
        self.heap.len()
    }

    /// Schedules `event` at absolute time `at`. A time in the past is clamped to now, so causality
    /// holds even if a strategy computes a deadline that has already passed.
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        let time = at.max(self.now);
        self.heap.push(Entry { time, seq: self.next_seq, event });
        self.next_seq += 1;
    }

    /// Schedules `event` after `delay` nanoseconds (saturating at the end of time).
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule_at(self.now.saturating_add(delay), event);
    }

    /// Pops the next event if it happens strictly before `horizon`, advancing the clock to it.
    pub fn pop_before(&mut self, horizon: SimTime) -> Option<E> {
        if self.heap.peek()?.time >= horizon {
            return None;
        }
        let entry = self.heap.pop()?;
        self.now = entry.time;
        self.processed += 1;
        Some(entry.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_sequence_order() {
        let mut queue = EventQueue::new();
        queue.schedule_at(20, 'c');
        queue.schedule_at(10, 'a');
        queue.schedule_at(20, 'd');
        queue.schedule_at(10, 'b');
        let order: Vec<char> = std::iter::from_fn(|| queue.pop_before(100)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
        assert_eq!(queue.now(), 20);
        assert_eq!(queue.processed(), 4);
    }

    #[test]
    fn horizon_is_exclusive_and_past_times_clamp_to_now() {
        let mut queue = EventQueue::new();
        queue.schedule_at(5, 1);
        queue.schedule_at(10, 2);
        assert_eq!(queue.pop_before(10), Some(1));
        assert_eq!(queue.pop_before(10), None);
        queue.schedule_at(0, 3); // in the past: runs at now = 5, before the event at 10
        assert_eq!(queue.pop_before(11), Some(3));
        assert_eq!(queue.now(), 5);
        assert_eq!(queue.pending(), 1);
    }
}
