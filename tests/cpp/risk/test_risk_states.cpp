// Trading states (ACTIVE / REDUCING / HALTED per agent and account), loss-triggered transitions and the
// kill switch: cancels are never refused by a state; kill cancels everything, bypassing cancel rules.
#include <vector>

#include "risk_fixture.hpp"

using namespace rt;

namespace {

struct RecordingSink final : KillSink {
  RiskEngine* engine = nullptr;
  RiskContext* ctx = nullptr;
  std::vector<OrderId> working;
  int calls = 0;
  int admitted = 0;
  void cancel_everything() noexcept override {
    ++calls;
    for (const OrderId id : working) {
      if (engine->check_cancel({0, id, 0, 0}, *ctx).accepted()) ++admitted;
    }
  }
};

RiskLimits base() {
  RiskLimits l;
  l.instrument.self_trade_prevention = false;
  l.instrument.session_gate = false;
  return l;
}

void test_states_when_agent_reducing_only_closes_pass_and_cancels_always() {
  Fixture f;
  RiskEngine e(f.registry, {}, base());
  e.set_agent_state(0, TradingState::Reducing);
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).code == RejectCode::RiskReducing);
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3500, Offset::Close), f.ctx()).accepted());
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3500, Offset::CloseToday), f.ctx()).accepted());
  CHECK(e.check_order(order(1, f.rb, 0), f.ctx()).accepted());  // other agents unaffected
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());
  e.set_agent_state(0, TradingState::Halted);
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3500, Offset::Close), f.ctx()).code ==
        RejectCode::RiskHalted);
  CHECK(e.check_cancel({0, oid(2), f.rb, 0}, f.ctx()).accepted());
  e.set_agent_state(0, TradingState::Active);
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());
}

void test_states_when_account_state_applies_to_every_agent_even_rules_disabled() {
  Fixture f;
  RiskLimits l = base();
  l.enabled = false;
  RiskEngine e(f.registry, {}, l);
  e.set_account_state(TradingState::Reducing);
  CHECK(e.agent_state(3) == TradingState::Reducing);
  CHECK(e.check_order(order(3, f.rb, 0), f.ctx()).code == RejectCode::RiskReducing);
  e.set_account_state(TradingState::Halted);
  CHECK(e.check_order(order(3, f.rb, 0, 1, Direction::Sell, 3500, Offset::Close), f.ctx()).code ==
        RejectCode::RiskHalted);
  CHECK(e.check_cancel({3, oid(1), f.rb, 0}, f.ctx()).accepted());
}

void test_states_when_agent_daily_loss_reached_goes_reducing() {
  Fixture f;
  RiskLimits l = base();
  l.agent.daily_loss = 1000.0;
  l.agent.max_drawdown = 500.0;
  RiskEngine e(f.registry, {}, l);
  e.set_agent_name(0, "a");
  TestLedger led;
  led.pnl[0] = -999.0;
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx(&led)).code == RejectCode::RiskDrawdown);  // peak 0 -> -999 >= 500
  e.set_agent_state(0, TradingState::Active);
  e.set_limits([&] {
    RiskLimits x = l;
    x.agent.max_drawdown = 0;
    return x;
  }());
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx(&led)).accepted());  // -999 > -1000
  led.pnl[0] = -1000.0;
  const RiskVerdict v = e.check_order(order(0, f.rb, 0), f.ctx(&led));
  CHECK(v.code == RejectCode::RiskDailyLoss);
  CHECK(has(v, "agent=a daily loss 1000.00 reached limit 1000.00"));
  CHECK(e.agent_state(0) == TradingState::Reducing);
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3500, Offset::Close), f.ctx(&led)).accepted());
  led.pnl[0] = 0.0;  // sticky until the operator or a new day
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx(&led)).code == RejectCode::RiskReducing);
  e.new_day();
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx(&led)).accepted());
}

void test_states_when_account_daily_loss_triggers_kill_switch() {
  Fixture f;
  RiskLimits l = base();
  l.account.daily_loss = 5000.0;
  l.agent.cancel_rate[0] = {1, 1000};  // the kill must not be throttled by this
  RiskEngine e(f.registry, {}, l);
  RecordingSink sink;
  RiskContext c = f.ctx();
  sink.engine = &e;
  sink.ctx = &c;
  sink.working = {oid(1), oid(2), oid(3)};
  e.set_kill_sink(&sink);
  TestLedger led;
  led.pnl[kNoAgent] = -5000.0;
  const RiskVerdict v = e.check_order(order(0, f.rb, 0), f.ctx(&led));
  CHECK(v.code == RejectCode::RiskKillSwitch);
  CHECK(e.killed());
  CHECK(sink.calls == 1);
  CHECK(sink.admitted == 3);
  CHECK(e.account_state() == TradingState::Halted);
  CHECK(e.check_order(order(1, f.rb, 0, 1, Direction::Sell, 3500, Offset::Close), f.ctx()).code ==
        RejectCode::RiskKillSwitch);
  CHECK(e.check_cancel({0, oid(9), f.rb, 0}, f.ctx()).code ==
        RejectCode::RiskCancelRate);  // rules again after the kill
  e.new_day();
  CHECK(e.killed());  // the kill switch survives a new day; only the operator re-activates
  e.set_account_state(TradingState::Active);
  CHECK(!e.killed());
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).accepted());
}

void test_states_when_kill_with_flatten_leaves_account_reducing() {
  Fixture f;
  RiskEngine e(f.registry, {}, base());
  e.kill("operator", /*reducing_only=*/true);
  CHECK(e.account_state() == TradingState::Reducing);
  CHECK(e.check_order(order(0, f.rb, 0), f.ctx()).code == RejectCode::RiskReducing);
  CHECK(e.check_order(order(0, f.rb, 0, 1, Direction::Sell, 3500, Offset::Close), f.ctx()).accepted());
  CHECK(e.stats().kills == 1);
}

}  // namespace

int main() {
  test_states_when_agent_reducing_only_closes_pass_and_cancels_always();
  test_states_when_account_state_applies_to_every_agent_even_rules_disabled();
  test_states_when_agent_daily_loss_reached_goes_reducing();
  test_states_when_account_daily_loss_triggers_kill_switch();
  test_states_when_kill_with_flatten_leaves_account_reducing();
  return shandian::testing::finish("test_risk_states");
}
