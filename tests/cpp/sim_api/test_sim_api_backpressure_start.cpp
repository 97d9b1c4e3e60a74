// speed=0 (backpressure): the feed is paced by its md consumers, so it must not run while nobody is
// subscribed. A client that logs its trader in first and subscribes market data later (vn.py always does)
// gets the whole day from its first tick, exactly like one that subscribes first. The expected day comes
// from the feed source itself (the same address, a separate generator), not from another client.
#include <memory>
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
  auto source =
      shandian::sim::make_feed_source(cfg, shandian::sim::select_instruments(cfg.instruments, cfg.trading_day));
  Day day;
  shandian::sim::FeedEvent ev;
  while (source->next(ev)) {
    if (ev.kind != shandian::sim::FeedEvent::Kind::Tick) continue;
    if (day.ticks++ == 0) day.first = ev.tick;
  }
  return day;
}

void md_subscribe(CThostFtdcMdApi* md, MdSpi& spi, const std::string& address, const std::string& instrument) {
  REQUIRE(md_connect(md, spi, address));
  REQUIRE(md_login_subscribe(md, spi, {instrument}));
}

// A trader connected and logged in (settlement confirmed): what starts the feed thread.
std::unique_ptr<Trader> trader_login(const std::string& address, const std::string& flow) {
  auto t = std::make_unique<Trader>(address, flow);
  REQUIRE(trader_session(t->api, t->spi, t->request_id));
  return t;
}

// One start order: `trader_first` logs the trader in, waits `gap`, then logs md in and subscribes; else md
// first, then the trader after the same gap. Either way md must see the whole day, from its first tick.
void run(const char* name, bool trader_first) {
  const std::string address =
      std::string("local://") + name + "?speed=0&instruments=rb2505&trading_day=20250102&session=day&seed=5&wait=block";
  const Day day = expected_day(address);
  REQUIRE(day.ticks > 20000);  // a generated day session of one instrument: ~27k snapshots
  constexpr auto gap = 200ms;  // the scenario itself (a client's start-up gap), not a wait for a result

  const std::string td_flow = make_flow_dir(std::string(name) + "-td");
  MdSpi md_spi;
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir(std::string(name) + "-md").c_str());
  REQUIRE(md != nullptr);
  std::unique_ptr<Trader> td;
  if (trader_first) {
    td = trader_login(address, td_flow);
    std::this_thread::sleep_for(gap);
    md_subscribe(md, md_spi, address, "rb2505");
  } else {
    md_subscribe(md, md_spi, address, "rb2505");
    std::this_thread::sleep_for(gap);
    td = trader_login(address, td_flow);
  }
  CHECK(md_spi.rec.wait([&] { return md_spi.ticks >= day.ticks; }, 120s));
  const auto [ticks, first] = md_spi.rec.read([&] { return std::make_pair(md_spi.ticks, md_spi.first_tick); });
  CHECK_EQ(ticks, day.ticks);
  CHECK_EQ(std::string(first.UpdateTime), std::string(day.first.UpdateTime));
  CHECK_EQ(first.UpdateMillisec, day.first.UpdateMillisec);
  CHECK_EQ(first.Volume, day.first.Volume);
  std::printf("%s: %lld ticks, first %s.%03d\n", name, ticks, first.UpdateTime, first.UpdateMillisec);
  md->Release();
}

}  // namespace

int main() {
  run("bp-trader-first", true);
  run("bp-md-first", false);
  return shandian::testing::finish("test_sim_api_backpressure_start");
}
