"""Compare the market maker's quote modes on the same generated day of the local front.

    python tools/mm_modes.py                 # every mode, a whole day of rb at 1000x (~20 s per mode)
    python tools/mm_modes.py --quick         # the first trading window only (09:00-10:15)
    python tools/mm_modes.py --modes join top --seed 7 --width 3 --markdown

Each mode runs alone on a fresh local front (same seed, same ticks) with the SHFE risk preset (480 cancels on
the contract per day) and prints: net PnL (realized + unrealized - fees, CNY), fills, fill rate (filled
orders / orders sent), the largest absolute inventory, and cancels used out of the day's limit. The fills come
from the local front's conservative queue model (a quote fills once the volume ahead of it traded), so the
numbers compare modes with each other; they are not a forecast.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _load_agent_module() -> Any:
    spec = importlib.util.spec_from_file_location("agents_market_maker", ROOT / "agents" / "market_maker.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_mode(mm: Any, mode: str, *, seed: int, speed: int, until_ms: int,
             params: dict[str, Any]) -> dict[str, Any]:
    """Run one mode over the day (until `until_ms` exchange time) and return its figures."""
    from shandian.risk import parse_risk
    from shandian.testing import local_engine

    class Measured(mm.MarketMaker):  # type: ignore[misc, name-defined]
        def on_start(self) -> None:
            super().on_start()
            self.view: Any = None

        def on_tick(self, tick: Any) -> None:
            super().on_tick(tick)
            if tick.exchange_time_ms >= until_ms:
                self.view = self.risk(tick.symbol)
                self._engine.stop("day over")

    agent = Measured("mm", {**params, "mode": mode})
    engine = local_engine([(agent, ["rb2505"])], instruments=["rb"], speed=speed, seed=seed)
    # The 5 s stale-tick rule on the 1000x clock is 5 ms of wall time: a loaded machine's scheduling delay.
    engine.config.risk = parse_risk({"preset": "shfe", "instrument": {"stale_after_ms": 600_000}})
    started = time.monotonic()
    report = engine.run(duration=120)
    row = report.agents[0]
    pos = agent.position("rb2505")
    filled = sum(1 for o in agent.orders(active=False) if o.traded > 0)
    view = agent.view or agent.risk("rb2505")
    return {
        "mode": mode,
        "net_pnl": pos.realized_pnl + pos.unrealized_pnl - pos.commission,
        "fills": row.fills,
        "orders": row.orders,
        "fill_rate": filled / row.orders if row.orders else 0.0,
        "max_inventory": agent.max_inventory,
        "cancels": view.account_cancels,
        "cancel_limit": view.account_cancel_limit,
        "refused": sum(agent.refusals.values()),
        "refusals": {str(k): v for k, v in agent.refusals.items()},
        "stop": report.stop_reason,
        "wall_s": time.monotonic() - started,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the table."""
    mm = _load_agent_module()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", nargs="+", default=list(mm.MODES), choices=mm.MODES)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--speed", type=int, default=1000)
    ap.add_argument("--width", type=float, default=1.0, help="quote width in ticks (the narrowest spread)")
    ap.add_argument("--quick", action="store_true", help="the first trading window only (to 10:15)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table (agents/README.md)")
    args = ap.parse_args(argv)
    until_ms = (10 * 60 + 14) * 60_000 if args.quick else 15 * 3_600_000 - 2_000
    params = {"width": args.width, "bid_size": 1, "ask_size": 1, "divergence": 2, "hard_limit": 4,
              "depth_volume": 100}
    rows = [run_mode(mm, mode, seed=args.seed, speed=args.speed, until_ms=until_ms, params=params)
            for mode in args.modes]
    head = ("mode", "net PnL (CNY)", "fills", "fill rate", "max inventory", "cancels used", "refused")
    cells = [(r["mode"], f"{r['net_pnl']:,.0f}", str(r["fills"]), f"{r['fill_rate']:.0%}",
              str(r["max_inventory"]), f"{r['cancels']}/{r['cancel_limit']}", str(r["refused"]))
             for r in rows]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for c in cells:
            print("| " + " | ".join(c) + " |")
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *cells, strict=True)]
        for line in (head, *cells):
            print("  ".join(x.rjust(w) for x, w in zip(line, widths, strict=True)))
    for r in rows:
        if r["refusals"]:
            print(f"mode {r['mode']} refusals: {r['refusals']}", file=sys.stderr)
        if r["stop"] != "day over":
            print(f"warning: mode {r['mode']} stopped early: {r['stop']}", file=sys.stderr)
    print(f"seed {args.seed}, rb2505, speed {args.speed}x, {'09:00-10:14' if args.quick else 'whole day'}, "
          f"params {params}, {sum(r['wall_s'] for r in rows):.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
