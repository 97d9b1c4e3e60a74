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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "doctor":
        from shandian import doctor

        return doctor.main()
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects unknown ones first


if __name__ == "__main__":
    sys.exit(main())
