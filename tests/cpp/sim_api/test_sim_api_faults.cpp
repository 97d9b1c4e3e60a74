// Flow control and fault injection through the built libraries: one query in flight (-2), QryFreq
// (OnRspError 90, GBK text), disconnect_after → OnFrontDisconnected(4097) → automatic reconnect with a
// new SessionID, bad addresses and a missing flow directory fail the connection with
// OnFrontDisconnected(4097) (and a stderr message) instead of crashing, an instance that cannot start (a
// broken tick source, a settings clash) refuses logins with 7 and the reason, RESUME bookkeeping in Private.con.
#include <filesystem>
#include <fstream>
#include <string>

#include "../support/check.hpp"
#include "sim/api/gbk.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;

namespace {

void query_flow_control() {
  // Responses are held back 200 ms, so the first query is certainly still in flight for the second.
  Trader t("local://faults-query?instruments=rb&trading_day=20250102&reply_delay_us=200000&query_interval_ms=60000",
           make_flow_dir("query"));
  REQUIRE(trader_session(t.api, t.spi, t.request_id));
  CThostFtdcQryTradingAccountField q{};
  SIM_FILL(q.BrokerID, "9999");
  SIM_FILL(q.InvestorID, "000001");
  CHECK_EQ(t.api->ReqQryTradingAccount(&q, 501), 0);
  CHECK_EQ(t.api->ReqQryTradingAccount(&q, 502), -2);  // one query in flight per API
  CThostFtdcQryInstrumentField qi{};
  CHECK_EQ(t.api->ReqQryInstrument(&qi, 503), -2);
  CHECK(t.spi.rec.wait([&] { return t.spi.query_last[501] == 1; }));
  // Delivered: no longer in flight, but sooner than query_interval_ms after the last → OnRspError 90.
  CHECK_EQ(t.api->ReqQryTradingAccount(&q, 504), 0);
  CHECK(t.spi.rec.wait([&] {
    for (auto [err, id] : t.spi.rsp_errors)
      if (err == 90 && id == 504) return true;
    return false;
  }));
  const std::string text = t.spi.rec.read([&] { return t.spi.rsp_error_texts.back(); });
  CHECK_EQ(shandian::sim::gbk_to_utf8(text), std::string("CTP：查询未就绪，请稍后重试"));
  CHECK_EQ(t.spi.rec.read([&] { return t.spi.query_last.count(504); }), std::size_t{0});
  CThostFtdcFrontInfoField info{};
  t.api->GetFrontInfo(&info);
  CHECK_EQ(info.QryFreq, 1);
}

void disconnect_and_reconnect() {
  // Callbacks 1..3 are OnFrontConnected, OnRspAuthenticate, OnRspUserLogin (public topic NONE and private
  // QUICK: nothing else is pushed), then the front drops the connection.
  Trader t("local://faults-dc?instruments=rb&trading_day=20250102&disconnect_after=3&reconnect_ms=50",
           make_flow_dir("dc"));
  REQUIRE(t.spi.rec.wait([&] { return t.spi.connected == 1; }));
  CThostFtdcReqAuthenticateField auth{};
  SIM_FILL(auth.BrokerID, "9999");
  SIM_FILL(auth.UserID, "000001");
  CHECK_EQ(t.api->ReqAuthenticate(&auth, 1), 0);
  REQUIRE(t.spi.rec.wait([&] { return t.spi.auth_ok == 1; }));
  CThostFtdcReqUserLoginField login{};
  SIM_FILL(login.BrokerID, "9999");
  SIM_FILL(login.UserID, "000001");
  CHECK_EQ(t.api->ReqUserLogin(&login, 2), 0);
  REQUIRE(t.spi.rec.wait([&] { return t.spi.login_ok == 1; }));
  const int first_session = t.spi.rec.read([&] { return t.spi.last_session_id; });
  CHECK(t.spi.rec.wait([&] { return t.spi.disconnected == 1; }));
  CHECK_EQ(t.spi.rec.read([&] { return t.spi.last_disconnect_reason; }), 4097);
  // Automatic reconnect: a fresh OnFrontConnected; the client must authenticate and log in again.
  CHECK(t.spi.rec.wait([&] { return t.spi.connected == 2; }));
  t.request_id = 10;
  CHECK(trader_session(t.api, t.spi, t.request_id));
  const int second_session = t.spi.rec.read([&] { return t.spi.last_session_id; });
  CHECK(second_session != first_session);
  CHECK_EQ(t.spi.rec.read([&] { return t.spi.disconnected; }), 1);  // injected once per API instance
}

void bad_addresses_fail_the_connection() {
  for (const char* address : {"local://bad?bogus=1", "local://bad?speed=fast", "gopher://nowhere", ""}) {
    Trader t(address, make_flow_dir("bad"));
    CHECK(t.spi.rec.wait([&] { return t.spi.disconnected == 1; }));
    CHECK_EQ(t.spi.rec.read([&] { return t.spi.last_disconnect_reason; }), 4097);
    CHECK_EQ(t.spi.rec.read([&] { return t.spi.connected; }), 0);
    CThostFtdcReqAuthenticateField auth{};
    CHECK_EQ(t.api->ReqAuthenticate(&auth, 1), -1);
  }
  // Missing flow directory: the vendor library crashes; we report it and fail the connection.
  Trader t("local://bad-flow?instruments=rb&trading_day=20250102", "/nonexistent-shandian-dir/sub/");
  CHECK(t.spi.rec.wait([&] { return t.spi.disconnected == 1; }));
  CHECK_EQ(t.spi.rec.read([&] { return t.spi.connected; }), 0);
  // Same NAME with different settings: refused while the first instance lives.
  Trader a("local://clash?instruments=rb&trading_day=20250102&seed=1", make_flow_dir("clash-a"));
  CHECK(a.spi.rec.wait([&] { return a.spi.connected == 1; }));
  // The clash is the instance that cannot be had: reachable, every login refused with 7 and the reason.
  Trader b("local://clash?instruments=rb&trading_day=20250102&seed=2", make_flow_dir("clash-b"));
  CHECK(b.spi.rec.wait([&] { return b.spi.connected == 1; }));
  CThostFtdcReqUserLoginField login{};
  SIM_FILL(login.UserID, "000001");
  CHECK_EQ(b.api->ReqUserLogin(&login, 1), 0);
  CHECK(b.spi.rec.wait([&] { return b.spi.refusals.size() == 1; }));
  CHECK_EQ(b.spi.rec.read([&] { return b.spi.refusals[0].first; }), 7);
  CHECK(b.spi.rec.read([&] { return b.spi.refusals[0].second; }).find("other settings") != std::string::npos);
  Trader c("local://clash", make_flow_dir("clash-c"));  // no settings: joins
  CHECK(c.spi.rec.wait([&] { return c.spi.connected == 1; }));
}

// A tick source the front cannot use fails loudly and at once: both libraries connect (the front is
// there), then every authentication and login is refused with 7 NOT_INITED, the ErrorMsg naming the file
// and the line; nothing disconnects, so no client waits for a reconnect that cannot help.
void broken_tick_source_refuses_logins() {
  const auto dir = std::filesystem::path(make_flow_dir("broken-csv"));
  const std::string csv = (dir / "ticks.csv").string();
  {
    std::ofstream out(csv);
    out << "symbol,exchange,datetime,last_price,volume\n"
        << "rb2505,SHFE,2025-01-02 09:00:00.500000,3300,1\n"
        << "rb2505,SHFE,2025-01-02 09:00:01.000000,not-a-price,2\n";
  }
  const std::string address = "local://broken-csv?instruments=rb&trading_day=20250102&speed=0&source=csv:" + csv;
  Trader t(address, make_flow_dir("broken-td"));
  REQUIRE(t.spi.rec.wait([&] { return t.spi.connected == 1; }));
  CThostFtdcReqAuthenticateField auth{};
  SIM_FILL(auth.UserID, "000001");
  CHECK_EQ(t.api->ReqAuthenticate(&auth, 1), 0);
  CThostFtdcReqUserLoginField login{};
  SIM_FILL(login.UserID, "000001");
  CHECK_EQ(t.api->ReqUserLogin(&login, 2), 0);
  REQUIRE(t.spi.rec.wait([&] { return t.spi.refusals.size() == 2; }));
  for (const auto& [id, text] : t.spi.rec.read([&] { return t.spi.refusals; })) {
    CHECK_EQ(id, 7);
    CHECK(text.find("ticks.csv:3") != std::string::npos);  // file and line (the directory is on stderr)
    CHECK(text.find("last_price") != std::string::npos);
  }
  CHECK_EQ(t.spi.rec.read([&] { return t.spi.disconnected; }), 0);
  CThostFtdcQryInstrumentField q{};
  CHECK_EQ(t.api->ReqQryInstrument(&q, 3), -1);  // nothing else is served

  MdSpi md_spi;
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir("broken-md").c_str());
  REQUIRE(md_connect(md, md_spi, address));
  CThostFtdcReqUserLoginField md_login{};
  CHECK_EQ(md->ReqUserLogin(&md_login, 1), 0);
  REQUIRE(md_spi.rec.wait([&] { return md_spi.refusals.size() == 1; }));
  CHECK_EQ(md_spi.rec.read([&] { return md_spi.refusals[0].first; }), 7);
  CHECK(md_spi.rec.read([&] { return md_spi.refusals[0].second; }).find("ticks.csv:3") != std::string::npos);
  md->Release();

