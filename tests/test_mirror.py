"""The journal mirrored to a real Redis: a restart mid-run loses and doubles nothing; `tail` follows."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from redis_server import RedisServer, redis_server  # noqa: F401 - the fixture

from shandian.errors import JournalGapError
from shandian.journal import COLUMNS
from shandian.mirror import (
    JournalTail,
    MirrorStreamGapError,
    RedisMirror,
    StreamCursor,
    decode,
    follow,
    stream_key,
)

ROOT = Path(__file__).resolve().parents[1]


def run_config(tmp_path: Path, url: str, seconds: float, name: str = "mirror") -> Path:
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f"""
[account]
preset = "local"
[front]
name = "{name}"
instruments = ["rb", "m"]
speed = 200
seed = 7
session = "day"
trading_day = 20250102
query_interval_ms = 100
[engine]
duration = {seconds}
progress_interval = 0
[journal]
dir = "{tmp_path / 'journal'}"
[mirror]
redis = "{url}"
batch = 500
[[agents]]
name = "quoter-m"
class = "{ROOT / 'agents' / 'quoter.py'}:Quoter"
symbols = ["m2505"]
params = {{ lots = 1, edge_ticks = 0, max_inventory = 3, requote_ticks = 1 }}
[[agents]]
name = "breakout-rb"
class = "{ROOT / 'agents' / 'breakout.py'}:Breakout"
symbols = ["rb2505"]
params = {{ window = 10, lots = 1, slippage_ticks = 1, cooldown_ticks = 2 }}
""")
    return cfg


def journal_rows(path: Path) -> list[dict[str, object]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [{k: v for k, v in dict(r).items() if v is not None}
                for r in con.execute("SELECT * FROM records ORDER BY seq")]
    finally:
        con.close()


def max_seq(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0])
    finally:
        con.close()


def wait_until(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stream_len(url: str, key: str) -> int:
    try:
        return int(redis.Redis.from_url(url, socket_timeout=1).xlen(key))
    except redis.RedisError:
        return -1


def test_mirror_when_redis_killed_and_restarted_mid_run_every_record_arrives_once(
        tmp_path: Path, redis_server: RedisServer) -> None:  # noqa: F811
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    tail = subprocess.Popen([sys.executable, "-m", "shandian", "tail", redis_server.url, "--all",
                             "--idle-exit", "8"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    cfg = run_config(tmp_path, redis_server.url, 9)
    engine = subprocess.Popen([sys.executable, "-m", "shandian", "run", str(cfg),
                               "--quiet", "--pid-file", str(tmp_path / "run.pid")], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: list((tmp_path / "journal").glob("*.journal.sqlite")), 30, "the journal file")
        path = next((tmp_path / "journal").glob("*.journal.sqlite"))
        account = path.name.rsplit("-", 1)[0]
        key = stream_key(account)
        wait_until(lambda: stream_len(redis_server.url, key) > 300, 30, "records in the stream")
        redis_server.kill()
        at_kill = max_seq(path)
        wait_until(lambda: max_seq(path) > at_kill + 200, 20, "records journaled while Redis is down")
        redis_server.start()
        _, err = engine.communicate(timeout=60)
        assert engine.returncode == 0, err[-3000:]
        last = max_seq(path)
        assert last > at_kill + 200
        wait_until(lambda: stream_len(redis_server.url, key) == last, 20, f"the mirror to catch up to {last}")
        tail_out, tail_err = tail.communicate(timeout=60)
    finally:
        for p in (engine, tail):
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    client = redis.Redis.from_url(redis_server.url)
    entries = client.xrange(key)
    rows = journal_rows(path)
    assert [e[0].decode() for e in entries] == [f"20250102-{r['seq']}" for r in rows]  # no gap, no double
    assert [decode(e[1][b"rec"]) for e in entries] == rows  # each record as journaled
    # the consumer followed across the restart: each record once, in order, and no gap reported
    seen = [json.loads(line) for line in tail_out.splitlines() if line.startswith("{")]
    assert [r["seq"] for r in seen if r["account"] == account] == list(range(1, last + 1))
    assert tail.returncode == 0 and "gap:" not in tail_err, tail_err[-2000:]


def make_journal(path: Path, count: int, first: int = 1) -> list[dict[str, object]]:
    """A journal file with `count` notice records from seq `first` (multi-byte text included: RESP lengths
    are in bytes); returns the rows as journal_rows() reads them."""
    con = sqlite3.connect(path)
    cols = ", ".join(f"{c} INTEGER PRIMARY KEY" if c == "seq" else c for c in COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS records({cols})")
    con.executemany("INSERT INTO records(seq, run, kind, wall_ns, price, text) "
                    "VALUES (?, 1, 'notice', ?, ?, ?)",
                    [(s, 1_700_000_000_000_000_000 + s, 3500.5 + s, f"第{s}条 \"quoted\"\n" * (s % 3))
                     for s in range(first, first + count)])
    con.commit()
    con.close()
    return journal_rows(path)


def stream_ids(url: str, key: str) -> list[str]:
    return [e[0].decode() for e in redis.Redis.from_url(url).xrange(key)]


def journal_and_mirror(tmp_path: Path, url: str, count: int, socket_timeout: float = 5.0,
                       ) -> tuple[Path, RedisMirror]:
    path = tmp_path / "acct-20250102.journal.sqlite"
    make_journal(path, count)
    return path, RedisMirror(url, "acct", 20250102, socket_timeout=socket_timeout)


def catch_up(m: RedisMirror, path: Path, limit: int) -> None:
    """As the sidecar does after an error: resume after the stream's top, publish the rest."""
    tail = m.tail(path, m.resume_seq())
    while (batch := tail.poll(limit=limit)) is not None:
        m.publish(batch)


