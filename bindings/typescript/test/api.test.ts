// Unit tests of the API: loading, failing closed, JSON numbers, explain.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { FORMAT, JsonFloat, Table, TableError, compareCodePoints, parseJSON } from "../src/index.js";

const HOTEL = resolve(__dirname, "..", "..", "..", "..", "tests", "conformance", "tables", "hotel.json");
const COUNT = "customer/refund/count/P30D";
const SUM = "customer/refund/sum/P30D";

function request(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    role: "front_desk",
    action: "refund",
    params: { amount: 8000 },
    customer: { tier: "gold", nights_this_year: 3, flagged_for_abuse: false },
    context: { incident: "noise" },
    usage: { [COUNT]: 0, [SUM]: 0 },
    ...changes,
  };
}

const hotel = Table.load(HOTEL);

function deep(n: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}
const kinds = (d: { errors: Array<{ kind: string; input: string | null }> }) => d.errors.map((e) => [e.kind, e.input]);

test("three ways to load", () => {
  const text = readFileSync(HOTEL, "utf8");
  for (const t of [Table.fromJSON(text), Table.fromObject(JSON.parse(text)), Table.fromObject(parseJSON(text))]) {
    assert.deepEqual(t.decide(request()), hotel.decide(request()));
  }
  assert.equal(hotel.policyName, "hotel_front_desk");
  assert.equal(hotel.policyVersion, "2026.11");
  assert.deepEqual(hotel.currency, { code: "USD", scale: 2 });
  assert.match(hotel.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(FORMAT, "remit.table/1");
  assert.deepEqual(hotel.roles["general_manager"], ["duty_manager", "front_desk"]);
  assert.deepEqual(hotel.actions["refund"], { amount: "money" });
  assert.equal(hotel.obligations["reason_code"], "Record a reason code in the property system");
});

test("load errors name the problem", () => {
  assert.throws(() => Table.load("/nonexistent/table.json"), /cannot read/);
  assert.throws(() => Table.fromJSON("{"), /not valid JSON/);
  const t = JSON.parse(readFileSync(HOTEL, "utf8"));
  t.format = "remit.table/9";
  assert.throws(() => Table.fromObject(t), (e: unknown) => e instanceof TableError && /remit\.table\/9/.test(e.message));
  const u = JSON.parse(readFileSync(HOTEL, "utf8"));
  u.rows[6].limits["param.amount"] = { max: 1.5 };
  assert.throws(() => Table.fromObject(u), /rows\[6\].*param\.amount/);
});

test("a permit", () => {
  assert.deepEqual(hotel.decide(request()), {
    decision: "permit",
    escalate_to: [],
    obligations: ["reason_code"],
    notify: [],
    rules: ["room_recovery"],
    errors: [],
  });
});

test("never throws, fails closed", () => {
  const bad: unknown[] = [
    undefined,
    null,
    Symbol("x"),
    () => 1,
    new Map([["role", "front_desk"]]),
    new Date(),
    ["front_desk", "refund"],
    request({ role: new String("front_desk") }),
    request({ customer: Object.assign(Object.create({ tier: "gold" }), { nights_this_year: 3, flagged_for_abuse: false }) }),
    request({ params: { amount: Number.NaN } }),
    request({ params: { amount: Infinity } }),
    request({ params: { amount: 2 ** 60 } }),
    request({ params: { amount: 10n ** 30n } }),
    request({ params: { amount: new JsonFloat("8e3") } }),
    request({ usage: { [COUNT]: 0, [SUM]: -1n } }),
    request({ customer: { tier: { gold: true } } }),
    request({ customer: { tier: deep(100_000) } }),
  ];
  for (const r of bad) {
    const d = hotel.decide(r);
    assert.equal(d.decision, "deny");
    assert.ok(d.errors.length > 0, String(r));
    assert.deepEqual([d.escalate_to, d.obligations, d.notify, d.rules], [[], [], [], []]);
    hotel.explain(r);
  }
});

test("prototype keys are not inputs", () => {
  const d = hotel.decide(request({ customer: { nights_this_year: 3, flagged_for_abuse: false } }));
  assert.deepEqual(kinds(d), [["missing_input", "customer.tier"]]);
  assert.deepEqual(kinds(hotel.decide(request({ role: "toString" }))), [["unknown_role", "role"]]);
  assert.deepEqual(kinds(hotel.decide(request({ role: "__proto__" }))), [["unknown_role", "role"]]);
});

test("bigints are integers; JsonFloat is not", () => {
  assert.equal(hotel.decide(request({ params: { amount: 8000n } })).decision, "permit");
  assert.deepEqual(kinds(hotel.decide(request({ params: { amount: new JsonFloat("8000.0") } }))), [["wrong_type", "param.amount"]]);
  assert.deepEqual(kinds(hotel.decide(request({ params: { amount: 9223372036854775808n } }))), [["wrong_type", "param.amount"]]);
  assert.equal(hotel.decide(request({ params: { amount: -9223372036854775808n } })).decision, "permit");
});

test("decideJSON keeps JSON number syntax", () => {
  const text = JSON.stringify(request());
  assert.equal(hotel.decideJSON(text).decision, "permit");
  assert.deepEqual(kinds(hotel.decideJSON(text.replace("8000", "8e3"))), [["wrong_type", "param.amount"]]);
  assert.deepEqual(kinds(hotel.decideJSON(text.replace("8000", "8000.0"))), [["wrong_type", "param.amount"]]);
  assert.equal(hotel.decideJSON(text.replace("8000", "9223372036854775807")).decision, "escalate");
  assert.deepEqual(kinds(hotel.decideJSON("{not json")), [["malformed_request", null]]);
});

test("parseJSON", () => {
  assert.deepEqual(parseJSON('{"a":[1,-2,9007199254740993,"x\\u00e9\\n"],"b":null,"c":true}'), {
    a: [1, -2, 9007199254740993n, "xé\n"],
    b: null,
    c: true,
  });
  assert.ok(parseJSON("1.0") instanceof JsonFloat);
  assert.ok(parseJSON("1E3") instanceof JsonFloat);
  const o = parseJSON('{"__proto__": {"x": 1}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.deepEqual(Object.keys(o), ["__proto__"]);
  for (const bad of ["", "01", "1.", ".5", "+1", "[1,]", "{'a':1}", '"\t"', "NaN", "[1] x", '{"a" 1}']) {
    assert.throws(() => parseJSON(bad), SyntaxError, bad);
  }
});

test("strings sort by code point, like Rust and Python", () => {
  const names = ["\u{1F600}", "\uFF01", "b", "a", "param.amount", "params"];
  assert.deepEqual([...names].sort(compareCodePoints), ["a", "b", "param.amount", "params", "\uFF01", "\u{1F600}"]);
});

test("results are fresh objects", () => {
  const d = hotel.decide(request());
  d.obligations.push("nothing");
  assert.deepEqual(hotel.decide(request()).obligations, ["reason_code"]);
});

test("explain names the failing constraint", () => {
  const x = hotel.explain(request({ params: { amount: 12000 } }));
  assert.equal(x.decision, "escalate");
  assert.deepEqual(
    x.trace.map((t) => [t.rule, t.row, t.effect, t.outcome, t.constraint]),
    [
      ["no_abusers", 5, "forbid", "scope_failed", "customer.flagged_for_abuse"],
      ["room_recovery", 6, "permit", "limit_failed", "param.amount"],
      ["room_recovery", 7, "permit", "scope_failed", "customer.nights_this_year"],
    ],
  );
  assert.equal(x.trace[1]!.detail, "param.amount is 12000, above the maximum 10000");
  assert.equal(x.trace[2]!.detail, "customer.nights_this_year is 3, below the minimum 10");
});

test("explain: budget, matched, invalid, unknown role", () => {
  let x = hotel.explain(request({ usage: { [COUNT]: 0, [SUM]: 9000 } }));
  assert.deepEqual([x.trace[1]!.outcome, x.trace[1]!.constraint], ["limit_failed", SUM]);
  assert.match(x.trace[1]!.detail, /above the budget 15000/);
  x = hotel.explain(request());
  assert.deepEqual([x.trace[1]!.outcome, x.trace[1]!.constraint], ["matched", null]);
  x = hotel.explain(request({ customer: { nights_this_year: 3, flagged_for_abuse: false } }));
  assert.deepEqual(
    x.trace.map((t) => [t.outcome, t.constraint]),
    [
      ["scope_failed", "customer.flagged_for_abuse"],
      ["invalid", "customer.tier"],
      ["scope_failed", "customer.nights_this_year"],
    ],
  );
  assert.deepEqual(hotel.explain(request({ role: "night_porter" })).trace, []);
});

test("countersFor tells what to supply", () => {
  assert.deepEqual(hotel.countersFor("front_desk", "refund"), [COUNT, SUM]);
  assert.deepEqual(hotel.countersFor("duty_manager", "refund"), ["customer/comp_meal+refund/sum/P90D", COUNT, SUM]);
  assert.deepEqual(hotel.countersFor("front_desk", "waive_fee"), []);
  assert.deepEqual(hotel.countersFor("nobody", "refund"), []);
  assert.deepEqual(hotel.counters["customer/comp_meal+refund/sum/P90D"], {
    per: "customer",
    actions: ["comp_meal", "refund"],
    measure: "sum",
    window_minutes: 129600,
  });
  assert.deepEqual(Object.keys(hotel.counters), [...Object.keys(hotel.counters)].sort());
});

test("undefined is absent, as JSON.stringify leaves it out; null is a value", () => {
  const base = request();
  const sent = (r: unknown) => hotel.decideJSON(JSON.stringify(r));
  for (const r of [
    request({ customer: { tier: "gold", nights_this_year: 3, flagged_for_abuse: false, products: undefined } }),
    request({ usage: { [COUNT]: 0, [SUM]: 0, "customer/upgrade_room/count/P30D": undefined } }),
  ]) {
    assert.deepEqual(hotel.decide(r), sent(r));
    assert.equal(hotel.decide(r).decision, "permit");
  }
  const noContext = request({ context: undefined });
  assert.deepEqual(kinds(hotel.decide(noContext)), [["missing_input", "context.incident"]]);
  assert.deepEqual(hotel.decide(noContext), sent(noContext));
  const noRole = request({ role: undefined });
  assert.deepEqual(kinds(hotel.decide(noRole)), [["malformed_request", "role"]]);
  assert.deepEqual(hotel.decide(noRole), sent(noRole));
  assert.deepEqual(kinds(hotel.decide({ ...base, customer: null })), [
    ["malformed_request", "customer"],
    ["missing_input", "customer.flagged_for_abuse"],
    ["missing_input", "customer.nights_this_year"],
    ["missing_input", "customer.tier"],
  ]);
  assert.deepEqual(kinds(hotel.decide(request({ params: { amount: null } }))), [["wrong_type", "param.amount"]]);
});
