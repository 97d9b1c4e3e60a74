// BarBuilder: session-correct bars of one instrument stream, fed TickData and the exchange clock on the
// engine thread. Header-only; after construction and add_interval nothing allocates (bars go to a sink
// callable, one call per finished bar).
//
// Rules (each one is a row of tests/cpp/bars/test_bars_edge_cases.cpp):
//  - Time bars are anchored at the start of each continuous trading window and cut at its end, so a bar
//    never spans a break: 30m gives 09:00-09:30, 09:30-10:00, 10:00-10:15, 10:30-11:00, ...; 1h gives
//    09:00-10:00, 10:00-10:15, 10:30-11:30, 13:30-14:30, 14:30-15:00, night 21:00-22:00, ..., CFFEX
//    09:30-10:30, 10:30-11:30, 13:00-14:00, 14:00-15:00 (bonds + 15:00-15:15). For 1/3/5/15/30 minutes the
//    anchors coincide with the wall-clock grid.
//  - The opening-auction tick (20:55-21:00, 08:55-09:00, CFFEX 09:25-09:30, before a window that opens a
//    session) folds into the session's first bar.
//  - A tick stamped at or within close_grace_ms after a window end (10:15:00, 11:30:00, 15:00:00, the
//    night close) folds into the window's last bar; it never makes a bar of its own.
//  - A bar closes when a later tick or on_clock(exchange time) passes its end; a bar ending at a window
//    end waits close_grace_ms for the closing tick, then closes on the clock with no further tick.
//  - Ticks are ordered by (trading day, window). A tick of a window the clock has already left (a stale
//    snapshot received at start-up, a tick arriving after its window closed) never opens or changes a bar;
//    its cumulative volume/turnover only re-bases the differences (when it is of the current trading day,
//    or the first tick seen).
//    A tick older than the clock within the current window counts at its own time when it is at most
//    clock_tolerance_ms behind (bars inside a window close that long after their end), else at the
//    clock's time.
//  - Break time never produces bars. Minutes without ticks produce no bar unless emit_empty_bars, which
//    fills flat bars (tick_count 0, filled) between bars of the same window only.
//  - The night session belongs to the next trading day's daily bar. CZCE stamps night ticks with the
//    natural day as TradingDay (ctp-semantics.md §3): its night ticks are moved to the next weekday.
//  - Volume and turnover are differences of the cumulative tick fields, reset to 0 at a new trading day;
//    the first tick seen mid-day only sets the base (its earlier volume is unknown), except the opening
//    auction tick of the day's first window, whose whole volume is the auction's. Open interest is a
//    level: open_interest_change is against the open interest before the bar's first tick.
//  - Tick and volume bars never mix trading days: an unfinished one closes with the day's last window.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bars/bar.hpp"
#include "bars/session_table.hpp"
#include "bars/trading_calendar.hpp"
#include "core/events.hpp"

namespace shandian::bars {

struct BuilderOptions {
  // How long after a window end a closing tick is still folded in (and the clock waits before closing).
  std::int32_t close_grace_ms = 2000;
  // How far behind the clock a tick may be stamped and still count at its own time; a bar ending inside a
  // window closes on the clock this long after its end. For an engine clock estimated from other
  // instruments' ticks (exchanges' clocks and feeds differ by a few hundred ms). 0: close exactly at the end.
  std::int32_t clock_tolerance_ms = 0;
  bool emit_empty_bars = false;
};

// Ticks the builder took or refused, by reason.
struct BuilderStats {
  std::uint64_t accepted = 0;
  std::uint64_t stale = 0;           // of a window the clock had left (start-up snapshot, late after close)
  std::uint64_t out_of_session = 0;  // stamped in a break or outside the product's hours
  std::uint64_t no_price = 0;        // last price 0 (CTP's "no value") or not finite
  std::uint64_t malformed = 0;       // TradingDay not a date, or UpdateTime outside 00:00:00-23:59:59.999
};

// Bad builder set-up: a schedule that is not ascending / disjoint, a grace outside [0, 60 s], an interval
// added twice, too many intervals.
class InvalidBuilderConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class BarBuilder {
 public:
  static constexpr std::size_t kMaxSeries = 16;

