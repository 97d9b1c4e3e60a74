"""Order FSM + per-agent ledgers: hypothesis over random interleavings of order, trade, cancel,
reject and duplicate callbacks through OrderLab (a scripted counter around the real C++ Engine), and two
agents trading one instrument in opposite directions through the local front."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shandian as sd
from shandian import _bench
from shandian.testing import local_engine, run_local

SYM = "rb2505"

action = st.tuples(
    # LabAction (11/12: conditional / cancel one, 13: explicit insert, 14: day roll, 15: pre-settlement)
    st.integers(0, 15),
    st.integers(0, 3),  # agent
    st.integers(0, 1),  # instrument (SHFE rb, DCE m)
    st.integers(0, 1 << 16),  # a: order / history index, direction | mode << 1
    st.integers(0, 12),  # b: lots
)


@settings(max_examples=150, deadline=None)
@given(actions=st.lists(action, max_size=120), agents=st.integers(1, 3))
def test_orders_when_callbacks_interleave_randomly_invariants_hold(actions, agents: int) -> None:
    lab = _bench.OrderLab(agents)
    for kind, agent, instrument, a, b in actions:
        lab.apply(kind, agent, instrument, a, b)
        assert not lab.violations, lab.violations
    lab.finish()  # everything final, every trade delivered: nothing frozen, no live order
    assert not lab.violations, lab.violations


# Ledger money rules under random fills, cancels, day rolls and pre-settlement prices: the actions that
# build positions and working orders are drawn more often and `a` stays small (it picks among the orders
# placed so far, and encodes direction | offset mode << 1 for a placement).
# Kinds: place, ack, fill, fill trade-first, cancel, exchange cancel, cancel refused, day roll, pre-settle.
money_action = st.tuples(
    st.sampled_from([0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 14, 15]),
    st.integers(0, 2),  # agent
    st.integers(0, 1),  # instrument (SHFE rb, DCE m)
    st.integers(0, 40),  # a
    st.integers(1, 6),  # b: lots
)


@settings(max_examples=150, deadline=None)
@given(actions=st.lists(money_action, min_size=10, max_size=150), agents=st.integers(1, 3))
def test_ledger_when_fills_cancels_and_day_rolls_interleave_margin_fees_and_funds_stay_consistent(
    actions, agents: int
) -> None:
    """Check OrderLab's money invariants after every step and after finish.

    Margin = today's + yesterday's (at the pre-settlement price once known), frozen commission = the fee of
    every frozen lot, fees booked = the fee of every lot traded, a day roll keeps each agent's balance;
    after finish nothing is frozen (lots, margin, commission, live account).
    """
    lab = _bench.OrderLab(agents)
    for kind, agent, instrument, a, b in actions:
        lab.apply(kind, agent, instrument, a, b)
        assert not lab.violations, lab.violations
    lab.finish()
    assert not lab.violations, lab.violations


# Counter actions: place, ack, fill, fill trade-first, cancel, exchange cancel, cancel refused, insert
# refused, duplicate, conditional, cancel conditional, explicit-offset insert; `a` small: hits placed orders.
count_action = st.tuples(
    st.sampled_from([0, 0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 11, 12, 13]),
    st.integers(0, 2),  # agent
    st.integers(0, 1),  # instrument
    st.integers(0, 40),  # a
    st.integers(0, 8),  # b: lots
)


@settings(max_examples=150, deadline=None)
@given(actions=st.lists(count_action, min_size=5, max_size=120), agents=st.integers(1, 3))
def test_ledger_when_orders_fill_cancel_and_are_refused_counters_match_what_agents_were_sent(
    actions, agents: int
) -> None:
    """OrderLab checks every agent's C++ ledger counters after each step against its own model.

    orders = requests written, cancels = cancel requests written, fills / lots = trades delivered, refusals
    per code = each refusal once (an order update recording one, or an action refused before any order
    existed; cancel races excluded), unbooked lots = reported traded minus delivered as trades, per direction.
    """
    lab = _bench.OrderLab(agents)
    for kind, agent, instrument, a, b in actions:
        lab.apply(kind, agent, instrument, a, b)
        assert not lab.violations, lab.violations
    lab.finish()
    assert not lab.violations, lab.violations


@settings(max_examples=60, deadline=None)
@given(
    places=st.lists(st.tuples(st.integers(0, 7), st.integers(1, 20)), min_size=1, max_size=20),
    dup=st.integers(0, 1 << 16),
)
def test_orders_when_every_callback_is_pushed_twice_nothing_changes(places, dup: int) -> None:
    lab = _bench.OrderLab(2)
    for i, (mode, volume) in enumerate(places):
        lab.apply(0, i % 2, i % 2, (2 << 1) | (i & 1) if i == 0 else mode, volume)  # first: open
        lab.apply(1, 0, 0, i, 0)  # ack
        lab.apply(2, 0, 0, i, volume // 2 + 1)  # fill part
        for k in range(4):
            lab.apply(8, 0, 0, dup + k * 7 + i, 0)  # duplicates of earlier pushes
    lab.finish()
    assert lab.orders_placed > 0
    assert not lab.violations, lab.violations


# Explicit offsets (13) mixed with auto offsets (0), fills, cancels and foreign trades: many agents.
offset_action = st.tuples(
    st.sampled_from([13, 13, 13, 0, 0, 1, 2, 2, 3, 4, 5, 9]),  # insert (explicit), place (auto), ack, ...
    st.integers(0, 7),  # agent
    st.integers(0, 1),  # instrument (SHFE rb: today/yesterday offsets, DCE m: Close)
    st.integers(0, 1 << 16),  # a: direction | offset (insert) or mode (place) << 1; order index
    st.integers(1, 12),  # b: lots
)


@settings(max_examples=200, deadline=None)
@given(actions=st.lists(offset_action, max_size=150), agents=st.integers(2, 8))
def test_orders_when_agents_use_explicit_and_auto_offsets_ledger_sum_equals_counter(actions,
                                                                                  agents: int) -> None:
    """Sum of the agents' ledgers (+ unattributed) equals the counter's positions after every step; an
    explicit close is refused exactly when it exceeds the agent's own free lots (checked by the lab)."""
    lab = _bench.OrderLab(agents)
    for kind, agent, instrument, a, b in actions:
        lab.apply(kind, agent, instrument, a, b)
        assert not lab.violations, lab.violations
    lab.finish()
    assert not lab.violations, lab.violations


