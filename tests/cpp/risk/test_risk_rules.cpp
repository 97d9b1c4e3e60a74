// Boundary tests per rule: limit - 1 passes, limit rejects (with a stable code and a reason carrying the
// numbers), window expiry re-admits; ledger rules skip without ledgers (no false reject).
#include "risk_fixture.hpp"

using namespace rt;

namespace {

void test_rules_when_agent_order_rate_full_rejects_then_expiry_readmits() {
  Fixture f;
  RiskLimits l = off();
  l.agent.order_rate[0] = {3, 1000};
  RiskEngine e(f.registry, {}, l);
  e.set_agent_name(0, "mm");
  for (int i = 0; i < 3; ++i) CHECK(e.check_order(order(0, f.rb, 10 * kMs), f.ctx()).accepted());
  const RiskVerdict v = e.check_order(order(0, f.rb, 10 * kMs), f.ctx());
  CHECK(v.code == RejectCode::RiskOrderRate);
  CHECK(has(v, "agent=mm rb2505 orders 3/3 in 1000 ms"));
  CHECK(e.check_order(order(1, f.rb, 10 * kMs), f.ctx()).accepted());  // another agent: its own window
  CHECK(!e.check_order(order(0, f.rb, 1009 * kMs), f.ctx()).accepted());
  CHECK(e.check_order(order(0, f.rb, 1010 * kMs), f.ctx()).accepted());
  CHECK(e.rejects(RejectCode::RiskOrderRate) == 2);
}

void test_rules_when_account_order_rate_full_rejects_every_agent() {
  Fixture f;
  RiskLimits l = off();
  l.account.order_rate[1] = {2, 500};
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());
  CHECK(e.check_order(order(1, f.rb, 0), f.ctx()).accepted());
  CHECK(e.check_order(order(2, f.rb, 0), f.ctx()).code == RejectCode::RiskOrderRate);
}

void test_rules_when_cancel_rate_full_rejects_cancel_and_refused_not_counted() {
  Fixture f;
  RiskLimits l = off();
  l.agent.cancel_rate[0] = {2, 1000};
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.check_cancel({0, oid(2), f.rb, 0}, f.ctx()).accepted());
  for (int i = 0; i < 5; ++i)
    CHECK(e.check_cancel({0, oid(3), f.rb, 500 * kMs}, f.ctx()).code == RejectCode::RiskCancelRate);
  CHECK(e.check_cancel({0, oid(3), f.rb, 1000 * kMs}, f.ctx()).accepted());  // refused ones never counted
  CHECK(e.check_cancel({0, oid(4), f.rb, 1000 * kMs}, f.ctx()).accepted());
}

void test_rules_when_daily_cancels_reach_limit_reject_cancel_and_new_resting_orders() {
  Fixture f;
  RiskLimits l = off();
  l.agent.daily_cancels = 3;
  RiskEngine e(f.registry, {}, l);
  e.set_agent_name(0, "mm");
  for (std::uint32_t i = 1; i <= 2; ++i) CHECK(e.check_cancel({0, oid(i), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.check_cancel({0, oid(3), f.rb, 0}, f.ctx()).accepted());  // limit - 1 -> passes (3rd)
  const RiskVerdict v = e.check_cancel({0, oid(4), f.rb, 0}, f.ctx());
  CHECK(v.code == RejectCode::RiskCancelLimit);
  CHECK(has(v, "agent=mm rb2505 cancels 3/3 today"));
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).code == RejectCode::RiskCancelLimit);  // no new resting order
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 3500, Offset::Open, OrderKind::Fak), f.ctx()).accepted());
  CHECK(e.check_order(order(0, f.cf, 0, 1, Direction::Buy, 3500, Offset::Open, OrderKind::Limit, 0.2), f.ctx())
            .accepted());
  CHECK(e.check_cancel({1, oid(5), f.rb, 0}, f.ctx()).accepted());  // another agent keeps its budget
  e.new_day();
  CHECK(e.check_cancel({0, oid(6), f.rb, 0}, f.ctx()).accepted());
}

