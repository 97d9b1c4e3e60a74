// What the engine hands to agents: one Batch per drained set of events, delivered through the
// AgentDispatcher seam exactly once per batch, so a Python binding takes the GIL once per batch
// (architecture.md: "takes the GIL once per drained batch"). Every record is POD and lives in
// engine-owned, pre-reserved arrays that stay valid only for the duration of the on_batch call.
#pragma once

#include <cstdint>
#include <span>

#include "bars/bar.hpp"
#include "core/events.hpp"
#include "core/types.hpp"

namespace shandian::core {

// One agent's position in one instrument plus its account figures, copied into every published order /
// trade update (after the update was applied), so views built from delivered updates are never ahead of
// or behind the callbacks. Filled by the engine from its ledgers (core/ledger.hpp); zero for kNoAgent.
struct PositionView {
  std::int32_t long_today = 0, long_yd = 0, short_today = 0, short_yd = 0;
  std::int32_t long_frozen = 0, short_frozen = 0, long_pending_open = 0, short_pending_open = 0;
  double long_avg = 0.0, short_avg = 0.0;
  double realized_pnl = 0.0, commission = 0.0, margin = 0.0;
  double frozen_commission = 0.0;  // of working orders on this instrument
  std::uint32_t fills = 0;
  // Lots reported traded (order updates) whose trades are not booked yet, by order direction.
  std::int32_t unbooked_buy = 0, unbooked_sell = 0;
  // The agent as a whole
  double agent_available = 0.0, agent_realized_pnl = 0.0, agent_commission = 0.0, agent_margin = 0.0,
         agent_frozen_margin = 0.0, agent_frozen_commission = 0.0;
};

// An order's state as published to agents (and to the journal seam). One record per change.
struct OrderUpdate {
  OrderId id;
  AgentId agent;  // kNoAgent for orders this process did not place (other sessions, before a restart)
  InstrumentIndex instrument;
  InstrumentId symbol;
  Direction direction;
  Offset offset;
  OrderKind kind;
  OrderStatus status;
  double price;
  std::int32_t volume;
  std::int32_t traded;
  std::int64_t order_ref;
  RejectCode reject_code;  // None unless this update is (or records) a refusal, incl. a refused cancel
  std::int32_t ctp_error_id;
  Message reason;          // human-readable, UTF-8 ("CTP:合约不存在", "cancel refused: ...")
  std::int64_t recv_ns;    // the CTP callback's recv_ns; 0 for updates made on the engine thread
  std::int64_t update_ns;  // engine time of the change
  PositionView position;   // the agent's position in the instrument after this update
};

struct TradeUpdate {
  OrderId order;  // kNoOrder when the order is not known to this process
  AgentId agent;
  InstrumentIndex instrument;
  InstrumentId symbol;
  ExchangeId exchange;
  TradeId trade_id;
  Direction direction;
  Offset offset;
  double price;
  std::int32_t volume;
  std::int32_t trade_ms;
  bool from_reconcile;  // learned from a trade query (a push lost in a disconnect), not a live push
  std::int64_t recv_ns;
  PositionView position;  // the agent's position in the instrument after this trade
};

#define SHANDIAN_SESSION_NOTICE_KINDS(X)                                                                       \
  X(TraderConnected, 0, "trader_connected", "")                                                                \
  X(TraderReady, 1, "trader_ready", "logged in, settlement confirmed, state queried and reconciled")           \
  X(TraderDisconnected, 2, "trader_disconnected",                                                              \
    "agents must assume nothing is acknowledged until TraderReady again")                                      \
  X(MdConnected, 3, "md_connected", "")                                                                        \
  X(MdReady, 4, "md_ready", "logged in and (re)subscribed")                                                    \
  X(MdDisconnected, 5, "md_disconnected", "")                                                                  \
  X(AuthFailed, 6, "auth_failed", "63: retrying stops (fatal until reconfigured)")                             \
  X(LoginLocked, 7, "login_locked", "75 / 143: reported, never hammered (fatal until the broker unlocks)")     \
  X(LoginFailed, 8, "login_failed", "other login refusals (3 bad credentials stops too: retrying would lock)") \
  X(Warning, 9, "warning", "recoverable problem (query retries, settlement retry, subscription errors)")       \
  X(RingOverflow, 10, "ring_overflow", "a vendor-thread ring was full: counted; trader side triggers a reconcile")
SHANDIAN_DEFINE_ENUM(SessionNoticeKind, std::uint8_t, SHANDIAN_SESSION_NOTICE_KINDS, "unknown")

struct SessionNotice {
  SessionNoticeKind kind;
  std::int32_t code;  // CTP error id or disconnect reason when there is one
  FixedString<192> message;
  std::int64_t ns;
};

struct TimerFired {
  AgentId agent;
  std::uint32_t timer_id;
  std::int64_t now_ns;
};

#define SHANDIAN_BATCH_ITEM_KINDS(X) \
  X(Tick, 0, "tick", "")             \
  X(Order, 1, "order", "")           \
  X(Trade, 2, "trade", "")           \
  X(Notice, 3, "notice", "")         \
  X(Timer, 4, "timer", "")           \
  X(Bar, 5, "bar", "")
SHANDIAN_DEFINE_ENUM(BatchItemKind, std::uint8_t, SHANDIAN_BATCH_ITEM_KINDS, "unknown")

// A finished bar (cpp/bars) and the agents subscribed to its (instrument, interval), bit per agent.
struct BarUpdate {
  bars::Bar bar;
  std::uint64_t subscribers;
};

// Position of one record in its typed array; `sequence` lists every record of the batch in the order the
// engine processed it (the merged recv_ns order), so a dispatcher that needs the interleaving has it.
struct BatchItem {
  BatchItemKind kind;
  std::uint32_t index;
};

struct Batch {
  std::span<const BatchItem> sequence;
  std::span<const TickData> ticks;
  std::span<const OrderUpdate> orders;
  std::span<const TradeUpdate> trades;
  std::span<const SessionNotice> notices;
  std::span<const TimerFired> timers;
  std::span<const BarUpdate> bars;
  std::int64_t dispatch_ns;

