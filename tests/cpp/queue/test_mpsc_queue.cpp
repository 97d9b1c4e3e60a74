// Single-threaded semantics of MpscQueue: capacity rounding, full/empty, FIFO across wrap-around,
// element lifetimes.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "queue/mpsc_queue.hpp"
#include "support/check.hpp"

using shandian::queue::MpscQueue;

namespace {

void capacity_is_a_power_of_two_of_at_least_two() {
  CHECK_EQ(MpscQueue<int>(1).capacity(), 2U);
  CHECK_EQ(MpscQueue<int>(2).capacity(), 2U);
  CHECK_EQ(MpscQueue<int>(3).capacity(), 4U);
  CHECK_EQ(MpscQueue<int>(100).capacity(), 128U);
  bool threw = false;
  try {
    MpscQueue<int> queue(0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

void push_fails_when_full_and_succeeds_after_a_pop() {
  MpscQueue<int> queue(4);
  for (int i = 0; i < 4; ++i) CHECK(queue.try_push(i));
  CHECK(!queue.try_push(4));
  CHECK(!queue.try_emplace(4));
  CHECK_EQ(queue.size_approx(), 4U);
  int out = -1;
  CHECK(queue.try_pop(out));
  CHECK_EQ(out, 0);
  CHECK(queue.try_push(4));
  CHECK(!queue.try_push(5));
}

void empty_queue_pops_nothing() {
  MpscQueue<int> queue(4);
  int out = 7;
  CHECK(!queue.try_pop(out));
  CHECK_EQ(out, 7);
  CHECK_EQ(queue.size_approx(), 0U);
}

void fifo_order_survives_many_laps() {
  MpscQueue<std::uint64_t> queue(2);
  std::uint64_t next_in = 0;
  std::uint64_t next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    for (int i = 0; i < 1 + round % 3; ++i) {
      if (queue.try_push(next_in)) ++next_in;
    }
    for (int i = 0; i < 1 + (round * 5) % 3; ++i) {
      std::uint64_t value = 0;
      if (!queue.try_pop(value)) break;
      CHECK_EQ(value, next_out);
      ++next_out;
    }
  }
  std::uint64_t value = 0;
  while (queue.try_pop(value)) CHECK_EQ(value, next_out++);
  CHECK_EQ(next_in, next_out);
  CHECK(next_in > 1000U);
}

void owning_elements_are_moved_out_and_leftovers_destroyed() {
  MpscQueue<std::string> queue(4);
  CHECK(queue.try_emplace(40, 'a'));  // long enough to live on the heap
  CHECK(queue.try_push(std::string(50, 'b')));
  CHECK(queue.try_push(std::string(60, 'c')));
  std::string out;
  CHECK(queue.try_pop(out));
  CHECK_EQ(out, std::string(40, 'a'));
  // Two heap strings left behind: the ASan build's leak checker verifies the destructor frees them.
}

}  // namespace

int main() {
  capacity_is_a_power_of_two_of_at_least_two();
  push_fails_when_full_and_succeeds_after_a_pop();
  empty_queue_pops_nothing();
  fifo_order_survives_many_laps();
  owning_elements_are_moved_out_and_leftovers_destroyed();
  return shandian::testing::finish("test_mpsc_queue");
}
