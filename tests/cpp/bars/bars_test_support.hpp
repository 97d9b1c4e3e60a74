// Shared helpers of the bar builder tests: tick construction by wall-clock time, a collecting sink, and
// lookups of the emitted bars by interval and start time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bars/bar_builder.hpp"
#include "support/check.hpp"

namespace shandian::bars::testing {

// 2025-01-03 is a Friday; its night session belongs to Monday 2025-01-06.
inline constexpr std::uint32_t kThu = 20250102;
inline constexpr std::uint32_t kFri = 20250103;
inline constexpr std::uint32_t kSat = 20250104;
inline constexpr std::uint32_t kMon = 20250106;
inline constexpr std::uint32_t kTue = 20250107;

[[nodiscard]] constexpr std::int32_t hms(int h, int m, int s = 0, int ms = 0) {
  return ((h * 60 + m) * 60 + s) * 1000 + ms;
}

// Exchange wall time of natural date `yyyymmdd` at `ms_of_day`.
[[nodiscard]] inline std::int64_t wall(std::uint32_t yyyymmdd, std::int32_t ms_of_day) {
  return static_cast<std::int64_t>(day_number_of_yyyymmdd(yyyymmdd)) * kMsPerDay + ms_of_day;
}

[[nodiscard]] inline core::TickData make_tick(std::string_view symbol, std::uint32_t trading_day,
                                              std::int32_t ms_of_day, double price, std::int64_t volume,
                                              double open_interest = 1000.0) {
  core::TickData t{};
  t.symbol.assign(symbol);
  t.trading_day = trading_day;
  t.action_day = trading_day;
  t.update_ms = ms_of_day;
  t.last_price = price;
  t.volume = volume;
  t.turnover = static_cast<double>(volume) * 10.0;
  t.open_interest = open_interest;
  return t;
}

// A builder plus everything it emitted.
struct Feed {
  std::string symbol;
  BarBuilder builder;
  std::vector<Bar> bars;

  explicit Feed(std::string_view symbol_text, std::vector<std::string> intervals = {"1m"}, BuilderOptions options = {})
      : symbol(symbol_text), builder(symbol_text, options) {
    for (const std::string& text : intervals) builder.add_interval(parse_interval(text));
  }
  void tick(std::uint32_t trading_day, std::int32_t ms_of_day, double price, std::int64_t volume,
            double open_interest = 1000.0) {
    builder.on_tick(make_tick(symbol, trading_day, ms_of_day, price, volume, open_interest),
                    [this](const Bar& b) { bars.push_back(b); });
  }
  void clock(std::uint32_t natural_day, std::int32_t ms_of_day) {
    builder.on_clock(wall(natural_day, ms_of_day), [this](const Bar& b) { bars.push_back(b); });
  }
  [[nodiscard]] std::vector<Bar> of(std::string_view interval) const {
    std::vector<Bar> out;
    const BarInterval want = parse_interval(interval);
    for (const Bar& b : bars) {
      if (b.interval == want) out.push_back(b);
    }
    return out;
  }
  // The index-th bar of `interval`, by value (a CHECK must not hold a reference into a temporary vector).
  [[nodiscard]] Bar nth(std::string_view interval, std::size_t index) const {
    const std::vector<Bar> bars_of = of(interval);
    REQUIRE(index < bars_of.size());
    return bars_of[index];
  }
  // The bar of `interval` starting at natural date + time; nullptr when none was emitted.
  [[nodiscard]] const Bar* at(std::string_view interval, std::uint32_t natural_day, std::int32_t ms_of_day) const {
    const BarInterval want = parse_interval(interval);
    for (const Bar& b : bars) {
      if (b.interval == want && b.start_ms == wall(natural_day, ms_of_day)) return &b;
    }
    return nullptr;
  }
};

}  // namespace shandian::bars::testing
