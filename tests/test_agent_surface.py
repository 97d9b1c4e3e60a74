"""The agent's typed surface: `stop()` only places stop orders and `halt()` stops the agent, `instrument()`
returns an `Instrument`, and callbacks receive the extension's own record types."""

from __future__ import annotations

import dataclasses
import datetime
import inspect
from types import SimpleNamespace

import pytest

import shandian as sd
from shandian import _core
from shandian.testing import run_local

SYM = "rb2505"


@pytest.mark.parametrize(("call", "shown"), [((), "stop()"), (("enough",), "stop('enough')")])
def test_agent_stop_when_called_without_side_raises_type_error_pointing_at_halt(call: tuple[str, ...],
                                                                                shown: str) -> None:
    with pytest.raises(TypeError) as e:
        sd.Agent("quitter").stop(*call)
    assert "call halt(reason)" in str(e.value) and shown in str(e.value)


def test_instrument_when_built_from_registry_entry_is_frozen_and_typed() -> None:
    entry = {"symbol": "rb2505", "exchange": "SHFE", "price_tick": 1, "volume_multiple": 10,
             "max_limit_order_volume": 500, "min_limit_order_volume": 1, "long_today": 3}
    instrument = sd.Instrument.from_registry_entry(entry)
    assert instrument == sd.Instrument("rb2505", "SHFE", 1.0, 10, 500, 1)
    assert type(instrument.price_tick) is float and type(instrument.volume_multiple) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        instrument.price_tick = 2.0  # type: ignore[misc]


def test_tick_exchange_time_when_read_is_computed_by_the_extension() -> None:
    prop = vars(_core.Tick)["exchange_time"]
    assert isinstance(prop, property)
    assert not inspect.isfunction(prop.fget)  # a C++ function, not a Python patch


class Halter(sd.Agent):
    """Tries the old `stop(reason)`, then halts itself on the first quoted tick."""

    def on_start(self) -> None:
        self.instrument_seen: sd.Instrument | None = None
        self.tick_types: set[type] = set()
        self.times: list[datetime.time] = []
        self.refusal: TypeError | None = None
        self.ticks_after_halt = 0
        self.halted = False

    def on_tick(self, tick: sd.Tick) -> None:
        if self.halted:
            self.ticks_after_halt += 1
            return
        self.tick_types.add(type(tick))
        self.times.append(tick.exchange_time)
        if tick.bid_price1 <= 0:
            return
        self.instrument_seen = self.instrument(tick.symbol)
        try:
            self.stop("done")
        except TypeError as e:
            self.refusal = e
        self.halted = True
        self.halt("seen enough")


class Watcher(sd.Agent):
    """Ends the run a few ticks after the halter halted."""

    def on_start(self) -> None:
        self.after = 0

    def on_tick(self, tick: sd.Tick) -> None:
        halter = self.peer
        if halter.halted:
            self.after += 1
            if self.after >= 5:
                self._engine.stop("watched")


@pytest.fixture(scope="module")
def halted() -> tuple[Halter, Watcher, sd.RunReport]:
    halter, watcher = Halter("halter"), Watcher("watcher")
    watcher.peer = halter
    report, _ = run_local([(halter, [SYM]), (watcher, [SYM])], duration=60)
    return halter, watcher, report


def test_agent_halt_when_called_stops_only_that_agent(halted) -> None:
    halter, watcher, report = halted
    assert report.stop_reason == "watched", report.format()
    status = {a.name: a.status for a in report.agents}
    assert status == {"halter": "stopped: seen enough", "watcher": "ok"}, status
    assert halter.ticks_after_halt == 0 and watcher.after >= 5
    assert halter.refusal is not None and "call halt(reason)" in str(halter.refusal)


def test_agent_instrument_when_asked_returns_instrument_value(halted) -> None:
    halter, _, _ = halted
    instrument = halter.instrument_seen
    assert isinstance(instrument, sd.Instrument)
    assert (instrument.symbol, instrument.exchange) == (SYM, "SHFE")
    assert instrument.price_tick > 0 and instrument.volume_multiple > 0
    assert instrument.max_limit_order_volume >= instrument.min_limit_order_volume >= 1


def test_agent_on_tick_when_called_receives_core_tick_with_time(halted) -> None:
    halter, _, _ = halted
    assert halter.tick_types == {_core.Tick}
    assert halter.times and all(type(t) is datetime.time for t in halter.times)


def test_order_when_built_from_update_maps_every_field_and_is_immutable() -> None:
    update = SimpleNamespace(id=7, symbol="rb2505", direction=_core.Direction.SELL,
                             offset=_core.Offset.CLOSE_TODAY, kind=_core.OrderKind.FAK, price=3500.0,
                             volume=3, traded=1, status=_core.OrderStatus.PART_FILLED,
                             reject_code=_core.RejectCode.NONE, reason="", ctp_error_id=0, order_ref=42,
                             recv_ns=11, update_ns=12)
    update.codes = (int(update.direction), int(update.offset), int(update.kind), int(update.status),
                    int(update.reject_code))  # what the binding's OrderUpdate.codes returns
    order = sd.Order.from_update(update)  # type: ignore[arg-type]
    assert order == sd.Order(id=7, symbol="rb2505", direction="sell", offset="close_today", kind="fak",
                             price=3500.0, volume=3, traded=1, status="part_filled", reject_code="NONE",
                             reject_reason="", ctp_error_id=0, order_ref=42, recv_ns=11, update_ns=12)
    assert order.is_active and not order.is_final
    with pytest.raises(AttributeError):
        order.status = "filled"  # type: ignore[misc]
    fresh = sd.Order.submitting(8, "rb2505", "buy", "open", "limit", 3499.0, 2)
    assert (fresh.status, fresh.traded, fresh.reject_code, fresh.volume) == ("submitting", 0, "NONE", 2)


def test_trade_when_built_from_update_maps_every_field_and_is_immutable() -> None:
    update = SimpleNamespace(order=7, symbol="rb2505", exchange="SHFE", trade_id="T1",
                             direction=_core.Direction.BUY, offset=_core.Offset.OPEN, price=3500.0, volume=2,
                             trade_time_ms=1_000, from_reconcile=False, recv_ns=13)
    update.codes = (int(update.direction), int(update.offset))
    trade = sd.Trade.from_update(update)  # type: ignore[arg-type]
    assert trade == sd.Trade(order_id=7, symbol="rb2505", exchange="SHFE", trade_id="T1", direction="buy",
                             offset="open", price=3500.0, volume=2, trade_time_ms=1_000, from_reconcile=False,
                             recv_ns=13)
    with pytest.raises(AttributeError):
        trade.volume = 3  # type: ignore[misc]
