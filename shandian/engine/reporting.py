"""The account figures, the progress line and the run report, read from the C++ books."""

from __future__ import annotations

import math
import time
from typing import Any

from shandian.agent import (
    REJECT_CODES,
    Account,
)
from shandian.engine.state import EngineState
from shandian.histogram import Histogram
from shandian.report import AgentReport, PositionRow, RunReport


class Reporting(EngineState):
    """Account figures, progress line and run report (mixed into `Engine`)."""

    @property
    def account(self) -> Account:
        """The account's funds, tracked live by the C++ ledger and reconciled on each counter query."""
        if self._rt is None:
            return Account()
        return Account(**self._account_figures())

    def query_account(self) -> bool:
        """Ask the counter for positions and funds now (from an agent callback or timer).

        The answers reconcile the ledgers (positions) and the live account (`account.reconciled_at`,
        `account.difference`); False when the trader session is not ready.
        """
        if self._rt is None:
            return False
        return bool(self._rt.query_account())

    def _account_figures(self) -> dict[str, Any]:
        """Live account figures, the last answer's PnL fields, and the last reconciliation (wall clock)."""
        queried = self._rt.account
        track = self._rt.account_live
        ns = int(track["reconciled_ns"])
        return {
            **track["live"],
            "commission": queried["commission"],
            "close_profit": queried["close_profit"],
            "position_profit": queried["position_profit"],
            "reconciled_at": time.time() - (time.monotonic_ns() - ns) / 1e9 if ns else None,
            "reconciles": int(track["reconciles"]),
            "differing": int(track["differing"]),
            "difference": dict(track["difference"]),
        }

    def _front_text(self) -> str:
        a = self.config.account
        front = a.trader_fronts[0] if a.trader_fronts else "-"
        return f"{front} (library {a.library}, broker {a.broker_id}, user {a.user_id})"

    def _build_report(self) -> RunReport:
        self._flush_latency()
        rows = []
        for agent in self._agents:
            st = self._states[agent]
            books = self._rt.agent_ledger(st.agent_id)
            positions = []
            for symbol, pos in sorted(st.positions.items()):
                if not pos.fills:
                    continue
                last = pos.last_price
                positions.append(PositionRow(
                    symbol, pos.long, pos.short, pos.long_avg, pos.short_avg,
                    None if math.isnan(last) else last, pos.realized_pnl, pos.unrealized_pnl,
                ))
            if st.failed:
                status = st.failed if st.failed.startswith("stopped") else f"failed: {st.failed}"
            elif self._started_agents:
                status = "ok"
            else:
                status = "not started"
            rows.append(AgentReport(
                name=agent.name, cls=f"{type(agent).__module__}.{type(agent).__qualname__}", status=status,
                orders=books.orders, fills=books.fills, filled_lots=books.filled_lots, cancels=books.cancels,
                rejects={REJECT_CODES.get(code, str(code)): n for code, n in enumerate(books.refusals) if n},
                positions=positions,
                traceback=st.traceback,
                async_lane=self._aio.stats(agent) if self._aio is not None and agent in self._aio else {},
            ))
        stats = self._rt.stats()
        try:
            versions = tuple(self._rt.library_versions)
        except Exception:  # pragma: no cover - informational only
            versions = ("", "")
        return RunReport(
            config=self.config_name,
            front=self._front_text(),
            elapsed_s=time.monotonic() - self._t0,
            stop_reason=self._stop_reason,
            agents=rows,
            latency=Histogram.from_dict(self._hist.to_dict()),
            ticks=int(stats.get("ticks", self._ticks)),
            batches=int(stats.get("batches", self._batches)),
            session=dict(self._rt.session_stats()),
            account=self._account_figures(),
            library_versions=(str(versions[0]), str(versions[1])),
            errors=list(self._errors),
        )

    def status(self) -> dict[str, Any]:
        """Return the engine's figures now (engine thread only: they read the C++ books).

        ready, trader / md session states, ticks, orders, fills, rejects and pnl (realized - commission +
        unrealized, all agents) from the ledgers, the account's risk state, killed, each agent's status and
        the report's error lines so far: what `shandian fleet status` and the notifier show.
        """
        rt = self._rt
        if rt is None:
            raise RuntimeError("the engine is not running")
        orders = fills = rejects = 0
        pnl = 0.0
        agents: dict[str, str] = {}
        for agent in self._agents:
            st = self._states[agent]
            books = rt.agent_ledger(st.agent_id)
            orders += books.orders
            fills += books.fills
            rejects += sum(books.refusals)
            pnl += books.realized_pnl - books.commission
            pnl += sum(p.unrealized_pnl for p in st.positions.values() if not math.isnan(p.unrealized_pnl))
            agents[agent.name] = "running" if st.running else (st.failed or "idle")
        return {"ready": bool(self._started_agents), "trader": str(rt.trader_state), "md": str(rt.md_state),
                "ticks": int(self._ticks), "orders": orders, "fills": fills, "rejects": rejects,
                "pnl": round(pnl, 2), "risk_state": self.trading_state(), "killed": self.killed,
                "agents": agents, "errors": list(self._errors)}

    def progress_line(self) -> str:
        """One status line: elapsed, session states, ticks, orders, fills, rejects, agents running."""
        running = sum(1 for a in self._agents if self._states[a].running)
        books = [self._rt.agent_ledger(self._states[a].agent_id) for a in self._agents]
        orders, fills = sum(b.orders for b in books), sum(b.fills for b in books)
        return (
            f"[{time.monotonic() - self._t0:6.1f}s] trader {self._rt.trader_state:<8}"
            f" md {self._rt.md_state:<8}"
            f" ticks {self._ticks:>7}  orders {orders:>5}  fills {fills:>5}"
            f"  rejects {sum(sum(b.refusals) for b in books):>4}  agents {running}/{len(books)} running"
        )

    def _not_ready_errors(self, prefix: str) -> list[str]:
        """Why trading is not ready: the session states, then each front never reached (attempts, reason)."""
        elapsed = time.monotonic() - self._t0
        lines = [f"{prefix} (trader {self._rt.trader_state}, md {self._rt.md_state})"]
        lines += [text for reach in self._reach.values() if (text := reach.never_reached(elapsed))]
        return lines

    def _report_never_ready(self) -> None:
        """At stop: when trading never became ready (and no error says why yet), the report says why."""
        if self._started_agents or self._not_ready_reported or self._rt.fatal_reason:
            return
        self._not_ready_reported = True
        elapsed = time.monotonic() - self._t0
        for line in self._not_ready_errors(f"trading never became ready in {elapsed:.0f} s"):
            self._add_error(line)
