//! The contention workload (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog
//! 2015): clients each update one shared row once with optimistic concurrency control. A
//! client reads the row's version, then writes conditionally on it; a write that carries a
//! stale version is a conflict, after which the client backs off (`recovery::backoff`, the
//! request path's own backoff and jitters) and reads again; after its successful write it
//! stops. The row's server answers at once; every message takes the network's delay.
//!
//! It shares nothing with the request path: the world owns one `Contention` when the scenario
//! has `[workload] kind = "contention"`, schedules its events in the one queue (generic over
//! the world's event type, as the request path is) and hands them back here.

use crate::engine::{EventQueue, RandomStreams, SimTime, Stream};
use crate::ids::{ClientId, PerClient};
use crate::metrics::{CONTENTION_METRICS, MetricValues};
use crate::model::{Contention as Config, NetworkModel, StreamKind};
use crate::recovery::{Retry, backoff};

/// A message arriving: at the row's server (reads, writes) or back at a client (replies).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum ContentionEvent {
    /// A client's read request reaches the server.
    Read(ClientId),
    /// The version the server read reaches the client.
    ReadReply(ClientId, u32),
    /// A client's write, conditional on the version it read, reaches the server.
    Write(ClientId, u32),
    /// The write's outcome reaches the client: true when it succeeded.
    WriteReply(ClientId, bool),
}

/// One client: its stream (message delays and backoff draws), its writes so far and the
/// previous backoff (decorrelated jitter grows from it).
struct Client {
    rng: Stream,
    writes: u32,
    previous: SimTime,
}

/// The row, its clients and the counts reported at the end.
pub(crate) struct Contention {
    network: NetworkModel,
    retry: Retry,
    version: u32,
    clients: PerClient<Client>,
    /// Conditional writes that reached the server (Brooker's "calls").
    calls: u64,
    /// Clients that succeeded or gave up.
    finished: u32,
    /// When the last client's final write reply arrived.
    last: SimTime,
}

impl Contention {
    /// The workload of `config` over `network`, each client on its own stream.
    pub(crate) fn new(config: &Config, network: &NetworkModel, streams: &RandomStreams) -> Self {
        let clients = streams.streams(StreamKind::Contention, config.clients as usize);
        let clients = clients.into_iter().map(|rng| Client { rng, writes: 0, previous: config.retry.base });
        Contention {
            network: network.clone(),
            retry: config.retry.clone(),
            version: 0,
            clients: PerClient::from(clients.collect::<Vec<_>>()),
            calls: 0,
            finished: 0,
            last: 0,
        }
    }

    /// Every client sends its first read at time 0.
    pub(crate) fn start<E: Copy + From<ContentionEvent>>(&mut self, queue: &mut EventQueue<E>) {
        for client in ClientId::all(self.clients.len() as u32) {
            self.send(client, 0, 0, ContentionEvent::Read(client), queue);
        }
    }

    /// Handles one arriving message.
    pub(crate) fn on_event<E: Copy + From<ContentionEvent>>(
        &mut self,
        event: ContentionEvent,
        queue: &mut EventQueue<E>,
    ) {
        let now = queue.now();
        match event {
            ContentionEvent::Read(c) => self.send(c, now, 0, ContentionEvent::ReadReply(c, self.version), queue),
            ContentionEvent::ReadReply(c, version) => self.send(c, now, 0, ContentionEvent::Write(c, version), queue),
            ContentionEvent::Write(c, version) => {
                self.calls += 1;
                let ok = version == self.version;
                self.version += u32::from(ok);
                self.send(c, now, 0, ContentionEvent::WriteReply(c, ok), queue);
            }
            ContentionEvent::WriteReply(c, ok) => self.on_write_reply(c, ok, now, queue),
        }
    }

    /// A success, or the last write allowed, ends the client; a conflict backs off and reads
    /// again: the wait is added to the read request's delay, as in Brooker's simulator.
    fn on_write_reply<E: Copy + From<ContentionEvent>>(
        &mut self,
        c: ClientId,
        ok: bool,
        now: SimTime,
        queue: &mut EventQueue<E>,
    ) {
        let client = &mut self.clients[c];
        client.writes += 1;
        if ok || client.writes >= self.retry.max_attempts {
            self.finished += 1;
            self.last = now;
            return;
        }
        let wait = backoff::delay(&self.retry, client.writes, client.previous, &mut client.rng);
        client.previous = wait;
        self.send(c, now, wait, ContentionEvent::Read(c), queue);
    }

    /// Sends `event` on client `c`'s link at `now` + `wait`: it arrives one network delay later.
    /// Loss is refused when the scenario is checked (nothing here times out), so every message
    /// arrives.
    fn send<E: Copy + From<ContentionEvent>>(
        &mut self,
        c: ClientId,
        now: SimTime,
        wait: SimTime,
        event: ContentionEvent,
        queue: &mut EventQueue<E>,
    ) {
        let rng = &mut self.clients[c].rng;
        let sent = now.saturating_add(wait);
        let at = self.network.transit(sent, rng).unwrap_or(sent);
        queue.schedule_at(at, event.into());
    }

    /// `contention_calls`, `contention_completion_time` (seconds; the horizon while a client
    /// is still trying) and `contention_unfinished` (given up or still trying).
    pub(crate) fn report(&self, horizon: SimTime, out: &mut MetricValues) {
        let [calls, time, unfinished] = CONTENTION_METRICS;
        let succeeded = self.version;
        let done = self.finished == self.clients.len() as u32;
        out.push(calls, self.calls as f64);
        out.push(time, crate::engine::time::to_seconds(if done { self.last } else { horizon }));
        out.push(unfinished, f64::from(self.clients.len() as u32 - succeeded));
    }
}

#[cfg(test)]
mod tests;
