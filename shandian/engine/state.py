"""`EngineState`: what the engine's job modules share, declared once so each module type-checks alone.

The attributes are set by `Engine.__init__` (core.py); the methods listed under TYPE_CHECKING are defined
in the job module named beside each and called across modules. Nothing here runs: it is the contract the
mixins of `Engine` (actions, dispatch, control, recovery, reporting) hold one another to.
"""

from __future__ import annotations

import queue
from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from shandian import _core
from shandian.agent import Agent, Order, Position, _AgentState
from shandian.config import Config
from shandian.engine.aio import AsyncAgents
from shandian.engine.persist import StateJournal
from shandian.instrument import Instrument
from shandian.session_events import FrontReach, RepeatCounter


class EngineState:
    """Shared state of one `Engine` (see core.py's `__init__` for what each holds)."""

    config: Config
    out: TextIO
    config_name: str
    journal_discrepancies: list[str]
    _agents: list[Agent]
    _states: dict[Agent, _AgentState]
    _symbols: dict[str, list[str]]
    _bars: dict[str, dict[str, list[str]]]
    _rt: Any  # _core.Engine while running
    _flow_tmp: str | None
    _index: dict[str, int]
    _instr: dict[str, Instrument]
    _by_id: dict[int, Agent]
    _tick_handlers: dict[int, tuple[tuple[Agent, Callable[[Any], None]], ...]]
    _lat: array[int]
    _hist: _core.LatencyHistogram
    _ticks: int
    _batches: int
    _started_agents: bool
    _stopping: bool
    _stop_reason: str
    _stop_signal: str
    _forced: str
    _interruptible: bool
    _errors: list[str]
    _deadline: float | None
    _next_progress: float
    _t0: float
    _cancel_sent: set[int]
    _param_updates: queue.SimpleQueue[tuple[Agent, dict[str, Any]]]
    _house: int
    _risk: Any  # _core.RiskEngine once installed
    _controls: queue.SimpleQueue[Callable[[], None]]
    _engine_thread: int | None
    _risk_day: str
    _risk_overridden: set[str]
    _owners: dict[str, str]
    _capital: dict[str, float]
    _journal: Any  # shandian.journal.Recovery when the journal is on
    _journal_run: int
    _notice_repeats: RepeatCounter[tuple[str, int, str]]
    _reach: dict[str, FrontReach]
    _not_ready_reported: bool
    _unattributed_live: dict[int, Order]
    _recovery_cancel_deadline: float | None
    _aio: AsyncAgents | None  # None unless an agent has an async callback: sync agents never touch asyncio
    _persist: StateJournal
    _saved_states: Any  # shandian.journal.AgentStates read at recovery (None without a journal)

    if TYPE_CHECKING:
        # core.py
        def stop(self, reason: str = "stop() called") -> None:
            """Request an orderly stop (core.py)."""
            raise NotImplementedError
        def _add_error(self, text: str) -> None: raise NotImplementedError
        def _cancel_everything_of(self, agent_id: int, order_id: int | None = None) -> int:
            raise NotImplementedError
        def _deactivate(self, agent: Agent) -> None: raise NotImplementedError
        def _housekeeping(self) -> None: raise NotImplementedError
        def _start_agents(self) -> None: raise NotImplementedError
        def _working_count(self) -> int: raise NotImplementedError
        # actions.py
        def position(self, agent: Agent, symbol: str) -> Position:
            """Return the agent's position view (actions.py)."""
            raise NotImplementedError
        # dispatch.py
        def _apply_view(self, agent: Agent, symbol: str, v: Any) -> None: raise NotImplementedError
        def _call(self, agent: Agent, fn: Callable[..., Any], *args: Any) -> None: raise NotImplementedError
        def _fail(self, agent: Agent, where: str) -> None: raise NotImplementedError
        def _flush_latency(self) -> None: raise NotImplementedError
        # control.py
        def _roll_risk_day(self) -> None: raise NotImplementedError
        def trading_state(self, agent: str | None = None) -> str:
            """Return the risk trading state of the account or one agent (control.py)."""
            raise NotImplementedError
        @property
        def killed(self) -> bool:
            """Whether the kill switch fired (control.py)."""
            raise NotImplementedError
        # recovery.py
        def _begin_start(self) -> None: raise NotImplementedError
        def _restore_state(self, agent: Agent) -> None: raise NotImplementedError
        def _check_recovery_cancels(self, now: float | None = None) -> None: raise NotImplementedError
