"""Constants and small helpers shared by the engine modules (enum tables, argument errors)."""

from __future__ import annotations

import logging
import re
import signal
from collections.abc import Sequence

from shandian import _core
from shandian.names import KINDS, by_name, names_of

log = logging.getLogger("shandian.engine")

NO_AGENT = 0xFFFF_FFFF
# Name → enum member, from the binding (whose names come from the one C++ list of each enum).
_DIRECTION = by_name(_core.Direction)
_OFFSET = by_name(_core.Offset)
# The order hot path passes the enums' integer values (no enum object conversion in the binding).
_DIRECTION_CODE = {name: int(v) for name, v in _DIRECTION.items()}
_OFFSET_CODE = {name: int(v) for name, v in _OFFSET.items()}
_KIND_CODE = {name: int(v) for name, v in KINDS.items()}
_MARKET_CODE = _KIND_CODE["market"]
_COND_KINDS = by_name(_core.ConditionalKind)
_SOURCES = by_name(_core.TriggerSource)
_KIND_TICK = int(_core.BatchItemKind.TICK)
_KIND_ORDER = int(_core.BatchItemKind.ORDER)
_KIND_TRADE = int(_core.BatchItemKind.TRADE)
_KIND_NOTICE = int(_core.BatchItemKind.NOTICE)
_KIND_TIMER = int(_core.BatchItemKind.TIMER)
_KIND_BAR = int(_core.BatchItemKind.BAR)
_NOTICE_NAMES = names_of(_core.SessionNoticeKind)
_RESUME = by_name(_core.ResumeType)
# Offset modes resolved in C++ (Engine::place): "auto" closes today's lots first, then yesterday's.
_MODES = {"auto": _core.OffsetMode.CLOSE_TODAY_THEN_YD, **by_name(_core.OffsetMode)}
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_LATENCY_FLUSH = 1024  # samples per fold into the C++ histogram (~2 µs each; the Python fold took ~0.26 ms)


def _argument_types_error(price: object, volume: object) -> TypeError:
    """Name the fields and values of an order the binding refused by type (pybind11 only lists types)."""
    return TypeError(f"order arguments: price {price!r} must be a number (int or float) and volume"
                     f" {volume!r} an int")


def _is_bool(value: object) -> bool:
    """Return whether `value` is True or False (bool has no subclasses: one class check)."""
    return value.__class__ is bool


def _bool_argument_error(price: object, volume: object) -> TypeError:
    """Name a bool price or volume: Python counts True as 1, an order must not (volume=True is a bug)."""
    field, value = ("volume", volume) if _is_bool(volume) else ("price", price)
    return TypeError(f"order argument {field} {value!r} is a bool: it must be "
                     f"{'an int (lots)' if field == 'volume' else 'a number (int or float)'}")


def _symbol_type_error(symbol: object) -> TypeError:
    """Name a symbol that is not a str (None, a number, a list), instead of pybind11's signature dump."""
    return TypeError(f"symbol {symbol!r} must be a str (an instrument id such as 'rb2505')")


def _front_trading_day(fronts: Sequence[str]) -> int | None:
    """Return the trading_day a local:// front address pins (the journal file's day), else None."""
    for address in fronts:
        m = re.search(r"[?&]trading_day=(\d{8})", address)
        if m:
            return int(m.group(1))
    return None
