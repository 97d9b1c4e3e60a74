// The engine builds bars on its own thread: a bar subscription creates the instrument's builder, each tick
// applied feeds it, finished bars reach only the agents subscribed to that (instrument, interval) as
// BatchItemKind::Bar items (before the tick that finished them), the history ring keeps the newest bars,
// and in steady state nothing allocates (every operator new / malloc counted after a warm-up).
#include <cmath>
#include <cstring>

#include "bars/bar_hub.hpp"
#include "core/clock.hpp"
#include "fake_gateway.hpp"
#include "support/allocation_counter.hpp"
#include "support/check.hpp"

using namespace shandian::testing;
using shandian::bars::BarKind;
using shandian::bars::HistoryRing;

namespace {

constexpr std::int32_t kNine = 9 * 3'600'000;  // 09:00:00.000

// One rb2505 snapshot of trading day 2025-01-02 at 09:00 + ms, price p, cumulative volume v.
bool push_rb(EventRing& ring, std::int32_t ms, double p, std::int64_t v) {
  return ring.try_emplace(Event::Fill{}, EventKind::Tick, monotonic_ns(), [&](Event& e) noexcept {
    std::memset(&e.payload.tick, 0, sizeof e.payload.tick);
    e.payload.tick.instrument = kNoInstrument;
    e.payload.tick.symbol.assign("rb2505");
    e.payload.tick.trading_day = 20250102;
    e.payload.tick.action_day = 20250102;
    e.payload.tick.update_ms = kNine + ms;
    e.payload.tick.last_price = p;
    e.payload.tick.volume = v;
    e.payload.tick.turnover = static_cast<double>(v) * 10.0 * p;
    e.payload.tick.open_interest = 1000.0;
  });
}

// Price of the i-th tick (every 500 ms): a saw-tooth so every minute has a distinct high and low.
double price_of(int i) { return 3500.0 + (i % 7) - (i % 11); }

void drain(Engine& engine, FakeGateway& gw) {
  for (int k = 0; k < 50 && !gw.ring_a.empty_approx(); ++k) engine.run_once(0);
  engine.run_once(0);
}

// Feeds ticks [from, to) (one every 500 ms from 09:00:00.250), draining whenever the ring is near full.
void feed(Engine& engine, FakeGateway& gw, int from, int to) {
  for (int i = from; i < to; ++i) {
    REQUIRE(push_rb(gw.ring_a, 250 + i * 500, price_of(i), static_cast<std::int64_t>(i + 1) * 3));
    if ((i + 1) % 1000 == 0) drain(engine, gw);
  }
  drain(engine, gw);
}

void bars_reach_subscribers_with_ohlcv_of_their_ticks_and_allocate_nothing() {
  FakeGateway gw;
  EngineConfig config;
  config.bar_history = 8;
  Engine engine(config, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  const AgentId a = engine.add_agent("a");
  const AgentId b = engine.add_agent("b");
  gw.add_instrument("rb2505", "SHFE", 1.0);
  gw.host->instruments_loaded();
  CHECK(engine.subscribe_bars(a, "rb2505", {BarKind::Minutes, 1}) == RejectCode::None);
  CHECK(engine.subscribe_bars(b, "rb2505", {BarKind::Minutes, 5}) == RejectCode::None);
  CHECK(engine.subscribe_bars(b, "rb2505", {BarKind::Minutes, 1}) == RejectCode::None);
  CHECK_EQ(gw.wanted, 1u);  // market data asked once, and no tick subscription implied
  CHECK(engine.subscribe_bars(a, "zz9999", {BarKind::Minutes, 1}) == RejectCode::UnknownInstrument);

  // Warm-up: the first 10 minutes (1,200 ticks).
  feed(engine, gw, 0, 1200);
  CHECK_EQ(rec.tick_count, 0u);
  std::size_t ones = 0, fives = 0;
  for (std::size_t k = 0; k < rec.bar_count; ++k) {
    const BarUpdate& u = rec.bars[k];
    if (u.bar.interval.n == 1) {
      ++ones;
      CHECK_EQ(u.subscribers, (1ULL << a) | (1ULL << b));
    } else {
      ++fives;
      CHECK_EQ(u.subscribers, 1ULL << b);
    }
  }
  CHECK_EQ(ones, 9u);  // 09:00 .. 09:08 finished; 09:09 is open until a later tick or the clock
  CHECK_EQ(fives, 1u);
  // The 09:03 minute holds ticks 360..479: OHLC of their prices, volume the difference of cumulatives.
  const shandian::bars::Bar* m3 = nullptr;
  for (std::size_t k = 0; k < rec.bar_count; ++k) {
    if (rec.bars[k].bar.interval.n == 1 && rec.bars[k].bar.start_ms % 86'400'000 == kNine + 3 * 60'000) {
      m3 = &rec.bars[k].bar;
    }
  }
  REQUIRE(m3 != nullptr);
  double hi = 0, lo = 1e9;
  for (int i = 360; i < 480; ++i) {
    hi = std::fmax(hi, price_of(i));
    lo = std::fmin(lo, price_of(i));
  }
  CHECK_EQ(m3->open, price_of(360));
  CHECK_EQ(m3->close, price_of(479));
  CHECK_EQ(m3->high, hi);
  CHECK_EQ(m3->low, lo);
  CHECK_EQ(m3->volume, 480 * 3 - 360 * 3);

  // Steady state: the next 20 minutes allocate nothing (builder, masks, rings and batch buffers exist).
  const std::size_t before = rec.bar_count;
  g_counting.store(true, std::memory_order_relaxed);
  feed(engine, gw, 1200, 3600);
  g_counting.store(false, std::memory_order_relaxed);
#if SHANDIAN_COUNT_ALLOCATIONS
  CHECK_EQ(g_allocations.load(std::memory_order_relaxed), 0u);
#endif
  CHECK_EQ(rec.bar_count - before, 20u + 4u);

  // History: the newest 8 one-minute bars (the ring wrapped), oldest first, contiguous columns.
  const HistoryRing* ring = engine.bar_history("rb2505", {BarKind::Minutes, 1});
  REQUIRE(ring != nullptr);
  CHECK_EQ(ring->size(), 8u);
  const double* close = ring->newest(HistoryRing::Close, 8);
  const std::int64_t* start = ring->newest(HistoryRing::StartMs, 8);
  for (int k = 0; k < 8; ++k) {
    const int minute = 21 + k;  // 09:21 .. 09:28 finished, 09:29 open
    CHECK_EQ(start[k] % 86'400'000, kNine + minute * 60'000);
    CHECK_EQ(close[k], price_of(minute * 120 + 119));
  }
  CHECK(engine.bar_history("rb2505", {BarKind::Minutes, 15}) == nullptr);
}

// Warm-up: past bars seeded into the ring come first; live bars repeating them are dropped, the rest follow.
void seeded_bars_precede_live_ones_without_duplicate() {
  FakeGateway gw;
  EngineConfig config;
  config.bar_history = 8;
  Engine engine(config, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  const AgentId a = engine.add_agent("a");
  gw.add_instrument("rb2505", "SHFE", 1.0);
  gw.host->instruments_loaded();
  using shandian::bars::BarHub;
  shandian::bars::Bar past{};
  past.symbol.assign("rb2505");
  past.interval = {BarKind::Minutes, 1};
  past.trading_day = 20250102;
  const std::int64_t day0 = 20090LL * 86'400'000;  // 2025-01-02 00:00 as exchange ms
  const auto at = [&](int minute) {
    past.start_ms = day0 + kNine + minute * 60'000;
    past.end_ms = past.start_ms + 60'000;
    past.close = 1.0 + minute;
    return past;
  };
  CHECK(engine.seed_bar("rb2505", at(0)) == BarHub::SeedResult::NotSubscribed);
  CHECK(engine.subscribe_bars(a, "rb2505", {BarKind::Minutes, 1}) == RejectCode::None);
  CHECK(engine.seed_bar("rb2505", at(0)) == BarHub::SeedResult::Ok);
  CHECK(engine.seed_bar("rb2505", at(1)) == BarHub::SeedResult::Ok);
  CHECK(engine.seed_bar("rb2505", at(0)) == BarHub::SeedResult::OutOfOrder);
  CHECK(engine.seed_bar("rb2505", at(2)) == BarHub::SeedResult::Ok);
  feed(engine, gw, 0, 720);      // 09:00 .. 09:05:59.75: live 09:00-09:02 repeat the seeded bars
  REQUIRE(rec.bar_count == 2u);  // 09:03, 09:04 (09:05 still open)
  CHECK_EQ(rec.bars[0].bar.start_ms, day0 + kNine + 3 * 60'000);
  CHECK_EQ(rec.bars[1].bar.start_ms, day0 + kNine + 4 * 60'000);
  const HistoryRing* ring = engine.bar_history("rb2505", {BarKind::Minutes, 1});
  REQUIRE(ring != nullptr && ring->size() == 5u);
  const std::int64_t* start = ring->newest(HistoryRing::StartMs, 5);
  for (int k = 0; k < 5; ++k) CHECK_EQ(start[k], day0 + kNine + k * 60'000);
  CHECK_EQ(ring->newest(HistoryRing::Close, 5)[2], 3.0);                      // the seeded 09:02 bar, not the live one
  CHECK(engine.seed_bar("rb2505", at(3)) == BarHub::SeedResult::OutOfOrder);  // live bars already kept
}

}  // namespace

int main() {
  bars_reach_subscribers_with_ohlcv_of_their_ticks_and_allocate_nothing();
  seeded_bars_precede_live_ones_without_duplicate();
  return shandian::testing::finish("test_core_engine_bars");
}
