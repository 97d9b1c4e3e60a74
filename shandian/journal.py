"""The journal from Python: tail it with gap detection, recover from it, inspect and export it.

The journal itself is written by C++ (cpp/journal): one SQLite file (WAL) per account per trading day, one
row per fact with a gap-free sequence number `seq` that continues across restarts (`run` counts them).

    reader = JournalReader(path)            # dashboards / monitors
    for rec in reader.poll(): ...           # new records since the last poll; reader.gaps lists missing seqs
    export(path, "out/", fmt="csv")         # orders.csv, trades.csv, risk.csv (fmt="parquet" needs pyarrow)
"""

from __future__ import annotations

import csv
import datetime as _dt
import importlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shandian.errors import JournalGapError
from shandian.names import by_name

__all__ = [
    "AgentStates",
    "DailyCounts",
    "JournalGapError",
    "JournalReader",
    "Recovery",
    "agent_states",
    "carried_in",
    "daily_counts",
    "default_path",
    "discrepancies",
    "end_of_day",
    "export",
    "position_discrepancies",
    "previous_day_path",
    "summary",
    "trading_day_for",
]

UNATTRIBUTED = "unattributed"
COLUMNS = (
    "seq", "run", "kind", "wall_ns", "mono_ns", "recv_ns", "agent", "agent_name", "order_id", "order_ref",
    "front_id", "session_id", "symbol", "exchange", "order_sys_id", "trade_id", "direction", "offset",
    "order_kind", "status", "price", "volume", "traded", "code", "reject_code", "flag", "text",
)
EXPORTS = {
    "orders": ("order_request", "order_update", "cancel_request"),
    "trades": ("trade",),
    "risk": ("risk_decision",),
}
_FINAL = {"filled", "cancelled", "rejected"}


def trading_day_for(now: _dt.datetime) -> int:
    """Return the CTP trading day of a moment: after 20:00 the night session opens the next weekday."""
    day = now.date()
    if now.hour >= 20:
        day += _dt.timedelta(days=1)
    while day.weekday() >= 5:  # Saturday/Sunday (exchange holidays are not known here)
        day += _dt.timedelta(days=1)
    return int(day.strftime("%Y%m%d"))


def default_path(directory: str | Path, account: str, trading_day: int) -> Path:
    """`<dir>/<account>-<YYYYMMDD>.journal.sqlite` (the same rule as the C++ journal)."""
    from shandian import _core

    return Path(_core.journal_default_path(str(directory), account, int(trading_day)))


def _connect(path: str | Path) -> sqlite3.Connection:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"journal {p}: no such file")
    con = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=5.0)
    con.row_factory = sqlite3.Row
    try:
        con.execute("SELECT seq FROM records LIMIT 1")
    except sqlite3.DatabaseError as e:
        con.close()
        raise ValueError(f"journal {p}: not a shandian journal ({e})") from None
    return con