  // The product's hours from the bundled table (UnknownProductError for an unlisted product).
  explicit BarBuilder(std::string_view symbol, BuilderOptions options = {})
      : BarBuilder(symbol, sessions_for_symbol(symbol), options) {}
  BarBuilder(std::string_view symbol, const ProductSessions& product, BuilderOptions options)
      : BarBuilder(symbol, product.exchange, schedule_of(product.group), options) {}
  BarBuilder(std::string_view symbol, Exchange exchange, const SessionSchedule& schedule, BuilderOptions options)
      : exchange_(exchange), schedule_(schedule), options_(options) {
    validate();
    symbol_.assign(symbol);
  }

  // Adds a bar series; returns its index (the order bars of one instant are emitted in).
  std::size_t add_interval(BarInterval interval) {
    if (interval.n == 0 || (interval.kind == BarKind::Minutes && interval.n > kMaxBarMinutes) ||
        (interval.kind == BarKind::Daily && interval.n != 1)) {
      throw InvalidBuilderConfigError("interval " + to_string(interval) + ": count out of range");
    }
    for (std::size_t i = 0; i < series_count_; ++i) {
      if (series_[i].interval == interval) {
        throw InvalidBuilderConfigError("interval " + to_string(interval) + " is already built for " +
                                        std::string(symbol_.view()));
      }
    }
    if (series_count_ == kMaxSeries) {
      throw InvalidBuilderConfigError("at most " + std::to_string(kMaxSeries) + " intervals per instrument");
    }
    Series& s = series_[series_count_];
    s = Series{};
    s.interval = interval;
    return series_count_++;
  }

  [[nodiscard]] std::size_t series_count() const noexcept { return series_count_; }
  [[nodiscard]] const BuilderStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const SessionSchedule& schedule() const noexcept { return schedule_; }
  // True when wall-clock time of day `ms_of_day` lies in one of the product's trading windows, its opening
  // auction or the close grace: the instants whose ticks the builder takes (the day itself is not checked).
  [[nodiscard]] bool in_trading_hours(std::int32_t ms_of_day) const noexcept {
    return classify(session_ms_of(ms_of_day)).window >= 0;
  }
  // Exchange time (as on a Bar) of the latest accepted tick; INT64_MIN before one.
  [[nodiscard]] std::int64_t last_tick_exchange_ms() const noexcept { return last_tick_ms_; }

