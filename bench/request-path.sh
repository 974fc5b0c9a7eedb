#!/usr/bin/env bash
# Request-path speed (issue #17, target 2): scenarios/request-path.toml (600 000 requests in
# 60 s simulated: 20 instances × 4 workers, 50 clients × 200 requests/s, 3 attempts) run by
# discosim, by bench/request_loop.rs (a hand-specialised loop of the same model: the floor) and
# by bench/simpy_requests.py (the same model in SimPy), each RUNS times (default 5) with seeds
# 1..RUNS, alternating so that all see the same machine load. Whole processes: start-up,
# parsing and output included. Prints every run, the medians, the ratios discosim / loop
# (target ≤ 1.2) and SimPy / discosim (target ≥ 100), and each tool's mean latency beside the
# M/M/4 closed form, 8.066 ms.
#   bench/request-path.sh      RUNS=9 bench/request-path.sh      SIMPY=0 bench/request-path.sh
#   HORIZON=600 bench/request-path.sh   (seconds simulated; default 60)
# (One replication has no confidence interval, so discosim reports the [[expect]] as failed:
# its message is discarded.) SimPy is installed with pip (bench/requirements.txt) if missing; SIMPY=0 skips it (each of
# its runs takes about 15 s). Uses target/release/discosim (built if missing) or $DISCOSIM;
# the loop is compiled with rustc -C opt-level=3 -C codegen-units=1 -C lto=fat, the flags of discosim's release profile.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
runs=${RUNS:-5}
horizon=${HORIZON:-60}
simpy=${SIMPY:-1}
bin=${DISCOSIM:-target/release/discosim}
[ -x "$bin" ] || cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rustc -C opt-level=3 -C codegen-units=1 -C lto=fat -o "$out/request_loop" bench/request_loop.rs
if [ "$simpy" != 0 ]; then
    "$python" -c 'import simpy' 2>/dev/null || "$python" -m pip install --quiet -r bench/requirements.txt
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
latency() { grep -o 'latency_mean_s=[0-9.]*' "$1" | cut -d= -f2; }

printf '%-9s %-5s %-10s %s\n' tool seed wall_s latency_mean_s
for seed in $(seq "$runs"); do
    start=$(now)
    "$bin" run scenarios/request-path.toml --quiet --threads 1 --replications 1 --seed "$seed" \
        --set "horizon=${horizon}s" --out "$out/d$seed" > /dev/null 2> "$out/err" || true
    wall=$(elapsed "$start" "$(now)")
    mean=$("$python" -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))["latency.mean"])' "$out/d$seed/runs.csv")
    printf '%-9s %-5s %-10s %s\n' discosim "$seed" "$wall" "$mean" | tee -a "$out/rows"

    start=$(now)
    "$out/request_loop" "$seed" "$horizon" > "$out/loop.txt"
    wall=$(elapsed "$start" "$(now)")
    printf '%-9s %-5s %-10s %s\n' loop "$seed" "$wall" "$(latency "$out/loop.txt")" | tee -a "$out/rows"

    if [ "$simpy" != 0 ]; then
        start=$(now)
        "$python" bench/simpy_requests.py --seed "$seed" --horizon "$horizon" > "$out/simpy.txt"
        wall=$(elapsed "$start" "$(now)")
        printf '%-9s %-5s %-10s %s\n' simpy "$seed" "$wall" "$(latency "$out/simpy.txt")" | tee -a "$out/rows"
    fi
done

"$python" - "$out/rows" <<'EOF'
import statistics as st, sys
rows = [line.split() for line in open(sys.argv[1])]
col = lambda tool, i: [float(r[i]) for r in rows if r[0] == tool]
disco, loop, simpy = col("discosim", 2), col("loop", 2), col("simpy", 2)
print(f"\nmedian wall: discosim {st.median(disco):.3f} s, loop {st.median(loop):.3f} s", end="")
print(f", simpy {st.median(simpy):.2f} s" if simpy else "")
print(f"discosim / loop: {st.median(disco) / st.median(loop):.2f}x (target <= 1.2x)")
if simpy:
    print(f"simpy / discosim: {st.median(simpy) / st.median(disco):.0f}x (target >= 100x)")
for tool in ("discosim", "loop", "simpy"):
    means = col(tool, 3)
    if means:
        print(f"{tool} mean latency {st.mean(means) * 1e3:.4f} ms (M/M/4 closed form: 8.066 ms)")
EOF
