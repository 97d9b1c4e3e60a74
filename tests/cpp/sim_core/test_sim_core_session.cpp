// Session flow: FrontConnected, authentication (63), login gate (64), BrokerID check (3), login answer
// fields, SessionID/MaxOrderRef rules, settlement confirmation and its queries, logout, disconnect, clock.
#include "core_harness.hpp"
#include "sim/core/clock.hpp"

using namespace shandian::sim;
using namespace shandian::sim::test;

namespace {

CThostFtdcReqAuthenticateField auth(const char* app, const char* code, const char* broker = "9999") {
  CThostFtdcReqAuthenticateField a{};
  set_str(a.BrokerID, broker);
  set_str(a.UserID, "u1");
  set_str(a.AppID, app);
  set_str(a.AuthCode, code);
  set_str(a.UserProductInfo, "tester");
  return a;
}
CThostFtdcReqUserLoginField login_req(const char* broker = "9999", const char* user = "u1") {
  CThostFtdcReqUserLoginField l{};
  set_str(l.BrokerID, broker);
  set_str(l.UserID, user);
  set_str(l.Password, "pw");
  return l;
}

void auth_and_login_gates() {
  FrontConfig cfg;
  cfg.broker_id = "9999";
  cfg.app_id = "client_app";
  cfg.auth_code = "0000000000000000";
  ExchangeCore core(cfg, standard_instruments(), "20250428");
  RecordingSink sink;
  const int c = core.connect(sink, {}, {});
  REQUIRE(sink.messages.size() == 1);
  CHECK(sink.messages[0].kind == TraderCallback::FrontConnected);

  // Login before authenticating → 64.
  CHECK_EQ(core.login(c, login_req(), 1), 0);
  REQUIRE(sink.messages.size() == 2);
  CHECK(sink.messages[1].kind == TraderCallback::RspUserLogin);
  CHECK_EQ(sink.messages[1].rsp_info.ErrorID, 64);
  CHECK_EQ(sink.messages[1].request_id, 1);

  // Wrong AuthCode → 63, body echoes BrokerID/UserID/AppID.
  CHECK_EQ(core.authenticate(c, auth("client_app", "bad"), 2), 0);
  const TraderMessage& bad = sink.messages.back();
  CHECK(bad.kind == TraderCallback::RspAuthenticate);
  CHECK_EQ(bad.rsp_info.ErrorID, 63);
  CHECK_EQ(s(bad.body.rsp_authenticate.AppID), s("client_app"));
  CHECK_EQ(s(bad.body.rsp_authenticate.UserID), s("u1"));
  CHECK_EQ(s(bad.body.rsp_authenticate.BrokerID), s("9999"));
  // Wrong AppID → 63; still not authenticated → login 64.
  CHECK_EQ(core.authenticate(c, auth("other", "0000000000000000"), 3), 0);
  CHECK_EQ(sink.messages.back().rsp_info.ErrorID, 63);
  CHECK_EQ(core.login(c, login_req(), 4), 0);
  CHECK_EQ(sink.messages.back().rsp_info.ErrorID, 64);

  CHECK_EQ(core.authenticate(c, auth("client_app", "0000000000000000"), 5), 0);
  CHECK_EQ(sink.messages.back().rsp_info.ErrorID, 0);
  CHECK_EQ(s(sink.messages.back().rsp_info.ErrorMsg), s(text::kCorrect));
  // Wrong BrokerID → 3.
  CHECK_EQ(core.login(c, login_req("1234"), 6), 0);
  CHECK_EQ(sink.messages.back().rsp_info.ErrorID, 3);
  CHECK_EQ(core.login(c, login_req(), 7), 0);
  const TraderMessage& ok = sink.messages.back();
  CHECK(ok.kind == TraderCallback::RspUserLogin);
  CHECK_EQ(ok.rsp_info.ErrorID, 0);
  CHECK_EQ(ok.request_id, 7);
  const CThostFtdcRspUserLoginField& b = ok.body.rsp_user_login;
  CHECK_EQ(s(b.TradingDay), s("20250428"));
  CHECK_EQ(s(b.LoginTime), s("09:00:00"));  // no feed event yet: the day session's open
  CHECK_EQ(s(b.SHFETime), s("09:00:00"));
  CHECK_EQ(b.FrontID, 1);
  CHECK(b.SessionID > 0);
  CHECK_EQ(s(b.MaxOrderRef), s("1"));
  CHECK_EQ(s(b.BrokerID), s("9999"));
  CHECK_EQ(s(b.UserID), s("u1"));
  CHECK(!s(b.SystemName).empty());
}

void session_ids_and_max_order_ref() {
  Harness h;
  h.open_default();
  const int first_session = h.session_id;
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  auto r = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 2990, 1);
  set_str(r.OrderRef, "       17");  // padded refs are numeric too
  h.insert(r);
  CHECK_EQ(render(h.sink.messages), s("O:a O:3"));
  // A second connection of the same user: new SessionID, MaxOrderRef = highest used today + 1.
  RecordingSink second;
  StreamSubscription quick{ResumeType::Quick, 0};
  const int c2 = h.open(second, "u1", quick, quick);
  CHECK(h.session_id != first_session);
  CHECK(h.session_id > 0);
  bool found = false;
  for (const TraderMessage& m : second.messages) {
    if (m.kind == TraderCallback::RspUserLogin) {
      CHECK_EQ(s(m.body.rsp_user_login.MaxOrderRef), s("18"));
      found = true;
    }
  }
  CHECK(found);
  // The new session may start its own refs again (uniqueness is per FrontID+SessionID).
  auto r2 = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 2990, 1);
  set_str(r2.OrderRef, "1");
  second.messages.clear();
  h.insert(r2, c2);
  CHECK_EQ(render(second.messages), s("O:a O:3"));
  // A different user starts at 1.
  RecordingSink third;
  h.open(third, "u2", quick, quick);
  for (const TraderMessage& m : third.messages) {
    if (m.kind == TraderCallback::RspUserLogin) CHECK_EQ(s(m.body.rsp_user_login.MaxOrderRef), s("1"));
  }
}

