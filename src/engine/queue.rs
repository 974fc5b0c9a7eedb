//! The event queue: a radix heap (a 4-ary heap while few events wait) ordered by (time, sequence
//! number).
//!
//! The sequence number makes the order total: two events at the same nanosecond run in the
//! order they were scheduled, so a run never depends on the queue's internal layout.
//!
//! Why a radix heap rather than a binary heap: simulated time never goes back, and a radix
//! heap exploits that. Each key (time, sequence) packed in a `u128` sits in the bucket of the
//! highest bit where it differs from the last key popped; a push is one append, and a pop
//! takes the smallest key of the lowest non-empty bucket (each bucket remembers its smallest as
//! keys are appended, so no pop searches) and spreads the rest of that bucket over lower
//! buckets. Moves are sequential appends, not the binary heap's random walks through one large
//! array: with 200 000 pending events (the scale scenario) pops cost a third of a binary
//! heap's, and about the same with 2 000. Events are small `Copy` values stored inline; the
//! buckets grow to their peak size and are then reused, so scheduling does not allocate per
//! event.
//!
//! Few pending events: below about a thousand the radix heap's moves between buckets cost
//! more than a small heap's levels, so the heap's events live in an implicit 4-ary heap
//! (`QuadHeap`, fixed arrays, keys apart from the events) until a push makes them more than
//! `RADIX_ABOVE`, and move back when a pop leaves the radix heap fewer than `SMALL_BELOW`.
//! Both pop the smallest (time, sequence), so the order, and every run, is the same.
//!
//! Delay lanes: events scheduled a fixed delay after the moment they are scheduled (a constant
//! network delay) have keys that only grow, so a FIFO holds them in order. A queue told of such
//! a delay (`add_delay_lane`) keeps those events in a ring buffer beside the heap, and a pop takes
//! whichever of the heap's and the lanes' smallest keys is smaller: the order is the same (keys
//! are unique), but half the request path's events (attempts reaching their instance, responses
//! reaching their client) never enter the heap.

use super::time::SimTime;

/// A place in the event order, (time, sequence number), taken by `EventQueue::reserve`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reservation(u128);

impl Reservation {
    /// The reserved time.
    pub fn time(self) -> SimTime {
        (self.0 >> 64) as SimTime
    }
}

/// Keys are compared with the last key popped in digits of this many bits.
const DIGIT_BITS: u32 = 4;
/// Values of one digit.
const RADIX: usize = 1 << DIGIT_BITS;
/// Bucket `d * RADIX + v` holds the keys whose highest digit differing from the last key popped
/// is digit `d`, where their value is `v`: buckets in index order hold ever larger keys.
const BUCKETS: usize = 128 / DIGIT_BITS as usize * RADIX;
/// Words of the occupancy bitmap.
const WORDS: usize = BUCKETS / 64;

#[derive(Clone, Copy)]
struct Entry<E> {
    key: u128,
    event: E,
}

/// Events scheduled `delay` after their scheduling: in key order as they arrive.
struct DelayLane<E> {
    delay: SimTime,
    entries: Ring<E>,
}

/// A FIFO in a ring buffer of a power-of-two size, so that a position wraps by a mask (fewer
/// instructions per push and pop than `VecDeque`'s wrap, on half the request path's events).
struct Ring<E> {
    /// The buffer: its length is zero or a power of two, every slot initialised (slots outside
    /// the FIFO hold copies of some entry).
    slots: Vec<Entry<E>>,
    /// The front's position, counted from the start (wrapped by the mask at each use).
    head: usize,
    len: usize,
}

impl<E: Copy> Ring<E> {
    fn new() -> Self {
        Ring { slots: Vec::new(), head: 0, len: 0 }
    }

    #[inline]
    fn front(&self) -> Option<&Entry<E>> {
        if self.len == 0 { None } else { self.slots.get(self.head & (self.slots.len() - 1)) }
    }

    #[inline]
    fn push_back(&mut self, entry: Entry<E>) {
        if self.len == self.slots.len() {
            self.grow(entry);
        }
        let mask = self.slots.len() - 1;
        self.slots[self.head.wrapping_add(self.len) & mask] = entry;
        self.len += 1;
    }