def _rows(path: str | Path, sql: str) -> list[sqlite3.Row]:
    """Return every row of one query on a journal file (opened read-only, closed again)."""
    con = _connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class JournalReader:
    """Tails a journal: each poll() returns the records committed since the previous one, in seq order.

    A missing sequence number is a gap: recorded in `gaps` as (first_missing, last_missing), and raised as
    JournalGapError when `strict`. Records are dicts keyed by the column names (None for empty columns).
    """

    def __init__(self, path: str | Path, *, after_seq: int = 0, strict: bool = False) -> None:
        self.path = Path(path)
        self.last_seq = after_seq
        self.strict = strict
        self.gaps: list[tuple[int, int]] = []
        self._con: sqlite3.Connection | None = None

    def poll(self, limit: int = 10_000) -> list[dict[str, Any]]:
        """Return the new records (at most `limit`); an empty list when nothing new was committed."""
        if self._con is None:
            self._con = _connect(self.path)
        rows = self._con.execute(
            "SELECT * FROM records WHERE seq > ? ORDER BY seq LIMIT ?", (self.last_seq, limit)
        ).fetchall()
        out: list[dict[str, Any]] = []
        for row in rows:
            rec = dict(row)
            seq = int(rec["seq"])
            if seq != self.last_seq + 1:
                gap = (self.last_seq + 1, seq - 1)
                self.gaps.append(gap)
                if self.strict:
                    self.last_seq = seq
                    raise JournalGapError(f"journal {self.path}: records {gap[0]}..{gap[1]} are missing")
            self.last_seq = seq
            out.append(rec)
        return out

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every record committed so far (one pass)."""
        while batch := self.poll():
            yield from batch

    def close(self) -> None:
        """Close the read connection."""
        if self._con is not None:
            self._con.close()
            self._con = None


def summary(path: str | Path) -> dict[str, Any]:
    """Count records per kind, runs and gaps, and replay per-agent positions from the trades."""
    from shandian import _core

    reader = JournalReader(path)
    kinds: dict[str, int] = {}
    runs: set[int] = set()
    for rec in reader:
        kinds[rec["kind"]] = kinds.get(rec["kind"], 0) + 1
        runs.add(int(rec["run"]))
    reader.close()
    replay = _core.journal_replay(str(path))
    return {
        "path": str(path),
        "records": reader.last_seq,
        "runs": len(runs),
        "kinds": kinds,
        "gaps": reader.gaps,
        "positions": replay["positions"],
        "duplicate_trades": replay["duplicate_trades"],
    }


def export(path: str | Path, out_dir: str | Path, *, fmt: str = "csv",
           what: tuple[str, ...] = ("orders", "trades", "risk")) -> list[Path]:
    """Write `<what>.csv` or `<what>.parquet` for a journal's orders, trades and risk events."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format {fmt!r} must be 'csv' or 'parquet'")
    unknown = [w for w in what if w not in EXPORTS]
    if unknown:
        raise ValueError(f"export {unknown[0]!r} must be one of {', '.join(EXPORTS)}")
    pa: Any = None  # the optional pyarrow modules, imported only for parquet
    pq: Any = None
    if fmt == "parquet":
        try:
            pa = importlib.import_module("pyarrow")
            pq = importlib.import_module("pyarrow.parquet")
        except ImportError:
            raise RuntimeError("Parquet export needs pyarrow: pip install 'shandian[journal]'") from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = _connect(path)
    written: list[Path] = []
    try:
        for name in what:
            kinds = EXPORTS[name]
            marks = ",".join("?" * len(kinds))
            rows = [dict(r) for r in con.execute(
                f"SELECT * FROM records WHERE kind IN ({marks}) ORDER BY seq", kinds)]
            for r in rows:
                if r["kind"] in ("trade", "order_update", "order_request") and r["agent_name"] is None:
                    r["agent_name"] = UNATTRIBUTED
            target = out / f"{name}.{fmt}"
            if fmt == "csv":
                with target.open("w", newline="", encoding="utf-8") as f:
                    w = csv.DictWriter(f, fieldnames=COLUMNS)
                    w.writeheader()
                    w.writerows(rows)
            else:
                assert pa is not None and pq is not None
                table = pa.Table.from_pylist(rows, schema=_arrow_schema(pa))
                pq.write_table(table, target)
            written.append(target)
    finally:
        con.close()
    return written


def _arrow_schema(pa: Any) -> Any:
    ints = {"seq", "run", "wall_ns", "mono_ns", "recv_ns", "agent", "order_id", "order_ref", "front_id",
            "session_id", "volume", "traded", "code", "flag"}
    return pa.schema([
        (c, pa.int64() if c in ints else pa.float64() if c == "price" else pa.string()) for c in COLUMNS
    ])


# ---- recovery ----------------------------------------------------------------------------------------------
@dataclass
class Recovery:
    """What a restart rebuilt from the journal (before this run's records)."""

    path: Path
    replay: dict[str, Any]
    seeded_orders: int = 0
    seeded_trades: int = 0
    booked_trades: int = 0  # journaled trades booked into the C++ ledgers (agents and unattributed)
    carried_lots: int = 0  # yesterday's lots of the configured agents seeded from the file's carry records
    unknown_agents: set[str] = field(default_factory=set)


# ---- carry-over between trading days ---------------------------------------------------------------------
CarryKey = tuple[str, str, str]  # (agent name, symbol, "long" | "short")


def carried_in(path: str | Path) -> dict[CarryKey, tuple[int, float]]:
    """Return the lots a day's file records as carried in from the previous day: key -> (lots, average price).

    A negative record is a cut: lots the counter did not hold at the day's first reconcile.
    """
    rows = _rows(path, "SELECT agent_name, symbol, direction, volume, price FROM records "
                       "WHERE kind = 'position_carry' ORDER BY seq")
    out: dict[CarryKey, tuple[int, float]] = {}
    for r in rows:
        key = (r["agent_name"], r["symbol"], "long" if r["direction"] == "buy" else "short")
        lots, avg = out.get(key, (0, 0.0))
        out[key] = _add_lots((lots, avg), int(r["volume"]), float(r["price"])) if r["volume"] > 0 else (
            lots + int(r["volume"]), avg)
    return {k: v for k, v in out.items() if v[0] > 0}


