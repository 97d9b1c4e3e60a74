// CallbackQueue<T>: the lossless multi-producer / single-consumer hand-off between the front (request
// threads under the instance lock, the feed thread) and one API instance's callback thread.
//
// Why not cpp/queue's SpscRing/MpscQueue: those are bounded, and a trader sink runs under the front
// instance's lock, where a full ring could only drop (forbidden) or block every other session. Here the
// producer side appends to a std::vector under a small mutex (grows, never drops), and the consumer swaps
// the whole vector out in one lock acquisition, so the consumer pays one lock per batch, not per message.
// Md fan-out at speed=0 applies backpressure instead of growing (wait_for_space), so nothing is dropped
// either way. Every push, high-water mark and backpressure wait is counted (stats()).
//
// Waiting (WaitStrategy): the consumer first polls an atomic counter for a short spin phase — this is what
// lets an insert reach its first OnRtnOrder in a few microseconds without a futex wake-up — then, by
// strategy, keeps spinning (Spin), spins with sched_yield (Yield) or sleeps on a condition variable
// (Block). Producers signal the condition variable only when the consumer is asleep.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "sim/api/front_address.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SHANDIAN_CPU_RELAX() _mm_pause()
#else
#define SHANDIAN_CPU_RELAX() std::this_thread::yield()
#endif

namespace shandian::sim {

struct QueueStats {
  std::uint64_t pushed = 0;              // messages accepted
  std::uint64_t max_depth = 0;           // high-water mark of undelivered messages
  std::uint64_t backpressure_waits = 0;  // times a producer waited for space (md fan-out at speed=0)
  std::uint64_t discarded = 0;           // pushed after close() or cleared by clear(): counted, never silent
};

template <class T>
class CallbackQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // capacity: the depth at which wait_for_space() makes a producer wait (0: never; push() itself always
  // succeeds, so a producer that must not block simply does not call wait_for_space()).
  explicit CallbackQueue(WaitStrategy wait, std::size_t capacity = 0) : wait_(wait), capacity_(capacity) {}
  CallbackQueue(const CallbackQueue&) = delete;
  CallbackQueue& operator=(const CallbackQueue&) = delete;

  // Appends one message. Never drops while open; after close() the message is discarded and counted.
  template <class Fill>
  void push_with(Fill&& fill) {
    std::unique_lock lock(mutex_);
    if (closed_) {
      ++stats_.discarded;
      return;
    }
    fill(items_.emplace_back());
    after_push(lock, 1);
  }
  void push(const T& item) {
    push_with([&](T& slot) { slot = item; });
  }

  // Appends `n` messages produced by fill(slot, i) under one lock acquisition.
  template <class Fill>
  void push_many(std::size_t n, Fill&& fill) {
    if (n == 0) return;
    std::unique_lock lock(mutex_);
    if (closed_) {
      stats_.discarded += n;
      return;
    }
    const std::size_t base = items_.size();
    items_.resize(base + n);
    for (std::size_t i = 0; i < n; ++i) fill(items_[base + i], i);
    after_push(lock, n);
  }

  // Producer-side backpressure: returns once fewer than `capacity` messages are pending, the queue is
  // closed, or `stop` becomes true (checked on every wake-up; the caller wakes us with notify_space()).
  // Returns false when it gave up because of close/stop.
  bool wait_for_space(const std::atomic<bool>& stop) {
    if (capacity_ == 0) return true;
    std::unique_lock lock(mutex_);
    if (items_.size() < capacity_) return !closed_;
    ++stats_.backpressure_waits;
    ++space_waiters_;
    // stop is set by the front's destructor, which then calls notify_space() on every queue. acquire pairs
    // with that release store so the waiter sees the state published before the stop.
    space_cv_.wait(lock,
                   [&] { return closed_ || items_.size() < capacity_ / 2 || stop.load(std::memory_order_acquire); });
    --space_waiters_;
    return !closed_ && !stop.load(std::memory_order_acquire);
  }
  void notify_space() {
    { std::lock_guard lock(mutex_); }
    space_cv_.notify_all();
  }

  // Consumer: moves every pending message into `out` (which is cleared first), waiting until there is at
  // least one, the deadline passes, or the queue is closed. Returns the number taken.
  std::size_t take(std::vector<T>& out, Clock::time_point deadline) {
    out.clear();
    if (!wait_for_items(deadline)) return 0;
    std::lock_guard lock(mutex_);
    out.swap(items_);
    // relaxed: pending_ is only a wake-up hint for the spinning consumer; the items themselves are
    // published by the mutex, which the consumer always takes before touching them.
    pending_.store(0, std::memory_order_relaxed);
    if (space_waiters_ > 0) space_cv_.notify_all();
    return out.size();
  }