    /// Removes the front entry (there must be one).
    #[inline]
    fn pop_front(&mut self) -> Entry<E> {
        debug_assert!(self.len > 0, "a pop from an empty lane");
        let entry = self.slots[self.head & (self.slots.len() - 1)];
        self.head = self.head.wrapping_add(1);
        self.len -= 1;
        entry
    }

    /// Doubles the buffer (16 slots at first), the FIFO moved to its start in order, `filler`
    /// in the slots beyond.
    #[cold]
    fn grow(&mut self, filler: Entry<E>) {
        let size = (2 * self.slots.len()).max(16);
        let mut slots = Vec::with_capacity(size);
        slots.extend((0..self.len).map(|i| self.slots[self.head.wrapping_add(i) & (self.slots.len() - 1)]));
        slots.resize(size, filler);
        (self.slots, self.head) = (slots, 0);
    }
}

/// `next_in` when the next event is in the heap.
const HEAP: usize = usize::MAX;

/// The heap switches to the radix heap when a push makes the small heap hold more than this
/// many events, and back when a pop leaves the radix heap fewer than `SMALL_BELOW`: far apart,
/// so a pending count that hovers near one of them does not move every event back and forth.
const RADIX_ABOVE: usize = 1024;
/// See `RADIX_ABOVE`.
const SMALL_BELOW: usize = 256;

/// Pending events and the simulation clock.
pub struct EventQueue<E> {
    /// Holds the heap's events while `large` (then at least `SMALL_BELOW` of them).
    radix: RadixHeap<E>,
    /// Holds the heap's events otherwise, no more than `RADIX_ABOVE` of them.
    small: QuadHeap<E>,
    large: bool,
    lanes: Vec<DelayLane<E>>,
    /// The heap's smallest key, and the smallest key at a lane's front with that lane's index
    /// (`u128::MAX` when empty): a pop from a lane leaves the heap's unchanged and a pop from
    /// the heap leaves the lanes', so each pop looks again only where it took from.
    heap_key: u128,
    lane_key: u128,
    lane_in: usize,
    /// The smallest pending key (`u128::MAX` when none) and where it is: a lane's index, or
    /// `HEAP`. Kept up to date by every schedule and pop, so finding the next event is free.
    next_key: u128,
    next_in: usize,
    len: usize,
    peak: usize,
    /// The last key popped (0 before any): its time is now, and every key pending or
    /// scheduled from now on is greater.
    popped: u128,
    next_seq: u64,
    processed: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue at time 0.
    pub fn new() -> Self {
        EventQueue {
            radix: RadixHeap::new(),
            small: QuadHeap::new(),
            large: false,
            lanes: Vec::new(),
            heap_key: u128::MAX,
            lane_key: u128::MAX,
            lane_in: 0,
            next_key: u128::MAX,
            next_in: HEAP,
            len: 0,
            peak: 0,
            popped: 0,
            next_seq: 1,
            processed: 0,
        }
    }

    /// The current simulated time: the time of the event being processed.
    #[inline]
    pub fn now(&self) -> SimTime {
        (self.popped >> 64) as SimTime
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Events waiting in the queue.
    pub fn pending(&self) -> usize {
        self.len
    }

    /// The most events that were ever waiting at once (what a benchmark of the bare queue
    /// should hold).
    pub fn peak_pending(&self) -> usize {
        self.peak
    }

    /// Keeps the events scheduled exactly `delay` after now (by `schedule_at` or `schedule_in`) in
    /// a FIFO of their own instead of the heap: worth it for a delay many events share, such as a
    /// constant network delay. Changes no order; a delay already kept is ignored.
    pub fn add_delay_lane(&mut self, delay: SimTime) {
        if self.lanes.iter().all(|lane| lane.delay != delay) {
            self.lanes.push(DelayLane { delay, entries: Ring::new() });
        }
    }

    /// Schedules `event` at absolute time `at`. A time in the past is clamped to now, so causality
    /// holds even if a strategy computes a deadline that has already passed.
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        let place = self.reserve(at);
        let delay = place.time() - self.now();
        match self.lanes.iter().position(|lane| lane.delay == delay) {
            Some(lane) => self.push_lane(lane, place.0, event),
            None => self.push_heap(place.0, event),
        }
    }

    /// Appends to a lane: later than every key in it (same or later time, larger sequence number).
    fn push_lane(&mut self, lane: usize, key: u128, event: E) {
        self.lanes[lane].entries.push_back(Entry { key, event });
        self.len += 1;
        self.peak = self.peak.max(self.len);
        if key < self.lane_key {
            (self.lane_key, self.lane_in) = (key, lane);
        }
        self.note(key, lane);
    }

