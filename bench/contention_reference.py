#!/usr/bin/env python3
"""Independent re-implementation of the optimistic-concurrency contention model of Marc
Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), written for
discosim from the model's description: it copies no code of the blog's simulator
(aws-samples/aws-arch-backoff-simulator), whose licence this repository does not carry.

The model (the same as the blog's simulator, read and re-expressed):
- one row with a version, on one server that answers at once;
- N clients start at time 0; each reads the version, then writes conditionally on it; a
  write with a stale version is a conflict; after a conflict the client backs off, then reads
  again; after a successful write it stops;
- every message (read request, read reply, write request, write reply) takes
  |Normal(10 ms, 2 ms)|; the backoff after conflict number n is added to the next read
  request's delay;
- backoffs (base 5 ms, cap 2000 ms): none = 0; exponential = min(cap, base * 2^n);
  full = U(0, that); equal = that/2 + U(0, that/2); decorrelated =
  min(cap, U(base, 3 * previous)), previous starting at base;
- "calls" counts conditional writes (reads are not counted); "completion time" is the time
  of the last event, the last client's successful write reply; both averaged over 100 runs.

Usage: python3 bench/contention_reference.py [REPS] [MAX_CLIENTS]   (defaults 100, 190)
Prints one CSV row per (clients, strategy): clients,strategy,calls,time_ms,calls_sd,time_sd.
"""
import heapq
import random
import statistics
import sys

BASE, CAP, MEAN, SD = 5.0, 2000.0, 10.0, 2.0


def delay(rng):
    return abs(rng.normalvariate(MEAN, SD))


def make_backoff(kind, rng):
    previous = [BASE]

    def wait(n):
        v = min(CAP, BASE * 2 ** n)
        if kind == "none":
            return 0.0
        if kind == "exponential":
            return v
        if kind == "full":
            return rng.uniform(0, v)
        if kind == "equal":
            return v / 2 + rng.uniform(0, v / 2)
        previous[0] = min(CAP, rng.uniform(BASE, previous[0] * 3))
        return previous[0]

    return wait


def one_run(clients, kind, rng):
    """Returns (writes, time of the last event) of one run."""
    version, writes, now, seq = 0, 0, 0.0, 0
    conflicts = [0] * clients
    waits = [make_backoff(kind, rng) for _ in range(clients)]
    queue = []
    for c in range(clients):
        seq += 1
        heapq.heappush(queue, (delay(rng), seq, "read", c, None))
    while queue:
        now, _, what, c, value = heapq.heappop(queue)
        if what == "read":          # at the server: answer the version
            nxt = (now + delay(rng), "read_reply", c, version)
        elif what == "read_reply":  # at the client: write conditionally
            nxt = (now + delay(rng), "write", c, value)
        elif what == "write":       # at the server: the conditional write
            writes += 1
            ok = value == version
            version += ok
            nxt = (now + delay(rng), "write_reply", c, ok)
        elif value:                 # write reply, success: the client stops
            continue
        else:                       # write reply, conflict: back off, read again
            conflicts[c] += 1
            nxt = (now + delay(rng) + waits[c](conflicts[c]), "read", c, None)
        seq += 1
        heapq.heappush(queue, (nxt[0], seq) + nxt[1:])
    return writes, now


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 190
    rng = random.Random(2015)
    print("clients,strategy,calls,time_ms,calls_sd,time_sd")
    for clients in range(10, top + 1, 10):
        for kind in ("none", "exponential", "full", "equal", "decorrelated"):
            runs = [one_run(clients, kind, rng) for _ in range(reps)]
            calls, times = [r[0] for r in runs], [r[1] for r in runs]
            print(f"{clients},{kind},{statistics.mean(calls):.1f},{statistics.mean(times):.1f},"
                  f"{statistics.stdev(calls):.1f},{statistics.stdev(times):.1f}", flush=True)


if __name__ == "__main__":
    main()
