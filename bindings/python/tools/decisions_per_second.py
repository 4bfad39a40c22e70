"""Decisions per second of the Python evaluator on one table.

    python bindings/python/tools/decisions_per_second.py TABLE.json [SECONDS]

Builds 512 mixed requests for the table (a seeded random role, action and
well-typed value for every input and counter, so most reach the rows),
then decides them round-robin for SECONDS (default 3) and prints the
rate. A measurement for docs/performance.md, not a test: nothing here
asserts a speed.
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import Any, Dict

from remit_table import Table


def requests(doc: Dict[str, Any], n: int, seed: int = 7) -> list[Dict[str, Any]]:
    rng = random.Random(seed)
    roles, actions = sorted(doc["roles"]), sorted(doc["actions"])

    def value(info: Dict[str, Any]) -> Any:
        ty = info["type"]
        if ty == "bool":
            return rng.random() < 0.5
        if ty == "enum":
            return rng.choice(info["values"])
        if ty == "set":
            return [v for v in info["values"] if rng.random() < 0.3]
        if ty == "key":
            return f"K-{rng.randrange(10)}"
        if ty == "time":
            return rng.randrange(1440)
        if ty == "money":
            return rng.randrange(0, 50000)
        return rng.randrange(0, 400)

    out = []
    for _ in range(n):
        action = rng.choice(actions)
        r: Dict[str, Any] = {"role": rng.choice(roles), "action": action,
                             "params": {}, "customer": {}, "context": {}, "usage": {}}
        for key, info in doc["inputs"].items():
            section, _, field = key.partition(".")
            if section == "param":
                if field in doc["actions"][action]["params"]:
                    r["params"][field] = value(info)
            elif not info.get("optional") or rng.random() < 0.5:
                r[section][field] = value(info)
        for cid in doc["counters"]:
            r["usage"][cid] = rng.randrange(0, 3) if "/count/" in cid else rng.randrange(0, 20000)
        out.append(r)
    return out


def main() -> None:
    path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    with open(path, "rb") as f:
        doc = json.load(f)
    table = Table.load(path)
    batch = requests(doc, 512)
    decided = 0
    outcomes: Dict[str, int] = {}
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for r in batch:
            d = table.decide(r)
            outcomes[d["decision"]] = outcomes.get(d["decision"], 0) + 1
        decided += len(batch)
    elapsed = time.perf_counter() - start
    print(f"{path}: {len(doc['rows'])} rows, {decided} decisions in {elapsed:.2f} s: "
          f"{decided / elapsed:,.0f} decisions/s ({1e6 * elapsed / decided:.1f} µs each); "
          f"{dict(sorted(outcomes.items()))}")


if __name__ == "__main__":
    main()
