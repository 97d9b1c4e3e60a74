// Live limit changes: another thread posts new limits while the engine thread keeps checking; every
// update is applied on the engine thread (TSan-clean), and the last one posted is the one in force.
#include <atomic>
#include <thread>

#include "risk_fixture.hpp"

using namespace rt;

int main() {
  Fixture f;
  RiskLimits l;
  l.instrument.session_gate = false;
  l.instrument.self_trade_prevention = false;
  l.agent.max_order_volume = 1;
  RiskEngine e(f.registry, {}, l);
  std::atomic<bool> done{false};  // release/acquire: the poster's last post happens-before the final check
  std::thread poster([&] {
    for (std::int32_t v = 2; v <= 200; ++v) {
      RiskLimits next = l;
      next.agent.max_order_volume = v;
      next.agent.order_rate[0] = {static_cast<std::uint32_t>(v), 1000};
      while (!e.post_limits(next)) std::this_thread::yield();
    }
    done.store(true, std::memory_order_release);
  });
  std::int64_t now = 0;
  std::int32_t last_allowed = 1;
  while (!done.load(std::memory_order_acquire)) {
    now += 2 * 1000 * kMs;  // past every window
    // Volumes admitted never decrease: updates arrive in order.
    std::int32_t allowed = last_allowed;
    while (allowed < 200 && e.check_order(order(0, f.rb, now, allowed + 1), f.ctx()).accepted()) ++allowed;
    CHECK(allowed >= last_allowed);
    last_allowed = allowed;
  }
  poster.join();
  e.apply_pending();
  CHECK(e.limits().agent.max_order_volume == 200);
  CHECK(e.check_order(order(0, f.rb, now + 10'000 * kMs, 200), f.ctx()).accepted());
  CHECK(e.check_order(order(0, f.rb, now + 10'000 * kMs, 201), f.ctx()).code == RejectCode::RiskMaxOrderVolume);
  CHECK(e.stats().updates_applied == 199);
  // Same for one agent's override.
  AgentLimits a = e.limits().agent;
  a.max_order_volume = 3;
  CHECK(e.post_agent_limits(0, a));
  CHECK(e.check_order(order(0, f.rb, now + 20'000 * kMs, 4), f.ctx()).code == RejectCode::RiskMaxOrderVolume);
  CHECK(e.check_order(order(1, f.rb, now + 20'000 * kMs, 4), f.ctx()).accepted());
  return shandian::testing::finish("test_risk_live_update");
}
