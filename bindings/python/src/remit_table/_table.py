"""Loading and evaluating `remit.table/1` and `remit.table/2` decision tables.

The normative description of the format, of requests, decisions, errors,
``explain`` and table validation is ``docs/table-format.md`` in the Remit
repository; this module follows it exactly and is checked against the
shared conformance suite in ``tests/conformance/``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import (
    Any,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    NoReturn,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypedDict,
    Union,
)

from ._json import JsonError, read_json

FORMAT = "remit.table/1"
"""Format 1, what ``remit build`` writes today."""
FORMAT_2 = "remit.table/2"
"""Format 2 (relations, optional inputs, keys, dates, times, outcomes)."""
FORMATS = (FORMAT, FORMAT_2)
"""The table formats this evaluator reads."""

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
_INPUT_TYPES = ("bool", "int", "money", "duration", "enum", "set")
_INPUT_TYPES_2 = _INPUT_TYPES + ("key", "date", "time")
_INTEGER_TYPES = frozenset(("int", "money", "duration", "date", "time"))
_PERIODS = ("day", "week", "month", "quarter", "year")
_EFFECTS = ("permit", "forbid", "escalate")
_SECTIONS = ("customer", "context", "params", "usage")

# ---------------------------------------------------------------------------
# Public result types (plain dicts at run time).


class RequestError(TypedDict):
    """One problem with a request. ``message`` is for people only."""

    kind: str
    input: Optional[str]
    message: str


class Decision(TypedDict):
    """The decision object of docs/table-format.md ("Decisions")."""

    decision: str
    escalate_to: List[str]
    obligations: List[str]
    aims: List[str]
    notify: List[str]
    rules: List[str]
    errors: List[RequestError]


class Headroom(TypedDict):
    """How much of one action parameter a request may be given (TABLE.md,
    "Headroom"): the permitted values as sorted disjoint inclusive
    intervals, the decision just above them (``None`` when they reach
    the parameter's largest value, 2^63 - 1 or 1439 for a time of day, or
    for an invalid request), and the request's errors."""

    param: str
    permitted: List[List[int]]
    above: Optional[Decision]
    errors: List[RequestError]


class TraceEntry(TypedDict):
    """How one candidate row fared (``explain``)."""

    rule: str
    row: int
    effect: str
    outcome: str
    constraint: Optional[str]
    detail: str


class Explanation(Decision):
    """A decision plus one trace entry per candidate row, in row order."""

    trace: List[TraceEntry]


class CounterInfo(TypedDict):
    """A usage counter the caller supplies (docs/table-format.md, "Counters"):
    ``per`` lists its subjects and ``window`` is ``{"sliding_minutes": N}``,
    ``{"calendar": PERIOD}`` or ``{"all": True}`` (a format 1 counter reads
    as ``per: [PER]`` and a sliding window)."""

    per: List[str]
    actions: List[str]
    measure: str
    window: Dict[str, Any]


class TableError(ValueError):
    """The table cannot be loaded: it is not a valid ``remit.table/1`` or
    ``remit.table/2``."""


# ---------------------------------------------------------------------------
# Small JSON helpers.


def _is_int(value: object) -> bool:
    """A JSON integer that fits in a signed 64-bit integer (never a bool)."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and _I64_MIN <= value <= _I64_MAX
    )


def _show(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return f"a {type(value).__name__}"
    return text if len(text) <= 200 else text[:200] + "…"


def _quote(name: str) -> str:
    return "`" + name + "`"


def _fail(path: str, message: str) -> NoReturn:
    raise TableError(f"{path}: {message}" if path else message)


def _object(value: object, path: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        _fail(path, f"must be a JSON object, not {_json_kind(value)}")
    for key in value:
        if not isinstance(key, str):
            _fail(path, f"has a key that is not a string: {key!r}")
    return value


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _fields(
    obj: Mapping[str, Any],
    path: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> None:
    for key in required:
        if key not in obj:
            _fail(path, f"lacks the required field {_quote(key)}")
    for key in obj:
        if key not in required and key not in optional:
            _fail(path, f"has an unknown field {_quote(key)}")


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, f"must be a string, not {_json_kind(value)}")
    return value


def _strings(value: object, path: str) -> List[str]:
    if not isinstance(value, list):
        _fail(path, f"must be an array of strings, not {_json_kind(value)}")
    for i, item in enumerate(value):
        _string(item, f"{path}[{i}]")
    return list(value)


def _integer(value: object, path: str, minimum: Optional[int] = None) -> int:
    if not _is_int(value):
        _fail(path, f"must be a 64-bit integer, not {_show(value)}")
    assert isinstance(value, int)
    if minimum is not None and value < minimum:
        _fail(path, f"must be at least {minimum}, not {value}")
    return value


def _unsigned(value: object, path: str) -> int:
    """A JSON integer from 0 to 2^64 - 1 (a source line or column)."""
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 0 <= value <= _U64_MAX
    ):
        _fail(path, f"must be an integer from 0 to {_U64_MAX}, not {_show(value)}")
    return value


# ---------------------------------------------------------------------------
# The compiled table.


@dataclass(frozen=True)
class _Input:
    """An input (``customer.tier``, ``param.amount``) or a counter."""

    key: str
    section: str  # the request object it is read from
    field: str  # the key inside that object
    type: str  # an input type, or "counter"
    values: Tuple[str, ...] = ()
    optional: bool = False


class _Absent:
    """An optional input the request omits."""

    def __repr__(self) -> str:
        return "<absent>"


_ABSENT = _Absent()


@dataclass(frozen=True)
class _Constraint:
    kind: str  # "interval", "in", "eq", "set" or "present"
    min: Optional[int] = None
    max: Optional[int] = None
    variants: Tuple[str, ...] = ()
    eq: bool = False
    contains: Tuple[str, ...] = ()
    excludes: Tuple[str, ...] = ()
    present: bool = False

    def holds(self, value: _Slot) -> bool:
        if self.kind == "present":
            return (value is not _ABSENT) == self.present
        if self.kind == "interval":
            if not isinstance(value, int) or isinstance(value, bool):
                return False
            if self.min is not None and value < self.min:
                return False
            return self.max is None or value <= self.max
        if self.kind == "in":
            return isinstance(value, str) and value in self.variants
        if self.kind == "eq":
            return isinstance(value, bool) and value == self.eq
        if isinstance(value, frozenset):
            return all(v in value for v in self.contains) and not any(
                v in value for v in self.excludes
            )
        return False

    def why_not(self, key: str, shown: str, value: _Slot, units: _Units, inp: _Input) -> str:
        name = inp.field if inp.section == "params" else key
        if self.kind == "present":
            return (
                f"{name} is absent, and the rule needs it"
                if self.present
                else f"{name} is given, and the rule applies only without it"
            )
        if value is _ABSENT:
            return f"{name} is absent, so the constraint on it does not hold"
        if self.kind == "interval" and isinstance(value, int) and not isinstance(value, bool):
            if self.min is not None and value < self.min:
                return f"{name} is {units.value(inp, value)}, below the minimum {units.value(inp, self.min)}"
            assert self.max is not None
            if inp.type == "counter":
                return units.counter_limit(inp, value, self.max)
            return f"{name} is {units.value(inp, value)}, above the maximum {units.value(inp, self.max)}"
        if self.kind == "in":
            return f"{key} is {shown}, not one of {', '.join(self.variants)}"
        if self.kind == "eq":
            return f"{key} is {shown}, not {'true' if self.eq else 'false'}"
        if isinstance(value, frozenset):
            lacking = [v for v in self.contains if v not in value]
            if lacking:
                return f"{key} is {shown}, which lacks {', '.join(lacking)}"
            present = [v for v in self.excludes if v in value]
            return f"{key} is {shown}, which holds excluded {', '.join(present)}"
        return f"{key} is {shown}"


@dataclass(frozen=True)
class _Relation:
    """``Σ coefficient × value <= max``, exactly (Python integers)."""

    terms: Tuple[Tuple[str, int], ...]  # sorted by key
    max: int
    slots: Tuple[Tuple[int, int], ...]  # the terms' (slot, coefficient), resolved at load

    def total(self, values: Sequence[_Slot], skip: Optional[int] = None) -> Optional[int]:
        """The sum, or ``None`` when a term is absent (it does not hold)."""
        total = 0
        for slot, c in self.slots:
            if slot == skip:
                continue
            v = values[slot]
            if not isinstance(v, int) or isinstance(v, bool):
                return None
            total += c * v
        return total

    def holds(self, values: Sequence[_Slot]) -> bool:
        total = self.total(values)
        return total is not None and total <= self.max


@dataclass(frozen=True)
class _Row:
    index: int
    rule: str
    effect: str
    roles: FrozenSet[str]
    actions: FrozenSet[str]
    scope_relations: Tuple[_Relation, ...]
    limit_relations: Tuple[_Relation, ...]  # format 1 budgets included
    obligations: Tuple[str, ...]
    aims: Tuple[str, ...]
    notify: Tuple[str, ...]
    escalate_to: Optional[str]
    except_roles: FrozenSet[str]
    reads: Tuple[str, ...]  # every input and counter it reads: inputs, then counters
    read_slots: Tuple[int, ...]  # the same, as slots
    scope_slots: Tuple[Tuple[int, _Constraint], ...]  # `scope` by slot, in key order
    limit_slots: Tuple[Tuple[int, _Constraint], ...]  # `limits` by slot, in key order


class _Bad:
    """A value that was given but is ill-typed (already reported)."""

    def __repr__(self) -> str:
        return "<bad>"


_BAD = _Bad()
_Value = Union[int, bool, str, FrozenSet[str], _Bad, _Absent]
_Slot = Optional[_Value]
"""A request's value in one slot: ``None`` when the request does not give it."""


