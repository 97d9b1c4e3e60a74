// Resume types through the built libraries with a restarted client (a new API object on the same live
// counter): QUICK delivers only private/public messages generated after its login — also after an
// automatic reconnect that came before any message — RESTART replays the day, RESUME continues after the
// sequence number in the flow file (ctp-semantics.md §1).
#include <string>

#include "../support/check.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;

namespace {

// An order the exchange rejects (off the 1-yuan tick of rb): three private messages, no price needed.
std::string insert_rejected(Trader& t) {
  const std::string ref =
      std::to_string(std::max(1, std::atoi(t.spi.rec.read([&] { return t.spi.max_order_ref; }).c_str())) +
                     static_cast<int>(t.spi.rec.read([&] { return t.spi.orders.size(); })));
  auto o = limit_order("rb2505", "SHFE", ref, THOST_FTDC_D_Buy, 3000.5, 1);
  CHECK_EQ(t.api->ReqOrderInsert(&o, ++t.request_id), 0);
  CHECK(t.spi.rec.wait([&] { return t.spi.has_status(ref, THOST_FTDC_OST_Canceled); }));
  return ref;
}

// Everything queued before this query's answer (a login's replay included) has been delivered after it.
void barrier(Trader& t) {
  CThostFtdcQryTradingAccountField q{};
  const int id = ++t.request_id;
  REQUIRE(t.api->ReqQryTradingAccount(&q, id) == 0);
  REQUIRE(t.spi.rec.wait([&] { return t.spi.query_last.count(id) == 1; }));
}

[[nodiscard]] bool saw(Trader& t, const std::string& ref) {
  return t.spi.rec.read([&] {
    for (const auto& o : t.spi.orders)
      if (ref == o.OrderRef) return true;
    return false;
  });
}

void restarted_clients() {
  const std::string address = "local://resume-restart?instruments=rb&trading_day=20250102&speed=1&query_interval_ms=0";
  // Holds the counter alive while the clients come and go (the instance lives while an API holds it).
  Trader keeper(address, make_flow_dir("keeper"), THOST_TERT_QUICK, THOST_TERT_NONE);
  REQUIRE(keeper.spi.rec.wait([&] { return keeper.spi.connected == 1; }));

  const std::string flow_a = make_flow_dir("client-a");
  Trader a(address, flow_a, THOST_TERT_RESTART, THOST_TERT_RESTART);
  REQUIRE(trader_session(a.api, a.spi, a.request_id));
  const std::string ref_a = insert_rejected(a);
  CHECK(a.spi.rec.wait([&] { return a.spi.instrument_status >= 1; }));  // the public stream is not empty
  a.release();  // the client "restarts": its flow file says how far it got

  Trader quick(address, make_flow_dir("client-quick"), THOST_TERT_QUICK, THOST_TERT_QUICK);
  REQUIRE(trader_session(quick.api, quick.spi, quick.request_id));
  barrier(quick);
  CHECK(!saw(quick, ref_a));
  CHECK_EQ(quick.spi.rec.read([&] { return quick.spi.instrument_status; }), 0);
  const std::string ref_q = insert_rejected(quick);  // what happens after its login does arrive
  CHECK(saw(quick, ref_q));

  Trader restart(address, make_flow_dir("client-restart"), THOST_TERT_RESTART, THOST_TERT_RESTART);
  REQUIRE(trader_session(restart.api, restart.spi, restart.request_id));
  barrier(restart);
  CHECK(saw(restart, ref_a));
  CHECK(saw(restart, ref_q));
  CHECK(restart.spi.rec.read([&] { return restart.spi.instrument_status; }) >= 1);

  Trader resume(address, flow_a, THOST_TERT_RESUME, THOST_TERT_RESUME);  // A again, from its flow file
  REQUIRE(trader_session(resume.api, resume.spi, resume.request_id));
  barrier(resume);
  CHECK(!saw(resume, ref_a));
  CHECK(saw(resume, ref_q));
  CHECK_EQ(resume.spi.rec.read([&] { return resume.spi.instrument_status; }), 0);
}

// QUICK, then the connection drops before the client received any stream message: the API reconnects by
// itself and must not turn that into a replay of the day (nothing older than the first login).
void quick_survives_a_reconnect() {
  const std::string address =
      "local://resume-reconnect?instruments=rb&trading_day=20250102&speed=1&query_interval_ms=0"
      "&disconnect_after=7&reconnect_ms=50";
  Trader a(address, make_flow_dir("reconnect-a"), THOST_TERT_RESTART, THOST_TERT_NONE);
  REQUIRE(trader_session(a.api, a.spi, a.request_id));  // 4 callbacks: connected, auth, login, confirm
  const std::string ref_a = insert_rejected(a);         // 3 private messages (A is dropped after them)
  // The feed's opening status events must be in the public stream before QUICK logs in, or they reach it
  // live (the feed's first events come at a time a loaded machine does not bound): a client subscribed to
  // the public stream from the start of the day sees them first. Its own drop after 7 callbacks is harmless.
  Trader watcher(address, make_flow_dir("reconnect-watcher"), THOST_TERT_NONE, THOST_TERT_RESTART);
  REQUIRE(trader_session(watcher.api, watcher.spi, watcher.request_id));
  REQUIRE(watcher.spi.rec.wait([&] { return watcher.spi.instrument_status >= 1; }));

  Trader quick(address, make_flow_dir("reconnect-quick"), THOST_TERT_QUICK, THOST_TERT_QUICK);
  REQUIRE(trader_session(quick.api, quick.spi, quick.request_id));
  barrier(quick);
  barrier(quick);
  barrier(quick);  // the 7th callback: the front drops the connection, the API reconnects
  REQUIRE(quick.spi.rec.wait([&] { return quick.spi.disconnected == 1 && quick.spi.connected == 2; }));
  REQUIRE(trader_session(quick.api, quick.spi, quick.request_id));
  barrier(quick);
  CHECK(!saw(quick, ref_a));
  CHECK_EQ(quick.spi.rec.read([&] { return quick.spi.instrument_status; }), 0);
}

}  // namespace

int main() {
  restarted_clients();
  quick_survives_a_reconnect();
  return shandian::testing::finish("test_sim_api_resume");
}
