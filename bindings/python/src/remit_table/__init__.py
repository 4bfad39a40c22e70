"""Evaluate Remit decision tables (``remit.table/1``) in Python.

>>> from remit_table import Table
>>> table = Table.load("hotel.json")                      # doctest: +SKIP
>>> table.decide({"role": "front_desk", "action": "refund", ...})  # doctest: +SKIP

See ``docs/table-format.md`` in the Remit repository for the format and the
exact semantics, and this package's README for how a service uses it.
"""

from ._json import MAX_DEPTH, JsonError, read_json
from ._table import (
    FORMAT,
    CounterInfo,
    Decision,
    Explanation,
    RequestError,
    Table,
    TableError,
    TraceEntry,
)

__all__ = [
    "FORMAT",
    "MAX_DEPTH",
    "CounterInfo",
    "Decision",
    "Explanation",
    "JsonError",
    "RequestError",
    "Table",
    "TableError",
    "TraceEntry",
    "read_json",
]

__version__ = "0.1.0"