# ---------------------------------------------------------------------------
# Values in the author's units, for `explain`.


def _duration(minutes: int) -> str:
    if minutes != 0 and minutes % 1440 == 0:
        n, unit = minutes // 1440, "day"
    elif minutes != 0 and minutes % 60 == 0:
        n, unit = minutes // 60, "hour"
    else:
        n, unit = minutes, "minute"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _date(days: int) -> str:
    z = days + 719468
    era, doe = divmod(z, 146097)
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return f"{y:04d}-{m:02d}-{d:02d}"


class _Units:
    """How values read in the author's terms (the Rust evaluator's words)."""

    def __init__(self, currency: Optional[Tuple[str, int]], counters: Mapping[str, CounterInfo]) -> None:
        self.currency = currency
        self.counters = counters

    def money(self, n: int) -> str:
        if self.currency is None:
            return f"{n} minor units"
        code, scale = self.currency
        if scale == 0:
            return f"{n} {code}"
        whole, frac = divmod(abs(n), 10**scale)
        return f"{'-' if n < 0 else ''}{whole}.{frac:0{scale}d} {code}"

    def value(self, inp: _Input, n: int) -> str:
        if inp.type == "counter":
            info = self.counters.get(inp.key)
            return self.money(n) if info is not None and info["measure"] == "sum" else str(n)
        if inp.type == "money":
            return self.money(n)
        if inp.type == "duration":
            return _duration(n)
        if inp.type == "date":
            return _date(n)
        if inp.type == "time" and 0 <= n < 1440:
            return f"{n // 60:02d}:{n % 60:02d}"
        return str(n)

    def per(self, info: CounterInfo) -> str:
        words = [f"per {p}" for p in info["per"]]
        w = info["window"]
        if "sliding_minutes" in w:
            words.append(f"per {_duration(w['sliding_minutes'])}")
        elif "calendar" in w:
            words.append(f"per calendar {w['calendar']}")
        return " ".join(words)

    def counter_limit(self, inp: _Input, used: int, max_: int) -> str:
        info = self.counters[inp.key]
        if info["measure"] == "count":
            return f"limit {max_ + 1} {self.per(info)}: {used} used + this one > {max_ + 1}"
        return f"limit total {self.money(max_)} {self.per(info)}: {self.money(used)} used > {self.money(max_)}"


# ---------------------------------------------------------------------------
# Loading.


def _constraint(
    value: object, path: str, inp: _Input, limit: bool, format2: bool
) -> _Constraint:
    obj = _object(value, path)
    keys = {k for k, v in obj.items() if v is not None}
    if set(obj) <= {"min", "max"}:
        kind = "interval"
    elif set(obj) == {"in"}:
        kind = "in"
    elif set(obj) == {"eq"}:
        kind = "eq"
    elif set(obj) == {"present"} and format2:
        kind = "present"
    elif set(obj) <= {"contains", "excludes"}:
        kind = "set"
    else:
        present = ", {present}" if format2 else ""
        _fail(
            path,
            f"is not a constraint: expected {{min, max}}, {{in}}, {{eq}}{present} or {{contains, excludes}}, "
            f"got the fields {', '.join(sorted(obj))}",
        )
    integer = inp.type == "counter" or inp.type in _INTEGER_TYPES
    if limit and (kind != "interval" or not integer):
        _fail(path, "a limit must be an interval on an integer input or a counter")
    if kind == "present":
        if not isinstance(obj["present"], bool):
            _fail(f"{path}.present", f"must be true or false, not {_show(obj['present'])}")
        if not inp.optional:
            _fail(path, f"`present` applies to optional inputs only; declare {inp.key} with \"optional\": true, or drop the constraint")
        return _Constraint("present", present=obj["present"])
    if kind == "interval":
        if not integer:
            _fail(path, f"an interval does not apply to an input of type {_quote(inp.type)}")
        low = _integer(obj["min"], f"{path}.min") if "min" in keys else None
        high = _integer(obj["max"], f"{path}.max") if "max" in keys else None
        if low is None and high is None:
            _fail(path, "an interval needs `min` or `max`")
        if low is not None and high is not None and low > high:
            _fail(path, f"`min` {low} is above `max` {high}")
        if inp.type == "time":
            _time_bounds(path, low, high)
        return _Constraint("interval", min=low, max=high)
    if kind == "in":
        if inp.type != "enum":
            _fail(path, f"`in` does not apply to an input of type {_quote(inp.type)}")
        variants = _strings(obj["in"], f"{path}.in")
        if not variants:
            _fail(f"{path}.in", "must list at least one variant")
        _listed(variants, inp, f"{path}.in")
        return _Constraint("in", variants=tuple(sorted(set(variants))))
    if kind == "eq":
        if inp.type != "bool":
            _fail(path, f"`eq` does not apply to an input of type {_quote(inp.type)}")
        if not isinstance(obj["eq"], bool):
            _fail(f"{path}.eq", f"must be true or false, not {_show(obj['eq'])}")
        return _Constraint("eq", eq=obj["eq"])
    if inp.type != "set":
        _fail(path, f"`contains`/`excludes` do not apply to an input of type {_quote(inp.type)}")
    if not keys:
        _fail(path, "a set constraint needs `contains` or `excludes`")
    contains = _strings(obj["contains"], f"{path}.contains") if "contains" in keys else []
    excludes = _strings(obj["excludes"], f"{path}.excludes") if "excludes" in keys else []
    _listed(contains, inp, f"{path}.contains")
    _listed(excludes, inp, f"{path}.excludes")
    return _Constraint(
        "set",
        contains=tuple(sorted(set(contains))),
        excludes=tuple(sorted(set(excludes))),
    )


