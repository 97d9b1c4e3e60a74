#include "sim/feed/instrument_table.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "sim/feed/calendar.hpp"

namespace shandian::sim {

namespace {

// How a product's "front" contract is picked for a trading day: the most liquid month a desk would trade.
enum class RollRule : std::uint8_t {
  MainMonths,        // the next listed main month at least two months after the trading day's month
  NextMonth,         // the month after the trading day's (cu: the most active SHFE base-metal month)
  CffexCurrentMonth  // the current month until its expiry (third Friday), then the next month
};

struct ProductRow {
  InstrumentSpec spec;  // instrument_id filled per trading day
  RollRule rule = RollRule::MainMonths;
  std::array<int, 3> main_months{};  // RollRule::MainMonths only; 0 = unused slot
};

constexpr const char* kWtSpecs =
    "tick/multiplier/session: ctp-semantics.md §6 sample specs (WonderTrader commodities.json/sessions.json, ◐)";

InstrumentSpec make_spec(const char* product, const char* exchange_id, ExchangeKind exchange, SessionGroup sessions,
                         double tick, int multiple) {
  InstrumentSpec s;
  s.product_id = product;
  s.exchange_id = exchange_id;
  s.exchange = exchange;
  s.sessions = sessions;
  s.price_tick = tick;
  s.volume_multiple = multiple;
  return s;
}

std::vector<ProductRow> build_product_rows() {
  std::vector<ProductRow> rows;
  {  // rb: SHFE rebar
    InstrumentSpec s = make_spec("rb", "SHFE", ExchangeKind::SHFE, SessionGroup::Night2300, 1.0, 10);
    s.max_limit_order_volume = 500, s.max_market_order_volume = 30;
    s.long_margin_ratio = s.short_margin_ratio = 0.10;
    s.open_ratio_by_money = s.close_ratio_by_money = s.close_today_ratio_by_money = 0.0001;
    s.limit_ratio = 0.07;
    s.reference_price = 3300.0;
    s.source = std::string(kWtSpecs) +
               "; margin 10% (exchange 7% + broker 3%), fees 1‱ of notional open/close/close-today (SHFE notice), "
               "limit ±7%, order caps 500 limit / 30 market, reference ~rb2505 in early 2025: unverified";
    rows.push_back({std::move(s), RollRule::MainMonths, {1, 5, 10}});
  }
  {  // cu: SHFE copper
    InstrumentSpec s = make_spec("cu", "SHFE", ExchangeKind::SHFE, SessionGroup::Night0100, 10.0, 5);
    s.max_limit_order_volume = 500, s.max_market_order_volume = 30;
    s.long_margin_ratio = s.short_margin_ratio = 0.12;
    s.open_ratio_by_money = s.close_ratio_by_money = 0.00005;
    s.close_today_ratio_by_money = 0.0001;
    s.limit_ratio = 0.07;
    s.reference_price = 74000.0;
    s.source = std::string(kWtSpecs) +
               "; margin 12% (exchange 9% + broker 3%), fees 0.5‱ open/close and 1‱ close-today of notional, "
               "limit ±7%, order caps 500/30, reference ~cu2502 in early 2025: unverified";
    rows.push_back({std::move(s), RollRule::NextMonth, {}});
  }
  {  // au: SHFE gold
    InstrumentSpec s = make_spec("au", "SHFE", ExchangeKind::SHFE, SessionGroup::Night0230, 0.02, 1000);
    s.max_limit_order_volume = 500, s.max_market_order_volume = 30;
    s.long_margin_ratio = s.short_margin_ratio = 0.11;
    s.open_ratio_by_volume = s.close_ratio_by_volume = 2.0;
    s.close_today_ratio_by_volume = 0.0;
    s.limit_ratio = 0.07;
    s.reference_price = 620.0;
    s.source = std::string(kWtSpecs) +
               "; margin 11% (exchange 8% + broker 3%), fees CNY 2/lot open/close, close-today free, limit ±7%, "
               "order caps 500/30, reference ~au2506 in early 2025 (CNY/g): unverified";
    rows.push_back({std::move(s), RollRule::MainMonths, {6, 12, 0}});
  }
  {  // IF: CFFEX CSI 300 index future
    InstrumentSpec s = make_spec("IF", "CFFEX", ExchangeKind::CFFEX, SessionGroup::CffexIndex, 0.2, 300);
    s.max_limit_order_volume = 20, s.max_market_order_volume = 10;
    s.long_margin_ratio = s.short_margin_ratio = 0.14;
    s.open_ratio_by_money = s.close_ratio_by_money = 0.000023;
    s.close_today_ratio_by_money = 0.00023;
    s.limit_ratio = 0.10;
    s.reference_price = 3930.0;
    s.source = std::string(kWtSpecs) +
               "; limit ±10% (§6, ❓); margin 14% (exchange 12% + broker 2%), fees 0.23‱ open/close and 2.3‱ "
               "close-today of notional (§5 cites 0.345‱ close-today in 2019; later notices ❓), order caps 20 "
               "limit / 10 market, reference ~IF2501 at 2025-01-02: unverified";
    rows.push_back({std::move(s), RollRule::CffexCurrentMonth, {}});
  }
  {  // m: DCE soybean meal
    InstrumentSpec s = make_spec("m", "DCE", ExchangeKind::DCE, SessionGroup::Night2300, 1.0, 10);
    s.max_limit_order_volume = 1000, s.max_market_order_volume = 1000;
    s.long_margin_ratio = s.short_margin_ratio = 0.10;
    s.open_ratio_by_volume = s.close_ratio_by_volume = s.close_today_ratio_by_volume = 1.5;
    s.limit_ratio = 0.06;
    s.reference_price = 2700.0;
    s.source = std::string(kWtSpecs) +
               "; margin 10% (exchange 7% + broker 3%), fees CNY 1.5/lot open/close/close-today, limit ±6%, order "
               "caps 1000/1000, reference ~m2505 in early 2025: unverified";
    rows.push_back({std::move(s), RollRule::MainMonths, {1, 5, 9}});
  }
  {  // SR: CZCE white sugar
    InstrumentSpec s = make_spec("SR", "CZCE", ExchangeKind::CZCE, SessionGroup::Night2300, 1.0, 10);
    s.max_limit_order_volume = 1000, s.max_market_order_volume = 200;
    s.long_margin_ratio = s.short_margin_ratio = 0.10;
    s.open_ratio_by_volume = s.close_ratio_by_volume = 3.0;
    s.close_today_ratio_by_volume = 0.0;
    s.limit_ratio = 0.05;
    s.reference_price = 5900.0;
    s.source = std::string(kWtSpecs) +
               "; margin 10% (exchange 7% + broker 3%), fees CNY 3/lot open/close, close-today free, limit ±5%, "
               "order caps 1000/200, reference ~SR505 in early 2025: unverified";
    rows.push_back({std::move(s), RollRule::MainMonths, {1, 5, 9}});
  }
  return rows;
}

const std::vector<ProductRow>& product_rows() {
  static const std::vector<ProductRow> rows = build_product_rows();  // immutable after first use
  return rows;
}

const ProductRow* find_product(std::string_view product_id) {
  for (const ProductRow& row : product_rows()) {
    if (row.spec.product_id == product_id) return &row;
  }
  return nullptr;
}

CivilDate third_friday(int year, int month) {
  CivilDate d{year, month, 1};
  const int first = weekday(d);
  const int first_friday = 1 + (5 - first + 7) % 7;
  d.day = first_friday + 14;
  return d;
}

struct YearMonth {
  int year;
  int month;
};

YearMonth contract_month(const ProductRow& row, CivilDate day) {
  switch (row.rule) {
    case RollRule::NextMonth: return day.month == 12 ? YearMonth{day.year + 1, 1} : YearMonth{day.year, day.month + 1};
    case RollRule::CffexCurrentMonth:
      if (day.day <= third_friday(day.year, day.month).day) return {day.year, day.month};
      return day.month == 12 ? YearMonth{day.year + 1, 1} : YearMonth{day.year, day.month + 1};
    case RollRule::MainMonths:
    default: {
      const int earliest = day.year * 12 + (day.month - 1) + 2;  // months since year 0, two months ahead
      for (int candidate = earliest; candidate < earliest + 24; ++candidate) {
        const int month = candidate % 12 + 1;
        if (std::find(row.main_months.begin(), row.main_months.end(), month) != row.main_months.end()) {
          return {candidate / 12, month};
        }
      }
      return {day.year, day.month};  // unreachable: every row lists at least one main month
    }
  }
}

std::string contract_id(const InstrumentSpec& spec, YearMonth ym) {
  char digits[8];
  if (spec.exchange == ExchangeKind::CZCE) {
    std::snprintf(digits, sizeof digits, "%d%02d", ym.year % 10, ym.month);  // CZCE: YMM
  } else {
    std::snprintf(digits, sizeof digits, "%02d%02d", ym.year % 100, ym.month);  // others: YYMM
  }
  return spec.product_id + digits;
}

// True when `name` is product_id followed by a contract month in this exchange's format.
bool is_contract_of(const InstrumentSpec& spec, std::string_view name) {
  if (name.size() <= spec.product_id.size() || name.substr(0, spec.product_id.size()) != spec.product_id) {
    return false;
  }
  const std::string_view digits = name.substr(spec.product_id.size());
  const std::size_t expected = spec.exchange == ExchangeKind::CZCE ? 3 : 4;
  if (digits.size() != expected) return false;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  const int month = (digits[expected - 2] - '0') * 10 + (digits[expected - 1] - '0');
  return month >= 1 && month <= 12;
}

std::string valid_names_text(std::string_view trading_day) {
  const CivilDate day = parse_trading_day(trading_day);
  std::string products;
  std::string examples;
  for (const ProductRow& row : product_rows()) {
    if (!products.empty()) products += ", ", examples += ", ";
    products += row.spec.product_id;
    examples += contract_id(row.spec, contract_month(row, day));
  }
  return "valid products: " + products + " (or their contract ids, e.g. " + examples + ")";
}

}  // namespace

std::string contract_for_trading_day(const InstrumentSpec& product, std::string_view trading_day) {
  const ProductRow* row = find_product(product.product_id);
  if (row == nullptr) {
    throw UnknownInstrumentError(
        product.product_id, "unknown product '" + product.product_id + "'; " + valid_names_text(kDefaultTradingDay));
  }
  return contract_id(row->spec, contract_month(*row, parse_trading_day(trading_day)));
}

std::vector<InstrumentSpec> bundled_instruments(std::string_view trading_day) {
  const CivilDate day = parse_trading_day(trading_day);
  std::vector<InstrumentSpec> out;
  out.reserve(product_rows().size());
  for (const ProductRow& row : product_rows()) {
    InstrumentSpec spec = row.spec;
    spec.instrument_id = contract_id(row.spec, contract_month(row, day));
    out.push_back(std::move(spec));
  }
  return out;
}

const std::vector<InstrumentSpec>& bundled_instruments() {
  static const std::vector<InstrumentSpec> table = bundled_instruments(kDefaultTradingDay);  // immutable
  return table;
}

std::vector<InstrumentSpec> select_instruments(const std::vector<std::string>& wanted) {
  return select_instruments(wanted, kDefaultTradingDay);
}

std::vector<InstrumentSpec> select_instruments(const std::vector<std::string>& wanted, std::string_view trading_day) {
  std::vector<InstrumentSpec> table = bundled_instruments(trading_day);
  if (wanted.empty()) return table;
  std::vector<InstrumentSpec> out;
  for (const std::string& name : wanted) {
    const InstrumentSpec* match = nullptr;
    std::string instrument_id;
    for (const InstrumentSpec& spec : table) {
      if (name == spec.product_id) {
        match = &spec, instrument_id = spec.instrument_id;
        break;
      }
      if (is_contract_of(spec, name)) {
        match = &spec, instrument_id = name;
        break;
      }
    }
    if (match == nullptr) {
      throw UnknownInstrumentError(name,
                                   "unknown instrument or product '" + name + "'; " + valid_names_text(trading_day));
    }
    const bool duplicate =
        std::any_of(out.begin(), out.end(), [&](const InstrumentSpec& s) { return s.instrument_id == instrument_id; });
    if (duplicate) continue;
    InstrumentSpec spec = *match;
    spec.instrument_id = instrument_id;
    out.push_back(std::move(spec));
  }
  return out;
}

const char* to_string(ExchangeKind exchange) noexcept {
  switch (exchange) {
    case ExchangeKind::SHFE: return "SHFE";
    case ExchangeKind::INE: return "INE";
    case ExchangeKind::DCE: return "DCE";
    case ExchangeKind::CZCE: return "CZCE";
    case ExchangeKind::CFFEX: return "CFFEX";
    case ExchangeKind::GFEX: return "GFEX";
  }
  return "?";
}

const char* to_string(SessionGroup group) noexcept {
  switch (group) {
    case SessionGroup::DayOnly: return "day-only";
    case SessionGroup::Night2300: return "N23";
    case SessionGroup::Night0100: return "N01";
    case SessionGroup::Night0230: return "N0230";
    case SessionGroup::CffexIndex: return "CFFEX-index";
    case SessionGroup::CffexBond: return "CFFEX-bond";
  }
  return "?";
}

}  // namespace shandian::sim
