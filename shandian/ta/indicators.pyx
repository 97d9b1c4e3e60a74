# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Incremental technical indicators, O(1) per value, numerically equal to TA-Lib.

Each indicator is an object fed one value (or one bar) at a time: `update(...)` returns the new output,
NaN during warm-up. Warm-up ends on the same bar as TA-Lib's first output (its lookback, with TA-Lib's
default unstable period of 0) and the values after it follow TA-Lib's own recurrences and seeds, operation
for operation, so a stream fed from the first bar reproduces TA-Lib's array output. The array functions at
the end of this module run the same objects over numpy arrays.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport NAN, fabs, isfinite, isnan, sqrt

import numpy as np

# TA-Lib's tests for zero: |v| < 1e-8 (TA_IS_ZERO) and v < 1e-8 (TA_IS_ZERO_OR_NEG); kept for equality.
cdef double TA_EPSILON = 0.00000001


cdef inline bint _is_zero(double v) noexcept nogil:
    return -TA_EPSILON < v and v < TA_EPSILON


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


# ------------------------------------------------------------------------------------ monotonic deque
cdef int _deque_init(MonoDeque* q, long long window, bint keep_max) except -1:
    q.val = <double*> PyMem_Malloc((window + 1) * sizeof(double))
    q.seq = <long long*> PyMem_Malloc((window + 1) * sizeof(long long))
    if q.val == NULL or q.seq == NULL:
        raise MemoryError()
    q.cap = window + 1  # room for the new value before the expired front leaves
    q.front = 0
    q.length = 0
    q.t = 0
    q.window = window
    q.keep_max = keep_max
    return 0


cdef inline void _deque_free(MonoDeque* q) noexcept:
    PyMem_Free(q.val)
    PyMem_Free(q.seq)
    q.val = NULL
    q.seq = NULL


cdef inline double _deque_push(MonoDeque* q, double x) noexcept nogil:
    """Push x; return the max (or min) of the last `window` values pushed."""
    cdef Py_ssize_t back
    q.t += 1
    while q.length > 0:
        back = q.front + q.length - 1
        if back >= q.cap:
            back -= q.cap
        if (q.val[back] <= x) if q.keep_max else (q.val[back] >= x):
            q.length -= 1
        else:
            break
    back = q.front + q.length
    if back >= q.cap:
        back -= q.cap
    q.val[back] = x
    q.seq[back] = q.t
    q.length += 1
    # Sequence numbers grow by one per push, so at most the front expires.
    if q.seq[q.front] <= q.t - q.window:
        q.front += 1
        if q.front == q.cap:
            q.front = 0
        q.length -= 1
    return q.val[q.front]


# ------------------------------------------------------------------------------------- shared cores
cdef inline double _sma_push(SmaCore* s, double x) noexcept nogil:
    # TA_INT_SMA: add, output, then drop the window's oldest value from the running total.
    cdef double out
    s.total += x
    _ring_push(&s.ring, x)
    if s.ring.count < s.ring.size:
        return NAN
    out = s.total / s.ring.size
    s.total -= s.ring.buf[s.ring.head]
    return out


cdef inline void _ema_init(EmaCore* e, int period) noexcept:
    e.period = period
    e.count = 0
    e.k = _per_to_k(period)
    e.total = 0.0
    e.value = NAN


cdef inline double _ema_push(EmaCore* e, double x) noexcept nogil:
    # TA_INT_EMA, default compatibility: seeded with the mean of the first `period` values.
    if e.count < e.period:
        e.total += x
        e.count += 1
        if e.count < e.period:
            return NAN
        e.value = e.total / e.period
        return e.value
    e.value = ((x - e.value) * e.k) + e.value
    return e.value


cdef int _var_init(VarCore* v, Py_ssize_t period) except -1:
    _ring_init(&v.ring, period)
    v.shift = 0.0
    v.total = 0.0
    v.total2 = 0.0
    return 0