def _time_bounds(path: str, low: Optional[int], high: Optional[int]) -> None:
    """The bounds of an interval on a `time` input are times of day."""
    for name, bound in (("min", low), ("max", high)):
        if bound is not None and not 0 <= bound <= 1439:
            fix = (
                f"every time of day meets this `{name}`: drop the bound"
                if (name == "min") == (bound < 0)
                else "no time of day meets this bound, so the row can never apply: drop the row"
            )
            _fail(
                f"{path}.{name}",
                f"`{name}` {bound} is not a time of day: a `time` is 0 (00:00) to 1439 (23:59) "
                f"minutes since midnight; {fix}",
            )


def _listed(variants: Iterable[str], inp: _Input, path: str) -> None:
    for v in variants:
        if v not in inp.values:
            _fail(path, f"{_quote(v)} is not a variant of {inp.key} ({', '.join(inp.values)})")


class Table:
    """A validated ``remit.table/1`` decision table, ready to decide requests.

    Load it with :meth:`load`, :meth:`from_json` or :meth:`from_dict`; each
    raises :class:`TableError` naming the problem when the table is not
    valid. A loaded table is immutable and may be shared between threads.
    """

    def __init__(self, table: Mapping[str, Any]) -> None:
        """Prefer :meth:`from_dict`; this validates ``table`` the same way."""
        t = _object(table, "table")
        if "format" not in t:
            _fail("table", f'lacks the field `format`; expected "format": "{FORMAT_2}"')
        fmt = t["format"]
        if not isinstance(fmt, str):
            _fail("format", f"must be a string, not {_json_kind(fmt)}")
        if fmt not in FORMATS:
            _fail(
                "format",
                f"unsupported table format {_quote(fmt)}: this evaluator reads "
                f"{_quote(FORMAT)} and {_quote(FORMAT_2)}",
            )
        self.format: str = fmt
        """The table's format, as written."""
        v2 = fmt == FORMAT_2
        top = [
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
        ]
        _fields(t, "table", top + (["timezone", "outcomes"] if v2 else []), ("currency",))
        self.timezone: str = "UTC"
        """The IANA time zone of calendar windows (``UTC`` for format 1)."""
        if v2:
            self.timezone = _string(t["timezone"], "timezone")
            if not self.timezone or any(c.isspace() for c in self.timezone):
                _fail("timezone", f"must be an IANA time zone name, not {_show(self.timezone)}")
        outcomes = _object(t["outcomes"], "outcomes") if v2 else {}
        for name, text in outcomes.items():
            _string(text, f"outcomes.{name}")
        self._outcomes: Dict[str, str] = dict(outcomes)
        types = _INPUT_TYPES_2 if v2 else _INPUT_TYPES

        policy = _object(t["policy"], "policy")
        _fields(policy, "policy", ("name",), ("version",))
        self.policy_name: str = _string(policy["name"], "policy.name")
        """The policy's name."""
        version = policy.get("version")
        self.policy_version: Optional[str] = (
            None if version is None else _string(version, "policy.version")
        )
        """The policy's version, or ``None``."""
        self.digest: str = _string(t["digest"], "digest")
        """The table's content digest (``sha256:…``), as written."""

        currency = t.get("currency")
        self.currency: Optional[Tuple[str, int]] = None
        """``(code, scale)``, or ``None`` when the policy uses no money."""
        if currency is not None:
            cur = _object(currency, "currency")
            _fields(cur, "currency", ("code", "scale"))
            scale = _integer(cur["scale"], "currency.scale", minimum=0)
            if scale > _U32_MAX:
                _fail("currency.scale", f"must be at most {_U32_MAX}, not {scale}")
            self.currency = (_string(cur["code"], "currency.code"), scale)

        default = _object(t["default"], "default")
        _fields(default, "default", ("effect",))
        if default["effect"] != "deny":
            _fail("default.effect", f'must be "deny" in {FORMAT}, not {_show(default["effect"])}')

        roles = _object(t["roles"], "roles")
        self._roles: Dict[str, Tuple[str, ...]] = {}
        for name, ancestors in roles.items():
            self._roles[name] = tuple(_strings(ancestors, f"roles.{name}"))
        for name, ancestors_ in self._roles.items():
            for a in ancestors_:
                if a not in self._roles:
                    _fail(f"roles.{name}", f"lists the unknown ancestor {_quote(a)}")

        inputs = _object(t["inputs"], "inputs")
        self._inputs: Dict[str, _Input] = {}
        for key, info_ in inputs.items():
            path = f"inputs.{key}"
            info = _object(info_, path)
            _fields(info, path, ("type",), ("values", "optional") if v2 else ("values",))
            prefix, dot, field = key.partition(".")
            if not dot or prefix not in ("customer", "context", "param") or not field:
                _fail(path, "an input key must be `customer.NAME`, `context.NAME` or `param.NAME`")
            ty = _string(info["type"], f"{path}.type")
            if ty not in types:
                _fail(f"{path}.type", f"unknown input type {_quote(ty)}")
            optional = info.get("optional", False)
            if not isinstance(optional, bool):
                _fail(f"{path}.optional", f"must be true or false, not {_show(optional)}")
            if optional and prefix == "param":
                _fail(
                    f"{path}.optional",
                    f"action parameter {_quote(key)} is marked `optional`, but a parameter is never optional; "
                    "drop `optional`: every request for the action gives its parameters, only `customer` "
                    "and `context` inputs may be omitted",
                )
            values: List[str] = []
            if info.get("values") is not None:
                if ty not in ("enum", "set"):
                    _fail(f"{path}.values", f"a {_quote(ty)} input lists no variants")
                values = _strings(info["values"], f"{path}.values")
            if ty in ("enum", "set") and not values:
                _fail(path, f"an {ty} input must list its `values`")
            section = "params" if prefix == "param" else prefix
            self._inputs[key] = _Input(key, section, field, ty, tuple(values), optional)

        actions = _object(t["actions"], "actions")
        self._actions: Dict[str, Dict[str, str]] = {}
        for name, info_ in actions.items():
            path = f"actions.{name}"
            info = _object(info_, path)
            _fields(info, path, ("params",))
            params: Dict[str, str] = {}
            for p, ty_ in _object(info["params"], f"{path}.params").items():
                ty = _string(ty_, f"{path}.params.{p}")
                if ty not in types:
                    _fail(f"{path}.params.{p}", f"unknown input type {_quote(ty)}")
                declared = self._inputs.get(f"param.{p}")
                if declared is None:
                    _fail(f"{path}.params.{p}", f"`inputs` has no `param.{p}`")
                if declared.type != ty:
                    _fail(
                        f"{path}.params.{p}",
                        f"is {_quote(ty)} but the input `param.{p}` is {_quote(declared.type)}",
                    )
                params[p] = ty
            self._actions[name] = params

        counters = _object(t["counters"], "counters")
        self._counters: Dict[str, _Input] = {}
        self._counter_info: Dict[str, CounterInfo] = {}
        for cid, info_ in counters.items():
            path = f"counters.{cid}"
            info = _object(info_, path)
            if v2 and "optional" in info:
                _fail(
                    f"{path}.optional",
                    f"counter {_quote(cid)} is marked `optional`, but a counter is never optional; drop "
                    "`optional`: the caller supplies every counter a candidate row reads, 0 when its store has no uses",
                )
            if v2 and "window_minutes" in info:
                _fail(path, 'format 2 counters have `window`, not `window_minutes`: write "window": {"sliding_minutes": N}, and `per` as a list')
            _fields(info, path, ("per", "actions", "measure", "window" if v2 else "window_minutes"))
            measure = info["measure"]
            subjects = self._subjects(info["per"], f"{path}.per") if v2 else [info["per"]]
            if not v2 and info["per"] not in ("customer", "employee"):
                _fail(f"{path}.per", f'must be "customer" or "employee", not {_show(info["per"])}')
            counted = _strings(info["actions"], f"{path}.actions")
            for a in counted:
                if a not in self._actions:
                    _fail(f"{path}.actions", f"names the unknown action {_quote(a)}")
            if measure not in ("count", "sum"):
                _fail(f"{path}.measure", f'must be "count" or "sum", not {_show(info["measure"])}')
            window = (
                self._window(info["window"], f"{path}.window")
                if v2
                else {"sliding_minutes": _integer(info["window_minutes"], f"{path}.window_minutes", minimum=1)}
            )
            if cid in self._inputs:
                _fail(path, "a counter id cannot also be an input key")
            self._counters[cid] = _Input(cid, "usage", cid, "counter")
            self._counter_info[cid] = {
                "per": subjects,
                "actions": counted,
                "measure": measure,
                "window": window,
            }

        obligations = _object(t["obligations"], "obligations")
        for name, text in obligations.items():
            _string(text, f"obligations.{name}")
        self._obligations: Dict[str, str] = dict(obligations)

        # Names resolve to slots once, here: a request's values are read
        # into a list by slot, and rows test slots, not names.
        self._slot_inputs: List[_Input] = [*self._inputs.values(), *self._counters.values()]
        self._slot: Dict[str, int] = {inp.key: i for i, inp in enumerate(self._slot_inputs)}
        self._section_slots: Dict[str, Dict[str, int]] = {"customer": {}, "context": {}}
        for inp in self._inputs.values():
            if inp.section in self._section_slots:
                self._section_slots[inp.section][inp.field] = self._slot[inp.key]
        self._param_slots: Dict[str, Tuple[Tuple[str, int], ...]] = {
            a: tuple((p, self._slot[f"param.{p}"]) for p in params) for a, params in self._actions.items()
        }

        rows = t["rows"]
        if not isinstance(rows, list):
            _fail("rows", f"must be an array, not {_json_kind(rows)}")
        self._units = _Units(self.currency, self._counter_info)
        self._rows: List[_Row] = [self._row(i, r, v2) for i, r in enumerate(rows)]
        self._groups: Dict[Tuple[str, str], List[_Row]] = {}
        for row in self._rows:
            for role in sorted(row.roles):
                for action in sorted(row.actions):
                    self._groups.setdefault((role, action), []).append(row)
        self._group_reads: Dict[Tuple[str, str], Tuple[str, ...]] = {
            k: tuple(sorted({key for r in rows_ for key in r.reads}))
            for k, rows_ in self._groups.items()
        }
        self._group_slots: Dict[Tuple[str, str], Tuple[int, ...]] = {
            k: tuple(self._slot[key] for key in reads) for k, reads in self._group_reads.items()
        }

    def _subjects(self, value: object, path: str) -> List[str]:
        subjects = _strings(value, path)
        if not subjects:
            _fail(path, "a counter counts for no one: list `customer`, `employee` or `context.K` for a `key` input")
        for i, s in enumerate(subjects):
            if s in subjects[:i]:
                _fail(f"{path}[{i}]", f"lists the subject {_quote(s)} twice")
            inp = self._inputs.get(s)
            keyed = inp is not None and inp.type == "key" and inp.section == "context"
            if s not in ("customer", "employee") and not keyed:
                _fail(f"{path}[{i}]", f"{_quote(s)} is neither `customer`, `employee` nor a `context` input of type `key`")
            if keyed and inp is not None and inp.optional:
                _fail(
                    f"{path}[{i}]",
                    f"{_quote(s)} is optional: a request may omit it, and then the counter counts for no key; "
                    f"declare {_quote(s)} required (drop `optional`): a counter needs its key on every request",
                )
        return subjects

    @staticmethod
    def _window(value: object, path: str) -> Dict[str, Any]:
        w = _object(value, path)
        if len(w) != 1:
            _fail(path, 'must be one of {"sliding_minutes": N}, {"calendar": PERIOD} or {"all": true}')
        if "sliding_minutes" in w:
            return {"sliding_minutes": _integer(w["sliding_minutes"], f"{path}.sliding_minutes", minimum=1)}
        if "calendar" in w:
            if w["calendar"] not in _PERIODS:
                _fail(f"{path}.calendar", f"must be one of {', '.join(_PERIODS)}, not {_show(w['calendar'])}")
            return {"calendar": w["calendar"]}
        if "all" in w:
            if w["all"] is not True:
                _fail(f"{path}.all", f'must be true (`{{"all": true}}` counts every use ever), not {_show(w["all"])}')
            return {"all": True}
        _fail(path, f"has an unknown window {_quote(next(iter(w)))}")

    def _relation(self, value: object, path: str, read: Any) -> _Relation:
        r = _object(value, path)
        _fields(r, path, ("terms", "max"))
        terms_ = _object(r["terms"], f"{path}.terms")
        if not terms_:
            _fail(f"{path}.terms", "a relation has no terms: give at least one KEY: COEFFICIENT")
        terms: List[Tuple[str, int]] = []
        for key, c in sorted(terms_.items()):
            if not _is_int(c) or c == 0:
                _fail(f"{path}.terms.{key}", f"the coefficient of {_quote(key)} must be a non-zero 64-bit integer, not {_show(c)}")
            inp = read(key, f"{path}.terms")
            if inp.type != "counter" and inp.type not in _INTEGER_TYPES:
                _fail(f"{path}.terms.{key}", f"a relation reads {_quote(key)}, which is {_quote(inp.type)}: relations add integers only")
            terms.append((key, c))
        if not _is_int(r["max"]):
            _fail(f"{path}.max", f"must be a 64-bit integer, not {_show(r['max'])}")
        return self._linear(tuple(terms), r["max"])

    def _linear(self, terms: Tuple[Tuple[str, int], ...], max_: int) -> _Relation:
        return _Relation(terms, max_, tuple((self._slot[k], c) for k, c in terms))

    def _row(self, index: int, value: object, v2: bool) -> _Row:
        path = f"rows[{index}]"
        row = _object(value, path)
        if "rule" in row:
            path = f"rows[{index}] (rule {_quote(_string(row['rule'], f'{path}.rule'))})"
        if v2 and "budgets" in row:
            _fail(f"{path}.budgets", 'format 2 has no `budgets`: a budget is a limit relation, {"terms": {COUNTER: 1, PARAM: 1}, "max": N} in `limit_relations`')
        lists = ("scope_relations", "limit_relations", "aims") if v2 else ("budgets",)
        _fields(
            row,
            path,
            ("rule", "effect", "roles", "actions", "scope", "limits", "obligations", "notify") + lists,
            ("source", "escalation"),
        )
        rule = _string(row["rule"], f"rows[{index}].rule")
        source = row.get("source")
        if source is not None:
            src = _object(source, f"{path}.source")
            _fields(src, f"{path}.source", ("file", "line", "column"))
            _string(src["file"], f"{path}.source.file")
            for field in ("line", "column"):
                _unsigned(src[field], f"{path}.source.{field}")
        effect = _string(row["effect"], f"{path}.effect")
        if effect not in _EFFECTS:
            _fail(f"{path}.effect", f'must be "permit", "forbid" or "escalate", not {_show(effect)}')
        roles = _strings(row["roles"], f"{path}.roles")
        for r in roles:
            if r not in self._roles:
                _fail(f"{path}.roles", f"names the unknown role {_quote(r)}")
        actions = _strings(row["actions"], f"{path}.actions")
        for a in actions:
            if a not in self._actions:
                _fail(f"{path}.actions", f"names the unknown action {_quote(a)}")

        def read(key: str, where: str) -> _Input:
            inp = self._inputs.get(key) or self._counters.get(key)
            if inp is None:
                _fail(where, f"reads {_quote(key)}, which is neither a declared input nor a counter")
            if inp.section == "params":
                for a in actions:
                    if inp.field not in self._actions[a]:
                        _fail(where, f"reads {_quote(key)}, but the action {_quote(a)} has no parameter {_quote(inp.field)}")
            return inp

        scope: List[Tuple[str, _Constraint]] = []
        for key, c in sorted(_object(row["scope"], f"{path}.scope").items()):
            inp = read(key, f"{path}.scope")
            scope.append((key, _constraint(c, f"{path}.scope.{key}", inp, False, v2)))
        limits: List[Tuple[str, _Constraint]] = []
        for key, c in sorted(_object(row["limits"], f"{path}.limits").items()):
            inp = read(key, f"{path}.limits")
            limits.append((key, _constraint(c, f"{path}.limits.{key}", inp, True, v2)))
        relations: Dict[str, List[_Relation]] = {"scope_relations": [], "limit_relations": []}
        for part in relations if v2 else ():
            items = row[part]
            if not isinstance(items, list):
                _fail(f"{path}.{part}", f"must be an array, not {_json_kind(items)}")
            for j, r_ in enumerate(items):
                rpath = f"{path}.{part}[{j}]"
                rel = self._relation(r_, rpath, read)
                reads_limit = any(
                    k in self._counters or self._inputs[k].section == "params" for k, _ in rel.terms
                )
                if reads_limit and part == "scope_relations":
                    _fail(rpath, "a scope relation reads an action parameter or a counter: move it to `limit_relations`")
                if not reads_limit and part == "limit_relations":
                    _fail(rpath, "a limit relation reads no action parameter and no counter: move it to `scope_relations`")
                relations[part].append(rel)
        aims = _strings(row["aims"], f"{path}.aims") if v2 else []
        for a in aims:
            if a not in self._outcomes:
                _fail(f"{path}.aims", f"names the unknown outcome {_quote(a)}")
        budgets_ = [] if v2 else row["budgets"]
        if not isinstance(budgets_, list):
            _fail(f"{path}.budgets", f"must be an array, not {_json_kind(budgets_)}")
        budgets: List[_Relation] = []
        for j, b_ in enumerate(budgets_):
            bpath = f"{path}.budgets[{j}]"
            b = _object(b_, bpath)
            _fields(b, bpath, ("counter", "param", "max"))
            counter = _string(b["counter"], f"{bpath}.counter")
            if counter not in self._counters:
                _fail(f"{bpath}.counter", f"names the unknown counter {_quote(counter)}")
            param = _string(b["param"], f"{bpath}.param")
            declared = self._inputs.get(param)
            if declared is None or declared.section != "params" or declared.type != "money":
                _fail(f"{bpath}.param", f"{_quote(param)} is not a `money` parameter input")
            read(param, f"{bpath}.param")
            terms = tuple(sorted({counter: 1, param: 1}.items()))
            budgets.append(self._linear(terms, _integer(b["max"], f"{bpath}.max")))
        if effect != "permit" and (limits or budgets):
            _fail(path, f"only `permit` rows have `limits` and `budgets`, this row is {_quote(effect)}")
        if effect != "permit" and relations["limit_relations"]:
            _fail(f"{path}.limit_relations", f"only `permit` rows have `limit_relations`, this row is {_quote(effect)}")
        if effect == "forbid" and aims:
            _fail(f"{path}.aims", "a `forbid` row has no `aims`")
        obligations = _strings(row["obligations"], f"{path}.obligations")
        for o in obligations:
            if o not in self._obligations:
                _fail(f"{path}.obligations", f"names the unknown obligation {_quote(o)}")
        notify = _strings(row["notify"], f"{path}.notify")
        for r in notify:
            if r not in self._roles:
                _fail(f"{path}.notify", f"names the unknown role {_quote(r)}")
        escalation = row.get("escalation")
        to: Optional[str] = None
        except_roles: List[str] = []
        if escalation is None:
            if effect == "escalate":
                _fail(f"{path}.escalation", "an `escalate` row needs an `escalation`, not null")
        else:
            if effect == "forbid":
                _fail(f"{path}.escalation", "a `forbid` row cannot escalate")
            epath = f"{path}.escalation"
            e = _object(escalation, epath)
            _fields(e, epath, ("to", "except_roles"))
            to = _string(e["to"], f"{epath}.to")
            except_roles = _strings(e["except_roles"], f"{epath}.except_roles")
            for r in [to, *except_roles]:
                if r not in self._roles:
                    _fail(epath, f"names the unknown role {_quote(r)}")

        # Inputs by key, then counters by id: `explain` names the first one
        # missing or ill-typed (the Rust evaluator's order).
        reads = sorted(
            {k for k, _ in scope}
            | {k for k, _ in limits}
            | {k for r in [*relations["scope_relations"], *relations["limit_relations"], *budgets] for k, _ in r.terms},
            key=lambda k: (k in self._counters, k),
        )
        return _Row(
            index=index,
            rule=rule,
            effect=effect,
            roles=frozenset(roles),
            actions=frozenset(actions),
            scope_relations=tuple(relations["scope_relations"]),
            limit_relations=tuple(relations["limit_relations"] + budgets),
            obligations=tuple(obligations),
            aims=tuple(aims),
            notify=tuple(notify),
            escalate_to=to,
            except_roles=frozenset(except_roles),
            reads=tuple(reads),
            read_slots=tuple(self._slot[k] for k in reads),
            scope_slots=tuple((self._slot[k], c) for k, c in scope),
            limit_slots=tuple((self._slot[k], c) for k, c in limits),
        )

    # -- constructors ------------------------------------------------------

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> Table:
        """Loads a table from parsed JSON (``dict``); raises :class:`TableError`."""
        return cls(table)

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> Table:
        """Loads a table from JSON text, or from UTF-8 bytes (a leading
        byte-order mark is skipped); raises :class:`TableError`, also for
        text that gives one key twice in an object."""
        try:
            value = read_json(text)
        except JsonError as e:
            raise TableError(e.describe("the table")) from None
        return cls(value)

    @classmethod
    def load(cls, path: Union[str, os.PathLike[str]]) -> Table:
        """Loads a table from a JSON file; raises :class:`TableError`
        (also when the file cannot be read)."""
        try:
            with open(path, "rb") as f:
                text = f.read()
        except OSError as e:
            raise TableError(f"cannot read the table {os.fspath(path)}: {e}") from None
        return cls.from_json(text)

    # -- introspection -----------------------------------------------------

    @property
    def roles(self) -> Dict[str, List[str]]:
        """Every role mapped to all its ancestors."""
        return {r: list(a) for r, a in self._roles.items()}

    @property
    def actions(self) -> Dict[str, Dict[str, str]]:
        """Every action mapped to its parameters and their input types."""
        return {a: dict(p) for a, p in self._actions.items()}

    @property
    def counters(self) -> Dict[str, CounterInfo]:
        """Every usage counter a row may read: id mapped to who it counts
        (``per``), which ``actions``, the ``measure`` and the ``window``
        (docs/table-format.md, "Counters a caller computes", says which uses
        each one counts)."""
        return {
            cid: {**info, "actions": list(info["actions"])}
            for cid, info in sorted(self._counter_info.items())
        }

    @property
    def obligations(self) -> Dict[str, str]:
        """Obligation name mapped to its description."""
        return dict(self._obligations)

    def counters_for(self, role: str, action: str) -> List[str]:
        """The counters that requests for ``role`` and ``action`` must supply
        in ``usage`` (the counters the candidate rows read), sorted."""
        reads = self._group_reads.get((role, action), ())
        return [k for k in reads if k in self._counters]

    # -- evaluation --------------------------------------------------------

    def decide(self, request: object) -> Decision:
        """Decides a request (a parsed JSON value). Never raises: a bad
        request is a ``deny`` with every problem listed in ``errors``."""
        decision, _ = self._run(request, trace=False)
        return decision

    def explain(self, request: object) -> Explanation:
        """Decides a request and adds ``trace``: how each candidate row fared,
        in row order."""
        return _explanation(*self._run(request, trace=True))

    def decide_json(self, text: Union[str, bytes]) -> Decision:
        """Decides a request given as JSON text, or as UTF-8 bytes, read as
        every Remit evaluator reads it (docs/table-format.md, "Reading JSON
        text"): a leading byte-order mark is skipped, ``-0`` is ``0``, a key
        nobody reads may hold any number. Text that cannot be read (not
        UTF-8, not JSON, a key given twice in one object) is a ``deny`` with
        one ``malformed_request`` whose input is ``None``."""
        return self._run_json(text, trace=False)[0]

    def explain_json(self, text: Union[str, bytes]) -> Explanation:
        """:meth:`explain` for a request given as JSON text or UTF-8 bytes,
        read as :meth:`decide_json` reads it."""
        return _explanation(*self._run_json(text, trace=True))

    def _run_json(
        self, text: Union[str, bytes], trace: bool
    ) -> Tuple[Decision, List[TraceEntry]]:
        try:
            request = read_json(text)
        except JsonError as e:
            return _deny([_error("malformed_request", None, e.describe("the request"))]), []
        return self._run(request, trace)

    def _prepare(
        self, request: object
    ) -> Tuple[Optional[str], Optional[str], List[_Slot], List[object], List[_Row], List[RequestError]]:
        """Steps 1 and 2: the role, the action, every value read (typed,
        and as given, by slot), the candidate rows and the request's
        problems (sorted)."""
        errors: List[RequestError] = []
        if not isinstance(request, dict):
            errors.append(
                _error(
                    "malformed_request",
                    None,
                    "the request must be a JSON object with `role` and `action`",
                )
            )
            return None, None, [], [], [], errors

        role = self._name(request, "role", self._roles, "unknown_role", errors)
        action = self._name(request, "action", self._actions, "unknown_action", errors)

        sections: Dict[str, Dict[Any, Any]] = {}
        for name in _SECTIONS:
            if name not in request:
                sections[name] = {}
                continue
            value = request[name]
            if isinstance(value, dict):
                sections[name] = value
            else:
                sections[name] = {}
                errors.append(
                    _error(
                        "malformed_request",
                        name,
                        f"`{name}` must be a JSON object, not {_json_kind(value)}",
                    )
                )

        # Step 1: every value given for a known input must be well-typed.
        inputs = self._slot_inputs
        values: List[_Slot] = [None] * len(inputs)
        raw: List[object] = [None] * len(inputs)
        for name in ("customer", "context"):
            slots = self._section_slots[name]
            for field, value in sections[name].items():
                slot = slots.get(field) if isinstance(field, str) else None
                if slot is not None:
                    values[slot] = _typed(inputs[slot], value, errors)
                    raw[slot] = value
        if action is not None:
            params = sections["params"]
            for field, slot in self._param_slots[action]:
                if field in params:
                    values[slot] = _typed(inputs[slot], params[field], errors)
                    raw[slot] = params[field]

        # Step 2: the candidate rows, and every input and counter they read.
        candidates: List[_Row] = []
        if role is not None and action is not None:
            candidates = self._groups.get((role, action), [])
            usage = sections["usage"]
            for slot in self._group_slots.get((role, action), ()):
                inp = inputs[slot]
                counter = inp.type == "counter"
                if counter and inp.key in usage:
                    values[slot] = _typed(inp, usage[inp.key], errors)
                    raw[slot] = usage[inp.key]
                if values[slot] is None:
                    if inp.optional:
                        values[slot] = _ABSENT
                        continue
                    key = inp.key
                    where = "usage" if counter else inp.section
                    errors.append(
                        _error(
                            "missing_input",
                            key,
                            f"`{where}` has no {_quote(inp.field)}, which a candidate row reads",
                        )
                    )
        return role, action, values, raw, candidates, _sorted_errors(errors)

    def _run(self, request: object, trace: bool) -> Tuple[Decision, List[TraceEntry]]:
        role, action, values, raw, candidates, errors = self._prepare(request)
        if role is None or action is None:
            return _deny(errors), []
        entries: List[TraceEntry] = []
        forbids: List[_Row] = []
        permits: List[_Row] = []
        escalations: List[_Row] = []
        for row in candidates:
            outcome, failed = _verdict(row, values)
            if trace:
                constraint, detail = self._words(row, failed, values, raw)
                entries.append(
                    {
                        "rule": row.rule,
                        "row": row.index,
                        "effect": row.effect,
                        "outcome": outcome,
                        "constraint": constraint,
                        "detail": detail,
                    }
                )
            escalates = row.escalate_to is not None and role not in row.except_roles
            if row.effect == "forbid" and outcome == "matched":
                forbids.append(row)
            elif row.effect == "permit" and outcome == "matched":
                permits.append(row)
            elif row.effect == "permit" and outcome == "limit_failed" and escalates:
                escalations.append(row)
            elif row.effect == "escalate" and outcome == "matched" and escalates:
                escalations.append(row)

        if errors:
            return _deny(errors), entries
        if forbids:
            decision = _deny([])
            decision["rules"] = _union([r.rule] for r in forbids)
            return decision, entries
        if permits:
            return {
                "decision": "permit",
                "escalate_to": [],
                "obligations": _union(r.obligations for r in permits),
                "aims": _union(r.aims for r in permits),
                "notify": _union(r.notify for r in permits),
                "rules": _union([r.rule] for r in permits),
                "errors": [],
            }, entries
        if escalations:
            return {
                "decision": "escalate",
                "escalate_to": _union([r.escalate_to or ""] for r in escalations),
                "obligations": [],
                "aims": _union(r.aims for r in escalations),
                "notify": _union(r.notify for r in escalations),
                "rules": _union([r.rule] for r in escalations),
                "errors": [],
            }, entries
        return _deny([]), entries

    def headroom(self, request: object, param: str) -> Headroom:
        """The values of action parameter ``param`` (``amount`` or
        ``param.amount``) that a request complete except for it would be
        permitted with (a value given for it is ignored), as sorted disjoint
        inclusive intervals, and the decision just above them (TABLE.md,
        "Headroom"). Never raises: an invalid request gives errors."""
        name = param[len("param."):] if param.startswith("param.") else param
        key = f"param.{name}"

        def at(value: int) -> object:
            if not isinstance(request, dict):
                return request
            params = request.get("params", {})
            if not isinstance(params, dict):
                return request
            return {**request, "params": {**params, name: value}}

        role, action, values, _, candidates, errors = self._prepare(at(0))
        if role is not None and action is not None:
            ty = self._actions[action].get(name)
            if ty is None:
                known = ", ".join(_quote(p) for p in self._actions[action]) or "none"
                errors.append(_error("malformed_request", key, f"action {_quote(action)} has no parameter {_quote(name)} (its parameters: {known})"))
            elif ty not in _INTEGER_TYPES:
                errors.append(_error("wrong_type", key, f"{key} is {_quote(ty)}: headroom is for integer parameters"))
        if errors or role is None or action is None:
            return {"param": key, "permitted": [], "above": None, "errors": _sorted_errors(errors)}
        slot = self._slot[key]
        # A parameter is never negative; a time of day ends at 23:59.
        top = 1439 if self._slot_inputs[slot].type == "time" else _I64_MAX
        permits = [_span(r, values, slot, top, True) for r in candidates if r.effect == "permit"]
        forbids = [_span(r, values, slot, top, False) for r in candidates if r.effect == "forbid"]
        permitted = _subtract(_merge(permits), _merge(forbids))
        highest = permitted[-1][1] if permitted else -1
        return {
            "param": key,
            "permitted": [[lo, hi] for lo, hi in permitted],
            "above": None if highest >= top else self.decide(at(highest + 1)),
            "errors": [],
        }

    def _words(
        self, row: _Row, failed: _Failed, values: Sequence[_Slot], raw: Sequence[object]
    ) -> Tuple[Optional[str], str]:
        """What decided a row's verdict, for ``explain``: the key and the
        detail in the author's terms."""
        if failed is None:
            return None, "every constraint holds"
        if isinstance(failed, _Relation):
            return failed.terms[0][0], self._relation_words(failed, values)
        if isinstance(failed, int):
            key = self._slot_inputs[failed].key
            if values[failed] is None:
                return key, f"{key} is missing"
            return key, f"{key} is {_show(raw[failed])}, which is ill-typed"
        slot, c = failed
        inp = self._slot_inputs[slot]
        return inp.key, c.why_not(inp.key, _show(raw[slot]), values[slot], self._units, inp)

    def _relation_words(self, r: _Relation, values: Sequence[_Slot]) -> str:
        """A failing relation in the author's terms (the Rust evaluator's words)."""
        u = self._units
        inp = {k: self._slot_inputs[slot] for (k, _), (slot, _) in zip(r.terms, r.slots)}
        name = {k: (i.field if i.section == "params" else k) for k, i in inp.items()}
        v = {k: values[slot] for (k, _), (slot, _) in zip(r.terms, r.slots)}
        for k, _ in r.terms:
            if v[k] is _ABSENT:
                return f"{name[k]} is absent, so the relation on it does not hold"
        if len(r.terms) == 2 and all(c == 1 for _, c in r.terms):
            (a, _), (b, _) = r.terms
            counter, param = (a, b) if a in self._counters else (b, a)
            info = self._counter_info.get(counter)
            if info is not None and info["measure"] == "sum" and inp[param].type == "money":
                used, asked = v[counter], v[param]
                assert isinstance(used, int) and isinstance(asked, int)
                return (
                    f"limit total {u.money(r.max)} {u.per(info)}: {u.money(used)} used + "
                    f"{u.money(asked)} asked {'>' if used + asked > r.max else '<='} {u.money(r.max)}"
                )
        money = all(
            i.type == "money" or (i.type == "counter" and self._counter_info[i.key]["measure"] == "sum")
            for i in inp.values()
        )
        num = u.money if money else str

        def side(positive: bool) -> Tuple[str, str]:
            # `positive terms <= negated negative terms + max`, as written.
            terms = [(k, c) for k, c in r.terms if (c > 0) == positive]
            if positive and not terms:
                return "0", num(0)

            def times(c: int, x: str) -> str:
                return x if abs(c) == 1 else f"{abs(c)} × {x}"

            written = " + ".join(times(c, name[k]) for k, c in terms)
            values_ = [v[k] for k, _ in terms]
            filled = " + ".join(
                times(c, u.value(inp[k], x)) for (k, c), x in zip(terms, values_) if isinstance(x, int)
            )
            total = sum(abs(c) * x for (_, c), x in zip(terms, values_) if isinstance(x, int))
            if not positive and (r.max != 0 or not terms):
                if not terms:
                    sign, shown = "", num(r.max)
                elif r.max < 0:
                    sign, shown = " - ", num(-r.max)
                else:
                    sign, shown = " + ", num(r.max)
                written += sign + shown
                filled += sign + shown
                total += r.max
            scaled = any(abs(c) != 1 for _, c in terms)
            if len(terms) > 1 or scaled or (len(terms) == 1 and not positive and r.max != 0):
                filled += f" = {num(total)}"
            return written, filled

        lhs, lhs_filled = side(True)
        rhs, rhs_filled = side(False)
        return f"{lhs} <= {rhs}: {lhs_filled} > {rhs_filled}"

    @staticmethod
    def _name(
        request: Mapping[Any, Any],
        field: str,
        known: Mapping[str, object],
        unknown_kind: str,
        errors: List[RequestError],
    ) -> Optional[str]:
        if field not in request:
            errors.append(_error("malformed_request", field, f"the request has no `{field}`"))
            return None
        value = request[field]
        if not isinstance(value, str):
            errors.append(
                _error(
                    "malformed_request",
                    field,
                    f"`{field}` must be a string, not {_json_kind(value)}",
                )
            )
            return None
        if value not in known:
            errors.append(
                _error(unknown_kind, field, f"the table has no {field} {_quote(value)}")
            )
            return None
        return value

    def __repr__(self) -> str:
        return (
            f"<remit_table.Table {self.policy_name} {self.policy_version or ''} "
            f"{len(self._rows)} rows {self.digest}>"
        )


