// Date arithmetic for bar building: civil dates as day numbers (days since 1970-01-01), the trading day a
// wall-clock instant belongs to, and the "session clock" that orders one trading day's night and day
// sessions monotonically (ms since 18:00 of the evening before the trading day).
//
// Holidays are not modelled: a night session runs on the previous weekday evening, which is right for every
// night that exists (the exchanges hold no night session on the eve of a legal holiday, so a trading day
// after a holiday simply has no night ticks).
#pragma once

#include <cstdint>

namespace shandian::bars {

inline constexpr std::int64_t kMsPerDay = 86'400'000;
inline constexpr std::int32_t kMsPerMinute = 60'000;
inline constexpr std::int32_t kMsPerHour = 3'600'000;
// The session clock starts at 18:00: night sessions (20:55-02:30) map below 12 h, day sessions above.
inline constexpr std::int32_t kSessionClockOrigin = 18 * kMsPerHour;
inline constexpr std::int32_t kNightDayDivide = 12 * kMsPerHour;  // session clock value of 06:00

// Howard Hinnant's public-domain days_from_civil / civil_from_days (proleptic Gregorian).
[[nodiscard]] constexpr std::int32_t days_from_civil(int year, int month, int day) noexcept {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (month + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct CivilDate {
  int year;
  int month;
  int day;
};

[[nodiscard]] constexpr CivilDate civil_from_days(std::int32_t days) noexcept {
  const std::int32_t z = days + 719468;
  const std::int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int32_t doe = z - era * 146097;
  const std::int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int32_t mp = (5 * doy + 2) / 153;
  const int day = doy - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// A YYYYMMDD integer as a day number; -1 when it is not a real calendar date (1990..2999).
[[nodiscard]] constexpr std::int32_t day_number_of_yyyymmdd(std::uint32_t yyyymmdd) noexcept {
  const int year = static_cast<int>(yyyymmdd / 10000);
  const int month = static_cast<int>(yyyymmdd / 100 % 100);
  const int day = static_cast<int>(yyyymmdd % 100);
  if (year < 1990 || year > 2999 || month < 1 || month > 12 || day < 1 || day > 31) return -1;
  const std::int32_t days = days_from_civil(year, month, day);
  const CivilDate back = civil_from_days(days);
  return back.month == month && back.day == day ? days : -1;  // rejects 20250230
}

[[nodiscard]] constexpr std::uint32_t yyyymmdd_of_day_number(std::int32_t days) noexcept {
  const CivilDate d = civil_from_days(days);
  return static_cast<std::uint32_t>(d.year * 10000 + d.month * 100 + d.day);
}

// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
[[nodiscard]] constexpr int weekday_of(std::int32_t days) noexcept { return ((days % 7) + 7 + 4) % 7; }
[[nodiscard]] constexpr bool is_weekday(std::int32_t days) noexcept {
  const int wd = weekday_of(days);
  return wd != 0 && wd != 6;
}
[[nodiscard]] constexpr std::int32_t next_weekday(std::int32_t days) noexcept {
  do ++days;
  while (!is_weekday(days));
  return days;
}
[[nodiscard]] constexpr std::int32_t previous_weekday(std::int32_t days) noexcept {
  do --days;
  while (!is_weekday(days));
  return days;
}

// Session clock value of a wall-clock time of day (ms since midnight).
[[nodiscard]] constexpr std::int32_t session_ms_of(std::int32_t ms_of_day) noexcept {
  const std::int32_t shifted = ms_of_day - kSessionClockOrigin;
  return shifted < 0 ? shifted + static_cast<std::int32_t>(kMsPerDay) : shifted;
}
// Session clock value of a wall-clock hh:mm.
[[nodiscard]] constexpr std::int32_t session_ms_at(int hours, int minutes) noexcept {
  return session_ms_of((hours * 60 + minutes) * kMsPerMinute);
}

// The trading day (day number) of a wall-clock instant on natural day `natural_day`: evenings from 18:00
// belong to the next weekday, the after-midnight part of a Friday night (Saturday) and weekends to Monday.
[[nodiscard]] constexpr std::int32_t trading_day_of(std::int32_t natural_day, std::int32_t ms_of_day) noexcept {
  if (ms_of_day >= kSessionClockOrigin || !is_weekday(natural_day)) return next_weekday(natural_day);
  return natural_day;
}

// Exchange wall time (China Standard Time digits read as ms since the epoch, the convention of the local
// front's exchange_ns) of session-clock instant `session_ms` of trading day `trading_day`.
[[nodiscard]] constexpr std::int64_t exchange_ms_of(std::int32_t trading_day, std::int32_t session_ms) noexcept {
  if (session_ms < kNightDayDivide) {
    return static_cast<std::int64_t>(previous_weekday(trading_day)) * kMsPerDay + kSessionClockOrigin + session_ms;
  }
  return static_cast<std::int64_t>(trading_day) * kMsPerDay + session_ms - (kMsPerDay - kSessionClockOrigin);
}

}  // namespace shandian::bars
