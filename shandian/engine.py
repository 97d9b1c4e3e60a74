"""`shandian.Engine`: one CTP account, its agents, the run loop, orderly stop and the report.

The loop itself is C++ (`_core.Engine.run`, GIL released while waiting); this facade is the dispatcher it
calls once per drained batch. It routes ticks by the subscriber bit mask the engine computed, turns order
and trade records into `Order` / `Trade` values, keeps each agent's own positions (agents are isolated: an
agent closes only what it opened unless it names the offset itself), and isolates failures: an exception
in one agent's callback stops that agent, logs the traceback and records it for the report.

Stop order (duration reached, Ctrl-C or SIGTERM, `stop()`, or a fatal session error): agents' `on_stop`,
working orders cancelled and their confirmations awaited (bounded; `engine.cancel_on_stop`), vendor APIs
released, report built and returned (`shandian run` prints it). A second Ctrl-C/SIGTERM skips the waiting.

    engine = sd.Engine.from_toml("examples/demo.toml")           # agents from the file, or in code:
    engine = sd.Engine(sd.Config.local(speed=50, instruments=["rb"]))
    engine.add_agent(MyAgent("mine", {"lots": 1}), symbols=["rb2505"])
    report = engine.run(duration=30)                               # blocks; Ctrl-C/SIGTERM stop in order
    print(report.format())
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import math
import os
import queue
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from array import array
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

from shandian import _core
from shandian.agent import (
    BENIGN_CANCEL_CODES,
    KINDS,
    OFFSETS,
    REJECT_CODES,
    Account,
    Agent,
    AgentAccount,
    Order,
    OrderRejected,
    ParamError,
    Position,
    SessionEvent,
    Trade,
)
from shandian.bench.stats import Histogram
from shandian.config import AgentSpec, Config, ConfigError, load_config
from shandian.paths import library_dir
from shandian.report import AgentReport, PositionRow, RunReport
from shandian.risk import RiskConfig, parse_risk
from shandian.session_events import FrontReach, RepeatCounter

__all__ = ["Engine", "load_agent_class"]

log = logging.getLogger("shandian.engine")

NO_AGENT = 0xFFFF_FFFF
_DIRECTION = {"buy": _core.Direction.BUY, "sell": _core.Direction.SELL}
_OFFSET = {
    "open": _core.Offset.OPEN,
    "close": _core.Offset.CLOSE,
    "close_today": _core.Offset.CLOSE_TODAY,
    "close_yesterday": _core.Offset.CLOSE_YESTERDAY,
}
# The order hot path passes the enums' integer values (no enum object conversion in the binding).
_DIRECTION_CODE = {name: int(v) for name, v in _DIRECTION.items()}
_OFFSET_CODE = {name: int(v) for name, v in _OFFSET.items()}
_KIND_CODE = {name: int(v) for name, v in KINDS.items()}
_MARKET_CODE = _KIND_CODE["market"]
_COND_KINDS = {
    "stop": _core.ConditionalKind.STOP,
    "take_profit": _core.ConditionalKind.TAKE_PROFIT,
    "trailing_stop": _core.ConditionalKind.TRAILING_STOP,
    "iceberg": _core.ConditionalKind.ICEBERG,
}
_SOURCES = {"last": _core.TriggerSource.LAST, "bid_ask": _core.TriggerSource.BID_ASK}
_KIND_TICK = int(_core.BatchItemKind.TICK)
_KIND_ORDER = int(_core.BatchItemKind.ORDER)
_KIND_TRADE = int(_core.BatchItemKind.TRADE)
_KIND_NOTICE = int(_core.BatchItemKind.NOTICE)
_KIND_TIMER = int(_core.BatchItemKind.TIMER)
_NOTICE_NAMES = {int(v): name.lower() for name, v in _core.SessionNoticeKind.__members__.items()}
_RESUME = {
    "quick": _core.ResumeType.QUICK,
    "resume": _core.ResumeType.RESUME,
    "restart": _core.ResumeType.RESTART,
}
# Offset modes resolved in C++ (Engine::place): "auto" closes today's lots first, then yesterday's.
_MODES = {
    "auto": _core.OffsetMode.CLOSE_TODAY_THEN_YD,
    "close_today_then_yd": _core.OffsetMode.CLOSE_TODAY_THEN_YD,
    "close_yd_then_open": _core.OffsetMode.CLOSE_YD_THEN_OPEN,
    "open_only": _core.OffsetMode.OPEN_ONLY,
    "close_only": _core.OffsetMode.CLOSE_ONLY,
}
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_LATENCY_FLUSH = 1024  # samples per fold into the C++ histogram (~2 µs each; the Python fold took ~0.26 ms)


def _argument_types_error(price: object, volume: object) -> TypeError:
    """Name the fields and values of an order the binding refused by type (pybind11 only lists types)."""
    return TypeError(f"order arguments: price {price!r} must be a number (int or float) and volume"
                     f" {volume!r} an int")


def _is_bool(value: object) -> bool:
    """Return whether `value` is True or False (by identity: cheap on the order path)."""
    return value is True or value is False


def _bool_argument_error(price: object, volume: object) -> TypeError:
    """Name a bool price or volume: Python counts True as 1, an order must not (volume=True is a bug)."""
    field, value = ("volume", volume) if _is_bool(volume) else ("price", price)
    return TypeError(f"order argument {field} {value!r} is a bool: it must be "
                     f"{'an int (lots)' if field == 'volume' else 'a number (int or float)'}")


def _symbol_type_error(symbol: object) -> TypeError:
    """Name a symbol that is not a str (None, a number, a list), instead of pybind11's signature dump."""
    return TypeError(f"symbol {symbol!r} must be a str (an instrument id such as 'rb2505')")


def _front_trading_day(fronts: Sequence[str]) -> int | None:
    """Return the trading_day a local:// front address pins (the journal file's day), else None."""
    for address in fronts:
        m = re.search(r"[?&]trading_day=(\d{8})", address)
        if m:
            return int(m.group(1))
    return None