def test_mirror_when_batch_published_twice_adds_it_once_and_resumes_after_top(
        tmp_path: Path, redis_server: RedisServer) -> None:  # noqa: F811
    path, m = journal_and_mirror(tmp_path, redis_server.url, 5)
    assert m.resume_seq() == 0
    assert m.publish(m.tail(path, 0).poll(limit=3)) == 3
    assert m.resume_seq() == 3
    assert m.publish(m.tail(path, 0).poll(limit=10)) == 2 and m.duplicates == 3  # a retry: Redis refuses
    assert redis.Redis.from_url(redis_server.url).xlen(stream_key("acct")) == 5
    later = RedisMirror(redis_server.url, "acct", 20250103)  # the next trading day's file starts at seq 1
    assert later.resume_seq() == 0 and later.publish(later.tail(path, 0).poll(limit=1)) == 1
    with pytest.raises(RuntimeError, match="already holds trading day 20250103"):
        RedisMirror(redis_server.url, "acct", 20250102).resume_seq()


@pytest.mark.parametrize("maxlen", [0, 50])
def test_mirror_when_journal_read_in_batches_each_record_arrives_once_as_journaled(
        tmp_path: Path, redis_server: RedisServer, maxlen: int) -> None:  # noqa: F811
    path = tmp_path / "acct-20250102.journal.sqlite"
    rows = make_journal(path, 1001)
    m = RedisMirror(redis_server.url, "acct", 20250102, maxlen=maxlen)
    tail = m.tail(path, m.resume_seq())
    sizes = []
    while (batch := tail.poll(limit=100)) is not None:  # 10 full batches and one of a single record
        sizes.append(batch.count)
        m.send(batch)
    assert m.collect() == 1001 and sizes == [100] * 10 + [1] and m.duplicates == 0
    assert tail.poll(limit=100) is None
    entries = redis.Redis.from_url(redis_server.url).xrange(stream_key("acct"))
    kept = rows[-len(entries):]
    assert [e[0].decode() for e in entries] == [f"20250102-{r['seq']}" for r in kept]
    assert [decode(e[1][b"rec"]) for e in entries] == kept
    assert [(int(e[1][b"seq"]), e[1][b"kind"]) for e in entries] == [(r["seq"], b"notice") for r in kept]
    assert len(entries) == 1001 if maxlen == 0 else 50 <= len(entries) < 1001


