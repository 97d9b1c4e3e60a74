"""`python -m shandian.dashboard --socket PATH [--listen HOST:PORT]`: serve the dashboard of a running engine.

`--fleet FLEET.toml` adds the fleet page (`/fleet`: every engine of a `shandian fleet`); without
`--socket` the dashboard serves the fleet page alone.

Tokens come from SHANDIAN_DASHBOARD_TOKEN / SHANDIAN_DASHBOARD_READ_TOKEN (how `shandian run --dashboard`
hands them over), else are drawn here and printed once as URLs (`--print-url`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from shandian.config import parse_listen
from shandian.dashboard.auth import Tokens
from shandian.dashboard.server import serve
from shandian.fleet import load_fleet


def urls(host: str, port: int, tokens: Tokens) -> tuple[str, str]:
    """Return the full-control and the read-only URL."""
    shown = f"[{host}]" if ":" in host else host
    return (f"http://{shown}:{port}/?token={tokens.admin}", f"http://{shown}:{port}/?token={tokens.read}")


def lower_priority(policy: str, nice: int) -> str:
    """Give way to the engine on a small host: SCHED_IDLE (Linux) or a nice value; return what was set.

    Set before the server starts any thread (worker threads inherit the calling thread's policy). A
    SCHED_IDLE task never delays a waking normal one; `nice` only weighs the CFS shares, and a nice task
    can still hold a core for its slice when the engine thread wakes.
    """
    if policy == "idle" and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return "idle"
        except OSError:  # a kernel without it, or a seccomp policy refusing it: nice instead
            pass
    if nice > 0 and hasattr(os, "nice"):
        os.nice(nice)
        return f"nice {nice}"
    return "normal"


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM / Ctrl-C; 2 on a bad argument."""
    parser = argparse.ArgumentParser(prog="python -m shandian.dashboard")
    parser.add_argument("--socket", default=None, help="the engine's command socket")
    parser.add_argument("--fleet", default=None, metavar="FLEET.toml",
                        help="serve the fleet page of this fleet file (alone when no --socket is given)")
    parser.add_argument("--listen", default="8750", help="[HOST:]PORT (default 127.0.0.1:8750)")
    parser.add_argument("--print-url", action="store_true", help="print the URLs (with their tokens) once")
    parser.add_argument("--priority", choices=("idle", "nice"), default="idle",
                        help="idle (default): SCHED_IDLE, the process runs only on CPU time nothing else "
                        "wants and a waking engine thread always preempts it; nice: lowered by --nice")
    parser.add_argument("--nice", type=int, default=10,
                        help="with --priority nice (or where SCHED_IDLE is missing): lower this process's "
                        "CPU priority by N (default 10)")
    args = parser.parse_args(argv)
    if args.socket is None and args.fleet is None:
        parser.error("give --socket (an engine), --fleet (a fleet) or both")
    try:
        host, port = parse_listen(args.listen)
        tokens = Tokens.from_env()
        if args.fleet:
            load_fleet(args.fleet)  # a bad fleet file is reported here, before anything is served
            if importlib.util.find_spec("psutil") is None:
                raise ValueError("--fleet needs psutil (pip install 'shandian[fleet]')")
    except ValueError as e:
        print(f"dashboard: {e}", file=sys.stderr)
        return 2
    lower_priority(args.priority, args.nice)
    if args.print_url:
        full, read = urls(host, port, tokens)
        print(f"dashboard: {full}\ndashboard (read-only): {read}", file=sys.stderr, flush=True)
    serve(args.socket, host, port, tokens, args.fleet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