void test_rules_when_cancel_of_rejected_order_or_refused_cancel_not_counted() {
  Fixture f;
  RiskLimits l = off();
  l.instrument.daily_cancels = 2;
  RiskEngine e(f.registry, {}, l);
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Accepted));
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 1);
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Rejected));  // the order itself was rejected
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 0);
  e.on_order_update(update(oid(2), 0, f.rb, OrderStatus::Queued));
  CHECK(e.check_cancel({0, oid(2), f.rb, 0}, f.ctx()).accepted());
  OrderUpdate refused = update(oid(2), 0, f.rb, OrderStatus::Queued);
  refused.reject_code = RejectCode::CancelRejected;
  e.on_order_update(refused);
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 0);
  CHECK(e.daily_messages(kNoAgent, f.rb) == 2);  // messages were sent: they stay
}

void test_rules_when_fak_remainder_exempt_per_exchange() {
  Fixture f;
  RiskLimits l = off();
  l.instrument.daily_cancels = 10;
  l.exchange_count = 1;
  l.exchanges[0].exchange.assign("CFFEX");
  l.exchanges[0].limits = l.instrument;
  l.exchanges[0].limits.fak_fok_cancels_exempt = false;
  RiskEngine e(f.registry, {}, l);
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 5, 0, OrderKind::Fak));
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Cancelled, Direction::Buy, 3500, 5, 2, OrderKind::Fak));
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 0);  // SHFE: exempt
  e.on_order_update(update(oid(2), 0, f.cf, OrderStatus::Accepted, Direction::Buy, 3500, 5, 0, OrderKind::Fak));
  e.on_order_update(update(oid(2), 0, f.cf, OrderStatus::Cancelled, Direction::Buy, 3500, 5, 2, OrderKind::Fak));
  CHECK(e.daily_cancels(kNoAgent, f.cf) == 1);  // CFFEX: counted
  e.on_order_update(update(oid(3), 0, f.cf, OrderStatus::Accepted, Direction::Buy, 3500, 5, 0, OrderKind::Fok));
  e.on_order_update(update(oid(3), 0, f.cf, OrderStatus::Filled, Direction::Buy, 3500, 5, 5, OrderKind::Fok));
  CHECK(e.daily_cancels(kNoAgent, f.cf) == 1);  // filled: nothing cancelled
}

void test_rules_when_messages_reach_limit_reject_inserts_and_cancels() {
  Fixture f;
  RiskLimits l = off();
  l.instrument.daily_messages = 3;
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.check_order(order(1, f.rb, 0), f.ctx()).accepted());
  const RiskVerdict v = e.check_order(order(0, f.rb, 0), f.ctx());
  CHECK(v.code == RejectCode::RiskMessageLimit);
  CHECK(has(v, "messages 3/3 today"));
  CHECK(e.check_cancel({0, oid(2), f.rb, 0}, f.ctx()).code == RejectCode::RiskMessageLimit);
}

