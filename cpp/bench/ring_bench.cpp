#include "bench/ring_bench.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "queue/cache_line.hpp"
#include "queue/mpsc_queue.hpp"
#include "queue/spsc_ring.hpp"

namespace shandian::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Busy-wait on a failed push/pop: pause for a while (the peer usually answers within ~100 ns), then yield
// on every further failure so a peer sharing this core gets to run. Resetting on success keeps the fast
// path a register write.
class SpinThenYield {
 public:
  void pause() noexcept {
    if (failures_ < kSpinsBeforeYield) {
      ++failures_;
      queue::cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  void reset() noexcept { failures_ = 0; }

 private:
  static constexpr unsigned kSpinsBeforeYield = 256;
  unsigned failures_ = 0;
};

// Releases all benchmark threads at once after they have been created and pinned, or tells them to exit
// without running when setting up failed.
class StartGate {
 public:
  // release (both): the set-up done before opening or cancelling (rings, pinning) happens-before the
  // threads' acquire in wait().
  void open() noexcept { state_.store(kRun, std::memory_order_release); }
  void cancel() noexcept { state_.store(kCancel, std::memory_order_release); }
  // True when the benchmark should run. acquire: pairs with open()/cancel().
  [[nodiscard]] bool wait() const noexcept {
    int state = kWaiting;
    while ((state = state_.load(std::memory_order_acquire)) == kWaiting) std::this_thread::yield();
    return state == kRun;
  }

 private:
  static constexpr int kWaiting = 0;
  static constexpr int kRun = 1;
  static constexpr int kCancel = 2;
  std::atomic<int> state_{kWaiting};
};

void pin(std::thread& thread, int cpu, const char* name) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = pthread_setaffinity_np(thread.native_handle(), sizeof(set), &set);
  if (rc != 0) {
    throw std::runtime_error(std::string("cannot pin ") + name + " to cpu " + std::to_string(cpu) + ": " +
                             std::strerror(rc));
  }
}

// Joins every thread on scope exit, including when pinning throws half-way through set-up.
class ThreadGroup {
 public:
  explicit ThreadGroup(StartGate& gate) : gate_(gate) {}
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;
  ~ThreadGroup() {
    if (!opened_) gate_.cancel();
    for (auto& t : threads_) t.join();
  }

  // Starts a thread that runs `body` once the gate opens, pinned to `cpu` unless cpu < 0.
  template <class F>
  void spawn(F&& body, int cpu = -1, const char* name = "thread") {
    threads_.emplace_back(std::forward<F>(body));
    pin(threads_.back(), cpu, name);
  }
  void start() {
    opened_ = true;
    gate_.open();
  }
  void join_all() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  StartGate& gate_;
  std::vector<std::thread> threads_;
  bool opened_ = false;
};

void require_positive(std::int64_t value, const char* name) {
  if (value < 1) throw std::invalid_argument(std::string(name) + " must be >= 1, got " + std::to_string(value));
}

void require_cpu(int cpu, const char* name) {
  if (cpu >= CPU_SETSIZE) {
    throw std::invalid_argument(std::string(name) + " must be < " + std::to_string(CPU_SETSIZE) + " (or -1)");
  }
}

std::string sequence_error(const char* what, std::int64_t expected, std::int64_t got) {
  return std::string(what) + ": expected item " + std::to_string(expected) + ", got " + std::to_string(got);
}

}  // namespace

ThroughputResult ring_throughput(std::int64_t items, std::int64_t capacity, int producer_cpu, int consumer_cpu) {
  require_positive(items, "items");
  require_positive(capacity, "capacity");
  require_cpu(producer_cpu, "producer_cpu");
  require_cpu(consumer_cpu, "consumer_cpu");

  queue::SpscRing<std::int64_t> ring(static_cast<std::size_t>(capacity));
  StartGate gate;
  Clock::duration elapsed{};
  std::int64_t mismatches = 0;
  std::int64_t first_bad_value = 0;
  std::int64_t first_bad_index = 0;
  {
    ThreadGroup threads(gate);
    threads.spawn(
        [&] {
          if (!gate.wait()) return;
          SpinThenYield backoff;
          for (std::int64_t i = 0; i < items; ++i) {
            while (!ring.try_push(i)) backoff.pause();
            backoff.reset();
          }
        },
        producer_cpu, "producer");
    threads.spawn(
        [&] {
          if (!gate.wait()) return;
          SpinThenYield backoff;
          const Clock::time_point start = Clock::now();
          for (std::int64_t expected = 0; expected < items; ++expected) {
            const std::int64_t* item = nullptr;
            while ((item = ring.front()) == nullptr) backoff.pause();
            backoff.reset();
            if (*item != expected && mismatches++ == 0) {
              first_bad_index = expected;
              first_bad_value = *item;
            }
            ring.pop();
          }
          elapsed = Clock::now() - start;
        },
        consumer_cpu, "consumer");
    threads.start();
    threads.join_all();
  }
  if (mismatches != 0) {
    throw std::runtime_error(sequence_error("SpscRing delivered out of sequence", first_bad_index, first_bad_value));
  }
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return {static_cast<std::uint64_t>(items), seconds, static_cast<double>(items) / seconds};
}

