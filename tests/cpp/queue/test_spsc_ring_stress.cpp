// Two-thread stress of SpscRing: >= 10 M sequenced items (fewer under ThreadSanitizer) through a small
// ring, so it is full and empty many times at every slot offset. The consumer verifies that nothing is
// lost, duplicated, reordered or torn, alternating all three consumer APIs (try_pop, front/pop,
// peek_batch/pop_batch) and the producer alternates try_push and try_emplace.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>

#include "queue/spsc_ring.hpp"
#include "stress_support.hpp"
#include "support/check.hpp"

using shandian::queue::SpscRing;
using shandian::queue::testing::Backoff;
using shandian::queue::testing::stress_items;

namespace {

// Two words written together: a torn or stale slot read shows up as a checksum mismatch.
struct Sequenced {
  std::uint64_t sequence;
  std::uint64_t checksum;
};
constexpr std::uint64_t checksum_of(std::uint64_t sequence) { return ~sequence * 0x9E37'79B9'7F4A'7C15ULL; }

struct ConsumerReport {
  std::uint64_t received = 0;
  std::uint64_t out_of_sequence = 0;
  std::uint64_t torn = 0;
  std::uint64_t first_bad_expected = 0;
  std::uint64_t first_bad_got = 0;
};

void check_item(const Sequenced& item, std::uint64_t& expected, ConsumerReport& report) {
  if (item.sequence != expected && report.out_of_sequence++ == 0) {
    report.first_bad_expected = expected;
    report.first_bad_got = item.sequence;
  }
  if (item.checksum != checksum_of(item.sequence)) ++report.torn;
  expected = item.sequence + 1;  // resynchronise so one fault is counted once
  ++report.received;
}

void sequenced_items_arrive_once_and_in_order(std::uint64_t items, std::size_t capacity) {
  auto ring = std::make_unique<SpscRing<Sequenced>>(capacity);
  ConsumerReport report;

  std::thread consumer([&] {
    Backoff backoff;
    std::uint64_t expected = 0;
    while (report.received < items) {
      bool progressed = false;
      switch (report.received % 3) {  // rotate through the consumer APIs
        case 0: {
          Sequenced item{};
          if (ring->try_pop(item)) {
            check_item(item, expected, report);
            progressed = true;
          }
          break;
        }
        case 1: {
          if (const Sequenced* item = ring->front(); item != nullptr) {
            check_item(*item, expected, report);
            ring->pop();
            progressed = true;
          }
          break;
        }
        default: {
          const auto run = ring->peek_batch(97);
          for (const Sequenced& item : run) check_item(item, expected, report);
          ring->pop_batch(run.size());
          progressed = !run.empty();
          break;
        }
      }
      if (progressed) {
        backoff.reset();
      } else {
        backoff.pause();
      }
    }
  });

  Backoff backoff;
  for (std::uint64_t sequence = 0; sequence < items;) {
    const bool pushed = (sequence & 1U) != 0 ? ring->try_push(Sequenced{sequence, checksum_of(sequence)})
                                             : ring->try_emplace(Sequenced{sequence, checksum_of(sequence)});
    if (pushed) {
      ++sequence;
      backoff.reset();
    } else {
      backoff.pause();
    }
  }
  consumer.join();

  CHECK_EQ(report.received, items);
  CHECK_EQ(report.out_of_sequence, 0U);
  CHECK_EQ(report.torn, 0U);
  if (report.out_of_sequence != 0) {
    std::fprintf(stderr, "first out-of-sequence item: expected %llu, got %llu\n",
                 static_cast<unsigned long long>(report.first_bad_expected),
                 static_cast<unsigned long long>(report.first_bad_got));
  }
  CHECK(ring->front() == nullptr);
  CHECK_EQ(ring->size_approx(), 0U);
}

// Non-trivial elements: construction on the producer, destruction on the consumer, nothing leaked
// (ASan) and no race on the heap blocks handed across (TSan).
void owning_elements_cross_threads_without_leaks_or_races(std::uint64_t items) {
  SpscRing<std::unique_ptr<std::uint64_t>> ring(64);
  std::uint64_t mismatches = 0;
  std::thread consumer([&] {
    Backoff backoff;
    std::unique_ptr<std::uint64_t> item;
    for (std::uint64_t expected = 0; expected < items;) {
      if (ring.try_pop(item)) {
        if (*item != expected) ++mismatches;
        ++expected;
        backoff.reset();
      } else {
        backoff.pause();
      }
    }
  });
  Backoff backoff;
  for (std::uint64_t i = 0; i < items;) {
    if (ring.try_push(std::make_unique<std::uint64_t>(i))) {
      ++i;
      backoff.reset();
    } else {
      backoff.pause();
    }
  }
  consumer.join();
  CHECK_EQ(mismatches, 0U);
}

}  // namespace

int main() {
  const std::uint64_t items = stress_items(10'000'000, 1'000'000);
  const auto start = std::chrono::steady_clock::now();
  sequenced_items_arrive_once_and_in_order(items, 1024);
  // A tiny ring maximises the number of full/empty transitions per item.
  sequenced_items_arrive_once_and_in_order(items / 10, 4);
  owning_elements_cross_threads_without_leaks_or_races(items / 100);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("test_spsc_ring_stress: %llu items in %.2f s\n", static_cast<unsigned long long>(items), elapsed.count());
  return shandian::testing::finish("test_spsc_ring_stress");
}
