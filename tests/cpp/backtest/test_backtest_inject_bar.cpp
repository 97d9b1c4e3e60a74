// Engine::inject_bar, the engine side of the bar-input backtest: a bar from the data (not built from ticks)
// goes into its (symbol, interval) history and, on the next dispatch, to the agents subscribed to exactly
// that series, with its values untouched; its close becomes the instrument's mark price for the ledgers
// even when no agent wants the bars; a bar of an unknown symbol changes nothing.
#include <cmath>
#include <cstdint>

#include "bars/bar.hpp"
#include "bars/bar_hub.hpp"
#include "fake_gateway.hpp"
#include "support/check.hpp"

using namespace shandian::testing;
using shandian::bars::Bar;
using shandian::bars::BarInterval;
using shandian::bars::BarKind;
using shandian::bars::HistoryRing;

namespace {

constexpr BarInterval kOneMinute{BarKind::Minutes, 1};
constexpr BarInterval kFiveMinutes{BarKind::Minutes, 5};
constexpr std::int64_t kNineAm = 1'735'808'400'000;  // 2025-01-02 09:00 (exchange-local clock, ms)

Bar make_bar(const char* symbol, BarInterval interval, int k, double close) {
  Bar b{};
  b.symbol.assign(symbol);
  b.interval = interval;
  b.trading_day = 20250102;
  b.start_ms = kNineAm + static_cast<std::int64_t>(k) * 60'000 * interval.n;
  b.end_ms = b.start_ms + 60'000 * static_cast<std::int64_t>(interval.n);
  b.open = close - 2;
  b.high = close + 3;
  b.low = close - 4;
  b.close = close;
  b.volume = 100 + k;
  b.turnover = static_cast<double>(b.volume) * 10.0 * close;
  b.open_interest = 5000.0 + k;
  b.tick_count = 0;
  b.filled = false;
  return b;
}

struct Fixture {
  FakeGateway gw;
  EngineConfig config = [] {
    EngineConfig c;
    c.bar_history = 4;
    return c;
  }();
  Engine engine{config, gw};
  Recorder rec;
  AgentId a = 0, b = 0;
  InstrumentIndex rb = kNoInstrument;

