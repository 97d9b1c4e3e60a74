// The risk engine's configuration: plain structs (no heap), so a whole set of limits can be handed to the
// engine thread through an MpscQueue and copied into place between checks (live limit changes).
//
// Three scopes (issue 6):
//   agent       each agent on its own (AgentLimits; per-agent overrides replace the default per agent);
//               per-instrument counters are kept per (agent, instrument).
//   instrument  per instrument for the whole account: the exchange's view ("per client, per contract, per
//               trading day", ctp-semantics.md §5). One default plus up to kMaxExchangeOverrides
//               per-exchange replacements (CFFEX index futures differ from SHFE, ...).
//   account     the whole account: request-rate windows, active orders, daily loss / drawdown.
// Every numeric limit uses 0 for "off" (windows: limit 0 or window 0). Semantics are inclusive limits on
// what has already happened: a request is refused when admitting it would make the count exceed the
// limit, i.e. `count >= limit` before the request refuses it (limit - 1 passes, limit rejects).
#pragma once

#include <cstdint>

#include "core/events.hpp"
#include "core/types.hpp"

namespace shandian::risk {

using core::AgentId;
using core::ExchangeId;

inline constexpr std::size_t kMaxWindows = 2;             // e.g. 5 per 1 000 ms and 20 per 10 000 ms
inline constexpr std::size_t kMaxExchangeOverrides = 8;  // SHFE INE DCE GFEX CZCE CFFEX + spare

struct WindowRule {
  std::uint32_t limit = 0;     // at most `limit` admitted requests ...
  std::int64_t window_ms = 0;  // ... in any span of `window_ms` milliseconds; 0: off
};

struct AgentLimits {
  bool enabled = true;
  WindowRule order_rate[kMaxWindows]{};
  WindowRule cancel_rate[kMaxWindows]{};
  std::int32_t max_order_volume = 0;   // lots per order
  std::int32_t max_position = 0;       // per instrument and side: held + working opens + this order (ledgers)
  std::int32_t max_active_orders = 0;  // working (not final) orders of the agent
  std::int32_t daily_cancels = 0;      // per instrument per day
  std::int32_t daily_messages = 0;     // per instrument per day: inserts + cancels
  std::int32_t daily_open_volume = 0;  // per instrument per day: opened (traded) + working open lots
  std::int32_t large_cancels = 0;      // per instrument per day: cancels of large orders (instrument scope defines "large")
  bool check_capital = false;          // order_cost <= available_capital (ledgers)
  double daily_loss = 0.0;             // pnl_today <= -daily_loss -> the agent goes REDUCING (ledgers)
  double max_drawdown = 0.0;           // peak pnl_today - pnl_today >= max_drawdown -> REDUCING (ledgers)
};

struct InstrumentLimits {
  std::int32_t daily_cancels = 0;
  std::int32_t daily_messages = 0;
  std::int32_t large_order_lots = 0;      // an order of >= this many lots is "large" ...
  double large_order_ratio = 0.0;         // ... or of >= ratio x the exchange's MaxLimitOrderVolume
  std::int32_t large_cancels = 0;         // cancels of large orders per day
  std::int32_t daily_open_volume = 0;     // CFFEX index futures: opened lots per contract per day
  std::int32_t max_order_volume = 0;      // lots per order
  double max_order_volume_ratio = 0.0;    // x the exchange's MaxLimitOrderVolume (0.8: "below 80 %")
  std::int32_t max_position = 0;          // account, per side (ledgers, agent = kNoAgent)
  bool fak_fok_cancels_exempt = true;     // the exchange's cancel of a FAK/FOK remainder is not a cancel (SHFE/DCE/CZCE)
  bool unfilled_fak_fok_two_messages = false;  // ... but is a message: an unfilled FAK/FOK counts twice (SHFE/INE)
  bool self_trade_prevention = true;      // refuse an order crossing a resting order of the same account
  std::int32_t price_band_ticks = 0;      // |price - reference| <= N ticks
  double price_band_pct = 0.0;            // |price - reference| <= pct % of reference
  bool price_band_use_mid = false;        // reference: mid of bid1/ask1 (else last price)
  std::int64_t stale_after_ms = 0;        // refuse orders when the last tick is older (continuous trading; never-ticked instruments are not judged)
  bool session_gate = true;               // refuse orders when the instrument status says not trading
};

struct AccountLimits {
  WindowRule order_rate[kMaxWindows]{};
  WindowRule cancel_rate[kMaxWindows]{};
  std::int32_t max_active_orders = 0;
  double daily_loss = 0.0;        // account pnl_today <= -daily_loss -> ...
  bool daily_loss_kills = true;   // ... the kill switch (else the account goes REDUCING)
  double max_drawdown = 0.0;      // -> account REDUCING
};

struct ExchangeLimits {
  ExchangeId exchange{};
  InstrumentLimits limits{};
};

struct RiskLimits {
  bool enabled = true;  // false: every request passes (states and the kill switch still apply)
  AgentLimits agent{};
  InstrumentLimits instrument{};
  AccountLimits account{};
  ExchangeLimits exchanges[kMaxExchangeOverrides]{};
  std::uint32_t exchange_count = 0;
};

enum class TradingState : std::uint8_t {
  Active = 0,    // everything allowed (subject to the rules)
  Reducing = 1,  // only position-reducing orders (close offsets); cancels always
  Halted = 2,    // only cancels
};

[[nodiscard]] constexpr const char* to_string(TradingState s) noexcept {
  switch (s) {
    case TradingState::Active: return "active";
    case TradingState::Reducing: return "reducing";
    case TradingState::Halted: return "halted";
  }
  return "unknown";
}

}  // namespace shandian::risk
