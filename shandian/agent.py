"""`shandian.Agent`: the class strategies subclass, its value objects, and the typed order rejection.

Callbacks run on the engine thread, one agent at a time, in the engine's merged event order; an exception
raised by a callback stops *that* agent (traceback logged, entry in the report) and the others go on.

Actions raise, they never silently drop: `buy` / `sell` / `short` / `cover` return the order id when the
request was accepted for sending, and raise `OrderRejected(code, reason)` when the engine refused it
synchronously (validation, risk, session not ready, the agent's own position). Rejections that come back
later from CTP or the exchange arrive as `on_order(order)` with `order.status == "rejected"` and
`order.reject_code` / `order.reject_reason` set. `cancel` follows the same rule with one documented
exception: an order that is already final, unknown or being cancelled returns False (a fill racing a
cancel is normal, not an error). Programming errors (an unknown `kind` or `offset` string) raise
ValueError, not OrderRejected: they are bugs to fix, not market conditions to handle.

Ticks are the extension's own record type (`shandian._core.Tick`, a copy made in C++), so reading
`tick.last_price` is one C-level attribute access — no Python wrapper per tick.
"""

from __future__ import annotations

import inspect
import keyword
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from shandian.errors import OrderRejected, ParamError, StateError
from shandian.instrument import Instrument
from shandian.names import DIRECTIONS, KIND_NAMES, KINDS, OFFSETS, REJECT_CODES, STATUSES  # noqa: F401 (re-export)
from shandian.records import (  # noqa: F401 (re-exported: agents import them from here)
    BENIGN_CANCEL_CODES,
    FINAL_STATUSES,
    Account,
    AgentAccount,
    Bar,
    BarHistory,
    Order,
    Position,
    RiskView,
    SessionEvent,
    Tick,
    Trade,
)

if TYPE_CHECKING:
    from pathlib import Path

    from shandian.port import AgentPort

__all__ = [
    "Account",
    "Agent",
    "AgentAccount",
    "Bar",
    "BarHistory",
    "Order",
    "OrderRejected",
    "ParamError",
    "Position",
    "RiskView",
    "SessionEvent",
    "StateError",
    "Tick",
    "Trade",
]

@dataclass
class _AgentState:
    """What the engine facade keeps per agent: its id, life cycle, orders and views of its ledger.

    Counters, positions and PnL are the C++ ledger's (`Engine` reads them for the report); `positions`
    and `account` show the ledger as of the last update delivered to the agent.
    """

    agent_id: int = -1
    running: bool = False
    failed: str = ""  # "ExcType: message" when a callback raised
    traceback: str = ""
    live: dict[int, Order] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    all_orders: dict[int, Order] = field(default_factory=dict)  # latest delivered state of every order
    account: AgentAccount = field(default_factory=AgentAccount)


