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

// False for exchange times that no trading day has: weekend day hours, Saturday and Sunday evenings and the
// after-midnight part of Sunday and Monday mornings (the night of a trading day is the previous weekday's
// evening and the early hours after it). Holidays are not known.
[[nodiscard]] constexpr bool on_a_trading_day(std::int64_t time_ms) noexcept {
  const std::int64_t natural = natural_day_of_exchange_ms(time_ms);
  const auto ms_of_day = static_cast<std::int32_t>(time_ms - natural * kMsPerDay);
  const std::int32_t day = trading_day_of(static_cast<std::int32_t>(natural), ms_of_day);
  return exchange_ms_of(day, session_ms_of(ms_of_day)) == time_ms;
}

// Builds one instrument's bars from tick columns fed in pieces (a recorded history streamed chunk by chunk):
// the builder's state carries over between feed() calls, so feeding the columns in any split gives the bars of
// feeding them at once. `symbol`'s product must be in the bundled session table (UnknownProductError).
class ColumnBarBuilder {
 public:
  ColumnBarBuilder(std::string_view symbol, BarInterval interval, BuilderOptions options = {})
      : builder_(symbol, sessions_for_symbol(symbol), options),
        natural_day_stamps_(sessions_for_symbol(symbol).exchange == Exchange::CZCE) {
    builder_.add_interval(interval);
    tick_.symbol.assign(symbol);
  }

  // Folds `ticks` in; appends the bars they finish to `out`. TickOrderError when time goes backwards
  // (within the columns or against the previous feed), naming the tick by its index in this call.
  void feed(const TickColumnsView& ticks, BarColumns& out) {
    const auto sink = [&out](const Bar& bar) { out.push(bar); };
    for (std::size_t i = 0; i < ticks.size; ++i) {
      const std::int64_t t = ticks.time_ms[i];
      if (t < last_time_ms_) {
        throw TickOrderError("tick " + std::to_string(i) + " of " + std::string(tick_.symbol.view()) + ": time_ms " +
                             std::to_string(t) + " is before the previous tick's " + std::to_string(last_time_ms_));
      }
      last_time_ms_ = t;
      const std::int64_t natural = natural_day_of_exchange_ms(t);
      tick_.update_ms = static_cast<std::int32_t>(t - natural * kMsPerDay);
      tick_.action_day = yyyymmdd_of_day_number(static_cast<std::int32_t>(natural));
      // As CTP stamps it: CZCE's TradingDay is the natural day (the builder moves its night ticks itself).
      tick_.trading_day = natural_day_stamps_ ? tick_.action_day : ticks.trading_day[i];
      tick_.last_price = ticks.last_price[i];
      tick_.volume = ticks.volume[i];
      tick_.turnover = ticks.turnover[i];
      tick_.open_interest = ticks.open_interest[i];
      builder_.on_tick(tick_, sink);
    }
    out.stats = builder_.stats();
  }

  // Moves the exchange clock to `clock_ms`, closing the bars it has passed (appended to `out`).
  void on_clock(std::int64_t clock_ms, BarColumns& out) {
    builder_.on_clock(clock_ms, [&out](const Bar& bar) { out.push(bar); });
    out.stats = builder_.stats();
  }

 private:
  BarBuilder builder_;
  bool natural_day_stamps_;
  core::TickData tick_{};
  std::int64_t last_time_ms_ = std::numeric_limits<std::int64_t>::min();
};

// Feeds `ticks` of `symbol` (its product in the bundled session table: UnknownProductError otherwise) through
// a BarBuilder of `interval` and returns the bars finished by the ticks. `clock_ms`: the exchange clock after
// the last tick, closing the bars it has passed (a session's last bar when no closing tick came); the default
// leaves the bar still open at the last tick out, as a live builder would at that instant.
[[nodiscard]] inline BarColumns build_bars(std::string_view symbol, BarInterval interval, const TickColumnsView& ticks,
                                           std::int64_t clock_ms = std::numeric_limits<std::int64_t>::min(),
                                           BuilderOptions options = {}) {
  ColumnBarBuilder builder(symbol, interval, options);
  BarColumns out;
  builder.feed(ticks, out);
  if (clock_ms != std::numeric_limits<std::int64_t>::min()) builder.on_clock(clock_ms, out);
  return out;
}

}  // namespace shandian::bars
