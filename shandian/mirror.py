"""The journal mirrored to Redis Streams: one stream per account, one entry per journal record.

Entry ids are `<trading day>-<journal seq>` (explicit XADD ids), so the stream itself refuses a record it
already holds (an id at or below the stream's top is an error) and its top says where to resume: after a
Redis outage or a restart of the mirror, `resume_seq()` reads the top and the publisher re-reads the journal
from the next sequence — no gap, no duplicate. Readers (`follow`, `shandian tail`) check that each entry's
seq is the previous one plus one within a day and report gaps.

    mirror = RedisMirror("redis://host:6379/0", "acct-a", 20250102)
    mirror.publish(JournalReader(path, after_seq=mirror.resume_seq()).poll())

Fields of an entry: `seq`, `kind`, `rec` (the record's columns as a JSON array, in the order of
`shandian.journal.COLUMNS`; `decode()` turns it into the journal row's dict, empty columns left out).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shandian.errors import ConfigError, JournalGapError
from shandian.journal import COLUMNS

__all__ = [
    "STREAM_PREFIX",
    "JournalTail",
    "MirrorSettings",
    "RedisMirror",
    "StreamCursor",
    "decode",
    "follow",
    "journal_identity",
    "parse_mirror",
    "stream_key",
]

STREAM_PREFIX = "shandian:journal:"
_JOURNAL_NAME = re.compile(r"(?P<account>.+)-(?P<day>\d{8})\.journal\.sqlite")


@dataclass
class MirrorSettings:
    """`[mirror]`: where the journal is mirrored (`redis = "redis://host:port/db"`)."""

    redis: str
    batch: int = 2000  # records per round trip (one atomic script call)
    maxlen: int = 0  # approximate cap on each stream's length (0 = keep everything)


def parse_mirror(table: Any) -> MirrorSettings | None:
    """Validate a `[mirror]` table (None when absent); errors name the key."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("mirror", f"{table!r} must be a table")
    for key in table:
        if key not in ("redis", "batch", "maxlen"):
            raise ConfigError(f"mirror.{key}", "unknown key (allowed: batch, maxlen, redis)")
    url = table.get("redis")
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("mirror.redis", f"{url!r} must be a redis://, rediss:// or unix:// URL")
    batch = table.get("batch", 2000)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConfigError("mirror.batch", f"{batch!r} must be an integer >= 1")
    maxlen = table.get("maxlen", 0)
    if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 0:
        raise ConfigError("mirror.maxlen", f"{maxlen!r} must be an integer >= 0 (0 = no cap)")
    return MirrorSettings(redis=url, batch=batch, maxlen=maxlen)


def stream_key(account: str) -> str:
    """Return the Redis stream key of an account's journal records."""
    return STREAM_PREFIX + account


def journal_identity(path: str | Path) -> tuple[str, int]:
    """(account, trading day) of a journal file named `<account>-<YYYYMMDD>.journal.sqlite`."""
    m = _JOURNAL_NAME.fullmatch(Path(path).name)
    if m is None:
        raise ValueError(f"{path}: not a journal file name (<account>-<YYYYMMDD>.journal.sqlite)")
    return m.group("account"), int(m.group("day"))


def decode(rec: bytes | str) -> dict[str, Any]:
    """Return an entry's `rec` field as the journal row's dict (column -> value, empty columns left out)."""
    return {c: v for c, v in zip(COLUMNS, json.loads(rec), strict=True) if v is not None}


def _redis() -> Any:
    try:
        import redis
    except ImportError:
        raise RuntimeError("the Redis mirror needs the redis client: pip install 'shandian[fleet]'") from None
    return redis


# One round trip per batch, applied atomically by Redis: (id, seq, kind, rec) per record in ARGV after the
# cap. An id already in the stream is counted, not fatal (pcall), so a retried batch adds only what is new.
_XADD_BATCH = """
local added, dup = 0, 0
local cap = tonumber(ARGV[1])
for i = 2, #ARGV, 4 do
  local r
  if cap > 0 then
    r = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', cap, ARGV[i], 'seq', ARGV[i+1], 'kind', ARGV[i+2],
                    'rec', ARGV[i+3])
  else
    r = redis.pcall('XADD', KEYS[1], ARGV[i], 'seq', ARGV[i+1], 'kind', ARGV[i+2], 'rec', ARGV[i+3])
  end
  if type(r) == 'table' and r.err then dup = dup + 1 else added = added + 1 end
end
return {added, dup}
"""

