/**
 * A strict JSON reader that keeps what `JSON.parse` loses and the table
 * format needs, and reads text exactly as the Rust and Python evaluators
 * do (docs/table-format.md, "Reading JSON text"):
 *
 * - One leading byte-order mark (U+FEFF) is skipped.
 * - An integer literal (`42`, `-7`) becomes a `number` when it is a safe
 *   integer, else a `bigint` (`9223372036854775807n`). `-0` is `0`.
 * - A number written with a fraction or an exponent (`1.5`, `8000.0`,
 *   `1e3`, `1e400`) becomes a {@link JsonFloat}, which no integer input
 *   accepts: docs/table-format.md rejects such numbers as ill-typed even
 *   when their value is whole. Any magnitude is read.
 * - Objects are plain objects (a `"__proto__"` key is an ordinary own
 *   property). An object that gives one key twice (compared after
 *   unescaping) is refused, at any depth: readers that keep the first
 *   value and readers that keep the last would see different requests.
 * - A string holding an unpaired surrogate (from a `\u` escape or in the
 *   text itself) is refused: it is not Unicode text.
 * - Arrays and objects nest at most {@link MAX_DEPTH} deep.
 */

/** A JSON number written with a fraction or an exponent. */
export class JsonFloat {
  /** The number as written. */
  readonly source: string;
  /** Its value as a double. */
  readonly value: number;

  constructor(source: string) {
    this.source = source;
    this.value = Number(source);
  }

  valueOf(): number {
    return this.value;
  }

  toJSON(): number {
    return this.value;
  }

  toString(): string {
    return this.source;
  }
}

/** A parsed JSON value. */
export type JsonValue =
  | null
  | boolean
  | string
  | number
  | bigint
  | JsonFloat
  | JsonValue[]
  | { [key: string]: JsonValue };

/** What made a text unreadable. */
export type JsonProblem = "not_utf8" | "syntax" | "duplicate_key" | "too_deep";

/** Thrown by {@link parseJSON} and {@link decodeUTF8} on text that cannot
 * be read. `message` says what and where; {@link JsonSyntaxError.describe}
 * says it about a subject ("the request"). */
export class JsonSyntaxError extends SyntaxError {
  override name = "JsonSyntaxError";
  /** What kind of problem. */
  readonly problem: JsonProblem;
  /** For `syntax`, what was expected or found; for `duplicate_key`, the key. */
  readonly detail: string;
  /** 1-based line and column (in characters) of the problem. */
  readonly line: number;
  readonly column: number;

  constructor(problem: JsonProblem, detail: string, line: number, column: number) {
    super("");
    this.problem = problem;
    this.detail = detail;
    this.line = line;
    this.column = column;
    this.message = this.describe("the text");
  }

  /** The message, about `subject` ("the request", "the table"). */
  describe(subject: string): string {
    const at = `line ${this.line}, column ${this.column}`;
    switch (this.problem) {
      case "not_utf8":
        return `${subject} is not UTF-8 text (at ${at}): JSON must be UTF-8, so save or send it as UTF-8`;
      case "duplicate_key":
        return `${subject} gives the key \`${shownKey(this.detail)}\` twice in one object (the second at ${at}): JSON readers disagree on which value counts, so give each key once`;
      case "too_deep":
        return `${subject} nests arrays and objects more than ${MAX_DEPTH} deep (at ${at})`;
      default:
        return `${subject} is not valid JSON: ${this.detail} at ${at}`;
    }
  }
}

/** How deep arrays and objects may nest (the outermost one is depth 1). */
export const MAX_DEPTH = 128;

/** A key as messages show it: at most 64 characters. */
function shownKey(key: string): string {
  const chars = Array.from(key);
  const shown = chars
    .slice(0, 64)
    .map((c) => {
      const n = c.codePointAt(0)!;
      return n < 0x20 || (n >= 0x7f && n < 0xa0) ? `\\u{${n.toString(16)}}` : c;
    })
    .join("");
  return chars.length > 64 ? shown + "…" : shown;
}

/** The 1-based line and column (in code points) of a string index. */
function position(text: string, index: number): [number, number] {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return [line, Array.from(text.slice(start, index)).length + 1];
}

/** Decodes UTF-8 bytes (a leading byte-order mark is kept, for
 * {@link parseJSON} to skip); throws {@link JsonSyntaxError} with the
 * place of the first byte that is not UTF-8. */
export function decodeUTF8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const good = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(0, validUTF8Prefix(bytes)));
    const text = good.startsWith("\uFEFF") ? good.slice(1) : good;
    const [line, column] = position(text, text.length);
    throw new JsonSyntaxError("not_utf8", "", line, column);
  }
}

/** The length of the longest prefix of `b` that is well-formed UTF-8. */
function validUTF8Prefix(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return i;
}

/** Reads JSON text (or UTF-8 bytes); throws {@link JsonSyntaxError} when it
 * cannot be read. */
