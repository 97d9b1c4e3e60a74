// SlidingWindow: "at most `limit` admitted requests in any `window_ns` span", exactly.
//
// A ring of the timestamps of the admitted requests, pre-sized to `limit` (the window can never hold more),
// so admitting and expiring never allocate. Semantics, property-tested against a brute-force count:
//   a request at `now` is admitted  <=>  #{admitted t : now - window_ns < t <= now} < limit
// i.e. a timestamp stops counting exactly `window_ns` after it was admitted (t + window_ns <= now expires).
// Only admitted requests are recorded: a refused one never counts against later ones (wtpy #157 counted
// refused cancels and compared with `>`, letting 30 through a limit of 20).
// Timestamps must be non-decreasing (the engine thread's monotonic clock).
#pragma once

#include <cstdint>
#include <vector>

namespace shandian::risk {

class SlidingWindow {
 public:
  SlidingWindow() = default;
  SlidingWindow(std::uint32_t limit, std::int64_t window_ns) { configure(limit, window_ns); }

  // Allocates (set-up / live limit change only, never per check). limit 0 or window <= 0: disabled.
  // The most recent timestamps are kept across a change, so tightening a limit takes effect at once.
  void configure(std::uint32_t limit, std::int64_t window_ns) {
    std::vector<std::int64_t> kept;
    const std::uint32_t keep = count_ < limit ? count_ : limit;
    kept.reserve(limit);
    for (std::uint32_t i = count_ - keep; i < count_; ++i) kept.push_back(at(i));
    ring_.assign(limit, 0);
    for (std::uint32_t i = 0; i < keep; ++i) ring_[i] = kept[i];
    head_ = 0;
    count_ = keep;
    limit_ = limit;
    window_ns_ = window_ns;
  }

  [[nodiscard]] bool enabled() const noexcept { return limit_ > 0 && window_ns_ > 0; }
  [[nodiscard]] std::uint32_t limit() const noexcept { return limit_; }
  [[nodiscard]] std::int64_t window_ns() const noexcept { return window_ns_; }

  // Requests counted in the window ending at `now` (expires the old ones).
  [[nodiscard]] std::uint32_t count(std::int64_t now) noexcept {
    const std::uint32_t expired = expired_at(now);
    head_ += expired;
    if (head_ >= limit_) head_ -= limit_;
    count_ -= expired;
    return count_;
  }
  // Requests a window admits at `now` beyond those it holds (limit - count), without expiring anything:
  // would_admit(now) <=> room(now) > 0. 0 when disabled (callers ask enabled() first).
  [[nodiscard]] std::uint32_t room(std::int64_t now) const noexcept {
    return enabled() ? limit_ - (count_ - expired_at(now)) : 0;
  }
  // Whether a request at `now` would be admitted; records nothing.
  [[nodiscard]] bool would_admit(std::int64_t now) noexcept { return !enabled() || count(now) < limit_; }
  // Records an admitted request (normally after would_admit(now) was true). A request admitted past the
  // rule (the kill switch's cancels) still counts: when the ring is full it replaces the oldest stamp, so
  // the window keeps the `limit` most recent ones and stays full.
  void record(std::int64_t now) noexcept {
    if (!enabled()) return;
    if (count_ == limit_) {
      ring_[head_] = now;
      head_ = head_ + 1 == limit_ ? 0 : head_ + 1;
      return;
    }
    std::uint32_t tail = head_ + count_;
    if (tail >= limit_) tail -= limit_;
    ring_[tail] = now;
    ++count_;
  }
  void clear() noexcept {
    head_ = 0;
    count_ = 0;
  }

 private:
  // How many of the oldest stamps no longer count at `now` (stamps are non-decreasing, so a prefix).
  [[nodiscard]] std::uint32_t expired_at(std::int64_t now) const noexcept {
    std::uint32_t n = 0;
    while (n < count_ && at(n) + window_ns_ <= now) ++n;
    return n;
  }
  [[nodiscard]] std::int64_t at(std::uint32_t i) const noexcept {
    std::uint32_t k = head_ + i;
    if (k >= limit_) k -= limit_;
    return ring_[k];
  }

  std::vector<std::int64_t> ring_;
  std::uint32_t head_ = 0;
  std::uint32_t count_ = 0;
  std::uint32_t limit_ = 0;
  std::int64_t window_ns_ = 0;
};

}  // namespace shandian::risk
