// Query answers: one message per row, is_last on the final one; empty → one bodyless message.
#include "core_harness.hpp"

using namespace shandian::sim;
using namespace shandian::sim::test;

namespace {

template <class Q, class F>
std::vector<TraderMessage> ask(Harness& h, F fn, const Q& q) {
  h.sink.messages.clear();
  CHECK_EQ((h.core.*fn)(h.conn, q, 77), 0);
  for (std::size_t i = 0; i < h.sink.messages.size(); ++i) {
    CHECK_EQ(h.sink.messages[i].request_id, 77);
    CHECK_EQ(h.sink.messages[i].is_last, i + 1 == h.sink.messages.size());
  }
  return h.sink.messages;
}

void queries() {
  Harness h;
  h.open_default();

  CThostFtdcQryInstrumentField qi{};
  auto ms = ask(h, &ExchangeCore::qry_instrument, qi);
  REQUIRE(ms.size() == 6);
  CHECK(ms[0].kind == TraderCallback::RspQryInstrument);
  const CThostFtdcInstrumentField& rb = ms[0].body.instrument;
  CHECK_EQ(s(rb.InstrumentID), s("rb2505"));
  CHECK_EQ(s(rb.ExchangeID), s("SHFE"));
  CHECK_EQ(s(rb.ProductID), s("rb"));
  CHECK_EQ(rb.PriceTick, 1.0);
  CHECK_EQ(rb.VolumeMultiple, 10);
  CHECK_EQ(rb.DeliveryYear, 2025);
  CHECK_EQ(rb.DeliveryMonth, 5);
  CHECK_EQ(rb.ProductClass, THOST_FTDC_PC_Futures);
  CHECK_EQ(rb.PositionDateType, THOST_FTDC_PDT_UseHistory);
  CHECK_EQ(rb.LongMarginRatio, 0.1);
  CHECK_EQ(rb.MaxLimitOrderVolume, 500);
  CHECK_EQ(rb.IsTrading, 1);
  CHECK_EQ(ms[3].body.instrument.DeliveryYear, 2025);  // CZCE SR505: decade from the trading day
  CHECK_EQ(ms[3].body.instrument.PositionDateType, THOST_FTDC_PDT_NoUseHistory);
  set_str(qi.InstrumentID, "m2509");
  ms = ask(h, &ExchangeCore::qry_instrument, qi);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(s(ms[0].body.instrument.ExchangeID), s("DCE"));
  set_str(qi.InstrumentID, "nope");
  ms = ask(h, &ExchangeCore::qry_instrument, qi);
  REQUIRE(ms.size() == 1);
  CHECK(!ms[0].has_body);
  CHECK(ms[0].kind == TraderCallback::RspQryInstrument);

  CThostFtdcQryDepthMarketDataField qd{};
  ms = ask(h, &ExchangeCore::qry_depth_market_data, qd);
  REQUIRE(ms.size() == 1);
  CHECK(!ms[0].has_body);
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  ms = ask(h, &ExchangeCore::qry_depth_market_data, qd);
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].has_body);
  CHECK_EQ(ms[0].body.depth_market_data.LastPrice, 3000.0);
  CHECK_EQ(s(ms[0].body.depth_market_data.ExchangeID), s("SHFE"));

  CThostFtdcQryOrderField qo{};
  ms = ask(h, &ExchangeCore::qry_order, qo);
  CHECK(ms.size() == 1 && !ms[0].has_body);
  h.buy("rb2505", 2990, 1);
  h.buy("rb2505", 3001, 2);
  h.buy("zz", 1, 1);  // CTP-layer reject: not an order
  ms = ask(h, &ExchangeCore::qry_order, qo);
  REQUIRE(ms.size() == 2);
  CHECK_EQ(ms[0].body.order.OrderStatus, THOST_FTDC_OST_NoTradeQueueing);
  CHECK_EQ(ms[1].body.order.OrderStatus, THOST_FTDC_OST_AllTraded);
  set_str(qo.OrderSysID, "2");
  ms = ask(h, &ExchangeCore::qry_order, qo);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(ms[0].body.order.VolumeTraded, 2);

  CThostFtdcQryTradeField qt{};
  ms = ask(h, &ExchangeCore::qry_trade, qt);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(ms[0].body.trade.Volume, 2);
  CHECK_EQ(ms[0].body.trade.Price, 3001.0);

  CThostFtdcQryExchangeField qe{};
  ms = ask(h, &ExchangeCore::qry_exchange, qe);
  REQUIRE(ms.size() == 6);
  CHECK_EQ(s(ms[0].body.exchange.ExchangeID), s("SHFE"));
  CHECK_EQ(s(ms[0].body.exchange.ExchangeName), s(text::kNameSHFE));

  CThostFtdcQryProductField qp{};
  set_str(qp.ProductID, "SR");
  ms = ask(h, &ExchangeCore::qry_product, qp);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(s(ms[0].body.product.ExchangeID), s("CZCE"));
  CHECK_EQ(ms[0].body.product.VolumeMultiple, 10);

  CThostFtdcQryInvestorField qv{};
  ms = ask(h, &ExchangeCore::qry_investor, qv);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(s(ms[0].body.investor.InvestorID), s("u1"));
  CHECK_EQ(s(ms[0].body.investor.BrokerID), s("9999"));

  CThostFtdcQryInstrumentMarginRateField qm{};
  set_str(qm.InstrumentID, "rb2505");
  ms = ask(h, &ExchangeCore::qry_margin_rate, qm);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(ms[0].body.margin_rate.LongMarginRatioByMoney, 0.1);
  CHECK_EQ(ms[0].body.margin_rate.HedgeFlag, THOST_FTDC_HF_Speculation);
  CThostFtdcQryInstrumentCommissionRateField qc{};
  set_str(qc.InstrumentID, "rb2505");
  ms = ask(h, &ExchangeCore::qry_commission_rate, qc);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(s(ms[0].body.commission_rate.InstrumentID), s("rb2505"));

  CThostFtdcQryInvestorPositionField qpos{};
  ms = ask(h, &ExchangeCore::qry_position, qpos);
  REQUIRE(ms.size() == 1);  // SHFE today row only
  CHECK_EQ(ms[0].body.position.Position, 2);
  CHECK_EQ(ms[0].body.position.PositionDate, THOST_FTDC_PSD_Today);
  CHECK_EQ(ms[0].body.position.FrozenMargin, 0.1 * 2990 * 10);  // the working 2990 buy

  CThostFtdcQryTradingAccountField qa{};
  ms = ask(h, &ExchangeCore::qry_trading_account, qa);
  REQUIRE(ms.size() == 1);
  CHECK_EQ(s(ms[0].body.trading_account.AccountID), s("u1"));
  CHECK_EQ(s(ms[0].body.trading_account.TradingDay), s("20250428"));

  // Before login: one bodyless message with RspInfo 6.
  RecordingSink other;
  const int c = h.core.connect(other, {}, {});
  other.messages.clear();
  CHECK_EQ(h.core.qry_trading_account(c, qa, 5), 0);
  REQUIRE(other.messages.size() == 1);
  CHECK(!other.messages[0].has_body);
  CHECK_EQ(other.messages[0].rsp_info.ErrorID, 6);
  // Unknown connection → -1.
  CHECK_EQ(h.core.qry_trading_account(999, qa, 5), -1);
  CHECK_EQ(h.core.instrument_index("SR505"), 3);
  CHECK_EQ(h.core.instrument_index("nope"), -1);
  CHECK_EQ(h.core.trading_day(), s("20250428"));
  CHECK_EQ(h.core.instruments().size(), std::size_t{6});
}

}  // namespace

int main() {
  queries();
  return shandian::testing::finish("test_sim_core_queries");
}
