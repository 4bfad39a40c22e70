#!/usr/bin/env bash
# Headless Neovim test: the plugin starts `$REMIT_BIN lsp` for a broken
# fixture and must receive the server's diagnostic for it.
#   REMIT_BIN=/path/to/remit editors/nvim/test/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export REMIT_BIN="${REMIT_BIN:-remit}"

if ! command -v nvim >/dev/null 2>&1; then
  echo "FAIL: nvim diagnostics test: nvim is not installed" >&2
  exit 1
fi

# A scratch XDG home, so no user config, plugin or shada leaks in (and the
# LSP log lands somewhere we can print).
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" \
  XDG_STATE_HOME="$scratch/state" XDG_CACHE_HOME="$scratch/cache"

echo "+ nvim --headless -u NONE -i NONE -n -c 'luafile test/diagnostics_test.lua'  (REMIT_BIN=$REMIT_BIN, $(nvim --version | head -1))"
status=0
timeout 90 nvim --headless -u NONE -i NONE -n \
  -c "luafile $here/diagnostics_test.lua" </dev/null || status=$?

if [ "$status" -ne 0 ]; then
  if [ "$status" -eq 124 ]; then
    echo "FAIL: nvim diagnostics test: nvim did not exit within 90 s"
  fi
  log="$(find "$scratch" -name 'lsp.log' 2>/dev/null | head -1)"
  if [ -n "$log" ] && [ -s "$log" ]; then
    echo "--- last lines of the LSP log ($log):"
    tail -n 40 "$log"
  fi
  exit 1
fi
