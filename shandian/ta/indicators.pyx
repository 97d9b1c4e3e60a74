# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Incremental technical indicators, O(1) per value (CCI: O(period)), equal to TA-Lib to 1e-9 relative.

Each indicator is an object fed one value (or one bar) at a time: `update(...)` returns the new output,
NaN during warm-up. Warm-up ends on the same bar as TA-Lib's first output (its lookback, with TA-Lib's
default unstable period of 0) and the values after it follow TA-Lib's seeds and recurrences, so a stream
fed from the first bar reproduces TA-Lib's array output (most bit for bit; the variance and Wilder smoothing
differ in the last bits, see _var_push and _rsi_push). The array functions at the end of this module run
the same push functions over numpy arrays.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport uint64_t
from libc.string cimport memcpy
from libc.math cimport INFINITY, NAN, fabs, isfinite, isnan, sqrt

import numpy as np

cdef inline bint _is_zero(double v) noexcept nogil:
    # TA-Lib's test for zero, |v| < 1e-8 (TA_IS_ZERO), where it decides an output (RSI, ADX, NATR, CCI). One
    # compare of a constant (not a module global, which every output store might overwrite), so loops of it
    # vectorise.
    return fabs(v) < 0.00000001


cdef inline double _per_to_k(int period) noexcept nogil:
    return 2.0 / (<double>(period + 1))


cdef int _check_period(str owner, str name, int value, int minimum) except -1:
    if value < minimum:
        raise ValueError(f"{owner}: {name}={value} is out of range (must be >= {minimum})")
    return 0


cdef inline int _check_finite(str owner, str name, double value) except -1:
    if not isfinite(value):
        raise ValueError(f"{owner}.update: {name}={value!r} is not finite")
    return 0


# ---------------------------------------------------------------------------------------------- ring
cdef int _ring_init(Ring* r, Py_ssize_t size) except -1:
    r.buf = <double*> PyMem_Malloc(size * sizeof(double))
    if r.buf == NULL:
        raise MemoryError()
    r.size = size
    r.head = 0
    r.count = 0
    return 0


cdef inline void _ring_free(Ring* r) noexcept:
    PyMem_Free(r.buf)
    r.buf = NULL


cdef inline void _ring_push(Ring* r, double x) noexcept nogil:
    r.buf[r.head] = x
    r.head += 1
    if r.head == r.size:
        r.head = 0
    if r.count < r.size:
        r.count += 1


# ---------------------------------------------------------------------------- sliding maximum/minimum
cdef int _extreme_init(SlidingExtreme* q, long long window, double empty) except -1:
    cdef Py_ssize_t i
    q.block = <double*> PyMem_Malloc(window * sizeof(double))
    q.suffix = <double*> PyMem_Malloc((window + 1) * sizeof(double))
    if q.block == NULL or q.suffix == NULL:
        raise MemoryError()
    for i in range(window + 1):  # no previous block yet; suffix[window] stays the identity for good
        q.suffix[i] = empty
    q.pos = 0
    q.running = empty
    q.t = 0
    q.window = window
    return 0


cdef inline void _extreme_free(SlidingExtreme* q) noexcept:
    PyMem_Free(q.block)
    PyMem_Free(q.suffix)
    q.block = NULL
    q.suffix = NULL


cdef inline double _max_push(SlidingExtreme* q, double x) noexcept nogil:
    """Push x; return the maximum of the last `window` values."""
    cdef double out
    cdef Py_ssize_t j
    q.t += 1
    q.block[q.pos] = x
    q.running = x if x > q.running else q.running
    out = q.suffix[q.pos + 1]
    out = q.running if q.running > out else out
    q.pos += 1
    if q.pos == q.window:  # block complete: its suffix maxima serve the next `window` pushes
        q.suffix[q.window - 1] = q.block[q.window - 1]
        for j in range(q.window - 2, -1, -1):
            q.suffix[j] = q.block[j] if q.block[j] > q.suffix[j + 1] else q.suffix[j + 1]
        q.pos = 0
        q.running = -INFINITY
    return out


cdef inline double _min_push(SlidingExtreme* q, double x) noexcept nogil:
    """Push x; return the minimum of the last `window` values."""
    cdef double out
    cdef Py_ssize_t j
    q.t += 1
    q.block[q.pos] = x
    q.running = x if x < q.running else q.running
    out = q.suffix[q.pos + 1]
    out = q.running if q.running < out else out
    q.pos += 1
    if q.pos == q.window:
        q.suffix[q.window - 1] = q.block[q.window - 1]
        for j in range(q.window - 2, -1, -1):
            q.suffix[j] = q.block[j] if q.block[j] < q.suffix[j + 1] else q.suffix[j + 1]
        q.pos = 0
        q.running = INFINITY
    return out


cdef int _range_init(RangeCore* r, long long window) except -1:
    _extreme_init(&r.highest, window, -INFINITY)
    _extreme_init(&r.lowest, window, INFINITY)
    return 0


cdef inline void _range_free(RangeCore* r) noexcept:
    _extreme_free(&r.highest)
    _extreme_free(&r.lowest)


# ------------------------------------------------------------------------------------- shared cores
cdef inline double _sma_out(SmaCore* s, double oldest) noexcept nogil:
    """A full window's output; `oldest` is the window's first value, dropped from the total after it."""
    cdef double out = s.total / s.ring.size
    s.total -= oldest
    return out


cdef inline double _sma_push(SmaCore* s, double x) noexcept nogil:
    # TA_INT_SMA: add, output, then drop the window's oldest value from the running total.
    s.total += x
    _ring_push(&s.ring, x)
    if s.ring.count < s.ring.size:
        return NAN
    return _sma_out(s, s.ring.buf[s.ring.head])


cdef inline void _ema_init(EmaCore* e, int period) noexcept:
    e.period = period
    e.count = 0
    e.k = _per_to_k(period)
    e.total = 0.0
    e.value = NAN


cdef inline double _ema_next(double value, double x, double k) noexcept nogil:
    # The EMA recurrence (TA_INT_EMA), on plain values: the array functions run it on locals.
    return ((x - value) * k) + value


cdef inline double _ema_step(EmaCore* e, double x) noexcept nogil:
    e.value = _ema_next(e.value, x, e.k)
    return e.value


cdef inline double _ema_push(EmaCore* e, double x) noexcept nogil:
    # TA_INT_EMA, default compatibility: seeded with the mean of the first `period` values.
    if e.count < e.period:
        e.total += x
        e.count += 1
        if e.count < e.period:
            return NAN
        e.value = e.total / e.period
        return e.value
    return _ema_step(e, x)


cdef int _var_init(VarCore* v, Py_ssize_t period) except -1:
    _ring_init(&v.ring, period)
    v.inv_n = 1.0 / period
    v.turns = 0
    v.shift = 0.0
    v.total = 0.0
    v.total2 = 0.0
    return 0


cdef inline void _var_add(VarCore* v, double x) noexcept nogil:
    cdef double d = x - v.shift
    v.total += d
    v.total2 += d * d


cdef inline void _var_drop(VarCore* v, double x) noexcept nogil:
    cdef double d = x - v.shift
    v.total -= d
    v.total2 -= d * d


cdef inline void _var_recentre(VarCore* v, const double* window, Py_ssize_t n) noexcept nogil:
    """Re-sum the window (oldest first) around its newest value."""
    cdef Py_ssize_t i
    cdef double d
    v.shift = window[n - 1]
    v.total = 0.0
    v.total2 = 0.0
    for i in range(n):
        d = window[i] - v.shift
        v.total += d
        v.total2 += d * d


cdef enum:
    # Full turns of the window between re-centrings: a stale shift costs digits only as the mean drifts from
    # it (a few turns of drift cost none at 1e-9), while each re-centring costs a pass over the window.
    _RECENTRE_TURNS = 4


