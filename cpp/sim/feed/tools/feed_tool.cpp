// shandian-sim-feed: command-line access to the local front's market generator.
//   shandian-sim-feed dump  [--seed N] [--instruments rb,cu] [--trading-day YYYYMMDD] [--session day|night]
//                           [--max-ticks N] --out FILE.csv     write native CSV (deterministic from the seed)
//   shandian-sim-feed bench [--ticks N] [options above]       print the generation rate (ticks/s, one core)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

#include "sim/core/front_config.hpp"
#include "sim/feed/feed.hpp"

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text) {
    if (c == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

int usage() {
  std::fprintf(stderr,
               "usage: shandian-sim-feed dump [--seed N] [--instruments rb,cu] [--trading-day YYYYMMDD]\n"
               "                              [--session day|night] [--max-ticks N] --out FILE.csv\n"
               "       shandian-sim-feed bench [--ticks N] [same options]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace shandian::sim;
  if (argc < 2) return usage();
  const std::string command = argv[1];
  FrontConfig config;
  std::string out_path;
  long long bench_ticks = 5'000'000;
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (flag == "--seed")
      config.seed = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--instruments")
      config.instruments = split_commas(value);
    else if (flag == "--trading-day")
      config.trading_day = value;
    else if (flag == "--session")
      config.session = value;
    else if (flag == "--max-ticks")
      config.max_ticks = std::atoi(value.c_str());
    else if (flag == "--out")
      out_path = value;
    else if (flag == "--ticks")
      bench_ticks = std::atoll(value.c_str());
    else
      return usage();
  }
  try {
    const std::string day = config.trading_day.empty() ? std::string(kDefaultTradingDay) : config.trading_day;
    const std::vector<InstrumentSpec> instruments = select_instruments(config.instruments, day);
    if (command == "dump") {
      if (out_path.empty()) return usage();
      GeneratorSource source(config, instruments);
      const std::int64_t rows = write_csv(source, out_path);
      std::printf("wrote %lld ticks for trading day %s to %s\n", static_cast<long long>(rows), source.trading_day(),
                  out_path.c_str());
      return 0;
    }
    if (command == "bench") {
      // Whole trading days of every selected instrument, repeated (new seed each pass) until enough ticks.
      FeedEvent event{};
      long long ticks = 0;
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpu_start = std::clock();
      for (std::uint64_t pass = 0; ticks < bench_ticks; ++pass) {
        FrontConfig c = config;
        c.seed = config.seed + pass;
        c.max_ticks = 0;
        GeneratorSource source(c, instruments);
        while (ticks < bench_ticks && source.next(event)) ticks += event.kind == FeedEvent::Kind::Tick;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // CPU time too: on a shared machine the wall-clock rate mostly measures the neighbours.
      const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      std::printf(
          "generated %lld ticks in %.3f s wall / %.3f s CPU: %.2f M ticks/s wall, %.2f M ticks per CPU-second "
          "(%zu instruments, one thread)\n",
          ticks, seconds, cpu_seconds, static_cast<double>(ticks) / seconds / 1e6,
          static_cast<double>(ticks) / cpu_seconds / 1e6, instruments.size());
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shandian-sim-feed: %s\n", e.what());
    return 1;
  }
  return usage();
}
