// BacktestGateway: a core::Gateway that is the local front's ExchangeCore driven in-thread, and the loop that
// drives it (run): one thread, no vendor library, no CTP threads, an event-time clock.
//
//   feed event (seeded generator / tick CSV, exchange time t)
//     -> clock = t; delayed reports due by t delivered; ExchangeCore::on_feed_event (fills resting orders,
//        carries out inserts/cancels delayed by order latency)
//     -> the tick (when an agent wants the instrument) into the engine's ring through ctp::MdSpi
//     -> Engine::run_once until nothing is left: ticks/bars/timers to the agents (Python on this thread),
//        their orders -> write_insert -> ExchangeCore::insert_order -> reports (after report latency)
//        through ctp::TraderSpi into the ring -> the engine's order manager / ledgers / risk, as live.
// Deterministic: no wall clock, no threads, seeded jitter.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backtest/bar_feed.hpp"
#include "backtest/chunk_feed.hpp"
#include "bars/bar.hpp"
#include "core/engine.hpp"
#include "core/gateway.hpp"
#include "ctp/spi.hpp"
#include "sim/core/exchange_core.hpp"
#include "sim/core/front_config.hpp"
#include "sim/feed/feed.hpp"

namespace shandian::backtest {

enum class Jitter : std::uint8_t { None, Uniform, Normal };

struct LatencyModel {
  // Order -> exchange: the front's exchange_delay_ms (whole ms; the order is 'a' meanwhile).
  std::int32_t order_ms = 0;
  // Exchange -> agent: every report (order status, trade, refusal) reaches the engine this much later.
  double report_ms = 0.0;
  Jitter jitter = Jitter::None;
  double jitter_ms = 0.0;  // uniform: +-jitter_ms; normal: standard deviation (clamped at 0 total)
  std::uint64_t seed = 7;
};

// Commission / margin figures replacing the bundled ones for an instrument or a whole product.
struct RateOverride {
  std::string key;                                         // instrument id ("rb2505") or product ("rb")
  double long_margin_ratio = -1, short_margin_ratio = -1;  // < 0: keep the bundled figure
  double open_by_money = -1, open_by_volume = -1, close_by_money = -1, close_by_volume = -1;
  double close_today_by_money = -1, close_today_by_volume = -1;
};

struct BacktestSettings {
  sim::FrontConfig front;  // source ("gen" / "csv:PATH"), seed, instruments, session, days, max_ticks, queue
  LatencyModel latency;
  std::vector<RateOverride> rates;
  // Column chunks instead of the front's source (the streaming loaders): set both.
  PullChunk pull_chunk;
  std::vector<std::string> chunk_symbols;
  // Bar-input mode (bar_feed.hpp): bar column chunks of chunk_symbols instead of ticks; set both.
  PullBars pull_bars;
  bars::BarInterval bar_interval;
  std::int32_t slippage_ticks = 0;
};

struct BacktestCounters {
  std::uint64_t feed_events = 0;
  std::uint64_t ticks = 0;            // snapshots replayed into the exchange core
  std::uint64_t ticks_forwarded = 0;  // of which handed to the engine (an agent wanted the instrument)
  std::uint64_t reports = 0;          // trader messages delivered to the engine
  std::uint64_t days = 0;             // trading days run
  std::int64_t first_ns = 0, last_ns = 0;
};

class BacktestGateway final : public core::Gateway, private sim::TraderSink {
 public:
  // Throws what the feed's construction throws (CsvError, UnknownInstrumentError, std::invalid_argument).
  explicit BacktestGateway(BacktestSettings settings);
  ~BacktestGateway() override;
  BacktestGateway(const BacktestGateway&) = delete;
  BacktestGateway& operator=(const BacktestGateway&) = delete;

