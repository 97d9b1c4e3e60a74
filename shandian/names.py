"""The stable names of the C++ enums, generated from `_core` (one list each, in cpp/core/types.hpp).

A binding member's name is the C++ `to_string` name upper-cased (`PART_FILLED`); Python uses the lower-case
form for orders, trades and journals (`part_filled`, `close_today`) and the upper-case one for reject codes.
"""

from __future__ import annotations

from typing import Any

from shandian import _core

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "KIND_NAMES",
    "OFFSETS",
    "REJECT_CODES",
    "STATUSES",
    "by_name",
    "names_of",
]


def names_of(enum: Any) -> dict[int, str]:
    """Return a `_core` enum's lower-case names by integer value (`{0: "buy", 1: "sell"}`)."""
    return {int(value): name.lower() for name, value in enum.__members__.items()}


def by_name(enum: Any) -> dict[str, Any]:
    """Return a `_core` enum's members by lower-case name (`{"close_today": Offset.CLOSE_TODAY, ...}`)."""
    return {name.lower(): value for name, value in enum.__members__.items()}


DIRECTIONS = names_of(_core.Direction)
OFFSETS = names_of(_core.Offset)
KINDS = by_name(_core.OrderKind)
KIND_NAMES = names_of(_core.OrderKind)
STATUSES = names_of(_core.OrderStatus)
REJECT_CODES = {int(value): name for name, value in _core.RejectCode.__members__.items()}
