// Standalone bar-building throughput figure: shandian_bars_bench [symbol] [days] [interval...]
// Prints ticks/s per instrument stream for the given intervals (default rb2505, 20 days, 1m).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "bars/bar_bench.hpp"

int main(int argc, char** argv) {
  shandian::bench::BarBenchOptions options;
  if (argc > 1) options.symbol = argv[1];
  if (argc > 2) options.days = std::atoi(argv[2]);
  if (argc > 3) {
    options.intervals.clear();
    for (int i = 3; i < argc; ++i) options.intervals.emplace_back(argv[i]);
  }
  try {
    const auto r = shandian::bench::bar_builder_throughput(options);
    std::string intervals;
    for (const auto& text : options.intervals) intervals += (intervals.empty() ? "" : ",") + text;
    std::printf("bars_build symbol=%s intervals=%s ticks=%llu bars=%llu wall_s=%.4f ticks_per_s=%.3e "
              "cpu_ticks_per_s=%.3e ns_per_tick_cpu=%.1f\n",
                options.symbol.c_str(), intervals.c_str(), static_cast<unsigned long long>(r.ticks),
                static_cast<unsigned long long>(r.bars), r.seconds, r.ticks_per_second(),
              r.ticks_per_cpu_second(), 1e9 / r.ticks_per_cpu_second());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shandian_bars_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