  // Folds one tick of this instrument in; calls sink(const Bar&) for every bar it finishes.
  template <class Sink>
  void on_tick(const core::TickData& tick, Sink&& sink) {
    if (!(tick.last_price > 0.0) || !std::isfinite(tick.last_price)) {
      ++stats_.no_price;
      return;
    }
    if (tick.update_ms < 0 || tick.update_ms >= kMsPerDay) {
      ++stats_.malformed;
      return;
    }
    const std::int32_t session_ms = session_ms_of(tick.update_ms);
    const std::int32_t day = resolve_trading_day(tick.trading_day, tick.update_ms, session_ms);
    if (day < 0) {
      ++stats_.malformed;
      return;
    }
    const Placement place = classify(session_ms);
    if (place.window < 0) {
      ++stats_.out_of_session;
      return;
    }
    if (phase_of(day, place.window) < now_phase_) {
      ++stats_.stale;
      if (base_day_ < 0 || day == base_day_) rebase(day, tick);
      return;
    }
    ++stats_.accepted;
    std::int64_t key = key_of(day, place.effective_ms);
    if (key > now_key_) {
      advance(key, day, place.effective_ms, sink);
    } else {
      // Same window, behind the clock: never earlier than the previous tick (whose slot may have replaced
      // this one's), and beyond the tolerance taken at the clock's time (its slot may be closed already).
      const std::int64_t tolerated = now_key_ - options_.clock_tolerance_ms;
      const std::int64_t floor = tolerated > last_tick_key_ ? tolerated : last_tick_key_;
      if (key < floor) key = floor;
    }
    last_tick_key_ = key;
    const TradingWindow& window = schedule_.windows[static_cast<std::size_t>(place.window)];
    const std::int32_t effective_ms = clamp_to_window(static_cast<std::int32_t>(key - key_of(day, 0)), window);

    // Cumulative fields → differences (reset at a new trading day).
    if (day != base_day_) {
      const bool opening_auction = place.zone == Zone::Auction && place.window == 0;
      if (base_day_ >= 0 || opening_auction) {
        base_volume_ = 0;
        base_turnover_ = 0.0;
      } else {
        base_volume_ = tick.volume;
        base_turnover_ = tick.turnover;
      }
      if (!has_base_oi_) base_oi_ = tick.open_interest;
      has_base_oi_ = true;
      base_day_ = day;
    }
    std::int64_t volume = tick.volume - base_volume_;
    double turnover = tick.turnover - base_turnover_;
    if (volume < 0) volume = 0;  // a cumulative field that went backwards: re-base, count nothing
    if (!(turnover > 0.0)) turnover = 0.0;
    const double oi_before = base_oi_;
    base_volume_ = tick.volume;
    base_turnover_ = tick.turnover;
    base_oi_ = tick.open_interest;

    const std::int64_t tick_ms = exchange_ms(day, effective_ms);
    last_tick_ms_ = tick_ms;
    for (std::size_t i = 0; i < series_count_; ++i) {
      fold(series_[i], day, static_cast<std::uint8_t>(place.window), effective_ms, tick_ms, tick, volume, turnover,
           oi_before, sink);
    }
  }

  // Advances the exchange clock (CST wall time as ms since the epoch) and closes the bars it has passed.
  // The engine calls it from a timer, and once before the first tick: without a clock a stale start-up
  // snapshot stamped inside a window cannot be told from a live tick. A clock behind the latest tick is
  // ignored.
  template <class Sink>
  void on_clock(std::int64_t exchange_ms_now, Sink&& sink) {
    const std::int64_t natural = floor_div(exchange_ms_now, kMsPerDay);
    const auto ms_of_day = static_cast<std::int32_t>(exchange_ms_now - natural * kMsPerDay);
    const std::int32_t day = trading_day_of(static_cast<std::int32_t>(natural), ms_of_day);
    const std::int32_t session_ms = session_ms_of(ms_of_day);
    const std::int64_t key = key_of(day, session_ms);
    if (key > now_key_) advance(key, day, session_ms, sink);
  }

 private:
  static constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();
  static constexpr std::int64_t kPhasesPerDay = 16;
  static constexpr std::int32_t kNoSlot = std::numeric_limits<std::int32_t>::min();

  enum class Zone : std::uint8_t { Window, Grace, Auction };
  struct Placement {
    std::int32_t window = -1;  // -1: outside every window, grace and auction
    std::int32_t effective_ms = 0;
    Zone zone = Zone::Window;
  };

  struct Series {
    BarInterval interval{};
    bool open = false;
    Bar bar{};
    std::int32_t day = 0;
    std::uint8_t window = 0;
    std::int32_t slot_begin = 0;
    std::int32_t slot_end = 0;
    std::int64_t close_key = 0;  // the clock value at which the open bar is finished
    double open_interest_before = 0.0;
    // The last emitted time bar, for filling empty slots after it in the same window.
    bool has_last = false;
    std::int32_t last_day = 0;
    std::uint8_t last_window = 0;
    std::int32_t last_slot_end = 0;
    double last_close = 0.0;
    double last_open_interest = 0.0;
  };

