// Waiter: lets a consumer (the engine loop, the local front) wait until producers have published work,
// with a configurable strategy (architecture.md: spin / yield / block; lessons.md: busy-spin is opt-in).
//
//   spin   busy-poll with the CPU relax hint: lowest latency, burns a core (one sched_yield per 50 us
//          of idle spinning, so a thread that lands on the same CPU waits that long, not a time slice).
//   yield  poll, calling sched_yield between polls: gives the core away when others want it.
//   block  spin briefly (default 20 us), then sleep on a futex until a producer calls notify() or the
//          timeout expires. Costs a syscall on the producer side only while someone is actually asleep.
//          The brief spin yields at every clock read (~every 2 us): the thread this one just woke, or the
//          producer it is waiting for, may have been queued on this CPU (the scheduler prefers the
//          waker's CPU), and without the yield it would wait out the whole spin (python -m bench
//          wake_floor shows it: 2 us to wake a thread, 40-100 us when the waker polls on without yielding).
//
// The queues themselves never wait; a Waiter sits beside them. Usage:
//
//   producer:  if (ring.try_push(e)) waiter.notify();              // after publishing
//   consumer:  if (waiter.wait_for([&] { return ring.front() != nullptr; }, 1ms)) drain();
//
// wait_for() always takes a timeout: a consumer loop must come back periodically (to check for stop,
// timers, heartbeats), so there is deliberately no "wait forever".
//
// Lost-wakeup argument (block strategy). The hazard is the consumer deciding to sleep after the producer
// decided nobody was sleeping. Both sides perform a read-modify-write on the same word, sleepers_:
//
//   producer (notify)                          consumer (block_until)
//   P1  publish item (ring release store)      C1  sleepers_.fetch_add(1)        (acquire RMW)
//   P2  n = sleepers_.fetch_add(0)             C2  key = epoch_                  (acquire)
//       (release RMW)                          C3  if ready(): done              (loads the ring index)
//   P3  if n != 0: epoch_ += 1 (release),      C4  futex_wait(epoch_, key, remaining time)
//       futex_wake(epoch_)
//
// All RMWs on sleepers_ are totally ordered (its modification order) and each reads the value written by
// the one just before it. If C1 precedes P2, P2 reads C1's increment (or a later value of the same waiting
// episode), so the producer bumps the epoch and wakes. If P2 precedes C1, C1 reads P2's value (or that of
// a later RMW in P2's release sequence), so P2 synchronises-with C1: P1 happens-before C3, and C3 sees the
// item, so the consumer does not sleep. When the producer does bump the epoch, either the bump precedes C2
// in epoch_'s order (then C2 acquires it, P1 happens-before C3 and C3 sees the item), or it follows C2
// (then epoch_ != key and the kernel's atomic compare in futex_wait returns at once, or the futex_wake
// that follows the bump wakes the sleeper). A stale count can only be read by P2 after the consumer has
// already left futex_wait (its decrement); the consumer then re-registers (C1) before checking ready()
// again, and by the same argument that check sees the item. Spurious futex returns are harmless: the loop
// re-checks ready() and the deadline. The futex is only a sleep hint; no data is handed over through it,
// and every happens-before edge comes from atomic RMWs and loads, which ThreadSanitizer models (it does
// not model std::atomic_thread_fence, and GCC rejects fences under -fsanitize=thread with -Werror).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>
#endif

#include "queue/cache_line.hpp"

namespace shandian::queue {

enum class WaitStrategy : std::uint8_t { Spin, Yield, Block };

[[nodiscard]] constexpr std::string_view to_string(WaitStrategy strategy) noexcept {
  switch (strategy) {
    case WaitStrategy::Spin: return "spin";
    case WaitStrategy::Yield: return "yield";
    case WaitStrategy::Block: return "block";
  }
  return "unknown";
}

// The configuration spelling ("spin", "yield", "block"); nullopt for anything else.
[[nodiscard]] constexpr std::optional<WaitStrategy> parse_wait_strategy(std::string_view text) noexcept {
  if (text == "spin") return WaitStrategy::Spin;
  if (text == "yield") return WaitStrategy::Yield;
  if (text == "block") return WaitStrategy::Block;
  return std::nullopt;
}

class Waiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::nanoseconds kDefaultSpinBeforeBlock = std::chrono::microseconds(20);

  explicit Waiter(WaitStrategy strategy, std::chrono::nanoseconds spin_before_block = kDefaultSpinBeforeBlock) noexcept
      : strategy_(strategy), spin_before_block_(spin_before_block) {}

  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  [[nodiscard]] WaitStrategy strategy() const noexcept { return strategy_; }

  // Consumer side: returns true as soon as ready() does, false once `timeout` has elapsed without it.
  // ready() is called repeatedly from this thread; it must be cheap and side-effect free (typically
  // `ring.front() != nullptr`). Any number of threads may wait on one Waiter.
  template <class Ready>
  [[nodiscard]] bool wait_for(Ready&& ready, std::chrono::nanoseconds timeout) {
    static_assert(std::is_invocable_r_v<bool, Ready&>, "ready must be callable as bool()");
    if (ready()) return true;
    const Clock::time_point deadline = Clock::now() + timeout;
    switch (strategy_) {
      case WaitStrategy::Spin: return spin_until(ready, deadline, kSpinYieldEvery);
      case WaitStrategy::Yield: return yield_until(ready, deadline);
      case WaitStrategy::Block: {
        const Clock::time_point spin_end = Clock::now() + spin_before_block_;
        if (spin_until(ready, spin_end < deadline ? spin_end : deadline, kYieldAtEveryClockRead)) return true;
        return block_until(ready, deadline);
      }
    }
    return ready();
  }

