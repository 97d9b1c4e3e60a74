"""Child process of tests/test_carry.py (not a test module): one engine run per trading day over a persistent
local front (`state=`) with the journal on. Each run is a new process; the front's state file moves to the
address's trading_day, settling the previous day (its positions become yesterday's lots).

    python tests/carry_child.py DIR day1      # 20250102: alpha buys LOTS rb2505 and the run stops
    python tests/carry_child.py DIR close     # 20250103: alpha closes them (close_yesterday, then close);
                                              # beta, holding nothing, tries every close offset
    python tests/carry_child.py DIR flatten   # 20250103: the kill switch with flatten closes alpha's lots
    python tests/carry_child.py DIR inspect   # 20250103: what the agents hold at on_start, then stop

Each run writes DIR/<mode>.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shandian as sd
from shandian.config import EngineSettings, JournalSettings, parse_config
from shandian.engine import Engine

SYM = "rb2505"
LOTS = 2
DAYS = {"day1": 20250102}  # every other mode runs the next trading day


def make_engine(directory: Path, trading_day: int) -> Engine:
    """The same front (one persisted counter), journal directory and flow directory for every day."""
    front: dict[str, Any] = {"name": "carry", "instruments": ["rb"], "speed": 20, "seed": 7,
                             "trading_day": trading_day, "query_interval_ms": 50,
                             "state": str(directory / "front.state")}
    config = parse_config({"account": {"preset": "local"}, "front": front})
    config.engine = EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0)
    config.journal = JournalSettings(dir=str(directory / "journal"))
    config.account.flow_dir = str(directory / "flow")
    (directory / "flow").mkdir(exist_ok=True)
    return Engine(config, config_name="<carry test>")


def _held(agent: sd.Agent) -> dict[str, int]:
    p = agent.position(SYM)
    return {"long": p.long, "long_yd": p.long_yd, "long_today": p.long_today}


class Buyer(sd.Agent):
    """Buys LOTS through the ask (FAK, again until all are held), then stops the run."""

    def on_start(self) -> None:
        self.current: int | None = None

    def on_tick(self, t: sd.Tick) -> None:
        held = self.position(SYM).long
        if held >= LOTS and not self.working_orders:
            self._engine.stop("bought")
        elif self.current is None and t.ask_price1 > 0:
            self.current = self.buy(SYM, min(t.ask_price1 + 5, t.upper_limit_price), LOTS - held, kind="fak")

    def on_order(self, order: sd.Order) -> None:
        if order.id == self.current and order.is_final:
            self.current = None


class Closer(sd.Agent):
    """Closes its lots through the bid with explicit offsets: one close_yesterday lot, then `close`."""

    def on_start(self) -> None:
        self.at_start = _held(self)
        self.current: int | None = None
        self.offsets: list[str] = []

    def on_tick(self, t: sd.Tick) -> None:
        held = self.position(SYM).long
        if held == 0 and not self.working_orders:
            self._engine.stop("closed")
        elif self.current is None and t.bid_price1 > 0 and held > 0:
            offset = "close_yesterday" if held == self.at_start["long"] else "close"
            price = max(t.bid_price1 - 5, t.lower_limit_price)
            self.current = self.sell(SYM, price, 1 if offset == "close_yesterday" else held, kind="fak",
                                     offset=offset)
            self.offsets.append(offset)

    def on_order(self, order: sd.Order) -> None:
        if order.id == self.current and order.is_final:
            self.current = None


class Bystander(sd.Agent):
    """Holds nothing; tries every close offset on rb2505 at its first tick (each must be refused)."""

    def on_start(self) -> None:
        self.at_start = _held(self)
        self.refusals: dict[str, str] = {}
        self.sent: list[int] = []

    def on_tick(self, t: sd.Tick) -> None:
        if self.refusals or self.sent or t.ask_price1 <= 0:
            return
        for offset in ("close_yesterday", "close", "close_today", "auto"):
            try:
                price = min(t.ask_price1 + 20, t.upper_limit_price)  # could only rest
                self.sent.append(self.sell(SYM, price, 1, offset=offset))
            except sd.OrderRejected as e:
                self.refusals[offset] = e.code


class Flattened(sd.Agent):
    """At its first tick fires the kill switch with flatten; stops once its lots are gone."""

    def on_start(self) -> None:
        self.at_start = _held(self)
        self.fired = False

    def on_tick(self, t: sd.Tick) -> None:
        if not self.fired and t.bid_price1 > 0:
            self.fired = True
            self._engine.kill(flatten=True, reason="carry test")
        elif self.fired and self.position(SYM).long == 0 and not self.working_orders:
            self._engine.stop("flattened")


class Inspector(sd.Agent):
    """Records what it holds at on_start and stops the run."""

    def on_start(self) -> None:
        self.at_start = _held(self)
        self._engine.stop("inspected")


def main() -> int:
    directory, mode = Path(sys.argv[1]), sys.argv[2]
    engine = make_engine(directory, DAYS.get(mode, 20250103))
    agents: dict[str, sd.Agent] = {
        "day1": Buyer("alpha"), "close": Closer("alpha"), "flatten": Flattened("alpha"),
        "inspect": Inspector("alpha")}
    alpha = agents[mode]
    beta = Bystander("beta") if mode == "close" else Inspector("beta") if mode == "inspect" else None
    engine.add_agent(alpha, [SYM])
    if beta is not None:
        engine.add_agent(beta, [SYM])
    report = engine.run(duration=60)
    out: dict[str, Any] = {"stop_reason": report.stop_reason, "errors": report.errors,
                           "discrepancies": engine.journal_discrepancies, "alpha_end": _held(alpha),
                           "alpha_start": getattr(alpha, "at_start", None)}
    if isinstance(alpha, Closer):
        out["offsets"] = alpha.offsets
    if beta is not None:
        out["beta_start"] = getattr(beta, "at_start", None)
        out["beta_refusals"] = getattr(beta, "refusals", None)
        out["beta_sent"] = getattr(beta, "sent", None)
    (directory / f"{mode}.json").write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
