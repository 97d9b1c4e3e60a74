"""`python -m bench <scenario> [options]`: runs the installed harness, `python -P -m shandian.bench`.

`-m bench` puts the working directory first on sys.path, so from a checkout `import shandian` would load the
source tree (no compiled `_core`) and measure nothing of shandian. The harness therefore runs in a fresh
interpreter with safe_path (-P): the working directory is never on its path (see bench/BENCHMARKS.md).
"""

import os
import sys

if sys.flags.safe_path:
    from shandian.bench import main

    sys.exit(main())
os.execv(sys.executable, [sys.executable, "-P", "-m", "shandian.bench", *sys.argv[1:]])
