"""The engine's C++ latency histogram buckets exactly as the reference Histogram (shandian/histogram.py)."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shandian import _core
from shandian.histogram import Histogram

# Up to 2**50 ns (13 days) per sample: the C++ sum is 64-bit (2**64 ns is 584 years of latency), the Python
# one unbounded. The top of the int64 range is covered by the single-sample test below.
samples = st.lists(st.one_of(st.integers(-1_000, 1_000), st.integers(0, 10**7), st.integers(0, 2**50)),
                   max_size=300)


@settings(max_examples=200, deadline=None)
@given(samples, st.integers(2, 20))
def test_latency_histogram_when_folding_any_samples_matches_the_python_histogram(
    values: list[int], bits: int,
) -> None:
    """Same buckets, count, sum, min and max (negatives count as 0, as the engine records them)."""
    native = _core.LatencyHistogram(bits)
    native.record_many(array("q", values))
    reference = Histogram(bits)
    for v in values:
        reference.record(max(v, 0))
    assert Histogram.from_dict(native.to_dict()) == reference


@pytest.mark.parametrize("bits", [2, 9, 20])
def test_latency_histogram_when_one_sample_is_the_largest_int64_buckets_it_as_python(bits: int) -> None:
    """The last bucket of the pre-sized table is the one the Python histogram computes for INT64_MAX."""
    native = _core.LatencyHistogram(bits)
    native.record(2**63 - 1)
    reference = Histogram(bits)
    reference.record(2**63 - 1)
    assert Histogram.from_dict(native.to_dict()) == reference


def test_latency_histogram_when_given_a_non_int64_buffer_raises_a_typed_error() -> None:
    """A float array is refused with the format it had, nothing recorded."""
    native = _core.LatencyHistogram()
    with pytest.raises(TypeError, match="int64"):
        native.record_many(array("d", [1.0, 2.0]))
    assert native.count == 0


def test_latency_histogram_when_precision_is_out_of_range_raises() -> None:
    """precision_bits outside [2, 20] is refused (as the Python histogram refuses it)."""
    with pytest.raises(ValueError, match="precision_bits"):
        _core.LatencyHistogram(1)
