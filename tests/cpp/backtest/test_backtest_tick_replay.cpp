// BacktestGateway's tick replay (run + flush) through a runtime::Runtime, as the Python layer drives it: the
// local front's seeded generator and, separately, ticks handed over as column chunks (ChunkFeed). A C++
// agent subscribed to the ticks sends a limit order every 100 ticks (cancelling the working one; buying up
// to 3 lots, then selling short) under order and report latency with seeded jitter. Checks: every replayed
// tick reaches the agent once, in exchange-time order; every order is accepted; fills happen; two runs of
// the same settings give the same ticks and the same trades (determinism); a chunk stream's ticks arrive
// with their own values.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "backtest/backtest_gateway.hpp"
#include "core/dispatch.hpp"
#include "core/engine.hpp"
#include "runtime/runtime.hpp"
#include "support/check.hpp"

using namespace shandian;
using namespace shandian::testing;
using core::Direction;
using core::Offset;
using core::OrderKind;

namespace {

using TradeKey = std::tuple<std::int64_t, int, double, std::int32_t>;  // recv_ns, direction, price, volume

struct EveryHundred final : core::AgentDispatcher {
  core::Engine* engine = nullptr;
  core::AgentId id = 0;
  std::uint64_t ticks = 0;
  std::int64_t last_recv_ns = 0;
  bool in_order = true;
  std::vector<double> last_prices;
  std::vector<TradeKey> trades;
  std::size_t orders_sent = 0;
  std::size_t refused = 0;
  core::OrderId working = core::kNoOrder;
  std::int32_t long_lots = 0;

