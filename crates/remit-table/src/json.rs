//! Reading JSON text the way every Remit evaluator reads it
//! (docs/table-format.md, "Reading JSON text").
//!
//! `serde_json` keeps the last of two equal keys, reads `-0` as the float
//! `-0.0` and refuses `1e400`; each evaluator's standard library does
//! something else. So tables and requests given as text are read here, by
//! one set of rules that the Python and TypeScript evaluators follow too:
//!
//! - the text is UTF-8, optionally after one byte-order mark, which is
//!   skipped (RFC 8259 §8.1);
//! - an object never has two equal keys (compared after unescaping), at
//!   any depth: a reader that keeps the first value would see another
//!   request from the one decided;
//! - a number written as an integer is an integer (`-0` is `0`); one
//!   outside the 64-bit range, or with a fraction or an exponent, is a
//!   non-integer number, whatever its magnitude (`1e400` included), so a
//!   key that nobody reads may hold any number the grammar allows;
//! - a `\u` escape is a character: an unpaired surrogate is refused;
//! - arrays and objects nest at most [`MAX_DEPTH`] deep.

use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// How deep arrays and objects may nest (the outermost one is depth 1).
pub(crate) const MAX_DEPTH: usize = 128;

/// The longest stretch of a key shown in a message.
const SHOWN_KEY: usize = 64;

/// What made a text unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Not UTF-8.
    NotUtf8,
    /// Not JSON: what was expected or found.
    Syntax(String),
    /// An object gives this key twice.
    DuplicateKey(String),
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Why a text could not be read, and where (1-based line and column, in
/// characters, not counting a byte-order mark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub problem: Problem,
    pub line: usize,
    pub column: usize,
}

impl JsonError {
    /// The message, about `subject` ("the request", "the table").
    pub fn describe(&self, subject: &str) -> String {
        let at = format!("line {}, column {}", self.line, self.column);
        match &self.problem {
            Problem::NotUtf8 => format!(
                "{subject} is not UTF-8 text (at {at}): JSON must be UTF-8, so save or send it as UTF-8"
            ),
            Problem::Syntax(detail) => format!("{subject} is not valid JSON: {detail} at {at}"),
            Problem::DuplicateKey(key) => format!(
                "{subject} gives the key `{}` twice in one object (the second at {at}): JSON readers disagree on which value counts, so give each key once",
                shown(key)
            ),
            Problem::TooDeep => format!(
                "{subject} nests arrays and objects more than {MAX_DEPTH} deep (at {at})"
            ),
        }
    }
}

/// A key as messages show it: at most [`SHOWN_KEY`] characters, control
/// characters escaped.
fn shown(key: &str) -> String {
    let mut out: String = key
        .chars()
        .take(SHOWN_KEY)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if key.chars().count() > SHOWN_KEY {
        out.push('…');
    }
    out
}

/// A parsed text.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The value. A number beyond the range of a double (`1e400`) has no
    /// `serde_json` form; it is kept as the largest finite double of its
    /// sign, which, like the number, is not an integer.
    pub value: Value,
    /// The first number beyond the range of a double, as written, with its
    /// line and column.
    pub huge: Option<(String, usize, usize)>,
}

/// Reads JSON text by the rules of this module.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, JsonError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            // The text up to the first bad byte is UTF-8: locate it there.
            let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let (line, column) = position(good, good.len());
            return Err(JsonError {
                problem: Problem::NotUtf8,
                line,
                column,
            });
        }
    };
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
        huge: None,
    };
    p.whitespace();
    let value = p.value()?;
    p.whitespace();
    if p.at < p.bytes.len() {
        return Err(p.syntax("unexpected text after the JSON value"));
    }
    let huge = p.huge.map(|(start, end)| {
        let (line, column) = position(text, start);
        (text[start..end].to_string(), line, column)
    });
    Ok(Parsed { value, huge })
}

/// The 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    depth: usize,
    /// Byte range of the first number beyond the range of a double.
    huge: Option<(usize, usize)>,
}

