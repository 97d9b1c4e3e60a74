// Daily counts across a restart (cpp/risk/README.md, "Restarts"): the counter's order history counted while
// recovering, the journal's counts seeded as a floor (max), and nothing counted twice.
#include "risk_fixture.hpp"

namespace {

using namespace rt;

RiskLimits limits() {
  RiskLimits l;
  l.instrument.self_trade_prevention = false;
  l.instrument.session_gate = false;
  l.instrument.daily_cancels = 5;
  l.instrument.large_order_lots = 10;
  l.agent.daily_cancels = 4;
  return l;
}

OrderUpdate history(AgentId agent, InstrumentIndex instrument, OrderStatus status, std::int32_t volume = 1,
                    std::int32_t traded = 0) {
  return update(kNoOrder, agent, instrument, status, Direction::Buy, 3500.0, volume, traded);
}

void test_recovery_when_counter_reports_history_counts_messages_cancels_and_opens() {
  Fixture f;
  RiskEngine e(f.registry, {}, limits());
  e.on_order_update(history(0, f.rb, OrderStatus::Cancelled));  // not recovering: counts nothing
  CHECK_EQ(e.daily_messages(kNoAgent, f.rb), 0);
  e.begin_recovery();
  e.on_order_update(history(0, f.rb, OrderStatus::Cancelled, 12));      // agent 0's, large: 2 messages, 1 cancel
  e.on_order_update(history(kNoAgent, f.rb, OrderStatus::Cancelled));   // nobody's: the account's only
  e.on_order_update(history(kNoAgent, f.rb, OrderStatus::Filled, 2, 2));  // an insert; 2 opened lots
  OrderUpdate refused = history(kNoAgent, f.rb, OrderStatus::Cancelled);
  refused.reject_code = RejectCode::ExchangeRejected;  // refused by the exchange: no cancel was sent
  e.on_order_update(refused);
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Queued));  // adopted working order: its insert
  e.on_order_update(update(oid(2), 0, f.rb, OrderStatus::Queued));
  e.on_order_update(update(oid(2), 0, f.rb, OrderStatus::Cancelled));  // cancelled from elsewhere meanwhile
  e.end_recovery();
  CHECK_EQ(e.daily_messages(kNoAgent, f.rb), 2 + 2 + 1 + 1 + 1 + 2);
  CHECK_EQ(e.daily_cancels(kNoAgent, f.rb), 3);
  CHECK_EQ(e.daily_messages(0, f.rb), 2 + 1 + 2);
  CHECK_EQ(e.daily_cancels(0, f.rb), 2);
  CHECK_EQ(e.daily_opened(kNoAgent, f.rb), 2);
  CHECK_EQ(e.working_orders(0), 1);
  // Two more cancels pass for the account (5), then the next is refused; agent 0 has 2 of 4 left.
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.check_cancel({1, oid(3), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.check_cancel({1, oid(4), f.rb, 0}, f.ctx()).code == RejectCode::RiskCancelLimit);
  // After recovery the counter's reports of other sessions count nothing.
  e.on_order_update(history(kNoAgent, f.rb, OrderStatus::Cancelled));
  CHECK_EQ(e.daily_cancels(kNoAgent, f.rb), 5);
}

void test_recovery_when_journal_seeds_counts_they_are_a_floor_never_added_twice() {
  Fixture f;
  RiskEngine e(f.registry, {}, limits());
  e.begin_recovery();
  e.on_order_update(history(0, f.rb, OrderStatus::Cancelled));  // the counter's view: 2 messages, 1 cancel
  e.seed_daily(0, f.rb, 7, 3, 1, 4);          // the journal's exact counts (a refused cancel, more inserts)
  e.seed_daily(kNoAgent, f.rb, 7, 3, 1, 4);
  e.seed_daily(0, f.rb, 7, 3, 1, 4);          // seeding twice changes nothing
  e.seed_daily(kNoAgent, f.rb, 1, 0, 0, 0);   // a lower value never lowers a count
  e.end_recovery();
  CHECK_EQ(e.daily_messages(0, f.rb), 7);
  CHECK_EQ(e.daily_cancels(0, f.rb), 3);
  CHECK_EQ(e.daily_opened(0, f.rb), 4);
  CHECK_EQ(e.daily_messages(kNoAgent, f.rb), 7);
  CHECK_EQ(e.daily_cancels(kNoAgent, f.rb), 3);
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());  // the 4th of 4
  CHECK(e.check_cancel({0, oid(2), f.rb, 0}, f.ctx()).code == RejectCode::RiskCancelLimit);
  CHECK(e.is_large_order(f.rb, 10));
  CHECK(!e.is_large_order(f.rb, 9));
}

}  // namespace

int main() {
  test_recovery_when_counter_reports_history_counts_messages_cancels_and_opens();
  test_recovery_when_journal_seeds_counts_they_are_a_floor_never_added_twice();
  return shandian::testing::finish("test_risk_recovery");
}
