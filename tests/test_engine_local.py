"""Python integration through the local front (never a mock): login → subscription → order → fill → cancel,
every reject path surfaced to the agent with code + reason, timers, and disconnect → reconnect → reconcile.

Each test runs one engine on a fresh local front instance; every run is bounded by its duration and the
scripted agents stop the engine as soon as their scenario completes.
"""

from __future__ import annotations

import os
import time

import pytest

import shandian as sd
from shandian.config import ConfigError, EngineSettings
from shandian.testing import other_threads, run_local

SYM = "rb2505"


class Script(sd.Agent):
    """Walks through order → fill → rest → cancel → rejects → close, one step per tick."""

    def on_start(self) -> None:
        self.step = 0
        self.ids: dict[str, int] = {}
        self.updates: dict[int, list[sd.Order]] = {}
        self.trades: list[sd.Trade] = []
        self.sync: dict[str, Exception] = {}
        self.cancel_results: dict[str, bool] = {}
        self.ticks = 0
        self.timer_calls = 0
        self.sessions: list[str] = []
        self.started_ready = self._engine is not None and self._engine._rt.trading_ready
        self.add_timer(0.2)

    def last(self, name: str) -> sd.Order | None:
        states = self.updates.get(self.ids.get(name, -1))
        return states[-1] if states else None

    def final(self, name: str) -> bool:
        o = self.last(name)
        return o is not None and o.is_final

    def on_tick(self, t: sd.Tick) -> None:
        self.ticks += 1
        assert t.symbol == SYM
        if self.ticks == 1:
            self.first = (
                t.exchange_time,
                t.exchange_time_ms,
                len(t.bid_prices),
                len(t.ask_volumes),
                t.volume,
            )
        if t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        step = self.instrument(SYM).price_tick
        if self.step == 0:
            self.ids["fill"] = self.buy(SYM, min(t.ask_price1 + 5 * step, t.upper_limit_price), 2)
            self.step = 1
        elif self.step == 1 and self.final("fill") and self.position(SYM).long == 2:
            self.ids["rest"] = self.buy(SYM, max(t.lower_limit_price, t.bid_price1 - 50 * step), 1)
            self.step = 2
        elif self.step == 2 and self.last("rest") is not None and self.last("rest").status == "queued":
            self.cancel_results["rest"] = self.cancel(self.ids["rest"])
            self.step = 3
        elif self.step == 3 and self.final("rest"):
            self.cancel_results["again"] = self.cancel(self.ids["rest"])
            self.cancel_results["unknown"] = self.cancel(987654321)
            attempts = {
                "volume": lambda: self.buy(SYM, t.bid_price1, 0),
                "tick": lambda: self.buy(SYM, t.bid_price1 + 0.5 * step, 1),
                "limits": lambda: self.buy(SYM, t.upper_limit_price + 10 * step, 1),
                "unknown": lambda: self.buy("zz2599", 100.0, 1),
                "position": lambda: self.sell(SYM, t.bid_price1, 10),
                "kind": lambda: self.buy(SYM, t.bid_price1, 1, kind="iceberg"),
                "price_type": lambda: self.buy(SYM, "3500", 1),
                "volume_type": lambda: self.sell(SYM, t.bid_price1, 1.5),
                "explicit_close": lambda: self.sell("m2505", 3000.0, 5, offset="close"),
            }
            for name, attempt in attempts.items():
                try:
                    attempt()
                except (sd.OrderRejected, ValueError, TypeError) as e:
                    self.sync[name] = e
            # Refused by the counter / exchange, after sending: arrive through on_order.
            self.ids["ctp163"] = self.buy("m2505", 1.0, 1)
            self.step = 4
        elif self.step == 4 and self.final("ctp163"):
            self.ids["close"] = self.sell(
                SYM, max(t.bid_price1 - 5 * step, t.lower_limit_price), 2, kind="fak"
            )
            self.step = 5
        elif self.step == 5 and self.final("close") and self.position(SYM).long == 0:
            self.step = 6
            self._engine.stop("script done")

    def on_order(self, order: sd.Order) -> None:
        self.updates.setdefault(order.id, []).append(order)
        if order.id == self.ids.get("fill") and order.status == "filled":
            # Whether or not the trades came first, the expected position already counts the fill.
            self.expected_at_fill = self.position(SYM).expected_net

    def on_trade(self, trade: sd.Trade) -> None:
        self.trades.append(trade)

    def on_timer(self, now_ns: int) -> None:
        self.timer_calls += 1

    def on_session(self, event: sd.SessionEvent) -> None:
        self.sessions.append(event.kind)


