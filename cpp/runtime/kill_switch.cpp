#include "runtime/kill_switch.hpp"

#include <algorithm>

namespace shandian::runtime {
namespace {

using core::Direction;

const char* side_name(Direction direction) noexcept { return direction == Direction::Sell ? "sell" : "buy"; }

}  // namespace

void EngineKillSink::cancel_everything() noexcept {
  sent_ = 0;
  if (!engine_.trading_ready()) return;
  for (core::AgentId a = 0; a < engine_.agent_count(); ++a) sent_ += engine_.cancel_all(a);
  sent_ += engine_.cancel_all(core::kNoAgent);
}

void EngineKillSink::flatten(KillResult& result) {
  const core::Ledgers& ledgers = engine_.ledgers();
  for (core::AgentId agent = 0; agent < engine_.agent_count(); ++agent) {
    // The positions to close are read first: the orders sent below change the frozen lots as they go.
    struct Side {
      core::InstrumentIndex instrument;
      Direction direction;
      std::int32_t lots;
    };
    std::vector<Side> sides;
    for (std::uint32_t s = ledgers.first_slot(agent); s != core::Ledgers::kNoSlot; s = ledgers.slot(s).next_in_bucket) {
      const core::PositionLedger& p = ledgers.slot(s);
      const auto free = [](const core::SideLedger& side) {
        return std::max(0, side.today - side.frozen_today) + std::max(0, side.yd - side.frozen_yd);
      };
      sides.push_back(Side{p.instrument, Direction::Sell, free(p.of(true))});  // a sell closes long lots
      sides.push_back(Side{p.instrument, Direction::Buy, free(p.of(false))});  // a buy closes short lots
    }
    for (const Side& side : sides) {
      if (side.lots > 0) flatten_side(agent, side.instrument, side.direction, side.lots, result);
    }
  }
}

void EngineKillSink::flatten_side(core::AgentId agent, core::InstrumentIndex instrument, Direction direction,
                                  std::int32_t lots, KillResult& result) {
  const core::InstrumentState& st = engine_.registry().at(instrument);
  const auto fail = [&](core::RejectCode code, std::string_view reason) {
    const std::string_view name = engine_.agent_name(agent);
    result.failures.push_back("flatten " + std::string(name) + " " + std::string(st.spec.symbol.view()) + " " +
                              side_name(direction) + " " + std::to_string(lots) + ": " +
                              std::string(core::to_string(code)) + ": " + std::string(reason));
  };
  if (!st.has_tick) {
    fail(core::RejectCode::RiskStaleData, std::string(st.spec.symbol.view()) + ": no tick to price a flattening order");
    return;
  }
  const core::TickData& tick = st.last_tick;
  const double best = direction == Direction::Sell ? tick.bid_price[0] : tick.ask_price[0];
  const double price = best > 0.0 && best < 1e300 ? best : tick.last_price;
  std::int32_t chunk = risk_.max_order_volume(agent, instrument);
  if (st.spec.max_limit_order_volume > 0) chunk = std::min(chunk, st.spec.max_limit_order_volume);
  if (chunk <= 0) {
    fail(core::RejectCode::RiskMaxOrderVolume, "the volume rules admit no lot per order");
    return;
  }
  while (lots > 0) {
    const std::int32_t volume = std::min(chunk, lots);
    const core::PlaceResult r = engine_.place(agent, instrument, direction, price, volume, core::OrderKind::Fak,
                                              core::OffsetMode::CloseTodayThenYd);
    for (std::uint32_t i = 0; i < r.count; ++i) result.flatten_orders.push_back(FlattenOrder{agent, r.orders[i]});
    if (!r.ok()) {
      fail(r.code, r.reason.view());
      return;
    }
    lots -= volume;
  }
}

}  // namespace shandian::runtime
