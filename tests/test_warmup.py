"""Warm-up: Agent.load_history seeds the engine's bar history from a tick file and gives on_bar the past bars
first; live bars from the local front replaying the same file continue them with no gap or duplicate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

import pytest

import shandian as sd
from shandian import history
from shandian.bench.ticks import INSTRUMENTS, TRADING_DAY, make_stream, write_csv
from shandian.errors import (
    HistoryFileNotFoundError,
    HistoryFormatError,
    HistoryIntervalError,
    UnknownSymbolError,
)
from shandian.testing import run_local

DAY0 = history.to_exchange_ms(dt.datetime.strptime(TRADING_DAY, "%Y%m%d"))  # midnight, exchange ms
MINUTE = 60_000


def rb_csv(path: Path) -> Path:
    """rb2505 ticks every 500 ms from 09:02:00 to 09:07:59.5 of the local front's trading day, seeded."""
    stream = make_stream(13, len(INSTRUMENTS) * 720, delta_ms=500, per_step=len(INSTRUMENTS))
    return write_csv([t for t in stream if t.instrument == "rb2505"], path)


class WarmedUp(sd.Agent):
    """Loads the ticks up to `history_end` as 1m bars, then records past and live bars until `stop_at`."""

    params: ClassVar[dict[str, Any]] = {"source": "", "history_end": 0, "stop_at": 0}

    def on_start(self) -> None:
        self.bars: list[sd.Bar] = []
        self.loading = True
        self.given = self.load_history("rb2505", "1m", bars=100, source=self.params["source"])
        self.past = len(self.bars)
        self.loading = False
        self.ring_after_load = list(self.history("rb2505", "1m", 100).time)

    def on_bar(self, bar: sd.Bar) -> None:
        self.bars.append(bar)
        if not self.loading and bar.start_ms >= self.params["stop_at"]:
            self.history_after_stop = list(self.history("rb2505", "1m", 100).time)
            self._engine.stop("seen the live bars")


def test_load_history_when_live_replays_the_same_csv_bars_continue_at_the_seam(tmp_path: Path) -> None:
    full = rb_csv(tmp_path / "day.csv")
    # The history file: the same ticks up to 09:04:30 (so the 09:04 bar is still open there).
    ticks = history.read_csv_ticks(full, "rb2505")
    cut = DAY0 + (9 * 60 + 4) * MINUTE + 30_000
    lines = full.read_text().splitlines()
    past = tmp_path / "past.csv"
    past.write_text("\n".join(lines[: 1 + int((ticks.time_ms <= cut).sum())]) + "\n")
    assert history.read_csv_ticks(past, "rb2505").time_ms[-1] <= cut

    agent = WarmedUp("warm", {"source": str(past), "stop_at": DAY0 + (9 * 60 + 6) * MINUTE})
    report, _ = run_local([(agent, ["rb2505"])], duration=40, speed=120, source=f"csv:{full}")
    assert report.stop_reason == "seen the live bars", report.format()

    starts = [b.start_ms - DAY0 for b in agent.bars]
    assert agent.given == agent.past == 2, starts  # 09:02 and 09:03; the open 09:04 is left to live
    assert agent.ring_after_load == [b.start_ms for b in agent.bars[:2]]
    assert starts[:4] == [m * MINUTE for m in (9 * 60 + 2, 9 * 60 + 3, 9 * 60 + 4, 9 * 60 + 5)], starts
    for prev, bar in zip(agent.bars, agent.bars[1:], strict=False):
        assert bar.start_ms == prev.end_ms, (prev.start_ms - DAY0, bar.start_ms - DAY0)
    assert len(set(starts)) == len(starts)
    # The past bars are the C++ builder's bars of the file; the first live bar is whole (the live builder
    # saw its every tick), so it equals the bar built from the full file.
    whole = history.bars_from_ticks(ticks, "rb2505", "1m")
    for bar, i in zip(agent.bars[:3], range(3), strict=True):
        assert (bar.start_ms, bar.open, bar.high, bar.low, bar.close) == (
            whole.start_ms[i], whole.open[i], whole.high[i], whole.low[i], whole.close[i])
    assert agent.bars[2].volume == whole.volume[2]
    # history() holds past then live bars, in order, no duplicate.
    assert list(agent.history_after_stop) == [b.start_ms for b in agent.bars][-len(agent.history_after_stop):]


class BadSource(sd.Agent):
    params: ClassVar[dict[str, Any]] = {"source": "", "interval": "1m", "symbol": "rb2505"}

    def on_start(self) -> None:
        try:
            p = self.params
            self.load_history(p["symbol"], p["interval"], bars=5, source=p["source"])
        except Exception as exc:
            self.error: BaseException = exc
        self._engine.stop("loaded")


@pytest.mark.parametrize(("name", "params", "expected"), [
    ("missing", {"source": "nowhere.csv"}, HistoryFileNotFoundError),
    ("suffix", {"source": "day.journal"}, HistoryFormatError),
    ("symbol", {"symbol": "cu2502"}, UnknownSymbolError),
    ("interval", {"interval": "7x"}, sd.errors.BarSubscriptionError),
])
def test_load_history_when_source_is_bad_raises_typed_error(
        tmp_path: Path, name: str, params: dict[str, Any], expected: type[BaseException]) -> None:
    full = rb_csv(tmp_path / "day.csv")
    source = str(tmp_path / params.get("source", "day.csv"))
    if name == "suffix":
        Path(source).write_text("x\n")
    agent = BadSource("bad", {**params, "source": source})
    report, _ = run_local([(agent, ["rb2505"])], duration=20, speed=120, source=f"csv:{full}")
    assert report.stop_reason == "loaded", report.format()
    assert isinstance(agent.error, expected), repr(agent.error)


def test_load_bars_when_bars_limits_keeps_the_newest(tmp_path: Path) -> None:
    full = rb_csv(tmp_path / "day.csv")
    every = history.load_bars(full, "rb2505", "1m")
    assert len(every) == 5  # 09:02..09:06; 09:07 is open at the last tick
    two = history.load_bars(full, "rb2505", "1m", bars=2)
    assert list(two.start_ms) == list(every.start_ms[-2:])
    with pytest.raises(HistoryIntervalError):
        history.load_bars(full, "rb2505", "7x")
