"""Value types of the Python layer: orders, trades, session events, positions and accounts as agents see them.

Each is a read-only view: `Order` / `Trade` (NamedTuples) and `SessionEvent` are immutable copies of one
engine record, and `Position` / `AgentAccount` show the C++ ledger (`_core.PositionView`) as of the last
update delivered. They sit below `agent.py`, `port.py` and the engine, and import nothing of shandian but
`_core` and `names`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from shandian import _core
from shandian.names import DIRECTIONS, KIND_NAMES, OFFSETS, REJECT_CODES, STATUSES

__all__ = [
    "BENIGN_CANCEL_CODES",
    "FINAL_STATUSES",
    "Account",
    "AgentAccount",
    "Bar",
    "BarHistory",
    "Order",
    "Position",
    "RiskView",
    "SessionEvent",
    "Tick",
    "Trade",
]

Tick = _core.Tick
"""A market-data snapshot (C++ record): symbol, last_price, bid_price1..ask_volume1, bid_prices (5 levels),
volume, open_interest, exchange_time_ms / exchange_time, recv_ns, trading_day, limits, ..."""


Bar = _core.Bar
"""A finished bar built in C++ (cpp/bars): symbol, interval ("5m"), open/high/low/close, volume, turnover,
open_interest, open_interest_change, start_ms/end_ms (exchange wall time: CST digits as ms since the epoch),
trading_day (the night session belongs to the next trading day), tick_count."""


class BarHistory(NamedTuple):
    """The newest bars of one (symbol, interval), oldest first, as read-only numpy arrays.

    Each array is a view of the engine's C++ ring (no copy per call). The ring stores every bar twice
    (slots i and i + capacity) so the newest n are contiguous: a view taken now keeps its values until
    `capacity - n` more bars of that series arrive, after which its oldest slots hold newer bars. Read it in
    the callback that asked for it; `np.array(view)` keeps a copy. `time` is each bar's start (exchange wall
    time: CST digits as ms since the epoch).
    """

    open: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    close: npt.NDArray[np.float64]
    volume: npt.NDArray[np.int64]
    open_interest: npt.NDArray[np.float64]
    time: npt.NDArray[np.int64]


FINAL_STATUSES = frozenset({"filled", "cancelled", "rejected"})
# Cancel refusals that are races, not errors: the order finished or is already being cancelled.
BENIGN_CANCEL_CODES = frozenset({"UNKNOWN_ORDER", "ALREADY_FINAL", "CANCEL_PENDING"})


# Order and Trade are built once per order change / fill on the engine thread, so they are NamedTuples built
# with tuple.__new__ (one C call): a frozen dataclass's __init__ sets each field through object.__setattr__,
# which measured ~7x the cost (about 20 k instructions per Order under callgrind, half of a whole agent.buy).
_tuple_new = tuple.__new__


class Order(NamedTuple):
    """One state of an order, as published by the engine (one immutable value per change)."""

    id: int
    symbol: str
    direction: str  # "buy" | "sell"
    offset: str  # "open" | "close" | "close_today" | "close_yesterday"
    kind: str  # "limit" | "fak" | "fok" | "market"
    price: float
    volume: int
    traded: int
    status: str  # submitting accepted queued part_filled filled cancelled rejected
    reject_code: str  # "NONE" unless refused (incl. a refused cancel: status stays, code set)
    reject_reason: str
    ctp_error_id: int
    order_ref: int
    recv_ns: int
    update_ns: int

    @property
    def is_final(self) -> bool:
        """Filled, cancelled or rejected: no further change will come."""
        return self.status in FINAL_STATUSES

    @property
    def is_active(self) -> bool:
        """Still working (or about to be): can fill or be cancelled."""
        return self.status not in FINAL_STATUSES

    @classmethod
    def from_update(cls, u: _core.OrderUpdate) -> Order:
        """From the binding's OrderUpdate record."""
        direction, offset, kind, status, reject = u.codes  # one tuple of ints, not five enum objects
        return _tuple_new(cls, (  # in field order
            u.id, u.symbol, DIRECTIONS[direction], OFFSETS[offset], KIND_NAMES[kind], u.price, u.volume,
            u.traded, STATUSES[status], REJECT_CODES.get(reject, str(reject)), u.reason, u.ctp_error_id,
            u.order_ref, u.recv_ns, u.update_ns))

    @classmethod
    def submitting(cls, order_id: int, symbol: str, direction: str, offset: str, kind: str, price: float,
                   volume: int) -> Order:
        """Return the state an accepted agent.buy/sell/... publishes at once, before any gateway report."""
        return _tuple_new(cls, (order_id, symbol, direction, offset, kind, price, volume, 0, "submitting",
                                "NONE", "", 0, 0, 0, 0))


