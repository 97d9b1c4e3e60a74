"""`python -m bench <scenario> [options]`: delegates to `shandian.bench.main` (see bench/BENCHMARKS.md)."""

import sys

from shandian.bench import main

sys.exit(main())