  [[nodiscard]] static constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
  }
  [[nodiscard]] static constexpr std::int64_t key_of(std::int32_t day, std::int32_t session_ms) noexcept {
    return static_cast<std::int64_t>(day) * kMsPerDay + session_ms;
  }
  [[nodiscard]] static constexpr std::int64_t phase_of(std::int32_t day, std::int32_t index) noexcept {
    return static_cast<std::int64_t>(day) * kPhasesPerDay + index;
  }
  [[nodiscard]] static constexpr std::int32_t clamp_to_window(std::int32_t ms, const TradingWindow& w) noexcept {
    return ms < w.begin ? w.begin : (ms >= w.end ? w.end - 1 : ms);
  }

  // Window i while the clock is in it, its grace, or the gap before it; count after the day's last close.
  [[nodiscard]] std::int64_t clock_phase(std::int32_t day, std::int32_t session_ms) const noexcept {
    std::int32_t index = 0;
    while (index < schedule_.count &&
           session_ms >= schedule_.windows[static_cast<std::size_t>(index)].end + options_.close_grace_ms) {
      ++index;
    }
    return phase_of(day, index);
  }

  [[nodiscard]] Placement classify(std::int32_t session_ms) const noexcept {
    for (std::int32_t i = 0; i < schedule_.count; ++i) {
      const TradingWindow& w = schedule_.windows[static_cast<std::size_t>(i)];
      if (session_ms >= w.begin && session_ms < w.end) return {i, session_ms, Zone::Window};
      if (session_ms >= w.end && session_ms < w.end + options_.close_grace_ms) return {i, w.end - 1, Zone::Grace};
      if (w.opens_session && session_ms >= w.begin - kAuctionLeadMs && session_ms < w.begin) {
        return {i, w.begin, Zone::Auction};
      }
    }
    return {};
  }

  [[nodiscard]] std::int32_t resolve_trading_day(std::uint32_t raw, std::int32_t ms_of_day,
                                                 std::int32_t session_ms) noexcept {
    const bool night = session_ms < kNightDayDivide;
    if (raw != cached_raw_day_ || night != cached_night_) {
      std::int32_t day = day_number_of_yyyymmdd(raw);
      // CZCE's TradingDay is the natural day: move its night ticks to the trading day they belong to.
      if (day >= 0 && night && exchange_ == Exchange::CZCE) day = trading_day_of(day, ms_of_day);
      cached_raw_day_ = raw;
      cached_night_ = night;
      cached_day_ = day;
    }
    return cached_day_;
  }

  [[nodiscard]] std::int64_t exchange_ms(std::int32_t day, std::int32_t session_ms) noexcept {
    if (day != stamp_day_) {
      stamp_day_ = day;
      night_base_ms_ = exchange_ms_of(day, 0);
      day_base_ms_ = exchange_ms_of(day, kNightDayDivide) - kNightDayDivide;
    }
    return (session_ms < kNightDayDivide ? night_base_ms_ : day_base_ms_) + session_ms;
  }

  void rebase(std::int32_t day, const core::TickData& tick) noexcept {
    base_day_ = day;
    base_volume_ = tick.volume;
    base_turnover_ = tick.turnover;
    base_oi_ = tick.open_interest;
    has_base_oi_ = true;
  }

  [[nodiscard]] std::int64_t day_close_key(std::int32_t day) const noexcept {
    return key_of(day, schedule_.windows[schedule_.count - 1U].end + options_.close_grace_ms);
  }

  template <class Sink>
  void advance(std::int64_t key, std::int32_t day, std::int32_t session_ms, Sink& sink) {
    now_key_ = key;
    now_phase_ = clock_phase(day, session_ms);
    for (std::size_t i = 0; i < series_count_; ++i) {
      Series& s = series_[i];
      if (s.open && key >= s.close_key) emit(s, sink);
      if (options_.emit_empty_bars && s.interval.kind == BarKind::Minutes && s.has_last && !s.open) {
        fill_through(s, key, kNoSlot, sink);
      }
    }
  }

