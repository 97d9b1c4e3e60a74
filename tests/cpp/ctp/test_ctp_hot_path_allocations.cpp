// The tick -> agent -> order -> ReqOrderInsert path (and the order/trade reports coming back) performs no
// heap allocation in steady state.
//
// Real production code end to end: a "vendor" thread calls the real MdSpi / TraderSpi callbacks with CTP
// structs; the Engine merges the rings, updates instrument state and dispatches one batch at a time to an
// agent that sends a FAK on every tick; the order goes through validation, the risk hook, the pool,
// SUBMITTING publication and the real CTP request encoding (encode_insert), where a test gateway stands in
// for ReqOrderInsert and hands the order back to the vendor thread, which answers with OnRtnOrder (GBK
// status text, so iconv runs) and OnRtnTrade. After a warm-up, every operator new / malloc / calloc /
// realloc in the process is counted (replaced here, in this test binary only); the count must stay 0.
//
// Under ASan/TSan the sanitizer owns the allocator, so the replacement is compiled out and the test only
// exercises the same path (still checked for races and memory errors).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "core/engine.hpp"
#include "ctp/order_encoding.hpp"
#include "ctp/spi.hpp"
#include "support/check.hpp"

#include "support/allocation_counter.hpp"

using namespace shandian;
using namespace shandian::core;

namespace {

struct Ack {
  std::int64_t order_ref;
  std::int32_t volume;
  double price;
};

// Stands in for the CTP library only at the Req* boundary: the request is encoded exactly as the Session
// encodes it, and "entering ReqOrderInsert" means handing it to the vendor thread.
class BoundaryGateway final : public Gateway {
 public:
  EventRing md_ring{1 << 12};
  EventRing td_ring{1 << 12};
  EventRing* rings_[2] = {&td_ring, &md_ring};
  queue::SpscRing<Ack> acks{1 << 12};
  std::optional<ctp::MdSpi> md_spi;
  std::optional<ctp::TraderSpi> td_spi;
  GatewayHost* host = nullptr;
  CThostFtdcInputOrderField tmpl{};
  std::int64_t next_ref = 1;
  std::uint64_t req_order_insert_entered = 0;
  double checksum = 0;
  std::uint64_t next_sys_id = 1000;  // vendor thread only

