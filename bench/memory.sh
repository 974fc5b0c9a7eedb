#!/usr/bin/env bash
# Memory against the horizon (a performance target): peak RSS of scenarios/baseline.toml at its horizon
# (1000 s) and at FACTOR times it (default 10), by /usr/bin/time -f %M, each the median of
# RUNS runs (default 3). Target: the longer run uses less than 1.2x the memory.
#   bench/memory.sh            bench/memory.sh 100
# Another scenario and base horizon (seconds), e.g. the request path (issue #17, target 3):
#   SCENARIO=scenarios/request-path.toml HORIZON=60 bench/memory.sh   (one replication each)
# Uses target/release/discosim (built if missing) or $DISCOSIM.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${DISCOSIM:-target/release/discosim}
[ -x "$bin" ] || cargo build --release --quiet
factor=${1:-10}
runs=${RUNS:-3}
scenario=${SCENARIO:-scenarios/baseline.toml}
base=${HORIZON:-1000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

peak_kb() { # horizon in seconds -> median peak RSS in KB
    for _ in $(seq "$runs"); do
        # Exit 1 (an [[expect]] that one replication cannot confirm) is not this script's concern.
        rc=0
        /usr/bin/time -f %M -o "$out/rss" "$bin" run "$scenario" --quiet --replications 1 --force \
            --set "horizon=$1s" --out "$out/r" > /dev/null 2> "$out/err" || rc=$?
        [ "$rc" -le 1 ] || { cat "$out/err" >&2; exit "$rc"; }
        cat "$out/rss"
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

short=$(peak_kb "$base")
long=$(peak_kb $((base * factor)))
printf 'horizon %6s s: peak RSS %6s KB\n' "$base" "$short" $((base * factor)) "$long"
awk -v a="$short" -v b="$long" -v f="$factor" \
    'BEGIN { r = b / a; printf "ratio %.3f at %dx the horizon: %s\n", r, f, (r < 1.2 ? "below 1.2x" : "ABOVE 1.2x") }'
