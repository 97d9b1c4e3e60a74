// Prices within the grid tolerance reach the local front exactly on the grid, on every order path
// (insert_order, place, a conditional order's child). What the front received is read back by a second,
// independent CTP client of the same account (its private stream replays every order with its LimitPrice).
#include <cmath>

#include "local_front.hpp"
#include "sim_api/sim_api_support.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

const std::string kFront = "instruments=rb&speed=50&seed=11&query_interval_ms=100&app_id=shandian_test";

// LimitPrice of the order with this OrderRef as the front echoed it (0 when not seen yet).
double received_price(sim_test::TraderSpi& spi, std::int64_t order_ref) {
  const std::string ref = std::to_string(order_ref);
  return spi.rec.read([&] {
    for (const CThostFtdcOrderField& o : spi.orders) {
      if (ref == o.OrderRef) return o.LimitPrice;
    }
    return 0.0;
  });
}

void prices_near_the_grid_reach_the_front_exactly_on_it() {
  LocalFront f("pricegrid", kFront, [](SessionConfig& c) { c.user_id = "000001"; });
  REQUIRE(f.wait_ready());
  const InstrumentIndex rb = f.instrument_of("rb");
  REQUIRE(rb != kNoInstrument);
  REQUIRE(f.engine.subscribe(f.agent, f.engine.registry().at(rb).spec.symbol.view()) == RejectCode::None);
  REQUIRE(f.run_until([&] { return !f.journal.ticks.empty() && f.journal.ticks.back().bid_price[0] > 0; },
                      std::chrono::milliseconds(30000)));
  const TickData tick = f.journal.ticks.back();
  const double base = std::max(tick.lower_limit_price + 5, std::floor(tick.bid_price[0]) - 20);  // rests

  // Three paths, each with a residue inside the 1e-6 tolerance.
  const InsertResult direct =
      f.engine.insert_order(f.agent, rb, Direction::Buy, Offset::Open, base + 1e-9, 1, OrderKind::Limit);
  REQUIRE(direct.ok());
  const PlaceResult placed =
      f.engine.place(f.agent, rb, Direction::Buy, base - 1 - 1e-9, 1, OrderKind::Limit, OffsetMode::OpenOnly);
  REQUIRE(placed.ok());
  ConditionalRequest iceberg;
  iceberg.kind = ConditionalKind::Iceberg;
  iceberg.direction = Direction::Buy;
  iceberg.mode = OffsetMode::OpenOnly;
  iceberg.volume = 2;
  iceberg.display = 1;
  iceberg.limit = base - 2 + 3e-9;
  const ConditionalResult cond = f.engine.add_conditional(f.agent, rb, iceberg);
  REQUIRE(cond.ok());
  REQUIRE(f.engine.order_manager().live_count() == 3u);  // the iceberg's first slice is out
  const Order* child = nullptr;
  for (const OrderId id : f.engine.order_manager().live()) {
    const Order* o = f.engine.order(id);
    if (o != nullptr && o->parent == cond.id) child = o;
  }
  REQUIRE(child != nullptr);
  const std::int64_t refs[3] = {f.engine.order(direct.order)->order_ref, f.engine.order(placed.orders[0])->order_ref,
                                child->order_ref};
  const double want[3] = {base, base - 1, base - 2};
  f.run_for(std::chrono::milliseconds(200));

  // The exchange's truth, from another client of the same account.
  sim_test::TraderSpi spi;
  CThostFtdcTraderApi* api = f.library.create_trader(sim_test::make_flow_dir("pricegrid-reader").c_str());
  REQUIRE(api != nullptr);
  api->RegisterSpi(&spi);
  api->SubscribePrivateTopic(THOST_TERT_RESTART);
  api->SubscribePublicTopic(THOST_TERT_QUICK);
  std::string address = "local://pricegrid";
  api->RegisterFront(address.data());
  api->Init();
  int request_id = 0;
  REQUIRE(sim_test::trader_session(api, spi, request_id));
  REQUIRE(spi.rec.wait(
      [&] {
        int seen = 0;
        for (const std::int64_t ref : refs) {
          for (const CThostFtdcOrderField& o : spi.orders) {
            if (std::to_string(ref) == o.OrderRef) {
              ++seen;
              break;
            }
          }
        }
        return seen == 3;
      },
      std::chrono::milliseconds(10000)));
  for (int i = 0; i < 3; ++i) {
    const double got = received_price(spi, refs[i]);
    CHECK(got == want[i]);  // bit-exact: on the grid, not 1e-9 beside it
    if (got != want[i]) std::fprintf(stderr, "order %d: front received %.12f, want %.12f\n", i, got, want[i]);
    CHECK(got == std::nearbyint(got));  // rb: tick 1
  }
  // What the engine published agrees with what it sent.
  CHECK(f.engine.order(direct.order)->price == base);
  api->Release();
  (void)f.engine.cancel_all(f.agent);
  f.run_for(std::chrono::milliseconds(300));
}

}  // namespace

int main() {
  prices_near_the_grid_reach_the_front_exactly_on_it();
  return shandian::testing::finish("test_ctp_local_price_grid");
}
