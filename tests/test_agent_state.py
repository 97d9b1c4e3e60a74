"""Persistent agent state end to end: an engine process over a persistent local front (`state=`) with the
journal on is SIGKILLed after its agent changed its declared `state` fields; restarts over the same front and
journal (tests/state_child.py) see them restored before on_start. Bad input: a field the class no longer
declares, an agent renamed, a corrupted payload, a value that is not JSON: each a clear error, nothing lost.
"""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import shandian as sd
from shandian import journal
from shandian.config import Config, EngineSettings, JournalSettings
from shandian.engine import Engine
from shandian.engine.persist import encode_field
from shandian.errors import StateError
from shandian.testing import kill_when_ready

CHILD = Path(__file__).with_name("state_child.py")


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A front and journal where keeper had changed its state TARGET times when the process was SIGKILLed."""
    directory = tmp_path_factory.mktemp("state")
    with (directory / "trade.log").open("w") as log:
        kill_when_ready([sys.executable, str(CHILD), str(directory), "trade"], log)
    return directory, json.loads((directory / "trade.json").read_text())


def _restart(crashed: tuple[Path, dict[str, Any]], tmp_path: Path, mode: str,
             before: Any = None) -> tuple[dict[str, Any], Path]:
    """Copy the crashed front and journal, optionally edit them, run a restart child; return what it wrote."""
    directory = tmp_path / "run"
    shutil.copytree(crashed[0], directory)
    path = next((directory / "journal").glob("*.journal.sqlite"))
    if before is not None:
        before(path)
    with (tmp_path / f"{mode}.log").open("w") as log:
        done = subprocess.run([sys.executable, str(CHILD), str(directory), mode], stderr=log,
                              stdout=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, f"{mode} child failed (log {tmp_path / f'{mode}.log'})"
    return json.loads((directory / f"{mode}.json").read_text()), path


def test_agent_state_when_killed_and_restarted_is_restored_before_on_start(crashed, tmp_path) -> None:
    out, _ = _restart(crashed, tmp_path, "inspect")
    values = crashed[1]
    assert len(json.dumps(values["notes"])) > 191  # the notes span several journal records
    assert out["seen_at_start"] == values
    assert out["restored_at_start"] == values
    assert out["status"] == {"keeper": "ok", "other": "ok"} and out["errors"] == []


def test_agent_state_when_field_no_longer_declared_reports_it_and_keeps_it(crashed, tmp_path) -> None:
    out, path = _restart(crashed, tmp_path, "fewer")
    values = crashed[1]
    kept = {"entry_price": values["entry_price"], "bars_held": values["bars_held"]}
    assert out["restored_at_start"] == kept
    assert out["status"] == {"keeper": "ok", "other": "ok"}
    assert any("journaled state field 'notes' is not declared by KeeperWithoutNotes.state" in e
               for e in out["errors"]), out["errors"]
    assert journal.agent_states(path).values["keeper"]["notes"] == values["notes"]


def test_agent_state_when_agent_renamed_reports_old_name_and_keeps_its_state(crashed, tmp_path) -> None:
    out, path = _restart(crashed, tmp_path, "renamed")
    assert out["seen_at_start"] == {"entry_price": None, "bars_held": 0, "notes": []}
    assert out["restored_at_start"] == {}
    assert any("journal holds state of agent 'keeper' (fields: bars_held, entry_price, notes) but no agent "
               "of that name is configured" in e for e in out["errors"]), out["errors"]
    assert journal.agent_states(path).values["keeper"] == crashed[1]


def test_agent_state_when_new_trading_day_is_restored_from_the_previous_days_file(crashed, tmp_path) -> None:
    out, yesterday = _restart(crashed, tmp_path, "next_day")
    values = crashed[1]
    assert out["restored_at_start"] == values and out["status"] == {"keeper": "ok", "other": "ok"}
    today = Path(out["journal"])
    assert today != yesterday and today.name.endswith("20250103.journal.sqlite")
    assert journal.agent_states(today).values["keeper"] == values  # the new day's file stands alone


def _corrupt_last_value(path: Path) -> None:
    with sqlite3.connect(path) as con:
        seq = con.execute("SELECT max(seq) FROM records WHERE kind = 'agent_state'").fetchone()[0]
        con.execute("UPDATE records SET text = 'held]]}{' WHERE seq = ?", (seq,))


def test_agent_state_when_payload_corrupted_agent_not_started_others_run(crashed, tmp_path) -> None:
    out, path = _restart(crashed, tmp_path, "inspect", before=_corrupt_last_value)
    assert out["status"]["other"] == "ok"
    status = out["status"]["keeper"]
    assert status.startswith("failed: StateError in on_start: agent keeper state field '*': its journaled "
                             "state cannot be read"), status
    assert "state payload is not JSON" in status
    assert out["seen_at_start"] is None  # on_start never ran
    with sqlite3.connect(path) as con:  # the journal is left as it was
        assert con.execute("SELECT count(*) FROM records WHERE text = 'held]]}{'").fetchone()[0] == 1


def test_agent_state_when_kill_tore_a_value_restores_the_previous_one(crashed, tmp_path) -> None:
    directory = tmp_path / "torn"
    shutil.copytree(crashed[0], directory)
    path = next((directory / "journal").glob("*.journal.sqlite"))
    with sqlite3.connect(path) as con:  # as if the kill came before the value's last chunk was committed
        con.execute("DELETE FROM records WHERE seq = "
                    "(SELECT max(seq) FROM records WHERE kind = 'agent_state')")
    states = journal.agent_states(path)
    assert states.values["keeper"]["notes"] == crashed[1]["notes"][:-1]
    assert len(states.torn) == 1 and "cut by the end of run 1" in states.torn[0]
    assert states.corrupted == {}


class Stamper(sd.Agent):
    """Puts a datetime into a state field on its first tick."""

    state = ("last_seen",)

    def on_tick(self, t: sd.Tick) -> None:
        self.last_seen = datetime.now()


def test_agent_state_when_value_not_json_agent_fails_naming_agent_field_type(tmp_path) -> None:
    config = Config.local(engine=EngineSettings(progress_interval=0),
                          journal=JournalSettings(dir=str(tmp_path)), instruments=["rb"], speed=40)
    engine = Engine(config)
    engine.add_agent(Stamper("stamper"), ["rb2505"])
    report = engine.run(duration=2)
    status = report.agents[0].status
    assert status.startswith("failed: StateError in on_tick: agent stamper state field 'last_seen': value of "
                             "type datetime is not JSON-serialisable"), status


@pytest.mark.parametrize(("value", "rule"), [
    (object(), "value of type object is not JSON-serialisable"),
    (math.nan, "value of type float is not JSON-serialisable"),
    ((1, 2), "value of type tuple does not come back equal from JSON"),
    ({1: "a"}, "value of type dict does not come back equal from JSON"),
    ("x" * 70_000, "70008 bytes of JSON exceed the 65536 allowed"),
])
def test_agent_state_when_value_not_plain_json_raises_state_error(value: Any, rule: str) -> None:
    with pytest.raises(StateError, match=rf"^agent a state field 'f': {rule}") as info:
        encode_field("a", "f", value)
    assert info.value.agent == "a" and info.value.field == "f"


@pytest.mark.parametrize(("declared", "rule"), [
    ("entry", "`state` must be a tuple of field names, not str"),
    (("a", "a"), "declared twice"),
    (("_hidden",), "must be public"),
    (("buy",), "taken by the Agent API"),
    (("not valid",), "Python identifier"),
])
def test_agent_state_when_declaration_bad_raises_state_error(declared: Any, rule: str) -> None:
    with pytest.raises(StateError, match=rule):
        type("Bad", (sd.Agent,), {"state": declared})


class AsyncCounter(sd.Agent):
    """An async agent with state: counts ticks after an await, stops the engine at 3."""

    state = ("count",)

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self.count = 0

    async def on_tick(self, t: sd.Tick) -> None:
        await asyncio.sleep(0.001)
        self.count += 1
        if self.count == 3:
            self._engine.stop("counted")


def test_agent_state_when_agent_is_async_journals_after_each_coroutine(tmp_path) -> None:
    config = Config.local(engine=EngineSettings(progress_interval=0),
                          journal=JournalSettings(dir=str(tmp_path)), instruments=["rb"], speed=40)
    engine = Engine(config)
    agent = engine.add_agent(AsyncCounter("counter"), ["rb2505"])
    report = engine.run(duration=10)
    assert report.stop_reason == "counted" and agent.count == 3
    assert journal.agent_states(engine._journal.path).values == {"counter": {"count": 3}}
    with sqlite3.connect(engine._journal.path) as con:
        rows = con.execute("SELECT text FROM records WHERE kind = 'agent_state' ORDER BY seq")
        texts = [r[0] for r in rows]
    assert texts == ['["count",0]', '["count",1]', '["count",2]', '["count",3]']
