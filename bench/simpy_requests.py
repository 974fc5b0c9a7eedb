#!/usr/bin/env python3
"""The request-path model of scenarios/request-path.toml, written again in SimPy, to time
discosim against the tool researchers would otherwise write (bench/request-path.sh).

The model (the scenario's comment says the same): 20 instances with 4 workers each and a FIFO
queue of at most 100 waiting (an attempt that finds 100 waiting is rejected at once);
exponential service with mean 5 ms; 50 clients, each sending requests as a Poisson process of
200 per second; a constant 1 ms network delay each way, no loss, no failures; each attempt goes
to an instance chosen uniformly at random among those the request has not tried; an attempt
fails on a rejection or after a 200 ms timeout, and the request is retried 10 ms later on another
instance, at most 3 attempts in all; servers finish attempts their client has abandoned.

It prints `requests=N succeeded=N success_ratio=X latency_mean_s=X` over the requests started
before the horizon (latency: from the request's start to its successful reply). Theory: each
instance is an M/M/4 queue at 500 requests/s, so the mean latency is 2 ms + 5 ms + C(4, 2.5)/300 s
= 8.066 ms (Erlang's C formula).

Usage: python3 bench/simpy_requests.py [--seed S] [--horizon SECONDS]
"""
import argparse
import random

import simpy

INSTANCES, WORKERS, QUEUE_LIMIT, SERVICE_MEAN = 20, 4, 100, 0.005
CLIENTS, RATE, DELAY = 50, 200.0, 0.001
TIMEOUT, BACKOFF, MAX_ATTEMPTS = 0.2, 0.01, 3


class Stats:
    def __init__(self):
        self.requests = 0
        self.succeeded = 0
        self.latency_sum = 0.0


def serve(env, rng, workers, reply):
    """One attempt at an instance: arrives after the delay, queues or is rejected, is served,
    and its reply travels back (even if the client has given up on it)."""
    yield env.timeout(DELAY)
    if len(workers.queue) >= QUEUE_LIMIT and workers.count >= WORKERS:
        yield env.timeout(DELAY)
        if not reply.triggered:
            reply.succeed(False)
        return
    with workers.request() as slot:
        yield slot
        yield env.timeout(rng.expovariate(1.0 / SERVICE_MEAN))
    yield env.timeout(DELAY)
    if not reply.triggered:
        reply.succeed(True)


def request(env, rng, instances, stats):
    start = env.now
    tried = []
    for attempt in range(MAX_ATTEMPTS):
        choice = rng.choice([i for i in range(INSTANCES) if i not in tried] or range(INSTANCES))
        tried.append(choice)
        reply = env.event()
        env.process(serve(env, rng, instances[choice], reply))
        deadline = env.timeout(TIMEOUT)
        outcome = yield reply | deadline
        if reply in outcome and outcome[reply]:
            stats.succeeded += 1
            stats.latency_sum += env.now - start
            return
        if attempt + 1 < MAX_ATTEMPTS:
            yield env.timeout(BACKOFF)


def client(env, rng, instances, stats, horizon):
    while True:
        yield env.timeout(rng.expovariate(RATE))
        if env.now >= horizon:
            return
        stats.requests += 1
        env.process(request(env, rng, instances, stats))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--horizon", type=float, default=60.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = simpy.Environment()
    instances = [simpy.Resource(env, capacity=WORKERS) for _ in range(INSTANCES)]
    stats = Stats()
    for _ in range(CLIENTS):
        env.process(client(env, rng, instances, stats, args.horizon))
    # Requests started before the horizon finish within 3 attempts of at most 210 ms each.
    env.run(until=args.horizon + 1.0)
    ratio = stats.succeeded / stats.requests if stats.requests else 0.0
    mean = stats.latency_sum / stats.succeeded if stats.succeeded else 0.0
    print(f"requests={stats.requests} succeeded={stats.succeeded} success_ratio={ratio:.6f} "
          f"latency_mean_s={mean:.6f}")


if __name__ == "__main__":
    main()
