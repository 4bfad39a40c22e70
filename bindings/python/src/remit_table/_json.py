"""Reading JSON text the way every Remit evaluator reads it
(``docs/table-format.md``, "Reading JSON text").

``json.loads`` alone keeps the last of two equal keys, accepts UTF-16 and
UTF-32 bytes and unpaired surrogates, and refuses integers of more than
4300 digits; the Rust and TypeScript evaluators would read such texts
differently. So tables and requests given as text are read here, by the
rules all three follow:

- the text is UTF-8, optionally after one byte-order mark, which is
  skipped (RFC 8259 §8.1);
- an object never has two equal keys (compared after unescaping), at any
  depth;
- a number written as an integer is an integer (``-0`` is ``0``); one with
  a fraction or an exponent is a float, whatever its magnitude (``1e400``
  is ``inf``), and so is an integer literal too long for 64 bits: a key
  that nobody reads may hold any number the grammar allows;
- a string is Unicode text: an unpaired surrogate is refused;
- arrays and objects nest at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, NoReturn, Optional, Tuple, Union

MAX_DEPTH = 128
"""How deep arrays and objects may nest (the outermost one is depth 1)."""

_BOM = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")
# A `\u` escape of a surrogate (or a backslash before `ud800`, which is
# harmless: it only makes the value be checked).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# The longest integer literal that can be a 64-bit integer (signed or not):
# `-9223372036854775808` and `18446744073709551615` have 20 characters.
_LONGEST_INTEGER = 20


class JsonError(ValueError):
    """A text that cannot be read. ``problem`` is ``not_utf8``, ``syntax``,
    ``duplicate_key`` or ``too_deep``; ``line`` and ``column`` (1-based, in
    characters) say where, when known."""

    def __init__(
        self,
        problem: str,
        detail: str = "",
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        self.problem = problem
        self.detail = detail
        self.line = line
        self.column = column
        super().__init__(self.describe("the text"))

    def describe(self, subject: str) -> str:
        """The message, about ``subject`` ("the request", "the table")."""
        at = "" if self.line is None else f"line {self.line}, column {self.column}"
        if self.problem == "not_utf8":
            return (
                f"{subject} is not UTF-8 text (at {at}): JSON must be UTF-8, "
                "so save or send it as UTF-8"
            )
        if self.problem == "duplicate_key":
            return (
                f"{subject} gives the key `{_shown(self.detail)}` twice in one object: "
                "JSON readers disagree on which value counts, so give each key once"
            )
        if self.problem == "too_deep":
            return f"{subject} nests arrays and objects more than {MAX_DEPTH} deep"
        return f"{subject} is not valid JSON: {self.detail}" + (f" at {at}" if at else "")


def _shown(key: str) -> str:
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in key[:64]
    )
    return shown + ("…" if len(key) > 64 else "")


def _position(text: str, index: int) -> Tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _integer(text: str) -> Union[int, float]:
    # Beyond 64 bits an integer is only ever ill-typed; `float` reads any
    # length (`int` refuses more than 4300 digits).
    return int(text) if len(text) <= _LONGEST_INTEGER else float(text)


def _constant(name: str) -> NoReturn:
    raise JsonError("syntax", f"`{name}` is not a JSON value")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique, parse_constant=_constant, parse_int=_integer
)


def read_json(text: Union[str, bytes]) -> Any:
    """Reads JSON text (``str``) or UTF-8 bytes; raises :class:`JsonError`."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            good = raw[: e.start].decode("utf-8")
            line, column = _position(good, len(good))
            raise JsonError("not_utf8", line=line, column=column) from None
    elif text.startswith(_BOM):
        text = text[1:]
    try:
        value = _DECODER.decode(text)
    except _Duplicate as e:
        raise JsonError("duplicate_key", e.key) from None
    except RecursionError:
        raise JsonError("too_deep") from None
    except json.JSONDecodeError as e:
        raise JsonError("syntax", e.msg, e.lineno, e.colno) from None
    # Only a text with more than MAX_DEPTH brackets can nest too deep, and
    # only one with a surrogate or its escape can hold an unpaired one.
    if (
        text.count("[") + text.count("{") > MAX_DEPTH
        or _SURROGATE.search(text)
        or _SURROGATE_ESCAPE.search(text)
    ):
        _check(value)
    return value


def _check(value: Any) -> None:
    """Refuses nesting beyond :data:`MAX_DEPTH` and unpaired surrogates."""
    stack: List[Tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                raise JsonError(
                    "syntax",
                    "a string holds half of a surrogate pair without the other half, "
                    "which is not a character",
                )
        elif isinstance(v, (dict, list)):
            if depth + 1 > MAX_DEPTH:
                raise JsonError("too_deep")
            items = list(v.items()) if isinstance(v, dict) else [(None, x) for x in v]
            for key, item in items:
                if key is not None:
                    stack.append((key, depth))
                stack.append((item, depth + 1))
