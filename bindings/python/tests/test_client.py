"""The service client against a real ``remit serve`` started here."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

from remit_table.client import ServiceClient, ServiceError

ROOT = Path(__file__).resolve().parents[3]
TABLE = ROOT / "bindings" / "testdata" / "service-shop.json"
TOKEN = "py-client-token-0123456789"
COUNT = "customer/refund/count/P1D"
SUM = "customer/refund/sum/P1D"


def remit_bin() -> Path:
    path = Path(os.environ.get("REMIT_BIN", ROOT / "target" / "debug" / "remit"))
    if not path.exists():
        message = f"the `remit` binary is not at {path}: run `cargo build -p remit-cli` or set REMIT_BIN"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"SKIP: {message}")
    return path


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Path]]:
    """A `remit serve` with tokens on a fresh ledger: its URL and directory."""
    binary = remit_bin()
    work = tmp_path_factory.mktemp("serve")
    tokens = work / "tokens"
    tokens.write_text(f"desk:{TOKEN}\n", encoding="utf-8")
    log = work / "decisions.log"
    proc = subprocess.Popen(
        [str(binary), "serve", "--table", str(TABLE), "--store", f"sqlite:{work / 'usage.db'}",
         "--listen", "127.0.0.1:0", "--tokens", str(tokens), "--log", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    url = ""
    for line in proc.stderr:
        if "listening on http://" in line:
            url = "http://" + line.split("listening on http://", 1)[1].split()[0]
            break
    if not url:
        proc.kill()
        pytest.fail("`remit serve` exited before listening")
    stderr = proc.stderr
    threading.Thread(target=lambda: [None for _ in stderr], daemon=True).start()
    try:
        yield url, work
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def clerk(
    remit: ServiceClient, customer: str, amount: int,
    idempotency_key: Optional[str] = None, commit: bool = False,
) -> Dict[str, Any]:
    return remit.use("shop", customer, "e1", "clerk", "refund", params={"amount": amount},
                     customer={"tier": "gold"}, idempotency_key=idempotency_key, commit=commit)


def test_decide_use_commit_release_usage_and_outcome(service: Tuple[str, Path]) -> None:
    url, _ = service
    remit = ServiceClient(url, token=TOKEN)
    d = remit.decide("shop", "c1", "e1", "clerk", "refund", params={"amount": 4000},
                     customer={"tier": "gold"})
    assert (d["decision"], d["obligations"], d["aims"]) == ("permit", ["reason_code"], ["guest_retained"])
    assert d["usage"] == {COUNT: 0, SUM: 0}
    assert d["digest"] == "sha256:client-test"

    held = clerk(remit, "c1", 4000, idempotency_key="py-1")
    assert held["state"] == "held"
    assert clerk(remit, "c1", 4000, idempotency_key="py-1")["use_id"] == held["use_id"]
    assert remit.usage("shop", customer_id="c1")["counters"] == {COUNT: 1, SUM: 4000}
    committed = remit.commit(held["use_id"], amount=2500)
    assert (committed["state"], committed["amount"]) == ("committed", 2500)
    assert remit.usage("shop", customer_id="c1")["counters"][SUM] == 2500

    other = clerk(remit, "c1", 1000)
    assert remit.release(other["use_id"])["state"] == "released"
    assert remit.usage("shop", customer_id="c1", employee_id="e1")["counters"][SUM] == 2500

    # 25.00 used and 80.00 asked: past the 100.00 budget, escalated, nothing held.
    escalated = clerk(remit, "c1", 8000)
    assert (escalated["decision"], escalated["escalate_to"], escalated["use_id"]) == ("escalate", ["manager"], None)

    recorded = remit.outcome(held["use_id"], "guest_retained", True)
    assert (recorded["outcome"], recorded["achieved"], recorded["policy"]) == ("guest_retained", True, "shop")
    assert remit.outcome(held["use_id"], "guest_retained", True) == recorded
    assert remit.status()["log"]["dropped"] == 0


def test_errors_carry_the_services_code_message_and_problems(service: Tuple[str, Path]) -> None:
    url, _ = service
    remit = ServiceClient(url, token=TOKEN)
    used = clerk(remit, "c9", 100, commit=True)
    with pytest.raises(ServiceError) as e:
        remit.outcome(used["use_id"], "happy", True)
    assert (e.value.status, e.value.code) == (400, "invalid_request")
    assert e.value.problems[0]["field"] == "outcome"
    assert e.value.help == "it declares `guest_retained`"
    with pytest.raises(ServiceError) as e:
        remit.commit("no-such-use")
    assert (e.value.status, e.value.code) == (404, "unknown_use")
    with pytest.raises(ServiceError) as e:
        remit.decide("shop", "c1", "e1", "clerk", "refund", params={"amount": "lots"})
    assert e.value.status == 400
    assert {p["field"] for p in e.value.problems} >= {"param.amount"}
    with pytest.raises(ServiceError) as e:
        ServiceClient(url, token="wrong-token-0123456789").status()
    assert (e.value.status, e.value.code) == (401, "unauthorized")
    # Headroom on the ledger's counters: a fresh customer may get up to the
    # 50.00 USD cap; above it the request goes to the manager.
    h = remit.headroom("shop", "h9", "e1", "clerk", "refund", customer={"tier": "gold"})
    assert (h["param"], h["permitted"], h["above"]["decision"]) == ("param.amount", [[0, 5000]], "escalate")


def test_an_unreachable_service_is_an_error_never_a_decision() -> None:
    remit = ServiceClient("http://127.0.0.1:1", timeout=2)
    with pytest.raises(ServiceError) as e:
        remit.decide("shop", "c1", "e1", "clerk", "refund", params={"amount": 1})
    assert (e.value.status, e.value.code) == (0, "unreachable")
    assert "127.0.0.1:1" in e.value.message
