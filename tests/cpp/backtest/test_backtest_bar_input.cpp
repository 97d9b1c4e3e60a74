// BacktestGateway in bar-input mode (cpp/backtest/bar_feed.hpp has the rules) driven like the Python layer
// drives it: a runtime::Runtime over the gateway, BacktestGateway::run then flush, bars pulled as column
// chunks. An agent in C++ receives each bar once the next bar's open is on the book and trades on it:
//  - every bar reaches it once, in order, with its values, the next open already on the book (the clock);
//  - a limit buy marketable at the next open fills at open + slippage (never above its price), a limit sell
//    at open - slippage;
//  - a resting buy fills at its own price when a later bar's range trades through it;
//  - a resting buy at exactly a bar's low (a touch) does not fill with the conservative queue model, and
//    an order left after the day's last bar finds no next open and expires at the day's roll;
//  - counters: bars replayed and handed over, trading days.
#include <cstdint>
#include <memory>
#include <vector>

#include "backtest/backtest_gateway.hpp"
#include "bars/bar.hpp"
#include "core/dispatch.hpp"
#include "core/engine.hpp"
#include "runtime/runtime.hpp"
#include "support/check.hpp"

using namespace shandian;
using namespace shandian::testing;
using core::Direction;
using core::Offset;
using core::OrderKind;
using core::OrderStatus;

namespace {

constexpr std::int64_t kDay1NineAm = 1'735'808'400'000;  // 2025-01-02 09:00 (exchange-local clock, ms)
constexpr std::int64_t kDay2NineAm = kDay1NineAm + 86'400'000;

struct Rows {
  std::vector<std::int32_t> instrument;
  std::vector<std::int64_t> start_ms, end_ms, volume;
  std::vector<std::uint32_t> trading_day;
  std::vector<double> open, high, low, close, turnover, open_interest;

