"""Risk configuration: presets (`risk/*.toml`) + a run's `[risk]` table → validated limits for the C++ engine.

Layering, key by key: `default.toml` ← the named preset (`shfe`, `dce`, `czce`, `cffex`, or a file path) ←
the run's overrides. Instrument-scope limits can differ per exchange: `[risk.exchanges.CFFEX]` names a
preset whose `[instrument]` table (on top of the base) applies to that exchange's instruments, plus inline
overrides. Per-agent overrides of agent-scope keys go in `[risk.agents.<name>]`.

    [risk]
    preset = "shfe"                      # default.toml + shfe.toml
    [risk.agent]
    daily_cancels = 200                  # every agent: 200 cancels per instrument per day
    [risk.agents.mm]
    cancel_rate = [[5, 1000]]            # agent "mm" only
    [risk.exchanges.CFFEX]
    preset = "cffex"
    daily_open_volume = 300

A run without a `[risk]` table uses the default preset (the engine always installs the risk engine).
`enabled = false` turns the rules off (trading states and the kill switch still apply).
Unknown keys and bad values raise ConfigError naming the key, the value and the rule.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shandian import _core
from shandian.errors import ConfigError

__all__ = ["EXCHANGES", "RiskConfig", "load_preset", "parse_risk", "preset_dirs"]

EXCHANGES = ("SHFE", "INE", "DCE", "GFEX", "CZCE", "CFFEX")
MAX_WINDOWS = _core.RISK_MAX_WINDOWS
_INT32 = 2**31 - 1


def _count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= _INT32


def _money(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 and v == v and v != float("inf")


def _ratio(v: object) -> bool:
    return _money(v) and float(v) <= 1.0  # type: ignore[arg-type]


def _pct(v: object) -> bool:
    return _money(v) and float(v) <= 100.0  # type: ignore[arg-type]


def _bool(v: object) -> bool:
    return isinstance(v, bool)


def _windows(v: object) -> bool:
    return (isinstance(v, list) and len(v) <= MAX_WINDOWS
            and all(isinstance(w, list) and len(w) == 2 and all(_count(x) and x >= 1 for x in w) for w in v))


_WINDOWS_RULE = f"a list of at most {MAX_WINDOWS} [limit, window_ms] pairs of integers >= 1, e.g. [[5, 1000]]"
Rule = tuple[Callable[[object], bool], str]
# How each kind of limit (cpp/risk/risk_limits.hpp, LimitKind) is checked: the predicate and the rule text.
# Numeric kinds are 0 = off; their unit (from the C++ declaration) goes into the message.
_KIND_RULES: dict[str, Rule] = {
    "flag": (_bool, "true or false"),
    "count": (_count, "an integer >= 0"),
    "millis": (_count, "an integer >= 0"),
    "money": (_money, "a number >= 0"),
    "ratio": (_ratio, "a number in [0, 1]"),
    "percent": (_pct, "a number in [0, 100]"),
    "windows": (_windows, _WINDOWS_RULE),
}


def _rule(field_info: Mapping[str, Any]) -> Rule:
    """Return the validation rule of one limit as the C++ list declares it (kind, unit)."""
    kind = field_info["kind"]
    if kind not in _KIND_RULES:
        raise RuntimeError(f"risk limit {field_info['name']!r}: no rule for kind {kind!r} in risk.py")
    check, text = _KIND_RULES[kind]
    if kind in ("flag", "windows"):
        return check, text
    unit = field_info["unit"]
    return check, f"{text} ({unit}; 0 = off)" if unit else f"{text} (0 = off)"


# The TOML keys of each scope, generated from the one list of limits in cpp/risk/risk_limits.hpp.
LIMIT_FIELDS: dict[str, list[dict[str, Any]]] = _core.risk_limit_fields()
AGENT_KEYS: dict[str, Rule] = {f["name"]: _rule(f) for f in LIMIT_FIELDS["agent"]}
INSTRUMENT_KEYS: dict[str, Rule] = {f["name"]: _rule(f) for f in LIMIT_FIELDS["instrument"]}
ACCOUNT_KEYS: dict[str, Rule] = {f["name"]: _rule(f) for f in LIMIT_FIELDS["account"]}
# Time limits, which on_clock() scales: sliding windows and millisecond limits.
_WINDOW_KEYS = frozenset(f["name"] for fs in LIMIT_FIELDS.values() for f in fs if f["kind"] == "windows")
_MILLIS_KEYS = frozenset(f["name"] for fs in LIMIT_FIELDS.values() for f in fs if f["kind"] == "millis")
_SCOPES = {"agent": AGENT_KEYS, "instrument": INSTRUMENT_KEYS, "account": ACCOUNT_KEYS}
_RISK_KEYS = {"preset", "enabled", "agent", "instrument", "account", "exchanges", "agents"}


def preset_dirs() -> list[Path]:
    """Return where presets are searched: installed `risk_presets/`, then the repo's `risk/`."""
    from shandian.paths import package_roots

    dirs = [root / "risk_presets" for root in package_roots()]
    dirs.append(Path(__file__).resolve().parents[1] / "risk")
    return dirs