    /// Schedules `event` after `delay` nanoseconds (saturating at the end of time).
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule_at(self.now().saturating_add(delay), event);
    }

    /// Takes the place in the order that `schedule_at(at, ..)` would give an event now, without
    /// scheduling anything: the event can be scheduled later, or never, with
    /// `schedule_reserved`. Either way the events scheduled after it are ordered as if it had
    /// been scheduled now (see `TimerLane`).
    pub fn reserve(&mut self, at: SimTime) -> Reservation {
        let time = at.max(self.now());
        let key = ((time as u128) << 64) | self.next_seq as u128;
        self.next_seq += 1;
        Reservation(key)
    }

    /// Schedules `event` in a place taken earlier. The place must not have been passed: no event
    /// after it in the order may have been popped yet.
    pub fn schedule_reserved(&mut self, place: Reservation, event: E) {
        debug_assert!(place.0 > self.popped, "a reservation used after its time");
        self.push_heap(place.0, event);
    }

    /// Adds an entry to the heap. Inlined in `schedule_at`, where half the request path's
    /// events are scheduled.
    #[inline(always)]
    fn push_heap(&mut self, key: u128, event: E) {
        if self.large {
            self.radix.insert(Entry { key, event });
        } else {
            self.small.push(key, event);
            if self.small.len() > RADIX_ABOVE {
                self.move_to_radix();
            }
        }
        self.len += 1;
        self.peak = self.peak.max(self.len);
        self.heap_key = self.heap_key.min(key);
        self.note(key, HEAP);
    }

    /// Moves the small heap's events to the radix heap, which takes the last key popped (from
    /// either heap or a lane) as its own: every key it will hold is greater.
    #[cold]
    fn move_to_radix(&mut self) {
        self.radix.last = self.popped;
        self.small.drain(|entry| self.radix.insert(entry));
        self.large = true;
    }

    /// Moves the radix heap's events to the small heap.
    #[cold]
    fn move_to_small(&mut self) {
        self.radix.drain(|entry| self.small.push(entry.key, entry.event));
        self.large = false;
    }

    /// A key was scheduled in `place` (a lane or the heap): it may be the next.
    #[inline]
    fn note(&mut self, key: u128, place: usize) {
        if key < self.next_key {
            (self.next_key, self.next_in) = (key, place);
        }
    }

    /// Pops the next event if it happens strictly before `horizon`, advancing the clock to it.
    #[inline]
    pub fn pop_before(&mut self, horizon: SimTime) -> Option<E> {
        if self.has_before(horizon) { Some(self.pop()) } else { None }
    }

    /// Whether the next event happens strictly before `horizon` (then `pop` returns it).
    #[inline]
    pub fn has_before(&self, horizon: SimTime) -> bool {
        // The time half alone decides: an empty queue's u128::MAX has the time u64::MAX, which
        // no horizon exceeds. Reading 8 bytes, not 16, lets the load take the value straight
        // from `pop`'s store of that half instead of stalling until both halves are written.
        ((self.next_key >> 64) as SimTime) < horizon
    }

    /// Pops the next event, advancing the clock to it: the heap's or a lane's, whichever has
    /// the smaller key. There must be one (`has_before`): panics on an empty queue. It returns
    /// the event, not an `Option` (whose tag is the event's own), which a compiler copies
    /// through memory in overlapping pieces that stall the loads that follow; the world's
    /// loop is about 5 % faster this way.
    #[inline(always)]
    pub fn pop(&mut self) -> E {
        let key = self.next_key;
        let event = match self.next_in {
            HEAP => self.pop_heap(key),
            lane => {
                let event = self.lanes[lane].entries.pop_front().event;
                (self.lane_in, self.lane_key) = self.lane_min();
                event
            }
        };
        (self.next_key, self.next_in) =
            if self.lane_key < self.heap_key { (self.lane_key, self.lane_in) } else { (self.heap_key, HEAP) };
        self.len -= 1;
        self.popped = key;
        self.processed += 1;
        event
    }

    /// Removes the heap's smallest entry, `key`, and looks up the heap's next smallest. Not
    /// inlined: `pop` then stays small enough to inline into the world's loop, and a pop from a
    /// lane (half the request path's) saves no registers for the heap's work.
    #[inline(never)]
    fn pop_heap(&mut self, key: u128) -> E {
        if !self.large {
            let event = self.small.pop();
            self.heap_key = self.small.min_key();
            return event;
        }
        let event = self.radix.pop(key);
        if self.radix.len < SMALL_BELOW {
            self.move_to_small();
        }
        self.heap_key = self.heap_min();
        event
    }

    /// The event the next `pop` returns, unless an earlier one is scheduled first: the world
    /// uses it to start loading the next event's state into the cache while it handles the
    /// current one. Free: the next event's place is kept up to date.
    #[inline(always)]
    pub fn peek(&self) -> Option<&E> {
        if self.next_key == u128::MAX {
            return None;
        }
        match self.next_in {
            HEAP if self.large => self.radix.peek(),
            HEAP => self.small.peek(),
            lane => self.lanes[lane].entries.front().map(|e| &e.event),
        }
    }

    /// The lane whose front has the smallest key, and that key (`u128::MAX` when every lane is
    /// empty: no real key is that large, its sequence number would be 2^64 - 1).
    #[inline]
    fn lane_min(&self) -> (usize, u128) {
        if let [lane] = self.lanes.as_slice() {
            return (0, lane.entries.front().map_or(u128::MAX, |front| front.key));
        }
        let mut best = (0, u128::MAX);
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(front) = lane.entries.front()
                && front.key < best.1
            {
                best = (i, front.key);
            }
        }
        best
    }

    /// The heap's smallest key (`u128::MAX` when empty).
    #[inline]
    fn heap_min(&self) -> u128 {
        if self.large { self.radix.min_key() } else { self.small.min_key() }
    }
}

