"""Technical indicators: incremental objects updated in O(1) per value, and array functions over numpy.

    from shandian import ta
    sma = ta.SMA(20)
    value = sma.update(close)        # NaN until 20 values were seen
    upper, middle, lower = ta.bbands(closes, 20)

Values equal TA-Lib's to 1e-9 relative (same seeds and recurrences, default unstable period 0) from TA-Lib's
first output on; every output is NaN until then (`ready` turns True). KDJ and VWAP are not in TA-Lib.
Multi-output indicators return their main line from `update` and keep the others as attributes
(Bollinger.upper/.lower, MACD.signal/.hist, Stoch.d, KDJ.d/.j, Donchian.upper/.lower). Cython code can
`cimport` them from shandian.ta.indicators and call `update_c` without the GIL (see indicators.pxd).
"""

from shandian.ta.indicators import (
    ADX,
    ATR,
    CCI,
    DEMA,
    EMA,
    KDJ,
    MACD,
    MOM,
    NATR,
    OBV,
    ROC,
    RSI,
    SMA,
    TEMA,
    VWAP,
    WMA,
    Bollinger,
    Donchian,
    StdDev,
    Stoch,
    WillR,
    adx,
    atr,
    bbands,
    cci,
    dema,
    donchian,
    ema,
    kdj,
    macd,
    mom,
    natr,
    obv,
    roc,
    rsi,
    sma,
    stddev,
    stoch,
    tema,
    vwap,
    willr,
    wma,
)

__all__ = [
    "ADX", "ATR", "CCI", "DEMA", "EMA", "KDJ", "MACD", "MOM", "NATR", "OBV", "ROC", "RSI", "SMA", "TEMA",
    "VWAP", "WMA", "Bollinger", "Donchian", "StdDev", "Stoch", "WillR",
    "adx", "atr", "bbands", "cci", "dema", "donchian", "ema", "kdj", "macd", "mom", "natr", "obv", "roc",
    "rsi", "sma", "stddev", "stoch", "tema", "vwap", "willr", "wma",
]
