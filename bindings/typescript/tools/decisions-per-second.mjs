// Decisions per second of the TypeScript evaluator on one table.
//
//     npm run build && node bindings/typescript/tools/decisions-per-second.mjs TABLE.json [SECONDS]
//
// Builds 512 mixed requests for the table (a seeded random role, action and
// well-typed value for every input and counter, so most reach the rows),
// then decides them round-robin for SECONDS (default 3) and prints the
// rate. A measurement for docs/performance.md, not a test: nothing here
// asserts a speed.

import { readFileSync } from "node:fs";
import { Table } from "../dist/index.js";

/** A small seeded generator (mulberry32), so every run decides the same requests. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function requests(doc, n) {
  const rng = random(7);
  const pick = (xs) => xs[Math.floor(rng() * xs.length)];
  const below = (n) => Math.floor(rng() * n);
  const roles = Object.keys(doc.roles).sort();
  const actions = Object.keys(doc.actions).sort();
  const value = (info) => {
    switch (info.type) {
      case "bool": return rng() < 0.5;
      case "enum": return pick(info.values);
      case "set": return info.values.filter(() => rng() < 0.3);
      case "key": return `K-${below(10)}`;
      case "time": return below(1440);
      case "money": return below(50000);
      default: return below(400);
    }
  };
  const out = [];
  for (let i = 0; i < n; i++) {
    const action = pick(actions);
    const r = { role: pick(roles), action, params: {}, customer: {}, context: {}, usage: {} };
    for (const [key, info] of Object.entries(doc.inputs)) {
      const [section, field] = [key.slice(0, key.indexOf(".")), key.slice(key.indexOf(".") + 1)];
      if (section === "param") {
        if (field in doc.actions[action].params) r.params[field] = value(info);
      } else if (!info.optional || rng() < 0.5) {
        r[section][field] = value(info);
      }
    }
    for (const id of Object.keys(doc.counters)) r.usage[id] = id.includes("/count/") ? below(3) : below(20000);
    out.push(r);
  }
  return out;
}

const path = process.argv[2];
const seconds = Number(process.argv[3] ?? 3);
const doc = JSON.parse(readFileSync(path, "utf8"));
const table = Table.load(path);
const batch = requests(doc, 512);
const outcomes = {};
let decided = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  for (const r of batch) {
    const d = table.decide(r);
    outcomes[d.decision] = (outcomes[d.decision] ?? 0) + 1;
  }
  decided += batch.length;
}
const elapsed = (performance.now() - start) / 1000;
console.log(
  `${path}: ${doc.rows.length} rows, ${decided} decisions in ${elapsed.toFixed(2)} s: ` +
    `${Math.round(decided / elapsed).toLocaleString("en")} decisions/s (${((1e6 * elapsed) / decided).toFixed(1)} µs each); ` +
    JSON.stringify(Object.fromEntries(Object.entries(outcomes).sort())),
);
