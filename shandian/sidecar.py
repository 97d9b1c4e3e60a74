"""The per-engine sidecar: a child process of `shandian run` that tails the engine's journal by sequence.

It (a) mirrors every journal record to the account's Redis stream (`[mirror]`, shandian.mirror) and (b)
evaluates the notification rules and delivers them (`[notify]`, shandian.notify). It runs off a journal
tail, in its own process, rather than inside the C++ journal writer thread or the engine process:

* nothing it does (Redis round trips, HTTP or SMTP calls, JSON encoding) holds the engine process's GIL
  or shares its CPU time slice accounting with the engine thread; a Redis or webhook endpoint that hangs
  only stalls this process;
* catch-up comes for free: the journal is the durable, gap-free source, so after a Redis outage (or a
  restart of this process) the mirror resumes at the stream's top sequence and re-reads the rest;
* the C++ journal thread stays as it is (SQLite only), with no network client linked into the engine.

The engine's journal file is found among the files the engine process holds open (/proc/PID/fd), so the
sidecar needs no other word from the engine. When the engine process is gone (stopped, crashed, killed),
the sidecar drains what is left of the journal (waiting up to `drain_timeout` for a Redis that is away),
flushes the notifications (bounded) and exits.

    python -m shandian.sidecar --engine-pid PID --config RUN.toml [--status-file PATH] [--nice N]
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from shandian.config import Config, ConfigError, load_config
from shandian.journal import JournalReader
from shandian.mirror import (
    JournalTail,
    MirrorSettings,
    MirrorStreamGapError,
    RedisMirror,
    journal_identity,
    parse_mirror,
    redis_module,
)
from shandian.notify import Notifier, NotifySettings, parse_notify
from shandian.status import process_alive, read_status

__all__ = ["SidecarSettings", "find_journal", "main", "parse_sidecar", "spawn"]

log = logging.getLogger("shandian.sidecar")


@dataclass
class SidecarSettings:
    """What the sidecar does for one engine (either part may be off)."""

    mirror: MirrorSettings | None
    notify: NotifySettings | None


def parse_sidecar(config: Config) -> SidecarSettings | None:
    """Validate the config's `[mirror]` / `[notify]` tables (None when neither is configured)."""
    mirror = parse_mirror(config.sidecar.get("mirror"))
    notify = parse_notify(config.sidecar.get("notify"))
    if mirror is None and notify is None:
        return None
    if not config.journal.enabled:
        raise ConfigError("journal.enabled", "false: [mirror] and [notify] read the journal, keep it on")
    return SidecarSettings(mirror=mirror, notify=notify)


def spawn(config_path: str, status_file: Path | None) -> subprocess.Popen[bytes]:
    """Start the sidecar of this process (its own session: a Ctrl-C to the terminal stops the engine only)."""
    argv = [sys.executable, "-P", "-m", "shandian.sidecar", "--engine-pid", str(os.getpid()), "--config",
            str(Path(config_path).resolve())]
    if status_file is not None:
        argv += ["--status-file", str(status_file)]
    return subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL)


