"""Restart recovery end to end: a real engine process over a persistent local front (`state=`) with the
journal on is SIGKILLed while its agents have orders working (or after spending part of a cancel budget),
and restarted over the same front and journal (tests/recovery_child.py).

Orders left working are adopted with their real ids by their agents (unattributed when the journal is gone),
reached by cancel_all, the kill switch and the stop; `engine.on_recovery = "cancel"` cancels them before the
agents start. Daily risk counts survive the restart: rebuilt from the journal, or, with the journal file
deleted, from the counter's order history of the day.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shandian.testing import kill_when_ready

CHILD = Path(__file__).with_name("recovery_child.py")
sys.path.insert(0, str(CHILD.parent))
from recovery_child import ACCOUNT_CANCELS, AGENT_CANCELS, FAKS, SPENT  # noqa: E402

NO_AGENT_CANCELS = "RISK_CANCEL_LIMIT"
ACCOUNT_ID = 0xFFFF_FFFF  # core::kNoAgent: the account's counts, and the agent of unattributed orders


def _kill_when_ready(directory: Path, mode: str, log: Any) -> None:
    """Run a child that prints READY once its orders are on the counter and journaled; SIGKILL it then."""
    kill_when_ready([sys.executable, str(CHILD), str(directory), mode], log)


def _restart(directory: Path, mode: str, log: Any, policy: str = "adopt") -> dict[str, Any]:
    """Run a restarted child to its end and return what it wrote."""
    done = subprocess.run([sys.executable, str(CHILD), str(directory), mode, policy], stderr=log,
                          stdout=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, f"{mode} child failed (log {log.name})"
    return json.loads((directory / f"{mode}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def crashed(tmp_path: Path) -> tuple[Path, Any]:
    """A front and journal where alpha left 2 orders working and beta 1 when the process was SIGKILLed."""
    log = (tmp_path / "children.log").open("w")
    _kill_when_ready(tmp_path, "rest", log)
    yield tmp_path, log
    log.close()


def _delete_journal(directory: Path) -> None:
    files = list((directory / "journal").glob("*.journal.sqlite*"))
    assert files, "the crashed run wrote no journal"
    for f in files:
        f.unlink()


def test_recovery_when_killed_with_resting_orders_agents_see_them_with_real_ids(crashed) -> None:
    directory, log = crashed
    out = _restart(directory, "inspect", log)
    assert out["adopted"] == 3
    assert len(out["alpha"]) == 2 and len(out["beta"]) == 1
    ids = [o["id"] for o in out["alpha"] + out["beta"]]
    assert all(i != 0 for i in ids) and len(set(ids)) == 3
    assert {o["status"] for o in out["alpha"] + out["beta"]} == {"queued"}
    assert out["unattributed"] == []
    assert out["risk_working"] == 3  # the risk engine tracks them (self-trade, active-order limits)
    assert not [d for d in out["discrepancies"] if "not reported by the counter" in d], out["discrepancies"]
    # The stop (cancel_on_stop) cancelled all three and waited for them: nothing left, no timeout.
    assert out["working_after_stop"] == 0
    assert not [e for e in out["errors"] if "still working" in e], out["errors"]
    again = _restart(directory, "inspect", log)
    assert again["adopted"] == 0 and again["alpha"] == [] and again["beta"] == []


def test_recovery_when_agent_calls_cancel_all_adopted_orders_are_cancelled(crashed) -> None:
    directory, log = crashed
    out = _restart(directory, "cancel_all", log)
    assert out["cancel_all"] == 2  # alpha's two, not beta's


def test_recovery_when_kill_switch_fires_adopted_orders_are_cancelled(crashed) -> None:
    directory, log = crashed
    out = _restart(directory, "kill", log)
    assert out["kill_sent"] == 3


def test_recovery_when_journal_is_missing_orders_are_adopted_unattributed(crashed) -> None:
    directory, log = crashed
    _delete_journal(directory)
    out = _restart(directory, "kill", log)
    assert out["adopted"] == 3 and len(out["unattributed"]) == 3 and all(out["unattributed"])
    assert out["alpha"] == [] and out["beta"] == []
    assert out["kill_sent"] == 3


def test_recovery_when_journal_is_missing_stop_cancels_unattributed_orders(crashed) -> None:
    directory, log = crashed
    _delete_journal(directory)
    out = _restart(directory, "inspect", log)
    assert len(out["unattributed"]) == 3
    assert out["working_after_stop"] == 0
    assert not [e for e in out["errors"] if "still working" in e], out["errors"]
    assert _restart(directory, "inspect", log)["adopted"] == 0


def test_recovery_when_policy_is_cancel_orders_are_cancelled_before_agents_start(crashed) -> None:
    directory, log = crashed
    out = _restart(directory, "inspect", log, policy="cancel")
    assert out["adopted"] == 3
    assert out["alpha"] == [] and out["beta"] == []  # final before on_start ran
    assert sorted(o["status"] for o in out["alpha_all"]) == ["cancelled", "cancelled"]
    assert _restart(directory, "inspect", log)["adopted"] == 0


@pytest.mark.parametrize("journal", ["kept", "deleted"])
def test_risk_counts_when_restarted_same_day_the_spent_budget_stays_spent(tmp_path: Path,
                                                                          journal: str) -> None:
    with (tmp_path / "children.log").open("w") as log:
        _kill_when_ready(tmp_path, "spend", log)
        if journal == "deleted":
            _delete_journal(tmp_path)
        out = _restart(tmp_path, "budget", log)
    assert out["cancels_account"] == SPENT
    assert out["messages_account"] == 2 * SPENT  # each order's insert and its cancel
    if journal == "kept":  # the journal attributes them: alpha's own budget is spent too
        assert out["cancels_alpha"] == SPENT and out["messages_alpha"] == 2 * SPENT
        left = AGENT_CANCELS - SPENT
    else:  # the counter's history names no agent: the account's per-contract budget holds
        assert out["cancels_alpha"] == 0
        left = ACCOUNT_CANCELS - SPENT
    assert out["budget_cancels"] == left, out
    assert out["refused"].startswith(NO_AGENT_CANCELS), out


def test_risk_counts_when_restarted_after_shfe_faks_equal_the_live_counts(tmp_path: Path) -> None:
    with (tmp_path / "children.log").open("w") as log:
        _kill_when_ready(tmp_path, "fak_spend", log)
        live = json.loads((tmp_path / "fak_spend.json").read_text())
        out = _restart(tmp_path, "fak_counts", log)
    # Each unfilled FAK is two messages and no cancel (SHFE); each cancelled one is its insert and the
    # cancel's message, and a cancel unless the exchange refused it (the FAK was already done).
    assert live["messages_account"] == 4 * FAKS and live["messages_alpha"] == 4 * FAKS, live
    assert live["cancels_account"] <= FAKS, live
    assert {k: out[k] for k in live} == live


def _journal(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A journal file holding `rows` (the columns the C++ writer fills; seq in order, run 1)."""
    from shandian.journal import COLUMNS

    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE records ({', '.join(COLUMNS)})")
    for seq, r in enumerate(rows, 1):
        full = {c: None for c in COLUMNS} | {"seq": seq, "run": 1, "symbol": "rb2505", "front_id": 1,
                                               "session_id": 5} | r
        con.execute(f"INSERT INTO records VALUES ({', '.join('?' * len(COLUMNS))})",
                    [full[c] for c in COLUMNS])
    con.commit()
    con.close()
    return path