def test_orders_when_lab_action_unknown_raises_value_error() -> None:
    lab = _bench.OrderLab(1)
    try:
        lab.apply(99, 0, 0, 0, 0)
    except ValueError as e:
        assert "action must be" in str(e)
    else:
        raise AssertionError("no error for an unknown action")


class Side(sd.Agent):
    """Crosses the spread once with `lots` (buy or short), then waits for its fills and stops the engine
    when both sides are done."""

    params: ClassVar[dict[str, Any]] = {"buy": True, "lots": 2}
    peer: Side | None = None

    def on_start(self) -> None:
        self.fills: list[sd.Trade] = []
        self.sent = False
        self.done = False

    def on_tick(self, t: sd.Tick) -> None:
        if not self.sent and t.bid_price1 > 0 and t.ask_price1 > 0:
            self.sent = True
            tick = self.instrument(SYM).price_tick  # marketable, inside the default fat-finger band
            if self.params["buy"]:
                self.buy(SYM, t.ask_price1 + 5 * tick, self.params["lots"], kind="fak")
            else:
                self.short(SYM, t.bid_price1 - 5 * tick, self.params["lots"], kind="fak")
        if self.done and self.peer is not None and self.peer.done and self.order_ids_final():
            self._engine.stop("both sides filled")

    def order_ids_final(self) -> bool:
        return not self.orders(active=True)

    def on_trade(self, trade: sd.Trade) -> None:
        self.fills.append(trade)
        pos = self.position(SYM)
        if (pos.long if self.params["buy"] else pos.short) == self.params["lots"]:
            self.done = True


def test_orders_when_two_agents_trade_opposite_sides_each_sees_own_fills_account_holds_net() -> None:
    longs = Side("longs", {"buy": True, "lots": 3})
    shorts = Side("shorts", {"buy": False, "lots": 2})
    longs.peer, shorts.peer = shorts, longs
    report, engine = run_local([(longs, [SYM]), (shorts, [SYM])], duration=60, instruments=["rb"])
    assert report.stop_reason == "both sides filled", report.format()
    assert longs.fills and all(t.direction == "buy" for t in longs.fills)
    assert shorts.fills and all(t.direction == "sell" for t in shorts.fills)
    assert {t.order_id for t in longs.fills}.isdisjoint({t.order_id for t in shorts.fills})
    lp, sp = longs.position(SYM), shorts.position(SYM)
    assert (lp.long, lp.short, sp.long, sp.short) == (3, 0, 0, 2)
    assert longs.account.commission >= 0 and longs.account.margin >= 0
    idx = engine._rt.instrument_index(SYM)
    account = engine._rt.position(0xFFFF_FFFF, idx)  # whole account: agents + unattributed
    assert account.long_today + account.long_yd == 3 and account.short_today + account.short_yd == 2
    # Nothing left frozen once everything is final.
    assert lp.long_pending_open == 0 and sp.short_pending_open == 0
    assert longs.account.frozen_margin == 0 and shorts.account.frozen_margin == 0


class Intruder(sd.Agent):
    """Tries to trade an instrument another agent owns exclusively; records the refusal and stops."""

    def on_tick(self, t: sd.Tick) -> None:
        if getattr(self, "refusal", None) is None and t.bid_price1 > 0:
            try:
                self.buy(SYM, t.bid_price1, 1)
                self.refusal = "sent"
            except sd.OrderRejected as e:
                self.refusal = e.code
            self._engine.stop("intruder tried")


def test_orders_when_instrument_is_monopoly_other_agent_is_refused_and_capital_is_set() -> None:
    owner, intruder = sd.Agent("owner"), Intruder("intruder")  # the owner does not trade: its funds stay put
    engine = local_engine([], instruments=["rb"])
    engine.add_agent(owner, [], capital=500_000.0, monopoly=[SYM])
    engine.add_agent(intruder, [SYM])
    with pytest.raises(ValueError, match="already owned"):
        engine.add_agent(Intruder("third"), [], monopoly=[SYM])
    with pytest.raises(ValueError, match="capital"):
        engine.add_agent(Intruder("fourth"), [], capital=-1.0)
    report = engine.run(duration=30)
    assert report.stop_reason == "intruder tried", report.format()
    assert intruder.refusal == "INSTRUMENT_OWNED"
    assert owner.account.available == 500_000.0
    assert engine._rt.agent_account(owner._state.agent_id)["allocation"] == 500_000.0
