// Positions and the trading account of one investor, per CTP bookkeeping rules (ctp-semantics.md §2, §9).
//
//  - A position is instrument × direction, held as FIFO lots (yesterday's lots first, carried at the
//    previous settlement; today's at their fill price). YdPosition is the static start-of-day figure; the
//    current yesterday volume is Position − TodayPosition.
//  - Close order: SHFE/INE close the lots the offset names (CloseToday → today's lots, Close/CloseYesterday
//    → yesterday's), FIFO within them. Other exchanges close FIFO over all lots (oldest = yesterday first),
//    which ctp-semantics.md §2 gives as the rule at all exchanges; today's lots closed there pay the
//    close-today rate.
//  - Margin is by money: ratio × price × multiplier × volume at the lot's price. Opens freeze margin and
//    commission at the order price when accepted; fills release the frozen share and charge the real
//    amounts at the fill price; cancels release the rest. Closes freeze position volume and commission.
//  - Available = PreBalance + CloseProfit + PositionProfit − Commission − CurrMargin − FrozenMargin −
//    FrozenCommission, PositionProfit marked to the last price.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/feed/instrument.hpp"

namespace shandian::sim::detail {

struct Lot {
  double price = 0.0;  // open price (today) or previous settlement (yesterday)
  int volume = 0;
  bool today = true;
  char trade_id[21] = {};
  char open_date[9] = {};
};

struct RowStats {  // per position-date row (0 = history/yesterday, 1 = today)
  double close_profit = 0.0;
  double commission = 0.0;
  double open_amount = 0.0;
  double close_amount = 0.0;
  int open_volume = 0;
  int close_volume = 0;
};

struct PositionSide {
  std::vector<Lot> lots;  // FIFO
  int yd_initial = 0;     // YdPosition (static intraday)
  int today_volume = 0;
  int yd_volume = 0;
  int frozen_today = 0;  // volume frozen by working close orders
  int frozen_yd = 0;
  bool touched[2] = {false, false};  // the row existed today (shown by position queries)
  RowStats stats[2];
};

struct Account {
  double pre_balance = 0.0;
  double close_profit = 0.0;
  double commission = 0.0;
  double curr_margin = 0.0;
  double frozen_margin = 0.0;
  double frozen_commission = 0.0;
};

// SHFE and INE distinguish today's and yesterday's positions by offset.
[[nodiscard]] inline bool splits_today(ExchangeKind e) noexcept {
  return e == ExchangeKind::SHFE || e == ExchangeKind::INE;
}

[[nodiscard]] inline double notional(const InstrumentSpec& s, double price, int volume) noexcept {
  return price * s.volume_multiple * volume;
}
[[nodiscard]] inline double margin_of(const InstrumentSpec& s, bool is_long, double price, int volume) noexcept {
  return (is_long ? s.long_margin_ratio : s.short_margin_ratio) * notional(s, price, volume);
}
[[nodiscard]] inline double open_commission(const InstrumentSpec& s, double price, int volume) noexcept {
  return s.open_ratio_by_money * notional(s, price, volume) + s.open_ratio_by_volume * volume;
}
[[nodiscard]] inline double close_commission(const InstrumentSpec& s, double price, int volume, bool today) noexcept {
  return today ? s.close_today_ratio_by_money * notional(s, price, volume) + s.close_today_ratio_by_volume * volume
               : s.close_ratio_by_money * notional(s, price, volume) + s.close_ratio_by_volume * volume;
}

// Floating profit of a set of lots marked at `mark`.
[[nodiscard]] double lots_profit(const InstrumentSpec& s, const PositionSide& p, bool is_long, double mark, int which);

// Volume, cost (price × multiplier × volume) and margin of the lots selected by `which`
// (0 = yesterday's, 1 = today's, 2 = all).
struct LotSum {
  int volume = 0;
  double cost = 0.0;
  double margin = 0.0;
};
[[nodiscard]] LotSum sum_lots(const InstrumentSpec& s, const PositionSide& p, bool is_long, int which);

// Result of closing `volume` at `price` out of position `p`.
struct CloseResult {
  double profit = 0.0;
  double commission = 0.0;
  double margin_released = 0.0;
  int today_closed = 0;
  int yd_closed = 0;
};
// Consumes lots: `close_today` selects today's lots on SHFE/INE; `fifo` ignores the distinction.
[[nodiscard]] CloseResult close_lots(const InstrumentSpec& s, PositionSide& p, bool is_long, double price, int volume,
                                     bool fifo, bool close_today);

}  // namespace shandian::sim::detail
