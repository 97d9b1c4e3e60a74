// Account and position bookkeeping: frozen margin/commission at insert, release on cancel, charge at the
// fill price, CloseProfit/PositionProfit, Available; SHFE close-today vs close-yesterday and position-date
// rows; FIFO closing elsewhere with CloseToday/CloseYesterday converted to Close; frozen close volume.
#include <cmath>

#include "core_harness.hpp"

using namespace shandian::sim;
using namespace shandian::sim::test;

namespace {

bool near(double a, double b) { return std::fabs(a - b) < 1e-6; }
#define CHECK_NEAR(a, b)                                                                            \
  do {                                                                                              \
    const double _x = (a), _y = (b);                                                                \
    if (!near(_x, _y)) {                                                                            \
      ::shandian::testing::report(                                                                  \
          __FILE__, __LINE__,                                                                       \
          std::string(#a " ~= " #b " (") + std::to_string(_x) + " vs " + std::to_string(_y) + ")"); \
    }                                                                                               \
  } while (0)

std::vector<InstrumentSpec> fee_instruments() {
  std::vector<InstrumentSpec> v;
  for (auto [id, prod, kind] :
       {std::tuple{"rb2505", "rb", ExchangeKind::SHFE}, std::tuple{"m2509", "m", ExchangeKind::DCE}}) {
    InstrumentSpec sp = make_spec(id, prod, kind);
    sp.open_ratio_by_money = 0.0001;
    sp.open_ratio_by_volume = 1.0;
    sp.close_ratio_by_money = 0.0001;
    sp.close_ratio_by_volume = 1.0;
    sp.close_today_ratio_by_money = 0.0002;
    sp.close_today_ratio_by_volume = 2.0;
    v.push_back(sp);
  }
  return v;
}

FrontConfig yd_config() {
  FrontConfig cfg;
  cfg.initial_balance = 1'000'000.0;
  for (const char* id : {"rb2505", "m2509"}) {
    InitialPosition p;
    p.instrument_id = id;
    p.is_long = true;
    p.volume = 3;
    p.price = 2990.0;
    cfg.positions.push_back(p);
  }
  return cfg;
}

CThostFtdcTradingAccountField account(Harness& h) {
  h.sink.messages.clear();
  CThostFtdcQryTradingAccountField q{};
  CHECK_EQ(h.core.qry_trading_account(h.conn, q, 1), 0);
  REQUIRE(h.sink.messages.size() == 1);
  REQUIRE(h.sink.messages[0].kind == TraderCallback::RspQryTradingAccount);
  return h.sink.messages[0].body.trading_account;
}

std::vector<CThostFtdcInvestorPositionField> positions(Harness& h, const char* inst) {
  h.sink.messages.clear();
  CThostFtdcQryInvestorPositionField q{};
  set_str(q.InstrumentID, inst);
  CHECK_EQ(h.core.qry_position(h.conn, q, 2), 0);
  std::vector<CThostFtdcInvestorPositionField> out;
  for (const TraderMessage& m : h.sink.messages) {
    if (m.has_body) out.push_back(m.body.position);
  }
  REQUIRE(!h.sink.messages.empty());
  CHECK(h.sink.messages.back().is_last);
  return out;
}

void shfe_bookkeeping() {
  Harness h(yd_config(), fee_instruments());
  h.open_default();
  auto a = account(h);
  CHECK_NEAR(a.PreBalance, 1'000'000.0);
  CHECK_NEAR(a.CurrMargin, 2 * 0.1 * 2990 * 10 * 3);  // both instruments' yesterday lots
  CHECK_NEAR(a.Available, 1'000'000.0 - 2 * 8970.0);

  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  a = account(h);
  CHECK_NEAR(a.PositionProfit, 300.0);
  CHECK_NEAR(a.Balance, 1'000'300.0);
  CHECK_NEAR(a.Available, 1'000'300.0 - 17940.0);

  // Open 2 @3000 rests: margin and commission frozen at the order price.
  h.buy("rb2505", 3000, 2);
  a = account(h);
  CHECK_NEAR(a.FrozenMargin, 6000.0);
  CHECK_NEAR(a.FrozenCommission, 0.0001 * 60000 + 2);
  CHECK_NEAR(a.Available, 1'000'300.0 - 17940.0 - 6008.0);
  h.cancel_ref(1);
  a = account(h);
  CHECK_NEAR(a.FrozenMargin, 0.0);
  CHECK_NEAR(a.FrozenCommission, 0.0);
  CHECK_NEAR(a.Available, 1'000'300.0 - 17940.0);

  // Open 2 filled at 3001: charged at the fill price.
  h.buy("rb2505", 3001, 2);
  a = account(h);
  CHECK_NEAR(a.FrozenMargin, 0.0);
  CHECK_NEAR(a.CurrMargin, 17940.0 + 6002.0);
  CHECK_NEAR(a.Commission, 0.0001 * 60020 + 2);
  CHECK_NEAR(a.PositionProfit, 300.0 - 20.0);

  // SHFE: CloseToday closes today's lot; Close closes yesterday's.
  h.sell("rb2505", 2999, 1, THOST_FTDC_OF_CloseToday);
  h.sell("rb2505", 2999, 1, THOST_FTDC_OF_Close);
  {
    const auto ts = trades_of(h.sink.messages);
    (void)ts;
  }
  a = account(h);
  CHECK_NEAR(a.CloseProfit, -20.0 + 90.0);
  const double commission = (0.0001 * 60020 + 2) + (0.0002 * 29990 + 2) + (0.0001 * 29990 + 1);
  CHECK_NEAR(a.Commission, commission);
  CHECK_NEAR(a.CurrMargin, 17940.0 + 6002.0 - 3001.0 - 2990.0);
  // last 3000: yesterday 2 lots +200, today 1 lot −10; DCE's yesterday lots have no price yet.
  CHECK_NEAR(a.PositionProfit, 190.0);
  CHECK_NEAR(a.Balance, 1'000'000.0 + 70.0 + 190.0 - commission);
  CHECK_NEAR(a.Available, a.Balance - a.CurrMargin);

  // A working close freezes position volume (ShortFrozen on a long row, vendor convention).
  h.sell("rb2505", 3100, 1, THOST_FTDC_OF_Close);
  auto rows = positions(h, "rb2505");
  REQUIRE(rows.size() == 2);
  const CThostFtdcInvestorPositionField& hist = rows[0];
  const CThostFtdcInvestorPositionField& today = rows[1];
  CHECK_EQ(hist.PositionDate, THOST_FTDC_PSD_History);
  CHECK_EQ(today.PositionDate, THOST_FTDC_PSD_Today);
  CHECK_EQ(hist.PosiDirection, THOST_FTDC_PD_Long);
  CHECK_EQ(hist.YdPosition, 3);  // static intraday
  CHECK_EQ(hist.Position, 2);
  CHECK_EQ(hist.TodayPosition, 0);
  CHECK_EQ(hist.ShortFrozen, 1);
  CHECK_EQ(hist.CloseVolume, 1);
  CHECK_NEAR(hist.CloseProfit, 90.0);
  CHECK_NEAR(hist.UseMargin, 0.1 * 2990 * 10 * 2);
  CHECK_NEAR(hist.PositionCost, 2990.0 * 10 * 2);
  CHECK_NEAR(hist.PositionProfit, 200.0);
  CHECK_EQ(today.YdPosition, 0);
  CHECK_EQ(today.Position, 1);
  CHECK_EQ(today.TodayPosition, 1);
  CHECK_EQ(today.OpenVolume, 2);
  CHECK_EQ(today.CloseVolume, 1);
  CHECK_NEAR(today.CloseProfit, -20.0);
  CHECK_NEAR(today.UseMargin, 3001.0);
  CHECK_NEAR(today.Commission, (0.0001 * 60020 + 2) + (0.0002 * 29990 + 2));
  CHECK_NEAR(today.PositionProfit, -10.0);
  CHECK_EQ(s(today.ExchangeID), s("SHFE"));

  // Position detail: one row per lot (yesterday 2 @2990, today 1 @3001).
  h.sink.messages.clear();
  CThostFtdcQryInvestorPositionDetailField qd{};
  set_str(qd.InstrumentID, "rb2505");
  CHECK_EQ(h.core.qry_position_detail(h.conn, qd, 3), 0);
  REQUIRE(h.sink.messages.size() == 2);
  CHECK_EQ(h.sink.messages[0].body.position_detail.Volume, 2);
  CHECK_NEAR(h.sink.messages[0].body.position_detail.OpenPrice, 2990.0);
  CHECK_EQ(s(h.sink.messages[0].body.position_detail.OpenDate), s("20250425"));
  CHECK_EQ(h.sink.messages[1].body.position_detail.Volume, 1);
  CHECK_NEAR(h.sink.messages[1].body.position_detail.OpenPrice, 3001.0);
  CHECK_EQ(s(h.sink.messages[1].body.position_detail.OpenDate), s("20250428"));
  CHECK(h.sink.messages[1].is_last && !h.sink.messages[0].is_last);
}

void dce_fifo_and_shorts() {
  Harness h(yd_config(), fee_instruments());
  h.open_default();
  h.tick("m2509", Book{2999, 3001, 10, 10, 3000, 100});
  h.buy("m2509", 3001, 1);  // today lot
  h.sink.messages.clear();
  // CloseToday at DCE is converted to Close and closes FIFO: yesterday's lots first.
  h.sell("m2509", 2999, 2, THOST_FTDC_OF_CloseToday);
  auto ts = trades_of(h.sink.messages);
  REQUIRE(ts.size() == 1);
  CHECK_EQ(ts[0]->OffsetFlag, THOST_FTDC_OF_Close);
  auto a = account(h);
  CHECK_NEAR(a.CloseProfit, (2999.0 - 2990.0) * 10 * 2);
  auto rows = positions(h, "m2509");
  REQUIRE(rows.size() == 1);
  CHECK_EQ(rows[0].PositionDate, THOST_FTDC_PSD_Today);
  CHECK_EQ(rows[0].YdPosition, 3);
  CHECK_EQ(rows[0].Position, 2);
  CHECK_EQ(rows[0].TodayPosition, 1);
  // Close 2 more: the last yesterday lot (close rate), then today's (close-today fee relief rate).
  const double before = account(h).Commission;
  h.sell("m2509", 2999, 2, THOST_FTDC_OF_Close);
  a = account(h);
  CHECK_NEAR(a.Commission - before, (0.0001 * 29990 + 1) + (0.0002 * 29990 + 2));
  CHECK_NEAR(a.CloseProfit, 180.0 + 90.0 - 20.0);
  rows = positions(h, "m2509");
  REQUIRE(rows.size() == 1);
  CHECK_EQ(rows[0].Position, 0);
  CHECK_NEAR(rows[0].UseMargin, 0.0);

  // Short side: sell open, then buy close; a close larger than the short → 30.
  h.sink.messages.clear();
  h.sell("m2509", 2999, 2);
  h.buy("m2509", 3001, 3, THOST_FTDC_OF_Close);
  h.buy("m2509", 3001, 2, THOST_FTDC_OF_Close);
  CHECK_EQ(render(h.sink.messages), s("O:a O:3 O:0 T RI:30 EI:30 O:a O:3 O:0 T"));
  rows = positions(h, "m2509");
  REQUIRE(rows.size() == 2);
  CHECK_EQ(rows[1].PosiDirection, THOST_FTDC_PD_Short);
  CHECK_EQ(rows[1].Position, 0);
  CHECK_EQ(rows[1].OpenVolume, 2);
  CHECK_EQ(rows[1].CloseVolume, 2);
  CHECK_NEAR(rows[1].CloseProfit, (2999.0 - 3001.0) * 10 * 2);
  a = account(h);
  CHECK_NEAR(a.FrozenMargin, 0.0);
  CHECK_NEAR(a.FrozenCommission, 0.0);
}

void market_order_freezes_at_limit() {
  Harness h(FrontConfig{}, fee_instruments());
  h.open_default();
  // Empty book: a market buy takes nothing and is cancelled; nothing stays frozen.
  h.tick("rb2505", Book{2999, 0, 10, 0, 3000, 100});
  h.insert(h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 0, 1, THOST_FTDC_TC_IOC, THOST_FTDC_VC_AV,
                   THOST_FTDC_OPT_AnyPrice));
  CHECK_EQ(render(h.sink.messages), s("O:a O:5"));
  auto a = account(h);
  CHECK_NEAR(a.FrozenMargin, 0.0);
  CHECK_NEAR(a.Available, 10'000'000.0);
  // A market buy bigger than the money at the limit-up price (3150) → 31.
  FrontConfig small;
  small.initial_balance = 3100.0;  // one lot at 3000 would pass, at 3150 needs 3150
  Harness h2(small, fee_instruments());
  h2.open_default();
  h2.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  h2.insert(h2.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 0, 1, THOST_FTDC_TC_IOC, THOST_FTDC_VC_AV,
                     THOST_FTDC_OPT_AnyPrice));
  CHECK_EQ(render(h2.sink.messages), s("RI:31 EI:31"));
}

// The counter's day roll (the `days` key): working orders expire, positions become yesterday's lots at the
// settlement price (the reference price, 3000 here), the account settles, the day's streams restart and
// trader connections drop with 4097; the re-login reports the next TradingDay.
void day_roll_settles_positions_and_account() {
  Harness h(yd_config(), fee_instruments());  // 3 rb + 3 m yesterday lots at 2990
  h.open_default();
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  h.buy("rb2505", 3001, 1);                                 // a today lot at 3001
  h.buy("rb2505", 2990, 1);                                 // rests until the day ends
  h.sell("rb2505", 2999, 1, THOST_FTDC_OF_CloseYesterday);  // closes a 2990 lot: +90
  auto a = account(h);
  CHECK_NEAR(a.CloseProfit, 90.0);
  CHECK(a.FrozenMargin > 0.0 && a.FrozenCommission > 0.0);
  // Settled at 3000: rb two 2990 lots (+200) and the 3001 lot (-10), m three 2990 lots (+300).
  const double settled = 1'000'000.0 + 90.0 - a.Commission + 200.0 - 10.0 + 300.0;
  h.sink.messages.clear();
  h.core.roll_trading_day("20250429");
  CHECK_EQ(h.core.trading_day(), std::string("20250429"));
  REQUIRE(!h.sink.messages.empty());
  CHECK(h.sink.messages.back().kind == TraderCallback::FrontDisconnected);
  CHECK_EQ(h.sink.messages.back().reason, 4097);
  REQUIRE(!orders_of(h.sink.messages).empty());
  CHECK_EQ(orders_of(h.sink.messages).back()->OrderStatus, THOST_FTDC_OST_Canceled);  // the resting buy expired

  h.sink.messages.clear();
  h.conn = h.open(h.sink);
  bool new_day = false;
  for (const TraderMessage& m : h.sink.messages) {
    if (m.kind == TraderCallback::RspUserLogin) new_day = std::string(m.body.rsp_user_login.TradingDay) == "20250429";
  }
  CHECK(new_day);
  a = account(h);
  CHECK_NEAR(a.PreBalance, settled);
  CHECK_NEAR(a.Balance, settled);
  CHECK_NEAR(a.CloseProfit, 0.0);
  CHECK_NEAR(a.Commission, 0.0);
  CHECK_NEAR(a.FrozenMargin, 0.0);
  CHECK_NEAR(a.FrozenCommission, 0.0);
  CHECK_NEAR(a.CurrMargin, 0.1 * 3000 * 10 * 6);
  CHECK_NEAR(a.Available, settled - 18000.0);
  const auto rows = positions(h, "rb2505");
  REQUIRE(rows.size() == 1);  // SHFE: only a history row, nothing opened today yet
  CHECK_EQ(rows[0].PositionDate, THOST_FTDC_PSD_History);
  CHECK_EQ(rows[0].YdPosition, 3);
  CHECK_EQ(rows[0].Position, 3);
  CHECK_EQ(rows[0].TodayPosition, 0);
  CHECK_NEAR(rows[0].UseMargin, 0.1 * 3000 * 10 * 3);
  CHECK_NEAR(rows[0].PreSettlementPrice, 3000.0);
}
}  // namespace

int main() {
  shfe_bookkeeping();
  dce_fifo_and_shorts();
  market_order_freezes_at_limit();
  day_roll_settles_positions_and_account();
  return shandian::testing::finish("test_sim_core_account");
}
