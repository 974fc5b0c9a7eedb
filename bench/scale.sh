#!/usr/bin/env bash
# Scale (a performance target): scenarios/scale-100k.toml — 100 000 instances, one hour of simulated time,
# heartbeat detector, crash-recover failures — in one run on one thread. Prints the wall time
# and peak RSS (/usr/bin/time), the engine's queue events per second, and the heartbeats
# simulated per second. Target: under 60 s on the project's 2-core machine.
#   bench/scale.sh                         (scenarios/scale-100k.toml)
#   bench/scale.sh bench/scale-1m.toml     (1 000 000 instances: issue #17's target)
#   bench/scale.sh bench/scale-1m.toml --set detector.evaluation=lazy   (extra options go to run)
# Uses target/release/discosim (built if missing) or $DISCOSIM.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${DISCOSIM:-target/release/discosim}
[ -x "$bin" ] || cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scenario=${1:-scenarios/scale-100k.toml}
shift || true
/usr/bin/time -f '%e %M' -o "$out/time" "$bin" run "$scenario" --quiet --force \
    --out "$out/r" "$@" > /dev/null
read -r wall rss < "$out/time"
python3 - "$out/r" "$wall" "$rss" <<'PY'
import csv, sys
folder, wall, rss = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
engine = next(csv.DictReader(open(f"{folder}/engine.csv")))
run = next(csv.DictReader(open(f"{folder}/runs.csv")))
events, sent = int(engine["events"]), float(run["messages_sent"])
print(f"wall {wall:.1f} s (simulation {float(engine['wall_seconds']):.1f} s), peak RSS {rss / 1024:.0f} MB")
print(f"queue events {events:,}: {int(engine['events_per_second']) / 1e6:.2f} M events/s")
print(f"heartbeats sent {sent:,.0f}: {sent / float(engine['wall_seconds']) / 1e6:.1f} M/s")
print(f"crashes {float(run['crashes']):,.0f}, mean detection {float(run['detection_time.mean']):.4f} s, "
      f"false suspicions {float(run['false_suspicions']):,.0f}")
print("under 60 s" if wall < 60 else "OVER 60 s")
PY