/// The most entries an emptied bucket keeps room for.
///
/// Why: each of the 512 buckets comes to hold a large share of the pending events at some
/// moment (as time moves on, every digit value is used in turn), and a bucket that kept its
/// peak capacity forever made the queue's memory grow with the horizon — at 10⁶ instances
/// 571 MB of peak RSS at 6 minutes simulated and 1055 MB at an hour; with this bound, 352 and
/// 393 MB, no slower. Shrinking only an emptied bucket, and only past this bound, costs one
/// reallocation per large bucket spread, which is already work in proportion to its size:
/// never an allocation per event.
const RETAINED_CAPACITY: usize = 256;

fn release<E>(entries: &mut Vec<Entry<E>>) {
    if entries.capacity() > RETAINED_CAPACITY {
        entries.shrink_to(RETAINED_CAPACITY);
    }
}

/// The radix heap: keys in buckets by their highest digit that differs from the last key popped.
struct RadixHeap<E> {
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit b set when bucket b is not empty (bit `b % 64` of word `b / 64`).
    occupied: [u64; WORDS],
    /// Bit w set when word w of `occupied` is not zero.
    summary: u8,
    /// The last key popped: every key in the heap is greater.
    last: u128,
    /// Each bucket's smallest key (`u128::MAX` when empty) and its index in the bucket, kept
    /// up to date by every append, so that the heap's smallest is found without a search.
    min_keys: [u128; BUCKETS],
    min_index: [u32; BUCKETS],
    /// Entries held.
    len: usize,
}

impl<E: Copy> RadixHeap<E> {
    fn new() -> Self {
        RadixHeap {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: [0; WORDS],
            summary: 0,
            last: 0,
            min_keys: [u128::MAX; BUCKETS],
            min_index: [0; BUCKETS],
            len: 0,
        }
    }

    /// The smallest key (`u128::MAX` when empty): the smallest of the lowest non-empty bucket.
    #[inline]
    fn min_key(&self) -> u128 {
        self.lowest_bucket().map_or(u128::MAX, |bucket| self.min_keys[bucket])
    }

    #[inline]
    fn peek(&self) -> Option<&E> {
        let bucket = self.lowest_bucket()?;
        self.buckets[bucket].get(self.min_index[bucket] as usize).map(|e| &e.event)
    }

    #[inline]
    fn lowest_bucket(&self) -> Option<usize> {
        if self.summary == 0 {
            return None;
        }
        let word = self.summary.trailing_zeros() as usize;
        Some(word * 64 + self.occupied[word].trailing_zeros() as usize)
    }

