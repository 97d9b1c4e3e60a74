#include "bench/wake_bench.hpp"

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "queue/cache_line.hpp"

namespace shandian::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPollsPerYield = 16;  // each poll here reads the clock: ~16 clock reads ≈ 1 us

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// One side of the ping-pong: its futex word (the number of wake-ups addressed to it) on its own line.
struct alignas(queue::kFalseSharingRange) Side {
  std::atomic<std::uint32_t> word{0};
};

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t seen) noexcept {
#if defined(__linux__)
  (void)syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
#else
  std::this_thread::yield();
  (void)word;
  (void)seen;
#endif
}

void futex_wake(std::atomic<std::uint32_t>& word) noexcept {
#if defined(__linux__)
  (void)syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
  (void)word;
#endif
}

}  // namespace

std::vector<std::int64_t> futex_wake_floor(std::int64_t samples, std::int64_t warmup, std::int64_t gap_ns,
                                           std::int64_t poll_after_ns, bool poll_yields) {
  if (samples < 1) throw std::invalid_argument("samples must be >= 1");
  if (warmup < 0) throw std::invalid_argument("warmup must be >= 0");
  if (gap_ns < 0) throw std::invalid_argument("gap_ns must be >= 0");
  if (poll_after_ns < 0) throw std::invalid_argument("poll_after_ns must be >= 0");
  const std::int64_t total = samples + warmup;
  std::vector<std::int64_t> out(static_cast<std::size_t>(total));
  Side sides[2];
  // The waker's stamp, read by the thread it wakes. release/acquire through the futex word: the waker
  // stores the stamp, then bumps the word (release); the sleeper reads the word (acquire), then the stamp.
  std::atomic<std::int64_t> stamp{0};

  // Thread `me` handles hand-offs me, me + 2, me + 4, ...: wait for its turn, record, then wake the other.
  auto body = [&](int me) {
    Side& mine = sides[me];
    Side& other = sides[1 - me];
    std::uint32_t expected = 0;
    for (std::int64_t k = me; k < total + 1; k += 2) {
      if (k > 0) {
        // Woken for hand-off k - 1 (addressed to this side): sleep until the word moves.
        // acquire: pairs with the waker's release bump, so the stamp below is the waker's.
        std::uint32_t seen;
        while ((seen = mine.word.load(std::memory_order_acquire)) == expected) futex_wait(mine.word, seen);
        const std::int64_t woke = now_ns();
        expected = seen;
        // relaxed: ordered after the acquire load of the word above.
        out[static_cast<std::size_t>(k - 1)] = woke - stamp.load(std::memory_order_relaxed);
      }
      if (k == total) break;
      const std::int64_t until = now_ns() + gap_ns;
      while (now_ns() < until) queue::cpu_relax();  // the other side falls asleep meanwhile
      // relaxed: published by the release RMW on the other side's word that follows.
      stamp.store(now_ns(), std::memory_order_relaxed);
      other.word.fetch_add(1, std::memory_order_release);
      futex_wake(other.word);
      // A waker that polls on before it sleeps (a consumer's spin-before-block), yielding at every clock
      // read when poll_yields (as queue::Waiter's block spin does).
      const std::int64_t poll_until = now_ns() + poll_after_ns;
      for (int i = 1; now_ns() < poll_until; ++i) {
        queue::cpu_relax();
        if (poll_yields && i % kPollsPerYield == 0) std::this_thread::yield();
      }
    }
  };
  {
    std::jthread second(body, 1);
    body(0);
  }
  return {out.begin() + warmup, out.end()};
}

}  // namespace shandian::bench
