// Instrument registry: dense stable indices, lookups, capacity; integer-tick price validation.
#include "core/instrument_registry.hpp"
#include "support/check.hpp"

using namespace shandian::core;

namespace {

InstrumentSpec spec(const char* symbol, double tick) {
  InstrumentSpec s;
  s.symbol.assign(symbol);
  s.exchange.assign("SHFE");
  s.price_tick = tick;
  return s;
}

void indices_are_dense_and_stable() {
  InstrumentRegistry reg(3);
  CHECK_EQ(reg.upsert(spec("rb2505", 1)).value_or(999), 0u);
  CHECK_EQ(reg.upsert(spec("cu2507", 10)).value_or(999), 1u);
  CHECK_EQ(reg.upsert(spec("rb2505", 2)).value_or(999), 0u);  // update keeps the index
  CHECK_EQ(reg.at(0).spec.price_tick, 2.0);
  CHECK_EQ(reg.upsert(spec("au2508", 0.02)).value_or(999), 2u);
  CHECK(!reg.upsert(spec("ag2508", 1)).has_value());  // full
  CHECK_EQ(reg.size(), 3u);
  CHECK_EQ(reg.find("cu2507"), 1u);
  CHECK_EQ(reg.find("ag2508"), kNoInstrument);
  CHECK_EQ(reg.find(""), kNoInstrument);
  CHECK_EQ(reg.find(std::string_view("a-very-long-instrument-identifier-over-31")), kNoInstrument);
  CHECK(reg.contains(2));
  CHECK(!reg.contains(3));
}

void many_instruments_hash_without_collisions_breaking_lookup() {
  InstrumentRegistry reg(5000);
  char name[32];
  for (int i = 0; i < 5000; ++i) {
    std::snprintf(name, sizeof name, "x%04d", i);
    REQUIRE(reg.upsert(spec(name, 1)).has_value());
  }
  for (int i = 0; i < 5000; ++i) {
    std::snprintf(name, sizeof name, "x%04d", i);
    CHECK_EQ(reg.find(name), static_cast<InstrumentIndex>(i));
  }
}

void prices_are_validated_in_integer_ticks() {
  CHECK_EQ(price_to_ticks(3500.0, 1.0).value_or(-1), 3500);
  CHECK(!price_to_ticks(3500.5, 1.0));
  CHECK_EQ(price_to_ticks(3800.2, 0.2).value_or(-1), 19001);
  CHECK(!price_to_ticks(3800.3, 0.2));
  CHECK_EQ(price_to_ticks(4567.8, 0.2).value_or(-1), 22839);  // 4567.8 / 0.2 = 22838.999999... in binary
  CHECK_EQ(price_to_ticks(101.235, 0.005).value_or(-1), 20247);
  CHECK_EQ(price_to_ticks(456.78, 0.02).value_or(-1), 22839);
  CHECK(!price_to_ticks(456.79, 0.02));
  CHECK(!price_to_ticks(1.0 / 0.0, 1.0));
  CHECK(!price_to_ticks(100.0, 0.0));
}

}  // namespace

int main() {
  indices_are_dense_and_stable();
  many_instruments_hash_without_collisions_breaking_lookup();
  prices_are_validated_in_integer_ticks();
  return shandian::testing::finish("test_core_registry");
}