# ---------------------------------------------------------------------------
# Evaluation helpers.


def _explanation(decision: Decision, trace: List[TraceEntry]) -> Explanation:
    return {
        "decision": decision["decision"],
        "escalate_to": decision["escalate_to"],
        "obligations": decision["obligations"],
        "aims": decision["aims"],
        "notify": decision["notify"],
        "rules": decision["rules"],
        "errors": decision["errors"],
        "trace": trace,
    }


def _error(kind: str, input: Optional[str], message: str) -> RequestError:
    return {"kind": kind, "input": input, "message": message}


def _deny(errors: List[RequestError]) -> Decision:
    return {
        "decision": "deny",
        "escalate_to": [],
        "obligations": [],
        "aims": [],
        "notify": [],
        "rules": [],
        "errors": errors,
    }


def _sorted_errors(errors: List[RequestError]) -> List[RequestError]:
    """Sorted by input (``null`` first), then kind; each problem once."""
    seen: Set[Tuple[Optional[str], str]] = set()
    out: List[RequestError] = []
    for e in sorted(
        errors,
        key=lambda e: (e["input"] is not None, e["input"] or "", e["kind"]),
    ):
        k = (e["input"], e["kind"])
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out


def _union(lists: Iterable[Iterable[str]]) -> List[str]:
    return sorted({x for xs in lists for x in xs})


