// Conditional orders emulated on the engine thread: trigger rules, stop (marketable and limit),
// take-profit, trailing stop, OCO, bracket (exits armed pro rata with entry fills), iceberg (slices
// replenished on fill), cancelling a parent cancels its children, and every child passes the risk hook.
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "fake_gateway.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

struct CountingRisk final : RiskHook {
  std::size_t orders = 0;
  RiskVerdict check_order(const OrderIntent&, const RiskContext& ctx) noexcept override {
    ++orders;
    CHECK(ctx.ledgers != nullptr);
    return RiskVerdict::accept();
  }
};

std::string label(char prefix, std::size_t n) {
  char text[32];
  std::snprintf(text, sizeof text, "%c%zu", prefix, n);
  return text;
}

struct Fixture {
  FakeGateway gw;
  CountingRisk risk;
  Engine engine;
  Recorder rec;
  AgentId a;
  InstrumentIndex m;  // DCE
  std::int64_t t = 1000;
  int trade = 0;
  std::map<OrderId, std::pair<std::string, int>> exch;  // order -> (sys id, traded)

  Fixture() : engine(EngineConfig{}, gw, &risk) {
    engine.set_dispatcher(&rec);
    a = engine.add_agent("a");
    m = gw.add_instrument("m2505", "DCE", 1.0);
    gw.host->instruments_loaded();
  }
  void pump() {
    for (int i = 0; i < 4; ++i) engine.run_once(0);
  }
  void tick(double last) {
    push_tick(gw.ring_b, ++t, "m2505", last, 3300, 2700);
    pump();
  }
  void fill(OrderId id, int lots) {
    const Order* live = engine.order(id);
    REQUIRE(live != nullptr);
    const Order o = *live;
    auto [it, fresh] = exch.try_emplace(id, label('S', exch.size() + 1), 0);
    if (fresh) push_order(gw.ring_a, ++t, order_data(o, OrderStatus::Queued, 0, it->second.first.c_str()));
    it->second.second += lots;
    const OrderStatus st = it->second.second >= o.volume ? OrderStatus::Filled : OrderStatus::PartFilled;
    push_order(gw.ring_a, ++t, order_data(o, st, it->second.second, it->second.first.c_str()));
    const std::string tid = label('T', static_cast<std::size_t>(++trade));
    push_trade(gw.ring_a, ++t, trade_data(o, tid.c_str(), it->second.first.c_str(), lots, o.price));
    pump();
  }
  void hold_long(int lots) {
    const InsertResult r = engine.insert_order(a, m, Direction::Buy, Offset::Open, 3000, lots, OrderKind::Limit);
    REQUIRE(r.ok());
    fill(r.order, lots);
  }
  ConditionalRequest req(ConditionalKind kind, Direction d, int volume, double trigger) {
    ConditionalRequest r;
    r.kind = kind;
    r.direction = d;
    r.volume = volume;
    r.trigger = trigger;
    return r;
  }
};

void trigger_rules_follow_side_and_kind() {
  Conditional c;
  c.kind = ConditionalKind::Stop;
  c.direction = Direction::Sell;
  c.trigger = 100;
  CHECK(!triggers(c, 101));
  CHECK(triggers(c, 100));
  CHECK(!triggers(c, 0));  // no price never triggers
  c.direction = Direction::Buy;
  CHECK(!triggers(c, 99));
  CHECK(triggers(c, 100.5));
  c.kind = ConditionalKind::TakeProfit;
  CHECK(triggers(c, 99));
  CHECK(!triggers(c, 101));
  Conditional tr;
  tr.kind = ConditionalKind::TrailingStop;
  tr.direction = Direction::Sell;
  tr.trail = 5;
  CHECK(!triggers(tr, 100));
  CHECK(!triggers(tr, 110));
  CHECK(!triggers(tr, 106));
  CHECK(tr.extreme == 110);
  CHECK(triggers(tr, 105));
}

