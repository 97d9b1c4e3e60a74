// Applying an OnRtnTrade to its order and the per-agent ledgers (bench/order_bench.hpp's rig, the code
// _bench.bench_order_apply times) allocates nothing in steady state: every operator new / malloc is counted
// after a warm-up (replaced in this test binary only) and must stay 0. Also checks the booked result.
// Under ASan/TSan the sanitizer owns the allocator, so the replacement is compiled out.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include "bench/order_bench.hpp"
#include "support/check.hpp"

#include "support/allocation_counter.hpp"

int main() {
  shandian::bench::OrderApplyRig rig(20'000);
  for (int i = 0; i < 1000; ++i) (void)rig.apply_one();  // warm-up (position slots, hash map probes)
  g_counting.store(true, std::memory_order_relaxed);
  std::int64_t sink = 0;
  for (int i = 0; i < 10'000; ++i) sink += rig.apply_one();
  g_counting.store(false, std::memory_order_relaxed);
#if SHANDIAN_COUNT_ALLOCATIONS
  CHECK_EQ(g_allocations.load(std::memory_order_relaxed), 0u);
#endif
  CHECK(sink > 0);
  // 11,001 trades alternating open/close from one seeded lot: 5,501 opens, 5,500 closes, one lot held.
  const auto& L = rig.ledgers();
  CHECK_EQ(L.long_volume(0, 0), 1);
  CHECK_EQ(L.agent(0).fills, 11'001u);
  CHECK(std::fabs(L.agent(0).commission - (5'501 * 2.0 + 5'500 * 3.0)) < 1e-6);  // opens 2/lot, close-today 3/lot
  return shandian::testing::finish("test_core_order_apply_allocations");
}
