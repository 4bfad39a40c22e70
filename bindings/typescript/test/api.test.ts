// Unit tests of the API: loading, failing closed, JSON numbers, explain.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  FORMAT,
  JsonFloat,
  JsonSyntaxError,
  MAX_DEPTH,
  Table,
  TableError,
  compareCodePoints,
  decodeUTF8,
  parseJSON,
  type JsonProblem,
} from "../src/index.js";

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
    aims: [],
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
  assert.deepEqual(kinds(hotel.decide(request({ params: { amount: -9223372036854775808n } }))), [["wrong_type", "param.amount"]]);
});

test("action parameters are non-negative quantities", () => {
  for (const amount of [-1, -1n, -9223372036854775808n]) {
    const d = hotel.decide(request({ params: { amount } }));
    assert.deepEqual(kinds(d), [["wrong_type", "param.amount"]]);
    assert.equal(d.errors[0]!.message, `param.amount must be a non-negative integer number of minor units (an action parameter is a quantity), not ${String(amount)}`);
  }
  assert.equal(hotel.decide(request({ params: { amount: 0 } })).decision, "permit");
  assert.equal(hotel.decide(request({ params: { amount: -0 } })).decision, "permit");
  // Customer and context attributes stay signed.
  const d = hotel.decide(request({ customer: { tier: "gold", nights_this_year: -9223372036854775808n, flagged_for_abuse: false } }));
  assert.equal(d.decision, "permit");
});

test("decideJSON keeps JSON number syntax", () => {
  const text = JSON.stringify(request());
  assert.equal(hotel.decideJSON(text).decision, "permit");
  assert.deepEqual(kinds(hotel.decideJSON(text.replace("8000", "8e3"))), [["wrong_type", "param.amount"]]);
  assert.deepEqual(kinds(hotel.decideJSON(text.replace("8000", "8000.0"))), [["wrong_type", "param.amount"]]);
  assert.equal(hotel.decideJSON(text.replace("8000", "9223372036854775807")).decision, "escalate");
  assert.deepEqual(kinds(hotel.decideJSON("{not json")), [["malformed_request", null]]);
});

test("decideJSON and explainJSON read text and UTF-8 bytes alike", () => {
  const text = JSON.stringify(request());
  const bytes = new TextEncoder().encode(text);
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
  for (const t of [text, "\uFEFF" + text, bytes, bom]) {
    assert.equal(hotel.decideJSON(t).decision, "permit");
    const { trace, ...d } = hotel.explainJSON(t);
    assert.deepEqual(d, hotel.decideJSON(t));
    assert.equal(trace.length, 3);
  }
  const twice = text.replace('"flagged_for_abuse":false', '"flagged_for_abuse":true,"flagged_for_abuse":false');
  const d = hotel.decideJSON(twice);
  assert.deepEqual(kinds(d), [["malformed_request", null]]);
  assert.match(d.errors[0]!.message, /^the request gives the key `flagged_for_abuse` twice in one object \(the second at line 1, column \d+\)/);
  assert.deepEqual(hotel.explainJSON(twice).trace, []);
  const latin1 = new Uint8Array([...new TextEncoder().encode('{"role": "caf'), 0xe9, ...new TextEncoder().encode('"}')]);
  assert.equal(
    hotel.decideJSON(latin1).errors[0]!.message,
    "the request is not UTF-8 text (at line 1, column 14): JSON must be UTF-8, so save or send it as UTF-8",
  );
  assert.equal(hotel.decideJSON("{ not json").errors[0]!.message, "the request is not valid JSON: expected a key in double quotes, found `n` at line 1, column 3");
});

