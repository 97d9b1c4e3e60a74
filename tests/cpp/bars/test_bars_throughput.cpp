// Runs the bar-building throughput bench (cpp/bars/bar_bench.hpp) and prints ticks/s per instrument
// stream. The figure is printed, not asserted (speed targets live in bench/); the bar counts are checked
// so the bench cannot measure a builder that does nothing.
#include <cstdio>

#include "bars/bar_bench.hpp"
#include "support/check.hpp"

namespace {

void run(const shandian::bench::BarBenchOptions& options, std::uint64_t expected_bars) {
  const auto r = shandian::bench::bar_builder_throughput(options);
  std::printf("%s\n", shandian::bench::describe(options, r).c_str());
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
