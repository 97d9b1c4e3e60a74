// Journal records: one fixed-size POD per fact the engine must be able to reconstruct after a crash
// Built on the engine thread from the EngineObserver callbacks (no allocation), carried by an
// SpscRing to the journal thread, written to SQLite there. `seq` is assigned on the engine thread when
// the record enters the ring: it increases by exactly one per record, across process restarts of the
// same journal file, so a reader detects any gap.
#pragma once

#include <cstdint>
#include <ctime>
#include <string_view>
#include <type_traits>

#include "core/dispatch.hpp"
#include "core/events.hpp"
#include "core/types.hpp"

namespace shandian::journal {

using core::AgentId;
using core::OrderId;

enum class RecordKind : std::uint8_t {
  RunStart = 1,        // a process opened the journal (text: "pid=N"); `run` increases per opening
  AgentAdded = 2,      // agent = the run-local id, text = the agent's name
  AgentStopped = 3,    // text = the reason
  ParamChange = 4,     // text = "key=value" (JSON value)
  OrderRequest = 5,    // about to write ReqOrderInsert: identity (front, session, ref) + the request
  CancelRequest = 6,   // about to write ReqOrderAction
  OrderUpdate = 7,     // every published order update (SUBMITTING first), incl. counter reports after a restart
  Trade = 8,           // every published trade (de-duplicated by the order manager)
  RiskDecision = 9,    // a refusal by the risk hook or the journal's own backlog gate (code + reason)
  Notice = 10,         // session notices (connected, ready, disconnected, ...)
  PositionCarry = 11,  // a new day's file: an agent's lots carried in from the previous day (text = agent name,
                       // direction buy = long / sell = short, volume = lots, price = average price)
  AgentState = 12,     // one chunk of an agent's persistent state field (text: ASCII JSON ["field", value]
                       // cut into chunks, code = chunk index from 0, flag = the value's last chunk)
  Command = 13,        // an operator's command (dashboard, control socket): agent = its target or none,
                       // text = "origin=... cmd=... detail" (never a credential)
};

[[nodiscard]] constexpr std::string_view to_string(RecordKind k) noexcept {
  switch (k) {
    case RecordKind::RunStart: return "run_start";
    case RecordKind::AgentAdded: return "agent_added";
    case RecordKind::AgentStopped: return "agent_stopped";
    case RecordKind::ParamChange: return "param_change";
    case RecordKind::OrderRequest: return "order_request";
    case RecordKind::CancelRequest: return "cancel_request";
    case RecordKind::OrderUpdate: return "order_update";
    case RecordKind::Trade: return "trade";
    case RecordKind::RiskDecision: return "risk_decision";
    case RecordKind::Notice: return "notice";
    case RecordKind::PositionCarry: return "position_carry";
    case RecordKind::AgentState: return "agent_state";
    case RecordKind::Command: return "command";
  }
  return "unknown";
}

struct Record {
  std::uint64_t seq;
  std::int64_t wall_ns;  // CLOCK_REALTIME when recorded (for people and exports)
  std::int64_t mono_ns;  // engine monotonic time of the fact (update_ns / request ns / notice ns)
  std::int64_t recv_ns;  // CTP callback time for counter facts, 0 otherwise
  std::int64_t order_ref;
  OrderId order_id;  // this process's order id; kNoOrder for orders not placed by this process
  double price;
  AgentId agent;  // run-local id; kNoAgent when not attributed
  std::int32_t volume;
  std::int32_t traded;
  std::int32_t front_id;
  std::int32_t session_id;
  std::int32_t code;  // CTP error id (orders), notice code, trade time in ms (trades)
  RecordKind kind;
  core::Direction direction;
  core::Offset offset;
  core::OrderKind order_kind;
  core::OrderStatus status;
  bool flag;  // trade: from_reconcile; risk decision: a refused cancel
  core::RejectCode reject_code;
  core::InstrumentId symbol;
  core::ExchangeId exchange;
  core::OrderSysId order_sys_id;
  core::TradeId trade_id;
  core::FixedString<192> text;  // reason / agent name / "key=value" / notice message
};

static_assert(std::is_trivially_copyable_v<Record>, "records cross the ring as raw bytes");
static_assert(sizeof(Record) <= 448);

[[nodiscard]] inline std::int64_t wall_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

[[nodiscard]] inline Record blank(RecordKind kind) noexcept {
  Record r{};
  r.kind = kind;
  r.agent = core::kNoAgent;
  return r;
}

// ---- encoding: observer facts -> records (pure, no clock except wall_ns filled by the caller) ----------

// `front_id`, `session_id`, `order_sys_id`, `exchange` come from the live order when there is one (the
// update itself does not carry them); pass zeros / empty for foreign orders.
[[nodiscard]] inline Record encode(const core::OrderUpdate& u, std::int32_t front_id, std::int32_t session_id,
                                   const core::ExchangeId& exchange, const core::OrderSysId& sys_id) noexcept {
  Record r = blank(RecordKind::OrderUpdate);
  r.mono_ns = u.update_ns;
  r.recv_ns = u.recv_ns;
  r.order_ref = u.order_ref;
  r.order_id = u.id;
  r.price = u.price;
  r.agent = u.agent;
  r.volume = u.volume;
  r.traded = u.traded;
  r.front_id = front_id;
  r.session_id = session_id;
  r.code = u.ctp_error_id;
  r.direction = u.direction;
  r.offset = u.offset;
  r.order_kind = u.kind;
  r.status = u.status;
  r.reject_code = u.reject_code;
  r.symbol = u.symbol;
  r.exchange = exchange;
  r.order_sys_id = sys_id;
  r.text.assign(u.reason.view());
  return r;
}

[[nodiscard]] inline Record encode(const core::TradeUpdate& t) noexcept {
  Record r = blank(RecordKind::Trade);
  r.mono_ns = t.recv_ns;
  r.recv_ns = t.recv_ns;
  r.order_id = t.order;
  r.price = t.price;
  r.agent = t.agent;
  r.volume = t.volume;
  r.code = t.trade_ms;
  r.direction = t.direction;
  r.offset = t.offset;
  r.flag = t.from_reconcile;
  r.symbol = t.symbol;
  r.exchange = t.exchange;
  r.trade_id = t.trade_id;
  return r;
}

[[nodiscard]] inline Record encode(const core::OrderRequest& q) noexcept {
  Record r = blank(RecordKind::OrderRequest);
  r.mono_ns = q.ns;
  r.order_ref = q.order_ref;
  r.order_id = q.id;
  r.price = q.price;
  r.agent = q.agent;
  r.volume = q.volume;
  r.front_id = q.front_id;
  r.session_id = q.session_id;
  r.direction = q.direction;
  r.offset = q.offset;
  r.order_kind = q.kind;
  r.status = core::OrderStatus::Submitting;
  r.symbol = q.symbol;
  r.exchange = q.exchange;
  return r;
}

[[nodiscard]] inline Record encode(const core::CancelRequest& c) noexcept {
  Record r = blank(RecordKind::CancelRequest);
  r.mono_ns = c.ns;
  r.order_ref = c.order_ref;
  r.order_id = c.id;
  r.agent = c.agent;
  r.front_id = c.front_id;
  r.session_id = c.session_id;
  r.symbol = c.symbol;
  r.exchange = c.exchange;
  r.order_sys_id = c.order_sys_id;
  return r;
}

[[nodiscard]] inline Record encode(const core::RiskDecision& d) noexcept {
  Record r = blank(RecordKind::RiskDecision);
  r.mono_ns = d.ns;
  r.order_id = d.order;
  r.agent = d.agent;
  r.flag = d.is_cancel;
  r.reject_code = d.code;
  r.symbol = d.symbol;
  r.text.assign(d.reason.view());
  return r;
}

[[nodiscard]] inline Record encode(const core::SessionNotice& n) noexcept {
  Record r = blank(RecordKind::Notice);
  r.mono_ns = n.ns;
  r.code = n.code;
  // the kind name goes in front of the message so the row is readable on its own
  char buf[192];
  const std::string_view kind = core::to_string(n.kind);
  const std::string_view msg = n.message.view();
  std::size_t len = 0;
  for (const char c : kind)
    if (len < sizeof buf - 1) buf[len++] = c;
  if (!msg.empty()) {
    if (len < sizeof buf - 1) buf[len++] = ':';
    if (len < sizeof buf - 1) buf[len++] = ' ';
    for (const char c : msg)
      if (len < sizeof buf - 1) buf[len++] = c;
  }
  r.text.assign(std::string_view(buf, len));
  return r;
}

}  // namespace shandian::journal
