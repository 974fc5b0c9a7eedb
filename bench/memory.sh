#!/usr/bin/env bash
# Memory against the horizon (a performance target): peak RSS of scenarios/baseline.toml at its horizon
# (1000 s) and at FACTOR times it (default 10), by /usr/bin/time -f %M, each the median of
# RUNS runs (default 3). Target: the longer run uses less than 1.2x the memory.
#   bench/memory.sh            bench/memory.sh 100
# Uses target/release/discosim (built if missing) or $DISCOSIM.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${DISCOSIM:-target/release/discosim}
[ -x "$bin" ] || cargo build --release --quiet
factor=${1:-10}
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

peak_kb() { # horizon in seconds -> median peak RSS in KB
    for _ in $(seq "$runs"); do
        /usr/bin/time -f %M -o "$out/rss" "$bin" run scenarios/baseline.toml --quiet \
            --set "horizon=$1s" --out "$out/r" > /dev/null
        cat "$out/rss"
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

short=$(peak_kb 1000)
long=$(peak_kb $((1000 * factor)))
printf 'horizon %6s s: peak RSS %6s KB\n' 1000 "$short" $((1000 * factor)) "$long"
awk -v a="$short" -v b="$long" -v f="$factor" \
    'BEGIN { r = b / a; printf "ratio %.3f at %dx the horizon: %s\n", r, f, (r < 1.2 ? "below 1.2x" : "ABOVE 1.2x") }'
