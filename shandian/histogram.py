"""HDR-style latency histogram: log-linear buckets with a bounded relative error, exact merge.

Values are non-negative integers (nanoseconds). Values below ``2**precision_bits`` are counted exactly;
above that a bucket spans ``2**shift`` consecutive values, where ``shift`` grows with the value's bit
length so each bucket's width stays below ``value / 2**(precision_bits - 1)``. Percentiles use the
nearest-rank definition (the smallest recorded value with at least ``p`` % of samples at or below it) and
report the highest value of that sample's bucket, clamped to the recorded min and max. So a reported
percentile ``r`` and the exact nearest-rank value ``v`` always satisfy::

    v <= r < v * (1 + relative_error)        relative_error = 2 ** -(precision_bits - 1)

i.e. the histogram never flatters: it may overstate a percentile by less than ``relative_error`` (0.39 %
at the default 9 bits), never understate it. ``max`` and ``min`` are exact, ``mean`` is exact (sum kept).
Merging two histograms of the same precision gives exactly the histogram of the concatenated samples.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PRECISION_BITS = 9
STANDARD_PERCENTILES: tuple[float, ...] = (50.0, 90.0, 99.0, 99.9)


def percentile_label(p: float) -> str:
    """Column label of a percentile: 50 -> 'p50', 99.9 -> 'p99.9'."""
    return f"p{p:g}"


@dataclass
class Histogram:
    """Log-linear histogram of non-negative integer samples (see the module docstring for the bound)."""

    precision_bits: int = DEFAULT_PRECISION_BITS
    counts: Counter[int] = field(default_factory=Counter)
    count: int = 0
    total: int = 0
    min: int | None = None
    max: int | None = None

    def __post_init__(self) -> None:
        if not 2 <= self.precision_bits <= 20:
            raise ValueError(f"precision_bits must be in [2, 20], got {self.precision_bits}")

    # -- bucket geometry ------------------------------------------------------------------------------
    @property
    def relative_error(self) -> float:
        """Upper bound of (reported - exact) / exact for any percentile."""
        return 2.0 ** -(self.precision_bits - 1)

    def bucket_index(self, value: int) -> int:
        """Index of the bucket holding VALUE; indices are contiguous and increase with the value."""
        shift = value.bit_length() - self.precision_bits
        if shift <= 0:
            return value
        return (shift << (self.precision_bits - 1)) + (value >> shift)

    def bucket_bounds(self, index: int) -> tuple[int, int]:
        """Lowest and highest value of bucket INDEX (inclusive)."""
        half = 1 << (self.precision_bits - 1)
        if index < 2 * half:
            return index, index
        shift = (index >> (self.precision_bits - 1)) - 1
        mantissa = index - (shift << (self.precision_bits - 1))  # in [half, 2*half)
        low = mantissa << shift
        return low, low + (1 << shift) - 1

    # -- recording ------------------------------------------------------------------------------------
    def record(self, value: int, n: int = 1) -> None:
        """Count VALUE (an int >= 0) N times."""
        if value < 0:
            raise ValueError(f"histogram values must be >= 0, got {value}")
        value = int(value)
        self.counts[self.bucket_index(value)] += n
        self.count += n
        self.total += value * n
        self.min = value if self.min is None else min(self.min, value)
        self.max = value if self.max is None else max(self.max, value)

    def record_many(self, values: Iterable[int]) -> None:
        """Count every value of VALUES (faster than repeated record for long sequences)."""
        vals = [int(v) for v in values]
        if not vals:
            return
        lo, hi = min(vals), max(vals)
        if lo < 0:
            raise ValueError(f"histogram values must be >= 0, got {lo}")
        index = self.bucket_index
        self.counts.update(index(v) for v in vals)
        self.count += len(vals)
        self.total += sum(vals)
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)

    @classmethod
    def of(cls, values: Iterable[int], precision_bits: int = DEFAULT_PRECISION_BITS) -> Histogram:
        """Histogram of VALUES."""
        hist = cls(precision_bits)
        hist.record_many(values)
        return hist

    def merge(self, other: Histogram) -> Histogram:
        """Add OTHER's samples into this histogram (same precision required); returns self."""
        if other.precision_bits != self.precision_bits:
            raise ValueError(f"cannot merge precision {other.precision_bits} into {self.precision_bits}")
        self.counts.update(other.counts)
        self.count += other.count
        self.total += other.total
        for bound in (other.min, other.max):
            if bound is not None:
                self.min = bound if self.min is None else min(self.min, bound)
                self.max = bound if self.max is None else max(self.max, bound)
        return self

    # -- queries --------------------------------------------------------------------------------------
    @property
    def mean(self) -> float | None:
        """Exact arithmetic mean, or None when empty."""
        return self.total / self.count if self.count else None

    def percentile(self, p: float) -> int | None:
        """Nearest-rank percentile P (0 < P <= 100) within the documented bound, or None when empty."""
        if not 0.0 <= p <= 100.0:
            raise ValueError(f"percentile must be in [0, 100], got {p}")
        if not self.count:
            return None
        assert self.min is not None and self.max is not None
        rank = max(1, math.ceil(p / 100.0 * self.count - 1e-9))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                high = self.bucket_bounds(index)[1]
                return max(self.min, min(high, self.max))
        return self.max  # unreachable: counts sum to count

    def percentiles(self, ps: Iterable[float] = STANDARD_PERCENTILES) -> dict[str, int | None]:
        """{'p50': ..., 'p99.9': ...} for each P of PS."""
        return {percentile_label(p): self.percentile(p) for p in ps}

    def buckets(self) -> Iterator[tuple[int, int, int]]:
        """(low, high, count) of every non-empty bucket, in increasing value order."""
        for index in sorted(self.counts):
            low, high = self.bucket_bounds(index)
            yield low, high, self.counts[index]

    def cdf(self) -> list[tuple[int, float]]:
        """(value, fraction of samples <= value) at the top of each non-empty bucket, for plotting."""
        points: list[tuple[int, float]] = []
        seen = 0
        for _low, high, n in self.buckets():
            seen += n
            top = high if self.max is None else min(high, self.max)
            points.append((top, seen / self.count))
        return points

    def summary(self, ps: Iterable[float] = STANDARD_PERCENTILES) -> dict[str, object]:
        """Count, min, mean, percentiles and max: what a report prints."""
        out: dict[str, object] = {"count": self.count, "min": self.min}
        out.update(self.percentiles(ps))
        out["max"] = self.max
        out["mean"] = self.mean
        return out

    # -- serialisation --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, object]:
        """JSON-ready form that from_dict restores exactly."""
        return {
            "precision_bits": self.precision_bits,
            "relative_error": self.relative_error,
            "count": self.count,
            "sum": self.total,
            "min": self.min,
            "max": self.max,
            "buckets": [[index, self.counts[index]] for index in sorted(self.counts)],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Histogram:
        """Inverse of to_dict."""
        hist = cls(int(data["precision_bits"]))
        for index, n in data["buckets"]:
            hist.counts[int(index)] = int(n)
        hist.count = int(data["count"])
        hist.total = int(data["sum"])
        hist.min = None if data["min"] is None else int(data["min"])
        hist.max = None if data["max"] is None else int(data["max"])
        return hist


def nearest_rank(sorted_values: list[int], p: float) -> int:
    """Exact nearest-rank percentile of an already sorted non-empty list (the reference for tests)."""
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values) - 1e-9))
    return sorted_values[rank - 1]
