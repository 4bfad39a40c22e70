#!/usr/bin/env bash
# Renders `remit doc` of every example, and a `remit report` page, in headless Chromium and keeps a
# screenshot of each page as target/artifacts/doc-<example>.png, for a
# person to look at (issue 13, item 22). Fails when a page does not render.
# Run by .ci/run; skipped, saying so, where Chromium is not installed.
#   DOC_SHOT_HEIGHT=6000 bash tests/doc/render.sh   # taller shots, whole pages
set -euo pipefail
cd "$(dirname "$0")/../.."
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "doc render: skipped, Chromium is not installed (apt-get install chromium)" >&2
  exit 0
fi
height=${DOC_SHOT_HEIGHT:-2000}
artifacts=target/artifacts
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q -p remit-cli
status=0
for dir in examples/*/; do
  example=$(basename "$dir")
  ls "$dir"*.remit >/dev/null 2>&1 || continue
  out="$work/$example"
  "${CARGO_TARGET_DIR:-target}/debug/remit" doc "$dir" -o "$out" 2>/dev/null
  shot="$artifacts/doc-$example.png"
  rm -f "$shot"
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile-$example" --hide-scrollbars \
    --window-size="1280,$height" --screenshot="$PWD/$shot" "file://$out/index.html" \
    >/dev/null 2>&1 || true
  size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
  if [ "$size" -lt 20000 ]; then
    echo "doc render: $example: the screenshot is $size bytes; the page did not render" >&2
    status=1
  else
    echo "doc render: $example ok ($shot, $size bytes)"
  fi
done
# The page `remit report` writes, from the report test's week of the hotel
# example's decisions (crates/remit-cli/tests/report.rs).
REMIT_REPORT_HTML="$work/report.html" cargo test -q -p remit-cli --test report \
  the_reports_figures_equal_those_counted_from_the_log >/dev/null
shot="$artifacts/report-hotel_front_desk.png"
rm -f "$shot"
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile-report" --hide-scrollbars \
  --window-size="1280,$height" --screenshot="$PWD/$shot" "file://$work/report.html" \
  >/dev/null 2>&1 || true
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
if [ "$size" -lt 20000 ]; then
  echo "report render: the screenshot is $size bytes; the page did not render" >&2
  status=1
else
  echo "report render: ok ($shot, $size bytes)"
fi
exit $status
