// InstrumentRegistry: instruments under dense indices (architecture.md, "Engine state and identity").
// Filled on the engine thread from the gateway's instrument query; afterwards every hot-path lookup is an
// array index. The one string lookup left (a tick's InstrumentID -> index) happens once per tick, at
// ingestion, through a fixed open-addressing table; nothing downstream of it sees a string key.
//
// Prices are validated in integer ticks: a price is on the grid when price / tick is within 1e-6 of an
// integer, and limit checks compare tick counts, never doubles with ==.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/events.hpp"
#include "core/fixed_hash_map.hpp"

namespace shandian::core {

struct InstrumentSpec {
  InstrumentId symbol;
  ExchangeId exchange;
  double price_tick = 0.0;
  std::int32_t volume_multiple = 0;
  std::int32_t max_limit_order_volume = 0;
  std::int32_t min_limit_order_volume = 0;
  std::uint8_t product_class = 0;
  bool is_trading = true;
};

struct MarginRates {
  double long_by_money = 0, long_by_volume = 0, short_by_money = 0, short_by_volume = 0;
  bool known = false;
};

struct CommissionRates {
  double open_by_money = 0, open_by_volume = 0, close_by_money = 0, close_by_volume = 0;
  double close_today_by_money = 0, close_today_by_volume = 0;
  bool known = false;
};

// Account positions of an instrument as last queried (the per-agent ledgers are another issue).
struct PositionSnapshot {
  std::int32_t long_today = 0, long_yd = 0, short_today = 0, short_yd = 0;
  double long_cost = 0.0, short_cost = 0.0;  // PositionCost sums (average price of adopted lots)
};

struct InstrumentState {
  InstrumentSpec spec;
  MarginRates margin;
  CommissionRates commission;
  TickData last_tick{};
  bool has_tick = false;
  std::uint64_t subscribers = 0;    // bit per agent
  std::uint8_t trading_status = 0;  // last InstrumentStatus code seen for it (0: none)
  PositionSnapshot position;
};

struct InstrumentIdHash {
  std::size_t operator()(const InstrumentId& id) const noexcept { return static_cast<std::size_t>(fnv1a(id.view())); }
};

// Price on the tick grid, as an integer count of ticks; nullopt when off-grid or not finite.
[[nodiscard]] inline std::optional<std::int64_t> price_to_ticks(double price, double tick) noexcept {
  if (!std::isfinite(price) || !(tick > 0.0)) return std::nullopt;
  const double ratio = price / tick;
  if (std::fabs(ratio) > 9.0e15) return std::nullopt;
  const double nearest = std::nearbyint(ratio);
  if (std::fabs(ratio - nearest) > 1e-6) return std::nullopt;
  return static_cast<std::int64_t>(nearest);
}

// The price of `ticks` on the grid of `tick`, as the double nearest the decimal k x tick (17 x 0.2 -> 3.4, not
// the 3.4000000000000004 of a plain product): the tick's decimal places make it an integer, the integer
// product is exact, and one division by a power of ten rounds correctly. What the engine sends is this
// price, so an input within the grid tolerance (3282 + 1e-9) reaches the counter exactly on the grid.
[[nodiscard]] inline double ticks_to_price(std::int64_t ticks, double tick) noexcept {
  double scale = 1.0;
  for (int places = 0; places <= 8; ++places, scale *= 10.0) {
    const double units = tick * scale;
    const double whole = std::nearbyint(units);
    if (whole >= 1.0 && std::fabs(units - whole) <= 1e-9 * whole) {
      const double product = static_cast<double>(ticks) * whole;  // exact below 2^53
      if (std::fabs(product) >= 9.0e15) break;
      return product / scale;
    }
  }
  return static_cast<double>(ticks) * tick;
}

class InstrumentRegistry {
 public:
  explicit InstrumentRegistry(std::size_t capacity)
      : capacity_(capacity), states_(std::make_unique<InstrumentState[]>(capacity)), by_symbol_(capacity) {}

  // Registers (or updates the spec of) an instrument; its index never changes afterwards.
  // nullopt when the registry is full.
  [[nodiscard]] std::optional<InstrumentIndex> upsert(const InstrumentSpec& spec) noexcept {
    InstrumentIndex* existing = by_symbol_.find(spec.symbol);
    if (existing != nullptr) {
      states_[*existing].spec = spec;
      return *existing;
    }
    if (size_ >= capacity_) return std::nullopt;
    const auto index = static_cast<InstrumentIndex>(size_);
    if (by_symbol_.insert(spec.symbol, index) != decltype(by_symbol_)::InsertResult::Inserted) return std::nullopt;
    states_[index] = InstrumentState{};
    states_[index].spec = spec;
    ++size_;
    return index;
  }

  [[nodiscard]] InstrumentIndex find(std::string_view symbol) const noexcept {
    if (symbol.size() > InstrumentId::capacity()) return kNoInstrument;
    return find(make_fixed<32>(symbol));
  }
  [[nodiscard]] InstrumentIndex find(const InstrumentId& symbol) const noexcept {
    const InstrumentIndex* index = by_symbol_.find(symbol);
    return index != nullptr ? *index : kNoInstrument;
  }

  [[nodiscard]] bool contains(InstrumentIndex index) const noexcept { return index < size_; }
  // Precondition: contains(index).
  [[nodiscard]] InstrumentState& at(InstrumentIndex index) noexcept { return states_[index]; }
  [[nodiscard]] const InstrumentState& at(InstrumentIndex index) const noexcept { return states_[index]; }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::size_t capacity_;
  std::unique_ptr<InstrumentState[]> states_;
  FixedHashMap<InstrumentId, InstrumentIndex, InstrumentIdHash> by_symbol_;
  std::size_t size_ = 0;
};

}  // namespace shandian::core