def _add_lots(held: tuple[int, float], lots: int, price: float) -> tuple[int, float]:
    """Lots opened at `price` added to a side: the average price weighs them (as the C++ ledger does)."""
    n, avg = held
    return n + lots, (avg * n + price * lots) / (n + lots)


def end_of_day(path: str | Path) -> dict[CarryKey, tuple[int, float]]:
    """Each agent's lots at the end of a journal's day: carried in + the day's distinct trades.

    Opens add lots at their price (average price per side), closes take lots off the side they close (a sell
    closes long lots); a side that is flat or below (an over-close) is dropped. Unattributed trades are
    not an agent's: the counter's reconcile adopts whatever they leave.
    """
    held = carried_in(path)
    for t in distinct_trades(path):
        if t["agent_name"] is None:
            continue
        opens = t["offset"] == "open"
        side = "long" if (t["direction"] == "buy") == opens else "short"
        k = (t["agent_name"], t["symbol"], side)
        lots, avg = held.get(k, (0, 0.0))
        if opens:
            held[k] = _add_lots((max(lots, 0), avg), int(t["volume"]), float(t["price"]))
        else:
            held[k] = (lots - int(t["volume"]), avg)
    return {k: v for k, v in held.items() if v[0] > 0}


def previous_day_path(directory: str | Path, account: str, trading_day: int) -> Path | None:
    """Return the account's most recent journal file of a day before `trading_day` (None when none)."""
    pattern = re.compile(re.escape(account) + r"-(\d{8})\.journal\.sqlite")
    days = [int(m.group(1)) for p in Path(directory).glob(f"{account}-*.journal.sqlite")
            if (m := pattern.fullmatch(p.name)) and int(m.group(1)) < trading_day]
    return default_path(directory, account, max(days)) if days else None


def seed_carry(rt: Any, carry: Mapping[CarryKey, tuple[int, float]], agent_ids: Mapping[str, int]) -> int:
    """Book carried-in lots of the configured agents as yesterday's lots; return the lots seeded.

    The engine clamps them to the counter at its first position reconcile; lots of agents no longer
    configured are left for that reconcile to adopt as unattributed.
    """
    seeded = 0
    for (name, symbol, side), (lots, price) in sorted(carry.items()):
        agent = agent_ids.get(name)
        if agent is not None:
            rt.seed_ledger_carry(agent, symbol, side == "long", lots, price)
            seeded += lots
    return seeded


def recover(rt: Any, path: Path, agent_ids: Mapping[str, int]) -> Recovery:
    """Seed the engine's order manager from a journal: earlier orders' agents, trades already booked.

    Agents are matched by name; names no longer configured become unattributed.
    """
    from shandian import _core

    replay = _core.journal_replay(str(path))
    rec = Recovery(path=path, replay=replay)
    for o in replay["orders"]:
        if o["front_id"] == 0 and o["session_id"] == 0:
            continue  # a report without its identity (counter report after an earlier restart): seeded by ref
        name = o["agent"]
        agent = agent_ids.get(name) if name is not None else None
        if name is not None and agent is None:
            rec.unknown_agents.add(name)
        if rt.seed_order_link(agent, o["front_id"], o["session_id"], o["order_ref"], o["exchange"],
                              o["order_sys_id"], o["booked"]):
            rec.seeded_orders += 1
    direction = by_name(_core.Direction)
    for exchange, trade_id, side in replay["trades"]:
        if rt.seed_trade(exchange, trade_id, direction[side]):
            rec.seeded_trades += 1
    rec.carried_lots = seed_carry(rt, carried_in(path), agent_ids)  # before the day's trades that close them
    offset = by_name(_core.Offset)
    for t in distinct_trades(path):  # per-agent ledgers: every distinct journaled trade, in order
        name = t["agent_name"]
        agent = agent_ids.get(name) if name is not None else None
        rt.seed_ledger_trade(agent, t["symbol"], direction[t["direction"]], offset[t["offset"]],
                             float(t["price"]), int(t["volume"]))
        rec.booked_trades += 1
    return rec


