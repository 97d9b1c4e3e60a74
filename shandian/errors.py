"""Every exception shandian raises on purpose, at the bottom of the Python layer (imports only `_core`).

`OrderRejected.code` is a `RejectCode`, a `StrEnum` generated from the C++ list of reject codes
(cpp/core/types.hpp, bound as `_core.RejectCode`): a code added there exists here with no Python edit, and
a member compares equal to its name (`e.code == "RISK_MAX_ORDER_VOLUME"`).
"""

from __future__ import annotations

from enum import StrEnum

from shandian import _core

__all__ = [
    "BacktestDataError",
    "BarSubscriptionError",
    "CommandError",
    "ConfigError",
    "EngineLinkError",
    "HistoryError",
    "HistoryFileNotFoundError",
    "HistoryFormatError",
    "HistoryIntervalError",
    "JournalGapError",
    "MirrorStreamGapError",
    "OrderRejected",
    "ParamError",
    "RejectCode",
    "StateError",
    "SweepError",
    "UnknownSymbolError",
]

RejectCode = StrEnum("RejectCode", [(name, name) for name in _core.RejectCode.__members__])  # type: ignore[misc]
RejectCode.__doc__ = "The stable reject codes of the C++ engine (cpp/core/types.hpp), by name."


class ConfigError(ValueError):
    """A configuration problem: `key` (dotted path), and a message naming the value and the rule."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


class OrderRejected(Exception):  # noqa: N818 — the name users expect (vn.py habit: "rejected")
    """An order or cancel the engine refused before sending: `code` (a RejectCode), `reason` (text).

    A code that is not in the C++ list raises ValueError: every refusal carries a stable code.
    """

    def __init__(self, code: str, reason: str, order_id: int = 0) -> None:
        self.code = RejectCode(code)
        super().__init__(f"{self.code}: {reason}")
        self.reason = reason
        self.order_id = order_id


class BarSubscriptionError(ValueError):
    """A bar subscription the engine cannot serve: `field` ("interval" / "symbol"), its `value`, the rule."""

    def __init__(self, field: str, value: object, rule: str) -> None:
        super().__init__(f"{field} {value!r}: {rule}")
        self.field = field
        self.value = value


class ParamError(ValueError):
    """A parameter update that does not fit the agent's declared `params` (name, value and rule)."""


class StateError(ValueError):
    """A persistent agent state problem: `agent` (name, or class when declared), `field`, the rule broken.

    Raised for a bad `state` declaration, a value that is not JSON (naming its type), and a journaled
    payload that cannot be restored (corrupted, or a field the agent no longer declares).
    """

    def __init__(self, agent: str, field: str, message: str) -> None:
        super().__init__(f"agent {agent} state field {field!r}: {message}")
        self.agent = agent
        self.field = field


class JournalGapError(RuntimeError):
    """Sequence numbers are missing from a journal (records were lost or deleted)."""


class MirrorStreamGapError(RuntimeError):
    """Redis refused one XADD of a batch (not as a duplicate) and applied a later one: the stream has a gap.

    Redis executes a connection's commands in order, so a dropped connection leaves a prefix of the batch
    applied and resuming after the stream's top re-sends the rest. An error reply in the middle (OOM,
    MISCONF) followed by a success cannot be repaired (ids only grow); readers see it as a gap too.
    """

    def __init__(self, key: str, day: int, first: int, last: int, error: str) -> None:
        super().__init__(f"stream {key}: day {day} seq {first}..{last} were refused ({error}) and a later "
                         f"record was applied: the stream has a gap there")
        self.key, self.day, self.first, self.last, self.error = key, day, first, last, error


class HistoryError(Exception):
    """Recorded ticks or bars that cannot be read (shandian.history): the source and what is wrong."""


class HistoryFileNotFoundError(HistoryError, FileNotFoundError):
    """A history source (CSV, SQLite database, Parquet file) that does not exist."""


class HistoryFormatError(HistoryError, ValueError):
    """A history source whose table, columns or values are not the expected ones (which, and why)."""


class UnknownSymbolError(HistoryError, LookupError):
    """A symbol with no rows in a history source, or without a product in the session table."""


class HistoryIntervalError(HistoryError, ValueError):
    """A bar interval that is malformed, or that a source does not store."""


class BacktestDataError(HistoryFormatError):
    """A bad row of backtest market data: `file`, `row`, `field`, `value` and the `rule` it breaks.

    `rule` is a key of shandian.backtest.data.BAD_DATA_RULES (with on_bad_data = "skip" such rows are dropped
    and counted under it); row 0 means the file as a whole (missing column, not a database).
    """

    def __init__(self, file: str, row: int, field: str, value: object, rule: str, reason: str, *,
                 row_label: str = "row") -> None:
        self.file, self.row, self.field, self.value, self.rule = file, row, field, value, rule
        why = reason
        where = f"{file}: {row_label} {row}" if row else file
        super().__init__(f"{where}: field {field}: value {value!r}: {why} [rule {rule}]")


class SweepError(ValueError):
    """A sweep that cannot run: a bad --param spec, an unknown agent / param / objective (which, and why)."""


class CommandError(ValueError):
    """A command to a running engine that cannot be applied (shandian.engine.remote): field, value, rule."""


class EngineLinkError(RuntimeError):
    """A running engine's command socket could not be reached (the dashboard's link; the run ended?)."""
