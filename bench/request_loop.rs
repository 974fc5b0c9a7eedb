//! A hand-specialised simulation loop of the request-path model of scenarios/request-path.toml:
//! the floor discosim's request path is timed against (bench/request-path.sh). No framework: a
//! binary heap of 16-byte events, a FIFO lane for the attempt timeouts (they all have the same
//! delay, so they expire in the order they are set), xorshift draws, requests in a slab.
//!
//! The model: 20 instances × 4 workers, FIFO queue of at most 100 waiting (more are rejected);
//! exponential service with mean 5 ms; 50 clients × Poisson 200 requests/s; constant 1 ms delay
//! each way; each attempt to a uniformly random instance the request has not tried; attempt
//! timeout 200 ms; up to 3 attempts, 10 ms apart after a failure; servers finish abandoned
//! attempts. Prints the same statistics as bench/simpy_requests.py.
//!
//! Build and run (the flags of discosim's release profile):
//!   rustc -C opt-level=3 -C codegen-units=1 -C lto=fat -o /tmp/request_loop bench/request_loop.rs
//!   /tmp/request_loop [SEED] [HORIZON_SECONDS]
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const INSTANCES: usize = 20;
const WORKERS: u32 = 4;
const QUEUE_LIMIT: usize = 100;
const SERVICE_MEAN_NS: f64 = 5e6;
const CLIENTS: usize = 50;
const RATE_PER_NS: f64 = 200.0 / 1e9;
const DELAY_NS: u64 = 1_000_000;
const TIMEOUT_NS: u64 = 200_000_000;
const BACKOFF_NS: u64 = 10_000_000;
const MAX_ATTEMPTS: u8 = 3;

/// Event kinds, in the low bits of the payload.
const ARRIVAL: u64 = 0; // a client's next request (payload: client)
const AT_SERVER: u64 = 1; // an attempt reaches its instance (payload: request slot)
const DONE: u64 = 2; // a worker finishes an attempt (payload: request slot, instance)
const REPLY: u64 = 3; // a success reply reaches the client (payload: request slot, attempt)
const REJECTED: u64 = 4; // a rejection reaches the client
const RETRY: u64 = 5; // the backoff after a failed attempt ends

/// Generations wrap at 4096 reuses of a slot (seconds of simulated time apart here, while an
/// event of a request outlives it by at most a reply's delay).
const GENERATION_MASK: u32 = 0xFFF;

/// An attempt's event value: slot (20 bits), generation (12), instance (5).
fn pack(slot: u32, generation: u32, instance: u8) -> u64 {
    (slot as u64) << 17 | (generation as u64) << 5 | instance as u64
}

fn unpack(value: u64) -> (u32, u32, u8) {
    ((value >> 17) as u32, ((value >> 5) & GENERATION_MASK as u64) as u32, (value & 31) as u8)
}

/// (time, sequence) ordering with a packed payload: kind (3 bits), attempt (2 bits), slot.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
struct Event {
    time: u64,
    seq_payload: u64,
}

struct Request {
    /// Bumped each time the slot is reused, so events of an earlier request are recognised.
    generation: u32,
    start: u64,
    attempt: u8,
    tried: [u8; 3],
    done: bool,
}

struct Instance {
    busy: u32,
    queue: VecDeque<u64>,
}

struct Sim {
    heap: BinaryHeap<Reverse<Event>>,
    timeouts: VecDeque<(u64, u32, u8, u32)>,
    seq: u64,
    rng: u64,
    requests: Vec<Request>,
    free: Vec<u32>,
    instances: Vec<Instance>,
    horizon: u64,
    started: u64,
    succeeded: u64,
    latency_sum_ns: u128,
}

impl Sim {
    fn next_u64(&mut self) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    fn exp_ns(&mut self, mean_ns: f64) -> u64 {
        (-self.uniform().ln() * mean_ns) as u64
    }

    /// Events carry a 24-bit sequence number above a 40-bit payload; the sequence wraps, which
    /// only reorders events more than 16 M apart at the same nanosecond (never here).
    fn push(&mut self, time: u64, kind: u64, value: u64) {
        self.seq = (self.seq + 1) & 0xFF_FFFF;
        let payload = (value << 3) | kind;
        self.heap.push(Reverse(Event { time, seq_payload: (self.seq << 40) | payload }));
    }

    fn new_request(&mut self, now: u64) -> u32 {
        let fresh = |generation| Request { generation, start: now, attempt: 0, tried: [u8::MAX; 3], done: false };
        match self.free.pop() {
            Some(slot) => {
                let generation = (self.requests[slot as usize].generation + 1) & GENERATION_MASK;
                self.requests[slot as usize] = fresh(generation);
                slot
            }
            None => {
                assert!(self.requests.len() < 1 << 20, "more than 2^20 requests in flight");
                self.requests.push(fresh(0));
                (self.requests.len() - 1) as u32
            }
        }
    }

    fn pick(&mut self, slot: u32) -> u8 {
        let tried = self.requests[slot as usize].tried;
        loop {
            let choice = (self.next_u64() % INSTANCES as u64) as u8;
            if !tried.iter().any(|&t| t & 0x7F == choice) {
                return choice;
            }
        }
    }

