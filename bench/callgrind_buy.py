"""Instructions per `agent.buy`, counted by callgrind: a measure a shared, noisy 2-core box cannot blur.

    python bench/callgrind_buy.py [--buys 1000] [--python PYTHON]

Runs PYTHON (default: this interpreter, i.e. the installed shandian it imports) under
`valgrind --tool=callgrind --collect-atstart=no`; an agent against the local front sends 50 warm-up
1-lot limit buys far below the market from one on_tick, then BUYS more with collection switched on
around the loop only (a 3-line C helper with callgrind's client request, compiled here with cc), and
prints instructions per buy: in total, inside the local front's ReqOrderInsert (the simulated exchange,
not shandian's cost), inside Engine::insert_order (the C++ order path), and the rest (Python + binding).
Needs valgrind with its headers (Debian: valgrind) and cc; prints the reason and exits 0 without them.
Timings under valgrind mean nothing; instruction counts compare two builds exactly (bench/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_TOGGLE_C = "#include <valgrind/callgrind.h>\nvoid cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }\n"

_CHILD = r'''
import ctypes, io, sys
toggle = ctypes.CDLL(sys.argv[1]).cg_toggle
buys = int(sys.argv[2])
import shandian as sd
from shandian.config import Config
from shandian.engine import Engine
from shandian.risk import parse_risk

done = []

class Burst(sd.Agent):
    def on_tick(self, tick):
        if done:
            return
        done.append(1)
        price = round(tick.bid_price1 - 50)
        buy = self.buy
        for _ in range(50):
            buy("rb2505", price, 1)
        toggle()
        for _ in range(buys):
            buy("rb2505", price, 1)
        toggle()
        engine.stop("done")

config = Config.local(name="callgrind", speed=200, instruments=["rb"], seed=42, session="day",
                      trading_day=20250102)
config.risk = parse_risk({"enabled": False})  # the rate rules would refuse a back-to-back burst
engine = Engine(config, out=io.StringIO(), config_name="callgrind")
engine.add_agent(Burst("burst"), ["rb2505"])
engine.run(duration=600)
'''


def _inclusive(annotated: str, pattern: str) -> int:
    """Return the inclusive instructions of the first line of callgrind_annotate output matching PATTERN."""
    for line in annotated.splitlines():
        if re.search(pattern, line):
            return int(line.split()[0].replace(",", ""))
    return 0


def main() -> int:
    """Run the child under callgrind and print instructions per buy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buys", type=int, default=1000)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    header = Path("/usr/include/valgrind/callgrind.h")
    missing = [n for n in ("valgrind", "callgrind_annotate", "cc") if shutil.which(n) is None]
    if missing or not header.exists():
        print(f"skipped: needs valgrind (with {header}) and cc; missing: {missing or [str(header)]}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "toggle.c").write_text(_TOGGLE_C)
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(work / "toggle.so"),
                        str(work / "toggle.c")], check=True)
        (work / "child.py").write_text(_CHILD)
        out = work / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}",
                        args.python, str(work / "child.py"), str(work / "toggle.so"), str(args.buys)],
                       cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], check=True,
                                   capture_output=True, text=True).stdout
    version = subprocess.run([args.python, "-c", "import shandian; print(shandian.__file__)"],
                             capture_output=True, text=True).stdout.strip()
    total = _inclusive(annotated, r"PROGRAM TOTALS")
    front = _inclusive(annotated, r"LocalTraderApi::ReqOrderInsert")
    engine = _inclusive(annotated, r"core::Engine::insert_order\(")
    print(f"shandian: {version}; {args.buys} back-to-back agent.buy calls (50 warm-up before)")
    print(f"{'instructions per buy':44} {total / args.buys:10,.0f}")
    print(f"{'  of which the local front (ReqOrderInsert)':44} {front / args.buys:10,.0f}")
    print(f"{'  of which shandian C++ (Engine::insert_order)':44} {(engine - front) / args.buys:10,.0f}")
    print(f"{'  of which Python + binding':44} {(total - engine) / args.buys:10,.0f}")
    print(f"{'shandian own work (total - local front)':44} {(total - front) / args.buys:10,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
