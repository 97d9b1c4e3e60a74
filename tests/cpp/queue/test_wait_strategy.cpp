// Waiter: every strategy wakes when a producer publishes, times out when none does (bounded waits only),
// and the block strategy never loses a wake-up in a long futex ping-pong.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <thread>

#include "queue/spsc_ring.hpp"
#include "queue/wait_strategy.hpp"
#include "stress_support.hpp"
#include "support/check.hpp"

using namespace std::chrono_literals;
using shandian::queue::parse_wait_strategy;
using shandian::queue::SpscRing;
using shandian::queue::Waiter;
using shandian::queue::WaitStrategy;
using Clock = std::chrono::steady_clock;

namespace {

constexpr WaitStrategy kAllStrategies[] = {WaitStrategy::Spin, WaitStrategy::Yield, WaitStrategy::Block};

void strategy_names_round_trip() {
  for (WaitStrategy s : kAllStrategies) CHECK(parse_wait_strategy(to_string(s)) == s);
  CHECK(!parse_wait_strategy("busy").has_value());
  CHECK(!parse_wait_strategy("").has_value());
}

void wait_times_out_when_nothing_is_published(WaitStrategy strategy) {
  Waiter waiter(strategy);
  const auto start = Clock::now();
  const bool woke = waiter.wait_for([] { return false; }, 20ms);
  const auto elapsed = Clock::now() - start;
  CHECK(!woke);
  CHECK(elapsed >= 20ms);
  CHECK(elapsed < 2s);  // bounded: a generous ceiling for a loaded 2-core machine
}

void wait_returns_at_once_when_already_ready(WaitStrategy strategy) {
  Waiter waiter(strategy);
  const auto start = Clock::now();
  CHECK(waiter.wait_for([] { return true; }, 10s));
  CHECK(Clock::now() - start < 1s);
}

void consumer_wakes_when_producer_publishes(WaitStrategy strategy) {
  SpscRing<int> ring(8);
  Waiter waiter(strategy);
  std::thread producer([&] {
    std::this_thread::sleep_for(30ms);  // long enough for the block strategy to be asleep in the futex
    CHECK(ring.try_push(42));
    waiter.notify();
  });
  const auto start = Clock::now();
  const bool woke = waiter.wait_for([&] { return ring.front() != nullptr; }, 10s);
  const auto elapsed = Clock::now() - start;
  producer.join();
  CHECK(woke);
  CHECK(elapsed < 5s);  // woken by notify, not by the 10 s timeout
  int value = 0;
  CHECK(ring.try_pop(value));
  CHECK_EQ(value, 42);
}

// Ping-pong through two rings, each side waiting on its own Waiter with no spinning before the futex, so
// nearly every hand-off goes through the sleep/notify path. A lost wake-up would surface as a wait that
// runs into its (long) timeout, which is counted.
void block_strategy_never_loses_a_wakeup(std::uint64_t rounds) {
  SpscRing<std::uint64_t> to_pong(4);
  SpscRing<std::uint64_t> to_ping(4);
  Waiter pong_waiter(WaitStrategy::Block, 0ns);
  Waiter ping_waiter(WaitStrategy::Block, 0ns);
  // Counters only (read after join, which orders them): relaxed increments throughout.
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> mismatches{0};

  std::thread pong([&] {
    for (std::uint64_t i = 0; i < rounds; ++i) {
      if (!pong_waiter.wait_for([&] { return to_pong.front() != nullptr; }, 5s)) {
        timeouts.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      std::uint64_t value = 0;
      (void)to_pong.try_pop(value);
      if (value != i) mismatches.fetch_add(1, std::memory_order_relaxed);
      (void)to_ping.try_push(value);
      ping_waiter.notify();
    }
  });

  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < rounds; ++i) {
    (void)to_pong.try_push(i);
    pong_waiter.notify();
    if (!ping_waiter.wait_for([&] { return to_ping.front() != nullptr; }, 5s)) {
      timeouts.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    std::uint64_t value = 0;
    (void)to_ping.try_pop(value);
    if (value != i) mismatches.fetch_add(1, std::memory_order_relaxed);
  }
  pong.join();
  const std::chrono::duration<double> elapsed = Clock::now() - start;
  CHECK_EQ(timeouts.load(), 0U);
  CHECK_EQ(mismatches.load(), 0U);
  std::printf("block ping-pong: %llu rounds in %.2f s\n", static_cast<unsigned long long>(rounds), elapsed.count());
}

void notify_without_sleepers_is_harmless(WaitStrategy strategy) {
  Waiter waiter(strategy);
  for (int i = 0; i < 1000; ++i) waiter.notify();
  CHECK(!waiter.wait_for([] { return false; }, 1ms));
}

}  // namespace

int main() {
  strategy_names_round_trip();
  for (WaitStrategy s : kAllStrategies) {
    wait_returns_at_once_when_already_ready(s);
    wait_times_out_when_nothing_is_published(s);
    consumer_wakes_when_producer_publishes(s);
    notify_without_sleepers_is_harmless(s);
  }
  block_strategy_never_loses_a_wakeup(shandian::queue::testing::stress_items(20'000, 2'000));
  return shandian::testing::finish("test_wait_strategy");
}
