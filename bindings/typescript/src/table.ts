/**
 * Loading and evaluating `remit.table/1` and `remit.table/2` decision tables.
 *
 * The normative description of the format, of requests, decisions, errors,
 * `explain` and table validation is `docs/table-format.md` in the Remit
 * repository; this module follows it exactly and is checked against the
 * shared conformance suite in `tests/conformance/`.
 */

import { readFileSync } from "node:fs";
import { JsonFloat, JsonSyntaxError, parseJSON, stringifyJSON } from "./json.js";

/** Format 1, what `remit build` writes today. */
export const FORMAT = "remit.table/1";
/** Format 2 (relations, optional inputs, keys, dates, times, outcomes). */
export const FORMAT_2 = "remit.table/2";
/** The table formats this evaluator reads. */
export const FORMATS: readonly string[] = [FORMAT, FORMAT_2];

/** What kind of problem a request has. */
export type ErrorKind =
  | "malformed_request"
  | "unknown_role"
  | "unknown_action"
  | "missing_input"
  | "wrong_type"
  | "unknown_variant";

/** One problem with a request; `message` is for people only. */
export interface RequestError {
  kind: ErrorKind;
  input: string | null;
  message: string;
}

/** The decision object of docs/table-format.md ("Decisions"). */
export interface Decision {
  decision: "permit" | "deny" | "escalate";
  escalate_to: string[];
  obligations: string[];
  aims: string[];
  notify: string[];
  rules: string[];
  errors: RequestError[];
}

/** How much of one action parameter a request may be given (TABLE.md,
 * "Headroom"): the permitted values as sorted disjoint inclusive intervals,
 * the decision just above them (`null` when they reach the parameter's
 * largest value, 2^63 - 1 or 1439 for a time of day, or for an invalid
 * request), and the request's errors. */
export interface Headroom {
  param: string;
  permitted: Array<[bigint, bigint]>;
  above: Decision | null;
  errors: RequestError[];
}

/** A row's effect. */
export type Effect = "permit" | "forbid" | "escalate";

/** How one candidate row fared. */
export type RowOutcome = "matched" | "scope_failed" | "limit_failed" | "invalid";

/** One entry of an explanation. */
export interface TraceEntry {
  rule: string;
  row: number;
  effect: Effect;
  outcome: RowOutcome;
  constraint: string | null;
  detail: string;
}

/** A decision plus one trace entry per candidate row, in row order. */
export interface Explanation extends Decision {
  trace: TraceEntry[];
}

/** A usage counter the caller supplies (docs/table-format.md, "Counters"):
 * `per` lists its subjects, `window` is `{sliding_minutes: N}`,
 * `{calendar: PERIOD}` or `{all: true}` (a format 1 counter reads as
 * `per: [PER]` and a sliding window). */
export interface CounterInfo {
  per: string[];
  actions: string[];
  measure: "count" | "sum";
  window: { sliding_minutes: number } | { calendar: string } | { all: true };
}

/** The table cannot be loaded: it is not a valid `remit.table/1` or `remit.table/2`. */
export class TableError extends Error {
  override name = "TableError";
}

// ---------------------------------------------------------------------------
// Helpers.

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U32_MAX = 2n ** 32n - 1n;
const U64_MAX = 2n ** 64n - 1n;
const INPUT_TYPES = ["bool", "int", "money", "duration", "enum", "set"];
const INPUT_TYPES_2 = [...INPUT_TYPES, "key", "date", "time"];
const INTEGER_TYPES = new Set(["int", "money", "duration", "date", "time"]);
const PERIODS = ["day", "week", "month", "quarter", "year"];
const EFFECTS: readonly string[] = ["permit", "forbid", "escalate"];
const SECTIONS = ["customer", "context", "params", "usage"] as const;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function has(o: Obj, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Whether a request gives `key`: an own property whose value is not
 * `undefined` (which `JSON.stringify` leaves out, so it reads as absent,
 * as it would once the request is sent as JSON). */
function given(o: Obj, key: string): boolean {
  return has(o, key) && o[key] !== undefined;
}

function get(o: Obj, key: string): unknown {
  return has(o, key) ? o[key] : undefined;
}

/** A JSON integer that fits in a signed 64-bit integer, as a bigint. */
function toInt(v: unknown): bigint | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "bigint") return v >= I64_MIN && v <= I64_MAX ? v : undefined;
  return undefined;
}

/** Orders strings by Unicode code point, as Rust and Python do. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF: move them above
    // E000-FFFF, which move down into the gap.
    x = x >= 0xe000 ? x - 0x800 : x >= 0xd800 ? x + 0x2000 : x;
    y = y >= 0xe000 ? y - 0x800 : y >= 0xd800 ? y + 0x2000 : y;
    return x - y;
  }
  return a.length - b.length;
}

function sorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(compareCodePoints);
}

function show(v: unknown): string {
  if (v === undefined) return "missing";
  let text: string;
  try {
    text = stringifyJSON(v);
  } catch {
    return `a ${typeof v}`;
  }
  return text.length <= 200 ? text : text.slice(0, 200) + "…";
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (typeof v === "boolean") return "a boolean";
  if (typeof v === "number" || typeof v === "bigint" || v instanceof JsonFloat) return "a number";
  if (typeof v === "string") return "a string";
  if (Array.isArray(v)) return "an array";
  if (isObject(v)) return "an object";
  return typeof v;
}

const q = (name: string): string => "`" + name + "`";

function fail(path: string, message: string): never {
  throw new TableError(path ? `${path}: ${message}` : message);
}

function object(v: unknown, path: string): Obj {
  if (!isObject(v)) fail(path, `must be a JSON object, not ${kindOf(v)}`);
  return v;
}

function fields(o: Obj, path: string, required: readonly string[], optional: readonly string[] = []): void {
  for (const k of required) if (!has(o, k)) fail(path, `lacks the required field ${q(k)}`);
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) fail(path, `has an unknown field ${q(k)}`);
  }
}

function string(v: unknown, path: string): string {
  if (typeof v !== "string") fail(path, `must be a string, not ${kindOf(v)}`);
  return v;
}

function strings(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) fail(path, `must be an array of strings, not ${kindOf(v)}`);
  return v.map((item, i) => string(item, `${path}[${i}]`));
}

function integer(v: unknown, path: string, minimum?: bigint): bigint {
  const n = toInt(v);
  if (n === undefined) fail(path, `must be a 64-bit integer, not ${show(v)}`);
  if (minimum !== undefined && n < minimum) fail(path, `must be at least ${minimum}, not ${n}`);
  return n;
}

/** A JSON integer from 0 to 2^64 - 1 (a source line or column). */
function unsigned(v: unknown, path: string): bigint {
  const n = typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : typeof v === "bigint" ? v : undefined;
  if (n === undefined || n < 0n || n > U64_MAX) fail(path, `must be an integer from 0 to ${U64_MAX}, not ${show(v)}`);
  return n;
}

/** A value read from a request: typed, or `BAD` (given but ill-typed). */
const BAD = Symbol("bad");
/** An optional input the request omits. */
const ABSENT = Symbol("absent");
type Value = bigint | boolean | string | ReadonlySet<string> | typeof BAD | typeof ABSENT;

interface Input {
  key: string;
  section: "customer" | "context" | "params" | "usage";
  field: string;
  type: string; // an input type, or "counter"
  values: readonly string[];
  optional: boolean;
}

type Constraint =
  | { kind: "interval"; min: bigint | null; max: bigint | null }
  | { kind: "in"; variants: readonly string[] }
  | { kind: "eq"; eq: boolean }
  | { kind: "set"; contains: readonly string[]; excludes: readonly string[] }
  | { kind: "present"; present: boolean };

/** `Σ coefficient × value <= max`, exactly (bigint). */
interface Relation {
  terms: ReadonlyArray<readonly [string, bigint]>; // sorted by key
  max: bigint;
  /** The terms as (slot, coefficient), resolved when the table loads. */
  slots: ReadonlyArray<readonly [number, bigint]>;
}