@pytest.fixture(scope="module")
def scripted() -> tuple[Script, sd.RunReport]:
    agent = Script("script")
    report, _ = run_local([(agent, [SYM])], duration=60, instruments=["rb", "m"])
    return agent, report


def test_engine_local_when_logged_in_starts_agent_with_trading_ready(scripted) -> None:
    agent, report = scripted
    assert agent.started_ready
    assert report.session["logins"] >= 1
    assert report.stop_reason == "script done", report.format()
    assert "local front" in report.library_versions[0]
    assert agent.account.balance == 0.0 or agent.account.balance > 0  # view available after the run


def test_engine_local_when_subscribed_receives_only_its_symbol_with_latency(scripted) -> None:
    agent, report = scripted
    when, ms, bids, asks, volume = agent.first
    assert when.hour * 3_600_000 + when.minute * 60_000 + when.second * 1000 + when.microsecond // 1000 == ms
    assert bids == asks == 5 and volume >= 0
    assert agent.ticks > 5
    assert report.latency.count >= agent.ticks
    assert report.latency.percentile(50) is not None and report.latency.percentile(50) > 0


def test_engine_local_when_marketable_order_fills_position_and_trades_agree(scripted) -> None:
    agent, report = scripted
    fill = agent.updates[agent.ids["fill"]]
    assert fill[0].status == "submitting" and fill[-1].status == "filled" and fill[-1].traded == 2
    own = [t for t in agent.trades if t.order_id == agent.ids["fill"]]
    assert sum(t.volume for t in own) == 2 and all(t.direction == "buy" and t.offset == "open" for t in own)
    assert agent.expected_at_fill == 2
    pos = agent.position(SYM)
    assert pos.unbooked_buy == pos.unbooked_sell == 0 and pos.expected_net == pos.net == 0
    close = agent.updates[agent.ids["close"]][-1]
    assert close.offset == "close_today"  # SHFE: resolved by the engine from the agent's today position
    assert agent.position(SYM).long == 0
    row = report.agents[0]
    assert row.fills == len(agent.trades) and row.filled_lots == 4
    assert row.positions[0].symbol == SYM and row.positions[0].long == 0


def test_engine_local_when_resting_order_cancelled_ends_cancelled(scripted) -> None:
    agent, report = scripted
    rest = agent.updates[agent.ids["rest"]]
    assert [o.status for o in rest][-1] == "cancelled"
    assert "queued" in [o.status for o in rest]
    assert agent.cancel_results == {"rest": True, "again": False, "unknown": False}
    assert report.agents[0].cancels >= 1
    assert not agent.working_orders


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("volume", "INVALID_VOLUME"),
        ("tick", "PRICE_NOT_ON_TICK"),
        ("limits", "PRICE_OUTSIDE_LIMITS"),
        ("unknown", "UNKNOWN_INSTRUMENT"),
        ("position", "INSUFFICIENT_POSITION"),
        ("explicit_close", "INSUFFICIENT_POSITION"),  # an explicit offset closes only the agent's own lots
    ],
)
def test_engine_local_when_engine_refuses_raises_typed_rejection(scripted, name: str, code: str) -> None:
    agent, report = scripted
    e = agent.sync[name]
    assert isinstance(e, sd.OrderRejected)
    assert e.code == code and e.reason
    assert report.agents[0].rejects.get(code, 0) >= 1


def test_engine_local_when_kind_is_not_an_order_kind_raises_value_error(scripted) -> None:
    agent, _ = scripted
    assert isinstance(agent.sync["kind"], ValueError) and "iceberg" in str(agent.sync["kind"])


