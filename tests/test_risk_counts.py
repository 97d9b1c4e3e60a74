"""Property test of the daily cancel count against a model: only admitted cancels count, cancels of orders
that end rejected and refused cancels are subtracted back, an explicit cancel counts whatever the order's
kind, the exchange's own cancel of a FAK/FOK remainder only where the exchange counts it, and the limit is
inclusive (the count never exceeds it)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shandian import _core

ACCOUNT = 0xFFFF_FFFF
S = _core.OrderStatus

OPS = ["new", "new_fak", "cancel", "reject", "cancel_refused", "cancelled", "filled"]
ops = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 1), st.integers(0, 7)),  # op, agent, order slot
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(limit=st.integers(1, 6), exempt=st.booleans(), stream=ops)
def test_risk_counts_when_random_lifecycle_daily_cancels_match_model(
    limit: int, exempt: bool, stream: list[tuple[str, int, int]]
) -> None:
    limits = _core.RiskLimits()
    limits.instrument.daily_cancels = limit
    limits.instrument.fak_fok_cancels_exempt = exempt
    limits.instrument.self_trade_prevention = False
    limits.instrument.session_gate = False
    limits.instrument.stale_after_ms = 0
    sandbox = _core.RiskSandbox(limits)
    # Model: slot -> [id, agent, is_fak, counted]; generation bumps give each new order a fresh id.
    live: dict[int, list[object]] = {}
    gen = 0
    count = 0
    for op, agent, slot in stream:
        order = live.get(slot)
        if op in ("new", "new_fak"):
            if order is not None:
                continue
            gen += 1
            oid = (gen << 32) | (slot + 1)
            kind = _core.OrderKind.FAK if op == "new_fak" else _core.OrderKind.LIMIT
            sandbox.order_update(oid, agent, S.QUEUED, kind=kind)
            live[slot] = [oid, agent, op == "new_fak", False]
            continue
        if order is None:
            continue
        oid, owner, is_fak, counted = order
        kind = _core.OrderKind.FAK if is_fak else _core.OrderKind.LIMIT
        if op == "cancel":
            code, reason = sandbox.check_cancel(owner, oid, 0)
            if count >= limit:  # an explicit cancel always counts, FAK/FOK included
                assert code == "RISK_CANCEL_LIMIT", reason
                assert reason.endswith(f"account cancels {count}/{limit} today")
            else:
                assert code == "NONE", reason
                if not counted:
                    count += 1
                    order[3] = True
        elif op == "cancel_refused":
            sandbox.order_update(oid, owner, S.QUEUED, kind=kind, cancel_rejected=True)
            if counted:
                count -= 1
                order[3] = False
        elif op == "reject":
            sandbox.order_update(oid, owner, S.REJECTED, kind=kind)
            if counted:
                count -= 1
            del live[slot]
        elif op == "cancelled":
            sandbox.order_update(oid, owner, S.CANCELLED, kind=kind)
            if is_fak and not exempt and not counted:
                count += 1  # the exchange counts an unfilled FAK remainder
            del live[slot]
        elif op == "filled":
            sandbox.order_update(oid, owner, S.FILLED, kind=kind, traded=1)
            del live[slot]
        assert sandbox.daily_cancels(ACCOUNT) == count
        assert sandbox.working_orders(ACCOUNT) == len(live)
