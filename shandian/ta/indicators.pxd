# Declarations of shandian.ta.indicators, so Cython code can `cimport` the indicators and call
# `update_c` directly (no Python object per update, no GIL needed):
#
#     from shandian.ta.indicators cimport SMA
#     cdef SMA sma = SMA(20)
#     with nogil:
#         y = sma.update_c(x)
#
# `update_c` expects finite input (the Python `update` checks it); multi-output indicators keep their other
# outputs in readonly fields (Bollinger.upper, MACD.signal, ...). Every output is NaN until the indicator is
# ready (warm-up), on the same bar where TA-Lib starts to output.

cimport cython


cdef struct Ring:
    # The last `size` values pushed; `head` is the slot written next, which holds the oldest value once full.
    double* buf
    Py_ssize_t size
    Py_ssize_t head
    Py_ssize_t count


cdef struct MonoDeque:
    # Maximum (or minimum) of the last `window` values in amortised O(1): a monotonic deque of (value, seq).
    double* val
    long long* seq
    Py_ssize_t cap
    Py_ssize_t front
    Py_ssize_t length
    long long t
    long long window
    bint keep_max


cdef struct SmaCore:
    Ring ring
    double total


cdef struct EmaCore:
    Py_ssize_t period
    Py_ssize_t count
    double k
    double total
    double value


cdef struct VarCore:
    # Sums of (x - shift) and its square: re-centred on the window every full turn of the ring, so the
    # variance does not lose digits to E[x^2] - E[x]^2 cancellation at price levels (or to drift).
    Ring ring
    double shift
    double total
    double total2


@cython.final
cdef class SMA:
    cdef SmaCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class EMA:
    cdef EmaCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class WMA:
    cdef Ring ring
    cdef double period_sum
    cdef double period_sub
    cdef double trailing
    cdef double divider
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class DEMA:
    cdef EmaCore ema1
    cdef EmaCore ema2
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class TEMA:
    cdef EmaCore ema1
    cdef EmaCore ema2
    cdef EmaCore ema3
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class StdDev:
    cdef VarCore core
    cdef readonly int period
    cdef readonly double nbdev
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class Bollinger:
    cdef SmaCore mid
    cdef VarCore core
    cdef readonly int period
    cdef readonly double nbdev_up
    cdef readonly double nbdev_dn
    cdef readonly double value  # middle band
    cdef readonly double upper
    cdef readonly double lower
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class MACD:
    cdef Ring seed
    cdef EmaCore signal_ema
    cdef double fast_k
    cdef double slow_k
    cdef double fast_value
    cdef double slow_value
    cdef readonly int fast
    cdef readonly int slow
    cdef readonly int signal_period
    cdef readonly double value  # MACD line
    cdef readonly double signal
    cdef readonly double hist
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class RSI:
    cdef long long count
    cdef double prev
    cdef double gain
    cdef double loss
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class ATR:
    cdef long long count
    cdef double prev_close
    cdef double total
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class NATR:
    cdef ATR atr
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class ADX:
    cdef long long count
    cdef double prev_high
    cdef double prev_low
    cdef double prev_close
    cdef double plus_dm
    cdef double minus_dm
    cdef double tr
    cdef double sum_dx
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class CCI:
    cdef Ring ring
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class Stoch:
    cdef MonoDeque highest
    cdef MonoDeque lowest
    cdef SmaCore slowk_sma
    cdef SmaCore slowd_sma
    cdef readonly int fastk_period
    cdef readonly int slowk_period
    cdef readonly int slowd_period
    cdef readonly double value  # slow %K
    cdef readonly double d
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class KDJ:
    cdef MonoDeque highest
    cdef MonoDeque lowest
    cdef double k_state
    cdef double d_state
    cdef readonly int period
    cdef readonly int m1
    cdef readonly int m2
    cdef readonly double value  # K
    cdef readonly double d
    cdef readonly double j
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class Donchian:
    cdef MonoDeque highest
    cdef MonoDeque lowest
    cdef readonly int period
    cdef readonly double value  # middle
    cdef readonly double upper
    cdef readonly double lower
    cdef double update_c(self, double high, double low) noexcept nogil


@cython.final
cdef class WillR:
    cdef MonoDeque highest
    cdef MonoDeque lowest
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class OBV:
    cdef long long count
    cdef double prev
    cdef readonly double value
    cdef double update_c(self, double close, double volume) noexcept nogil


@cython.final
cdef class ROC:
    cdef Ring ring
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class MOM:
    cdef Ring ring
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class VWAP:
    cdef Ring pv_ring
    cdef Ring vol_ring
    cdef double pv_total
    cdef double vol_total
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double price, double volume) noexcept nogil
