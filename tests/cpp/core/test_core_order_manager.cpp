// Order path and the minimal order manager: validation rejects, the risk hook, SUBMITTING before
// ReqOrderInsert, status transitions from CTP reports (re-pushes, replays after retirement), idempotent
// trades keyed by ExchangeID+TradeID+direction, insert/cancel errors, reconcile sweep, foreign orders.
#include <cstring>

#include "fake_gateway.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

struct Fixture {
  FakeGateway gw;
  Engine engine;
  Recorder rec;
  AgentId agent;
  InstrumentIndex rb;
  std::int64_t t = 1000;

  explicit Fixture(EngineConfig config = EngineConfig{}, RiskHook* risk = nullptr) : engine(config, gw, risk) {
    engine.set_dispatcher(&rec);
    engine.set_observer(&rec);
    gw.observer_count = &rec.observed_orders;
    agent = engine.add_agent("a");
    (void)engine.add_agent("b");
    rb = gw.add_instrument("rb2505", "SHFE", 1.0);
    gw.host->instruments_loaded();
  }
  void pump() {
    for (int i = 0; i < 4; ++i) engine.run_once(0);
  }
  OrderId buy(double price = 3500, int volume = 10) {
    const InsertResult r =
        engine.insert_order(agent, rb, Direction::Buy, Offset::Open, price, volume, OrderKind::Limit);
    CHECK(r.ok());
    return r.order;
  }
  Order snapshot(OrderId id) {
    const Order* o = engine.order(id);
    REQUIRE(o != nullptr);
    return *o;
  }
};

void submitting_is_published_before_the_request_is_written() {
  Fixture f;
  const OrderId id = f.buy();
  CHECK_EQ(f.gw.inserts, 1u);
  CHECK_EQ(f.gw.observer_updates_at_last_write, 1u);  // observer saw SUBMITTING before write_insert
  f.pump();
  REQUIRE(f.rec.order_count == 1);
  CHECK(f.rec.orders[0].status == OrderStatus::Submitting);
  CHECK_EQ(f.rec.orders[0].id, id);
  CHECK_EQ(f.rec.orders[0].order_ref, 100);
  CHECK_EQ(f.gw.last_insert.order_ref, 100);
  CHECK_EQ(f.gw.last_insert.price_ticks, 3500);
  CHECK(f.gw.last_insert.exchange == std::string_view("SHFE"));
}

void full_lifecycle_with_repushes_duplicates_and_replays() {
  Fixture f;
  const OrderId id = f.buy(3500, 10);
  const Order o = f.snapshot(id);
  f.pump();
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Accepted, 0));
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Accepted, 0));  // re-push: no update
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Queued, 0, "  123"));
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Queued, 0, "  123"));
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::PartFilled, 3, "  123"));
  (void)push_trade(f.gw.ring_a, ++f.t, trade_data(o, "T1", "  123", 3, 3500));
  (void)push_trade(f.gw.ring_a, ++f.t, trade_data(o, "T1", "  123", 3, 3500));           // duplicate push
  (void)push_trade(f.gw.ring_b, ++f.t, trade_data(o, "T1", "  123", 3, 3500), true);     // same trade from a query
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Queued, 0, "  123"));  // stale: never regress
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Filled, 10, "  123"));
  f.pump();
  // Filled is reported but the order waits in the pool for its remaining 7 lots of trades.
  CHECK(f.engine.order(id) != nullptr);
  (void)push_trade(f.gw.ring_a, ++f.t, trade_data(o, "T2", "  123", 7, 3499));
  f.pump();
  CHECK(f.engine.order(id) == nullptr);  // final and fully matched by trades: released
  CHECK_EQ(f.engine.order_manager().live_count(), 0u);
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Filled, 10, "  123"));  // replay after release
  (void)push_trade(f.gw.ring_a, ++f.t, trade_data(o, "T2", "  123", 7, 3499));            // replayed trade
  f.pump();

  REQUIRE(f.rec.order_count == 5);
  CHECK(f.rec.orders[0].status == OrderStatus::Submitting);
  CHECK(f.rec.orders[1].status == OrderStatus::Accepted);
  CHECK(f.rec.orders[2].status == OrderStatus::Queued);
  CHECK(f.rec.orders[3].status == OrderStatus::PartFilled);
  CHECK_EQ(f.rec.orders[3].traded, 3);
  CHECK(f.rec.orders[4].status == OrderStatus::Filled);
  CHECK_EQ(f.rec.orders[4].traded, 10);
  REQUIRE(f.rec.trade_count == 2);
  CHECK_EQ(f.rec.trades[0].order, id);
  CHECK_EQ(f.rec.trades[0].agent, f.agent);
  CHECK_EQ(f.rec.trades[0].volume, 3);
  CHECK_EQ(f.rec.trades[1].volume, 7);
  CHECK_EQ(f.rec.trades[1].order, id);  // attribution survives the release (retired link)
  CHECK_EQ(f.engine.order_manager().stats().duplicate_trades, 3u);
  CHECK(f.engine.order_manager().stats().stale_reports >= 1u);
}