def _sandbox_counts(path: Path, before_run: int, *, exempt: bool, two_messages: bool,
                    large_lots: int = 30) -> dict[tuple[str | None, str], Any]:
    """daily_counts over a one-instrument sandbox (rb2505, SHFE) with these FAK/FOK rules."""
    from shandian import _core
    from shandian.journal import daily_counts

    limits = _core.RiskLimits()
    limits.instrument.large_order_lots = large_lots
    limits.instrument.fak_fok_cancels_exempt = exempt
    limits.instrument.unfilled_fak_fok_two_messages = two_messages
    sandbox = _core.RiskSandbox(limits)
    return daily_counts(path, before_run, instrument=lambda symbol: 0 if symbol == "rb2505" else None,
                        counter=lambda agents, orders: _core.RiskReplay(sandbox, limits, agents, orders))


def test_daily_counts_when_cancels_refused_rejected_or_fak_follow_the_risk_rules(tmp_path: Path) -> None:
    from shandian.journal import ACCOUNT, DailyCounts

    def req(ref: int, agent: str, kind: str = "limit", volume: int = 1) -> list[dict[str, Any]]:
        return [{"kind": "order_request", "agent_name": agent, "order_ref": ref, "order_kind": kind,
                 "volume": volume, "offset": "open", "status": "submitting"},
                {"kind": "order_update", "order_ref": ref, "status": "submitting", "reject_code": "NONE",
                 "traded": 0, "volume": volume}]

    def cancel(ref: int, agent: str) -> list[dict[str, Any]]:
        return [{"kind": "cancel_request", "agent_name": agent, "order_ref": ref}]

    def update(ref: int, status: str, reject: str = "NONE", traded: int = 0) -> list[dict[str, Any]]:
        return [{"kind": "order_update", "order_ref": ref, "status": status, "reject_code": reject,
                 "traded": traded, "volume": 1}]

    path = _journal(tmp_path / "j.sqlite", [
        *req(1, "alpha", volume=50), *cancel(1, "alpha"), *update(1, "cancelled"),  # a large cancel
        *req(2, "alpha"), *cancel(2, "alpha"), *update(2, "queued", "CANCEL_REJECTED"),  # refused: given back
        *cancel(2, "alpha"), *cancel(2, "alpha"), *update(2, "cancelled"),  # counted once, 2 messages
        *req(3, "alpha"), *cancel(3, "alpha"), *update(3, "rejected"),  # cancel of a rejected order: back
        *req(4, "beta", kind="fak"), *update(4, "cancelled"),  # unfilled FAK: the exchange's remainder cancel
        *req(5, "beta", kind="fok"), *update(5, "cancelled", traded=1),  # filled: no remainder
        *req(6, "beta", kind="fak"), *cancel(6, "beta"), *update(6, "cancelled"),  # an explicit FAK cancel
        {"kind": "trade", "agent_name": "beta", "exchange": "SHFE", "trade_id": "1", "direction": "buy",
         "offset": "open", "volume": 1},
        {"kind": "trade", "agent_name": "beta", "exchange": "SHFE", "trade_id": "1", "direction": "buy",
         "offset": "open", "volume": 1},  # the same trade again: one opened lot
        {"kind": "trade", "agent_name": "beta", "exchange": "SHFE", "trade_id": "2", "direction": "sell",
         "offset": "close_today", "volume": 1},  # a close opens nothing
    ])
    alpha = DailyCounts(messages=8, cancels=2, large_cancels=1)
    # SHFE: the remainder is no cancel but a second message; the explicit cancel is a cancel and one message.
    shfe = _sandbox_counts(path, 2, exempt=True, two_messages=True)
    assert shfe == {
        ("alpha", "rb2505"): alpha,
        ("beta", "rb2505"): DailyCounts(messages=2 + 1 + 2, cancels=1, large_cancels=0, opened=1),
        (ACCOUNT, "rb2505"): DailyCounts(messages=8 + 5, cancels=3, large_cancels=1, opened=1),
    }
    # CFFEX-like: the remainder is a cancel, no second message.
    cffex = _sandbox_counts(path, 2, exempt=False, two_messages=False)
    assert cffex[("beta", "rb2505")] == DailyCounts(messages=1 + 1 + 2, cancels=2, large_cancels=0, opened=1)
    assert _sandbox_counts(path, 1, exempt=True, two_messages=True) == {}


