// speed=0 (backpressure): the feed is paced by its md consumers, so it must not run while nobody is
// subscribed. A client that logs its trader in first and subscribes market data later (vn.py always does)
// gets the whole day from its first tick, exactly like one that subscribes first. The expected day comes
// from the feed source itself (the same address, a separate generator), not from another client.
#include <string>

#include "../support/check.hpp"
#include "sim/api/front_address.hpp"
#include "sim/feed/feed.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;

namespace {

struct Day {
  long long ticks = 0;
  CThostFtdcDepthMarketDataField first{};
};

// Every tick the front's source produces for the address (all instruments: the test subscribes them all).
Day expected_day(const std::string& address) {
  const auto parsed = shandian::sim::parse_front_address(address);
  REQUIRE(parsed.ok());
  const shandian::sim::FrontConfig& cfg = parsed.address->config;
  auto source = shandian::sim::make_feed_source(cfg, shandian::sim::select_instruments(cfg.instruments, cfg.trading_day));
  Day day;
  shandian::sim::FeedEvent ev;
  while (source->next(ev)) {
    if (ev.kind != shandian::sim::FeedEvent::Kind::Tick) continue;
    if (day.ticks++ == 0) day.first = ev.tick;
  }
  return day;
}

void md_subscribe(CThostFtdcMdApi* md, MdSpi& spi, const std::string& address, const std::string& instrument) {
  md->RegisterSpi(&spi);
  md->RegisterFront(const_cast<char*>(address.c_str()));
  md->Init();
  REQUIRE(spi.rec.wait([&] { return spi.connected == 1; }));
  CThostFtdcReqUserLoginField login{};
  SIM_FILL(login.BrokerID, "9999");
  SIM_FILL(login.UserID, "000001");
  CHECK_EQ(md->ReqUserLogin(&login, 1), 0);
  REQUIRE(spi.rec.wait([&] { return spi.login_ok == 1; }));
  char* ids[] = {const_cast<char*>(instrument.c_str())};
  CHECK_EQ(md->SubscribeMarketData(ids, 1), 0);
}

void trader_login(CThostFtdcTraderApi* td, TraderSpi& spi, const std::string& address) {
  td->RegisterSpi(&spi);
  td->SubscribePrivateTopic(THOST_TERT_QUICK);
  td->SubscribePublicTopic(THOST_TERT_QUICK);
  td->RegisterFront(const_cast<char*>(address.c_str()));
  td->Init();
  int request_id = 0;
  REQUIRE(trader_session(td, spi, request_id));
}

// One start order: `trader_first` logs the trader in, waits `gap`, then logs md in and subscribes; else md
// first, then the trader after the same gap. Either way md must see the whole day, from its first tick.
void run(const char* name, bool trader_first) {
  const std::string address = std::string("local://") + name +
                              "?speed=0&instruments=rb2505&trading_day=20250102&session=day&seed=5&wait=block";
  const Day day = expected_day(address);
  REQUIRE(day.ticks > 20000);  // a generated day session of one instrument: ~27k snapshots
  constexpr auto gap = 200ms;  // the scenario itself (a client's start-up gap), not a wait for a result

  TraderSpi td_spi;
  MdSpi md_spi;
  CThostFtdcTraderApi* td = libraries().create_trader(make_flow_dir(std::string(name) + "-td").c_str());
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir(std::string(name) + "-md").c_str());
  REQUIRE(td != nullptr && md != nullptr);
  if (trader_first) {
    trader_login(td, td_spi, address);
    std::this_thread::sleep_for(gap);
    md_subscribe(md, md_spi, address, "rb2505");
  } else {
    md_subscribe(md, md_spi, address, "rb2505");
    std::this_thread::sleep_for(gap);
    trader_login(td, td_spi, address);
  }
  CHECK(md_spi.rec.wait([&] { return md_spi.ticks >= day.ticks; }, 120s));
  const auto [ticks, first] = md_spi.rec.read([&] { return std::make_pair(md_spi.ticks, md_spi.first_tick); });
  CHECK_EQ(ticks, day.ticks);
  CHECK_EQ(std::string(first.UpdateTime), std::string(day.first.UpdateTime));
  CHECK_EQ(first.UpdateMillisec, day.first.UpdateMillisec);
  CHECK_EQ(first.Volume, day.first.Volume);
  std::printf("%s: %lld ticks, first %s.%03d\n", name, ticks, first.UpdateTime, first.UpdateMillisec);
  md->Release();
  td->Release();
}

}  // namespace

int main() {
  run("bp-trader-first", true);
  run("bp-md-first", false);
  return shandian::testing::finish("test_sim_api_backpressure_start");
}
