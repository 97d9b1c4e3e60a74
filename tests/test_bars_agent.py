"""Bars built in C++ on the engine thread, through the local front: on_bar OHLCV against the ticks the agent
saw, the session break, the last bar closed on the clock, history() numpy views, and typed errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import shandian as sd
from shandian.config import parse_config
from shandian.testing import local_engine, run_local

DAY_MS = 86_400_000


def minute_of(ms: int) -> str:
    """'HH:MM' of an exchange wall time (ms since the epoch) or of a time of day (ms since midnight)."""
    m = ms % DAY_MS // 60_000
    return f"{m // 60:02d}:{m % 60:02d}"


class BarRecorder(sd.Agent):
    """Subscribes bars in code, records every tick and bar it is given; stops after `stop_after` bars."""

    params: ClassVar[dict[str, Any]] = {"interval": "1m", "stop_after": 6}

    def on_start(self) -> None:
        self.ticks: list[tuple[int, float, int]] = []
        self.bars: list[sd.Bar] = []
        self.subscribe_bars("rb2505", self.params["interval"])

    def on_tick(self, tick: sd.Tick) -> None:
        self.ticks.append((tick.exchange_time_ms, tick.last_price, tick.volume))

    def on_bar(self, bar: sd.Bar) -> None:
        self.bars.append(bar)
        if len(self.bars) >= self.params["stop_after"]:
            self._engine.stop("enough bars")


def test_bars_when_agent_subscribes_in_code_ohlcv_matches_the_ticks_it_saw() -> None:
    agent = BarRecorder("bars", {"stop_after": 6})
    report, _ = run_local([(agent, ["rb2505"])], duration=30, speed=600)
    assert report.stop_reason == "enough bars", report.format()
    assert [b.interval for b in agent.bars] == ["1m"] * 6
    starts = [b.start_ms for b in agent.bars]
    assert starts == sorted(starts) and len(set(starts)) == 6
    # Every bar but the first (whose volume base is the first tick seen) against the ticks inside it.
    for bar in agent.bars[1:]:
        begin, end = bar.start_ms % DAY_MS, bar.end_ms % DAY_MS
        assert end - begin == 60_000 and bar.symbol == "rb2505" and bar.trading_day == 20250102
        inside = [t for t in agent.ticks if begin <= t[0] < end]
        before = [t for t in agent.ticks if t[0] < begin]
        assert inside and before, minute_of(begin)
        prices = [p for _, p, _ in inside]
        assert (bar.open, bar.high, bar.low, bar.close) == (prices[0], max(prices), min(prices), prices[-1])
        assert bar.volume == inside[-1][2] - before[-1][2]
        assert bar.tick_count == len(inside)


def test_bars_when_30m_bars_cross_the_10_15_break_none_spans_it() -> None:
    class UntilHalfPastTen(BarRecorder):
        def on_bar(self, bar: sd.Bar) -> None:
            self.bars.append(bar)
            if minute_of(bar.start_ms) == "10:30":
                self._engine.stop("past the break")

    agent = UntilHalfPastTen("bars", {"interval": "30m"})
    # The day session from 09:00 at 1200x: 10:30-11:00 closes after ~6 s.
    report, _ = run_local([(agent, ["rb2505"])], duration=40, speed=1200)
    assert report.stop_reason == "past the break", report.format()
    spans = [(minute_of(b.start_ms), minute_of(b.end_ms)) for b in agent.bars]
    assert spans[-2:] == [("10:00", "10:15"), ("10:30", "11:00")], spans
    assert not any(minute_of(t[0]) >= "10:15" and minute_of(t[0]) < "10:30" for t in agent.ticks)


def test_bars_when_feed_stops_the_last_bar_closes_on_the_exchange_clock() -> None:
    class UntilQuarterPast(BarRecorder):
        def on_bar(self, bar: sd.Bar) -> None:
            self.bars.append(bar)
            if minute_of(bar.start_ms) == "09:14":
                self._engine.stop("09:14 bar")

    agent = UntilQuarterPast("bars")
    # 1799 snapshots end at 09:14:59.x: no tick ever passes 09:15, the clock must close the 09:14 bar.
    report, _ = run_local([(agent, ["rb2505"])], duration=30, speed=150, max_ticks=1799)
    assert report.stop_reason == "09:14 bar", report.format()
    assert agent.ticks and minute_of(agent.ticks[-1][0]) == "09:14"
    assert agent.bars[-1].close == agent.ticks[-1][1]


class HistoryReader(sd.Agent):
    """Checks history() at every bar: views of one buffer, equal to the bars delivered so far."""

    def on_start(self) -> None:
        self.bars: list[sd.Bar] = []
        self.checked: list[dict[str, Any]] = []
        self.views: list[tuple[int, float, np.ndarray]] = []
        self.subscribe_bars("rb2505", "1m")

    def on_bar(self, bar: sd.Bar) -> None:
        self.bars.append(bar)
        h1 = self.history("rb2505", "1m", 10)
        h2 = self.history("rb2505", "1m", 10)
        newest = self.history("rb2505", "1m", 1)
        self.views.append((len(self.bars), bar.close, newest.close))
        self.checked.append({
            "n": len(h1.close),
            "closes": h1.close.tolist(),
            "times": h1.time.tolist(),
            "volumes": h1.volume.tolist(),
            "shared": np.shares_memory(h1.close, h2.close) and np.shares_memory(h1.time, h2.time),
            "owns": h1.close.flags.owndata,
            "writeable": h1.close.flags.writeable,
            # the views that are still within capacity - n bars of their taking keep their value
            "kept": [float(v[0]) for k, _, v in self.views if len(self.bars) - k <= 2],
            "expected_kept": [c for k, c, _ in self.views if len(self.bars) - k <= 2],
        })
        if len(self.bars) >= 7:
            self._engine.stop("enough bars")


def test_bars_when_history_is_read_it_views_the_ring_and_is_right_after_wrap() -> None:
    agent = HistoryReader("hist")
    settings = sd.EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0, bar_history=3)
    report, _ = run_local([(agent, ["rb2505"])], duration=30, settings=settings, speed=600)
    assert report.stop_reason == "enough bars", report.format()
    for k, c in enumerate(agent.checked, start=1):
        kept = min(k, 3)  # the ring keeps 3 bars: it wrapped from the 4th bar on
        assert c["n"] == kept
        assert c["closes"] == [b.close for b in agent.bars[k - kept:k]]
        assert c["times"] == [b.start_ms for b in agent.bars[k - kept:k]]
        assert c["volumes"] == [b.volume for b in agent.bars[k - kept:k]]
        assert c["shared"] and not c["owns"] and not c["writeable"]
        assert c["kept"] == c["expected_kept"]


def test_bars_when_config_asks_bars_they_are_built_and_history_refuses_others() -> None:
    seen: dict[str, list[str]] = {"1m": [], "5m": []}
    errors: list[Exception] = []

    class FromConfig(sd.Agent):
        def on_bar(self, bar: sd.Bar) -> None:
            seen[bar.interval].append(minute_of(bar.start_ms))
            if len(seen["5m"]) >= 2:
                try:
                    self.history("rb2505", "15m", 5)
                except sd.BarSubscriptionError as e:
                    errors.append(e)
                self._engine.stop("two 5m bars")

    engine = local_engine([], speed=600)
    engine.add_agent(FromConfig("cfg"), [], bars={"rb2505": ["1m", "5m"]})
    report = engine.run(duration=30)
    assert report.stop_reason == "two 5m bars", report.format()
    assert len(seen["1m"]) >= 5
    assert all(m[-1] in "05" for m in seen["5m"])
    assert errors and errors[0].field == "interval" and errors[0].value == "15m"


def test_bars_when_subscription_is_bad_the_error_names_field_and_value() -> None:
    caught: list[Exception] = []

    class Bad(sd.Agent):
        def on_start(self) -> None:
            for symbol, interval in (("rb2505", "7x"), ("rb2505", "0m"), ("rb2505", 5), ("xq2505", "1m"),
                                     ("rb1901", "1m")):
                try:
                    self.subscribe_bars(symbol, interval)  # type: ignore[arg-type]
                except (sd.BarSubscriptionError, sd.OrderRejected) as e:
                    caught.append(e)
            self._engine.stop("checked")

    report, _ = run_local([(Bad("bad"), [])], duration=20)
    assert report.stop_reason == "checked", report.format()
    fields = [(getattr(e, "field", None), getattr(e, "value", None)) for e in caught[:4]]
    assert fields == [("interval", "7x"), ("interval", "0m"), ("interval", 5), ("symbol", "xq2505")]
    assert "unit must be" in str(caught[0])
    assert isinstance(caught[4], sd.OrderRejected) and caught[4].code == "UNKNOWN_INSTRUMENT"


@pytest.mark.parametrize(("bars", "key", "text"), [
    ('{ rb2505 = ["1m", "7x"] }', "agents[0].bars.rb2505", "'7x'"),
    ('{ xq2505 = ["1m"] }', "agents[0].bars.xq2505", "'xq2505'"),
    ('{ rb2505 = [] }', "agents[0].bars.rb2505", "non-empty"),
    ('["1m"]', "agents[0].bars", "table"),
    ('{ ag2506 = ["1m"] }', "agents[0].bars.ag2506", "not an instrument of the local front"),
])
def test_bars_when_config_bars_are_bad_config_error_names_key(bars: str, key: str, text: str) -> None:
    import tomllib

    doc = tomllib.loads(f"""
