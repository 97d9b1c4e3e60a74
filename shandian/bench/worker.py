"""Child process of the harness: ``python -m shandian.bench.worker NAME OPTIONS_JSON OUT_PATH``.

Runs one scenario in a fresh interpreter and writes its Result as JSON to OUT_PATH, so the parent gets
clean per-scenario process figures and survives a crash in the code under test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shandian.bench import context_from_options
from shandian.bench.scenarios import REGISTRY, execute


def main(argv: list[str]) -> int:
    """Run the scenario named in ARGV and write its result; exit status 0 unless the write failed."""
    name, options, out = argv
    result = execute(REGISTRY[name], context_from_options(json.loads(options)))
    Path(out).write_text(json.dumps(result.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