  // Producer side: call after publishing (after the queue's release store). With nobody asleep this is
  // one uncontended atomic RMW on a line that stays in the producer's cache (no consumer writes it unless
  // it is about to sleep); the syscall happens only while a consumer is actually blocked. For spin and
  // yield nobody ever sleeps, so it returns immediately.
  void notify() noexcept {
    if (strategy_ != WaitStrategy::Block) return;
    // P2. An RMW rather than a load: it is ordered against the consumer's registering RMW in sleepers_'s
    // modification order, which is what rules out a lost wake-up (see the top of the file). release: if
    // a consumer registers after this, its acquire RMW synchronises with this one and so sees the
    // caller's publication when it re-checks ready().
    if (sleepers_.fetch_add(0, std::memory_order_release) == 0) return;
    // release: a consumer whose key load (acquire) reads this bump also sees the caller's publication.
    epoch_.fetch_add(1, std::memory_order_release);
    futex_wake_all();
  }

 private:
  // How many ready() polls between clock reads while spinning: a clock read costs about as much as a
  // few dozen pauses, and the deadline does not need better than ~1 us resolution.
  static constexpr int kPollsPerClockRead = 64;

  // Spin strategy: one sched_yield per this much idle spinning. When another runnable thread shares the
  // spinner's CPU (a CTP callback thread, on a machine with fewer free cores than busy threads), the
  // scheduler would otherwise let it wait for the spinner's whole time slice (milliseconds); with the
  // yield it waits at most this long. Alone on its CPU the yield returns at once (~1 us, no switch).
  static constexpr std::chrono::microseconds kSpinYieldEvery{50};
  // Block strategy's short spin: it exists only to catch an event that follows closely, so it never keeps
  // a runnable thread off this CPU (a sched_yield with nobody else runnable returns in well under 1 us).
  static constexpr std::chrono::nanoseconds kYieldAtEveryClockRead{0};

  // Polls ready() until the deadline, calling sched_yield once per `yield_every` of polling (0: at every
  // clock read).
  template <class Ready>
  static bool spin_until(Ready& ready, Clock::time_point deadline, std::chrono::nanoseconds yield_every) {
    Clock::time_point next_yield = Clock::now() + yield_every;
    for (;;) {
      for (int i = 0; i < kPollsPerClockRead; ++i) {
        if (ready()) return true;
        cpu_relax();
      }
      const Clock::time_point now = Clock::now();
      if (now >= deadline) return ready();
      if (now >= next_yield) {
        std::this_thread::yield();
        next_yield = Clock::now() + yield_every;
      }
    }
  }

  template <class Ready>
  static bool yield_until(Ready& ready, Clock::time_point deadline) {
    for (;;) {
      std::this_thread::yield();
      if (ready()) return true;
      if (Clock::now() >= deadline) return ready();
    }
  }

  template <class Ready>
  bool block_until(Ready& ready, Clock::time_point deadline) {
    for (;;) {
      // C1. acquire: if a producer's notify() RMW came first in sleepers_'s order, this synchronises
      // with it, so its publication is visible to ready() below (see the top of the file).
      sleepers_.fetch_add(1, std::memory_order_acquire);
      // C2. acquire: pairs with notify()'s release bump of the epoch.
      const std::uint32_t key = epoch_.load(std::memory_order_acquire);
      const bool is_ready = ready();  // C3
      const Clock::time_point now = Clock::now();
      if (is_ready || now >= deadline) {
        // relaxed: leaving; a producer that still sees us counted only makes a harmless extra syscall.
        // (An RMW of any order continues the release sequences the argument above relies on.)
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
        return is_ready;
      }
      futex_wait(key, deadline - now);  // C4
      // relaxed: as above. The next iteration re-registers before checking ready() again.
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
  }

#if defined(__linux__)
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                    std::atomic<std::uint32_t>::is_always_lock_free,
                "the futex word must be a plain 32-bit integer");

  std::uint32_t* futex_word() noexcept { return reinterpret_cast<std::uint32_t*>(&epoch_); }

  // Sleeps while epoch_ == key, at most `timeout`. EINTR, EAGAIN (epoch already moved) and ETIMEDOUT all
  // simply return: the caller re-checks.
  void futex_wait(std::uint32_t key, std::chrono::nanoseconds timeout) noexcept {
    const auto ns = timeout.count() > 0 ? timeout.count() : 0;
    timespec relative{};
    relative.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    relative.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    (void)syscall(SYS_futex, futex_word(), FUTEX_WAIT_PRIVATE, key, &relative, nullptr, 0);
  }

  void futex_wake_all() noexcept {
    (void)syscall(SYS_futex, futex_word(), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
  }
#else
  // Portable fallback without a futex: a short bounded sleep. Still correct (the caller polls ready()),
  // only less prompt.
  void futex_wait(std::uint32_t, std::chrono::nanoseconds timeout) noexcept {
    const auto cap = std::chrono::microseconds(100);
    std::this_thread::sleep_for(timeout < cap ? timeout : std::chrono::nanoseconds(cap));
  }
  void futex_wake_all() noexcept {}
#endif

  const WaitStrategy strategy_;
  const std::chrono::nanoseconds spin_before_block_;
  // Both words sit on their own line: the producer RMWs sleepers_ on every notify(), and keeping it away
  // from the queue indices keeps that line in the producer's cache while nobody sleeps.
  alignas(kFalseSharingRange) std::atomic<std::uint32_t> epoch_{0};
  std::atomic<std::uint32_t> sleepers_{0};
};

}  // namespace shandian::queue