cdef inline double _var_push(VarCore* v, double x) noexcept nogil:
    """Population variance of the last `ring.size` values (NaN until full); amortised O(1)."""
    cdef double d, m1
    cdef Py_ssize_t n = v.ring.size, i
    if v.ring.count == 0:
        v.shift = x
    if v.ring.count == n:
        d = v.ring.buf[v.ring.head] - v.shift
        v.total -= d
        v.total2 -= d * d
    _ring_push(&v.ring, x)
    d = x - v.shift
    v.total += d
    v.total2 += d * d
    if v.ring.count < n:
        return NAN
    if v.ring.head == 0:
        v.shift = x
        v.total = 0.0
        v.total2 = 0.0
        for i in range(n):
            d = v.ring.buf[i] - x
            v.total += d
            v.total2 += d * d
    m1 = v.total / n
    return v.total2 / n - m1 * m1


cdef inline double _true_range(double high, double low, double prev_close) noexcept nogil:
    cdef double out = high - low
    cdef double other = fabs(high - prev_close)
    if other > out:
        out = other
    other = fabs(low - prev_close)
    if other > out:
        out = other
    return out


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
        _ring_init(&self.ring, period)
        self.period_sum = 0.0
        self.period_sub = 0.0
        self.trailing = 0.0
        self.divider = <double> ((period * (period + 1)) >> 1)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.ring)

    cdef double update_c(self, double x) noexcept nogil:
        # TA_WMA: the weighted sum loses one copy of the plain window sum per step.
        _ring_push(&self.ring, x)
        if self.ring.count < self.ring.size:
            self.period_sub += x
            self.period_sum += x * self.ring.count
            return NAN
        self.period_sub += x
        self.period_sub -= self.trailing
        self.period_sum += x * self.period
        self.trailing = self.ring.buf[self.ring.head]
        self.value = self.period_sum / self.divider
        self.period_sum -= self.period_sub
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
        _ema_init(&self.ema1, period)
        _ema_init(&self.ema2, period)
        self.period = period
        self.value = NAN

    cdef double update_c(self, double x) noexcept nogil:
        cdef double e1 = _ema_push(&self.ema1, x)
        cdef double e2
        if isnan(e1):
            return NAN
        e2 = _ema_push(&self.ema2, e1)
        if isnan(e2):
            return NAN
        self.value = (2.0 * e1) - e2
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
        _ema_init(&self.ema1, period)
        _ema_init(&self.ema2, period)
        _ema_init(&self.ema3, period)
        self.period = period
        self.value = NAN

    cdef double update_c(self, double x) noexcept nogil:
        cdef double e1 = _ema_push(&self.ema1, x)
        cdef double e2, e3
        if isnan(e1):
            return NAN
        e2 = _ema_push(&self.ema2, e1)
        if isnan(e2):
            return NAN
        e3 = _ema_push(&self.ema3, e2)
        if isnan(e3):
            return NAN
        self.value = e3 + ((3.0 * e1) - (3.0 * e2))
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

    Like TA-Lib, a variance below 1e-8 is reported as a deviation of exactly 0.
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
        cdef double var = _var_push(&self.core, x)
        if isnan(var):
            return NAN
        self.value = sqrt(var) * self.nbdev if var >= TA_EPSILON else 0.0
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
    """Bollinger bands on an SMA middle: `value` is the middle band, `upper`/`lower` the bands."""

    def __cinit__(self, int period=5, double nbdev_up=2.0, double nbdev_dn=2.0):
        _check_period("Bollinger", "period", period, 2)
        _ring_init(&self.mid.ring, period)
        self.mid.total = 0.0
        _var_init(&self.core, period)
        self.period = period
        self.nbdev_up = nbdev_up
        self.nbdev_dn = nbdev_dn
        self.value = NAN
        self.upper = NAN
        self.lower = NAN

    def __dealloc__(self):
        _ring_free(&self.mid.ring)
        _ring_free(&self.core.ring)

    cdef double update_c(self, double x) noexcept nogil:
        cdef double mean = _sma_push(&self.mid, x)
        cdef double dev
        cdef double var = _var_push(&self.core, x)
        if isnan(var):
            return NAN
        dev = sqrt(var) if var >= TA_EPSILON else 0.0
        self.value = mean
        self.upper = mean + dev * self.nbdev_up
        self.lower = mean - dev * self.nbdev_dn
        return mean

    def update(self, double x) -> float:
        """Add one value; return the middle band (bands in .upper/.lower; NaN for period-1 values)."""
        _check_finite("Bollinger", "x", x)
        return self.update_c(x)

    @property
    def ready(self) -> bool:
        """True once the output is defined."""
        return not isnan(self.value)


