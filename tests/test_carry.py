"""Positions carried across trading days: day 1 an agent opens lots and its process ends; day 2 a new process
on the same persisted local front (`state=`, next trading_day) starts each agent from its end-of-day lots of
the previous journal file, as yesterday's lots it alone can close; the journal's carry computation and the
clamp to the counter's yesterday position are tested on their own too (tests/carry_child.py runs each day).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shandian import journal

CHILD = Path(__file__).with_name("carry_child.py")
sys.path.insert(0, str(CHILD.parent))
from carry_child import LOTS, SYM  # noqa: E402


def _run(directory: Path, mode: str) -> dict[str, Any]:
    """Run one trading day's process to its end and return what it wrote."""
    with (directory / "children.log").open("a") as log:
        done = subprocess.run([sys.executable, str(CHILD), str(directory), mode], stderr=log,
                              stdout=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, f"{mode} child failed (log {directory / 'children.log'})"
    return json.loads((directory / f"{mode}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def day1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A front state file, journal and flow directory after day 1 (20250102): alpha holds LOTS long."""
    directory = tmp_path_factory.mktemp("day1")
    out = _run(directory, "day1")
    assert out["stop_reason"] == "bought", out
    assert out["alpha_end"] == {"long": LOTS, "long_yd": 0, "long_today": LOTS}
    return directory


def _file(directory: Path, day: int) -> Path:
    """The account's journal file of a trading day."""
    return next((directory / "journal").rglob(f"*-{day}.journal.sqlite"))


def _next_day(day1: Path, tmp_path: Path) -> Path:
    """A copy of day 1's directory (each day-2 test moves its own front to the next day)."""
    directory = tmp_path / "days"
    shutil.copytree(day1, directory, ignore=shutil.ignore_patterns("*.json"))
    return directory


def test_carry_when_new_day_agent_sees_yesterdays_lots_and_closes_them_with_explicit_offsets(
        day1: Path, tmp_path: Path) -> None:
    directory = _next_day(day1, tmp_path)
    out = _run(directory, "close")
    assert out["stop_reason"] == "closed", out
    assert out["alpha_start"] == {"long": LOTS, "long_yd": LOTS, "long_today": 0}
    assert out["offsets"][0] == "close_yesterday" and out["offsets"][-1] == "close", out["offsets"]
    assert out["alpha_end"]["long"] == 0
    assert out["beta_start"] == {"long": 0, "long_yd": 0, "long_today": 0}
    assert out["beta_sent"] == []
    assert out["beta_refusals"] == {o: "INSUFFICIENT_POSITION" for o in
                                    ("close_yesterday", "close", "close_today", "auto")}
    assert out["discrepancies"] == [], out["discrepancies"]
    # The day's file stands on its own: its carry records + its trades = the day's end (alpha flat).
    day2 = _file(directory, 20250103)
    assert journal.carried_in(day2) == {("alpha", SYM, "long"): (LOTS, pytest.approx(
        journal.end_of_day(_file(directory, 20250102))[
            ("alpha", SYM, "long")][1]))}
    assert journal.end_of_day(day2) == {}
    assert journal.summary(day2)["positions"]["alpha"] == {SYM: (0, 0)}  # the C++ replay counts the carry too


def test_carry_when_restarted_the_same_day_carried_lots_are_still_yesterdays(day1: Path,
                                                                           tmp_path: Path) -> None:
    directory = _next_day(day1, tmp_path)
    first = _run(directory, "inspect")
    again = _run(directory, "inspect")  # the day's file exists now: recovered from its carry records
    for out in (first, again):
        assert out["alpha_start"] == {"long": LOTS, "long_yd": LOTS, "long_today": 0}, out
        assert out["beta_start"] == {"long": 0, "long_yd": 0, "long_today": 0}, out
        assert out["discrepancies"] == [], out["discrepancies"]


def test_carry_when_kill_switch_flattens_carried_lots_are_closed(day1: Path, tmp_path: Path) -> None:
    directory = _next_day(day1, tmp_path)
    out = _run(directory, "flatten")
    assert out["alpha_start"]["long_yd"] == LOTS, out
    assert out["stop_reason"] == "flattened", out
    assert out["alpha_end"]["long"] == 0


def test_carry_when_journal_holds_more_than_the_counter_excess_is_cut_and_reported(
        day1: Path, tmp_path: Path) -> None:
    directory = _next_day(day1, tmp_path)
    _forge_open(_file(directory, 20250102), "alpha", 1)
    out = _run(directory, "inspect")
    assert out["alpha_start"] == {"long": LOTS, "long_yd": LOTS, "long_today": 0}, out
    cut = f"{SYM}: agent alpha carried 1 long yesterday lot(s) the counter does not hold: cut"
    assert out["discrepancies"] == [cut], out["discrepancies"]
    # The cut is journaled: a restart of the day carries what is left and reports nothing new.
    again = _run(directory, "inspect")
    assert again["alpha_start"] == out["alpha_start"]
    assert again["discrepancies"] == [], again["discrepancies"]


def _forge_open(path: Path, agent: str, lots: int) -> None:
    """Add a trade the counter never saw: the journal then believes `agent` holds `lots` more."""
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT INTO records (seq, run, kind, wall_ns, mono_ns, agent_name, symbol, exchange,"
                    " trade_id, direction, offset, price, volume)"
                    " SELECT (SELECT MAX(seq) + 1 FROM records), 1, 'trade', 0, 0, ?, symbol, exchange,"
                    " 'FORGED1', 'buy', 'open', price, ? FROM records WHERE kind = 'trade' LIMIT 1",
                    (agent, lots))
    con.close()


# ---- the journal's carry computation ----------------------------------------------------------------------
def _journal(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A journal file with the given records (the columns the readers use)."""
    con = sqlite3.connect(path)
    with con:
        con.execute(f"CREATE TABLE records ({', '.join(journal.COLUMNS)})")
        for seq, r in enumerate(rows, 1):
            con.execute("INSERT INTO records (seq, run, kind, agent_name, symbol, exchange, trade_id,"
                        " direction, offset, price, volume) VALUES (?, 1, ?, ?, ?, 'SHFE', ?, ?, ?, ?, ?)",
                        (seq, r["kind"], r.get("agent"), r.get("symbol", SYM), r.get("trade_id"),
                         r["direction"], r.get("offset", "open"), r["price"], r["volume"]))
    con.close()
    return path


def _trade(agent: str | None, trade_id: str, direction: str, offset: str, price: float, volume: int,
           symbol: str = SYM) -> dict[str, Any]:
    return {"kind": "trade", "agent": agent, "trade_id": trade_id, "direction": direction, "offset": offset,
            "price": price, "volume": volume, "symbol": symbol}


def test_end_of_day_when_carried_in_and_traded_sums_lots_with_average_prices(tmp_path: Path) -> None:
    path = _journal(tmp_path / "local-20250103.journal.sqlite", [
        {"kind": "position_carry", "agent": "alpha", "direction": "buy", "price": 3000.0, "volume": 2},
        {"kind": "position_carry", "agent": "beta", "direction": "sell", "price": 3100.0, "volume": 3},
        _trade("alpha", "1", "buy", "open", 3030.0, 1),            # alpha long 3 @ 3010
        _trade("alpha", "1", "buy", "open", 3030.0, 1),            # the same trade again: not counted
        _trade("alpha", "2", "sell", "close_yesterday", 3050.0, 1),  # alpha long 2, average unchanged
        _trade("beta", "3", "buy", "close", 3090.0, 3),            # beta flat: dropped
        _trade("beta", "4", "sell", "open", 3200.0, 1, "cu2505"),  # beta short 1 cu2505
        _trade(None, "5", "buy", "open", 3000.0, 4),               # unattributed: nobody's
    ])
    assert journal.carried_in(path) == {("alpha", SYM, "long"): (2, 3000.0),
                                        ("beta", SYM, "short"): (3, 3100.0)}
    eod = journal.end_of_day(path)
    assert set(eod) == {("alpha", SYM, "long"), ("beta", "cu2505", "short")}
    assert eod[("alpha", SYM, "long")] == (2, pytest.approx(3010.0))
    assert eod[("beta", "cu2505", "short")] == (1, pytest.approx(3200.0))


def test_previous_day_path_when_several_days_exist_is_the_latest_earlier_one(tmp_path: Path) -> None:
    for day in (20250102, 20250106, 20250108):
        _journal(tmp_path / f"acct-{day}.journal.sqlite", [])
    _journal(tmp_path / "acct-x-20250107.journal.sqlite", [])  # another account's file
    assert journal.previous_day_path(tmp_path, "acct", 20250107) == tmp_path / "acct-20250106.journal.sqlite"
    assert journal.previous_day_path(tmp_path, "acct", 20250102) is None
