// The Bar record and bar intervals. A Bar is POD (fixed-size symbol, no heap) so it can be copied into a
// ring slot or a history ring buffer as it is.
#pragma once

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/events.hpp"

namespace shandian::bars {

enum class BarKind : std::uint8_t {
  Minutes,  // time bars of n minutes (1, 3, 5, 15, 30, 60 = "1h", ...), anchored at each window start
  Daily,    // one bar per trading day (night session included)
  Ticks,    // every n in-session ticks
  Volume,   // closes at the tick that brings the bar's volume to n lots or more
};

struct BarInterval {
  BarKind kind = BarKind::Minutes;
  std::uint32_t n = 1;
  friend bool operator==(const BarInterval&, const BarInterval&) = default;
};

inline constexpr std::uint32_t kMaxBarMinutes = 240;

// An interval text that is not one of "<n>m" (1 <= n <= 240), "<n>h" (1 <= n <= 4), "1d", "<n>t", "<n>v".
class InvalidIntervalError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

[[nodiscard]] inline BarInterval parse_interval(std::string_view text) {
  const auto fail = [&](std::string_view rule) -> BarInterval {
    throw InvalidIntervalError("bar interval '" + std::string(text) + "': " + std::string(rule));
  };
  if (text.size() < 2) return fail("expected <n>m, <n>h, 1d, <n>t or <n>v");
  const char unit = text.back();
  std::uint32_t n = 0;
  const std::string_view digits = text.substr(0, text.size() - 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size() || n == 0) {
    return fail("the count before the unit must be a positive integer");
  }
  switch (unit) {
    case 'm':
      if (n > kMaxBarMinutes) return fail("minute bars are at most 240 minutes");
      return BarInterval{BarKind::Minutes, n};
    case 'h':
      if (n * 60 > kMaxBarMinutes) return fail("hour bars are at most 4 hours");
      return BarInterval{BarKind::Minutes, n * 60};
    case 'd':
      if (n != 1) return fail("only 1d daily bars are built");
      return BarInterval{BarKind::Daily, 1};
    case 't': return BarInterval{BarKind::Ticks, n};
    case 'v': return BarInterval{BarKind::Volume, n};
    default: return fail("unit must be m, h, d, t or v");
  }
}

[[nodiscard]] inline std::string to_string(BarInterval interval) {
  switch (interval.kind) {
    case BarKind::Minutes:
      return interval.n % 60 == 0 ? std::to_string(interval.n / 60) + "h" : std::to_string(interval.n) + "m";
    case BarKind::Daily: return "1d";
    case BarKind::Ticks: return std::to_string(interval.n) + "t";
    case BarKind::Volume: return std::to_string(interval.n) + "v";
  }
  return "?";
}

// Times are exchange wall time: China Standard Time digits read as ms since the epoch (the local front's
// exchange_ns convention, in ms). Time bars: [start_ms, end_ms) is the bar's nominal slot (09:05-09:10,
// 10:00-10:15 for a 30m bar cut by the break); daily bars: first window start to last window end; tick and
// volume bars: first to last tick (end inclusive).
struct Bar {
  core::InstrumentId symbol;
  BarInterval interval;
  std::uint32_t trading_day;  // YYYYMMDD; the night session belongs to the next trading day
  std::int64_t start_ms;
  std::int64_t end_ms;
  double open;
  double high;
  double low;
  double close;
  std::int64_t volume;          // lots traded in the bar (difference of the cumulative tick volume)
  double turnover;              // difference of the cumulative tick turnover
  double open_interest;         // at the bar's last tick
  double open_interest_change;  // open_interest minus the open interest before the bar's first tick
  std::uint32_t tick_count;     // ticks folded in; 0 for a filled (empty) bar
  bool filled;                  // a flat bar for a slot without ticks (BuilderOptions::emit_empty_bars)
};
static_assert(std::is_trivially_copyable_v<Bar>);

}  // namespace shandian::bars
