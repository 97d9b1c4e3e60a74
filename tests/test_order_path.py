"""The order path through the local front (never a mock): explicit close offsets take only the agent's own
lots, prices are sent on the tick grid, typed errors for mistyped order arguments, monopoly refusals name
the owner, agent symbols checked at load and at login, and a restart reports ledgers that disagree with the
counter."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import shandian as sd
from shandian.config import ConfigError, EngineSettings, JournalSettings, parse_config
from shandian.engine import Engine
from shandian.testing import local_engine, run_local

SYM = "rb2505"


class Holder(sd.Agent):
    """Buys lots at once (FAK through the ask), then lets its peer try to close them, then closes them."""

    peer: Intruder | None = None

    def on_start(self) -> None:
        self.sent = False
        self.bought = False
        self.closing = False
        self.prices: list[float] = []
        self.errors: dict[str, Exception] = {}

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0:
            return
        if self.closing and self.position(SYM).long == 0 and not self.working_orders:
            self._engine.stop("holder done")
            return
        if not self.sent or (self.bought and self.position(SYM).long == 0 and not self.closing):
            self.sent, self.bought = True, False  # (again if the FAK found nothing)
            self.fak = self.buy(SYM, min(t.ask_price1 + 5, t.upper_limit_price), 3, kind="fak")
        if not hasattr(self, "passive"):
            # A passive order with a residue inside the grid tolerance: published (and sent) on the grid.
            self.passive = self.buy(SYM, t.bid_price1 - 60 + 1e-9, 1)
            for name, attempt in {
                "volume_bool": lambda: self.buy(SYM, t.bid_price1, True),
                "price_bool": lambda: self.sell(SYM, False, 1),
                "symbol_none": lambda: self.buy(None, t.bid_price1, 1),  # type: ignore[arg-type]
                "symbol_list": lambda: self.buy([SYM], t.bid_price1, 1),  # type: ignore[arg-type]
                "stop_volume_bool": lambda: self.stop(SYM, "sell", True, trigger=t.bid_price1 - 50),
            }.items():
                try:
                    attempt()
                except Exception as e:  # the test inspects the exact type
                    self.errors[name] = e
            return
        peer = self.peer
        assert peer is not None
        held = self.position(SYM).long
        if not self.bought or held == 0:
            return
        if not peer.tried:
            self.held_before = held
            peer.try_closes(t)
        elif not self.closing:
            self.closing = True
            self.held_after = getattr(self, "held_after", held)
            self.sell(SYM, max(t.bid_price1 - 5, t.lower_limit_price), held, kind="fak", offset="close_today")
        elif not self.working_orders:
            self.closing = False  # (again if the FAK found nothing)

    def on_order(self, order: sd.Order) -> None:
        if order.id == getattr(self, "passive", None):
            self.prices.append(order.price)
            if order.status == "queued":
                self.cancel(order.id)  # only its price matters; it must not meet the closes below
        if order.id == getattr(self, "fak", None) and order.is_final:
            self.bought = True


class Intruder(sd.Agent):
    """Holds nothing; tries every explicit close offset on the holder's instrument."""

    def on_start(self) -> None:
        self.tried = False
        self.refusals: dict[str, sd.OrderRejected] = {}
        self.sent: list[int] = []

    def try_closes(self, t: sd.Tick) -> None:
        self.tried = True
        for offset in ("close_today", "close", "close_yesterday", "auto"):
            price = min(t.ask_price1 + 20, t.upper_limit_price)  # could only rest: never meets the holder
            try:
                self.sent.append(self.sell(SYM, price, 1, offset=offset))
            except sd.OrderRejected as e:
                self.refusals[offset] = e


@pytest.fixture(scope="module")
def isolation() -> tuple[Holder, Intruder, sd.RunReport]:
    holder, intruder = Holder("alpha"), Intruder("beta")
    holder.peer = intruder
    report, _ = run_local([(holder, [SYM]), (intruder, [SYM])], duration=60)
    return holder, intruder, report


