// End to end through the built CTP libraries, loaded with dlopen exactly as any CTP program would:
// md connect → login → subscribe → ticks; trader connect → auth → login → settlement confirm → insert
// (fills) → insert (rests) → cancel; unsubscribe; Release from the test (non-callback) thread.
#include <cfloat>
#include <string>

#include "../support/check.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;

int main() {
  const auto& libs = libraries();
  CHECK(libs.trader_version().find("shandian local front") != std::string::npos);
  CHECK(libs.md_version().find("v6.7.11") != std::string::npos);

  const std::string address = "local://flow?instruments=rb,cu&trading_day=20250102&speed=20&seed=7";
  const std::string instrument = "rb2505";

  // --- md ---------------------------------------------------------------------------------------------
  MdSpi md_spi;
  CThostFtdcMdApi* md = libs.create_md(make_flow_dir("flow-md").c_str());
  REQUIRE(md != nullptr);
  md->RegisterSpi(&md_spi);
  md->RegisterFront(const_cast<char*>(address.c_str()));
  md->Init();
  REQUIRE(md_spi.rec.wait([&] { return md_spi.connected == 1; }));
  CThostFtdcReqUserLoginField md_login{};
  SIM_FILL(md_login.BrokerID, "any");
  SIM_FILL(md_login.UserID, "anyone");
  CHECK_EQ(md->ReqUserLogin(&md_login, 1), 0);
  REQUIRE(md_spi.rec.wait([&] { return md_spi.login_ok == 1; }));
  CHECK_EQ(std::string(md->GetTradingDay()), std::string("20250102"));
  char* ids[] = {const_cast<char*>(instrument.c_str()), const_cast<char*>("zz9999")};
  CHECK_EQ(md->SubscribeMarketData(ids, 2), 0);
  CHECK(md_spi.rec.wait([&] { return md_spi.sub_responses == 2; }));
  CHECK_EQ(md_spi.rec.read([&] { return md_spi.sub_ok; }), 2);  // unknown instruments: ErrorID 0, like a real md front
  CHECK(md_spi.rec.wait([&] { return md_spi.ticks_by_instrument[instrument] >= 3; }, 30s));
  CHECK(md_spi.rec.read([&] { return md_spi.exchange_id_empty; }));  // ordinary md front: no ExchangeID
  CHECK_EQ(md_spi.rec.read([&] { return md_spi.ticks_by_instrument.count("zz9999"); }), std::size_t{0});
  CHECK_EQ(md_spi.rec.read([&] { return md_spi.ticks_by_instrument.count("cu2502"); }), std::size_t{0});

  // --- trader -----------------------------------------------------------------------------------------
  TraderSpi spi;
  CThostFtdcTraderApi* td = libs.create_trader(make_flow_dir("flow-td").c_str());
  REQUIRE(td != nullptr);
  td->RegisterSpi(&spi);
  td->SubscribePrivateTopic(THOST_TERT_QUICK);
  td->SubscribePublicTopic(THOST_TERT_QUICK);
  td->RegisterFront(const_cast<char*>(address.c_str()));
  td->Init();
  int request_id = 0;
  REQUIRE(trader_session(td, spi, request_id));
  const int front_id = spi.rec.read([&] { return spi.front_id; });
  const int session_id = spi.rec.read([&] { return spi.last_session_id; });
  int next_ref = std::max(1, std::atoi(spi.rec.read([&] { return spi.max_order_ref; }).c_str()));

  // Marketable buy at the ask of the latest snapshot: fills.
  const CThostFtdcDepthMarketDataField tick = md_spi.rec.read([&] { return md_spi.last_tick; });
  double price = tick.AskPrice1 < DBL_MAX / 2 ? tick.AskPrice1 : tick.LastPrice;
  const std::string fill_ref = std::to_string(next_ref++);
  auto order = limit_order(instrument, "SHFE", fill_ref, THOST_FTDC_D_Buy, price, 1);
  CHECK_EQ(td->ReqOrderInsert(&order, ++request_id), 0);
  CHECK(spi.rec.wait([&] { return !spi.orders.empty(); }));
  CHECK(spi.rec.wait(
      [&] {
        for (const auto& t : spi.trades)
          if (fill_ref == t.OrderRef) return true;
        return false;
      },
      30s));
  CHECK(spi.rec.wait([&] { return spi.has_status(fill_ref, THOST_FTDC_OST_AllTraded); }));

  // Passive buy at the lower limit: rests, then cancel it by FrontID+SessionID+OrderRef.
  const std::string rest_ref = std::to_string(next_ref++);
  const double low =
      tick.LowerLimitPrice < DBL_MAX / 2 && tick.LowerLimitPrice > 0 ? tick.LowerLimitPrice : price * 0.96;
  auto passive =
      limit_order(instrument, "SHFE", rest_ref, THOST_FTDC_D_Buy, static_cast<double>(static_cast<long>(low) + 1), 1);
  CHECK_EQ(td->ReqOrderInsert(&passive, ++request_id), 0);
  CHECK(spi.rec.wait([&] { return spi.has_status(rest_ref, THOST_FTDC_OST_NoTradeQueueing); }));
  CThostFtdcInputOrderActionField cancel{};
  SIM_FILL(cancel.BrokerID, "9999");
  SIM_FILL(cancel.InvestorID, "000001");
  SIM_FILL(cancel.UserID, "000001");
  SIM_FILL(cancel.InstrumentID, instrument);
  SIM_FILL(cancel.ExchangeID, "SHFE");
  SIM_FILL(cancel.OrderRef, rest_ref);
  cancel.FrontID = front_id;
  cancel.SessionID = session_id;
  cancel.ActionFlag = THOST_FTDC_AF_Delete;
  cancel.OrderActionRef = 1;
  CHECK_EQ(td->ReqOrderAction(&cancel, ++request_id), 0);
  CHECK(spi.rec.wait([&] { return spi.has_status(rest_ref, THOST_FTDC_OST_Canceled); }));

  // Unsubscribe: one response per instrument.
  CHECK_EQ(md->UnSubscribeMarketData(ids, 1), 0);
  CHECK(md_spi.rec.wait([&] { return md_spi.unsub_responses == 1; }));

  // Unsupported functions: return 0, OnRspError 27.
  CThostFtdcQryTradingCodeField code{};
  CHECK_EQ(td->ReqQryTradingCode(&code, 4242), 0);
  CHECK(spi.rec.wait([&] {
    for (auto [err, id] : spi.rsp_errors)
      if (err == 27 && id == 4242) return true;
    return false;
  }));

  // Release from this (non-callback) thread while the feed is still running: joins and frees everything.
  td->Release();
  md->Release();
  return shandian::testing::finish("test_sim_api_flow");
}
