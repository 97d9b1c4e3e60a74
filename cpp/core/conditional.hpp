// Conditional orders emulated on the engine thread: stop (market or limit), take-profit,
// trailing stop (by price or ticks), OCO pairs, bracket (entry + take-profit + stop-loss, exits armed pro
// rata as the entry fills) and iceberg (display slices replenished on fill). Triggered by ticks (last price,
// or bid for a sell / ask for a buy). Released children are ordinary orders sent through Engine::place, so
// every one passes validation and the risk hook again; cancelling a parent cancels its children.
//
// This header holds the records and the trigger rule (pure, unit-tested); the engine glue (release,
// cancel, fill tracking) is engine_conditional.cpp.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/events.hpp"
#include "core/types.hpp"

namespace shandian::core {

using ConditionalId = std::uint64_t;  // pool handle (generation << 32 | index) | kConditionalTag; 0 never valid
inline constexpr ConditionalId kNoConditional = 0;

#define SHANDIAN_CONDITIONAL_KINDS(X)     \
  X(Stop, 0, "stop", "")                  \
  X(TakeProfit, 1, "take_profit", "")     \
  X(TrailingStop, 2, "trailing_stop", "") \
  X(Iceberg, 3, "iceberg", "")            \
  X(Bracket, 4, "bracket", "")
SHANDIAN_DEFINE_ENUM(ConditionalKind, std::uint8_t, SHANDIAN_CONDITIONAL_KINDS, "unknown")

#define SHANDIAN_TRIGGER_SOURCES(X) \
  X(Last, 0, "last", "")            \
  X(BidAsk, 1, "bid_ask", "")
SHANDIAN_DEFINE_ENUM(TriggerSource, std::uint8_t, SHANDIAN_TRIGGER_SOURCES, "unknown")
enum class ConditionalStatus : std::uint8_t {
  Armed = 0,      // waiting for its trigger (or, bracket exits, for entry fills)
  Working = 1,    // released: children are working / more may be released (bracket exits, iceberg slices)
  Done = 2,       // everything released and final
  Cancelled = 3,  // cancelled by the agent, by its OCO peer, or with its parent
  Failed = 4,     // a release was refused (reason kept)
};

[[nodiscard]] constexpr bool is_final(ConditionalStatus s) noexcept {
  return s == ConditionalStatus::Done || s == ConditionalStatus::Cancelled || s == ConditionalStatus::Failed;
}

[[nodiscard]] constexpr const char* to_string(ConditionalStatus s) noexcept {
  switch (s) {
    case ConditionalStatus::Armed: return "armed";
    case ConditionalStatus::Working: return "working";
    case ConditionalStatus::Done: return "done";
    case ConditionalStatus::Cancelled: return "cancelled";
    case ConditionalStatus::Failed: return "failed";
  }
  return "unknown";
}

struct Conditional {
  ConditionalId id = kNoConditional;
  ConditionalKind kind = ConditionalKind::Stop;
  ConditionalStatus status = ConditionalStatus::Armed;
  TriggerSource source = TriggerSource::Last;
  AgentId agent = kNoAgent;
  InstrumentIndex instrument = kNoInstrument;
  Direction direction = Direction::Sell;  // side of the child orders
  std::uint8_t mode = 0;                  // OffsetMode of the children (engine.hpp)
  std::int32_t volume = 0;                // total lots (bracket: entry lots; iceberg: total)
  std::int32_t armed = 0;     // lots that may be released (stop/TP/trailing: volume; bracket exits: entry filled)
  std::int32_t released = 0;  // lots sent in children
  std::int32_t filled = 0;    // lots traded by children
  std::int32_t display = 0;   // iceberg slice
  double trigger = 0.0;       // stop / take-profit trigger price
  double limit = 0.0;         // child limit price; 0 = marketable (FAK at the limit price of the day)
  double trail = 0.0;         // trailing distance in price units
  double extreme = 0.0;       // trailing: best price seen since armed (0 = none yet)
  bool fire = false;          // triggered by a tick: release at the next engine poll
  ConditionalId peer = kNoConditional;     // OCO peer: cancelled when this one triggers
  ConditionalId parent = kNoConditional;   // bracket exits: the bracket
  ConditionalId exit_tp = kNoConditional;  // bracket: its take-profit / stop-loss exits
  ConditionalId exit_sl = kNoConditional;
  OrderId working = kNoOrder;  // the child working now (iceberg slice, bracket entry)
  Message reason{};
};

// The trigger rule of stop / take-profit / trailing orders for one observed price. `px` <= 0 (no price)
// never triggers. Trailing orders move `extreme` with favourable prices first.
[[nodiscard]] inline bool triggers(Conditional& c, double px) noexcept {
  if (!(px > 0.0)) return false;
  const bool sell = c.direction == Direction::Sell;
  switch (c.kind) {
    case ConditionalKind::Stop: return sell ? px <= c.trigger : px >= c.trigger;
    case ConditionalKind::TakeProfit: return sell ? px >= c.trigger : px <= c.trigger;
    case ConditionalKind::TrailingStop:
      // A sell trailing stop protects a long: it follows the highest price and fires `trail` below it.
      c.extreme = c.extreme == 0.0 ? px : (sell ? std::max(c.extreme, px) : std::min(c.extreme, px));
      return sell ? px <= c.extreme - c.trail : px >= c.extreme + c.trail;
    case ConditionalKind::Iceberg:
    case ConditionalKind::Bracket: return false;
  }
  return false;
}

// The price a tick offers a trigger of this side.
[[nodiscard]] inline double trigger_price(const Conditional& c, const TickData& tick) noexcept {
  if (c.source == TriggerSource::BidAsk) return c.direction == Direction::Sell ? tick.bid_price[0] : tick.ask_price[0];
  return tick.last_price;
}

}  // namespace shandian::core
