// Multi-producer stress of MpscQueue: several producers push their own sequences concurrently through a
// small queue; the single consumer checks that each producer's items arrive complete, once, in order.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include "queue/mpsc_queue.hpp"
#include "stress_support.hpp"
#include "support/check.hpp"

using shandian::queue::MpscQueue;
using shandian::queue::testing::Backoff;
using shandian::queue::testing::stress_items;

namespace {

struct Command {
  std::uint32_t producer;
  std::uint32_t pad;
  std::uint64_t sequence;
  std::uint64_t checksum;
};
constexpr std::uint64_t checksum_of(std::uint32_t producer, std::uint64_t sequence) {
  return (sequence * 0x9E37'79B9'7F4A'7C15ULL) ^ (std::uint64_t{producer} << 56U);
}

void each_producers_sequence_arrives_complete_and_in_order(unsigned producers, std::uint64_t per_producer,
                                                           std::size_t capacity) {
  MpscQueue<Command> queue(capacity);
  std::vector<std::thread> threads;
  threads.reserve(producers);
  for (unsigned p = 0; p < producers; ++p) {
    threads.emplace_back([&queue, p, per_producer] {
      Backoff backoff;
      for (std::uint64_t s = 0; s < per_producer;) {
        const bool pushed = (s & 1U) != 0 ? queue.try_push(Command{p, 0, s, checksum_of(p, s)})
                                          : queue.try_emplace(Command{p, 0, s, checksum_of(p, s)});
        if (pushed) {
          ++s;
          backoff.reset();
        } else {
          backoff.pause();
        }
      }
    });
  }

  std::vector<std::uint64_t> next(producers, 0);
  std::uint64_t out_of_order = 0;
  std::uint64_t torn = 0;
  std::uint64_t unknown_producer = 0;
  const std::uint64_t total = per_producer * producers;
  Backoff backoff;
  for (std::uint64_t received = 0; received < total;) {
    Command command{};
    if (!queue.try_pop(command)) {
      backoff.pause();
      continue;
    }
    backoff.reset();
    ++received;
    if (command.producer >= producers) {
      ++unknown_producer;
      continue;
    }
    if (command.checksum != checksum_of(command.producer, command.sequence)) ++torn;
    if (command.sequence != next[command.producer]) ++out_of_order;
    next[command.producer] = command.sequence + 1;
  }
  for (auto& t : threads) t.join();

  CHECK_EQ(out_of_order, 0U);
  CHECK_EQ(torn, 0U);
  CHECK_EQ(unknown_producer, 0U);
  for (unsigned p = 0; p < producers; ++p) CHECK_EQ(next[p], per_producer);
  Command leftover{};
  CHECK(!queue.try_pop(leftover));
  CHECK_EQ(queue.size_approx(), 0U);
}

}  // namespace

int main() {
  const std::uint64_t per_producer = stress_items(2'000'000, 200'000);
  const auto start = std::chrono::steady_clock::now();
  each_producers_sequence_arrives_complete_and_in_order(2, per_producer, 1024);
  each_producers_sequence_arrives_complete_and_in_order(4, per_producer / 4, 8);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("test_mpsc_queue_stress: %llu items per producer in %.2f s\n",
              static_cast<unsigned long long>(per_producer), elapsed.count());
  return shandian::testing::finish("test_mpsc_queue_stress");
}
