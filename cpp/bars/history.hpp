// Bars from recorded ticks, for warm-up and research: one instrument's ticks as columns in, finished bars as
// columns out, built by the same BarBuilder the engine runs. Header-only.
//
// Tick columns follow the Bar time convention (bar.hpp): time_ms is exchange wall time (China Standard Time
// digits read as ms since the epoch); trading_day is the real trading day (YYYYMMDD; the night belongs to
// the next one), for every exchange. Cumulative volume / turnover as the exchange sends them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bars/bar.hpp"
#include "bars/bar_builder.hpp"
#include "bars/trading_calendar.hpp"

namespace shandian::bars {

// Columns of ticks, borrowed (the caller's arrays; all of length `size`).
struct TickColumnsView {
  std::size_t size = 0;
  const std::int64_t* time_ms = nullptr;
  const std::uint32_t* trading_day = nullptr;
  const double* last_price = nullptr;
  const std::int64_t* volume = nullptr;
  const double* turnover = nullptr;
  const double* open_interest = nullptr;
};

// Columns of ticks, owned (what a reader of recorded ticks returns). Prices without a value are 0.0.
struct TickColumns {
  std::vector<std::int64_t> time_ms;
  std::vector<std::uint32_t> trading_day;
  std::vector<double> last_price, turnover, open_interest, bid_price_1, ask_price_1;
  std::vector<std::int64_t> volume;
  std::vector<std::int32_t> bid_volume_1, ask_volume_1;
};

// Finished bars as columns (one entry per bar, in the order the builder emitted them).
struct BarColumns {
  std::vector<std::int64_t> start_ms, end_ms;
  std::vector<std::uint32_t> trading_day;
  std::vector<double> open, high, low, close, turnover, open_interest, open_interest_change;
  std::vector<std::int64_t> volume;
  std::vector<std::uint32_t> tick_count;
  std::vector<std::uint8_t> filled;
  BuilderStats stats;  // ticks the builder took or refused, by reason

  void push(const Bar& b) {
    start_ms.push_back(b.start_ms);
    end_ms.push_back(b.end_ms);
    trading_day.push_back(b.trading_day);
    open.push_back(b.open);
    high.push_back(b.high);
    low.push_back(b.low);
    close.push_back(b.close);
    volume.push_back(b.volume);
    turnover.push_back(b.turnover);
    open_interest.push_back(b.open_interest);
    open_interest_change.push_back(b.open_interest_change);
    tick_count.push_back(b.tick_count);
    filled.push_back(b.filled ? 1 : 0);
  }
};

// A tick column set whose time goes backwards (the builder would drop such ticks as stale, silently).
class TickOrderError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The natural day (day number) of exchange time `time_ms` (floor division: times before 1970 too).
[[nodiscard]] constexpr std::int64_t natural_day_of_exchange_ms(std::int64_t time_ms) noexcept {
  const std::int64_t q = time_ms / kMsPerDay;
  return (time_ms % kMsPerDay != 0 && time_ms < 0) ? q - 1 : q;
}

// The trading day (YYYYMMDD) of exchange time `time_ms` by the weekday calendar (evenings from 18:00 and
// weekends belong to the next weekday; exchange holidays are not known).
[[nodiscard]] constexpr std::uint32_t trading_day_of_exchange_ms(std::int64_t time_ms) noexcept {
  const std::int64_t natural = natural_day_of_exchange_ms(time_ms);
  const auto ms_of_day = static_cast<std::int32_t>(time_ms - natural * kMsPerDay);
  return yyyymmdd_of_day_number(trading_day_of(static_cast<std::int32_t>(natural), ms_of_day));
}

// Feeds `ticks` of `symbol` (its product in the bundled session table: UnknownProductError otherwise) through
// a BarBuilder of `interval` and returns the bars finished by the ticks. `clock_ms`: the exchange clock after
// the last tick, closing the bars it has passed (a session's last bar when no closing tick came); the default
// leaves the bar still open at the last tick out, as a live builder would at that instant.
[[nodiscard]] inline BarColumns build_bars(std::string_view symbol, BarInterval interval, const TickColumnsView& ticks,
                                           std::int64_t clock_ms = std::numeric_limits<std::int64_t>::min(),
                                           BuilderOptions options = {}) {
  BarBuilder builder(symbol, sessions_for_symbol(symbol), options);
  builder.add_interval(interval);
  const bool natural_day_stamps = sessions_for_symbol(symbol).exchange == Exchange::CZCE;
  BarColumns out;
  const auto sink = [&out](const Bar& bar) { out.push(bar); };
  core::TickData tick{};
  tick.symbol.assign(symbol);
  for (std::size_t i = 0; i < ticks.size; ++i) {
    const std::int64_t t = ticks.time_ms[i];
    if (i > 0 && t < ticks.time_ms[i - 1]) {
      throw TickOrderError("tick " + std::to_string(i) + " of " + std::string(symbol) + ": time_ms " +
                           std::to_string(t) + " is before the previous tick's " +
                           std::to_string(ticks.time_ms[i - 1]));
    }
    const std::int64_t natural = natural_day_of_exchange_ms(t);
    tick.update_ms = static_cast<std::int32_t>(t - natural * kMsPerDay);
    tick.action_day = yyyymmdd_of_day_number(static_cast<std::int32_t>(natural));
    // As CTP stamps it: CZCE's TradingDay is the natural day (the builder moves its night ticks itself).
    tick.trading_day = natural_day_stamps ? tick.action_day : ticks.trading_day[i];
    tick.last_price = ticks.last_price[i];
    tick.volume = ticks.volume[i];
    tick.turnover = ticks.turnover[i];
    tick.open_interest = ticks.open_interest[i];
    builder.on_tick(tick, sink);
  }
  if (clock_ms != std::numeric_limits<std::int64_t>::min()) builder.on_clock(clock_ms, sink);
  out.stats = builder.stats();
  return out;
}

}  // namespace shandian::bars