class Trade(NamedTuple):
    """One fill (an immutable value, built like Order)."""

    order_id: int
    symbol: str
    exchange: str
    trade_id: str
    direction: str
    offset: str
    price: float
    volume: int
    trade_time_ms: int
    from_reconcile: bool  # learned from a query after a disconnect, not a live push
    recv_ns: int

    @classmethod
    def from_update(cls, t: _core.TradeUpdate) -> Trade:
        """From the binding's TradeUpdate record."""
        direction, offset = t.codes
        return _tuple_new(cls, (  # in field order
            t.order, t.symbol, t.exchange, t.trade_id, DIRECTIONS[direction], OFFSETS[offset], t.price,
            t.volume, t.trade_time_ms, t.from_reconcile, t.recv_ns))


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """A session notice: `kind` (trader_ready, trader_disconnected, md_ready, ...), code, message."""

    kind: str
    code: int
    message: str
    ns: int


_EMPTY_VIEW = _core.PositionView()


class Position:
    """An agent's own position in one instrument (its trades only — agents are isolated), with PnL in CNY.

    A read-only view of the C++ ledger (cpp/core/ledger.hpp), the only set of books: every order / trade
    update carries the agent's position after it, and this view shows the one of the update last delivered,
    so it always matches the callbacks the agent has received. Average prices are per side; realized PnL
    accrues on closes against the side's average. `unrealized_pnl` and `last_price` are the ledger's mark
    now (the last price; after a day roll the pre-settlement price until the new day's first tick).
    """

    __slots__ = ("_marks", "_view", "symbol")

    def __init__(self, symbol: str, view: Any = None,
                 marks: Callable[[], tuple[float, float]] | None = None) -> None:
        self.symbol = symbol
        self._view = view if view is not None else _EMPTY_VIEW
        self._marks = marks  # -> (mark price, unrealized PnL) from the ledger, now

    def _show(self, view: Any) -> None:
        """Show the ledger's position published with the update being delivered (engine thread)."""
        self._view = view

    def __repr__(self) -> str:
        held = f"long={self.long} @ {self.long_avg:g}, short={self.short} @ {self.short_avg:g}"
        return f"Position({self.symbol!r}, {held}, realized_pnl={self.realized_pnl:g})"

    @property
    def long(self) -> int:
        """Long lots held (booked trades)."""
        return self._view.long_today + self._view.long_yd

    @property
    def short(self) -> int:
        """Short lots held (booked trades)."""
        return self._view.short_today + self._view.short_yd

    @property
    def long_today(self) -> int:
        """Long lots opened today."""
        return self._view.long_today

    @property
    def short_today(self) -> int:
        """Short lots opened today."""
        return self._view.short_today

    @property
    def long_yd(self) -> int:
        """Long lots opened before today (always 0 for a fresh agent)."""
        return self._view.long_yd

    @property
    def short_yd(self) -> int:
        """Short lots opened before today."""
        return self._view.short_yd

    @property
    def long_avg(self) -> float:
        """Average open price of the long lots."""
        return self._view.long_avg

    @property
    def short_avg(self) -> float:
        """Average open price of the short lots."""
        return self._view.short_avg

    @property
    def long_frozen(self) -> int:
        """Long lots in close orders not finished or whose trades are not booked yet."""
        return self._view.long_frozen

    @property
    def short_frozen(self) -> int:
        """Short lots in close orders not finished or whose trades are not booked yet."""
        return self._view.short_frozen

    @property
    def long_pending_open(self) -> int:
        """Lots in working buy-open orders."""
        return self._view.long_pending_open

    @property
    def short_pending_open(self) -> int:
        """Lots in working sell-open orders."""
        return self._view.short_pending_open

    @property
    def realized_pnl(self) -> float:
        """Realized PnL of the trading day (a day roll moves it into the agent's carried PnL)."""
        return self._view.realized_pnl

    @property
    def commission(self) -> float:
        """Fees of the trading day."""
        return self._view.commission

    @property
    def margin(self) -> float:
        """Today's lots at their open price, yesterday's at the pre-settlement price."""
        return self._view.margin

    @property
    def frozen_commission(self) -> float:
        """Estimated fees of this instrument's working orders."""
        return self._view.frozen_commission

    @property
    def fills(self) -> int:
        """Trades booked in this instrument today."""
        return self._view.fills

    @property
    def unbooked_buy(self) -> int:
        """Lots buy orders reported traded (order updates) whose trades are not booked yet."""
        return self._view.unbooked_buy

    @property
    def unbooked_sell(self) -> int:
        """Lots sell orders reported traded whose trades are not booked yet."""
        return self._view.unbooked_sell

    @property
    def long_available(self) -> int:
        """Long lots not already in a working (or not yet booked) close order."""
        return self.long - self.long_frozen

    @property
    def short_available(self) -> int:
        """Short lots not already in a working (or not yet booked) close order."""
        return self.short - self.short_frozen

    @property
    def net(self) -> int:
        """Long minus short (booked trades)."""
        return self.long - self.short

    @property
    def expected_net(self) -> int:
        """`net` plus fills already reported on orders whose trades have not arrived yet.

        CTP pushes an order's "filled" before its trade; an agent that decides on inventory right after
        on_order(filled) should use this, or it will count the same fill twice in its next decision.
        """
        return self.net + self.unbooked_buy - self.unbooked_sell

    @property
    def last_price(self) -> float:
        """The ledger's mark price now (NaN before any price is known)."""
        mark = self._marks()[0] if self._marks is not None else 0.0
        return mark if mark > 0 else math.nan

    @property
    def unrealized_pnl(self) -> float:
        """Open lots marked at the ledger's mark price now (0 before any price is known)."""
        return self._marks()[1] if self._marks is not None else 0.0