/** A request's values by slot: `undefined` where the request gives none. */
type Values = ReadonlyArray<Value | undefined>;

/** A relation's sum, or `null` when a term is absent (it does not hold). */
function relationTotal(r: Relation, values: Values, skip: number | null = null): bigint | null {
  let total = 0n;
  for (const [slot, c] of r.slots) {
    if (slot === skip) continue;
    const v = values[slot];
    if (typeof v !== "bigint") return null;
    total += c * v;
  }
  return total;
}

function relationHolds(r: Relation, values: Values): boolean {
  const total = relationTotal(r, values);
  return total !== null && total <= r.max;
}

interface Row {
  index: number;
  rule: string;
  effect: Effect;
  roles: ReadonlySet<string>;
  actions: ReadonlySet<string>;
  scopeRelations: readonly Relation[];
  limitRelations: readonly Relation[]; // format 1 budgets included
  obligations: readonly string[];
  aims: readonly string[];
  notify: readonly string[];
  escalateTo: string | null;
  exceptRoles: ReadonlySet<string>;
  reads: readonly string[];
  /** `reads`, and the row's `scope` and `limits` in key order, by slot. */
  readSlots: readonly number[];
  scopeSlots: ReadonlyArray<readonly [number, Constraint]>;
  limitSlots: ReadonlyArray<readonly [number, Constraint]>;
}

/** The candidate rows of one role and action, and the slots they read. */
interface Group {
  rows: Row[];
  slots: readonly number[];
}

/** What decided a row: nothing (it matched), the slot it cannot read, the
 * (slot, constraint) that failed, or the relation that failed. */
type Failed = null | number | readonly [number, Constraint] | Relation;

/** How a candidate row fares, by slots only: no names, no words (those are
 * for `explain`). */
function verdict(row: Row, values: Values): [RowOutcome, Failed] {
  for (const slot of row.readSlots) {
    const v = values[slot];
    if (v === undefined || v === BAD) return ["invalid", slot];
  }
  for (const check of row.scopeSlots) if (!holds(check[1], values[check[0]])) return ["scope_failed", check];
  for (const r of row.scopeRelations) if (!relationHolds(r, values)) return ["scope_failed", r];
  for (const check of row.limitSlots) if (!holds(check[1], values[check[0]])) return ["limit_failed", check];
  for (const r of row.limitRelations) if (!relationHolds(r, values)) return ["limit_failed", r];
  return ["matched", null];
}

function holds(c: Constraint, v: Value | undefined): boolean {
  if (c.kind === "present") return (v !== ABSENT) === c.present;
  switch (c.kind) {
    case "interval":
      if (typeof v !== "bigint") return false;
      return (c.min === null || v >= c.min) && (c.max === null || v <= c.max);
    case "in":
      return typeof v === "string" && c.variants.includes(v);
    case "eq":
      return typeof v === "boolean" && v === c.eq;
    case "set":
      if (!(v instanceof Set)) return false;
      return c.contains.every((x) => v.has(x)) && !c.excludes.some((x) => v.has(x));
  }
}

function whyNot(c: Constraint, key: string, shown: string, v: Value | undefined, units: Units, inp: Input): string {
  const name = inp.section === "params" ? inp.field : key;
  if (c.kind === "present") {
    return c.present ? `${name} is absent, and the rule needs it` : `${name} is given, and the rule applies only without it`;
  }
  if (v === ABSENT) return `${name} is absent, so the constraint on it does not hold`;
  switch (c.kind) {
    case "interval":
      if (typeof v !== "bigint") return `${key} is ${shown}`;
      if (c.min !== null && v < c.min) return `${name} is ${units.value(inp, v)}, below the minimum ${units.value(inp, c.min)}`;
      if (inp.type === "counter") return units.counterLimit(inp, v, c.max!);
      return `${name} is ${units.value(inp, v)}, above the maximum ${units.value(inp, c.max!)}`;
    case "in":
      return `${key} is ${shown}, not one of ${c.variants.join(", ")}`;
    case "eq":
      return `${key} is ${shown}, not ${c.eq}`;
    case "set": {
      if (!(v instanceof Set)) return `${key} is ${shown}`;
      const lacking = c.contains.filter((x) => !v.has(x));
      if (lacking.length > 0) return `${key} is ${shown}, which lacks ${lacking.join(", ")}`;
      return `${key} is ${shown}, which holds excluded ${c.excludes.filter((x) => v.has(x)).join(", ")}`;
    }
  }
}

function constraint(value: unknown, path: string, inp: Input, limit: boolean, v2: boolean): Constraint {
  const o = object(value, path);
  const all = Object.keys(o);
  const present = (k: string): boolean => has(o, k) && o[k] !== null;
  const only = (allowed: string[]): boolean => all.every((k) => allowed.includes(k));
  let kind: Constraint["kind"];
  if (only(["min", "max"])) kind = "interval";
  else if (all.length === 1 && all[0] === "in") kind = "in";
  else if (all.length === 1 && all[0] === "eq") kind = "eq";
  else if (v2 && all.length === 1 && all[0] === "present") kind = "present";
  else if (only(["contains", "excludes"])) kind = "set";
  else {
    return fail(
      path,
      `is not a constraint: expected {min, max}, {in}, {eq}${v2 ? ", {present}" : ""} or {contains, excludes}, ` +
        `got the fields ${all.sort(compareCodePoints).join(", ")}`,
    );
  }
  const integral = inp.type === "counter" || INTEGER_TYPES.has(inp.type);
  if (limit && (kind !== "interval" || !integral)) {
    fail(path, "a limit must be an interval on an integer input or a counter");
  }
  if (kind === "present") {
    const present = o["present"];
    if (typeof present !== "boolean") fail(`${path}.present`, `must be true or false, not ${show(present)}`);
    if (!inp.optional) {
      fail(path, `\`present\` applies to optional inputs only; declare ${inp.key} with "optional": true, or drop the constraint`);
    }
    return { kind, present };
  }
  const listed = (variants: string[], at: string): void => {
    for (const v of variants) {
      if (!inp.values.includes(v)) fail(at, `${q(v)} is not a variant of ${inp.key} (${inp.values.join(", ")})`);
    }
  };
  switch (kind) {
    case "interval": {
      if (!integral) fail(path, `an interval does not apply to an input of type ${q(inp.type)}`);
      const min = present("min") ? integer(o["min"], `${path}.min`) : null;
      const max = present("max") ? integer(o["max"], `${path}.max`) : null;
      if (min === null && max === null) fail(path, "an interval needs `min` or `max`");
      if (min !== null && max !== null && min > max) fail(path, `\`min\` ${min} is above \`max\` ${max}`);
      if (inp.type === "time") timeBounds(path, min, max);
      return { kind, min, max };
    }
    case "in": {
      if (inp.type !== "enum") fail(path, `\`in\` does not apply to an input of type ${q(inp.type)}`);
      const variants = strings(o["in"], `${path}.in`);
      if (variants.length === 0) fail(`${path}.in`, "must list at least one variant");
      listed(variants, `${path}.in`);
      return { kind, variants: sorted(variants) };
    }
    case "eq": {
      if (inp.type !== "bool") fail(path, `\`eq\` does not apply to an input of type ${q(inp.type)}`);
      const eq = o["eq"];
      if (typeof eq !== "boolean") fail(`${path}.eq`, `must be true or false, not ${show(eq)}`);
      return { kind, eq };
    }
    default: {
      if (inp.type !== "set") fail(path, `\`contains\`/\`excludes\` do not apply to an input of type ${q(inp.type)}`);
      if (!present("contains") && !present("excludes")) fail(path, "a set constraint needs `contains` or `excludes`");
      const contains = present("contains") ? strings(o["contains"], `${path}.contains`) : [];
      const excludes = present("excludes") ? strings(o["excludes"], `${path}.excludes`) : [];
      listed(contains, `${path}.contains`);
      listed(excludes, `${path}.excludes`);
      return { kind, contains: sorted(contains), excludes: sorted(excludes) };
    }
  }
}