    fn send_attempt(&mut self, now: u64, slot: u32) {
        let instance = self.pick(slot);
        let request = &mut self.requests[slot as usize];
        request.tried[request.attempt as usize] = instance;
        request.attempt += 1;
        let (attempt, generation) = (request.attempt, request.generation);
        self.timeouts.push_back((now + TIMEOUT_NS, slot, attempt, generation));
        self.push(now + DELAY_NS, AT_SERVER, pack(slot, generation, instance));
    }

    fn arrival(&mut self, now: u64, client: u64) {
        let gap = self.exp_ns(1.0 / RATE_PER_NS);
        self.push(now + gap, ARRIVAL, client);
        if now < self.horizon {
            self.started += 1;
            let slot = self.new_request(now);
            self.send_attempt(now, slot);
        }
    }

    fn at_server(&mut self, now: u64, value: u64) {
        let instance = (value & 31) as usize;
        let server = &mut self.instances[instance];
        if server.busy < WORKERS {
            server.busy += 1;
            let service = self.exp_ns(SERVICE_MEAN_NS);
            self.push(now + service, DONE, value);
        } else if server.queue.len() < QUEUE_LIMIT {
            server.queue.push_back(value);
        } else {
            self.push(now + DELAY_NS, REJECTED, value);
        }
    }

    fn done(&mut self, now: u64, value: u64) {
        let instance = (value & 31) as usize;
        self.push(now + DELAY_NS, REPLY, value);
        match self.instances[instance].queue.pop_front() {
            Some(next) => {
                let service = self.exp_ns(SERVICE_MEAN_NS);
                self.push(now + service, DONE, next);
            }
            None => self.instances[instance].busy -= 1,
        }
    }

    /// The attempt this event belongs to is the request's current one (not timed out).
    fn current(&self, slot: u32, generation: u32, instance: u8) -> bool {
        let request = &self.requests[slot as usize];
        request.generation == generation && !request.done && request.tried[request.attempt as usize - 1] == instance
    }

    fn reply(&mut self, now: u64, value: u64, success: bool) {
        let (slot, generation, instance) = unpack(value);
        if !self.current(slot, generation, instance) {
            return;
        }
        if success {
            let request = &mut self.requests[slot as usize];
            request.done = true;
            self.succeeded += 1;
            self.latency_sum_ns += (now - request.start) as u128;
            self.free.push(slot);
        } else {
            self.fail_attempt(now, slot);
        }
    }

    fn fail_attempt(&mut self, now: u64, slot: u32) {
        let request = &mut self.requests[slot as usize];
        if request.attempt < MAX_ATTEMPTS {
            // Mark the attempt over so a late reply of it is ignored.
            request.tried[request.attempt as usize - 1] |= 0x80;
            self.push(now + BACKOFF_NS, RETRY, slot as u64);
        } else {
            request.done = true;
            self.free.push(slot);
        }
    }

    /// The earliest timeout, if it is due before `until` and its attempt is still current.
    fn fire_timeouts(&mut self, until: u64) {
        while let Some(&(at, slot, attempt, generation)) = self.timeouts.front() {
            if at > until {
                return;
            }
            self.timeouts.pop_front();
            let request = &self.requests[slot as usize];
            let live = request.generation == generation
                && !request.done
                && request.attempt == attempt
                && request.tried[attempt as usize - 1] < 0x80;
            if live {
                self.fail_attempt(at, slot);
            }
        }
    }

    fn run(&mut self) {
        for client in 0..CLIENTS as u64 {
            let first = self.exp_ns(1.0 / RATE_PER_NS);
            self.push(first, ARRIVAL, client);
        }
        let end = self.horizon + 1_000_000_000;
        while let Some(Reverse(event)) = self.heap.pop() {
            if event.time > end {
                break;
            }
            self.fire_timeouts(event.time);
            let value = (event.seq_payload & 0xFF_FFFF_FFFF) >> 3;
            match event.seq_payload & 7 {
                ARRIVAL => self.arrival(event.time, value),
                AT_SERVER => self.at_server(event.time, value),
                DONE => self.done(event.time, value),
                REPLY => self.reply(event.time, value, true),
                REJECTED => self.reply(event.time, value, false),
                _ => self.send_attempt(event.time, value as u32),
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let horizon_s: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let mut sim = Sim {
        heap: BinaryHeap::with_capacity(4096),
        timeouts: VecDeque::with_capacity(4096),
        seq: 0,
        rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        requests: Vec::with_capacity(4096),
        free: Vec::new(),
        instances: (0..INSTANCES).map(|_| Instance { busy: 0, queue: VecDeque::with_capacity(QUEUE_LIMIT) }).collect(),
        horizon: (horizon_s * 1e9) as u64,
        started: 0,
        succeeded: 0,
        latency_sum_ns: 0,
    };
    sim.run();
    let ratio = sim.succeeded as f64 / sim.started.max(1) as f64;
    let mean = sim.latency_sum_ns as f64 / sim.succeeded.max(1) as f64 / 1e9;
    println!("requests={} succeeded={} success_ratio={ratio:.6} latency_mean_s={mean:.6}", sim.started, sim.succeeded);
}
