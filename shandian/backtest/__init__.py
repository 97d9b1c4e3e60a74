"""Backtests: the same Agent subclasses on history, one thread, event time (docs/backtest.md).

`shandian.backtest(config, ...)` is `run`: config -> BacktestResult (the package is callable, so
`sd.backtest(...)` and `import shandian.backtest` name the same object). The engine, order manager, ledgers,
risk and conditional orders are the live ones; the exchange is the local front's matching core.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from shandian.backtest.engine import BacktestEngine, Progress
from shandian.backtest.runner import prepare, run

__all__ = ["BacktestEngine", "Progress", "prepare", "run"]


class _CallablePackage(types.ModuleType):
    """`shandian.backtest(...)` runs a backtest (see `run`)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return run(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
