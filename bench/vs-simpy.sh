#!/usr/bin/env bash
# discosim against SimPy on the same model: scenarios/baseline.toml run by discosim and by
# bench/simpy_baseline.py (an independent SimPy model of that scenario), each run RUNS times
# (default 5) with seeds 1..RUNS, alternating so that both see the same machine load. Prints
# every run, the median wall times (whole processes: start-up, parsing and output included on
# both sides), the median of the per-seed ratios, and compares the results: mean detection
# time and false suspicions, as means over the runs with a Welch t statistic (|t| < 3.3: no
# difference at the 99.9 % level).
#   bench/vs-simpy.sh            RUNS=9 bench/vs-simpy.sh
# SimPy is installed with pip (bench/requirements.txt) if missing; $PYTHON picks the
# interpreter (default python3, 3.11 or later). Uses target/release/discosim (built if
# missing) or $DISCOSIM.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
model=bench/simpy_baseline.py
"$python" -c 'import simpy' 2>/dev/null || "$python" -m pip install --quiet -r bench/requirements.txt
bin=${DISCOSIM:-target/release/discosim}
[ -x "$bin" ] || cargo build --release --quiet
runs=${RUNS:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

printf '%-9s %-5s %-10s %-16s %-16s\n' tool seed wall_s mean_detection_s false_suspicions
for seed in $(seq "$runs"); do
    start=$(now)
    "$python" "$model" scenarios/baseline.toml --seed "$seed" > "$out/simpy.txt"
    wall=$(elapsed "$start" "$(now)")
    mean=$(grep -o 'mean_detection_s=[0-9.]*' "$out/simpy.txt" | cut -d= -f2)
    false=$(grep -o 'false_suspicions=[0-9]*' "$out/simpy.txt" | cut -d= -f2)
    printf '%-9s %-5s %-10s %-16s %-16s\n' simpy "$seed" "$wall" "$mean" "$false" | tee -a "$out/rows"

    start=$(now)
    "$bin" run scenarios/baseline.toml --quiet --seed "$seed" --out "$out/d$seed" > /dev/null
    wall=$(elapsed "$start" "$(now)")
    row=$("$python" -c 'import csv,sys; r = next(csv.DictReader(open(sys.argv[1])))
print(r["detection_time.mean"], r["false_suspicions"])' "$out/d$seed/runs.csv")
    printf '%-9s %-5s %-10s %-16s %-16s\n' discosim "$seed" "$wall" $row | tee -a "$out/rows"
done

"$python" - "$out/rows" <<'EOF'
import statistics as st, sys
rows = [line.split() for line in open(sys.argv[1])]
col = lambda tool, i: [float(r[i]) for r in rows if r[0] == tool]
def welch(a, b):
    se = (st.variance(a) / len(a) + st.variance(b) / len(b)) ** 0.5
    return (st.mean(a) - st.mean(b)) / se if se > 0 else 0.0
simpy, disco = col("simpy", 2), col("discosim", 2)
pairs = [a / b for a, b in zip(simpy, disco)]
print(f"\nmedian wall: simpy {st.median(simpy):.3f} s, discosim {st.median(disco):.4f} s")
print(f"median ratio (per seed, SimPy / discosim): {st.median(pairs):.0f}x "
      f"(range {min(pairs):.0f}x-{max(pairs):.0f}x; ratio of medians {st.median(simpy) / st.median(disco):.0f}x)")
for name, i in (("mean detection time", 3), ("false suspicions", 4)):
    a, b = col("discosim", i), col("simpy", i)
    t = welch(a, b)
    verdict = "match" if abs(t) < 3.3 else "DIFFER"
    print(f"{name}: discosim {st.mean(a):.4f}, simpy {st.mean(b):.4f}, Welch t = {t:+.2f}: {verdict}")
EOF
