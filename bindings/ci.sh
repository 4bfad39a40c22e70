#!/usr/bin/env bash
# The Python and TypeScript evaluators against the shared conformance suite
# (tests/conformance/). Run from anywhere; installs what it needs:
# a Python virtual environment with pytest, mypy and the package (editable),
# and the TypeScript dev dependencies from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

run() {
  printf '+ %s\n' "$*"
  "$@"
}

need_apt() {
  if command -v apt-get >/dev/null 2>&1; then
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  else
    echo "bindings/ci.sh: missing $* and no apt-get to install it" >&2
    exit 1
  fi
}

PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null 2>&1 || need_apt python3 python3-venv
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need_apt nodejs npm

printf '\n== Python: bindings/python\n'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! run "$PYTHON" -m venv "$work/venv"; then
  need_apt python3-venv
  run "$PYTHON" -m venv "$work/venv"
fi
py="$work/venv/bin/python"
run "$py" --version
run "$py" -m pip install --quiet --disable-pip-version-check pytest mypy
run "$py" -m pip install --quiet --disable-pip-version-check -e bindings/python
(
  cd bindings/python
  run "$py" -m mypy --strict src tests
  run "$py" -m pytest -q tests
)

printf '\n== TypeScript: bindings/typescript\n'
(
  cd bindings/typescript
  run node --version
  run npm ci --no-audit --no-fund
  run npm run build
  run npm test
)

printf '\n== bindings: ok\n'