def find_journal(pid: int) -> Path | None:
    """Return the journal file (`*.journal.sqlite`) process `pid` holds open, if any."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.endswith(".journal.sqlite"):
            return Path(target)
    return None


def _run_start_seq(path: Path, pid: int, timeout: float = 10.0) -> int:
    """Return the seq just before this engine process's `run_start` record (notifications start there).

    The record is the first the engine writes on opening the journal; until it is committed (a few ms)
    this waits, and past `timeout` falls back to the journal's end (earlier runs are never re-notified).
    """
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        end = time.monotonic() + timeout
        while True:
            row = con.execute("SELECT seq FROM records WHERE kind = 'run_start' AND (text = ? OR text LIKE ?)"
                              " ORDER BY seq DESC LIMIT 1", (f"pid={pid}", f"pid={pid} %")).fetchone()
            if row is not None:
                return int(row[0]) - 1
            if time.monotonic() > end:
                return int(con.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0])
            time.sleep(0.01)
    finally:
        con.close()


class Sidecar:
    """The tail loop: journal → Redis (resuming by sequence) and journal/status → notifications."""

    def __init__(self, settings: SidecarSettings, engine_pid: int, status_file: Path | None,
                 poll_s: float = 0.02, drain_timeout: float = 60.0, alive_check_s: float = 0.2) -> None:
        self.settings = settings
        self.pid = engine_pid
        self.status_file = status_file
        self.poll_s = poll_s
        self.alive_check_s = alive_check_s  # how often the engine's liveness is read (/proc: not free)
        self.drain_timeout = drain_timeout
        self._mirror_ok = settings.mirror is None  # the last mirror pass reached Redis
        self.mirror: RedisMirror | None = None
        self._mirror_reader: JournalTail | None = None
        self._retry_at = 0.0
        self._backoff = 0.2
        self.notifier: Notifier | None = None
        self._notify_reader: JournalReader | None = None

    def run(self) -> int:
        """Follow the engine until it is gone, then drain; returns the exit status."""
        if self.settings.mirror is not None:
            redis_module()  # imported now, while the engine starts, rather than once it trades
        path = None
        while path is None:
            if not process_alive(self.pid):
                return 0  # the engine ended before it opened a journal: nothing to mirror
            path = find_journal(self.pid)
            if path is None:
                time.sleep(0.05)
        account, day = journal_identity(path)
        log.info("sidecar of pid %d: journal %s (account %s, day %d)", self.pid, path, account, day)
        if self.settings.notify is not None:
            self.notifier = Notifier(self.settings.notify, account)
            self._notify_reader = JournalReader(path, after_seq=_run_start_seq(path, self.pid))
        try:
            gone_at: float | None = None
            alive, check_at = True, 0.0
            while True:
                if time.monotonic() >= check_at:  # (checked before the step: the last step drains)
                    alive, check_at = process_alive(self.pid), time.monotonic() + self.alive_check_s
                moved = self._step(path, account, day)
                if not alive and gone_at is None:
                    gone_at = time.monotonic()
                if gone_at is not None and not moved:
                    # the engine is gone and the journal read to its end: done, unless Redis is away,
                    # then keep trying for a while (what is left is mirrored by the next run's sidecar)
                    if self._mirror_ok or time.monotonic() - gone_at > self.drain_timeout:
                        break
                if not moved:
                    time.sleep(self.poll_s)
        finally:
            if self.notifier is not None:
                self.notifier.close(timeout=5.0)
            if self.mirror is not None:
                self.mirror.close()
        return 0

    def _step(self, path: Path, account: str, day: int) -> bool:
        """One pass; True when it moved records (there may be more)."""
        moved = False
        if self._notify_reader is not None and self.notifier is not None:
            for rec in self._notify_reader.poll(limit=5000):
                self.notifier.on_record(rec)
                moved = True
            status = read_status(self.status_file) if self.status_file is not None else None
            self.notifier.on_status(status, time.time())
        if self.settings.mirror is not None:
            moved = self._mirror_step(path, account, day) or moved
        return moved

    def _mirror_step(self, path: Path, account: str, day: int) -> bool:
        from redis import RedisError

        assert self.settings.mirror is not None
        if time.monotonic() < self._retry_at:
            return False  # (_mirror_ok stays False: Redis was away at the last try)
        try:
            if self.mirror is None:
                self.mirror = RedisMirror(self.settings.mirror.redis, account, day,
                                          maxlen=self.settings.mirror.maxlen)
            if self._mirror_reader is None:
                self._mirror_reader = self.mirror.tail(path, after_seq=self.mirror.resume_seq())
            batch = self._mirror_reader.poll(limit=self.settings.mirror.batch)
            self.mirror.collect()  # the previous batch: Redis applied it while this one was read
            if batch is not None:
                self.mirror.send(batch)
            self._backoff = 0.2
            self._mirror_ok = True
            return batch is not None
        except (RedisError, MirrorStreamGapError) as e:
            # Redis is away or refused a write: the journal keeps everything; resume after the stream's top
            # (a MirrorStreamGapError is logged as an error: that range stays missing, readers report it).
            level = logging.ERROR if isinstance(e, MirrorStreamGapError) else logging.WARNING
            log.log(level, "mirror: %s: %s (retrying in %.1f s)", type(e).__name__, e, self._backoff)
            if self._mirror_reader is not None:
                self._mirror_reader.close()
            self._mirror_reader = None
            self._mirror_ok = False
            self._retry_at = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, 2.0)
            return False


def main(argv: list[str] | None = None) -> int:
    """`python -m shandian.sidecar --engine-pid PID --config RUN.toml [--status-file PATH] [--nice N]`."""
    p = argparse.ArgumentParser(prog="shandian.sidecar", description="mirror and notify")
    p.add_argument("--engine-pid", type=int, required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--status-file", default=None)
    p.add_argument("--nice", type=int, default=10,
                   help="lower this process's CPU priority by N (default 10): on a busy host the engine "
                   "is scheduled first; the mirror only falls behind the journal and catches up")
    args = p.parse_args(argv)
    if args.nice > 0 and hasattr(os, "nice"):
        os.nice(args.nice)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        settings = parse_sidecar(load_config(args.config))
    except ConfigError as e:
        print(f"config error: {e}", file=sys.stderr)
        return 2
    if settings is None:
        return 0
    status = Path(args.status_file) if args.status_file else None
    return Sidecar(settings, args.engine_pid, status).run()


if __name__ == "__main__":
    sys.exit(main())
