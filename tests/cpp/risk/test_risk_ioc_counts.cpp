// IOC (FAK/FOK) orders in the daily counts: an explicit cancel request of a FAK is an ordinary cancel
// (checked against the daily limit and counted), only the exchange's own cancel of the remainder is exempt
// where the exchange exempts it; SHFE/INE count an unfilled FAK/FOK as two messages.
#include "risk_fixture.hpp"

using namespace rt;

namespace {

RiskLimits counts_only() {
  RiskLimits l;
  l.instrument.self_trade_prevention = false;
  l.instrument.session_gate = false;
  return l;
}

void explicit_cancel_of_a_fak_is_refused_once_the_cancel_limit_is_reached() {
  Fixture f;
  RiskLimits l = counts_only();
  l.instrument.daily_cancels = 2;  // fak_fok_cancels_exempt stays true (SHFE)
  RiskEngine e(f.registry, {}, l);
  e.set_agent_name(0, "mm");
  for (std::uint32_t i = 1; i <= 2; ++i) {
    e.on_order_update(update(oid(i), 0, f.rb, OrderStatus::Queued));
    CHECK(e.check_cancel({0, oid(i), f.rb, 0}, f.ctx()).accepted());
  }
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 2);
  e.on_order_update(update(oid(3), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 5, 0, OrderKind::Fak));
  const RiskVerdict v = e.check_cancel({0, oid(3), f.rb, 0}, f.ctx());
  CHECK(v.code == RejectCode::RiskCancelLimit);
  CHECK(has(v, "account cancels 2/2 today"));
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 2);
  // The exchange's own cancel of the remainder stays exempt.
  e.on_order_update(update(oid(3), 0, f.rb, OrderStatus::Cancelled, Direction::Buy, 3500, 5, 1, OrderKind::Fak));
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 2);
}

void explicit_cancel_of_a_fak_counts_once() {
  Fixture f;
  RiskLimits l = counts_only();
  l.instrument.daily_cancels = 10;
  RiskEngine e(f.registry, {}, l);
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 5, 0, OrderKind::Fok));
  CHECK(e.check_cancel({0, oid(1), f.rb, 0}, f.ctx()).accepted());
  CHECK(e.daily_cancels(0, f.rb) == 1);
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Cancelled, Direction::Buy, 3500, 5, 0, OrderKind::Fok));
  CHECK(e.daily_cancels(0, f.rb) == 1);
  CHECK(e.daily_cancels(kNoAgent, f.rb) == 1);
}

void unfilled_fak_counts_as_two_messages_where_configured() {
  Fixture f;
  RiskLimits l = counts_only();
  l.instrument.daily_messages = 5;
  l.instrument.unfilled_fak_fok_two_messages = true;  // SHFE (rb)
  l.exchange_count = 1;
  l.exchanges[0].exchange.assign("CFFEX");
  l.exchanges[0].limits = l.instrument;
  l.exchanges[0].limits.unfilled_fak_fok_two_messages = false;
  RiskEngine e(f.registry, {}, l);
  // rb: FAK sent (1 message), nothing filled, the exchange cancels it -> 2 messages.
  CHECK(e.check_order(order(0, f.rb, 0, 3, Direction::Buy, 3500, Offset::Open, OrderKind::Fak), f.ctx()).accepted());
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  e.on_order_update(update(oid(1), 0, f.rb, OrderStatus::Cancelled, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  CHECK(e.daily_messages(kNoAgent, f.rb) == 2);
  CHECK(e.daily_messages(0, f.rb) == 2);
  // A partly filled FOK/FAK remainder too; a filled one does not.
  CHECK(e.check_order(order(0, f.rb, 0, 3, Direction::Buy, 3500, Offset::Open, OrderKind::Fak), f.ctx()).accepted());
  e.on_order_update(update(oid(2), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  e.on_order_update(update(oid(2), 0, f.rb, OrderStatus::Cancelled, Direction::Buy, 3500, 3, 2, OrderKind::Fak));
  CHECK(e.daily_messages(kNoAgent, f.rb) == 4);
  CHECK(e.check_order(order(0, f.rb, 0, 3, Direction::Buy, 3500, Offset::Open, OrderKind::Fak), f.ctx()).accepted());
  e.on_order_update(update(oid(3), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  e.on_order_update(update(oid(3), 0, f.rb, OrderStatus::Filled, Direction::Buy, 3500, 3, 3, OrderKind::Fak));
  CHECK(e.daily_messages(kNoAgent, f.rb) == 5);
  // The limit counts the second messages: the next insert is refused.
  const RiskVerdict v = e.check_order(order(0, f.rb, 0), f.ctx());
  CHECK(v.code == RejectCode::RiskMessageLimit);
  CHECK(has(v, "account messages 5/5 today"));
  // A rejected FAK never reached the book; a limit order's cancel by the exchange is not an IOC remainder.
  e.new_day();
  e.on_order_update(update(oid(4), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  e.on_order_update(update(oid(4), 0, f.rb, OrderStatus::Rejected, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  e.on_order_update(update(oid(5), 0, f.rb, OrderStatus::Queued));
  e.on_order_update(update(oid(5), 0, f.rb, OrderStatus::Cancelled));
  CHECK(e.daily_messages(kNoAgent, f.rb) == 0);
  // Our own cancel of a FAK already counted its message: the exchange's confirmation adds none.
  e.on_order_update(update(oid(6), 0, f.rb, OrderStatus::Accepted, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  CHECK(e.check_cancel({0, oid(6), f.rb, 0}, f.ctx()).accepted());
  e.on_order_update(update(oid(6), 0, f.rb, OrderStatus::Cancelled, Direction::Buy, 3500, 3, 0, OrderKind::Fak));
  CHECK(e.daily_messages(kNoAgent, f.rb) == 1);
  // CFFEX (off): an unfilled FAK is one message.
  CHECK(
      e.check_order(order(0, f.cf, 0, 1, Direction::Buy, 3500, Offset::Open, OrderKind::Fak, 0.2), f.ctx()).accepted());
  e.on_order_update(update(oid(7), 0, f.cf, OrderStatus::Accepted, Direction::Buy, 3500, 1, 0, OrderKind::Fak));
  e.on_order_update(update(oid(7), 0, f.cf, OrderStatus::Cancelled, Direction::Buy, 3500, 1, 0, OrderKind::Fak));
  CHECK(e.daily_messages(kNoAgent, f.cf) == 1);
}

}  // namespace

int main() {
  explicit_cancel_of_a_fak_is_refused_once_the_cancel_limit_is_reached();
  explicit_cancel_of_a_fak_counts_once();
  unfilled_fak_counts_as_two_messages_where_configured();
  return shandian::testing::finish("test_risk_ioc_counts");
}