# The record as a JSON array of its columns in COLUMNS order, built by SQLite: no per-field Python (the
# mirror's throughput is bound by the per-record cost in this process).
_SELECT_JSON = ("SELECT seq, kind, json_array(" + ", ".join(COLUMNS) + ") FROM records "
                "WHERE seq > ? ORDER BY seq LIMIT ?")


class JournalTail:
    """Reads a journal's records after a sequence as (seq, kind, JSON text), checking there is no gap."""

    def __init__(self, path: str | Path, after_seq: int) -> None:
        self.path = Path(path)
        self.last_seq = after_seq
        self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5.0)

    def poll(self, limit: int) -> list[tuple[int, str, str]]:
        """Return the next records (at most `limit`); raises JournalGapError on a missing sequence number."""
        rows = self._con.execute(_SELECT_JSON, (self.last_seq, limit)).fetchall()
        if rows and rows[-1][0] - self.last_seq != len(rows):
            raise JournalGapError(f"journal {self.path}: a record after seq {self.last_seq} is missing")
        if rows:
            self.last_seq = rows[-1][0]
        return rows

    def close(self) -> None:
        """Close the read connection."""
        self._con.close()


class RedisMirror:
    """Publishes one journal file's records to its account's stream, idempotently (ids day-seq)."""

    def __init__(self, url: str, account: str, trading_day: int, *, maxlen: int = 0,
                 socket_timeout: float = 5.0) -> None:
        self.url = url
        self.account = account
        self.day = trading_day
        self.key = stream_key(account)
        self.maxlen = maxlen
        self.published = 0
        self.duplicates = 0  # ids the stream already held (only after an ambiguous failed round trip)
        self._client = _redis().Redis.from_url(url, socket_timeout=socket_timeout,
                                               socket_connect_timeout=socket_timeout)
        self._conn: Any = None  # the connection batches are sent on (replies read in order by collect())
        self._pending = 0
        self._head = [b"EVAL", _XADD_BATCH.encode(), b"1", self.key.encode(), str(maxlen).encode()]

    def resume_seq(self) -> int:
        """Return the last seq of this journal file the stream holds (0: none).

        Raises RuntimeError when the stream already holds a later trading day.
        """
        top = self._client.xrevrange(self.key, count=1)
        if not top:
            return 0
        day, seq = (int(x) for x in top[0][0].decode().split("-"))
        if day > self.day:
            raise RuntimeError(f"stream {self.key} already holds trading day {day}, after this journal's "
                               f"{self.day}: refusing to mirror an older day")
        return seq if day == self.day else 0

    def publish(self, rows: Iterable[tuple[int, str, str]]) -> int:
        """XADD (seq, kind, JSON) rows of JournalTail.poll atomically, wait; return the number added."""
        return self.collect() if self.send(rows) else 0

    def send(self, rows: Iterable[tuple[int, str, str]]) -> bool:
        """Send one batch without waiting for its reply (`collect()` reads it); False when `rows` is empty.

        Lets the caller read the next batch from the journal while Redis applies this one.
        """
        # The command is packed here, not by the client: per record one f-string instead of four encoded
        # arguments (the client's packing was most of the mirror's time per record).
        day = self.day
        parts = []
        for seq, kind, rec in rows:
            rid, text, body = f"{day}-{seq}", str(seq), rec.encode()
            parts.append(f"${len(rid)}\r\n{rid}\r\n${len(text)}\r\n{text}\r\n${len(kind)}\r\n{kind}\r\n"
                         f"${len(body)}\r\n".encode() + body + b"\r\n")
        if not parts:
            return False
        head = b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in self._head)
        data = b"*%d\r\n" % (len(self._head) + 4 * len(parts)) + head + b"".join(parts)
        if self._conn is None:
            self._conn = self._client.connection_pool.get_connection()
        try:
            self._conn.send_packed_command([data])
        except BaseException:
            self._drop()
            raise
        self._pending += 1
        return True

    def collect(self) -> int:
        """Read the replies of the batches sent; return the number of records they added."""
        added = 0
        while self._pending:
            assert self._conn is not None
            try:
                n, dup = self._conn.read_response()
            except BaseException:
                self._drop()  # a half-read reply must not be read by the next command
                raise
            self._pending -= 1
            added += int(n)
            self.duplicates += int(dup)
        self.published += added
        return added

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.disconnect()
            self._client.connection_pool.release(self._conn)
        self._conn = None
        self._pending = 0

    def close(self) -> None:
        """Close the connection pool."""
        if self._conn is not None:
            self._client.connection_pool.release(self._conn)
            self._conn = None
        self._client.close()


