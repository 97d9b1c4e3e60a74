// The benchmark entry points behind _bench.bench_*: they terminate quickly with small counts on any core
// layout, return the advertised shapes, and reject bad arguments with std::invalid_argument.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "bench/ring_bench.hpp"
#include "support/check.hpp"

namespace bench = shandian::bench;

namespace {

template <class F>
bool throws_invalid_argument(F&& call) {
  try {
    call();
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

void ring_throughput_delivers_every_item() {
  const auto result = bench::ring_throughput(200'000, 64, -1, -1);
  CHECK_EQ(result.items, 200'000U);
  CHECK(result.seconds > 0.0);
  CHECK(result.items_per_s > 0.0);
  const auto pinned = bench::ring_throughput(10'000, 16, 0, 0);  // both on one core: still terminates
  CHECK_EQ(pinned.items, 10'000U);
}

void ring_roundtrip_returns_one_sample_per_trip() {
  const std::vector<std::int64_t> nanos = bench::ring_roundtrip(2'000, 100, 4, -1, -1);
  CHECK_EQ(nanos.size(), 2'000U);
  bool all_positive = true;
  for (std::int64_t n : nanos) all_positive = all_positive && n > 0;
  CHECK(all_positive);
  CHECK_EQ(bench::ring_roundtrip(200, 0, 1, 0, 0).size(), 200U);  // one core, capacity 1
}

void mpsc_throughput_delivers_every_item() {
  const auto result = bench::mpsc_throughput(100'001, 3, 32);  // not a multiple of the producer count
  CHECK_EQ(result.items, 100'001U);
  CHECK(result.items_per_s > 0.0);
}

void bad_arguments_are_rejected() {
  CHECK(throws_invalid_argument([] { (void)bench::ring_throughput(0, 64, -1, -1); }));
  CHECK(throws_invalid_argument([] { (void)bench::ring_throughput(10, 0, -1, -1); }));
  CHECK(throws_invalid_argument([] { (void)bench::ring_throughput(10, 64, 1 << 20, -1); }));
  CHECK(throws_invalid_argument([] { (void)bench::ring_roundtrip(10, -1, 4, -1, -1); }));
  CHECK(throws_invalid_argument([] { (void)bench::mpsc_throughput(10, 0, 64); }));
}

}  // namespace

int main() {
  ring_throughput_delivers_every_item();
  ring_roundtrip_returns_one_sample_per_trip();
  mpsc_throughput_delivers_every_item();
  bad_arguments_are_rejected();
  return shandian::testing::finish("test_ring_bench");
}
