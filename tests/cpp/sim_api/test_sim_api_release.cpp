// Release() semantics: from a non-callback thread while the feed streams at full speed (speed=0,
// backpressure) it joins and frees everything, and the last API frees the front instance; from inside a
// callback (where the vendor crashes) it is deferred to after the callback; Join() returns after Release;
// Release without Init is fine.
#include <atomic>
#include <thread>

#include "../support/check.hpp"
#include "sim/api/front_instance.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;
using shandian::sim::FrontInstance;

namespace {

bool wait_no_instances() {
  // Bounded poll: instance teardown has no callback to wait on.
  for (int i = 0; i < 10000; ++i) {
    if (FrontInstance::live_instances() == 0) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

struct SlowMdSpi : MdSpi {
  void OnRtnDepthMarketData(CThostFtdcDepthMarketDataField* t) override {
    MdSpi::OnRtnDepthMarketData(t);
    std::this_thread::yield();  // a consumer slower than the feed: the feed must wait, not drop
  }
};

void release_while_streaming() {
  const std::string address = "local://release-stream?speed=0&trading_day=20250102";
  SlowMdSpi spi;
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir("rel-md").c_str());
  md->RegisterSpi(&spi);
  md->RegisterFront(const_cast<char*>(address.c_str()));
  md->Init();
  REQUIRE(spi.rec.wait([&] { return spi.connected == 1; }));
  CThostFtdcReqUserLoginField login{};
  CHECK_EQ(md->ReqUserLogin(&login, 1), 0);
  REQUIRE(spi.rec.wait([&] { return spi.login_ok == 1; }));
  char* ids[] = {const_cast<char*>("rb2505"), const_cast<char*>("cu2502"), const_cast<char*>("IF2501")};
  CHECK_EQ(md->SubscribeMarketData(ids, 3), 0);
  CHECK(spi.rec.wait([&] { return spi.ticks >= 20000; }, 60s));
  // A trader on the same instance, released from another thread than the one that created it.
  TraderSpi tspi;
  CThostFtdcTraderApi* td = libraries().create_trader(make_flow_dir("rel-td").c_str());
  td->RegisterSpi(&tspi);
  td->RegisterFront(const_cast<char*>("local://release-stream"));  // joins the running instance
  td->Init();
  CHECK(tspi.rec.wait([&] { return tspi.connected == 1; }));
  std::thread other([&] { td->Release(); });
  other.join();
  CHECK_EQ(FrontInstance::live_instances(), std::size_t{1});
  md->Release();  // the feed is blocked on this consumer's backpressure right now
  CHECK(wait_no_instances());
}

void release_from_callback_is_deferred() {
  TraderSpi spi;
  CThostFtdcTraderApi* td = libraries().create_trader(make_flow_dir("rel-cb").c_str());
  std::atomic<bool> returned{false};
  spi.on_connected_hook = [&] {
    td->Release();  // inside OnFrontConnected: deferred until this callback returns
    returned.store(true);
  };
  td->RegisterSpi(&spi);
  td->RegisterFront(const_cast<char*>("local://release-cb?trading_day=20250102"));
  td->Init();
  CHECK(spi.rec.wait([&] { return spi.connected == 1; }));
  CHECK(wait_no_instances());
  CHECK(returned.load());
}

void join_returns_after_release() {
  MdSpi spi;
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir("rel-join").c_str());
  md->RegisterSpi(&spi);
  md->RegisterFront(const_cast<char*>("local://release-join?speed=1&instruments=rb&trading_day=20250102"));
  md->Init();
  REQUIRE(spi.rec.wait([&] { return spi.connected == 1; }));
  CThostFtdcReqUserLoginField login{};
  CHECK_EQ(md->ReqUserLogin(&login, 1), 0);
  REQUIRE(spi.rec.wait([&] { return spi.login_ok == 1; }));
  // Releases once two ticks (about a second of real-time pacing) have arrived; by then this thread is in Join.
  std::thread releaser([&] {
    CHECK(spi.rec.wait([&] { return spi.ticks >= 2; }, 30s));
    md->Release();
  });
  char* ids[] = {const_cast<char*>("rb2505")};
  CHECK_EQ(md->SubscribeMarketData(ids, 1), 0);
  CHECK_EQ(md->Join(), 0);
  releaser.join();
  CHECK(wait_no_instances());
}

void release_without_init() {
  CThostFtdcTraderApi* td = libraries().create_trader(make_flow_dir("rel-noinit").c_str());
  td->Release();
  CThostFtdcMdApi* md = libraries().create_md(make_flow_dir("rel-noinit-md").c_str());
  md->Release();
}

}  // namespace

int main() {
  release_without_init();
  release_while_streaming();
  release_from_callback_is_deferred();
  join_returns_after_release();
  return shandian::testing::finish("test_sim_api_release");
}
