#!/usr/bin/env python3
"""Prints the README's table "What the source formulas get right" from the checks.csv files
that `discosim check` wrote. Regenerate with:

    cargo run --release -- check scenarios/ --quiet > /dev/null && python3 scripts/formula-table.py
"""
import csv
import os

# The source document's claims, the scenario that tests each, and the corrected formula.
CLAIMS = [
    ("heartbeat every T → detection 2T", "heartbeat", "mean ≈ 1.5T + T²/(12·MTTF) + E[d] − T·q/(1+q); within (T, 2T] + d"),
    ("timer check every T → T", "timer", "mean T/2 + τ − E[d]; max ≤ T + τ"),
    ("observer, probability p → 1/p", "observer", "mean τ/p − τ/2 seconds (1/p ticks)"),
    ("event, probability p → 1/p", "event", "mean (1−q)E[d] + q(S + E[d] − P/2 − Pq/(1−q))"),
    ("retry n times at interval T → nT", "retry", "nT + (n+1)·timeout"),
    ("exponential backoff → T(2ⁿ−1)", "backoff", "T(2ⁿ−1) + (n+1)·timeout; half the waits with full jitter"),
    ("timestamp, probability p, validity T → pT", "timestamp", "(τ + b)·p/(1−p) + p·RTT per request"),
    ("consistent hashing h(x⊕y) = h(x)⊕h(y)", "hashing", "false for any good hash; ≈ 1/n of keys move on one removal"),
]


def fmt(value):
    return f"{float(value):.4g}" if value else "–"


def rows(scenario):
    path = os.path.join("results", scenario, "checks.csv")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    print("| claim | expectation (formula) | sweep points holding | example point: predicted | simulated [95 % CI] | corrected formula |")
    print("| --- | --- | --- | --- | --- | --- |")
    for claim, scenario, corrected in CLAIMS:
        checks = rows(scenario)
        fixed = {"expectation", "metric", "formula", "holds", "tolerance", "predicted", "simulated",
                 "ci_low", "ci_high", "min", "max", "deviation_pct", "verdict"}
        for name in dict.fromkeys(r["expectation"] for r in checks):
            mine = [r for r in checks if r["expectation"] == name]
            held = sum(r["verdict"] == "holds" for r in mine)
            example = mine[len(mine) // 2]
            point = ", ".join(f"{k} = {v}" for k, v in example.items() if k not in fixed)
            simulated = f"{fmt(example['simulated'])} [{fmt(example['ci_low'])}, {fmt(example['ci_high'])}]"
            if example["holds"] != "mean":
                simulated += f", range {fmt(example['min'])}–{fmt(example['max'])}"
            print(f"| {claim} | {name} (`{example['holds']}`: `{example['formula']}`) | {held}/{len(mine)} "
                  f"| {point}: {fmt(example['predicted'])} | {simulated} | {corrected} |")
            claim = "″"


if __name__ == "__main__":
    main()