  // A file that cannot be opened: named too.
  Trader missing("local://missing-csv?instruments=rb&trading_day=20250102&source=csv:" + (dir / "nope.csv").string(),
                 make_flow_dir("missing-td"));
  REQUIRE(missing.spi.rec.wait([&] { return missing.spi.connected == 1; }));
  CHECK_EQ(missing.api->ReqUserLogin(&login, 1), 0);
  REQUIRE(missing.spi.rec.wait([&] { return missing.spi.refusals.size() == 1; }));
  CHECK_EQ(missing.spi.rec.read([&] { return missing.spi.refusals[0].first; }), 7);
  CHECK(missing.spi.rec.read([&] { return missing.spi.refusals[0].second; }).find("nope.csv") != std::string::npos);
}

void resume_records_private_sequence() {
  const std::string flow = make_flow_dir("resume");
  const std::string address = "local://faults-resume?instruments=rb&trading_day=20250102&speed=50&query_interval_ms=0";
  MdSpi md_spi;
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir("resume-md").c_str());
  REQUIRE(md_connect(md, md_spi, address));
  REQUIRE(md_login_subscribe(md, md_spi, {"rb2505"}));
  REQUIRE(md_spi.rec.wait([&] { return md_spi.ticks >= 1; }, 30s));
  const double lower = md_spi.rec.read([&] { return md_spi.last_tick.LowerLimitPrice; });
  {
    Trader t(address, flow, THOST_TERT_RESUME, THOST_TERT_NONE);
    REQUIRE(trader_session(t.api, t.spi, t.request_id));
    auto o = limit_order("rb2505", "SHFE", std::to_string(std::atoi(t.spi.max_order_ref.c_str()) + 1), THOST_FTDC_D_Buy,
                         static_cast<double>(static_cast<long>(lower) + 1), 1);
    CHECK_EQ(t.api->ReqOrderInsert(&o, 99), 0);
    CHECK(t.spi.rec.wait([&] { return t.spi.orders.size() >= 2; }));
  }  // Release flushes the flow files
  std::ifstream in(flow + "Private.con");
  std::string line;
  std::getline(in, line);
  CHECK(line.find("trading_day=20250102") != std::string::npos);
  CHECK(line.find("last_seq=0") == std::string::npos);
  for (const char* name : {"DialogRsp.con", "QueryRsp.con", "TradingDay.con", "Public.con"})
    CHECK(std::ifstream(flow + name).good());
  md->Release();
}

}  // namespace

int main() {
  query_flow_control();
  disconnect_and_reconnect();
  bad_addresses_fail_the_connection();
  broken_tick_source_refuses_logins();
  resume_records_private_sequence();
  return shandian::testing::finish("test_sim_api_faults");
}
