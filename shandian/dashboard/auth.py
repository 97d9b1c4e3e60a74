"""Access tokens (a full role and a read-only role) and the command rate limit.

Tokens come from the environment (`SHANDIAN_DASHBOARD_TOKEN`, `SHANDIAN_DASHBOARD_READ_TOKEN`) or are
drawn at start (`secrets`); they are compared in constant time and never logged. A request carries its
token in `Authorization: Bearer ...`, the `X-Shandian-Token` header or the `token` query parameter —
never a cookie, so a page on another site cannot act with the browser's credentials (no CSRF).
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

__all__ = ["ENV_READ_TOKEN", "ENV_TOKEN", "RateLimit", "Tokens", "command_request"]

ENV_TOKEN = "SHANDIAN_DASHBOARD_TOKEN"
ENV_READ_TOKEN = "SHANDIAN_DASHBOARD_READ_TOKEN"
_MIN_LENGTH = 16


@dataclass(frozen=True)
class Tokens:
    """The two tokens: `admin` may command, `read` may only look."""

    admin: str
    read: str

    def __repr__(self) -> str:  # never shown, even in a traceback's locals
        return "Tokens(admin=***, read=***)"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Tokens:
        """Tokens from the environment, each drawn at random when unset; ValueError when one is too short."""
        env = os.environ if env is None else env
        admin = env.get(ENV_TOKEN) or secrets.token_urlsafe(24)
        read = env.get(ENV_READ_TOKEN) or secrets.token_urlsafe(24)
        for name, value in ((ENV_TOKEN, admin), (ENV_READ_TOKEN, read)):
            if len(value) < _MIN_LENGTH:
                raise ValueError(f"{name} must be at least {_MIN_LENGTH} characters")
        if admin == read:
            raise ValueError(f"{ENV_TOKEN} and {ENV_READ_TOKEN} must differ")
        return cls(admin, read)

    def role(self, token: str | None) -> str | None:
        """'admin', 'read' or None (missing or wrong), in constant time per comparison."""
        if not token:
            return None
        given = token.encode()
        if hmac.compare_digest(given, self.admin.encode()):
            return "admin"
        if hmac.compare_digest(given, self.read.encode()):
            return "read"
        return None


class RateLimit:
    """Token bucket: `rate` commands per second, bursts of `burst`."""

    def __init__(self, rate: float = 5.0, burst: int = 10) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._level = float(burst)
        self._at = time.monotonic()

    def allow(self) -> bool:
        """Take one command's worth; False when the bucket is empty."""
        now = time.monotonic()
        self._level = min(self.burst, self._level + (now - self._at) * self.rate)
        self._at = now
        if self._level < 1.0:
            return False
        self._level -= 1.0
        return True


async def command_request(request: Request) -> tuple[Any, str] | JSONResponse:
    """Return a command request's JSON body and origin, or its refusal: 403 (read-only), 400 (not JSON)."""
    if request.state.role != "admin":
        return JSONResponse({"ok": False, "error": "read-only token: commands need the full token"},
                            status_code=403)
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"ok": False, "error": "the body must be JSON"}, status_code=400)
    return body, f"dashboard@{request.client.host if request.client else '?'}"