# ---- persistent agent state -------------------------------------------------------------------------------
@dataclass
class AgentStates:
    """The journaled `state` fields: the newest complete value of each (agent name, field), and what failed.

    `corrupted`: agent name -> descriptions of payloads that cannot be decoded (the agent must not start on a
    guess); `torn`: values a crash cut before their last chunk was committed (the field keeps its previous
    value, as for any record not yet committed at a kill).
    """

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    corrupted: dict[str, list[str]] = field(default_factory=dict)
    torn: list[str] = field(default_factory=list)


def agent_states(*paths: str | Path) -> AgentStates:
    """Read the `agent_state` records of journal files, oldest file first: later values replace earlier ones.

    A value is journaled as ASCII JSON `["field", value]` cut into chunks (`code` = chunk index, `flag` on the
    last one), consecutive in seq for one agent. A chunk run interrupted by the end of its run (a kill) is
    torn and skipped; anything else that does not decode is corrupted.
    """
    out = AgentStates()
    for path in paths:
        rows = _rows(path, "SELECT seq, run, agent_name, code, flag, text FROM records "
                           "WHERE kind = 'agent_state' ORDER BY seq")
        open_runs: dict[str, tuple[int, int, list[str]]] = {}  # agent -> (first seq, run, chunks so far)

        file = Path(path).name

        def corrupt(name: str, seq: int, why: str, file: str = file) -> None:
            out.corrupted.setdefault(name, []).append(f"journal {file} record {seq}: {why}")

        for r in rows:
            name, seq, run = r["agent_name"] or "", int(r["seq"]), int(r["run"])
            pending = open_runs.pop(name, None)
            if pending is not None and pending[1] != run:
                out.torn.append(f"agent {name}: state value from record {pending[0]} cut by the end of run "
                                f"{pending[1]}")
                pending = None
            if int(r["code"] or 0) == 0:
                if pending is not None:
                    corrupt(name, pending[0], "state value without its last chunk")
                pending = (seq, run, [])
            elif pending is None or len(pending[2]) != int(r["code"]):
                corrupt(name, seq, f"state chunk {r['code']} out of sequence")
                continue
            pending[2].append(r["text"] or "")
            if not r["flag"]:
                open_runs[name] = pending
                continue
            payload = "".join(pending[2])
            try:
                decoded = json.loads(payload)
            except ValueError as e:
                corrupt(name, pending[0], f"state payload is not JSON ({e}): {payload[:80]!r}")
                continue
            if not (isinstance(decoded, list) and len(decoded) == 2 and isinstance(decoded[0], str)):
                corrupt(name, pending[0], f"state payload is not [field, value]: {payload[:80]!r}")
                continue
            out.values.setdefault(name, {})[decoded[0]] = decoded[1]
        for name, (seq, run, _) in open_runs.items():
            out.torn.append(f"agent {name}: state value from record {seq} cut by the end of run {run}")
    return out


@dataclass
class DailyCounts:
    """The risk engine's daily counts of one (agent, instrument): messages, cancels (large too), opens."""

    messages: int = 0
    cancels: int = 0
    large_cancels: int = 0
    opened: int = 0


ACCOUNT = None  # the agent key of the account's own counts in daily_counts()
_NO_AGENT = 0xFFFF_FFFF  # core::kNoAgent


