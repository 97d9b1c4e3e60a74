// The bundled trading-hours table: for every listed China futures product, its exchange and session group,
// and per group the continuous-trading windows on the session clock (trading_calendar.hpp). One place for
// the hours; the bar builder reads nothing else.
//
// Sources and date (table as of 2026-12):
//  - Night products and night closes: the exchanges' night-trading product lists as republished by a
//    futures broker (crfutu.com.cn, "夜盘交易品种及交易时间", 2025/26: SHFE 36, INE 5, DCE 37, CZCE 29
//    entries incl. options), cross-checked with ctp-semantics.md §6 and wtpy's sessions.json groups
//    (FN2300 / FN0100 / FN0230 / FD0900).
//  - Day hours (09:00-10:15, 10:30-11:30, 13:30-15:00; CFFEX 09:30-11:30, 13:00-15:00 / 15:15) and the
//    opening call auctions (20:55-21:00, 08:55-09:00, CFFEX 09:25-09:30): ctp-semantics.md §6 and the CTP
//    instrument-status timeline it cites.
// Where sources disagreed:
//  - SHFE `ad` (cast aluminium alloy): wtpy lists it day-only, ctp-semantics.md marks it ❓; the broker's
//    exchange list has night 21:00-01:00 → N01 here (as openctp#64 said).
//  - `op` (SHFE offset paper), `bz` (DCE pure benzene), `PL` (CZCE propylene), `ao`/`br`: on the broker's
//    night list but missing from ctp-semantics.md's group lists → night products here.
//  - Contract-specification pages (e.g. CZCE SF/SM "9:00-11:30, 13:30-15:00") omit the 10:15-10:30
//    commodity break; the exchanges' trading rules and the CTP status timeline have it → break kept.
//  - GFEX `pt`/`pd` (listed 2025-11) are left out: no source at hand stated their hours. Unlisted products
//    raise UnknownProductError; a caller can pass its own SessionSchedule to the builder instead.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bars/trading_calendar.hpp"