cdef inline void _var_turned(VarCore* v, const double* window, Py_ssize_t n) noexcept nogil:
    """A full turn of the window (oldest first in `window`) ended: re-centre every _RECENTRE_TURNS."""
    v.turns += 1
    if v.turns == _RECENTRE_TURNS:
        v.turns = 0
        _var_recentre(v, window, n)


cdef inline double _var_of(VarCore* v) noexcept nogil:
    # Means by multiplying with 1/n, as TA-Lib 0.8's TA_VAR does: two divisions a value would be its cost.
    cdef double m1 = v.total * v.inv_n
    return v.total2 * v.inv_n - m1 * m1


cdef inline double _var_push(VarCore* v, double x) noexcept nogil:
    """Population variance of the last `ring.size` values (NaN until full); amortised O(1).

    Re-centred after full turns of the ring (when the ring's storage order is the window's order).
    """
    cdef Py_ssize_t n = v.ring.size
    if v.ring.count == 0:
        v.shift = x
    if v.ring.count == n:
        _var_drop(v, v.ring.buf[v.ring.head])
    _ring_push(&v.ring, x)
    _var_add(v, x)
    if v.ring.count < n:
        return NAN
    if v.ring.head == 0:
        _var_turned(v, v.ring.buf, n)
    return _var_of(v)


cdef inline double _true_range(double high, double low, double prev_close) noexcept nogil:
    cdef double out = high - low
    cdef double other = fabs(high - prev_close)
    if other > out:
        out = other
    other = fabs(low - prev_close)
    if other > out:
        out = other
    return out


# ----------------------------------------------------------------------------- per-indicator cores
cdef inline double _wma_step(WmaCore* w, double x, double oldest) noexcept nogil:
    """A full window's step; `oldest` is the window's first value after x's push."""
    cdef double out
    w.period_sub += x
    w.period_sub -= w.trailing
    w.period_sum += x * w.period
    w.trailing = oldest
    out = w.period_sum / w.divider
    w.period_sum -= w.period_sub
    return out


cdef inline double _wma_push(WmaCore* w, double x) noexcept nogil:
    # TA_WMA: the weighted sum loses one copy of the plain window sum per step.
    _ring_push(&w.ring, x)
    if w.ring.count < w.ring.size:
        w.period_sub += x
        w.period_sum += x * w.ring.count
        return NAN
    return _wma_step(w, x, w.ring.buf[w.ring.head])


cdef inline double _dema_of(double e1, double e2) noexcept nogil:
    return (2.0 * e1) - e2


cdef inline double _tema_of(double e1, double e2, double e3) noexcept nogil:
    return e3 + ((3.0 * e1) - (3.0 * e2))


cdef inline double _dema_step(MultiEmaCore* m, double x) noexcept nogil:
    """A step once every EMA is past its seed (after the first output)."""
    cdef double e1 = _ema_step(&m.e1, x)
    return _dema_of(e1, _ema_step(&m.e2, e1))


cdef inline double _tema_step(MultiEmaCore* m, double x) noexcept nogil:
    """A step once every EMA is past its seed (after the first output)."""
    cdef double e1 = _ema_step(&m.e1, x)
    cdef double e2 = _ema_step(&m.e2, e1)
    return _tema_of(e1, e2, _ema_step(&m.e3, e2))


cdef inline double _dema_push(MultiEmaCore* m, double x) noexcept nogil:
    cdef double e1 = _ema_push(&m.e1, x)
    cdef double e2
    if isnan(e1):
        return NAN
    e2 = _ema_push(&m.e2, e1)
    if isnan(e2):
        return NAN
    return _dema_of(e1, e2)


cdef inline double _tema_push(MultiEmaCore* m, double x) noexcept nogil:
    cdef double e1 = _ema_push(&m.e1, x)
    cdef double e2, e3
    if isnan(e1):
        return NAN
    e2 = _ema_push(&m.e2, e1)
    if isnan(e2):
        return NAN
    e3 = _ema_push(&m.e3, e2)
    if isnan(e3):
        return NAN
    return _tema_of(e1, e2, e3)


cdef inline double _deviation(double var, double nbdev) noexcept nogil:
    # A variance that rounding left at or below 0 is a deviation of 0 (TA-Lib 0.8 keeps tiny positive ones).
    # One select, no branch, so a loop of it vectorises (the module is built without errno for sqrt).
    cdef double dev = sqrt(var) * nbdev
    return dev if var > 0.0 else 0.0


cdef inline double _stddev_of(double var, double nbdev) noexcept nogil:
    return _deviation(var, nbdev) if not isnan(var) else NAN


cdef inline double _boll_of(BollCore* b, double mean, double var) noexcept nogil:
    cdef double dev = _stddev_of(var, 1.0)
    if isnan(dev):
        return NAN
    b.upper = mean + dev * b.nbdev_up
    b.lower = mean - dev * b.nbdev_dn
    return mean


cdef inline double _boll_push(BollCore* b, double x) noexcept nogil:
    return _boll_of(b, _sma_push(&b.mid, x), _var_push(&b.var, x))


cdef inline void _macd_lines(MacdCore* m, double x) noexcept nogil:
    m.fast_value = _ema_next(m.fast_value, x, m.fast_k)
    m.slow_value = _ema_next(m.slow_value, x, m.slow_k)


cdef inline double _macd_step(MacdCore* m, double x) noexcept nogil:
    """A step once the signal EMA is past its seed (after the first output)."""
    cdef double macd
    _macd_lines(m, x)
    macd = m.fast_value - m.slow_value
    m.signal = _ema_step(&m.signal_ema, macd)
    m.hist = macd - m.signal
    return macd


cdef inline double _macd_push(MacdCore* m, double x) noexcept nogil:
    # As TA_MACD: both EMAs start on the slow EMA's first bar, the fast one seeded with the mean of the
    # `fast` values ending there (not of the first `fast` values).
    cdef double macd, sig, total
    cdef Py_ssize_t i
    if m.seed.count < m.slow:
        _ring_push(&m.seed, x)
        if m.seed.count < m.slow:
            return NAN
        # One-off seeding, in the chronological order TA_INT_EMA sums in: head is the oldest slot now.
        total = 0.0
        for i in range(m.slow - m.fast, m.slow):
            total += m.seed.buf[(m.seed.head + i) % m.slow]
        m.fast_value = total / m.fast
        total = 0.0
        for i in range(m.slow):
            total += m.seed.buf[(m.seed.head + i) % m.slow]
        m.slow_value = total / m.slow
    else:
        _macd_lines(m, x)
    macd = m.fast_value - m.slow_value
    sig = _ema_push(&m.signal_ema, macd)
    if isnan(sig):
        return NAN
    m.signal = sig
    m.hist = macd - sig
    return macd


cdef inline double _rsi_of(RsiCore* r) noexcept nogil:
    cdef double total = r.gain + r.loss
    return 100.0 * (r.gain / total) if not _is_zero(total) else 0.0


cdef inline double _rsi_step(RsiCore* r, double diff) noexcept nogil:
    """A smoothed step on the move `diff` from the previous value."""
    cdef double up = diff if diff > 0.0 else 0.0
    cdef double down = -diff if diff < 0.0 else 0.0
    r.loss = r.loss * r.keep + down * r.add
    r.gain = r.gain * r.keep + up * r.add
    return _rsi_of(r)


cdef inline double _rsi_push(RsiCore* r, double x) noexcept nogil:
    # TA_RSI, default compatibility: the mean gain/loss of the first `period` moves, then Wilder smoothing
    # (as v*(n-1)/n + move/n: a last-bit difference from TA-Lib's (v*(n-1) + move)/n, at a third the latency).
    cdef double diff, up, down
    if r.count == 0:
        r.prev = x
        r.count = 1
        return NAN
    diff = x - r.prev
    r.prev = x
    up = diff if diff > 0.0 else 0.0
    down = -diff if diff < 0.0 else 0.0
    if r.count <= r.period:
        r.gain += up
        r.loss += down
        r.count += 1
        if r.count <= r.period:
            return NAN
        r.loss /= r.period
        r.gain /= r.period
        return _rsi_of(r)
    return _rsi_step(r, diff)


