#!/usr/bin/env bash
# Regenerates the charts shown in the README (docs/*.png) from the shipped scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/discosim
[ -x "$bin" ] || cargo build --release --quiet
"$bin" run scenarios/heartbeat.toml --quiet > /dev/null
"$bin" run scenarios/end-to-end.toml --quiet --trace > /dev/null
"$bin" run scenarios/thundering-herd.toml --quiet > /dev/null
"$bin" run scenarios/tradeoff.toml --quiet > /dev/null
"$bin" run scenarios/gossip.toml --quiet > /dev/null
mkdir -p docs
cp results/heartbeat/detection-vs-interval.png docs/detection-vs-interval.png
cp results/end-to-end/failures-vs-retries.png docs/failures-vs-retries.png
cp results/end-to-end/timeline.png docs/timeline.png
cp results/thundering-herd/peak-load-vs-jitter.png docs/peak-load-vs-jitter.png
cp results/tradeoff/detection-vs-mistakes.png docs/detection-vs-mistakes.png
cp results/gossip/dissemination-vs-n.png docs/dissemination-vs-n.png
echo "docs/: $(ls docs/*.png | wc -l) charts"
