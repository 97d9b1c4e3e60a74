// The order path's own-lots rule and grid snapping: an explicit close offset (Close / CloseToday /
// CloseYesterday) is checked against the agent's own free lots exactly like place(), never another agent's
// or the unattributed bucket's; prices within the grid tolerance are sent on the grid; monopoly refusals
// name the owner.
#include <string>

#include "fake_gateway.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

struct Fixture {
  FakeGateway gw;
  Engine engine;
  Recorder rec;
  AgentId a;
  AgentId b;
  InstrumentIndex rb;  // SHFE: today / yesterday split
  InstrumentIndex m;   // DCE
  InstrumentIndex au;  // SHFE, tick 0.02
  std::int64_t t = 1000;
  int seq = 0;

  Fixture() : engine(EngineConfig{}, gw) {
    engine.set_dispatcher(&rec);
    a = engine.add_agent("alpha");
    b = engine.add_agent("beta");
    rb = gw.add_instrument("rb2505", "SHFE", 1.0);
    m = gw.add_instrument("m2505", "DCE", 1.0);
    au = gw.add_instrument("au2506", "SHFE", 0.02);
    gw.host->instruments_loaded();
  }
  void pump() {
    for (int i = 0; i < 4; ++i) engine.run_once(0);
  }
  // Exchange ack + full fill of a live order at its price.
  void fill(OrderId id) {
    const Order o = *engine.order(id);
    const std::string s = "S" + std::to_string(++seq);
    push_order(gw.ring_a, ++t, order_data(o, OrderStatus::Queued, 0, s.c_str()));
    push_order(gw.ring_a, ++t, order_data(o, OrderStatus::Filled, o.volume, s.c_str()));
    push_trade(gw.ring_a, ++t, trade_data(o, ("T" + s).c_str(), s.c_str(), o.volume, o.price));
    pump();
  }
  InsertResult insert(AgentId who, InstrumentIndex i, Direction d, Offset o, std::int32_t volume, double price = 3000) {
    return engine.insert_order(who, i, d, o, price, volume, OrderKind::Limit);
  }
};

void explicit_close_of_lots_the_agent_does_not_hold_is_refused() {
  Fixture f;
  const InsertResult open = f.insert(f.a, f.rb, Direction::Buy, Offset::Open, 3);
  REQUIRE(open.ok());
  f.fill(open.order);
  REQUIRE(f.engine.ledgers().long_volume(f.a, f.rb) == 3);
  const std::size_t sent = f.gw.inserts;
  // Agent b holds nothing: every explicit close offset is refused before anything is sent.
  for (const Offset o : {Offset::CloseToday, Offset::Close, Offset::CloseYesterday}) {
    const InsertResult r = f.insert(f.b, f.rb, Direction::Sell, o, 1);
    CHECK(r.code == RejectCode::InsufficientPosition);
    CHECK(r.order == kNoOrder);
    CHECK(std::string(r.reason.view()).find("agent beta") != std::string::npos);
  }
  CHECK(f.insert(f.b, f.m, Direction::Buy, Offset::Close, 1).code == RejectCode::InsufficientPosition);  // short side
  CHECK_EQ(f.gw.inserts, sent);
  CHECK_EQ(f.engine.ledgers().long_volume(f.a, f.rb), 3);
  // The owner: SHFE today's lots close with CloseToday only (Close / CloseYesterday take yesterday's: none).
  CHECK(f.insert(f.a, f.rb, Direction::Sell, Offset::CloseYesterday, 1).code == RejectCode::InsufficientPosition);
  CHECK(f.insert(f.a, f.rb, Direction::Sell, Offset::Close, 1).code == RejectCode::InsufficientPosition);
  CHECK(f.insert(f.a, f.rb, Direction::Sell, Offset::CloseToday, 4).code == RejectCode::InsufficientPosition);
  const InsertResult two = f.insert(f.a, f.rb, Direction::Sell, Offset::CloseToday, 2);
  CHECK(two.ok());
  // Lots frozen in the working close are not free: 1 left.
  CHECK(f.insert(f.a, f.rb, Direction::Sell, Offset::CloseToday, 2).code == RejectCode::InsufficientPosition);
  CHECK(f.insert(f.a, f.rb, Direction::Sell, Offset::CloseToday, 1).ok());
  CHECK(f.insert(f.a, f.rb, Direction::Sell, Offset::CloseToday, 1).code == RejectCode::InsufficientPosition);
}