  void add(std::uint32_t day, std::int64_t start, double o, double h, double l, double c) {
    instrument.push_back(0);
    trading_day.push_back(day);
    start_ms.push_back(start);
    end_ms.push_back(start + 60'000);
    open.push_back(o);
    high.push_back(h);
    low.push_back(l);
    close.push_back(c);
    volume.push_back(50);
    turnover.push_back(50 * 10 * c);
    open_interest.push_back(1000);
  }
  [[nodiscard]] std::size_t size() const { return open.size(); }
};

// The data: two trading days of rb2505 1-minute bars, in two chunks (the second starts day 2).
Rows make_rows() {
  Rows r;
  r.add(20250102, kDay1NineAm + 0 * 60'000, 3500, 3505, 3495, 3502);  // bar 0
  r.add(20250102, kDay1NineAm + 1 * 60'000, 3502, 3508, 3500, 3506);  // bar 1
  r.add(20250102, kDay1NineAm + 2 * 60'000, 3506, 3510, 3498, 3499);  // bar 2: low 3498
  r.add(20250102, kDay1NineAm + 3 * 60'000, 3499, 3503, 3497, 3501);  // bar 3: low 3497 (a touch)
  r.add(20250103, kDay2NineAm + 0 * 60'000, 3501, 3504, 3496, 3500);  // bar 4
  r.add(20250103, kDay2NineAm + 1 * 60'000, 3500, 3502, 3494, 3495);  // bar 5
  return r;
}

backtest::PullBars pull_in_chunks(const Rows& r, std::vector<std::size_t> cuts) {
  auto next = std::make_shared<std::size_t>(0);
  return [&r, cuts, next](backtest::BarColumns& c) {
    if (*next + 1 >= cuts.size()) return false;
    const std::size_t from = cuts[*next], to = cuts[*next + 1];
    ++*next;
    c.rows = to - from;
    c.instrument = r.instrument.data() + from;
    c.start_ms = r.start_ms.data() + from;
    c.end_ms = r.end_ms.data() + from;
    c.trading_day = r.trading_day.data() + from;
    c.open = r.open.data() + from;
    c.high = r.high.data() + from;
    c.low = r.low.data() + from;
    c.close = r.close.data() + from;
    c.volume = r.volume.data() + from;
    c.turnover = r.turnover.data() + from;
    c.open_interest = r.open_interest.data() + from;
    return true;
  };
}

struct Seen {
  bars::Bar bar;
  std::int64_t clock_ns;  // the gateway's event clock when the agent got the bar
};

// The agent: trades a fixed script on bars 0, 1, 2 and 4 (by arrival), records everything it is handed.
struct ScriptedAgent final : core::AgentDispatcher {
  core::Engine* engine = nullptr;
  const backtest::BacktestGateway* gateway = nullptr;
  core::AgentId id = 0;
  std::vector<Seen> bars;
  std::vector<core::TradeUpdate> trades;
  std::vector<core::OrderUpdate> orders;
  core::OrderId touch_order = core::kNoOrder;
  std::vector<core::RejectCode> refusals;

  void send(Direction d, Offset o, double price) {
    const core::InstrumentIndex rb = engine->instrument_index("rb2505");
    const core::InsertResult r = engine->insert_order(id, rb, d, o, price, 1, OrderKind::Limit);
    if (!r.ok()) refusals.push_back(r.code);
    if (bars.size() == 3) touch_order = r.order;
  }
  void on_batch(const core::Batch& batch) override {
    for (const core::BatchItem& item : batch.sequence) {
      switch (item.kind) {
        case core::BatchItemKind::Bar: {
          bars.push_back({batch.bars[item.index].bar, gateway->now_ns()});
          switch (bars.size()) {
            case 1: send(Direction::Buy, Offset::Open, 3600); break;   // marketable at bar 1's open
            case 2: send(Direction::Buy, Offset::Open, 3499); break;   // rests; bar 2's low 3498 trades through
            case 3: send(Direction::Buy, Offset::Open, 3497); break;   // rests; bar 3's low is 3497: a touch
            case 5: send(Direction::Sell, Offset::Open, 3400); break;  // marketable at bar 5's open
            default: break;
          }
          break;
        }
        case core::BatchItemKind::Trade: trades.push_back(batch.trades[item.index]); break;
        case core::BatchItemKind::Order: orders.push_back(batch.orders[item.index]); break;
        default: break;
      }
    }
  }
};

void bar_input_replay_hands_each_bar_after_the_next_open_and_fills_by_the_bar_rules() {
  const Rows rows = make_rows();
  backtest::BacktestSettings settings;
  settings.chunk_symbols = {"rb2505"};
  settings.pull_bars = pull_in_chunks(rows, {0, 4, 6});
  settings.bar_interval = bars::parse_interval("1m");
  settings.slippage_ticks = 1;
  auto owned = std::make_unique<backtest::BacktestGateway>(std::move(settings));
  backtest::BacktestGateway* gateway = owned.get();
  runtime::EngineSettings es;
  es.wait = "spin";  // the replay hands the engine events only when it has them
  runtime::Runtime rt(es, std::move(owned), gateway->clock());
  core::Engine& engine = rt.engine();
  ScriptedAgent agent;
  agent.engine = &engine;
  agent.gateway = gateway;
  agent.id = engine.add_agent("scripted");
  engine.set_dispatcher(&agent);
  CHECK(engine.subscribe_bars(agent.id, "rb2505", bars::parse_interval("1m")) == core::RejectCode::None);

  CHECK(gateway->run(engine));  // the data ran out
  (void)gateway->flush(engine);

  // Every bar once, in order, with its values; bars 0..2 and 4 arrive once the next bar's open is on the
  // book (the clock is at that bar's start), the last bar of each day at its own end.
  REQUIRE(agent.bars.size() == rows.size());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const bars::Bar& b = agent.bars[k].bar;
    CHECK(b.symbol.view() == "rb2505");
    CHECK_EQ(b.trading_day, rows.trading_day[k]);
    CHECK_EQ(b.start_ms, rows.start_ms[k]);
    CHECK_EQ(b.end_ms, rows.end_ms[k]);
    CHECK_EQ(b.open, rows.open[k]);
    CHECK_EQ(b.high, rows.high[k]);
    CHECK_EQ(b.low, rows.low[k]);
    CHECK_EQ(b.close, rows.close[k]);
    CHECK_EQ(b.volume, rows.volume[k]);
    const bool last_of_day = k + 1 == rows.size() || rows.trading_day[k + 1] != rows.trading_day[k];
    const std::int64_t expected_clock_ms = last_of_day ? rows.end_ms[k] : rows.start_ms[k + 1];
    CHECK_EQ(agent.bars[k].clock_ns, expected_clock_ms * 1'000'000);
  }

  CHECK(agent.refusals.empty());
  REQUIRE(agent.trades.size() == 3);
  CHECK(agent.trades[0].direction == Direction::Buy);
  CHECK_EQ(agent.trades[0].price, 3503.0);  // bar 1's open 3502 + 1 tick slippage, below the 3600 limit
  CHECK(agent.trades[1].direction == Direction::Buy);
  CHECK_EQ(agent.trades[1].price, 3499.0);  // its own price: bar 2's low 3498 traded through it
  CHECK(agent.trades[2].direction == Direction::Sell);
  CHECK_EQ(agent.trades[2].price, 3499.0);  // bar 5's open 3500 - 1 tick, above the 3400 limit
  for (const core::TradeUpdate& t : agent.trades) CHECK_EQ(t.volume, 1);

  // The touch at 3497 never filled; with no next open on day 1 it rested until the roll expired it.
  REQUIRE(agent.touch_order != core::kNoOrder);
  const core::OrderUpdate* last = nullptr;
  for (const core::OrderUpdate& u : agent.orders)
    if (u.id == agent.touch_order) last = &u;
  REQUIRE(last != nullptr);
  CHECK(last->status == OrderStatus::Cancelled);
  CHECK_EQ(last->traded, 0);

  const backtest::BacktestCounters& c = gateway->counters();
  CHECK_EQ(c.ticks, rows.size());
  CHECK_EQ(c.ticks_forwarded, rows.size());
  CHECK_EQ(c.days, 2u);
  CHECK_EQ(gateway->trading_day(), std::string("20250103"));
}

void bar_input_with_no_bars_is_refused_when_the_gateway_is_built() {
  const Rows empty;
  backtest::BacktestSettings settings;
  settings.chunk_symbols = {"rb2505"};
  settings.pull_bars = pull_in_chunks(empty, {0, 0});
  settings.bar_interval = bars::parse_interval("1m");
  bool refused = false;
  try {
    backtest::BacktestGateway gateway(std::move(settings));
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CHECK(refused);
}

}  // namespace

int main() {
  bar_input_replay_hands_each_bar_after_the_next_open_and_fills_by_the_bar_rules();
  bar_input_with_no_bars_is_refused_when_the_gateway_is_built();
  return finish(__FILE__);
}
