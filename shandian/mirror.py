"""The journal mirrored to Redis Streams: one stream per account, one entry per journal record.

Entry ids are `<trading day>-<journal seq>` (explicit XADD ids), so the stream itself refuses a record it
already holds (an id at or below the stream's top is an error) and its top says where to resume: after a
Redis outage or a restart of the mirror, `resume_seq()` reads the top and the publisher re-reads the journal
from the next sequence — no gap, no duplicate. Readers (`follow`, `shandian tail`) check that each entry's
seq is the previous one plus one within a day and report gaps.

    mirror = RedisMirror("redis://host:6379/0", "acct-a", 20250102)
    tail = mirror.tail(path, after_seq=mirror.resume_seq())
    while (batch := tail.poll(limit=2000)) is not None:
        mirror.publish(batch)

Fields of an entry: `seq`, `kind`, `rec` (the record's columns as a JSON array, in the order of
`shandian.journal.COLUMNS`; `decode()` turns it into the journal row's dict, empty columns left out).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shandian.errors import ConfigError, JournalGapError, MirrorStreamGapError
from shandian.journal import COLUMNS

__all__ = [
    "STREAM_PREFIX",
    "JournalBatch",
    "JournalTail",
    "MirrorSettings",
    "MirrorStreamGapError",
    "RedisMirror",
    "StreamCursor",
    "decode",
    "follow",
    "journal_identity",
    "parse_mirror",
    "redis_module",
    "stream_key",
    "xadd_head",
]

STREAM_PREFIX = "shandian:journal:"
_JOURNAL_NAME = re.compile(r"(?P<account>.+)-(?P<day>\d{8})\.journal\.sqlite")


@dataclass
class MirrorSettings:
    """`[mirror]`: where the journal is mirrored (`redis = "redis://host:port/db"`)."""

    redis: str
    batch: int = 2000  # records per round trip (one pipeline of XADDs)
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


def redis_module() -> Any:
    """Return the redis client package (imported on first use: only the mirror and its readers need it)."""
    try:
        import redis
    except ImportError:
        raise RuntimeError("the Redis mirror needs the redis client: pip install 'shandian[fleet]'") from None
    return redis


@dataclass(frozen=True)
class JournalBatch:
    """Consecutive journal records as the XADD commands that publish them (one bytes object, RESP)."""

    first_seq: int
    last_seq: int
    commands: bytes

    @property
    def count(self) -> int:
        """Number of records (one XADD each)."""
        return self.last_seq - self.first_seq + 1


def _resp(*args: bytes) -> bytes:
    return b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def xadd_head(key: str, maxlen: int) -> bytes:
    """Return the RESP start all of a stream's XADDs share: array length, command, key, optional cap."""
    cap = (b"MAXLEN", b"~", b"%d" % maxlen) if maxlen > 0 else ()
    return b"*%d\r\n" % (9 + len(cap)) + _resp(b"XADD", key.encode(), *cap)


# A batch of records as one string of pipelined XADD commands, built by SQLite: the record's columns as a
# JSON array, and per record one printf, so this process creates no Python object per record (the
# mirror's throughput is bound by its CPU time per record). Lengths are byte lengths (RESP bulk strings).
_SELECT_BATCH = (
    "SELECT count(*), min(seq), max(seq), CAST(group_concat(printf("
    "'%s$%d\r\n%d-%d\r\n$3\r\nseq\r\n$%d\r\n%d\r\n$4\r\nkind\r\n$%d\r\n%s\r\n$3\r\nrec\r\n$%d\r\n%s\r\n', "
    ":head, :day_len + length(seq), :day, seq, length(seq), seq, length(CAST(kind AS BLOB)), kind, "
    "length(CAST(rec AS BLOB)), rec), '') AS BLOB) "
    "FROM (SELECT seq, kind, json_array(" + ", ".join(COLUMNS) + ") AS rec FROM records "
    "WHERE seq > :after ORDER BY seq LIMIT :limit)")


class JournalTail:
    """Reads a journal's records after a sequence as XADD batches for one stream, checking there is no gap."""

    def __init__(self, path: str | Path, after_seq: int, *, key: str, day: int, maxlen: int = 0) -> None:
        self.path = Path(path)
        self.last_seq = after_seq
        self._params: dict[str, object] = {"head": xadd_head(key, maxlen).decode(), "day": day,
                                           "day_len": len(str(day)) + 1}
        self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5.0)
        self._drained_at: int | None = None  # PRAGMA data_version when a poll last read to the end

    def poll(self, limit: int) -> JournalBatch | None:
        """Return the next records (at most `limit`), None when there is none yet.

        Raises JournalGapError on a missing sequence number.
        """
        # data_version changes when another connection commits: while it stands still after a poll that
        # read to the end, nothing new can be there (an idle tail costs a pragma, not the batch query)
        version = self._con.execute("PRAGMA data_version").fetchone()[0]
        if version == self._drained_at:
            return None
        count, first, last, commands = self._con.execute(
            _SELECT_BATCH, {**self._params, "after": self.last_seq, "limit": limit}).fetchone()
        if count and (first != self.last_seq + 1 or last - first + 1 != count):
            raise JournalGapError(f"journal {self.path}: a record after seq {self.last_seq} is missing "
                                  f"(read {count} records, seq {first}..{last})")
        self._drained_at = version if count < limit else None
        if not count:
            return None
        self.last_seq = last
        return JournalBatch(first, last, commands)

    def close(self) -> None:
        """Close the read connection."""
        self._con.close()


