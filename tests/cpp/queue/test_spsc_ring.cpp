// Single-threaded semantics of SpscRing: capacity rounding, full/empty, FIFO across the wrap point,
// batch runs that stop at the wrap point, element lifetimes.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "queue/spsc_ring.hpp"
#include "support/check.hpp"

using shandian::queue::SpscRing;

namespace {

void capacity_is_rounded_up_to_a_power_of_two() {
  CHECK_EQ(SpscRing<int>(1).capacity(), 1U);
  CHECK_EQ(SpscRing<int>(2).capacity(), 2U);
  CHECK_EQ(SpscRing<int>(3).capacity(), 4U);
  CHECK_EQ(SpscRing<int>(1000).capacity(), 1024U);
  CHECK_EQ(SpscRing<int>(1024).capacity(), 1024U);
  CHECK_EQ(SpscRing<int>(1025).capacity(), 2048U);
}

void zero_or_absurd_capacity_is_rejected_at_construction() {
  bool threw = false;
  try {
    SpscRing<int> ring(0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
  threw = false;
  try {
    SpscRing<int> ring(~std::size_t{0});
  } catch (const std::length_error&) {
    threw = true;
  }
  CHECK(threw);
}

void holds_exactly_capacity_items_then_reports_full() {
  SpscRing<int> ring(5);  // rounded to 8: every slot is usable
  CHECK(ring.front() == nullptr);
  CHECK_EQ(ring.size_approx(), 0U);
  for (int i = 0; i < 8; ++i) CHECK(ring.try_push(i));
  CHECK(!ring.try_push(99));
  CHECK(!ring.try_emplace(99));
  CHECK_EQ(ring.size_approx(), 8U);
  int out = -1;
  CHECK(ring.try_pop(out));
  CHECK_EQ(out, 0);
  CHECK(ring.try_push(8));  // one slot freed, one slot usable
  CHECK(!ring.try_push(9));
}

void empty_ring_pops_nothing() {
  SpscRing<int> ring(4);
  int out = 42;
  CHECK(!ring.try_pop(out));
  CHECK_EQ(out, 42);
  CHECK(ring.peek_batch(16).empty());
  ring.pop_batch(0);  // allowed no-op
  CHECK(ring.front() == nullptr);
}

void fifo_order_survives_many_wrap_arounds() {
  SpscRing<std::uint64_t> ring(4);
  std::uint64_t next_in = 0;
  std::uint64_t next_out = 0;
  // Uneven push/pop bursts so the full and empty conditions are hit at every slot offset.
  for (int round = 0; round < 1000; ++round) {
    const int pushes = 1 + round % 4;
    for (int i = 0; i < pushes; ++i) {
      if (ring.try_push(next_in)) ++next_in;
    }
    const int pops = 1 + (round * 7) % 4;
    for (int i = 0; i < pops; ++i) {
      std::uint64_t value = 0;
      if (!ring.try_pop(value)) break;
      CHECK_EQ(value, next_out);
      ++next_out;
    }
  }
  std::uint64_t value = 0;
  while (ring.try_pop(value)) CHECK_EQ(value, next_out++);
  CHECK_EQ(next_out, next_in);
  CHECK(next_in > 1000U);
}

void front_and_pop_give_in_place_access() {
  SpscRing<std::string> ring(2);
  CHECK(ring.try_emplace(3, 'x'));
  CHECK(ring.try_push(std::string("abc")));
  std::string* first = ring.front();
  REQUIRE(first != nullptr);
  CHECK_EQ(*first, std::string("xxx"));
  CHECK(ring.front() == first);  // front() is idempotent until pop()
  ring.pop();
  REQUIRE(ring.front() != nullptr);
  CHECK_EQ(*ring.front(), std::string("abc"));
  ring.pop();
  CHECK(ring.front() == nullptr);
}

void batch_stops_at_the_wrap_point_and_the_rest_follows() {
  SpscRing<int> ring(8);
  // Move the indices to offset 6, so a run of 5 elements occupies slots 6, 7, 0, 1, 2.
  for (int i = 0; i < 6; ++i) CHECK(ring.try_push(-1));
  ring.pop_batch(ring.peek_batch(6).size());
  for (int i = 0; i < 5; ++i) CHECK(ring.try_push(i));

  auto run = ring.peek_batch(100);
  REQUIRE(run.size() == 2U);  // slots 6 and 7, up to the physical end
  CHECK_EQ(run[0], 0);
  CHECK_EQ(run[1], 1);
  ring.pop_batch(run.size());

  run = ring.peek_batch(100);
  REQUIRE(run.size() == 3U);  // slots 0..2 after the wrap
  CHECK_EQ(run[0], 2);
  CHECK_EQ(run[2], 4);
  CHECK(run.data() == &run[0]);
  ring.pop_batch(run.size());
  CHECK(ring.peek_batch(100).empty());
}

void batch_honours_max_and_partial_pop() {
  SpscRing<int> ring(16);
  for (int i = 0; i < 10; ++i) CHECK(ring.try_push(i));
  auto run = ring.peek_batch(4);
  CHECK_EQ(run.size(), 4U);
  ring.pop_batch(2);  // consume only part of the run
  run = ring.peek_batch(64);
  REQUIRE(run.size() == 8U);
  CHECK_EQ(run[0], 2);
  CHECK_EQ(run[7], 9);
  ring.pop_batch(8);
  CHECK_EQ(ring.size_approx(), 0U);
}

void batch_refreshes_the_producer_index_when_cached_view_is_short() {
  SpscRing<int> ring(16);
  CHECK(ring.try_push(0));
  CHECK_EQ(ring.peek_batch(8).size(), 1U);  // caches write index 1
  for (int i = 1; i < 8; ++i) CHECK(ring.try_push(i));
  CHECK_EQ(ring.peek_batch(8).size(), 8U);  // must see the 7 new elements without a pop in between
  ring.pop_batch(8);
}

struct LifetimeCounter {
  static inline int live = 0;  // test-local bookkeeping
  int value;
  explicit LifetimeCounter(int v) noexcept : value(v) { ++live; }
  LifetimeCounter(LifetimeCounter&& other) noexcept : value(other.value) { ++live; }
  LifetimeCounter& operator=(LifetimeCounter&& other) noexcept {
    value = other.value;
    return *this;
  }
  ~LifetimeCounter() { --live; }
};

void every_constructed_element_is_destroyed_exactly_once() {
  {
    SpscRing<LifetimeCounter> ring(4);
    for (int i = 0; i < 4; ++i) CHECK(ring.try_emplace(i));
    CHECK_EQ(LifetimeCounter::live, 4);
    REQUIRE(ring.front() != nullptr);  // pop()'s precondition
    ring.pop();
    CHECK_EQ(LifetimeCounter::live, 3);
    ring.pop_batch(ring.peek_batch(2).size());
    CHECK_EQ(LifetimeCounter::live, 1);
    CHECK(ring.try_emplace(10));
    CHECK(ring.try_emplace(11));
    CHECK_EQ(LifetimeCounter::live, 3);
  }  // the destructor destroys the 3 still queued, across the wrap point
  CHECK_EQ(LifetimeCounter::live, 0);
}

void owning_elements_do_not_leak_when_left_in_the_ring() {
  SpscRing<std::unique_ptr<int>> ring(8);
  for (int i = 0; i < 5; ++i) CHECK(ring.try_push(std::make_unique<int>(i)));
  std::unique_ptr<int> out;
  CHECK(ring.try_pop(out));
  REQUIRE(out != nullptr);
  CHECK_EQ(*out, 0);
  // 4 left behind: the ASan build's leak checker verifies the destructor frees them.
}

static_assert(!std::is_copy_constructible_v<SpscRing<int>>);
static_assert(!std::is_move_constructible_v<SpscRing<int>>);
static_assert(alignof(SpscRing<int>) >= shandian::queue::kFalseSharingRange);

}  // namespace

int main() {
  capacity_is_rounded_up_to_a_power_of_two();
  zero_or_absurd_capacity_is_rejected_at_construction();
  holds_exactly_capacity_items_then_reports_full();
  empty_ring_pops_nothing();
  fifo_order_survives_many_wrap_arounds();
  front_and_pop_give_in_place_access();
  batch_stops_at_the_wrap_point_and_the_rest_follows();
  batch_honours_max_and_partial_pop();
  batch_refreshes_the_producer_index_when_cached_view_is_short();
  every_constructed_element_is_destroyed_exactly_once();
  owning_elements_do_not_leak_when_left_in_the_ring();
  return shandian::testing::finish("test_spsc_ring");
}