test("tables load from text with a byte-order mark, and not with a duplicate key", () => {
  const text = readFileSync(HOTEL, "utf8");
  assert.equal(Table.fromJSON("\uFEFF" + text).digest, hotel.digest);
  assert.equal(Table.fromJSON(new Uint8Array([0xef, 0xbb, 0xbf, ...readFileSync(HOTEL)])).digest, hotel.digest);
  const dir = mkdtempSync(join(tmpdir(), "remit-"));
  try {
    writeFileSync(join(dir, "bom.json"), "\uFEFF" + text);
    assert.equal(Table.load(join(dir, "bom.json")).digest, hotel.digest);
    writeFileSync(join(dir, "latin1.json"), Buffer.from([0x7b, 0xe9, 0x7d]));
    assert.throws(() => Table.load(join(dir, "latin1.json")), /^TableError: the table is not UTF-8 text \(at line 1, column 2\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(
    () => Table.fromJSON(text.replace('"format": "remit.table/1",', '"format": "remit.table/1",\n  "format": "remit.table/1",')),
    (e: unknown) => e instanceof TableError && e.message.startsWith("the table gives the key `format` twice in one object (the second at line 3, column 3)"),
  );
});

test("parseJSON reads text as the Rust and Python evaluators do", () => {
  assert.deepEqual(parseJSON('\uFEFF{"a": 1}'), { a: 1 });
  assert.ok(Object.is(parseJSON("-0"), 0));
  assert.ok(parseJSON("-0.0") instanceof JsonFloat);
  const huge = parseJSON("1e400");
  assert.ok(huge instanceof JsonFloat && huge.value === Infinity && huge.source === "1e400");
  assert.equal(parseJSON("9".repeat(400)), BigInt("9".repeat(400)));
  assert.equal(parseJSON('"\\ud83d\\ude00"'), "\u{1F600}");
  assert.equal(parseJSON("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH)) instanceof Array, true);
  const cases: Array<[string, JsonProblem, string, number, number]> = [
    ['{"a": 1, "a": 2}', "duplicate_key", "a", 1, 10],
    ['{"c": {"b": [{"x": 1,\n  "\\u0078": 2}]}}', "duplicate_key", "x", 2, 3],
    ["[".repeat(MAX_DEPTH + 1), "too_deep", "", 1, MAX_DEPTH + 1],
    ['[{"a":'.repeat(100_000), "too_deep", "", 1, 385],
    ["\uFEFF\uFEFF{}", "syntax", "expected a value, found the character U+FEFF", 1, 1],
    ['"\\ud800"', "syntax", "a `\\u` escape is half of a surrogate pair without the other half, which is not a character", 1, 2],
    ['"\\udc00\\ud800"', "syntax", "a `\\u` escape is half of a surrogate pair without the other half, which is not a character", 1, 2],
    ['"a\ud800"', "syntax", "a string holds the character U+D800, half of a surrogate pair without the other half, which is not a character", 1, 3],
    ['"\udc00"', "syntax", "a string holds the character U+DC00, half of a surrogate pair without the other half, which is not a character", 1, 2],
    ["01", "syntax", "a number has a leading zero", 1, 2],
    ["-", "syntax", "expected a digit, found the end of the text", 1, 2],
    ["1.", "syntax", "expected a digit after the decimal point, found the end of the text", 1, 3],
    ["1e+", "syntax", "expected a digit in the exponent, found the end of the text", 1, 4],
    ['"\\x"', "syntax", "`\\` starts an escape, which `x` does not", 1, 2],
    ['"\\u12"', "syntax", "`\\u` must be followed by four hex digits", 1, 2],
    ['"a\nb"', "syntax", "a string holds the character U+000A, which must be written as an escape", 1, 3],
    ["{} {}", "syntax", "unexpected text after the JSON value", 1, 4],
    ['{"\u{1F600}": 1 2}', "syntax", "expected `,` or `}` in an object, found `2`", 1, 9],
  ];
  for (const [text, problem, detail, line, column] of cases) {
    assert.throws(
      () => parseJSON(text),
      (e: unknown) => e instanceof JsonSyntaxError && e.problem === problem && e.detail === detail && e.line === line && e.column === column,
      text.slice(0, 40),
    );
  }
  assert.throws(() => decodeUTF8(new Uint8Array([0x61, 0x0a, 0x62, 0xc0, 0xaf])), (e: unknown) => e instanceof JsonSyntaxError && e.problem === "not_utf8" && e.line === 2 && e.column === 2);
  assert.throws(() => decodeUTF8(new Uint8Array([0xed, 0xa0, 0x80])), JsonSyntaxError);
  assert.equal(decodeUTF8(new Uint8Array([0xef, 0xbb, 0xbf, 0x31])), "\uFEFF1");
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
  assert.equal(x.trace[1]!.detail, "amount is 120.00 USD, above the maximum 100.00 USD");
  assert.equal(x.trace[2]!.detail, "customer.nights_this_year is 3, below the minimum 10");
});

test("explain: budget, matched, invalid, unknown role", () => {
  let x = hotel.explain(request({ usage: { [COUNT]: 0, [SUM]: 9000 } }));
  assert.deepEqual([x.trace[1]!.outcome, x.trace[1]!.constraint], ["limit_failed", SUM]);
  assert.equal(
    x.trace[1]!.detail,
    "limit total 150.00 USD per customer per 30 days: 90.00 USD used + 80.00 USD asked > 150.00 USD",
  );
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
  // A format 1 counter reads as format 2: its subjects and its window.
  assert.deepEqual(hotel.counters["customer/comp_meal+refund/sum/P90D"], {
    per: ["customer"],
    actions: ["comp_meal", "refund"],
    measure: "sum",
    window: { sliding_minutes: 129600 },
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

test("headroom: how much, and what happens above", () => {
  const h = hotel.headroom(request(), "amount");
  assert.deepEqual(h.errors, []);
  assert.equal(h.param, "param.amount");
  const top = h.permitted[h.permitted.length - 1]![1];
  assert.ok(top >= 10000n);
  assert.notEqual(h.above?.decision, "permit");
  assert.equal(hotel.decide(request({ params: { amount: top } })).decision, "permit");
});