  template <class Sink>
  void emit(Series& s, Sink& sink) {
    s.open = false;
    sink(static_cast<const Bar&>(s.bar));
    if (s.interval.kind == BarKind::Minutes) {
      s.has_last = true;
      s.last_day = s.day;
      s.last_window = s.window;
      s.last_slot_end = s.slot_end;
      s.last_close = s.bar.close;
      s.last_open_interest = s.bar.open_interest;
    }
  }

  // Flat bars for the slots after the last emitted bar of its window that the clock has passed, or that
  // begin before `before_begin` (the slot a tick of the same day and window is opening). Only while no bar
  // is open: the open bar's predecessors were filled when it opened.
  template <class Sink>
  void fill_through(Series& s, std::int64_t key, std::int32_t before_begin, Sink& sink) {
    const TradingWindow& w = schedule_.windows[s.last_window];
    const std::int32_t length = static_cast<std::int32_t>(s.interval.n) * kMsPerMinute;
    while (s.last_slot_end < w.end) {
      const std::int32_t begin = s.last_slot_end;
      const std::int32_t end = begin + length < w.end ? begin + length : w.end;
      if (begin >= before_begin &&
          key < key_of(s.last_day, end + (end == w.end ? options_.close_grace_ms : options_.clock_tolerance_ms))) {
        return;
      }
      Bar& b = s.bar;
      b = Bar{};
      b.symbol = symbol_;
      b.interval = s.interval;
      b.trading_day = yyyymmdd_of_day_number(s.last_day);
      b.start_ms = exchange_ms(s.last_day, begin);
      b.end_ms = exchange_ms(s.last_day, end);
      b.open = b.high = b.low = b.close = s.last_close;
      b.open_interest = s.last_open_interest;
      b.filled = true;
      s.day = s.last_day;
      s.window = s.last_window;
      s.slot_begin = begin;
      s.slot_end = end;
      emit(s, sink);
    }
  }

  void open_bar(Series& s, std::int32_t day, std::uint8_t window, std::int32_t slot_begin, std::int32_t slot_end,
                std::int64_t start_ms, std::int64_t end_ms, std::int64_t close_key, double price, double oi_before) {
    s.open = true;
    s.day = day;
    s.window = window;
    s.slot_begin = slot_begin;
    s.slot_end = slot_end;
    s.close_key = close_key;
    Bar& b = s.bar;
    b.symbol = symbol_;
    b.interval = s.interval;
    b.trading_day = yyyymmdd_of_day_number(day);
    b.start_ms = start_ms;
    b.end_ms = end_ms;
    b.open = b.high = b.low = price;
    b.volume = 0;
    b.turnover = 0.0;
    s.open_interest_before = oi_before;
    b.tick_count = 0;
    b.filled = false;
  }

  template <class Sink>
  [[gnu::always_inline]] inline void fold(Series& s, std::int32_t day, std::uint8_t window, std::int32_t effective_ms,
                                          std::int64_t tick_ms, const core::TickData& tick, std::int64_t volume,
                                          double turnover, double oi_before, Sink& sink) {
    const double price = tick.last_price;
    switch (s.interval.kind) {
      case BarKind::Minutes: {
        if (s.open && s.day == day && s.window == window && effective_ms >= s.slot_begin && effective_ms < s.slot_end) {
          break;  // the open bar's slot: no slot arithmetic
        }
        const TradingWindow& w = schedule_.windows[window];
        const std::int32_t length = static_cast<std::int32_t>(s.interval.n) * kMsPerMinute;
        const std::int32_t begin = w.begin + (effective_ms - w.begin) / length * length;
        const std::int32_t end = begin + length < w.end ? begin + length : w.end;
        if (s.open && (s.day != day || s.window != window || s.slot_begin != begin)) emit(s, sink);
        if (!s.open && options_.emit_empty_bars && s.has_last && s.last_day == day && s.last_window == window) {
          fill_through(s, now_key_, begin, sink);
        }
        if (!s.open) {
          open_bar(s, day, window, begin, end, exchange_ms(day, begin), exchange_ms(day, end),
                   key_of(day, end + (end == w.end ? options_.close_grace_ms : options_.clock_tolerance_ms)), price,
                   oi_before);
        }
        break;
      }
      case BarKind::Daily:
        if (s.open && s.day != day) emit(s, sink);
        if (!s.open) {
          const std::int32_t last_end = schedule_.windows[schedule_.count - 1U].end;
          open_bar(s, day, window, schedule_.windows[window].begin, last_end,
                   exchange_ms(day, schedule_.windows[window].begin), exchange_ms(day, last_end), day_close_key(day),
                   price, oi_before);
        }
        break;
      case BarKind::Ticks:
      case BarKind::Volume:
        if (s.open && s.day != day) emit(s, sink);
        if (!s.open) open_bar(s, day, window, 0, 0, tick_ms, tick_ms, day_close_key(day), price, oi_before);
        s.bar.end_ms = tick_ms;
        break;
    }
    Bar& b = s.bar;
    if (price > b.high) b.high = price;
    if (price < b.low) b.low = price;
    b.close = price;
    b.volume += volume;
    b.turnover += turnover;
    b.open_interest_change = tick.open_interest - s.open_interest_before;
    b.open_interest = tick.open_interest;
    ++b.tick_count;
    if ((s.interval.kind == BarKind::Ticks && b.tick_count >= s.interval.n) ||
        (s.interval.kind == BarKind::Volume && b.volume >= static_cast<std::int64_t>(s.interval.n))) {
      emit(s, sink);
    }
  }