void stop_market_releases_a_fak_at_the_limit_price_once() {
  Fixture f;
  f.hold_long(2);
  const std::size_t sent = f.gw.inserts;
  const ConditionalResult r =
      f.engine.add_conditional(f.a, f.m, f.req(ConditionalKind::Stop, Direction::Sell, 2, 2990));
  REQUIRE(r.ok());
  f.tick(3000);
  CHECK_EQ(f.gw.inserts, sent);
  f.tick(2990);
  CHECK_EQ(f.gw.inserts, sent + 1);
  CHECK(f.gw.last_insert.kind == OrderKind::Fak);
  CHECK_EQ(f.gw.last_insert.price, 2700.0);  // the day's lower limit
  CHECK(f.gw.last_insert.offset == Offset::Close);
  CHECK_EQ(f.gw.last_insert.volume, 2);
  REQUIRE(f.engine.order(f.gw.last_insert.id) != nullptr);
  CHECK_EQ(f.engine.order(f.gw.last_insert.id)->parent, r.id);
  CHECK(f.engine.conditional(r.id) == nullptr);  // done and retired
  f.tick(2980);
  CHECK_EQ(f.gw.inserts, sent + 1);
  CHECK_EQ(f.engine.stats().conditionals_triggered, 1u);
}

void stop_limit_and_take_profit_release_limit_children() {
  Fixture f;
  f.hold_long(3);
  ConditionalRequest stop = f.req(ConditionalKind::Stop, Direction::Sell, 1, 2990);
  stop.limit = 2985;
  REQUIRE(f.engine.add_conditional(f.a, f.m, stop).ok());
  REQUIRE(f.engine.add_conditional(f.a, f.m, f.req(ConditionalKind::TakeProfit, Direction::Sell, 1, 3050)).ok());
  f.tick(3050);
  CHECK(f.gw.last_insert.kind == OrderKind::Fak);
  CHECK_EQ(f.gw.last_insert.volume, 1);
  f.tick(2989);
  CHECK(f.gw.last_insert.kind == OrderKind::Limit);
  CHECK_EQ(f.gw.last_insert.price, 2985.0);
  CHECK_EQ(f.engine.conditional_count(), 0u);
}

void trailing_stop_follows_the_high() {
  Fixture f;
  f.hold_long(1);
  ConditionalRequest tr = f.req(ConditionalKind::TrailingStop, Direction::Sell, 1, 0);
  tr.trail = 5;
  REQUIRE(f.engine.add_conditional(f.a, f.m, tr).ok());
  const std::size_t sent = f.gw.inserts;
  f.tick(3000);
  f.tick(3010);
  f.tick(3006);
  CHECK_EQ(f.gw.inserts, sent);
  f.tick(3005);
  CHECK_EQ(f.gw.inserts, sent + 1);
}

void oco_cancels_the_other_leg() {
  Fixture f;
  f.hold_long(1);
  const ConditionalResult tp =
      f.engine.add_conditional(f.a, f.m, f.req(ConditionalKind::TakeProfit, Direction::Sell, 1, 3100));
  const ConditionalResult sl =
      f.engine.add_conditional(f.a, f.m, f.req(ConditionalKind::Stop, Direction::Sell, 1, 2950));
  REQUIRE(f.engine.link_oco(f.a, tp.id, sl.id).ok());
  const std::size_t sent = f.gw.inserts;
  f.tick(2950);
  CHECK_EQ(f.gw.inserts, sent + 1);
  CHECK(f.engine.conditional(tp.id) == nullptr);
  f.tick(3100);
  CHECK_EQ(f.gw.inserts, sent + 1);  // the take-profit was cancelled with its peer
}

void bracket_arms_exits_pro_rata_with_entry_fills() {
  Fixture f;
  const ConditionalResult b = f.engine.add_bracket(f.a, f.m, Direction::Buy, 4, 3000, 3100, 2950);
  REQUIRE(b.ok());
  const OrderId entry = f.gw.last_insert.id;
  CHECK_EQ(f.gw.last_insert.volume, 4);
  CHECK(f.gw.last_insert.offset == Offset::Open);
  std::size_t sent = f.gw.inserts;
  f.tick(2940);  // below the stop but nothing filled: exits not armed
  CHECK_EQ(f.gw.inserts, sent);
  f.fill(entry, 1);
  f.tick(2950);  // stop-loss fires for the 1 filled lot; take-profit cancelled
  CHECK_EQ(f.gw.inserts, sent + 1);
  CHECK_EQ(f.gw.last_insert.volume, 1);
  CHECK(f.gw.last_insert.direction == Direction::Sell);
  sent = f.gw.inserts;
  f.fill(f.gw.last_insert.id, 1);  // the exit fills: flat again
  f.fill(entry, 3);                // the rest of the entry fills: the working stop closes those 3 at once
  CHECK_EQ(f.gw.inserts, sent + 1);
  CHECK_EQ(f.gw.last_insert.volume, 3);
  f.fill(f.gw.last_insert.id, 3);
  f.pump();
  CHECK_EQ(f.engine.ledgers().long_volume(f.a, f.m), 0);
  CHECK_EQ(f.engine.conditional_count(), 0u);
}