namespace shandian::bars {

enum class Exchange : std::uint8_t { SHFE, INE, DCE, CZCE, CFFEX, GFEX };
enum class SessionGroup : std::uint8_t {
  Day,         // commodity day session only: 09:00-10:15, 10:30-11:30, 13:30-15:00 (auction 08:55-09:00)
  Night2300,   // 21:00-23:00 + commodity day (auction 20:55-21:00)
  Night0100,   // 21:00-01:00 + commodity day
  Night0230,   // 21:00-02:30 + commodity day
  CffexIndex,  // 09:30-11:30, 13:00-15:00 (auction 09:25-09:30)
  CffexBond,   // 09:30-11:30, 13:00-15:15 (auction 09:25-09:30)
};

[[nodiscard]] constexpr std::string_view to_string(Exchange e) noexcept {
  switch (e) {
    case Exchange::SHFE: return "SHFE";
    case Exchange::INE: return "INE";
    case Exchange::DCE: return "DCE";
    case Exchange::CZCE: return "CZCE";
    case Exchange::CFFEX: return "CFFEX";
    case Exchange::GFEX: return "GFEX";
  }
  return "UNKNOWN";
}

// Continuous trading in [begin, end) on the session clock. opens_session: the window starts a session
// (night or day) and is preceded by an opening call auction whose match tick belongs to its first bar.
struct TradingWindow {
  std::int32_t begin;
  std::int32_t end;
  bool opens_session;
};

// Length of the opening call auction before an opens_session window (20:55, 08:55, 09:25 → +5 min).
inline constexpr std::int32_t kAuctionLeadMs = 5 * kMsPerMinute;
inline constexpr std::size_t kMaxWindows = 4;

// A trading day's windows, ascending on the session clock (night first).
struct SessionSchedule {
  std::array<TradingWindow, kMaxWindows> windows{};
  std::uint8_t count = 0;
};

[[nodiscard]] constexpr SessionSchedule schedule_of(SessionGroup group) noexcept {
  constexpr TradingWindow morning1{session_ms_at(9, 0), session_ms_at(10, 15), true};
  constexpr TradingWindow morning2{session_ms_at(10, 30), session_ms_at(11, 30), false};
  constexpr TradingWindow afternoon{session_ms_at(13, 30), session_ms_at(15, 0), false};
  const auto with_night = [&](int end_hour, int end_minute) {
    return SessionSchedule{
        {TradingWindow{session_ms_at(21, 0), session_ms_at(end_hour, end_minute), true}, morning1, morning2, afternoon},
        4};
  };
  switch (group) {
    case SessionGroup::Day: return SessionSchedule{{morning1, morning2, afternoon, TradingWindow{}}, 3};
    case SessionGroup::Night2300: return with_night(23, 0);
    case SessionGroup::Night0100: return with_night(1, 0);
    case SessionGroup::Night0230: return with_night(2, 30);
    case SessionGroup::CffexIndex:
    case SessionGroup::CffexBond:
      return SessionSchedule{
          {TradingWindow{session_ms_at(9, 30), session_ms_at(11, 30), true},
           TradingWindow{session_ms_at(13, 0),
                         group == SessionGroup::CffexBond ? session_ms_at(15, 15) : session_ms_at(15, 0), false},
           TradingWindow{}, TradingWindow{}},
          2};
  }
  return SessionSchedule{};
}

struct ProductSessions {
  std::string_view product;  // CTP ProductID spelling: lower case except CZCE and CFFEX
  Exchange exchange;
  SessionGroup group;
};

// clang-format off
inline constexpr ProductSessions kProductSessions[] = {
  // SHFE
  {"au", Exchange::SHFE, SessionGroup::Night0230}, {"ag", Exchange::SHFE, SessionGroup::Night0230},
  {"cu", Exchange::SHFE, SessionGroup::Night0100}, {"al", Exchange::SHFE, SessionGroup::Night0100},
  {"zn", Exchange::SHFE, SessionGroup::Night0100}, {"pb", Exchange::SHFE, SessionGroup::Night0100},
  {"ni", Exchange::SHFE, SessionGroup::Night0100}, {"sn", Exchange::SHFE, SessionGroup::Night0100},
  {"ss", Exchange::SHFE, SessionGroup::Night0100}, {"ao", Exchange::SHFE, SessionGroup::Night0100},
  {"ad", Exchange::SHFE, SessionGroup::Night0100},
  {"rb", Exchange::SHFE, SessionGroup::Night2300}, {"hc", Exchange::SHFE, SessionGroup::Night2300},
  {"bu", Exchange::SHFE, SessionGroup::Night2300}, {"ru", Exchange::SHFE, SessionGroup::Night2300},
  {"fu", Exchange::SHFE, SessionGroup::Night2300}, {"sp", Exchange::SHFE, SessionGroup::Night2300},
  {"br", Exchange::SHFE, SessionGroup::Night2300}, {"op", Exchange::SHFE, SessionGroup::Night2300},
  {"wr", Exchange::SHFE, SessionGroup::Day},
  // INE
  {"sc", Exchange::INE, SessionGroup::Night0230}, {"bc", Exchange::INE, SessionGroup::Night0100},
  {"nr", Exchange::INE, SessionGroup::Night2300}, {"lu", Exchange::INE, SessionGroup::Night2300},
  {"ec", Exchange::INE, SessionGroup::Day},
  // DCE
  {"a", Exchange::DCE, SessionGroup::Night2300},  {"b", Exchange::DCE, SessionGroup::Night2300},
  {"m", Exchange::DCE, SessionGroup::Night2300},  {"y", Exchange::DCE, SessionGroup::Night2300},
  {"p", Exchange::DCE, SessionGroup::Night2300},  {"c", Exchange::DCE, SessionGroup::Night2300},
  {"cs", Exchange::DCE, SessionGroup::Night2300}, {"i", Exchange::DCE, SessionGroup::Night2300},
  {"j", Exchange::DCE, SessionGroup::Night2300},  {"jm", Exchange::DCE, SessionGroup::Night2300},
  {"l", Exchange::DCE, SessionGroup::Night2300},  {"v", Exchange::DCE, SessionGroup::Night2300},
  {"pp", Exchange::DCE, SessionGroup::Night2300}, {"eg", Exchange::DCE, SessionGroup::Night2300},
  {"eb", Exchange::DCE, SessionGroup::Night2300}, {"pg", Exchange::DCE, SessionGroup::Night2300},
  {"rr", Exchange::DCE, SessionGroup::Night2300}, {"bz", Exchange::DCE, SessionGroup::Night2300},
  {"jd", Exchange::DCE, SessionGroup::Day},       {"lh", Exchange::DCE, SessionGroup::Day},
  {"fb", Exchange::DCE, SessionGroup::Day},       {"bb", Exchange::DCE, SessionGroup::Day},
  {"lg", Exchange::DCE, SessionGroup::Day},
  // CZCE
  {"SR", Exchange::CZCE, SessionGroup::Night2300}, {"CF", Exchange::CZCE, SessionGroup::Night2300},
  {"CY", Exchange::CZCE, SessionGroup::Night2300}, {"TA", Exchange::CZCE, SessionGroup::Night2300},
  {"MA", Exchange::CZCE, SessionGroup::Night2300}, {"RM", Exchange::CZCE, SessionGroup::Night2300},
  {"ZC", Exchange::CZCE, SessionGroup::Night2300}, {"FG", Exchange::CZCE, SessionGroup::Night2300},
  {"OI", Exchange::CZCE, SessionGroup::Night2300}, {"SA", Exchange::CZCE, SessionGroup::Night2300},
  {"PF", Exchange::CZCE, SessionGroup::Night2300}, {"PX", Exchange::CZCE, SessionGroup::Night2300},
  {"SH", Exchange::CZCE, SessionGroup::Night2300}, {"PR", Exchange::CZCE, SessionGroup::Night2300},
  {"PL", Exchange::CZCE, SessionGroup::Night2300},
  {"AP", Exchange::CZCE, SessionGroup::Day}, {"CJ", Exchange::CZCE, SessionGroup::Day},
  {"UR", Exchange::CZCE, SessionGroup::Day}, {"SF", Exchange::CZCE, SessionGroup::Day},
  {"SM", Exchange::CZCE, SessionGroup::Day}, {"PK", Exchange::CZCE, SessionGroup::Day},
  {"WH", Exchange::CZCE, SessionGroup::Day}, {"PM", Exchange::CZCE, SessionGroup::Day},
  {"RI", Exchange::CZCE, SessionGroup::Day}, {"LR", Exchange::CZCE, SessionGroup::Day},
  {"JR", Exchange::CZCE, SessionGroup::Day}, {"RS", Exchange::CZCE, SessionGroup::Day},
  // CFFEX
  {"IF", Exchange::CFFEX, SessionGroup::CffexIndex}, {"IH", Exchange::CFFEX, SessionGroup::CffexIndex},
  {"IC", Exchange::CFFEX, SessionGroup::CffexIndex}, {"IM", Exchange::CFFEX, SessionGroup::CffexIndex},
  {"T", Exchange::CFFEX, SessionGroup::CffexBond},   {"TF", Exchange::CFFEX, SessionGroup::CffexBond},
  {"TS", Exchange::CFFEX, SessionGroup::CffexBond},  {"TL", Exchange::CFFEX, SessionGroup::CffexBond},
  // GFEX
  {"si", Exchange::GFEX, SessionGroup::Day}, {"lc", Exchange::GFEX, SessionGroup::Day},
  {"ps", Exchange::GFEX, SessionGroup::Day},
};
// clang-format on

// A symbol the table does not know ("xx2505"), or one with no product letters ("2505").
class UnknownProductError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The product of a futures symbol: its leading ASCII letters ("rb2505" → "rb", "SR505" → "SR").
[[nodiscard]] constexpr std::string_view product_of(std::string_view symbol) noexcept {
  std::size_t n = 0;
  while (n < symbol.size() && ((symbol[n] >= 'a' && symbol[n] <= 'z') || (symbol[n] >= 'A' && symbol[n] <= 'Z'))) ++n;
  return symbol.substr(0, n);
}

[[nodiscard]] constexpr const ProductSessions* find_product(std::string_view product) noexcept {
  for (const ProductSessions& row : kProductSessions) {
    if (row.product == product) return &row;
  }
  return nullptr;
}

// The table row for a symbol; UnknownProductError names the symbol and the product it parsed.
[[nodiscard]] inline const ProductSessions& sessions_for_symbol(std::string_view symbol) {
  const std::string_view product = product_of(symbol);
  if (const ProductSessions* row = find_product(product)) return *row;
  throw UnknownProductError("symbol '" + std::string(symbol) + "': product '" + std::string(product) +
                            "' is not in the bundled session table (cpp/bars/session_table.hpp)");
}

}  // namespace shandian::bars
