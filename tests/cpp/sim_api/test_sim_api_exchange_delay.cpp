// exchange_delay_ms through the built libraries: an insert and a cancel take exchange time to reach the
// exchange, which opens the windows where a CTP counter refuses a cancel: 157 CANCEL_UNKNOWN_ORDER_UNSUPPORTED
// (a CZCE order still 'a') and 24 DUPLICATE_ORDER_ACTION_REF (a second cancel while the first is on its
// way). Elsewhere an 'a' order may be cancelled: the cancel follows the insert to the exchange.
#include <string>

#include "../support/check.hpp"
#include "sim/feed/feed.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;

namespace {

std::string contract_of(const char* product) {
  const auto specs = shandian::sim::select_instruments({product}, "20250102");
  REQUIRE(specs.size() == 1);
  return specs.front().instrument_id;
}

struct Session {
  TraderSpi spi;
  CThostFtdcTraderApi* api = nullptr;
  int request_id = 0;
  int front_id = 0;
  int session_id = 0;
  int next_ref = 1;
  explicit Session(const std::string& address) {
    api = libraries().create_trader(make_flow_dir("delay-td").c_str());
    api->RegisterSpi(&spi);
    api->SubscribePrivateTopic(THOST_TERT_QUICK);
    api->SubscribePublicTopic(THOST_TERT_NONE);
    api->RegisterFront(const_cast<char*>(address.c_str()));
    api->Init();
    REQUIRE(trader_session(api, spi, request_id));
    front_id = spi.rec.read([&] { return spi.front_id; });
    session_id = spi.rec.read([&] { return spi.last_session_id; });
    next_ref = std::max(1, std::atoi(spi.rec.read([&] { return spi.max_order_ref; }).c_str()));
  }
  ~Session() { api->Release(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::string buy(const std::string& instrument, const char* exchange, double price) {
    const std::string ref = std::to_string(next_ref++);
    auto o = limit_order(instrument, exchange, ref, THOST_FTDC_D_Buy, price, 1);
    CHECK_EQ(api->ReqOrderInsert(&o, ++request_id), 0);
    return ref;
  }
  // Sends a cancel by FrontID + SessionID + OrderRef; returns the ErrorID it is refused with, 0 if the
  // counter took it (a refusal comes at once, before the answer to a query sent right after it).
  int cancel(const std::string& instrument, const char* exchange, const std::string& ref) {
    const std::size_t refused = spi.rec.read([&] { return spi.rsp_order_action_errors.size(); });
    CThostFtdcInputOrderActionField f{};
    SIM_FILL(f.BrokerID, "9999");
    SIM_FILL(f.InvestorID, "000001");
    SIM_FILL(f.UserID, "000001");
    SIM_FILL(f.InstrumentID, instrument);
    SIM_FILL(f.ExchangeID, exchange);
    SIM_FILL(f.OrderRef, ref);
    f.FrontID = front_id;
    f.SessionID = session_id;
    f.ActionFlag = THOST_FTDC_AF_Delete;
    CHECK_EQ(api->ReqOrderAction(&f, ++request_id), 0);
    // A probe behind the cancel: its answer comes after any refusal of the cancel (one callback queue).
    CThostFtdcQryTradingAccountField q{};
    const int probe = ++request_id;
    REQUIRE(api->ReqQryTradingAccount(&q, probe) == 0);
    REQUIRE(spi.rec.wait([&] { return spi.query_last.count(probe) == 1; }));
    return spi.rec.read(
        [&] { return spi.rsp_order_action_errors.size() > refused ? spi.rsp_order_action_errors.back() : 0; });
  }
  bool wait_status(const std::string& ref, char status) {
    return spi.rec.wait([&] { return spi.has_status(ref, status); }, 30s);
  }
  [[nodiscard]] bool status_seen(const std::string& ref, char status) {
    return spi.rec.read([&] { return spi.has_status(ref, status); });
  }
};

}  // namespace

int main() {
  const std::string rb = contract_of("rb");
  const std::string sr = contract_of("SR");
  const std::string address =
      "local://delay?instruments=rb,SR&trading_day=20250102&speed=1&session=day"
      "&exchange_delay_ms=1500&query_interval_ms=0&seed=3";
  MdSpi md_spi;
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir("delay-md").c_str());
  REQUIRE(md_connect(md, md_spi, address));
  REQUIRE(md_login_subscribe(md, md_spi, {rb, sr}));
  REQUIRE(
      md_spi.rec.wait([&] { return md_spi.ticks_by_instrument[rb] >= 1 && md_spi.ticks_by_instrument[sr] >= 1; }, 30s));
  Session t(address);
  // The limit-down prices come from the md ticks of each instrument.
  auto lower_of = [&](const std::string& id) {
    double low = 0;
    REQUIRE(md_spi.rec.wait(
        [&] {
          if (id == md_spi.last_tick.InstrumentID) low = md_spi.last_tick.LowerLimitPrice;
          return low > 0;
        },
        30s));
    return low;
  };
  const double rb_low = lower_of(rb);
  const double sr_low = lower_of(sr);

  // CZCE, still 'a' at the exchange: 157. Once acknowledged it can be cancelled; a second cancel while the
  // first is on its way: 24.
  const std::string czce = t.buy(sr, "CZCE", sr_low);
  REQUIRE(t.wait_status(czce, THOST_FTDC_OST_Unknown));
  CHECK_EQ(t.cancel(sr, "CZCE", czce), 157);
  CHECK(!t.status_seen(czce, THOST_FTDC_OST_NoTradeQueueing));  // the refusal came while it was 'a'
  REQUIRE(t.wait_status(czce, THOST_FTDC_OST_NoTradeQueueing));
  CHECK_EQ(t.cancel(sr, "CZCE", czce), 0);
  CHECK_EQ(t.cancel(sr, "CZCE", czce), 24);
  CHECK(!t.status_seen(czce, THOST_FTDC_OST_Canceled));
  CHECK(t.wait_status(czce, THOST_FTDC_OST_Canceled));
  CHECK_EQ(t.cancel(sr, "CZCE", czce), 26);  // done: the ordinary refusal

  // SHFE: an 'a' order may be cancelled; the cancel follows the insert to the exchange.
  const std::string shfe = t.buy(rb, "SHFE", rb_low);
  REQUIRE(t.wait_status(shfe, THOST_FTDC_OST_Unknown));
  CHECK_EQ(t.cancel(rb, "SHFE", shfe), 0);
  CHECK_EQ(t.cancel(rb, "SHFE", shfe), 24);
  CHECK(t.wait_status(shfe, THOST_FTDC_OST_Canceled));
  md->Release();
  return shandian::testing::finish("test_sim_api_exchange_delay");
}
