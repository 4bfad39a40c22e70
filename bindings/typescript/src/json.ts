/**
 * A strict JSON parser that keeps what `JSON.parse` loses and the table
 * format needs: whether a number was written as an integer, and the exact
 * value of integers beyond 2^53.
 *
 * - An integer literal (`42`, `-7`) becomes a `number` when it is a safe
 *   integer, else a `bigint` (`9223372036854775807n`).
 * - A number written with a fraction or an exponent (`1.5`, `8000.0`,
 *   `1e3`) becomes a {@link JsonFloat}, which no integer input accepts:
 *   docs/table-format.md rejects such numbers as ill-typed even when their
 *   value is whole.
 * - Objects are plain objects (a `"__proto__"` key is an ordinary own
 *   property); duplicate keys keep the last value, as in `JSON.parse`.
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

/** Thrown by {@link parseJSON} on text that is not JSON. */
export class JsonSyntaxError extends SyntaxError {
  override name = "JsonSyntaxError";
}

const MAX_DEPTH = 512;

/** Parses JSON text; throws {@link JsonSyntaxError} when it is not JSON. */
export function parseJSON(text: string): JsonValue {
  const p = new Parser(text);
  p.ws();
  const value = p.value(0);
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
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new JsonSyntaxError(`invalid JSON at offset ${this.i}: ${message}`);
  }

  ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail("nested too deeply");
    const t = this.text;
    const c = t[this.i];
    switch (c) {
      case "{":
        return this.object(depth);
      case "[":
        return this.array(depth);
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
        return this.fail(c === undefined ? "unexpected end of text" : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.i)) this.fail(`expected ${word}`);
    this.i += word.length;
    return value;
  }

  number(): JsonValue {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (m === null) return this.fail("malformed number");
    this.i += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new JsonFloat(m[0]);
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  }

  string(): string {
    const t = this.text;
    this.i++; // opening quote
    let out = "";
    let start = this.i;
    for (;;) {
      if (this.i >= t.length) this.fail("unterminated string");
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        out += t.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail("control character in a string");
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += t.slice(start, this.i);
      const e = t[this.i + 1];
      this.i += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case "\\":
          out += "\\";
          break;
        case "/":
          out += "/";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = t.slice(this.i, this.i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 4;
          break;
        }
        default:
          this.i -= 2;
          this.fail("bad escape");
      }
      start = this.i;
    }
  }

  array(depth: number): JsonValue[] {
    this.i++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.text[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.i];
      this.i++;
      if (c === "]") return out;
      if (c !== ",") {
        this.i--;
        this.fail("expected , or ]");
      }
    }
  }

  object(depth: number): { [key: string]: JsonValue } {
    this.i++;
    const out: { [key: string]: JsonValue } = {};
    this.ws();
    if (this.text[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') this.fail("expected a string key");
      const key = this.string();
      this.ws();
      if (this.text[this.i] !== ":") this.fail("expected :");
      this.i++;
      this.ws();
      const value = this.value(depth + 1);
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      this.ws();
      const c = this.text[this.i];
      this.i++;
      if (c === "}") return out;
      if (c !== ",") {
        this.i--;
        this.fail("expected , or }");
      }
    }
  }
}
