"""Unit tests of the API: loading, failing closed, explain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from remit_table import FORMAT, Decision, JsonError, Table, TableError, read_json

SUITE = Path(__file__).resolve().parents[3] / "tests" / "conformance"
HOTEL = SUITE / "tables" / "hotel.json"
COUNT = "customer/refund/count/P30D"
SUM = "customer/refund/sum/P30D"


def request(**changes: Any) -> Dict[str, Any]:
    r: Dict[str, Any] = {
        "role": "front_desk",
        "action": "refund",
        "params": {"amount": 8000},
        "customer": {"tier": "gold", "nights_this_year": 3, "flagged_for_abuse": False},
        "context": {"incident": "noise"},
        "usage": {COUNT: 0, SUM: 0},
    }
    r.update(changes)
    return r


def _deep(n: int) -> Any:
    v: Any = []
    for _ in range(n):
        v = [v]
    return v


@pytest.fixture(scope="module")
def hotel() -> Table:
    return Table.load(HOTEL)


def test_three_ways_to_load(hotel: Table) -> None:
    text = HOTEL.read_text(encoding="utf-8")
    for table in (
        Table.load(str(HOTEL)),
        Table.from_json(text),
        Table.from_json(text.encode()),
        Table.from_dict(json.loads(text)),
    ):
        assert table.decide(request()) == hotel.decide(request())
    assert hotel.policy_name == "hotel_front_desk"
    assert hotel.policy_version == "2026.11"
    assert hotel.currency == ("USD", 2)
    assert hotel.digest.startswith("sha256:")
    assert FORMAT == "remit.table/1"


def test_load_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="cannot read"):
        Table.load(tmp_path / "nope.json")
    with pytest.raises(TableError, match="not valid JSON"):
        Table.from_json("{")
    with pytest.raises(TableError, match="NaN"):
        Table.from_json('{"format": NaN}')
    t = json.loads(HOTEL.read_text(encoding="utf-8"))
    t["format"] = "remit.table/9"
    with pytest.raises(TableError, match="remit.table/9"):
        Table.from_dict(t)
    t = json.loads(HOTEL.read_text(encoding="utf-8"))
    t["rows"][6]["limits"]["param.amount"] = {"max": True}
    with pytest.raises(TableError, match=r"rows\[6\].*param\.amount"):
        Table.from_dict(t)


def test_a_permit(hotel: Table) -> None:
    expected: Decision = {
        "decision": "permit",
        "escalate_to": [],
        "obligations": ["reason_code"],
        "aims": [],
        "notify": [],
        "rules": ["room_recovery"],
        "errors": [],
    }
    assert hotel.decide(request()) == expected


@pytest.mark.parametrize(
    "bad",
    [
        None,
        object(),
        {1, 2},
        ("front_desk", "refund"),
        {1: "role"},
        request(role=b"front_desk"),
        request(customer={1: "x", "tier": "gold"}),
        request(params={"amount": float("nan")}),
        request(params={"amount": float("inf")}),
        request(params={"amount": 10**30}),
        request(params={"amount": [8000]}),
        request(usage={COUNT: 0, SUM: 2**63}),
        request(customer={"tier": {"gold": True}}),
        request(customer={"tier": _deep(100_000)}),
    ],
)
def test_never_raises_and_fails_closed(hotel: Table, bad: Any) -> None:
    d = hotel.decide(bad)
    assert d["decision"] == "deny"
    assert d["errors"], d
    assert d["escalate_to"] == d["obligations"] == d["notify"] == d["rules"] == []
    hotel.explain(bad)  # does not raise either


def test_python_booleans_are_not_integers(hotel: Table) -> None:
    d = hotel.decide(request(params={"amount": True}))
    assert [(e["kind"], e["input"]) for e in d["errors"]] == [("wrong_type", "param.amount")]
    d = hotel.decide(request(usage={COUNT: False, SUM: 0}))
    assert [(e["kind"], e["input"]) for e in d["errors"]] == [("wrong_type", COUNT)]


def test_decide_json_keeps_json_number_syntax(hotel: Table) -> None:
    text = json.dumps(request())
    assert hotel.decide_json(text)["decision"] == "permit"
    assert hotel.decide_json(text.replace("8000", "8e3"))["errors"][0]["kind"] == "wrong_type"
    assert hotel.decide_json(text.replace("8000", "8000.0"))["errors"][0]["kind"] == "wrong_type"
    d = hotel.decide_json("{not json")
    assert [(e["kind"], e["input"]) for e in d["errors"]] == [("malformed_request", None)]


def _kinds(d: Decision) -> List[Tuple[str, Optional[str]]]:
    return [(e["kind"], e["input"]) for e in d["errors"]]


def test_action_parameters_are_non_negative_quantities(hotel: Table) -> None:
    for amount in (-1, -(2**63)):
        d = hotel.decide(request(params={"amount": amount}))
        assert _kinds(d) == [("wrong_type", "param.amount")]
        assert d["errors"][0]["message"] == (
            "param.amount must be a non-negative integer number of minor units "
            f"(an action parameter is a quantity), not {amount}"
        )
    assert hotel.decide(request(params={"amount": 0}))["decision"] == "permit"
    # customer and context attributes stay signed
    customer = {"tier": "gold", "nights_this_year": -(2**63), "flagged_for_abuse": False}
    assert hotel.decide(request(customer=customer))["decision"] == "permit"


def test_decide_json_and_explain_json_read_text_and_bytes_alike(hotel: Table) -> None:
    text = json.dumps(request())
    for t in (text, "\ufeff" + text, text.encode(), b"\xef\xbb\xbf" + text.encode()):
        assert hotel.decide_json(t)["decision"] == "permit"
        x = hotel.explain_json(t)
        assert {k: v for k, v in x.items() if k != "trace"} == hotel.decide_json(t)
        assert len(x["trace"]) == 3
    twice = text.replace(
        '"flagged_for_abuse": false', '"flagged_for_abuse": true, "flagged_for_abuse": false'
    )
    d = hotel.decide_json(twice)
    assert _kinds(d) == [("malformed_request", None)]
    assert d["errors"][0]["message"].startswith(
        "the request gives the key `flagged_for_abuse` twice in one object"
    )
    assert hotel.explain_json(twice)["trace"] == []
    d = hotel.decide_json(b'{"role": "caf\xe9"}')
    assert d["errors"][0]["message"] == (
        "the request is not UTF-8 text (at line 1, column 14): "
        "JSON must be UTF-8, so save or send it as UTF-8"
    )
    # json.loads would read UTF-16 bytes; JSON is UTF-8
    assert _kinds(hotel.decide_json(text.encode("utf-16"))) == [("malformed_request", None)]
    assert hotel.decide_json(text.replace("8000", "-0"))["decision"] == "permit"
    d = hotel.decide_json(text.replace('"noise"}', '"noise", "x": 1e400, "y": ' + "9" * 5000 + "}"))
    assert d["decision"] == "permit"


def test_tables_load_with_a_byte_order_mark_and_not_with_a_duplicate_key(
    hotel: Table, tmp_path: Path
) -> None:
    text = HOTEL.read_text(encoding="utf-8")
    assert Table.from_json("\ufeff" + text).digest == hotel.digest
    assert Table.from_json(b"\xef\xbb\xbf" + text.encode()).digest == hotel.digest
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert Table.load(tmp_path / "bom.json").digest == hotel.digest
    (tmp_path / "latin1.json").write_bytes(b"{\xe9}")
    with pytest.raises(TableError, match=r"^the table is not UTF-8 text \(at line 1, column 2\)"):
        Table.load(tmp_path / "latin1.json")
    twice = text.replace(
        '"format": "remit.table/1",', '"format": "remit.table/1",\n  "format": "remit.table/1",'
    )
    with pytest.raises(TableError, match="^the table gives the key `format` twice in one object"):
        Table.from_json(twice)


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"a": 1, "a": 2}', "duplicate_key"),
        ('{"c": {"b": [{"x": 1, "\\u0078": 2}]}}', "duplicate_key"),
        ("[" * 129 + "]" * 129, "too_deep"),
        ('[{"a":' * 100_000, "too_deep"),
        ("\ufeff\ufeff{}", "syntax"),
        ('"\\ud800"', "syntax"),
        ('"\\udc00\\ud800"', "syntax"),
        ('"a\ud800"', "syntax"),
        ("01", "syntax"),
        ("NaN", "syntax"),
        ("[1,]", "syntax"),
        ('"a\nb"', "syntax"),
        ("", "syntax"),
    ],
)
def test_read_json_refuses_what_every_evaluator_refuses(text: str, problem: str) -> None:
    with pytest.raises(JsonError) as info:
        read_json(text)
    assert info.value.problem == problem


def test_read_json_reads_what_every_evaluator_reads() -> None:
    assert read_json('\ufeff{"a": -0}') == {"a": 0}
    assert isinstance(read_json("-0.0"), float)
    assert read_json("1e400") == float("inf")
    assert read_json("9" * 5000) == float("inf")
    assert read_json("-9223372036854775808") == -(2**63)
    assert read_json("18446744073709551615") == 2**64 - 1
    assert read_json('"\\ud83d\\ude00"') == "\U0001F600"
    assert read_json("[" * 128 + "]" * 128) is not None
    assert read_json('{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}')["b"][1]["a"] == 3


def test_results_are_fresh_objects(hotel: Table) -> None:
    d = hotel.decide(request())
    d["obligations"].append("nothing")
    assert hotel.decide(request())["obligations"] == ["reason_code"]


def test_explain_names_the_failing_constraint(hotel: Table) -> None:
    x = hotel.explain(request(params={"amount": 12000}))
    assert x["decision"] == "escalate"
    assert [(t["rule"], t["row"], t["effect"], t["outcome"], t["constraint"]) for t in x["trace"]] == [
        ("no_abusers", 5, "forbid", "scope_failed", "customer.flagged_for_abuse"),
        ("room_recovery", 6, "permit", "limit_failed", "param.amount"),
        ("room_recovery", 7, "permit", "scope_failed", "customer.nights_this_year"),
    ]
    assert x["trace"][1]["detail"] == "amount is 120.00 USD, above the maximum 100.00 USD"
    assert x["trace"][2]["detail"] == "customer.nights_this_year is 3, below the minimum 10"


def test_explain_budget_and_matched(hotel: Table) -> None:
    x = hotel.explain(request(usage={COUNT: 0, SUM: 9000}))
    row = x["trace"][1]
    assert (row["outcome"], row["constraint"]) == ("limit_failed", SUM)
    assert row["detail"] == (
        "limit total 150.00 USD per customer per 30 days: 90.00 USD used + 80.00 USD asked > 150.00 USD"
    )
    x = hotel.explain(request())
    assert (x["trace"][1]["outcome"], x["trace"][1]["constraint"]) == ("matched", None)


def test_explain_invalid_rows_and_unknown_roles(hotel: Table) -> None:
    x = hotel.explain(request(customer={"nights_this_year": 3, "flagged_for_abuse": False}))
    assert x["decision"] == "deny"
    assert [(e["kind"], e["input"]) for e in x["errors"]] == [("missing_input", "customer.tier")]
    assert [(t["outcome"], t["constraint"]) for t in x["trace"]] == [
        ("scope_failed", "customer.flagged_for_abuse"),
        ("invalid", "customer.tier"),
        ("scope_failed", "customer.nights_this_year"),
    ]
    assert hotel.explain(request(role="night_porter"))["trace"] == []


def test_counters_for_tells_what_to_supply(hotel: Table) -> None:
    assert hotel.counters_for("front_desk", "refund") == [COUNT, SUM]
    assert hotel.counters_for("duty_manager", "refund") == [
        "customer/comp_meal+refund/sum/P90D",
        COUNT,
        SUM,
    ]
    assert hotel.counters_for("front_desk", "waive_fee") == []
    assert hotel.counters_for("nobody", "refund") == []
    # A format 1 counter reads as format 2: its subjects and its window.
    assert hotel.counters["customer/comp_meal+refund/sum/P90D"] == {
        "per": ["customer"],
        "actions": ["comp_meal", "refund"],
        "measure": "sum",
        "window": {"sliding_minutes": 129600},
    }
    assert list(hotel.counters) == sorted(hotel.counters)


def test_none_is_a_value_not_an_absence(hotel: Table) -> None:
    d = hotel.decide(request(customer=None))
    assert [(e["kind"], e["input"]) for e in d["errors"]] == [
        ("malformed_request", "customer"),
        ("missing_input", "customer.flagged_for_abuse"),
        ("missing_input", "customer.nights_this_year"),
        ("missing_input", "customer.tier"),
    ]
    d = hotel.decide(request(params={"amount": None}))
    assert [(e["kind"], e["input"]) for e in d["errors"]] == [("wrong_type", "param.amount")]
    # an omitted section is empty: nothing is missing for a waive_fee here
    r = request(action="waive_fee")
    del r["params"]
    assert hotel.decide(r)["errors"] == []


def test_a_set_of_other_things_is_wrong_type_only(hotel: Table) -> None:
    customer = {"tier": "gold", "nights_this_year": 3, "flagged_for_abuse": False}
    for products in (["casino", 3], [3, "casino"], "room", [None]):
        d = hotel.decide(request(customer={**customer, "products": products}))
        assert [(e["kind"], e["input"]) for e in d["errors"]] == [
            ("wrong_type", "customer.products")
        ], products
    d = hotel.decide(request(customer={**customer, "products": ["casino", "golf"]}))
    assert [(e["kind"], e["input"]) for e in d["errors"]] == [
        ("unknown_variant", "customer.products")
    ]


def test_headroom_answers_how_much_and_what_happens_above(hotel: Table) -> None:
    h = hotel.headroom(request(), "amount")
    assert h["errors"] == []
    assert h["param"] == "param.amount"
    # room_recovery caps at 100.00 USD, the 150.00 USD budget has 0 used.
    assert h["permitted"][-1][1] >= 10000
    above = h["above"]
    assert above is not None and above["decision"] != "permit"
    assert hotel.decide(request(params={"amount": h["permitted"][-1][1]}))["decision"] == "permit"


def test_headroom_subtracts_forbids_in_one_pass() -> None:
    from remit_table._table import _merge, _subtract

    assert _merge([(5, 9), (0, 4), (20, 30), (3, 1)]) == [(0, 9), (20, 30)]
    assert _subtract([(0, 100)], [(10, 19), (50, 60)]) == [(0, 9), (20, 49), (61, 100)]
    assert _subtract([(0, 9), (20, 30)], [(5, 25)]) == [(0, 4), (26, 30)]
    assert _subtract([(0, 5)], [(0, 5)]) == []