cdef inline double _atr_smooth(AtrCore* a, double tr) noexcept nogil:
    # Wilder smoothing as in _rsi_push: v*(n-1)/n + tr/n.
    a.value = a.value * a.keep + tr * a.add
    return a.value


cdef inline double _natr_of(double atr, double close) noexcept nogil:
    return (atr / close) * 100.0 if not _is_zero(close) else 0.0


cdef inline double _atr_push(AtrCore* a, double high, double low, double close) noexcept nogil:
    # TA_ATR: the mean of the first `period` true ranges (from bar 1), then Wilder smoothing.
    cdef double tr
    if a.count == 0:
        a.prev_close = close
        a.count = 1
        return NAN
    tr = _true_range(high, low, a.prev_close)
    a.prev_close = close
    if a.count <= a.period:
        a.total += tr
        a.count += 1
        if a.count <= a.period:
            return NAN
        a.value = a.total / a.period
        return a.value
    return _atr_smooth(a, tr)


cdef inline double _natr_push(AtrCore* a, double high, double low, double close) noexcept nogil:
    cdef double atr = _atr_push(a, high, low, close)
    return _natr_of(atr, close) if not isnan(atr) else NAN


cdef inline double _adx_push(AdxCore* a, double high, double low, double close) noexcept nogil:
    # TA_ADX: bars 1..n-1 sum DM and TR; bars n..2n-1 smooth them and sum DX; then ADX is smoothed.
    cdef double diff_p, diff_m, tr, minus_di, plus_di, total, dx
    cdef double n = a.period
    if a.count == 0:
        a.prev_high = high
        a.prev_low = low
        a.prev_close = close
        a.count = 1
        return NAN
    diff_p = high - a.prev_high
    diff_m = a.prev_low - low
    a.prev_high = high
    a.prev_low = low
    tr = _true_range(high, low, a.prev_close)
    a.prev_close = close
    a.count += 1
    if a.count <= a.period:
        if diff_m > 0 and diff_p < diff_m:
            a.minus_dm += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            a.plus_dm += diff_p
        a.tr += tr
        return NAN
    a.minus_dm -= a.minus_dm / n
    a.plus_dm -= a.plus_dm / n
    if diff_m > 0 and diff_p < diff_m:
        a.minus_dm += diff_m
    elif diff_p > 0 and diff_p > diff_m:
        a.plus_dm += diff_p
    a.tr = a.tr - (a.tr / n) + tr
    if a.count <= 2 * a.period:
        if not _is_zero(a.tr):
            minus_di = 100.0 * (a.minus_dm / a.tr)
            plus_di = 100.0 * (a.plus_dm / a.tr)
            total = minus_di + plus_di
            if not _is_zero(total):
                a.sum_dx += 100.0 * (fabs(minus_di - plus_di) / total)
        if a.count < 2 * a.period:
            return NAN
        a.value = a.sum_dx / n
        return a.value
    if not _is_zero(a.tr):
        minus_di = 100.0 * (a.minus_dm / a.tr)
        plus_di = 100.0 * (a.plus_dm / a.tr)
        total = minus_di + plus_di
        if not _is_zero(total):
            dx = 100.0 * (fabs(minus_di - plus_di) / total)
            a.value = ((a.value * (n - 1)) + dx) / n
    return a.value


cdef inline double _cci_push(Ring* r, double high, double low, double close) noexcept nogil:
    # O(period): the mean absolute deviation has no constant-time update. Sums in storage order, as
    # TA-Lib's circular buffer does (it matters in the last bit).
    cdef double last = (high + low + close) / 3
    cdef double average = 0.0
    cdef double deviation = 0.0
    cdef double delta
    cdef Py_ssize_t j, n = r.size
    _ring_push(r, last)
    if r.count < n:
        return NAN
    for j in range(n):
        average += r.buf[j]
    average /= n
    for j in range(n):
        deviation += fabs(r.buf[j] - average)
    delta = last - average
    if not _is_zero(delta) and not _is_zero(deviation):
        return delta / (0.015 * (deviation / n))
    return 0.0


cdef inline double _fast_k(double highest, double lowest, double close) noexcept nogil:
    # TA_STOCH's raw %K, 0 when the range is empty.
    cdef double diff = (highest - lowest) / 100.0
    return (close - lowest) / diff if diff != 0.0 else 0.0


cdef inline double _stoch_push(StochCore* s, double high, double low, double close) noexcept nogil:
    cdef double hh = _max_push(&s.range.highest, high)
    cdef double ll = _min_push(&s.range.lowest, low)
    cdef double k, d
    if s.range.highest.t < s.range.highest.window:
        return NAN
    k = _sma_push(&s.slowk, _fast_k(hh, ll, close))
    if isnan(k):
        return NAN
    d = _sma_push(&s.slowd, k)
    if isnan(d):
        return NAN
    s.d = d
    return k


cdef inline double _kdj_push(KdjCore* s, double high, double low, double close) noexcept nogil:
    cdef double hh = _max_push(&s.range.highest, high)
    cdef double ll = _min_push(&s.range.lowest, low)
    if s.range.highest.t < s.range.highest.window:
        return NAN
    s.k = (_fast_k(hh, ll, close) + (s.m1 - 1) * s.k) / s.m1
    s.d = (s.k + (s.m2 - 1) * s.d) / s.m2
    s.j = 3.0 * s.k - 2.0 * s.d
    return s.k


cdef inline double _willr_push(RangeCore* r, double high, double low, double close) noexcept nogil:
    cdef double hh = _max_push(&r.highest, high)
    cdef double ll = _min_push(&r.lowest, low)
    cdef double diff
    if r.highest.t < r.highest.window:
        return NAN
    diff = (hh - ll) / (-100.0)
    return (hh - close) / diff if diff != 0.0 else 0.0


cdef inline double _obv_push(ObvCore* o, double close, double volume) noexcept nogil:
    if o.count == 0:
        o.count = 1
        o.value = volume
    elif close > o.prev:
        o.value += volume
    elif close < o.prev:
        o.value -= volume
    o.prev = close
    return o.value


cdef inline double _roc_of(double x, double old) noexcept nogil:
    return ((x / old) - 1.0) * 100.0 if old != 0.0 else 0.0


cdef inline double _roc_push(Ring* r, double x) noexcept nogil:
    _ring_push(r, x)
    if r.count < r.size:
        return NAN
    return _roc_of(x, r.buf[r.head])


cdef inline double _mom_of(double x, double old) noexcept nogil:
    return x - old


cdef inline double _mom_push(Ring* r, double x) noexcept nogil:
    _ring_push(r, x)
    if r.count < r.size:
        return NAN
    return _mom_of(x, r.buf[r.head])


cdef inline double _vwap_push(VwapCore* v, double price, double volume) noexcept nogil:
    cdef double pv = price * volume
    cdef double vwap
    v.pv_total += pv
    v.vol_total += volume
    vwap = v.pv_total / v.vol_total if v.vol_total > 0.0 else NAN
    if v.period > 0:
        _ring_push(&v.pv_ring, pv)
        _ring_push(&v.vol_ring, volume)
        if v.pv_ring.count < v.period:
            return NAN
        v.pv_total -= v.pv_ring.buf[v.pv_ring.head]
        v.vol_total -= v.vol_ring.buf[v.vol_ring.head]
    return vwap


