// Helpers shared by the queue stress tests: item counts that shrink under sanitizers, and a back-off
// that keeps two spinning threads making progress on a machine with fewer free cores than threads.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "queue/cache_line.hpp"

namespace shandian::queue::testing {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kUnderThreadSanitizer = true;
#else
inline constexpr bool kUnderThreadSanitizer = false;
#endif
#else
inline constexpr bool kUnderThreadSanitizer = false;
#endif

// The number of items a stress test pushes: `normal` in ordinary builds (never fewer: the acceptance bar
// for the SPSC ring is 10 M), `under_tsan` in ThreadSanitizer builds, which run ~10-20x slower.
// SHANDIAN_QUEUE_STRESS_ITEMS overrides either (ordinary builds still at least `normal`).
inline std::uint64_t stress_items(std::uint64_t normal, std::uint64_t under_tsan) {
  std::uint64_t items = kUnderThreadSanitizer ? under_tsan : normal;
  if (const char* text = std::getenv("SHANDIAN_QUEUE_STRESS_ITEMS"); text != nullptr && *text != '\0') {
    const std::uint64_t requested = std::stoull(text);
    items = kUnderThreadSanitizer || requested > normal ? requested : normal;
  }
  return items;
}

// Call on every failed attempt: pauses for a while, then yields, so a thread spinning on a full or empty
// queue hands its core to the peer it is waiting for when both share one core.
class Backoff {
 public:
  void pause() {
    if (++failures_ < kSpinsBeforeYield) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  void reset() { failures_ = 0; }

 private:
  static constexpr int kSpinsBeforeYield = 256;
  int failures_ = 0;
};

}  // namespace shandian::queue::testing