void iceberg_replenishes_slices_on_fill() {
  Fixture f;
  ConditionalRequest ice;
  ice.kind = ConditionalKind::Iceberg;
  ice.direction = Direction::Buy;
  ice.mode = OffsetMode::OpenOnly;
  ice.volume = 5;
  ice.display = 2;
  ice.limit = 3000;
  const ConditionalResult r = f.engine.add_conditional(f.a, f.m, ice);
  REQUIRE(r.ok());
  int slices[3] = {};
  for (int i = 0; i < 3; ++i) {
    slices[i] = f.gw.last_insert.volume;
    REQUIRE(f.engine.order(f.gw.last_insert.id) != nullptr);
    CHECK_EQ(f.engine.order(f.gw.last_insert.id)->parent, r.id);
    f.fill(f.gw.last_insert.id, f.gw.last_insert.volume);
  }
  CHECK(slices[0] == 2 && slices[1] == 2 && slices[2] == 1);
  CHECK_EQ(f.gw.inserts, 3u);
  CHECK_EQ(f.engine.ledgers().long_volume(f.a, f.m), 5);
  CHECK_EQ(f.engine.conditional_count(), 0u);
  CHECK_EQ(f.risk.orders, 3u);  // every slice passed the risk hook
}

void cancelling_a_parent_cancels_its_children() {
  Fixture f;
  ConditionalRequest ice;
  ice.kind = ConditionalKind::Iceberg;
  ice.direction = Direction::Buy;
  ice.mode = OffsetMode::OpenOnly;
  ice.volume = 6;
  ice.display = 3;
  ice.limit = 3000;
  const ConditionalResult r = f.engine.add_conditional(f.a, f.m, ice);
  REQUIRE(r.ok());
  push_order(f.gw.ring_a, ++f.t, order_data(f.gw.last_insert, OrderStatus::Queued, 0, "S9"));
  f.pump();
  CHECK(f.engine.cancel_conditional(f.a, r.id).ok());
  CHECK_EQ(f.gw.cancels, 1u);
  CHECK_EQ(f.gw.last_cancel.id, f.gw.last_insert.id);
  CHECK(f.engine.cancel_conditional(f.a, r.id).code != RejectCode::None);
  const ConditionalResult b = f.engine.add_bracket(f.a, f.m, Direction::Sell, 2, 3000, 2900, 3050);
  REQUIRE(b.ok());
  CHECK_EQ(f.engine.conditional_count(), 4u);  // iceberg (cancelled, slice working) + bracket + 2 exits
  CHECK(f.engine.cancel_conditional(f.a, b.id).ok());
  CHECK_EQ(f.gw.cancels, 2u);  // the bracket's entry
  // Refusals are typed and name the field.
  ice.display = 0;
  const ConditionalResult bad = f.engine.add_conditional(f.a, f.m, ice);
  CHECK(bad.code == RejectCode::InvalidVolume);
  CHECK(bad.reason.view().find("display") != std::string_view::npos);
  CHECK(f.engine.add_bracket(f.a, f.m, Direction::Buy, 1, 3000, 2900, 2950).code == RejectCode::InvalidPrice);
}

}  // namespace

int main() {
  trigger_rules_follow_side_and_kind();
  stop_market_releases_a_fak_at_the_limit_price_once();
  stop_limit_and_take_profit_release_limit_children();
  trailing_stop_follows_the_high();
  oco_cancels_the_other_leg();
  bracket_arms_exits_pro_rata_with_entry_fills();
  iceberg_replenishes_slices_on_fill();
  cancelling_a_parent_cancels_its_children();
  return shandian::testing::finish("test_core_conditional");
}
