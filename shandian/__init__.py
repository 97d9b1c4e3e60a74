"""shandian (闪电): low-latency trading runtime for China futures over CTP."""

from __future__ import annotations

__version__ = "0.1.0"
