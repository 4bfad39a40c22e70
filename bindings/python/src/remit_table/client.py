"""A client of the Remit decision service (``remit serve``), standard library only.

>>> from remit_table.client import ServiceClient
>>> remit = ServiceClient("http://127.0.0.1:7878", token="…")   # doctest: +SKIP
>>> d = remit.use("hotel", "guest-1042", "desk-7", "front_desk", "refund",
...               params={"amount": 8000}, customer={"tier": "gold"})  # doctest: +SKIP
>>> if d["decision"] == "permit":                                 # doctest: +SKIP
...     remit.commit(d["use_id"])

Every method sends one request and returns the service's JSON answer as a
dict (``docs/service.md`` in the Remit repository lists its fields). Any
answer that is not 2xx raises :class:`ServiceError` with the service's
``code``, ``message``, ``help`` and ``problems``; so does a service that
cannot be reached. The client fails closed: it never turns an error into a
decision, and a caller that catches :class:`ServiceError` must treat the
request as not permitted (a 503 from the service says ``"decision":
"deny"``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["ServiceClient", "ServiceError"]

Json = Dict[str, Any]


class ServiceError(Exception):
    """The service answered an error, or could not be reached (``status`` 0)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        help: Optional[str] = None,
        problems: Optional[List[Json]] = None,
        body: Optional[Json] = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" (help: {help})" if help else ""))
        self.status = status
        self.code = code
        self.message = message
        self.help = help
        self.problems: List[Json] = problems or []
        self.body: Json = body or {}


class ServiceClient:
    """Talks to one ``remit serve`` at ``base_url``.

    ``token`` is sent as ``Authorization: Bearer TOKEN`` (the service's
    ``--tokens`` file names the client); ``timeout`` is in seconds.
    """

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    # -- decisions -------------------------------------------------------

    def decide(
        self,
        policy: str,
        customer_id: str,
        employee_id: str,
        role: str,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        customer: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> Json:
        """``POST /v1/decide``: the decision on the ledger's counters; records nothing."""
        body = _request(policy, customer_id, employee_id, role, action, params, customer, context)
        return self._send("POST", "/v1/decide", body)

    def headroom(
        self,
        policy: str,
        customer_id: str,
        employee_id: str,
        role: str,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        customer: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        param: str = "amount",
    ) -> Json:
        """``POST /v1/headroom``: which values of ``param`` may still be given, on
        the ledger's counters, and what happens just above them."""
        body = _request(policy, customer_id, employee_id, role, action, params, customer, context)
        body["param"] = param
        return self._send("POST", "/v1/headroom", body)

    def use(
        self,
        policy: str,
        customer_id: str,
        employee_id: str,
        role: str,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        customer: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        idempotency_key: Optional[str] = None,
        hold_seconds: Optional[int] = None,
        commit: bool = False,
    ) -> Json:
        """``POST /v1/uses``: decide and, if permitted, hold the use (or, with
        ``commit=True``, record it at once). The answer's ``use_id`` is the
        hold to :meth:`commit` or :meth:`release` (``None`` unless permitted).
        Send an ``idempotency_key`` to retry safely."""
        body = _request(policy, customer_id, employee_id, role, action, params, customer, context)
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        if hold_seconds is not None:
            body["hold_seconds"] = hold_seconds
        if commit:
            body["commit"] = True
        return self._send("POST", "/v1/uses", body)

    def commit(self, use_id: str, amount: Optional[int] = None) -> Json:
        """``POST /v1/uses/{id}/commit``: make a hold a use, optionally with a
        smaller final ``amount`` (minor units). Idempotent."""
        body: Json = {} if amount is None else {"amount": amount}
        return self._send("POST", f"/v1/uses/{_segment(use_id)}/commit", body)

    def release(self, use_id: str) -> Json:
        """``POST /v1/uses/{id}/release``: drop a hold (the employee did not act). Idempotent."""
        return self._send("POST", f"/v1/uses/{_segment(use_id)}/release", {})

    def outcome(self, use_id: str, outcome: str, achieved: bool) -> Json:
        """``POST /v1/outcomes``: what came of a committed use, as the policy
        declares its outcomes. Recorded once; a repeat answers the record."""
        return self._send(
            "POST", "/v1/outcomes", {"use_id": use_id, "outcome": outcome, "achieved": achieved}
        )

    # -- reading ---------------------------------------------------------

    def usage(
        self, policy: str, customer_id: Optional[str] = None, employee_id: Optional[str] = None
    ) -> Json:
        """``GET /v1/usage``: every counter's current value for a customer,
        an employee or both."""
        query: Dict[str, str] = {"policy": policy}
        if customer_id is not None:
            query["customer_id"] = customer_id
        if employee_id is not None:
            query["employee_id"] = employee_id
        return self._send("GET", "/v1/usage?" + urllib.parse.urlencode(query), None)

    def status(self) -> Json:
        """``GET /v1/status``: tables and digests, store, holds, decision log."""
        return self._send("GET", "/v1/status", None)

    # -- transport -------------------------------------------------------

    def _send(self, method: str, path: str, body: Optional[Json]) -> Json:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token is not None:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return _object(r.read(), r.status)
        except urllib.error.HTTPError as e:
            answer = _object(e.read(), e.code, error=True)
            error = answer.get("error")
            if not isinstance(error, dict):
                raise ServiceError(e.code, "unexpected_answer", f"HTTP {e.code}", body=answer) from None
            raise ServiceError(
                e.code,
                str(error.get("code", "unknown")),
                str(error.get("message", "")),
                help=error.get("help"),
                problems=error.get("problems"),
                body=answer,
            ) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise ServiceError(
                0,
                "unreachable",
                f"cannot reach the Remit service at {self.base_url}: {reason}",
                help="check that `remit serve` runs and listens there",
            ) from None


def _request(
    policy: str,
    customer_id: str,
    employee_id: str,
    role: str,
    action: str,
    params: Optional[Mapping[str, Any]],
    customer: Optional[Mapping[str, Any]],
    context: Optional[Mapping[str, Any]],
) -> Json:
    return {
        "policy": policy,
        "customer_id": customer_id,
        "employee_id": employee_id,
        "role": role,
        "action": action,
        "params": dict(params or {}),
        "customer": dict(customer or {}),
        "context": dict(context or {}),
    }


def _segment(use_id: str) -> str:
    return urllib.parse.quote(use_id, safe="")


def _object(raw: bytes, status: int, error: bool = False) -> Json:
    try:
        value = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        if error:
            return {}
        raise ServiceError(status, "unexpected_answer", "the service's answer is not JSON") from None
    if not isinstance(value, dict):
        if error:
            return {}
        raise ServiceError(status, "unexpected_answer", "the service's answer is not a JSON object")
    return value
