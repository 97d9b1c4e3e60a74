// Vocabulary of the engine: dense ids, order enums, statuses and the stable reject codes that every
// refusal carries (architecture.md, "Quality bar": a stable code plus a human-readable reason).
#pragma once

#include <cstdint>
#include <string_view>

namespace shandian::core {

using InstrumentIndex = std::uint32_t;  // dense, assigned at registration, array index on the hot path
using AgentId = std::uint32_t;          // dense, assigned by Engine::add_agent
using OrderId = std::uint64_t;          // pool handle packed as (generation << 32 | index); 0 is never valid

inline constexpr InstrumentIndex kNoInstrument = 0xFFFF'FFFFU;
inline constexpr AgentId kNoAgent = 0xFFFF'FFFFU;  // orders/trades not placed by this process's agents
inline constexpr OrderId kNoOrder = 0;

enum class Direction : std::uint8_t { Buy = 0, Sell = 1 };
enum class Offset : std::uint8_t { Open = 0, Close = 1, CloseToday = 2, CloseYesterday = 3 };
enum class OrderKind : std::uint8_t { Limit = 0, Fak = 1, Fok = 2, Market = 3 };

// shandian's order lifecycle. CTP's OrderStatus/OrderSubmitStatus pairs map onto it in the gateway.
enum class OrderStatus : std::uint8_t {
  Submitting = 0,  // built and published; ReqOrderInsert about to be / being written
  Accepted = 1,    // CTP took it ('a' unknown: not yet acknowledged by the exchange)
  Queued = 2,      // resting at the exchange, nothing traded ('3')
  PartFilled = 3,  // resting with part traded ('1')
  Filled = 4,      // final: all traded ('0')
  Cancelled = 5,   // final: cancelled, possibly after partial fills ('5', '2', '4')
  Rejected = 6,    // final: refused by CTP or the exchange before anything traded
};

[[nodiscard]] constexpr bool is_final(OrderStatus s) noexcept {
  return s == OrderStatus::Filled || s == OrderStatus::Cancelled || s == OrderStatus::Rejected;
}

// Stable reject codes. Names (to_string) are part of the API: logs, journals and tests match on them.
// Engine-side refusals happen before anything is sent; CTP-side ones carry the CTP error id as well.
enum class RejectCode : std::uint16_t {
  None = 0,
  // engine validation
  InvalidAgent = 1,
  UnknownInstrument = 2,
  InvalidVolume = 3,
  InvalidPrice = 4,        // NaN/inf/<=0 for a priced order
  PriceNotOnTick = 5,      // not an integer multiple of PriceTick
  PriceOutsideLimits = 6,  // outside [LowerLimit, UpperLimit] of the last tick
  SessionNotReady = 7,     // gateway not logged in / not reconciled
  OrderPoolExhausted = 8,
  UnknownOrder = 9,        // cancel: no such live order
  NotOwner = 10,           // cancel: the order belongs to another agent
  AlreadyFinal = 11,       // cancel: the order is filled/cancelled/rejected
  CancelPending = 12,      // cancel: a cancel is already in flight
  InsufficientPosition = 13,  // close: more than the agent holds (minus its working closes)
  InstrumentOwned = 14,       // the instrument is owned exclusively ("monopoly") by another agent
  PositionTableFull = 15,     // the ledgers have no position record left (Ledgers::Capacity::positions)
  // gateway write failures (the Req* return value)
  RequestNetworkError = 20,  // -1
  RequestQueueFull = 21,     // -2
  RequestRateLimited = 22,   // -3
  // replies
  CtpRejected = 30,       // OnRspOrderInsert / OnErrRtnOrderInsert (ctp_error_id set)
  ExchangeRejected = 31,  // OnRtnOrder cancelled with OrderSubmitStatus InsertRejected
  CancelRejected = 32,    // OnRspOrderAction / OnErrRtnOrderAction (ctp_error_id set)
  // risk (the risk engine issue adds its own codes in 100..199)
  RiskRejected = 100,
  RiskOrderRate = 101,
  RiskCancelLimit = 102,
  RiskMaxOrderVolume = 103,
  RiskPositionLimit = 104,
  RiskKillSwitch = 105,
  RiskCancelRate = 106,       // cancel-rate window (agent or account)
  RiskMessageLimit = 107,     // inserts + cancels per instrument per day
  RiskLargeCancelLimit = 108, // cancels of large orders per instrument per day
  RiskSelfTrade = 109,        // would cross a resting order of the same account
  RiskActiveOrders = 110,     // too many working orders
  RiskOpenVolumeLimit = 111,  // opened lots per instrument per day (CFFEX index futures)
  RiskCapital = 112,          // order cost > available capital
  RiskReducing = 113,         // agent/account REDUCING: only position-reducing orders
  RiskHalted = 114,           // agent/account HALTED: only cancels
  RiskPriceBand = 115,        // fat finger: too far from last/mid
  RiskStaleData = 116,        // last tick too old in continuous trading
  RiskSessionClosed = 117,    // instrument status says not trading
  RiskDailyLoss = 118,        // daily loss limit reached (state changed)
  RiskDrawdown = 119,         // max drawdown reached (state changed)
  // journal (issue 7): the journal is too far behind; new orders are refused until it catches up
  JournalBacklog = 200,
};

[[nodiscard]] constexpr std::string_view to_string(RejectCode c) noexcept {
  switch (c) {
    case RejectCode::None: return "NONE";
    case RejectCode::InvalidAgent: return "INVALID_AGENT";
    case RejectCode::UnknownInstrument: return "UNKNOWN_INSTRUMENT";
    case RejectCode::InvalidVolume: return "INVALID_VOLUME";
    case RejectCode::InvalidPrice: return "INVALID_PRICE";
    case RejectCode::PriceNotOnTick: return "PRICE_NOT_ON_TICK";
    case RejectCode::PriceOutsideLimits: return "PRICE_OUTSIDE_LIMITS";
    case RejectCode::SessionNotReady: return "SESSION_NOT_READY";
    case RejectCode::OrderPoolExhausted: return "ORDER_POOL_EXHAUSTED";
    case RejectCode::UnknownOrder: return "UNKNOWN_ORDER";
    case RejectCode::NotOwner: return "NOT_OWNER";
    case RejectCode::AlreadyFinal: return "ALREADY_FINAL";
    case RejectCode::CancelPending: return "CANCEL_PENDING";
    case RejectCode::InsufficientPosition: return "INSUFFICIENT_POSITION";
    case RejectCode::InstrumentOwned: return "INSTRUMENT_OWNED";
    case RejectCode::PositionTableFull: return "POSITION_TABLE_FULL";
    case RejectCode::RequestNetworkError: return "REQUEST_NETWORK_ERROR";
    case RejectCode::RequestQueueFull: return "REQUEST_QUEUE_FULL";
    case RejectCode::RequestRateLimited: return "REQUEST_RATE_LIMITED";
    case RejectCode::CtpRejected: return "CTP_REJECTED";
    case RejectCode::ExchangeRejected: return "EXCHANGE_REJECTED";
    case RejectCode::CancelRejected: return "CANCEL_REJECTED";
    case RejectCode::RiskRejected: return "RISK_REJECTED";
    case RejectCode::RiskOrderRate: return "RISK_ORDER_RATE";
    case RejectCode::RiskCancelLimit: return "RISK_CANCEL_LIMIT";
    case RejectCode::RiskMaxOrderVolume: return "RISK_MAX_ORDER_VOLUME";
    case RejectCode::RiskPositionLimit: return "RISK_POSITION_LIMIT";
    case RejectCode::RiskKillSwitch: return "RISK_KILL_SWITCH";
    case RejectCode::RiskCancelRate: return "RISK_CANCEL_RATE";
    case RejectCode::RiskMessageLimit: return "RISK_MESSAGE_LIMIT";
    case RejectCode::RiskLargeCancelLimit: return "RISK_LARGE_CANCEL_LIMIT";
    case RejectCode::RiskSelfTrade: return "RISK_SELF_TRADE";
    case RejectCode::RiskActiveOrders: return "RISK_ACTIVE_ORDERS";
    case RejectCode::RiskOpenVolumeLimit: return "RISK_OPEN_VOLUME_LIMIT";
    case RejectCode::RiskCapital: return "RISK_CAPITAL";
    case RejectCode::RiskReducing: return "RISK_REDUCING";
    case RejectCode::RiskHalted: return "RISK_HALTED";
    case RejectCode::RiskPriceBand: return "RISK_PRICE_BAND";
    case RejectCode::RiskStaleData: return "RISK_STALE_DATA";
    case RejectCode::RiskSessionClosed: return "RISK_SESSION_CLOSED";
    case RejectCode::RiskDailyLoss: return "RISK_DAILY_LOSS";
    case RejectCode::RiskDrawdown: return "RISK_DRAWDOWN";
    case RejectCode::JournalBacklog: return "JOURNAL_BACKLOG";
  }
  return "UNKNOWN_REJECT_CODE";
}

[[nodiscard]] constexpr std::string_view to_string(OrderStatus s) noexcept {
  switch (s) {
    case OrderStatus::Submitting: return "submitting";
    case OrderStatus::Accepted: return "accepted";
    case OrderStatus::Queued: return "queued";
    case OrderStatus::PartFilled: return "part_filled";
    case OrderStatus::Filled: return "filled";
    case OrderStatus::Cancelled: return "cancelled";
    case OrderStatus::Rejected: return "rejected";
  }
  return "unknown";
}

[[nodiscard]] constexpr std::string_view to_string(Direction d) noexcept { return d == Direction::Buy ? "buy" : "sell"; }
[[nodiscard]] constexpr std::string_view to_string(Offset o) noexcept {
  switch (o) {
    case Offset::Open: return "open";
    case Offset::Close: return "close";
    case Offset::CloseToday: return "close_today";
    case Offset::CloseYesterday: return "close_yesterday";
  }
  return "unknown";
}
[[nodiscard]] constexpr std::string_view to_string(OrderKind k) noexcept {
  switch (k) {
    case OrderKind::Limit: return "limit";
    case OrderKind::Fak: return "fak";
    case OrderKind::Fok: return "fok";
    case OrderKind::Market: return "market";
  }
  return "unknown";
}

}  // namespace shandian::core
