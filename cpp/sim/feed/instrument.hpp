// Static facts about one tradable contract: everything the local front's counter, matching core and tick
// generator need. Prices are stored as doubles at the CTP boundary but every comparison and validation is
// done in integer ticks (see to_ticks / from_ticks) — never with float ==.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace shandian::sim {

// std::llround / std::round without the libm call (the replay's per-snapshot conversions are the hot
// spot): the same results, halves away from zero. For |x| < 2^62 the truncation t is exact and so is
// x - t (Sterbenz: t <= x < t + 1 <= 2t for x >= 1, and x itself below 1), so comparing it with 0.5 is exact;
// larger magnitudes, infinities and NaN take libm's path.
[[nodiscard]] inline std::int64_t llround_exact(double x) noexcept {
  if (!(std::fabs(x) < 4.0e18)) return std::llround(x);
  const auto t = static_cast<std::int64_t>(x);
  const double frac = x - static_cast<double>(t);
  return frac >= 0.5 ? t + 1 : frac <= -0.5 ? t - 1 : t;
}
[[nodiscard]] inline double round_exact(double x) noexcept {
  if (!(std::fabs(x) < 4.0e15)) return std::round(x);              // already integral (|x| >= 2^52), inf or NaN
  return std::copysign(static_cast<double>(llround_exact(x)), x);  // keeps round(-0.3) == -0.0
}

// Exchange behaviours differ in offsets, FAK callback shapes and price truncation (ctp-semantics.md §2).
enum class ExchangeKind : std::uint8_t { SHFE, INE, DCE, CZCE, CFFEX, GFEX };

// Trading-hours groups (ctp-semantics.md §6).
enum class SessionGroup : std::uint8_t {
  DayOnly,     // commodity day session only (auction 08:55-09:00)
  Night2300,   // N23: 21:00-23:00
  Night0100,   // N01: 21:00-01:00
  Night0230,   // N0230: 21:00-02:30
  CffexIndex,  // 09:30-11:30, 13:00-15:00 (auction 09:25-09:30)
  CffexBond,   // 09:30-11:30, 13:00-15:15
};

struct InstrumentSpec {
  std::string instrument_id;  // "rb2505", "SR505", "IF2501"
  std::string product_id;     // "rb", "SR", "IF"
  std::string exchange_id;    // "SHFE", "DCE", ... (CTP ExchangeID strings)
  ExchangeKind exchange = ExchangeKind::SHFE;
  SessionGroup sessions = SessionGroup::DayOnly;
  double price_tick = 1.0;
  int volume_multiple = 10;
  int max_limit_order_volume = 500;
  int min_limit_order_volume = 1;
  int max_market_order_volume = 30;
  int min_market_order_volume = 1;
  double long_margin_ratio = 0.1;  // exchange + broker, by money
  double short_margin_ratio = 0.1;
  // Commission: by money (ratio of notional) plus by volume (CNY per lot), open / close / close-today.
  double open_ratio_by_money = 0.0, open_ratio_by_volume = 0.0;
  double close_ratio_by_money = 0.0, close_ratio_by_volume = 0.0;
  double close_today_ratio_by_money = 0.0, close_today_ratio_by_volume = 0.0;
  double limit_ratio = 0.05;     // daily price limit as a fraction of the previous settlement
  double reference_price = 0.0;  // previous settlement the generator starts from
  std::string source;            // where the figures come from (cited in the bundled table)

  // Exact conversions between CTP doubles and integer ticks.
  [[nodiscard]] std::int64_t to_ticks(double price) const noexcept { return llround_exact(price / price_tick); }
  [[nodiscard]] double from_ticks(std::int64_t ticks) const noexcept {
    // Round to the tick's decimal precision so 0.02 * 3 prints as 0.06, not 0.060000000000000005.
    return round_exact(static_cast<double>(ticks) * price_tick * 1e6) / 1e6;
  }
  // True when price is (within 1e-9 of a tick) an exact multiple of the tick.
  [[nodiscard]] bool on_tick(double price) const noexcept {
    const double t = price / price_tick;
    return std::fabs(t - std::round(t)) < 1e-6;
  }
};

}  // namespace shandian::sim