void test_rules_when_large_cancels_reach_limit_reject() {
  Fixture f;
  RiskLimits l = off();
  l.instrument.large_order_lots = 300;
  l.instrument.large_cancels = 2;
  RiskEngine e(f.registry, {}, l);
  for (std::uint32_t i = 1; i <= 4; ++i)
    e.on_order_update(update(oid(i), 0, f.rb, OrderStatus::Queued, Direction::Buy, 3500, i == 4 ? 299 : 300));
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.check_cancel({0, oid(2), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.check_cancel({0, oid(3), f.rb, 0}, f.ctx()).code == RejectCode::RiskLargeCancelLimit);
  CHECK(e.check_cancel({0, oid(4), f.rb, 0}, f.ctx()).accepted());  // 299 lots: not large
}

void test_rules_when_order_would_cross_own_resting_order_rejects_self_trade() {
  Fixture f;
  RiskLimits l;
  l.instrument.session_gate = false;
  RiskEngine e(f.registry, {}, l);
  e.set_agent_name(1, "b");
  e.on_order_update(update(oid(1), 1, f.rb, OrderStatus::Queued, Direction::Sell, 3501));
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 3500), f.ctx()).accepted());
  const RiskVerdict v = e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 3501), f.ctx());
  CHECK(v.code == RejectCode::RiskSelfTrade);
  CHECK(has(v, "would cross own sell 3501 (order of agent=b)"));
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 0, Offset::Open, OrderKind::Market), f.ctx()).code ==
        RejectCode::RiskSelfTrade);
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3400), f.ctx()).accepted());  // same side
  e.on_order_update(update(oid(1), 1, f.rb, OrderStatus::Cancelled, Direction::Sell, 3501));
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 3600), f.ctx()).accepted());
  e.on_order_update(update(oid(2), kNoAgent, f.rb, OrderStatus::Queued, Direction::Buy, 3490));  // external
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3490), f.ctx()).code == RejectCode::RiskSelfTrade);
  // Immediate-or-cancel orders in flight never rest: a crossing order cannot trade against them.
  e.on_order_update(update(oid(2), kNoAgent, f.rb, OrderStatus::Cancelled, Direction::Buy, 3490));
  for (OrderKind k : {OrderKind::Fak, OrderKind::Fok, OrderKind::Market}) {
    e.on_order_update(update(oid(3), 1, f.rb, OrderStatus::Submitting, Direction::Buy, 3520, 1, 0, k));
    CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3480), f.ctx()).accepted());
    e.on_order_update(update(oid(3), 1, f.rb, OrderStatus::Cancelled, Direction::Buy, 3520, 1, 0, k));
  }
}

void test_rules_when_volume_over_limits_rejects() {
  Fixture f;
  RiskLimits l = off();
  l.agent.max_order_volume = 10;
  l.instrument.max_order_volume_ratio = 0.8;
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_order(order(0, f.rb, 0, 10), f.ctx()).accepted());
  CHECK(e.check_order(order(0, f.rb, 0, 11), f.ctx()).code == RejectCode::RiskMaxOrderVolume);
  RiskLimits big = off();
  big.instrument.max_order_volume_ratio = 0.8;  // IF max 20 -> 16 passes, 17 rejects
  e.set_limits(big);
  CHECK(e.check_order(order(0, f.cf, 0, 16, Direction::Buy, 3500, Offset::Open, OrderKind::Limit, 0.2), f.ctx())
            .accepted());
  const RiskVerdict v =
      e.check_order(order(0, f.cf, 0, 17, Direction::Buy, 3500, Offset::Open, OrderKind::Limit, 0.2), f.ctx());
  CHECK(v.code == RejectCode::RiskMaxOrderVolume);
  CHECK(has(v, "80% of the exchange max 20"));
}

void test_rules_when_active_orders_at_limit_rejects_until_one_finishes() {
  Fixture f;
  RiskLimits l = off();
  l.agent.max_active_orders = 2;
  l.account.max_active_orders = 3;
  RiskEngine e(f.registry, {}, l);
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Submitting));
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());
  e.on_order_update(update(oid(2), 0, f.rb, OrderStatus::Queued));
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).code == RejectCode::RiskActiveOrders);
  e.on_order_update(update(oid(3), 1, f.rb, OrderStatus::Queued));
  CHECK(e.check_order(order(1, f.rb, 0), f.ctx()).code == RejectCode::RiskActiveOrders);  // account 3/3
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Filled, Direction::Buy, 3500, 1, 1));
  CHECK(e.working_orders(0) == 1);
  CHECK(e.working_orders(kNoAgent) == 2);
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());
}

