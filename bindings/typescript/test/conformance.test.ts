// Runs the shared conformance suite (tests/conformance/ at the repository
// root): one test per request vector, one per malformed table, which must
// be refused for the reason its file names, and per valid table, which
// must load and whose digest the documented recipe reproduces.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Table, TableError, parseJSON, stringifyJSON } from "../src/index.js";

// build-test/test/ -> the repository root is four levels up
const SUITE = resolve(__dirname, "..", "..", "..", "..", "tests", "conformance");

interface Case {
  name: string;
  request?: unknown;
  request_text?: string;
  request_hex?: string;
  expect: {
    decision: string;
    escalate_to?: string[];
    obligations?: string[];
    aims?: string[];
    notify?: string[];
    rules?: string[];
    errors?: Array<{ kind: string; input: string | null }>;
  };
}

/** A request or table given as text (`*_text`) or as bytes (`*_hex`). */
function textOf(text: string | undefined, hex: string | undefined): string | Uint8Array | undefined {
  if (text !== undefined) return text;
  return hex === undefined ? undefined : new Uint8Array(Buffer.from(hex, "hex"));
}

function jsonFiles(dir: string): string[] {
  return readdirSync(join(SUITE, dir))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(SUITE, dir, f));
}

function read(path: string): unknown {
  // The lossless parser: `8e3` stays a non-integer, big integers stay exact.
  return parseJSON(readFileSync(path, "utf8"));
}

const tables = new Map<string, Table>();
function table(rel: string): Table {
  let t = tables.get(rel);
  if (t === undefined) tables.set(rel, (t = Table.load(join(SUITE, rel))));
  return t;
}

let vectors = 0;
for (const file of jsonFiles("cases")) {
  const suite = read(file) as { table: string; cases: Case[] };
  const stem = file.slice(file.lastIndexOf("/") + 1, -".json".length);
  for (const c of suite.cases) {
    vectors++;
    test(`${stem}: ${c.name}`, () => {
      const t = table(suite.table);
      const text = textOf(c.request_text, c.request_hex);
      const d = text === undefined ? t.decide(c.request) : t.decideJSON(text);
      assert.equal(d.decision, c.expect.decision);
      for (const field of ["escalate_to", "obligations", "aims", "notify", "rules"] as const) {
        assert.deepEqual(d[field], c.expect[field] ?? [], field);
      }
      assert.deepEqual(
        d.errors.map((e) => [e.kind, e.input]),
        (c.expect.errors ?? []).map((e) => [e.kind, e.input]),
        "errors",
      );
      for (const e of d.errors) assert.ok(e.message.length > 0);
      const { trace, ...explained } = text === undefined ? t.explain(c.request) : t.explainJSON(text);
      assert.deepEqual(explained, d);
      assert.ok(Array.isArray(trace));
    });
  }
}

function refusal(load: () => unknown): string {
  try {
    load();
  } catch (e) {
    assert.ok(e instanceof TableError, `threw ${String(e)}, not a TableError`);
    return e.message;
  }
  return assert.fail("loaded a malformed table");
}

interface HeadroomCase {
  name: string;
  request: unknown;
  param: string;
  expect: {
    permitted: Array<[bigint | number, bigint | number]>;
    above: { decision: string; escalate_to: string[]; rules: string[] } | null;
    errors: Array<{ kind: string; input: string | null }>;
  };
}

let headroomVectors = 0;
for (const file of jsonFiles("headroom")) {
  const suite = read(file) as { table: string; cases: HeadroomCase[] };
  const stem = file.slice(file.lastIndexOf("/") + 1, -".json".length);
  for (const c of suite.cases) {
    headroomVectors++;
    test(`headroom ${stem}: ${c.name}`, () => {
      const h = table(suite.table).headroom(c.request, c.param);
      assert.deepEqual(
        h.permitted,
        c.expect.permitted.map(([lo, hi]) => [BigInt(lo), BigInt(hi)]),
        "permitted",
      );
      const above = h.above === null ? null : { decision: h.above.decision, escalate_to: h.above.escalate_to, rules: h.above.rules };
      assert.deepEqual(above, c.expect.above, "above");
      assert.deepEqual(
        h.errors.map((e) => [e.kind, e.input]),
        c.expect.errors.map((e) => [e.kind, e.input]),
        "errors",
      );
    });
  }
}

for (const file of jsonFiles("explain")) {
  const suite = read(file) as { table: string; cases: Array<{ name: string; request: unknown; detail: string }> };
  const stem = file.slice(file.lastIndexOf("/") + 1, -".json".length);
  for (const c of suite.cases) {
    test(`explain ${stem}: ${c.name}`, () => {
      const trace = table(suite.table).explain(c.request).trace;
      assert.deepEqual(
        trace.filter((t) => t.outcome !== "matched").map((t) => t.detail).slice(0, 1),
        [c.detail],
      );
    });
  }
}

const malformed = jsonFiles("malformed");
for (const file of malformed) {
  const stem = file.slice(file.lastIndexOf("/") + 1, -".json".length);
  test(`malformed: ${stem}`, () => {
    const doc = read(file) as { mentions: string[]; table?: unknown; table_text?: string; table_hex?: string };
    // A defect in how the table is written: load the text.
    const text = textOf(doc.table_text, doc.table_hex);
    const message = refusal(() => (text === undefined ? Table.fromObject(doc.table) : Table.fromJSON(text)));
    // The refusal names the defect: every word of `mentions` occurs in it.
    assert.ok(doc.mentions.length > 0, "the file lists no `mentions`");
    for (const word of doc.mentions) assert.ok(message.includes(word), `${JSON.stringify(message)} does not mention ${word}`);
    if (text === undefined) assert.equal(refusal(() => Table.fromJSON(stringifyJSON(doc.table))), message);
  });
}

/** docs/table-format.md, "Canonical body and digest", followed on the file
 * as written: `digest` empty, no row `source`, compact JSON. */
function recomputedDigest(path: string): string {
  const table = read(path) as { digest: string; rows: Array<{ source?: unknown }> };
  table.digest = "";
  for (const row of table.rows) delete row.source;
  return "sha256:" + createHash("sha256").update(stringifyJSON(table), "utf8").digest("hex");
}

for (const file of jsonFiles("tables")) {
  const name = file.slice(file.lastIndexOf("/") + 1);
  test(`table loads: ${name}`, () => {
    Table.load(file);
  });
  test(`digest recipe reproduces the digest: ${name}`, () => {
    assert.equal(recomputedDigest(file), Table.load(file).digest);
  });
}

test("the hand-lowered and the compiled hotel tables have one digest", () => {
  assert.equal(recomputedDigest(join(SUITE, "tables", "hotel.json")), recomputedDigest(join(SUITE, "tables", "hotel_front_desk.json")));
});

test("the suite is there", () => {
  assert.ok(vectors >= 100, `${vectors} vectors`);
  assert.ok(malformed.length >= 15, `${malformed.length} malformed tables`);
  assert.ok(headroomVectors >= 15, `${headroomVectors} headroom vectors`);
});