def test_order_path_when_agent_closes_lots_it_does_not_hold_explicitly_is_refused(isolation) -> None:
    holder, intruder, report = isolation
    assert report.stop_reason == "holder done", report.format()
    assert intruder.sent == []  # nothing reached the counter
    assert set(intruder.refusals) == {"close_today", "close", "close_yesterday", "auto"}
    for offset, e in intruder.refusals.items():
        assert e.code == "INSUFFICIENT_POSITION", (offset, e)
    assert "agent beta" in intruder.refusals["close_today"].reason
    # The holder's lots were untouched by the intruder and all its own to close: the account is flat.
    assert holder.held_after == holder.held_before > 0
    assert holder.position(SYM).long == 0 and intruder.position(SYM).long == 0
    rows = {a.name: a for a in report.agents}
    assert rows["beta"].fills == 0


def test_order_path_when_price_within_grid_tolerance_order_carries_the_grid_price(isolation) -> None:
    holder, _, _ = isolation
    assert holder.prices, "no update of the passive order"
    assert all(p == round(p) for p in holder.prices), holder.prices  # rb: tick 1, exactly on the grid


@pytest.mark.parametrize(("name", "text"), [
    ("volume_bool", "volume True is a bool"),
    ("price_bool", "price False is a bool"),
    ("symbol_none", "symbol None must be a str"),
    ("symbol_list", "symbol ['rb2505'] must be a str"),
    ("stop_volume_bool", "volume True is a bool"),
])
def test_order_path_when_argument_has_wrong_type_raises_type_error_naming_it(isolation, name: str,
                                                                             text: str) -> None:
    holder, _, _ = isolation
    e = holder.errors[name]
    assert type(e) is TypeError, e
    assert text in str(e), e
    assert "incompatible function arguments" not in str(e)


class Trespasser(sd.Agent):
    """Tries to trade an instrument another agent owns, then stops the engine."""

    def on_start(self) -> None:
        self.refusal: sd.OrderRejected | None = None

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0:
            return
        try:
            self.buy(SYM, t.bid_price1 - 30, 1)
        except sd.OrderRejected as e:
            self.refusal = e
        self._engine.stop("tried")


def test_order_path_when_instrument_owned_refusal_names_the_owning_agent() -> None:
    trespasser = Trespasser("visitor")
    engine = local_engine([(trespasser, [SYM])])
    engine.add_agent(sd.Agent("owner-desk"), [], monopoly=[SYM])
    report = engine.run(duration=30)
    assert report.stop_reason == "tried", report.format()
    assert trespasser.refusal is not None and trespasser.refusal.code == "INSTRUMENT_OWNED"
    assert "agent owner-desk" in trespasser.refusal.reason, trespasser.refusal.reason


# ---- agent symbols --------------------------------------------------------------------------------------
def _local_toml(symbols: list[str], first: str = "rb2505", **front: Any) -> dict[str, Any]:
    return {"account": {"preset": "local"}, "front": {"instruments": ["rb", "m"], **front},
            "agents": [{"name": "a", "class": "shandian.agent:Agent", "symbols": [first]},
                       {"name": "b", "class": "shandian.agent:Agent", "symbols": symbols}]}


def test_order_path_when_agent_symbol_not_listed_by_local_front_config_error_at_load() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config(_local_toml(["m2505", "cu2502"]))  # cu is bundled but not in front.instruments
    assert e.value.key == "agents[1].symbols"
    assert "'cu2502'" in str(e.value) and "rb2505" in str(e.value)
    with pytest.raises(ConfigError) as e:
        parse_config(_local_toml(["zz2599"]))
    assert e.value.key == "agents[1].symbols" and "'zz2599'" in str(e.value)
    assert parse_config(_local_toml(["m2505"])).agents[1].symbols == ["m2505"]
    # The contract months roll with the front's trading day.
    rolled = parse_config(_local_toml(["rb2510"], first="m2509", trading_day=20250602))
    assert rolled.agents[1].symbols == ["rb2510"]
    with pytest.raises(ConfigError) as e:
        parse_config(_local_toml(["rb2505"], instruments=["rb", "xx"]))
    assert e.value.key == "front.instruments" and "xx" in str(e.value)


