#include "sim/core/account.hpp"

#include <algorithm>

namespace shandian::sim::detail {

namespace {
bool selected(const Lot& l, int which) noexcept { return which == 2 || (which == 1) == l.today; }
}  // namespace

double lots_profit(const InstrumentSpec& s, const PositionSide& p, bool is_long, double mark, int which) {
  double profit = 0.0;
  for (const Lot& l : p.lots) {
    if (!selected(l, which)) continue;
    profit += (mark - l.price) * s.volume_multiple * l.volume * (is_long ? 1.0 : -1.0);
  }
  return profit;
}

LotSum sum_lots(const InstrumentSpec& s, const PositionSide& p, bool is_long, int which) {
  LotSum r;
  for (const Lot& l : p.lots) {
    if (!selected(l, which)) continue;
    r.volume += l.volume;
    r.cost += notional(s, l.price, l.volume);
    r.margin += margin_of(s, is_long, l.price, l.volume);
  }
  return r;
}

CloseResult close_lots(const InstrumentSpec& s, PositionSide& p, bool is_long, double price, int volume, bool fifo,
                       bool close_today) {
  CloseResult r;
  int left = volume;
  for (Lot& l : p.lots) {
    if (left == 0) break;
    if (l.volume == 0) continue;
    if (!fifo && l.today != close_today) continue;
    const int take = std::min(left, l.volume);
    left -= take;
    l.volume -= take;
    const double profit = (price - l.price) * s.volume_multiple * take * (is_long ? 1.0 : -1.0);
    const double fee = close_commission(s, price, take, l.today);
    r.profit += profit;
    r.commission += fee;
    r.margin_released += margin_of(s, is_long, l.price, take);
    RowStats& st = p.stats[l.today ? 1 : 0];
    st.close_profit += profit;
    st.commission += fee;
    st.close_volume += take;
    st.close_amount += notional(s, price, take);
    if (l.today) {
      r.today_closed += take;
      p.today_volume -= take;
    } else {
      r.yd_closed += take;
      p.yd_volume -= take;
    }
  }
  p.lots.erase(std::remove_if(p.lots.begin(), p.lots.end(), [](const Lot& l) { return l.volume == 0; }), p.lots.end());
  return r;
}

}  // namespace shandian::sim::detail