@pytest.mark.parametrize("name", ["price_type", "volume_type"])
def test_engine_local_when_price_or_volume_has_the_wrong_type_raises_type_error_naming_them(scripted,
                                                                                          name: str) -> None:
    """A str price (buy: the open fast path) or a float volume (sell: the offset path) is a TypeError."""
    agent, _ = scripted
    e = agent.sync[name]
    assert isinstance(e, TypeError), e
    assert "price '3500'" in str(e) if name == "price_type" else "volume 1.5" in str(e)


def test_engine_local_when_counter_rejects_agent_sees_code_and_reason(scripted) -> None:
    agent, report = scripted
    r163 = agent.last("ctp163")
    assert r163.status == "rejected"
    assert r163.reject_code in ("CTP_REJECTED", "EXCHANGE_REJECTED") and r163.reject_reason
    keys = " | ".join(report.agents[0].rejects)
    assert r163.reject_code in keys


def test_engine_local_when_timer_added_fires_periodically(scripted) -> None:
    agent, _ = scripted
    assert agent.timer_calls >= 1
    assert "trader_ready" not in agent.sessions or agent.sessions.count("trader_ready") >= 1


# ---- disconnect → reconnect → reconcile ------------------------------------------------------------------
class Flipper(sd.Agent):
    """Trades FAK in and out until the connection drops, then once more after it is back."""

    def on_start(self) -> None:
        self.pushed_at_start = self._engine._rt.session_stats()["trader_pushed"]
        self.disconnects: list[sd.SessionEvent] = []
        self.ready = 1
        self.pending: int | None = None
        self.trades: list[sd.Trade] = []
        self.after_reconnect: list[sd.Trade] = []
        self.refused: list[str] = []

    def on_tick(self, t: sd.Tick) -> None:
        if self.pending is not None or t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        if self.disconnects and self.ready < 2:
            return  # down: nothing is acknowledged until ready again
        pos = self.position(t.symbol)
        try:
            if pos.long >= 2:
                self.pending = self.sell(
                    t.symbol, max(t.bid_price1 - 5, t.lower_limit_price), pos.long, kind="fak"
                )
            else:
                self.pending = self.buy(t.symbol, min(t.ask_price1 + 5, t.upper_limit_price), 1, kind="fak")
        except sd.OrderRejected as e:
            self.refused.append(e.code)

    def on_order(self, order: sd.Order) -> None:
        if order.id == self.pending and order.is_final:
            self.pending = None

    def on_trade(self, trade: sd.Trade) -> None:
        self.trades.append(trade)
        if self.disconnects and self.ready >= 2:
            self.after_reconnect.append(trade)
            if len(self.after_reconnect) >= 2:
                self._engine.stop("reconnected and traded")

    def on_disconnect(self, event: sd.SessionEvent) -> None:
        self.disconnects.append(event)

    def on_session(self, event: sd.SessionEvent) -> None:
        if event.kind == "trader_ready":
            self.ready += 1
            if self.pending is not None and self.pending not in self.working_orders:
                self.pending = None


def test_engine_local_when_front_disconnects_agent_is_told_and_trading_resumes_reconciled() -> None:
    probe = Flipper("probe")
    run_local([(probe, [SYM])], duration=3, seed=11)
    startup = probe.pushed_at_start
    assert startup > 0
    agent = Flipper("flipper")
    report, _engine = run_local(
        [(agent, [SYM])], duration=60, seed=11, reconnect_ms=300, disconnect_after=startup + 25
    )
    assert agent.disconnects and agent.disconnects[0].kind == "trader_disconnected"
    assert agent.ready >= 2, report.format()
    assert report.session["trader_disconnects"] >= 1 and report.session["logins"] >= 2
    assert len(agent.after_reconnect) >= 2, report.format()
    # Every trade exactly once, and the agent's position equals the counter's queried position.
    keys = [(t.exchange, t.trade_id, t.direction) for t in agent.trades]
    assert len(keys) == len(set(keys))
    pos = agent.position(SYM)
    net_from_trades = sum(t.volume if t.direction == "buy" else -t.volume for t in agent.trades)
    assert pos.net == net_from_trades
    assert report.stop_reason == "reconnected and traded"