  [[nodiscard]] bool empty() const noexcept { return sequence.empty(); }
};

// Implemented by the Python binding (and by tests). Called on the engine thread, once per non-empty
// batch; agents act synchronously through the Engine API from inside the call. Orders placed during the
// call publish their SUBMITTING update into the *next* batch (and to EngineObserver immediately).
class AgentDispatcher {
 public:
  virtual ~AgentDispatcher() = default;
  virtual void on_batch(const Batch& batch) = 0;
};

// An order request as it is about to be written (ReqOrderInsert): the CTP identity is already assigned.
struct OrderRequest {
  OrderId id;
  AgentId agent;
  InstrumentId symbol;
  ExchangeId exchange;
  Direction direction;
  Offset offset;
  OrderKind kind;
  double price;
  std::int32_t volume;
  std::int32_t front_id;
  std::int32_t session_id;
  std::int64_t order_ref;
  std::int64_t ns;
};

// A cancel request as it is about to be written (ReqOrderAction).
struct CancelRequest {
  OrderId id;
  AgentId agent;
  InstrumentId symbol;
  ExchangeId exchange;
  OrderSysId order_sys_id;
  std::int32_t front_id;
  std::int32_t session_id;
  std::int64_t order_ref;
  std::int64_t ns;
};

// A refusal by the risk hook or by an observer's admission gate (nothing was sent).
struct RiskDecision {
  AgentId agent;
  OrderId order;  // the order a refused cancel named; kNoOrder for a refused insert
  InstrumentId symbol;
  bool is_cancel;
  RejectCode code;
  Message reason;
  std::int64_t ns;
};

// Synchronous observer of every order update and trade at the moment it is published (the journal seam:
// it sees SUBMITTING before ReqOrderInsert is written). Engine thread; must not block.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void on_order_update(const OrderUpdate&) noexcept {}
  virtual void on_trade(const TradeUpdate&) noexcept {}
  virtual void on_notice(const SessionNotice&) noexcept {}
  // Asked before a new order is created (before the risk hook sees it): a code other than None refuses
  // it (the journal refuses with JOURNAL_BACKLOG while it is too far behind). Cancels are never gated.
  [[nodiscard]] virtual RejectCode admit_order() noexcept { return RejectCode::None; }
  // Called before the request is written (after the SUBMITTING update for an insert).
  virtual void on_order_request(const OrderRequest&) noexcept {}
  virtual void on_cancel_request(const CancelRequest&) noexcept {}
  virtual void on_risk_decision(const RiskDecision&) noexcept {}
  // Called once per engine-loop iteration, after the batch was dispatched and every request of it was
  // written: the place for work that must not sit between an agent's call and ReqOrderInsert (the
  // journal, with wake_on_request, wakes its writer here rather than inside on_order_request).
  virtual void end_of_iteration() noexcept {}
};

}  // namespace shandian::core
