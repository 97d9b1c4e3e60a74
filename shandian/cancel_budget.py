"""Cancel-budget planning: spread a day's cancel allowance on one contract over the trading session.

China futures exchanges flag (and brokers block) more than a set number of cancels per client, contract and
day (SHFE/DCE/CZCE 500, the risk presets stop a little earlier). A quoter that requotes on every move spends
that before lunch and then cannot cancel anything. The planner lets cancels be spent in proportion to the
trading time elapsed (plus an opening burst), and widens the distance a quote must drift before it is
requoted as the spending runs ahead of that schedule, so the allowance lasts to the close. A reserve is kept
for protective cancels (pull quotes on a stale book or a risk state change), which may use it.

Pure functions of (used, limit, elapsed fraction): no clock, no engine; the agent feeds them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["CancelPlan", "SessionPoint", "session_clock", "session_point", "session_windows"]

_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class CancelPlan:
    """How a day's `limit` cancels on one contract may be spent.

    `reserve` cancels are kept for protective cancels only; `burst` of the rest may be spent at once (the
    opening), the remainder accrues linearly with the elapsed trading time. The requote threshold is
    `base_ticks` while spending is at most `calm` of the schedule and rises linearly to `max_ticks` as it
    reaches the schedule.
    """

    limit: int
    reserve: int = 10
    burst: float = 0.05
    base_ticks: float = 1.0
    max_ticks: float = 8.0
    calm: float = 0.5

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ValueError(f"limit: {self.limit} must be >= 0")
        if not 0 <= self.reserve <= self.limit:
            raise ValueError(f"reserve: {self.reserve} must be in [0, limit={self.limit}]")
        if not 0.0 <= self.burst <= 1.0:
            raise ValueError(f"burst: {self.burst} must be in [0, 1]")
        if not 0 < self.base_ticks <= self.max_ticks:
            ticks = f"{self.base_ticks}/{self.max_ticks}"
            raise ValueError(f"base_ticks/max_ticks: {ticks} must be 0 < base <= max")
        if not 0.0 <= self.calm < 1.0:
            raise ValueError(f"calm: {self.calm} must be in [0, 1)")

    @property
    def spendable(self) -> int:
        """Cancels the requoting may use over the whole day (the limit less the reserve)."""
        return self.limit - self.reserve

    def allowance(self, elapsed: float) -> int:
        """Return the cancels requoting may have used by `elapsed` (fraction of the trading day, clamped)."""
        t = min(1.0, max(0.0, elapsed))
        share = self.burst + (1.0 - self.burst) * t
        return min(self.spendable, math.floor(self.spendable * share + 1e-9))

    def may_requote(self, used: int, elapsed: float) -> bool:
        """Whether a requote cancel now keeps spending within the schedule."""
        return used + 1 <= self.allowance(elapsed)

    def may_protect(self, used: int) -> bool:
        """Whether a protective cancel is still allowed (it may use the reserve, not the last cancel)."""
        return used + 1 < self.limit

    def threshold_ticks(self, used: int, elapsed: float) -> float:
        """Return how far (ticks) a quote may drift before a requote: wider as spending nears the schedule."""
        allowed = self.allowance(elapsed)
        if allowed <= 0:
            return math.inf
        pace = used / allowed
        if pace <= self.calm:
            return self.base_ticks
        if pace >= 1.0:
            return math.inf
        rise = (pace - self.calm) / (1.0 - self.calm)
        return self.base_ticks + rise * (self.max_ticks - self.base_ticks)


def session_windows(text: str) -> list[tuple[int, int]]:
    """Parse "21:00-23:00,09:00-10:15,..." into (begin, end) ms on the session clock, in trading order.

    The session clock puts evening times before midnight of the trading day (21:00 → -3 h), so a night
    session and the next morning's day session are one increasing line. ValueError names the bad part.
    """
    windows: list[tuple[int, int]] = []
    for part in (p.strip() for p in text.split(",")):
        try:
            begin_text, end_text = part.split("-")
            begin, end = _session_ms(begin_text), _session_ms(end_text)
        except ValueError:
            raise ValueError(f"session window {part!r}: must be HH:MM-HH:MM") from None
        if end <= begin:  # 21:00-01:00 wraps past midnight: the end is on the next calendar day
            end += _DAY_MS
        if windows and begin < windows[-1][1]:
            raise ValueError(f"session window {part!r}: starts before the previous one ends")
        windows.append((begin, end))
    if not windows:
        raise ValueError("sessions: at least one HH:MM-HH:MM window")
    return windows


def _session_ms(text: str) -> int:
    hours, minutes = (int(x) for x in text.strip().split(":"))
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(text)
    ms = (hours * 60 + minutes) * 60_000
    return ms - _DAY_MS if hours >= 18 else ms


def session_clock(ms_of_day: int) -> int:
    """Return an exchange time (ms since midnight) on the session clock (evening → negative)."""
    return ms_of_day - _DAY_MS if ms_of_day >= 18 * 3_600_000 else ms_of_day


class SessionPoint(NamedTuple):
    """Where an exchange time falls in the trading day."""

    elapsed: float  # fraction of the day's trading time already over
    in_window: bool  # inside a continuous-trading window
    seconds_left: float  # to the end of the current window (inf outside every window)


def session_point(windows: list[tuple[int, int]], ms_of_day: int) -> SessionPoint:
    """Locate `ms_of_day` (exchange time, ms since midnight) in the day's trading `windows`."""
    now = session_clock(ms_of_day)
    total = sum(end - begin for begin, end in windows)
    done = 0
    for begin, end in windows:
        if now < end:
            if now >= begin:
                return SessionPoint((done + now - begin) / total, True, (end - now) / 1000.0)
            return SessionPoint(done / total, False, math.inf)
        done += end - begin
    return SessionPoint(1.0, False, math.inf)
