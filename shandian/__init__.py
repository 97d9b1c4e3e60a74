"""shandian (闪电): low-latency trading runtime for China futures over CTP.

    import shandian as sd
    class MyAgent(sd.Agent): ...
    report = sd.Engine(sd.Config.local(speed=50), ...).run(duration=30)

The public names are loaded lazily so `shandian doctor` works even when the extension does not import.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "shandian.agent",
    "Tick": "shandian.agent",
    "Bar": "shandian.agent",
    "BarHistory": "shandian.agent",
    "BarSubscriptionError": "shandian.errors",
    "Order": "shandian.agent",
    "Trade": "shandian.agent",
    "Position": "shandian.agent",
    "RiskView": "shandian.agent",
    "Account": "shandian.agent",
    "SessionEvent": "shandian.agent",
    "OrderRejected": "shandian.errors",
    "ParamError": "shandian.errors",
    "StateError": "shandian.errors",
    "RejectCode": "shandian.errors",
    "Instrument": "shandian.instrument",
    "Engine": "shandian.engine",
    "Config": "shandian.config",
    "AgentSpec": "shandian.config",
    "EngineSettings": "shandian.config",
    "ConfigError": "shandian.errors",
    "load_config": "shandian.config",
    "RunReport": "shandian.report",
}

__all__ = [*sorted(_EXPORTS), "__version__", "backtest"]


def __getattr__(name: str) -> Any:
    import importlib

    if name == "backtest":  # the package itself is callable: sd.backtest(config, ...) runs one
        return importlib.import_module("shandian.backtest")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'shandian' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
