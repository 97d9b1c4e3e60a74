// The kill switch with flatten through the whole runtime and the local front (real CTP flows): a position
// larger than the per-order volume limits is closed by FAK orders sized to the smallest applicable limit,
// none refused for volume, and the agent ends flat; without flatten the account halts and sends nothing.
#include "journal/replay.hpp"
#include "runtime_front.hpp"
#include "support/check.hpp"

using namespace shandian::testing;
using shandian::risk::RiskLimits;
using shandian::risk::TradingState;

namespace {

// A slow feed (2x): the closes are FAK at the best bid of the last tick, and a fast one moves the book away
// before they arrive when the test runs under a sanitizer on a loaded box (a killed FAK leaves lots open).
const std::string kFront = "instruments=rb&speed=2&seed=11&query_interval_ms=100&app_id=shandian_test";

RiskLimits quiet_limits() {
  RiskLimits l;
  l.instrument.self_trade_prevention = false;
  return l;
}

void test_runtime_kill_when_flatten_and_position_over_max_order_volume_goes_flat_without_volume_refusal() {
  RuntimeFront f("flatten", kFront);
  REQUIRE(f.wait_ready());
  RiskLimits limits = quiet_limits();
  shandian::risk::RiskEngine& risk = f.rt->install_risk(limits);
  const InstrumentIndex rb = f.subscribed("rb");
  REQUIRE(rb != kNoInstrument);
  REQUIRE(f.buy_held(rb, 5));

  limits.agent.max_order_volume = 3;
  limits.instrument.max_order_volume = 2;  // the smallest applicable limit sizes the closes
  risk.set_limits(limits);
  const shandian::runtime::KillResult k = f.rt->kill("flatten test", /*flatten=*/true);
  CHECK(k.failures.empty());
  for (const std::string& line : k.failures) std::fprintf(stderr, "failure: %s\n", line.c_str());
  CHECK_EQ(k.flatten_orders.size(), std::size_t{3});  // 2 + 2 + 1
  CHECK(risk.killed());
  CHECK(risk.account_state() == TradingState::Reducing);
  for (const shandian::runtime::FlattenOrder& o : k.flatten_orders) {
    CHECK_EQ(o.agent, f.agent);
    REQUIRE(f.wait_final(o.order));
    const OrderUpdate* u = f.seen.last_update(o.order);
    CHECK(u->volume <= 2);
    CHECK(u->direction == Direction::Sell);
    CHECK(u->offset == Offset::CloseToday);  // SHFE: today's lots closed as today's
    CHECK(u->kind == OrderKind::Fak);
    CHECK(u->reject_code == RejectCode::None);
  }
  CHECK(f.run_until([&] { return f.engine().ledgers().long_volume(f.agent, rb) == 0; },
                    std::chrono::milliseconds(10000)));
  CHECK_EQ(f.engine().ledgers().long_volume(f.agent, rb), 0);
  CHECK_EQ(risk.rejects(RejectCode::RiskMaxOrderVolume), std::uint64_t{0});
}

void test_runtime_kill_when_no_flatten_halts_and_cancels_working_orders() {
  RuntimeFront f("halt", kFront);
  REQUIRE(f.wait_ready());
  shandian::risk::RiskEngine& risk = f.rt->install_risk(quiet_limits());
  const InstrumentIndex rb = f.subscribed("rb");
  REQUIRE(rb != kNoInstrument);
  const OrderId rest = f.rest_passive(rb);
  REQUIRE(rest != kNoOrder);
  const shandian::runtime::KillResult k = f.rt->kill("halt test", /*flatten=*/false);
  CHECK_EQ(k.cancels, std::size_t{1});
  CHECK(k.flatten_orders.empty());
  CHECK(risk.account_state() == TradingState::Halted);
  REQUIRE(f.wait_final(rest));
  CHECK(f.seen.last_update(rest)->status == OrderStatus::Cancelled);
  const double bid = f.engine().registry().at(rb).last_tick.bid_price[0];
  const InsertResult refused =
      f.engine().insert_order(f.agent, rb, Direction::Buy, Offset::Open, bid, 1, OrderKind::Limit);
  CHECK(refused.code == RejectCode::RiskKillSwitch);
}

}  // namespace

int main() {
  test_runtime_kill_when_flatten_and_position_over_max_order_volume_goes_flat_without_volume_refusal();
  test_runtime_kill_when_no_flatten_halts_and_cancels_working_orders();
  return shandian::testing::finish("test_runtime_local_kill_flatten");
}
