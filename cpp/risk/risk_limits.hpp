// The risk engine's configuration: plain structs (no heap), so a whole set of limits can be handed to the
// engine thread through an MpscQueue and copied into place between checks (live limit changes).
//
// Three scopes:
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
#include <string_view>

#include "core/events.hpp"
#include "core/types.hpp"

namespace shandian::risk {

using core::AgentId;
using core::ExchangeId;

inline constexpr std::size_t kMaxWindows = 2;            // e.g. 5 per 1 000 ms and 20 per 10 000 ms
inline constexpr std::size_t kMaxExchangeOverrides = 8;  // SHFE INE DCE GFEX CZCE CFFEX + spare

struct WindowRule {
  std::uint32_t limit = 0;     // at most `limit` admitted requests ...
  std::int64_t window_ms = 0;  // ... in any span of `window_ms` milliseconds; 0: off
};
using WindowRules = WindowRule[kMaxWindows];

// What a limit holds, which decides its C++ type and the rule the Python loader checks a TOML value
// against (shandian/risk.py): flag true/false; count an int32 >= 0; millis an int64 >= 0 (checked as a
// count); money a number >= 0; ratio a number in [0, 1]; percent a number in [0, 100]; windows up to
// kMaxWindows [limit, window_ms] pairs.
#define SHANDIAN_LIMIT_KINDS(X) \
  X(Flag, 0, "flag", "")        \
  X(Count, 1, "count", "")      \
  X(Millis, 2, "millis", "")    \
  X(Money, 3, "money", "")      \
  X(Ratio, 4, "ratio", "")      \
  X(Percent, 5, "percent", "")  \
  X(Windows, 6, "windows", "")
SHANDIAN_DEFINE_ENUM(LimitKind, std::uint8_t, SHANDIAN_LIMIT_KINDS, "unknown")

template <LimitKind K>
struct LimitStorage;
template <>
struct LimitStorage<LimitKind::Flag> {
  using type = bool;
};
template <>
struct LimitStorage<LimitKind::Count> {
  using type = std::int32_t;
};
template <>
struct LimitStorage<LimitKind::Millis> {
  using type = std::int64_t;
};
template <>
struct LimitStorage<LimitKind::Money> {
  using type = double;
};
template <>
struct LimitStorage<LimitKind::Ratio> {
  using type = double;
};
template <>
struct LimitStorage<LimitKind::Percent> {
  using type = double;
};
template <>
struct LimitStorage<LimitKind::Windows> {
  using type = WindowRules;
};
template <LimitKind K>
using LimitType = typename LimitStorage<K>::type;

// One limit as the binding and the Python loader see it: the TOML key, its kind, the unit shown in error
// messages ("lots", "ms", ...; empty when the kind says it all) and a one-line doc.
struct LimitField {
  std::string_view name;
  LimitKind kind;
  std::string_view unit;
  std::string_view doc;
};

// The limits of each scope, declared once: X(Kind, field, default, "unit", "doc"). Each list generates its
// struct's members and for_each_limit_field() (the binding and shandian/risk.py's validation iterate it),
// so adding a limit is: one line here, its rule in risk_engine.cpp, its test (cpp/risk/README.md).
// Every numeric limit is 0 = off. Macro lists cannot hold // comments.
#define SHANDIAN_AGENT_LIMITS(X)                                                                            \
  X(Flag, enabled, true, "", "the agent-scope rules apply to this agent")                                   \
  X(Windows, order_rate, , "", "inserts per sliding window")                                                \
  X(Windows, cancel_rate, , "", "cancels per sliding window")                                               \
  X(Count, max_order_volume, 0, "lots", "lots per order")                                                   \
  X(Count, max_position, 0, "lots", "per instrument and side: held + working opens + this order (ledgers)") \
  X(Count, max_active_orders, 0, "", "working (not final) orders of the agent")                             \
  X(Count, daily_cancels, 0, "", "cancels per instrument per day")                                          \
  X(Count, daily_messages, 0, "", "inserts + cancels per instrument per day")                               \
  X(Count, daily_open_volume, 0, "lots", "per instrument per day: opened (traded) + working open lots")     \
  X(Count, large_cancels, 0, "",                                                                            \
    "cancels of large orders per instrument per day (the instrument scope defines large)")                  \
  X(Flag, check_capital, false, "", "refuse an order whose cost exceeds the available capital (ledgers)")   \
  X(Money, daily_loss, 0.0, "money", "pnl_today <= -daily_loss -> the agent goes REDUCING (ledgers)")       \
  X(Money, max_drawdown, 0.0, "money", "peak pnl_today - pnl_today >= max_drawdown -> REDUCING (ledgers)")

#define SHANDIAN_INSTRUMENT_LIMITS(X)                                                                          \
  X(Count, daily_cancels, 0, "", "cancels per instrument per day (whole account)")                             \
  X(Count, daily_messages, 0, "", "inserts + cancels per instrument per day")                                  \
  X(Count, large_order_lots, 0, "lots", "an order of >= this many lots is large ...")                          \
  X(Ratio, large_order_ratio, 0.0, "of MaxLimitOrderVolume", "... or of >= ratio x the exchange's maximum")    \
  X(Count, large_cancels, 0, "", "cancels of large orders per day")                                            \
  X(Count, daily_open_volume, 0, "lots", "opened lots per contract per day (CFFEX index futures)")             \
  X(Count, max_order_volume, 0, "lots", "lots per order")                                                      \
  X(Ratio, max_order_volume_ratio, 0.0, "of MaxLimitOrderVolume", "lots per order, x the exchange's maximum")  \
  X(Count, max_position, 0, "lots", "account position per side (ledgers)")                                     \
  X(Flag, fak_fok_cancels_exempt, true, "",                                                                    \
    "the exchange's cancel of a FAK/FOK remainder is not a cancel (SHFE/DCE/CZCE)")                            \
  X(Flag, unfilled_fak_fok_two_messages, false, "", "... but is a message: an unfilled FAK/FOK counts twice")  \
  X(Flag, self_trade_prevention, true, "", "refuse an order crossing a resting order of the same account")     \
  X(Count, price_band_ticks, 0, "ticks", "|price - reference| <= N ticks")                                     \
  X(Percent, price_band_pct, 0.0, "percent", "|price - reference| <= pct % of reference")                      \
  X(Flag, price_band_use_mid, false, "", "price band reference: mid of bid1/ask1 (else last price)")           \
  X(Millis, stale_after_ms, 0, "ms",                                                                           \
    "refuse orders when the last tick is older (continuous trading; never-ticked instruments are not judged)") \
  X(Flag, session_gate, true, "", "refuse orders when the instrument status says not trading")

#define SHANDIAN_ACCOUNT_LIMITS(X)                                                            \
  X(Windows, order_rate, , "", "inserts per sliding window (whole account)")                  \
  X(Windows, cancel_rate, , "", "cancels per sliding window (whole account)")                 \
  X(Count, max_active_orders, 0, "", "working (not final) orders of the account")             \
  X(Money, daily_loss, 0.0, "money", "account pnl_today <= -daily_loss -> ...")               \
  X(Flag, daily_loss_kills, true, "", "... the kill switch (else the account goes REDUCING)") \
  X(Money, max_drawdown, 0.0, "money", "peak - pnl_today >= max_drawdown -> account REDUCING")

#define SHANDIAN_LIMIT_MEMBER(kind, field, default_value, unit, doc) LimitType<LimitKind::kind> field{default_value};
#define SHANDIAN_LIMIT_VISIT(kind, field, default_value, unit, doc) \
  f(LimitField{#field, LimitKind::kind, unit, doc}, &Limits::field);

// Defines `struct Name` from LIST and `for_each_limit_field(static_cast<const Name*>(nullptr), f)`, which
// calls f(LimitField, member pointer) for every field in declaration order.
#define SHANDIAN_DEFINE_LIMITS(Name, LIST)                  \
  struct Name {                                             \
    LIST(SHANDIAN_LIMIT_MEMBER)                             \
  };                                                        \
  template <class F>                                        \
  constexpr void for_each_limit_field(const Name*, F&& f) { \
    using Limits = Name;                                    \
    LIST(SHANDIAN_LIMIT_VISIT)                              \
  }

SHANDIAN_DEFINE_LIMITS(AgentLimits, SHANDIAN_AGENT_LIMITS)
SHANDIAN_DEFINE_LIMITS(InstrumentLimits, SHANDIAN_INSTRUMENT_LIMITS)
SHANDIAN_DEFINE_LIMITS(AccountLimits, SHANDIAN_ACCOUNT_LIMITS)

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

#define SHANDIAN_TRADING_STATES(X)                                                            \
  X(Active, 0, "active", "everything allowed (subject to the rules)")                         \
  X(Reducing, 1, "reducing", "only position-reducing orders (close offsets); cancels always") \
  X(Halted, 2, "halted", "only cancels")
SHANDIAN_DEFINE_ENUM(TradingState, std::uint8_t, SHANDIAN_TRADING_STATES, "unknown")

}  // namespace shandian::risk