std::vector<std::int64_t> ring_roundtrip(std::int64_t trips, std::int64_t warmup, std::int64_t capacity, int ping_cpu,
                                         int pong_cpu) {
  require_positive(trips, "trips");
  if (warmup < 0) throw std::invalid_argument("warmup must be >= 0");
  require_positive(capacity, "capacity");
  require_cpu(ping_cpu, "ping_cpu");
  require_cpu(pong_cpu, "pong_cpu");

  queue::SpscRing<std::int64_t> to_pong(static_cast<std::size_t>(capacity));
  queue::SpscRing<std::int64_t> to_ping(static_cast<std::size_t>(capacity));
  // Allocated and touched before the clock starts: no page faults inside the timed loop.
  std::vector<std::int64_t> nanos(static_cast<std::size_t>(trips), 0);
  const std::int64_t total = warmup + trips;
  std::int64_t mismatches = 0;
  std::int64_t first_bad_value = 0;
  std::int64_t first_bad_index = 0;
  StartGate gate;
  {
    ThreadGroup threads(gate);
    threads.spawn(
        [&] {
          if (!gate.wait()) return;
          SpinThenYield backoff;
          Clock::time_point previous = Clock::now();
          for (std::int64_t i = 0; i < total; ++i) {
            while (!to_pong.try_push(i)) backoff.pause();
            backoff.reset();
            const std::int64_t* reply = nullptr;
            while ((reply = to_ping.front()) == nullptr) backoff.pause();
            backoff.reset();
            if (*reply != i && mismatches++ == 0) {
              first_bad_index = i;
              first_bad_value = *reply;
            }
            to_ping.pop();
            const Clock::time_point now = Clock::now();
            if (i >= warmup) nanos[static_cast<std::size_t>(i - warmup)] = (now - previous).count();
            previous = now;
          }
        },
        ping_cpu, "ping");
    threads.spawn(
        [&] {
          if (!gate.wait()) return;
          SpinThenYield backoff;
          for (std::int64_t i = 0; i < total; ++i) {
            const std::int64_t* request = nullptr;
            while ((request = to_pong.front()) == nullptr) backoff.pause();
            backoff.reset();
            const std::int64_t value = *request;
            to_pong.pop();
            while (!to_ping.try_push(value)) backoff.pause();
            backoff.reset();
          }
        },
        pong_cpu, "pong");
    threads.start();
    threads.join_all();
  }
  if (mismatches != 0) {
    throw std::runtime_error(
        sequence_error("SpscRing round trip returned the wrong item", first_bad_index, first_bad_value));
  }
  static_assert(std::is_same_v<Clock::duration::period, std::nano>, "samples are steady_clock ticks = ns");
  return nanos;
}

ThroughputResult mpsc_throughput(std::int64_t items, int producers, std::int64_t capacity) {
  require_positive(items, "items");
  require_positive(capacity, "capacity");
  if (producers < 1 || producers > 1024) throw std::invalid_argument("producers must be in [1, 1024]");
  constexpr int kSequenceBits = 48;
  if (items / producers >= (std::int64_t{1} << kSequenceBits)) throw std::invalid_argument("items too large");

  queue::MpscQueue<std::int64_t> queue(static_cast<std::size_t>(capacity));
  std::vector<std::int64_t> next(static_cast<std::size_t>(producers), 0);
  StartGate gate;
  Clock::duration elapsed{};
  std::int64_t mismatches = 0;
  std::int64_t first_bad_value = 0;
  std::int64_t first_bad_index = 0;
  {
    ThreadGroup threads(gate);
    for (int p = 0; p < producers; ++p) {
      const std::int64_t count = items / producers + (p < items % producers ? 1 : 0);
      threads.spawn([&gate, &queue, p, count] {
        if (!gate.wait()) return;
        SpinThenYield backoff;
        const std::int64_t tag = std::int64_t{p} << kSequenceBits;
        for (std::int64_t s = 0; s < count; ++s) {
          while (!queue.try_push(tag | s)) backoff.pause();
          backoff.reset();
        }
      });
    }
    threads.spawn([&] {
      if (!gate.wait()) return;
      SpinThenYield backoff;
      const std::int64_t sequence_mask = (std::int64_t{1} << kSequenceBits) - 1;
      const Clock::time_point start = Clock::now();
      for (std::int64_t received = 0; received < items; ++received) {
        std::int64_t value = 0;
        while (!queue.try_pop(value)) backoff.pause();
        backoff.reset();
        const auto producer = static_cast<std::size_t>(value >> kSequenceBits);
        const std::int64_t sequence = value & sequence_mask;
        if ((producer >= next.size() || sequence != next[producer]) && mismatches++ == 0) {
          first_bad_index = received;
          first_bad_value = value;
        }
        if (producer < next.size()) next[producer] = sequence + 1;
      }
      elapsed = Clock::now() - start;
    });
    threads.start();
    threads.join_all();
  }
  if (mismatches != 0) {
    throw std::runtime_error(
        sequence_error("MpscQueue delivered out of per-producer order", first_bad_index, first_bad_value));
  }
  const double seconds = std::chrono::duration<double>(elapsed).count();
  return {static_cast<std::uint64_t>(items), seconds, static_cast<double>(items) / seconds};
}

}  // namespace shandian::bench