  // The event clock the engine reads (EngineConfig::event_clock_ns).
  [[nodiscard]] const std::int64_t* clock() const noexcept { return &clock_ns_; }
  // Runs the feed to its end (every configured day) or until engine.stop(); true when the data ran out.
  bool run(core::Engine& engine);
  [[nodiscard]] const BacktestCounters& counters() const noexcept { return counters_; }
  // Delivers every report still held by report latency and runs the engine until idle (after run()).
  bool flush(core::Engine& engine);
  [[nodiscard]] const std::string& trading_day() const noexcept { return day_; }
  [[nodiscard]] std::int64_t now_ns() const noexcept { return clock_ns_; }
  [[nodiscard]] const std::vector<sim::InstrumentSpec>& instruments() const noexcept { return core_->instruments(); }

  // core::Gateway
  void attach(core::GatewayHost& host, queue::Waiter& waiter) override;
  [[nodiscard]] std::span<core::EventRing* const> rings() noexcept override { return {&ring_ptr_, 1}; }
  void start() override;
  void on_event(const core::Event& event) noexcept override { (void)event; }
  [[nodiscard]] std::int64_t poll(std::int64_t now_ns) noexcept override {
    (void)now_ns;
    return INT64_MAX;
  }
  [[nodiscard]] bool trading_ready() const noexcept override { return logged_in_; }
  void prepare_insert(core::Order& order) noexcept override;
  [[nodiscard]] int write_insert(const core::Order& order) noexcept override;
  [[nodiscard]] int write_cancel(const core::Order& order) noexcept override;
  void want_market_data(core::InstrumentIndex instrument) noexcept override;
  void stop() noexcept override {}

 private:
  struct Delayed {
    std::int64_t due_ns;
    sim::TraderMessage message;
  };
  void push(const sim::TraderMessage& message) override;  // TraderSink: the exchange core's output
  void deliver(const sim::TraderMessage& message) noexcept;
  void login();
  void define_instruments();
  void roll_to(core::Engine& engine, const std::string& next);
  void deliver_due(core::Engine& engine, std::int64_t until_ns);
  void pump(core::Engine& engine);
  [[nodiscard]] std::int64_t report_delay_ns() noexcept;
  // Bar-input mode (bar_feed.cpp).
  bool run_bars(core::Engine& engine);
  struct BarBand {
    double lower = 0, upper = 0;  // the day's price limits (bars carry none)
  };
  void bar_snapshot(int instrument, std::int64_t exchange_ns, double last, std::int64_t traded, double bid, double ask,
                    const BarBand& band);
  std::int64_t bar_volume_ = 0;  // the synthetic snapshots' cumulative volume
  BarColumns bar_cols_;          // the bar chunk being replayed
  struct BarTemplate {
    std::string day;  // the trading day `tick` was built for ("": not built)
    CThostFtdcDepthMarketDataField tick{};
  };
  std::vector<BarTemplate> bar_templates_;  // by exchange core index
  sim::FeedEvent bar_event_;                // the synthetic snapshot being replayed (reused)

  BacktestSettings settings_;
  std::string day_;
  std::unique_ptr<sim::ExchangeCore> core_;
  std::unique_ptr<sim::FeedSource> source_;
  ChunkFeed* chunks_ = nullptr;  // source_ when the data comes in column chunks
  core::GatewayHost* host_ = nullptr;
  queue::Waiter* waiter_ = nullptr;
  std::unique_ptr<core::EventRing> ring_;
  core::EventRing* ring_ptr_ = nullptr;
  std::unique_ptr<ctp::TraderSpi> trader_spi_;
  std::unique_ptr<ctp::MdSpi> md_spi_;
  CThostFtdcInputOrderField insert_template_{};
  std::vector<bool> wanted_;  // by the exchange core's instrument index
  std::deque<Delayed> delayed_;
  std::mt19937_64 rng_;
  std::int64_t clock_ns_ = 0;
  std::int64_t last_due_ns_ = 0;
  int connection_ = -1;
  int front_id_ = 0;
  int session_id_ = 0;
  std::int64_t next_ref_ = 1;
  int action_ref_ = 1;
  int request_id_ = 1;
  int login_error_ = 0;
  bool logged_in_ = false;
  bool forwarding_ = false;  // login replies are the gateway's own; afterwards every message goes on
  BacktestCounters counters_;
};

}  // namespace shandian::backtest