  void attach(GatewayHost& h, queue::Waiter& waiter) override {
    host = &h;
    md_spi.emplace(md_ring, waiter, 0, true);
    td_spi.emplace(td_ring, waiter, 1'000'000'000, false);
    ctp::prepare_insert_template(tmpl, "9999", "tester", "tester");
  }
  std::span<EventRing* const> rings() noexcept override { return {rings_, 2}; }
  void start() override {}
  void on_event(const Event&) noexcept override {}
  std::int64_t poll(std::int64_t now) noexcept override { return now + 1'000'000'000; }
  bool trading_ready() const noexcept override { return true; }
  void prepare_insert(Order& order) noexcept override {
    order.front_id = 1;
    order.session_id = 42;
    order.order_ref = next_ref++;
  }
  int write_insert(const Order& order) noexcept override {
    CThostFtdcInputOrderField f;
    ctp::encode_insert(tmpl, order, f);
    ++req_order_insert_entered;
    checksum += f.LimitPrice;
    while (!acks.try_push(Ack{order.order_ref, f.VolumeTotalOriginal, f.LimitPrice})) std::this_thread::yield();
    return 0;
  }
  int write_cancel(const Order&) noexcept override { return 0; }
  void want_market_data(InstrumentIndex) noexcept override {}
  void stop() noexcept override {}
};

struct FakAgent final : AgentDispatcher {
  Engine* engine = nullptr;
  AgentId agent = 0;
  std::uint64_t ticks = 0, orders = 0, rejects = 0, trades = 0, updates = 0;
  std::uint64_t stop_after_trades = 0;
  void on_batch(const Batch& batch) override {
    for (const BatchItem& item : batch.sequence) {
      switch (item.kind) {
        case BatchItemKind::Tick: {
          const TickData& t = batch.ticks[item.index];
          ++ticks;
          const InsertResult r = engine->insert_order(agent, t.instrument, Direction::Buy, Offset::Open, t.ask_price[0],
                                                      1, OrderKind::Fak);
          if (r.ok()) {
            ++orders;
          } else {
            ++rejects;
          }
          break;
        }
        case BatchItemKind::Trade: ++trades; break;
        case BatchItemKind::Order: ++updates; break;
        default: break;
      }
    }
    if (stop_after_trades != 0 && trades >= stop_after_trades) engine->stop();
  }
};

void answer(BoundaryGateway& gw, CThostFtdcOrderField& o, CThostFtdcTradeField& t, std::uint64_t& sys_id,
            const Ack& ack) {
  ++sys_id;
  ctp::put_number(o.OrderRef, ack.order_ref);
  ctp::put_number(o.OrderSysID, static_cast<std::int64_t>(sys_id));
  o.LimitPrice = ack.price;
  o.VolumeTotalOriginal = ack.volume;
  o.VolumeTraded = ack.volume;
  gw.td_spi->OnRtnOrder(&o);
  ctp::put_number(t.OrderRef, ack.order_ref);
  ctp::put_number(t.OrderSysID, static_cast<std::int64_t>(sys_id));
  ctp::put_number(t.TradeID, static_cast<std::int64_t>(sys_id));
  t.Price = ack.price;
  t.Volume = ack.volume;
  gw.td_spi->OnRtnTrade(&t);
}

void vendor_thread(BoundaryGateway& gw, std::uint64_t total_ticks, std::atomic<bool>& quit) {
  CThostFtdcDepthMarketDataField d{};
  std::strcpy(d.InstrumentID, "rb2505");
  std::strcpy(d.TradingDay, "20250102");
  std::strcpy(d.ActionDay, "20250102");
  d.UpperLimitPrice = 3700;
  d.LowerLimitPrice = 3300;
  CThostFtdcOrderField o{};
  std::strcpy(o.InstrumentID, "rb2505");
  std::strcpy(o.ExchangeID, "SHFE");
  o.FrontID = 1;
  o.SessionID = 42;
  o.Direction = THOST_FTDC_D_Buy;
  o.CombOffsetFlag[0] = THOST_FTDC_OF_Open;
  o.OrderStatus = THOST_FTDC_OST_AllTraded;
  o.OrderSubmitStatus = THOST_FTDC_OSS_Accepted;
  std::memcpy(o.StatusMsg, "\xc8\xab\xb2\xbf\xb3\xc9\xbd\xbb", 9);  // 全部成交 (GBK): iconv runs
  CThostFtdcTradeField t{};
  std::strcpy(t.InstrumentID, "rb2505");
  std::strcpy(t.ExchangeID, "SHFE");
  t.Direction = THOST_FTDC_D_Buy;
  t.OffsetFlag = THOST_FTDC_OF_Open;
  std::strcpy(t.TradeTime, "09:30:00");
  std::uint64_t& sys_id = gw.next_sys_id;  // unique across phases: TradeIDs must never repeat

  // After the last tick, keep answering orders until the engine has everything (quit).
  for (std::uint64_t i = 0; !quit.load(std::memory_order_acquire); ++i) {
    if (i >= total_ticks) {
      Ack ack;
      if (!gw.acks.try_pop(ack)) {
        std::this_thread::yield();
        continue;
      }
      answer(gw, o, t, sys_id, ack);
      continue;
    }
    const double px = 3400 + static_cast<double>(i % 50);
    d.LastPrice = px;
    d.BidPrice1 = px - 1;
    d.AskPrice1 = px;
    d.BidVolume1 = d.AskVolume1 = 5;
    d.Volume = static_cast<int>(i);
    const unsigned secs = static_cast<unsigned>(9 * 3600 + (i / 2) % (5 * 3600));
    const unsigned hms[3] = {secs / 3600, (secs / 60) % 60, secs % 60};
    for (int k = 0; k < 3; ++k) {
      d.UpdateTime[k * 3] = static_cast<char>('0' + hms[k] / 10);
      d.UpdateTime[k * 3 + 1] = static_cast<char>('0' + hms[k] % 10);
      if (k < 2) d.UpdateTime[k * 3 + 2] = ':';
    }
    d.UpdateTime[8] = '\0';
    d.UpdateMillisec = static_cast<int>(i % 2) * 500;
    gw.md_spi->OnRtnDepthMarketData(&d);
    // Answer every order sent so far: Rtn AllTraded + the trade, through the real Spi.
    Ack ack;
    while (gw.acks.try_pop(ack)) answer(gw, o, t, sys_id, ack);
    // Pace to the engine (2 cores): keep a bounded backlog instead of flooding the lossy md ring.
    while (gw.md_ring.size_approx() > 256 && !quit.load(std::memory_order_acquire)) std::this_thread::yield();
  }
}

std::uint64_t run_phase(BoundaryGateway& gw, Engine& engine, FakAgent& agent, std::uint64_t ticks, bool count) {
  agent.stop_after_trades = agent.trades + ticks;
  std::atomic<bool> quit{false};
  const std::uint64_t before = g_allocations.load();
  std::thread vendor([&] { vendor_thread(gw, ticks, quit); });
  std::thread watchdog([&] {  // a stuck phase fails instead of hanging: bounded, polled every 10 ms
    for (int i = 0; i < 6000; ++i) {
      if (quit.load(std::memory_order_acquire)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    engine.stop();
  });
  if (count) g_counting.store(true);
  engine.run();
  g_counting.store(false);
  quit.store(true, std::memory_order_release);
  vendor.join();
  watchdog.join();
  return g_allocations.load() - before;
}

}  // namespace

int main() {
#if SHANDIAN_COUNT_ALLOCATIONS
  {  // the counter itself works
    g_counting.store(true);
    void* volatile p = std::malloc(16);
    int* volatile q = new int(1);
    g_counting.store(false);
    std::free(p);
    delete q;
    CHECK_EQ(g_allocations.load(), 2u);
    g_allocations.store(0);
  }
#endif
  BoundaryGateway gw;
  EngineConfig config;
  config.wait = queue::WaitStrategy::Block;
  Engine engine(config, gw);
  FakAgent agent;
  agent.engine = &engine;
  agent.agent = engine.add_agent("fak");
  engine.set_dispatcher(&agent);
  InstrumentSpec rb;
  rb.symbol.assign("rb2505");
  rb.exchange.assign("SHFE");
  rb.price_tick = 1.0;
  rb.volume_multiple = 10;
  rb.max_limit_order_volume = 500;
  REQUIRE(engine.define_instrument(rb).has_value());
  REQUIRE(engine.subscribe(agent.agent, "rb2505") == RejectCode::None);
  engine.start();

  // Warm-up: first-touch of pools, maps, batch buffers, iconv state.
  const std::uint64_t warm = 3000;
  (void)run_phase(gw, engine, agent, warm, false);
  REQUIRE(agent.trades >= warm);
  const std::uint64_t orders_before = gw.req_order_insert_entered;

  // Steady state, counted.
  const std::uint64_t measured = 20000;
  const std::uint64_t allocations = run_phase(gw, engine, agent, measured, true);
  const std::uint64_t orders = gw.req_order_insert_entered - orders_before;
  std::printf("steady state: %llu ticks dispatched, %llu ReqOrderInsert, %llu trades, %llu heap allocations%s\n",
              static_cast<unsigned long long>(agent.ticks), static_cast<unsigned long long>(orders),
              static_cast<unsigned long long>(agent.trades), static_cast<unsigned long long>(allocations),
              SHANDIAN_COUNT_ALLOCATIONS ? "" : " (not counted under a sanitizer)");
  CHECK(orders >= measured / 2);  // most ticks led to an order (ticks may coalesce into batches)
  CHECK_EQ(agent.rejects, 0u);
  CHECK_EQ(allocations, 0u);
  CHECK_EQ(engine.stats().buffer_growths, 0u);
  CHECK_EQ(engine.order_manager().stats().duplicate_trades, 0u);
  CHECK(engine.order_manager().live_count() <= 1u);
  engine.shutdown();
  return shandian::testing::finish("test_ctp_hot_path_allocations");
}