    /// Marks the bucket empty.
    #[inline]
    fn vacate(&mut self, bucket: usize) {
        let word = bucket / 64;
        self.occupied[word] &= !(1 << (bucket % 64));
        if self.occupied[word] == 0 {
            self.summary &= !(1 << word);
        }
        self.min_keys[bucket] = u128::MAX;
    }

    /// Removes the smallest entry, `key`, found by `min_key`. Once it is the last key popped,
    /// the rest of its bucket moves to lower buckets (each shares with it every digit above the
    /// bucket's, and the bucket's digit).
    fn pop(&mut self, key: u128) -> E {
        let bucket = self.lowest_bucket().expect("a pop from an empty queue");
        self.vacate(bucket);
        self.last = key;
        self.len -= 1;
        let entries = &mut self.buckets[bucket];
        if entries.len() == 1 {
            // Nothing to spread (half the pops of the request path).
            let entry = entries.pop().expect("one entry");
            release(entries);
            return entry.event;
        }
        let mut entries = std::mem::take(entries);
        let entry = entries.swap_remove(self.min_index[bucket] as usize);
        for &moved in &entries {
            self.place(moved);
        }
        entries.clear();
        release(&mut entries);
        self.buckets[bucket] = entries; // keeps its capacity for reuse, up to a bound
        entry.event
    }

    /// Adds an entry, greater than the last key popped.
    #[inline]
    fn insert(&mut self, entry: Entry<E>) {
        self.len += 1;
        self.place(entry);
    }

    /// Appends the entry to its bucket, which remembers it if it is the bucket's smallest.
    #[inline]
    fn place(&mut self, entry: Entry<E>) {
        let high_bit = 127 - (entry.key ^ self.last).leading_zeros();
        let digit = high_bit / DIGIT_BITS;
        let value = (entry.key >> (digit * DIGIT_BITS)) as usize & (RADIX - 1);
        let bucket = digit as usize * RADIX + value;
        let entries = &mut self.buckets[bucket];
        if entry.key < self.min_keys[bucket] {
            self.min_keys[bucket] = entry.key;
            self.min_index[bucket] = entries.len() as u32;
        }
        entries.push(entry);
        self.occupied[bucket / 64] |= 1 << (bucket % 64);
        self.summary |= 1 << (bucket / 64);
    }

    /// Hands every entry to `take`, leaving the heap empty.
    fn drain(&mut self, mut take: impl FnMut(Entry<E>)) {
        while let Some(bucket) = self.lowest_bucket() {
            self.vacate(bucket);
            for &entry in &self.buckets[bucket] {
                take(entry);
            }
            self.buckets[bucket].clear();
            release(&mut self.buckets[bucket]);
        }
        self.len = 0;
    }
}

/// Children per node of the small heap: a node's four children's keys are 64 contiguous bytes.
const ARITY: usize = 4;
/// Places in the small heap's arrays: a power of two above its most events (`RADIX_ABOVE` + 1,
/// as a push that crosses it is followed by the move), so an index masked by `SLOTS - 1` needs
/// no bound check, and then a last node's children.
const SLOTS: usize = 2 * RADIX_ABOVE;
const ROOM: usize = SLOTS + ARITY;

/// An implicit 4-ary min-heap of (key, event), the keys apart from the events, for when few
/// events are pending.
///
/// Why: with about a hundred events (the request path) the radix heap moves each key between
/// buckets several times before it pops; here a push climbs about one level and a pop descends
/// about three, each level reading 64 contiguous bytes of keys. The arrays have a fixed size,
/// so indices are checked once per operation, not once per access.
struct QuadHeap<E> {
    /// The keys in heap order, then `u128::MAX` up to `ROOM`, so a node's four children are
    /// read at once even where fewer are in the heap.
    keys: Box<[u128; ROOM]>,
    /// The events in heap order: `ROOM` copies of the first event pushed, empty until then.
    events: Vec<E>,
    len: usize,
}