void self_trade_sides_share_a_trade_id_but_both_count() {
  Fixture f;
  const OrderId buy = f.buy(3500, 1);
  const InsertResult sell =
      f.engine.insert_order(f.agent, f.rb, Direction::Sell, Offset::Open, 3500, 1, OrderKind::Limit);
  REQUIRE(sell.ok());
  const Order b = f.snapshot(buy), s = f.snapshot(sell.order);
  (void)push_order(f.gw.ring_a, ++f.t, order_data(b, OrderStatus::Filled, 1, "1"));
  (void)push_order(f.gw.ring_a, ++f.t, order_data(s, OrderStatus::Filled, 1, "2"));
  (void)push_trade(f.gw.ring_a, ++f.t, trade_data(b, "77", "1", 1, 3500));
  (void)push_trade(f.gw.ring_a, ++f.t, trade_data(s, "77", "2", 1, 3500));  // same TradeID, other direction
  f.pump();
  CHECK_EQ(f.rec.trade_count, 2u);
  CHECK_EQ(f.engine.order_manager().live_count(), 0u);
}

void engine_side_rejections_have_stable_codes_and_reasons() {
  Fixture f;
  auto insert = [&](AgentId a, InstrumentIndex i, double price, int volume, OrderKind kind = OrderKind::Limit) {
    return f.engine.insert_order(a, i, Direction::Buy, Offset::Open, price, volume, kind);
  };
  CHECK(insert(9, f.rb, 3500, 1).code == RejectCode::InvalidAgent);
  CHECK(insert(f.agent, 42, 3500, 1).code == RejectCode::UnknownInstrument);
  CHECK(insert(f.agent, f.rb, 3500, 0).code == RejectCode::InvalidVolume);
  CHECK(insert(f.agent, f.rb, 3500, 501).code == RejectCode::InvalidVolume);
  CHECK(insert(f.agent, f.rb, -1, 1).code == RejectCode::InvalidPrice);
  const InsertResult off = insert(f.agent, f.rb, 3500.5, 1);
  CHECK(off.code == RejectCode::PriceNotOnTick);
  CHECK(off.reason.view().find("rb2505") != std::string_view::npos);
  (void)push_tick(f.gw.ring_a, ++f.t, "rb2505", 3500, 3700, 3300);
  f.pump();
  CHECK(insert(f.agent, f.rb, 3701, 1).code == RejectCode::PriceOutsideLimits);
  CHECK(insert(f.agent, f.rb, 3299, 1).code == RejectCode::PriceOutsideLimits);
  CHECK(insert(f.agent, f.rb, 3700, 1).ok());
  CHECK(insert(f.agent, f.rb, 0, 1, OrderKind::Market).ok());  // market orders carry no price
  f.gw.ready = false;
  CHECK(insert(f.agent, f.rb, 3500, 1).code == RejectCode::SessionNotReady);
  f.gw.ready = true;
  CHECK_EQ(to_string(RejectCode::PriceNotOnTick), std::string_view("PRICE_NOT_ON_TICK"));
  CHECK_EQ(f.gw.inserts, 2u);  // refusals never reach the gateway
}

struct RateHook final : RiskHook {
  int seen_updates = 0;
  RiskVerdict check_order(const OrderIntent& intent, const RiskContext& ctx) noexcept override {
    if (intent.volume > 5) {
      return RiskVerdict::reject(RejectCode::RiskMaxOrderVolume, "%s: volume %d over the 5-lot test limit",
                                 ctx.instruments.at(intent.instrument).spec.symbol.c_str(), intent.volume);
    }
    return RiskVerdict::accept();
  }
  void on_order_update(const OrderUpdate&) noexcept override { ++seen_updates; }
};

