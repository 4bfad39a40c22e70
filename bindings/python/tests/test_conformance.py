"""Runs the shared conformance suite (tests/conformance/ at the repository
root): every request vector is its own test, and so is every malformed
table, which must be refused for the reason its file names, and every
valid table, which must load and whose digest the documented recipe
reproduces."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import pytest

from remit_table import Table, TableError

SUITE = Path(__file__).resolve().parents[3] / "tests" / "conformance"
LISTS = ("escalate_to", "obligations", "aims", "notify", "rules")


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _vectors() -> List[Any]:
    params = []
    for file in sorted((SUITE / "cases").glob("*.json")):
        suite = _read(file)
        for case in suite["cases"]:
            params.append(
                pytest.param(suite["table"], case, id=f"{file.stem}: {case['name']}")
            )
    return params


def _headroom() -> List[Any]:
    params = []
    for file in sorted((SUITE / "headroom").glob("*.json")):
        suite = _read(file)
        for case in suite["cases"]:
            params.append(
                pytest.param(suite["table"], case, id=f"{file.stem}: {case['name']}")
            )
    return params


def _explain() -> List[Any]:
    params = []
    for file in sorted((SUITE / "explain").glob("*.json")):
        suite = _read(file)
        for case in suite["cases"]:
            params.append(
                pytest.param(suite["table"], case, id=f"{file.stem}: {case['name']}")
            )
    return params


def _malformed() -> List[Any]:
    return [
        pytest.param(path, id=path.stem)
        for path in sorted((SUITE / "malformed").glob("*.json"))
    ]


_tables: Dict[str, Table] = {}


def _table(rel: str) -> Table:
    if rel not in _tables:
        _tables[rel] = Table.load(SUITE / rel)
    return _tables[rel]


def test_the_suite_is_there() -> None:
    assert len(_vectors()) >= 100
    assert len(_malformed()) >= 15
    assert len(_headroom()) >= 15


def _text(doc: Dict[str, Any], text: str, hexed: str) -> Optional[Union[str, bytes]]:
    """A request or table given as text (``*_text``) or bytes (``*_hex``)."""
    if text in doc:
        return str(doc[text])
    if hexed in doc:
        return bytes.fromhex(doc[hexed])
    return None


@pytest.mark.parametrize("table, case", _vectors())
def test_request_vector(table: str, case: Dict[str, Any]) -> None:
    text = _text(case, "request_text", "request_hex")
    if text is not None:
        decision = _table(table).decide_json(text)
        explanation = _table(table).explain_json(text)
    else:
        decision = _table(table).decide(case["request"])
        explanation = _table(table).explain(case["request"])
    expect = case["expect"]
    assert decision["decision"] == expect["decision"]
    for field in LISTS:
        assert decision[field] == expect.get(field, []), field  # type: ignore[literal-required]
    got: List[Tuple[str, Any]] = [(e["kind"], e["input"]) for e in decision["errors"]]
    want = [(e["kind"], e["input"]) for e in expect.get("errors", [])]
    assert got == want
    for e in decision["errors"]:
        assert isinstance(e["message"], str) and e["message"]
    # explain agrees with decide
    assert {k: v for k, v in explanation.items() if k != "trace"} == decision


@pytest.mark.parametrize("table, case", _headroom())
def test_headroom_vector(table: str, case: Dict[str, Any]) -> None:
    got = _table(table).headroom(case["request"], case["param"])
    expect = case["expect"]
    assert got["permitted"] == expect["permitted"]
    above = got["above"]
    assert (
        None
        if above is None
        else {"decision": above["decision"], "escalate_to": above["escalate_to"], "rules": above["rules"]}
    ) == expect["above"]
    assert [(e["kind"], e["input"]) for e in got["errors"]] == [
        (e["kind"], e["input"]) for e in expect["errors"]
    ]


@pytest.mark.parametrize("table, case", _explain())
def test_explain_vector(table: str, case: Dict[str, Any]) -> None:
    trace = _table(table).explain(case["request"])["trace"]
    details = [t["detail"] for t in trace if t["outcome"] != "matched"]
    assert details[:1] == [case["detail"]]


@pytest.mark.parametrize("path", _malformed())
def test_malformed_table_is_refused_for_its_reason(path: Path) -> None:
    doc = _read(path)
    text = _text(doc, "table_text", "table_hex")
    with pytest.raises(TableError) as info:
        if text is not None:
            # the defect is in how the table is written: load the text
            Table.from_json(text)
        else:
            Table.from_dict(doc["table"])
    message = str(info.value)
    # the refusal names the defect: every word of `mentions` occurs in it
    assert doc["mentions"], "the file lists no `mentions`"
    for word in doc["mentions"]:
        assert word in message, f"{message!r} does not mention {word!r}"
    # the same through the JSON text entry point
    if text is None:
        with pytest.raises(TableError) as info:
            Table.from_json(json.dumps(doc["table"]))
        assert str(info.value) == message


_TABLES = sorted((SUITE / "tables").glob("*.json"))


@pytest.mark.parametrize("path", _TABLES, ids=lambda p: p.stem)
def test_conformance_table_loads(path: Path) -> None:
    Table.load(path)


def _recomputed_digest(path: Path) -> str:
    """docs/table-format.md, "Canonical body and digest", followed on the
    file as written: `digest` empty, no row `source`, compact JSON."""
    table = _read(path)
    table["digest"] = ""
    for row in table["rows"]:
        row.pop("source", None)
    body = json.dumps(table, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("path", _TABLES, ids=lambda p: p.stem)
def test_digest_recipe_reproduces_the_table_digest(path: Path) -> None:
    assert _recomputed_digest(path) == _read(path)["digest"]
    assert _recomputed_digest(path) == Table.load(path).digest


def test_hand_lowered_and_compiled_hotel_tables_have_one_digest() -> None:
    tables = SUITE / "tables"
    assert _recomputed_digest(tables / "hotel.json") == _recomputed_digest(
        tables / "hotel_front_desk.json"
    )
