// A Gateway for engine unit tests: two rings the test fills directly, a switchable ready flag and
// scripted Req* return codes. Records what write_insert/write_cancel saw without allocating.
#pragma once

#include <array>
#include <cstring>

#include "core/clock.hpp"
#include "core/engine.hpp"
#include "core/gateway.hpp"

namespace shandian::testing {

using namespace shandian::core;

class FakeGateway final : public Gateway {
 public:
  EventRing ring_a{4096};
  EventRing ring_b{4096};
  EventRing* rings_[2] = {&ring_a, &ring_b};
  GatewayHost* host = nullptr;
  queue::Waiter* waiter = nullptr;
  bool ready = true;
  int insert_rc = 0;
  int cancel_rc = 0;
  std::int32_t front_id = 1;
  std::int32_t session_id = 7;
  std::int64_t next_ref = 100;
  std::size_t inserts = 0;
  std::size_t cancels = 0;
  Order last_insert{};
  Order last_cancel{};
  std::size_t observer_updates_at_last_write = 0;
  const std::size_t* observer_count = nullptr;  // set by tests that check SUBMITTING-before-write
  std::size_t wanted = 0;
  std::size_t session_events = 0;

  void attach(GatewayHost& h, queue::Waiter& w) override {
    host = &h;
    waiter = &w;
  }
  std::span<EventRing* const> rings() noexcept override { return {rings_, 2}; }
  void start() override {}
  void on_event(const Event&) noexcept override { ++session_events; }
  std::int64_t poll(std::int64_t now_ns) noexcept override { return now_ns + 1'000'000'000; }
  bool trading_ready() const noexcept override { return ready; }
  void prepare_insert(Order& order) noexcept override {
    order.front_id = front_id;
    order.session_id = session_id;
    order.order_ref = next_ref++;
  }
  int write_insert(const Order& order) noexcept override {
    ++inserts;
    last_insert = order;
    if (observer_count != nullptr) observer_updates_at_last_write = *observer_count;
    return insert_rc;
  }
  int write_cancel(const Order& order) noexcept override {
    ++cancels;
    last_cancel = order;
    return cancel_rc;
  }
  void want_market_data(InstrumentIndex) noexcept override { ++wanted; }
  void stop() noexcept override {}

  // ---- helpers -----------------------------------------------------------------------------------
  InstrumentIndex add_instrument(const char* symbol, const char* exchange, double tick) {
    InstrumentSpec spec;
    spec.symbol.assign(symbol);
    spec.exchange.assign(exchange);
    spec.price_tick = tick;
    spec.volume_multiple = 10;
    spec.max_limit_order_volume = 500;
    spec.min_limit_order_volume = 1;
    return *host->instruments().upsert(spec);
  }
};

inline bool push_tick(EventRing& ring, std::int64_t recv_ns, const char* symbol, double last, double upper = 0,
                      double lower = 0) {
  return ring.try_emplace(Event::Fill{}, EventKind::Tick, recv_ns, [&](Event& e) noexcept {
    std::memset(&e.payload.tick, 0, sizeof e.payload.tick);
    e.payload.tick.instrument = kNoInstrument;
    e.payload.tick.symbol.assign(symbol);
    e.payload.tick.last_price = last;
    e.payload.tick.upper_limit_price = upper;
    e.payload.tick.lower_limit_price = lower;
  });
}

inline OrderData order_data(const Order& o, OrderStatus status, std::int32_t traded, const char* sys_id = "") {
  OrderData d{};
  d.symbol = o.symbol;
  d.exchange = o.exchange;
  d.order_sys_id.assign(sys_id);
  d.front_id = o.front_id;
  d.session_id = o.session_id;
  d.order_ref = o.order_ref;
  d.direction = o.direction;
  d.offset = o.offset;
  d.status = status;
  d.exchange_rejected = false;
  d.limit_price = o.price;
  d.volume_total_original = o.volume;
  d.volume_traded = traded;
  d.status_msg.assign("");
  return d;
}

inline bool push_order(EventRing& ring, std::int64_t recv_ns, const OrderData& d, bool from_query = false,
                       bool is_last = true) {
  return ring.try_emplace(Event::Fill{}, EventKind::OrderReport, recv_ns, [&](Event& e) noexcept {
    e.payload.order = d;
    e.from_query = from_query;
    e.is_last = is_last;
  });
}

inline TradeData trade_data(const Order& o, const char* trade_id, const char* sys_id, std::int32_t volume,
                            double price) {
  TradeData t{};
  t.symbol = o.symbol;
  t.exchange = o.exchange;
  t.trade_id.assign(trade_id);
  t.order_sys_id.assign(sys_id);
  t.order_ref = o.order_ref;
  t.direction = o.direction;
  t.offset = o.offset;
  t.price = price;
  t.volume = volume;
  return t;
}

inline bool push_trade(EventRing& ring, std::int64_t recv_ns, const TradeData& t, bool from_query = false) {
  return ring.try_emplace(Event::Fill{}, EventKind::TradeReport, recv_ns, [&](Event& e) noexcept {
    e.payload.trade = t;
    e.from_query = from_query;
  });
}

// Collects what agents would see, in order. Fixed arrays: usable in the allocation test too.
struct Recorder final : AgentDispatcher, EngineObserver {
  static constexpr std::size_t kMax = 4096;
  std::array<TickData, kMax> ticks{};
  std::size_t tick_count = 0;
  std::array<OrderUpdate, kMax> orders{};
  std::size_t order_count = 0;
  std::array<TradeUpdate, kMax> trades{};
  std::size_t trade_count = 0;
  std::array<SessionNotice, 256> notices{};
  std::size_t notice_count = 0;
  std::size_t timer_count = 0;
  std::array<BarUpdate, 1024> bars{};
  std::size_t bar_count = 0;
  std::size_t batches = 0;
  std::size_t observed_orders = 0;  // EngineObserver: synchronous publication count

  void on_batch(const Batch& batch) override {
    ++batches;
    for (const BatchItem& item : batch.sequence) {
      switch (item.kind) {
        case BatchItemKind::Tick:
          if (tick_count < kMax) ticks[tick_count++] = batch.ticks[item.index];
          break;
        case BatchItemKind::Order:
          if (order_count < kMax) orders[order_count++] = batch.orders[item.index];
          break;
        case BatchItemKind::Trade:
          if (trade_count < kMax) trades[trade_count++] = batch.trades[item.index];
          break;
        case BatchItemKind::Notice:
          if (notice_count < notices.size()) notices[notice_count++] = batch.notices[item.index];
          break;
        case BatchItemKind::Timer: ++timer_count; break;
        case BatchItemKind::Bar:
          if (bar_count < bars.size()) bars[bar_count++] = batch.bars[item.index];
          break;
      }
    }
  }
  void on_order_update(const OrderUpdate&) noexcept override { ++observed_orders; }
  [[nodiscard]] const OrderUpdate& last_order() const { return orders[order_count - 1]; }
};

}  // namespace shandian::testing
