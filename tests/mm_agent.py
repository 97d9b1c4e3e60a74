"""agents/market_maker.py loaded once for the market-maker tests (it is a file, not a package module), and the
watcher base they share."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import shandian as sd

_path = Path(__file__).resolve().parents[1] / "agents" / "market_maker.py"
_spec = importlib.util.spec_from_file_location("agents_market_maker", _path)
assert _spec is not None and _spec.loader is not None
mm = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = mm  # dataclasses look their module up
_spec.loader.exec_module(mm)


class CancelTracking(mm.MarketMaker):
    """Remembers the orders whose cancel the agent sent: the market may still trade with them."""

    def on_start(self) -> None:
        super().on_start()
        self.cancel_sent: set[int] = set()

    def _cancel(self, order: sd.Order) -> bool:
        sent = super()._cancel(order)
        if sent:
            self.cancel_sent.add(order.id)
        return sent
