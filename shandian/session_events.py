"""Session events of a run: identical ones logged at a slowing rate, and whether each front was reached.

A front that cannot be reached makes the CTP API report a failed attempt about once a second for as long as
the run lasts. The log shows the first occurrence and then the 2nd, 4th, 8th ... with the count, so an
unreachable front costs a handful of lines an hour; the run report names the front, the number of
attempts and the last reason in words (`FrontReach.never_reached`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shandian import _core

__all__ = ["FrontReach", "RepeatCounter", "disconnect_reason"]

K = TypeVar("K", bound=Hashable)


def disconnect_reason(code: int) -> str:
    """OnFrontDisconnected's nReason with its meaning: `8195 (malformed packet received)`."""
    return f"{code} ({_core.disconnect_reason_text(code)})"


@dataclass
class _Repeat:
    count: int = 0
    logged: int = 0  # the count at the last logged occurrence


@dataclass
class RepeatCounter(Generic[K]):
    """Counts identical events; an occurrence is to be logged when its count is 1 or a power of two."""

    _seen: dict[K, _Repeat] = field(default_factory=dict)

    def occurred(self, key: K) -> int | None:
        """Count one occurrence of `key`; return its count when it is to be logged, else None."""
        r = self._seen.setdefault(key, _Repeat())
        r.count += 1
        if r.count & (r.count - 1):  # not a power of two
            return None
        r.logged = r.count
        return r.count

    @staticmethod
    def so_far(count: int) -> str:
        """Return a logged occurrence's suffix: empty for the first, else the count and the next logged."""
        return "" if count == 1 else f" ({count} times so far; logged again at {2 * count})"

    def forget(self, which: Callable[[K], bool]) -> list[tuple[K, int]]:
        """Count the matching keys afresh; return those with occurrences not logged, with their totals."""
        unlogged = []
        for key in [k for k in self._seen if which(k)]:
            r = self._seen.pop(key)
            if r.count > r.logged:
                unlogged.append((key, r.count))
        return unlogged


@dataclass
class FrontReach:
    """One API's (trader or md) connections: count, failed attempts before the first, last reason."""

    api: str
    fronts: Sequence[str]
    connects: int = 0
    failed_attempts: int = 0  # disconnects reported before any connection
    last_reason: int = 0

    def connected(self) -> None:
        """Count a connection to the front."""
        self.connects += 1

    def disconnected(self, reason: int) -> None:
        """Record a disconnect (with no connection before it: a failed attempt) and its reason."""
        if not self.connects:
            self.failed_attempts += 1
        self.last_reason = reason

    def never_reached(self, elapsed_s: float) -> str | None:
        """Return the report's sentence when this API never connected; None once it did (or has no front)."""
        if self.connects or not self.fronts:
            return None
        where = f"{self.api} front {', '.join(self.fronts)} never reached"
        if not self.failed_attempts:
            return (f"{where}: no connection in {elapsed_s:.0f} s and no failed attempt reported by the CTP "
                    "API (nothing accepting connections at that address, or no route to it)")
        attempts = "1 attempt" if self.failed_attempts == 1 else f"{self.failed_attempts} attempts"
        return f"{where}: {attempts}, last reason {disconnect_reason(self.last_reason)}"
