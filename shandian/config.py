"""Run configuration: TOML (or code) → validated dataclasses, secrets resolved from env vars or 0600 files.

Every validation error names the key, the offending value and the rule, so a user can fix the file without
reading this module. Unknown keys are errors (a typo must not silently fall back to a default). Secrets
(password, auth code) are never echoed: error messages name only the *source* (variable or file path).
"""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import quote

from shandian import _core
from shandian.bars import bar_interval, check_bar_symbol
from shandian.errors import BarSubscriptionError, ConfigError
from shandian.names import names_of
from shandian.risk import RiskConfig, parse_risk

__all__ = [
    "LOCAL_FRONT_KEYS",
    "PRESETS",
    "SIMNOW_AUTH_CODE",
    "SIMNOW_BROKER_ID",
    "AccountConfig",
    "AgentSpec",
    "Config",
    "ConfigError",
    "EngineSettings",
    "Secret",
    "load_config",
    "load_dashboard_settings",
    "parse_config",
]


class Secret:
    """A credential that never prints itself: `repr`/`str` show `<secret>`; `reveal()` gives the text."""

    __slots__ = ("_source", "_value")

    def __init__(self, value: str, source: str = "code") -> None:
        self._value = value
        self._source = source

    def reveal(self) -> str:
        """Return the secret text (for handing to the CTP session only)."""
        return self._value

    @property
    def source(self) -> str:
        """Where it came from (`env:NAME`, `file:PATH`, `preset`, `code`) — safe to log."""
        return self._source

    def __repr__(self) -> str:
        return f"<secret from {self._source}>"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is not picklable")


# --------------------------------------------------------------------------------------------------------
# Presets. SimNow facts are community-sourced (ctp-semantics.md §7, ◐): BrokerID 9999, AppID
# simnow_client_test, AuthCode 0000000000000000, fronts that change over time — override `trader_fronts` /
# `md_fronts` in the file when SFIT moves them.
SIMNOW_BROKER_ID = "9999"
SIMNOW_APP_ID = "simnow_client_test"
SIMNOW_AUTH_CODE = "0000000000000000"
SIMNOW_HOST = "182.254.243.31"

PRESETS: dict[str, dict[str, Any]] = {
    # Trading-hours environment: three front groups (td 3000x / md 3001x).
    "simnow": {
        "broker_id": SIMNOW_BROKER_ID,
        "app_id": SIMNOW_APP_ID,
        "auth_code": SIMNOW_AUTH_CODE,
        "user_env": "SIMNOW_USER",
        "password_env": "SIMNOW_PASSWORD",
        "library": "sfit",
        "trader_fronts": [f"tcp://{SIMNOW_HOST}:{p}" for p in (30001, 30002, 30003)],
        "md_fronts": [f"tcp://{SIMNOW_HOST}:{p}" for p in (30011, 30012, 30013)],
    },
    # 7x24 environment (runs outside market hours, for connectivity tests).
    "simnow-7x24": {
        "broker_id": SIMNOW_BROKER_ID,
        "app_id": SIMNOW_APP_ID,
        "auth_code": SIMNOW_AUTH_CODE,
        "user_env": "SIMNOW_USER",
        "password_env": "SIMNOW_PASSWORD",
        "library": "sfit",
        "trader_fronts": [f"tcp://{SIMNOW_HOST}:40001"],
        "md_fronts": [f"tcp://{SIMNOW_HOST}:40011"],
    },
    # shandian's local front: offline, generated ticks; it accepts any user/password unless told otherwise.
    "local": {
        "broker_id": "9999",
        "app_id": "shandian_local",
        "auth_code": "0000000000000000",
        "user_id": "local",
        "password": "local",  # not a secret: the local front does not check it
        "library": "local",
    },
}

# Keys of a local:// front address (cpp/sim/README.md, "Keys"), with a validator each. The front re-checks
# them; validating here gives the error at load time with the config key's name.
_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "on", "off"}


