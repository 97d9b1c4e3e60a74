// Bars from tick columns (bars/history.hpp): the same bars as a builder fed tick by tick, and fed in pieces,
// CZCE night ticks given their real trading day, time going backwards refused (also across pieces), the
// calendar's trading day of an instant and which instants have a trading day at all.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "bars/history.hpp"
#include "bars_test_support.hpp"

using namespace shandian::bars;
using namespace shandian::bars::testing;

namespace {

struct Columns {
  std::vector<std::int64_t> time_ms;
  std::vector<std::uint32_t> trading_day;
  std::vector<double> last_price, turnover, open_interest;
  std::vector<std::int64_t> volume;
  void add(std::int64_t t, std::uint32_t day, double price, std::int64_t vol) {
    time_ms.push_back(t);
    trading_day.push_back(day);
    last_price.push_back(price);
    volume.push_back(vol);
    turnover.push_back(static_cast<double>(vol) * 10.0);
    open_interest.push_back(1000.0);
  }
  [[nodiscard]] TickColumnsView view() const {
    return {time_ms.size(), time_ms.data(),  trading_day.data(),  last_price.data(),
            volume.data(),  turnover.data(), open_interest.data()};
  }
};

void columns_give_the_bars_of_a_builder_fed_tick_by_tick() {
  Feed feed("rb2505");
  Columns cols;
  for (int i = 0; i < 400; ++i) {
    const std::int32_t ms = hms(9, 0) + i * 750;
    const double price = 3500.0 + (i * 7 % 11);
    feed.tick(kThu, ms, price, 10 + i);
    cols.add(wall(kThu, ms), kThu, price, 10 + i);
  }
  const BarColumns got = build_bars("rb2505", parse_interval("1m"), cols.view());
  REQUIRE(got.close.size() == feed.bars.size());
  for (std::size_t i = 0; i < feed.bars.size(); ++i) {
    CHECK_EQ(got.start_ms[i], feed.bars[i].start_ms);
    CHECK_EQ(got.close[i], feed.bars[i].close);
    CHECK_EQ(got.high[i], feed.bars[i].high);
    CHECK_EQ(got.volume[i], feed.bars[i].volume);
  }
  CHECK_EQ(got.stats.accepted, 400U);
  const BarColumns closed = build_bars("rb2505", parse_interval("1m"), cols.view(), wall(kThu, hms(10, 0)));
  CHECK_EQ(closed.close.size(), feed.bars.size() + 1);  // the clock closes the bar open at the last tick
}

void czce_night_ticks_with_their_real_trading_day_belong_to_it() {
  Columns cols;
  for (int i = 0; i < 130; ++i) cols.add(wall(kThu, hms(21, 0) + i * 1000), kFri, 5900.0 + i % 3, i);
  const BarColumns got = build_bars("SR505", parse_interval("1m"), cols.view());
  REQUIRE(got.close.size() == 2);
  CHECK_EQ(got.trading_day[0], kFri);
  CHECK_EQ(got.start_ms[0], wall(kThu, hms(21, 0)));
}

void time_going_backwards_is_refused() {
  Columns cols;
  cols.add(wall(kThu, hms(9, 1)), kThu, 3500.0, 1);
  cols.add(wall(kThu, hms(9, 0)), kThu, 3500.0, 2);
  bool threw = false;
  try {
    (void)build_bars("rb2505", parse_interval("1m"), cols.view());
  } catch (const TickOrderError&) {
    threw = true;
  }
  CHECK(threw);
}

void trading_day_of_an_instant_follows_the_calendar() {
  CHECK_EQ(trading_day_of_exchange_ms(wall(kThu, hms(9, 0))), kThu);
  CHECK_EQ(trading_day_of_exchange_ms(wall(kThu, hms(21, 0))), kFri);
  CHECK_EQ(trading_day_of_exchange_ms(wall(kFri, hms(21, 0))), kMon);
  CHECK_EQ(trading_day_of_exchange_ms(wall(kSat, hms(1, 0))), kMon);
}

void columns_fed_in_pieces_give_the_bars_of_one_feed() {
  Columns cols;
  for (int i = 0; i < 400; ++i) cols.add(wall(kThu, hms(9, 0) + i * 750), kThu, 3500.0 + (i * 7 % 11), 10 + i);
  const BarColumns whole = build_bars("rb2505", parse_interval("1m"), cols.view());
  ColumnBarBuilder builder("rb2505", parse_interval("1m"));
  BarColumns pieces;
  const TickColumnsView all = cols.view();
  for (std::size_t begin = 0; begin < all.size; begin += 37) {
    const std::size_t n = std::min<std::size_t>(37, all.size - begin);
    builder.feed({n, all.time_ms + begin, all.trading_day + begin, all.last_price + begin, all.volume + begin,
                  all.turnover + begin, all.open_interest + begin},
                 pieces);
  }
  REQUIRE(pieces.close.size() == whole.close.size());
  for (std::size_t i = 0; i < whole.close.size(); ++i) {
    CHECK_EQ(pieces.start_ms[i], whole.start_ms[i]);
    CHECK_EQ(pieces.close[i], whole.close[i]);
    CHECK_EQ(pieces.volume[i], whole.volume[i]);
  }
  Columns earlier;
  earlier.add(wall(kThu, hms(9, 0)), kThu, 3500.0, 1000);
  bool threw = false;
  try {
    builder.feed(earlier.view(), pieces);
  } catch (const TickOrderError&) {
    threw = true;
  }
  CHECK(threw);
}

void weekend_instants_have_no_trading_day() {
  CHECK(on_a_trading_day(wall(kThu, hms(9, 0))));
  CHECK(on_a_trading_day(wall(kFri, hms(21, 0))));  // Monday's night session
  CHECK(on_a_trading_day(wall(kSat, hms(1, 0))));   // its after-midnight part
  CHECK(!on_a_trading_day(wall(kSat, hms(10, 0))));
  CHECK(!on_a_trading_day(wall(kSat, hms(21, 0))));
  CHECK(!on_a_trading_day(wall(kSat, hms(1, 0)) + 86'400'000));  // Sunday 01:00
}

}  // namespace

int main() {
  columns_give_the_bars_of_a_builder_fed_tick_by_tick();
  czce_night_ticks_with_their_real_trading_day_belong_to_it();
  time_going_backwards_is_refused();
  trading_day_of_an_instant_follows_the_calendar();
  columns_fed_in_pieces_give_the_bars_of_one_feed();
  weekend_instants_have_no_trading_day();
  return shandian::testing::finish("test_bars_history");
}