EVENTS = ["new", "new_fak", "new_fok", "cancel", "cancel_refused", "fill", "cancelled", "filled", "rejected"]


@settings(max_examples=300, deadline=None)
@given(exempt=st.booleans(), two_messages=st.booleans(), cancel_limit=st.integers(0, 6),
       stream=st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(0, 2), st.integers(0, 3),
                                 st.integers(1, 3)), max_size=80),
       reported=st.lists(st.sampled_from(["cancelled", "filled"]), min_size=6, max_size=6))
@example(exempt=True, two_messages=True, cancel_limit=0, reported=["cancelled"] * 6,
         stream=[("new", 0, 1, 1), ("cancel", 0, 1, 1), ("cancel_refused", 0, 1, 1), ("new_fak", 1, 2, 3)])
def test_daily_counts_when_random_journal_replayed_equal_the_live_risk_engine(
        tmp_path_factory: pytest.TempPathFactory, exempt: bool, two_messages: bool, cancel_limit: int,
        stream: list[tuple[str, int, int, int]], reported: list[str]) -> None:
    """Random requests and updates go to the live risk engine and, as the engine journals them, to a
    journal; after a restart (the counter reporting the orders left working as final, identity by ref
    only) the rebuild from the journal has the live engine's counts."""
    from shandian import _core
    from shandian.journal import ACCOUNT, DailyCounts

    names = ["alpha", "beta", None]  # None: unattributed (adopted) orders, cancelled by the kill switch
    limits = _core.RiskLimits()
    limits.instrument.self_trade_prevention = False
    limits.instrument.session_gate = False
    limits.instrument.stale_after_ms = 0
    limits.instrument.max_order_volume_ratio = 0.0
    limits.instrument.large_order_lots = 3
    limits.instrument.daily_cancels = cancel_limit
    limits.instrument.fak_fok_cancels_exempt = exempt
    limits.instrument.unfilled_fak_fok_two_messages = two_messages
    live = _core.RiskSandbox(limits)
    kinds = {"new": _core.OrderKind.LIMIT, "new_fak": _core.OrderKind.FAK, "new_fok": _core.OrderKind.FOK}
    rows: list[dict[str, Any]] = []
    working: dict[int, dict[str, Any]] = {}  # slot -> order
    ref = 0

    def update(o: dict[str, Any], status: str, reject: str = "NONE", **row: Any) -> None:
        live.order_update(o["id"], o["agent"], getattr(_core.OrderStatus, status.upper()), volume=o["volume"],
                          traded=o["traded"], kind=o["kind"], cancel_rejected=reject == "CANCEL_REJECTED")
        rows.append({"kind": "order_update", "order_id": o["id"], "order_ref": o["ref"], "status": status,
                     "reject_code": reject, "traded": o["traded"], "volume": o["volume"]} | row)

    for event, who, slot, volume in stream:
        agent = who if names[who] is not None else ACCOUNT_ID
        o = working.get(slot)
        if event in kinds:
            if o is not None:
                continue
            code, _ = live.check_order(agent, 0, volume=volume, kind=kinds[event])
            if code != "NONE":
                continue
            ref += 1
            o = {"id": (ref << 32) | slot, "ref": ref, "agent": agent, "name": names[who], "volume": volume,
                 "traded": 0, "kind": kinds[event]}
            rows.append({"kind": "order_request", "agent_name": o["name"], "order_id": o["id"],
                         "order_ref": ref, "order_kind": o["kind"].name.lower(),
                         "volume": volume, "offset": "open", "status": "submitting"})
            update(o, "submitting")
            working[slot] = o
            continue
        if o is None:
            continue
        if event == "cancel":
            if live.check_cancel(o["agent"], o["id"], 0)[0] == "NONE":  # refused: not sent, not journaled
                rows.append({"kind": "cancel_request", "agent_name": o["name"], "order_id": o["id"],
                             "order_ref": o["ref"]})
        elif event == "cancel_refused":
            update(o, "queued", "CANCEL_REJECTED")
        elif event == "fill" and o["traded"] + 1 < o["volume"]:
            o["traded"] += 1
            update(o, "part_filled")
        elif event in ("cancelled", "filled", "rejected"):
            if event == "filled":
                o["traded"] = o["volume"]
            update(o, event)
            del working[slot]
    for o, status in zip(list(working.values()), reported, strict=False):  # killed; reported at the restart
        if status == "filled":
            o["traded"] = o["volume"]
        update(o, status, run=2, order_id=None, front_id=0, session_id=0)

    path = _journal(tmp_path_factory.mktemp("j") / "j.sqlite", rows)
    rebuilt = _sandbox_counts(path, 3, exempt=exempt, two_messages=two_messages, large_lots=3)
    for name, agent in (("alpha", 0), ("beta", 1), (ACCOUNT, ACCOUNT_ID)):
        want = DailyCounts(live.daily_messages(agent), live.daily_cancels(agent),
                           live.daily_large_cancels(agent))
        assert rebuilt.get((name, "rb2505"), DailyCounts()) == want, name