impl<E: Copy> QuadHeap<E> {
    fn new() -> Self {
        let keys = vec![u128::MAX; ROOM].into_boxed_slice().try_into().expect("ROOM keys");
        QuadHeap { keys, events: Vec::new(), len: 0 }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The smallest key, `u128::MAX` when empty.
    #[inline]
    fn min_key(&self) -> u128 {
        self.keys[0]
    }

    #[inline]
    fn peek(&self) -> Option<&E> {
        if self.len == 0 { None } else { self.events.first() }
    }

    /// Adds an entry: a hole climbs from the end to where the key belongs.
    #[inline(always)]
    fn push(&mut self, key: u128, event: E) {
        debug_assert!(self.len < SLOTS);
        if self.events.is_empty() {
            self.events = vec![event; ROOM];
        }
        let events: &mut [E; ROOM] = self.events.as_mut_slice().try_into().expect("ROOM events");
        let keys = &mut *self.keys;
        let mut hole = self.len & (SLOTS - 1);
        self.len += 1;
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if keys[parent] < key {
                break;
            }
            keys[hole] = keys[parent];
            events[hole] = events[parent];
            hole = parent;
        }
        keys[hole] = key;
        events[hole] = event;
    }

    /// Removes the smallest entry (there must be one): the last entry fills the hole it leaves,
    /// descending past every smaller child.
    #[inline]
    fn pop(&mut self) -> E {
        let events: &mut [E; ROOM] = self.events.as_mut_slice().try_into().expect("a pop from an empty heap");
        let keys = &mut *self.keys;
        self.len -= 1;
        let len = self.len & (SLOTS - 1);
        let top = events[0];
        let last_key = std::mem::replace(&mut keys[len], u128::MAX);
        if len == 0 {
            return top;
        }
        let last = events[len];
        let mut hole = 0;
        loop {
            let first = hole * ARITY + 1;
            if first >= len {
                break;
            }
            let first = first & (SLOTS - 1);
            let (child, key) = min_of_four(keys[first..first + ARITY].try_into().expect("four children"));
            if key >= last_key {
                break;
            }
            keys[hole] = key;
            events[hole] = events[first + child];
            hole = first + child;
        }
        keys[hole] = last_key;
        events[hole] = last;
        top
    }

    /// Hands every entry to `take`, leaving the heap empty.
    fn drain(&mut self, mut take: impl FnMut(Entry<E>)) {
        for (key, &event) in self.keys[..self.len].iter_mut().zip(&self.events) {
            take(Entry { key: std::mem::replace(key, u128::MAX), event });
        }
        self.len = 0;
    }
}