/** The bounds of an interval on a `time` input are times of day. */
function timeBounds(path: string, min: bigint | null, max: bigint | null): void {
  for (const [name, bound] of [["min", min], ["max", max]] as const) {
    if (bound !== null && (bound < 0n || bound > 1439n)) {
      const fix =
        (name === "min") === bound < 0n
          ? `every time of day meets this \`${name}\`: drop the bound`
          : "no time of day meets this bound, so the row can never apply: drop the row";
      fail(
        `${path}.${name}`,
        `\`${name}\` ${bound} is not a time of day: a \`time\` is 0 (00:00) to 1439 (23:59) minutes since midnight; ${fix}`,
      );
    }
  }
}

function error(kind: ErrorKind, input: string | null, message: string): RequestError {
  return { kind, input, message };
}

function deny(errors: RequestError[]): Decision {
  return { decision: "deny", escalate_to: [], obligations: [], aims: [], notify: [], rules: [], errors };
}

/** Sorted by input (`null` first), then kind; each problem once. */
function sortErrors(errors: RequestError[]): RequestError[] {
  const out = [...errors].sort((a, b) => {
    if (a.input !== b.input) {
      if (a.input === null) return -1;
      if (b.input === null) return 1;
      return compareCodePoints(a.input, b.input);
    }
    return compareCodePoints(a.kind, b.kind);
  });
  return out.filter((e, i) => i === 0 || e.input !== out[i - 1]!.input || e.kind !== out[i - 1]!.kind);
}

function typed(inp: Input, value: unknown, errors: RequestError[]): Value {
  const wrong = (expected: string): typeof BAD => {
    errors.push(error("wrong_type", inp.key, `${inp.key} must be ${expected}, not ${show(value)}`));
    return BAD;
  };
  if (inp.type === "counter") {
    const n = toInt(value);
    return n !== undefined && n >= 0n ? n : wrong("a non-negative integer");
  }
  if (inp.type === "bool") return typeof value === "boolean" ? value : wrong("true or false");
  if (inp.type === "key") return typeof value === "string" ? value : wrong("a string (a key)");
  if (INTEGER_TYPES.has(inp.type)) {
    const integer =
      inp.type === "money"
        ? "an integer number of minor units"
        : inp.type === "duration"
          ? "an integer number of minutes"
          : inp.type === "date"
            ? "an integer number of days since 1970-01-01"
            : inp.type === "time"
              ? "an integer number of minutes since midnight, from 0 to 1439"
              : "an integer";
    const n = toInt(value);
    if (inp.type === "time" && n !== undefined && (n < 0n || n > 1439n)) return wrong(integer);
    // Action parameters are quantities (LANGUAGE.md §3): never negative.
    if (n !== undefined && n < 0n && inp.section === "params") {
      return wrong(`${integer.replace("an integer", "a non-negative integer")} (an action parameter is a quantity)`);
    }
    if (n !== undefined) return n;
    if (typeof value === "number" && Number.isInteger(value)) {
      return wrong("an integer (beyond 2^53, pass a bigint or use decideJSON)");
    }
    return wrong(integer);
  }
  if (inp.type === "enum") {
    if (typeof value !== "string") return wrong(`a string, one of ${inp.values.join(", ")}`);
    if (!inp.values.includes(value)) {
      errors.push(error("unknown_variant", inp.key, `${inp.key}: ${show(value)} is not one of ${inp.values.join(", ")}`));
      return BAD;
    }
    return value;
  }
  // set
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    return wrong(`an array of strings, each one of ${inp.values.join(", ")}`);
  }
  const items = value as string[];
  const unknown = items.filter((v) => !inp.values.includes(v));
  if (unknown.length > 0) {
    errors.push(
      error(
        "unknown_variant",
        inp.key,
        `${inp.key}: ${unknown.map((v) => show(v)).join(", ")} not one of ${inp.values.join(", ")}`,
      ),
    );
    return BAD;
  }
  return new Set(items);
}

// ---------------------------------------------------------------------------
// Values in the author's units, for `explain` (the Rust evaluator's words).

function duration(minutes: bigint): string {
  let n = minutes;
  let unit = "minute";
  if (minutes !== 0n && minutes % 1440n === 0n) [n, unit] = [minutes / 1440n, "day"];
  else if (minutes !== 0n && minutes % 60n === 0n) [n, unit] = [minutes / 60n, "hour"];
  return `${n} ${unit}${n === 1n ? "" : "s"}`;
}

/** Floor division for bigints (`/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function date(days: bigint): string {
  const z = days + 719468n;
  const era = floorDiv(z, 146097n);
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  const y = yoe + era * 400n + (m <= 2n ? 1n : 0n);
  const pad = (x: bigint, w: number): string => String(x).padStart(w, "0");
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

class Units {
  constructor(
    private readonly currency: { readonly code: string; readonly scale: number } | null,
    private readonly counters: ReadonlyMap<string, CounterInfo>,
  ) {}

  money(n: bigint): string {
    if (this.currency === null) return `${n} minor units`;
    const { code, scale } = this.currency;
    if (scale === 0) return `${n} ${code}`;
    const abs = n < 0n ? -n : n;
    const unit = 10n ** BigInt(scale);
    return `${n < 0n ? "-" : ""}${abs / unit}.${String(abs % unit).padStart(scale, "0")} ${code}`;
  }

  value(inp: Input, n: bigint): string {
    if (inp.type === "counter") return this.counters.get(inp.key)?.measure === "sum" ? this.money(n) : String(n);
    if (inp.type === "money") return this.money(n);
    if (inp.type === "duration") return duration(n);
    if (inp.type === "date") return date(n);
    if (inp.type === "time" && n >= 0n && n < 1440n) {
      return `${String(n / 60n).padStart(2, "0")}:${String(n % 60n).padStart(2, "0")}`;
    }
    return String(n);
  }

  per(info: CounterInfo): string {
    const words = info.per.map((p) => `per ${p}`);
    const w = info.window;
    if ("sliding_minutes" in w) words.push(`per ${duration(BigInt(w.sliding_minutes))}`);
    else if ("calendar" in w) words.push(`per calendar ${w.calendar}`);
    return words.join(" ");
  }

  counterLimit(inp: Input, used: bigint, max: bigint): string {
    const info = this.counters.get(inp.key)!;
    if (info.measure === "count") return `limit ${max + 1n} ${this.per(info)}: ${used} used + this one > ${max + 1n}`;
    return `limit total ${this.money(max)} ${this.per(info)}: ${this.money(used)} used > ${this.money(max)}`;
  }
}

// ---------------------------------------------------------------------------
// Headroom: each row's interval of the parameter, then union minus union.

type Span = [bigint, bigint];

/** The values from 0 to `top` of slot `key` for which the row's scope (and
 * with `limits` its limits) holds, the other values fixed; empty when
 * `lo > hi`. */
function span(row: Row, values: Values, key: number, top: bigint, limits: boolean): Span {
  let lo = 0n;
  let hi = top;
  const checks = limits ? [...row.scopeSlots, ...row.limitSlots] : [...row.scopeSlots];
  const relations = limits ? [...row.scopeRelations, ...row.limitRelations] : [...row.scopeRelations];
  for (const [k, c] of checks) {
    if (k === key) {
      if (c.kind === "interval") {
        if (c.min !== null && c.min > lo) lo = c.min;
        if (c.max !== null && c.max < hi) hi = c.max;
      } else if (c.kind === "present" && !c.present) return [1n, 0n];
    } else if (!holds(c, values[k])) return [1n, 0n];
  }
  for (const r of relations) {
    const rest = relationTotal(r, values, key);
    if (rest === null) return [1n, 0n];
    const a = r.slots.filter(([k]) => k === key).reduce((s, [, c]) => s + c, 0n);
    const m = r.max - rest;
    if (a === 0n) {
      if (m < 0n) return [1n, 0n];
    } else if (a > 0n) {
      const bound = floorDiv(m, a);
      if (bound < hi) hi = bound;
    } else {
      const bound = -floorDiv(-m, a);
      if (bound > lo) lo = bound;
    }
  }
  return [lo, hi];
}

