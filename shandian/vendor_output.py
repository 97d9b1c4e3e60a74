"""Keep the CTP libraries' own prints off the report's stdout, and collapse their repeats in the log.

SFIT's libraries print to the process's stdout (`CThostFtdcUserApiImplBase::OnSessionDisconnected[...]`
once a second per API while a front drops every attempt), which mixes them into the report `shandian run`
prints there. While `shandian run` runs, file descriptor 1 is a pipe read by a thread that logs each line
(logger `shandian.ctp`; identical lines — addresses and numbers of five digits or more aside — only at their
1st, 2nd, 4th, 8th ... occurrence, with the count); Python's `sys.stdout` (the report, agents' prints) keeps
the original stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
import re
import sys
import threading
from types import TracebackType

from shandian.session_events import RepeatCounter

__all__ = ["VendorOutput"]

log = logging.getLogger("shandian.ctp")
_VARYING = re.compile(rb"0x[0-9a-fA-F]+|-?\d{5,}")  # pointers, session numbers: not part of "identical"


class VendorOutput:
    """Context manager: fd 1 → a pipe logged line by line; `sys.stdout` → the original stdout."""

    def __init__(self) -> None:
        self._saved_fd = -1
        self._saved_stdout: object = None
        self._reader: threading.Thread | None = None
        self._repeats: RepeatCounter[bytes] = RepeatCounter()

    def __enter__(self) -> VendorOutput:
        if sys.stdout is not None:
            sys.stdout.flush()
        try:
            self._saved_fd = os.dup(1)
        except OSError:  # stdout closed: the pipe still keeps library prints out of the next file opened
            self._saved_fd = -1
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)  # a reader that falls behind drops library lines, never blocks them
        os.dup2(write_fd, 1)
        os.close(write_fd)
        self._saved_stdout = sys.stdout
        if self._saved_fd >= 0:
            encoding = sys.stdout.encoding if sys.stdout is not None else "utf-8"
            sys.stdout = io.TextIOWrapper(open(self._saved_fd, "wb", closefd=False), encoding=encoding,
                                          errors="replace", line_buffering=True)
        self._reader = threading.Thread(target=self._read, args=(read_fd,), name="shandian-ctp-stdout",
                                        daemon=True)
        self._reader.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).fflush(None)  # what the libraries' stdio still buffers goes to the pipe
        if self._saved_fd >= 0:
            sys.stdout.flush()
            sys.stdout.close()
            sys.stdout = self._saved_stdout
            os.dup2(self._saved_fd, 1)  # closes the pipe's last write end: the reader sees the end
            os.close(self._saved_fd)
        else:
            os.close(1)
        if self._reader is not None:
            self._reader.join(timeout=2.0)

    def _read(self, read_fd: int) -> None:
        with open(read_fd, "rb") as pipe:
            for raw in pipe:
                self._line(raw.rstrip(b"\r\n"))
        for key, total in self._repeats.forget(lambda key: True):
            log.info("CTP library: %s (%d times in all)", self._text(key), total)

    def _line(self, raw: bytes) -> None:
        if not raw.strip():
            return
        key = _VARYING.sub(b"#", raw)
        count = self._repeats.occurred(key)
        if count is not None:
            log.info("CTP library: %s%s", self._text(raw), RepeatCounter.so_far(count))

    @staticmethod
    def _text(raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("gbk", "replace")  # SFIT's texts are GBK
