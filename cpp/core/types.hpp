// Vocabulary of the engine: dense ids, order enums, statuses and the stable reject codes that every
// refusal carries (architecture.md, "Quality bar": a stable code plus a human-readable reason).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace shandian::core {

using InstrumentIndex = std::uint32_t;  // dense, assigned at registration, array index on the hot path
using AgentId = std::uint32_t;          // dense, assigned by Engine::add_agent
using OrderId = std::uint64_t;          // pool handle packed as (generation << 32 | index); 0 is never valid

inline constexpr InstrumentIndex kNoInstrument = 0xFFFF'FFFFU;
inline constexpr AgentId kNoAgent = 0xFFFF'FFFFU;  // orders/trades not placed by this process's agents
inline constexpr OrderId kNoOrder = 0;

// Each enum below is declared once, as an X-macro list X(Enumerator, value, "name", "doc"); that one list
// generates the enum, its to_string (the stable name: logs, journals and tests match on it), enum_names()
// (every value with its name and doc, which the binding iterates to build the Python enum: upper-case
// name) and nothing else needs editing when a value is added. Macro lists cannot hold // comments: /* */.
template <class E>
struct EnumName {
  E value;
  std::string_view name;
  std::string_view doc;
};

#define SHANDIAN_ENUM_DECLARE(enumerator, value, name, doc) enumerator = value,
#define SHANDIAN_ENUM_CASE(enumerator, value, name, doc) \
  case E::enumerator:                                    \
    return name;
#define SHANDIAN_ENUM_ENTRY(enumerator, value, name, doc) ::shandian::core::EnumName<E>{E::enumerator, name, doc},

// Defines `enum class Enum : Underlying`, `to_string(Enum)` (`unknown` for a value outside the list) and
// `enum_names(Enum{})` (a constexpr std::array of EnumName<Enum>, in declaration order).
#define SHANDIAN_DEFINE_ENUM(Enum, Underlying, LIST, unknown)           \
  enum class Enum : Underlying { LIST(SHANDIAN_ENUM_DECLARE) };         \
  [[nodiscard]] constexpr std::string_view to_string(Enum e) noexcept { \
    using E = Enum;                                                     \
    switch (e) { LIST(SHANDIAN_ENUM_CASE) }                             \
    return unknown;                                                     \
  }                                                                     \
  [[nodiscard]] constexpr auto enum_names(Enum) noexcept {              \
    using E = Enum;                                                     \
    return std::array{LIST(SHANDIAN_ENUM_ENTRY)};                       \
  }

