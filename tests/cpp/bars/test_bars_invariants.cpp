// Randomised streams (seeded, reproducible) through builders of every session group: jittered and
// out-of-order ticks, gaps, ticks in breaks, closing and late ticks, random clock calls. Whatever the
// stream, every series must hold the invariants: time bars inside one trading window and no longer than
// their interval, bars in time order without overlap, low <= open/close <= high, and every series of a
// trading day adding up to the same volume, turnover and tick count as the daily bar.
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bars_test_support.hpp"

using namespace shandian::bars;
using namespace shandian::bars::testing;

namespace {

const std::vector<std::string> kIntervals = {"1m", "3m", "5m", "15m", "30m", "1h", "1d", "7t", "25v"};

struct Stream {
  std::mt19937_64 rng;
  explicit Stream(std::uint64_t seed) : rng(seed) {}
  std::int32_t uniform(std::int32_t lo, std::int32_t hi) {
    return std::uniform_int_distribution<std::int32_t>(lo, hi)(rng);
  }
  bool chance(int percent) { return uniform(0, 99) < percent; }
};

std::int32_t wall_ms_of_day(std::int32_t session_ms) {
  return (session_ms + kSessionClockOrigin) % static_cast<std::int32_t>(kMsPerDay);
}

bool inside_one_window(const SessionSchedule& schedule, const Bar& b) {
  const auto session_of = [](std::int64_t exchange_ms) {
    const std::int64_t day = exchange_ms / kMsPerDay;
    return session_ms_of(static_cast<std::int32_t>(exchange_ms - day * kMsPerDay));
  };
  const std::int32_t begin = session_of(b.start_ms);
  const std::int32_t last = session_of(b.end_ms - 1);
  for (std::size_t i = 0; i < schedule.count; ++i) {
    const TradingWindow& w = schedule.windows[i];
    if (begin >= w.begin && last < w.end) return true;
  }
  return false;
}

void one_stream(const char* symbol, std::uint64_t seed, bool fill, std::int32_t tolerance_ms) {
  BuilderOptions options;
  options.emit_empty_bars = fill;
  options.clock_tolerance_ms = tolerance_ms;
  Feed f(symbol, kIntervals, options);
  const bool czce = sessions_for_symbol(symbol).exchange == Exchange::CZCE;
  const SessionSchedule& schedule = f.builder.schedule();
  Stream r(seed);
  double price = 1000.0;
  const std::uint32_t days[] = {kMon, kTue, 20250108, 20250109};
  for (const std::uint32_t td : days) {
    const std::int32_t day_number = day_number_of_yyyymmdd(td);
    std::int64_t volume = 0;  // cumulative for the trading day
    double turnover = 0.0;
    for (std::size_t w = 0; w < schedule.count; ++w) {
      const TradingWindow& win = schedule.windows[w];
      std::int32_t t =
          win.opens_session && r.chance(70) ? win.begin - r.uniform(1, 60'000) : win.begin + r.uniform(0, 5000);
      const std::int32_t stop = win.end + (r.chance(50) ? r.uniform(0, 1999) : -1);
      while (t <= stop) {
        std::int32_t stamp = t;
        if (r.chance(5)) stamp -= r.uniform(1, 800);  // out of order
        price += r.uniform(-2, 2);
        volume += r.uniform(0, 6);
        turnover = static_cast<double>(volume) * 10.0;
        const bool night = stamp < kNightDayDivide;
        const std::uint32_t stamped_day =
            czce && night ? yyyymmdd_of_day_number(previous_weekday(day_number)) : td;  // CZCE: natural day
        shandian::core::TickData tick =
            make_tick(symbol, stamped_day, wall_ms_of_day(stamp), price, volume, 5000.0 + r.uniform(-50, 50));
        tick.turnover = turnover;
        f.builder.on_tick(tick, [&](const Bar& b) { f.bars.push_back(b); });
        if (r.chance(10)) {  // the engine's timer, a little after the last tick
          f.builder.on_clock(exchange_ms_of(day_number, stamp) + r.uniform(0, 3000),
                             [&](const Bar& b) { f.bars.push_back(b); });
        }
        t += r.chance(3) ? r.uniform(60'000, 400'000) : r.uniform(100, 3000);  // sometimes a gap
        if (t >= win.end && t <= stop) t = win.end;                            // a tick stamped exactly at the end
      }
      if (r.chance(60)) {  // close on the clock, then perhaps a late tick of the closed window
        f.builder.on_clock(exchange_ms_of(day_number, win.end + 2000 + r.uniform(0, 5000)),
                           [&](const Bar& b) { f.bars.push_back(b); });
        if (r.chance(50)) {
          shandian::core::TickData late =
              make_tick(symbol, td, wall_ms_of_day(win.end - r.uniform(1, 3000)), price + 100, volume + 1);
          late.turnover = turnover;
          f.builder.on_tick(late, [&](const Bar& b) { f.bars.push_back(b); });
        }
      }
      if (r.chance(20)) {  // a tick in the following break
        shandian::core::TickData stray =
            make_tick(symbol, td, wall_ms_of_day(win.end + 5 * kMsPerMinute), price, volume);
        f.builder.on_tick(stray, [&](const Bar& b) { f.bars.push_back(b); });
      }
    }
  }
  f.builder.on_clock(exchange_ms_of(day_number_of_yyyymmdd(days[3]), session_ms_at(16, 0)),
                     [&](const Bar& b) { f.bars.push_back(b); });

  struct Totals {
    std::int64_t volume = 0;
    double turnover = 0.0;
    std::uint64_t ticks = 0;
  };
  std::map<std::pair<std::string, std::uint32_t>, Totals> totals;  // (interval, trading day)
  for (const std::string& interval : kIntervals) {
    const std::vector<Bar> bars = f.of(interval);
    CHECK(!bars.empty());
    const BarInterval iv = parse_interval(interval);
    for (std::size_t i = 0; i < bars.size(); ++i) {
      const Bar& b = bars[i];
      CHECK(b.low <= b.open && b.open <= b.high);
      CHECK(b.low <= b.close && b.close <= b.high);
      CHECK(b.volume >= 0);
      CHECK_EQ(b.filled, b.tick_count == 0);
      if (i > 0) {
        CHECK(bars[i - 1].start_ms < b.start_ms || (iv.kind != BarKind::Minutes && iv.kind != BarKind::Daily));
        CHECK(bars[i - 1].end_ms <= b.start_ms || iv.kind == BarKind::Ticks || iv.kind == BarKind::Volume);
        CHECK(bars[i - 1].trading_day <= b.trading_day);
      }
      if (iv.kind == BarKind::Minutes) {
        CHECK(inside_one_window(schedule, b));
        CHECK(b.end_ms - b.start_ms <= static_cast<std::int64_t>(iv.n) * kMsPerMinute);
        CHECK(b.end_ms > b.start_ms);
      }
      Totals& t = totals[{interval, b.trading_day}];
      t.volume += b.volume;
      t.turnover += b.turnover;
      t.ticks += b.tick_count;
    }
  }
  for (const std::uint32_t td : days) {
    const Totals& daily = totals[{"1d", td}];
    CHECK(daily.ticks > 0);
    for (const std::string& interval : kIntervals) {
      const Totals& t = totals[{interval, td}];
      if (t.volume != daily.volume || t.ticks != daily.ticks || t.turnover != daily.turnover) {
        std::fprintf(stderr, "%s seed %llu %s day %u: volume %lld vs daily %lld, ticks %llu vs %llu\n", symbol,
                     static_cast<unsigned long long>(seed), interval.c_str(), td, static_cast<long long>(t.volume),
                     static_cast<long long>(daily.volume), static_cast<unsigned long long>(t.ticks),
                     static_cast<unsigned long long>(daily.ticks));
        CHECK(false);
      }
    }
  }
  CHECK(f.builder.stats().accepted > 0);
}

}  // namespace

int main() {
  const char* symbols[] = {"rb2505", "cu2505", "au2506", "SR505", "m2509", "AP505", "IF2503", "T2503", "si2505"};
  std::uint64_t seed = 1;
  for (const char* symbol : symbols) {
    for (int i = 0; i < 6; ++i, ++seed) one_stream(symbol, seed, i % 2 == 1, i >= 3 ? 600 : 0);
  }
  return shandian::testing::finish("test_bars_invariants");
}