void test_rules_when_open_volume_cap_counts_fills_and_working() {
  Fixture f;
  RiskLimits l = off();
  l.instrument.daily_open_volume = 10;
  RiskEngine e(f.registry, {}, l);
  e.on_order_update(update(oid(1), 0, f.cf, OrderStatus::Queued, Direction::Buy, 3500, 6));
  e.on_order_update(update(oid(1), 0, f.cf, OrderStatus::PartFilled, Direction::Buy, 3500, 6, 4));
  e.on_order_update(update(oid(1), 0, f.cf, OrderStatus::Cancelled, Direction::Buy, 3500, 6, 4));  // 4 opened
  e.on_order_update(update(oid(2), 1, f.cf, OrderStatus::Queued, Direction::Sell, 3600, 3));       // 3 working
  CHECK(e.check_order(order(0, f.cf, 0, 3, Direction::Buy, 3500, Offset::Open, OrderKind::Limit, 0.2), f.ctx())
            .accepted());
  const RiskVerdict v =
      e.check_order(order(0, f.cf, 0, 4, Direction::Buy, 3500, Offset::Open, OrderKind::Limit, 0.2), f.ctx());
  CHECK(v.code == RejectCode::RiskOpenVolumeLimit);
  CHECK(has(v, "account open volume 4+3 working+4 > 10 today"));
  CHECK(e.check_order(order(0, f.cf, 0, 4, Direction::Sell, 3500, Offset::Close, OrderKind::Limit, 0.2), f.ctx())
            .accepted());
}

void test_rules_when_ledgers_absent_position_capital_skip_and_present_enforce() {
  Fixture f;
  RiskLimits l = off();
  l.agent.max_position = 5;
  l.agent.check_capital = true;
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_order(order(0, f.rb, 0, 50), f.ctx(nullptr)).accepted());  // no ledgers: no false reject
  TestLedger led;
  led.longs[{0, f.rb}] = 3;
  led.pending[{0, f.rb}] = 1;
  CHECK(e.check_order(order(0, f.rb, 0, 1), f.ctx(&led)).accepted());  // 3 + 1 + 1 = 5
  const RiskVerdict v = e.check_order(order(0, f.rb, 0, 2), f.ctx(&led));
  CHECK(v.code == RejectCode::RiskPositionLimit);
  CHECK(has(v, "long position 4 held+working + 2 > 5"));
  CHECK(e.check_order(order(0, f.rb, 0, 2, Direction::Sell, 3500, Offset::Close), f.ctx(&led)).accepted());  // reduces
  led.capital[0] = 1999.0;
  CHECK(e.check_order(order(0, f.rb, 0, 2, Direction::Sell), f.ctx(&led)).code == RejectCode::RiskCapital);
  led.capital[0] = 2000.0;
  CHECK(e.check_order(order(0, f.rb, 0, 2, Direction::Sell), f.ctx(&led)).accepted());
}

void test_rules_when_price_band_and_stale_data_reject() {
  Fixture f;
  RiskLimits l = off();
  l.instrument.price_band_ticks = 10;
  l.instrument.stale_after_ms = 5000;
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 9000), f.ctx()).accepted());  // never ticked: not judged
  f.tick(f.rb, 3500, 1000 * kMs);
  CHECK(e.check_order(order(0, f.rb, 1000 * kMs, 1, Direction::Buy, 3510), f.ctx()).accepted());
  const RiskVerdict v = e.check_order(order(0, f.rb, 1000 * kMs, 1, Direction::Buy, 3511), f.ctx());
  CHECK(v.code == RejectCode::RiskPriceBand);
  CHECK(has(v, "11.0 ticks from 3500 (band 10 ticks)"));
  CHECK(e.check_order(order(0, f.rb, 5999 * kMs), f.ctx()).accepted());
  const RiskVerdict stale = e.check_order(order(0, f.rb, 6000 * kMs), f.ctx());
  CHECK(stale.code == RejectCode::RiskStaleData);
  CHECK(has(stale, "last tick 5000 ms old (limit 5000 ms)"));
  RiskLimits pct = off();
  pct.instrument.price_band_pct = 1.0;
  e.set_limits(pct);
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 3535), f.ctx()).accepted());  // exactly 1 %
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 3536), f.ctx()).code == RejectCode::RiskPriceBand);
}