def _is_uint(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_num(v: object) -> TypeGuard[int | float]:
    return isinstance(v, int | float) and not isinstance(v, bool)


LOCAL_FRONT_KEYS: dict[str, tuple[Callable[[object], bool], str]] = {
    "broker_id": (lambda v: isinstance(v, str) and len(v) <= 10, "a string of at most 10 characters"),
    "app_id": (lambda v: isinstance(v, str), "a string"),
    "auth_code": (lambda v: isinstance(v, str), "a string"),
    "require_auth": (lambda v: isinstance(v, bool), "true or false"),
    "require_settlement_confirm": (lambda v: isinstance(v, bool), "true or false"),
    "login_fail_limit": (_is_uint, "an integer >= 0 (0 = off)"),
    "ip_login_fail_limit": (_is_uint, "an integer >= 0 (0 = off)"),
    "max_sessions": (_is_uint, "an integer >= 0 (0 = no limit)"),
    "trading_day": (lambda v: _is_uint(v) and 19900101 <= v <= 29991231, "a YYYYMMDD integer"),
    "initial_balance": (lambda v: _is_num(v) and v >= 0, "a number >= 0"),
    "positions": (lambda v: isinstance(v, str), "a string like 'rb2505:long:5'"),
    "source": (lambda v: isinstance(v, str) and (v == "gen" or v.startswith("csv:")), "'gen' or 'csv:/path'"),
    "seed": (_is_uint, "an integer >= 0"),
    "instruments": (
        lambda v: isinstance(v, list) and bool(v) and all(isinstance(s, str) and s for s in v),
        "a non-empty list of product or instrument ids",
    ),
    "speed": (lambda v: _is_num(v) and v >= 0, "a number >= 0 (0 = as fast as consumed)"),
    "session": (lambda v: v in ("day", "night"), "'day' or 'night'"),
    "max_ticks": (_is_uint, "an integer >= 0"),
    "days": (lambda v: _is_uint(v) and 1 <= v <= 366, "an integer in [1, 366] (trading days the feed runs)"),
    "queue_model": (lambda v: v in ("conservative", "optimistic"), "'conservative' or 'optimistic'"),
    "exchange_delay_ms": (_is_uint, "an integer >= 0 (0 = inserts and cancels reach the exchange at once)"),
    "query_interval_ms": (_is_uint, "an integer >= 0"),
    "order_rate_limit": (_is_uint, "an integer >= 0"),
    "disconnect_after": (_is_uint, "an integer >= 0"),
    "reconnect_ms": (_is_uint, "an integer >= 0"),
    "reply_delay_us": (_is_uint, "an integer >= 0"),
    "md_drop_ratio": (lambda v: _is_num(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "duplicate_replay": (lambda v: isinstance(v, bool), "true or false"),
    "wait": (lambda v: v in ("spin", "yield", "block"), "'spin', 'yield' or 'block'"),
    "state": (lambda v: isinstance(v, str) and v.startswith("/"), "an absolute path (the front's input log)"),
}

WAIT_STRATEGIES = ("spin", "yield", "block")
RESUME_TYPES = tuple(names_of(_core.ResumeType).values())  # restart, resume, quick (the C++ list)
WRITER_PRIORITIES = ("idle", "batch", "normal")
RECOVERY_POLICIES = ("adopt", "cancel")  # engine.on_recovery: what happens to orders left working by a crash


def local_front_address(name: str, settings: Mapping[str, Any]) -> str:
    """`local://NAME?k=v&...` from validated front settings (lists joined by commas, booleans as 1/0)."""
    parts = []
    for key in sorted(settings):
        value = settings[key]
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, list):
            text = ",".join(value)
        else:
            text = str(value)
        parts.append(f"{key}={quote(text, safe=',:')}")
    return f"local://{name}" + ("?" + "&".join(parts) if parts else "")


# --------------------------------------------------------------------------------------------------------
@dataclass
class AccountConfig:
    """One CTP account: fronts, identity, credentials (as `Secret`s) and the library flavour."""

    broker_id: str
    user_id: str
    password: Secret = field(repr=True)  # Secret.__repr__ is redacted
    trader_fronts: list[str]
    md_fronts: list[str]
    app_id: str = ""
    auth_code: Secret = field(default_factory=lambda: Secret("", "empty"))
    investor_id: str = ""
    library: str = "local"
    flow_dir: str = ""  # empty: a fresh temporary directory per run
    resume: str = "quick"
    preset: str = ""
    query_interval_ms: int = 1000  # the session's spacing of queries (CTP: 1/s); local preset: front's + 20


@dataclass
class EngineSettings:
    """How the engine loop runs and stops."""

    wait: str = "block"
    duration: float | None = None  # seconds; None = until Ctrl-C
    cancel_on_stop: bool = True
    stop_timeout: float = 5.0  # bound on waiting for cancels to be confirmed at stop
    login_timeout: float = 60.0  # give up (and report) when trading is not ready by then
    progress_interval: float = 5.0  # seconds between progress lines; 0 = none
    housekeeping_ms: float = 100.0  # internal timer: progress, deadline, readiness
    max_events_per_batch: int = 512
    bar_history: int = 1000  # bars kept per (instrument, interval) for Agent.history()
    # CPU for the engine thread; every thread the run starts (vendor / local-front callback threads, the
    # journal writer) goes to the other CPUs. None = the OS schedules all of them. With wait = "spin" on a
    # small machine this keeps the spinning engine and the CTP threads from preempting each other.
    cpu: int | None = None
    # Working orders an earlier process left at the counter (found at the first reconcile, before any agent
    # starts): "adopt" keeps them working, owned by the agent the journal names (else unattributed), so
    # working_orders(), cancel_all, the kill switch and the stop reach them; "cancel" cancels them first.
    # Unknown working orders at that first reconcile (another terminal's too) are adopted as unattributed.
    on_recovery: str = "adopt"


@dataclass
class JournalSettings:
    """`[journal]`: the crash-safe record of orders, trades and risk decisions (file per account and day)."""

    enabled: bool = True
    dir: str = ""  # empty: ~/.local/share/shandian/journal (XDG_DATA_HOME honoured)
    ring_capacity: int = 16384
    backlog_limit: int = 8192  # uncommitted records beyond which new orders are refused (JOURNAL_BACKLOG)
    # The writer thread's scheduling class: "batch" (never preempts the engine or CTP threads when woken,
    # always progresses), "idle" (runs only on spare CPU: can starve on a saturated machine, then orders
    # are refused and a stop may not drain), "normal". cpp/journal/journal.hpp: WriterPriority.
    writer_priority: str = "batch"
    # Wake the writer after each order/cancel request: on disk within ~0.1 ms instead of the writer's 1-2 ms
    # cadence, at a futex syscall on the engine thread per request (+15-20 % tick p99 with wait = "spin").
    wake_on_request: bool = False

    def directory(self) -> Path:
        """Return the journal directory (not created here)."""
        if self.dir:
            return Path(self.dir).expanduser()
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "shandian" / "journal"


@dataclass
class DashboardSettings:
    """`[dashboard]`: the web dashboard started with the run (shandian/dashboard; off without `listen`)."""

    listen: str = ""  # "[HOST:]PORT"; HOST defaults to 127.0.0.1 (another address only when given here)
    snapshot_interval_ms: float = 100.0  # the engine's state snapshot is published at most this often


@dataclass
class AgentSpec:
    """An agent to load: `cls` is `module:Class` or `path/to/file.py:Class` (relative to the config file)."""

    name: str
    cls: str
    symbols: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    # symbol -> bar intervals built in C++ and delivered to on_bar (`bars = { rb2505 = ["1m", "5m"] }`)
    bars: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Config:
    """A whole run: one account, engine settings, agents."""

    account: AccountConfig
    engine: EngineSettings = field(default_factory=EngineSettings)
    agents: list[AgentSpec] = field(default_factory=list)
    journal: JournalSettings = field(default_factory=lambda: JournalSettings(enabled=False))
    base_dir: Path = field(default_factory=Path.cwd)  # where relative agent paths resolve
    risk: RiskConfig | None = None  # from [risk]; None: the default preset (shandian/risk.py)
    # [mirror] / [notify] as written: validated by shandian.sidecar.parse_sidecar (the sidecar's own modules)
    sidecar: dict[str, Any] = field(default_factory=dict)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)

    @classmethod
    def local(
        cls,
        name: str = "local",
        agents: list[AgentSpec] | None = None,
        engine: EngineSettings | None = None,
        journal: JournalSettings | None = None,
        **front: Any,
    ) -> Config:
        """Build a local-front config in code: `Config.local(speed=50, instruments=["rb"])`.

        No journal unless `journal=` is given.
        """
        data: dict[str, Any] = {"account": {"preset": "local"}, "front": {"name": name, **front}}
        cfg = parse_config(data)
        cfg.agents = list(agents or [])
        if engine is not None:
            cfg.engine = engine
        cfg.journal = journal if journal is not None else JournalSettings(enabled=False)
        return cfg


# --------------------------------------------------------------------------------------------------------
_ACCOUNT_KEYS = {
    "preset", "broker_id", "user_id", "user_env", "investor_id", "password_env", "password_file",
    "auth_code_env", "auth_code_file", "app_id", "trader_fronts", "md_fronts", "library", "flow_dir",
    "resume",
}
_ENGINE_KEYS = {f for f in EngineSettings.__dataclass_fields__}
_AGENT_KEYS = {"name", "class", "symbols", "params", "bars"}
_TOP_KEYS = {"account", "front", "engine", "agents", "risk", "journal", "mirror", "notify", "dashboard"}
_DASHBOARD_KEYS = {f for f in DashboardSettings.__dataclass_fields__}
_JOURNAL_KEYS = {f for f in JournalSettings.__dataclass_fields__}


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(sorted(allowed))})"
            raise ConfigError(f"{where}{key}" if where else key, f"unknown key{extra}")


