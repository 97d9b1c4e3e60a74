// Trading calendar: date arithmetic, the night session on the previous weekday evening, and per session
// group the continuous intervals and status timeline (ctp-semantics.md §6).
#include <string>
#include <vector>

#include "sim/feed/feed.hpp"
#include "support/check.hpp"

using namespace shandian::sim;

namespace {

std::string statuses(const SessionTimeline& t) {
  std::string out;
  for (const StatusChange& c : t.status_changes) out += c.status;
  return out;
}

std::string clock(std::int64_t ns) {
  const int s = seconds_of_day_of(ns);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", s / 3600, s / 60 % 60);
  return buf;
}

std::string intervals(const SessionTimeline& t) {
  std::string out;
  for (const TradingInterval& i : t.continuous)
    out += (out.empty() ? "" : " ") + clock(i.begin_ns) + "-" + clock(i.end_ns);
  return out;
}

void dates_and_weekdays() {
  CHECK_EQ(weekday(CivilDate{2025, 1, 2}), 4);  // Thursday
  CHECK_EQ(weekday(CivilDate{1970, 1, 1}), 4);
  CHECK_EQ(weekday(CivilDate{2025, 1, 5}), 0);  // Sunday
  CHECK(civil_from_days(days_from_civil(CivilDate{2024, 2, 29})) == (CivilDate{2024, 2, 29}));
  CHECK(add_days(CivilDate{2024, 12, 31}, 1) == (CivilDate{2025, 1, 1}));
  CHECK_EQ(format_yyyymmdd(CivilDate{2025, 3, 7}), std::string("20250307"));
  // The night session of Monday's trading day runs on Friday evening; of Thursday's, on Wednesday.
  CHECK(night_session_date(CivilDate{2025, 1, 6}) == (CivilDate{2025, 1, 3}));
  CHECK(night_session_date(CivilDate{2025, 1, 2}) == (CivilDate{2025, 1, 1}));
  CHECK(trading_day_of(CivilDate{2025, 1, 3}, 21 * 3600) == (CivilDate{2025, 1, 6}));  // Friday night → Monday
  CHECK(trading_day_of(CivilDate{2025, 1, 4}, 1 * 3600) == (CivilDate{2025, 1, 6}));   // Saturday 01:00 → Monday
  CHECK(trading_day_of(CivilDate{2025, 1, 2}, 1 * 3600) == (CivilDate{2025, 1, 2}));   // Thursday 01:00
  CHECK(trading_day_of(CivilDate{2025, 1, 2}, 10 * 3600) == (CivilDate{2025, 1, 2}));
  for (const char* bad : {"2025010", "20251301", "20250230", "2025-1-2", "abcdefgh"}) {
    bool threw = false;
    try {
      (void)parse_trading_day(bad);
    } catch (const InvalidTradingDayError&) {
      threw = true;
    }
    CHECK(threw);
  }
  bool weekend = false;
  try {
    (void)parse_trading_day("20250105");
  } catch (const InvalidTradingDayError&) {
    weekend = true;
  }
  CHECK(weekend);
  CHECK(to_exchange_ns(CivilDate{1970, 1, 2}, 60, 5) == kNanosPerDay + 60 * kNanosPerSecond + 5 * kNanosPerMilli);
}

void timelines_per_group() {
  const CivilDate thursday{2025, 1, 2};
  const SessionTimeline n23 = session_timeline(SessionGroup::Night2300, ExchangeKind::SHFE, thursday, true);
  CHECK_EQ(statuses(n23), std::string("3521212126"));
  CHECK_EQ(intervals(n23), std::string("21:00-23:00 09:00-10:15 10:30-11:30 13:30-15:00"));
  CHECK_EQ(n23.auction_match_ns.size(), 1u);
  CHECK_EQ(clock(n23.auction_match_ns[0]), std::string("20:59"));
  CHECK(date_of_exchange_ns(n23.continuous[0].begin_ns) == (CivilDate{2025, 1, 1}));  // the evening before

  const SessionTimeline n01 = session_timeline(SessionGroup::Night0100, ExchangeKind::SHFE, thursday, true);
  CHECK_EQ(intervals(n01), std::string("21:00-01:00 09:00-10:15 10:30-11:30 13:30-15:00"));
  CHECK(date_of_exchange_ns(n01.continuous[0].end_ns) == thursday);  // 01:00 after midnight
  const SessionTimeline n0230 =
      session_timeline(SessionGroup::Night0230, ExchangeKind::SHFE, CivilDate{2025, 1, 6}, true);
  CHECK_EQ(intervals(n0230), std::string("21:00-02:30 09:00-10:15 10:30-11:30 13:30-15:00"));
  CHECK(date_of_exchange_ns(n0230.continuous[0].begin_ns) == (CivilDate{2025, 1, 3}));  // Friday evening
  CHECK(date_of_exchange_ns(n0230.continuous[0].end_ns) == (CivilDate{2025, 1, 4}));    // Saturday 02:30

  // DCE shows the 08:55/08:59 auction phases for night products too (no auction tick: the night opened).
  const SessionTimeline dce = session_timeline(SessionGroup::Night2300, ExchangeKind::DCE, thursday, true);
  CHECK_EQ(statuses(dce), std::string("352135212126"));
  CHECK_EQ(dce.auction_match_ns.size(), 1u);

  const SessionTimeline day_only = session_timeline(SessionGroup::DayOnly, ExchangeKind::DCE, thursday, true);
  CHECK_EQ(statuses(day_only), std::string("35212126"));
  CHECK_EQ(clock(day_only.status_changes[0].exchange_ns), std::string("08:55"));
  CHECK_EQ(clock(day_only.auction_match_ns.at(0)), std::string("08:59"));

  const SessionTimeline cffex = session_timeline(SessionGroup::CffexIndex, ExchangeKind::CFFEX, thursday, true);
  CHECK_EQ(statuses(cffex), std::string("352126"));
  CHECK_EQ(intervals(cffex), std::string("09:30-11:30 13:00-15:00"));
  CHECK_EQ(clock(cffex.status_changes[0].exchange_ns), std::string("09:25"));
  const SessionTimeline bond = session_timeline(SessionGroup::CffexBond, ExchangeKind::CFFEX, thursday, false);
  CHECK_EQ(intervals(bond), std::string("09:30-11:30 13:00-15:15"));

  // Day start: the night part is left out.
  const SessionTimeline day_start = session_timeline(SessionGroup::Night0100, ExchangeKind::SHFE, thursday, false);
  CHECK_EQ(statuses(day_start), std::string("212126"));
  CHECK_EQ(intervals(day_start), std::string("09:00-10:15 10:30-11:30 13:30-15:00"));

  // status_at / in_continuous_trading agree with the timeline.
  CHECK_EQ(status_at(n23, to_exchange_ns(CivilDate{2025, 1, 1}, 20 * 3600)), '0');
  CHECK_EQ(status_at(n23, to_exchange_ns(CivilDate{2025, 1, 1}, 20 * 3600 + 56 * 60)), '3');
  CHECK_EQ(status_at(n23, to_exchange_ns(CivilDate{2025, 1, 1}, 22 * 3600)), '2');
  CHECK_EQ(status_at(n23, to_exchange_ns(thursday, 10 * 3600 + 20 * 60)), '1');
  CHECK_EQ(status_at(n23, to_exchange_ns(thursday, 16 * 3600)), '6');
  CHECK(in_continuous_trading(n23, to_exchange_ns(thursday, 9 * 3600)));
  CHECK(!in_continuous_trading(n23, to_exchange_ns(thursday, 10 * 3600 + 15 * 60)));
  CHECK(!in_continuous_trading(n23, to_exchange_ns(thursday, 12 * 3600)));
}

void status_field_is_product_level() {
  const InstrumentSpec& rb = bundled_instruments()[0];
  const CThostFtdcInstrumentStatusField f =
      make_status_field(rb, StatusChange{to_exchange_ns(CivilDate{2025, 1, 1}, 20 * 3600 + 55 * 60), '3'}, 1);
  CHECK_EQ(std::string(f.ExchangeID), std::string("SHFE"));
  CHECK_EQ(std::string(f.InstrumentID), std::string("rb"));
  CHECK_EQ(std::string(f.EnterTime), std::string("20:55:00"));
  CHECK_EQ(f.InstrumentStatus, '3');
  CHECK_EQ(f.EnterReason, '1');
  CHECK_EQ(f.TradingSegmentSN, 1);
}

}  // namespace

int main() {
  dates_and_weekdays();
  timelines_per_group();
  status_field_is_product_level();
  return shandian::testing::finish("test_sim_feed_calendar_sessions_and_status_order");
}