  // Sleeps until `deadline` or close(), whichever comes first (used for reply delays and reconnect timers
  // so Release never waits for a timer). Returns false when closed.
  bool sleep_until(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_until(lock, deadline, [&] { return closed_; });
  }

  // Discards every pending message (a dropped connection loses what was in flight) and counts them.
  std::size_t clear() {
    std::lock_guard lock(mutex_);
    const std::size_t n = items_.size();
    stats_.discarded += n;
    items_.clear();
    pending_.store(0, std::memory_order_relaxed);  // relaxed: hint only (see take)
    if (space_waiters_ > 0) space_cv_.notify_all();
    return n;
  }

  // Wakes the consumer and every producer; later pushes are discarded and counted.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      // release: a spinning consumer that sees closed_hint_ also sees everything before close()
      closed_hint_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    space_cv_.notify_all();
  }
  void reopen() {
    std::lock_guard lock(mutex_);
    closed_ = false;
    closed_hint_.store(false, std::memory_order_relaxed);  // relaxed: under the mutex, read as a hint
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  [[nodiscard]] QueueStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  [[nodiscard]] WaitStrategy wait_strategy() const noexcept { return wait_; }

 private:
  // Polling before a Block consumer sleeps / a Yield consumer starts yielding. Bounded by time, not by a
  // count of pauses: a pause costs 10x more on some CPUs (AMD Zen: ~40 ns), and a 20000-pause budget then
  // polled ~0.8 ms, longer than the gap between ticks, so a "block" callback thread never slept and took
  // a whole CPU from the engine on a 2-vCPU machine.
  static constexpr std::chrono::microseconds kBlockSpin{50};
  static constexpr std::chrono::microseconds kYieldSpin{5};

  void after_push(std::unique_lock<std::mutex>& lock, std::size_t n) {
    const std::size_t depth = items_.size();
    ++stats_.pushed;
    stats_.pushed += n - 1;
    if (depth > stats_.max_depth) stats_.max_depth = depth;
    // relaxed: see take(); the consumer re-reads the items under the mutex.
    pending_.store(depth, std::memory_order_relaxed);
    const bool wake = sleeping_;
    lock.unlock();
    if (wake) cv_.notify_one();
  }

  bool has_work() const noexcept {
    // relaxed/acquire: hints; a true result is always confirmed under the mutex in take().
    return pending_.load(std::memory_order_relaxed) != 0 || closed_hint_.load(std::memory_order_acquire);
  }

  bool wait_for_items(Clock::time_point deadline) {
    if (has_work()) return true;
    const Clock::time_point spin_end =
        std::min(deadline, Clock::now() + (wait_ == WaitStrategy::Block ? kBlockSpin : kYieldSpin));
    for (unsigned i = 0;; ++i) {
      SHANDIAN_CPU_RELAX();
      if (has_work()) return true;
      if ((i & 63) == 63) {
        if (Clock::now() >= spin_end) break;
        // The thread just woken by this callback (the client's engine) may be queued on this CPU: without
        // the yield it would wait out the whole poll (see cpp/queue/wait_strategy.hpp, block).
        std::this_thread::yield();
      }
    }
    if (Clock::now() >= deadline) return false;
    if (wait_ != WaitStrategy::Block) {
      for (unsigned i = 0;; ++i) {
        if (has_work()) return true;
        if (wait_ == WaitStrategy::Yield)
          std::this_thread::yield();
        else
          SHANDIAN_CPU_RELAX();
        if ((i & 63) == 63 && Clock::now() >= deadline) return false;
      }
    }
    std::unique_lock lock(mutex_);
    sleeping_ = true;
    const bool ready = cv_.wait_until(lock, deadline, [&] { return !items_.empty() || closed_; });
    sleeping_ = false;
    return ready;
  }

  const WaitStrategy wait_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;        // consumer sleeps here (Block)
  std::condition_variable space_cv_;  // producers wait here for space (backpressure)
  std::vector<T> items_;
  bool closed_ = false;
  bool sleeping_ = false;
  int space_waiters_ = 0;
  QueueStats stats_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> closed_hint_{false};
};

}  // namespace shandian::sim
