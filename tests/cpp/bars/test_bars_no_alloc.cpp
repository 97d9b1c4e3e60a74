// The bar builder's hot path allocates nothing: a full trading day (night + day) of ticks and clock calls
// through every interval kind, empty-bar filling on, with every heap allocation of the binary counted.
#include <cstdio>
#include <vector>

#include "bars/bar_bench.hpp"
#include "bars_test_support.hpp"
#include "support/allocation_counter.hpp"

using namespace shandian::bars;
using namespace shandian::bars::testing;

int main() {
  BuilderOptions options;
  options.emit_empty_bars = true;
  BarBuilder builder("au2506", options);
  for (const char* text : {"1m", "3m", "5m", "15m", "30m", "1h", "1d", "100t", "500v"}) {
    builder.add_interval(parse_interval(text));
  }
  // Two trading days, every 4th tick dropped so empty slots get filled, a clock call every 50 ticks.
  std::vector<shandian::core::TickData> ticks;
  for (const std::uint32_t day : {kMon, kTue}) {
    const auto one = shandian::bench::bench_trading_day("au2506", builder.schedule(), day);
    for (std::size_t i = 0; i < one.size(); ++i) {
      if (i % 4 != 3 && (i / 240) % 3 != 1) ticks.push_back(one[i]);
    }
  }
  std::uint64_t bars = 0;
  std::uint64_t filled = 0;
  const auto sink = [&](const Bar& b) {
    ++bars;
    if (b.filled) ++filled;
  };
  builder.on_clock(wall(kFri, hms(20, 50)), sink);
  g_counting.store(true);
  std::int64_t clock = 0;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    builder.on_tick(ticks[i], sink);
    if (i % 50 == 0) {
      const std::int32_t day = day_number_of_yyyymmdd(ticks[i].trading_day);
      clock = exchange_ms_of(day, session_ms_of(ticks[i].update_ms)) + 1000;
      builder.on_clock(clock, sink);
    }
  }
  builder.on_clock(wall(kTue, hms(15, 5)), sink);
  g_counting.store(false);
  std::printf("ticks=%zu bars=%llu filled=%llu allocations=%llu (counting %s)\n", ticks.size(),
              static_cast<unsigned long long>(bars), static_cast<unsigned long long>(filled),
              static_cast<unsigned long long>(g_allocations.load()), SHANDIAN_COUNT_ALLOCATIONS ? "on" : "off");
  CHECK(bars > 1000);
  CHECK(filled > 0);
  CHECK_EQ(builder.stats().accepted, ticks.size());
  CHECK_EQ(g_allocations.load(), 0U);
  return shandian::testing::finish("test_bars_no_alloc");
}
