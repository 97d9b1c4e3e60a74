"""shandian.ta equals TA-Lib (the oracle) to 1e-9 relative, and has the same warm-up, on generated series.

Series are random walks, trends with noise and prices on a tick grid (ties, flat stretches, zero moves);
every indicator is checked twice: the array function, and the incremental object fed value by value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from shandian import ta

RTOL = 1e-9


def make_bars(seed: int, n: int, kind: str) -> dict[str, np.ndarray]:
    """high/low/close/volume of one of the series kinds."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 4.0, n)
    if kind == "trend":
        steps += rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 3.0)
    close = 3000.0 + np.cumsum(steps)
    spread_hi = np.abs(rng.normal(0.0, 3.0, n))
    spread_lo = np.abs(rng.normal(0.0, 3.0, n))
    if kind == "ticks":  # a 1-point tick grid: ties, unchanged closes and empty ranges happen
        close = np.round(close / 4.0)
        spread_hi, spread_lo = np.round(spread_hi / 4.0), np.round(spread_lo / 4.0)
    volume = rng.integers(0, 300, n).astype(np.float64)
    return {"high": close + spread_hi, "low": close - spread_lo, "close": close, "volume": volume}


def assert_equal_to_talib(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    """Same NaN warm-up, then equal to RTOL relative.

    Relative to the value, or to the series' largest magnitude where TA-Lib's value is (near) zero: a
    running sum can leave 1e-14 where TA-Lib has an exact 0 on a 0..100 oscillator.
    """
    ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, what
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref), err_msg=f"{what}: warm-up differs")
    ready = ~np.isnan(ref)
    scale = float(np.max(np.abs(ref[ready]))) if ready.any() else 0.0
    np.testing.assert_allclose(ours[ready], ref[ready], rtol=RTOL, atol=RTOL * scale, err_msg=what)


# name -> (inputs, our array function, TA-Lib, incremental class, outputs of the object after update)
Case = tuple[tuple[str, ...], Callable[..., Any], Callable[..., Any], Callable[[], Any], tuple[str, ...]]


def cases(p: int, q: int, r: int) -> dict[str, Case]:
    """Every indicator TA-Lib has, with periods p (main), q and r (secondary)."""
    fast, slow = min(p, q), max(p, q) + 1
    return {
        "sma": (("close",), lambda x: ta.sma(x, p), lambda x: talib.SMA(x, p), lambda: ta.SMA(p), ("value",)),
        "ema": (("close",), lambda x: ta.ema(x, p), lambda x: talib.EMA(x, p), lambda: ta.EMA(p), ("value",)),
        "wma": (("close",), lambda x: ta.wma(x, p), lambda x: talib.WMA(x, p), lambda: ta.WMA(p), ("value",)),
        "dema": (("close",), lambda x: ta.dema(x, p), lambda x: talib.DEMA(x, p), lambda: ta.DEMA(p),
                 ("value",)),
        "tema": (("close",), lambda x: ta.tema(x, p), lambda x: talib.TEMA(x, p), lambda: ta.TEMA(p),
                 ("value",)),
        "stddev": (("close",), lambda x: ta.stddev(x, p, 1.5), lambda x: talib.STDDEV(x, p, 1.5),
                   lambda: ta.StdDev(p, 1.5), ("value",)),
        "bbands": (("close",), lambda x: ta.bbands(x, p, 2.0, 1.5),
                   lambda x: talib.BBANDS(x, p, 2.0, 1.5, 0), lambda: ta.Bollinger(p, 2.0, 1.5),
                   ("upper", "value", "lower")),
        "macd": (("close",), lambda x: ta.macd(x, fast, slow, r), lambda x: talib.MACD(x, fast, slow, r),
                 lambda: ta.MACD(fast, slow, r), ("value", "signal", "hist")),
        "rsi": (("close",), lambda x: ta.rsi(x, p), lambda x: talib.RSI(x, p), lambda: ta.RSI(p), ("value",)),
        "roc": (("close",), lambda x: ta.roc(x, p), lambda x: talib.ROC(x, p), lambda: ta.ROC(p), ("value",)),
        "mom": (("close",), lambda x: ta.mom(x, p), lambda x: talib.MOM(x, p), lambda: ta.MOM(p), ("value",)),
        "atr": (("high", "low", "close"), lambda h, lo, c: ta.atr(h, lo, c, p),
                lambda h, lo, c: talib.ATR(h, lo, c, p), lambda: ta.ATR(p), ("value",)),
        "natr": (("high", "low", "close"), lambda h, lo, c: ta.natr(h, lo, c, p),
                 lambda h, lo, c: talib.NATR(h, lo, c, p), lambda: ta.NATR(p), ("value",)),
        "adx": (("high", "low", "close"), lambda h, lo, c: ta.adx(h, lo, c, p),
                lambda h, lo, c: talib.ADX(h, lo, c, p), lambda: ta.ADX(p), ("value",)),
        "cci": (("high", "low", "close"), lambda h, lo, c: ta.cci(h, lo, c, p),
                lambda h, lo, c: talib.CCI(h, lo, c, p), lambda: ta.CCI(p), ("value",)),
        "willr": (("high", "low", "close"), lambda h, lo, c: ta.willr(h, lo, c, p),
                  lambda h, lo, c: talib.WILLR(h, lo, c, p), lambda: ta.WillR(p), ("value",)),
        "stoch": (("high", "low", "close"), lambda h, lo, c: ta.stoch(h, lo, c, p, q, r),
                  lambda h, lo, c: talib.STOCH(h, lo, c, p, q, 0, r, 0), lambda: ta.Stoch(p, q, r),
                  ("value", "d")),
        "donchian": (("high", "low"), lambda h, lo: (ta.donchian(h, lo, p)[0], ta.donchian(h, lo, p)[2]),
                     lambda h, lo: (talib.MAX(h, p), talib.MIN(lo, p)), lambda: ta.Donchian(p),
                     ("upper", "lower")),
        "obv": (("close", "volume"), ta.obv, talib.OBV, ta.OBV, ("value",)),
    }


