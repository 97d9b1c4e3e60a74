"""Journal from Python: an engine run through the local front writes a gap-free journal of its requests,
updates, trades, risk decisions, agent lifecycle and parameter changes; the reader tails it and detects
sequence gaps; `shandian journal` inspects and exports it; `[journal]` config errors name the key."""

from __future__ import annotations

import csv
import importlib.util
import shutil
import sqlite3
from pathlib import Path
from typing import ClassVar

import pytest

import shandian as sd
from shandian import _core
from shandian.cli import main as cli_main
from shandian.config import ConfigError, JournalSettings, parse_config
from shandian.journal import JournalGapError, JournalReader, export, summary, trading_day_for
from shandian.testing import local_engine, other_threads

SYM = "rb2505"


class Trader(sd.Agent):
    """Buys at the ask (fills), rests one far order and cancels it, updates a parameter, then stops."""

    params: ClassVar[dict[str, int]] = {"lots": 1}

    def on_start(self) -> None:
        self.step = 0
        self.resting = 0

    def on_tick(self, t: sd.Tick) -> None:
        if t.ask_price1 <= 0:
            return
        self.step += 1
        if self.step == 1:
            self.buy(SYM, t.ask_price1, 1, kind="fak")
        elif self.step == 2:
            self.resting = self.buy(SYM, t.bid_price1 - 20, 1)  # rests (inside the risk price band)
        elif self.step == 3:
            self.cancel(self.resting)
        elif self.step == 4:
            self._engine.update_params(self.name, lots=2)
        elif self.step == 5:
            with pytest.raises(sd.OrderRejected):
                self.buy(SYM, t.ask_price1 + 0.5, 1)  # off the tick grid: refused before sending
        elif (self.step >= 8 and not self.working_orders and self.positions.get(SYM) is not None
              and self.params["lots"] == 2):  # the update applies at a housekeeping tick, not at once
            self._engine.stop("done")


class Flooder(sd.Agent):
    """Stalls the journal writer, sends orders until the journal's backlog bound refuses one, resumes."""

    def on_start(self) -> None:
        self.sent = 0
        self.refused: sd.OrderRejected | None = None

    def on_tick(self, t: sd.Tick) -> None:
        if self.refused is not None or t.bid_price1 <= 0:
            return
        rt = self._engine._rt
        rt.journal_pause_writer(True)
        try:
            for _ in range(64):
                self.buy(SYM, t.bid_price1 - 20, 1)
                self.sent += 1
        except sd.OrderRejected as e:
            self.refused = e
        rt.journal_pause_writer(False)
        self.cancel_all()
        self._engine.stop("flooded")


