//! A member's broadcast queue (memberlist's `TransmitLimitedQueue`): the updates it will
//! piggyback, each sent at most a limited number of times, the least-sent and newest first; a
//! newer update about a member replaces the queued one (`Invalidates`).

use super::knowledge::{Knowledge, RumorId};

#[derive(Default)]
pub(super) struct Queue {
    /// (update, its subject, times sent, order of arrival).
    entries: Vec<(RumorId, u32, u32, u64)>,
    arrivals: u64,
}

impl Queue {
    /// Queues `id` (about `subject`), replacing a queued update about the same member.
    pub fn push(&mut self, id: RumorId, subject: u32, knowledge: &Knowledge) {
        self.entries.retain(|e| e.1 != subject && knowledge.get(e.0).is_some());
        self.arrivals += 1;
        self.entries.push((id, subject, 0, self.arrivals));
    }

    /// Puts up to `max` updates into `out` (the least-sent, then the newest, first), counts
    /// one more send of each, and drops those sent `limit` times and those folded away.
    pub fn take(&mut self, max: u32, limit: u32, knowledge: &Knowledge, out: &mut Vec<RumorId>) {
        out.clear();
        self.entries.retain(|e| knowledge.get(e.0).is_some());
        self.entries.sort_unstable_by_key(|e| (e.2, std::cmp::Reverse(e.3)));
        for entry in self.entries.iter_mut().take(max as usize) {
            out.push(entry.0);
            entry.2 += 1;
        }
        self.entries.retain(|e| e.2 < limit);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
