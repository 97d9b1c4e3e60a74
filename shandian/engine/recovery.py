"""Recovery at start, before any agent starts.

The journal is replayed into the order manager and ledgers, the daily risk counts are rebuilt, and the
adopted working orders are kept or cancelled (`engine.on_recovery`).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any

from shandian import _core
from shandian.agent import Agent
from shandian.engine.codes import (
    NO_AGENT,
    _front_trading_day,
    log,
)
from shandian.engine.state import EngineState
from shandian.errors import StateError


class Recovery(EngineState):
    """Recovery before the agents start (mixed into `Engine`)."""

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
        ids = {agent.name: self._states[agent].agent_id for agent in self._agents}
        carry: dict[journal.CarryKey, tuple[int, float]] = {}
        previous_day = journal.previous_day_path(directory, account, day)
        # Agents' `state`: the previous day's newest values, replaced by today's (before this run writes any).
        self._saved_states = journal.agent_states(*(p for p in (previous_day, path) if p is not None
                                                    and p.is_file()))
        for line in self._saved_states.torn:
            log.warning("journal: %s (a kill before its commit: the field keeps its previous value)", line)
        if path.is_file():
            self._journal = journal.recover(self._rt, path, ids)
        else:
            # A new trading day: every agent's lots at the end of the account's previous journaled day are
            # its yesterday's lots, recorded in this day's file so that it stands on its own.
            previous = previous_day
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
            self._rt.journal_agent_added(self._states[agent].agent_id, agent.name)
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
                self._apply_view(agent, symbol, self._rt.position(self._states[agent].agent_id, idx))
        names = {self._states[a].agent_id: a.name for a in self._agents}
        self.journal_discrepancies = []
        for c in self._rt.yesterday_cuts():  # recorded, so that a restart of the day carries what is left
            name = names.get(c["agent"], str(c["agent"]))
            self._rt.journal_position_carry(name, c["symbol"], c["side"] == "long", -c["lots"], 0.0)
            self.journal_discrepancies.append(f"{c['symbol']}: agent {name} carried {c['lots']} {c['side']} "
                                              "yesterday lot(s) the counter does not hold: cut")
        if self._journal_run > 1:
            self.journal_discrepancies += journal.discrepancies(self._journal.path, self._journal_run)
        self.journal_discrepancies += journal.position_discrepancies(
            self._rt, {a.name: self._states[a].agent_id for a in self._agents})
        for line in self.journal_discrepancies:
            log.warning("recovery: %s", line)

    def _report_orphan_states(self) -> None:
        """Report journaled state of agents no longer configured (renamed or removed): kept, not restored."""
        saved = self._saved_states
        if saved is None:
            return
        names = {a.name for a in self._agents}
        for name in sorted(set(saved.values) | set(saved.corrupted)):
            if name not in names:
                fields = ", ".join(sorted(saved.values.get(name, {}))) or "none readable"
                self._add_error(f"journal holds state of agent {name!r} (fields: {fields}) but no agent of "
                                "that name is configured (renamed?): not restored, kept in the journal")
                log.error("recovery: %s", self._errors[-1])

    def _restore_state(self, agent: Agent) -> None:
        """Set the agent's journaled `state` fields before its on_start (StateError: it does not start).

        A corrupted payload stops the agent (it must not trade on a guessed state); a journaled field the
        class no longer declares is reported and skipped. The journal itself is never changed here.
        """
        saved = self._saved_states
        if saved is None:
            return
        corrupted = saved.corrupted.get(agent.name)
        if corrupted:
            raise StateError(agent.name, "*", f"its journaled state cannot be read ({'; '.join(corrupted)}): "
                             "not started, the journal is left as it is")
        values = saved.values.get(agent.name)
        if not values:
            return
        unknown = self._persist.restore(agent, values)
        for name in unknown:
            text = (f"agent {agent.name}: journaled state field {name!r} is not declared by "
                    f"{type(agent).__qualname__}.state: not restored, kept in the journal")
            self._add_error(text)
            log.error("recovery: %s", text)
        if agent.restored_state:
            log.info("agent %s: state restored (%s)", agent.name, ", ".join(sorted(agent.restored_state)))

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
        ids = {a.name: self._states[a].agent_id for a in self._agents}
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
        sent = sum(self._cancel_everything_of(self._states[a].agent_id) for a in self._agents)
        sent += self._cancel_everything_of(NO_AGENT)
        log.warning("recovery: cancelling %d adopted working orders before the agents start", sent)
        self._recovery_cancel_deadline = time.monotonic() + self.config.engine.stop_timeout

    def _begin_start(self) -> None:
        """Trading is ready: finish recovery (journal, daily risk counts, adopted orders), start agents."""
        self._restore_from_journal()
        self._seed_risk_from_journal()
        self._risk.end_recovery()  # the counter's history is counted: from here on only what is sent counts
        self._recover_orders()
        self._report_orphan_states()
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
