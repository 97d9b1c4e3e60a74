// Exchange-time helpers. The core has no wall clock: time is the feed's exchange_ns (CST wall-clock digits
// read as UTC, see feed_event.hpp), so formatting is plain civil-date arithmetic with no time zone.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace shandian::sim::clock {

inline constexpr std::int64_t kNsPerSec = 1'000'000'000;
inline constexpr std::int64_t kSecPerDay = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
[[nodiscard]] constexpr std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  int y;
  unsigned m, d;
};

[[nodiscard]] constexpr Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

// "YYYYMMDD" → days since epoch; -1 when malformed.
[[nodiscard]] inline std::int64_t parse_day(const std::string& yyyymmdd) noexcept {
  if (yyyymmdd.size() != 8) return -1;
  int v[3] = {0, 0, 0};
  const int widths[3] = {4, 2, 2};
  std::size_t p = 0;
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < widths[k]; ++i, ++p) {
      const char c = yyyymmdd[p];
      if (c < '0' || c > '9') return -1;
      v[k] = v[k] * 10 + (c - '0');
    }
  }
  return days_from_civil(v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2]));
}

[[nodiscard]] inline std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// "YYYYMMDD" of the natural day of an exchange timestamp.
inline void format_date(std::int64_t exchange_ns, char (&out)[9]) noexcept {
  const Civil c = civil_from_days(floor_div(floor_div(exchange_ns, kNsPerSec), kSecPerDay));
  unsigned y = static_cast<unsigned>(c.y < 0 ? 0 : c.y) % 10000u;
  const unsigned md[2] = {c.m % 100u, c.d % 100u};
  for (int i = 3; i >= 0; --i, y /= 10) out[i] = static_cast<char>('0' + y % 10);
  for (int k = 0; k < 2; ++k) {
    out[4 + 2 * k] = static_cast<char>('0' + md[k] / 10);
    out[5 + 2 * k] = static_cast<char>('0' + md[k] % 10);
  }
  out[8] = '\0';
}

// "HH:MM:SS" of an exchange timestamp.
inline void format_time(std::int64_t exchange_ns, char (&out)[9]) noexcept {
  const std::int64_t s = floor_div(exchange_ns, kNsPerSec);
  const std::int64_t sod = s - floor_div(s, kSecPerDay) * kSecPerDay;
  const unsigned h = static_cast<unsigned>(sod / 3600) % 24u;
  const unsigned mi = static_cast<unsigned>(sod / 60 % 60) % 60u;
  const unsigned se = static_cast<unsigned>(sod % 60) % 60u;
  out[0] = static_cast<char>('0' + h / 10);
  out[1] = static_cast<char>('0' + h % 10);
  out[2] = ':';
  out[3] = static_cast<char>('0' + mi / 10);
  out[4] = static_cast<char>('0' + mi % 10);
  out[5] = ':';
  out[6] = static_cast<char>('0' + se / 10);
  out[7] = static_cast<char>('0' + se % 10);
  out[8] = '\0';
}

// The session open the core's clock starts at before the first feed event: 09:00 of the trading day for
// a day start, 21:00 of the previous weekday for a night start (the night belongs to the next trading
// day; Monday's night is Friday evening). Holidays are the feed's business, not the counter's.
[[nodiscard]] inline std::int64_t session_open_ns(const std::string& trading_day, bool night) noexcept {
  std::int64_t day = parse_day(trading_day);
  if (day < 0) day = 0;
  if (!night) return (day * kSecPerDay + 9 * 3600) * kNsPerSec;
  std::int64_t prev = day - 1;
  // 1970-01-01 was a Thursday: weekday index (0 = Monday) = (days + 3) mod 7.
  auto weekday = [](std::int64_t d) { return static_cast<int>(((d + 3) % 7 + 7) % 7); };
  while (weekday(prev) >= 5) --prev;
  return (prev * kSecPerDay + 21 * 3600) * kNsPerSec;
}

}  // namespace shandian::sim::clock