@dataclass(frozen=True, slots=True)
class Account:
    """The CTP account's funds (shared by every agent of the engine), tracked live by the C++ ledger.

    balance / available / current_margin / frozen_margin / frozen_commission are the last counter answer
    (ReqQryTradingAccount) plus what the ledgers booked since; each answer is compared with them first
    (`difference` = counter - live, per figure) and then becomes the new base. commission / close_profit /
    position_profit are the last answer's. `reconciled_at` is the wall-clock time of that answer (None: no
    answer yet), `reconciles` how many answers were applied, `differing` how many of them differed.
    """

    balance: float = 0.0
    available: float = 0.0
    current_margin: float = 0.0
    frozen_margin: float = 0.0
    frozen_commission: float = 0.0
    commission: float = 0.0
    close_profit: float = 0.0
    position_profit: float = 0.0
    reconciled_at: float | None = None
    reconciles: int = 0
    differing: int = 0
    difference: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AgentAccount:
    """One agent's own funds from the C++ ledger, as of the last update delivered to it.

    `available` = allocation + carried + realized PnL - commission - margin - frozen margin - frozen
    commission (infinite while the agent has no allocation); realized PnL and commission are the trading
    day's, `carried` what earlier days left (a day roll moves them there).
    """

    available: float = math.inf
    realized_pnl: float = 0.0
    commission: float = 0.0
    margin: float = 0.0
    frozen_margin: float = 0.0
    frozen_commission: float = 0.0

    @classmethod
    def from_view(cls, v: Any) -> AgentAccount:
        """From the agent figures of a PositionView published with an update."""
        return cls(v.agent_available, v.agent_realized_pnl, v.agent_commission, v.agent_margin,
                   v.agent_frozen_margin, v.agent_frozen_commission)

    @property
    def balance(self) -> float:
        """Funds before margin: what the agent's allocation is worth after realized PnL and fees."""
        return self.available + self.margin + self.frozen_margin + self.frozen_commission


@dataclass(frozen=True, slots=True)
class RiskView:
    """What the risk engine says about one agent on one instrument now: its trading state and cancel budget.

    `state` is the agent's effective state ("active", "reducing", "halted": its own or the account's, the
    stricter). Cancels are counted per trading day on the contract, by the agent (`agent_cancels`, capped by
    its desk limit `agent_cancel_limit`) and by the whole account (`account_cancels`, capped by the exchange
    preset's `account_cancel_limit`); a limit of 0 is off. `trading_status` is the instrument's last CTP
    InstrumentStatus code as the engine holds it ('2' continuous trading; '' before the counter sent any):
    the risk engine's session gate refuses orders by it, and it can change before the market data shows it.
    `insert_room` is how many more inserts the risk engine's order-rate windows (the agent's and the
    account's, the tightest) admit at the engine's clock now, counted as its insert check counts them; None
    when no window applies. A quoter paces itself by it instead of meeting RISK_ORDER_RATE refusals.
    """

    state: str = "active"
    agent_cancels: int = 0
    agent_cancel_limit: int = 0
    account_cancels: int = 0
    account_cancel_limit: int = 0
    trading_status: str = ""
    insert_room: int | None = None

    @property
    def cancels_left(self) -> int | None:
        """Cancels still allowed today on the contract (the tighter scope); None when no limit applies."""
        scopes = ((self.agent_cancels, self.agent_cancel_limit),
                  (self.account_cancels, self.account_cancel_limit))
        left = [limit - used for used, limit in scopes if limit > 0]
        return max(0, min(left)) if left else None