cdef class MACD:
    """MACD line (`value`), `signal` and `hist`, TA-Lib's seeding: NaN for slow+signal-2 values.

    As in TA-Lib both EMAs start on the slow EMA's first bar: the fast EMA is seeded with the mean of the
    `fast` values ending there, not of the first `fast` values.
    """

    def __cinit__(self, int fast=12, int slow=26, int signal=9):
        _check_period("MACD", "fast", fast, 2)
        _check_period("MACD", "slow", slow, 2)
        _check_period("MACD", "signal", signal, 1)
        if fast > slow:
            raise ValueError(f"MACD: fast={fast} is out of range (must be <= slow={slow})")
        _ring_init(&self.seed, slow)
        _ema_init(&self.signal_ema, signal)
        self.signal_ema.k = _per_to_k(signal)
        self.fast_k = _per_to_k(fast)
        self.slow_k = _per_to_k(slow)
        self.fast = fast
        self.slow = slow
        self.signal_period = signal
        self.fast_value = NAN
        self.slow_value = NAN
        self.value = NAN
        self.signal = NAN
        self.hist = NAN

    def __dealloc__(self):
        _ring_free(&self.seed)

    cdef double update_c(self, double x) noexcept nogil:
        cdef double macd, sig, total
        cdef Py_ssize_t i, slot
        if self.seed.count < self.slow:
            _ring_push(&self.seed, x)
            if self.seed.count < self.slow:
                return NAN
            # One-off seeding, in chronological order as TA_INT_EMA sums: head is the oldest slot now.
            total = 0.0
            for i in range(self.slow - self.fast, self.slow):
                slot = (self.seed.head + i) % self.slow
                total += self.seed.buf[slot]
            self.fast_value = total / self.fast
            total = 0.0
            for i in range(self.slow):
                slot = (self.seed.head + i) % self.slow
                total += self.seed.buf[slot]
            self.slow_value = total / self.slow
        else:
            self.fast_value = ((x - self.fast_value) * self.fast_k) + self.fast_value
            self.slow_value = ((x - self.slow_value) * self.slow_k) + self.slow_value
        macd = self.fast_value - self.slow_value
        sig = _ema_push(&self.signal_ema, macd)
        if isnan(sig):
            return NAN
        self.value = macd
        self.signal = sig
        self.hist = macd - sig
        return macd

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
        self.period = period
        self.count = 0
        self.gain = 0.0
        self.loss = 0.0
        self.value = NAN

    cdef double update_c(self, double x) noexcept nogil:
        cdef double diff, total
        if self.count == 0:
            self.prev = x
            self.count = 1
            return NAN
        diff = x - self.prev
        self.prev = x
        if self.count <= self.period:
            if diff < 0:
                self.loss -= diff
            else:
                self.gain += diff
            self.count += 1
            if self.count <= self.period:
                return NAN
        else:
            self.loss *= (self.period - 1)
            self.gain *= (self.period - 1)
            if diff < 0:
                self.loss -= diff
            else:
                self.gain += diff
        self.loss /= self.period
        self.gain /= self.period
        total = self.gain + self.loss
        self.value = 100.0 * (self.gain / total) if not _is_zero(total) else 0.0
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
        self.period = period
        self.count = 0
        self.total = 0.0
        self.value = NAN

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        cdef double tr
        if self.count == 0:
            self.prev_close = close
            self.count = 1
            return NAN
        tr = _true_range(high, low, self.prev_close)
        self.prev_close = close
        if self.count <= self.period:
            self.total += tr
            self.count += 1
            if self.count <= self.period:
                return NAN
            self.value = self.total / self.period
            return self.value
        self.value *= self.period - 1
        self.value += tr
        self.value /= self.period
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
        self.atr = ATR(period)
        self.period = period
        self.value = NAN

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        cdef double atr = self.atr.update_c(high, low, close)
        if isnan(atr):
            return NAN
        self.value = (atr / close) * 100.0 if not _is_zero(close) else 0.0
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
        self.period = period
        self.count = 0
        self.plus_dm = 0.0
        self.minus_dm = 0.0
        self.tr = 0.0
        self.sum_dx = 0.0
        self.value = NAN

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        # TA_ADX: bars 1..n-1 sum DM and TR; bars n..2n-1 smooth them and sum DX; then ADX is smoothed.
        cdef double diff_p, diff_m, tr, minus_di, plus_di, total, dx
        cdef double n = self.period
        if self.count == 0:
            self.prev_high = high
            self.prev_low = low
            self.prev_close = close
            self.count = 1
            return NAN
        diff_p = high - self.prev_high
        diff_m = self.prev_low - low
        self.prev_high = high
        self.prev_low = low
        tr = _true_range(high, low, self.prev_close)
        self.prev_close = close
        self.count += 1
        if self.count <= self.period:
            if diff_m > 0 and diff_p < diff_m:
                self.minus_dm += diff_m
            elif diff_p > 0 and diff_p > diff_m:
                self.plus_dm += diff_p
            self.tr += tr
            return NAN
        self.minus_dm -= self.minus_dm / n
        self.plus_dm -= self.plus_dm / n
        if diff_m > 0 and diff_p < diff_m:
            self.minus_dm += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            self.plus_dm += diff_p
        self.tr = self.tr - (self.tr / n) + tr
        if self.count <= 2 * self.period:
            if not _is_zero(self.tr):
                minus_di = 100.0 * (self.minus_dm / self.tr)
                plus_di = 100.0 * (self.plus_dm / self.tr)
                total = minus_di + plus_di
                if not _is_zero(total):
                    self.sum_dx += 100.0 * (fabs(minus_di - plus_di) / total)
            if self.count < 2 * self.period:
                return NAN
            self.value = self.sum_dx / n
            return self.value
        if not _is_zero(self.tr):
            minus_di = 100.0 * (self.minus_dm / self.tr)
            plus_di = 100.0 * (self.plus_dm / self.tr)
            total = minus_di + plus_di
            if not _is_zero(total):
                dx = 100.0 * (fabs(minus_di - plus_di) / total)
                self.value = ((self.value * (n - 1)) + dx) / n
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
    """Commodity channel index of the typical price; NaN for period-1 bars.

    O(period) per bar: the mean absolute deviation has no constant-time update.
    """

    def __cinit__(self, int period=14):
        _check_period("CCI", "period", period, 2)
        _ring_init(&self.ring, period)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.ring)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        cdef double last = (high + low + close) / 3
        cdef double average = 0.0
        cdef double deviation = 0.0
        cdef double delta
        cdef Py_ssize_t j
        _ring_push(&self.ring, last)
        if self.ring.count < self.ring.size:
            return NAN
        # Storage order, as TA-Lib's circular buffer sums (it matters in the last bit).
        for j in range(self.period):
            average += self.ring.buf[j]
        average /= self.period
        for j in range(self.period):
            deviation += fabs(self.ring.buf[j] - average)
        delta = last - average
        if not _is_zero(delta) and not _is_zero(deviation):
            self.value = delta / (0.015 * (deviation / self.period))
        else:
            self.value = 0.0
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


