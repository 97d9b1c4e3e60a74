"""Child process of tests/test_journal_crash.py (not a test module): one engine run over a persistent local
front (`state=`) with the journal on, either trading until it is killed, or verifying after the crashes.

    python tests/journal_crash_child.py DIR trade SEED   # prints TRADING once agents start, runs until killed
    python tests/journal_crash_child.py DIR verify 0       # writes DIR/verify.json, exits 0
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import shandian as sd
from shandian import _core
from shandian.agent import OrderRejected
from shandian.config import Config, EngineSettings, JournalSettings
from shandian.engine import Engine

SYM = "rb2505"
AGENTS = ("alpha", "beta")


def front_settings(directory: Path) -> dict[str, Any]:
    """The same front for every run: one book, one day, persisted in DIR/front.state."""
    return {"instruments": ["rb"], "speed": 20, "seed": 11, "trading_day": 20250102, "query_interval_ms": 50,
            "state": str(directory / "front.state")}


class Churner(sd.Agent):
    """Random FAK opens/closes at the touch (fill at once or never) and far passive orders it cancels."""

    rng: random.Random = random.Random(0)

    def on_start(self) -> None:
        print("TRADING", flush=True)
        self.passive: list[int] = []

    def on_tick(self, t: Any) -> None:
        if t.ask_price1 <= 0 or t.bid_price1 <= 0:
            return
        roll = self.rng.random()
        pos = self.positions.get(SYM)
        held = pos.long if pos is not None else 0
        try:
            if roll < 0.35:
                self.buy(SYM, t.ask_price1, self.rng.randint(1, 2), kind="fak")
            elif roll < 0.6 and held > 0:
                self.sell(SYM, t.bid_price1, min(held, self.rng.randint(1, 2)), kind="fak")
            elif roll < 0.75:
                self.passive.append(self.buy(SYM, t.bid_price1 - 60, 1))  # rests (inside the risk band)
            elif roll < 0.9 and self.passive:
                self.cancel(self.passive.pop(0))
        except OrderRejected:
            pass  # risk (order rate, ...) or a close not possible yet (position frozen by a working close)


class Quiet(sd.Agent):
    """Verification: trades nothing."""


def main() -> int:
    directory, mode, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    Churner.rng = random.Random(seed)
    cls = Churner if mode == "trade" else Quiet
    config = Config.local(
        name="crash", engine=EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0),
        journal=JournalSettings(dir=str(directory / "journal")), **front_settings(directory))
    config.account.flow_dir = str(directory / "flow")
    (directory / "flow").mkdir(exist_ok=True)
    engine = Engine(config, config_name="<crash test>")
    for name in AGENTS:
        engine.add_agent(cls(name), [SYM])
    if mode == "trade":
        engine.run(duration=120)  # killed long before
        return 0
    verify: dict[str, Any] = {}

    class Verifier(sd.Agent):
        """Collects the state once the restart's reconcile settled, then stops the engine."""

        def on_start(self) -> None:
            self.add_timer(1.0)

        def on_timer(self, now_ns: int) -> None:
            try:
                self.collect()
            finally:
                self._engine.stop("verified")

        def collect(self) -> None:
            eng = self._engine
            rt = eng._rt
            rt.journal_flush(5000.0)
            info = rt.instrument(rt.instrument_index(SYM))
            verify["front"] = [info["long_today"] + info["long_yd"], info["short_today"] + info["short_yd"]]
            verify["agents"] = {a.name: [a.positions[SYM].long, a.positions[SYM].short] if SYM in a.positions
                                else [0, 0] for a in eng.agents if a.name in AGENTS}
            verify["replay"] = _core.journal_replay(str(eng._journal.path))
            verify["journal"] = str(eng._journal.path)
            verify["discrepancies"] = eng.journal_discrepancies
            verify["order_manager"] = rt.order_manager_stats()
            verify["journal_stats"] = rt.journal_stats()
            verify["engine_stats"] = rt.stats()

    engine.add_agent(Verifier("verifier"), [])
    report = engine.run(duration=60)
    verify["stop_reason"] = report.stop_reason
    (directory / "verify.json").write_text(json.dumps(verify, default=str))
    return 0


if __name__ == "__main__":
    t0 = time.monotonic()
    sys.exit(main())
