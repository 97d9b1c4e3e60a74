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

Modules, one job each (`Engine` in core.py mixes in the others; the state lives on the engine): core (set-up,
build, run loop, orderly stop, agents' life cycle), dispatch (the per-batch dispatcher), actions (the
`AgentPort` agents act through, shandian/port.py), control (kill switch, trading states, live risk limits,
parameter updates), recovery (journal replay, daily risk counts, adopted orders), reporting (account, progress
line, run report), aio (async agents: the engine thread's asyncio loop, one ordered lane per agent), persist
(agents' `state` fields journaled on change, restored before on_start), codes (shared enum tables and
argument errors), loading (agent classes from a config).
"""

from __future__ import annotations

from shandian.engine.core import Engine
from shandian.engine.loading import load_agent_class

__all__ = ["Engine", "load_agent_class"]