# ------------------------------------------------------------------------------------- indicators
cdef class SMA:
    """Simple moving average of the last `period` values; NaN for the first period-1 values."""

    def __cinit__(self, int period=30):
        _check_period("SMA", "period", period, 2)
        _ring_init(&self.core.ring, period)
        self.core.total = 0.0
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.core.ring)

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _sma_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the average (NaN until `period` values were seen)."""
        _check_finite("SMA", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class EMA:
    """Exponential moving average, k = 2/(period+1), seeded with the SMA of the first `period` values."""

    def __cinit__(self, int period=30):
        _check_period("EMA", "period", period, 2)
        _ema_init(&self.core, period)
        self.period = period
        self.value = NAN

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _ema_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the average (NaN for the first period-1 values)."""
        _check_finite("EMA", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class WMA:
    """Linearly weighted moving average (weights 1..period, newest heaviest); NaN for period-1 values."""

    def __cinit__(self, int period=30):
        _check_period("WMA", "period", period, 2)
        _ring_init(&self.core.ring, period)
        self.core.period_sum = 0.0
        self.core.period_sub = 0.0
        self.core.trailing = 0.0
        self.core.divider = <double> ((period * (period + 1)) >> 1)
        self.core.period = period
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.core.ring)

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _wma_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the weighted average (NaN for the first period-1 values)."""
        _check_finite("WMA", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class DEMA:
    """Double EMA, 2*EMA - EMA(EMA); NaN for the first 2*(period-1) values."""

    def __cinit__(self, int period=30):
        _check_period("DEMA", "period", period, 2)
        _ema_init(&self.core.e1, period)
        _ema_init(&self.core.e2, period)
        self.period = period
        self.value = NAN

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _dema_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the DEMA (NaN during warm-up)."""
        _check_finite("DEMA", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class TEMA:
    """Triple EMA, 3*EMA - 3*EMA(EMA) + EMA(EMA(EMA)); NaN for the first 3*(period-1) values."""

    def __cinit__(self, int period=30):
        _check_period("TEMA", "period", period, 2)
        _ema_init(&self.core.e1, period)
        _ema_init(&self.core.e2, period)
        _ema_init(&self.core.e3, period)
        self.period = period
        self.value = NAN

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _tema_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the TEMA (NaN during warm-up)."""
        _check_finite("TEMA", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class StdDev:
    """Population standard deviation of the last `period` values times `nbdev` (TA-Lib STDDEV).

    NaN for the first period-1 values.
    """

    def __cinit__(self, int period=5, double nbdev=1.0):
        _check_period("StdDev", "period", period, 2)
        _var_init(&self.core, period)
        self.period = period
        self.nbdev = nbdev
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.core.ring)

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _stddev_of(_var_push(&self.core, x), self.nbdev)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the deviation (NaN for the first period-1 values)."""
        _check_finite("StdDev", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class Bollinger:
    """Bollinger bands on an SMA middle: `value` is the middle band, `upper`/`lower` the bands.

    NaN for the first period-1 values.
    """

    def __cinit__(self, int period=5, double nbdev_up=2.0, double nbdev_dn=2.0):
        _check_period("Bollinger", "period", period, 2)
        _ring_init(&self.core.mid.ring, period)
        self.core.mid.total = 0.0
        _var_init(&self.core.var, period)
        self.core.nbdev_up = nbdev_up
        self.core.nbdev_dn = nbdev_dn
        self.core.upper = NAN
        self.core.lower = NAN
        self.period = period
        self.nbdev_up = nbdev_up
        self.nbdev_dn = nbdev_dn
        self.value = NAN
        self.upper = NAN
        self.lower = NAN

    def __dealloc__(self):
        _ring_free(&self.core.mid.ring)
        _ring_free(&self.core.var.ring)

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _boll_push(&self.core, x)
        self.upper = self.core.upper
        self.lower = self.core.lower
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the middle band (bands in .upper/.lower)."""
        _check_finite("Bollinger", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class MACD:
    """MACD line (`value`), `signal` and `hist` as TA-Lib MACD; NaN for the first slow+signal-2 values.

    As in TA-Lib both EMAs start on the slow EMA's first bar: the fast EMA is seeded with the mean of the
    `fast` values ending there, not of the first `fast` values.
    """

    def __cinit__(self, int fast=12, int slow=26, int signal=9):
        _check_period("MACD", "fast", fast, 2)
        _check_period("MACD", "slow", slow, 2)
        _check_period("MACD", "signal", signal, 1)
        if fast > slow:
            raise ValueError(f"MACD: fast={fast} is out of range (must be <= slow={slow})")
        _ring_init(&self.core.seed, slow)
        _ema_init(&self.core.signal_ema, signal)
        self.core.fast_k = _per_to_k(fast)
        self.core.slow_k = _per_to_k(slow)
        self.core.fast = fast
        self.core.slow = slow
        self.core.signal = NAN
        self.core.hist = NAN
        self.fast = fast
        self.slow = slow
        self.signal_period = signal
        self.value = NAN
        self.signal = NAN
        self.hist = NAN

    def __dealloc__(self):
        _ring_free(&self.core.seed)

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _macd_push(&self.core, x)
        self.signal = self.core.signal
        self.hist = self.core.hist
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the MACD line (signal/hist in .signal/.hist; NaN during warm-up)."""
        _check_finite("MACD", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class RSI:
    """Wilder's relative strength index, 0..100; NaN for the first `period` values."""

    def __cinit__(self, int period=14):
        _check_period("RSI", "period", period, 2)
        self.core.period = period
        self.core.keep = (period - 1.0) / period
        self.core.add = 1.0 / period
        self.period = period
        self.value = NAN

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _rsi_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the RSI (NaN for the first `period` values)."""
        _check_finite("RSI", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class ATR:
    """Wilder's average true range; NaN for the first `period` bars (the first bar has no true range)."""

    def __cinit__(self, int period=14):
        _check_period("ATR", "period", period, 1)
        self.core.period = period
        self.core.keep = (period - 1.0) / period
        self.core.add = 1.0 / period
        self.period = period
        self.value = NAN

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        self.value = _atr_push(&self.core, high, low, close)
        return self.value

    def update(self, double high, double low, double close) -> float:
        """Add one bar; return the ATR (NaN for the first `period` bars)."""
        _check_finite("ATR", "high", high)
        _check_finite("ATR", "low", low)
        _check_finite("ATR", "close", close)
        return self.update_c(high, low, close)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class NATR:
    """ATR as a percentage of the close (0 for a zero close, as TA-Lib); NaN for the first `period` bars."""

    def __cinit__(self, int period=14):
        _check_period("NATR", "period", period, 1)
        self.core.period = period
        self.core.keep = (period - 1.0) / period
        self.core.add = 1.0 / period
        self.period = period
        self.value = NAN

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        self.value = _natr_push(&self.core, high, low, close)
        return self.value

    def update(self, double high, double low, double close) -> float:
        """Add one bar; return the NATR (NaN for the first `period` bars)."""
        _check_finite("NATR", "high", high)
        _check_finite("NATR", "low", low)
        _check_finite("NATR", "close", close)
        return self.update_c(high, low, close)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class ADX:
    """Wilder's average directional index; NaN for the first 2*period-1 bars."""

    def __cinit__(self, int period=14):
        _check_period("ADX", "period", period, 2)
        self.core.period = period
        self.core.value = NAN
        self.period = period
        self.value = NAN

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        self.value = _adx_push(&self.core, high, low, close)
        return self.value

    def update(self, double high, double low, double close) -> float:
        """Add one bar; return the ADX (NaN for the first 2*period-1 bars)."""
        _check_finite("ADX", "high", high)
        _check_finite("ADX", "low", low)
        _check_finite("ADX", "close", close)
        return self.update_c(high, low, close)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class CCI:
    """Commodity channel index of the typical price; NaN for the first period-1 bars.

    O(period) per bar: the mean absolute deviation has no constant-time update.
    """

    def __cinit__(self, int period=14):
        _check_period("CCI", "period", period, 2)
        _ring_init(&self.core, period)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.core)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        self.value = _cci_push(&self.core, high, low, close)
        return self.value

    def update(self, double high, double low, double close) -> float:
        """Add one bar; return the CCI (NaN for the first period-1 bars)."""
        _check_finite("CCI", "high", high)
        _check_finite("CCI", "low", low)
        _check_finite("CCI", "close", close)
        return self.update_c(high, low, close)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class Stoch:
    """Slow stochastic (TA-Lib STOCH, SMA smoothing): `value` is slow %K, `d` slow %D.

    NaN for the first fastk+slowk+slowd-3 bars.
    """

    def __cinit__(self, int fastk_period=5, int slowk_period=3, int slowd_period=3):
        _check_period("Stoch", "fastk_period", fastk_period, 1)
        _check_period("Stoch", "slowk_period", slowk_period, 1)
        _check_period("Stoch", "slowd_period", slowd_period, 1)
        _range_init(&self.core.range, fastk_period)
        _ring_init(&self.core.slowk.ring, slowk_period)
        _ring_init(&self.core.slowd.ring, slowd_period)
        self.core.d = NAN
        self.fastk_period = fastk_period
        self.slowk_period = slowk_period
        self.slowd_period = slowd_period
        self.value = NAN
        self.d = NAN

    def __dealloc__(self):
        _range_free(&self.core.range)
        _ring_free(&self.core.slowk.ring)
        _ring_free(&self.core.slowd.ring)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        self.value = _stoch_push(&self.core, high, low, close)
        self.d = self.core.d
        return self.value

    def update(self, double high, double low, double close) -> float:
        """Add one bar; return slow %K (slow %D in .d; NaN during warm-up)."""
        _check_finite("Stoch", "high", high)
        _check_finite("Stoch", "low", low)
        _check_finite("Stoch", "close", close)
        return self.update_c(high, low, close)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class KDJ:
    """KDJ as Chinese charting software defines it: RSV over `period` bars, K = SMA(RSV, m1, 1),
    D = SMA(K, m2, 1), J = 3K - 2D, with K and D starting from 50.

    `value` is K; `d` and `j` the others. NaN for the first period-1 bars; RSV is 0 on an empty range.
    Not in TA-Lib (its Stoch is the TA-Lib-equal variant).
    """

    def __cinit__(self, int period=9, int m1=3, int m2=3):
        _check_period("KDJ", "period", period, 1)
        _check_period("KDJ", "m1", m1, 1)
        _check_period("KDJ", "m2", m2, 1)
        _range_init(&self.core.range, period)
        self.core.m1 = m1
        self.core.m2 = m2
        self.core.k = 50.0
        self.core.d = 50.0
        self.core.j = NAN
        self.period = period
        self.m1 = m1
        self.m2 = m2
        self.value = NAN
        self.d = NAN
        self.j = NAN

    def __dealloc__(self):
        _range_free(&self.core.range)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        self.value = _kdj_push(&self.core, high, low, close)
        if not isnan(self.value):
            self.d = self.core.d
            self.j = self.core.j
        return self.value

    def update(self, double high, double low, double close) -> float:
        """Add one bar; return K (D and J in .d/.j; NaN for the first period-1 bars)."""
        _check_finite("KDJ", "high", high)
        _check_finite("KDJ", "low", low)
        _check_finite("KDJ", "close", close)
        return self.update_c(high, low, close)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class WillR:
    """Williams %R, -100..0; NaN for the first period-1 bars."""

    def __cinit__(self, int period=14):
        _check_period("WillR", "period", period, 2)
        _range_init(&self.core, period)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _range_free(&self.core)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        self.value = _willr_push(&self.core, high, low, close)
        return self.value

    def update(self, double high, double low, double close) -> float:
        """Add one bar; return %R (NaN for the first period-1 bars)."""
        _check_finite("WillR", "high", high)
        _check_finite("WillR", "low", low)
        _check_finite("WillR", "close", close)
        return self.update_c(high, low, close)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class OBV:
    """On-balance volume; starts at the first bar's volume (as TA-Lib), so it is never NaN."""

    def __cinit__(self):
        self.core.count = 0
        self.value = NAN

    cdef double update_c(self, double close, double volume) noexcept nogil:
        self.value = _obv_push(&self.core, close, volume)
        return self.value

    def update(self, double close, double volume) -> float:
        """Add one bar; return the running OBV."""
        _check_finite("OBV", "close", close)
        _check_finite("OBV", "volume", volume)
        return self.update_c(close, volume)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class ROC:
    """Rate of change in percent, (x/x[-period] - 1)*100 (0 when x[-period] is 0); NaN for `period` values."""

    def __cinit__(self, int period=10):
        _check_period("ROC", "period", period, 1)
        _ring_init(&self.core, period + 1)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.core)

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _roc_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the ROC (NaN for the first `period` values)."""
        _check_finite("ROC", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class MOM:
    """Momentum, x - x[-period]; NaN for the first `period` values."""

    def __cinit__(self, int period=10):
        _check_period("MOM", "period", period, 1)
        _ring_init(&self.core, period + 1)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.core)

    cdef double update_c(self, double x) noexcept nogil:
        self.value = _mom_push(&self.core, x)
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the momentum (NaN for the first `period` values)."""
        _check_finite("MOM", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class Donchian:
    """Donchian channel: `upper` the highest high, `lower` the lowest low of `period` bars, `value` the middle.

    NaN for the first period-1 bars (TA-Lib MAX/MIN).
    """

    def __cinit__(self, int period=20):
        _check_period("Donchian", "period", period, 2)
        _range_init(&self.core, period)
        self.period = period
        self.value = NAN
        self.upper = NAN
        self.lower = NAN

    def __dealloc__(self):
        _range_free(&self.core)

    cdef double update_c(self, double high, double low) noexcept nogil:
        cdef double hh = _max_push(&self.core.highest, high)
        cdef double ll = _min_push(&self.core.lowest, low)
        if self.core.highest.t < self.period:
            return NAN
        self.upper = hh
        self.lower = ll
        self.value = (hh + ll) / 2.0
        return self.value

    def update(self, double high, double low) -> float:
        """Add one bar; return the middle (bands in .upper/.lower; NaN for the first period-1 bars)."""
        _check_finite("Donchian", "high", high)
        _check_finite("Donchian", "low", low)
        return self.update_c(high, low)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class VWAP:
    """Volume-weighted average price: sum(price*volume)/sum(volume), cumulative (period=0, reset() at the
    start of a session) or over the last `period` values. NaN while the summed volume is 0, and for the
    first period-1 values of a windowed VWAP. Not in TA-Lib.
    """

    def __cinit__(self, int period=0):
        _check_period("VWAP", "period", period, 0)
        if period > 0:
            _ring_init(&self.core.pv_ring, period)
            _ring_init(&self.core.vol_ring, period)
        self.core.period = period
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.core.pv_ring)
        _ring_free(&self.core.vol_ring)

    def reset(self) -> None:
        """Start over (a cumulative VWAP restarts each session)."""
        self.core.pv_total = 0.0
        self.core.vol_total = 0.0
        self.core.pv_ring.head = self.core.pv_ring.count = 0
        self.core.vol_ring.head = self.core.vol_ring.count = 0
        self.value = NAN

    cdef double update_c(self, double price, double volume) noexcept nogil:
        self.value = _vwap_push(&self.core, price, volume)
        return self.value

    def update(self, double price, double volume) -> float:
        """Add one trade or bar; return the VWAP (NaN during warm-up or on zero volume)."""
        _check_finite("VWAP", "price", price)
        _check_finite("VWAP", "volume", volume)
        if volume < 0.0:
            raise ValueError(f"VWAP.update: volume={volume!r} is negative")
        return self.update_c(price, volume)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


# --------------------------------------------------------------------------------- array functions
# Each runs the indicator's push function over a local copy of a fresh object's state (the object owns
# the buffers), so the state stays in registers instead of being re-read after every output store.
cdef inline uint64_t _non_finite_bit(double x) noexcept nogil:
    """The sign bit is set when x is inf or NaN: an all-ones exponent carries into it, no other exponent does.

    OR-ed over a loop's inputs, the sign bit of the result says whether any was not finite: the array
    functions check their inputs in the loop that reads them anyway, instead of in a pass of their own.
    """
    cdef uint64_t bits
    memcpy(&bits, &x, sizeof(double))
    return (bits & 0x7FF0000000000000ULL) + 0x0010000000000000ULL


cdef Py_ssize_t _first_non_finite(const double* x, Py_ssize_t start, Py_ssize_t n) noexcept nogil:
    """Index of the first inf or NaN in x[start:n], or n."""
    cdef Py_ssize_t i
    for i in range(start, n):
        if not isfinite(x[i]):
            return i
    return n


cdef int _raise_if_non_finite(str func, tuple names, list arrays, Py_ssize_t start, Py_ssize_t n,
                              uint64_t seen) except -1:
    """Raise naming the first non-finite input value when the loop's OR of _non_finite_bit says there is one.

    The loop ran over it on a local copy of the state (nothing kept), so raising after it loses nothing.
    """
    cdef double[::1] view
    cdef Py_ssize_t i
    if not (seen & 0x8000000000000000ULL):
        return 0
    for name, a in zip(names, arrays):
        view = a
        i = _first_non_finite(&view[0], start, n)
        if i < n:
            raise ValueError(f"{func}: {name}[{i}]={view[i]!r} is not finite (only leading NaNs are allowed)")
    return 0


cdef tuple _inputs(str func, tuple names, tuple arrays):
    """Float64 contiguous views of equal-length inputs, and the first index where all are non-NaN.

    Leading NaNs (as a chained indicator's warm-up leaves) are skipped, as the TA-Lib wrapper does; a
    non-finite value after that would corrupt the running state, so it is an error: each array function
    ORs _non_finite_bit over the values it reads and ends with _raise_if_non_finite.
    """
    cdef list out = []
    cdef Py_ssize_t n = -1, start = 0, i
    cdef double[::1] view
    for name, arr in zip(names, arrays):
        a = np.ascontiguousarray(arr, dtype=np.float64)
        if a.ndim != 1:
            raise ValueError(f"{func}: {name} must be one-dimensional, got shape {a.shape}")
        if n >= 0 and a.shape[0] != n:
            raise ValueError(f"{func}: {name} has {a.shape[0]} values, {names[0]} has {n}")
        n = a.shape[0]
        out.append(a)
    for a in out:
        view = a
        i = start
        while i < n and isnan(view[i]):
            i += 1
        start = i
    return out, start, n


cdef object _nan_prefixed(Py_ssize_t n, Py_ssize_t start):
    out = np.empty(n, dtype=np.float64)
    out[:start] = np.nan
    return out


# Input names of the array functions, in the order their non-finite values are reported.
_X = ("x",)
_HLC = ("high", "low", "close")


def sma(x, int period=30):
    """SMA over an array (TA-Lib SMA)."""
    cdef Py_ssize_t i, start, n
    cdef SMA ind = SMA(period)
    cdef SmaCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("sma", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    # Past the warm-up the window's oldest value is read from the input instead of the ring.
    with nogil:
        for i in range(start, min(start + period, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _sma_push(&core, xv[i])
        for i in range(start + period, n):
            seen |= _non_finite_bit(xv[i])
            core.total += xv[i]
            ov[i] = _sma_out(&core, xv[i - period + 1])
    _raise_if_non_finite("sma", _X, arrays, start, n, seen)
    return out


def ema(x, int period=30):
    """EMA over an array (TA-Lib EMA)."""
    cdef Py_ssize_t i, start, n
    cdef EMA ind = EMA(period)
    cdef EmaCore core = ind.core
    cdef uint64_t seen = 0
    cdef double value, k
    arrays, start, n = _inputs("ema", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    # Past the seed, _ema_step on locals: the value stays in a register instead of the struct in memory,
    # which every output store might alias.
    with nogil:
        for i in range(start, min(start + period, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _ema_push(&core, xv[i])
        value, k = core.value, core.k
        for i in range(start + period, n):
            seen |= _non_finite_bit(xv[i])
            value = _ema_next(value, xv[i], k)
            ov[i] = value
    _raise_if_non_finite("ema", _X, arrays, start, n, seen)
    return out


def wma(x, int period=30):
    """WMA over an array (TA-Lib WMA)."""
    cdef Py_ssize_t i, start, n
    cdef WMA ind = WMA(period)
    cdef WmaCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("wma", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    # Past the warm-up the window's first value is read from the input instead of the ring.
    with nogil:
        for i in range(start, min(start + period, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _wma_push(&core, xv[i])
        for i in range(start + period, n):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _wma_step(&core, xv[i], xv[i - period + 1])
    _raise_if_non_finite("wma", _X, arrays, start, n, seen)
    return out


def dema(x, int period=30):
    """DEMA over an array (TA-Lib DEMA)."""
    cdef Py_ssize_t i, start, n
    cdef DEMA ind = DEMA(period)
    cdef MultiEmaCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("dema", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    cdef Py_ssize_t warm = start + 2 * (period - 1) + 1  # through the first output
    with nogil:
        for i in range(start, min(warm, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _dema_push(&core, xv[i])
        for i in range(warm, n):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _dema_step(&core, xv[i])
    _raise_if_non_finite("dema", _X, arrays, start, n, seen)
    return out


def tema(x, int period=30):
    """TEMA over an array (TA-Lib TEMA)."""
    cdef Py_ssize_t i, start, n
    cdef TEMA ind = TEMA(period)
    cdef MultiEmaCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("tema", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    cdef Py_ssize_t warm = start + 3 * (period - 1) + 1  # through the first output
    with nogil:
        for i in range(start, min(warm, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _tema_push(&core, xv[i])
        for i in range(warm, n):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _tema_step(&core, xv[i])
    _raise_if_non_finite("tema", _X, arrays, start, n, seen)
    return out


cdef inline double _var_slide(VarCore* v, const double* x, Py_ssize_t i, Py_ssize_t period,
                              Py_ssize_t* turn) noexcept nogil:
    """_var_push of x[i] on a full window read from the input: the value leaving is x[i - period]; every
    `period` steps (`turn` counts them) a turn ends, as when the ring comes round to slot 0."""
    _var_drop(v, x[i - period])
    _var_add(v, x[i])
    turn[0] += 1
    if turn[0] == period:
        turn[0] = 0
        _var_turned(v, x + i - period + 1, period)
    return _var_of(v)


def stddev(x, int period=5, double nbdev=1.0):
    """Standard deviation over an array (TA-Lib STDDEV)."""
    cdef Py_ssize_t i, start, n, turn = 0
    cdef StdDev ind = StdDev(period, nbdev)
    cdef VarCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("stddev", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    # The first `period` pushes fill the ring and end on a re-centring, so `turn` starts at 0 after them.
    # Variances first, then the deviations in a pass of their own: that one has no carried state, so the
    # square roots vectorise instead of queueing behind the variance's divisions.
    with nogil:
        for i in range(start, min(start + period, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _var_push(&core, xv[i])
        for i in range(start + period, n):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _var_slide(&core, &xv[0], i, period, &turn)
        for i in range(start + period - 1, n):
            ov[i] = _deviation(ov[i], nbdev)
    _raise_if_non_finite("stddev", _X, arrays, start, n, seen)
    return out


def bbands(x, int period=5, double nbdev_up=2.0, double nbdev_dn=2.0):
    """Bollinger bands over an array: (upper, middle, lower), as TA-Lib BBANDS with an SMA."""
    cdef Py_ssize_t i, start, n, turn = 0
    cdef Bollinger ind = Bollinger(period, nbdev_up, nbdev_dn)
    cdef BollCore core = ind.core
    cdef uint64_t seen = 0
    cdef double mean
    arrays, start, n = _inputs("bbands", _X, (x,))
    upper = _nan_prefixed(n, start)
    middle = _nan_prefixed(n, start)
    lower = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], uv = upper, mv = middle, lv = lower
    with nogil:
        for i in range(start, min(start + period, n)):
            seen |= _non_finite_bit(xv[i])
            mv[i] = _boll_push(&core, xv[i])
            uv[i] = core.upper
            lv[i] = core.lower
        for i in range(start + period, n):
            seen |= _non_finite_bit(xv[i])
            core.mid.total += xv[i]
            mean = _sma_out(&core.mid, xv[i - period + 1])
            mv[i] = _boll_of(&core, mean, _var_slide(&core.var, &xv[0], i, period, &turn))
            uv[i] = core.upper
            lv[i] = core.lower
    _raise_if_non_finite("bbands", _X, arrays, start, n, seen)
    return upper, middle, lower


cdef uint64_t _macd_into(MacdCore* core, const double* x, double* line, double* sig, double* hist,
                        Py_ssize_t begin, Py_ssize_t end, bint warming) noexcept nogil:
    """MACD of x[begin:end] into the outputs: the push while `warming` (through the first output), else the
    step; the OR of the values' _non_finite_bit. Kept out of macd() (_macd_kernel) so that its local copy of
    the state stays in registers: inlined there, the compiler kept the EMA values in memory, a store and a
    load on every step's dependency chain."""
    cdef Py_ssize_t i
    cdef uint64_t seen = 0
    cdef MacdCore m = core[0]
    if warming:
        for i in range(begin, end):
            seen |= _non_finite_bit(x[i])
            line[i] = _macd_push(&m, x[i])
            sig[i] = m.signal
            hist[i] = m.hist
    else:
        for i in range(begin, end):
            seen |= _non_finite_bit(x[i])
            line[i] = _macd_step(&m, x[i])
            sig[i] = m.signal
            hist[i] = m.hist
    core[0] = m
    return seen


ctypedef uint64_t (*_MacdKernel)(MacdCore*, const double*, double*, double*, double*, Py_ssize_t, Py_ssize_t,
                                 bint) noexcept nogil
# Called through this pointer, which the compiler cannot see through, so it does not inline the kernel.
cdef _MacdKernel _macd_kernel = _macd_into


def macd(x, int fast=12, int slow=26, int signal=9):
    """MACD over an array: (macd, signal, hist), as TA-Lib MACD."""
    cdef Py_ssize_t start, n
    cdef MACD ind = MACD(fast, slow, signal)
    cdef MacdCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("macd", _X, (x,))
    line = _nan_prefixed(n, start)
    sig = _nan_prefixed(n, start)
    hist = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], lv = line, sv = sig, hv = hist
    cdef Py_ssize_t warm = min(start + (core.slow - 1) + (signal - 1) + 1, n)  # through the first output
    if n > 0:
        with nogil:
            seen = _macd_kernel(&core, &xv[0], &lv[0], &sv[0], &hv[0], start, warm, True)
            seen |= _macd_kernel(&core, &xv[0], &lv[0], &sv[0], &hv[0], warm, n, False)
    _raise_if_non_finite("macd", _X, arrays, start, n, seen)
    return line, sig, hist


def rsi(x, int period=14):
    """RSI over an array (TA-Lib RSI)."""
    cdef Py_ssize_t i, start, n
    cdef RSI ind = RSI(period)
    cdef RsiCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("rsi", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    with nogil:
        for i in range(start, min(start + period + 1, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _rsi_push(&core, xv[i])
        for i in range(start + period + 1, n):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _rsi_step(&core, xv[i] - xv[i - 1])
    _raise_if_non_finite("rsi", _X, arrays, start, n, seen)
    return out


def roc(x, int period=10):
    """Rate of change over an array (TA-Lib ROC)."""
    cdef Py_ssize_t i, start, n
    cdef ROC ind = ROC(period)
    cdef Ring core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("roc", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    # Past the warm-up the window's oldest value is the input itself, period values back: no ring.
    with nogil:
        for i in range(start, min(start + period, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _roc_push(&core, xv[i])
        for i in range(start + period, n):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _roc_of(xv[i], xv[i - period])
    _raise_if_non_finite("roc", _X, arrays, start, n, seen)
    return out


def mom(x, int period=10):
    """Momentum over an array (TA-Lib MOM)."""
    cdef Py_ssize_t i, start, n
    cdef MOM ind = MOM(period)
    cdef Ring core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("mom", _X, (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = arrays[0], ov = out
    # Past the warm-up the window's oldest value is the input itself, period values back: no ring.
    with nogil:
        for i in range(start, min(start + period, n)):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _mom_push(&core, xv[i])
        for i in range(start + period, n):
            seen |= _non_finite_bit(xv[i])
            ov[i] = _mom_of(xv[i], xv[i - period])
    _raise_if_non_finite("mom", _X, arrays, start, n, seen)
    return out


cdef inline uint64_t _non_finite_bar(double high, double low, double close) noexcept nogil:
    return _non_finite_bit(high) | _non_finite_bit(low) | _non_finite_bit(close)


cdef uint64_t _atr_into(AtrCore* core, const double* h, const double* lo, const double* c, double* out,
                       Py_ssize_t start, Py_ssize_t n, bint normalised) noexcept nogil:
    """ATR (NATR when `normalised`) of bars start..n-1 into out (warm-up through the push; then the true
    range reads the previous close from the input); the OR of the bars' _non_finite_bit."""
    cdef Py_ssize_t i
    cdef uint64_t seen = 0
    cdef double atr
    cdef AtrCore a = core[0]  # a local copy stays in registers: `out` might alias *core
    for i in range(start, min(start + a.period + 1, n)):
        seen |= _non_finite_bar(h[i], lo[i], c[i])
        out[i] = _natr_push(&a, h[i], lo[i], c[i]) if normalised else _atr_push(&a, h[i], lo[i], c[i])
    for i in range(start + a.period + 1, n):
        seen |= _non_finite_bar(h[i], lo[i], c[i])
        atr = _atr_smooth(&a, _true_range(h[i], lo[i], c[i - 1]))
        out[i] = _natr_of(atr, c[i]) if normalised else atr
    core[0] = a
    return seen


def atr(high, low, close, int period=14):
    """ATR over arrays (TA-Lib ATR)."""
    cdef Py_ssize_t start, n
    cdef ATR ind = ATR(period)
    cdef AtrCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("atr", _HLC, (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = arrays[0], lv = arrays[1], cv = arrays[2], ov = out
    if n > 0:
        with nogil:
            seen = _atr_into(&core, &hv[0], &lv[0], &cv[0], &ov[0], start, n, False)
    _raise_if_non_finite("atr", _HLC, arrays, start, n, seen)
    return out


def natr(high, low, close, int period=14):
    """NATR over arrays (TA-Lib NATR)."""
    cdef Py_ssize_t start, n
    cdef NATR ind = NATR(period)
    cdef AtrCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("natr", _HLC, (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = arrays[0], lv = arrays[1], cv = arrays[2], ov = out
    if n > 0:
        with nogil:
            seen = _atr_into(&core, &hv[0], &lv[0], &cv[0], &ov[0], start, n, True)
    _raise_if_non_finite("natr", _HLC, arrays, start, n, seen)
    return out


def adx(high, low, close, int period=14):
    """ADX over arrays (TA-Lib ADX)."""
    cdef Py_ssize_t i, start, n
    cdef ADX ind = ADX(period)
    cdef AdxCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("adx", _HLC, (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = arrays[0], lv = arrays[1], cv = arrays[2], ov = out
    with nogil:
        for i in range(start, n):
            seen |= _non_finite_bar(hv[i], lv[i], cv[i])
            ov[i] = _adx_push(&core, hv[i], lv[i], cv[i])
    _raise_if_non_finite("adx", _HLC, arrays, start, n, seen)
    return out


def cci(high, low, close, int period=14):
    """CCI over arrays (TA-Lib CCI)."""
    cdef Py_ssize_t i, start, n
    cdef CCI ind = CCI(period)
    cdef Ring core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("cci", _HLC, (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = arrays[0], lv = arrays[1], cv = arrays[2], ov = out
    with nogil:
        for i in range(start, n):
            seen |= _non_finite_bar(hv[i], lv[i], cv[i])
            ov[i] = _cci_push(&core, hv[i], lv[i], cv[i])
    _raise_if_non_finite("cci", _HLC, arrays, start, n, seen)
    return out


def willr(high, low, close, int period=14):
    """Williams %R over arrays (TA-Lib WILLR)."""
    cdef Py_ssize_t i, start, n
    cdef WillR ind = WillR(period)
    cdef RangeCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("willr", _HLC, (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = arrays[0], lv = arrays[1], cv = arrays[2], ov = out
    with nogil:
        for i in range(start, n):
            seen |= _non_finite_bar(hv[i], lv[i], cv[i])
            ov[i] = _willr_push(&core, hv[i], lv[i], cv[i])
    _raise_if_non_finite("willr", _HLC, arrays, start, n, seen)
    return out


def stoch(high, low, close, int fastk_period=5, int slowk_period=3, int slowd_period=3):
    """Slow stochastic over arrays: (slowk, slowd), as TA-Lib STOCH with SMA smoothing."""
    cdef Py_ssize_t i, start, n
    cdef Stoch ind = Stoch(fastk_period, slowk_period, slowd_period)
    cdef StochCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("stoch", _HLC, (high, low, close))
    k = _nan_prefixed(n, start)
    d = _nan_prefixed(n, start)
    cdef double[::1] hv = arrays[0], lv = arrays[1], cv = arrays[2], kv = k, dv = d
    with nogil:
        for i in range(start, n):
            seen |= _non_finite_bar(hv[i], lv[i], cv[i])
            kv[i] = _stoch_push(&core, hv[i], lv[i], cv[i])
            dv[i] = core.d
    _raise_if_non_finite("stoch", _HLC, arrays, start, n, seen)
    return k, d


def kdj(high, low, close, int period=9, int m1=3, int m2=3):
    """KDJ over arrays: (k, d, j); see KDJ."""
    cdef Py_ssize_t i, start, n
    cdef KDJ ind = KDJ(period, m1, m2)
    cdef KdjCore core = ind.core
    cdef uint64_t seen = 0
    arrays, start, n = _inputs("kdj", _HLC, (high, low, close))
    k = _nan_prefixed(n, start)
    d = _nan_prefixed(n, start)
    j = _nan_prefixed(n, start)
    cdef double[::1] hv = arrays[0], lv = arrays[1], cv = arrays[2], kv = k, dv = d, jv = j
    with nogil:
        for i in range(start, n):
            seen |= _non_finite_bar(hv[i], lv[i], cv[i])
            kv[i] = _kdj_push(&core, hv[i], lv[i], cv[i])
            dv[i] = core.d if not isnan(kv[i]) else NAN
            jv[i] = core.j
    _raise_if_non_finite("kdj", _HLC, arrays, start, n, seen)
    return k, d, j


cdef inline double _max2(double a, double b) noexcept nogil:
    return a if a > b else b


cdef inline double _min2(double a, double b) noexcept nogil:
    return a if a < b else b


cdef uint64_t _channel_into(const double* h, const double* lo, double* upper, double* middle, double* lower,
                            double* suffix_h, double* suffix_l, Py_ssize_t start, Py_ssize_t n,
                            Py_ssize_t w) noexcept nogil:
    """Donchian channel of bars start..n-1 (NaN until `w` bars) into the outputs; the OR of _non_finite_bit.

    The sliding extremes of SlidingExtreme (van Herk / Gil-Werman) over blocks of `w` bars read straight from
    the input: a window is the tail of the previous block, whose suffix extremes `suffix_*` (w + 1 slots)
    hold, plus the current block so far. Extremes are exact, so the blocks need not line up with the
    incremental object's: the values are the same.
    """
    cdef Py_ssize_t i, j, block, end
    cdef double run_h, run_l, hh, ll
    cdef uint64_t seen = 0
    suffix_h[w] = -INFINITY
    suffix_l[w] = INFINITY
    block = start
    while block < n:
        end = block + w if block + w < n else n
        run_h = -INFINITY
        run_l = INFINITY
        if block == start:  # no previous block: only the first block's last bar has a whole window
            for i in range(block, end):
                seen |= _non_finite_bit(h[i]) | _non_finite_bit(lo[i])
                run_h = _max2(h[i], run_h)
                run_l = _min2(lo[i], run_l)
                upper[i] = middle[i] = lower[i] = NAN
            if end - block == w:
                upper[end - 1] = run_h
                lower[end - 1] = run_l
                middle[end - 1] = (run_h + run_l) / 2.0
        else:
            for i in range(block, end):
                seen |= _non_finite_bit(h[i]) | _non_finite_bit(lo[i])
                run_h = _max2(h[i], run_h)
                run_l = _min2(lo[i], run_l)
                hh = _max2(suffix_h[i - block + 1], run_h)
                ll = _min2(suffix_l[i - block + 1], run_l)
                upper[i] = hh
                lower[i] = ll
                middle[i] = (hh + ll) / 2.0
        if end - block == w:  # this block's suffix extremes serve the next block's windows
            for j in range(w - 1, -1, -1):
                suffix_h[j] = _max2(h[block + j], suffix_h[j + 1])
                suffix_l[j] = _min2(lo[block + j], suffix_l[j + 1])
        block = end
    return seen


def donchian(high, low, int period=20):
    """Donchian channel over arrays: (upper, middle, lower)."""
    cdef Py_ssize_t start, n
    cdef uint64_t seen = 0
    Donchian(period)  # the period's check
    names = ("high", "low")
    arrays, start, n = _inputs("donchian", names, (high, low))
    upper = _nan_prefixed(n, start)
    middle = _nan_prefixed(n, start)
    lower = _nan_prefixed(n, start)
    suffixes = np.empty(2 * (period + 1))
    cdef double[::1] hv = arrays[0], lv = arrays[1], uv = upper, mv = middle, wv = lower, sv = suffixes
    if n > start:
        with nogil:
            seen = _channel_into(&hv[0], &lv[0], &uv[0], &mv[0], &wv[0], &sv[0], &sv[period + 1], start, n,
                                 period)
    _raise_if_non_finite("donchian", names, arrays, start, n, seen)
    return upper, middle, lower


def obv(close, volume):
    """On-balance volume over arrays (TA-Lib OBV)."""
    cdef Py_ssize_t i, start, n
    cdef OBV ind = OBV()
    cdef ObvCore core = ind.core
    cdef uint64_t seen = 0
    names = ("close", "volume")
    arrays, start, n = _inputs("obv", names, (close, volume))
    out = _nan_prefixed(n, start)
    cdef double[::1] cv = arrays[0], vv = arrays[1], ov = out
    with nogil:
        for i in range(start, n):
            seen |= _non_finite_bit(cv[i]) | _non_finite_bit(vv[i])
            ov[i] = _obv_push(&core, cv[i], vv[i])
    _raise_if_non_finite("obv", names, arrays, start, n, seen)
    return out


def vwap(price, volume, int period=0):
    """VWAP over arrays, cumulative (period=0) or windowed; see VWAP."""
    cdef Py_ssize_t i, start, n
    cdef VWAP ind = VWAP(period)
    cdef VwapCore core = ind.core
    cdef uint64_t seen = 0
    names = ("price", "volume")
    arrays, start, n = _inputs("vwap", names, (price, volume))
    out = _nan_prefixed(n, start)
    cdef double[::1] pv = arrays[0], vv = arrays[1], ov = out
    with nogil:
        for i in range(start, n):
            seen |= _non_finite_bit(pv[i]) | _non_finite_bit(vv[i])
            ov[i] = _vwap_push(&core, pv[i], vv[i])
    _raise_if_non_finite("vwap", names, arrays, start, n, seen)
    if (arrays[1][start:] < 0).any():
        raise ValueError("vwap: volume holds negative values")
    return out