void the_risk_hook_can_refuse_and_observes_updates() {
  RateHook hook;
  Fixture f(EngineConfig{}, &hook);
  const InsertResult r = f.engine.insert_order(f.agent, f.rb, Direction::Buy, Offset::Open, 3500, 6, OrderKind::Limit);
  CHECK(r.code == RejectCode::RiskMaxOrderVolume);
  CHECK(r.reason.view() == "rb2505: volume 6 over the 5-lot test limit");
  CHECK_EQ(r.order, kNoOrder);
  CHECK(f.engine.insert_order(f.agent, f.rb, Direction::Buy, Offset::Open, 3500, 5, OrderKind::Limit).ok());
  CHECK_EQ(hook.seen_updates, 1);
}

void pool_exhaustion_and_request_failures_are_typed() {
  EngineConfig config;
  config.orders.live_orders = 2;
  Fixture f(config);
  (void)f.buy();
  (void)f.buy();
  const InsertResult full =
      f.engine.insert_order(f.agent, f.rb, Direction::Buy, Offset::Open, 3500, 1, OrderKind::Limit);
  CHECK(full.code == RejectCode::OrderPoolExhausted);

  Fixture g;
  g.gw.insert_rc = -3;
  const InsertResult r = g.engine.insert_order(g.agent, g.rb, Direction::Buy, Offset::Open, 3500, 1, OrderKind::Limit);
  CHECK(r.code == RejectCode::RequestRateLimited);
  CHECK(r.order != kNoOrder);
  CHECK(g.engine.order(r.order) == nullptr);  // rejected and released at once
  g.pump();
  REQUIRE(g.rec.order_count == 2);
  CHECK(g.rec.orders[0].status == OrderStatus::Submitting);
  CHECK(g.rec.orders[1].status == OrderStatus::Rejected);
  CHECK(g.rec.orders[1].reject_code == RejectCode::RequestRateLimited);
}

void insert_errors_reject_once() {
  Fixture f;
  const OrderId id = f.buy();
  const Order o = f.snapshot(id);
  for (int i = 0; i < 2; ++i) {  // OnRspOrderInsert, then OnErrRtnOrderInsert for the same refusal
    (void)f.gw.ring_a.try_emplace(Event::Fill{}, EventKind::OrderInsertError, ++f.t, [&](Event& e) noexcept {
      e.error_id = 16;
      e.payload.insert_error.symbol = o.symbol;
      e.payload.insert_error.order_ref = o.order_ref;
      e.payload.insert_error.error_msg.assign("CTP:合约不存在");
    });
  }
  f.pump();
  REQUIRE(f.rec.order_count == 2);
  const OrderUpdate& u = f.rec.orders[1];
  CHECK(u.status == OrderStatus::Rejected);
  CHECK(u.reject_code == RejectCode::CtpRejected);
  CHECK_EQ(u.ctp_error_id, 16);
  CHECK(u.reason.view() == "CTP:合约不存在");
  CHECK(f.engine.order(id) == nullptr);
  CHECK_EQ(f.engine.stats().unmatched_errors, 1u);
}

void exchange_rejects_arrive_as_order_reports() {
  Fixture f;
  const OrderId id = f.buy();
  const Order o = f.snapshot(id);
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Accepted, 0));
  OrderData rej = order_data(o, OrderStatus::Rejected, 0);
  rej.exchange_rejected = true;
  rej.status_msg.assign("已撤单报单被拒绝SHFE:价格超出涨跌停板");
  (void)push_order(f.gw.ring_a, ++f.t, rej);
  f.pump();
  REQUIRE(f.rec.order_count == 3);
  CHECK(f.rec.orders[2].status == OrderStatus::Rejected);
  CHECK(f.rec.orders[2].reject_code == RejectCode::ExchangeRejected);
  CHECK(f.engine.order(id) == nullptr);
}

void cancels_pending_refused_and_final() {
  Fixture f;
  const OrderId id = f.buy();
  const Order o = f.snapshot(id);
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Queued, 0, "9"));
  f.pump();
  CHECK(f.engine.cancel(1, id).code == RejectCode::NotOwner);
  CHECK(f.engine.cancel(f.agent, id).ok());
  CHECK(f.gw.last_cancel.order_sys_id == std::string_view("9"));
  CHECK(f.engine.cancel(f.agent, id).code == RejectCode::CancelPending);
  (void)f.gw.ring_a.try_emplace(Event::Fill{}, EventKind::OrderActionError, ++f.t, [&](Event& e) noexcept {
    e.error_id = 26;
    e.payload.action_error = ActionErrorData{};
    e.payload.action_error.front_id = o.front_id;
    e.payload.action_error.session_id = o.session_id;
    e.payload.action_error.order_ref = o.order_ref;
    e.payload.action_error.error_msg.assign("CTP:报单已全成交或已撤销，不能再撤");
  });
  f.pump();
  const OrderUpdate& refused = f.rec.last_order();
  CHECK(refused.reject_code == RejectCode::CancelRejected);
  CHECK(refused.status == OrderStatus::Queued);  // the order itself is unchanged
  CHECK_EQ(refused.ctp_error_id, 26);
  CHECK(f.engine.cancel(f.agent, id).ok());  // may try again
  (void)push_order(f.gw.ring_a, ++f.t, order_data(o, OrderStatus::Cancelled, 0, "9"));
  f.pump();
  CHECK(f.rec.last_order().status == OrderStatus::Cancelled);
  CHECK(f.engine.cancel(f.agent, id).code == RejectCode::UnknownOrder);  // released
  CHECK_EQ(f.gw.cancels, 2u);
}