function merge(spans: Span[]): Span[] {
  const out: Span[] = [];
  const sortedSpans = spans.filter(([lo, hi]) => lo <= hi).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  for (const [lo, hi] of sortedSpans) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1n) {
      if (hi > last[1]) last[1] = hi;
    } else out.push([lo, hi]);
  }
  return out;
}

/** `a` minus `b`, both sorted and disjoint: one pass over each. */
function subtract(a: Span[], b: Span[]): Span[] {
  const out: Span[] = [];
  let j = 0;
  for (const [start, hi] of a) {
    let lo = start;
    while (j < b.length && b[j]![1] < lo) j++;
    for (let k = j; k < b.length && b[k]![0] <= hi && lo <= hi; k++) {
      const [blo, bhi] = b[k]!;
      if (blo > lo) out.push([lo, blo - 1n]);
      if (bhi + 1n > lo) lo = bhi + 1n;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The table.

/**
 * A validated `remit.table/1` or `remit.table/2` decision table, ready to decide requests.
 *
 * Load it with {@link Table.load}, {@link Table.fromJSON} or
 * {@link Table.fromObject}; each throws {@link TableError} naming the
 * problem when the table is not valid. A loaded table is immutable.
 */
export class Table {
  /** The policy's name. */
  readonly policyName: string;
  /** The policy's version, or `null`. */
  readonly policyVersion: string | null;
  /** The table's content digest (`sha256:…`), as written. */
  readonly digest: string;
  /** The currency, or `null` when the policy uses no money. */
  readonly currency: { readonly code: string; readonly scale: number } | null;
  /** The table's format, as written. */
  readonly format: string;
  /** The IANA time zone of calendar windows (`UTC` for format 1). */
  readonly timezone: string;

  private readonly outcomeMap = new Map<string, string>();
  private readonly units: Units;
  private readonly roleMap = new Map<string, string[]>();
  private readonly actionMap = new Map<string, Map<string, string>>();
  private readonly inputMap = new Map<string, Input>();
  private readonly counterMap = new Map<string, Input>();
  private readonly counterInfo = new Map<string, CounterInfo>();
  private readonly obligationMap = new Map<string, string>();
  private readonly rows: Row[];
  private readonly groups = new Map<string, Row[]>();
  private readonly groupReads = new Map<string, string[]>();
  /** Names resolved to slots once, at load: every input, then every
   * counter; a request's values are read into an array by slot. */
  private readonly slotInputs: Input[] = [];
  private readonly slot = new Map<string, number>();
  private readonly sectionSlots = { customer: new Map<string, number>(), context: new Map<string, number>() };
  private readonly paramSlots = new Map<string, Array<readonly [string, number]>>();
  /** Role → action → its group. */
  private readonly groupsBy = new Map<string, Map<string, Group>>();

  private constructor(value: unknown) {
    const t = object(value, "table");
    if (!has(t, "format")) fail("table", `lacks the field \`format\`; expected "format": "${FORMAT_2}"`);
    const format = t["format"];
    if (typeof format !== "string") fail("format", `must be a string, not ${kindOf(format)}`);
    if (!FORMATS.includes(format)) {
      fail("format", `unsupported table format ${q(format)}: this evaluator reads ${q(FORMAT)} and ${q(FORMAT_2)}`);
    }
    this.format = format;
    const v2 = format === FORMAT_2;
    fields(
      t,
      "table",
      [
        "format",
        "policy",
        "digest",
        "default",
        "roles",
        "actions",
        "inputs",
        "counters",
        "obligations",
        "rows",
        ...(v2 ? ["timezone", "outcomes"] : []),
      ],
      ["currency"],
    );
    this.timezone = "UTC";
    if (v2) {
      this.timezone = string(t["timezone"], "timezone");
      if (this.timezone === "" || /\s/.test(this.timezone)) {
        fail("timezone", `must be an IANA time zone name, not ${show(this.timezone)}`);
      }
      const outcomes = object(t["outcomes"], "outcomes");
      for (const name of Object.keys(outcomes)) this.outcomeMap.set(name, string(outcomes[name], `outcomes.${name}`));
    }
    const types = v2 ? INPUT_TYPES_2 : INPUT_TYPES;

    const policy = object(t["policy"], "policy");
    fields(policy, "policy", ["name"], ["version"]);
    this.policyName = string(policy["name"], "policy.name");
    const version = get(policy, "version");
    this.policyVersion = version === undefined || version === null ? null : string(version, "policy.version");
    this.digest = string(t["digest"], "digest");

    const currency = get(t, "currency");
    if (currency === undefined || currency === null) {
      this.currency = null;
    } else {
      const c = object(currency, "currency");
      fields(c, "currency", ["code", "scale"]);
      const scale = integer(c["scale"], "currency.scale", 0n);
      if (scale > U32_MAX) fail("currency.scale", `must be at most ${U32_MAX}, not ${scale}`);
      this.currency = { code: string(c["code"], "currency.code"), scale: Number(scale) };
    }

    const dflt = object(t["default"], "default");
    fields(dflt, "default", ["effect"]);
    if (dflt["effect"] !== "deny") fail("default.effect", `must be "deny" in ${FORMAT}, not ${show(dflt["effect"])}`);

    const roles = object(t["roles"], "roles");
    for (const name of Object.keys(roles)) this.roleMap.set(name, strings(roles[name], `roles.${name}`));
    for (const [name, ancestors] of this.roleMap) {
      for (const a of ancestors) if (!this.roleMap.has(a)) fail(`roles.${name}`, `lists the unknown ancestor ${q(a)}`);
    }

    const inputs = object(t["inputs"], "inputs");
    for (const key of Object.keys(inputs)) {
      const path = `inputs.${key}`;
      const info = object(inputs[key], path);
      fields(info, path, ["type"], v2 ? ["values", "optional"] : ["values"]);
      const dot = key.indexOf(".");
      const prefix = dot < 0 ? "" : key.slice(0, dot);
      const field = dot < 0 ? "" : key.slice(dot + 1);
      if ((prefix !== "customer" && prefix !== "context" && prefix !== "param") || field === "") {
        fail(path, "an input key must be `customer.NAME`, `context.NAME` or `param.NAME`");
      }
      const type = string(info["type"], `${path}.type`);
      if (!types.includes(type)) fail(`${path}.type`, `unknown input type ${q(type)}`);
      const optional = get(info, "optional") ?? false;
      if (typeof optional !== "boolean") fail(`${path}.optional`, `must be true or false, not ${show(optional)}`);
      if (optional && prefix === "param") {
        fail(
          `${path}.optional`,
          `action parameter ${q(key)} is marked \`optional\`, but a parameter is never optional; drop \`optional\`: ` +
            "every request for the action gives its parameters, only `customer` and `context` inputs may be omitted",
        );
      }
      let values: string[] = [];
      const given = get(info, "values");
      if (given !== undefined && given !== null) {
        if (type !== "enum" && type !== "set") fail(`${path}.values`, `a ${q(type)} input lists no variants`);
        values = strings(given, `${path}.values`);
      }
      if ((type === "enum" || type === "set") && values.length === 0) fail(path, `an ${type} input must list its \`values\``);
      const section = prefix === "param" ? "params" : prefix === "customer" ? "customer" : "context";
      this.inputMap.set(key, { key, section, field, type, values, optional });
    }

    const actions = object(t["actions"], "actions");
    for (const name of Object.keys(actions)) {
      const path = `actions.${name}`;
      const info = object(actions[name], path);
      fields(info, path, ["params"]);
      const params = new Map<string, string>();
      const given = object(info["params"], `${path}.params`);
      for (const p of Object.keys(given)) {
        const type = string(given[p], `${path}.params.${p}`);
        if (!types.includes(type)) fail(`${path}.params.${p}`, `unknown input type ${q(type)}`);
        const declared = this.inputMap.get(`param.${p}`);
        if (declared === undefined) fail(`${path}.params.${p}`, `\`inputs\` has no \`param.${p}\``);
        if (declared.type !== type) {
          fail(`${path}.params.${p}`, `is ${q(type)} but the input \`param.${p}\` is ${q(declared.type)}`);
        }
        params.set(p, type);
      }
      this.actionMap.set(name, params);
    }

    const counters = object(t["counters"], "counters");
    for (const id of Object.keys(counters)) {
      const path = `counters.${id}`;
      const info = object(counters[id], path);
      if (v2 && has(info, "optional")) {
        fail(
          `${path}.optional`,
          `counter ${q(id)} is marked \`optional\`, but a counter is never optional; drop \`optional\`: ` +
            "the caller supplies every counter a candidate row reads, 0 when its store has no uses",
        );
      }
      if (v2 && has(info, "window_minutes")) {
        fail(path, 'format 2 counters have `window`, not `window_minutes`: write "window": {"sliding_minutes": N}, and `per` as a list');
      }
      fields(info, path, ["per", "actions", "measure", v2 ? "window" : "window_minutes"]);
      if (!v2 && info["per"] !== "customer" && info["per"] !== "employee") {
        fail(`${path}.per`, `must be "customer" or "employee", not ${show(info["per"])}`);
      }
      const per = v2 ? this.subjects(info["per"], `${path}.per`) : [info["per"] as string];
      const counted = strings(info["actions"], `${path}.actions`);
      for (const a of counted) {
        if (!this.actionMap.has(a)) fail(`${path}.actions`, `names the unknown action ${q(a)}`);
      }
      const measure = info["measure"];
      if (measure !== "count" && measure !== "sum") {
        fail(`${path}.measure`, `must be "count" or "sum", not ${show(measure)}`);
      }
      const window = v2
        ? windowOf(info["window"], `${path}.window`)
        : { sliding_minutes: Number(integer(info["window_minutes"], `${path}.window_minutes`, 1n)) };
      if (this.inputMap.has(id)) fail(path, "a counter id cannot also be an input key");
      this.counterMap.set(id, { key: id, section: "usage", field: id, type: "counter", values: [], optional: false });
      this.counterInfo.set(id, { per, actions: counted, measure, window });
    }

    const obligations = object(t["obligations"], "obligations");
    for (const name of Object.keys(obligations)) {
      this.obligationMap.set(name, string(obligations[name], `obligations.${name}`));
    }

    for (const inp of [...this.inputMap.values(), ...this.counterMap.values()]) {
      this.slot.set(inp.key, this.slotInputs.length);
      if (inp.section === "customer" || inp.section === "context") {
        this.sectionSlots[inp.section].set(inp.field, this.slotInputs.length);
      }
      this.slotInputs.push(inp);
    }
    for (const [name, params] of this.actionMap) {
      this.paramSlots.set(name, [...params.keys()].map((p) => [p, this.slot.get(`param.${p}`)!] as const));
    }

    const rows = t["rows"];
    if (!Array.isArray(rows)) fail("rows", `must be an array, not ${kindOf(rows)}`);
    this.units = new Units(this.currency, this.counterInfo);
    this.rows = rows.map((r, i) => this.row(i, r, v2));
    for (const row of this.rows) {
      for (const role of row.roles) {
        for (const action of row.actions) {
          const key = groupKey(role, action);
          let group = this.groups.get(key);
          if (group === undefined) this.groups.set(key, (group = []));
          if (!group.includes(row)) group.push(row);
        }
      }
    }
    for (const [key, group] of this.groups) this.groupReads.set(key, sorted(group.flatMap((r) => r.reads)));
    for (const [key, group] of this.groups) {
      const [role, action] = JSON.parse(key) as [string, string];
      let byAction = this.groupsBy.get(role);
      if (byAction === undefined) this.groupsBy.set(role, (byAction = new Map()));
      byAction.set(action, { rows: group, slots: this.groupReads.get(key)!.map((k) => this.slot.get(k)!) });
    }
  }

  private linear(terms: ReadonlyArray<readonly [string, bigint]>, max: bigint): Relation {
    return { terms, max, slots: terms.map(([k, c]) => [this.slot.get(k)!, c] as const) };
  }

  private subjects(value: unknown, path: string): string[] {
    const subjects = strings(value, path);
    if (subjects.length === 0) {
      fail(path, "a counter counts for no one: list `customer`, `employee` or `context.K` for a `key` input");
    }
    subjects.forEach((s, i) => {
      if (subjects.indexOf(s) !== i) fail(`${path}[${i}]`, `lists the subject ${q(s)} twice`);
      const inp = this.inputMap.get(s);
      const keyed = inp !== undefined && inp.type === "key" && inp.section === "context";
      if (s !== "customer" && s !== "employee" && !keyed) {
        fail(`${path}[${i}]`, `${q(s)} is neither \`customer\`, \`employee\` nor a \`context\` input of type \`key\``);
      }
      if (keyed && inp.optional) {
        fail(
          `${path}[${i}]`,
          `${q(s)} is optional: a request may omit it, and then the counter counts for no key; ` +
            `declare ${q(s)} required (drop \`optional\`): a counter needs its key on every request`,
        );
      }
    });
    return subjects;
  }

  private relation(value: unknown, path: string, read: (key: string, where: string) => Input): Relation {
    const r = object(value, path);
    fields(r, path, ["terms", "max"]);
    const given = object(r["terms"], `${path}.terms`);
    const keys = Object.keys(given).sort(compareCodePoints);
    if (keys.length === 0) fail(`${path}.terms`, "a relation has no terms: give at least one KEY: COEFFICIENT");
    const terms = keys.map((key) => {
      const c = toInt(given[key]);
      if (c === undefined || c === 0n) {
        fail(`${path}.terms.${key}`, `the coefficient of ${q(key)} must be a non-zero 64-bit integer, not ${show(given[key])}`);
      }
      const inp = read(key, `${path}.terms`);
      if (inp.type !== "counter" && !INTEGER_TYPES.has(inp.type)) {
        fail(`${path}.terms.${key}`, `a relation reads ${q(key)}, which is ${q(inp.type)}: relations add integers only`);
      }
      return [key, c] as const;
    });
    const max = toInt(r["max"]);
    if (max === undefined) fail(`${path}.max`, `must be a 64-bit integer, not ${show(r["max"])}`);
    return this.linear(terms, max);
  }

  private row(index: number, value: unknown, v2: boolean): Row {
    let path = `rows[${index}]`;
    const row = object(value, path);
    if (has(row, "rule")) path = `rows[${index}] (rule ${q(string(row["rule"], `${path}.rule`))})`;
    if (v2 && has(row, "budgets")) {
      fail(
        `${path}.budgets`,
        'format 2 has no `budgets`: a budget is a limit relation, {"terms": {COUNTER: 1, PARAM: 1}, "max": N} in `limit_relations`',
      );
    }
    fields(
      row,
      path,
      [
        "rule",
        "effect",
        "roles",
        "actions",
        "scope",
        "limits",
        "obligations",
        "notify",
        ...(v2 ? ["scope_relations", "limit_relations", "aims"] : ["budgets"]),
      ],
      ["source", "escalation"],
    );
    const rule = string(row["rule"], `rows[${index}].rule`);
    const source = get(row, "source");
    if (source !== undefined && source !== null) {
      const src = object(source, `${path}.source`);
      fields(src, `${path}.source`, ["file", "line", "column"]);
      string(src["file"], `${path}.source.file`);
      for (const field of ["line", "column"]) unsigned(src[field], `${path}.source.${field}`);
    }
    const effect = string(row["effect"], `${path}.effect`);
    if (!EFFECTS.includes(effect)) fail(`${path}.effect`, `must be "permit", "forbid" or "escalate", not ${show(effect)}`);
    const roles = strings(row["roles"], `${path}.roles`);
    for (const r of roles) if (!this.roleMap.has(r)) fail(`${path}.roles`, `names the unknown role ${q(r)}`);
    const actions = strings(row["actions"], `${path}.actions`);
    for (const a of actions) if (!this.actionMap.has(a)) fail(`${path}.actions`, `names the unknown action ${q(a)}`);

    const read = (key: string, where: string): Input => {
      const inp = this.inputMap.get(key) ?? this.counterMap.get(key);
      if (inp === undefined) fail(where, `reads ${q(key)}, which is neither a declared input nor a counter`);
      if (inp.section === "params") {
        for (const a of actions) {
          if (!this.actionMap.get(a)!.has(inp.field)) {
            fail(where, `reads ${q(key)}, but the action ${q(a)} has no parameter ${q(inp.field)}`);
          }
        }
      }
      return inp;
    };
    const constraints = (field: "scope" | "limits"): Array<readonly [string, Constraint]> => {
      const given = object(row[field], `${path}.${field}`);
      return Object.keys(given)
        .sort(compareCodePoints)
        .map((key) => {
          const inp = read(key, `${path}.${field}`);
          return [key, constraint(given[key], `${path}.${field}.${key}`, inp, field === "limits", v2)] as const;
        });
    };
    const scope = constraints("scope");
    const limits = constraints("limits");
    const relations = (part: "scope_relations" | "limit_relations"): Relation[] => {
      if (!v2) return [];
      const items = row[part];
      if (!Array.isArray(items)) fail(`${path}.${part}`, `must be an array, not ${kindOf(items)}`);
      return items.map((r_, j) => {
        const rpath = `${path}.${part}[${j}]`;
        const rel = this.relation(r_, rpath, read);
        const readsLimit = rel.terms.some(([k]) => this.counterMap.has(k) || this.inputMap.get(k)!.section === "params");
        if (readsLimit && part === "scope_relations") {
          fail(rpath, "a scope relation reads an action parameter or a counter: move it to `limit_relations`");
        }
        if (!readsLimit && part === "limit_relations") {
          fail(rpath, "a limit relation reads no action parameter and no counter: move it to `scope_relations`");
        }
        return rel;
      });
    };
    const scopeRelations = relations("scope_relations");
    const limitRelations = relations("limit_relations");
    const aims = v2 ? strings(row["aims"], `${path}.aims`) : [];
    for (const a of aims) if (!this.outcomeMap.has(a)) fail(`${path}.aims`, `names the unknown outcome ${q(a)}`);
    const givenBudgets = v2 ? [] : row["budgets"];
    if (!Array.isArray(givenBudgets)) fail(`${path}.budgets`, `must be an array, not ${kindOf(givenBudgets)}`);
    const budgets: Relation[] = givenBudgets.map((b_, j) => {
      const bpath = `${path}.budgets[${j}]`;
      const b = object(b_, bpath);
      fields(b, bpath, ["counter", "param", "max"]);
      const counter = string(b["counter"], `${bpath}.counter`);
      if (!this.counterMap.has(counter)) fail(`${bpath}.counter`, `names the unknown counter ${q(counter)}`);
      const param = string(b["param"], `${bpath}.param`);
      const declared = this.inputMap.get(param);
      if (declared === undefined || declared.section !== "params" || declared.type !== "money") {
        fail(`${bpath}.param`, `${q(param)} is not a \`money\` parameter input`);
      }
      read(param, `${bpath}.param`);
      const terms = [...new Map([[counter, 1n], [param, 1n]])].sort((x, y) => compareCodePoints(x[0], y[0]));
      return this.linear(terms, integer(b["max"], `${bpath}.max`));
    });
    if (effect !== "permit" && (limits.length > 0 || budgets.length > 0)) {
      fail(path, `only \`permit\` rows have \`limits\` and \`budgets\`, this row is ${q(effect)}`);
    }
    if (effect !== "permit" && limitRelations.length > 0) {
      fail(`${path}.limit_relations`, `only \`permit\` rows have \`limit_relations\`, this row is ${q(effect)}`);
    }
    if (effect === "forbid" && aims.length > 0) fail(`${path}.aims`, "a `forbid` row has no `aims`");
    const obligations = strings(row["obligations"], `${path}.obligations`);
    for (const o of obligations) {
      if (!this.obligationMap.has(o)) fail(`${path}.obligations`, `names the unknown obligation ${q(o)}`);
    }
    const notify = strings(row["notify"], `${path}.notify`);
    for (const r of notify) if (!this.roleMap.has(r)) fail(`${path}.notify`, `names the unknown role ${q(r)}`);
    const escalation = get(row, "escalation");
    let escalateTo: string | null = null;
    let exceptRoles: string[] = [];
    if (escalation === undefined || escalation === null) {
      if (effect === "escalate") fail(`${path}.escalation`, "an `escalate` row needs an `escalation`, not null");
    } else {
      const epath = `${path}.escalation`;
      if (effect === "forbid") fail(epath, "a `forbid` row cannot escalate");
      const e = object(escalation, epath);
      fields(e, epath, ["to", "except_roles"]);
      escalateTo = string(e["to"], `${epath}.to`);
      exceptRoles = strings(e["except_roles"], `${epath}.except_roles`);
      for (const r of [escalateTo, ...exceptRoles]) {
        if (!this.roleMap.has(r)) fail(epath, `names the unknown role ${q(r)}`);
      }
    }
    // Inputs by key, then counters by id: `explain` names the first one
    // missing or ill-typed (the Rust evaluator's order).
    const keys = sorted([
      ...scope.map(([k]) => k),
      ...limits.map(([k]) => k),
      ...[...scopeRelations, ...limitRelations, ...budgets].flatMap((r) => r.terms.map(([k]) => k)),
    ]);
    const reads = [...keys.filter((k) => !this.counterMap.has(k)), ...keys.filter((k) => this.counterMap.has(k))];
    return {
      index,
      rule,
      effect: effect as Effect,
      roles: new Set(roles),
      actions: new Set(actions),
      scopeRelations,
      limitRelations: [...limitRelations, ...budgets],
      obligations,
      aims,
      notify,
      escalateTo,
      exceptRoles: new Set(exceptRoles),
      reads,
      readSlots: reads.map((k) => this.slot.get(k)!),
      scopeSlots: scope.map(([k, c]) => [this.slot.get(k)!, c] as const),
      limitSlots: limits.map(([k, c]) => [this.slot.get(k)!, c] as const),
    };
  }

  // -- constructors ---------------------------------------------------------

  /** Loads a table from a parsed JSON value; throws {@link TableError}.
   * Integers beyond 2^53 must be `bigint`s (as {@link parseJSON} gives). */
  static fromObject(value: unknown): Table {
    return new Table(value);
  }

  /** Loads a table from JSON text, or from UTF-8 bytes as read from a
   * file (a leading byte-order mark is skipped); throws {@link TableError},
   * also for text that gives one key twice in an object. */
  static fromJSON(text: string | Uint8Array): Table {
    let value: unknown;
    try {
      value = parseJSON(text);
    } catch (e) {
      throw new TableError(e instanceof JsonSyntaxError ? e.describe("the table") : `the table cannot be read: ${String(e)}`);
    }
    return new Table(value);
  }

  /** Loads a table from a JSON file; throws {@link TableError} (also when
   * the file cannot be read or is not UTF-8). */
  static load(path: string): Table {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new TableError(`cannot read the table ${path}: ${(e as Error).message}`);
    }
    return Table.fromJSON(bytes);
  }

  // -- introspection --------------------------------------------------------

  /** Every role mapped to all its ancestors. */
  get roles(): Record<string, string[]> {
    return Object.fromEntries([...this.roleMap].map(([r, a]) => [r, [...a]]));
  }

  /** Every action mapped to its parameters and their input types. */
  get actions(): Record<string, Record<string, string>> {
    return Object.fromEntries([...this.actionMap].map(([a, p]) => [a, Object.fromEntries(p)]));
  }

  /** Every usage counter a row may read: id mapped to who it counts
   * (`per`), which `actions`, the `measure` and the `window`
   * (docs/table-format.md, "Counters a caller computes", says which uses
   * each one counts). */
  get counters(): Record<string, CounterInfo> {
    return Object.fromEntries(
      sorted(this.counterInfo.keys()).map((id) => {
        const c = this.counterInfo.get(id)!;
        return [id, { ...c, actions: [...c.actions] }];
      }),
    );
  }

  /** Obligation name mapped to its description. */
  get obligations(): Record<string, string> {
    return Object.fromEntries(this.obligationMap);
  }

  /** The counters that requests for `role` and `action` must supply in
   * `usage` (the counters the candidate rows read), sorted. */
  countersFor(role: string, action: string): string[] {
    return (this.groupReads.get(groupKey(role, action)) ?? []).filter((k) => this.counterMap.has(k));
  }

  // -- evaluation -----------------------------------------------------------

  /** Decides a request (a parsed JSON value). Never throws: a bad request
   * is a `deny` with every problem listed in `errors`. */
  decide(request: unknown): Decision {
    return this.run(request, false)[0];
  }

  /** Decides a request and adds `trace`: how each candidate row fared, in
   * row order. */
  explain(request: unknown): Explanation {
    const [decision, trace] = this.run(request, true);
    return { ...decision, trace };
  }

  /** Decides a request given as JSON text, or as UTF-8 bytes, read as
   * every Remit evaluator reads it (docs/table-format.md, "Reading JSON
   * text"): JSON number syntax is kept (`8e3` and `8000.0` are not
   * integers, big integers stay exact, `-0` is `0`), a leading byte-order
   * mark is skipped. Text that cannot be read (not UTF-8, not JSON, a key
   * given twice in one object) is a `deny` with one `malformed_request`
   * whose input is `null`. */
  decideJSON(text: string | Uint8Array): Decision {
    return this.runJSON(text, false)[0];
  }

  /** {@link Table.explain} for a request given as JSON text or UTF-8
   * bytes, read as {@link Table.decideJSON} reads it. */
  explainJSON(text: string | Uint8Array): Explanation {
    const [decision, trace] = this.runJSON(text, true);
    return { ...decision, trace };
  }

  private runJSON(text: string | Uint8Array, trace: boolean): [Decision, TraceEntry[]] {
    let request: unknown;
    try {
      request = parseJSON(text);
    } catch (e) {
      const why = e instanceof JsonSyntaxError ? e.describe("the request") : `the request cannot be read: ${String(e)}`;
      return [deny([error("malformed_request", null, why)]), []];
    }
    return this.run(request, trace);
  }

  /** Steps 1 and 2: the role, the action, every value read, the
   * candidate rows and the request's problems (sorted). */
  private prepare(request: unknown): {
    role: string | null;
    action: string | null;
    values: Values;
    raw: readonly unknown[];
    candidates: Row[];
    errors: RequestError[];
  } {
    const errors: RequestError[] = [];
    if (!isObject(request)) {
      errors.push(error("malformed_request", null, "the request must be a JSON object with `role` and `action`"));
      return { role: null, action: null, values: [], raw: [], candidates: [], errors };
    }
    const role = this.name(request, "role", this.roleMap, "unknown_role", errors);
    const action = this.name(request, "action", this.actionMap, "unknown_action", errors);

    const sections: Record<(typeof SECTIONS)[number], Obj> = { customer: {}, context: {}, params: {}, usage: {} };
    for (const name of SECTIONS) {
      if (!given(request, name)) continue;
      const value = request[name];
      if (isObject(value)) sections[name] = value;
      else errors.push(error("malformed_request", name, `\`${name}\` must be a JSON object, not ${kindOf(value)}`));
    }

    // Step 1: every value given for a known input must be well-typed.
    const inputs = this.slotInputs;
    const values: Array<Value | undefined> = new Array<Value | undefined>(inputs.length);
    const raw: unknown[] = new Array<unknown>(inputs.length);
    for (const name of ["customer", "context"] as const) {
      const section = sections[name];
      const slots = this.sectionSlots[name];
      for (const field of Object.keys(section)) {
        const slot = slots.get(field);
        if (slot !== undefined && given(section, field)) {
          values[slot] = typed(inputs[slot]!, section[field], errors);
          raw[slot] = section[field];
        }
      }
    }
    if (action !== null) {
      const params = sections.params;
      for (const [field, slot] of this.paramSlots.get(action)!) {
        if (given(params, field)) {
          values[slot] = typed(inputs[slot]!, params[field], errors);
          raw[slot] = params[field];
        }
      }
    }

    // Step 2: the candidate rows, and every input and counter they read.
    let candidates: Row[] = [];
    if (role !== null && action !== null) {
      const group = this.groupsBy.get(role)?.get(action);
      candidates = group?.rows ?? [];
      const usage = sections.usage;
      for (const slot of group?.slots ?? []) {
        const inp = inputs[slot]!;
        const counter = inp.type === "counter";
        if (counter && given(usage, inp.key)) {
          values[slot] = typed(inp, usage[inp.key], errors);
          raw[slot] = usage[inp.key];
        }
        if (values[slot] === undefined) {
          if (inp.optional) {
            values[slot] = ABSENT;
            continue;
          }
          errors.push(
            error("missing_input", inp.key, `\`${inp.section}\` has no ${q(inp.field)}, which a candidate row reads`),
          );
        }
      }
    }
    return { role, action, values, raw, candidates, errors: sortErrors(errors) };
  }

  private run(request: unknown, trace: boolean): [Decision, TraceEntry[]] {
    const { role, values, raw, candidates, errors: sortedErrors } = this.prepare(request);
    const entries: TraceEntry[] = [];
    const forbids: Row[] = [];
    const permits: Row[] = [];
    const escalations: Row[] = [];
    for (const row of candidates) {
      const [out, failed] = verdict(row, values);
      if (trace) {
        const [constraintKey, detail] = this.words(failed, values, raw);
        entries.push({ rule: row.rule, row: row.index, effect: row.effect, outcome: out, constraint: constraintKey, detail });
      }
      const escalates = row.escalateTo !== null && !row.exceptRoles.has(role!);
      if (row.effect === "forbid" && out === "matched") forbids.push(row);
      else if (row.effect === "permit" && out === "matched") permits.push(row);
      else if (row.effect === "permit" && out === "limit_failed" && escalates) escalations.push(row);
      else if (row.effect === "escalate" && out === "matched" && escalates) escalations.push(row);
    }

    if (sortedErrors.length > 0) return [deny(sortedErrors), entries];
    if (forbids.length > 0) return [{ ...deny([]), rules: sorted(forbids.map((r) => r.rule)) }, entries];
    if (permits.length > 0) {
      return [
        {
          decision: "permit",
          escalate_to: [],
          obligations: sorted(permits.flatMap((r) => r.obligations)),
          aims: sorted(permits.flatMap((r) => r.aims)),
          notify: sorted(permits.flatMap((r) => r.notify)),
          rules: sorted(permits.map((r) => r.rule)),
          errors: [],
        },
        entries,
      ];
    }
    if (escalations.length > 0) {
      return [
        {
          decision: "escalate",
          escalate_to: sorted(escalations.map((r) => r.escalateTo!)),
          obligations: [],
          aims: sorted(escalations.flatMap((r) => r.aims)),
          notify: sorted(escalations.flatMap((r) => r.notify)),
          rules: sorted(escalations.map((r) => r.rule)),
          errors: [],
        },
        entries,
      ];
    }
    return [deny([]), entries];
  }

  /** The values of action parameter `param` (`amount` or `param.amount`)
   * that a request complete except for it would be permitted with (a value
   * given for it is ignored), as sorted disjoint inclusive intervals, and
   * the decision just above them (TABLE.md, "Headroom"). Never throws: an
   * invalid request gives errors. */
  headroom(request: unknown, param: string): Headroom {
    const name = param.startsWith("param.") ? param.slice("param.".length) : param;
    const key = `param.${name}`;
    const at = (value: bigint): unknown => {
      if (!isObject(request)) return request;
      const params = given(request, "params") ? request["params"] : {};
      if (!isObject(params)) return request;
      return { ...request, params: { ...params, [name]: value } };
    };
    const { role, action, values, candidates, errors } = this.prepare(at(0n));
    if (role !== null && action !== null) {
      const type = this.actionMap.get(action)!.get(name);
      if (type === undefined) {
        const known = [...this.actionMap.get(action)!.keys()].map(q).join(", ") || "none";
        errors.push(error("malformed_request", key, `action ${q(action)} has no parameter ${q(name)} (its parameters: ${known})`));
      } else if (!INTEGER_TYPES.has(type)) {
        errors.push(error("wrong_type", key, `${key} is ${q(type)}: headroom is for integer parameters`));
      }
    }
    if (errors.length > 0 || role === null || action === null) {
      return { param: key, permitted: [], above: null, errors: sortErrors(errors) };
    }
    const slot = this.slot.get(key)!;
    // A parameter is never negative; a time of day ends at 23:59.
    const top = this.slotInputs[slot]!.type === "time" ? 1439n : I64_MAX;
    const permits = candidates.filter((r) => r.effect === "permit").map((r) => span(r, values, slot, top, true));
    const forbids = candidates.filter((r) => r.effect === "forbid").map((r) => span(r, values, slot, top, false));
    const permitted = subtract(merge(permits), merge(forbids));
    const highest = permitted.length > 0 ? permitted[permitted.length - 1]![1] : -1n;
    return { param: key, permitted, above: highest >= top ? null : this.decide(at(highest + 1n)), errors: [] };
  }

  /** What decided a row's verdict, for `explain`: the key and the detail
   * in the author's terms. */
  private words(failed: Failed, values: Values, raw: readonly unknown[]): [string | null, string] {
    if (failed === null) return [null, "every constraint holds"];
    if (typeof failed === "number") {
      const key = this.slotInputs[failed]!.key;
      if (values[failed] === undefined) return [key, `${key} is missing`];
      return [key, `${key} is ${show(raw[failed])}, which is ill-typed`];
    }
    if ("terms" in failed) return [failed.terms[0]![0], this.relationWords(failed, values)];
    const [slot, c] = failed;
    const inp = this.slotInputs[slot]!;
    return [inp.key, whyNot(c, inp.key, show(raw[slot]), values[slot], this.units, inp)];
  }

  /** A failing relation in the author's terms (the Rust evaluator's words). */
  private relationWords(r: Relation, values: Values): string {
    const u = this.units;
    const inp = new Map(r.terms.map(([k]) => [k, this.slotInputs[this.slot.get(k)!]!]));
    const name = (k: string): string => (inp.get(k)!.section === "params" ? inp.get(k)!.field : k);
    const value = (k: string): Value | undefined => values[this.slot.get(k)!];
    for (const [k] of r.terms) if (value(k) === ABSENT) return `${name(k)} is absent, so the relation on it does not hold`;
    const v = (k: string): bigint => value(k) as bigint;
    if (r.terms.length === 2 && r.terms.every(([, c]) => c === 1n)) {
      const [[a], [b]] = r.terms as [readonly [string, bigint], readonly [string, bigint]];
      const [counter, param] = this.counterMap.has(a) ? [a, b] : [b, a];
      const info = this.counterInfo.get(counter);
      if (info !== undefined && info.measure === "sum" && inp.get(param)!.type === "money") {
        const [used, asked] = [v(counter), v(param)];
        return (
          `limit total ${u.money(r.max)} ${u.per(info)}: ${u.money(used)} used + ` +
          `${u.money(asked)} asked ${used + asked > r.max ? ">" : "<="} ${u.money(r.max)}`
        );
      }
    }
    const money = [...inp.values()].every(
      (i) => i.type === "money" || (i.type === "counter" && this.counterInfo.get(i.key)!.measure === "sum"),
    );
    const num = (n: bigint): string => (money ? u.money(n) : String(n));
    // `positive terms <= negated negative terms + max`, as written.
    const side = (positive: boolean): [string, string] => {
      const terms = r.terms.filter(([, c]) => c > 0n === positive);
      if (positive && terms.length === 0) return ["0", num(0n)];
      const abs = (c: bigint): bigint => (c < 0n ? -c : c);
      const times = (c: bigint, x: string): string => (abs(c) === 1n ? x : `${abs(c)} × ${x}`);
      let written = terms.map(([k, c]) => times(c, name(k))).join(" + ");
      let filled = terms.map(([k, c]) => times(c, u.value(inp.get(k)!, v(k)))).join(" + ");
      let total = terms.reduce((s, [k, c]) => s + abs(c) * v(k), 0n);
      if (!positive && (r.max !== 0n || terms.length === 0)) {
        const [sign, shown] =
          terms.length === 0 ? ["", num(r.max)] : r.max < 0n ? [" - ", num(-r.max)] : [" + ", num(r.max)];
        written += sign + shown;
        filled += sign + shown;
        total += r.max;
      }
      const scaled = terms.some(([, c]) => abs(c) !== 1n);
      if (terms.length > 1 || scaled || (terms.length === 1 && !positive && r.max !== 0n)) filled += ` = ${num(total)}`;
      return [written, filled];
    };
    const [lhs, lhsFilled] = side(true);
    const [rhs, rhsFilled] = side(false);
    return `${lhs} <= ${rhs}: ${lhsFilled} > ${rhsFilled}`;
  }

  private name(
    request: Obj,
    field: "role" | "action",
    known: ReadonlyMap<string, unknown>,
    unknownKind: ErrorKind,
    errors: RequestError[],
  ): string | null {
    if (!given(request, field)) {
      errors.push(error("malformed_request", field, `the request has no \`${field}\``));
      return null;
    }
    const value = request[field];
    if (typeof value !== "string") {
      errors.push(error("malformed_request", field, `\`${field}\` must be a string, not ${kindOf(value)}`));
      return null;
    }
    if (!known.has(value)) {
      errors.push(error(unknownKind, field, `the table has no ${field} ${q(value)}`));
      return null;
    }
    return value;
  }
}

function groupKey(role: string, action: string): string {
  return JSON.stringify([role, action]);
}

function windowOf(value: unknown, path: string): CounterInfo["window"] {
  const w = object(value, path);
  const keys = Object.keys(w);
  if (keys.length !== 1) fail(path, 'must be one of {"sliding_minutes": N}, {"calendar": PERIOD} or {"all": true}');
  if (has(w, "sliding_minutes")) return { sliding_minutes: Number(integer(w["sliding_minutes"], `${path}.sliding_minutes`, 1n)) };
  if (has(w, "calendar")) {
    const period = w["calendar"];
    if (typeof period !== "string" || !PERIODS.includes(period)) {
      fail(`${path}.calendar`, `must be one of ${PERIODS.join(", ")}, not ${show(period)}`);
    }
    return { calendar: period };
  }
  if (has(w, "all")) {
    if (w["all"] !== true) fail(`${path}.all`, `must be true (\`{"all": true}\` counts every use ever), not ${show(w["all"])}`);
    return { all: true };
  }
  return fail(path, `has an unknown window ${q(keys[0]!)}`);
}
