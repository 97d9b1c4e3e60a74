// SlidingWindow against a brute-force count over random timestamps and limits (wtpy #157: refused
// requests must not count, and the limit is inclusive: limit - 1 passes, limit rejects).
#include <random>
#include <vector>

#include "risk/sliding_window.hpp"
#include "support/check.hpp"

using shandian::risk::SlidingWindow;

namespace {

// Reference: admitted iff fewer than `limit` admitted timestamps t with now - window < t <= now.
bool brute_admit(const std::vector<std::int64_t>& admitted, std::int64_t now, std::uint32_t limit,
                 std::int64_t window) {
  std::uint32_t n = 0;
  for (const std::int64_t t : admitted) {
    if (t > now - window && t <= now) ++n;
  }
  return n < limit;
}

void test_window_when_random_stream_matches_brute_force() {
  std::mt19937_64 rng(20250102);
  for (int round = 0; round < 400; ++round) {
    const auto limit = static_cast<std::uint32_t>(1 + rng() % 30);
    const std::int64_t window = 1 + static_cast<std::int64_t>(rng() % 2000);
    SlidingWindow w(limit, window);
    std::vector<std::int64_t> admitted;
    std::int64_t now = static_cast<std::int64_t>(rng() % 100);
    for (int i = 0; i < 600; ++i) {
      now += static_cast<std::int64_t>(rng() % 3 == 0 ? 0 : rng() % (window / 4 + 2));  // bursts at equal stamps too
      const bool expect = brute_admit(admitted, now, limit, window);
      CHECK((w.room(now) > 0) == expect);
      const bool got = w.would_admit(now);
      CHECK(got == expect);
      if (got != expect) return;
      if (got) {
        w.record(now);
        admitted.push_back(now);
      }
    }
  }
}

void test_window_when_at_limit_rejects_and_expiry_readmits() {
  SlidingWindow w(3, 1000);
  for (int i = 0; i < 2; ++i) {
    CHECK(w.would_admit(100));
    w.record(100);
  }
  CHECK(w.would_admit(100));  // limit - 1 admitted: the limit-th passes
  w.record(100);
  CHECK(!w.would_admit(100));   // limit reached: rejects
  CHECK(!w.would_admit(1099));  // still inside the window
  CHECK(w.would_admit(1100));   // t + window <= now: expired, re-admits
}

void test_window_when_refused_requests_do_not_count() {
  SlidingWindow w(20, 10'000);
  int admitted = 0;
  for (int i = 0; i < 30; ++i) {  // 30 requests inside one window: exactly 20 admitted
    if (w.would_admit(i)) {
      w.record(i);
      ++admitted;
    }
  }
  CHECK(admitted == 20);
  CHECK(w.would_admit(10'000));  // the first expired at 0 + 10 000
}

void test_window_when_reconfigured_keeps_recent_stamps() {
  SlidingWindow w(5, 1000);
  for (int i = 0; i < 5; ++i) w.record(i);
  w.configure(3, 1000);  // tightened: the 3 most recent are kept, the window is full
  CHECK(w.count(10) == 3);
  CHECK(!w.would_admit(10));
  w.configure(10, 1000);
  CHECK(w.count(10) == 3);
  CHECK(w.would_admit(10));
  SlidingWindow off;
  CHECK(!off.enabled());
  CHECK(off.would_admit(0));
}

void test_window_when_recorded_past_a_full_window_keeps_most_recent_and_stays_in_bounds() {
  SlidingWindow w(2, 1000);
  w.record(0);
  w.record(10);
  w.record(20);  // admitted past the rule (kill switch): replaces the oldest
  w.record(30);
  CHECK(w.count(30) == 2);
  CHECK(!w.would_admit(1009));  // 20 and 30 still inside
  CHECK(w.would_admit(1020));   // 20 expired at 1020
}

}  // namespace

int main() {
  test_window_when_recorded_past_a_full_window_keeps_most_recent_and_stays_in_bounds();
  test_window_when_random_stream_matches_brute_force();
  test_window_when_at_limit_rejects_and_expiry_readmits();
  test_window_when_refused_requests_do_not_count();
  test_window_when_reconfigured_keeps_recent_stamps();
  return shandian::testing::finish("test_risk_windows");
}