# ---- engine.cpu: the engine thread alone on one CPU, every session thread on the others ------------------
HAS_AFFINITY = hasattr(os, "sched_setaffinity")


class AffinityProbe(sd.Agent):
    """Records the CPUs of the engine thread (in on_start) and of every other thread of the process."""

    def on_start(self) -> None:
        self.engine_cpus = os.sched_getaffinity(0)
        self.other_cpus = {tid: os.sched_getaffinity(tid) for tid in other_threads()}
        assert self._engine is not None
        self._engine.stop("probed")


@pytest.mark.skipif(not HAS_AFFINITY or len(os.sched_getaffinity(0)) < 2, reason="needs affinity, 2 CPUs")
def test_engine_local_when_cpu_set_runs_engine_alone_on_it_and_restores_affinity() -> None:
    """engine.cpu: the engine thread on that CPU only, threads the run started never on it; undone after."""
    before = os.sched_getaffinity(0)
    cpu = max(before)
    earlier = set(other_threads())  # threads of earlier tests in this process are not the run's
    probe = AffinityProbe("probe")
    settings = EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0, cpu=cpu)
    report, _ = run_local([(probe, [SYM])], duration=30, settings=settings)
    assert probe.engine_cpus == {cpu}, report.format()
    started = {tid: cpus for tid, cpus in probe.other_cpus.items() if tid not in earlier}
    assert started, "the session threads were not found"
    for tid, cpus in started.items():
        assert cpu not in cpus, f"thread {tid} may run on the engine's CPU {cpu}: {sorted(cpus)}"
    assert os.sched_getaffinity(0) == before


@pytest.mark.skipif(not HAS_AFFINITY, reason="needs CPU affinity")
def test_engine_local_when_cpu_is_not_available_raises_config_error_naming_it() -> None:
    """A CPU outside the process's set is refused before anything starts (field, value, the allowed set)."""
    missing = max(os.sched_getaffinity(0)) + 1
    settings = EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0, cpu=missing)
    with pytest.raises(ConfigError, match=rf"engine\.cpu.*{missing} is not one of"):
        run_local([(AffinityProbe("probe"), [SYM])], duration=10, settings=settings)


def _thread_cpu_ns() -> dict[int, int]:
    """User + system CPU time (ns) of every thread of this process but the calling (engine) one."""
    tick_ns = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in other_threads():
        with open(f"/proc/{os.getpid()}/task/{tid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out[tid] = (int(fields[11]) + int(fields[12])) * tick_ns
    return out


class CpuProbe(sd.Agent):
    """Samples every session thread's CPU time over ~3 s of ticks, then stops the run."""

    def on_start(self) -> None:
        self.t0 = time.monotonic_ns()
        self.cpu0 = _thread_cpu_ns()
        self.busiest = None

    def on_tick(self, tick: sd.Tick) -> None:
        elapsed = time.monotonic_ns() - self.t0
        if self.busiest is None and elapsed >= 3_000_000_000:
            cpu1 = _thread_cpu_ns()
            used = {t: cpu1[t] - self.cpu0.get(t, 0) for t in cpu1}
            self.busiest = max(used.values()) / elapsed
            assert self._engine is not None
            self._engine.stop("sampled")


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc")
def test_local_front_when_ticks_are_sparse_callback_threads_sleep_between_them() -> None:
    """With ~1 ms between ticks, no front thread polls through the gaps (a CPU lent to the engine).

    The block wait used to poll 20,000 pauses (~0.8 ms on AMD Zen): the md callback thread then ran ~80 %
    of the time. Its poll is now 50 µs by the clock, so every session thread stays far below half a CPU.
    """
    probe = CpuProbe("cpu")
    report, _ = run_local([(probe, [SYM])], duration=30, speed=500)
    assert probe.busiest is not None, report.format()
    assert probe.busiest < 0.5, f"a session thread used {probe.busiest:.0%} of a CPU between sparse ticks"