def _unknown(key: str, allowed: Mapping[str, Any] | set[str], where: str) -> ConfigError:
    hint = difflib.get_close_matches(key, sorted(allowed), n=1)
    extra = f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(sorted(allowed))})"
    return ConfigError(f"{where}{key}", f"unknown key{extra}")


def _check_scope(table: object, rules: dict[str, Rule], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(where.rstrip("."), f"{table!r} must be a table")
    for key, value in table.items():
        if key not in rules:
            raise _unknown(key, rules, where)
        check, rule = rules[key]
        if not check(value):
            raise ConfigError(f"{where}{key}", f"{value!r} must be {rule}")
    return dict(table)


def load_preset(name: str, base_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Read and validate one preset (a name in preset_dirs() or a path) into {scope: {key: value}}."""
    if not isinstance(name, str) or not name:
        raise ConfigError("risk.preset", f"{name!r} must be a preset name or a .toml path")
    candidates: list[Path] = []
    if name.endswith(".toml") or "/" in name:
        given = Path(name).expanduser()
        candidates.append(given if given.is_absolute() or base_dir is None else base_dir / given)
    else:
        candidates += [d / f"{name}.toml" for d in preset_dirs()]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        names = sorted({p.stem for d in preset_dirs() if d.is_dir() for p in d.glob("*.toml")})
        raise ConfigError("risk.preset", f"{name!r} is not a preset (known: {', '.join(names) or 'none'}; "
                          f"searched {', '.join(str(c) for c in candidates)})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError("risk.preset", f"preset {path} cannot be read: {e}") from None
    out: dict[str, dict[str, Any]] = {}
    for key, table in data.items():
        if key not in _SCOPES:
            raise _unknown(key, set(_SCOPES), f"preset {path.name}: ")
        out[key] = _check_scope(table, _SCOPES[key], f"preset {path.name}: {key}.")
    return out


@dataclass
class RiskConfig:
    """Validated risk settings, merged from default ← preset ← overrides; `limits()` builds the C++ struct."""

    preset: str = "default"
    enabled: bool = True
    agent: dict[str, Any] = field(default_factory=dict)
    instrument: dict[str, Any] = field(default_factory=dict)
    account: dict[str, Any] = field(default_factory=dict)
    exchanges: dict[str, dict[str, Any]] = field(default_factory=dict)  # exchange id -> instrument keys
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)     # agent name -> agent keys (merged)

    def limits(self) -> Any:
        """Return the `_core.RiskLimits` these settings describe."""
        limits = _core.RiskLimits()
        limits.enabled = self.enabled
        limits.agent = _fill(_core.AgentLimits(), self.agent)
        limits.instrument = _fill(_core.InstrumentLimits(), self.instrument)
        limits.account = _fill(_core.AccountLimits(), self.account)
        for exchange, keys in self.exchanges.items():
            limits.set_exchange(exchange, _fill(_core.InstrumentLimits(), keys))
        return limits

    def on_clock(self, speed: float) -> RiskConfig:
        """Return a copy whose time limits (windows, stale_after_ms) run on a clock `speed` times faster.

        The C++ engine measures wall time; on an accelerated local front (speed 20: 20 exchange seconds per
        wall second) "9 orders per 1 000 ms" means exchange milliseconds, i.e. 9 per 50 wall ms.
        """
        if speed <= 0 or speed == 1:
            return copy.deepcopy(self)
        out = copy.deepcopy(self)

        def scale(keys: dict[str, Any]) -> None:
            for k in _WINDOW_KEYS & keys.keys():
                keys[k] = [[n, max(1, round(ms / speed))] for n, ms in keys[k]]
            for k in _MILLIS_KEYS:
                if keys.get(k):
                    keys[k] = max(1, round(keys[k] / speed))

        for keys in (out.agent, out.instrument, out.account, *out.exchanges.values(), *out.agents.values()):
            scale(keys)
        return out

    def agent_limits(self, name: str) -> Any:
        """Return the `_core.AgentLimits` of one agent (its override, or None when it has none)."""
        keys = self.agents.get(name)
        return None if keys is None else _fill(_core.AgentLimits(), keys)


def _fill(target: Any, keys: Mapping[str, Any]) -> Any:
    for key, value in keys.items():
        if key in _WINDOW_KEYS:
            value = [(int(a), int(b)) for a, b in value]
        setattr(target, key, value)
    return target


def parse_risk(table: Mapping[str, Any] | None, base_dir: Path | None = None) -> RiskConfig:
    """Validate a run's `[risk]` table (None: the default preset) into a merged RiskConfig."""
    table = {} if table is None else table
    if not isinstance(table, dict):
        raise ConfigError("risk", f"{table!r} must be a table")
    for key in table:
        if key not in _RISK_KEYS:
            raise _unknown(key, _RISK_KEYS, "risk.")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError("risk.enabled", f"{enabled!r} must be true or false")
    preset = table.get("preset", "default")
    merged = copy.deepcopy(load_preset("default", base_dir))
    if preset != "default":
        for scope, keys in load_preset(preset, base_dir).items():
            merged.setdefault(scope, {}).update(keys)
    for scope, rules in _SCOPES.items():
        if scope in table:
            merged.setdefault(scope, {}).update(_check_scope(table[scope], rules, f"risk.{scope}."))
    cfg = RiskConfig(preset=str(preset), enabled=enabled, agent=merged.get("agent", {}),
                     instrument=merged.get("instrument", {}), account=merged.get("account", {}))

    exchanges = table.get("exchanges", {})
    if not isinstance(exchanges, dict):
        raise ConfigError("risk.exchanges", f"{exchanges!r} must be a table of exchange ids")
    for exchange, sub in exchanges.items():
        where = f"risk.exchanges.{exchange}."
        if exchange not in EXCHANGES:
            known = ", ".join(EXCHANGES)
            raise ConfigError(f"risk.exchanges.{exchange}", f"unknown exchange (one of: {known})")
        if not isinstance(sub, dict):
            raise ConfigError(where.rstrip("."), f"{sub!r} must be a table")
        sub = dict(sub)
        keys = dict(cfg.instrument)
        if "preset" in sub:
            keys.update(load_preset(sub.pop("preset"), base_dir).get("instrument", {}))
        keys.update(_check_scope(sub, INSTRUMENT_KEYS, where))
        cfg.exchanges[exchange] = keys
    if len(cfg.exchanges) > _core.RISK_MAX_EXCHANGE_OVERRIDES:
        raise ConfigError("risk.exchanges", f"at most {_core.RISK_MAX_EXCHANGE_OVERRIDES} exchange overrides")

    agents = table.get("agents", {})
    if not isinstance(agents, dict):
        raise ConfigError("risk.agents", f"{agents!r} must be a table of agent names")
    for name, sub in agents.items():
        keys = dict(cfg.agent)
        keys.update(_check_scope(sub, AGENT_KEYS, f"risk.agents.{name}."))
        cfg.agents[name] = keys
    return cfg
