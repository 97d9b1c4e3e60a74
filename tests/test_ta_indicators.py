"""shandian.ta beyond the TA-Lib oracle: warm-up lengths, bad input, KDJ and VWAP, and use from Cython."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shandian import ta

ROOT = Path(__file__).resolve().parent.parent


def hlc(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    return close + rng.uniform(0, 1, n), close - rng.uniform(0, 1, n), close


# indicator factory, number of inputs per update, documented number of NaN outputs before the first value
WARMUP = {
    "SMA": (lambda: ta.SMA(7), 1, 6),
    "EMA": (lambda: ta.EMA(7), 1, 6),
    "WMA": (lambda: ta.WMA(7), 1, 6),
    "DEMA": (lambda: ta.DEMA(7), 1, 12),
    "TEMA": (lambda: ta.TEMA(7), 1, 18),
    "StdDev": (lambda: ta.StdDev(7), 1, 6),
    "Bollinger": (lambda: ta.Bollinger(7), 1, 6),
    "MACD": (lambda: ta.MACD(5, 9, 4), 1, 11),
    "RSI": (lambda: ta.RSI(7), 1, 7),
    "ROC": (lambda: ta.ROC(7), 1, 7),
    "MOM": (lambda: ta.MOM(7), 1, 7),
    "ATR": (lambda: ta.ATR(7), 3, 7),
    "NATR": (lambda: ta.NATR(7), 3, 7),
    "ADX": (lambda: ta.ADX(7), 3, 13),
    "CCI": (lambda: ta.CCI(7), 3, 6),
    "WillR": (lambda: ta.WillR(7), 3, 6),
    "Stoch": (lambda: ta.Stoch(5, 3, 4), 3, 9),
    "KDJ": (lambda: ta.KDJ(7, 3, 3), 3, 6),
    "Donchian": (lambda: ta.Donchian(7), 2, 6),
    "OBV": (lambda: ta.OBV(), 2, 0),
    "VWAP(0)": (lambda: ta.VWAP(0), 2, 0),
    "VWAP(7)": (lambda: ta.VWAP(7), 2, 6),
}


@pytest.mark.parametrize("name", sorted(WARMUP))
def test_indicator_when_warming_up_returns_nan_until_its_documented_lookback_then_is_ready(name: str) -> None:
    make, arity, lookback = WARMUP[name]
    high, low, close = hlc(5, 40)
    columns = {1: (close,), 2: (close, np.full(40, 10.0)), 3: (high, low, close)}[arity]
    if name == "Donchian":
        columns = (high, low)
    ind = make()
    outputs = []
    for i in range(40):
        outputs.append(ind.update(*(float(c[i]) for c in columns)))
        assert ind.ready == (i >= lookback), (name, i)
    assert all(math.isnan(v) for v in outputs[:lookback]), name
    assert not any(math.isnan(v) for v in outputs[lookback:]), name


@pytest.mark.parametrize(("make", "message"), [
    (lambda: ta.SMA(1), "SMA: period=1 is out of range (must be >= 2)"),
    (lambda: ta.RSI(0), "RSI: period=0 is out of range (must be >= 2)"),
    (lambda: ta.ATR(0), "ATR: period=0 is out of range (must be >= 1)"),
    (lambda: ta.MACD(26, 12, 9), "MACD: fast=26 is out of range (must be <= slow=12)"),
    (lambda: ta.Stoch(5, 0, 3), "Stoch: slowk_period=0 is out of range (must be >= 1)"),
    (lambda: ta.VWAP(-1), "VWAP: period=-1 is out of range (must be >= 0)"),
])
def test_constructor_when_a_period_is_out_of_range_raises_value_error_naming_it(make, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        make()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_update_when_a_value_is_not_finite_raises_and_leaves_the_state_untouched(bad: float) -> None:
    high, low, close = hlc(9, 60)
    clean, dirty = ta.ATR(5), ta.ATR(5)
    for i in range(60):
        clean.update(high[i], low[i], close[i])
        if i == 30:
            with pytest.raises(ValueError, match=r"ATR\.update: low=.* is not finite"):
                dirty.update(high[i], bad, close[i])
        dirty.update(high[i], low[i], close[i])
    assert dirty.value == clean.value


def test_array_function_when_a_nan_follows_valid_values_raises_naming_the_index() -> None:
    x = np.arange(50, dtype=np.float64)
    x[20] = np.nan
    with pytest.raises(ValueError, match=r"sma: x\[20\]=nan is not finite"):
        ta.sma(x, 5)
    with pytest.raises(ValueError, match="atr: low has 3 values, high has 4"):
        ta.atr(np.ones(4), np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="one-dimensional"):
        ta.ema(np.ones((3, 3)), 2)


# every array function with its input names (in the order it takes them) and a call on those inputs
ARRAY_FUNCTIONS = {
    "sma": (("x",), lambda x: ta.sma(x, 5)), "ema": (("x",), lambda x: ta.ema(x, 5)),
    "wma": (("x",), lambda x: ta.wma(x, 5)), "dema": (("x",), lambda x: ta.dema(x, 5)),
    "tema": (("x",), lambda x: ta.tema(x, 5)), "stddev": (("x",), lambda x: ta.stddev(x, 5)),
    "bbands": (("x",), lambda x: ta.bbands(x, 5)), "macd": (("x",), lambda x: ta.macd(x, 3, 6, 2)),
    "rsi": (("x",), lambda x: ta.rsi(x, 5)), "roc": (("x",), lambda x: ta.roc(x, 5)),
    "mom": (("x",), lambda x: ta.mom(x, 5)),
    "atr": (("high", "low", "close"), lambda h, lo, c: ta.atr(h, lo, c, 5)),
    "natr": (("high", "low", "close"), lambda h, lo, c: ta.natr(h, lo, c, 5)),
    "adx": (("high", "low", "close"), lambda h, lo, c: ta.adx(h, lo, c, 5)),
    "cci": (("high", "low", "close"), lambda h, lo, c: ta.cci(h, lo, c, 5)),
    "willr": (("high", "low", "close"), lambda h, lo, c: ta.willr(h, lo, c, 5)),
    "stoch": (("high", "low", "close"), lambda h, lo, c: ta.stoch(h, lo, c, 5, 3, 3)),
    "kdj": (("high", "low", "close"), lambda h, lo, c: ta.kdj(h, lo, c, 5)),
    "donchian": (("high", "low"), lambda h, lo: ta.donchian(h, lo, 5)),
    "obv": (("close", "volume"), ta.obv), "vwap": (("price", "volume"), lambda p, v: ta.vwap(p, v, 5)),
}


@pytest.mark.parametrize("name", sorted(ARRAY_FUNCTIONS))
@pytest.mark.parametrize("at", [2, 40])  # in the warm-up, and past it
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_array_function_when_any_input_is_not_finite_after_leading_nans_raises_naming_it(
        name: str, at: int, bad: float) -> None:
    names, call = ARRAY_FUNCTIONS[name]
    high, low, close = hlc(17, 60)
    by_name = {"x": close, "high": high, "low": low, "close": close, "price": close,
               "volume": np.full(60, 10.0)}
    call(*(by_name[n] for n in names))  # clean inputs: no error
    for k, victim in enumerate(names):
        columns = [by_name[n].copy() for n in names]
        for column in columns:
            column[0] = np.nan  # a leading NaN is skipped, not an error
        columns[k][at] = bad
        with pytest.raises(ValueError, match=rf"{name}: {victim}\[{at}\]=.* is not finite"):
            call(*columns)


def kdj_reference(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, m1: int, m2: int
                  ) -> tuple[list[float], list[float], list[float]]:
    """The textbook definition, written out plainly."""
    k_prev = d_prev = 50.0
    ks, ds, js = [], [], []
    for i in range(len(close)):
        if i < n - 1:
            ks.append(math.nan), ds.append(math.nan), js.append(math.nan)
            continue
        hh, ll = max(high[i - n + 1:i + 1]), min(low[i - n + 1:i + 1])
        rsv = (close[i] - ll) / (hh - ll) * 100.0 if hh != ll else 0.0
        k_prev = (rsv + (m1 - 1) * k_prev) / m1
        d_prev = (k_prev + (m2 - 1) * d_prev) / m2
        ks.append(k_prev), ds.append(d_prev), js.append(3 * k_prev - 2 * d_prev)
    return ks, ds, js


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), period=st.integers(1, 15),
       m1=st.integers(1, 5), m2=st.integers(1, 5))
def test_kdj_when_compared_with_the_textbook_definition_is_equal(seed: int, n: int, period: int, m1: int,
                                                                  m2: int) -> None:
    high, low, close = hlc(seed, n)
    for ours, ref in zip(ta.kdj(high, low, close, period, m1, m2),
                         kdj_reference(high, low, close, period, m1, m2), strict=True):
        np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), period=st.integers(0, 20))
def test_vwap_when_compared_with_summed_price_times_volume_is_equal(seed: int, n: int, period: int) -> None:
    rng = np.random.default_rng(seed)
    price = 3000.0 + np.cumsum(rng.normal(0, 2, n))
    volume = rng.integers(0, 50, n).astype(np.float64)
    pv = np.cumsum(price * volume)
    vol = np.cumsum(volume)
    if period:
        pv[period:] = pv[period:] - pv[:-period]
        vol[period:] = vol[period:] - vol[:-period]
        pv[:period - 1] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.where(vol > 0, pv / vol, np.nan)
    np.testing.assert_allclose(ta.vwap(price, volume, period), ref, rtol=1e-9)


def test_vwap_when_reset_starts_a_new_session_from_the_next_trade() -> None:
    vwap = ta.VWAP()
    vwap.update(10.0, 1.0)
    vwap.update(20.0, 3.0)
    assert vwap.value == pytest.approx(17.5)
    vwap.reset()
    assert not vwap.ready
    assert vwap.update(30.0, 2.0) == 30.0


def test_cython_module_when_it_cimports_the_indicators_gets_the_same_values_without_python_objects(
        tmp_path: Path) -> None:
    """bench/ta_probe.pyx cimports SMA/EMA/ATR/RSI and calls update_c with the GIL released."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench.ta_speed import build_probe
    finally:
        sys.path.remove(str(ROOT))
    probe = build_probe(tmp_path)
    high, low, close = hlc(21, 500)
    expected = {"SMA": ta.sma(close, 14), "EMA": ta.ema(close, 14), "ATR": ta.atr(high, low, close, 14),
                "RSI": ta.rsi(close, 14)}
    for name, ref in expected.items():
        np.testing.assert_array_equal(probe.run(name, 14, high, low, close), ref, err_msg=name)