def _typed(inp: _Input, value: object, errors: List[RequestError]) -> _Value:
    def wrong(expected: str) -> _Bad:
        errors.append(
            _error(
                "wrong_type",
                inp.key,
                f"{inp.key} must be {expected}, not {_show(value)}",
            )
        )
        return _BAD

    if inp.type == "counter":
        if _is_int(value) and isinstance(value, int) and value >= 0:
            return value
        return wrong("a non-negative integer")
    if inp.type == "bool":
        return value if isinstance(value, bool) else wrong("true or false")
    if inp.type == "key":
        return value if isinstance(value, str) else wrong("a string (a key)")
    if inp.type in _INTEGER_TYPES:
        integer = {
            "money": "an integer number of minor units",
            "duration": "an integer number of minutes",
            "date": "an integer number of days since 1970-01-01",
            "time": "an integer number of minutes since midnight, from 0 to 1439",
        }.get(inp.type, "an integer")
        if inp.type == "time" and _is_int(value) and isinstance(value, int) and not 0 <= value <= 1439:
            return wrong(integer)
        if _is_int(value) and isinstance(value, int):
            # Action parameters are quantities (LANGUAGE.md §3): never negative.
            if value < 0 and inp.section == "params":
                return wrong(
                    integer.replace("an integer", "a non-negative integer", 1)
                    + " (an action parameter is a quantity)"
                )
            return value
        return wrong(integer)
    if inp.type == "enum":
        if not isinstance(value, str):
            return wrong(f"a string, one of {', '.join(inp.values)}")
        if value not in inp.values:
            errors.append(
                _error(
                    "unknown_variant",
                    inp.key,
                    f"{inp.key}: {_show(value)} is not one of {', '.join(inp.values)}",
                )
            )
            return _BAD
        return value
    # set
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return wrong(f"an array of strings, each one of {', '.join(inp.values)}")
    unknown = [v for v in value if v not in inp.values]
    if unknown:
        errors.append(
            _error(
                "unknown_variant",
                inp.key,
                f"{inp.key}: {', '.join(_show(v) for v in unknown)} not one of {', '.join(inp.values)}",
            )
        )
        return _BAD
    return frozenset(value)


