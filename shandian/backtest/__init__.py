"""Backtests: the same Agent subclasses on history (docs/backtest.md)."""
