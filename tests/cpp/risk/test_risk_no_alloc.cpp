// The full rule set allocates nothing per check: after set-up, every operator new in the process is
// counted (replaced in this test binary only) across many order/cancel checks and order updates.
// Under ASan/TSan the sanitizer owns the allocator: the replacement is compiled out there and the test only
// exercises the same path (as tests/cpp/ctp/test_ctp_hot_path_allocations.cpp does).
#include <atomic>
#include <cstdlib>
#include <new>

#include "risk_fixture.hpp"

#include "support/allocation_counter.hpp"

using namespace rt;

int main() {
  Fixture f;
  RiskLimits l;
  l.agent.order_rate[0] = {2000, 1000};
  l.agent.cancel_rate[0] = {2000, 1000};
  l.agent.max_order_volume = 100;
  l.agent.max_position = 100000;
  l.agent.max_active_orders = 100000;
  l.agent.daily_cancels = 1 << 30;
  l.agent.daily_messages = 1 << 30;
  l.agent.check_capital = true;
  l.agent.daily_loss = 1e12;
  l.account.order_rate[0] = {2000, 1000};
  l.account.cancel_rate[0] = {2000, 1000};
  l.instrument.daily_cancels = 1 << 30;
  l.instrument.daily_messages = 1 << 30;
  l.instrument.large_cancels = 1 << 30;
  l.instrument.large_order_lots = 300;
  l.instrument.price_band_ticks = 1000;
  l.instrument.stale_after_ms = 1LL << 40;
  l.instrument.daily_open_volume = 1 << 30;
  RiskEngine e(f.registry, {}, l);
  e.set_agent_name(0, "a");
  TestLedger ledger;  // std::map lookups of missing keys do not allocate
  f.tick(f.rb, 3500, 0);
  g_counting.store(true, std::memory_order_relaxed);
  std::int64_t now = 0;
  for (std::uint32_t i = 1; i <= 20000; ++i) {
    now += kMs;
    const Direction d = i % 2 ? Direction::Buy : Direction::Sell;
    const double price = d == Direction::Buy ? 3400.0 : 3600.0;
    CHECK(e.check_order(order(0, f.rb, now, 1, d, price), f.ctx(&ledger)).accepted());
    e.on_order_update(update(oid(i % 512 + 1, i), 0, f.rb, OrderStatus::Queued, d, price));
    CHECK(e.check_cancel({0, oid(i % 512 + 1, i), f.rb, now}, f.ctx(&ledger)).accepted());
    e.on_order_update(update(oid(i % 512 + 1, i), 0, f.rb, OrderStatus::Cancelled, d, price));
    // Refusals format their reason into the verdict's fixed buffer: no allocation either.
    CHECK(e.check_order(order(0, f.rb, now, 101, d, price), f.ctx(&ledger)).code == RejectCode::RiskMaxOrderVolume);
  }
  g_counting.store(false, std::memory_order_relaxed);
  CHECK(!SHANDIAN_COUNT_ALLOCATIONS || g_allocations.load(std::memory_order_relaxed) == 0);
  return shandian::testing::finish("test_risk_no_alloc");
}
