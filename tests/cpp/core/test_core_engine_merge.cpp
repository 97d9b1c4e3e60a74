// The engine merges its rings in recv_ns order with a stable tie-break (lower ring first, FIFO within a
// ring), across batch boundaries, and routes ticks only when an agent subscribed.
#include <cstring>

#include "fake_gateway.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

void merge_order_is_recv_ns_then_ring_index(std::size_t batch_limit) {
  FakeGateway gw;
  EngineConfig config;
  config.max_events_per_batch = batch_limit;
  Engine engine(config, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  const AgentId agent = engine.add_agent("a");
  gw.add_instrument("rb2505", "SHFE", 1.0);
  gw.add_instrument("m2509", "DCE", 1.0);
  gw.add_instrument("IF2506", "CFFEX", 0.2);
  gw.host->instruments_loaded();
  CHECK(engine.subscribe(agent, "rb2505") == RejectCode::None);
  CHECK(engine.subscribe(agent, "m2509") == RejectCode::None);
  CHECK(engine.subscribe(agent, "IF2506") == RejectCode::None);
  CHECK_EQ(gw.wanted, 3u);

  REQUIRE(push_tick(gw.ring_a, 10, "rb2505", 1));
  REQUIRE(push_tick(gw.ring_a, 30, "rb2505", 2));
  REQUIRE(push_tick(gw.ring_a, 50, "rb2505", 3));
  REQUIRE(push_tick(gw.ring_b, 20, "m2509", 4));
  REQUIRE(push_tick(gw.ring_b, 30, "m2509", 5));  // tie with ring_a's 30: ring_a first
  REQUIRE(push_tick(gw.ring_b, 60, "IF2506", 6));
  REQUIRE(push_tick(gw.ring_b, 70, "zz9999", 7));  // unknown instrument: counted, not dispatched

  for (int i = 0; i < 20 && rec.tick_count < 6; ++i) engine.run_once(1'000'000);
  REQUIRE(rec.tick_count == 6);
  const double expected[] = {1, 4, 2, 5, 3, 6};
  for (std::size_t i = 0; i < 6; ++i) CHECK_EQ(rec.ticks[i].last_price, expected[i]);
  CHECK_EQ(rec.ticks[0].instrument, 0u);
  CHECK_EQ(rec.ticks[1].instrument, 1u);
  CHECK_EQ(rec.ticks[5].instrument, 2u);
  CHECK_EQ(rec.ticks[0].subscribers, 1ull);
  for (int i = 0; i < 5; ++i) engine.run_once(0);
  CHECK_EQ(engine.stats().unknown_instrument_ticks, 1u);
  if (batch_limit == 2) CHECK(rec.batches >= 3);
}

void unsubscribed_ticks_update_state_but_are_not_dispatched() {
  FakeGateway gw;
  Engine engine(EngineConfig{}, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  (void)engine.add_agent("a");
  const InstrumentIndex rb = gw.add_instrument("rb2505", "SHFE", 1.0);
  REQUIRE(push_tick(gw.ring_a, 10, "rb2505", 3500, 3700, 3300));
  engine.run_once(0);
  CHECK_EQ(rec.tick_count, 0u);
  CHECK(engine.registry().at(rb).has_tick);
  CHECK_EQ(engine.registry().at(rb).last_tick.last_price, 3500.0);
}

void subscriptions_before_the_instrument_list_resolve_later() {
  FakeGateway gw;
  Engine engine(EngineConfig{}, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  const AgentId a = engine.add_agent("a");
  const AgentId b = engine.add_agent("b");
  CHECK(engine.subscribe(a, "rb2505") == RejectCode::None);  // kept until the list is loaded
  CHECK(engine.subscribe(b, "nosuch1") == RejectCode::None);
  CHECK(engine.subscribe(9, "rb2505") == RejectCode::InvalidAgent);
  gw.add_instrument("rb2505", "SHFE", 1.0);
  gw.host->instruments_loaded();
  CHECK_EQ(gw.wanted, 1u);
  CHECK(engine.subscribe(b, "nosuch2") == RejectCode::UnknownInstrument);
  engine.run_once(0);
  REQUIRE(rec.notice_count == 1);  // the unknown pending subscription is reported
  CHECK(rec.notices[0].kind == SessionNoticeKind::Warning);
  REQUIRE(push_tick(gw.ring_a, 10, "rb2505", 3500));
  engine.run_once(0);
  REQUIRE(rec.tick_count == 1);
  CHECK_EQ(rec.ticks[0].subscribers, 1ull << a);
}

void timers_fire_and_wait_is_bounded_by_the_next_timer() {
  FakeGateway gw;
  EngineConfig config;
  config.wait = shandian::queue::WaitStrategy::Block;
  Engine engine(config, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  const AgentId a = engine.add_agent("a");
  const auto timer = engine.add_timer(a, 2'000'000);  // 2 ms
  REQUIRE(timer.has_value());
  const std::int64_t start = monotonic_ns();
  // max_wait 1 s, but the timer bounds the wait: must fire within a few ms.
  while (rec.timer_count == 0 && monotonic_ns() - start < 2'000'000'000) engine.run_once(1'000'000'000);
  CHECK(rec.timer_count >= 1);
  CHECK(monotonic_ns() - start < 500'000'000);
  CHECK(engine.cancel_timer(*timer));
  CHECK(!engine.cancel_timer(*timer));
  CHECK(!engine.add_timer(a, 0).has_value());
}

}  // namespace

int main() {
  merge_order_is_recv_ns_then_ring_index(512);
  merge_order_is_recv_ns_then_ring_index(2);
  unsubscribed_ticks_update_state_but_are_not_dispatched();
  subscriptions_before_the_instrument_list_resolve_later();
  timers_fire_and_wait_is_bounded_by_the_next_timer();
  return shandian::testing::finish("test_core_engine_merge");
}
