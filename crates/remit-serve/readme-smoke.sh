#!/usr/bin/env bash
# The README's third command, run literally from the repository root as a
# user of a fresh clone would: build the hotel table, start `remit serve`
# on the default address, `curl` the decision the README shows, and stop
# the service with SIGTERM (it must drain and exit 0). The files it makes
# (hotel.json, the usage ledger) are removed afterwards. `.ci/run` calls
# it; the service's test `curl_follows_the_docs` runs the same lines on a
# free port.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
log="$(mktemp)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -f "$log" "$root/hotel.json" "$root"/remit-usage.db*
}
trap cleanup EXIT

# The `sh` blocks of the README's "third command" section, in order.
blocks="$(awk '/^## The third command/{on=1; next} /^## /{on=0} on' "$root/README.md" |
  awk '/^```sh$/{b++; inside=1; next} /^```/{inside=0; next} inside{print b "\t" $0}')"
start="$(printf '%s\n' "$blocks" | awk -F'\t' '$1==1{print $2}')"
ask="$(printf '%s\n' "$blocks" | awk -F'\t' '$1==2{sub(/^2\t/, ""); print}')"
build_line="$(printf '%s\n' "$start" | sed -n 1p)"
serve_line="$(printf '%s\n' "$start" | sed -n 2p)"

cd "$root"
if [ -e hotel.json ] || ls remit-usage.db* >/dev/null 2>&1; then
  echo "readme-smoke: hotel.json or remit-usage.db already exists in $root; not touching it" >&2
  exit 1
fi
echo "+ $build_line"
eval "$build_line"
echo "+ $serve_line &"
if curl -fs http://127.0.0.1:7878/healthz >/dev/null 2>&1; then
  echo "readme-smoke: something already answers on 127.0.0.1:7878; stop it first" >&2
  exit 1
fi
# `exec`, so the job's pid is the service itself (cargo run execs it too).
eval "exec $serve_line" > "$log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  curl -fs http://127.0.0.1:7878/healthz >/dev/null 2>&1 && break
  sleep 0.5
done
echo "+ (the README's curl)"
answer="$(eval "$ask")"
echo "$answer"
case "$answer" in
  *'"decision":"permit"'* | *'"decision": "permit"'*) ;;
  *) echo "readme-smoke: the README's curl did not get the permit it shows" >&2; cat "$log" >&2; exit 1 ;;
esac
# `cargo run` forwards SIGTERM to the service, which drains and exits 0.
kill -TERM "$server"
wait "$server"
server=""
echo "readme-smoke: the README's service commands work as written"