_DUPLICATE = b"equal or smaller than the target stream top item"


class RedisMirror:
    """Publishes one journal file's records to its account's stream, idempotently (ids day-seq).

    A batch goes as one non-transactional pipeline of XADDs (one write, one read of the replies): an id
    the stream already holds is refused by Redis and counted as a duplicate, so a batch re-sent after an
    ambiguous failure adds only what is new.
    """

    def __init__(self, url: str, account: str, trading_day: int, *, maxlen: int = 0,
                 socket_timeout: float = 5.0) -> None:
        self.url = url
        self.account = account
        self.day = trading_day
        self.key = stream_key(account)
        self.maxlen = maxlen
        self.published = 0
        self.duplicates = 0  # ids the stream already held (only after an ambiguous failed round trip)
        self._redis = redis_module()
        self._client = self._redis.Redis.from_url(url, socket_timeout=socket_timeout,
                                                  socket_connect_timeout=socket_timeout)
        self._conn: Any = None  # the connection batches are sent on (replies read in order by collect())
        self._pending: list[JournalBatch] = []

    def tail(self, path: str | Path, after_seq: int) -> JournalTail:
        """Return a reader of the journal file at `path` whose batches are XADDs to this mirror's stream."""
        return JournalTail(path, after_seq, key=self.key, day=self.day, maxlen=self.maxlen)

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

    def publish(self, batch: JournalBatch | None) -> int:
        """XADD a batch of JournalTail.poll and wait; return the number of records added."""
        if batch is None:
            return 0
        self.send(batch)
        return self.collect()

    def send(self, batch: JournalBatch) -> None:
        """Send one batch without waiting for its replies (`collect()` reads them).

        Lets the caller read the next batch from the journal while Redis applies this one.
        """
        if self._conn is None:
            self._conn = self._client.connection_pool.get_connection()
        try:
            self._conn.send_packed_command([batch.commands])
        except BaseException:
            self._drop()
            raise
        self._pending.append(batch)

    def collect(self) -> int:
        """Read the replies of the batches sent; return the number of records they added.

        Raises MirrorStreamGapError when Redis refused a record (not as a duplicate) and applied a later
        one, and redis.ResponseError when it refused records otherwise (nothing after them was applied:
        resuming after the stream's top re-sends them).
        """
        if not self._pending:
            return 0
        expected = sum(b.count for b in self._pending)
        try:
            replies = self._read_replies(expected)
        except BaseException:
            self._drop()  # a half-read reply must not be read by the next command
            raise
        pending, self._pending = self._pending, []
        errors = replies.count(b"\n-") + replies.startswith(b"-")
        if errors:
            return self._account(pending, replies)
        self.published += expected
        return expected

    def _read_replies(self, expected: int) -> bytes:
        """Read the raw replies of `expected` XADDs: each is `$n` + id (two lines) or an error (one line).

        Complete exactly when lines == 2 * expected - errors (a cut reply leaves the count short or odd).
        """
        sock = self._conn._sock  # redis-py's socket of this connection: the replies are read here, raw
        if sock is None:
            raise self._redis.ConnectionError(f"{self.url}: the connection was closed before the replies")
        buf = bytearray()
        lines = errors = 0
        while True:
            start = max(len(buf) - 1, 0)
            try:
                chunk = sock.recv(1 << 18)
            except TimeoutError as e:
                raise self._redis.TimeoutError(f"Timeout reading from {self.url}: {e}") from e
            except OSError as e:
                raise self._redis.ConnectionError(f"Error reading from {self.url}: {e}") from e
            if not chunk:
                raise self._redis.ConnectionError(f"{self.url} closed the connection")
            buf += chunk
            if not buf.startswith(b"$") and not buf.startswith(b"-"):
                raise self._redis.ResponseError(f"unexpected reply to XADD: {bytes(buf[:80])!r}")
            lines += buf.count(b"\r\n", start)
            errors += buf.count(b"\n-", start) + (start == 0 and buf.startswith(b"-"))
            if lines == 2 * expected - errors and buf.endswith(b"\r\n"):
                return bytes(buf)

    def _account(self, batches: list[JournalBatch], replies: bytes) -> int:
        """Count the replies one by one (a batch with error replies: duplicates, or a failure)."""
        seqs = [s for b in batches for s in range(b.first_seq, b.last_seq + 1)]
        lines = iter(replies.split(b"\r\n"))
        added = dup = 0
        refused: list[tuple[int, bytes]] = []  # (seq, error) not duplicates
        for seq in seqs:
            line = next(lines)
            if line.startswith(b"$"):
                next(lines)
                added += 1
                if refused:
                    first = refused[0][0]
                    self.published += added
                    self.duplicates += dup
                    raise MirrorStreamGapError(self.key, self.day, first, seq - 1,
                                               refused[0][1].decode(errors="replace"))
            elif _DUPLICATE in line:
                dup += 1
            else:
                refused.append((seq, line[1:]))
        self.published += added
        self.duplicates += dup
        if refused:
            raise self._redis.ResponseError(
                f"stream {self.key}: Redis refused day {self.day} seq {refused[0][0]}..{refused[-1][0]}: "
                f"{refused[0][1].decode(errors='replace')}")
        return added

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.disconnect()
            self._client.connection_pool.release(self._conn)
        self._conn = None
        self._pending = []

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
    redis = redis_module()
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