def _check_param(name: str, default: Any, value: Any) -> Any:
    """`value` if it has the declared parameter's type (ints are accepted for floats), else ParamError."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    elif default is None:
        ok = True
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ParamError(f"param {name}: {value!r} must be of type {type(default).__name__} like its default")
    return value


# Event callbacks that may be `async def`: the engine runs them on its asyncio loop, one at a time per agent.
ASYNC_CALLBACKS = ("on_tick", "on_bar", "on_order", "on_trade", "on_timer", "on_session", "on_disconnect")
# Called by the engine expecting them finished when they return: a coroutine here is a bug.
_SYNC_ONLY = ("on_start", "on_stop", "on_params", "check_params")


def _check_state_declaration(cls: type) -> None:
    """StateError unless `cls.state` is a tuple of distinct public identifiers that name no method."""
    declared = cls.__dict__.get("state")
    if declared is None:
        return
    where = f"class {cls.__qualname__}"
    if isinstance(declared, str) or not isinstance(declared, tuple | list):
        raise StateError(where, str(declared), f"`state` must be a tuple of field names, not "
                         f"{type(declared).__name__}")
    seen: set[str] = set()
    for name in declared:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise StateError(where, str(name), "a state field must be a str that is a Python identifier")
        if name.startswith("_"):
            raise StateError(where, name, "a state field must be public (no leading underscore)")
        if name in seen:
            raise StateError(where, name, "declared twice")
        if name in _RESERVED_NAMES or callable(getattr(cls, name, None)) or isinstance(
                getattr(cls, name, None), property):
            raise StateError(where, name, "the name is taken by the Agent API or a method of the class")
        seen.add(name)


class Agent:
    """Base class of strategies. Subclass it, declare `params`, override the callbacks you need.

    `params` (class attribute) maps each parameter to its default; a config's values are checked against
    the defaults' types, then `check_params(params)` (override it for ranges) runs. `update_params(**kw)`
    hot-updates them while running (same checks; `on_params(changed)` is called).

    `state` (class attribute) names the attributes that survive a restart (vn.py's `variables`): with the
    journal on, each is journaled whenever its JSON value changed after a callback and restored onto the
    agent before `on_start` (`restored_state` says which). Values must be JSON: None, bool, int, finite
    float, str, lists and str-keyed dicts of them (StateError names the agent, field and type otherwise).

    Event callbacks (`ASYNC_CALLBACKS`) may be `async def`: see agents/README.md "Async agents".
    """

    params: ClassVar[dict[str, Any]] = {}
    state: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Check the `state` declaration and that the engine's synchronous hooks are not coroutines."""
        super().__init_subclass__(**kwargs)
        _check_state_declaration(cls)
        for name in _SYNC_ONLY:
            if inspect.iscoroutinefunction(getattr(cls, name, None)):
                raise TypeError(f"{cls.__qualname__}.{name} must be a plain def: only "
                                f"{', '.join(ASYNC_CALLBACKS)} may be async")

    @classmethod
    def async_callbacks(cls) -> frozenset[str]:
        """Return the event callbacks this class defines with `async def`."""
        return frozenset(n for n in ASYNC_CALLBACKS if inspect.iscoroutinefunction(getattr(cls, n)))

    def __init__(self, name: str | None = None, params: Mapping[str, Any] | None = None) -> None:
        self.name = name or type(self).__name__
        defaults = type(self).params
        self.params: dict[str, Any] = dict(defaults)  # type: ignore[misc]  # instance copy shadows the class
        self._port: AgentPort[Agent] | None = None
        self._state = _AgentState()  # replaced by the engine's record of this agent when attached
        self.restored_state: dict[str, Any] = {}  # the `state` fields restored from the journal at start
        if params:
            self._set_params(params)
        else:
            self.check_params(self.params)

    # ---- parameters ------------------------------------------------------------------------------------
    def validate_params(self, updates: Mapping[str, Any]) -> dict[str, Any]:
        """Return the full parameter set `updates` would produce; ParamError if it does not fit."""
        defaults = type(self).params
        candidate = dict(self.params)
        for key, value in updates.items():
            if key not in defaults:
                raise ParamError(f"param {key}: unknown (declared: {', '.join(defaults) or 'none'})")
            candidate[key] = _check_param(key, defaults[key], value)
        self.check_params(candidate)
        return candidate

    def _set_params(self, updates: Mapping[str, Any]) -> dict[str, Any]:
        candidate = self.validate_params(updates)
        changed = {k: v for k, v in candidate.items() if self.params.get(k) != v}
        self.params = candidate  # type: ignore[misc]
        return changed

    def check_params(self, params: Mapping[str, Any]) -> None:
        """Override to validate ranges; raise ParamError naming the parameter, value and rule."""

    def update_params(self, **updates: Any) -> dict[str, Any]:
        """Hot-update parameters (validated as a whole, applied atomically); returns what changed.

        Engine thread only (from a callback); other threads use `Engine.update_params(name, ...)`.
        """
        changed = self._set_params(updates)
        if changed:
            self.on_params(changed)
        return changed

    # ---- callbacks (override) ----------------------------------------------------------------------------
    def on_start(self) -> None:
        """Trading is ready (logged in, reconciled): subscribe, set timers, place initial orders."""

    def on_tick(self, tick: Tick) -> None:
        """Handle a market-data snapshot of a subscribed instrument (`shandian.Tick`)."""

    def on_bar(self, bar: Bar) -> None:
        """Handle a finished bar of a subscribed (symbol, interval) (`shandian.Bar`, built in C++)."""

    def on_order(self, order: Order) -> None:
        """One of this agent's orders changed state."""

    def on_trade(self, trade: Trade) -> None:
        """One of this agent's orders traded (the position is already updated)."""

    def on_timer(self, now_ns: int) -> None:
        """Handle a timer added with `add_timer` (`now_ns`: CLOCK_MONOTONIC)."""

    def on_disconnect(self, event: SessionEvent) -> None:
        """Handle a dropped trader/md connection: nothing is acknowledged until ready again."""

    def on_session(self, event: SessionEvent) -> None:
        """Every session notice (connected, ready, disconnected, auth/login failures, warnings)."""

    def on_params(self, changed: dict[str, Any]) -> None:
        """Parameters were hot-updated (`changed`: the new values)."""

    def on_stop(self) -> None:
        """Clean up: the engine is stopping (working orders are cancelled afterwards, if configured)."""

    # ---- actions ---------------------------------------------------------------------------------------
    def _attach(self, port: AgentPort[Agent], state: _AgentState) -> None:
        """Attach to the engine running this agent: its port and its record of the agent (ids, orders, views).

        The one place the engine hands the agent anything; afterwards the agent reads `state`, the engine
        keeps it up to date.
        """
        self._port = port
        self._state = state

    @property
    def _engine(self) -> Any:
        """The engine this agent is attached to, untyped (tests and tools; strategies use the actions)."""
        return self._port

    def _require_port(self) -> AgentPort[Agent]:
        port = self._port
        if port is None:
            raise RuntimeError(f"agent {self.name} is not attached to an engine")
        return port

    def buy(self, symbol: str, price: float, volume: int, kind: str = "limit") -> int:
        """Open long. Returns the order id; raises OrderRejected when refused before sending."""
        port = self._port or self._require_port()
        return port.insert(self, symbol, "buy", "open", price, volume, kind)

    def sell(self, symbol: str, price: float, volume: int, kind: str = "limit", offset: str = "auto") -> int:
        """Close long lots this agent holds; returns the (first) order id.

        `offset`: "auto" (= "close_today_then_yd"), "close_only" (yesterday's first), "close_yd_then_open",
        "open_only" — resolved in C++ per exchange (SHFE/INE CloseToday / CloseYesterday, others Close) and
        split by the exchange's max order volume (the other legs show up in `orders()`); more than the agent
        holds raises OrderRejected(INSUFFICIENT_POSITION) before anything is sent. An explicit "close",
        "close_today" or "close_yesterday" is checked the same way against the agent's own free lots
        (SHFE/INE: close_today takes today's, close / close_yesterday yesterday's; elsewhere any, sent as
        "close"): an agent never closes another agent's or unattributed lots.
        """
        port = self._port or self._require_port()
        return port.insert(self, symbol, "sell", offset, price, volume, kind)

    def short(self, symbol: str, price: float, volume: int, kind: str = "limit") -> int:
        """Open short. Returns the order id; raises OrderRejected when refused before sending."""
        port = self._port or self._require_port()
        return port.insert(self, symbol, "sell", "open", price, volume, kind)

    def cover(self, symbol: str, price: float, volume: int, kind: str = "limit", offset: str = "auto") -> int:
        """Close short (offset resolved per exchange unless given)."""
        port = self._port or self._require_port()
        return port.insert(self, symbol, "buy", offset, price, volume, kind)

    # ---- conditional orders (emulated in C++ on the engine thread, triggered by ticks) -------------------
    def stop(self, symbol: str = "", side: str | None = None, volume: int = 0, trigger: float = 0.0,
             limit: float = 0.0, *, offset: str = "auto", source: str = "last") -> int:
        """Stop order: when the price reaches `trigger` (sell: at or below, buy: at or above) send `side`.

        `limit` 0 = marketable (FAK at the day's limit price), else a limit child. `offset` as in `sell`
        ("open" to open); `source` "last" or "bid_ask" (bid for a sell, ask for a buy). Returns the
        conditional id (cancel with `cancel_conditional`); raises OrderRejected on a bad request.
        Stopping the agent itself is `halt(reason)`: `stop(reason)` without a side raises TypeError.
        """
        if side is None:
            got = f"stop({symbol!r})" if symbol else "stop()"
            raise TypeError(f"{got}: stop() places a stop order and needs a side; to stop agent {self.name} "
                            "call halt(reason)")
        return self._require_port().conditional(self, "stop", symbol, side, volume, trigger=trigger,
                                                   limit=limit, offset=offset, source=source)

    def take_profit(self, symbol: str, side: str, volume: int, trigger: float, limit: float = 0.0, *,
                    offset: str = "auto", source: str = "last") -> int:
        """Take-profit: when the price reaches `trigger` (sell: at or above, buy: at or below) send `side`."""
        port = self._require_port()
        return port.conditional(self, "take_profit", symbol, side, volume, trigger=trigger, limit=limit,
                                   offset=offset, source=source)

    def trailing_stop(self, symbol: str, side: str, volume: int, trail: float, *, ticks: bool = False,
                      limit: float = 0.0, offset: str = "auto", source: str = "last") -> int:
        """Trailing stop: follows the best price since placed, fires `trail` (price, or ticks) behind it."""
        port = self._require_port()
        return port.conditional(self, "trailing_stop", symbol, side, volume, trail=trail, ticks=ticks,
                                   limit=limit, offset=offset, source=source)

    def oco(self, first: int, second: int) -> int:
        """Link two armed conditionals: when one fires the other is cancelled. Returns `first`."""
        return self._require_port().oco(self, first, second)

    def bracket(self, symbol: str, side: str, volume: int, entry_price: float, take_profit: float = 0.0,
                stop_loss: float = 0.0) -> int:
        """Entry limit order plus take-profit / stop-loss exits (an OCO pair) armed as the entry fills."""
        port = self._require_port()
        return port.bracket(self, symbol, side, volume, entry_price, take_profit, stop_loss)

    def iceberg(self, symbol: str, side: str, volume: int, price: float, display: int, *,
                offset: str = "open") -> int:
        """Work `volume` lots at `price` showing `display` lots at a time (next slice when one fills)."""
        return self._require_port().conditional(self, "iceberg", symbol, side, volume, limit=price,
                                                   display=display, offset=offset)

    def cancel_conditional(self, conditional_id: int) -> bool:
        """Cancel a conditional order and its children (working child orders, bracket exits, OCO peer).

        False when it already finished; raises OrderRejected when it is another agent's.
        """
        return self._require_port().cancel_conditional(self, conditional_id)

    def conditional(self, conditional_id: int) -> dict[str, Any] | None:
        """Return a conditional's state (status, volume, armed, released, filled); None once finished."""
        return self._require_port().conditional_state(conditional_id)

    def cancel(self, order_id: int) -> bool:
        """Request a cancel: True when sent; False when the order is already final/unknown/being cancelled.

        Raises OrderRejected for any other refusal (not this agent's order, rate limit, session down).
        """
        return self._require_port().cancel(self, order_id)

    def cancel_all(self, symbol: str | None = None) -> int:
        """Cancel every working order of this agent (on one symbol, or all); returns how many were sent."""
        return self._require_port().cancel_all(self, symbol)

    def subscribe(self, symbol: str) -> None:
        """Receive ticks of `symbol`; raises OrderRejected(UNKNOWN_INSTRUMENT) for an unlisted one."""
        self._require_port().subscribe(self, symbol)

    def subscribe_bars(self, symbol: str, interval: str) -> None:
        """Receive `interval` bars of `symbol` ("1m", "5m", "1h", "1d", "100t", "500v") in on_bar.

        Raises BarSubscriptionError for a bad interval or a product without known trading hours, and
        OrderRejected(UNKNOWN_INSTRUMENT) for an unlisted symbol. Ticks are not implied (see subscribe).
        """
        self._require_port().subscribe_bars(self, symbol, interval)

    def history(self, symbol: str, interval: str, n: int) -> BarHistory:
        """Return the newest `n` bars of a subscribed (symbol, interval), oldest first, as numpy views."""
        return self._require_port().history(symbol, interval, n)

    def load_history(self, symbol: str, interval: str, bars: int, source: str | Path) -> int:
        """Warm up: subscribe `interval` bars of `symbol` and first give on_bar the newest `bars` past bars.

        `source` is a tick file: a CSV (.csv), Parquet (.parquet) or a vn.py SQLite database (.db/.sqlite;
        without ticks of `symbol`, its stored 1m/1h/1d bars); bars of ticks are built by the same C++
        builder as live ones; the past bars are appended to the engine's history ring,
        so history() includes them. They are given to on_bar synchronously, oldest first, before this
        returns (they are not marked: a bar given during load_history is a past bar). The bar still open at
        the source's last tick is left out and a live bar that starts before the end of the newest past bar
        is dropped, so on_bar sees past then live bars with no gap or duplicate at the seam (given the
        source reaches up to the live feed). Call it in on_start, before live bars arrive. Returns how many
        past bars were given. Raises shandian.errors.HistoryError subclasses for a bad source, ValueError
        when live bars of the series were already kept past the history's start.
        """
        return self._require_port().load_history(self, symbol, interval, bars, source)

    def add_timer(self, interval_s: float) -> int:
        """Add a periodic timer calling on_timer every `interval_s` seconds; returns its id."""
        return self._require_port().add_timer(self, interval_s)

    def halt(self, reason: str = "stopped by itself") -> None:
        """Stop this agent only: its working orders are cancelled, no more callbacks."""
        self._require_port().halt(self, reason)

    # ---- views -----------------------------------------------------------------------------------------
    def position(self, symbol: str) -> Position:
        """Return the agent's own position in `symbol` (a live object, updated on every fill)."""
        return self._require_port().position(self, symbol)

    def risk(self, symbol: str) -> RiskView:
        """Return this agent's risk state and today's cancel counts / limits on `symbol` (a fresh copy)."""
        return self._require_port().risk(self, symbol)

    @property
    def positions(self) -> dict[str, Position]:
        """Every instrument this agent has traded."""
        return self._state.positions

    @property
    def working_orders(self) -> dict[int, Order]:
        """Orders of the agent that are not final yet, by id (latest state)."""
        return self._state.live

    @property
    def account(self) -> AgentAccount:
        """Return the agent's own funds (C++ ledger), as of the last update delivered to it.

        The CTP account as a whole is `engine.account`.
        """
        return self._state.account

    def orders(self, active: bool = True) -> list[Order]:
        """Return the agent's orders (latest delivered state): working ones (default) or all seen this run."""
        if active:
            return list(self._state.live.values())
        return list(self._state.all_orders.values())

    def instrument(self, symbol: str) -> Instrument:
        """Return static facts of an instrument: exchange, price_tick, volume_multiple, volume limits."""
        return self._require_port().instrument(symbol)

    def log(self, message: str) -> None:
        """Log a line tagged with the agent's name (logger `shandian.agent.<name>`)."""
        import logging

        logging.getLogger(f"shandian.agent.{self.name}").info("%s", message)


# Instance attributes and API of Agent that a `state` field must not shadow.
_RESERVED_NAMES = frozenset({"name", "params", "restored_state", "state"} | {
    n for n in dir(Agent) if not n.startswith("_")})
