// ExchangeCore::roll_trading_day: the counter's settlement between two trading days, inside one running
// front (the `days` key). What a real counter does between the day session's close and the night session:
//  - working orders expire (GFD): each is cancelled with the usual cancel pushes, releasing what it froze;
//  - every position is settled at the settlement price, which becomes the next day's pre-settlement: all
//    lots are yesterday's lots at that price (one lot per side), YdPosition = the settled volume;
//  - the account settles: PreBalance = PreBalance + CloseProfit + PositionProfit (marked at settlement) −
//    Commission; CloseProfit, Commission and everything frozen restart at 0; CurrMargin at settlement;
//  - the private and public streams, order/trade query lists, MaxOrderRef and the settlement confirmation
//    are per trading day and start empty;
//  - every trader connection drops (OnFrontDisconnected 4097, as when the trading system restarts): the
//    client reconnects, logs in again and sees the new TradingDay.
// The settlement price is the instrument's reference price: the generator starts every day from it and
// publishes it as PreSettlementPrice, so the counter and the market data agree on it.
#include <cmath>

#include "sim/core/core_impl.hpp"
#include "sim/core/ctp_text.hpp"

namespace shandian::sim {

namespace {
constexpr int kSettlementRestartReason = 4097;  // 0x1001 read failure: the front's socket closed
}  // namespace

void ExchangeCore::roll_trading_day(const std::string& next_day) {
  Impl& im = *impl_;
  for (std::size_t i = 0; i < im.orders.size(); ++i) {
    detail::Order& o = im.orders[i];
    if (!o.finished) im.cancel(o);
  }
  for (detail::Investor& inv : im.investors) {
    double position_profit = 0.0;
    double margin = 0.0;
    for (std::size_t i = 0; i < im.instruments.size(); ++i) {
      const InstrumentSpec& s = im.instruments[i];
      const double settle = s.reference_price;
      for (int d = 0; d < 2; ++d) {
        detail::PositionSide& p = inv.positions[i * 2 + static_cast<std::size_t>(d)];
        position_profit += detail::lots_profit(s, p, d == 0, settle, 2);
        int volume = 0;
        for (const detail::Lot& l : p.lots) volume += l.volume;
        detail::Lot settled;
        if (volume > 0) {
          settled = p.lots.front();
          settled.price = settle;
          settled.volume = volume;
          settled.today = false;
        }
        p = detail::PositionSide{};
        if (volume > 0) p.lots.push_back(settled);
        p.yd_initial = volume;
        p.yd_volume = volume;
        p.touched[0] = volume > 0;
        margin += detail::margin_of(s, d == 0, settle, volume);
      }
    }
    detail::Account& a = inv.account;
    a.pre_balance += a.close_profit + position_profit - a.commission;
    a.close_profit = 0.0;
    a.commission = 0.0;
    a.curr_margin = margin;
    a.frozen_margin = 0.0;
    a.frozen_commission = 0.0;
    inv.stream = detail::ChunkedLog<TraderMessage>{};
    inv.confirmed = false;
    inv.confirm_date[0] = '\0';
    inv.confirm_time[0] = '\0';
    inv.max_order_ref = 0;
    inv.orders.clear();
    inv.trades.clear();
  }
  im.public_stream = detail::ChunkedLog<TraderMessage>{};
  for (detail::Market& mk : im.markets) {
    mk.has_last = false;  // marks restart from the settlement price until the new day's first snapshot
    mk.cum_volume = 0;    // the new day's cumulative Volume starts at 0
  }
  im.trading_day = next_day;
  for (std::size_t c = 0; c < im.connections.size(); ++c) {
    if (im.connections[c].open) disconnect(static_cast<int>(c), kSettlementRestartReason);
  }
}

}  // namespace shandian::sim
