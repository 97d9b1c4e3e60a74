"""The run report: per agent orders, fills, rejects by reason, position and PnL; tick→agent latency.

Built by the engine facade when a run ends (normally, by duration, by Ctrl-C or after a fatal session
error) and printed as a plain-text table. Never contains credentials: it is made only of counters, symbols,
reject codes/reasons from the engine and agent tracebacks.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from shandian.histogram import STANDARD_PERCENTILES, Histogram, percentile_label

__all__ = ["AgentReport", "PositionRow", "RunReport"]


@dataclass
class PositionRow:
    """One instrument of one agent at the end of the run."""

    symbol: str
    long: int
    short: int
    long_avg: float
    short_avg: float
    last_price: float | None
    realized_pnl: float
    unrealized_pnl: float


@dataclass
class AgentReport:
    """What one agent did."""

    name: str
    cls: str
    status: str  # "running" at the end, "stopped: ...", "failed: ExcType: message"
    orders: int = 0
    fills: int = 0
    filled_lots: int = 0
    cancels: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    positions: list[PositionRow] = field(default_factory=list)
    traceback: str = ""
    async_lane: dict[str, float] = field(default_factory=dict)  # async agents only (engine/aio.py counters)

    @property
    def realized_pnl(self) -> float:
        """Sum over instruments, CNY."""
        return sum(p.realized_pnl for p in self.positions)

    @property
    def unrealized_pnl(self) -> float:
        """Sum over instruments, CNY (open lots at the last price)."""
        return sum(p.unrealized_pnl for p in self.positions)


@dataclass
class RunReport:
    """Everything printed at the end of `shandian run`."""

    config: str
    front: str
    elapsed_s: float
    stop_reason: str
    agents: list[AgentReport]
    latency: Histogram
    ticks: int = 0
    batches: int = 0
    session: dict[str, Any] = field(default_factory=dict)
    account: dict[str, Any] = field(default_factory=dict)
    library_versions: tuple[str, str] = ("", "")
    errors: list[str] = field(default_factory=list)

    # ---- output ----------------------------------------------------------------------------------------
    def latency_us(self) -> dict[str, float | None]:
        """Tick→agent latency percentiles (and max) in microseconds."""
        out: dict[str, float | None] = {}
        for p in STANDARD_PERCENTILES:
            v = self.latency.percentile(p)
            out[percentile_label(p)] = None if v is None else v / 1000.0
        out["max"] = None if self.latency.max is None else self.latency.max / 1000.0
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tests and tools read this)."""
        agents = []
        for a in self.agents:
            d = asdict(a)
            d["realized_pnl"] = a.realized_pnl
            d["unrealized_pnl"] = a.unrealized_pnl
            agents.append(d)
        return {
            "config": self.config,
            "front": self.front,
            "elapsed_s": self.elapsed_s,
            "stop_reason": self.stop_reason,
            "ticks": self.ticks,
            "batches": self.batches,
            "latency_samples": self.latency.count,
            "latency_us": self.latency_us(),
            "agents": agents,
            "session": self.session,
            "account": self.account,
            "library_versions": list(self.library_versions),
            "errors": self.errors,
        }

    def to_json(self) -> str:
        """`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)

    def format(self) -> str:
        """Render the human-readable report (a few plain-text tables)."""
        lines: list[str] = []
        rule = "=" * 100
        lines += [rule, f"shandian run report — {self.config}", rule]
        lines.append(f"front      {self.front}")
        if any(self.library_versions):
            lines.append(f"library    trader {self.library_versions[0]} | md {self.library_versions[1]}")
        lines.append(f"elapsed    {self.elapsed_s:.1f} s   stopped: {self.stop_reason}")
        s = self.session
        if s:
            lines.append(
                f"session    logins {s.get('logins', 0)}  trader disconnects {s.get('trader_disconnects', 0)}"
                f"  md disconnects {s.get('md_disconnects', 0)}  ticks dropped {s.get('ticks_dropped', 0)}"
                f"  trader events lost {s.get('trader_events_lost', 0)}"
            )
        lines.append(f"events     ticks {self.ticks}  batches {self.batches}")
        lines.append("")
        header = f"{'agent':<14}{'status':<10}{'orders':>7}{'fills':>7}{'lots':>6}{'cancels':>8}" \
                 f"{'rejects':>8}{'realized':>13}{'unrealized':>13}"
        lines += [header, "-" * len(header)]
        for a in self.agents:
            status = a.status.split(":", 1)[0]
            lines.append(
                f"{a.name[:13]:<14}{status[:9]:<10}{a.orders:>7}{a.fills:>7}{a.filled_lots:>6}{a.cancels:>8}"
                f"{sum(a.rejects.values()):>8}{a.realized_pnl:>13,.2f}{a.unrealized_pnl:>13,.2f}"
            )
        lines.append("")
        lines.append("positions (per agent, own trades only; PnL in CNY, before fees)")
        head = f"  {'agent':<14}{'symbol':<10}{'long':>5}{'avg':>11}{'short':>6}{'avg':>11}{'last':>10}" \
               f"{'realized':>13}{'unrealized':>12}"
        rows = []
        for a in self.agents:
            for p in a.positions:
                last = "-" if p.last_price is None else f"{p.last_price:g}"
                long_avg = f"{p.long_avg:.2f}" if p.long else "-"
                short_avg = f"{p.short_avg:.2f}" if p.short else "-"
                rows.append(
                    f"  {a.name[:13]:<14}{p.symbol:<10}{p.long:>5}{long_avg:>11}{p.short:>6}{short_avg:>11}"
                    f"{last:>10}{p.realized_pnl:>13,.2f}{p.unrealized_pnl:>12,.2f}"
                )
        lines += [head, *rows] if rows else ["  (no fills)"]
        lines.append("")
        lines.append("rejects by reason")
        any_rej = False
        for a in self.agents:
            for reason, n in sorted(a.rejects.items(), key=lambda kv: -kv[1]):
                any_rej = True
                lines.append(f"  {a.name[:13]:<14}{n:>6}  {reason}")
        if not any_rej:
            lines.append("  (none)")
        lanes = [a for a in self.agents if a.async_lane]
        if lanes:
            lines.append("")
            lines.append("async agents (late = arrived while a coroutine of the agent was suspended)")
            for a in lanes:
                c = a.async_lane
                lines.append(f"  {a.name[:13]:<14}coroutines {c['coroutines']:g}"
                             f"  slow {c['slow_coroutines']:g}"
                             f"  max {c['max_coroutine_ms']:.1f} ms  late ticks {c['late_ticks']:g}"
                             f"  conflated {c['conflated_ticks']:g}  queued events {c['queued_events']:g}"
                             f"  dropped at stop {c['dropped_at_stop']:g}")
        failed = [a for a in self.agents if a.status.startswith("failed")]
        if failed:
            lines.append("")
            lines.append("agent failures (traceback logged)")
            for a in failed:
                lines.append(f"  {a.name}: {a.status.split(':', 1)[1].strip()}")
        lines.append("")
        lat = self.latency_us()
        cells = "  ".join(f"{k} {'-' if v is None else f'{v:.1f}'}" for k, v in lat.items())
        n = self.latency.count
        lines.append(f"tick→agent latency, µs (CTP callback recv_ns → agent on_tick), n={n}")
        lines.append(f"  {cells}")
        if self.account:
            lines.extend(account_lines(self.account))
        for e in self.errors:
            lines.append(f"error      {e}")
        lines.append(rule)
        return "\n".join(lines)


def account_lines(a: dict[str, Any]) -> list[str]:
    """Render the account: live figures and their last reconciliation with the counter.

    The difference is what that reconciliation found (counter - live), per figure.
    """
    lines = [
        f"account    balance {a.get('balance', 0):,.2f}  available {a.get('available', 0):,.2f}"
        f"  margin {a.get('current_margin', 0):,.2f}  frozen margin {a.get('frozen_margin', 0):,.2f}"
        f"  frozen fees {a.get('frozen_commission', 0):,.2f}"
    ]
    at = a.get("reconciled_at")
    if at is None:
        lines.append("           live (ledger); no counter account query answered yet")
        return lines
    when = time.strftime("%H:%M:%S", time.localtime(at))
    differing = int(a.get("differing", 0))
    queries = int(a.get("reconciles", 0))
    history = f"{queries} {'query' if queries == 1 else 'queries'}"
    if differing:
        history += f", {differing} differed"
    names = {"balance": "balance", "available": "available", "current_margin": "margin",
             "frozen_margin": "frozen margin", "frozen_commission": "frozen fees"}
    diff = [f"{names.get(k, k)} {v:+,.2f}" for k, v in (a.get("difference") or {}).items() if abs(v) > 0.005]
    lines.append(f"           live (ledger); last reconciled with the counter at {when} ({history}); "
                 f"difference then: {'none' if not diff else '(counter - live)'}")
    if diff:
        lines.append("             " + ", ".join(diff))
    return lines
