"""The run loop: set-up, build, run, orderly stop and the agents' life cycle (see the package docstring)."""

from __future__ import annotations

import math
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from shandian import _core
from shandian.agent import (
    Agent,
    AgentAccount,
    Order,
    OrderRejected,
    ParamError,
    _AgentState,
)
from shandian.bars import bar_interval
from shandian.config import AgentSpec, Config, ConfigError, load_config
from shandian.engine.actions import OrderActions
from shandian.engine.aio import AsyncAgents
from shandian.engine.codes import (
    _RESUME,
    _STOP_SIGNALS,
    NO_AGENT,
    log,
)
from shandian.engine.control import Control
from shandian.engine.dispatch import Dispatch
from shandian.engine.loading import load_agent_class
from shandian.engine.persist import StateJournal
from shandian.engine.recovery import Recovery
from shandian.engine.reporting import Reporting
from shandian.instrument import Instrument
from shandian.paths import library_dir
from shandian.report import RunReport
from shandian.risk import parse_risk
from shandian.session_events import FrontReach, RepeatCounter


class Engine(OrderActions, Dispatch, Control, Recovery, Reporting):
    """One account and its agents. Build from a `Config` (or `Engine.from_toml(path)`), add agents, `run()`.

    Not thread-safe except `stop()`: everything runs on the thread that calls `run()`.
    """

    def __init__(self, config: Config, *, out: TextIO | None = None, config_name: str = "<code>") -> None:
        self.config = config
        self.out = out if out is not None else sys.stderr
        self.config_name = config_name
        self._agents: list[Agent] = []
        self._states: dict[Agent, _AgentState] = {}  # handed to each agent by Agent._attach
        self._symbols: dict[str, list[str]] = {}
        self._bars: dict[str, dict[str, list[str]]] = {}
        self._rt: Any = None
        self._flow_tmp: str | None = None
        self._index: dict[str, int] = {}
        self._instr: dict[str, Instrument] = {}
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
        self._aio: AsyncAgents | None = None  # built only when an agent has an async callback
        self._persist = StateJournal(self._journal_state)  # tracks agents' `state` when the journal is on
        self._saved_states: Any = None  # journal.AgentStates read at recovery
        self._snapshot_path: str | None = None  # publish_state(): the C++ state snapshot for a monitor
        self._snapshot_interval_ms = 100.0
        for spec in config.agents:
            self.add_agent_spec(spec)

    @classmethod
    def from_toml(cls, path: str | Path, *, out: TextIO | None = None) -> Engine:
        """Load and validate a TOML config (agents included)."""
        return cls(load_config(path), out=out, config_name=str(path))

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
        return self.add_agent(agent, spec.symbols, bars=spec.bars)

    def add_agent(self, agent: Agent, symbols: Iterable[str] = (), *, capital: float | None = None,
                  monopoly: Iterable[str] = (), bars: Mapping[str, Iterable[str]] | None = None) -> Agent:
        """Add an agent; `symbols` are subscribed when trading is ready, before its on_start.

        `bars`: symbol -> intervals of bars built in C++ for its on_bar, subscribed with the symbols.

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
        state = _AgentState()
        agent._attach(self, state)  # the engine's record of the agent: the agent reads it, the engine writes
        self._states[agent] = state
        self._agents.append(agent)
        self._symbols[agent.name] = list(symbols)
        self._bars[agent.name] = {symbol: [bar_interval(i) for i in intervals]
                                  for symbol, intervals in (bars or {}).items()}
        return agent

    def publish_state(self, path: str | Path, interval_ms: float = 100.0) -> None:
        """Publish the state snapshot (runtime/snapshot.hpp) into `path` while running.

        At most every `interval_ms`, written by the engine loop in C++, read by a monitor (the dashboard).
        """
        if self._rt is not None:
            raise RuntimeError("publish_state must be called before run()")
        if not interval_ms > 0:
            raise ValueError(f"interval_ms {interval_ms!r} must be > 0")
        self._snapshot_path = str(path)
        self._snapshot_interval_ms = float(interval_ms)

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

    def _make_core(self) -> Any:
        """Build the C++ engine and its gateway: the CTP session (a backtest builds another gateway)."""
        settings = self.config.engine
        return _core.Engine(
            library_dir(self.config.account.library),
            self._session_config(),
            wait=settings.wait,
            max_events_per_batch=settings.max_events_per_batch,
            max_wait_ms=min(50.0, settings.housekeeping_ms),
            bar_history=settings.bar_history,
        )

    def _build(self) -> None:
        settings = self.config.engine
        self._rt = self._make_core()
        for agent in self._agents:
            self._states[agent].agent_id = self._rt.add_agent(agent.name)
            self._by_id[self._states[agent].agent_id] = agent
            capital = self._capital.get(agent.name)
            if capital is not None:
                self._rt.set_allocation(self._states[agent].agent_id, capital)
                self._states[agent].account = AgentAccount(available=capital)
        self._house = self._rt.add_agent("__shandian__")
        self._rt.add_timer(self._house, int(settings.housekeeping_ms * 1e6))
        risk = self.config.risk if self.config.risk is not None else parse_risk(None)
        self._install_risk(risk.on_clock(self._clock_speed()))
        if self._snapshot_path is not None:
            self._rt.open_snapshot(self._snapshot_path, self._snapshot_interval_ms, self._hist)
        # Recovery: the counter's working orders of an earlier process become pooled orders again, and its
        # order history of the day counts against the daily limits (both until the agents start).
        self._rt.set_adopt_working_orders(True)
        self._risk.begin_recovery()
        if self.config.journal.enabled:
            self._open_journal()
            self._persist.track(self._agents)
        else:
            for agent in self._agents:
                if type(agent).state:
                    log.warning("agent %s declares state %s but the journal is off: it will not survive a "
                                "restart", agent.name, ", ".join(type(agent).state))
        async_agents = [a for a in self._agents if type(a).async_callbacks()]
        if async_agents:
            self._aio = AsyncAgents(
                async_agents, running=lambda a: self._states[a].running and not self._stopping,
                fail=self._fail, finished=self._after_callback,
                arm=lambda ms: int(self._rt.add_timer(self._house, int(ms * 1e6))),
                disarm=self._rt.cancel_timer)
            self._rt.set_dispatcher(_BatchThenStep(self, self._aio))
        else:
            self._rt.set_dispatcher(self)

    def _working_count(self) -> int:
        """Working orders of every agent plus the adopted ones no agent owns (what a stop must cancel)."""
        return sum(len(self._states[a].live) for a in self._agents) + len(self._unattributed_live)

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
        ran = self._rt is not None  # a flag: a narrowed self._rt would read as None for the rest of run()
        if ran:
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
            self._rt.publish_snapshot()  # the final state for a monitor (no-op without one)
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
        if self._aio is not None:  # suspended coroutines are cancelled first: on_stop is the last callback
            self._aio.close()
        for agent in self._agents:
            st = self._states[agent]
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
                self._rt.cancel_all(self._states[agent].agent_id)
            left = self._working_count()
            if left:
                self._add_error(f"{left} orders may still be working: the trader session was not ready "
                                "at stop, so they could not be cancelled")
            return
        sent = 0
        for agent in self._agents:  # also cancels its conditional orders (they would release children)
            sent += self._cancel_everything_of(self._states[agent].agent_id)
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
        ids = {a.name: self._states[a].agent_id for a in self._agents}
        for symbol, name in self._owners.items():  # instruments are known now
            try:
                self._rt.set_owner(self._instrument_index(symbol), ids[name])
            except OrderRejected as e:
                self._errors.append(f"monopoly of {name} on {symbol}: {e}")
        for agent in self._agents:
            self._states[agent].running = True
            self._tick_handlers.clear()
            try:
                for symbol in self._symbols.get(agent.name, []):
                    self.subscribe(agent, symbol)
                for symbol, intervals in self._bars.get(agent.name, {}).items():
                    for interval in intervals:
                        self.subscribe_bars(agent, symbol, interval)
                self._restore_state(agent)
                agent.on_start()
                self._after_callback(agent)
            except Exception:
                self._fail(agent, "on_start")

    def _unlisted_symbols(self) -> list[tuple[str, str]]:
        """(agent, symbol) of every subscription symbol the counter's instrument list does not hold."""
        return [(agent.name, symbol) for agent in self._agents
                for symbol in [*self._symbols.get(agent.name, []), *self._bars.get(agent.name, {})]
                if not isinstance(symbol, str) or self._rt.instrument_index(symbol) is None]

    def _after_callback(self, agent: Agent) -> None:
        """Journal the agent's changed `state` fields (StateError when one is not JSON)."""
        if agent in self._persist.fields:
            self._persist.sync(agent)

    def _journal_state(self, agent: Agent, payload: str) -> None:
        self._rt.journal_agent_state(self._states[agent].agent_id, payload)

    def _deactivate(self, agent: Agent) -> None:
        st = self._states[agent]
        st.running = False
        if self._aio is not None:
            self._aio.forget(agent)
        self._tick_handlers.clear()
        if self._rt is not None:  # working orders (when the session is up) and conditional orders
            self._cancel_everything_of(st.agent_id)


class _BatchThenStep:
    """The dispatcher when async agents exist: each batch, then one pump of their loop (engine thread)."""

    def __init__(self, engine: Engine, aio: AsyncAgents) -> None:
        self._on_batch = engine.on_batch
        self._pump = aio.pump

    def on_batch(self, batch: Any) -> None:
        """Dispatch the batch, then let coroutines whose I/O is ready run."""
        self._on_batch(batch)
        self._pump()
