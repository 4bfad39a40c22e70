#!/usr/bin/env bash
# Batch Emacs tests for editors/emacs (ERT):
#   editors/emacs/test/run.sh mode     remit-mode: byte-compiles cleanly; font-lock, comments, indentation
#   editors/emacs/test/run.sh eglot    Eglot against the real `$REMIT_BIN lsp'
#   editors/emacs/test/run.sh lsp-mode lsp-mode against the real `$REMIT_BIN lsp'
# With no argument, runs all three. Each run is bounded by `timeout`, and
# each test inside it by its own waits, which fail with a message.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode_dir="$(dirname "$here")"

if ! command -v emacs >/dev/null 2>&1; then
  echo "FAIL: emacs tests: emacs is not installed (apt-get install emacs-nox elpa-eglot)" >&2
  exit 1
fi
if [ -n "${REMIT_BIN:-}" ]; then
  REMIT_BIN="$(cd "$(dirname "$REMIT_BIN")" && pwd)/$(basename "$REMIT_BIN")"
  export REMIT_BIN
fi

# A scratch HOME, so no user init file, package or server session leaks in.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

run_suite() {
  local name="$1" file="$2"
  echo "+ emacs -Q --batch -l ert -l remit-mode.el -l test/$file -f ert-run-tests-batch-and-exit  ($(emacs --version | head -1), REMIT_BIN=${REMIT_BIN:-unset})"
  local status=0
  HOME="$scratch" timeout 300 emacs -Q --batch -L "$mode_dir" -L "$here" \
    -l ert -l "$mode_dir/remit-mode.el" -l "$here/$file" \
    -f ert-run-tests-batch-and-exit </dev/null || status=$?
  if [ "$status" -eq 124 ]; then
    echo "FAIL: emacs $name tests: emacs did not exit within 300 s"
  fi
  return "$status"
}

# remit-mode.el byte-compiles without a warning (into the scratch
# directory, so no .elc is left beside the source to shadow it).
compile_mode() {
  echo "+ emacs -Q --batch -f batch-byte-compile remit-mode.el  (warnings are errors)"
  cp "$mode_dir/remit-mode.el" "$scratch/remit-mode.el"
  HOME="$scratch" timeout 120 emacs -Q --batch \
    --eval '(setq byte-compile-error-on-warn t)' \
    -f batch-byte-compile "$scratch/remit-mode.el" </dev/null
}

suites=("$@")
[ "${#suites[@]}" -eq 0 ] && suites=(mode eglot lsp-mode)
for suite in "${suites[@]}"; do
  case "$suite" in
    mode) compile_mode && run_suite mode remit-mode-test.el ;;
    eglot) run_suite eglot remit-eglot-test.el ;;
    lsp-mode) run_suite lsp-mode remit-lsp-mode-test.el ;;
    *) echo "run.sh: unknown suite \`$suite\` (mode, eglot or lsp-mode)" >&2; exit 2 ;;
  esac
done