cdef inline double _fast_k(double highest, double lowest, double close) noexcept nogil:
    # TA_STOCH's raw %K, 0 when the range is empty.
    cdef double diff = (highest - lowest) / 100.0
    return (close - lowest) / diff if diff != 0.0 else 0.0


cdef class Stoch:
    """Slow stochastic (TA-Lib STOCH, SMA smoothing): `value` is slow %K, `d` slow %D.

    NaN for the first fastk+slowk+slowd-3 bars.
    """

    def __cinit__(self, int fastk_period=5, int slowk_period=3, int slowd_period=3):
        _check_period("Stoch", "fastk_period", fastk_period, 1)
        _check_period("Stoch", "slowk_period", slowk_period, 1)
        _check_period("Stoch", "slowd_period", slowd_period, 1)
        _deque_init(&self.highest, fastk_period, True)
        _deque_init(&self.lowest, fastk_period, False)
        _ring_init(&self.slowk_sma.ring, slowk_period)
        _ring_init(&self.slowd_sma.ring, slowd_period)
        self.slowk_sma.total = 0.0
        self.slowd_sma.total = 0.0
        self.fastk_period = fastk_period
        self.slowk_period = slowk_period
        self.slowd_period = slowd_period
        self.value = NAN
        self.d = NAN

    def __dealloc__(self):
        _deque_free(&self.highest)
        _deque_free(&self.lowest)
        _ring_free(&self.slowk_sma.ring)
        _ring_free(&self.slowd_sma.ring)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        cdef double hh = _deque_push(&self.highest, high)
        cdef double ll = _deque_push(&self.lowest, low)
        cdef double k, d
        if self.highest.t < self.fastk_period:
            return NAN
        k = _sma_push(&self.slowk_sma, _fast_k(hh, ll, close))
        if isnan(k):
            return NAN
        d = _sma_push(&self.slowd_sma, k)
        if isnan(d):
            return NAN
        self.value = k
        self.d = d
        return k

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
    Not in TA-Lib; its Stoch is the TA-Lib-equal variant.
    """

    def __cinit__(self, int period=9, int m1=3, int m2=3):
        _check_period("KDJ", "period", period, 1)
        _check_period("KDJ", "m1", m1, 1)
        _check_period("KDJ", "m2", m2, 1)
        _deque_init(&self.highest, period, True)
        _deque_init(&self.lowest, period, False)
        self.period = period
        self.m1 = m1
        self.m2 = m2
        self.k_state = 50.0
        self.d_state = 50.0
        self.value = NAN
        self.d = NAN
        self.j = NAN

    def __dealloc__(self):
        _deque_free(&self.highest)
        _deque_free(&self.lowest)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        cdef double hh = _deque_push(&self.highest, high)
        cdef double ll = _deque_push(&self.lowest, low)
        cdef double rsv
        if self.highest.t < self.period:
            return NAN
        rsv = _fast_k(hh, ll, close)
        self.k_state = (rsv + (self.m1 - 1) * self.k_state) / self.m1
        self.d_state = (self.k_state + (self.m2 - 1) * self.d_state) / self.m2
        self.value = self.k_state
        self.d = self.d_state
        self.j = 3.0 * self.k_state - 2.0 * self.d_state
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


cdef class Donchian:
    """Donchian channel: `upper` the highest high, `lower` the lowest low of `period` bars, `value` the middle.

    NaN for the first period-1 bars (TA-Lib MAX/MIN).
    """

    def __cinit__(self, int period=20):
        _check_period("Donchian", "period", period, 2)
        _deque_init(&self.highest, period, True)
        _deque_init(&self.lowest, period, False)
        self.period = period
        self.value = NAN
        self.upper = NAN
        self.lower = NAN

    def __dealloc__(self):
        _deque_free(&self.highest)
        _deque_free(&self.lowest)

    cdef double update_c(self, double high, double low) noexcept nogil:
        cdef double hh = _deque_push(&self.highest, high)
        cdef double ll = _deque_push(&self.lowest, low)
        if self.highest.t < self.period:
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


cdef class WillR:
    """Williams %R, -100..0; NaN for the first period-1 bars."""

    def __cinit__(self, int period=14):
        _check_period("WillR", "period", period, 2)
        _deque_init(&self.highest, period, True)
        _deque_init(&self.lowest, period, False)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _deque_free(&self.highest)
        _deque_free(&self.lowest)

    cdef double update_c(self, double high, double low, double close) noexcept nogil:
        cdef double hh = _deque_push(&self.highest, high)
        cdef double ll = _deque_push(&self.lowest, low)
        cdef double diff
        if self.highest.t < self.period:
            return NAN
        diff = (hh - ll) / (-100.0)
        self.value = (hh - close) / diff if diff != 0.0 else 0.0
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
        self.count = 0
        self.value = NAN

    cdef double update_c(self, double close, double volume) noexcept nogil:
        if self.count == 0:
            self.count = 1
            self.value = volume
        elif close > self.prev:
            self.value += volume
        elif close < self.prev:
            self.value -= volume
        self.prev = close
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
        _ring_init(&self.ring, period + 1)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.ring)

    cdef double update_c(self, double x) noexcept nogil:
        cdef double old
        _ring_push(&self.ring, x)
        if self.ring.count < self.ring.size:
            return NAN
        old = self.ring.buf[self.ring.head]
        self.value = ((x / old) - 1.0) * 100.0 if old != 0.0 else 0.0
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
        _ring_init(&self.ring, period + 1)
        self.period = period
        self.value = NAN

    def __dealloc__(self):
        _ring_free(&self.ring)

    cdef double update_c(self, double x) noexcept nogil:
        _ring_push(&self.ring, x)
        if self.ring.count < self.ring.size:
            return NAN
        self.value = x - self.ring.buf[self.ring.head]
        return self.value

    def update(self, double x) -> float:
        """Add one value; return the momentum (NaN for the first `period` values)."""
        _check_finite("MOM", "x", x)
        return self.update_c(x)

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
            _ring_init(&self.pv_ring, period)
            _ring_init(&self.vol_ring, period)
        self.period = period
        self.pv_total = 0.0
        self.vol_total = 0.0
        self.value = NAN

    def __dealloc__(self):
        if self.period > 0:
            _ring_free(&self.pv_ring)
            _ring_free(&self.vol_ring)

    def reset(self) -> None:
        """Start over (a cumulative VWAP restarts each session)."""
        self.pv_total = 0.0
        self.vol_total = 0.0
        if self.period > 0:
            self.pv_ring.head = self.pv_ring.count = 0
            self.vol_ring.head = self.vol_ring.count = 0
        self.value = NAN

    cdef double update_c(self, double price, double volume) noexcept nogil:
        cdef double pv = price * volume
        cdef double vwap
        self.pv_total += pv
        self.vol_total += volume
        vwap = self.pv_total / self.vol_total if self.vol_total > 0.0 else NAN
        if self.period > 0:
            _ring_push(&self.pv_ring, pv)
            _ring_push(&self.vol_ring, volume)
            if self.pv_ring.count < self.period:
                return NAN
            self.pv_total -= self.pv_ring.buf[self.pv_ring.head]
            self.vol_total -= self.vol_ring.buf[self.vol_ring.head]
        self.value = vwap
        return vwap

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
cdef tuple _inputs(str func, tuple names, tuple arrays):
    """Float64 contiguous views of equal-length inputs, and the first index where all are non-NaN.

    Leading NaNs (as a chained indicator's warm-up leaves) are skipped, as the TA-Lib wrapper does; a
    non-finite value after that would corrupt the running state, so it is an error.
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
        if i > start:
            start = i
    for name, a in zip(names, out):
        view = a
        with nogil:
            i = start
            while i < n and isfinite(view[i]):
                i += 1
        if i < n:
            raise ValueError(f"{func}: {name}[{i}]={view[i]!r} is not finite (only leading NaNs are allowed)")
    return out, start, n


cdef object _nan_prefixed(Py_ssize_t n, Py_ssize_t start):
    out = np.empty(n, dtype=np.float64)
    out[:start] = np.nan
    return out


def sma(x, int period=30):
    """SMA over an array (TA-Lib SMA)."""
    cdef Py_ssize_t i, start, n
    cdef SMA ind = SMA(period)
    (xa,), start, n = _inputs("sma", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def ema(x, int period=30):
    """EMA over an array (TA-Lib EMA)."""
    cdef Py_ssize_t i, start, n
    cdef EMA ind = EMA(period)
    (xa,), start, n = _inputs("ema", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def wma(x, int period=30):
    """WMA over an array (TA-Lib WMA)."""
    cdef Py_ssize_t i, start, n
    cdef WMA ind = WMA(period)
    (xa,), start, n = _inputs("wma", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def dema(x, int period=30):
    """DEMA over an array (TA-Lib DEMA)."""
    cdef Py_ssize_t i, start, n
    cdef DEMA ind = DEMA(period)
    (xa,), start, n = _inputs("dema", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def tema(x, int period=30):
    """TEMA over an array (TA-Lib TEMA)."""
    cdef Py_ssize_t i, start, n
    cdef TEMA ind = TEMA(period)
    (xa,), start, n = _inputs("tema", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def stddev(x, int period=5, double nbdev=1.0):
    """Standard deviation over an array (TA-Lib STDDEV)."""
    cdef Py_ssize_t i, start, n
    cdef StdDev ind = StdDev(period, nbdev)
    (xa,), start, n = _inputs("stddev", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def bbands(x, int period=5, double nbdev_up=2.0, double nbdev_dn=2.0):
    """Bollinger bands over an array: (upper, middle, lower), as TA-Lib BBANDS with an SMA."""
    cdef Py_ssize_t i, start, n
    cdef Bollinger ind = Bollinger(period, nbdev_up, nbdev_dn)
    (xa,), start, n = _inputs("bbands", ("x",), (x,))
    upper = _nan_prefixed(n, start)
    middle = _nan_prefixed(n, start)
    lower = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, uv = upper, mv = middle, lv = lower
    with nogil:
        for i in range(start, n):
            mv[i] = ind.update_c(xv[i])
            uv[i] = ind.upper
            lv[i] = ind.lower
    return upper, middle, lower


def macd(x, int fast=12, int slow=26, int signal=9):
    """MACD over an array: (macd, signal, hist), as TA-Lib MACD."""
    cdef Py_ssize_t i, start, n
    cdef MACD ind = MACD(fast, slow, signal)
    (xa,), start, n = _inputs("macd", ("x",), (x,))
    line = _nan_prefixed(n, start)
    sig = _nan_prefixed(n, start)
    hist = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, lv = line, sv = sig, hv = hist
    with nogil:
        for i in range(start, n):
            lv[i] = ind.update_c(xv[i])
            sv[i] = ind.signal
            hv[i] = ind.hist
    return line, sig, hist


def rsi(x, int period=14):
    """RSI over an array (TA-Lib RSI)."""
    cdef Py_ssize_t i, start, n
    cdef RSI ind = RSI(period)
    (xa,), start, n = _inputs("rsi", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def roc(x, int period=10):
    """Rate of change over an array (TA-Lib ROC)."""
    cdef Py_ssize_t i, start, n
    cdef ROC ind = ROC(period)
    (xa,), start, n = _inputs("roc", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def mom(x, int period=10):
    """Momentum over an array (TA-Lib MOM)."""
    cdef Py_ssize_t i, start, n
    cdef MOM ind = MOM(period)
    (xa,), start, n = _inputs("mom", ("x",), (x,))
    out = _nan_prefixed(n, start)
    cdef double[::1] xv = xa, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(xv[i])
    return out


def atr(high, low, close, int period=14):
    """ATR over arrays (TA-Lib ATR)."""
    cdef Py_ssize_t i, start, n
    cdef ATR ind = ATR(period)
    (ha, la, ca), start, n = _inputs("atr", ("high", "low", "close"), (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, cv = ca, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(hv[i], lv[i], cv[i])
    return out


def natr(high, low, close, int period=14):
    """NATR over arrays (TA-Lib NATR)."""
    cdef Py_ssize_t i, start, n
    cdef NATR ind = NATR(period)
    (ha, la, ca), start, n = _inputs("natr", ("high", "low", "close"), (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, cv = ca, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(hv[i], lv[i], cv[i])
    return out


def adx(high, low, close, int period=14):
    """ADX over arrays (TA-Lib ADX)."""
    cdef Py_ssize_t i, start, n
    cdef ADX ind = ADX(period)
    (ha, la, ca), start, n = _inputs("adx", ("high", "low", "close"), (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, cv = ca, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(hv[i], lv[i], cv[i])
    return out


def cci(high, low, close, int period=14):
    """CCI over arrays (TA-Lib CCI)."""
    cdef Py_ssize_t i, start, n
    cdef CCI ind = CCI(period)
    (ha, la, ca), start, n = _inputs("cci", ("high", "low", "close"), (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, cv = ca, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(hv[i], lv[i], cv[i])
    return out


def willr(high, low, close, int period=14):
    """Williams %R over arrays (TA-Lib WILLR)."""
    cdef Py_ssize_t i, start, n
    cdef WillR ind = WillR(period)
    (ha, la, ca), start, n = _inputs("willr", ("high", "low", "close"), (high, low, close))
    out = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, cv = ca, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(hv[i], lv[i], cv[i])
    return out


def stoch(high, low, close, int fastk_period=5, int slowk_period=3, int slowd_period=3):
    """Slow stochastic over arrays: (slowk, slowd), as TA-Lib STOCH with SMA smoothing."""
    cdef Py_ssize_t i, start, n
    cdef Stoch ind = Stoch(fastk_period, slowk_period, slowd_period)
    (ha, la, ca), start, n = _inputs("stoch", ("high", "low", "close"), (high, low, close))
    k = _nan_prefixed(n, start)
    d = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, cv = ca, kv = k, dv = d
    with nogil:
        for i in range(start, n):
            kv[i] = ind.update_c(hv[i], lv[i], cv[i])
            dv[i] = ind.d if not isnan(kv[i]) else NAN
    return k, d


def kdj(high, low, close, int period=9, int m1=3, int m2=3):
    """KDJ over arrays: (k, d, j); see KDJ."""
    cdef Py_ssize_t i, start, n
    cdef KDJ ind = KDJ(period, m1, m2)
    (ha, la, ca), start, n = _inputs("kdj", ("high", "low", "close"), (high, low, close))
    k = _nan_prefixed(n, start)
    d = _nan_prefixed(n, start)
    j = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, cv = ca, kv = k, dv = d, jv = j
    with nogil:
        for i in range(start, n):
            kv[i] = ind.update_c(hv[i], lv[i], cv[i])
            dv[i] = ind.d if not isnan(kv[i]) else NAN
            jv[i] = ind.j if not isnan(kv[i]) else NAN
    return k, d, j


def donchian(high, low, int period=20):
    """Donchian channel over arrays: (upper, middle, lower)."""
    cdef Py_ssize_t i, start, n
    cdef Donchian ind = Donchian(period)
    (ha, la), start, n = _inputs("donchian", ("high", "low"), (high, low))
    upper = _nan_prefixed(n, start)
    middle = _nan_prefixed(n, start)
    lower = _nan_prefixed(n, start)
    cdef double[::1] hv = ha, lv = la, uv = upper, mv = middle, wv = lower
    with nogil:
        for i in range(start, n):
            mv[i] = ind.update_c(hv[i], lv[i])
            uv[i] = ind.upper if not isnan(mv[i]) else NAN
            wv[i] = ind.lower if not isnan(mv[i]) else NAN
    return upper, middle, lower


def obv(close, volume):
    """On-balance volume over arrays (TA-Lib OBV)."""
    cdef Py_ssize_t i, start, n
    cdef OBV ind = OBV()
    (ca, va), start, n = _inputs("obv", ("close", "volume"), (close, volume))
    out = _nan_prefixed(n, start)
    cdef double[::1] cv = ca, vv = va, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(cv[i], vv[i])
    return out


def vwap(price, volume, int period=0):
    """VWAP over arrays, cumulative (period=0) or windowed; see VWAP."""
    cdef Py_ssize_t i, start, n
    cdef VWAP ind = VWAP(period)
    (pa, va), start, n = _inputs("vwap", ("price", "volume"), (price, volume))
    if (va[start:] < 0).any():
        raise ValueError("vwap: volume holds negative values")
    out = _nan_prefixed(n, start)
    cdef double[::1] pv = pa, vv = va, ov = out
    with nogil:
        for i in range(start, n):
            ov[i] = ind.update_c(pv[i], vv[i])
    return out