def _table(data: Mapping[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}{key}", f"{value!r} must be a table")
    return value


def _string(table: Mapping[str, Any], key: str, where: str, default: str = "", pattern: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}{key}", f"{value!r} must be a string")
    return value


def _str_list(table: Mapping[str, Any], key: str, where: str, default: list[str]) -> list[str]:
    value = table.get(key, default)
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
        raise ConfigError(f"{where}{key}", f"{value!r} must be a list of non-empty strings")
    return list(value)


def read_secret_file(path_text: str, key: str) -> str:
    """Read a secret from a file only its owner can read (mode 0600 or stricter): first line, stripped.

    Group/other-readable files are refused: a password readable by other users is already leaked.
    """
    path = Path(path_text).expanduser()
    try:
        st = path.stat()
    except OSError as e:
        raise ConfigError(key, f"secret file {path} cannot be read ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(key, f"secret file {path} is not a regular file")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise ConfigError(
            key,
            f"secret file {path} has mode {mode:04o}: it must be readable by its owner only "
            f"(group/other bits must be 0); run `chmod 600 {path}`",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(key, f"secret file {path} cannot be read ({type(e).__name__})") from None
    lines = text.splitlines()
    value = lines[0].strip() if lines else ""
    if not value:
        raise ConfigError(key, f"secret file {path} is empty")
    return value


def _env_value(var: str, key: str, env: Mapping[str, str], what: str) -> str:
    if not var or not isinstance(var, str):
        raise ConfigError(key, f"{var!r} must name an environment variable")
    value = env.get(var, "")
    if not value:
        raise ConfigError(key, f"environment variable {var} is not set (it must hold the {what})")
    return value


def _secret(
    table: Mapping[str, Any], name: str, where: str, env: Mapping[str, str], preset: Mapping[str, Any]
) -> Secret:
    env_key, file_key = f"{name}_env", f"{name}_file"
    if env_key in table and file_key in table:
        raise ConfigError(f"{where}{env_key}", f"give either {env_key} or {file_key}, not both")
    if env_key in table:
        var = table[env_key]
        return Secret(_env_value(var, f"{where}{env_key}", env, name.replace("_", " ")), f"env:{var}")
    if file_key in table:
        path = table[file_key]
        if not isinstance(path, str) or not path:
            raise ConfigError(f"{where}{file_key}", f"{path!r} must be a file path")
        return Secret(read_secret_file(path, f"{where}{file_key}"), f"file:{path}")
    if name in preset:
        return Secret(str(preset[name]), "preset")
    if env_key in preset:
        var = preset[env_key]
        return Secret(_env_value(var, f"{where}{env_key}", env, name.replace("_", " ")), f"env:{var}")
    if name == "auth_code":
        return Secret("", "empty")
    raise ConfigError(f"{where}{env_key}", f"missing: set {env_key} (an environment variable) or {file_key}")


def _number(
    table: Mapping[str, Any], key: str, where: str, default: Any, *, minimum: float, allow_none: bool = False,
    integer: bool = False,
) -> Any:
    value = table.get(key, default)
    if value is None and allow_none:
        return None
    ok = isinstance(value, int) if integer else _is_num(value)
    if isinstance(value, bool) or not ok or value < minimum:
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{where}{key}", f"{value!r} must be {kind} >= {minimum:g}")
    return value


def _parse_account(
    data: Mapping[str, Any], front: Mapping[str, Any], env: Mapping[str, str]
) -> AccountConfig:
    where = "account."
    table = _table(data, "account")
    _check_keys(table, _ACCOUNT_KEYS, where)
    preset_name = _string(table, "preset", where)
    if preset_name and preset_name not in PRESETS:
        raise ConfigError(f"{where}preset", f"{preset_name!r} is not a preset (one of: {', '.join(PRESETS)})")
    preset = PRESETS.get(preset_name, {})
    if front and preset_name != "local":
        raise ConfigError("front", "[front] is for the local front: it needs account.preset = 'local'")

    def pick(key: str, default: Any = "") -> Any:
        return table[key] if key in table else preset.get(key, default)

    broker_id = pick("broker_id")
    if not isinstance(broker_id, str) or not broker_id:
        raise ConfigError(f"{where}broker_id", f"{broker_id!r} must be a non-empty string")
    if "user_id" in table and "user_env" in table:
        raise ConfigError(f"{where}user_env", "give either user_id or user_env, not both")
    if "user_env" in table or ("user_id" not in table and "user_env" in preset):
        var = pick("user_env")
        user_id = _env_value(var, f"{where}user_env", env, "CTP user id")
    else:
        user_id = _string(table, "user_id", where, default=preset.get("user_id", ""))
    if not user_id:
        raise ConfigError(f"{where}user_id", "missing: set user_id or user_env")
    password = _secret(table, "password", where, env, preset)
    auth_code = _secret(table, "auth_code", where, env, preset)
    app_id = pick("app_id")
    if not isinstance(app_id, str):
        raise ConfigError(f"{where}app_id", f"{app_id!r} must be a string")
    library = pick("library", "sfit")
    if not isinstance(library, str) or not library:
        raise ConfigError(f"{where}library", f"{library!r} must be 'sfit', 'local' or a directory path")
    resume = _string(table, "resume", where, default="quick")
    if resume not in RESUME_TYPES:
        raise ConfigError(f"{where}resume", f"{resume!r} must be one of {', '.join(RESUME_TYPES)}")
    query_interval_ms = 1000
    if preset_name == "local" and "trader_fronts" not in table:
        name, settings = _parse_front(front)
        settings.setdefault("query_interval_ms", 100)  # the local front answers queries fast: start fast
        query_interval_ms = int(settings["query_interval_ms"]) + 20
        address = local_front_address(name, settings)
        trader_fronts, md_fronts = [address], [address]
    else:
        trader_fronts = _str_list(table, "trader_fronts", where, preset.get("trader_fronts", []))
        md_fronts = _str_list(table, "md_fronts", where, preset.get("md_fronts", []))
    if not trader_fronts:
        raise ConfigError(f"{where}trader_fronts", "at least one trader front is needed")
    for i, address in enumerate(trader_fronts + md_fronts):
        if not address.startswith(("tcp://", "ssl://", "local://")):
            key = "trader_fronts" if i < len(trader_fronts) else "md_fronts"
            raise ConfigError(f"{where}{key}", f"{address!r} must start with tcp://, ssl:// or local://")
    return AccountConfig(
        broker_id=broker_id,
        user_id=user_id,
        password=password,
        trader_fronts=trader_fronts,
        md_fronts=md_fronts,
        app_id=app_id,
        auth_code=auth_code,
        investor_id=_string(table, "investor_id", where),
        library=library,
        flow_dir=_string(table, "flow_dir", where),
        resume=resume,
        preset=preset_name,
        query_interval_ms=query_interval_ms,
    )


def _parse_front(front: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    settings = dict(front)
    name = settings.pop("name", "shandian")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ConfigError("front.name", f"{name!r} must be a non-empty name of letters, digits, '-' and '_'")
    _check_keys(settings, set(LOCAL_FRONT_KEYS), "front.")
    for key, value in settings.items():
        check, rule = LOCAL_FRONT_KEYS[key]
        if not check(value):
            raise ConfigError(f"front.{key}", f"{value!r} must be {rule}")
    return name, settings


def _parse_engine(data: Mapping[str, Any]) -> EngineSettings:
    where = "engine."
    table = _table(data, "engine")
    _check_keys(table, _ENGINE_KEYS, where)
    d = EngineSettings()
    wait = _string(table, "wait", where, default=d.wait)
    if wait not in WAIT_STRATEGIES:
        raise ConfigError(f"{where}wait", f"{wait!r} must be one of {', '.join(WAIT_STRATEGIES)}")
    cancel = table.get("cancel_on_stop", d.cancel_on_stop)
    if not isinstance(cancel, bool):
        raise ConfigError(f"{where}cancel_on_stop", f"{cancel!r} must be true or false")
    on_recovery = _string(table, "on_recovery", where, default=d.on_recovery)
    if on_recovery not in RECOVERY_POLICIES:
        choices = ", ".join(RECOVERY_POLICIES)
        raise ConfigError(f"{where}on_recovery", f"{on_recovery!r} must be one of {choices}")
    duration = _number(table, "duration", where, d.duration, minimum=0, allow_none=True)
    if duration is not None and duration <= 0:
        raise ConfigError(f"{where}duration", f"{duration!r} must be > 0 seconds (omit it: until Ctrl-C)")
    return EngineSettings(
        wait=wait,
        duration=None if duration is None else float(duration),
        cancel_on_stop=cancel,
        stop_timeout=float(_number(table, "stop_timeout", where, d.stop_timeout, minimum=0)),
        login_timeout=float(_number(table, "login_timeout", where, d.login_timeout, minimum=1)),
        progress_interval=float(_number(table, "progress_interval", where, d.progress_interval, minimum=0)),
        housekeeping_ms=float(_number(table, "housekeeping_ms", where, d.housekeeping_ms, minimum=1)),
        max_events_per_batch=int(
            _number(table, "max_events_per_batch", where, d.max_events_per_batch, minimum=1, integer=True)
        ),
        bar_history=int(_number(table, "bar_history", where, d.bar_history, minimum=1, integer=True)),
        cpu=_number(table, "cpu", where, d.cpu, minimum=0, allow_none=True, integer=True),
        on_recovery=on_recovery,
    )


def _parse_dashboard(data: Mapping[str, Any]) -> DashboardSettings:
    where = "dashboard."
    table = _table(data, "dashboard")
    _check_keys(table, _DASHBOARD_KEYS, where)
    listen = _string(table, "listen", where)
    if listen:
        try:
            parse_listen(listen)
        except ValueError as e:
            raise ConfigError(f"{where}listen", str(e)) from None
    default = DashboardSettings.snapshot_interval_ms
    interval = _number(table, "snapshot_interval_ms", where, default, minimum=1)
    return DashboardSettings(listen=listen, snapshot_interval_ms=float(interval))


def parse_listen(text: str) -> tuple[str, int]:
    """`[HOST:]PORT` -> (host, port); the host defaults to 127.0.0.1. ValueError naming the rule."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} must be [HOST:]PORT with PORT in 1..65535")
    return host, int(port)


def _parse_journal(data: Mapping[str, Any]) -> JournalSettings:
    where = "journal."
    table = _table(data, "journal")
    _check_keys(table, _JOURNAL_KEYS, where)
    d = JournalSettings()
    enabled = table.get("enabled", d.enabled)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}enabled", f"{enabled!r} must be true or false")
    ring = int(_number(table, "ring_capacity", where, d.ring_capacity, minimum=64, integer=True))
    backlog = int(_number(table, "backlog_limit", where, d.backlog_limit, minimum=1, integer=True))
    if backlog >= ring:
        raise ConfigError(f"{where}backlog_limit", f"{backlog} must be below ring_capacity ({ring})")
    priority = _string(table, "writer_priority", where, default=d.writer_priority)
    if priority not in WRITER_PRIORITIES:
        choices = ", ".join(WRITER_PRIORITIES)
        raise ConfigError(f"{where}writer_priority", f"{priority!r} must be one of {choices}")
    wake = table.get("wake_on_request", d.wake_on_request)
    if not isinstance(wake, bool):
        raise ConfigError(f"{where}wake_on_request", f"{wake!r} must be true or false")
    return JournalSettings(enabled=enabled, dir=_string(table, "dir", where), ring_capacity=ring,
                           backlog_limit=backlog, writer_priority=priority, wake_on_request=wake)


def _parse_agents(data: Mapping[str, Any]) -> list[AgentSpec]:
    raw = data.get("agents", [])
    if not isinstance(raw, list):
        raise ConfigError("agents", "must be an array of tables ([[agents]])")
    specs: list[AgentSpec] = []
    names: set[str] = set()
    for i, table in enumerate(raw):
        where = f"agents[{i}]."
        if not isinstance(table, dict):
            raise ConfigError(f"agents[{i}]", f"{table!r} must be a table")
        _check_keys(table, _AGENT_KEYS, where)
        name = table.get("name")
        if not isinstance(name, str) or not name or len(name) > 64 or not name.isprintable():
            raise ConfigError(f"{where}name", f"{name!r} must be a non-empty printable string (≤ 64 chars)")
        if name in names:
            raise ConfigError(f"{where}name", f"{name!r} is used by another agent: names must be unique")
        names.add(name)
        cls = table.get("class")
        if not isinstance(cls, str) or ":" not in cls or not cls.rsplit(":", 1)[1].isidentifier():
            raise ConfigError(f"{where}class", f"{cls!r} must be 'module:Class' or 'path/file.py:Class'")
        symbols = _str_list(table, "symbols", where, [])
        params = table.get("params", {})
        if not isinstance(params, dict):
            raise ConfigError(f"{where}params", f"{params!r} must be a table")
        bars = _parse_bars(table.get("bars", {}), f"{where}bars")
        specs.append(AgentSpec(name=name, cls=cls, symbols=symbols, params=dict(params), bars=bars))
    return specs


def _parse_bars(value: Any, where: str) -> dict[str, list[str]]:
    """`bars = { rb2505 = ["1m", "5m"] }`: each interval checked and made canonical, each product known."""
    if not isinstance(value, dict):
        raise ConfigError(where, f"{value!r} must be a table of symbol = [intervals]")
    out: dict[str, list[str]] = {}
    for symbol, intervals in value.items():
        key = f"{where}.{symbol}"
        if not isinstance(intervals, list) or not intervals:
            raise ConfigError(key, f"{intervals!r} must be a non-empty list of intervals, e.g. ['1m', '5m']")
        try:
            check_bar_symbol(symbol)
            canonical = [bar_interval(text) for text in intervals]
        except BarSubscriptionError as e:
            raise ConfigError(key, str(e)) from None
        out[symbol] = list(dict.fromkeys(canonical))
    return out


def _check_local_symbols(agents: list[AgentSpec], front: Mapping[str, Any]) -> None:
    """Every [[agents]] symbol must be an instrument the local front lists (its table is known offline)."""
    _, settings = _parse_front(front)
    day = str(settings.get("trading_day", ""))
    try:
        _core.local_front_instruments([], day)
    except ValueError as e:
        raise ConfigError("front.trading_day", f"{settings.get('trading_day')!r}: {e}") from None
    try:
        listed = _core.local_front_instruments(list(settings.get("instruments", [])), day)
    except ValueError as e:
        raise ConfigError("front.instruments", f"{settings.get('instruments')!r}: {e}") from None
    for i, spec in enumerate(agents):
        for symbol in spec.bars:
            if symbol not in listed:
                raise ConfigError(f"agents[{i}].bars.{symbol}",
                                  f"{symbol!r} is not an instrument of the local front "
                                  f"(it lists {', '.join(listed)}; see front.instruments)")
        for symbol in spec.symbols:
            if symbol not in listed:
                raise ConfigError(f"agents[{i}].symbols", f"{symbol!r} is not an instrument of the local "
                                  f"front (it lists {', '.join(listed)}; see front.instruments)")


def parse_config(
    data: Mapping[str, Any], base_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> Config:
    """Validate a parsed TOML document (a dict) into a Config; raises ConfigError naming the key."""
    if not isinstance(data, Mapping):
        raise ConfigError("", f"a config must be a table, not {type(data).__name__}")
    _check_keys(data, _TOP_KEYS, "")
    env = os.environ if env is None else env
    front = _table(data, "front")
    root = (base_dir or Path.cwd()).resolve()
    risk = parse_risk(data["risk"], root) if "risk" in data else None
    account = _parse_account(data, front, env)
    agents = _parse_agents(data)
    if account.preset == "local" and "trader_fronts" not in _table(data, "account"):
        _check_local_symbols(agents, front)
    return Config(
        account=account,
        engine=_parse_engine(data),
        agents=agents,
        journal=_parse_journal(data),
        base_dir=root,
        risk=risk,
        sidecar={k: data[k] for k in ("mirror", "notify") if k in data},
        dashboard=_parse_dashboard(data),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError("", f"cannot read config {path}: {e.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError("", f"{path} is not valid TOML: {e}") from None


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a TOML file; relative agent paths resolve against the file's directory."""
    path = Path(path)
    return parse_config(_read_toml(path), base_dir=path.resolve().parent, env=env)


def load_dashboard_settings(path: str | Path) -> DashboardSettings:
    """Read only a run config's `[dashboard]` table (no account secrets needed: the fleet page's links)."""
    return _parse_dashboard(_read_toml(Path(path)))
