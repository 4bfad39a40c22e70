"""Evaluate Remit decision tables (``remit.table/1`` and ``remit.table/2``) in Python.

>>> from remit_table import Table
>>> table = Table.load("hotel.json")                      # doctest: +SKIP
>>> table.decide({"role": "front_desk", "action": "refund", ...})  # doctest: +SKIP

See ``docs/table-format.md`` in the Remit repository for the format and the
exact semantics, and this package's README for how a service uses it.
"""

from ._json import MAX_DEPTH, JsonError, read_json
from ._table import (
    FORMAT,
    FORMAT_2,
    FORMATS,
    CounterInfo,
    Decision,
    Explanation,
    Headroom,
    RequestError,
    Table,
    TableError,
    TraceEntry,
)

__all__ = [
    "FORMAT",
    "FORMAT_2",
    "FORMATS",
    "MAX_DEPTH",
    "CounterInfo",
    "Decision",
    "Explanation",
    "Headroom",
    "JsonError",
    "RequestError",
    "Table",
    "TableError",
    "TraceEntry",
    "read_json",
]

__version__ = "0.1.0"
