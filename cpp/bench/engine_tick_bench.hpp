// The engine's per-tick cost with and without bar subscriptions: a real core::Engine fed a trading day of
// ticks of N instruments (round-robin, 2 per second each, night and day sessions) through its event ring, one
// agent subscribed to every instrument's ticks and, optionally, to bars of the first K instruments. The
// calling thread both fills the ring (as the vendor thread's Spi copy does) and runs the loop; batches go to a
// dispatcher that only counts (no Python). The figure is that thread's CPU time per tick: ring push + loop
// (registry, ledgers, bar builders, batch) + dispatch; the difference between two runs is what the bars cost.
// Header-only, for the _bench binding (pyext/bench/bars.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bars/bar.hpp"
#include "bars/bar_bench.hpp"
#include "bars/bar_builder.hpp"
#include "core/clock.hpp"
#include "core/engine.hpp"
#include "core/gateway.hpp"

namespace shandian::bench {

// Instruments whose sessions are the same (night to 23:00, the same day windows), so their ticks interleave.
inline constexpr const char* kEngineTickSymbols[][2] = {
    {"rb2505", "SHFE"}, {"hc2505", "SHFE"}, {"bu2506", "SHFE"}, {"ru2505", "SHFE"}, {"fu2505", "SHFE"},
    {"sp2505", "SHFE"}, {"br2505", "SHFE"}, {"m2505", "DCE"},   {"y2505", "DCE"},   {"p2505", "DCE"},
};
inline constexpr std::size_t kEngineTickMaxSymbols = sizeof kEngineTickSymbols / sizeof kEngineTickSymbols[0];

struct EngineTickOptions {
  std::size_t symbols = 1;               // instruments in the stream (1..kEngineTickMaxSymbols)
  std::size_t bar_symbols = 0;           // the first bar_symbols of them get `intervals` bars
  std::vector<std::string> intervals{};  // e.g. {"1m", "5m"}
};

struct EngineTickResult {
  std::uint64_t ticks = 0;   // ticks fed in the timed pass
  std::uint64_t bars = 0;    // bars dispatched in the timed pass
  double cpu_seconds = 0.0;  // CPU time of the calling thread over the timed pass
  [[nodiscard]] double cpu_ns_per_tick() const noexcept {
    return ticks > 0 ? cpu_seconds * 1e9 / static_cast<double>(ticks) : 0.0;
  }
};

namespace engine_tick_detail {

class RingGateway final : public core::Gateway {
 public:
  core::EventRing ring{4096};
  core::EventRing* rings_[1] = {&ring};
  core::GatewayHost* host = nullptr;

