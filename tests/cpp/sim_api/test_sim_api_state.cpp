// `state=` keeps a local front instance across the death of its host: a filled order, a resting order and
// the session counters survive the instance being freed (as when the process is killed), and a new
// instance replays them — the private stream (RESTART) delivers the same orders and trades again, the
// resting order can still be cancelled, and MaxOrderRef / SessionID continue. An instance created with a later
// trading_day settles the log's day into it (the lot bought is yesterday's); an earlier one cannot start.
#include <cfloat>
#include <filesystem>
#include <string>

#include "../support/check.hpp"
#include "sim/api/front_instance.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;

int main() {
  const auto& libs = libraries();
  const auto dir = std::filesystem::path(make_flow_dir("state"));
  const std::string state = (dir / "front.state").string();
  const std::string address = "local://state?instruments=rb&trading_day=20250102&speed=20&seed=7&state=" + state;
  const std::string instrument = "rb2505";

  std::string fill_ref;
  std::string rest_ref;
  std::string trade_id;
  int old_session = 0;
  int front_id = 0;
  double price = 0.0;
  {
    MdSpi md_spi;
    CThostFtdcMdApi* md = libs.create_md(make_flow_dir("state-md").c_str());
    md->RegisterSpi(&md_spi);
    md->RegisterFront(const_cast<char*>(address.c_str()));
    md->Init();
    REQUIRE(md_spi.rec.wait([&] { return md_spi.connected == 1; }));
    CThostFtdcReqUserLoginField md_login{};
    SIM_FILL(md_login.BrokerID, "any");
    SIM_FILL(md_login.UserID, "anyone");
    REQUIRE(md->ReqUserLogin(&md_login, 1) == 0);
    REQUIRE(md_spi.rec.wait([&] { return md_spi.login_ok == 1; }));
    char* ids[] = {const_cast<char*>(instrument.c_str())};
    REQUIRE(md->SubscribeMarketData(ids, 1) == 0);
    REQUIRE(md_spi.rec.wait([&] { return md_spi.ticks_by_instrument[instrument] >= 3; }, 30s));

    TraderSpi spi;
    CThostFtdcTraderApi* td = libs.create_trader(make_flow_dir("state-td1").c_str());
    td->RegisterSpi(&spi);
    td->SubscribePrivateTopic(THOST_TERT_QUICK);
    td->SubscribePublicTopic(THOST_TERT_QUICK);
    td->RegisterFront(const_cast<char*>(address.c_str()));
    td->Init();
    int request_id = 0;
    REQUIRE(trader_session(td, spi, request_id));
    front_id = spi.rec.read([&] { return spi.front_id; });
    old_session = spi.rec.read([&] { return spi.last_session_id; });
    int next_ref = std::max(1, std::atoi(spi.rec.read([&] { return spi.max_order_ref; }).c_str()));
    const CThostFtdcDepthMarketDataField tick = md_spi.rec.read([&] { return md_spi.last_tick; });
    price = tick.AskPrice1 < DBL_MAX / 2 ? tick.AskPrice1 : tick.LastPrice;
    fill_ref = std::to_string(next_ref++);
    auto order = limit_order(instrument, "SHFE", fill_ref, THOST_FTDC_D_Buy, price, 1);
    REQUIRE(td->ReqOrderInsert(&order, ++request_id) == 0);
    REQUIRE(spi.rec.wait([&] { return !spi.trades.empty(); }, 30s));
    trade_id = spi.rec.read([&] { return std::string(spi.trades[0].TradeID); });
    rest_ref = std::to_string(next_ref++);
    const double low =
        tick.LowerLimitPrice < DBL_MAX / 2 && tick.LowerLimitPrice > 0 ? tick.LowerLimitPrice : price * 0.96;
    auto passive =
        limit_order(instrument, "SHFE", rest_ref, THOST_FTDC_D_Buy, static_cast<double>(static_cast<long>(low) + 1), 1);
    REQUIRE(td->ReqOrderInsert(&passive, ++request_id) == 0);
    REQUIRE(spi.rec.wait([&] { return spi.has_status(rest_ref, THOST_FTDC_OST_NoTradeQueueing); }));
    td->Release();
    md->Release();
  }
  CHECK_EQ(shandian::sim::FrontInstance::live_instances(), std::size_t{0});  // the instance is gone

  TraderSpi spi;
  CThostFtdcTraderApi* td = libs.create_trader(make_flow_dir("state-td2").c_str());
  td->RegisterSpi(&spi);
  td->SubscribePrivateTopic(THOST_TERT_RESTART);  // the whole day's private stream again
  td->SubscribePublicTopic(THOST_TERT_QUICK);
  td->RegisterFront(const_cast<char*>(address.c_str()));
  td->Init();
  int request_id = 100;
  REQUIRE(trader_session(td, spi, request_id));
  CHECK(spi.rec.read([&] { return spi.last_session_id; }) > old_session);
  CHECK(std::atoi(spi.rec.read([&] { return spi.max_order_ref; }).c_str()) > std::atoi(rest_ref.c_str()));
  CHECK(spi.rec.wait([&] {
    for (const auto& t : spi.trades)
      if (trade_id == t.TradeID && fill_ref == t.OrderRef) return true;
    return false;
  }));
  CHECK(spi.rec.wait([&] { return spi.has_status(fill_ref, THOST_FTDC_OST_AllTraded); }));
  CHECK(spi.rec.wait([&] { return spi.has_status(rest_ref, THOST_FTDC_OST_NoTradeQueueing); }));
  // The resting order placed by the dead process is still in the book: cancel it by its old identity.
  CThostFtdcInputOrderActionField cancel{};
  SIM_FILL(cancel.BrokerID, "9999");
  SIM_FILL(cancel.InvestorID, "000001");
  SIM_FILL(cancel.UserID, "000001");
  SIM_FILL(cancel.InstrumentID, instrument);
  SIM_FILL(cancel.ExchangeID, "SHFE");
  SIM_FILL(cancel.OrderRef, rest_ref);
  cancel.FrontID = front_id;
  cancel.SessionID = old_session;
  cancel.ActionFlag = THOST_FTDC_AF_Delete;
  CHECK_EQ(td->ReqOrderAction(&cancel, ++request_id), 0);
  CHECK(spi.rec.wait([&] { return spi.has_status(rest_ref, THOST_FTDC_OST_Canceled); }));
  td->Release();
  CHECK_EQ(shandian::sim::FrontInstance::live_instances(), std::size_t{0});

  const std::string next_day = "local://state?instruments=rb&trading_day=20250103&speed=20&seed=7&state=" + state;
  {
    Trader next(next_day, make_flow_dir("state-td3"));
    REQUIRE(trader_session(next.api, next.spi, next.request_id));
    CHECK(next.spi.rec.read([&] { return next.spi.trading_day; }) == "20250103");
    // One lot was bought on 20250102: it is yesterday's now (a close-yesterday of 2 is refused, of 1 accepted).
    auto too_many = limit_order(instrument, "SHFE", "1", THOST_FTDC_D_Sell, price, 2);
    too_many.CombOffsetFlag[0] = THOST_FTDC_OF_CloseYesterday;
    REQUIRE(next.api->ReqOrderInsert(&too_many, ++next.request_id) == 0);
    CHECK(next.spi.rec.wait([&] { return !next.spi.rsp_order_insert_errors.empty(); }));
    auto one = limit_order(instrument, "SHFE", "2", THOST_FTDC_D_Sell, price, 1);
    one.CombOffsetFlag[0] = THOST_FTDC_OF_CloseYesterday;
    REQUIRE(next.api->ReqOrderInsert(&one, ++next.request_id) == 0);
    CHECK(next.spi.rec.wait([&] {
      for (const auto& o : next.spi.orders)
        if (std::string(o.OrderRef) == "2" && o.OrderStatus != THOST_FTDC_OST_Canceled) return true;
      return false;
    }));
    CHECK_EQ(next.spi.rec.read([&] { return next.spi.rsp_order_insert_errors.size(); }), std::size_t{1});
  }
  CHECK_EQ(shandian::sim::FrontInstance::live_instances(), std::size_t{0});
  {
    // The log is at 20250103 now: a counter's day never goes back.
    Trader earlier(address, make_flow_dir("state-td4"));
    REQUIRE(earlier.spi.rec.wait([&] { return earlier.spi.connected > 0; }));
    int request_id = 0;
    CHECK(!trader_session(earlier.api, earlier.spi, request_id));
    CHECK(earlier.spi.rec.read([&] {
      for (const auto& [id, text] : earlier.spi.refusals)
        if (id == 7) return true;
      return false;
    }));
  }
  std::filesystem::remove_all(dir);
  return shandian::testing::finish("test_sim_api_state");
}
