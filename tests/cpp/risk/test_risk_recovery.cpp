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
  e.on_order_update(history(0, f.rb, OrderStatus::Cancelled, 12));        // agent 0's, large: 2 messages, 1 cancel
  e.on_order_update(history(kNoAgent, f.rb, OrderStatus::Cancelled));     // nobody's: the account's only
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
  e.seed_daily(0, f.rb, 7, 3, 1, 4);  // the journal's exact counts (a refused cancel, more inserts)
  e.seed_daily(kNoAgent, f.rb, 7, 3, 1, 4);
  e.seed_daily(0, f.rb, 7, 3, 1, 4);         // seeding twice changes nothing
  e.seed_daily(kNoAgent, f.rb, 1, 0, 0, 0);  // a lower value never lowers a count
  e.end_recovery();
  CHECK_EQ(e.daily_messages(0, f.rb), 7);
  CHECK_EQ(e.daily_cancels(0, f.rb), 3);
  CHECK_EQ(e.daily_opened(0, f.rb), 4);
  CHECK_EQ(e.daily_messages(kNoAgent, f.rb), 7);
  CHECK_EQ(e.daily_cancels(kNoAgent, f.rb), 3);
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());  // the 4th of 4
  CHECK(e.check_cancel({0, oid(2), f.rb, 0}, f.ctx()).code == RejectCode::RiskCancelLimit);
}

// SHFE (FAK/FOK remainders exempt from cancels, an unfilled one charged two messages) and CFFEX (counted as a
// cancel, one message): the counter's report of an unfilled IOC order counts what the live engine counted
// for it when the exchange cancelled its remainder; a cancelled limit order is a cancel request's.
void test_recovery_when_counter_reports_unfilled_fak_counts_its_remainder_by_the_exchange_rule() {
  Fixture f;
  RiskLimits l = limits();
  l.instrument.daily_cancels = 0;
  l.agent.daily_cancels = 0;
  l.instrument.fak_fok_cancels_exempt = true;
  l.instrument.unfilled_fak_fok_two_messages = true;
  InstrumentLimits cffex = l.instrument;
  cffex.fak_fok_cancels_exempt = false;
  cffex.unfilled_fak_fok_two_messages = false;
  l.exchanges[0].exchange.assign("CFFEX");
  l.exchanges[0].limits = cffex;
  l.exchange_count = 1;
  RiskEngine live(f.registry, {}, l);
  RiskEngine restarted(f.registry, {}, l);
  restarted.begin_recovery();
  std::uint32_t n = 0;
  for (const InstrumentIndex i : {f.rb, f.cf}) {
    for (const OrderKind kind : {OrderKind::Fak, OrderKind::Fok}) {
      for (const std::int32_t traded : {0, 1}) {  // unfilled, partly filled (volume 2)
        const OrderId id = oid(++n);
        CHECK(live.check_order({0, i, Direction::Buy, Offset::Open, kind, 3500.0, 3500, 2, 0}, f.ctx()).accepted());
        live.on_order_update(update(id, 0, i, OrderStatus::Submitting, Direction::Buy, 3500.0, 2, 0, kind));
        live.on_order_update(update(id, 0, i, OrderStatus::Cancelled, Direction::Buy, 3500.0, 2, traded, kind));
        restarted.on_order_update(
            update(kNoOrder, 0, i, OrderStatus::Cancelled, Direction::Buy, 3500.0, 2, traded, kind));
      }
    }
  }
  restarted.end_recovery();
  for (const InstrumentIndex i : {f.rb, f.cf}) {
    for (const AgentId a : {AgentId{0}, kNoAgent}) {
      CHECK_EQ(restarted.daily_messages(a, i), live.daily_messages(a, i));
      CHECK_EQ(restarted.daily_cancels(a, i), live.daily_cancels(a, i));
    }
  }
  CHECK_EQ(live.daily_messages(kNoAgent, f.rb), 8);  // 4 orders, two messages each
  CHECK_EQ(live.daily_cancels(kNoAgent, f.rb), 0);
  CHECK_EQ(live.daily_messages(kNoAgent, f.cf), 4);
  CHECK_EQ(live.daily_cancels(kNoAgent, f.cf), 4);
}

}  // namespace

int main() {
  test_recovery_when_counter_reports_history_counts_messages_cancels_and_opens();
  test_recovery_when_journal_seeds_counts_they_are_a_floor_never_added_twice();
  test_recovery_when_counter_reports_unfilled_fak_counts_its_remainder_by_the_exchange_rule();
  return shandian::testing::finish("test_risk_recovery");
}