def load_agent_class(spec: str, base_dir: Path) -> type[Agent]:
    """`module:Class` (imported) or `path/file.py:Class` (loaded from the file, relative to base_dir)."""
    target, _, cls_name = spec.rpartition(":")
    if target.endswith(".py") or "/" in target:
        path = (base_dir / target).resolve()
        if not path.is_file():
            raise ImportError(f"agent file {path} does not exist")
        module_name = f"shandian_agents_{path.stem}_{abs(hash(str(path))) & 0xFFFF:x}"
        module = sys.modules.get(module_name)
        if module is None:
            mod_spec = importlib.util.spec_from_file_location(module_name, path)
            if mod_spec is None or mod_spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules[module_name] = module
            mod_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    cls = getattr(module, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise ImportError(f"{spec}: {cls_name} is not a shandian.Agent subclass")
    return cls


def _overrides(agent: Agent, name: str) -> bool:
    return getattr(type(agent), name) is not getattr(Agent, name)


class Engine:
    """One account and its agents. Build from a `Config` (or `Engine.from_toml(path)`), add agents, `run()`.

    Not thread-safe except `stop()`: everything runs on the thread that calls `run()`.
    """

    def __init__(self, config: Config, *, out: TextIO | None = None, config_name: str = "<code>") -> None:
        self.config = config
        self.out = out if out is not None else sys.stderr
        self.config_name = config_name
        self._agents: list[Agent] = []
        self._symbols: dict[str, list[str]] = {}
        self._rt: Any = None
        self._flow_tmp: str | None = None
        self._index: dict[str, int] = {}
        self._instr: dict[str, dict[str, Any]] = {}
        self._by_id: dict[int, Agent] = {}
        self._tick_handlers: dict[int, tuple[tuple[Agent, Callable[[Any], None]], ...]] = {}
        self._lat = array("q")
        self._hist = _core.LatencyHistogram()  # folded in C++: no pause on the engine thread
        self._ticks = 0
        self._batches = 0
        self._started_agents = False
        self._stopping = False
        self._stop_reason = ""
        self._stop_signal = ""  # the signal that requested the stop (a second one forces it)
        self._forced = ""  # the second signal that forced the stop
        self._interruptible = False  # a forcing signal may raise KeyboardInterrupt (only inside the stop)
        self._errors: list[str] = []
        self._t0 = 0.0
        self._deadline: float | None = None
        self._next_progress = 0.0
        self._cancel_sent: set[int] = set()
        self._param_updates: queue.SimpleQueue[tuple[Agent, dict[str, Any]]] = queue.SimpleQueue()
        self._house = -1
        self._risk: Any = None  # _core.RiskEngine, installed as the engine's risk hook by _build
        self._controls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._engine_thread: int | None = None
        self._risk_day = ""  # trading day the risk engine's daily counters belong to
        self._risk_overridden: set[str] = set()  # agents whose risk limits were set apart from the default
        self._owners: dict[str, str] = {}  # monopoly instruments -> owning agent's name
        self._capital: dict[str, float] = {}
        self._journal: Any = None  # shandian.journal.Recovery when the journal is on
        self._journal_run = 0
        self.journal_discrepancies: list[str] = []  # what the counter reported differently after a restart
        # identical session notices (kind, code, message): logged at counts 1, 2, 4, 8 ...
        self._notice_repeats: RepeatCounter[tuple[str, int, str]] = RepeatCounter()
        self._reach = {"trader": FrontReach("trader", config.account.trader_fronts),
                       "md": FrontReach("md", config.account.md_fronts)}
        self._not_ready_reported = False
        self._unattributed_live: dict[int, Order] = {}  # adopted working orders no agent is known to own
        self._recovery_cancel_deadline: float | None = None  # on_recovery = "cancel": agents wait until then
        for spec in config.agents:
            self.add_agent_spec(spec)

    @classmethod
    def from_toml(cls, path: str | Path, *, out: TextIO | None = None) -> Engine:
        """Load and validate a TOML config (agents included)."""
        return cls(load_config(path), out=out, config_name=str(path))

    # ---- set-up ----------------------------------------------------------------------------------------
    def add_agent_spec(self, spec: AgentSpec) -> Agent:
        """Load, construct (params validated) and add an agent described by the config."""
        i = len(self._agents)
        try:
            cls = load_agent_class(spec.cls, self.config.base_dir)
        except (ImportError, SyntaxError) as e:
            raise ConfigError(f"agents[{i}].class", f"{spec.cls!r} cannot be loaded: {e}") from e
        try:
            agent = cls(spec.name, spec.params)
        except ParamError as e:
            raise ConfigError(f"agents[{i}].params", str(e)) from None
        return self.add_agent(agent, spec.symbols)

    def add_agent(self, agent: Agent, symbols: Iterable[str] = (), *, capital: float | None = None,
                  monopoly: Iterable[str] = ()) -> Agent:
        """Add an agent; `symbols` are subscribed when trading is ready, before its on_start.

        `capital`: the agent's allocation (its ledger's available capital; unlimited when None).
        `monopoly`: instruments only this agent may trade (others get OrderRejected INSTRUMENT_OWNED).
        """
        if self._rt is not None:
            raise RuntimeError("agents must be added before run()")
        if any(a.name == agent.name for a in self._agents):
            raise ValueError(f"an agent named {agent.name!r} is already added")
        finite = isinstance(capital, int | float) and math.isfinite(capital) and capital >= 0
        if capital is not None and not finite:
            raise ValueError(f"capital {capital!r} must be a finite number >= 0")
        owned = list(monopoly)
        for symbol in owned:
            owner = self._owners.get(symbol)
            if owner is not None:
                raise ValueError(f"monopoly {symbol!r}: already owned by agent {owner!r}")
        for symbol in owned:
            self._owners[symbol] = agent.name
        if capital is not None:
            self._capital[agent.name] = float(capital)
        agent._engine = self
        self._agents.append(agent)
        self._symbols[agent.name] = list(symbols)
        return agent

    @property
    def agents(self) -> list[Agent]:
        """The agents, in the order added."""
        return list(self._agents)

    def _session_config(self) -> Any:
        a = self.config.account
        s = _core.SessionConfig()
        s.trader_fronts = list(a.trader_fronts)
        s.md_fronts = list(a.md_fronts)
        s.broker_id = a.broker_id
        s.user_id = a.user_id
        s.investor_id = a.investor_id
        s.password = a.password.reveal()
        s.app_id = a.app_id
        s.auth_code = a.auth_code.reveal()
        s.user_product_info = "shandian"
        if a.flow_dir:
            flow = Path(a.flow_dir).expanduser()
        else:
            self._flow_tmp = tempfile.mkdtemp(prefix="shandian-flow-")
            flow = Path(self._flow_tmp)
        s.flow_dir = flow
        s.resume = _RESUME[a.resume]
        s.query_interval_ms = a.query_interval_ms
        if a.preset == "local":  # the local front answers at once: retry and time out sooner too
            s.query_backoff_initial_ms = 200
            s.query_backoff_max_ms = 1000
            s.query_timeout_ms = 3000
            s.relogin_delay_ms = 300
        return s

    def _build(self) -> None:
        settings = self.config.engine
        lib = library_dir(self.config.account.library)
        self._rt = _core.Engine(
            lib,
            self._session_config(),
            wait=settings.wait,
            max_events_per_batch=settings.max_events_per_batch,
            max_wait_ms=min(50.0, settings.housekeeping_ms),
        )
        for agent in self._agents:
            agent._state.agent_id = self._rt.add_agent(agent.name)
            self._by_id[agent._state.agent_id] = agent
            capital = self._capital.get(agent.name)
            if capital is not None:
                self._rt.set_allocation(agent._state.agent_id, capital)
                agent._state.account = AgentAccount(available=capital)
        self._house = self._rt.add_agent("__shandian__")
        self._rt.add_timer(self._house, int(settings.housekeeping_ms * 1e6))
        risk = self.config.risk if self.config.risk is not None else parse_risk(None)
        self._install_risk(risk.on_clock(self._clock_speed()))
        # Recovery: the counter's working orders of an earlier process become pooled orders again, and its
        # order history of the day counts against the daily limits (both until the agents start).
        self._rt.set_adopt_working_orders(True)
        self._risk.begin_recovery()
        if self.config.journal.enabled:
            self._open_journal()
        self._rt.set_dispatcher(self)

    def _open_journal(self) -> None:
        """Replay today's journal into the order manager (attribution, booked trades), then open it.

        A new day's file starts with the agents' lots carried in from the previous day's (`position_carry`).
        """
        from shandian import journal

        j = self.config.journal
        a = self.config.account
        day = _front_trading_day(a.trader_fronts) or journal.trading_day_for(datetime.now())
        directory = j.directory()
        directory.mkdir(parents=True, exist_ok=True)
        account = a.investor_id or a.user_id or "local"
        if a.preset == "local" and not any("state=" in f for f in a.trader_fronts):
            # A local front without `state=` starts a fresh exchange day in every process: nothing of an
            # earlier process's journal exists at this counter, so this run gets a file of its own.
            account += f"-run{time.strftime('%H%M%S')}-{os.getpid()}"
        path = journal.default_path(directory, account, day)
        ids = {agent.name: agent._state.agent_id for agent in self._agents}
        carry: dict[journal.CarryKey, tuple[int, float]] = {}
        if path.is_file():
            self._journal = journal.recover(self._rt, path, ids)
        else:
            # A new trading day: every agent's lots at the end of the account's previous journaled day are
            # its yesterday's lots, recorded in this day's file so that it stands on its own.
            previous = journal.previous_day_path(directory, account, day)
            carry = journal.end_of_day(previous) if previous is not None else {}
            self._journal = journal.Recovery(path=path, replay={})
            self._journal.carried_lots = journal.seed_carry(self._rt, carry, ids)
            if previous is not None:
                log.info("journal: %d lots of %d agent positions carried in from %s",
                         self._journal.carried_lots, len(carry), previous)
        run, first_seq = self._rt.open_journal(str(path), j.ring_capacity, j.backlog_limit, j.writer_priority,
                                               j.wake_on_request)
        self._journal_run = run
        for agent in self._agents:
            self._rt.journal_agent_added(agent._state.agent_id, agent.name)
        for (name, symbol, side), (lots, price) in sorted(carry.items()):
            self._rt.journal_position_carry(name, symbol, side == "long", lots, price)
        log.info("journal %s (run %d, seq from %d; %d earlier orders, %d trades recovered)", path, run,
                 first_seq, self._journal.seeded_orders, self._journal.seeded_trades)

    def _restore_from_journal(self) -> None:
        """Show each agent its recovered ledger positions and report counter discrepancies."""
        from shandian import journal

        if self._journal is None or (self._journal_run <= 1 and not self._journal.carried_lots):
            return
        by_name = {a.name: a for a in self._agents}
        self._rt.journal_flush(2000.0)
        symbols = {(t["agent_name"], t["symbol"]) for t in journal.trade_rows(self._journal.path)}
        symbols |= {(name, symbol) for name, symbol, _ in journal.carried_in(self._journal.path)}
        for name, symbol in sorted(symbols, key=str):
            agent = by_name.get(name) if name is not None else None
            idx = self._rt.instrument_index(symbol)
            if agent is not None and idx is not None:  # the C++ ledger booked them at instrument load
                self._apply_view(agent, symbol, self._rt.position(agent._state.agent_id, idx))
        names = {a._state.agent_id: a.name for a in self._agents}
        self.journal_discrepancies = []
        for c in self._rt.yesterday_cuts():  # recorded, so that a restart of the day carries what is left
            name = names.get(c["agent"], str(c["agent"]))
            self._rt.journal_position_carry(name, c["symbol"], c["side"] == "long", -c["lots"], 0.0)
            self.journal_discrepancies.append(f"{c['symbol']}: agent {name} carried {c['lots']} {c['side']} "
                                              "yesterday lot(s) the counter does not hold: cut")
        if self._journal_run > 1:
            self.journal_discrepancies += journal.discrepancies(self._journal.path, self._journal_run)
        self.journal_discrepancies += journal.position_discrepancies(
            self._rt, {a.name: a._state.agent_id for a in self._agents})
        for line in self.journal_discrepancies:
            log.warning("recovery: %s", line)

    def _seed_risk_from_journal(self) -> None:
        """Raise the risk engine's daily counts to what the journal's earlier runs of the day spent."""
        from shandian import journal

        if self._journal is None or self._journal_run <= 1:
            return

        def index(symbol: str) -> int | None:
            return self._rt.instrument_index(symbol) if symbol else None

        def counter(agents: int, orders: int) -> Any:
            return _core.RiskReplay(self._rt, self._risk.limits, agents, orders)

        counts = journal.daily_counts(self._journal.path, self._journal_run, counter=counter,
                                      instrument=index)
        ids = {a.name: a._state.agent_id for a in self._agents}
        for (name, symbol), c in counts.items():
            agent = None if name is journal.ACCOUNT else ids.get(name)
            if name is journal.ACCOUNT or agent is not None:
                self._risk.seed_daily(agent, index(symbol), c.messages, c.cancels, c.large_cancels, c.opened)
        log.info("risk: daily counts of %d agent/instrument pairs rebuilt from the journal", len(counts))

    def _recover_orders(self) -> None:
        """Apply engine.on_recovery to the adopted working orders before any agent starts.

        "adopt" keeps them working (each agent sees its own in working_orders()); "cancel" cancels them all
        and holds the agents' start until they are final (bounded by engine.stop_timeout).
        """
        adopted = self._working_count()  # no agent has started: every working order was adopted
        if adopted:
            log.warning("recovery: %d working orders of an earlier process adopted (%d unattributed); "
                        "policy %s", adopted, len(self._unattributed_live), self.config.engine.on_recovery)
        if self.config.engine.on_recovery != "cancel" or not adopted:
            return
        sent = sum(self._cancel_everything_of(a._state.agent_id) for a in self._agents)
        sent += self._cancel_everything_of(NO_AGENT)
        log.warning("recovery: cancelling %d adopted working orders before the agents start", sent)
        self._recovery_cancel_deadline = time.monotonic() + self.config.engine.stop_timeout

    def _working_count(self) -> int:
        """Working orders of every agent plus the adopted ones no agent owns (what a stop must cancel)."""
        return sum(len(a._state.live) for a in self._agents) + len(self._unattributed_live)

    def _clock_speed(self) -> float:
        """Return the local front's clock speed (exchange seconds per wall second); 1 for real fronts."""
        front = self.config.account.trader_fronts[0] if self.config.account.trader_fronts else ""
        if not front.startswith("local://"):
            return 1.0
        speed = parse_qs(urlsplit(front).query).get("speed", ["1"])[0]
        try:
            value = float(speed)
        except ValueError:
            return 1.0
        return value if value > 0 else 1.0  # 0 = as fast as consumed: no clock to scale by

    def _install_risk(self, cfg: RiskConfig) -> None:
        """Install the C++ risk engine as the engine's risk hook: the run's [risk] or the default preset."""
        unknown = sorted(set(cfg.agents) - {a.name for a in self._agents})
        if unknown:
            raise ConfigError(f"risk.agents.{unknown[0]}", "no agent with that name in this run")
        self._risk = _core.RiskEngine(self._rt, cfg.limits())
        for agent in self._agents:
            aid = agent._state.agent_id
            self._risk.set_agent_name(aid, agent.name)
            override = cfg.agent_limits(agent.name)
            if override is not None:
                self._risk.set_agent_limits(aid, override)
                self._risk_overridden.add(agent.name)
        self._risk.set_agent_name(self._house, "__shandian__")
        log.info("risk engine: preset %s%s", cfg.preset, "" if cfg.enabled else " (rules disabled)")

    # ---- running ---------------------------------------------------------------------------------------
    def stop(self, reason: str = "stop() called") -> None:
        """Request an orderly stop (any thread)."""
        if not self._stop_reason:
            self._stop_reason = reason
        if self._rt is not None:
            self._rt.stop()

    def run(self, duration: float | None = None) -> RunReport:
        """Run until `duration` s (default: the config's), Ctrl-C/SIGTERM, stop() or a fatal session error.

        Returns the report; the vendor APIs are released before it returns.
        """
        if self._rt is not None:
            raise RuntimeError("an Engine runs once; build a new one")
        duration = duration if duration is not None else self.config.engine.duration
        saved_affinity = self._pin_other_threads()
        previous_stop = self._install_stop_signals()  # before the build: a SIGTERM during it stops in order
        try:
            self._build()
        except BaseException:
            if saved_affinity is not None:
                os.sched_setaffinity(0, saved_affinity)
            self._restore_stop_signals(previous_stop)
            if self._flow_tmp:
                shutil.rmtree(self._flow_tmp, ignore_errors=True)
            raise
        if self._stop_reason:  # asked to stop while building: the loop returns at once
            self._rt.stop()
        previous_kill = self._install_kill_signals()
        self._t0 = time.monotonic()
        self._deadline = None if duration is None else self._t0 + duration
        self._next_progress = self._t0 + self.config.engine.progress_interval
        self._engine_thread = threading.get_ident()
        log.info("engine starting: %s (%d agents)", self._front_text(), len(self._agents))
        if self.config.account.preset.startswith("simnow"):
            log.info("SimNow preset: BrokerID/AppID/AuthCode and fronts are community-sourced, change over "
                     "time; set account.trader_fronts / md_fronts if SFIT moved them")
        try:
            try:
                self._rt.run()
            except KeyboardInterrupt:  # run() off the main thread: Python's own SIGINT handler
                self._stop_reason = self._stop_reason or "interrupted (Ctrl-C)"
            self._stop_reason = self._stop_reason or "stopped"
            log.info("stopping: %s", self._stop_reason)
            self._stopping = True
            self._stop_agents()
            self._log_unlogged_repeats(lambda key: True)
            self._report_never_ready()
            report = self._build_report()
        finally:
            try:
                self._rt.shutdown()
                if not self._rt.close_journal(5000.0):
                    log.error("journal: not every record could be committed at stop")
            finally:
                if saved_affinity is not None:
                    os.sched_setaffinity(0, saved_affinity)
                self._restore_stop_signals(previous_stop)
                self._restore_kill_signals(previous_kill)
                if self._flow_tmp:
                    shutil.rmtree(self._flow_tmp, ignore_errors=True)
        report.elapsed_s = time.monotonic() - self._t0
        return report

    def _pin_other_threads(self) -> set[int] | None:
        """engine.cpu: put this thread (so every thread it starts) on the other CPUs; return the old set.

        Linux threads inherit their creator's affinity: the vendor/local-front threads (some are only
        created during login, from the engine thread) and the journal writer land on the other CPUs; once
        trading is ready (before the agents' on_start) this thread, the engine loop, moves alone onto
        engine.cpu. None when engine.cpu is not set.
        """
        cpu = self.config.engine.cpu
        if cpu is None:
            return None
        if not hasattr(os, "sched_setaffinity"):
            raise ConfigError("engine.cpu", "CPU affinity is not supported on this platform")
        allowed = os.sched_getaffinity(0)
        if cpu not in allowed:
            raise ConfigError("engine.cpu", f"{cpu} is not one of this process's CPUs {sorted(allowed)}")
        others = allowed - {cpu}
        if not others:
            raise ConfigError("engine.cpu", f"{cpu} is the only CPU available: none left for the CTP threads")
        os.sched_setaffinity(0, others)
        return allowed

    def _install_stop_signals(self) -> Any:
        """SIGINT (Ctrl-C) and SIGTERM (systemd, Docker, supervisors) stop in order; a second one forces it.

        The first signal requests the stop (agents' on_stop, cancels confirmed, report). A second signal
        (either) while stopping skips what is left of the agents' on_stop and the wait for cancel
        confirmations; the cancels are still sent and the report still printed.
        """
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum: int, frame: Any) -> None:
            name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            if self._stopping or self._stop_signal:
                if self._forced:
                    return
                self._forced = name
                print(f"\n{name} again: stopping at once (cancels sent, their confirmations not awaited) ...",
                      file=self.out, flush=True)
                if self._interruptible:  # break out of an agent's on_stop or the wait for cancels
                    raise KeyboardInterrupt
                return
            self._stop_signal = name
            print(f"\n{name}: stopping (cancelling working orders, releasing the CTP APIs) ...",
                  file=self.out, flush=True)
            self.stop(f"interrupted ({name})" if signum == signal.SIGINT else f"terminated ({name})")

        return {s: signal.signal(s, handler) for s in _STOP_SIGNALS}

    @staticmethod
    def _restore_stop_signals(previous: Any) -> None:
        for signum, handler in (previous or {}).items():
            signal.signal(signum, handler)

    def _install_kill_signals(self) -> Any:
        """SIGUSR1 = kill switch, SIGUSR2 = kill switch and flatten (what `shandian kill` sends)."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum: int, frame: Any) -> None:
            flatten = signum == signal.SIGUSR2
            self.kill(flatten=flatten, reason=f"{signal.Signals(signum).name} received (shandian kill)")

        return (signal.signal(signal.SIGUSR1, handler), signal.signal(signal.SIGUSR2, handler))

    @staticmethod
    def _restore_kill_signals(previous: Any) -> None:
        if previous is not None:
            signal.signal(signal.SIGUSR1, previous[0])
            signal.signal(signal.SIGUSR2, previous[1])

    # ---- risk: kill switch, trading states, live limits ------------------------------------------------
    def _on_engine_thread(self, action: Callable[[], None]) -> None:
        """Run `action` now when called on the engine thread, else at the next housekeeping tick."""
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        if threading.get_ident() == self._engine_thread:
            action()
        else:
            self._controls.put(action)

    def kill(self, flatten: bool = False, reason: str = "kill switch") -> None:
        """Kill switch (any thread): halt the account, cancel every working order, optionally flatten.

        On the engine thread it acts at once; from another thread at the next housekeeping tick
        (≤ engine.housekeeping_ms). With `flatten`, the account is left REDUCING (not HALTED) so the
        flattening orders (FAK at the opposite best price, per agent and position) can go out; agents can
        then only reduce. The kill is recorded in the report's errors.
        """
        self._on_engine_thread(lambda: self._kill_now(flatten, reason))

    def _kill_now(self, flatten: bool, reason: str) -> None:
        sent = self._risk.kill(reason, reducing_only=flatten)
        log.warning("KILL SWITCH: %s: account %s, %d cancel requests sent", reason,
                    "reducing (flattening)" if flatten else "halted", sent)
        self._errors.append(f"kill switch: {reason}")
        if flatten:
            self._flatten()

    def _flatten(self) -> None:
        """Best effort: FAK-close every agent's held lots not already in a working close order."""
        for agent in self._agents:
            for symbol, pos in list(agent._state.positions.items()):
                sides = (("sell", pos.long - pos.long_frozen), ("buy", pos.short - pos.short_frozen))
                for direction, lots in sides:
                    self._flatten_side(agent, symbol, direction, lots)

    def _flatten_side(self, agent: Agent, symbol: str, direction: str, lots: int) -> None:
        """Close `lots` in FAK chunks, halving a chunk the volume rules refuse (they still apply)."""
        chunk = lots
        while lots > 0:
            try:
                self._insert(agent, symbol, direction, "auto", self._flatten_price(symbol, direction),
                             min(chunk, lots), "fak")
                lots -= min(chunk, lots)
            except OrderRejected as e:
                if e.code == "RISK_MAX_ORDER_VOLUME" and chunk > 1:
                    chunk //= 2
                    continue
                self._errors.append(f"flatten {agent.name} {symbol} {direction} {lots}: {e}")
                return
            except RuntimeError as e:
                self._errors.append(f"flatten {agent.name} {symbol} {direction} {lots}: {e}")
                return

    def _flatten_price(self, symbol: str, direction: str) -> float:
        """Price a flattening order at the opposite best (marketable), else the last price."""
        tick = self._rt.instrument(self._instrument_index(symbol))["last_tick"]
        if tick is None:
            raise OrderRejected("RISK_STALE_DATA", f"{symbol}: no tick to price a flattening order")
        best = tick.bid_price1 if direction == "sell" else tick.ask_price1
        return best if best > 0 else tick.last_price

    @property
    def killed(self) -> bool:
        """Whether the kill switch fired (and the account was not re-activated since)."""
        return bool(self._risk is not None and self._risk.killed)

    def set_trading_state(self, state: str, agent: str | None = None) -> None:
        """Set 'active' / 'reducing' / 'halted' for one agent or (agent=None) the account; any thread."""
        if state not in ("active", "reducing", "halted"):
            raise ValueError(f"state {state!r} must be 'active', 'reducing' or 'halted'")
        if agent is None:
            self._on_engine_thread(lambda: self._risk.set_account_state(state))
            return
        target = next((a for a in self._agents if a.name == agent), None)
        if target is None:
            raise KeyError(f"no agent named {agent!r}")
        self._on_engine_thread(lambda: self._risk.set_agent_state(target._state.agent_id, state))

    def trading_state(self, agent: str | None = None) -> str:
        """Return an agent's effective trading state (own or account's, the stricter), or the account's."""
        if self._risk is None:
            return "active"
        if agent is None:
            return str(self._risk.account_state)
        target = next((a for a in self._agents if a.name == agent), None)
        if target is None:
            raise KeyError(f"no agent named {agent!r}")
        return str(self._risk.agent_state(target._state.agent_id))

    def update_risk(self, table: dict[str, Any]) -> RiskConfig:
        """Live limit change (any thread): validate a `[risk]` table and hand it to the engine thread.

        Applied by the C++ engine at its next check (through its MPSC queue), without a restart.
        """
        if self._risk is None:
            raise RuntimeError("the engine is not running")
        cfg = parse_risk(table, self.config.base_dir).on_clock(self._clock_speed())
        unknown = sorted(set(cfg.agents) - {a.name for a in self._agents})
        if unknown:
            raise ConfigError(f"risk.agents.{unknown[0]}", "no agent with that name in this run")
        limits = cfg.limits()
        if not self._risk.post_limits(limits):
            raise RuntimeError("risk update queue full: retry")
        # Agents with an override now, or with one before (back to the new default), get their own update.
        for agent in self._agents:
            override = cfg.agent_limits(agent.name)
            if override is None and agent.name not in self._risk_overridden:
                continue
            if not self._risk.post_agent_limits(agent._state.agent_id, override or limits.agent):
                raise RuntimeError("risk update queue full: retry")
        self._risk_overridden |= set(cfg.agents)
        return cfg

    def _roll_risk_day(self) -> None:
        """Roll the day when a (re)login reports a new trading day.

        Resets the risk engine's daily counters and refreshes every agent's position views (the C++ ledgers
        rolled at the login itself: today's lots are yesterday's, the day's PnL and fees are carried).
        """
        day = str(self._rt.trading_day)
        if self._risk_day and day and day != self._risk_day:
            if self._risk is not None:
                self._risk.new_day()
            for agent in self._agents:
                for symbol in list(agent._state.positions):
                    idx = self._index.get(symbol)
                    if idx is not None:
                        self._apply_view(agent, symbol, self._rt.position(agent._state.agent_id, idx))
            log.info("trading day %s -> %s: risk daily counters reset, ledgers rolled (today's lots are "
                     "yesterday's, the day's PnL and fees carried)", self._risk_day, day)
        self._risk_day = day or self._risk_day

    def risk_stats(self) -> dict[str, Any]:
        """Return the risk engine's counters: checks, kills, and refusals by code (the whole account)."""
        return dict(self._risk.stats()) if self._risk is not None else {}

    def _cancel_everything_of(self, agent_id: int, order_id: int | None = None) -> int:
        """Cancel one agent's working orders (or one of them), past the cancel rules (stop, failed agent)."""
        if self._risk is not None:
            self._risk.set_cancel_rules_bypassed(True)
        try:
            if order_id is not None:
                return 1 if self._rt.cancel(agent_id, order_id).ok else 0
            return int(self._rt.cancel_all(agent_id))
        finally:
            if self._risk is not None:
                self._risk.set_cancel_rules_bypassed(False)

    def _stop_agents(self) -> None:
        """Agents' on_stop, then their working orders cancelled and the confirmations awaited (bounded).

        A second stop signal raises KeyboardInterrupt in here (only in here: `_interruptible`); the stop
        then runs again in its forced form, which skips the remaining on_stop calls and the wait.
        """
        self._interruptible = True
        try:
            self._stop_agents_once()
            self._interruptible = False
        except KeyboardInterrupt:
            self._interruptible = False
            self._forced = self._forced or "KeyboardInterrupt"
            log.warning("%s: stop forced; not waiting for on_stop or cancel confirmations", self._forced)
            self._stop_agents_once()

    def _stop_agents_once(self) -> None:
        """One pass of the stop; idempotent, so a forced pass can follow an interrupted one."""
        for agent in self._agents:
            st = agent._state
            if st.running:
                if not self._forced:
                    self._call(agent, agent.on_stop)  # may still act (e.g. flatten) from here
                st.running = False  # no more callbacks while cancels drain
                self._rt.journal_agent_stopped(st.agent_id, f"engine stopping: {self._stop_reason}")
        self._tick_handlers.clear()
        if not self.config.engine.cancel_on_stop:
            return
        if not self._rt.trading_ready:
            for agent in self._agents:  # conditional orders are cancelled even without a session
                self._rt.cancel_all(agent._state.agent_id)
            left = self._working_count()
            if left:
                self._add_error(f"{left} orders may still be working: the trader session was not ready "
                                "at stop, so they could not be cancelled")
            return
        sent = 0
        for agent in self._agents:  # also cancels its conditional orders (they would release children)
            sent += self._cancel_everything_of(agent._state.agent_id)
        sent += self._cancel_everything_of(NO_AGENT)  # adopted at recovery, owner unknown
        if sent:
            log.info("cancelling %d working orders", sent)
        deadline = time.monotonic() + self.config.engine.stop_timeout
        while not self._forced and self._working_count() and time.monotonic() < deadline:
            self._rt.run_once(20.0)
        self._rt.run_once(0.0)  # confirmations already delivered still count
        left = self._working_count()
        if self._forced:
            self._add_error(f"stop forced by a second signal ({self._forced}): agents' on_stop cut short, "
                            "cancel confirmations not awaited")
        if left and self._forced:
            self._add_error(f"{left} orders may still be working: their cancels were sent, not confirmed")
        elif left:
            self._add_error(f"{left} orders still working at stop (no final state within "
                            f"{self.config.engine.stop_timeout:g} s)")

    def _add_error(self, text: str) -> None:
        """Record an error for the report once (a forced stop may repeat a pass)."""
        if text not in self._errors:
            self._errors.append(text)

    # ---- the dispatcher (called by C++ once per drained batch, GIL held) -------------------------------
    def on_batch(self, batch: Any) -> None:
        """Route one batch: ticks by subscriber mask, orders/trades to their agent, notices to all."""
        self._batches += 1
        ticks = batch.ticks
        if len(ticks) == len(batch):
            self._on_ticks(ticks)
            return
        orders = batch.orders
        trades = batch.trades
        notices = batch.notices
        timers = batch.timers
        for kind, index in batch.sequence:
            k = int(kind)
            if k == _KIND_TICK:
                self._on_ticks((ticks[index],))
            elif k == _KIND_ORDER:
                self._on_order(orders[index])
            elif k == _KIND_TRADE:
                self._on_trade(trades[index])
            elif k == _KIND_NOTICE:
                self._on_notice(notices[index])
            elif k == _KIND_TIMER:
                self._on_timer(timers[index])

    def _on_ticks(self, ticks: Sequence[Any]) -> None:
        handlers_of = self._tick_handlers
        lat = self._lat
        now_ns = time.monotonic_ns
        self._ticks += len(ticks)
        for t in ticks:
            mask = t.subscribers
            handlers = handlers_of.get(mask)
            if handlers is None:
                handlers = self._handlers_for(mask)
            if not handlers:
                continue
            lat.append(now_ns() - t.recv_ns)
            for agent, fn in handlers:
                try:
                    fn(t)
                except Exception:
                    self._fail(agent, "on_tick")
        if len(lat) >= _LATENCY_FLUSH:
            self._flush_latency()

    def _flush_latency(self) -> None:
        if self._lat:
            self._hist.record_many(self._lat)
            self._lat = array("q")

    def _handlers_for(self, mask: int) -> tuple[tuple[Agent, Callable[[Any], None]], ...]:
        out = []
        for aid, agent in self._by_id.items():
            if mask >> aid & 1 and agent._state.running and _overrides(agent, "on_tick"):
                out.append((agent, agent.on_tick))
        handlers = tuple(out)
        self._tick_handlers[mask] = handlers
        return handlers

    def _on_order(self, u: Any) -> None:
        agent = self._by_id.get(u.agent)
        if agent is None:
            if u.agent == NO_AGENT and u.id:  # an adopted order nobody here is known to own
                adopted = Order.from_update(u)
                if adopted.is_final:
                    self._unattributed_live.pop(adopted.id, None)
                else:
                    self._unattributed_live[adopted.id] = adopted
                self._check_recovery_cancels()
            return  # another session's order, or the house agent
        order = Order.from_update(u)
        st = agent._state
        st.all_orders[order.id] = order
        self._apply_view(agent, order.symbol, u.position)
        if order.is_final:
            st.live.pop(order.id, None)
        elif order.id and (order.reject_code == "NONE" or order.id in st.live):
            st.live[order.id] = order  # id 0: a report of an order nobody here can cancel (not adopted)
        if st.running and not self._stopping:
            self._call(agent, agent.on_order, order)
        elif not self._started_agents and not self._stopping:
            self._check_recovery_cancels()  # adopted at recovery: on_recovery decides before the agents start
        elif order.is_active and order.status != "submitting" and order.id not in self._cancel_sent:
            # A stopped/failed agent (or the engine stopping) keeps nothing working: an order that was
            # still SUBMITTING when cancel_all ran is cancelled as soon as it can be.
            if not self._stopping or self.config.engine.cancel_on_stop:
                self._cancel_sent.add(order.id)
                self._cancel_everything_of(st.agent_id, order.id)

    def _on_trade(self, t: Any) -> None:
        agent = self._by_id.get(t.agent)
        if agent is None:
            return
        trade = Trade.from_update(t)
        st = agent._state
        self._apply_view(agent, trade.symbol, t.position)
        if st.running and not self._stopping:
            self._call(agent, agent.on_trade, trade)

    def _on_notice(self, n: Any) -> None:
        event = SessionEvent(_NOTICE_NAMES.get(int(n.kind), str(n.kind)), n.code, n.message, n.ns)
        self._log_notice(event)
        api, _, what = event.kind.partition("_")
        reach = self._reach.get(api)
        if reach is not None and what == "connected":
            reach.connected()
        elif reach is not None and what == "disconnected":
            reach.disconnected(event.code)
        if event.kind == "trader_ready":
            self._roll_risk_day()
        if (event.kind == "trader_ready" and not self._started_agents and not self._stopping
                and self._recovery_cancel_deadline is None):
            self._begin_start()
        for agent in self._agents:
            if not agent._state.running or self._stopping:
                continue
            if event.kind in ("trader_disconnected", "md_disconnected"):
                self._call(agent, agent.on_disconnect, event)
            self._call(agent, agent.on_session, event)
        if self._rt.trader_state == "stopped" and self._rt.fatal_reason:
            reason = f"session stopped: {self._rt.fatal_reason}"
            self._add_error(reason)
            self.stop(reason)

    def _log_notice(self, event: SessionEvent) -> None:
        """Log a session notice; an identical repeat only at its 2nd, 4th, 8th ... occurrence, with the count.

        An API's repeats are counted afresh once it is ready again (their total logged then), so a later
        outage is logged from its first event.
        """
        level = logging.WARNING if event.kind in ("warning", "ring_overflow") else logging.INFO
        if event.kind in ("auth_failed", "login_locked", "login_failed"):
            level = logging.ERROR
        api, _, what = event.kind.partition("_")
        if what == "ready":
            self._log_unlogged_repeats(lambda key: key[0].startswith(f"{api}_"))
        count = self._notice_repeats.occurred((event.kind, event.code, event.message))
        if count is None:
            return
        log.log(level, "session %s%s%s%s", event.kind, f" [{event.code}]" if event.code else "",
                f": {event.message}" if event.message else "", RepeatCounter.so_far(count))

    def _log_unlogged_repeats(self, which: Callable[[tuple[str, int, str]], bool]) -> None:
        for (kind, code, message), total in self._notice_repeats.forget(which):
            log.info("session %s%s%s (%d times in all)", kind, f" [{code}]" if code else "",
                     f": {message}" if message else "", total)

    def _not_ready_errors(self, prefix: str) -> list[str]:
        """Why trading is not ready: the session states, then each front never reached (attempts, reason)."""
        elapsed = time.monotonic() - self._t0
        lines = [f"{prefix} (trader {self._rt.trader_state}, md {self._rt.md_state})"]
        lines += [text for reach in self._reach.values() if (text := reach.never_reached(elapsed))]
        return lines

    def _report_never_ready(self) -> None:
        """At stop: when trading never became ready (and no error says why yet), the report says why."""
        if self._started_agents or self._not_ready_reported or self._rt.fatal_reason:
            return
        self._not_ready_reported = True
        elapsed = time.monotonic() - self._t0
        for line in self._not_ready_errors(f"trading never became ready in {elapsed:.0f} s"):
            self._add_error(line)

    def _on_timer(self, fired: Any) -> None:
        if fired.agent == self._house:
            self._housekeeping()
            return
        agent = self._by_id.get(fired.agent)
        if agent is not None and agent._state.running and not self._stopping:
            self._call(agent, agent.on_timer, fired.now_ns)

    def update_params(self, agent_name: str, **updates: Any) -> dict[str, Any]:
        """Hot-update an agent's params from any thread (a control channel, a REPL).

        Validated now (ParamError here, in the caller's thread); applied on the engine thread at the next
        housekeeping tick (≤ engine.housekeeping_ms), where the agent's on_params runs. Returns the full
        parameter set that will apply.
        """
        agent = next((a for a in self._agents if a.name == agent_name), None)
        if agent is None:
            raise KeyError(f"no agent named {agent_name!r}")
        candidate = agent.validate_params(updates)
        self._param_updates.put((agent, dict(updates)))
        return candidate

    def _apply_param_updates(self) -> None:
        if not self._started_agents:
            return  # kept until on_start ran, so on_params always sees a started agent
        while not self._param_updates.empty():
            agent, updates = self._param_updates.get_nowait()
            try:
                changed = agent._set_params(updates)
            except ParamError as e:  # another update made it invalid meanwhile: refuse, keep running
                log.warning("agent %s: parameter update refused: %s", agent.name, e)
                continue
            log.info("agent %s: params updated %s", agent.name, changed)
            for key, value in (changed or {}).items():
                text = f"{key}={json.dumps(value, default=str)}"
                self._rt.journal_param_change(agent._state.agent_id, text)
            if changed and agent._state.running:
                self._call(agent, agent.on_params, changed)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        self._apply_param_updates()
        while not self._controls.empty():
            self._controls.get_nowait()()
        self._check_recovery_cancels(now)
        if self._deadline is not None and now >= self._deadline:
            self.stop(f"duration reached ({self._deadline - self._t0:g} s)")
        if not self._started_agents and not self._not_ready_reported \
                and now - self._t0 > self.config.engine.login_timeout:
            self._not_ready_reported = True
            lines = self._not_ready_errors(f"trading not ready after {self.config.engine.login_timeout:g} s")
            for line in lines:
                self._add_error(line)
            self.stop(lines[0])
        interval = self.config.engine.progress_interval
        if interval > 0 and now >= self._next_progress:
            self._next_progress = now + interval
            print(self.progress_line(), file=self.out, flush=True)

    def progress_line(self) -> str:
        """One status line: elapsed, session states, ticks, orders, fills, rejects, agents running."""
        running = sum(1 for a in self._agents if a._state.running)
        books = [self._rt.agent_ledger(a._state.agent_id) for a in self._agents]
        orders, fills = sum(b.orders for b in books), sum(b.fills for b in books)
        return (
            f"[{time.monotonic() - self._t0:6.1f}s] trader {self._rt.trader_state:<8}"
            f" md {self._rt.md_state:<8}"
            f" ticks {self._ticks:>7}  orders {orders:>5}  fills {fills:>5}"
            f"  rejects {sum(sum(b.refusals) for b in books):>4}  agents {running}/{len(books)} running"
        )

    # ---- agent life cycle ------------------------------------------------------------------------------
    def _begin_start(self) -> None:
        """Trading is ready: finish recovery (journal, daily risk counts, adopted orders), start agents."""
        self._restore_from_journal()
        self._seed_risk_from_journal()
        self._risk.end_recovery()  # the counter's history is counted: from here on only what is sent counts
        self._recover_orders()
        if self._recovery_cancel_deadline is None:
            self._start_agents()

    def _check_recovery_cancels(self, now: float | None = None) -> None:
        """Start the agents once the orders on_recovery = "cancel" cancelled are final (or too late)."""
        deadline = self._recovery_cancel_deadline
        if deadline is None or self._started_agents or self._stopping:
            return
        left = self._working_count()
        if left and (now if now is not None else time.monotonic()) < deadline:
            return
        if left:
            text = (f"recovery: {left} adopted orders still working after "
                    f"{self.config.engine.stop_timeout:g} s of cancelling; agents start anyway")
            self._add_error(text)
            log.error("%s", text)
        self._recovery_cancel_deadline = None
        self._start_agents()

    def _start_agents(self) -> None:
        self._started_agents = True
        if self.config.engine.cpu is not None:  # every session thread exists now (md/trader, front, journal)
            os.sched_setaffinity(0, {self.config.engine.cpu})
        unknown = self._unlisted_symbols()
        if unknown:  # a configuration error: no agent starts on a half-subscribed set
            reason = "; ".join(f"agent {name}: symbol {symbol!r} is not listed by the counter"
                               for name, symbol in unknown)
            log.error("%s; no agent started", reason)
            self._add_error(reason)
            self.stop(reason)
            return
        log.info("trading ready: starting %d agents", len(self._agents))
        ids = {a.name: a._state.agent_id for a in self._agents}
        for symbol, name in self._owners.items():  # instruments are known now
            try:
                self._rt.set_owner(self._instrument_index(symbol), ids[name])
            except OrderRejected as e:
                self._errors.append(f"monopoly of {name} on {symbol}: {e}")
        for agent in self._agents:
            agent._state.running = True
            self._tick_handlers.clear()
            try:
                for symbol in self._symbols.get(agent.name, []):
                    self._subscribe(agent, symbol)
                agent.on_start()
            except Exception:
                self._fail(agent, "on_start")

    def _unlisted_symbols(self) -> list[tuple[str, str]]:
        """(agent, symbol) of every subscription symbol the counter's instrument list does not hold."""
        return [(agent.name, symbol) for agent in self._agents for symbol in self._symbols.get(agent.name, [])
                if not isinstance(symbol, str) or self._rt.instrument_index(symbol) is None]

    def _call(self, agent: Agent, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            self._fail(agent, getattr(fn, "__name__", "callback"))

    def _fail(self, agent: Agent, where: str) -> None:
        exc_type, exc, _ = sys.exc_info()
        st = agent._state
        st.traceback = traceback.format_exc()
        st.failed = f"{exc_type.__name__ if exc_type else 'Error'} in {where}: {exc}"
        log.error("agent %s failed in %s; it is stopped, the others continue\n%s",
                  agent.name, where, st.traceback)
        self._rt.journal_agent_stopped(st.agent_id, st.failed)
        self._deactivate(agent)

    def _stop_agent(self, agent: Agent, reason: str) -> None:
        if not agent._state.running:
            return
        log.info("agent %s stopped: %s", agent.name, reason)
        self._rt.journal_agent_stopped(agent._state.agent_id, reason)
        self._call(agent, agent.on_stop)
        agent._state.failed = agent._state.failed or f"stopped: {reason}"
        self._deactivate(agent)

    def _deactivate(self, agent: Agent) -> None:
        st = agent._state
        st.running = False
        self._tick_handlers.clear()
        if self._rt is not None:  # working orders (when the session is up) and conditional orders
            self._cancel_everything_of(st.agent_id)

    # ---- actions (called by Agent) ---------------------------------------------------------------------
    def _instrument_index(self, symbol: str) -> int:
        if not isinstance(symbol, str):
            raise _symbol_type_error(symbol)
        idx = self._index.get(symbol)
        if idx is None:
            idx = self._rt.instrument_index(symbol) if self._rt is not None else None
            if idx is None:
                raise OrderRejected("UNKNOWN_INSTRUMENT", f"{symbol} is not listed by the counter")
            self._index[symbol] = idx
        return idx

    def instrument(self, symbol: str) -> dict[str, Any]:
        """Return static facts of an instrument (exchange, price_tick, volume_multiple, volume limits)."""
        info = self._instr.get(symbol)
        if info is None:
            d = self._rt.instrument(self._instrument_index(symbol))
            keys = ("symbol", "exchange", "price_tick", "volume_multiple", "max_limit_order_volume",
                    "min_limit_order_volume")
            info = {k: d[k] for k in keys}
            self._instr[symbol] = info
        return info

    def _live_check(self, agent: Agent) -> None:
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        if not agent._state.running:
            why = agent._state.failed or "not started"
            raise OrderRejected("AGENT_STOPPED", f"agent {agent.name} is stopped ({why})")

    def _apply_view(self, agent: Agent, symbol: str, v: Any) -> None:
        """Show the agent the C++ ledger's position (published with the update just delivered)."""
        self._position(agent, symbol)._show(v)
        agent._state.account = AgentAccount.from_view(v)

    def _insert(self, agent: Agent, symbol: str, direction: str, offset: str, price: float, volume: int,
                kind: str) -> int:
        """agent.buy/sell/short/cover: the order hot path (few Python steps before ReqOrderInsert)."""
        st = agent._state
        rt = self._rt
        if rt is None or not st.running:
            self._live_check(agent)
        kind_code = _KIND_CODE.get(kind)
        if kind_code is None:
            raise ValueError(f"kind {kind!r} must be one of {', '.join(KINDS)}")
        if _is_bool(volume) or _is_bool(price):
            raise _bool_argument_error(price, volume)
        try:
            idx = self._index.get(symbol)
        except TypeError:  # unhashable: a list, a dict
            raise _symbol_type_error(symbol) from None
        if idx is None:
            idx = self._order_instrument_index(st, symbol)
        px = price if kind_code != _MARKET_CODE else 0.0
        offset_code = _OFFSET_CODE.get(offset)
        if offset_code is None:
            return self._place(agent, symbol, direction, offset, px, price, volume, kind, idx)
        try:
            r = rt.insert_order(st.agent_id, idx, _DIRECTION_CODE[direction], offset_code, px, volume,
                                kind_code)
        except TypeError:
            raise _argument_types_error(price, volume) from None
        if r.__class__ is int:
            st.live[r] = Order(r, symbol, direction, offset, kind, float(price), volume, 0, "submitting",
                               "NONE", "", 0, 0, 0, 0)
            return r  # type: ignore[no-any-return]
        raise OrderRejected(REJECT_CODES.get(int(r.code), str(r.code)), r.reason, r.order)

    def _order_instrument_index(self, st: Any, symbol: str) -> int:
        """Return the dense index of `symbol` for an order; an unknown one is counted and raised."""
        try:
            return self._instrument_index(symbol)
        except OrderRejected:  # refused here before reaching the engine: counted like the engine's refusals
            self._rt.count_refusal(st.agent_id, _core.RejectCode.UNKNOWN_INSTRUMENT)
            raise

    def _place(self, agent: Agent, symbol: str, direction: str, offset: str, px: float, price: float,
               volume: int, kind: str, idx: int) -> int:
        """Offsets resolved in C++ from the agent's own holdings (and split): the close path of sell/cover."""
        mode = _MODES.get(offset)
        if mode is None:
            raise ValueError(f"offset {offset!r} must be one of {', '.join([*_MODES, *_OFFSET])}")
        st = agent._state
        try:
            r = self._rt.place(st.agent_id, idx, _DIRECTION[direction], px, volume, KINDS[kind], mode)
        except TypeError:
            raise _argument_types_error(price, volume) from None
        ids = list(r.orders)
        for oid in ids:
            o = self._rt.order(oid)
            leg_offset = OFFSETS[int(o.offset)] if o is not None else "close"
            leg_volume = o.volume if o is not None else volume
            st.live[oid] = Order(oid, symbol, direction, leg_offset, kind, float(price), leg_volume, 0,
                                 "submitting", "NONE", "", 0, 0, 0, 0)
        if ids and r.ok:
            return ids[0]
        failed = self._rt.order(ids[-1]) if ids else None
        code = REJECT_CODES.get(int(r.code), str(r.code))
        raise OrderRejected(code, r.reason, ids[0] if ids else (failed.id if failed else 0))

    def _mode(self, offset: str) -> Any:
        if offset == "open":
            return _core.OffsetMode.OPEN_ONLY
        mode = _MODES.get(offset)
        if mode is None:
            raise ValueError(f"offset {offset!r} must be 'open' or one of {', '.join(_MODES)}")
        return mode

    @staticmethod
    def _raise_refused(r: Any) -> None:
        raise OrderRejected(REJECT_CODES.get(int(r.code), str(r.code)), r.reason)

    def _conditional(self, agent: Agent, kind: str, symbol: str, side: str, volume: int, *,
                     trigger: float = 0.0, limit: float = 0.0, trail: float = 0.0, ticks: bool = False,
                     display: int = 0,
                     offset: str = "auto", source: str = "last") -> int:
        self._live_check(agent)
        if side not in _DIRECTION:
            raise ValueError(f"side {side!r} must be 'buy' or 'sell'")
        if source not in _SOURCES:
            raise ValueError(f"source {source!r} must be one of {', '.join(_SOURCES)}")
        mode = self._mode(offset)
        idx = self._instrument_index(symbol)
        if _is_bool(volume):
            raise _bool_argument_error(limit, volume)
        if ticks:
            trail = float(trail) * float(self.instrument(symbol)["price_tick"])
        r = self._rt.add_conditional(agent._state.agent_id, idx, _COND_KINDS[kind], _DIRECTION[side], mode,
                                     volume, float(trigger), float(limit), float(trail), _SOURCES[source],
                                     int(display))
        if not r.ok:
            self._raise_refused(r)
        return int(r.id)

    def _oco(self, agent: Agent, first: int, second: int) -> int:
        self._live_check(agent)
        r = self._rt.link_oco(agent._state.agent_id, first, second)
        if not r.ok:
            self._raise_refused(r)
        return int(r.id)

    def _bracket(self, agent: Agent, symbol: str, side: str, volume: int, entry: float, take_profit: float,
                 stop_loss: float) -> int:
        self._live_check(agent)
        if side not in _DIRECTION:
            raise ValueError(f"side {side!r} must be 'buy' or 'sell'")
        idx = self._instrument_index(symbol)
        if _is_bool(volume):
            raise _bool_argument_error(entry, volume)
        r = self._rt.add_bracket(agent._state.agent_id, idx, _DIRECTION[side], volume, float(entry),
                                 float(take_profit), float(stop_loss))
        if not r.ok:
            self._raise_refused(r)
        return int(r.id)

    def _cancel_conditional(self, agent: Agent, conditional_id: int) -> bool:
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        r = self._rt.cancel_conditional(agent._state.agent_id, conditional_id)
        if r.ok:
            return True
        code = REJECT_CODES.get(int(r.code), str(r.code))
        if code in BENIGN_CANCEL_CODES:
            return False
        raise OrderRejected(code, r.reason, conditional_id)

    def _conditional_state(self, conditional_id: int) -> dict[str, Any] | None:
        if self._rt is None:
            return None
        state = self._rt.conditional(conditional_id)
        return dict(state) if state is not None else None

    def _cancel(self, agent: Agent, order_id: int) -> bool:
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        r = self._rt.cancel(agent._state.agent_id, order_id)
        if r.ok:
            return True
        code = REJECT_CODES.get(int(r.code), str(r.code))
        if code in BENIGN_CANCEL_CODES:
            return False
        raise OrderRejected(code, r.reason, order_id)

    def _cancel_all(self, agent: Agent, symbol: str | None) -> int:
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        idx = None if symbol is None else self._instrument_index(symbol)
        return int(self._rt.cancel_all(agent._state.agent_id, idx))

    def _subscribe(self, agent: Agent, symbol: str) -> None:
        if not isinstance(symbol, str):
            raise _symbol_type_error(symbol)
        code = self._rt.subscribe(agent._state.agent_id, symbol)
        name = REJECT_CODES.get(int(code), str(code))
        if name != "NONE":
            raise OrderRejected(name, f"cannot subscribe {symbol}")
        self._tick_handlers.clear()

    def _add_timer(self, agent: Agent, interval_s: float) -> int:
        if not interval_s > 0:
            raise ValueError(f"timer interval {interval_s!r} must be > 0 seconds")
        tid = self._rt.add_timer(agent._state.agent_id, int(interval_s * 1e9))
        if tid is None:
            raise RuntimeError("the engine's timer table is full")
        return int(tid)

    def _position(self, agent: Agent, symbol: str) -> Position:
        pos = agent._state.positions.get(symbol)
        if pos is None:
            aid = agent._state.agent_id
            pos = Position(symbol, marks=lambda: self._marks(aid, symbol))
            agent._state.positions[symbol] = pos
        return pos

    def _marks(self, agent_id: int, symbol: str) -> tuple[float, float]:
        """Return the ledger's mark price of `symbol` and the agent's unrealized PnL there (0s: unknown)."""
        idx = self._index.get(symbol)
        if idx is None or self._rt is None:
            return 0.0, 0.0
        return self._rt.mark_price(idx), self._rt.unrealized_pnl(agent_id, idx)

    @property
    def account(self) -> Account:
        """The account's funds, tracked live by the C++ ledger and reconciled on each counter query."""
        if self._rt is None:
            return Account()
        return Account(**self._account_figures())

    def query_account(self) -> bool:
        """Ask the counter for positions and funds now (from an agent callback or timer).

        The answers reconcile the ledgers (positions) and the live account (`account.reconciled_at`,
        `account.difference`); False when the trader session is not ready.
        """
        if self._rt is None:
            return False
        return bool(self._rt.query_account())

    def _account_figures(self) -> dict[str, Any]:
        """Live account figures, the last answer's PnL fields, and the last reconciliation (wall clock)."""
        queried = self._rt.account
        track = self._rt.account_live
        ns = int(track["reconciled_ns"])
        return {
            **track["live"],
            "commission": queried["commission"],
            "close_profit": queried["close_profit"],
            "position_profit": queried["position_profit"],
            "reconciled_at": time.time() - (time.monotonic_ns() - ns) / 1e9 if ns else None,
            "reconciles": int(track["reconciles"]),
            "differing": int(track["differing"]),
            "difference": dict(track["difference"]),
        }

    # ---- report ----------------------------------------------------------------------------------------
    def _front_text(self) -> str:
        a = self.config.account
        front = a.trader_fronts[0] if a.trader_fronts else "-"
        return f"{front} (library {a.library}, broker {a.broker_id}, user {a.user_id})"

    def _build_report(self) -> RunReport:
        self._flush_latency()
        rows = []
        for agent in self._agents:
            st = agent._state
            books = self._rt.agent_ledger(st.agent_id)
            positions = []
            for symbol, pos in sorted(st.positions.items()):
                if not pos.fills:
                    continue
                last = pos.last_price
                positions.append(PositionRow(
                    symbol, pos.long, pos.short, pos.long_avg, pos.short_avg,
                    None if math.isnan(last) else last, pos.realized_pnl, pos.unrealized_pnl,
                ))
            if st.failed:
                status = st.failed if st.failed.startswith("stopped") else f"failed: {st.failed}"
            elif self._started_agents:
                status = "ok"
            else:
                status = "not started"
            rows.append(AgentReport(
                name=agent.name, cls=f"{type(agent).__module__}.{type(agent).__qualname__}", status=status,
                orders=books.orders, fills=books.fills, filled_lots=books.filled_lots, cancels=books.cancels,
                rejects={REJECT_CODES.get(code, str(code)): n for code, n in enumerate(books.refusals) if n},
                positions=positions,
                traceback=st.traceback,
            ))
        stats = self._rt.stats()
        try:
            versions = tuple(self._rt.library_versions)
        except Exception:  # pragma: no cover - informational only
            versions = ("", "")
        return RunReport(
            config=self.config_name,
            front=self._front_text(),
            elapsed_s=time.monotonic() - self._t0,
            stop_reason=self._stop_reason,
            agents=rows,
            latency=Histogram.from_dict(self._hist.to_dict()),
            ticks=int(stats.get("ticks", self._ticks)),
            batches=int(stats.get("batches", self._batches)),
            session=dict(self._rt.session_stats()),
            account=self._account_figures(),
            library_versions=(str(versions[0]), str(versions[1])),
            errors=list(self._errors),
        )
