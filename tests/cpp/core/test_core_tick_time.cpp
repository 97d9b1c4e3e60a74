// A tick's exchange time of day: UpdateTime + UpdateMillisec (ms since midnight) as hours / minutes /
// seconds / milliseconds, wrapped into one day.
#include "core/events.hpp"
#include "support/check.hpp"

using namespace shandian::core;

namespace {

TickData at(std::int32_t update_ms) {
  TickData t{};
  t.update_ms = update_ms;
  return t;
}

void exchange_time_splits_milliseconds_since_midnight() {
  const auto t = exchange_time_of_day(at(((21 * 60 + 5) * 60 + 7) * 1000 + 250));  // 21:05:07.250
  CHECK_EQ(t.hours().count(), 21);
  CHECK_EQ(t.minutes().count(), 5);
  CHECK_EQ(t.seconds().count(), 7);
  CHECK_EQ(t.subseconds().count(), 250);
  CHECK(!t.is_negative());
}

void exchange_time_wraps_into_one_day() {
  const auto midnight = exchange_time_of_day(at(24 * 3600 * 1000));  // a counter's 24:00:00.000
  CHECK_EQ(midnight.hours().count(), 0);
  CHECK_EQ(midnight.subseconds().count(), 0);
  const auto before = exchange_time_of_day(at(-1));  // one ms before midnight
  CHECK_EQ(before.hours().count(), 23);
  CHECK_EQ(before.minutes().count(), 59);
  CHECK_EQ(before.seconds().count(), 59);
  CHECK_EQ(before.subseconds().count(), 999);
  CHECK(!before.is_negative());
  static_assert(exchange_time_of_day(TickData{}).to_duration().count() == 0);
}

}  // namespace

int main() {
  exchange_time_splits_milliseconds_since_midnight();
  exchange_time_wraps_into_one_day();
  return shandian::testing::finish("test_core_tick_time");
}
