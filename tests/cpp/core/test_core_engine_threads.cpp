// Two producer threads (standing in for the CTP md and trader threads) push into the engine's rings while
// the engine runs with the block strategy on this thread; every event arrives, per-ring FIFO holds, and
// stop() from a third thread ends run(). Run under TSan (label tsan).
#include <atomic>
#include <thread>

#include "fake_gateway.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

struct Counter final : AgentDispatcher {
  Engine* engine = nullptr;
  std::size_t expected = 0;
  std::size_t seen = 0;
  double last_a = 0, last_b = 0;
  bool fifo_ok = true;
  void on_batch(const Batch& batch) override {
    for (const TickData& t : batch.ticks) {
      double& last = t.symbol == std::string_view("rb2505") ? last_a : last_b;
      if (t.last_price <= last) fifo_ok = false;
      last = t.last_price;
      ++seen;
    }
    if (seen >= expected) engine->stop();
  }
};

void producers_and_engine_under_block_strategy() {
  constexpr int kPerProducer = 20000;
  FakeGateway gw;
  EngineConfig config;
  config.wait = shandian::queue::WaitStrategy::Block;
  Engine engine(config, gw);
  Counter counter;
  counter.engine = &engine;
  counter.expected = 2 * kPerProducer;
  engine.set_dispatcher(&counter);
  const AgentId a = engine.add_agent("a");
  gw.add_instrument("rb2505", "SHFE", 1.0);
  gw.add_instrument("m2509", "DCE", 1.0);
  gw.host->instruments_loaded();
  REQUIRE(engine.subscribe(a, "rb2505") == RejectCode::None);
  REQUIRE(engine.subscribe(a, "m2509") == RejectCode::None);
  shandian::queue::Waiter& waiter = engine.waiter();

  auto produce = [&](EventRing& ring, const char* symbol) {
    for (int i = 1; i <= kPerProducer; ++i) {
      while (!push_tick(ring, monotonic_ns(), symbol, i)) std::this_thread::yield();  // bounded by the engine
      waiter.notify();
    }
  };
  std::thread md(produce, std::ref(gw.ring_a), "rb2505");
  std::thread td(produce, std::ref(gw.ring_b), "m2509");
  std::atomic<bool> done{false};
  // Safety net: a stuck engine fails the test instead of hanging it.
  std::thread watchdog([&] {
    const std::int64_t give_up = monotonic_ns() + 60'000'000'000LL;
    while (!done.load(std::memory_order_acquire) && monotonic_ns() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!done.load(std::memory_order_acquire)) engine.stop();
  });
  engine.run();
  done.store(true, std::memory_order_release);
  md.join();
  td.join();
  watchdog.join();
  CHECK_EQ(counter.seen, static_cast<std::size_t>(2 * kPerProducer));
  CHECK(counter.fifo_ok);
  CHECK_EQ(engine.stats().buffer_growths, 0u);
}

void stop_before_run_returns_immediately() {
  FakeGateway gw;
  Engine engine(EngineConfig{}, gw);
  engine.stop();
  engine.run();  // must not hang
  CHECK(true);
}

}  // namespace

int main() {
  producers_and_engine_under_block_strategy();
  stop_before_run_returns_immediately();
  return shandian::testing::finish("test_core_engine_threads");
}
