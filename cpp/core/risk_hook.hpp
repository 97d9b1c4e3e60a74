// The typed pre-trade risk seam (the risk engine itself is another issue; cpp/risk implements this).
// Called on the engine thread for every order an agent asks for, after the engine's own validation and
// before anything is pooled or sent. Must not allocate or block: the verdict carries a fixed buffer.
#pragma once

#include <cstdint>
#include <cstdio>

#include "core/dispatch.hpp"
#include "core/instrument_registry.hpp"
#include "core/types.hpp"

namespace shandian::core {

struct OrderIntent {
  AgentId agent;
  InstrumentIndex instrument;
  Direction direction;
  Offset offset;
  OrderKind kind;
  double price;              // 0 for market orders
  std::int64_t price_ticks;  // price in integer ticks of the instrument (0 for market orders)
  std::int32_t volume;
  std::int64_t now_ns;
};

struct CancelIntent {
  AgentId agent;
  OrderId order;
  InstrumentIndex instrument;
  std::int64_t now_ns;
};

// code == None means accepted. A refusal carries a stable code and a human reason, e.g.
// RISK_CANCEL_LIMIT "rb2505 cancels 480/480 today".
struct RiskVerdict {
  RejectCode code = RejectCode::None;
  Message reason{};

  [[nodiscard]] bool accepted() const noexcept { return code == RejectCode::None; }
  [[nodiscard]] static RiskVerdict accept() noexcept { return RiskVerdict{}; }
  template <class... Args>
  [[nodiscard]] static RiskVerdict reject(RejectCode code, const char* format, Args... args) noexcept {
    RiskVerdict v;
    v.code = code;
    if constexpr (sizeof...(Args) == 0) {
      v.reason.assign(format);
    } else {
      std::snprintf(v.reason.data, sizeof v.reason.data, format, args...);
    }
    return v;
  }
};

// Read-only per-agent (and whole-account) figures the risk rules consult. The order manager's ledgers
// implement it; the risk engine only reads it, on the engine thread. `agent ==
// kNoAgent` asks for the account as a whole (all agents plus unattributed). Volumes are in lots.
class LedgerView {
 public:
  virtual ~LedgerView() = default;
  // Held volume (today + yesterday) on one side.
  [[nodiscard]] virtual std::int32_t long_volume(AgentId agent, InstrumentIndex instrument) const noexcept = 0;
  [[nodiscard]] virtual std::int32_t short_volume(AgentId agent, InstrumentIndex instrument) const noexcept = 0;
  // Volume of working (not final) open orders on one side, i.e. position the agent may still acquire.
  [[nodiscard]] virtual std::int32_t pending_open_volume(AgentId agent, InstrumentIndex instrument,
                                                         Direction direction) const noexcept = 0;
  // Capital the agent may still commit: allocation + realized PnL - fees - used and frozen margin.
  [[nodiscard]] virtual double available_capital(AgentId agent) const noexcept = 0;
  // Margin + commission an order of `volume` lots at `price` would need (instrument rates).
  [[nodiscard]] virtual double order_cost(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                                          double price, std::int32_t volume) const noexcept = 0;
  // Today's PnL: realized + unrealized (marked to last price) - commission.
  [[nodiscard]] virtual double pnl_today(AgentId agent) const noexcept = 0;
};

// Read-only view the hook may consult (instrument specs and last ticks; ledgers when the engine has them).
struct RiskContext {
  const InstrumentRegistry& instruments;
  const LedgerView* ledgers = nullptr;
};

class RiskHook {
 public:
  virtual ~RiskHook() = default;
  [[nodiscard]] virtual RiskVerdict check_order(const OrderIntent& intent, const RiskContext& context) noexcept = 0;
  // Cancels are normally always allowed (Nautilus: cancels pass even when HALTED); a hook may still count.
  [[nodiscard]] virtual RiskVerdict check_cancel(const CancelIntent&, const RiskContext&) noexcept {
    return RiskVerdict::accept();
  }
  // Every published order update and trade, so rules can keep counters (cancel counts, positions).
  virtual void on_order_update(const OrderUpdate&) noexcept {}
  virtual void on_trade(const TradeUpdate&) noexcept {}
};

// The default when no risk engine is installed: accepts everything the engine's own validation accepted.
class PermissiveRiskHook final : public RiskHook {
 public:
  [[nodiscard]] RiskVerdict check_order(const OrderIntent&, const RiskContext&) noexcept override {
    return RiskVerdict::accept();
  }
};

}  // namespace shandian::core
