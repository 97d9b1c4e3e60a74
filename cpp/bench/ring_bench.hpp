// Throughput and round-trip benchmarks of the cpp/queue rings, for the Python harness (python -m bench)
// through pyext/bench/ring.cpp. Each call runs its threads to completion and returns raw measurements;
// statistics and provenance are the harness's job.
//
// All threads busy-spin (with the CPU relax hint) because the point is the queue's own cost; a thread
// that keeps failing falls back to sched_yield, so the benchmarks still finish promptly when their threads
// share a core (no pinning on a 2-vCPU machine, other load). Consumers verify every item's sequence and
// the call throws std::runtime_error on any loss, duplication or reordering, so a fast-but-broken ring can
// never produce a number.
#pragma once

#include <cstdint>
#include <vector>

namespace shandian::bench {

struct ThroughputResult {
  std::uint64_t items = 0;   // items delivered and verified
  double seconds = 0.0;      // from the start signal to the consumer receiving the last item
  double items_per_s = 0.0;  // items / seconds
};

// One producer pushes int64 sequence numbers 0..items-1 through SpscRing<int64_t>(capacity) (try_push),
// one consumer takes them with front()/pop() and checks each. cpu < 0: do not pin that thread.
// Throws std::invalid_argument for items < 1, capacity < 1 or cpu >= CPU_SETSIZE, std::runtime_error if a
// thread cannot be pinned or the sequence check fails.
[[nodiscard]] ThroughputResult ring_throughput(std::int64_t items, std::int64_t capacity, int producer_cpu,
                                               int consumer_cpu);

// Ping pushes i into ring A; pong pops it and pushes it into ring B; ping pops it: one round trip.
// Returns the duration of each of `trips` round trips in nanoseconds, after `warmup` untimed ones.
// Timing: std::chrono::steady_clock (CLOCK_MONOTONIC via the vDSO), read once per trip on the ping
// thread: trip k is the time between consecutive reads, so each sample includes one clock read (~20 ns
// with a TSC clocksource) and nothing else besides the two hand-offs.
[[nodiscard]] std::vector<std::int64_t> ring_roundtrip(std::int64_t trips, std::int64_t warmup, std::int64_t capacity,
                                                       int ping_cpu, int pong_cpu);

// `producers` threads push their own sequences (producer id in the top 16 bits) through
// MpscQueue<int64_t>(capacity); one consumer checks that each producer's items arrive complete and in
// order. `items` is the total over all producers. Threads are not pinned.
[[nodiscard]] ThroughputResult mpsc_throughput(std::int64_t items, int producers, std::int64_t capacity);

}  // namespace shandian::bench