[account]
preset = "local"
[front]
instruments = ["rb"]
[[agents]]
name = "a"
class = "agents/breakout.py:Breakout"
bars = {bars}
""")
    with pytest.raises(sd.ConfigError) as info:
        parse_config(doc, base_dir=Path(__file__).resolve().parents[1])
    assert info.value.key == key and text in str(info.value)


def test_bars_when_config_bars_are_good_they_are_canonical() -> None:
    import tomllib

    doc = tomllib.loads("""
[account]
preset = "local"
[front]
instruments = ["rb"]
[[agents]]
name = "a"
class = "agents/breakout.py:Breakout"
bars = { rb2505 = ["1m", "60m", "1h", "5m"] }
""")
    config = parse_config(doc, base_dir=Path(__file__).resolve().parents[1])
    assert config.agents[0].bars == {"rb2505": ["1m", "1h", "5m"]}


def test_bars_when_night_session_runs_its_bars_belong_to_the_next_trading_day() -> None:
    agent = BarRecorder("bars", {"interval": "5m", "stop_after": 3})
    report, _ = run_local([(agent, [])], duration=30, speed=600, session="night")
    assert report.stop_reason == "enough bars", report.format()
    for bar in agent.bars:
        assert bar.trading_day == 20250102
        assert bar.start_ms // DAY_MS == 20089  # 2025-01-01 evening: the previous weekday's night
        assert "21:00" <= minute_of(bar.start_ms) < "23:00"
        assert bar.start_ms % 300_000 == 0 and bar.end_ms - bar.start_ms == 300_000
