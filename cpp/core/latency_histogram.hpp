// LatencyHistogram: the engine's tick → agent latency record, folded in C++ so the engine thread never
// pauses to bucket samples in Python (folding 1024 samples with the Python histogram took ~0.26 ms on the
// engine thread every 1024 ticks, which showed up as a periodic latency spike of every tick behind it).
//
// Same log-linear geometry as shandian/histogram.py's Histogram (the reference, which analyses and
// prints it): values below 2**precision_bits are exact; above, a bucket spans 2**shift values with
// shift = bit_length(value) - precision_bits, at index (shift << (precision_bits - 1)) + (value >> shift).
// to_dict() in pyext produces exactly Histogram.to_dict()'s form, and a property test checks that both
// bucket any sample stream identically.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

namespace shandian::core {

class LatencyHistogram {
 public:
  explicit LatencyHistogram(int precision_bits = 9) : precision_bits_(precision_bits) {
    if (precision_bits < 2 || precision_bits > 20) {
      throw std::invalid_argument("precision_bits must be in [2, 20]");
    }
    // Pre-sized for every non-negative int64: recording never allocates.
    counts_.assign(bucket_index(std::numeric_limits<std::int64_t>::max()) + 1, 0);
  }

  [[nodiscard]] int precision_bits() const noexcept { return precision_bits_; }

  [[nodiscard]] std::size_t bucket_index(std::int64_t value) const noexcept {
    const auto v = static_cast<std::uint64_t>(value);
    const int shift = static_cast<int>(std::bit_width(v)) - precision_bits_;
    if (shift <= 0) return static_cast<std::size_t>(v);
    return (static_cast<std::size_t>(shift) << (precision_bits_ - 1)) + static_cast<std::size_t>(v >> shift);
  }

  // Negative samples (a clock read racing a stamp from another CPU) count as 0, as the engine always did.
  void record(std::int64_t value) noexcept {
    if (value < 0) value = 0;
    ++counts_[bucket_index(value)];
    ++count_;
    sum_ += static_cast<std::uint64_t>(value);
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  void record_many(std::span<const std::int64_t> values) noexcept {
    for (const std::int64_t v : values) record(v);
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t sum() const noexcept { return sum_; }
  [[nodiscard]] std::int64_t min() const noexcept { return min_; }
  [[nodiscard]] std::int64_t max() const noexcept { return max_; }
  [[nodiscard]] std::span<const std::uint64_t> counts() const noexcept { return counts_; }

 private:
  int precision_bits_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::int64_t min_ = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_ = 0;
};

}  // namespace shandian::core
