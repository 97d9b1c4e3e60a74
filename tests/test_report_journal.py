"""The run report against the journal: both come from the C++ books, so every per-agent count, position and
PnL the report prints is what the journal recorded (order and cancel requests, distinct trades, risk refusals)
— conditional children, the stop's cancels and refused orders included."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pytest

import shandian as sd
from shandian.config import JournalSettings
from shandian.journal import distinct_trades
from shandian.risk import parse_risk
from shandian.testing import local_engine

SYM = "rb2505"
MULTIPLIER = 10  # rb: 10 t per lot
MAX_LOTS = 5  # [risk.agent] max_order_volume: a 6-lot order is refused


class Scripted(sd.Agent):
    """One step per tick: open 2 lots, rest and cancel, close 1, a stop that fires at once and closes 1 more,
    a refused 6-lot order, then one order left resting for the stop to cancel."""

    params: ClassVar[dict[str, Any]] = {"buy": True}
    peer: Scripted | None = None

    def on_start(self) -> None:
        self.step = 0
        self.resting = 0
        self.refused: list[str] = []
        self.done = False

    def on_tick(self, t: sd.Tick) -> None:
        if t.bid_price1 <= 0 or t.ask_price1 <= 0 or self.done:
            return
        tick = self.instrument(SYM).price_tick
        buy = self.params["buy"]
        opens, closes = ("buy", "sell") if buy else ("sell", "buy")
        through = {"buy": t.ask_price1 + 5 * tick, "sell": t.bid_price1 - 5 * tick}  # marketable, in the band
        away = {"buy": t.bid_price1 - 20 * tick, "sell": t.ask_price1 + 20 * tick}  # rests
        pos = self.position(SYM)
        held = pos.long if buy else pos.short
        self.step += 1
        if self.step == 1:
            (self.buy if buy else self.short)(SYM, through[opens], 2, kind="fak")
        elif self.step == 2:
            self.resting = (self.buy if buy else self.short)(SYM, away[opens], 1)
        elif self.step == 3:
            self.cancel(self.resting)
        elif self.step == 4 and held == 2 and not self.working_orders:
            (self.sell if buy else self.cover)(SYM, through[closes], 1, kind="fak")
        elif self.step == 4:
            self.step = 3  # wait for the fills and the cancel
        elif self.step == 5 and held == 1 and not self.working_orders:
            # Fires on the next tick (a sell stop at or below a trigger above the bid): a FAK child closes 1.
            trigger = t.bid_price1 + 50 * tick if buy else t.ask_price1 - 50 * tick
            self.stop(SYM, closes, 1, trigger)
        elif self.step == 5:
            self.step = 4
        elif self.step == 6:
            try:
                (self.buy if buy else self.short)(SYM, away[opens], MAX_LOTS + 1)
            except sd.OrderRejected as e:
                self.refused.append(e.code)
        elif self.step >= 7 and held == 0 and not self.working_orders:
            (self.buy if buy else self.short)(SYM, away[opens], 1)  # left working: the stop cancels it
            self.done = True
        if self.done and self.peer is not None and self.peer.done:
            self._engine.stop("both scripts done")


def journal_rows(path: Path, kind: str) -> list[dict[str, Any]]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM records WHERE kind = ? ORDER BY seq", (kind,))]
    finally:
        con.close()


def books_from_trades(trades: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per agent: lots, average prices and realized PnL (average cost, as the ledger books) of its trades."""
    out: dict[str, dict[str, float]] = {}
    for t in trades:
        b = out.setdefault(t["agent_name"], {"long": 0, "short": 0, "long_avg": 0.0, "short_avg": 0.0,
                                             "realized": 0.0, "fills": 0, "lots": 0})
        b["fills"] += 1
        b["lots"] += t["volume"]
        side = ("long" if t["direction"] == "buy" else "short") if t["offset"] == "open" else \
               ("long" if t["direction"] == "sell" else "short")
        if t["offset"] == "open":
            cost = b[f"{side}_avg"] * b[side] + t["price"] * t["volume"]
            b[f"{side}_avg"] = cost / (b[side] + t["volume"])
            b[side] += t["volume"]
        else:
            sign = 1 if side == "long" else -1
            b["realized"] += sign * (t["price"] - b[f"{side}_avg"]) * t["volume"] * MULTIPLIER
            b[side] -= t["volume"]
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[sd.RunReport, Path, dict[str, Scripted]]:
    longs, shorts = Scripted("longs", {"buy": True}), Scripted("shorts", {"buy": False})
    longs.peer, shorts.peer = shorts, longs
    engine = local_engine([(longs, [SYM]), (shorts, [SYM])])
    directory = tmp_path_factory.mktemp("journal")
    engine.config.journal = JournalSettings(dir=str(directory))
    engine.config.risk = parse_risk({"agent": {"max_order_volume": MAX_LOTS}})
    report = engine.run(duration=90)
    assert report.stop_reason == "both scripts done", report.format()
    (path,) = directory.glob("*.journal.sqlite")
    return report, path, {"longs": longs, "shorts": shorts}


def test_report_when_agents_ran_with_a_journal_counts_match_the_journal(run) -> None:
    report, path, agents = run
    requests = Counter(r["agent_name"] for r in journal_rows(path, "order_request"))
    cancels = Counter(r["agent_name"] for r in journal_rows(path, "cancel_request"))
    refusals = Counter((r["agent_name"], r["reject_code"]) for r in journal_rows(path, "risk_decision"))
    books = books_from_trades(list(distinct_trades(path)))
    for row in report.agents:
        assert agents[row.name].refused == ["RISK_MAX_ORDER_VOLUME"]
        # the open (2 lots), the rested one, the close, the stop's child, the one left working; 2 cancels.
        assert row.orders == requests[row.name] == 5, row
        assert row.cancels == cancels[row.name] == 2, row  # the agent's own and the stop's
        assert row.rejects == {"RISK_MAX_ORDER_VOLUME": refusals[(row.name, "RISK_MAX_ORDER_VOLUME")]} \
            == {"RISK_MAX_ORDER_VOLUME": 1}
        b = books[row.name]
        assert (row.fills, row.filled_lots) == (b["fills"], b["lots"])
        assert row.filled_lots == 4  # 2 opened, 1 closed, 1 closed by the stop's child


def test_report_when_agents_ran_with_a_journal_positions_and_pnl_match_the_trades(run) -> None:
    report, path, _ = run
    books = books_from_trades(list(distinct_trades(path)))
    for row in report.agents:
        b = books[row.name]
        (pos,) = row.positions
        assert (pos.symbol, pos.long, pos.short) == (SYM, b["long"], b["short"]) == (SYM, 0, 0)
        assert pos.realized_pnl == pytest.approx(b["realized"], abs=1e-6)
        assert row.realized_pnl == pytest.approx(b["realized"], abs=1e-6)
        assert pos.unrealized_pnl == 0.0 and pos.last_price is not None and pos.last_price > 0
