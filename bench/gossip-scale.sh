#!/usr/bin/env bash
# Gossip scale check (issue #14's performance target: 10 000 members, memberlist LAN, 1 h
# simulated, one replication, under 60 s on 2 cores and under 2 GB): runs bench/gossip-10k.toml
# RUNS times (default 3) and prints the median wall and user seconds and peak RSS; then the
# peak RSS at a tenth of the horizon, for the memory-flatness target (10x the horizon, less
# than 1.2x the memory).
#   bench/gossip-scale.sh
# Uses target/release/discosim (built if missing) or $DISCOSIM.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${DISCOSIM:-target/release/discosim}
[ -x "$bin" ] || cargo build --release --quiet
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() { # horizon -> "wall user rss" medians over RUNS runs
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %M" -o "$out/t" "$bin" run bench/gossip-10k.toml --quiet --threads 1 \
            --set "horizon=$1" --out "$out/r" --force > /dev/null
        cat "$out/t"
    done | awk '{w[NR]=$1; u[NR]=$2; m[NR]=$3} END {
        n = asort(w); asort(u); asort(m); k = int((n + 1) / 2); print w[k], u[k], m[k] }'
}

read -r wall user rss <<< "$(measure 3600s)"
printf '10 000 members, 1 h: %s s wall, %s s user, peak RSS %s KB (medians of %s)\n' "$wall" "$user" "$rss" "$runs"
read -r _ _ short <<< "$(measure 360s)"
awk -v a="$short" -v b="$rss" 'BEGIN { r = b / a; printf "peak RSS %s KB at 360 s, %s KB at 3600 s: ratio %.3f (%s)\n",
    a, b, r, (r < 1.2 ? "below 1.2x" : "ABOVE 1.2x") }'