export function parseJSON(input: string | Uint8Array): JsonValue {
  let text = typeof input === "string" ? input : decodeUTF8(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const p = new Parser(text);
  p.ws();
  const value = p.value();
  p.ws();
  if (p.i < text.length) p.fail("unexpected text after the JSON value");
  return value;
}

/** Serializes a value that may hold `bigint`s and {@link JsonFloat}s. */
export function stringifyJSON(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof JsonFloat) return value.source;
  if (Array.isArray(value)) return "[" + value.map(stringifyJSON).join(",") + "]";
  if (value !== null && typeof value === "object") {
    return (
      "{" +
      Object.entries(value)
        .map(([k, v]) => JSON.stringify(k) + ":" + stringifyJSON(v))
        .join(",") +
      "}"
    );
  }
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class Parser {
  i = 0;
  depth = 0;
  constructor(readonly text: string) {}

  fail(detail: string, at: number = this.i, problem: JsonProblem = "syntax"): never {
    const [line, column] = position(this.text, at);
    throw new JsonSyntaxError(problem, detail, line, column);
  }

  /** What is at the cursor, for a message. */
  found(): string {
    const c = this.text.codePointAt(this.i);
    if (c === undefined) return "the end of the text";
    if (c < 0x20 || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) {
      return `the character U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
    }
    return `\`${String.fromCodePoint(c)}\``;
  }

  ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  value(): JsonValue {
    const t = this.text;
    const c = t[this.i];
    switch (c) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
        return this.fail(`expected a value, found ${this.found()}`);
    }
  }

  literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.i)) this.fail(`expected a value, found ${this.found()}`);
    this.i += word.length;
    return value;
  }

  number(): JsonValue {
    const t = this.text;
    const start = this.i;
    if (t[this.i] === "-") this.i++;
    const first = t[this.i];
    if (first === undefined || first < "0" || first > "9") this.fail(`expected a digit, found ${this.found()}`);
    if (first === "0" && t[this.i + 1] !== undefined && t[this.i + 1]! >= "0" && t[this.i + 1]! <= "9") {
      this.i++;
      this.fail("a number has a leading zero");
    }
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(t)!;
    this.i = start + m[0].length;
    const next = t[this.i];
    if (next === "." || next === "e" || next === "E") {
      // The regular expression stopped before an incomplete part.
      this.i++;
      if (next !== "." && (t[this.i] === "+" || t[this.i] === "-")) this.i++;
      this.fail(
        `expected a digit ${next === "." ? "after the decimal point" : "in the exponent"}, found ${this.found()}`,
      );
    }
    if (m[1] !== undefined || m[2] !== undefined) return new JsonFloat(m[0]);
    const n = Number(m[0]);
    if (n === 0) return 0; // `-0` is the integer 0
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  }

  string(): string {
    const t = this.text;
    this.i++; // opening quote
    let out = "";
    let start = this.i;
    for (;;) {
      if (this.i >= t.length) this.fail("a string is not closed");
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        out += t.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail(`a string holds ${this.found()}, which must be written as an escape`);
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = t.charCodeAt(this.i + 1);
        if (c >= 0xdc00 || !(d >= 0xdc00 && d <= 0xdfff)) {
          this.fail(`a string holds ${this.found()}, half of a surrogate pair without the other half, which is not a character`);
        }
        this.i += 2;
        continue;
      }
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += t.slice(start, this.i);
      out += this.escape();
      start = this.i;
    }
  }

  /** One escape; the cursor is on its backslash. */
  escape(): string {
    const t = this.text;
    const at = this.i;
    const e = t[this.i + 1];
    this.i += 2;
    switch (e) {
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "/":
        return "/";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "u": {
        const high = this.hex4(at);
        if (high >= 0xd800 && high <= 0xdbff) {
          const low = t.startsWith("\\u", this.i) ? ((this.i += 2), this.hex4(at)) : 0;
          if (low >= 0xdc00 && low <= 0xdfff) return String.fromCharCode(high, low);
          return this.unpaired(at);
        }
        if (high >= 0xdc00 && high <= 0xdfff) return this.unpaired(at);
        return String.fromCharCode(high);
      }
      default:
        this.i -= 1;
        return this.fail(`\`\\\` starts an escape, which ${this.found()} does not`, at);
    }
  }

  unpaired(at: number): never {
    return this.fail("a `\\u` escape is half of a surrogate pair without the other half, which is not a character", at);
  }

  hex4(escape: number): number {
    const hex = this.text.slice(this.i, this.i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("`\\u` must be followed by four hex digits", escape);
    this.i += 4;
    return parseInt(hex, 16);
  }

  /** Enters an array or object. */
  nest(): void {
    if (++this.depth > MAX_DEPTH) this.fail("", this.i, "too_deep");
    this.i++;
    this.ws();
  }

  array(): JsonValue[] {
    this.nest();
    const out: JsonValue[] = [];
    if (this.text[this.i] === "]") {
      this.i++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.text[this.i];
      if (c === ",") {
        this.i++;
        this.ws();
      } else if (c === "]") {
        this.i++;
        this.depth--;
        return out;
      } else {
        this.fail(`expected \`,\` or \`]\` in an array, found ${this.found()}`);
      }
    }
  }

  object(): { [key: string]: JsonValue } {
    this.nest();
    const out: { [key: string]: JsonValue } = {};
    if (this.text[this.i] === "}") {
      this.i++;
      this.depth--;
      return out;
    }
    for (;;) {
      if (this.text[this.i] !== '"') this.fail(`expected a key in double quotes, found ${this.found()}`);
      const at = this.i;
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(key, at, "duplicate_key");
      this.ws();
      if (this.text[this.i] !== ":") this.fail(`expected \`:\` after a key, found ${this.found()}`);
      this.i++;
      this.ws();
      const value = this.value();
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      this.ws();
      const c = this.text[this.i];
      if (c === ",") {
        this.i++;
        this.ws();
      } else if (c === "}") {
        this.i++;
        this.depth--;
        return out;
      } else {
        this.fail(`expected \`,\` or \`}\` in an object, found ${this.found()}`);
      }
    }
  }
}