@pytest.mark.parametrize("cut", [0.0, 0.37, 0.999])
def test_mirror_when_pipeline_cut_mid_batch_resume_adds_the_rest_without_gap_or_duplicate(
        tmp_path: Path, redis_server: RedisServer, cut: float) -> None:  # noqa: F811
    path, first = journal_and_mirror(tmp_path, redis_server.url, 500)
    batch = first.tail(path, first.resume_seq()).poll(limit=500)
    assert batch is not None
    # the connection dies part-way through the pipeline: Redis applies the whole commands it received
    with socket.create_connection(("127.0.0.1", redis_server.port)) as s:
        s.sendall(batch.commands[:int(len(batch.commands) * cut)])
        s.shutdown(socket.SHUT_WR)
        while s.recv(1 << 16):
            pass
    applied = len(stream_ids(redis_server.url, stream_key("acct")))
    assert applied < 500
    again = RedisMirror(redis_server.url, "acct", 20250102)  # e.g. the sidecar after a reconnect
    assert again.resume_seq() == applied
    assert again.publish(again.tail(path, again.resume_seq()).poll(limit=1000)) == 500 - applied
    assert again.duplicates == 0
    assert first.publish(batch) == 0 and first.duplicates == 500  # the whole batch re-sent: all refused
    assert stream_ids(redis_server.url, stream_key("acct")) == [f"20250102-{s}" for s in range(1, 501)]


def test_mirror_when_redis_dies_under_a_sent_batch_raises_connection_error_and_resumes_exactly_once(
        tmp_path: Path, redis_server: RedisServer) -> None:  # noqa: F811
    path, m = journal_and_mirror(tmp_path, redis_server.url, 400, socket_timeout=2.0)
    tail = m.tail(path, 0)
    assert m.publish(tail.poll(limit=200)) == 200
    batch = tail.poll(limit=200)
    assert batch is not None
    redis_server.kill()
    with pytest.raises(redis.ConnectionError):  # on the send or on reading the replies
        m.send(batch)
        m.collect()
    redis_server.start()
    assert m.resume_seq() == 200  # the same mirror reconnects: resume after the stream's top
    catch_up(m, path, limit=150)
    assert m.duplicates == 0
    assert stream_ids(redis_server.url, stream_key("acct")) == [f"20250102-{s}" for s in range(1, 401)]


def test_mirror_when_redis_refuses_writes_raises_and_resumes_without_gap(
        tmp_path: Path, redis_server: RedisServer) -> None:  # noqa: F811
    path, m = journal_and_mirror(tmp_path, redis_server.url, 300)
    tail = m.tail(path, 0)
    assert m.publish(tail.poll(limit=100)) == 100
    admin = redis.Redis.from_url(redis_server.url)
    admin.config_set("maxmemory-policy", "noeviction")
    admin.config_set("maxmemory", 1)  # every write is refused with OOM
    try:
        with pytest.raises(redis.ResponseError, match=r"refused day 20250102 seq 101\.\.200: OOM"):
            m.publish(tail.poll(limit=100))
    finally:
        admin.config_set("maxmemory", 0)
    catch_up(m, path, limit=100)
    assert stream_ids(redis_server.url, stream_key("acct")) == [f"20250102-{s}" for s in range(1, 301)]


def test_mirror_when_a_refused_record_is_followed_by_an_applied_one_raises_gap_error(
        tmp_path: Path, redis_server: RedisServer) -> None:  # noqa: F811
    path, m = journal_and_mirror(tmp_path, redis_server.url, 4)
    batch = m.tail(path, 0).poll(limit=4)
    assert batch is not None
    # replies to records 1..4: applied, refused (OOM), refused, applied: Redis never undoes a write
    replies = b"$10\r\n20250102-1\r\n-OOM command not allowed\r\n-OOM x\r\n$10\r\n20250102-4\r\n"
    with pytest.raises(MirrorStreamGapError, match=r"day 20250102 seq 2\.\.3 were refused \(OOM command"):
        m._account([batch], replies)


