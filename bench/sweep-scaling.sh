#!/usr/bin/env bash
# Sweep scaling benchmark: the heartbeat scenario swept over 8 intervals with
# 20 replications (160 runs), timed at each thread count given (default: 1 and 2), each
# REPEATS times (default 3); prints the median wall time and the speedup over 1 thread, and
# checks that every thread count wrote byte-identical runs.csv and summary.csv.
#   bench/sweep-scaling.sh [THREADS...]        e.g. bench/sweep-scaling.sh 1 2 4 8 16
# Uses target/release/discosim (built if missing) or $DISCOSIM.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${DISCOSIM:-target/release/discosim}
[ -x "$bin" ] || cargo build --release --quiet
threads=("${@:-1}")
[ $# -gt 0 ] || threads=(1 2)
repeats=${REPEATS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sweep='[ "0.25s", "0.5s", "0.75s", "1s", "1.5s", "2s", "3s", "4s" ]'
base=""
printf '%-8s %-12s %-8s\n' threads median_s speedup
for t in "${threads[@]}"; do
    times=()
    for _ in $(seq "$repeats"); do
        start=$(date +%s.%N)
        "$bin" run scenarios/heartbeat.toml --quiet --threads "$t" --replications 20 \
            --set "sweep.detector.interval=$sweep" --out "$out/t$t" > /dev/null
        end=$(date +%s.%N)
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    [ -n "$base" ] || base=$median
    printf '%-8s %-12.3f %-8.2f\n' "$t" "$median" "$(awk -v a="$base" -v b="$median" 'BEGIN { print a / b }')"
    for f in runs.csv summary.csv; do
        cmp -s "$out/t${threads[0]}/$f" "$out/t$t/$f" || { echo "MISMATCH: $f differs at $t threads"; exit 1; }
    done
done
echo "runs.csv and summary.csv identical at every thread count"
