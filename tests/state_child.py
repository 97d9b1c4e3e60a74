"""Child process of tests/test_agent_state.py (not a test module): one engine run over a persistent local
front (`state=`) with the journal on, agent `keeper` declaring `state` fields.

    python tests/state_child.py DIR trade      # keeper changes its state on TARGET ticks; READY; SIGKILLed
    python tests/state_child.py DIR inspect    # restart: what keeper sees at on_start -> DIR/inspect.json
    python tests/state_child.py DIR fewer      # restart with a class that no longer declares `notes`
    python tests/state_child.py DIR renamed    # restart with keeper named `keeper2`
    python tests/state_child.py DIR next_day   # the next trading day (a new journal file): inspect

Every restart also runs a plain agent `other` and stops as soon as the agents started.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shandian as sd
from shandian.config import Config, EngineSettings, JournalSettings
from shandian.engine import Engine

SYM = "rb2505"
TARGET = 5  # ticks on which keeper changes its state before READY


class Keeper(sd.Agent):
    """Keeps an entry price, a count and a growing list of notes (its JSON spans several journal records)."""

    state = ("entry_price", "bars_held", "notes")
    on_ready: Any = None

    def __init__(self, name: str | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(name, params)
        self.entry_price: float | None = None
        self.bars_held = 0
        self.notes: list[str] = []

    def on_start(self) -> None:
        self.seen_at_start = {f: getattr(self, f, None) for f in type(self).state}
        self.restored_at_start = dict(self.restored_state)

    def on_tick(self, t: sd.Tick) -> None:
        if self.bars_held >= TARGET:  # the last change was journaled after the previous callback
            if self.on_ready is not None:
                self.on_ready()
                self.on_ready = None
            return
        if t.last_price <= 0:
            return
        if self.entry_price is None:
            self.entry_price = t.last_price
        self.bars_held += 1
        self.notes.append(f"tick {self.bars_held} at {t.last_price:g}: " + "held " * 12)


class KeeperWithoutNotes(Keeper):
    """The class after an edit that dropped the `notes` field."""

    state = ("entry_price", "bars_held")


class Other(sd.Agent):
    """A plain agent: starts whatever happens to keeper."""

    def on_start(self) -> None:
        self.started = True


def make_engine(directory: Path, trading_day: int = 20250102) -> Engine:
    """The same front (one book, persisted; its day moves with `trading_day`) and journal for every run."""
    config = Config.local(
        name="state", engine=EngineSettings(progress_interval=0, login_timeout=30.0, stop_timeout=5.0),
        journal=JournalSettings(dir=str(directory / "journal")), instruments=["rb"], speed=20, seed=5,
        trading_day=trading_day, query_interval_ms=50, state=str(directory / "front.state"))
    config.account.flow_dir = str(directory / "flow")
    (directory / "flow").mkdir(exist_ok=True)
    return Engine(config, config_name="<state test>")


def main() -> int:
    directory, mode = Path(sys.argv[1]), sys.argv[2]
    engine = make_engine(directory, 20250103 if mode == "next_day" else 20250102)
    if mode == "trade":
        keeper = Keeper("keeper")

        def ready() -> None:
            engine._rt.journal_flush(5000.0)
            values = {f: getattr(keeper, f) for f in Keeper.state}
            (directory / "trade.json").write_text(json.dumps(values))
            print("READY", flush=True)

        keeper.on_ready = ready
        engine.add_agent(keeper, [SYM])
        engine.run(duration=60)  # killed long before
        return 1
    cls = KeeperWithoutNotes if mode == "fewer" else Keeper
    keeper = cls("keeper2" if mode == "renamed" else "keeper")
    other = Other("other")
    other.on_start = lambda: engine.stop("started")  # type: ignore[method-assign]
    engine.add_agent(keeper, [SYM])
    engine.add_agent(other, [])
    report = engine.run(duration=30)
    out = {
        "seen_at_start": getattr(keeper, "seen_at_start", None),
        "restored_at_start": getattr(keeper, "restored_at_start", None),
        "status": {a.name: a.status for a in report.agents},
        "errors": report.errors,
        "stop_reason": report.stop_reason,
        "journal": str(engine._journal.path),
    }
    (directory / f"{mode}.json").write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