# What decided a row: nothing (it matched), the slot it cannot read, the
# (slot, constraint) that failed, or the relation that failed.
_Failed = Union[None, int, Tuple[int, _Constraint], _Relation]


def _verdict(row: _Row, values: Sequence[_Slot]) -> Tuple[str, _Failed]:
    """How a candidate row fares, by slots only: no names, no words (those
    are for ``explain``, :meth:`Table._words`)."""
    for slot in row.read_slots:
        v = values[slot]
        if v is None or v is _BAD:
            return "invalid", slot
    for slot, c in row.scope_slots:
        if not c.holds(values[slot]):
            return "scope_failed", (slot, c)
    for r in row.scope_relations:
        if not r.holds(values):
            return "scope_failed", r
    for slot, c in row.limit_slots:
        if not c.holds(values[slot]):
            return "limit_failed", (slot, c)
    for r in row.limit_relations:
        if not r.holds(values):
            return "limit_failed", r
    return "matched", None


# ---------------------------------------------------------------------------
# Headroom: each row's interval of the parameter, then union minus union.

_Span = Tuple[int, int]


def _span(row: _Row, values: Sequence[_Slot], key: int, top: int, limits: bool) -> _Span:
    """The values from 0 to ``top`` of slot ``key`` for which the row's
    scope (and with ``limits`` its limits) holds, the other values fixed;
    empty when ``lo > hi``."""
    lo, hi = 0, top
    checks = list(row.scope_slots) + (list(row.limit_slots) if limits else [])
    relations = list(row.scope_relations) + (list(row.limit_relations) if limits else [])
    for k, c in checks:
        if k == key:
            if c.kind == "interval":
                lo = max(lo, _I64_MIN if c.min is None else c.min)
                hi = min(hi, _I64_MAX if c.max is None else c.max)
            elif c.kind == "present" and not c.present:
                return 1, 0
        elif not c.holds(values[k]):
            return 1, 0
    for r in relations:
        rest = r.total(values, skip=key)
        if rest is None:
            return 1, 0
        a = sum(c for k, c in r.slots if k == key)
        m = r.max - rest
        if a == 0:
            if m < 0:
                return 1, 0
        elif a > 0:
            hi = min(hi, m // a)
        else:
            lo = max(lo, -((-m) // a))
    return lo, hi


def _merge(spans: List[_Span]) -> List[_Span]:
    out: List[_Span] = []
    for lo, hi in sorted(s for s in spans if s[0] <= s[1]):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _subtract(a: List[_Span], b: List[_Span]) -> List[_Span]:
    """``a`` minus ``b``, both sorted and disjoint: one pass over each."""
    out: List[_Span] = []
    j = 0
    for lo, hi in a:
        while j < len(b) and b[j][1] < lo:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi and lo <= hi:
            if b[k][0] > lo:
                out.append((lo, b[k][0] - 1))
            lo = max(lo, b[k][1] + 1)
            k += 1
        if lo <= hi:
            out.append((lo, hi))
    return out
