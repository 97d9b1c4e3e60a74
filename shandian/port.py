"""`AgentPort`: the narrow interface an `Agent` acts through (the engine implements it).

The agent never sees the engine: it is attached to a port and calls only these methods, each with itself as
the first argument where the action is the agent's own. Engine-thread only, like the agent's callbacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, TypeVar

from shandian.instrument import Instrument
from shandian.records import BarHistory, Position, RiskView

__all__ = ["AgentPort"]

# The agent type the port serves: generic so this module sits below agent.py (Agent is AgentPort[Agent]'s
# argument there) instead of importing it back.
AgentT = TypeVar("AgentT", contravariant=True)


class AgentPort(Protocol[AgentT]):
    """What an agent may ask of the engine running it: orders, conditionals, cancels, subscriptions, views."""

    def insert(self, agent: AgentT, symbol: str, direction: str, offset: str, price: float, volume: int,
               kind: str) -> int:
        """Send an order (`offset` explicit, or an offset mode resolved in C++); its id, or OrderRejected."""
        ...

    def conditional(self, agent: AgentT, kind: str, symbol: str, side: str, volume: int, *,
                    trigger: float = 0.0, limit: float = 0.0, trail: float = 0.0, ticks: bool = False,
                    display: int = 0, offset: str = "auto", source: str = "last") -> int:
        """Arm a stop / take-profit / trailing stop / iceberg; its conditional id, or OrderRejected."""
        ...

    def oco(self, agent: AgentT, first: int, second: int) -> int:
        """Link two armed conditionals (one firing cancels the other); returns `first`."""
        ...

    def bracket(self, agent: AgentT, symbol: str, side: str, volume: int, entry: float, take_profit: float,
                stop_loss: float) -> int:
        """Send an entry with take-profit / stop-loss exits armed as it fills; the bracket's id."""
        ...

    def cancel_conditional(self, agent: AgentT, conditional_id: int) -> bool:
        """Cancel a conditional and its children; False when it already finished."""
        ...

    def conditional_state(self, conditional_id: int) -> dict[str, Any] | None:
        """Return a live conditional's state; None once finished."""
        ...

    def cancel(self, agent: AgentT, order_id: int) -> bool:
        """Request a cancel: True when sent, False for a race (final, unknown, already cancelling)."""
        ...

    def cancel_all(self, agent: AgentT, symbol: str | None) -> int:
        """Cancel the agent's working orders (of one symbol, or all); how many cancels were sent."""
        ...

    def subscribe(self, agent: AgentT, symbol: str) -> None:
        """Deliver `symbol`'s ticks to the agent."""
        ...

    def subscribe_bars(self, agent: AgentT, symbol: str, interval: str) -> None:
        """Deliver `symbol`'s bars of `interval` (built in C++) to the agent's on_bar."""
        ...

    def history(self, symbol: str, interval: str, n: int) -> BarHistory:
        """Return the newest `n` bars (at most those kept) of a subscribed (symbol, interval) as views."""
        ...

    def load_history(self, agent: AgentT, symbol: str, interval: str, bars: int, source: str | Path) -> int:
        """Subscribe (symbol, interval) bars, seed them from `source`, give the newest `bars` to on_bar first.

        Returns how many past bars were given.
        """
        ...

    def add_timer(self, agent: AgentT, interval_s: float) -> int:
        """Call the agent's on_timer every `interval_s` seconds; the timer id."""
        ...

    def halt(self, agent: AgentT, reason: str) -> None:
        """Stop the agent only: on_stop, its working orders cancelled, no more callbacks."""
        ...

    def position(self, agent: AgentT, symbol: str) -> Position:
        """Return the agent's position view in `symbol` (the same object on every call)."""
        ...

    def risk(self, agent: AgentT, symbol: str) -> RiskView:
        """Return the agent's trading state and today's cancel counts and limits on `symbol`."""
        ...

    def instrument(self, symbol: str) -> Instrument:
        """Return static facts of an instrument (exchange, price_tick, volume_multiple, volume limits)."""
        ...
