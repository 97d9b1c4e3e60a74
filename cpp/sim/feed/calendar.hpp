// Trading calendar of the local front: civil-date arithmetic, which evening a trading day's night session
// runs on, and per SessionGroup the continuous-trading intervals and the InstrumentStatus timeline that
// the generator (and the CSV replay) emit as Status events (ctp-semantics.md §6).
//
// Simplifications, on purpose:
//  - Holidays are ignored: every weekday is a trading day. A night session runs on the previous weekday
//    evening (Monday's night is Friday evening, its after-midnight part falls on Saturday), as at the real
//    exchanges; the eve-of-holiday "no night session" rule is not modelled.
//  - Breaks (10:15-10:30, 11:30-13:30/13:00) and the end of the night session are reported as '1'
//    NoTrading; the end of the day session as '6' Closed. Whether CTP sends '1' or '6' at the night close
//    is not verified (❓) — consumers should gate on '2' Continuous, not on the exact closed code.
//  - Night products have their call auction before the night session only (20:55 '3', 20:59 '5',
//    21:00 '2'); day-only commodity products (and DCE, whose status feed also shows it for night
//    products) have one at 08:55/08:59; CFFEX at 09:25/09:29. One auction-match instant per auction: the
//    generator emits the opening tick (OpenPrice) there.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ThostFtdcUserApiStruct.h"
#include "sim/feed/instrument.hpp"

namespace shandian::sim {

struct CivilDate {
  int year = 1970;
  int month = 1;
  int day = 1;
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// A trading day that is not a well-formed YYYYMMDD date, or falls on a weekend.
class InvalidTradingDayError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNanosPerMilli = 1'000'000;
inline constexpr std::int64_t kNanosPerDay = 86'400 * kNanosPerSecond;

// The trading day used when FrontConfig::trading_day is empty (the feed never reads the wall clock).
inline constexpr std::string_view kDefaultTradingDay = "20250102";

[[nodiscard]] std::int64_t days_from_civil(CivilDate date) noexcept;  // days since 1970-01-01
[[nodiscard]] CivilDate civil_from_days(std::int64_t days) noexcept;
[[nodiscard]] int weekday(CivilDate date) noexcept;  // 0 = Sunday ... 6 = Saturday
[[nodiscard]] bool is_weekday(CivilDate date) noexcept;
[[nodiscard]] CivilDate add_days(CivilDate date, int days) noexcept;
[[nodiscard]] CivilDate previous_weekday(CivilDate date) noexcept;  // strictly before
[[nodiscard]] CivilDate next_weekday(CivilDate date) noexcept;      // strictly after
[[nodiscard]] std::string format_yyyymmdd(CivilDate date);
// Parses any valid YYYYMMDD date (weekends allowed); throws InvalidTradingDayError when malformed.
[[nodiscard]] CivilDate parse_yyyymmdd(std::string_view text);
// Parses a trading day: a valid YYYYMMDD that is a weekday; throws InvalidTradingDayError otherwise.
[[nodiscard]] CivilDate parse_trading_day(std::string_view text);

// The evening (natural date) on which trading day `trading_day`'s night session starts.
[[nodiscard]] CivilDate night_session_date(CivilDate trading_day) noexcept;
// The trading day a market timestamp belongs to: 20:00-23:59 → the next weekday; 00:00-02:59 (the
// after-midnight part of a night) → that natural day, or Monday when it is a Saturday; else the same day.
[[nodiscard]] CivilDate trading_day_of(CivilDate natural_date, int seconds_of_day) noexcept;

// Exchange time as FeedEvent::exchange_ns: the wall-clock digits (China Standard Time) read as UTC.
[[nodiscard]] std::int64_t to_exchange_ns(CivilDate date, int seconds_of_day, int millis = 0) noexcept;
[[nodiscard]] CivilDate date_of_exchange_ns(std::int64_t exchange_ns) noexcept;
[[nodiscard]] int seconds_of_day_of(std::int64_t exchange_ns) noexcept;

struct StatusChange {
  std::int64_t exchange_ns = 0;
  char status = '0';  // THOST_FTDC_IS_* ('2' Continuous, '3' AuctionOrdering, '5' AuctionMatch, ...)
};

struct TradingInterval {  // continuous trading in [begin_ns, end_ns)
  std::int64_t begin_ns = 0;
  std::int64_t end_ns = 0;
};

struct SessionTimeline {
  std::vector<StatusChange> status_changes;    // ascending time
  std::vector<TradingInterval> continuous;     // ascending, disjoint
  std::vector<std::int64_t> auction_match_ns;  // instants of opening-auction matches (ascending)
};

[[nodiscard]] bool has_night_session(SessionGroup group) noexcept;

// The timeline of one product group on `trading_day`. include_night: start with the night session
// (if the group has one) on night_session_date(trading_day); otherwise start with the day session.
[[nodiscard]] SessionTimeline session_timeline(SessionGroup group, ExchangeKind exchange, CivilDate trading_day,
                                               bool include_night);

// Status in force at `exchange_ns` ('0' BeforeTrading before the first change).
[[nodiscard]] char status_at(const SessionTimeline& timeline, std::int64_t exchange_ns) noexcept;
[[nodiscard]] bool in_continuous_trading(const SessionTimeline& timeline, std::int64_t exchange_ns) noexcept;

// The CTP status push for one change, at product level as CTP sends it: ExchangeID, InstrumentID =
// ExchangeInstID = product id, InstrumentStatus, TradingSegmentSN = `segment`, EnterTime "HH:MM:SS",
// EnterReason '1' automatic. All other bytes (padding included) are zero.
[[nodiscard]] CThostFtdcInstrumentStatusField make_status_field(const InstrumentSpec& product,
                                                                const StatusChange& change, int segment) noexcept;

}  // namespace shandian::sim