class Starter(sd.Agent):
    """Records whether on_start ran."""

    def on_start(self) -> None:
        self.started = True


def test_order_path_when_agent_symbol_unknown_at_login_run_fails_before_any_agent_starts() -> None:
    good, bad = Starter("good"), Starter("bad")
    good.started = bad.started = False
    report, _ = run_local([(good, [SYM]), (bad, ["zz2599"])], duration=30)
    assert not good.started and not bad.started
    assert any("agent bad" in e and "'zz2599'" in e for e in report.errors), report.errors
    assert "zz2599" in report.stop_reason


# ---- restart: ledgers against the counter ----------------------------------------------------------------
class Buyer(sd.Agent):
    """Buys 3 lots through the ask, then stops the engine once they are booked."""

    def on_start(self) -> None:
        self.sent = False

    def on_tick(self, t: sd.Tick) -> None:
        if not self.sent and t.ask_price1 > 0:
            self.sent = True
            self.buy(SYM, min(t.ask_price1 + 5, t.upper_limit_price), 3, kind="fak")
        elif self.sent and self.position(SYM).long == 3 and not self.working_orders:
            self._engine.stop("bought")


def _restart_engine(directory: Path, agent: sd.Agent) -> Engine:
    front: dict[str, Any] = {"name": f"restart-{directory.name}", "instruments": ["rb"], "speed": 20,
                             "seed": 5, "trading_day": 20250102, "query_interval_ms": 50,
                             "state": str(directory / "front.state")}
    config = parse_config({"account": {"preset": "local"}, "front": front})
    config.engine = EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0)
    config.journal = JournalSettings(dir=str(directory / "journal"))
    config.account.flow_dir = str(directory / "flow")
    (directory / "flow").mkdir(exist_ok=True)
    engine = Engine(config, config_name="<restart test>")
    engine.add_agent(agent, [SYM])
    return engine


class Idle(sd.Agent):
    """Starts and stops the engine at once (after the restart's reconcile)."""

    def on_start(self) -> None:
        self.long_at_start = self.position(SYM).long
        self._engine.stop("checked")


def test_order_path_when_ledgers_exceed_counter_after_restart_discrepancy_is_reported(tmp_path: Path) -> None:
    report = _restart_engine(tmp_path, Buyer("alpha")).run(duration=60)
    assert report.stop_reason == "bought", report.format()
    # The journal books one lot more than the counter holds: what the isolation breach left behind.
    journal = next((tmp_path / "journal").rglob("*.journal.sqlite"))
    con = sqlite3.connect(journal)
    with con:
        con.execute("INSERT INTO records (seq, run, kind, wall_ns, mono_ns, agent_name, symbol, exchange,"
                    " trade_id, direction, offset, price, volume)"
                    " SELECT (SELECT MAX(seq) + 1 FROM records), 1, 'trade', 0, 0, 'alpha', symbol, exchange,"
                    " 'FORGED1', 'buy', 'open', price, 1 FROM records WHERE kind = 'trade' LIMIT 1")
    con.close()
    idle = Idle("alpha")
    engine = _restart_engine(tmp_path, idle)
    engine.run(duration=60)
    assert idle.long_at_start == 4  # the ledger believes the journal
    lines = [line for line in engine.journal_discrepancies if line.startswith(SYM)]
    assert lines, engine.journal_discrepancies
    assert "alpha L4 S0" in lines[0] and "counter L3 S0" in lines[0], lines
    assert "the agents hold 1 long lot(s) the account does not" in lines[0]