def as_tuple(out: Any) -> tuple[np.ndarray, ...]:
    return tuple(out) if isinstance(out, tuple | list) else (out,)


def check_case(name: str, case: Case, bars: dict[str, np.ndarray]) -> None:
    inputs, ours, theirs, make, fields = case
    args = [bars[i] for i in inputs]
    refs = as_tuple(theirs(*args))
    for k, (o, ref) in enumerate(zip(as_tuple(ours(*args)), refs, strict=True)):
        assert_equal_to_talib(o, ref, f"{name} array output {k}")
    obj = make()
    streamed = np.full((len(fields), len(args[0])), np.nan)
    for i in range(len(args[0])):
        obj.update(*(float(a[i]) for a in args))
        if obj.ready:
            streamed[:, i] = [getattr(obj, f) for f in fields]
    for k, ref in enumerate(refs):
        assert_equal_to_talib(streamed[k], ref, f"{name} incremental output {k}")


series = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 400),
                   st.sampled_from(["walk", "trend", "ticks"]))
periods = st.tuples(st.integers(2, 30), st.integers(2, 12), st.integers(1, 12))


@settings(max_examples=200, deadline=None)
@given(series=series, periods=periods)
def test_every_indicator_when_compared_with_talib_on_generated_series_is_equal(
        series: tuple[int, int, str], periods: tuple[int, int, int]) -> None:
    bars = make_bars(*series)
    for name, case in cases(*periods).items():
        check_case(name, case, bars)


def test_long_series_when_streamed_for_a_million_values_stays_equal_to_talib() -> None:
    """Running sums do not drift away from TA-Lib over a long stream (1 M values, array functions)."""
    bars = make_bars(11, 1_000_000, "trend")
    for name, (inputs, ours, theirs, _, _) in cases(20, 9, 9).items():
        args = [bars[i] for i in inputs]
        for k, (o, ref) in enumerate(zip(as_tuple(ours(*args)), as_tuple(theirs(*args)), strict=True)):
            assert_equal_to_talib(o, ref, f"{name} output {k}")


def test_chained_indicator_when_input_has_leading_nans_skips_them_as_talib_does() -> None:
    close = make_bars(3, 300, "walk")["close"]
    assert_equal_to_talib(ta.ema(ta.sma(close, 5), 7), talib.EMA(talib.SMA(close, 5), 7), "ema(sma)")
    assert_equal_to_talib(ta.rsi(ta.wma(close, 4), 6), talib.RSI(talib.WMA(close, 4), 6), "rsi(wma)")


def test_stddev_when_the_window_barely_moves_at_a_price_level_keeps_the_tiny_deviation_as_talib() -> None:
    """No digits lost to E[x^2] - E[x]^2 at 3000, and no 1e-8 variance floor (TA-Lib 0.8 has none)."""
    for step in (1e-3, 1e-6, 1e-9):
        x = 3000.0 + step * (np.arange(60) % 3)
        assert_equal_to_talib(ta.stddev(x, 5), talib.STDDEV(x, 5), f"stddev step {step}")
        for ours, ref in zip(ta.bbands(x, 5), talib.BBANDS(x, 5), strict=True):
            assert_equal_to_talib(ours - 3000.0, ref - 3000.0, f"bbands step {step}")