  Fixture() {
    engine.set_dispatcher(&rec);
    a = engine.add_agent("a");
    b = engine.add_agent("b");
    rb = gw.add_instrument("rb2505", "SHFE", 1.0);
    gw.add_instrument("m2505", "DCE", 1.0);
    gw.host->instruments_loaded();
  }
  void pump() {
    for (int i = 0; i < 4; ++i) engine.run_once(0);
  }
};

void bar_reaches_only_the_subscribers_of_its_series_with_its_values_and_enters_the_history() {
  Fixture f;
  CHECK(f.engine.subscribe_bars(f.a, "rb2505", kOneMinute) == RejectCode::None);
  CHECK(f.engine.subscribe_bars(f.b, "rb2505", kFiveMinutes) == RejectCode::None);
  const Bar bar = make_bar("rb2505", kOneMinute, 0, 3500.0);
  CHECK(f.engine.inject_bar(bar));
  CHECK_EQ(f.rec.bar_count, 0u);  // delivered with the next dispatch, not from inside inject_bar
  f.pump();
  REQUIRE(f.rec.bar_count == 1);
  const BarUpdate& u = f.rec.bars[0];
  CHECK_EQ(u.subscribers, 1ULL << f.a);
  CHECK(u.bar.symbol.view() == "rb2505");
  CHECK(u.bar.interval == kOneMinute);
  CHECK_EQ(u.bar.trading_day, 20250102u);
  CHECK_EQ(u.bar.start_ms, bar.start_ms);
  CHECK_EQ(u.bar.end_ms, bar.end_ms);
  CHECK_EQ(u.bar.open, bar.open);
  CHECK_EQ(u.bar.high, bar.high);
  CHECK_EQ(u.bar.low, bar.low);
  CHECK_EQ(u.bar.close, bar.close);
  CHECK_EQ(u.bar.volume, bar.volume);
  CHECK_EQ(u.bar.open_interest, bar.open_interest);
  CHECK_EQ(f.rec.tick_count, 0u);  // a bar is not a tick
  const HistoryRing* history = f.engine.bar_history("rb2505", kOneMinute);
  REQUIRE(history != nullptr);
  CHECK_EQ(history->size(), 1u);
  CHECK_EQ(*history->newest(HistoryRing::Close, 1), 3500.0);
  CHECK_EQ(*history->newest(HistoryRing::StartMs, 1), bar.start_ms);

  // The five-minute series is b's: its bar goes to b alone.
  CHECK(f.engine.inject_bar(make_bar("rb2505", kFiveMinutes, 0, 3502.0)));
  f.pump();
  REQUIRE(f.rec.bar_count == 2);
  CHECK_EQ(f.rec.bars[1].subscribers, 1ULL << f.b);
  CHECK(f.rec.bars[1].bar.interval == kFiveMinutes);
  CHECK_EQ(f.engine.bar_history("rb2505", kOneMinute)->size(), 1u);
}

void history_keeps_the_newest_bars_in_order_and_every_bar_is_delivered_once() {
  Fixture f;
  CHECK(f.engine.subscribe_bars(f.a, "rb2505", kOneMinute) == RejectCode::None);
  for (int k = 0; k < 10; ++k) {
    CHECK(f.engine.inject_bar(make_bar("rb2505", kOneMinute, k, 3500.0 + k)));
    if (k % 3 == 2) f.pump();  // several bars may wait for one dispatch
  }
  f.pump();
  REQUIRE(f.rec.bar_count == 10);
  for (std::size_t k = 0; k < 10; ++k) CHECK_EQ(f.rec.bars[k].bar.close, 3500.0 + static_cast<double>(k));
  const HistoryRing* history = f.engine.bar_history("rb2505", kOneMinute);
  REQUIRE(history != nullptr);
  CHECK_EQ(history->size(), 4u);  // config.bar_history
  CHECK_EQ(history->pushed(), 10u);
  const double* closes = history->newest(HistoryRing::Close, 4);
  for (int i = 0; i < 4; ++i) CHECK_EQ(closes[i], 3506.0 + i);
}

void bar_nobody_wants_is_not_delivered_but_its_close_still_marks_the_position() {
  Fixture f;
  // a holds one lot long bought at 3500 (the fake counter acknowledges and fills it).
  const InsertResult r = f.engine.insert_order(f.a, f.rb, Direction::Buy, Offset::Open, 3500.0, 1, OrderKind::Limit);
  REQUIRE(r.ok());
  const Order o = *f.engine.order(r.order);
  push_order(f.gw.ring_a, 1, order_data(o, OrderStatus::Queued, 0, "S1"));
  push_order(f.gw.ring_a, 2, order_data(o, OrderStatus::Filled, 1, "S1"));
  push_trade(f.gw.ring_a, 3, trade_data(o, "T1", "S1", 1, 3500.0));
  f.pump();
  CHECK_EQ(f.engine.ledgers().view(f.a, f.rb).long_today, 1);
  const std::size_t batches = f.rec.batches;

  CHECK(!f.engine.inject_bar(make_bar("rb2505", kOneMinute, 0, 3512.0)));  // no subscriber: false
  f.pump();
  CHECK_EQ(f.rec.bar_count, 0u);
  CHECK_EQ(f.rec.batches, batches);  // nothing to dispatch
  CHECK(f.engine.bar_history("rb2505", kOneMinute) == nullptr);
  CHECK_EQ(f.engine.ledgers().mark_price(f.rb), 3512.0);
  CHECK(std::abs(f.engine.ledgers().unrealized_pnl(f.a, f.rb) - 120.0) < 1e-9);  // (3512 - 3500) x 10 x 1

  CHECK(!f.engine.inject_bar(make_bar("rb2505", kOneMinute, 1, 3490.0)));
  CHECK(std::abs(f.engine.ledgers().unrealized_pnl(f.a, f.rb) + 100.0) < 1e-9);
}

void bar_of_an_unknown_symbol_changes_nothing() {
  Fixture f;
  CHECK(f.engine.subscribe_bars(f.a, "rb2505", kOneMinute) == RejectCode::None);
  CHECK(f.engine.inject_bar(make_bar("rb2505", kOneMinute, 0, 3500.0)));
  f.pump();
  const std::size_t batches = f.rec.batches;
  CHECK(!f.engine.inject_bar(make_bar("zz9999", kOneMinute, 1, 10.0)));
  f.pump();
  CHECK_EQ(f.rec.bar_count, 1u);
  CHECK_EQ(f.rec.batches, batches);
  CHECK_EQ(f.engine.ledgers().mark_price(f.rb), 3500.0);
  CHECK(f.engine.bar_history("zz9999", kOneMinute) == nullptr);
  CHECK_EQ(f.engine.bar_history("rb2505", kOneMinute)->size(), 1u);
}

}  // namespace

int main() {
  bar_reaches_only_the_subscribers_of_its_series_with_its_values_and_enters_the_history();
  history_keeps_the_newest_bars_in_order_and_every_bar_is_delivered_once();
  bar_nobody_wants_is_not_delivered_but_its_close_still_marks_the_position();
  bar_of_an_unknown_symbol_changes_nothing();
  return finish(__FILE__);
}
