"""Controlling a running `shandian run` from another process: its pid file and `shandian kill`.

`shandian run` writes its pid to a pid file (`--pid-file`, default `<tmpdir>/shandian-<uid>/run.pid`) and
removes it when it exits. The engine handles SIGUSR1 (kill switch: halt the account, cancel every working
order) and SIGUSR2 (kill switch and flatten) on its engine thread, within one loop pass (≤ 100 ms).
`shandian kill [--flatten] [--pid-file PATH | --pid PID]` sends that signal. SIGTERM (`kill PID`, systemd,
Docker) and SIGINT stop the run in order — agents' on_stop, working orders cancelled, report printed, pid
file removed, exit status 0 — and a second one while stopping skips the waiting (exit status 1).
"""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

__all__ = ["default_pid_file", "remove_pid_file", "send_kill", "write_pid_file"]


def default_pid_file() -> Path:
    """Return the pid file `shandian run` uses when none is given (per user, in the temp directory)."""
    return Path(tempfile.gettempdir()) / f"shandian-{os.getuid()}" / "run.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read(path: Path) -> int:
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError as e:
        raise FileNotFoundError(f"no running shandian: pid file {path}: {e.strerror}") from None
    if not text.isdigit() or int(text) <= 1:
        raise ValueError(f"pid file {path} holds {text!r}, not a process id")
    return int(text)


def write_pid_file(path: Path) -> None:
    """Write this process's pid; refuse when the file names another live process (one run per pid file)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        try:
            other = _read(path)
        except (ValueError, FileNotFoundError):
            other = 0
        if other and other != os.getpid() and _alive(other):
            raise FileExistsError(f"pid file {path} belongs to a running shandian (pid {other}); "
                                  "pass --pid-file to run another")
    path.write_text(f"{os.getpid()}\n", encoding="ascii")


def remove_pid_file(path: Path) -> None:
    """Remove the pid file if it still names this process."""
    try:
        if _read(path) == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def send_kill(pid_file: Path | None = None, pid: int | None = None, flatten: bool = False) -> int:
    """Send the kill switch (SIGUSR1; SIGUSR2 with flatten) to a running `shandian run`; return its pid."""
    target = pid if pid is not None else _read(pid_file or default_pid_file())
    if not _alive(target):
        raise ProcessLookupError(f"no process {target} (stale pid file?)")
    os.kill(target, signal.SIGUSR2 if flatten else signal.SIGUSR1)
    return target
