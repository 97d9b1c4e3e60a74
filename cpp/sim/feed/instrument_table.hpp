// The bundled instrument table of the local front: a handful of liquid products, one per exchange and
// session group, with contract months rolled to the configured trading day.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/feed/instrument.hpp"

namespace shandian::sim {

// A requested product/instrument name that the bundled table does not know. what() names the unknown
// value and lists the valid products; unknown_name() returns the offending value.
class UnknownInstrumentError : public std::invalid_argument {
 public:
  UnknownInstrumentError(std::string unknown_name, const std::string& message)
      : std::invalid_argument(message), unknown_name_(std::move(unknown_name)) {}
  [[nodiscard]] const std::string& unknown_name() const noexcept { return unknown_name_; }

 private:
  std::string unknown_name_;
};

// The bundled table for kDefaultTradingDay (20250102): rb2505, cu2502, au2506, IF2501, m2505, SR505.
// Immutable (function-local static).
[[nodiscard]] const std::vector<InstrumentSpec>& bundled_instruments();

// The bundled table with each product's contract month chosen for `trading_day` (YYYYMMDD, a weekday;
// throws InvalidTradingDayError otherwise): rb/m/SR the next of months 1/5/9 (rb 1/5/10) at least two
// months ahead, au the next of 6/12 at least two months ahead, cu the next month, IF the current month
// until its expiry (third Friday), then the next.
[[nodiscard]] std::vector<InstrumentSpec> bundled_instruments(std::string_view trading_day);

// The contract id of `product_id` (a bundled product) for `trading_day`, e.g. ("SR", "20250102") → "SR505".
[[nodiscard]] std::string contract_for_trading_day(const InstrumentSpec& product, std::string_view trading_day);

// Picks instruments by bundled product id ("rb") or by instrument id ("rb2505", also other valid contract
// months of a bundled product such as "rb2510": same spec, that id). Empty `wanted`: the whole table.
// Duplicates are dropped (first occurrence kept, order preserved). Throws UnknownInstrumentError for any
// other name. Product ids map to the contract of `trading_day` (default kDefaultTradingDay).
[[nodiscard]] std::vector<InstrumentSpec> select_instruments(const std::vector<std::string>& wanted);
[[nodiscard]] std::vector<InstrumentSpec> select_instruments(const std::vector<std::string>& wanted,
                                                             std::string_view trading_day);

[[nodiscard]] const char* to_string(ExchangeKind exchange) noexcept;  // "SHFE", "DCE", ...
[[nodiscard]] const char* to_string(SessionGroup group) noexcept;     // "N23", "CFFEX-index", ...

}  // namespace shandian::sim
