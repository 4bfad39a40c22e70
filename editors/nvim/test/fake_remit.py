#!/usr/bin/env python3
"""A stand-in for `remit lsp`, to test the Neovim plugin and its test harness
without the real server: `REMIT_BIN=editors/nvim/test/fake_remit.py
editors/nvim/test/run.sh`.

It speaks just enough LSP over stdio (initialize, didOpen/didChange,
shutdown, exit) and publishes one error per `permit ROLE` or `forbid ROLE`
whose role has no `role ROLE` declaration in the document, worded like the
real checker ("unknown role `ROLE`"). It is not the Remit checker.
"""

import json
import re
import sys

ROLE_DECL = re.compile(r"^\s*role\s+([A-Za-z_][A-Za-z0-9_]*)")
EFFECT = re.compile(r"^(\s*(?:permit|forbid)\s+)([A-Za-z_][A-Za-z0-9_]*)")


def read_message(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length is None:
        return None
    return json.loads(stream.read(length).decode("utf-8"))


def send(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def diagnostics(text):
    lines = text.split("\n")
    declared = {m.group(1) for m in map(ROLE_DECL.match, lines) if m}
    found = []
    for number, line in enumerate(lines):
        m = EFFECT.match(line)
        if m and m.group(2) != "any" and m.group(2) not in declared:
            start = len(m.group(1))
            found.append(
                {
                    "range": {
                        "start": {"line": number, "character": start},
                        "end": {"line": number, "character": start + len(m.group(2))},
                    },
                    "severity": 1,
                    "code": "E0101",
                    "source": "remit",
                    "message": "unknown role `%s`" % m.group(2),
                }
            )
    return found


def publish(uri, text):
    send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/publishDiagnostics",
            "params": {"uri": uri, "diagnostics": diagnostics(text)},
        }
    )


def main():
    if sys.argv[1:] != ["lsp"]:
        print("usage: fake_remit.py lsp", file=sys.stderr)
        return 2
    stdin = sys.stdin.buffer
    shutting_down = False
    while True:
        message = read_message(stdin)
        if message is None:
            return 0 if shutting_down else 1
        method = message.get("method")
        params = message.get("params") or {}
        if method == "initialize":
            send(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "result": {
                        "capabilities": {"textDocumentSync": 1},
                        "serverInfo": {"name": "fake-remit"},
                    },
                }
            )
        elif method == "textDocument/didOpen":
            document = params["textDocument"]
            publish(document["uri"], document["text"])
        elif method == "textDocument/didChange":
            changes = params.get("contentChanges") or []
            if changes:
                publish(params["textDocument"]["uri"], changes[-1]["text"])
        elif method == "shutdown":
            shutting_down = True
            send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif method == "exit":
            return 0 if shutting_down else 1
        elif "id" in message:
            send(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": -32601, "message": "method not found: %s" % method},
                }
            )


if __name__ == "__main__":
    sys.exit(main())