def daily_counts(path: str | Path, before_run: int, *, counter: Callable[[int, int], Any],
                 instrument: Callable[[str], int | None]) -> dict[tuple[str | None, str], DailyCounts]:
    """Rebuild the risk engine's daily counts per (agent name, symbol) from runs before `before_run`.

    The requests and order updates of the journal are replayed, in journal order, through a scratch C++ risk
    engine (`counter(agents, orders)`: a `_core.RiskReplay` over the engine's instruments and limits), i.e. by
    the live engine's own counting rules, never a copy of them. Keys are (agent name, symbol) for each agent
    and (ACCOUNT, symbol) for the whole account (unattributed orders included); symbols `instrument(symbol)`
    does not know are skipped. Opened lots are the distinct journaled trades of opens.
    """
    from shandian import _core

    con = _connect(path)
    try:
        rows = [dict(r) for r in con.execute(
            "SELECT kind, agent_name, symbol, order_kind, status, reject_code, volume, traded, front_id, "
            "session_id, order_ref, exchange, trade_id, direction, offset FROM records WHERE run < ? AND "
            "kind IN ('order_request', 'cancel_request', 'order_update', 'trade') ORDER BY seq",
            (before_run,))]
    finally:
        con.close()
    names = sorted({r["agent_name"] for r in rows if r["agent_name"] is not None})
    agent_ids = {name: i for i, name in enumerate(names)}
    capacity = 16384  # the replay's order slots: an id's low 32 bits index one, its high bits count reuses
    replay = counter(len(names) + 1, capacity)
    kinds, statuses, offsets = (by_name(e) for e in (_core.OrderKind, _core.OrderStatus, _core.Offset))
    orders: dict[tuple[int, int, int], dict[str, Any]] = {}
    by_ref: dict[int, tuple[int, int, int]] = {}  # our refs never repeat within a trading day
    pairs: set[tuple[str | None, str]] = set()
    opened: dict[tuple[str | None, str], int] = {}
    trades: set[tuple[str, str, str]] = set()

    def agent_of(name: str | None) -> int:
        return agent_ids[name] if name is not None else _NO_AGENT

    def order_of(r: dict[str, Any]) -> dict[str, Any] | None:
        key = (int(r["front_id"] or 0), int(r["session_id"] or 0), int(r["order_ref"] or 0))
        if key in orders:
            return orders[key]
        known = by_ref.get(key[2]) if key[:2] == (0, 0) else None
        return orders.get(known) if known is not None else None

    for r in rows:
        symbol = r["symbol"] or ""
        idx = instrument(symbol) if symbol else None
        if idx is None:
            continue
        if r["kind"] == "trade":
            key = (r["exchange"] or "", r["trade_id"] or "", r["direction"] or "")
            if r["offset"] == "open" and key not in trades:
                for who in {r["agent_name"], ACCOUNT}:  # an unattributed trade: the account's only
                    opened[(who, symbol)] = opened.get((who, symbol), 0) + int(r["volume"] or 0)
            trades.add(key)
            continue
        if r["kind"] == "order_request":
            key = (int(r["front_id"] or 0), int(r["session_id"] or 0), int(r["order_ref"] or 0))
            n = len(orders)
            o = {"id": ((n // capacity + 1) << 32) | (n % capacity), "agent": agent_of(r["agent_name"]),
                 "instrument": idx, "kind": kinds[r["order_kind"] or "limit"],
                 "volume": int(r["volume"] or 0), "offset": offsets[r["offset"] or "open"]}
            orders[key] = o
            by_ref[key[2]] = key
            pairs.add((r["agent_name"], symbol))
            replay.order_sent(o["agent"], idx, o["kind"], o["volume"])
            continue
        held = order_of(r)
        if r["kind"] == "cancel_request":
            pairs.add((r["agent_name"], symbol))
            replay.cancel_sent(agent_of(r["agent_name"]), idx, held["id"] if held is not None else 0)
        elif held is not None:  # an update of an order the journal holds (the counter's history: the rest)
            replay.order_update(held["id"], held["agent"], held["instrument"], held["kind"],
                                statuses[r["status"]], held["volume"], int(r["traded"] or 0), held["offset"],
                                r["reject_code"] == "CANCEL_REJECTED")
    counts: dict[tuple[str | None, str], DailyCounts] = {}
    for name, symbol in pairs | set(opened) | {(ACCOUNT, s) for _, s in pairs}:
        idx = instrument(symbol)
        assert idx is not None
        if name is ACCOUNT:
            messages, cancels, large = replay.daily(_NO_AGENT, idx)
        elif name in agent_ids:
            messages, cancels, large = replay.daily(agent_ids[name], idx)
        else:
            continue
        counts[(name, symbol)] = DailyCounts(messages, cancels, large, opened.get((name, symbol), 0))
    return counts


def trade_rows(path: str | Path) -> list[dict[str, Any]]:
    """Return every trade record of a journal, in journal order."""
    con = _connect(path)
    try:
        return [dict(r) for r in con.execute("SELECT * FROM records WHERE kind = 'trade' ORDER BY seq")]
    finally:
        con.close()


def distinct_trades(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield each journaled trade once, in journal order.

    A replayed or re-queried copy of a trade has the same (exchange, trade id, direction): it is skipped, as
    the order manager skips it.
    """
    seen: set[tuple[str, str, str]] = set()
    for t in trade_rows(path):
        key = (t["exchange"] or "", t["trade_id"] or "", t["direction"])
        if key not in seen:
            seen.add(key)
            yield t


def discrepancies(path: str | Path, run: int) -> list[str]:
    """Differences between the journal of earlier runs and what the counter reported in run `run`."""
    con = _connect(path)
    try:
        before: dict[int, dict[str, Any]] = {}
        for r in con.execute(
            "SELECT * FROM records WHERE run < ? AND kind IN ('order_request', 'order_update') "
            "AND order_ref IS NOT NULL ORDER BY seq", (run,)):
            if r["kind"] == "order_request" or r["order_ref"] in before:
                before.setdefault(r["order_ref"], {}).update(
                    {k: r[k] for k in ("agent_name", "symbol", "status", "traded") if r[k] is not None})
        reported: set[int] = set()
        out: list[str] = []
        # Counter reports in this run: orders not placed by it (no id), or adopted (an id without a request).
        for r in con.execute(
            "SELECT * FROM records WHERE run = ? AND kind = 'order_update' AND (order_id IS NULL OR order_id "
            "NOT IN (SELECT order_id FROM records WHERE run = ? AND kind = 'order_request' "
            "AND order_id IS NOT NULL)) ORDER BY seq", (run, run)):
            ref = r["order_ref"]
            known = before.get(ref)
            if known is None:
                out.append(f"order ref {ref} {r['symbol']} {r['status']} {r['traded']}/{r['volume']}: "
                           f"not in the journal, booked to {r['agent_name'] or UNATTRIBUTED}")
                continue
            reported.add(ref)
            if known.get("status") != r["status"] or int(known.get("traded") or 0) != int(r["traded"] or 0):
                out.append(f"order ref {ref} of {known.get('agent_name') or UNATTRIBUTED}: journal "
                           f"{known.get('status')} traded {known.get('traded') or 0}, counter {r['status']} "
                           f"traded {r['traded']}")
        learned = "SELECT * FROM records WHERE run = ? AND kind = 'trade' AND flag = 1 ORDER BY seq"
        for r in con.execute(learned, (run,)):
            out.append(f"trade {r['exchange']}:{r['trade_id'].strip()} {r['symbol']} {r['direction']} "
                       f"{r['volume']}@{r['price']:g}: not in the journal, booked to "
                       f"{r['agent_name'] or UNATTRIBUTED}")
        for ref, known in before.items():
            if ref not in reported and known.get("status") not in _FINAL:
                out.append(f"order ref {ref} of {known.get('agent_name') or UNATTRIBUTED} "
                           f"({known.get('status')}): not reported by the counter after the restart")
        return out
    finally:
        con.close()


def position_discrepancies(rt: Any, agents: Mapping[str, int]) -> list[str]:
    """Instruments whose agent ledgers (recovered from the journal) do not sum to the counter's positions.

    Called after the first reconcile of a restarted run (`rt`: the running `_core.Engine`, `agents`: name ->
    agent id). That reconcile adopts lots the counter holds beyond the agents as unattributed, silently; lots
    the agents believe they hold beyond the counter it cannot adopt — both are reported here, per side.
    """
    out: list[str] = []
    for idx in range(rt.instrument_count):
        counter = rt.instrument(idx)
        want = (counter["long_today"] + counter["long_yd"], counter["short_today"] + counter["short_yd"])
        views = {name: rt.position(agent, idx) for name, agent in agents.items()}
        held = {name: (v.long_today + v.long_yd, v.short_today + v.short_yd) for name, v in views.items()}
        have = (sum(h[0] for h in held.values()), sum(h[1] for h in held.values()))
        if have == want:
            continue
        detail = ", ".join(f"{name} L{h[0]} S{h[1]}" for name, h in sorted(held.items()) if h != (0, 0))
        sides = []
        for side, mine, theirs in (("long", have[0], want[0]), ("short", have[1], want[1])):
            if mine > theirs:
                sides.append(f"the agents hold {mine - theirs} {side} lot(s) the account does not")
            elif mine < theirs:
                sides.append(f"{theirs - mine} {side} lot(s) at the counter are in no agent's ledger "
                             f"({UNATTRIBUTED})")
        out.append(f"{counter['symbol']}: agent ledgers L{have[0]} S{have[1]} ({detail or 'none'}) vs "
                   f"counter L{want[0]} S{want[1]}: {'; '.join(sides)}")
    return out
