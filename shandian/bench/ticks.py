"""The bench tick stream: one deterministic, seeded sequence of depth ticks every scenario replays.

Baselines and shandian scenarios in one run take their ticks from the same stream (same seed, same
instruments, same order, same count): shandian gets it through the local front's native CSV replay
(``write_csv`` → ``source=csv:...``), the Python baselines straight from the list. Tick ``i`` carries
the exchange time ``START_MS + i × DELTA_MS`` (09:02:00 + i × 10 ms) of trading day ``TRADING_DAY``, so a
front replaying at ``speed = DELTA_MS / interval`` and a producer on the absolute schedule
``t0 + i × interval`` deliver the same ticks at the same pace. Instruments are bundled local-front
contracts of that day, prices on their tick grid (the CSV replay validates both).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, NamedTuple

CYCLE = 4096
TRADING_DAY = "20250102"  # the local front's default trading day: its bundled contracts below
DELTA_MS = 10  # exchange time between consecutive ticks of the stream (any instrument)
START_MS = (9 * 60 + 2) * 60_000  # first tick 09:02:00: the replay clock starts at 09:00, we log in meanwhile
INSTRUMENTS: tuple[tuple[str, str, float, float], ...] = (
    # (instrument, exchange, price tick, start price): bundled local-front contracts of TRADING_DAY whose
    # day session opens at 09:00 (so every tick falls in continuous trading; a DCE contract would start
    # the replay's clock at 08:55 and add minutes of exchange time before the first tick)
    ("rb2505", "SHFE", 1.0, 3400.0),
    ("cu2502", "SHFE", 10.0, 75000.0),
    ("au2506", "SHFE", 0.02, 620.0),
    ("SR505", "CZCE", 1.0, 5900.0),
)
SYMBOLS: tuple[str, ...] = tuple(i[0] for i in INSTRUMENTS)

# The 48 keys vnpy_ctp's onRtnDepthMarketData dict carries for CThostFtdcDepthMarketDataField (6.7.x),
# in struct order, reserve fields included: the per-tick dict the pure-Python baseline builds.
CTP_DEPTH_KEYS: tuple[str, ...] = (
    "TradingDay", "reserve1", "ExchangeID", "reserve2", "LastPrice", "PreSettlementPrice",
    "PreClosePrice", "PreOpenInterest", "OpenPrice", "HighestPrice", "LowestPrice", "Volume",
    "Turnover", "OpenInterest", "ClosePrice", "SettlementPrice", "UpperLimitPrice", "LowerLimitPrice",
    "PreDelta", "CurrDelta", "UpdateTime", "UpdateMillisec",
    "BidPrice1", "BidVolume1", "AskPrice1", "AskVolume1", "BidPrice2", "BidVolume2", "AskPrice2",
    "AskVolume2", "BidPrice3", "BidVolume3", "AskPrice3", "AskVolume3", "BidPrice4", "BidVolume4",
    "AskPrice4", "AskVolume4", "BidPrice5", "BidVolume5", "AskPrice5", "AskVolume5",
    "AveragePrice", "ActionDay", "InstrumentID", "ExchangeInstID", "BandingUpperPrice", "BandingLowerPrice",
)
assert len(CTP_DEPTH_KEYS) == 48


class Tick(NamedTuple):
    """One synthetic depth tick (the fields a CTP DepthMarketData carries that a strategy reads)."""

    instrument: str
    exchange: str
    trading_day: str
    update_time: str
    update_ms: int
    last_price: float
    volume: int
    turnover: float
    open_interest: float
    bid: tuple[float, ...]
    bid_volume: tuple[int, ...]
    ask: tuple[float, ...]
    ask_volume: tuple[int, ...]
    upper_limit: float = 0.0
    lower_limit: float = 0.0


def _on_grid(value: float, step: float) -> float:
    """VALUE rounded to the STEP grid, as the shortest float (so the CSV replay reads it back on the grid)."""
    return round(round(value / step) * step, 6)


def make_stream(seed: int = 20250617, size: int = CYCLE, *, start_ms: int = START_MS,
                delta_ms: int = DELTA_MS, per_step: int = 1) -> list[Tick]:
    """SIZE ticks of a random walk per instrument, round-robin over INSTRUMENTS; same SEED, same stream.

    Exchange time of tick ``i``: ``START_MS + (i // PER_STEP) × DELTA_MS`` ms after midnight. The prices,
    volumes and order depend only on SEED and SIZE, never on the timing arguments.
    """
    rng = random.Random(seed)
    prices = {name: start for name, _ex, _tick, start in INSTRUMENTS}
    volumes = dict.fromkeys(prices, 0)
    limits = {name: (_on_grid(start * 1.1, step), _on_grid(start * 0.9, step))
              for name, _ex, step, start in INSTRUMENTS}
    ticks: list[Tick] = []
    for i in range(size):
        name, exchange, step, _start = INSTRUMENTS[i % len(INSTRUMENTS)]
        prices[name] = _on_grid(prices[name] + step * rng.choice((-1, 0, 0, 1)), step)
        volumes[name] += rng.randint(0, 20)
        last = prices[name]
        ms_of_day = start_ms + (i // per_step) * delta_ms
        seconds = ms_of_day // 1000
        ticks.append(Tick(
            instrument=name,
            exchange=exchange,
            trading_day=TRADING_DAY,
            update_time=f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}",
            update_ms=ms_of_day % 1000,
            last_price=last,
            volume=volumes[name],
            turnover=last * volumes[name] * 10,
            open_interest=float(100000 + i),
            bid=tuple(_on_grid(last - step * (k + 1), step) for k in range(5)),
            bid_volume=tuple(rng.randint(1, 200) for _ in range(5)),
            ask=tuple(_on_grid(last + step * k, step) for k in range(5)),
            ask_volume=tuple(rng.randint(1, 200) for _ in range(5)),
            upper_limit=limits[name][0],
            lower_limit=limits[name][1],
        ))
    return ticks


NATIVE_CSV_COLUMNS: tuple[str, ...] = (
    "TradingDay", "ActionDay", "UpdateTime", "UpdateMillisec", "ExchangeID", "InstrumentID", "LastPrice",
    "PreSettlementPrice", "PreClosePrice", "PreOpenInterest", "OpenPrice", "HighestPrice", "LowestPrice",
    "Volume", "Turnover", "OpenInterest", "ClosePrice", "SettlementPrice", "UpperLimitPrice",
    "LowerLimitPrice", "AveragePrice",
    *(f"{side}{what}{k}" for k in range(1, 6) for side, what in (("Bid", "Price"), ("Bid", "Volume"),
                                                                   ("Ask", "Price"), ("Ask", "Volume"))),
)


def write_csv(ticks: list[Tick], path: Path) -> Path:
    """Write TICKS in the local front's native CSV (cpp/sim/feed/README.md) for ``source=csv:PATH``."""
    lines = [",".join(NATIVE_CSV_COLUMNS)]
    for t in ticks:
        depth = []
        for k in range(5):
            depth += [repr(t.bid[k]), str(t.bid_volume[k]), repr(t.ask[k]), str(t.ask_volume[k])]
        lp = repr(t.last_price)
        lines.append(",".join([
            t.trading_day, t.trading_day, t.update_time, str(t.update_ms), t.exchange, t.instrument, lp,
            lp, lp, repr(t.open_interest), lp, lp, lp, str(t.volume), repr(t.turnover),
            repr(t.open_interest), "", "", repr(t.upper_limit), repr(t.lower_limit), lp, *depth,
        ]))
    path.write_text("\n".join(lines) + "\n")
    return path


def ctp_dict(tick: Tick) -> dict[str, object]:
    """Build the 48-key dict a vn.py-style gateway builds per tick on its callback thread."""
    b, bv, a, av = tick.bid, tick.bid_volume, tick.ask, tick.ask_volume
    return {
        "TradingDay": tick.trading_day, "reserve1": "", "ExchangeID": tick.exchange, "reserve2": "",
        "LastPrice": tick.last_price, "PreSettlementPrice": tick.last_price, "PreClosePrice": tick.last_price,
        "PreOpenInterest": tick.open_interest, "OpenPrice": tick.last_price, "HighestPrice": tick.last_price,
        "LowestPrice": tick.last_price, "Volume": tick.volume, "Turnover": tick.turnover,
        "OpenInterest": tick.open_interest, "ClosePrice": 0.0, "SettlementPrice": 0.0,
        "UpperLimitPrice": tick.upper_limit, "LowerLimitPrice": tick.lower_limit,
        "PreDelta": 0.0, "CurrDelta": 0.0, "UpdateTime": tick.update_time, "UpdateMillisec": tick.update_ms,
        "BidPrice1": b[0], "BidVolume1": bv[0], "AskPrice1": a[0], "AskVolume1": av[0],
        "BidPrice2": b[1], "BidVolume2": bv[1], "AskPrice2": a[1], "AskVolume2": av[1],
        "BidPrice3": b[2], "BidVolume3": bv[2], "AskPrice3": a[2], "AskVolume3": av[2],
        "BidPrice4": b[3], "BidVolume4": bv[3], "AskPrice4": a[3], "AskVolume4": av[3],
        "BidPrice5": b[4], "BidVolume5": bv[4], "AskPrice5": a[4], "AskVolume5": av[4],
        "AveragePrice": tick.last_price, "ActionDay": tick.trading_day, "InstrumentID": tick.instrument,
        "ExchangeInstID": tick.instrument, "BandingUpperPrice": 0.0, "BandingLowerPrice": 0.0,
    }


def schedule_lag(arrivals_ns: list[int] | Any, interval_ns: int) -> list[int]:
    """Lag of each arrival behind a paced replay's schedule: ``arrival_i − (origin + i × interval)``.

    ARRIVALS_NS[i] is when tick i of the stream reached the handler (every tick, in order). The replay is
    paced on an absolute schedule whose origin the receiver cannot read, so the origin is placed at the
    earliest it can be: ``min(arrival_i − i × interval)``, i.e. the most prompt tick has lag 0. Every lag is
    therefore a lower bound, low by that tick's own delay; a pipeline that falls behind accumulates lag.
    The same definition serves every pipeline compared on a paced stream.
    """
    offsets = [a - i * interval_ns for i, a in enumerate(arrivals_ns)]
    if not offsets:
        return []
    origin = min(offsets)
    return [o - origin for o in offsets]
