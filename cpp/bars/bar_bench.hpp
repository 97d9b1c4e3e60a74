// Throughput of BarBuilder on one instrument stream: a pre-generated trading day of ticks (night + day,
// 2 per second, rising cumulative volume) fed through a builder with the given intervals, repeated over
// consecutive trading days. As on the engine thread, each tick is written into one TickData that is hot in
// cache (there it has just been read from the ring) before the builder sees it: the figure is the builder's
// cost, not the cost of streaming 250-byte ticks from memory. Header-only so a test, the standalone executable
// (bars_bench_main.cpp) and a later bench extension can all call it.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "bars/bar_builder.hpp"

namespace shandian::bench {

struct BarBenchOptions {
  std::string symbol = "rb2505";
  std::vector<std::string> intervals = {"1m"};
  std::int32_t days = 20;  // trading days replayed (the first is also the warm-up)
};

struct BarBenchResult {
  std::uint64_t ticks = 0;   // ticks fed in the timed days
  std::uint64_t bars = 0;    // bars finished in the timed days
  double seconds = 0.0;      // wall (steady clock)
  double cpu_seconds = 0.0;  // CPU time of the calling thread: the figure that survives a loaded machine
  [[nodiscard]] double ticks_per_second() const noexcept {
    return seconds > 0 ? static_cast<double>(ticks) / seconds : 0.0;
  }
  [[nodiscard]] double ticks_per_cpu_second() const noexcept {
    return cpu_seconds > 0 ? static_cast<double>(ticks) / cpu_seconds : 0.0;
  }
};

[[nodiscard]] inline double thread_cpu_seconds() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One trading day of ticks for `schedule`: every 500 ms through each window, the trading day stamped as
// SHFE does (CZCE's natural-day stamping is exercised by the edge-case tests, not here).
[[nodiscard]] inline std::vector<core::TickData> bench_trading_day(std::string_view symbol,
                                                                   const bars::SessionSchedule& schedule,
                                                                   std::uint32_t trading_day) {
  std::vector<core::TickData> ticks;
  core::TickData t{};
  t.symbol.assign(symbol);
  t.trading_day = trading_day;
  t.action_day = trading_day;
  double price = 3500.0;
  std::int64_t volume = 0;
  std::uint64_t lcg = 0x9E3779B97F4A7C15ULL ^ trading_day;
  for (std::size_t w = 0; w < schedule.count; ++w) {
    for (std::int32_t s = schedule.windows[w].begin; s < schedule.windows[w].end; s += 500) {
      lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
      price += static_cast<double>(static_cast<std::int64_t>(lcg >> 62) - 1);  // -1, 0, +1, +2 ticks of 1.0
      if (price < 1000.0) price = 1000.0;
      volume += static_cast<std::int64_t>((lcg >> 40) & 7U);
      std::int32_t ms_of_day = s + bars::kSessionClockOrigin;
      if (ms_of_day >= bars::kMsPerDay) ms_of_day -= static_cast<std::int32_t>(bars::kMsPerDay);
      t.update_ms = ms_of_day;
      t.last_price = price;
      t.volume = volume;
      t.turnover = static_cast<double>(volume) * price * 10.0;
      t.open_interest = 100000.0 + static_cast<double>(volume % 977);
      ticks.push_back(t);
    }
  }
  return ticks;
}

// Feeds `days` trading days through one builder; times all but the first. Throws std::invalid_argument for
// bad options (unknown symbol, bad interval, days < 2).
[[nodiscard]] inline BarBenchResult bar_builder_throughput(const BarBenchOptions& options) {
  if (options.days < 2) throw std::invalid_argument("bar bench: days must be at least 2 (one warm-up day)");
  bars::BarBuilder builder(options.symbol);
  for (const std::string& text : options.intervals) builder.add_interval(bars::parse_interval(text));
  // The fields that change from tick to tick, per day (consecutive weekdays from 2025-01-02), built before
  // timing; cumulative volume restarts each trading day as at the exchange.
  struct Changing {
    std::int32_t update_ms;
    double last_price;
    std::int64_t volume;
    double turnover;
    double open_interest;
  };
  std::vector<Changing> changing;
  std::vector<std::uint32_t> trading_days;
  std::int32_t day = bars::day_number_of_yyyymmdd(20250102);
  for (std::int32_t i = 0; i < options.days; ++i, day = bars::next_weekday(day)) {
    trading_days.push_back(bars::yyyymmdd_of_day_number(day));
  }
  for (const core::TickData& t : bench_trading_day(options.symbol, builder.schedule(), trading_days[0])) {
    changing.push_back({t.update_ms, t.last_price, t.volume, t.turnover, t.open_interest});
  }
  core::TickData hot{};
  hot.symbol.assign(options.symbol);
  const auto feed_day = [&](std::uint32_t trading_day, auto& sink) {
    hot.trading_day = trading_day;
    hot.action_day = trading_day;
    for (const Changing& c : changing) {
      hot.update_ms = c.update_ms;
      hot.last_price = c.last_price;
      hot.volume = c.volume;
      hot.turnover = c.turnover;
      hot.open_interest = c.open_interest;
      builder.on_tick(hot, sink);
    }
  };
  std::uint64_t bars_seen = 0;
  double checksum = 0.0;
  const auto sink = [&](const bars::Bar& bar) {
    ++bars_seen;
    checksum += bar.close;
  };
  feed_day(trading_days[0], sink);
  bars_seen = 0;
  BarBenchResult result;
  const double cpu_start = thread_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t d = 1; d < trading_days.size(); ++d) feed_day(trading_days[d], sink);
  const auto stop = std::chrono::steady_clock::now();
  result.cpu_seconds = thread_cpu_seconds() - cpu_start;
  result.ticks = changing.size() * (trading_days.size() - 1);
  result.seconds = std::chrono::duration<double>(stop - start).count();
  result.bars = bars_seen;
  if (checksum == 0.0) throw std::runtime_error("bar bench: no bar was built");
  return result;
}

// One line of key=value figures for a result (what the test and the standalone executable print).
[[nodiscard]] inline std::string describe(const BarBenchOptions& options, const BarBenchResult& r) {
  std::string intervals;
  for (const std::string& text : options.intervals) intervals += (intervals.empty() ? "" : ",") + text;
  char line[256];
  std::snprintf(line, sizeof line,
                "ticks=%llu bars=%llu wall_s=%.4f ticks_per_s=%.3e cpu_ticks_per_s=%.3e ns_per_tick_cpu=%.1f",
                static_cast<unsigned long long>(r.ticks), static_cast<unsigned long long>(r.bars), r.seconds,
                r.ticks_per_second(), r.ticks_per_cpu_second(), 1e9 / r.ticks_per_cpu_second());
  return "bars_build symbol=" + options.symbol + " intervals=" + intervals + " " + line;
}

}  // namespace shandian::bench
