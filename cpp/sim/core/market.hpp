// Per-instrument market state of the exchange core: the latest replayed snapshot (five levels a side, in
// integer ticks), the liquidity our orders already consumed from it, and the book of resting client orders.
//
// Matching model (why it looks like this): the replayed market is someone else's book we can only see in
// snapshots, so a client order can take what a snapshot displays on the opposite side (at the displayed
// prices, up to the displayed volumes) and what it took stays taken until the next snapshot replaces the
// levels. Client orders that rest are not part of the replayed market; they fill when a later snapshot
// crosses them, when the market trades through their price, or when the market trades at their price after
// the volume queued ahead of them has provably traded (see QueueModel and ExchangeCore::Impl::match_resting).
#pragma once

#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <vector>

#include "ThostFtdcUserApiDataType.h"
#include "ThostFtdcUserApiStruct.h"
#include "sim/feed/instrument.hpp"

namespace shandian::sim::detail {

inline constexpr int kDepth = 5;

struct Level {
  std::int64_t ticks = 0;
  int volume = 0;  // displayed volume; in `Market::bid/ask` the volume not yet consumed by our orders
};

// One side of a snapshot: up to five levels, best first, empty levels dropped (DBL_MAX / zero volume).
struct Side {
  std::array<Level, kDepth> level{};
  int count = 0;

  // Displayed volume at `ticks`, or -1 when the price lies beyond the displayed depth (unknown).
  [[nodiscard]] int volume_at(std::int64_t ticks, bool is_bid) const noexcept {
    for (int i = 0; i < count; ++i) {
      if (level[i].ticks == ticks) return level[i].volume;
    }
    if (count == 0) return 0;
    const std::int64_t worst = level[count - 1].ticks;
    const bool beyond = is_bid ? ticks < worst : ticks > worst;
    return beyond && count == kDepth ? -1 : 0;
  }
};

struct Market {
  bool has_tick = false;
  CThostFtdcDepthMarketDataField tick{};  // latest snapshot as received (answers QryDepthMarketData)
  Side bid, ask;                          // latest snapshot, volumes reduced by what our orders consumed
  Side shown_bid, shown_ask;              // latest snapshot as displayed
  Side prev_bid, prev_ask;                // the snapshot before it, as displayed
  bool has_last = false;
  std::int64_t last_ticks = 0;
  std::int64_t cum_volume = 0;            // cumulative traded volume of the latest snapshot
  char status = THOST_FTDC_IS_Continous;  // no status event yet: trading (a CSV feed may carry none)
  bool has_limits = false;
  std::int64_t upper_ticks = 0, lower_ticks = 0;
  // The snapshot prices last_ticks / upper_ticks / lower_ticks were converted from (NaN: none yet): an
  // equal price (the limits all day, the last price most snapshots) needs no conversion again.
  double last_px = std::numeric_limits<double>::quiet_NaN();
  double upper_px = std::numeric_limits<double>::quiet_NaN();
  double lower_px = std::numeric_limits<double>::quiet_NaN();

  // Resting client orders: price level → order ids in time priority. Bids best (highest) first.
  std::map<std::int64_t, std::vector<int>, std::greater<>> bids;
  std::map<std::int64_t, std::vector<int>> asks;
};

// Reads one side of a CTP snapshot into integer ticks.
void read_side(const InstrumentSpec& spec, const CThostFtdcDepthMarketDataField& t, bool bid, Side& out);

// True when the double carries a value (CTP marks empty fields with DBL_MAX). Inline: read per level.
[[nodiscard]] inline bool has_value(double v) noexcept { return std::isfinite(v) && std::fabs(v) < DBL_MAX / 2; }

}  // namespace shandian::sim::detail
