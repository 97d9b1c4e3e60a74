// Runs the bar-building throughput bench (cpp/bars/bar_bench.hpp) and prints ticks/s per instrument
// stream. The figure is printed, not asserted (speed targets live in bench/); the bar counts are checked
// so the bench cannot measure a builder that does nothing.
#include <cstdio>

#include "bars/bar_bench.hpp"
#include "support/check.hpp"

namespace {

void run(const shandian::bench::BarBenchOptions& options, std::uint64_t expected_bars) {
  const auto r = shandian::bench::bar_builder_throughput(options);
  std::string intervals;
  for (const auto& text : options.intervals) intervals += (intervals.empty() ? "" : ",") + text;
  std::printf("bars_build symbol=%s intervals=%s ticks=%llu bars=%llu wall_s=%.4f ticks_per_s=%.3e "
              "cpu_ticks_per_s=%.3e ns_per_tick_cpu=%.1f\n",
              options.symbol.c_str(), intervals.c_str(), static_cast<unsigned long long>(r.ticks),
              static_cast<unsigned long long>(r.bars), r.seconds, r.ticks_per_second(),
              r.ticks_per_cpu_second(), 1e9 / r.ticks_per_cpu_second());
  CHECK(r.ticks > 0);
  if (expected_bars != 0) CHECK_EQ(r.bars, expected_bars);
}

}  // namespace

int main() {
  shandian::bench::BarBenchOptions one;
  one.symbol = "rb2505";
  one.days = 21;
  // rb trades 120 + 75 + 60 + 90 = 345 minutes a day; every minute has ticks. The warm-up day's last bar is
  // closed by the first timed tick and the last timed day's last bar stays open: 345 per timed day.
  run(one, 345ULL * 20);
  shandian::bench::BarBenchOptions all = one;
  all.intervals = {"1m", "3m", "5m", "15m", "30m", "1h", "1d", "100t", "500v"};
  run(all, 0);
  return shandian::testing::finish("test_bars_throughput");
}
