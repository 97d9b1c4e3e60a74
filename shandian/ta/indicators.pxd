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


cdef struct SlidingExtreme:
    # Maximum (or minimum) of the last `window` values in amortised O(1) without data-dependent branches
    # (van Herk / Gil-Werman): the window is the tail of the previous block of `window` values, whose suffix
    # extremes `suffix` holds, plus the current block so far (`block`, running extreme `running`).
    double* block
    double* suffix
    Py_ssize_t pos
    double running
    long long t
    long long window


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
    # Sums of (x - shift) and its square: re-centred on the window every few full turns of the ring, so the
    # variance does not lose digits to E[x^2] - E[x]^2 cancellation at price levels (or to drift).
    Ring ring
    double inv_n  # 1/period
    long long turns  # full turns since the last re-centring
    double shift
    double total
    double total2


# The state of each indicator is one struct, updated by an inline push function; the classes own one, the
# array functions run the same push on a local copy (kept in registers, not re-read after every store).
cdef struct WmaCore:
    Ring ring
    double period_sum
    double period_sub
    double trailing
    double divider
    double period


cdef struct MultiEmaCore:
    EmaCore e1
    EmaCore e2
    EmaCore e3


cdef struct BollCore:
    SmaCore mid
    VarCore var
    double nbdev_up
    double nbdev_dn
    double upper
    double lower


cdef struct MacdCore:
    Ring seed
    EmaCore signal_ema
    double fast_k
    double slow_k
    double fast_value
    double slow_value
    Py_ssize_t fast
    Py_ssize_t slow
    double signal
    double hist


cdef struct RsiCore:
    long long count
    long long period
    double keep  # (period-1)/period: Wilder smoothing by multiplication keeps division off the value chain
    double add  # 1/period
    double prev
    double gain
    double loss


cdef struct AtrCore:
    long long count
    long long period
    double keep  # (period-1)/period
    double add  # 1/period
    double prev_close
    double total
    double value


cdef struct AdxCore:
    long long count
    long long period
    double prev_high
    double prev_low
    double prev_close
    double plus_dm
    double minus_dm
    double tr
    double sum_dx
    double value


cdef struct RangeCore:
    # Highest high and lowest low of the last `window` bars.
    SlidingExtreme highest
    SlidingExtreme lowest


cdef struct StochCore:
    RangeCore range
    SmaCore slowk
    SmaCore slowd
    double d


cdef struct KdjCore:
    RangeCore range
    double m1
    double m2
    double k
    double d
    double j


cdef struct ObvCore:
    long long count
    double prev
    double value


cdef struct VwapCore:
    Ring pv_ring
    Ring vol_ring
    long long period
    double pv_total
    double vol_total


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
    cdef WmaCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class DEMA:
    cdef MultiEmaCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class TEMA:
    cdef MultiEmaCore core
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
    cdef BollCore core
    cdef readonly int period
    cdef readonly double nbdev_up
    cdef readonly double nbdev_dn
    cdef readonly double value  # middle band
    cdef readonly double upper
    cdef readonly double lower
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class MACD:
    cdef MacdCore core
    cdef readonly int fast
    cdef readonly int slow
    cdef readonly int signal_period
    cdef readonly double value  # MACD line
    cdef readonly double signal
    cdef readonly double hist
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class RSI:
    cdef RsiCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class ATR:
    cdef AtrCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class NATR:
    cdef AtrCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class ADX:
    cdef AdxCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class CCI:
    cdef Ring core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class Stoch:
    cdef StochCore core
    cdef readonly int fastk_period
    cdef readonly int slowk_period
    cdef readonly int slowd_period
    cdef readonly double value  # slow %K
    cdef readonly double d
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class KDJ:
    cdef KdjCore core
    cdef readonly int period
    cdef readonly int m1
    cdef readonly int m2
    cdef readonly double value  # K
    cdef readonly double d
    cdef readonly double j
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class Donchian:
    cdef RangeCore core
    cdef readonly int period
    cdef readonly double value  # middle
    cdef readonly double upper
    cdef readonly double lower
    cdef double update_c(self, double high, double low) noexcept nogil


@cython.final
cdef class WillR:
    cdef RangeCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double high, double low, double close) noexcept nogil


@cython.final
cdef class OBV:
    cdef ObvCore core
    cdef readonly double value
    cdef double update_c(self, double close, double volume) noexcept nogil


@cython.final
cdef class ROC:
    cdef Ring core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class MOM:
    cdef Ring core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double x) noexcept nogil


@cython.final
cdef class VWAP:
    cdef VwapCore core
    cdef readonly int period
    cdef readonly double value
    cdef double update_c(self, double price, double volume) noexcept nogil
