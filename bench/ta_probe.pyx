# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A Cython user of shandian.ta: cimports the indicators and calls update_c without the GIL.

Built at run time by bench/ta_speed.py (build_probe); tests/test_ta_indicators.py checks its outputs.
"""

from posix.time cimport CLOCK_MONOTONIC, clock_gettime, timespec

from shandian.ta.indicators cimport ATR, EMA, RSI, SMA

import numpy as np

NAMES = ("SMA", "EMA", "ATR", "RSI")


cdef inline long long _now_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000000000LL + ts.tv_nsec


def run(str name, int period, double[::1] high, double[::1] low, double[::1] close, int batch=0):
    """Feed the bars one by one through `update_c`.

    batch == 0: return the outputs; batch > 0: return the mean ns per update of each batch of `batch` bars.
    """
    cdef Py_ssize_t n = close.shape[0], i, b, nb, per
    cdef SMA sma
    cdef EMA ema
    cdef ATR atr
    cdef RSI rsi
    cdef int which = NAMES.index(name)
    cdef double sink = 0.0
    cdef long long t0
    nb = n // batch if batch > 0 else 1
    per = batch if batch > 0 else n
    res = np.empty(n if batch == 0 else nb)
    cdef double[::1] out = res
    if which == 0:
        sma = SMA(period)
    elif which == 1:
        ema = EMA(period)
    elif which == 2:
        atr = ATR(period)
    else:
        rsi = RSI(period)
    with nogil:
        for b in range(nb):
            t0 = _now_ns()
            for i in range(b * per, (b + 1) * per):
                if which == 0:
                    sink = sma.update_c(close[i])
                elif which == 1:
                    sink = ema.update_c(close[i])
                elif which == 2:
                    sink = atr.update_c(high[i], low[i], close[i])
                else:
                    sink = rsi.update_c(close[i])
                if batch == 0:
                    out[i] = sink
            if batch > 0:
                out[b] = <double> (_now_ns() - t0) / per
    return res
