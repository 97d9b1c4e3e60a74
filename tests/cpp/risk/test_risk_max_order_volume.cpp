// RiskEngine::max_order_volume: the largest order volume the per-order volume rules admit, agreeing with
// check_order at the boundary (max passes, max + 1 is RISK_MAX_ORDER_VOLUME) for each scope.
#include "risk_fixture.hpp"

using namespace rt;

namespace {

// max passes check_order, max + 1 is refused for volume.
void check_boundary(RiskEngine& e, Fixture& f, AgentId agent, InstrumentIndex i, std::int32_t max) {
  const double tick = f.registry.at(i).spec.price_tick;
  CHECK(e.check_order(order(agent, i, 10 * kMs, max, Direction::Buy, 3500.0, Offset::Open, OrderKind::Limit, tick),
                      f.ctx())
            .accepted());
  const RiskVerdict over = e.check_order(
      order(agent, i, 10 * kMs, max + 1, Direction::Buy, 3500.0, Offset::Open, OrderKind::Limit, tick), f.ctx());
  CHECK(over.code == RejectCode::RiskMaxOrderVolume);
}

void test_max_order_volume_when_no_volume_rule_is_unlimited() {
  Fixture f;
  RiskEngine e(f.registry, {}, off());
  CHECK_EQ(e.max_order_volume(0, f.rb), kUnlimitedVolume);
}

void test_max_order_volume_when_agent_and_instrument_limits_takes_smallest() {
  Fixture f;
  RiskLimits l = off();
  l.agent.max_order_volume = 7;
  l.instrument.max_order_volume = 5;
  RiskEngine e(f.registry, {}, l);
  CHECK_EQ(e.max_order_volume(0, f.rb), 5);
  check_boundary(e, f, 0, f.rb, 5);
  AgentLimits tight = l.agent;
  tight.max_order_volume = 3;
  e.set_agent_limits(1, tight);  // an agent's override
  CHECK_EQ(e.max_order_volume(1, f.rb), 3);
  check_boundary(e, f, 1, f.rb, 3);
  CHECK_EQ(e.max_order_volume(0, f.rb), 5);
}

void test_max_order_volume_when_ratio_of_exchange_max_floors() {
  Fixture f;  // IF2506: exchange max 20; rb2505: 500
  RiskLimits l = off();
  InstrumentLimits cffex = l.instrument;
  cffex.max_order_volume_ratio = 0.79;  // 15.8 -> 15
  l.exchanges[0] = ExchangeLimits{};
  l.exchanges[0].exchange.assign("CFFEX");
  l.exchanges[0].limits = cffex;
  l.exchange_count = 1;
  RiskEngine e(f.registry, {}, l);
  CHECK_EQ(e.max_order_volume(0, f.cf), 15);
  check_boundary(e, f, 0, f.cf, 15);
  CHECK_EQ(e.max_order_volume(0, f.rb), kUnlimitedVolume);  // the default scope has no ratio
}

void test_max_order_volume_when_rules_or_agent_disabled_ignores_them() {
  Fixture f;
  RiskLimits l = off();
  l.agent.max_order_volume = 2;
  l.instrument.max_order_volume = 4;
  RiskEngine e(f.registry, {}, l);
  AgentLimits disabled = l.agent;
  disabled.enabled = false;
  e.set_agent_limits(1, disabled);
  CHECK_EQ(e.max_order_volume(1, f.rb), 4);  // the instrument scope still applies
  l.enabled = false;
  e.set_limits(l);
  CHECK_EQ(e.max_order_volume(0, f.rb), kUnlimitedVolume);
}

void test_max_order_volume_when_limits_posted_applies_them_first() {
  Fixture f;
  RiskLimits l = off();
  RiskEngine e(f.registry, {}, l);
  l.agent.max_order_volume = 2;
  CHECK(e.post_limits(l));
  CHECK_EQ(e.max_order_volume(0, f.rb), 2);
}

}  // namespace

int main() {
  test_max_order_volume_when_no_volume_rule_is_unlimited();
  test_max_order_volume_when_agent_and_instrument_limits_takes_smallest();
  test_max_order_volume_when_ratio_of_exchange_max_floors();
  test_max_order_volume_when_rules_or_agent_disabled_ignores_them();
  test_max_order_volume_when_limits_posted_applies_them_first();
  return shandian::testing::finish("test_risk_max_order_volume");
}
