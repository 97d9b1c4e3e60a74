#include "sim/feed/calendar.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "ThostFtdcUserApiDataType.h"

namespace shandian::sim {

// Howard Hinnant's public-domain days_from_civil / civil_from_days algorithms (proleptic Gregorian).
std::int64_t days_from_civil(CivilDate date) noexcept {
  const int y = date.year - (date.month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (date.month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + date.day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t days) noexcept {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<int>(z - era * 146097);
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int day = doy - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  const auto year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return CivilDate{year, month, day};
}

int weekday(CivilDate date) noexcept {
  const std::int64_t days = days_from_civil(date);  // 1970-01-01 was a Thursday (4)
  return static_cast<int>(((days % 7) + 7 + 4) % 7);
}

bool is_weekday(CivilDate date) noexcept {
  const int wd = weekday(date);
  return wd != 0 && wd != 6;
}

CivilDate add_days(CivilDate date, int days) noexcept { return civil_from_days(days_from_civil(date) + days); }

CivilDate previous_weekday(CivilDate date) noexcept {
  CivilDate d = add_days(date, -1);
  while (!is_weekday(d)) d = add_days(d, -1);
  return d;
}

CivilDate next_weekday(CivilDate date) noexcept {
  CivilDate d = add_days(date, 1);
  while (!is_weekday(d)) d = add_days(d, 1);
  return d;
}

std::string format_yyyymmdd(CivilDate date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", date.year, date.month, date.day);
  return buf;
}

CivilDate parse_yyyymmdd(std::string_view text) {
  const auto fail = [&]() -> CivilDate {
    throw InvalidTradingDayError("invalid date '" + std::string(text) + "': expected YYYYMMDD");
  };
  if (text.size() != 8) return fail();
  int digits[8];
  for (int i = 0; i < 8; ++i) {
    if (text[i] < '0' || text[i] > '9') return fail();
    digits[i] = text[i] - '0';
  }
  const CivilDate date{digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3], digits[4] * 10 + digits[5],
                       digits[6] * 10 + digits[7]};
  if (date.year < 1990 || date.month < 1 || date.month > 12 || date.day < 1) return fail();
  // Round-trip through the day count rejects 20250230 and friends.
  if (civil_from_days(days_from_civil(date)) != date) return fail();
  return date;
}

CivilDate parse_trading_day(std::string_view text) {
  const CivilDate date = parse_yyyymmdd(text);
  if (!is_weekday(date)) {
    throw InvalidTradingDayError("trading day '" + std::string(text) +
                                 "' is a Saturday or Sunday: futures trading days are weekdays");
  }
  return date;
}

CivilDate night_session_date(CivilDate trading_day) noexcept { return previous_weekday(trading_day); }

CivilDate trading_day_of(CivilDate natural_date, int seconds_of_day) noexcept {
  if (seconds_of_day >= 20 * 3600) return next_weekday(natural_date);
  if (seconds_of_day < 3 * 3600 && !is_weekday(natural_date)) return next_weekday(natural_date);
  return natural_date;
}

std::int64_t to_exchange_ns(CivilDate date, int seconds_of_day, int millis) noexcept {
  return days_from_civil(date) * kNanosPerDay + static_cast<std::int64_t>(seconds_of_day) * kNanosPerSecond +
         static_cast<std::int64_t>(millis) * kNanosPerMilli;
}

CivilDate date_of_exchange_ns(std::int64_t exchange_ns) noexcept {
  std::int64_t days = exchange_ns / kNanosPerDay;
  if (exchange_ns % kNanosPerDay < 0) --days;
  return civil_from_days(days);
}

int seconds_of_day_of(std::int64_t exchange_ns) noexcept {
  std::int64_t rem = exchange_ns % kNanosPerDay;
  if (rem < 0) rem += kNanosPerDay;
  return static_cast<int>(rem / kNanosPerSecond);
}

bool has_night_session(SessionGroup group) noexcept {
  return group == SessionGroup::Night2300 || group == SessionGroup::Night0100 || group == SessionGroup::Night0230;
}

namespace {

constexpr int hm(int hours, int minutes) { return (hours * 60 + minutes) * 60; }

struct Builder {
  SessionTimeline timeline;
  void status(CivilDate date, int seconds, char status) {
    timeline.status_changes.push_back({to_exchange_ns(date, seconds), status});
  }
  void auction(CivilDate date, int order_from, int match_at) {
    status(date, order_from, THOST_FTDC_IS_AuctionOrdering);
    status(date, match_at, THOST_FTDC_IS_AuctionMatch);
    timeline.auction_match_ns.push_back(to_exchange_ns(date, match_at));
  }
  // Continuous trading from `from` to `to`, then `after` (NoTrading for a break, Closed at the end).
  void trade(CivilDate from_date, int from, CivilDate to_date, int to, char after) {
    status(from_date, from, THOST_FTDC_IS_Continous);
    timeline.continuous.push_back({to_exchange_ns(from_date, from), to_exchange_ns(to_date, to)});
    status(to_date, to, after);
  }
};

}  // namespace

SessionTimeline session_timeline(SessionGroup group, ExchangeKind exchange, CivilDate trading_day, bool include_night) {
  Builder b;
  const CivilDate day = trading_day;
  if (include_night && has_night_session(group)) {
    const CivilDate evening = night_session_date(trading_day);
    const CivilDate after_midnight = add_days(evening, 1);
    b.auction(evening, hm(20, 55), hm(20, 59));
    switch (group) {
      case SessionGroup::Night2300: b.trade(evening, hm(21, 0), evening, hm(23, 0), THOST_FTDC_IS_NoTrading); break;
      case SessionGroup::Night0100:
        b.trade(evening, hm(21, 0), after_midnight, hm(1, 0), THOST_FTDC_IS_NoTrading);
        break;
      case SessionGroup::Night0230:
        b.trade(evening, hm(21, 0), after_midnight, hm(2, 30), THOST_FTDC_IS_NoTrading);
        break;
      default: break;
    }
  }
  switch (group) {
    case SessionGroup::CffexIndex:
    case SessionGroup::CffexBond:
      b.auction(day, hm(9, 25), hm(9, 29));
      b.trade(day, hm(9, 30), day, hm(11, 30), THOST_FTDC_IS_NoTrading);
      b.trade(day, hm(13, 0), day, group == SessionGroup::CffexBond ? hm(15, 15) : hm(15, 0), THOST_FTDC_IS_Closed);
      break;
    default: {
      // Day-only products (and DCE's status feed, night products included) run a pre-open auction.
      // For night products only the status changes appear: their opening price came from the night.
      const bool day_auction = !has_night_session(group) || exchange == ExchangeKind::DCE;
      if (day_auction) {
        b.status(day, hm(8, 55), THOST_FTDC_IS_AuctionOrdering);
        b.status(day, hm(8, 59), THOST_FTDC_IS_AuctionMatch);
        if (!has_night_session(group)) b.timeline.auction_match_ns.push_back(to_exchange_ns(day, hm(8, 59)));
      }
      b.trade(day, hm(9, 0), day, hm(10, 15), THOST_FTDC_IS_NoTrading);
      b.trade(day, hm(10, 30), day, hm(11, 30), THOST_FTDC_IS_NoTrading);
      b.trade(day, hm(13, 30), day, hm(15, 0), THOST_FTDC_IS_Closed);
      break;
    }
  }
  return std::move(b.timeline);
}

char status_at(const SessionTimeline& timeline, std::int64_t exchange_ns) noexcept {
  char status = THOST_FTDC_IS_BeforeTrading;
  for (const StatusChange& change : timeline.status_changes) {
    if (change.exchange_ns > exchange_ns) break;
    status = change.status;
  }
  return status;
}

bool in_continuous_trading(const SessionTimeline& timeline, std::int64_t exchange_ns) noexcept {
  return std::any_of(timeline.continuous.begin(), timeline.continuous.end(),
                     [&](const TradingInterval& i) { return exchange_ns >= i.begin_ns && exchange_ns < i.end_ns; });
}

CThostFtdcInstrumentStatusField make_status_field(const InstrumentSpec& product, const StatusChange& change,
                                                  int segment) noexcept {
  CThostFtdcInstrumentStatusField field;
  std::memset(&field, 0, sizeof field);  // zeroed padding: byte-identical event streams
  const auto copy = [](char* dest, std::size_t capacity, const std::string& text) {
    const std::size_t n = std::min(text.size(), capacity - 1);
    std::memcpy(dest, text.data(), n);
  };
  copy(field.ExchangeID, sizeof field.ExchangeID, product.exchange_id);
  copy(field.ExchangeInstID, sizeof field.ExchangeInstID, product.product_id);
  copy(field.InstrumentID, sizeof field.InstrumentID, product.product_id);
  field.InstrumentStatus = change.status;
  field.TradingSegmentSN = segment;
  const int s = seconds_of_day_of(change.exchange_ns);
  const int parts[3] = {s / 3600, s / 60 % 60, s % 60};
  for (int i = 0; i < 3; ++i) {
    field.EnterTime[3 * i] = static_cast<char>('0' + parts[i] / 10);
    field.EnterTime[3 * i + 1] = static_cast<char>('0' + parts[i] % 10);
    if (i < 2) field.EnterTime[3 * i + 2] = ':';
  }
  field.EnterReason = THOST_FTDC_IER_Automatic;
  return field;
}

}  // namespace shandian::sim
