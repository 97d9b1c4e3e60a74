// Risk engine micro-benchmark (see risk_bench.hpp).
#include "bench/risk_bench.hpp"

#include <chrono>
#include <stdexcept>

#include "risk/risk_engine.hpp"

namespace shandian::bench {
namespace {

using namespace shandian::core;
using namespace shandian::risk;

// Flat ledger answering in O(1), like the order manager's arrays.
class BenchLedger final : public LedgerView {
 public:
  std::int32_t long_volume(AgentId, InstrumentIndex) const noexcept override { return 2; }
  std::int32_t short_volume(AgentId, InstrumentIndex) const noexcept override { return 1; }
  std::int32_t pending_open_volume(AgentId, InstrumentIndex, Direction) const noexcept override { return 1; }
  double available_capital(AgentId) const noexcept override { return 1e9; }
  double order_cost(AgentId, InstrumentIndex, Direction, Offset, double price,
                    std::int32_t volume) const noexcept override {
    return price * 10.0 * volume * 0.1 + 3.0 * volume;
  }
  double pnl_today(AgentId) const noexcept override { return 100.0; }
};

}  // namespace

std::vector<std::int64_t> risk_check_latency(const RiskBenchOptions& o) {
  if (o.samples < 1 || o.warmup < 0 || o.resting_orders < 0 || o.resting_orders > 1000 || o.agents < 1 ||
      o.agents > 64) {
    throw std::invalid_argument(
        "bench_risk_check: samples >= 1, warmup >= 0, 0 <= resting_orders <= 1000, 1 <= agents <= 64");
  }
  const bool cancels = o.kind == "cancel";
  if (!cancels && o.kind != "order") throw std::invalid_argument("bench_risk_check: kind must be 'order' or 'cancel'");

  InstrumentRegistry registry(16);
  InstrumentSpec spec;
  spec.symbol.assign("rb2505");
  spec.exchange.assign("SHFE");
  spec.price_tick = 1.0;
  spec.volume_multiple = 10;
  spec.max_limit_order_volume = 500;
  const InstrumentIndex rb = *registry.upsert(spec);
  InstrumentState& st = registry.at(rb);
  st.has_tick = true;
  st.last_tick.last_price = 3500.0;
  st.last_tick.bid_price[0] = 3499.0;
  st.last_tick.ask_price[0] = 3501.0;
  st.trading_status = '2';

  constexpr std::uint32_t kBig = 1U << 30;
  RiskLimits l;
  AgentLimits& a = l.agent;
  a.order_rate[0] = {2000, 1000};  // one check per simulated ms: never more than 1000 in a window
  a.order_rate[1] = {20000, 10000};
  a.cancel_rate[0] = {2000, 1000};
  a.cancel_rate[1] = {20000, 10000};
  a.max_order_volume = 100;
  a.max_position = 1000;
  a.max_active_orders = 100000;
  a.daily_cancels = static_cast<std::int32_t>(kBig);
  a.daily_messages = static_cast<std::int32_t>(kBig);
  a.daily_open_volume = static_cast<std::int32_t>(kBig);
  a.large_cancels = static_cast<std::int32_t>(kBig);
  a.check_capital = true;
  a.daily_loss = 1e9;
  a.max_drawdown = 1e9;
  InstrumentLimits& in = l.instrument;
  in.daily_cancels = static_cast<std::int32_t>(kBig);
  in.daily_messages = static_cast<std::int32_t>(kBig);
  in.large_order_lots = 300;
  in.large_order_ratio = 0.8;
  in.large_cancels = static_cast<std::int32_t>(kBig);
  in.daily_open_volume = static_cast<std::int32_t>(kBig);
  in.max_order_volume = 400;
  in.max_order_volume_ratio = 0.8;
  in.max_position = 100000;
  in.self_trade_prevention = true;
  in.price_band_ticks = 100;
  in.price_band_pct = 5.0;
  in.stale_after_ms = 1LL << 40;
  in.session_gate = true;
  l.account.order_rate[0] = {2000, 1000};
  l.account.cancel_rate[0] = {2000, 1000};
  l.account.max_active_orders = 100000;
  l.account.daily_loss = 1e9;
  l.account.max_drawdown = 1e9;

  RiskCapacity capacity;
  capacity.max_instruments = 16;
  capacity.max_live_orders = 4096;
  RiskEngine engine(registry, capacity, l);
  BenchLedger ledger;
  const RiskContext context{registry, &ledger};
  // Resting orders of the account far from the benched prices (sells above, buys below): scanned, never crossed.
  for (std::int32_t i = 0; i < o.resting_orders; ++i) {
    OrderUpdate u{};
    u.id = (1ULL << 32) | static_cast<std::uint64_t>(i + 1);
    u.agent = static_cast<AgentId>(i % o.agents);
    u.instrument = rb;
    u.direction = i % 2 == 0 ? Direction::Sell : Direction::Buy;
    u.offset = Offset::Open;
    u.kind = OrderKind::Limit;
    u.status = OrderStatus::Queued;
    u.price = i % 2 == 0 ? 3550.0 + i : 3450.0 - i;
    u.volume = 1;
    engine.on_order_update(u);
  }
  const OrderId cancel_target = o.resting_orders > 0 ? (1ULL << 32) | 1ULL : 99;

  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(o.samples));
  std::int64_t now = st.last_tick.recv_ns = 1'000'000'000;
  const std::int64_t total = o.warmup + o.samples;
  for (std::int64_t i = 0; i < total; ++i) {
    now += 1'000'000;
    st.last_tick.recv_ns = now;  // fresh tick: the stale guard passes
    const auto agent = static_cast<AgentId>(i % o.agents);
    const auto t0 = std::chrono::steady_clock::now();
    RiskVerdict v;
    if (cancels) {
      v = engine.check_cancel(CancelIntent{agent, cancel_target, rb, now}, context);
    } else {
      const Direction d = i % 2 == 0 ? Direction::Buy : Direction::Sell;
      const double price = d == Direction::Buy ? 3500.0 : 3501.0;
      v = engine.check_order(
          OrderIntent{agent, rb, d, Offset::Open, OrderKind::Limit, price, static_cast<std::int64_t>(price), 1, now},
          context);
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (!v.accepted())
      throw std::runtime_error(std::string("bench_risk_check: a check was refused: ") + v.reason.c_str());
    if (i >= o.warmup) out.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  return out;
}

}  // namespace shandian::bench