  void validate() const {
    const auto fail = [](const std::string& what) { throw InvalidBuilderConfigError("session schedule: " + what); };
    if (options_.close_grace_ms < 0 || options_.close_grace_ms > kMsPerMinute) {
      fail("close_grace_ms " + std::to_string(options_.close_grace_ms) + " outside [0, 60000]");
    }
    if (options_.clock_tolerance_ms < 0 || options_.clock_tolerance_ms > options_.close_grace_ms) {
      fail("clock_tolerance_ms " + std::to_string(options_.clock_tolerance_ms) + " outside [0, close_grace_ms]");
    }
    if (schedule_.count == 0 || schedule_.count > kMaxWindows) fail("needs 1 to 4 windows");
    std::int32_t previous_end = -kAuctionLeadMs;
    for (std::size_t i = 0; i < schedule_.count; ++i) {
      const TradingWindow& w = schedule_.windows[i];
      if (!(w.begin < w.end) || w.end > kMsPerDay) fail("window " + std::to_string(i) + " is empty or past a day");
      const std::int32_t lead = w.opens_session ? kAuctionLeadMs : 0;
      if (w.begin - lead < previous_end + (i == 0 ? 0 : options_.close_grace_ms) || w.begin - lead < 0) {
        fail("window " + std::to_string(i) + " overlaps the previous window, its grace or its auction");
      }
      previous_end = w.end;
    }
  }

  core::InstrumentId symbol_{};
  Exchange exchange_;
  SessionSchedule schedule_;
  BuilderOptions options_;
  std::array<Series, kMaxSeries> series_{};
  std::size_t series_count_ = 0;
  BuilderStats stats_{};
  std::int64_t now_key_ = kNoTime;
  std::int64_t now_phase_ = kNoTime;  // clock_phase of now_key_
  std::int64_t last_tick_ms_ = kNoTime;
  std::int64_t last_tick_key_ = kNoTime;  // where the previous accepted tick was taken
  // Cumulative-field bases of the previous accepted tick.
  std::int32_t base_day_ = -1;
  std::int64_t base_volume_ = 0;
  double base_turnover_ = 0.0;
  double base_oi_ = 0.0;
  bool has_base_oi_ = false;
  // Caches of the per-tick date arithmetic (the trading day changes once a day).
  std::uint32_t cached_raw_day_ = 0;
  bool cached_night_ = false;
  std::int32_t cached_day_ = -1;
  std::int32_t stamp_day_ = -1;
  std::int64_t night_base_ms_ = 0;
  std::int64_t day_base_ms_ = 0;
};

}  // namespace shandian::bars
