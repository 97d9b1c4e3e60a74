"""Child process of tests/test_recovery.py (not a test module): one engine run over a persistent local front
(`state=`) with the journal on. A `rest` / `spend` run prints READY once its orders are on the counter and
journaled, then waits to be SIGKILLed; every other mode restarts over the same front and journal, acts,
writes DIR/<mode>.json and exits.

    python tests/recovery_child.py DIR rest                 # alpha rests 2 orders, beta 1; READY; killed
    python tests/recovery_child.py DIR inspect [POLICY]     # what each agent sees as working at on_start
    python tests/recovery_child.py DIR cancel_all           # alpha.cancel_all() on an adopted order
    python tests/recovery_child.py DIR kill                 # the kill switch's cancel count
    python tests/recovery_child.py DIR spend                # alpha rests and cancels SPENT; READY; killed
    python tests/recovery_child.py DIR budget               # daily counts after the restart, then cancels
                                                            # until the risk engine refuses one
    python tests/recovery_child.py DIR fak_spend            # SHFE preset: alpha sends FAKS unfilled FAKs and
                                                            # FAKS it cancels at once; writes the live daily
                                                            # counts to fak_spend.json; READY; killed
    python tests/recovery_child.py DIR fak_counts           # SHFE preset: the daily counts after the restart

Every restarted run ends with a stop (cancel_on_stop, except `kill`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shandian as sd
from shandian.agent import OrderRejected
from shandian.config import Config, EngineSettings, JournalSettings
from shandian.engine import Engine
from shandian.risk import parse_risk

SYM = "rb2505"
SPENT = 3  # cancels spent before the kill in `spend`
FAKS = 3  # unfilled FAKs, and FAKs cancelled explicitly, before the kill in `fak_spend`
AGENT_CANCELS = 5  # [risk.agent] daily_cancels
ACCOUNT_CANCELS = 6  # [risk.instrument] daily_cancels (the whole account, per contract)


def make_engine(directory: Path, policy: str = "adopt", preset: str = "default") -> Engine:
    """The same front (one book, one day, persisted), journal and risk limits for every run."""
    config = Config.local(
        name="recovery",
        engine=EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0, on_recovery=policy),
        journal=JournalSettings(dir=str(directory / "journal")),
        instruments=["rb"], speed=20, seed=11, trading_day=20250102, query_interval_ms=50,
        state=str(directory / "front.state"))
    config.account.flow_dir = str(directory / "flow")
    (directory / "flow").mkdir(exist_ok=True)
    config.risk = parse_risk({"preset": preset, "agent": {"daily_cancels": AGENT_CANCELS},
                              "instrument": {"daily_cancels": ACCOUNT_CANCELS},
                              "account": {"order_rate": [], "cancel_rate": []}})
    return Engine(config, config_name="<recovery test>")


class Resting(sd.Agent):
    """Rests `count` far passive buys on the first usable tick, then reports READY once they are queued."""

    count = 1
    on_ready: Any = None

    def on_start(self) -> None:
        self.sent: list[int] = []

    def on_tick(self, t: Any) -> None:
        if not self.sent and t.bid_price1 > 0:
            self.sent = [self.buy(SYM, t.bid_price1 - 60 - i, 1) for i in range(self.count)]

    def on_order(self, order: sd.Order) -> None:
        if self.sent and all(self.orders_by_id(i) == "queued" for i in self.sent) and self.on_ready:
            self.on_ready()

    def orders_by_id(self, order_id: int) -> str:
        o = self.working_orders.get(order_id)
        return o.status if o is not None else "gone"


class Spender(sd.Agent):
    """Rests and cancels one order at a time until SPENT cancels are confirmed, then reports READY."""

    on_ready: Any = None

    def on_start(self) -> None:
        self.cancelled = 0
        self.current: int | None = None

    def on_tick(self, t: Any) -> None:
        if self.current is None and self.cancelled < SPENT and t.bid_price1 > 0:
            self.current = self.buy(SYM, t.bid_price1 - 60, 1)

    def on_order(self, order: sd.Order) -> None:
        if order.id != self.current:
            return
        if order.status == "queued":
            self.cancel(order.id)
        elif order.status == "cancelled":
            self.cancelled += 1
            self.current = None
            if self.cancelled == SPENT and self.on_ready:
                self.on_ready()


class FakSpender(sd.Agent):
    """One FAK at a time far below the bid (never fills): FAKS left to the exchange's remainder cancel, then
    FAKS cancelled by the agent right after sending; reports READY when the last one is final."""

    on_ready: Any = None

    def on_start(self) -> None:
        self.sent = 0
        self.current: int | None = None

    def on_tick(self, t: Any) -> None:
        if self.current is None and self.sent < 2 * FAKS and t.bid_price1 > 0:
            self.current = self.buy(SYM, t.bid_price1 - 60, 1, kind="fak")
            self.sent += 1
            if self.sent > FAKS:
                assert self.cancel(self.current), "the explicit cancel was not sent"

    def on_order(self, order: sd.Order) -> None:
        if order.id == self.current and order.status in ("cancelled", "filled", "rejected"):
            self.current = None
            if self.sent == 2 * FAKS and self.on_ready:
                self.on_ready()


def _daily_counts(engine: Engine, agent: sd.Agent) -> dict[str, int]:
    """The risk engine's daily counts on SYM: alpha's and the account's."""
    risk, idx, aid = engine._risk, engine._rt.instrument_index(SYM), agent._state.agent_id
    return {"cancels_alpha": risk.daily_cancels(aid, idx),
            "cancels_account": risk.daily_cancels(0xFFFF_FFFF, idx),
            "messages_alpha": risk.daily_messages(aid, idx),
            "messages_account": risk.daily_messages(0xFFFF_FFFF, idx)}


