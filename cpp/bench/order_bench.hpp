// Micro-benchmark rig of the order path's hottest step: applying one OnRtnTrade to its order and the
// per-agent ledgers (OrderManager::apply_trade -> de-duplication insert, OrderSysID lookup, ledger booking,
// FSM step, frozen-lot resync). Header-only so the allocation test (tests/cpp/core) drives the same code.
//
// The rig holds one working open order (huge volume) linked to an OrderSysID; each apply books a 1-lot
// trade with a fresh TradeID (written in place, no formatting), alternating buy-open and sell-close orders
// so both booking paths run (the close order re-freezes the lots the opens just booked).
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/instrument_registry.hpp"
#include "core/ledger.hpp"
#include "core/order_manager.hpp"

namespace shandian::bench {

class OrderApplyRig {
 public:
  explicit OrderApplyRig(std::size_t trades)
      : registry_(16),
        ledgers_(registry_, core::Ledgers::Capacity{4, 16, 64}),
        orders_(core::OrderManager::Capacity{64, 1024, trades + 16}, &ledgers_) {
    core::InstrumentSpec spec;
    spec.symbol.assign("rb2505");
    spec.exchange.assign("DCE");
    spec.price_tick = 1.0;
    spec.volume_multiple = 10;
    spec.max_limit_order_volume = 500;
    instrument_ = *registry_.upsert(spec);
    registry_.at(instrument_).margin = core::MarginRates{0.1, 0, 0.1, 0, true};
    registry_.at(instrument_).commission = core::CommissionRates{0, 2.0, 0, 2.0, 0, 3.0, true};
    open_ = make_order(core::Direction::Buy, core::Offset::Open, 1, "S1");
    // Seed one lot so the first close has something to take; the close order then covers every later one.
    (void)book(open_, 0);
    close_ = make_order(core::Direction::Sell, core::Offset::Close, 2, "S2");
  }

  // Books the next trade (alternating open / close); returns the order's traded volume (keeps it observable).
  std::int32_t apply_one() noexcept {
    ++n_;
    return book((n_ & 1) != 0 ? close_ : open_, n_);
  }
  [[nodiscard]] const core::Ledgers& ledgers() const noexcept { return ledgers_; }

 private:
  struct Leg {
    core::Order* order = nullptr;
    core::TradeData trade{};
  };

  Leg make_order(core::Direction direction, core::Offset offset, std::int64_t ref, const char* sys_id) {
    Leg leg;
    core::Order* o = orders_.create(0, instrument_, 0);
    o->symbol = registry_.at(instrument_).spec.symbol;
    o->exchange = registry_.at(instrument_).spec.exchange;
    o->direction = direction;
    o->offset = offset;
    o->price = 3000.0;
    o->volume = 1'000'000'000;
    o->front_id = 1;
    o->session_id = 1;
    o->order_ref = ref;
    (void)orders_.commit_new(*o);
    (void)orders_.bind_ref(*o);
    core::OrderData report{};
    report.symbol = o->symbol;
    report.exchange = o->exchange;
    report.order_sys_id.assign(sys_id);
    report.front_id = 1;
    report.session_id = 1;
    report.order_ref = ref;
    report.direction = direction;
    report.offset = offset;
    report.status = core::OrderStatus::Queued;
    report.volume_total_original = o->volume;
    core::OrderUpdate update;
    (void)orders_.apply_report(report, 0, 0, 0, update);
    leg.order = o;
    leg.trade.symbol = o->symbol;
    leg.trade.exchange = o->exchange;
    leg.trade.order_sys_id.assign(sys_id);
    leg.trade.order_ref = ref;
    leg.trade.direction = direction;
    leg.trade.offset = offset;
    leg.trade.price = 3000.0;
    leg.trade.volume = 1;
    return leg;
  }

  std::int32_t book(Leg& leg, std::uint64_t n) noexcept {
    // TradeID = decimal n, written in place.
    char* d = leg.trade.trade_id.data;
    char tmp[24];
    int len = 0;
    do {
      tmp[len++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0 && len < 20);
    for (int i = 0; i < len; ++i) d[i] = tmp[len - 1 - i];
    d[len] = '\0';
    core::TradeUpdate update;
    (void)orders_.apply_trade(leg.trade, 0, false, instrument_, update);
    return leg.order->traded;
  }

  core::InstrumentRegistry registry_;
  core::Ledgers ledgers_;
  core::OrderManager orders_;
  core::InstrumentIndex instrument_ = core::kNoInstrument;
  Leg open_;
  Leg close_;
  std::uint64_t n_ = 0;
};

// Nanoseconds per apply (std::chrono::steady_clock, one clock read per sample, included), `iterations`
// samples after `warmup` untimed applies.
inline std::vector<std::int64_t> order_apply(std::int64_t iterations, std::int64_t warmup) {
  const auto total = static_cast<std::size_t>(iterations + warmup);
  OrderApplyRig rig(total + 2);
  std::vector<std::int64_t> nanos(static_cast<std::size_t>(iterations));
  std::int64_t sink = 0;
  for (std::int64_t i = 0; i < warmup; ++i) sink += rig.apply_one();
  auto prev = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iterations; ++i) {
    sink += rig.apply_one();
    const auto now = std::chrono::steady_clock::now();
    nanos[static_cast<std::size_t>(i)] = std::chrono::duration_cast<std::chrono::nanoseconds>(now - prev).count();
    prev = now;
  }
  if (sink == -1) nanos.clear();  // keeps the applies observable
  return nanos;
}

}  // namespace shandian::bench