@pytest.fixture(scope="module")
def journal_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One short run with the journal on; returns the journal file."""
    directory = tmp_path_factory.mktemp("journal")
    settings = JournalSettings(dir=str(directory))
    engine = local_engine([(Trader("trader", {"lots": 1}), [SYM])])
    engine.config.journal = settings
    report = engine.run(duration=40)
    assert report.stop_reason == "done", report.format()
    files = list(directory.glob("*.journal.sqlite"))
    # A local front without `state=` is a fresh exchange day per process: the file is this run's own.
    assert len(files) == 1 and files[0].name.startswith("local-run")
    assert files[0].name.endswith("-20250102.journal.sqlite")
    return files[0]


def test_journal_when_engine_runs_every_fact_is_recorded_in_order(journal_file: Path) -> None:
    reader = JournalReader(journal_file)
    records = list(reader)
    assert reader.gaps == []
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    kinds = [r["kind"] for r in records]
    assert kinds[0] == "run_start"
    assert {"agent_added", "order_request", "order_update", "trade", "cancel_request", "param_change",
            "notice", "agent_stopped"} <= set(kinds)
    stopped = next(r for r in records if r["kind"] == "agent_stopped")
    assert stopped["agent_name"] == "trader" and stopped["text"] == "engine stopping: done"
    first_request = kinds.index("order_request")
    assert kinds[first_request + 1] == "order_update"  # SUBMITTING right after the request record
    req = records[first_request]
    assert req["agent_name"] == "trader" and req["front_id"] and req["session_id"] and req["order_ref"]
    trade = next(r for r in records if r["kind"] == "trade")
    assert trade["agent_name"] == "trader" and trade["order_sys_id"] and trade["volume"] == 1
    assert next(r for r in records if r["kind"] == "param_change")["text"] == "lots=2"
    replay = _core.journal_replay(str(journal_file))
    assert replay["positions"] == {"trader": {SYM: (1, 0)}}
    assert replay["duplicate_trades"] == 0
    con = sqlite3.connect(journal_file)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_journal_when_writer_stalls_engine_refuses_orders_and_loses_nothing(tmp_path: Path) -> None:
    flooder = Flooder("flooder")
    engine = local_engine([(flooder, [SYM])])
    # A small bound: the default risk preset allows 9 orders/s, the journal must refuse first.
    engine.config.journal = JournalSettings(dir=str(tmp_path), ring_capacity=256, backlog_limit=6)
    report = engine.run(duration=40)
    assert report.stop_reason == "flooded", report.format()
    assert flooder.refused is not None and flooder.refused.code == "JOURNAL_BACKLOG"
    assert 0 < flooder.sent < 6
    (path,) = tmp_path.glob("*.journal.sqlite")
    reader = JournalReader(path)
    records = list(reader)
    assert reader.gaps == []
    risk = [r for r in records if r["kind"] == "risk_decision"]
    assert [r["reject_code"] for r in risk] == ["JOURNAL_BACKLOG"] and risk[0]["agent_name"] == "flooder"
    assert sum(r["kind"] == "order_request" for r in records) == flooder.sent


def test_reader_when_records_are_missing_reports_the_gap(journal_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "gap.sqlite"
    shutil.copy(journal_file, copy)
    for suffix in ("-wal", "-shm"):
        if Path(str(journal_file) + suffix).exists():
            shutil.copy(str(journal_file) + suffix, str(copy) + suffix)
    con = sqlite3.connect(copy)
    con.execute("DELETE FROM records WHERE seq IN (5, 6)")
    con.commit()
    con.close()
    reader = JournalReader(copy)
    list(reader)
    assert reader.gaps == [(5, 6)]
    with pytest.raises(JournalGapError, match=r"5\.\.6"):
        list(JournalReader(copy, strict=True))


def test_reader_when_tailing_returns_only_new_records(journal_file: Path) -> None:
    reader = JournalReader(journal_file, after_seq=3)
    first = reader.poll(limit=2)
    assert [r["seq"] for r in first] == [4, 5]
    assert reader.poll(limit=1)[0]["seq"] == 6
    assert reader.gaps == []


def test_cli_when_exporting_csv_writes_orders_trades_and_risk(journal_file: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["journal", str(journal_file), "--export", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "trades.csv").open(encoding="utf-8") as f:
        trades = list(csv.DictReader(f))
    assert len(trades) == 1 and trades[0]["agent_name"] == "trader" and trades[0]["symbol"] == SYM
    with (tmp_path / "out" / "orders.csv").open(encoding="utf-8") as f:
        kinds = {r["kind"] for r in csv.DictReader(f)}
    assert kinds == {"order_request", "order_update", "cancel_request"}
    assert (tmp_path / "out" / "risk.csv").read_text(encoding="utf-8").startswith("seq,run,kind")
    assert cli_main(["journal", str(journal_file)]) == 0
    out = capsys.readouterr().out
    assert "gaps none" in out and "position trader" in out


def test_cli_when_exporting_parquet_needs_pyarrow(journal_file: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli_main(["journal", str(journal_file), "--export", str(tmp_path), "--format", "parquet"])
    if importlib.util.find_spec("pyarrow") is None:
        assert rc == 2 and "pip install 'shandian[journal]'" in capsys.readouterr().err
    else:
        import pyarrow.parquet as pq

        assert rc == 0 and pq.read_table(tmp_path / "trades.parquet").num_rows == 1


def test_cli_when_file_missing_or_not_a_journal_errors_clearly(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["journal", str(tmp_path / "nope.sqlite")]) == 2
    assert "no such file" in capsys.readouterr().err
    bogus = tmp_path / "bogus.sqlite"
    sqlite3.connect(bogus).execute("CREATE TABLE t(x)").connection.commit()
    assert cli_main(["journal", str(bogus)]) == 2
    assert "not a shandian journal" in capsys.readouterr().err
    with pytest.raises(ValueError, match="'xml' must be 'csv' or 'parquet'"):
        export(bogus, tmp_path, fmt="xml")


def test_summary_when_journal_read_counts_kinds(journal_file: Path) -> None:
    s = summary(journal_file)
    assert s["runs"] == 1 and s["gaps"] == [] and s["kinds"]["trade"] == 1


def test_config_when_journal_table_given_values_are_checked() -> None:
    base = {"account": {"preset": "local"}}
    cfg = parse_config(base)
    assert cfg.journal.enabled and cfg.journal.directory().name == "journal"
    cfg = parse_config({**base, "journal": {"dir": "/data/j", "enabled": False}})
    assert not cfg.journal.enabled and cfg.journal.directory() == Path("/data/j")
    with pytest.raises(ConfigError, match=r"journal\.backlog_limit: 100 must be below ring_capacity \(64\)"):
        parse_config({**base, "journal": {"ring_capacity": 64, "backlog_limit": 100}})
    with pytest.raises(ConfigError, match=r"journal\.enabled"):
        parse_config({**base, "journal": {"enabled": "yes"}})
    with pytest.raises(ConfigError, match=r"journal\.dri"):
        parse_config({**base, "journal": {"dri": "/x"}})


def test_trading_day_when_evening_or_weekend_is_next_weekday() -> None:
    from datetime import datetime

    assert trading_day_for(datetime(2025, 1, 2, 10, 0)) == 20250102
    assert trading_day_for(datetime(2025, 1, 2, 21, 0)) == 20250103
    assert trading_day_for(datetime(2025, 1, 3, 21, 0)) == 20250106  # Friday night → Monday


class PolicyProbe(sd.Agent):
    """Collects the scheduling policy of every thread of the process other than the engine's."""

    def on_start(self) -> None:
        import os

        self.policies = {os.sched_getscheduler(tid) for tid in other_threads()}
        assert self._engine is not None
        self._engine.stop("probed")


@pytest.mark.parametrize(("priority", "policy"), [("idle", "SCHED_IDLE"), ("batch", "SCHED_BATCH")])
def test_journal_when_writer_priority_set_writer_thread_runs_in_that_class(tmp_path: Path, priority: str,
                                                                        policy: str) -> None:
    """The writer lowers itself (idle by default): its commits never take the CPU from the engine threads."""
    import os

    probe = PolicyProbe("probe")
    engine = local_engine([(probe, [SYM])])
    engine.config.journal = JournalSettings(dir=str(tmp_path), writer_priority=priority)
    report = engine.run(duration=30)
    assert hasattr(probe, "policies"), report.format()
    assert getattr(os, policy) in probe.policies
    assert os.SCHED_IDLE not in probe.policies or priority == "idle"


def test_journal_when_default_settings_writer_is_batch_and_not_woken_per_request() -> None:
    """Defaults: a batch-class writer (cannot starve) on its own 1-2 ms cadence (no syscall per order)."""
    assert JournalSettings().writer_priority == "batch"
    assert JournalSettings().wake_on_request is False