class Observer(sd.Agent):
    """Records what it sees at on_start; the run's mode decides what it does next."""


def _ready(engine: Engine) -> None:
    """Everything is on the counter: make the journal durable, tell the parent, wait for the SIGKILL."""
    engine._rt.journal_flush(5000.0)
    print("READY", flush=True)


def _working(agent: sd.Agent) -> list[dict[str, Any]]:
    return [{"id": o.id, "symbol": o.symbol, "status": o.status, "price": o.price, "volume": o.volume}
            for o in agent.working_orders.values()]


def main() -> int:
    directory, mode = Path(sys.argv[1]), sys.argv[2]
    policy = sys.argv[3] if len(sys.argv) > 3 else "adopt"
    engine = make_engine(directory, policy, "shfe" if mode.startswith("fak_") else "default")
    out: dict[str, Any] = {}
    if mode == "fak_spend":
        fak = FakSpender("alpha")

        def spent() -> None:
            (directory / "fak_spend.json").write_text(json.dumps(_daily_counts(engine, fak)))
            _ready(engine)

        fak.on_ready = spent
        engine.add_agent(fak, [SYM])
        engine.add_agent(Observer("beta"), [])
        engine.run(duration=60)  # killed long before
        return 1
    if mode in ("rest", "spend"):
        if mode == "rest":
            alpha, beta = Resting("alpha"), Resting("beta")
            alpha.count = 2
            pending = {"alpha", "beta"}

            def one_ready(name: str) -> None:
                pending.discard(name)
                if not pending:
                    _ready(engine)

            alpha.on_ready = lambda: one_ready("alpha")
            beta.on_ready = lambda: one_ready("beta")
            engine.add_agent(alpha, [SYM])
            engine.add_agent(beta, [SYM])
        else:
            spender = Spender("alpha")
            spender.on_ready = lambda: _ready(engine)
            engine.add_agent(spender, [SYM])
            engine.add_agent(Observer("beta"), [])
        engine.run(duration=60)  # killed long before
        return 1

    alpha, beta = Observer("alpha"), Observer("beta")

    def collect(agent: sd.Agent) -> None:
        out[agent.name] = _working(agent)
        out[f"{agent.name}_all"] = [{"id": o.id, "status": o.status} for o in agent.orders(active=False)]

    def on_start_alpha() -> None:
        collect(alpha)
        rt = engine._rt
        idx = rt.instrument_index(SYM)
        out["unattributed"] = sorted(engine._unattributed_live)
        out["adopted"] = rt.stats()["orders_adopted"]
        out["risk_working"] = engine._risk.working_orders(0xFFFF_FFFF)
        if mode == "cancel_all":
            out["cancel_all"] = alpha.cancel_all()
        elif mode == "kill":
            out["kill_sent"] = engine._risk.kill("recovery test", reducing_only=False)
        elif mode == "fak_counts":
            out.update(_daily_counts(engine, alpha))
        elif mode == "budget":
            aid = alpha._state.agent_id
            out["cancels_alpha"] = engine._risk.daily_cancels(aid, idx)
            out["cancels_account"] = engine._risk.daily_cancels(0xFFFF_FFFF, idx)
            out["messages_alpha"] = engine._risk.daily_messages(aid, idx)
            out["messages_account"] = engine._risk.daily_messages(0xFFFF_FFFF, idx)
            alpha.add_timer(0.2)
            return
        engine.stop("done")

    alpha.on_start = on_start_alpha  # type: ignore[method-assign]
    beta.on_start = lambda: collect(beta)  # type: ignore[method-assign]
    out["budget_cancels"] = 0

    def budget_step(now_ns: int) -> None:
        """Rest one order and cancel it, until the risk engine refuses (RISK_CANCEL_LIMIT)."""
        tick = engine._rt.instrument(engine._rt.instrument_index(SYM))["last_tick"]
        if tick is None or tick.bid_price1 <= 0 or alpha.working_orders:
            return
        try:
            oid = alpha.buy(SYM, tick.bid_price1 - 60, 1)
        except OrderRejected as e:
            out["refused"] = f"{e.code}: {e}"
            engine.stop("budget spent")
            return
        pending[0] = oid

    pending: list[int | None] = [None]

    def budget_order(order: sd.Order) -> None:
        if order.id != pending[0]:
            return
        if order.status == "queued":
            try:
                alpha.cancel(order.id)
            except OrderRejected as e:
                out["refused"] = f"{e.code}: {e}"
                engine.stop("budget spent")
        elif order.status == "cancelled":
            out["budget_cancels"] += 1
            pending[0] = None

    if mode == "budget":
        alpha.on_timer = budget_step  # type: ignore[method-assign]
        alpha.on_order = budget_order  # type: ignore[method-assign]
    engine.add_agent(alpha, [SYM])
    engine.add_agent(beta, [])
    if mode == "kill":
        engine.config.engine.cancel_on_stop = False  # the kill switch alone must have cancelled them
    report = engine.run(duration=40)
    out["stop_reason"] = report.stop_reason
    out["errors"] = report.errors
    out["working_after_stop"] = engine._working_count()
    out["alpha_after"] = _working(alpha)
    out["engine_stats"] = dict(engine._rt.stats())
    out["discrepancies"] = engine.journal_discrepancies
    (directory / f"{mode}.json").write_text(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
