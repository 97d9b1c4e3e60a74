"""Backtest mode: the same agents on history, deterministic and single-threaded."""
