"""At speed=0 the local front's clock waits for its md consumer: an engine (trader first, md subscription
after the instrument query, as vn.py does it too) receives the whole day from its first snapshot."""

from __future__ import annotations

from shandian import Agent
from shandian.testing import run_local


class Idle(Agent):
    """Subscribes and does nothing: the engine counts the ticks."""


def test_engine_when_front_speed_is_zero_receives_every_tick_of_the_feed() -> None:
    report, _ = run_local([(Idle("idle", {}), ["rb2505"])], duration=6, speed=0, instruments=["rb2505"],
                          session="day", max_ticks=3000)
    # Every snapshot of the feed reached the engine, none was applied before the subscription.
    assert report.ticks == 3000, report.ticks