// The value whose to_string name is `name` (journals, config text), or nullopt.
template <class E>
[[nodiscard]] constexpr std::optional<E> from_name(std::string_view name) noexcept {
  for (const auto& entry : enum_names(E{})) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

#define SHANDIAN_DIRECTIONS(X) \
  X(Buy, 0, "buy", "")         \
  X(Sell, 1, "sell", "")
SHANDIAN_DEFINE_ENUM(Direction, std::uint8_t, SHANDIAN_DIRECTIONS, "unknown")

#define SHANDIAN_OFFSETS(X)           \
  X(Open, 0, "open", "")              \
  X(Close, 1, "close", "")            \
  X(CloseToday, 2, "close_today", "") \
  X(CloseYesterday, 3, "close_yesterday", "")
SHANDIAN_DEFINE_ENUM(Offset, std::uint8_t, SHANDIAN_OFFSETS, "unknown")

#define SHANDIAN_ORDER_KINDS(X)                                               \
  X(Limit, 0, "limit", "rests at its price")                                  \
  X(Fak, 1, "fak", "fill and kill: what does not trade at once is cancelled") \
  X(Fok, 2, "fok", "fill or kill: all at once or nothing")                    \
  X(Market, 3, "market", "any price")
SHANDIAN_DEFINE_ENUM(OrderKind, std::uint8_t, SHANDIAN_ORDER_KINDS, "unknown")

// shandian's order lifecycle. CTP's OrderStatus/OrderSubmitStatus pairs map onto it in the gateway.
#define SHANDIAN_ORDER_STATUSES(X)                                                                  \
  X(Submitting, 0, "submitting", "built and published; ReqOrderInsert about to be / being written") \
  X(Accepted, 1, "accepted", "CTP took it ('a' unknown: not yet acknowledged by the exchange)")     \
  X(Queued, 2, "queued", "resting at the exchange, nothing traded ('3')")                           \
  X(PartFilled, 3, "part_filled", "resting with part traded ('1')")                                 \
  X(Filled, 4, "filled", "final: all traded ('0')")                                                 \
  X(Cancelled, 5, "cancelled", "final: cancelled, possibly after partial fills ('5', '2', '4')")    \
  X(Rejected, 6, "rejected", "final: refused by CTP or the exchange before anything traded")
SHANDIAN_DEFINE_ENUM(OrderStatus, std::uint8_t, SHANDIAN_ORDER_STATUSES, "unknown")

[[nodiscard]] constexpr bool is_final(OrderStatus s) noexcept {
  return s == OrderStatus::Filled || s == OrderStatus::Cancelled || s == OrderStatus::Rejected;
}

// Stable reject codes. Names are part of the API: logs, journals and tests match on them. Engine-side
// refusals happen before anything is sent; CTP-side ones carry the CTP error id as well. Ranges: 1..19
// engine validation, 20..29 gateway write failures (the Req* return value), 30..39 replies, 100..199 risk
// (RiskStats counts them by code - 100), 200.. journal.
#define SHANDIAN_REJECT_CODES(X)                                                                                      \
  X(None, 0, "NONE", "not refused")                                                                                   \
  X(InvalidAgent, 1, "INVALID_AGENT", "no such agent")                                                                \
  X(UnknownInstrument, 2, "UNKNOWN_INSTRUMENT", "the instrument is not listed")                                       \
  X(InvalidVolume, 3, "INVALID_VOLUME", "volume <= 0 (or an iceberg display outside 1..volume)")                      \
  X(InvalidPrice, 4, "INVALID_PRICE", "NaN/inf/<=0 for a priced order")                                               \
  X(PriceNotOnTick, 5, "PRICE_NOT_ON_TICK", "not an integer multiple of PriceTick")                                   \
  X(PriceOutsideLimits, 6, "PRICE_OUTSIDE_LIMITS", "outside [LowerLimit, UpperLimit] of the last tick")               \
  X(SessionNotReady, 7, "SESSION_NOT_READY", "gateway not logged in / not reconciled")                                \
  X(OrderPoolExhausted, 8, "ORDER_POOL_EXHAUSTED", "the order (or conditional) pool has no free slot")                \
  X(UnknownOrder, 9, "UNKNOWN_ORDER", "cancel: no such live order")                                                   \
  X(NotOwner, 10, "NOT_OWNER", "cancel: the order belongs to another agent")                                          \
  X(AlreadyFinal, 11, "ALREADY_FINAL", "cancel: the order is filled/cancelled/rejected")                              \
  X(CancelPending, 12, "CANCEL_PENDING", "cancel: a cancel is already in flight")                                     \
  X(InsufficientPosition, 13, "INSUFFICIENT_POSITION", "close: more than the agent holds (minus its working closes)") \
  X(InstrumentOwned, 14, "INSTRUMENT_OWNED", "the instrument is owned exclusively (\"monopoly\") by another agent")   \
  X(PositionTableFull, 15, "POSITION_TABLE_FULL",                                                                     \
    "the ledgers have no position record left (Ledgers::Capacity::positions)")                                        \
  X(AgentStopped, 16, "AGENT_STOPPED",                                                                                \
    "the agent is stopped (halted, or a callback raised): it places no more orders")                                  \
  X(RequestNetworkError, 20, "REQUEST_NETWORK_ERROR", "Req* returned -1")                                             \
  X(RequestQueueFull, 21, "REQUEST_QUEUE_FULL", "Req* returned -2")                                                   \
  X(RequestRateLimited, 22, "REQUEST_RATE_LIMITED", "Req* returned -3")                                               \
  X(CtpRejected, 30, "CTP_REJECTED", "OnRspOrderInsert / OnErrRtnOrderInsert (ctp_error_id set)")                     \
  X(ExchangeRejected, 31, "EXCHANGE_REJECTED", "OnRtnOrder cancelled with OrderSubmitStatus InsertRejected")          \
  X(CancelRejected, 32, "CANCEL_REJECTED", "OnRspOrderAction / OnErrRtnOrderAction (ctp_error_id set)")               \
  X(RiskRejected, 100, "RISK_REJECTED", "refused by the risk engine (generic)")                                       \
  X(RiskOrderRate, 101, "RISK_ORDER_RATE", "order-rate window (agent or account)")                                    \
  X(RiskCancelLimit, 102, "RISK_CANCEL_LIMIT", "cancels per instrument per day")                                      \
  X(RiskMaxOrderVolume, 103, "RISK_MAX_ORDER_VOLUME", "lots per order")                                               \
  X(RiskPositionLimit, 104, "RISK_POSITION_LIMIT", "position per instrument and side")                                \
  X(RiskKillSwitch, 105, "RISK_KILL_SWITCH", "the kill switch is on")                                                 \
  X(RiskCancelRate, 106, "RISK_CANCEL_RATE", "cancel-rate window (agent or account)")                                 \
  X(RiskMessageLimit, 107, "RISK_MESSAGE_LIMIT", "inserts + cancels per instrument per day")                          \
  X(RiskLargeCancelLimit, 108, "RISK_LARGE_CANCEL_LIMIT", "cancels of large orders per instrument per day")           \
  X(RiskSelfTrade, 109, "RISK_SELF_TRADE", "would cross a resting order of the same account")                         \
  X(RiskActiveOrders, 110, "RISK_ACTIVE_ORDERS", "too many working orders")                                           \
  X(RiskOpenVolumeLimit, 111, "RISK_OPEN_VOLUME_LIMIT", "opened lots per instrument per day (CFFEX index futures)")   \
  X(RiskCapital, 112, "RISK_CAPITAL", "order cost > available capital")                                               \
  X(RiskReducing, 113, "RISK_REDUCING", "agent/account REDUCING: only position-reducing orders")                      \
  X(RiskHalted, 114, "RISK_HALTED", "agent/account HALTED: only cancels")                                             \
  X(RiskPriceBand, 115, "RISK_PRICE_BAND", "fat finger: too far from last/mid")                                       \
  X(RiskStaleData, 116, "RISK_STALE_DATA", "last tick too old in continuous trading")                                 \
  X(RiskSessionClosed, 117, "RISK_SESSION_CLOSED", "instrument status says not trading")                              \
  X(RiskDailyLoss, 118, "RISK_DAILY_LOSS", "daily loss limit reached (state changed)")                                \
  X(RiskDrawdown, 119, "RISK_DRAWDOWN", "max drawdown reached (state changed)")                                       \
  X(JournalBacklog, 200, "JOURNAL_BACKLOG", "the journal is too far behind; new orders are refused until it catches up")
SHANDIAN_DEFINE_ENUM(RejectCode, std::uint16_t, SHANDIAN_REJECT_CODES, "UNKNOWN_REJECT_CODE")

}  // namespace shandian::core