void settlement_flow() {
  Harness h;
  h.conn = h.open(h.sink, "u1", {}, {}, /*confirm=*/false);
  h.sink.messages.clear();
  CThostFtdcQrySettlementInfoConfirmField q{};
  CHECK_EQ(h.core.qry_settlement_info_confirm(h.conn, q, 11), 0);
  REQUIRE(h.sink.messages.size() == 1);
  CHECK(h.sink.messages[0].kind == TraderCallback::RspQrySettlementInfoConfirm);
  CHECK(!h.sink.messages[0].has_body);  // not confirmed today
  CHECK(h.sink.messages[0].is_last);
  CHECK_EQ(h.sink.messages[0].request_id, 11);

  CThostFtdcQrySettlementInfoField qi{};
  h.sink.messages.clear();
  CHECK_EQ(h.core.qry_settlement_info(h.conn, qi, 12), 0);
  REQUIRE(!h.sink.messages.empty());
  CHECK(h.sink.messages.back().is_last);
  CHECK(h.sink.messages[0].has_body);
  CHECK(s(h.sink.messages[0].body.settlement_info.Content).find("20250428") != std::string::npos);

  CThostFtdcSettlementInfoConfirmField f{};
  set_str(f.BrokerID, "9999");
  set_str(f.InvestorID, "u1");
  h.sink.messages.clear();
  CHECK_EQ(h.core.confirm_settlement(h.conn, f, 13), 0);
  REQUIRE(h.sink.messages.size() == 1);
  CHECK(h.sink.messages[0].kind == TraderCallback::RspSettlementInfoConfirm);
  CHECK_EQ(h.sink.messages[0].rsp_info.ErrorID, 0);
  CHECK_EQ(s(h.sink.messages[0].body.settlement_info_confirm.ConfirmDate), s("20250428"));
  CHECK_EQ(s(h.sink.messages[0].body.settlement_info_confirm.ConfirmTime), s("09:00:00"));
  h.sink.messages.clear();
  CHECK_EQ(h.core.qry_settlement_info_confirm(h.conn, q, 14), 0);
  REQUIRE(h.sink.messages.size() == 1);
  CHECK(h.sink.messages[0].has_body);
  CHECK_EQ(s(h.sink.messages[0].body.settlement_info_confirm.InvestorID), s("u1"));
  // Orders are now accepted.
  h.sink.messages.clear();
  h.buy("rb2505", 2990, 1);
  CHECK_EQ(render(h.sink.messages), s("O:a O:3"));
}

void logout_disconnect_and_clock() {
  Harness h;
  h.open_default();
  CThostFtdcUserLogoutField lo{};
  set_str(lo.BrokerID, "9999");
  set_str(lo.UserID, "u1");
  CHECK_EQ(h.core.logout(h.conn, lo, 21), 0);
  REQUIRE(h.sink.messages.size() == 1);
  CHECK(h.sink.messages[0].kind == TraderCallback::RspUserLogout);
  CHECK_EQ(s(h.sink.messages[0].body.user_logout.UserID), s("u1"));
  h.sink.messages.clear();
  h.buy("rb2505", 2990, 1);
  CHECK_EQ(render(h.sink.messages), s("RI:6"));

  h.sink.messages.clear();
  h.core.disconnect(h.conn, 4097);
  REQUIRE(h.sink.messages.size() == 1);
  CHECK(h.sink.messages[0].kind == TraderCallback::FrontDisconnected);
  CHECK_EQ(h.sink.messages[0].reason, 4097);
  h.sink.messages.clear();
  CHECK_EQ(h.core.insert_order(h.conn, h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 2990, 1), 1), -1);
  CHECK(h.sink.messages.empty());
  RecordingSink other;
  const int c = h.core.connect(other, {}, {});
  other.messages.clear();
  h.core.disconnect(c, 0);  // clean release: no callback
  CHECK(other.messages.empty());

  // Night start: the clock begins at 21:00 of the previous weekday (Monday's night is Friday).
  FrontConfig night;
  night.session = "night";
  ExchangeCore core(night, standard_instruments(), "20250428");
  char d[9], t[9];
  clock::format_date(core.now_exchange_ns(), d);
  clock::format_time(core.now_exchange_ns(), t);
  CHECK_EQ(s(d), s("20250425"));
  CHECK_EQ(s(t), s("21:00:00"));
  // Feed events move the clock.
  Harness h2;
  h2.open_default();
  h2.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100}, 3'600'000);  // +1 h
  h2.buy("rb2505", 2990, 1);
  CHECK_EQ(s(orders_of(h2.sink.messages).back()->InsertTime), s("10:00:00"));
  CHECK_EQ(s(orders_of(h2.sink.messages).back()->InsertDate), s("20250428"));
  CHECK_EQ(s(orders_of(h2.sink.messages).back()->TradingDay), s("20250428"));
}

}  // namespace

int main() {
  auth_and_login_gates();
  session_ids_and_max_order_ref();
  settlement_flow();
  logout_disconnect_and_clock();
  return shandian::testing::finish("test_sim_core_session");
}
