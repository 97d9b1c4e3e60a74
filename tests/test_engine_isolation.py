"""Agent isolation: an exception in one agent's callback stops that agent (traceback logged, report entry,
its working orders cancelled); the other agents keep receiving ticks. Also parameter validation."""

from __future__ import annotations

import logging

import pytest

import shandian as sd
from shandian.testing import run_local

SYM = "rb2505"


class Crasher(sd.Agent):
    """Rests one order far from the market, then divides by zero on the 10th tick."""

    def on_start(self) -> None:
        self.ticks = 0
        self.resting: int | None = None

    def on_tick(self, t: sd.Tick) -> None:
        self.ticks += 1
        if self.resting is None and t.bid_price1 > 0:
            self.resting = self.buy(SYM, max(t.lower_limit_price, t.bid_price1 - 40), 1)
        if self.ticks == 10:
            _ = 1 / 0


class Counter(sd.Agent):
    """Counts ticks; stops the engine 20 ticks after its peer (the crasher) failed."""

    peer: Crasher | None = None

    def on_start(self) -> None:
        self.ticks = 0
        self.after_crash = 0

    def on_tick(self, t: sd.Tick) -> None:
        self.ticks += 1
        if self.peer is not None and not self.peer._state.running and self.peer._state.failed:
            self.after_crash += 1
            if self.after_crash >= 20 and not self.peer.working_orders:
                self._engine.stop("counter done")


def test_engine_isolation_when_agent_raises_it_stops_and_others_continue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crasher, counter = Crasher("crasher"), Counter("counter")
    counter.peer = crasher
    with caplog.at_level(logging.INFO, logger="shandian"):
        report, _ = run_local([(crasher, [SYM]), (counter, [SYM])], duration=40)
    assert report.stop_reason == "counter done", report.format()
    assert crasher.ticks == 10  # no callback after the failure
    assert counter.after_crash >= 20
    rows = {a.name: a for a in report.agents}
    assert rows["crasher"].status.startswith("failed: ZeroDivisionError in on_tick")
    assert "ZeroDivisionError" in rows["crasher"].traceback and "1 / 0" in rows["crasher"].traceback
    assert rows["counter"].status == "ok"
    # The failed agent's resting order was cancelled by the engine.
    assert not crasher.working_orders
    text = report.format()
    assert "agent failures" in text and "crasher" in text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "agent crasher failed in on_tick" in logged and "ZeroDivisionError" in logged


class StartFails(sd.Agent):
    def on_start(self) -> None:
        raise RuntimeError("cannot start")


class BadSymbol(sd.Agent):
    def on_start(self) -> None:
        self.subscribe("zz2599")  # at run time: only this agent fails ([[agents]] symbols fail the run)


class Quick(sd.Agent):
    def on_start(self) -> None:
        self.n = 0

    def on_tick(self, t: sd.Tick) -> None:
        self.n += 1
        if self.n >= 5:
            self._engine.stop("quick done")


def test_engine_isolation_when_start_or_subscription_fails_only_that_agent_stops() -> None:
    quick = Quick("quick")
    report, _ = run_local(
        [(StartFails("starter"), [SYM]), (BadSymbol("bad"), []), (quick, [SYM])], duration=30
    )
    rows = {a.name: a for a in report.agents}
    assert rows["starter"].status.startswith("failed: RuntimeError in on_start: cannot start")
    assert rows["bad"].status.startswith("failed: OrderRejected in on_start: UNKNOWN_INSTRUMENT")
    assert rows["quick"].status == "ok" and quick.n >= 5
    assert report.stop_reason == "quick done"


# ---- params ------------------------------------------------------------------------------------------------
class P(sd.Agent):
    params = {"window": 10, "ratio": 0.5, "on": True, "label": "x"}  # noqa: RUF012

    def check_params(self, params: dict) -> None:
        if params["window"] < 1:
            raise sd.ParamError(f"param window: {params['window']} must be >= 1")

    def on_params(self, changed: dict) -> None:
        self.changed = changed


def test_agent_params_when_valid_update_applies_and_notifies() -> None:
    a = P("p", {"window": 20, "ratio": 1})
    assert a.params == {"window": 20, "ratio": 1.0, "on": True, "label": "x"}
    assert type(a).params["window"] == 10  # the class defaults are untouched
    assert a.update_params(window=30) == {"window": 30}
    assert a.changed == {"window": 30}


@pytest.mark.parametrize(
    ("update", "fragment"),
    [
        ({"windw": 3}, "param windw: unknown"),
        ({"window": "3"}, "must be of type int"),
        ({"window": True}, "must be of type int"),
        ({"ratio": float("nan")}, "must be of type float"),
        ({"on": 1}, "must be of type bool"),
        ({"window": 0}, "must be >= 1"),
    ],
)
def test_agent_params_when_invalid_update_raises_and_keeps_old_values(update: dict, fragment: str) -> None:
    a = P("p")
    with pytest.raises(sd.ParamError, match=fragment):
        a.update_params(**update)
    assert a.params["window"] == 10 and a.params["on"] is True


def test_agent_when_not_attached_actions_raise_runtime_error() -> None:
    a = P("p")
    with pytest.raises(RuntimeError, match="not attached"):
        a.buy(SYM, 1.0, 1)


class Tunable(sd.Agent):
    params = {"window": 10}  # noqa: RUF012

    def on_start(self) -> None:
        self.seen: list[dict] = []
        self.ticks_after = 0

    def on_params(self, changed: dict) -> None:
        self.seen.append(changed)

    def on_tick(self, t: sd.Tick) -> None:
        if self.seen:
            self.ticks_after += 1
            if self.ticks_after >= 3:
                self._engine.stop("tuned")


def test_engine_params_when_updated_from_another_thread_apply_on_the_engine_thread() -> None:
    import threading

    from shandian.testing import local_engine

    agent = Tunable("tune")
    engine = local_engine([(agent, [SYM])])
    errors: list[Exception] = []

    def control() -> None:
        try:
            engine.update_params("tune", window="wide")
        except sd.ParamError as e:
            errors.append(e)
        engine.update_params("tune", window=25)

    worker = threading.Timer(2.0, control)
    worker.start()
    try:
        report = engine.run(duration=30)
    finally:
        worker.cancel()
    assert errors and "must be of type int" in str(errors[0])
    assert agent.seen == [{"window": 25}] and agent.params["window"] == 25
    assert report.stop_reason == "tuned"
