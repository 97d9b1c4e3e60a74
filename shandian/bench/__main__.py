"""`python -P -m shandian.bench <scenario> [options]`: the harness (what `python -m bench` runs)."""

import sys

from shandian.bench import main

sys.exit(main())
