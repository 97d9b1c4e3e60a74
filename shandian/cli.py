"""The `shandian` command: `shandian doctor`, and further subcommands as components land."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one subcommand per tool."""
    parser = argparse.ArgumentParser(
        prog="shandian", description="low-latency China-futures runtime over CTP"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check prerequisites and print CTP library versions and build facts")
    run = sub.add_parser("run", help="run the agents of a TOML config and print the report at the end")
    run.add_argument("config", help="TOML file (see examples/demo.toml)")
    run.add_argument("--duration", type=float, default=None, metavar="S",
                     help="stop after S seconds (overrides engine.duration); Ctrl-C or SIGTERM stops in "
                     "order anyway, a second one at once")
    run.add_argument("--json", metavar="PATH", default=None, help="also write the report as JSON to PATH")
    run.add_argument("--quiet", action="store_true", help="no progress lines, warnings only in the log")
    run.add_argument("--pid-file", default=None, metavar="PATH",
                     help="pid file for `shandian kill` (default: <tmpdir>/shandian-<uid>/run.pid)")
    run.add_argument("--dashboard", default=None, metavar="[HOST:]PORT",
                     help="start the web dashboard (127.0.0.1 unless HOST is given); prints its URL once")
    dash = sub.add_parser("dashboard", help="serve the web dashboard of a running `shandian run --dashboard`")
    dash.add_argument("attach", nargs="?", default=None,
                      help="the run's pid file or command socket (default: the default pid file's)")
    dash.add_argument("--listen", default="8751", metavar="[HOST:]PORT", help="default 127.0.0.1:8751")
    kill = sub.add_parser("kill", help="kill switch of a running `shandian run`: halt the account and cancel "
                          "every working order (SIGUSR1; --flatten: SIGUSR2, also flatten positions)")
    kill.add_argument("--flatten", action="store_true", help="also close every agent's positions (FAK)")
    kill.add_argument("--pid-file", default=None, metavar="PATH", help="the run's pid file (default: run's)")
    kill.add_argument("--pid", type=int, default=None, help="signal this process id instead of a pid file")
    jr = sub.add_parser("journal", help="inspect a journal file; export its orders, trades and risk events")
    jr.add_argument("path", help="a journal file (<dir>/<account>-<YYYYMMDD>.journal.sqlite)")
    jr.add_argument("--export", metavar="DIR", default=None, help="write orders/trades/risk files into DIR")
    jr.add_argument("--format", choices=("csv", "parquet"), default="csv",
                    help="export format (parquet needs pyarrow)")
    jr.add_argument("--what", default="orders,trades,risk", help="comma list of orders, trades, risk")
    bench = sub.add_parser("bench", add_help=False, help="latency harness: `shandian bench all --quick` "
                           "(same as `python -m bench`; `shandian bench --help` for its options)")
    bench.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "bench":  # every remaining argument belongs to the harness, options included
        from shandian.bench import main as bench_main

        return bench_main(argv[1:], prog="shandian bench")
    args = build_parser().parse_args(argv)
    if args.command == "doctor":
        from shandian import doctor

        return doctor.main()
    if args.command == "run":
        from shandian.run import main as run_main

        return run_main(args.config, duration=args.duration, json_path=args.json, quiet=args.quiet,
                        pid_file=args.pid_file, dashboard=args.dashboard)
    if args.command == "dashboard":
        from pathlib import Path

        from shandian.control import default_pid_file
        from shandian.dashboard.__main__ import main as dashboard_main

        target = Path(args.attach) if args.attach else default_pid_file()
        sock = target if target.suffix == ".sock" else target.with_suffix(".sock")
        return dashboard_main(["--socket", str(sock), "--listen", args.listen, "--print-url"])
    if args.command == "kill":
        from pathlib import Path

        from shandian.control import send_kill

        try:
            pid = send_kill(Path(args.pid_file) if args.pid_file else None, args.pid, args.flatten)
        except (OSError, ValueError) as e:
            print(f"shandian kill: {e}", file=sys.stderr)
            return 1
        print(f"kill switch sent to pid {pid}{' (with flatten)' if args.flatten else ''}", file=sys.stderr)
        return 0
    if args.command == "journal":
        return _journal_main(args)
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects unknown ones first


def _journal_main(args: argparse.Namespace) -> int:
    """`shandian journal PATH [--export DIR --format csv|parquet]`."""
    from shandian import journal

    try:
        if args.export:
            what = tuple(w.strip() for w in args.what.split(",") if w.strip())
            for path in journal.export(args.path, args.export, fmt=args.format, what=what):
                print(path)
            return 0
        s = journal.summary(args.path)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{s['path']}: {s['records']} records, {s['runs']} runs, gaps {s['gaps'] or 'none'}, "
          f"duplicate trades {s['duplicate_trades']}")
    for kind, n in sorted(s["kinds"].items()):
        print(f"  {kind:<16} {n}")
    for agent, rows in sorted(s["positions"].items()):
        for symbol, (long_lots, short_lots) in sorted(rows.items()):
            print(f"  position {agent:<20} {symbol:<10} long {long_lots:>5} short {short_lots:>5}")
    return 1 if s["gaps"] or s["duplicate_trades"] else 0


if __name__ == "__main__":
    sys.exit(main())
