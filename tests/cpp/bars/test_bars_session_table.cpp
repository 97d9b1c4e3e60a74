// The bundled session table: every product has a valid schedule, products are unique, symbols resolve to
// their product, and the hours of each group are the exchanges' (breaks, night closes, CFFEX hours).
#include <set>
#include <string>

#include "bars_test_support.hpp"

using namespace shandian::bars;
using namespace shandian::bars::testing;

namespace {

struct Expected {
  const char* symbol;
  Exchange exchange;
  SessionGroup group;
};

void symbols_resolve_to_their_product_row() {
  const Expected rows[] = {
      {"rb2505", Exchange::SHFE, SessionGroup::Night2300},   {"cu2505", Exchange::SHFE, SessionGroup::Night0100},
      {"au2506", Exchange::SHFE, SessionGroup::Night0230},   {"ad2511", Exchange::SHFE, SessionGroup::Night0100},
      {"wr2505", Exchange::SHFE, SessionGroup::Day},         {"sc2507", Exchange::INE, SessionGroup::Night0230},
      {"bc2505", Exchange::INE, SessionGroup::Night0100},    {"ec2506", Exchange::INE, SessionGroup::Day},
      {"m2509", Exchange::DCE, SessionGroup::Night2300},     {"i2509", Exchange::DCE, SessionGroup::Night2300},
      {"jd2505", Exchange::DCE, SessionGroup::Day},          {"lh2505", Exchange::DCE, SessionGroup::Day},
      {"SR505", Exchange::CZCE, SessionGroup::Night2300},    {"TA609", Exchange::CZCE, SessionGroup::Night2300},
      {"AP505", Exchange::CZCE, SessionGroup::Day},          {"IF2506", Exchange::CFFEX, SessionGroup::CffexIndex},
      {"IM2506", Exchange::CFFEX, SessionGroup::CffexIndex}, {"T2506", Exchange::CFFEX, SessionGroup::CffexBond},
      {"TS2506", Exchange::CFFEX, SessionGroup::CffexBond},  {"si2505", Exchange::GFEX, SessionGroup::Day},
      {"lc2505", Exchange::GFEX, SessionGroup::Day},
  };
  for (const Expected& e : rows) {
    const ProductSessions& row = sessions_for_symbol(e.symbol);
    CHECK(row.exchange == e.exchange);
    CHECK(row.group == e.group);
  }
  CHECK(product_of("rb2505") == "rb");
  CHECK(product_of("SR505") == "SR");
  CHECK(product_of("2505").empty());
  CHECK(find_product("RB") == nullptr);  // case matters: CTP product ids are exact
}

void every_product_is_unique_and_builds_a_valid_schedule() {
  std::set<std::string> seen;
  for (const ProductSessions& row : kProductSessions) {
    CHECK(seen.insert(std::string(row.product)).second);
    BarBuilder builder(std::string(row.product) + "2505", row, BuilderOptions{});  // validates the schedule
    CHECK(builder.schedule().count >= 2);
    const bool cffex = row.exchange == Exchange::CFFEX;
    CHECK_EQ(row.group == SessionGroup::CffexIndex || row.group == SessionGroup::CffexBond, cffex);
    const bool night = row.group == SessionGroup::Night2300 || row.group == SessionGroup::Night0100 ||
                       row.group == SessionGroup::Night0230;
    if (row.exchange == Exchange::GFEX) CHECK(!night);
  }
  CHECK(seen.size() > 80);
}

std::int32_t wall_of(std::int32_t session_ms) {
  return (session_ms + kSessionClockOrigin) % static_cast<std::int32_t>(kMsPerDay);
}

void group_hours_match_the_exchanges() {
  const SessionSchedule day = schedule_of(SessionGroup::Day);
  REQUIRE(day.count == 3);
  CHECK_EQ(wall_of(day.windows[0].begin), hms(9, 0));
  CHECK_EQ(wall_of(day.windows[0].end), hms(10, 15));  // the 10:15-10:30 commodity break
  CHECK_EQ(wall_of(day.windows[1].begin), hms(10, 30));
  CHECK_EQ(wall_of(day.windows[1].end), hms(11, 30));
  CHECK_EQ(wall_of(day.windows[2].begin), hms(13, 30));  // the lunch break
  CHECK_EQ(wall_of(day.windows[2].end), hms(15, 0));
  CHECK(day.windows[0].opens_session && !day.windows[1].opens_session && !day.windows[2].opens_session);
  const std::pair<SessionGroup, std::int32_t> nights[] = {{SessionGroup::Night2300, hms(23, 0)},
                                                          {SessionGroup::Night0100, hms(1, 0)},
                                                          {SessionGroup::Night0230, hms(2, 30)}};
  for (const auto& [group, end] : nights) {
    const SessionSchedule s = schedule_of(group);
    REQUIRE(s.count == 4);
    CHECK_EQ(wall_of(s.windows[0].begin), hms(21, 0));
    CHECK_EQ(wall_of(s.windows[0].end), end);
    CHECK(s.windows[0].opens_session && s.windows[1].opens_session);
    CHECK_EQ(wall_of(s.windows[3].end), hms(15, 0));
  }
  const SessionSchedule index = schedule_of(SessionGroup::CffexIndex);
  const SessionSchedule bond = schedule_of(SessionGroup::CffexBond);
  REQUIRE(index.count == 2 && bond.count == 2);
  CHECK_EQ(wall_of(index.windows[0].begin), hms(9, 30));
  CHECK_EQ(wall_of(index.windows[0].end), hms(11, 30));
  CHECK_EQ(wall_of(index.windows[1].begin), hms(13, 0));
  CHECK_EQ(wall_of(index.windows[1].end), hms(15, 0));
  CHECK_EQ(wall_of(bond.windows[1].end), hms(15, 15));
}

void calendar_maps_nights_to_the_next_trading_day() {
  const std::int32_t fri = day_number_of_yyyymmdd(kFri);
  const std::int32_t sat = day_number_of_yyyymmdd(kSat);
  const std::int32_t mon = day_number_of_yyyymmdd(kMon);
  CHECK_EQ(trading_day_of(fri, hms(21, 0)), mon);
  CHECK_EQ(trading_day_of(sat, hms(1, 0)), mon);
  CHECK_EQ(trading_day_of(fri, hms(14, 0)), fri);
  CHECK_EQ(exchange_ms_of(mon, session_ms_at(21, 0)), wall(kFri, hms(21, 0)));
  CHECK_EQ(exchange_ms_of(mon, session_ms_at(2, 30)), wall(kSat, hms(2, 30)));
  CHECK_EQ(exchange_ms_of(mon, session_ms_at(9, 0)), wall(kMon, hms(9, 0)));
  CHECK_EQ(day_number_of_yyyymmdd(20250230), -1);
  CHECK_EQ(day_number_of_yyyymmdd(0), -1);
  CHECK_EQ(yyyymmdd_of_day_number(mon), kMon);
}

}  // namespace

int main() {
  symbols_resolve_to_their_product_row();
  every_product_is_unique_and_builds_a_valid_schedule();
  group_hours_match_the_exchanges();
  calendar_maps_nights_to_the_next_trading_day();
  return shandian::testing::finish("test_bars_session_table");
}
