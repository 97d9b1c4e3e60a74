"""Property tests of the risk engine's sliding windows against a brute-force count (wtpy #157).

Each example drives the real C++ RiskEngine (through `_core.RiskSandbox`) with a random stream of order and
cancel requests from a few agents at random, non-decreasing timestamps, under random limits, and replays
the same stream through a brute-force model: a request is admitted iff, for every window that applies to
it (the agent's and the account's), fewer than `limit` *admitted* requests have timestamps in
(now - window, now]. Refused requests are never recorded. A `>` instead of `>=`, or counting refusals,
fails these properties.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shandian import _core

MS = 1_000_000


def _admit(history: list[int], now: int, limit: int, window_ms: int) -> bool:
    """Brute force: admitted iff fewer than `limit` admitted stamps in (now - window, now]."""
    lo = now - window_ms * MS
    return sum(1 for t in history if lo < t <= now) < limit


windows = st.lists(st.tuples(st.integers(1, 8), st.integers(1, 50)), min_size=1, max_size=2)
steps = st.lists(
    st.tuples(st.integers(0, 2), st.booleans(), st.integers(0, 30)),  # agent, is_cancel, ms to advance
    min_size=1,
    max_size=150,
)


@settings(max_examples=200, deadline=None)
@given(agent_orders=windows, agent_cancels=windows, account_orders=windows, account_cancels=windows,
       stream=steps, sub_ms=st.integers(0, MS - 1))
def test_risk_windows_when_random_stream_matches_brute_force(
    agent_orders: list[tuple[int, int]],
    agent_cancels: list[tuple[int, int]],
    account_orders: list[tuple[int, int]],
    account_cancels: list[tuple[int, int]],
    stream: list[tuple[int, bool, int]],
    sub_ms: int,
) -> None:
    limits = _core.RiskLimits()
    limits.instrument.self_trade_prevention = False
    limits.instrument.session_gate = False
    limits.instrument.stale_after_ms = 0
    limits.instrument.price_band_pct = 0.0
    limits.agent.order_rate = agent_orders
    limits.agent.cancel_rate = agent_cancels
    limits.account.order_rate = account_orders
    limits.account.cancel_rate = account_cancels
    sandbox = _core.RiskSandbox(limits)
    hist: dict[tuple[str, int], list[int]] = {}
    now = 10 * MS
    for i, (agent, is_cancel, advance) in enumerate(stream):
        now += advance * MS + (sub_ms if i % 7 == 3 else 0)  # some stamps off the ms grid
        kind = "cancel" if is_cancel else "order"
        agent_rules = agent_cancels if is_cancel else agent_orders
        account_rules = account_cancels if is_cancel else account_orders
        mine = hist.setdefault((kind, agent), [])
        everyone = hist.setdefault((kind, -1), [])
        expect = all(_admit(mine, now, n, w) for n, w in agent_rules) and all(
            _admit(everyone, now, n, w) for n, w in account_rules
        )
        if is_cancel:
            code, reason = sandbox.check_cancel(agent, 1000 + i, now)
        else:
            code, reason = sandbox.check_order(agent, now)
        assert (code == "NONE") == expect, (i, kind, agent, now, code, reason)
        if expect:
            mine.append(now)
            everyone.append(now)
        else:
            assert code == ("RISK_CANCEL_RATE" if is_cancel else "RISK_ORDER_RATE")
            assert "/" in reason and " ms" in reason  # the numbers: count/limit in window


@settings(max_examples=100, deadline=None)
@given(limit=st.integers(1, 40), window_ms=st.integers(1, 10_000), extra=st.integers(1, 40))
def test_risk_windows_when_burst_exceeds_limit_exactly_limit_pass_then_expiry_readmits(
    limit: int, window_ms: int, extra: int
) -> None:
    limits = _core.RiskLimits()
    limits.instrument.session_gate = False
    limits.instrument.stale_after_ms = 0
    limits.instrument.price_band_pct = 0.0
    limits.agent.cancel_rate = [(limit, window_ms)]
    sandbox = _core.RiskSandbox(limits)
    t0 = 5 * MS
    codes = [sandbox.check_cancel(0, 1 + i, t0)[0] for i in range(limit + extra)]
    assert codes[: limit] == ["NONE"] * limit  # limit - 1 passes, and the limit-th too ...
    assert set(codes[limit:]) == {"RISK_CANCEL_RATE"}  # ... then every further one rejects
    assert sandbox.check_cancel(0, 999, t0 + window_ms * MS - 1)[0] == "RISK_CANCEL_RATE"
    assert sandbox.check_cancel(0, 999, t0 + window_ms * MS)[0] == "NONE"  # expiry re-admits
    assert sandbox.stats()["rejects"]["RISK_CANCEL_RATE"] == extra + 1
