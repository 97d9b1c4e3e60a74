"""Persistent agent state: the declared `state` fields journaled on change, restored before `on_start`.

Each field's value is encoded as ASCII JSON `["field", value]` and handed to the C++ journal thread
(`journal_agent_state`, record kind `agent_state`, chunked there): the journal stays the only writer. A
field is compared after every callback of its agent; it is journaled when its JSON differs from what this
run last journaled (the first comparison of a run journals every field, so each day's file stands alone).
An immutable value still bound to the same object is skipped without encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from shandian.agent import Agent
from shandian.errors import StateError

MAX_PAYLOAD = 65_536  # bytes of JSON per field: the journal's ring holds ~340 records of it
_IMMUTABLE = (type(None), bool, int, float, str)
_MISSING = object()


def encode_field(agent: str, name: str, value: Any) -> str:
    """Return the journal payload of one field; StateError naming agent, field and type if it is not JSON."""
    try:
        payload = json.dumps([name, value], allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise StateError(agent, name, f"value of type {type(value).__name__} is not JSON-serialisable "
                         f"({e})") from None
    if json.loads(payload)[1] != value:
        raise StateError(agent, name, f"value of type {type(value).__name__} does not come back equal from "
                         "JSON (tuples become lists, dict keys become str): use lists and str keys")
    if len(payload) > MAX_PAYLOAD:
        raise StateError(agent, name, f"{len(payload)} bytes of JSON exceed the {MAX_PAYLOAD} allowed")
    return payload


class StateJournal:
    """Tracks the `state` fields of the agents that declare some, and journals them when they change."""

    def __init__(self, write: Callable[[Agent, str], None]) -> None:
        self._write = write  # (agent, payload) -> the C++ journal
        self.fields: dict[Agent, tuple[str, ...]] = {}  # the tracked agents and their declared fields
        self._last: dict[Agent, dict[str, tuple[Any, str]]] = {}

    def track(self, agents: Iterable[Agent]) -> None:
        """Track the agents whose class declares `state` fields."""
        for agent in agents:
            fields = tuple(type(agent).state)
            if fields:
                self.fields[agent] = fields
                self._last[agent] = {}

    def sync(self, agent: Agent) -> None:
        """Journal the fields of `agent` whose value changed since last journaled (StateError if not JSON)."""
        last = self._last[agent]
        for name in self.fields[agent]:
            value = getattr(agent, name, _MISSING)
            if value is _MISSING:
                continue  # never assigned: nothing to keep yet
            before = last.get(name)
            if before is not None and before[0] is value and type(value) in _IMMUTABLE:
                continue
            payload = encode_field(agent.name, name, value)
            if before is None or before[1] != payload:
                self._write(agent, payload)
            last[name] = (value, payload)

    @staticmethod
    def restore(agent: Agent, saved: dict[str, Any]) -> list[str]:
        """Set the journaled values of the fields `agent` declares; return saved ones it does not declare."""
        declared = set(type(agent).state)
        restored = {name: value for name, value in saved.items() if name in declared}
        for name, value in restored.items():
            setattr(agent, name, value)
        agent.restored_state = restored
        return sorted(set(saved) - declared)
