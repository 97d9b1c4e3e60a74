"""The kill switch, trading states, live risk limits, the day roll and parameter updates.

Any thread asks; the engine thread applies (at once on it, else at the next housekeeping tick).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shandian import _core
from shandian.agent import (
    ParamError,
)
from shandian.config import ConfigError
from shandian.engine.codes import (
    log,
)
from shandian.engine.state import EngineState
from shandian.risk import RiskConfig, parse_risk


class Control(EngineState):
    """The kill switch, trading states, live risk limits and parameter updates (mixed into `Engine`)."""

    def _on_engine_thread(self, action: Callable[[], None]) -> None:
        """Run `action` now when called on the engine thread, else at the next housekeeping tick."""
        if self._rt is None:
            raise RuntimeError("the engine is not running")
        if threading.get_ident() == self._engine_thread:
            action()
        else:
            self._controls.put(action)

    def on_engine_thread(self, action: Callable[[], None]) -> None:
        """Run `action` on the engine thread, from any thread (RuntimeError when the engine is not running).

        Now when called there, else at the next housekeeping tick.
        """
        self._on_engine_thread(action)

    def kill(self, flatten: bool = False, reason: str = "kill switch") -> None:
        """Kill switch (any thread): halt the account, cancel every working order, optionally flatten.

        On the engine thread it acts at once; from another thread at the next housekeeping tick
        (≤ engine.housekeeping_ms). With `flatten`, the account is left REDUCING (not HALTED) so the
        flattening orders (FAK at the opposite best price, per agent and position) can go out; agents can
        then only reduce. The kill is recorded in the report's errors.
        """
        self._on_engine_thread(lambda: self._kill_now(flatten, reason))

    def _kill_now(self, flatten: bool, reason: str) -> None:
        """Fire the kill switch in C++ (`_core.Engine.kill`): cancels, and with `flatten` the closing orders.

        The closes are FAK orders sized to the risk limits and the exchange's max order volume; a side that
        could not be closed is reported as an error.
        """
        done = self._rt.kill(reason, flatten)
        log.warning("KILL SWITCH: %s: account %s, %d cancel requests sent%s", reason,
                    "reducing (flattening)" if flatten else "halted", done["cancels"],
                    f", {len(done['flatten_orders'])} flattening orders" if flatten else "")
        self._errors.append(f"kill switch: {reason}")
        self._errors += done["failures"]

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
        self._on_engine_thread(lambda: self._risk.set_agent_state(self._states[target].agent_id, state))

    def trading_state(self, agent: str | None = None) -> str:
        """Return an agent's effective trading state (own or account's, the stricter), or the account's."""
        if self._risk is None:
            return "active"
        if agent is None:
            return str(self._risk.account_state)
        target = next((a for a in self._agents if a.name == agent), None)
        if target is None:
            raise KeyError(f"no agent named {agent!r}")
        return str(self._risk.agent_state(self._states[target].agent_id))

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
            if not self._risk.post_agent_limits(self._states[agent].agent_id, override or limits.agent):
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
                for symbol in list(self._states[agent].positions):
                    idx = self._index.get(symbol)
                    if idx is not None:
                        self._apply_view(agent, symbol, self._rt.position(self._states[agent].agent_id, idx))
            log.info("trading day %s -> %s: risk daily counters reset, ledgers rolled (today's lots are "
                     "yesterday's, the day's PnL and fees carried)", self._risk_day, day)
        self._risk_day = day or self._risk_day

    def risk_stats(self) -> dict[str, Any]:
        """Return the risk engine's counters: checks, kills, and refusals by code (the whole account)."""
        return dict(self._risk.stats()) if self._risk is not None else {}

    def _install_risk(self, cfg: RiskConfig) -> None:
        """Install the C++ risk engine as the engine's risk hook: the run's [risk] or the default preset."""
        unknown = sorted(set(cfg.agents) - {a.name for a in self._agents})
        if unknown:
            raise ConfigError(f"risk.agents.{unknown[0]}", "no agent with that name in this run")
        self._risk = _core.RiskEngine(self._rt, cfg.limits())
        for agent in self._agents:
            aid = self._states[agent].agent_id
            self._risk.set_agent_name(aid, agent.name)
            override = cfg.agent_limits(agent.name)
            if override is not None:
                self._risk.set_agent_limits(aid, override)
                self._risk_overridden.add(agent.name)
        self._risk.set_agent_name(self._house, "__shandian__")
        log.info("risk engine: preset %s%s", cfg.preset, "" if cfg.enabled else " (rules disabled)")

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
                self._rt.journal_param_change(self._states[agent].agent_id, text)
            if changed and self._states[agent].running:
                self._call(agent, agent.on_params, changed)
