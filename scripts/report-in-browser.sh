#!/usr/bin/env bash
# Renders a report (`discosim run --report`) in a real browser, headless Chromium from
# Debian's packages (`apt-get install chromium`), and checks what a reader sees: the browser's
# DOM must hold every chart's <svg>, every table (provenance, summary, every metric, one per
# expectation) and every row of summary.csv and checks.csv. Takes a screenshot.
# Exits non-zero if anything is missing. Run by hand; CI does not need a browser.
#
#   scripts/report-in-browser.sh [SCENARIO] [SCREENSHOT]
#   scripts/report-in-browser.sh scenarios/heartbeat.toml docs/report.png
#
# SCENARIO defaults to scenarios/heartbeat.toml, SCREENSHOT to report.png in the results
# folder. DISCOSIM and CHROMIUM name the binaries (defaults: target/release/discosim, chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/heartbeat.toml}
bin=${DISCOSIM:-target/release/discosim}
chromium=${CHROMIUM:-chromium}
[ -x "$bin" ] || cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/results"
screenshot=${2:-$out/report.png}
case "$screenshot" in /*) ;; *) screenshot="$PWD/$screenshot" ;; esac

"$bin" run "$scenario" --quiet --trace --report --out "$out" > /dev/null

# No network, no sync, no first-run pages, a fresh profile: the page must stand alone.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --hide-scrollbars --user-data-dir="$work/profile")
"$chromium" "${flags[@]}" --dump-dom "file://$out/report.html" > "$work/dom.html" 2> "$work/chromium.log"
"$chromium" "${flags[@]}" --window-size=1200,1500 --screenshot="$screenshot" "file://$out/report.html" \
    2>> "$work/chromium.log" > /dev/null

python3 - "$out" "$work/dom.html" <<'EOF'
import csv, glob, os, sys
from html.parser import HTMLParser

out, dom_file = sys.argv[1], sys.argv[2]

class Counter(HTMLParser):
    """Counts the rendered DOM's elements: svg, table (by class) and rows per table class."""
    def __init__(self):
        super().__init__()
        self.svg, self.tables, self.rows, self.table = 0, {}, {}, []
    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svg += 1
        elif tag == "table":
            kind = dict(attrs).get("class", "")
            self.tables[kind] = self.tables.get(kind, 0) + 1
            self.table.append(kind)
        elif tag == "tr" and self.table:
            self.rows[self.table[-1]] = self.rows.get(self.table[-1], 0) + 1
    def handle_endtag(self, tag):
        if tag == "table" and self.table:
            self.table.pop()

dom = Counter()
dom.feed(open(dom_file, encoding="utf-8").read())

def rows(name):
    path = os.path.join(out, name)
    return list(csv.reader(open(path, encoding="utf-8")))[1:] if os.path.exists(path) else []

checks = rows("checks.csv")
expected = {
    "chart <svg>": (dom.svg, len(glob.glob(os.path.join(out, "*.svg")))),
    "provenance table": (dom.tables.get("provenance", 0), 1),
    "summary table": (dom.tables.get("summary", 0), 1),
    "every-metric table": (dom.tables.get("every-metric", 0), 1),
    "summary rows (+ header)": (dom.rows.get("summary", 0), len(rows("summary.csv")) + 1),
    "verdict tables": (dom.tables.get("checks", 0), len({tuple(r[:5]) for r in checks})),
    "verdict rows (+ headers)": (dom.rows.get("checks", 0), len(checks) + len({tuple(r[:5]) for r in checks})),
}
missing = False
for what, (found, wanted) in expected.items():
    ok = found == wanted and wanted > 0 or what.startswith("verdict") and found == wanted
    missing |= not ok
    print(f"{'ok ' if ok else 'MISSING'} {what}: {found} in the browser's DOM, {wanted} expected")
sys.exit(1 if missing else 0)
EOF
echo "screenshot: $screenshot"