def test_journal_tail_when_a_sequence_is_missing_raises_journal_gap_error(tmp_path: Path) -> None:
    path = tmp_path / "acct-20250102.journal.sqlite"
    make_journal(path, 3)
    make_journal(path, 3, first=5)
    tail = JournalTail(path, 0, key="k", day=20250102)
    with pytest.raises(JournalGapError, match="after seq 0 is missing"):
        tail.poll(limit=10)
    assert tail.poll(limit=3) is not None and tail.last_seq == 3
    with pytest.raises(JournalGapError, match=r"after seq 3 is missing \(read 3 records, seq 5\.\.7\)"):
        tail.poll(limit=10)


def test_follow_when_a_sequence_is_missing_reports_the_gap(redis_server: RedisServer) -> None:  # noqa: F811
    client = redis.Redis.from_url(redis_server.url)
    for seq in (1, 2, 5, 6):
        client.xadd(stream_key("gappy"), {"seq": seq, "kind": "notice",
                                          "rec": json.dumps([seq, *[None] * (len(COLUMNS) - 1)])},
                    id=f"20250102-{seq}")
    got = [(c.seq, rec["seq"]) for c, rec in follow(redis_server.url, ["gappy"], block_ms=100, idle_exit=0.3)]
    assert [s for s, _ in got] == [1, 2, 5, 6]
    cursor = StreamCursor("x")
    for entry in ("20250102-1", "20250102-2", "20250102-5", "20250103-1", "20250103-3"):
        cursor.advance(entry)
    assert cursor.gaps == [(20250102, 3, 4), (20250103, 2, 2)]
    proc = subprocess.run([sys.executable, "-m", "shandian", "tail", redis_server.url, "gappy", "--idle-exit",
                           "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "gap: gappy day 20250102 seq 3..4 missing" in proc.stderr
    assert sum(line.startswith("{") for line in proc.stdout.splitlines()) == 4


def test_mirror_when_redis_down_at_engine_end_sidecar_waits_and_catches_up(
        tmp_path: Path, redis_server: RedisServer) -> None:  # noqa: F811
    cfg = run_config(tmp_path, redis_server.url, 3, name="late")
    log = tmp_path / "run.log"  # (a file, not a pipe: the sidecar, which outlives the engine, writes to it)
    engine = subprocess.Popen([sys.executable, "-m", "shandian", "run", str(cfg), "--quiet", "--pid-file",
                               str(tmp_path / "run.pid")], cwd=ROOT, stdout=log.open("w"),
                              stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: list((tmp_path / "journal").glob("*.journal.sqlite")), 30, "the journal file")
        path = next((tmp_path / "journal").glob("*.journal.sqlite"))
        key = stream_key(path.name.rsplit("-", 1)[0])
        wait_until(lambda: stream_len(redis_server.url, key) > 50, 30, "records in the stream")
        redis_server.kill()
        assert engine.wait(timeout=60) == 0, log.read_text()[-3000:]
        time.sleep(1.0)  # the engine is gone, Redis still away: the sidecar must not give up yet
        redis_server.start()
        last = max_seq(path)
        wait_until(lambda: stream_len(redis_server.url, key) == last, 30, f"the mirror to catch up to {last}")
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait(timeout=10)
    ids = [e[0].decode() for e in redis.Redis.from_url(redis_server.url).xrange(key)]
    assert ids == [f"20250102-{s}" for s in range(1, last + 1)]


def test_journal_tail_when_records_are_committed_after_it_read_to_the_end_returns_them(
        tmp_path: Path) -> None:
    path = tmp_path / "acct-20250102.journal.sqlite"
    make_journal(path, 4)
    tail = JournalTail(path, 0, key="k", day=20250102)
    batch = tail.poll(limit=2)
    assert batch is not None and batch.count == 2  # a full batch: the next poll must look again
    batch = tail.poll(limit=2)
    assert batch is not None and (batch.first_seq, batch.last_seq) == (3, 4)
    assert tail.poll(limit=3) is None and tail.poll(limit=3) is None  # idle: nothing committed since
    make_journal(path, 3, first=5)  # another connection commits
    batch = tail.poll(limit=10)
    assert batch is not None and (batch.first_seq, batch.last_seq) == (5, 7) and tail.last_seq == 7
    assert tail.poll(limit=10) is None
