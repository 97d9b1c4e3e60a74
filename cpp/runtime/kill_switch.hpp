// The kill switch's hands on the engine (engine thread): cancel every working order of every agent and of
// no agent (the risk engine's KillSink), and flatten: close every agent's free lots with FAK orders sized
// to pass the per-order volume rules (RiskEngine::max_order_volume) and the exchange's max, so that a
// position larger than a limit still goes flat without a refused order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine.hpp"
#include "risk/risk_engine.hpp"

namespace shandian::runtime {

struct FlattenOrder {
  core::AgentId agent = core::kNoAgent;
  core::OrderId order = core::kNoOrder;
};

// What one kill did: cancel requests written, flattening orders sent, and one line per side that could
// not be flattened ("flatten <agent> <symbol> <sell|buy> <lots>: <CODE>: <reason>").
struct KillResult {
  std::size_t cancels = 0;
  std::vector<FlattenOrder> flatten_orders;
  std::vector<std::string> failures;
};

class EngineKillSink final : public risk::KillSink {
 public:
  EngineKillSink(core::Engine& engine, risk::RiskEngine& risk) noexcept : engine_(engine), risk_(risk) {}

  void cancel_everything() noexcept override;
  // Cancel requests written by the last cancel_everything().
  [[nodiscard]] std::size_t sent() const noexcept { return sent_; }

  // Every agent's held lots not already in a working close, closed by FAK orders (today's lots first,
  // CloseToday / CloseYesterday where the exchange tells them apart), priced at the opposite best (the
  // last price when that side is empty). Lots of no agent are not flattened (no agent may close them);
  // cancel_everything() reaches their working orders. Engine thread; allocates (a kill is not the hot path).
  void flatten(KillResult& result);

 private:
  void flatten_side(core::AgentId agent, core::InstrumentIndex instrument, core::Direction direction, std::int32_t lots,
                    KillResult& result);

  core::Engine& engine_;
  risk::RiskEngine& risk_;
  std::size_t sent_ = 0;
};

}  // namespace shandian::runtime