@dataclass
class StreamCursor:
    """A reader's position in one account's stream, with the gaps it saw."""

    account: str
    last_id: str = "0-0"
    day: int = 0
    seq: int = 0
    gaps: list[tuple[int, int, int]] = field(default_factory=list)  # (day, first missing, last missing)

    def advance(self, entry_id: str) -> tuple[int, int]:
        """Move past an entry; record a gap when its seq is not the next one of its day."""
        day, seq = (int(x) for x in entry_id.split("-"))
        if day != self.day:
            self.day, self.seq = day, 0
        if seq != self.seq + 1:
            self.gaps.append((day, self.seq + 1, seq - 1))
        self.seq = seq
        self.last_id = entry_id
        return day, seq


def follow(url: str, accounts: list[str] | None, *, block_ms: int = 1000, idle_exit: float | None = None,
           rescan_s: float = 2.0, retry_s: float = 0.5) -> Iterator[tuple[StreamCursor, dict[str, Any]]]:
    """Yield (cursor, record) for every entry of the accounts' streams (None: every account, found by SCAN).

    Survives Redis restarts (reconnects and resumes after each stream's last id). With `idle_exit`, stops
    after that many seconds without a new entry (for scripts and tests).
    """
    redis = _redis()
    client = redis.Redis.from_url(url, socket_timeout=max(5.0, block_ms / 1000 + 2),
                                  socket_connect_timeout=5.0)
    cursors: dict[str, StreamCursor] = {a: StreamCursor(a) for a in accounts or []}
    last_new = time.monotonic()
    next_scan = 0.0
    try:
        while True:
            try:
                if accounts is None and time.monotonic() >= next_scan:
                    next_scan = time.monotonic() + rescan_s
                    for key in client.scan_iter(match=STREAM_PREFIX + "*", _type="stream"):
                        account = key.decode()[len(STREAM_PREFIX):]
                        cursors.setdefault(account, StreamCursor(account))
                if not cursors:
                    time.sleep(min(rescan_s, block_ms / 1000))
                    got: list[Any] = []
                else:
                    got = client.xread({stream_key(a): c.last_id for a, c in cursors.items()},
                                       block=block_ms, count=5000) or []
            except (redis.ConnectionError, redis.TimeoutError):
                time.sleep(retry_s)
                got = []
            for key, entries in got:
                cursor = cursors[key.decode()[len(STREAM_PREFIX):]]
                for entry_id, fields in entries:
                    cursor.advance(entry_id.decode())
                    last_new = time.monotonic()
                    yield cursor, decode(fields[b"rec"])
            if idle_exit is not None and time.monotonic() - last_new > idle_exit:
                return
    finally:
        client.close()


def tail_main(url: str, accounts: list[str] | None, idle_exit: float | None, out: Any) -> int:
    """`shandian tail URL ACCOUNT...|--all`: one JSON line per record (account and day added).

    Gaps go to stderr; the exit status is 1 when a gap was seen.
    """
    import sys

    cursors: dict[str, StreamCursor] = {}
    told: dict[str, int] = {}  # gaps already reported, per account
    try:
        for cursor, rec in follow(url, accounts, idle_exit=idle_exit):
            cursors[cursor.account] = cursor
            print(json.dumps({"account": cursor.account, "day": cursor.day, **rec}, ensure_ascii=False),
                  file=out, flush=True)
            for day, first, last in cursor.gaps[told.get(cursor.account, 0):]:
                print(f"gap: {cursor.account} day {day} seq {first}..{last} missing", file=sys.stderr,
                      flush=True)
            told[cursor.account] = len(cursor.gaps)
    except KeyboardInterrupt:
        pass
    return 1 if any(c.gaps for c in cursors.values()) else 0
