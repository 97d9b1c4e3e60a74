"""`python -m shandian` is the same as the `shandian` command."""

import sys

from shandian.cli import main

sys.exit(main())