/// The place and value of the smallest of four keys, without branches to mispredict.
#[inline]
fn min_of_four(keys: &[u128; ARITY]) -> (usize, u128) {
    let (a, b) = if keys[1] < keys[0] { (1, keys[1]) } else { (0, keys[0]) };
    let (c, d) = if keys[3] < keys[2] { (3, keys[3]) } else { (2, keys[2]) };
    if d < b { (c, d) } else { (a, b) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::mix64;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

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
        assert_eq!(queue.peak_pending(), 2);
    }

    /// Against a binary heap of (time, sequence): random delays over many magnitudes (zero,
    /// ties, the end of time included), pushes interleaved with pops, and a horizon. The
    /// pending count climbs to about 1 000 and then wanders around it, across `RADIX_ABOVE`.
    #[test]
    fn same_order_as_a_binary_heap() {
        same_order_as_a_binary_heap_with(EventQueue::new(), |_| None, wander);
    }

    /// Two pushes per pop for the first 1 000 steps, then 0, 1 or 2 at random.
    fn wander(step: u64, draw: u64) -> u64 {
        if step < 1000 { 2 } else { draw % 3 }
    }

    /// Two pushes per pop for 3 000 steps, then none for 3 000, and again: the heap grows past
    /// `RADIX_ABOVE` and drains below `SMALL_BELOW` five times, moving its events both ways.
    fn surge(step: u64, _: u64) -> u64 {
        if (step / 3000).is_multiple_of(2) { 2 } else { 0 }
    }

    /// The same while the heap switches between the small and the radix heap, with and without
    /// a lane: delays over many magnitudes and ties, but none at the end of time, which would
    /// stay pending past the horizon and keep the heap from draining.
    #[test]
    fn switching_heaps_keeps_the_binary_heaps_order() {
        let finite = |draw: u64| (draw >> 3) >> (draw % 48);
        let switches = same_order_as_a_binary_heap_with(EventQueue::new(), |draw| Some(finite(draw)), surge);
        assert_eq!(switches, 10);
        let mut queue = EventQueue::new();
        queue.add_delay_lane(1_000);
        let laned = |draw: u64| Some(if draw.is_multiple_of(4) { 1_000 } else { finite(draw) });
        let switches = same_order_as_a_binary_heap_with(queue, laned, surge);
        assert_eq!(switches, 10);
    }

    /// The same with delay lanes: a third of the events are scheduled with one of the lanes'
    /// delays (zero among them), and lanes and heap must merge into the binary heap's order.
    #[test]
    fn delay_lanes_keep_the_binary_heaps_order() {
        let lanes = [0, 7, 1_000_000, 1_000_001];
        let mut queue = EventQueue::new();
        for delay in lanes {
            queue.add_delay_lane(delay);
        }
        queue.add_delay_lane(7); // a second time: ignored
        assert_eq!(queue.lanes.len(), lanes.len());
        same_order_as_a_binary_heap_with(
            queue,
            |draw| (draw % 3 == 0).then(|| lanes[(draw >> 8) as usize % 4]),
            wander,
        );
    }

    /// The lanes' ring buffer against `VecDeque`: pushes and pops interleaved, so that it grows
    /// while its FIFO wraps around the end of the buffer.
    #[test]
    fn ring_is_a_fifo_across_growth() {
        let mut ring = Ring::new();
        let mut reference = std::collections::VecDeque::new();
        let (mut x, mut wrapped) = (1u64, false);
        for step in 0..5_000u64 {
            x = mix64(x);
            let pushes = if step % 1000 < 300 { 2 } else { x % 3 };
            for k in 0..pushes {
                let entry = Entry { key: (step * 3 + k) as u128, event: step };
                ring.push_back(entry);
                reference.push_back(entry.key);
            }
            assert_eq!(ring.front().map(|e| e.key), reference.front().copied(), "step {step}");
            if ring.len > 0 {
                assert_eq!(Some(ring.pop_front().key), reference.pop_front(), "step {step}");
            }
            wrapped |= ring.head > ring.slots.len();
        }
        assert!(ring.slots.len() >= 256 && wrapped, "{} slots", ring.slots.len());
    }

    /// Pushes with random delays (or `lane_delay`'s, when it has one), `pushes(step, draw)` of
    /// them before each pop, pops with `pop_before` and with `has_before` + `pop`, checking each
    /// and `peek` against a binary heap of (time, sequence). Returns how often the queue moved
    /// its heap's events between the small and the radix heap.
    fn same_order_as_a_binary_heap_with(
        mut queue: EventQueue<u64>,
        lane_delay: impl Fn(u64) -> Option<SimTime>,
        pushes: impl Fn(u64, u64) -> u64,
    ) -> usize {
        let mut switches = 0;
        let mut reference = BinaryHeap::new();
        let (mut seq, mut x) = (0u64, 1u64);
        for step in 0..30_000u64 {
            x = mix64(x);
            let large = queue.large;
            for k in 0..pushes(step, x) {
                let draw = mix64(x ^ k);
                let delay = match (lane_delay(draw), draw % 8) {
                    (Some(delay), _) => delay,
                    (None, 0) => 0,
                    (None, 1) => SimTime::MAX,
                    _ => (draw >> 3) >> (draw % 61),
                };
                let time = queue.now().saturating_add(delay);
                queue.schedule_in(delay, seq);
                reference.push(Reverse((time, seq)));
                seq += 1;
            }
            assert_eq!(queue.peek().copied(), reference.peek().map(|r| r.0.1), "peek, step {step}");
            let horizon = SimTime::MAX - 1;
            let expected = match reference.peek() {
                Some(Reverse((time, _))) if *time < horizon => reference.pop().map(|r| r.0.1),
                _ => None,
            };
            let got =
                if step % 2 == 0 { queue.pop_before(horizon) } else { queue.has_before(horizon).then(|| queue.pop()) };
            assert_eq!(got, expected, "step {step}");
            assert_eq!(queue.pending(), reference.len());
            // The kept smallest keys: the heap's, the lanes', and the next of both.
            assert_eq!(queue.heap_key, queue.heap_min(), "step {step}");
            assert_eq!((queue.lane_in, queue.lane_key), queue.lane_min(), "step {step}");
            assert_eq!(queue.next_key, queue.heap_key.min(queue.lane_key), "step {step}");
            switches += usize::from(queue.large != large);
            let heap = if queue.large { queue.radix.len } else { queue.small.len() };
            assert!(if queue.large { heap >= SMALL_BELOW } else { heap <= RADIX_ABOVE }, "step {step}");
        }
        switches
    }
}
