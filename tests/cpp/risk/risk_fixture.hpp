// Shared fixture of the risk tests: a registry with a few instruments, a small LedgerView, and helpers
// that build intents and order updates the way the engine publishes them.
#pragma once

#include <map>
#include <string_view>
#include <tuple>

#include "risk/risk_engine.hpp"
#include "support/check.hpp"

namespace rt {

using namespace shandian::core;
using namespace shandian::risk;

constexpr std::int64_t kMs = 1'000'000;

struct TestLedger final : LedgerView {
  std::map<std::tuple<AgentId, InstrumentIndex>, std::int32_t> longs, shorts, pending;
  std::map<AgentId, double> capital, pnl;
  double cost_per_lot = 1000.0;
  std::int32_t long_volume(AgentId a, InstrumentIndex i) const noexcept override { return get(longs, a, i); }
  std::int32_t short_volume(AgentId a, InstrumentIndex i) const noexcept override { return get(shorts, a, i); }
  std::int32_t pending_open_volume(AgentId a, InstrumentIndex i, Direction) const noexcept override {
    return get(pending, a, i);
  }
  double available_capital(AgentId a) const noexcept override {
    const auto it = capital.find(a);
    return it == capital.end() ? 1e12 : it->second;
  }
  double order_cost(AgentId, InstrumentIndex, Direction, Offset, double, std::int32_t volume) const noexcept override {
    return cost_per_lot * volume;
  }
  double pnl_today(AgentId a) const noexcept override {
    const auto it = pnl.find(a);
    return it == pnl.end() ? 0.0 : it->second;
  }
  static std::int32_t get(const std::map<std::tuple<AgentId, InstrumentIndex>, std::int32_t>& m, AgentId a,
                          InstrumentIndex i) {
    const auto it = m.find({a, i});
    return it == m.end() ? 0 : it->second;
  }
};

struct Fixture {
  InstrumentRegistry registry{64};
  InstrumentIndex rb = 0, cf = 0;
  Fixture() {
    InstrumentSpec s;
    s.symbol.assign("rb2505");
    s.exchange.assign("SHFE");
    s.price_tick = 1.0;
    s.volume_multiple = 10;
    s.max_limit_order_volume = 500;
    rb = *registry.upsert(s);
    s.symbol.assign("IF2506");
    s.exchange.assign("CFFEX");
    s.price_tick = 0.2;
    s.volume_multiple = 300;
    s.max_limit_order_volume = 20;
    cf = *registry.upsert(s);
  }
  void tick(InstrumentIndex i, double last, std::int64_t recv_ns, double bid = 0, double ask = 0) {
    InstrumentState& st = registry.at(i);
    st.has_tick = true;
    st.last_tick.last_price = last;
    st.last_tick.recv_ns = recv_ns;
    st.last_tick.bid_price[0] = bid;
    st.last_tick.ask_price[0] = ask;
  }
  RiskContext ctx(const LedgerView* l = nullptr) const { return RiskContext{registry, l}; }
};

// Default limits without the two rules every order meets (self-trade prevention, the session gate).
inline RiskLimits off() {
  RiskLimits l;
  l.instrument.self_trade_prevention = false;
  l.instrument.session_gate = false;
  return l;
}

inline OrderIntent order(AgentId a, InstrumentIndex i, std::int64_t now, std::int32_t volume = 1,
                         Direction d = Direction::Buy, double price = 3500.0, Offset off = Offset::Open,
                         OrderKind kind = OrderKind::Limit, double tick = 1.0) {
  return OrderIntent{a, i, d, off, kind, price, static_cast<std::int64_t>(price / tick + 0.5), volume, now};
}

inline OrderUpdate update(OrderId id, AgentId a, InstrumentIndex i, OrderStatus status, Direction d = Direction::Buy,
                          double price = 3500.0, std::int32_t volume = 1, std::int32_t traded = 0,
                          OrderKind kind = OrderKind::Limit, Offset off = Offset::Open) {
  return order_update_of(OrderFacts{id, a, i, d, off, kind, status, price, volume, traded, false});
}

inline OrderId oid(std::uint32_t index, std::uint32_t gen = 1) { return (static_cast<OrderId>(gen) << 32) | index; }

inline bool has(const RiskVerdict& v, std::string_view text) {
  return v.reason.view().find(text) != std::string_view::npos;
}

}  // namespace rt
