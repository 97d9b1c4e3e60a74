"""The bench tick stream: one deterministic, seeded sequence of depth ticks every scenario replays.

Baselines and shandian scenarios in one run take their ticks from the same stream (same seed, same
instruments, same order), so a ratio compares pipelines, not inputs. The stream is a cycle of
``CYCLE`` pre-built ticks, so replaying millions of them costs no generation time inside a measurement.
"""

from __future__ import annotations

import random
from typing import NamedTuple

CYCLE = 4096
INSTRUMENTS: tuple[tuple[str, str, float, float], ...] = (
    # (instrument, exchange, price tick, start price)
    ("rb2505", "SHFE", 1.0, 3400.0),
    ("au2506", "SHFE", 0.02, 620.0),
    ("IF2503", "CFFEX", 0.2, 3900.0),
    ("m2505", "DCE", 1.0, 2900.0),
    ("SA505", "CZCE", 1.0, 1500.0),
    ("sc2505", "INE", 0.1, 560.0),
)

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


def make_stream(seed: int = 20250617, size: int = CYCLE) -> list[Tick]:
    """SIZE ticks of a random walk per instrument, round-robin over INSTRUMENTS; same SEED, same stream."""
    rng = random.Random(seed)
    prices = {name: start for name, _ex, _tick, start in INSTRUMENTS}
    volumes = dict.fromkeys(prices, 0)
    ticks: list[Tick] = []
    for i in range(size):
        name, exchange, step, _start = INSTRUMENTS[i % len(INSTRUMENTS)]
        prices[name] = round(prices[name] + step * rng.choice((-1, 0, 0, 1)), 6)
        volumes[name] += rng.randint(0, 20)
        last = prices[name]
        ms = (i * 500) % 1000
        seconds = 9 * 3600 + i // 2
        ticks.append(Tick(
            instrument=name,
            exchange=exchange,
            trading_day="20250617",
            update_time=f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}",
            update_ms=ms,
            last_price=last,
            volume=volumes[name],
            turnover=last * volumes[name] * 10,
            open_interest=float(100000 + i),
            bid=tuple(round(last - step * (k + 1), 6) for k in range(5)),
            bid_volume=tuple(rng.randint(1, 200) for _ in range(5)),
            ask=tuple(round(last + step * k, 6) for k in range(5)),
            ask_volume=tuple(rng.randint(1, 200) for _ in range(5)),
        ))
    return ticks


def ctp_dict(tick: Tick) -> dict[str, object]:
    """Build the 48-key dict a vn.py-style gateway builds per tick on its callback thread."""
    b, bv, a, av = tick.bid, tick.bid_volume, tick.ask, tick.ask_volume
    return {
        "TradingDay": tick.trading_day, "reserve1": "", "ExchangeID": tick.exchange, "reserve2": "",
        "LastPrice": tick.last_price, "PreSettlementPrice": tick.last_price, "PreClosePrice": tick.last_price,
        "PreOpenInterest": tick.open_interest, "OpenPrice": tick.last_price, "HighestPrice": tick.last_price,
        "LowestPrice": tick.last_price, "Volume": tick.volume, "Turnover": tick.turnover,
        "OpenInterest": tick.open_interest, "ClosePrice": 0.0, "SettlementPrice": 0.0,
        "UpperLimitPrice": tick.last_price * 1.1, "LowerLimitPrice": tick.last_price * 0.9,
        "PreDelta": 0.0, "CurrDelta": 0.0, "UpdateTime": tick.update_time, "UpdateMillisec": tick.update_ms,
        "BidPrice1": b[0], "BidVolume1": bv[0], "AskPrice1": a[0], "AskVolume1": av[0],
        "BidPrice2": b[1], "BidVolume2": bv[1], "AskPrice2": a[1], "AskVolume2": av[1],
        "BidPrice3": b[2], "BidVolume3": bv[2], "AskPrice3": a[2], "AskVolume3": av[2],
        "BidPrice4": b[3], "BidVolume4": bv[3], "AskPrice4": a[3], "AskVolume4": av[3],
        "BidPrice5": b[4], "BidVolume5": bv[4], "AskPrice5": a[4], "AskVolume5": av[4],
        "AveragePrice": tick.last_price, "ActionDay": tick.trading_day, "InstrumentID": tick.instrument,
        "ExchangeInstID": tick.instrument, "BandingUpperPrice": 0.0, "BandingLowerPrice": 0.0,
    }
