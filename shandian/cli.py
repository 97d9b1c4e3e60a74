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
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects unknown ones first


if __name__ == "__main__":
    sys.exit(main())
