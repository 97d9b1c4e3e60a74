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
    run.add_argument("--status-file", default=None, metavar="PATH",
                     help="keep the engine's status (JSON, once a second) in PATH (for `shandian fleet`)")
    run.add_argument("--dashboard", default=None, metavar="[HOST:]PORT",
                     help="start the web dashboard (127.0.0.1 unless HOST is given); prints its URL once")
    dash = sub.add_parser("dashboard", help="serve the web dashboard of a running `shandian run --dashboard`")
    dash.add_argument("attach", nargs="?", default=None,
                      help="the run's pid file or command socket (default: the default pid file's)")
    dash.add_argument("--listen", default="8751", metavar="[HOST:]PORT", help="default 127.0.0.1:8751")
    dash.add_argument("--fleet", default=None, metavar="FLEET.toml",
                      help="add the fleet page (a `shandian fleet`); alone when no ATTACH is given")
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
    tail = sub.add_parser("tail", help="follow accounts' journal records mirrored to Redis ([mirror]); "
                          "one JSON line each, gaps reported")
    tail.add_argument("url", help="redis://host:port/db")
    tail.add_argument("accounts", nargs="*", help="account names (the journal's); none with --all")
    tail.add_argument("--all", action="store_true", help="every account's stream (new ones as they come)")
    tail.add_argument("--idle-exit", type=float, default=None, metavar="S",
                      help="exit after S seconds without a new record (default: follow forever)")
    from shandian.fleet import add_fleet_parser

    add_fleet_parser(sub)
    bt = sub.add_parser("backtest", help="run the agents of a backtest config on history (docs/backtest.md)")
    bt.add_argument("config", help="TOML file with a [backtest] table (see examples/backtest.toml)")
    bt.add_argument("--start", default=None, help="first trading day YYYY-MM-DD (overrides backtest.start)")
    bt.add_argument("--end", default=None, help="last trading day YYYY-MM-DD (overrides backtest.end)")
    bt.add_argument("--out", default=None, metavar="DIR", help="where trades/daily/PNG go (backtest.out)")
    bt.add_argument("--no-plot", action="store_true", help="no equity/drawdown PNG")
    bt.add_argument("--quiet", action="store_true", help="no progress line")
    opt = sub.add_parser("optimize", help="sweep agents' params over backtests (grid or random), ranked by "
                         "a statistic; local processes or Ray")
    opt.add_argument("config", help="backtest TOML file (see examples/backtest.toml)")
    opt.add_argument("--param", action="append", default=[], metavar="[AGENT.]NAME=VALUES",
                     help="start:stop:step (inclusive) or a,b,c; repeat per param (docs/backtest-results.md)")
    opt.add_argument("--objective", default="sharpe", help="statistic to rank by (default sharpe)")
    opt.add_argument("--minimize", action="store_true", help="rank the lowest objective first")
    opt.add_argument("--random", type=int, default=None, metavar="N", help="N random grid points, not all")
    opt.add_argument("--seed", type=int, default=0, help="seed of --random (default 0)")
    where = opt.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    where.add_argument("--ray", default=None, metavar="ADDRESS", help="run on Ray: auto, ray://host:port, "
                       "or local (a private instance)")
    opt.add_argument("--out", default=None, metavar="CSV", help="save the whole ranked table as CSV")
    opt.add_argument("--top", type=int, default=10, help="rows printed (default 10)")
    opt.add_argument("--quiet", action="store_true", help="no progress line")
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
                        pid_file=args.pid_file, status_file=args.status_file, dashboard=args.dashboard)
    if args.command == "dashboard":
        from pathlib import Path

        from shandian.control import default_pid_file
        from shandian.dashboard.__main__ import main as dashboard_main

        argv = ["--listen", args.listen, "--print-url"] + (["--fleet", args.fleet] if args.fleet else [])
        if args.attach or not args.fleet:
            target = Path(args.attach) if args.attach else default_pid_file()
            argv += ["--socket", str(target if target.suffix == ".sock" else target.with_suffix(".sock"))]
        return dashboard_main(argv)
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
    if args.command == "tail":
        from shandian.mirror import tail_main

        if bool(args.accounts) == args.all:
            print("shandian tail: give ACCOUNT names or --all", file=sys.stderr)
            return 2
        return tail_main(args.url, None if args.all else args.accounts, args.idle_exit, sys.stdout)
    if args.command == "fleet":
        from shandian.fleet import fleet_main

        return fleet_main(args)
    if args.command == "backtest":
        from shandian.backtest.cli import main as backtest_main

        return backtest_main(args.config, start=args.start, end=args.end, out=args.out, plot=not args.no_plot,
                             quiet=args.quiet)
    if args.command == "optimize":
        from shandian.backtest.sweep import optimize_main

        return optimize_main(args)
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