void cancel_all_targets_only_the_agents_working_orders() {
  Fixture f;
  const InstrumentIndex cu = f.gw.add_instrument("cu2507", "SHFE", 10);
  const OrderId a1 = f.buy();
  const OrderId a2 =
      f.engine.insert_order(f.agent, cu, Direction::Sell, Offset::Open, 70000, 1, OrderKind::Limit).order;
  const OrderId b1 = f.engine.insert_order(1, f.rb, Direction::Buy, Offset::Open, 3500, 1, OrderKind::Limit).order;
  (void)a2;
  (void)b1;
  CHECK_EQ(f.engine.cancel_all(f.agent, f.rb), 1u);
  CHECK_EQ(f.gw.last_cancel.id, a1);
  CHECK_EQ(f.engine.cancel_all(f.agent), 1u);  // a1 already pending; a2 now
  CHECK_EQ(f.engine.cancel_all(1), 1u);
}

void reconcile_rejects_orders_that_never_reached_ctp() {
  Fixture f;
  const OrderId lost = f.buy();
  const OrderId confirmed = f.buy();
  const Order c = f.snapshot(confirmed);
  f.pump();
  // Disconnect; new session 8. The order query confirms one of the two SUBMITTING orders.
  GatewayHost& host = *f.gw.host;
  const std::uint32_t epoch = host.begin_order_reconcile();
  (void)push_order(f.gw.ring_a, ++f.t, order_data(c, OrderStatus::Queued, 0, "5"), /*from_query=*/true);
  f.pump();
  host.end_order_reconcile(epoch, 1, 8);
  f.pump();
  CHECK(f.engine.order(lost) == nullptr);
  CHECK(f.engine.order(confirmed) != nullptr);
  const OrderUpdate& u = f.rec.last_order();
  CHECK_EQ(u.id, lost);
  CHECK(u.reject_code == RejectCode::RequestNetworkError);
  CHECK_EQ(f.gw.session_events, 1u);  // the query row was passed on for the scheduler's bookkeeping
}

void foreign_orders_and_trades_are_reported_once() {
  Fixture f;
  Order other{};
  other.symbol.assign("rb2505");
  other.exchange.assign("SHFE");
  other.front_id = 3;
  other.session_id = 99;
  other.order_ref = 5;
  other.volume = 2;
  (void)push_order(f.gw.ring_a, ++f.t, order_data(other, OrderStatus::Queued, 0, "55"));
  (void)push_order(f.gw.ring_a, ++f.t, order_data(other, OrderStatus::Queued, 0, "55"));
  (void)push_trade(f.gw.ring_a, ++f.t, trade_data(other, "X1", "55", 1, 3500));
  f.pump();
  REQUIRE(f.rec.order_count == 1);
  CHECK_EQ(f.rec.orders[0].agent, kNoAgent);
  CHECK_EQ(f.rec.orders[0].instrument, f.rb);
  REQUIRE(f.rec.trade_count == 1);
  CHECK_EQ(f.rec.trades[0].agent, kNoAgent);
  CHECK_EQ(f.rec.trades[0].order, kNoOrder);
}

}  // namespace

int main() {
  submitting_is_published_before_the_request_is_written();
  full_lifecycle_with_repushes_duplicates_and_replays();
  self_trade_sides_share_a_trade_id_but_both_count();
  engine_side_rejections_have_stable_codes_and_reasons();
  the_risk_hook_can_refuse_and_observes_updates();
  pool_exhaustion_and_request_failures_are_typed();
  insert_errors_reject_once();
  exchange_rejects_arrive_as_order_reports();
  cancels_pending_refused_and_final();
  cancel_all_targets_only_the_agents_working_orders();
  reconcile_rejects_orders_that_never_reached_ctp();
  foreign_orders_and_trades_are_reported_once();
  return shandian::testing::finish("test_core_order_manager");
}