  void on_tick(const core::TickData& t) {
    ++ticks;
    if (t.recv_ns < last_recv_ns) in_order = false;
    last_recv_ns = t.recv_ns;
    last_prices.push_back(t.last_price);
    if (ticks % 100 != 0) return;
    if (working != core::kNoOrder) (void)engine->cancel(id, working);
    const bool buy = long_lots < 3;
    const core::InsertResult r =
        engine->insert_order(id, t.instrument, buy ? Direction::Buy : Direction::Sell, Offset::Open,
                             buy ? t.bid_price[0] : t.ask_price[0], 1, OrderKind::Limit);
    ++orders_sent;
    if (!r.ok()) ++refused;
    working = r.order;
  }
  void on_batch(const core::Batch& batch) override {
    for (const core::BatchItem& item : batch.sequence) {
      if (item.kind == core::BatchItemKind::Tick) {
        on_tick(batch.ticks[item.index]);
      } else if (item.kind == core::BatchItemKind::Trade) {
        const core::TradeUpdate& t = batch.trades[item.index];
        trades.emplace_back(t.recv_ns, static_cast<int>(t.direction), t.price, t.volume);
        long_lots = t.position.long_today + t.position.long_yd;
      }
    }
  }
};

struct RunResult {
  std::uint64_t ticks = 0;
  backtest::BacktestCounters counters;
  bool in_order = false;
  std::vector<double> last_prices;
  std::vector<TradeKey> trades;
  std::size_t orders_sent = 0;
  std::size_t refused = 0;
};

RunResult replay(backtest::BacktestSettings settings, const char* symbol) {
  settings.latency.order_ms = 5;
  settings.latency.report_ms = 2.5;
  settings.latency.jitter = backtest::Jitter::Uniform;
  settings.latency.jitter_ms = 1.0;
  settings.latency.seed = 11;
  auto owned = std::make_unique<backtest::BacktestGateway>(std::move(settings));
  backtest::BacktestGateway* gateway = owned.get();
  runtime::EngineSettings es;
  es.wait = "spin";
  runtime::Runtime rt(es, std::move(owned), gateway->clock());
  core::Engine& engine = rt.engine();
  EveryHundred agent;
  agent.engine = &engine;
  agent.id = engine.add_agent("every100");
  engine.set_dispatcher(&agent);
  CHECK(engine.subscribe(agent.id, symbol) == core::RejectCode::None);
  CHECK(gateway->run(engine));
  (void)gateway->flush(engine);
  RunResult out;
  out.ticks = agent.ticks;
  out.counters = gateway->counters();
  out.in_order = agent.in_order;
  out.last_prices = std::move(agent.last_prices);
  out.trades = std::move(agent.trades);
  out.orders_sent = agent.orders_sent;
  out.refused = agent.refused;
  return out;
}

backtest::BacktestSettings generator_settings() {
  backtest::BacktestSettings s;
  s.front.source = "gen";
  s.front.seed = 42;
  s.front.instruments = {"rb"};
  s.front.trading_day = "20250102";
  s.front.days = 2;
  return s;
}

void generator_replay_reaches_the_agent_tick_by_tick_and_is_deterministic() {
  const RunResult first = replay(generator_settings(), "rb2505");
  CHECK_EQ(first.counters.days, 2u);
  CHECK(first.counters.ticks > 10'000u);
  CHECK_EQ(first.ticks, first.counters.ticks);  // one instrument, subscribed: every snapshot reaches it
  CHECK_EQ(first.counters.ticks_forwarded, first.counters.ticks);
  CHECK(first.in_order);
  CHECK_EQ(first.orders_sent, first.ticks / 100);
  CHECK_EQ(first.refused, 0u);
  CHECK(!first.trades.empty());
  CHECK(first.counters.reports > 0u);

  const RunResult second = replay(generator_settings(), "rb2505");
  CHECK_EQ(second.ticks, first.ticks);
  CHECK(second.last_prices == first.last_prices);
  CHECK(second.trades == first.trades);
}

struct TickRows {
  std::vector<std::int32_t> instrument, bid_volume, ask_volume;
  std::vector<std::int64_t> time_ms, volume;
  std::vector<std::uint32_t> trading_day;
  std::vector<double> last, turnover, oi, bid, ask, upper, lower;
};

TickRows make_ticks(std::size_t n) {
  TickRows r;
  constexpr std::int64_t kNineAm = 1'735'808'400'000;  // 2025-01-02 09:00 (exchange-local clock, ms)
  for (std::size_t i = 0; i < n; ++i) {
    const double p = 3500.0 + static_cast<double>(i % 9) - static_cast<double>(i % 5);
    r.instrument.push_back(0);
    r.time_ms.push_back(kNineAm + static_cast<std::int64_t>(i) * 500);
    r.trading_day.push_back(20250102);
    r.last.push_back(p);
    r.volume.push_back(static_cast<std::int64_t>(i) * 2 + 2);
    r.turnover.push_back(static_cast<double>(i) * 20 * p);
    r.oi.push_back(1000);
    r.bid.push_back(p - 1);
    r.ask.push_back(p + 1);
    r.bid_volume.push_back(10);
    r.ask_volume.push_back(12);
    r.upper.push_back(3850);
    r.lower.push_back(3150);
  }
  return r;
}

void chunk_replay_hands_over_the_chunks_ticks_in_order_with_their_prices() {
  const TickRows rows = make_ticks(1'050);
  backtest::BacktestSettings s;
  s.chunk_symbols = {"rb2505"};
  auto next = std::make_shared<std::size_t>(0);
  constexpr std::size_t kChunk = 256;  // several chunks, the last one short
  s.pull_chunk = [&rows, next](backtest::TickColumns& c) {
    const std::size_t from = *next;
    if (from >= rows.last.size()) return false;
    const std::size_t to = std::min(rows.last.size(), from + kChunk);
    *next = to;
    c.rows = to - from;
    c.instrument = rows.instrument.data() + from;
    c.time_ms = rows.time_ms.data() + from;
    c.trading_day = rows.trading_day.data() + from;
    c.last_price = rows.last.data() + from;
    c.volume = rows.volume.data() + from;
    c.turnover = rows.turnover.data() + from;
    c.open_interest = rows.oi.data() + from;
    c.bid_price_1 = rows.bid.data() + from;
    c.ask_price_1 = rows.ask.data() + from;
    c.bid_volume_1 = rows.bid_volume.data() + from;
    c.ask_volume_1 = rows.ask_volume.data() + from;
    c.upper_limit = rows.upper.data() + from;
    c.lower_limit = rows.lower.data() + from;
    return true;
  };
  const RunResult r = replay(s, "rb2505");
  CHECK_EQ(r.counters.ticks, rows.last.size());
  CHECK_EQ(r.ticks, rows.last.size());
  CHECK(r.last_prices == rows.last);
  CHECK(r.in_order);
  CHECK_EQ(r.orders_sent, rows.last.size() / 100);
  CHECK_EQ(r.refused, 0u);
}

}  // namespace

int main() {
  generator_replay_reaches_the_agent_tick_by_tick_and_is_deterministic();
  chunk_replay_hands_over_the_chunks_ticks_in_order_with_their_prices();
  return finish(__FILE__);
}
