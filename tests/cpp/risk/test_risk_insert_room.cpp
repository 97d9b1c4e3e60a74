// RiskEngine::insert_room: the room the order-rate windows leave is exactly what check_order admits.
#include "risk_fixture.hpp"

using namespace rt;

namespace {

// Inserts at `now` until check_order refuses, checking before each insert that the room is > 0 exactly
// when the insert passes and that it drops by one per admitted insert. Returns how many were admitted.
int insert_until_refused(RiskEngine& e, const Fixture& f, AgentId agent, std::int64_t now) {
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    const std::int64_t room = e.insert_room(agent, now);
    const RiskVerdict v = e.check_order(order(agent, f.rb, now), f.ctx());
    CHECK((room > 0) == v.accepted());
    if (!v.accepted()) {
      CHECK(v.code == RejectCode::RiskOrderRate);
      CHECK(room == 0);
      return admitted;
    }
    ++admitted;
    CHECK(e.insert_room(agent, now) == room - 1);
  }
  return admitted;
}

void test_insert_room_when_inserting_reaches_zero_at_refusal_and_grows_as_window_slides() {
  Fixture f;
  RiskLimits l = off();
  l.agent.order_rate[0] = {4, 1000};
  RiskEngine e(f.registry, {}, l);
  CHECK(e.insert_room(0, 0) == 4);
  CHECK(e.check_order(order(0, f.rb, 100 * kMs), f.ctx()).accepted());
  CHECK(insert_until_refused(e, f, 0, 300 * kMs) == 3);
  CHECK(e.insert_room(0, 1099 * kMs) == 0);
  CHECK(e.insert_room(0, 1100 * kMs) == 1);  // the 100 ms stamp expired
  CHECK(e.insert_room(0, 1299 * kMs) == 1);
  CHECK(e.insert_room(0, 1300 * kMs) == 4);  // the three 300 ms stamps too
  CHECK(insert_until_refused(e, f, 0, 1300 * kMs) == 4);
  CHECK(e.insert_room(1, 1300 * kMs) == 4);  // another agent: its own window
}

void test_insert_room_when_several_windows_returns_the_minimum() {
  Fixture f;
  RiskLimits l = off();
  l.agent.order_rate[0] = {5, 1000};
  l.agent.order_rate[1] = {3, 200};
  l.account.order_rate[0] = {7, 1000};
  RiskEngine e(f.registry, {}, l);
  CHECK(e.insert_room(0, 0) == 3);               // the 200 ms window is the tightest
  CHECK(insert_until_refused(e, f, 0, 0) == 3);  // ... and refuses the 4th
  CHECK(e.insert_room(0, 200 * kMs) == 2);       // 200 ms slid: the 1 s agent window (5 - 3) binds
  CHECK(insert_until_refused(e, f, 0, 200 * kMs) == 2);
  CHECK(e.insert_room(1, 200 * kMs) == 2);  // agent 1: the account's 7 - 5
  CHECK(insert_until_refused(e, f, 1, 200 * kMs) == 2);
  CHECK(e.insert_room(2, 200 * kMs) == 0);   // the account window is full for everyone
  CHECK(e.insert_room(2, 1000 * kMs) == 3);  // the three 0 ms stamps expired (account 7 - 4)
}

void test_insert_room_when_no_window_applies_returns_sentinel() {
  Fixture f;
  RiskLimits l = off();
  RiskEngine none(f.registry, {}, l);
  CHECK(none.insert_room(0, 0) == kNoInsertWindow);
  l.agent.order_rate[0] = {2, 1000};
  l.agent.enabled = false;  // the agent's rules off: its windows do not apply
  RiskEngine agent_off(f.registry, {}, l);
  CHECK(agent_off.insert_room(0, 0) == kNoInsertWindow);
  l.agent.enabled = true;
  l.enabled = false;  // every rule off: check_order admits without counting
  RiskEngine all_off(f.registry, {}, l);
  CHECK(all_off.insert_room(0, 0) == kNoInsertWindow);
  CHECK(all_off.check_order(order(0, f.rb, 0), f.ctx()).accepted());
}

}  // namespace

int main() {
  test_insert_room_when_inserting_reaches_zero_at_refusal_and_grows_as_window_slides();
  test_insert_room_when_several_windows_returns_the_minimum();
  test_insert_room_when_no_window_applies_returns_sentinel();
  return shandian::testing::finish("test_risk_insert_room");
}