void test_rules_when_session_gate_and_status_not_trading_rejects() {
  Fixture f;
  RiskLimits l = off();
  l.instrument.session_gate = true;
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());  // status unknown: passes
  f.registry.at(f.rb).trading_status = '6';                     // closed
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).code == RejectCode::RiskSessionClosed);
  f.registry.at(f.rb).trading_status = '3';  // auction ordering: limit only
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Buy, 0, Offset::Open, OrderKind::Market), f.ctx()).code ==
        RejectCode::RiskSessionClosed);
}

void test_rules_when_disabled_or_agent_disabled_pass() {
  Fixture f;
  RiskLimits l = off();
  l.agent.max_order_volume = 1;
  l.enabled = false;
  RiskEngine e(f.registry, {}, l);
  CHECK(e.check_order(order(0, f.rb, 0, 5), f.ctx()).accepted());
  l.enabled = true;
  e.set_limits(l);
  AgentLimits free = l.agent;
  free.enabled = false;
  e.set_agent_limits(1, free);
  CHECK(e.check_order(order(0, f.rb, 0, 5), f.ctx()).code == RejectCode::RiskMaxOrderVolume);
  CHECK(e.check_order(order(1, f.rb, 0, 5), f.ctx()).accepted());
}

void test_rules_when_pool_slot_reused_without_final_update_stale_entry_is_released() {
  Fixture f;
  RiskLimits l = off();
  l.agent.max_active_orders = 1;
  l.instrument.daily_open_volume = 5;
  RiskEngine e(f.registry, {}, l);
  e.on_order_update(update(oid(7, 1), 0, f.rb, OrderStatus::Queued, Direction::Buy, 3500, 5));  // final never seen
  e.on_order_update(update(oid(7, 2), 0, f.rb, OrderStatus::Queued, Direction::Buy, 3500, 2));  // same slot, next gen
  CHECK(e.working_orders(0) == 1);
  CHECK(e.working_orders(kNoAgent) == 1);
  CHECK(e.check_order(order(0, f.cf, 0, 3, Direction::Buy, 3500, Offset::Open, OrderKind::Fak, 0.2), f.ctx()).code ==
        RejectCode::RiskActiveOrders);
  e.on_order_update(update(oid(7, 2), 0, f.rb, OrderStatus::Cancelled, Direction::Buy, 3500, 2));
  CHECK(e.check_order(order(0, f.rb, 0, 5), f.ctx()).accepted());  // no pending open lots left behind
}

}  // namespace

int main() {
  test_rules_when_pool_slot_reused_without_final_update_stale_entry_is_released();
  test_rules_when_agent_order_rate_full_rejects_then_expiry_readmits();
  test_rules_when_account_order_rate_full_rejects_every_agent();
  test_rules_when_cancel_rate_full_rejects_cancel_and_refused_not_counted();
  test_rules_when_daily_cancels_reach_limit_reject_cancel_and_new_resting_orders();
  test_rules_when_cancel_of_rejected_order_or_refused_cancel_not_counted();
  test_rules_when_fak_remainder_exempt_per_exchange();
  test_rules_when_messages_reach_limit_reject_inserts_and_cancels();
  test_rules_when_large_cancels_reach_limit_reject();
  test_rules_when_order_would_cross_own_resting_order_rejects_self_trade();
  test_rules_when_volume_over_limits_rejects();
  test_rules_when_active_orders_at_limit_rejects_until_one_finishes();
  test_rules_when_open_volume_cap_counts_fills_and_working();
  test_rules_when_ledgers_absent_position_capital_skip_and_present_enforce();
  test_rules_when_price_band_and_stale_data_reject();
  test_rules_when_session_gate_and_status_not_trading_rejects();
  test_rules_when_disabled_or_agent_disabled_pass();
  return shandian::testing::finish("test_risk_rules");
}