impl Parser<'_> {
    fn fail(&self, problem: Problem, at: usize) -> JsonError {
        let (line, column) = position(self.text, at);
        JsonError {
            problem,
            line,
            column,
        }
    }

    fn syntax(&self, detail: &str) -> JsonError {
        self.fail(Problem::Syntax(detail.to_string()), self.at)
    }

    /// What is at the cursor, for a message: `end of text` or the character.
    fn found(&self) -> String {
        match self.text[self.at..].chars().next() {
            None => "the end of the text".to_string(),
            Some(c) if c.is_control() || c == '\u{feff}' => {
                format!("the character U+{:04X}", u32::from(c))
            }
            Some(c) => format!("`{c}`"),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.syntax(&format!("expected a value, found {}", self.found()))),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.syntax(&format!("expected a value, found {}", self.found())))
        }
    }

    /// Enters an array or object.
    fn nest(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail(Problem::TooDeep, self.at));
        }
        self.at += 1;
        self.whitespace();
        Ok(())
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        self.nest()?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.at += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.whitespace();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.whitespace();
                }
                Some(b']') => {
                    self.at += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(items));
                }
                _ => {
                    return Err(self.syntax(&format!(
                        "expected `,` or `]` in an array, found {}",
                        self.found()
                    )))
                }
            }
        }
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        self.nest()?;
        let mut map = Map::new();
        if self.peek() == Some(b'}') {
            self.at += 1;
            self.depth -= 1;
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.syntax(&format!(
                    "expected a key in double quotes, found {}",
                    self.found()
                )));
            }
            let key_at = self.at;
            let key = self.string()?;
            let slot = match map.entry(key) {
                Entry::Vacant(slot) => slot,
                Entry::Occupied(taken) => {
                    let key = taken.key().clone();
                    return Err(self.fail(Problem::DuplicateKey(key), key_at));
                }
            };
            self.whitespace();
            if self.peek() != Some(b':') {
                return Err(
                    self.syntax(&format!("expected `:` after a key, found {}", self.found()))
                );
            }
            self.at += 1;
            self.whitespace();
            slot.insert(self.value()?);
            self.whitespace();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.whitespace();
                }
                Some(b'}') => {
                    self.at += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(map));
                }
                _ => {
                    return Err(self.syntax(&format!(
                        "expected `,` or `}}` in an object, found {}",
                        self.found()
                    )))
                }
            }
        }
    }

    /// A string; the cursor is on its opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let start = self.at;
        // Fast path: no escape, copied in one piece.
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    let s = self.text[start..self.at].to_string();
                    self.at += 1;
                    return Ok(s);
                }
                b'\\' => break,
                0x00..=0x1f => return Err(self.control()),
                _ => self.at += 1,
            }
        }
        let mut out = self.text[start..self.at].to_string();
        loop {
            let run = self.at;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(&self.text[run..self.at]);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => out.push(self.escape()?),
                Some(_) => return Err(self.control()),
                None => return Err(self.syntax("a string is not closed")),
            }
        }
    }

    fn control(&self) -> JsonError {
        self.syntax(&format!(
            "a string holds {}, which must be written as an escape",
            self.found()
        ))
    }

    /// One escape; the cursor is on its backslash.
    fn escape(&mut self) -> Result<char, JsonError> {
        let at = self.at;
        self.at += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.at += 1;
                let high = self.hex4(at)?;
                return match high {
                    0xD800..=0xDBFF => {
                        let low = if self.text[self.at..].starts_with("\\u") {
                            self.at += 2;
                            self.hex4(at)?
                        } else {
                            0
                        };
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.unpaired(at));
                        }
                        let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(c).ok_or_else(|| self.unpaired(at))
                    }
                    0xDC00..=0xDFFF => Err(self.unpaired(at)),
                    c => char::from_u32(c).ok_or_else(|| self.unpaired(at)),
                };
            }
            _ => {
                return Err(self.fail(
                    Problem::Syntax(format!(
                        "`\\` starts an escape, which {} does not",
                        self.found()
                    )),
                    at,
                ))
            }
        };
        self.at += 1;
        Ok(c)
    }

    fn unpaired(&self, at: usize) -> JsonError {
        self.fail(
            Problem::Syntax(
                "a `\\u` escape is half of a surrogate pair without the other half, which is not a character"
                    .to_string(),
            ),
            at,
        )
    }

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self, escape: usize) -> Result<u32, JsonError> {
        let digits = self.bytes.get(self.at..self.at + 4);
        match digits
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit))
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
        {
            Some(n) => {
                self.at += 4;
                Ok(n)
            }
            None => Err(self.fail(
                Problem::Syntax("`\\u` must be followed by four hex digits".to_string()),
                escape,
            )),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    /// A number, by the JSON grammar: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)?
    /// ([eE] [+-]? [0-9]+)?.
    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.syntax("a number has a leading zero"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax(&format!("expected a digit, found {}", self.found()))),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.syntax(&format!(
                    "expected a digit after the decimal point, found {}",
                    self.found()
                )));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax(&format!(
                    "expected a digit in the exponent, found {}",
                    self.found()
                )));
            }
        }
        let written = &self.text[start..self.at];
        if integer {
            // `-0` is the integer 0.
            if let Ok(n) = written.parse::<i64>() {
                return Ok(Value::from(n));
            }
            if let Ok(n) = written.parse::<u64>() {
                return Ok(Value::from(n));
            }
        }
        let f: f64 = written.parse().unwrap_or(f64::NAN);
        Ok(Value::Number(match Number::from_f64(f) {
            Some(n) => n,
            None => {
                self.huge.get_or_insert((start, self.at));
                Number::from_f64(f64::MAX.copysign(f)).unwrap_or_else(|| Number::from(0))
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Value {
        parse(text.as_bytes()).unwrap().value
    }

    fn problem(text: &[u8]) -> (Problem, usize, usize) {
        let e = parse(text).unwrap_err();
        (e.problem, e.line, e.column)
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a": [1, -2, 3.5, true, false, null, "x\n\"y\u00e9\ud83d\ude00"], "b": {}}"#,
            "[]",
            " \t\r\n 7 ",
            r#""\/\b\f\r\t\\""#,
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "1e3",
            "8000.0",
            "-0.0",
            "0.5e-3",
            "1E+2",
            r#"{"é": "ü", "": 0}"#,
        ] {
            let want: Value = serde_json::from_str(text).unwrap();
            assert_eq!(read(text), want, "{text}");
        }
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped_once() {
        assert_eq!(
            parse(b"\xEF\xBB\xBF{\"a\": 1}").unwrap().value,
            json!({"a": 1})
        );
        assert_eq!(
            problem(b"\xEF\xBB\xBF\xEF\xBB\xBF{}"),
            (
                Problem::Syntax("expected a value, found the character U+FEFF".into()),
                1,
                1
            )
        );
        assert!(matches!(problem(b" \xEF\xBB\xBF{}").0, Problem::Syntax(_)));
    }

    #[test]
    fn minus_zero_is_the_integer_zero_and_huge_numbers_are_not_integers() {
        assert_eq!(read("-0").as_i64(), Some(0));
        assert_eq!(read("-0.0").as_i64(), None);
        let parsed = parse(b"{\"x\": [1, -1e400], \"y\": 1e400}").unwrap();
        assert_eq!(parsed.value["x"][1].as_i64(), None);
        assert_eq!(parsed.value["x"][1].as_f64(), Some(-f64::MAX));
        assert_eq!(parsed.value["y"].as_f64(), Some(f64::MAX));
        assert_eq!(parsed.huge, Some(("-1e400".to_string(), 1, 11)));
        let long = "9".repeat(400);
        let parsed = parse(long.as_bytes()).unwrap();
        assert_eq!(parsed.value.as_i64(), None);
        assert!(parsed.huge.is_some());
        assert!(parse(b"1e308").unwrap().huge.is_none());
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert_eq!(
            problem(br#"{"a": 1, "a": 1}"#),
            (Problem::DuplicateKey("a".into()), 1, 10)
        );
        assert_eq!(
            problem(b"{\"c\": {\"b\": [{\"x\": 1,\n  \"\\u0078\": 2}]}}"),
            (Problem::DuplicateKey("x".into()), 2, 3)
        );
        // Equal keys in different objects are fine.
        assert_eq!(
            read(r#"{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}"#)["b"][1]["a"],
            3
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_located() {
        assert_eq!(problem(b"{\"a\":\n \"\xff\"}"), (Problem::NotUtf8, 2, 3));
        // UTF-16 is not UTF-8, BOM or not.
        assert_eq!(problem(b"\xFF\xFE{\x00}\x00").0, Problem::NotUtf8);
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(
            problem(deep.as_bytes()),
            (Problem::TooDeep, 1, MAX_DEPTH + 1)
        );
        // Far deeper text fails the same way, without exhausting the stack.
        let deeper = "[{\"a\":".repeat(100_000);
        assert_eq!(problem(deeper.as_bytes()).0, Problem::TooDeep);
    }

    #[test]
    fn syntax_errors_say_what_was_expected_and_where() {
        let cases: &[(&str, &str, usize, usize)] = &[
            ("", "expected a value, found the end of the text", 1, 1),
            ("{ not json", "expected a key in double quotes, found `n`", 1, 3),
            ("{\"a\" 1}", "expected `:` after a key, found `1`", 1, 6),
            ("[1 2]", "expected `,` or `]` in an array, found `2`", 1, 4),
            ("{\"a\": 1,}", "expected a key in double quotes, found `}`", 1, 9),
            ("[1,]", "expected a value, found `]`", 1, 4),
            ("01", "a number has a leading zero", 1, 2),
            ("-", "expected a digit, found the end of the text", 1, 2),
            ("1.", "expected a digit after the decimal point, found the end of the text", 1, 3),
            ("1e", "expected a digit in the exponent, found the end of the text", 1, 3),
            ("NaN", "expected a value, found `N`", 1, 1),
            ("tru", "expected a value, found `t`", 1, 1),
            ("{} {}", "unexpected text after the JSON value", 1, 4),
            ("\"a\nb\"", "a string holds the character U+000A, which must be written as an escape", 1, 3),
            ("\"abc", "a string is not closed", 1, 5),
            ("\"\\x\"", "`\\` starts an escape, which `x` does not", 1, 2),
            ("\"\\u12\"", "`\\u` must be followed by four hex digits", 1, 2),
            ("\"\\ud800\"", "a `\\u` escape is half of a surrogate pair without the other half, which is not a character", 1, 2),
            ("\"\\udc00\\ud800\"", "a `\\u` escape is half of a surrogate pair without the other half, which is not a character", 1, 2),
            ("\"\\ud800\\u0041\"", "a `\\u` escape is half of a surrogate pair without the other half, which is not a character", 1, 2),
        ];
        for (text, detail, line, column) in cases {
            assert_eq!(
                problem(text.as_bytes()),
                (Problem::Syntax(detail.to_string()), *line, *column),
                "{text:?}"
            );
        }
    }

    #[test]
    fn messages_name_the_subject_the_problem_and_the_place() {
        let e = parse(br#"{"flagged": true, "flagged": false}"#).unwrap_err();
        assert_eq!(
            e.describe("the request"),
            "the request gives the key `flagged` twice in one object (the second at line 1, column 19): JSON readers disagree on which value counts, so give each key once"
        );
        let e = parse(b"{ not json").unwrap_err();
        assert_eq!(
            e.describe("the table"),
            "the table is not valid JSON: expected a key in double quotes, found `n` at line 1, column 3"
        );
        let key = format!("{{\"{0}\": 1, \"{0}\": 2}}", "k\\u0007".repeat(40));
        let message = parse(key.as_bytes()).unwrap_err().describe("the request");
        assert!(
            message.contains(&format!("`{}…`", "k\\u{7}".repeat(32))),
            "{message}"
        );
    }
}