void explicit_close_outside_shfe_takes_any_own_lots_and_is_sent_as_close() {
  Fixture f;
  const InsertResult open = f.insert(f.a, f.m, Direction::Sell, Offset::Open, 2);
  REQUIRE(open.ok());
  f.fill(open.order);
  const InsertResult r = f.insert(f.a, f.m, Direction::Buy, Offset::CloseToday, 2);
  CHECK(r.ok());
  CHECK(f.gw.last_insert.offset == Offset::Close);  // DCE: CTP closes with Close whatever the flag
  CHECK(f.insert(f.a, f.m, Direction::Buy, Offset::CloseYesterday, 1).code == RejectCode::InsufficientPosition);
}

void unattributed_lots_are_not_closable_by_an_agent() {
  Fixture f;
  PositionData row{};
  row.symbol.assign("rb2505");
  row.is_long = true;
  row.position = 5;
  row.today_position = 0;
  f.gw.host->reset_positions();
  f.gw.host->apply_position(row);
  f.gw.host->set_account(AccountData{1e6, 9e5, 0, 0, 0, 0, 0, 0});
  f.pump();
  REQUIRE(f.engine.ledgers().long_volume(kNoAgent, f.rb) == 5);  // adopted as unattributed
  const InsertResult r = f.insert(f.b, f.rb, Direction::Sell, Offset::CloseYesterday, 1);
  CHECK(r.code == RejectCode::InsufficientPosition);
  CHECK_EQ(f.engine.ledgers().long_volume(kNoAgent, f.rb), 5);
  CHECK_EQ(f.gw.inserts, 0u);
}

void prices_within_tolerance_are_sent_on_the_grid() {
  Fixture f;
  const InsertResult r = f.insert(f.a, f.rb, Direction::Buy, Offset::Open, 1, 3282 + 1e-9);
  REQUIRE(r.ok());
  CHECK(f.gw.last_insert.price == 3282.0);
  CHECK(f.engine.order(r.order)->price == 3282.0);
  const PlaceResult p =
      f.engine.place(f.a, f.au, Direction::Buy, 620.04 - 1e-9, 1, OrderKind::Limit, OffsetMode::OpenOnly);
  REQUIRE(p.ok());
  CHECK(f.gw.last_insert.price == 620.04);  // the double nearest the decimal, not 31002 * 0.02
  CHECK(f.insert(f.a, f.rb, Direction::Buy, Offset::Open, 1, 3282.5).code == RejectCode::PriceNotOnTick);
}

void ticks_to_price_gives_the_nearest_double_of_the_decimal() {
  CHECK(ticks_to_price(3282, 1.0) == 3282.0);
  CHECK(ticks_to_price(17, 0.2) == 3.4);
  CHECK(ticks_to_price(31002, 0.02) == 620.04);
  CHECK(ticks_to_price(19651, 0.2) == 3930.2);
  CHECK(ticks_to_price(7401, 10.0) == 74010.0);
  CHECK(ticks_to_price(-3, 0.5) == -1.5);
  CHECK(ticks_to_price(123457, 0.0001) == 12.3457);
  for (std::int64_t k = 1; k < 200000; k += 7) {
    const auto back = price_to_ticks(ticks_to_price(k, 0.02), 0.02);
    CHECK(back && *back == k);
  }
}

void monopoly_refusal_names_the_owner() {
  Fixture f;
  f.engine.set_owner(f.rb, f.a);
  const InsertResult r = f.insert(f.b, f.rb, Direction::Buy, Offset::Open, 1);
  CHECK(r.code == RejectCode::InstrumentOwned);
  CHECK(std::string(r.reason.view()) == "rb2505 is owned exclusively by agent alpha");
}

}  // namespace

int main() {
  explicit_close_of_lots_the_agent_does_not_hold_is_refused();
  explicit_close_outside_shfe_takes_any_own_lots_and_is_sent_as_close();
  unattributed_lots_are_not_closable_by_an_agent();
  prices_within_tolerance_are_sent_on_the_grid();
  ticks_to_price_gives_the_nearest_double_of_the_decimal();
  monopoly_refusal_names_the_owner();
  return shandian::testing::finish("test_core_order_path");
}
