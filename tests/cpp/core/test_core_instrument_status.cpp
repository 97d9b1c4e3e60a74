// OnRtnInstrumentStatus reaches InstrumentState::trading_status (the risk engine's session gate): CTP pushes
// it per product on the public stream, usually before the instrument list is loaded, so the engine keeps the
// last status of each product and applies it to instruments registered later; a per-instrument status wins.
#include "fake_gateway.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

bool push_status(EventRing& ring, std::int64_t recv_ns, const char* id, const char* exchange, char status) {
  return ring.try_emplace(Event::Fill{}, EventKind::InstrumentStatus, recv_ns, [&](Event& e) noexcept {
    e.payload.status.instrument_or_product.assign(id);
    e.payload.status.exchange.assign(exchange);
    e.payload.status.status = static_cast<std::uint8_t>(status);
  });
}

void drain(Engine& engine) {
  for (int i = 0; i < 5; ++i) engine.run_once(0);
}

void test_status_when_product_status_arrives_applies_to_its_instruments_only() {
  FakeGateway gw;
  Engine engine(EngineConfig{}, gw);
  const InstrumentIndex rb = gw.add_instrument("rb2505", "SHFE", 1.0);
  const InstrumentIndex rb2 = gw.add_instrument("rb2510", "SHFE", 1.0);
  const InstrumentIndex ru = gw.add_instrument("ru2505", "SHFE", 5.0);  // "r" prefix of "rb" is not "rb"
  const InstrumentIndex m = gw.add_instrument("m2505", "DCE", 1.0);
  gw.host->instruments_loaded();
  REQUIRE(push_status(gw.ring_a, 10, "rb", "SHFE", '2'));
  REQUIRE(push_status(gw.ring_a, 20, "m", "SHFE", '6'));  // another exchange's "m": not DCE's m2505
  drain(engine);
  CHECK_EQ(engine.registry().at(rb).trading_status, static_cast<std::uint8_t>('2'));
  CHECK_EQ(engine.registry().at(rb2).trading_status, static_cast<std::uint8_t>('2'));
  CHECK_EQ(engine.registry().at(ru).trading_status, 0u);
  CHECK_EQ(engine.registry().at(m).trading_status, 0u);
  REQUIRE(push_status(gw.ring_a, 30, "rb", "SHFE", '6'));
  drain(engine);
  CHECK_EQ(engine.registry().at(rb).trading_status, static_cast<std::uint8_t>('6'));
  CHECK(gw.session_events >= 3u);  // still passed on to the gateway
}

void test_status_when_it_precedes_the_instrument_list_is_applied_at_load() {
  FakeGateway gw;
  Engine engine(EngineConfig{}, gw);
  REQUIRE(push_status(gw.ring_a, 10, "SR", "CZCE", '3'));
  REQUIRE(push_status(gw.ring_a, 20, "SR505", "CZCE", '2'));  // per-instrument: wins over the product's
  drain(engine);
  const InstrumentIndex sr5 = gw.add_instrument("SR505", "CZCE", 1.0);
  const InstrumentIndex sr9 = gw.add_instrument("SR509", "CZCE", 1.0);
  gw.host->instruments_loaded();
  CHECK_EQ(engine.registry().at(sr5).trading_status, static_cast<std::uint8_t>('2'));
  CHECK_EQ(engine.registry().at(sr9).trading_status, static_cast<std::uint8_t>('3'));
  InstrumentSpec later;
  later.symbol.assign("SR601");
  later.exchange.assign("CZCE");
  later.price_tick = 1.0;
  const auto sr1 = engine.define_instrument(later);
  REQUIRE(sr1.has_value());
  CHECK_EQ(engine.registry().at(*sr1).trading_status, static_cast<std::uint8_t>('3'));
}

}  // namespace

int main() {
  test_status_when_product_status_arrives_applies_to_its_instruments_only();
  test_status_when_it_precedes_the_instrument_list_is_applied_at_load();
  return shandian::testing::finish("test_core_instrument_status");
}
