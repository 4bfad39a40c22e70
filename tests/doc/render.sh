#!/usr/bin/env bash
# Renders `remit doc` output for the hotel example in headless Chromium and
# checks that a real screenshot comes out. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
cargo run -q -p remit-cli -- doc examples/hotel_front_desk -o "$out"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$out/profile" --window-size=1100,1400 \
  --screenshot="$out/shot.png" "file://$out/index.html" 2>/dev/null
size=$(stat -c %s "$out/shot.png")
if [ "$size" -lt 20000 ]; then
  echo "doc render: screenshot is only $size bytes; the page did not render" >&2
  exit 1
fi
echo "doc render: ok ($size-byte screenshot of $out/index.html)"
