#!/usr/bin/env python3
"""scenarios/baseline.toml written again in SimPy, as an independent check and a speed yardstick.

The model, as discosim defines it (README "Detectors", src/detect/lease.rs, src/world.rs):

* N instances, all up and registered at time 0. Each alternates up/down: time to failure
  exponential with mean MTTF, time to repair exponential with mean MTTR.
* While up, an instance sends a heartbeat every T, starting at a phase drawn uniformly in
  [0, T) at the start of each up period. A heartbeat is lost with probability `loss`, else it
  reaches the registry after an exponential delay (mean `delay`). A heartbeat already in
  flight when its sender crashes still arrives.
* The registry holds a lease per instance: it marks the instance down once nothing arrived for
  longer than `timeout` (the last arrival, or time 0), and up again at the next arrival.
* Scoring against the truth: a crash while the registry shows the instance up starts a
  detection, which ends when the registry marks it down (the detection time) or is lost when
  the instance recovers first (undetected). The registry marking a live instance down is a
  false suspicion; a crash during one ends it with nothing left to detect.

Parameters are read from the scenario file (only the baseline's shape is accepted); the
instance count, horizon and seed can be overridden. Prints the same statistics as
`discosim run` reports in runs.csv: detection_time.count, detection_time.mean,
false_suspicions, undetected, crashes.

Needs Python 3.11 or later (tomllib) and SimPy (bench/requirements.txt).
Usage: python3 bench/simpy_baseline.py [SCENARIO] [--seed N] [--instances N] [--horizon SECONDS]
"""
import argparse
import random
import re
import sys
import time
import tomllib

import simpy

UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(text):
    """A discosim duration ("10ms", "1s", "1.5h") in seconds."""
    match = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([a-z]+)\s*", str(text))
    if not match or match.group(2) not in UNITS:
        raise SystemExit(f"not a duration this model reads: {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def exponential_mean(dist, what):
    if not isinstance(dist, dict) or dist.get("dist") != "exponential" or "mean" not in dist:
        raise SystemExit(f"{what}: this model handles exponential distributions given by their mean only")
    return seconds(dist["mean"])


def parameters(path):
    """The baseline's parameters from the scenario file; anything else is refused."""
    with open(path, "rb") as f:
        s = tomllib.load(f)
    unsupported = sorted(set(s) - {"name", "description", "seed", "horizon", "replications", "cluster", "network", "detector"})
    if unsupported:
        raise SystemExit(f"{path}: this model has no {', '.join(unsupported)}")
    cluster, network, detector = s["cluster"], s["network"], s["detector"]
    failure = cluster["failure"]
    if failure.get("model") != "crash-recover":
        raise SystemExit(f"{path}: this model handles failure model crash-recover only")
    if detector.get("kind") != "heartbeat":
        raise SystemExit(f"{path}: this model handles the heartbeat detector only")
    interval = seconds(detector["interval"])
    return {
        "instances": int(cluster["instances"]),
        "horizon": seconds(s["horizon"]),
        "seed": int(s.get("seed", 1)),
        "mttf": exponential_mean(failure["mttf"], "cluster.failure.mttf"),
        "mttr": exponential_mean(failure["mttr"], "cluster.failure.mttr"),
        "delay": exponential_mean(network["delay"], "network.delay"),
        "loss": float(network.get("loss", 0.0)),
        "interval": interval,
        "timeout": seconds(detector["timeout"]) if "timeout" in detector else 2 * interval,
    }


class Baseline:
    def __init__(self, env, p, rng):
        self.env, self.p, self.rng = env, p, rng
        n = p["instances"]
        self.up = [True] * n            # the truth
        self.view_up = [True] * n       # the registry's view
        self.epoch = [0] * n            # up periods so far; a sender stops when it changes
        self.last_seen = [0.0] * n      # last heartbeat arrival (time 0: registration)
        self.revived = [None] * n       # event a lease waits on while the view is down
        self.crash_pending = [None] * n  # crash time awaiting detection
        self.in_mistake = [False] * n   # a false suspicion is ongoing
        self.detections = []
        self.false_suspicions = self.undetected = self.crashes = self.heartbeats = 0

    # --- the instance side -------------------------------------------------------------
    def life(self, i):
        env, rng, p = self.env, self.rng, self.p
        while True:
            env.process(self.sender(i, self.epoch[i]))
            yield env.timeout(rng.expovariate(1.0 / p["mttf"]))
            self.crash(i)
            yield env.timeout(rng.expovariate(1.0 / p["mttr"]))
            self.recover(i)

    def sender(self, i, epoch):
        env, rng, p = self.env, self.rng, self.p
        yield env.timeout(rng.random() * p["interval"])
        while self.epoch[i] == epoch:
            self.heartbeats += 1
            if rng.random() >= p["loss"]:
                env.timeout(rng.expovariate(1.0 / p["delay"])).callbacks.append(lambda _, i=i: self.arrive(i))
            yield env.timeout(p["interval"])

    # --- the registry side -------------------------------------------------------------
    def arrive(self, i):
        self.last_seen[i] = self.env.now
        if not self.view_up[i]:
            self.set_view(i, True)
            self.revived[i].succeed()

    def lease(self, i):
        env, timeout = self.env, self.p["timeout"]
        while True:
            seen = self.last_seen[i]
            wait = seen + timeout - env.now
            if wait > 0:
                yield env.timeout(wait)
            if self.last_seen[i] != seen:
                continue  # something arrived meanwhile: a new deadline
            self.revived[i] = env.event()
            self.set_view(i, False)
            yield self.revived[i]

    # --- scoring against the truth -----------------------------------------------------
    def crash(self, i):
        self.up[i] = False
        self.epoch[i] += 1
        self.crashes += 1
        if self.view_up[i]:
            self.crash_pending[i] = self.env.now
        else:
            self.in_mistake[i] = False  # the registry is right now; nothing to detect

    def recover(self, i):
        self.up[i] = True
        if self.crash_pending[i] is not None:
            self.undetected += 1
            self.crash_pending[i] = None

    def set_view(self, i, view_up):
        self.view_up[i] = view_up
        if view_up:
            self.in_mistake[i] = False
        elif self.up[i]:
            self.false_suspicions += 1
            self.in_mistake[i] = True
        elif self.crash_pending[i] is not None:
            self.detections.append(self.env.now - self.crash_pending[i])
            self.crash_pending[i] = None


def main():
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("scenario", nargs="?", default="scenarios/baseline.toml")
    cli.add_argument("--seed", type=int)
    cli.add_argument("--instances", type=int)
    cli.add_argument("--horizon", type=float, help="seconds")
    args = cli.parse_args()
    p = parameters(args.scenario)
    for key in ("seed", "instances", "horizon"):
        if getattr(args, key) is not None:
            p[key] = getattr(args, key)

    env = simpy.Environment()
    model = Baseline(env, p, random.Random(p["seed"]))
    for i in range(p["instances"]):
        env.process(model.life(i))
        env.process(model.lease(i))
    start = time.perf_counter()
    env.run(until=p["horizon"])
    wall = time.perf_counter() - start

    d = model.detections
    mean = sum(d) / len(d) if d else float("nan")
    print(f"simpy instances={p['instances']} horizon={p['horizon']:g} seed={p['seed']} "
          f"heartbeats={model.heartbeats} wall_s={wall:.3f}")
    print(f"detections={len(d)} mean_detection_s={mean:.6f} false_suspicions={model.false_suspicions} "
          f"undetected={model.undetected} crashes={model.crashes}")


if __name__ == "__main__":
    sys.exit(main())
