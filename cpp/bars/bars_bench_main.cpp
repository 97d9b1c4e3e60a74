// Standalone bar-building throughput figure: shandian_bars_bench [symbol] [days] [interval...]
// Prints ticks/s per instrument stream for the given intervals (default rb2505, 20 days, 1m).
#include <cstdio>
#include <cstdlib>
#include <exception>

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
    std::printf("%s\n", shandian::bench::describe(options, r).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shandian_bars_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
