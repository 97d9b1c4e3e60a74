// Bars from tick columns (bars/history.hpp): the same bars as a builder fed tick by tick, CZCE night ticks
// given their real trading day, time going backwards refused, the calendar's trading day of an instant.
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

}  // namespace

int main() {
  columns_give_the_bars_of_a_builder_fed_tick_by_tick();
  czce_night_ticks_with_their_real_trading_day_belong_to_it();
  time_going_backwards_is_refused();
  trading_day_of_an_instant_follows_the_calendar();
  return shandian::testing::finish("test_bars_history");
}