  void attach(core::GatewayHost& h, queue::Waiter&) override { host = &h; }
  std::span<core::EventRing* const> rings() noexcept override { return {rings_, 1}; }
  void start() override {}
  void on_event(const core::Event&) noexcept override {}
  std::int64_t poll(std::int64_t now_ns) noexcept override { return now_ns + 1'000'000'000; }
  bool trading_ready() const noexcept override { return true; }
  void prepare_insert(core::Order&) noexcept override {}
  int write_insert(const core::Order&) noexcept override { return 0; }
  int write_cancel(const core::Order&) noexcept override { return 0; }
  void want_market_data(core::InstrumentIndex) noexcept override {}
  void stop() noexcept override {}
};

struct CountingDispatcher final : core::AgentDispatcher {
  std::uint64_t ticks = 0;
  std::uint64_t bars = 0;
  void on_batch(const core::Batch& batch) override {
    for (const core::BatchItem& item : batch.sequence) {
      if (item.kind == core::BatchItemKind::Tick) ++ticks;
      if (item.kind == core::BatchItemKind::Bar) ++bars;
    }
  }
};

}  // namespace engine_tick_detail

// One trading day (2025-01-02) of `options.symbols` instruments, fed twice through a fresh engine: the first
// pass warms it up (builders, history rings, batch buffers), the second is timed. Throws
// std::invalid_argument for bad options.
[[nodiscard]] inline EngineTickResult engine_tick_cost(const EngineTickOptions& options) {
  using namespace engine_tick_detail;
  if (options.symbols < 1 || options.symbols > kEngineTickMaxSymbols || options.bar_symbols > options.symbols) {
    throw std::invalid_argument("engine tick bench: symbols must be 1.." + std::to_string(kEngineTickMaxSymbols) +
                                " and bar_symbols <= symbols");
  }
  // Each instrument's day, then all merged in exchange order (ties: instrument order). Only the fields that
  // change are kept per tick; the push copies the instrument's tick (hot in cache) and sets them, as the
  // vendor thread's Spi copies CTP's struct, so the figure is not the cost of streaming ticks from memory.
  struct Changing {
    std::int64_t order;
    std::size_t symbol;
    std::int32_t update_ms;
    double last_price;
    std::int64_t volume;
    double turnover;
    double open_interest;
  };
  std::vector<Changing> day;
  std::vector<core::TickData> hot(options.symbols);
  for (std::size_t s = 0; s < options.symbols; ++s) {
    const bars::BarBuilder schedule_of(kEngineTickSymbols[s][0]);
    for (const core::TickData& t : bench_trading_day(kEngineTickSymbols[s][0], schedule_of.schedule(), 20250102)) {
      std::int64_t clock = t.update_ms - bars::kSessionClockOrigin;
      if (clock < 0) clock += bars::kMsPerDay;
      day.push_back({clock * 16 + static_cast<std::int64_t>(s), s, t.update_ms, t.last_price, t.volume, t.turnover,
                     t.open_interest});
      hot[s] = t;
    }
  }
  std::stable_sort(day.begin(), day.end(), [](const Changing& a, const Changing& b) { return a.order < b.order; });

  RingGateway gateway;
  core::EngineConfig config;
  core::Engine engine(config, gateway);
  CountingDispatcher dispatcher;
  engine.set_dispatcher(&dispatcher);
  const core::AgentId agent = engine.add_agent("bench");
  for (std::size_t s = 0; s < options.symbols; ++s) {
    core::InstrumentSpec spec;
    spec.symbol.assign(kEngineTickSymbols[s][0]);
    spec.exchange.assign(kEngineTickSymbols[s][1]);
    spec.price_tick = 1.0;
    spec.volume_multiple = 10;
    spec.max_limit_order_volume = 500;
    spec.min_limit_order_volume = 1;
    (void)gateway.host->instruments().upsert(spec);
  }
  gateway.host->instruments_loaded();
  for (std::size_t s = 0; s < options.symbols; ++s) {
    if (engine.subscribe(agent, kEngineTickSymbols[s][0]) != core::RejectCode::None) {
      throw std::invalid_argument(std::string("engine tick bench: cannot subscribe ") + kEngineTickSymbols[s][0]);
    }
    if (s >= options.bar_symbols) continue;
    for (const std::string& text : options.intervals) {
      if (engine.subscribe_bars(agent, kEngineTickSymbols[s][0], bars::parse_interval(text)) !=
          core::RejectCode::None) {
        throw std::invalid_argument("engine tick bench: cannot subscribe " + text + " bars");
      }
    }
  }

  const auto pass = [&](std::uint32_t trading_day) {
    for (core::TickData& t : hot) {
      t.trading_day = trading_day;
      t.action_day = trading_day;
    }
    constexpr std::size_t kBurst = 256;  // ticks pushed before the loop drains them (the ring holds 4096)
    for (std::size_t i = 0; i < day.size(); i += kBurst) {
      const std::size_t end = std::min(day.size(), i + kBurst);
      for (std::size_t k = i; k < end; ++k) {
        const Changing& c = day[k];
        const bool pushed = gateway.ring.try_emplace(core::Event::Fill{}, core::EventKind::Tick, core::monotonic_ns(),
                                                     [&](core::Event& e) noexcept {
                                                       e.payload.tick = hot[c.symbol];
                                                       e.payload.tick.update_ms = c.update_ms;
                                                       e.payload.tick.last_price = c.last_price;
                                                       e.payload.tick.volume = c.volume;
                                                       e.payload.tick.turnover = c.turnover;
                                                       e.payload.tick.open_interest = c.open_interest;
                                                     });
        if (!pushed) throw std::runtime_error("engine tick bench: the event ring is full");
      }
      while (!gateway.ring.empty_approx()) engine.run_once(0);
    }
  };
  // Warm-up: one trading day (builders, history rings, batch buffers); timed: the next one, where the same
  // ticks build the same bars again (cumulative volume restarts with the trading day, as at the exchange).
  pass(20250102);
  const std::uint64_t ticks_before = dispatcher.ticks, bars_before = dispatcher.bars;
  const double cpu_start = thread_cpu_seconds();
  pass(20250103);
  EngineTickResult result;
  result.cpu_seconds = thread_cpu_seconds() - cpu_start;
  result.ticks = dispatcher.ticks - ticks_before;
  result.bars = dispatcher.bars - bars_before;
  if (result.ticks != day.size()) throw std::runtime_error("engine tick bench: ticks were lost");
  return result;
}

}  // namespace shandian::bench
