// The seam between the engine loop (cpp/core) and a trading gateway (cpp/ctp's Session, or a test fake).
// The engine owns the loop and all order state; the gateway owns its vendor threads, the rings they fill,
// the session state machine and the request writing. Every method is called on the engine thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/dispatch.hpp"
#include "core/events.hpp"
#include "core/instrument_registry.hpp"
#include "core/order_manager.hpp"
#include "queue/wait_strategy.hpp"

namespace shandian::core {

// What the engine offers a gateway.
class GatewayHost {
 public:
  virtual ~GatewayHost() = default;
  [[nodiscard]] virtual InstrumentRegistry& instruments() noexcept = 0;
  // Published to agents in the next batch (and to the EngineObserver at once).
  virtual void publish_notice(SessionNoticeKind kind, std::int32_t code, std::string_view message) noexcept = 0;
  // The instrument query finished: pending subscriptions can be resolved.
  virtual void instruments_loaded() noexcept = 0;
  // Order reconcile: rows of an order query arriving between begin and end confirm the orders they name;
  // at the end, orders still SUBMITTING from an earlier session that no row confirmed never reached
  // CTP and are rejected (REQUEST_NETWORK_ERROR).
  [[nodiscard]] virtual std::uint32_t begin_order_reconcile() noexcept = 0;
  virtual void end_order_reconcile(std::uint32_t epoch, std::int32_t front_id, std::int32_t session_id) noexcept = 0;
  virtual void reset_positions() noexcept = 0;
  virtual void apply_position(const PositionData& row) noexcept = 0;
  virtual void set_account(const AccountData& account) noexcept = 0;
  // Each successful trader login, with its TradingDay, before the login's queries: a new day rolls the
  // ledgers (a night session start inside one running process).
  virtual void trading_day(std::uint32_t yyyymmdd) noexcept { (void)yyyymmdd; }
};

class Gateway {
 public:
  virtual ~Gateway() = default;
  // Once, before start(): the host, and the waiter the vendor threads notify after each push.
  virtual void attach(GatewayHost& host, queue::Waiter& waiter) = 0;
  // The rings the engine merges (fixed for the gateway's lifetime). Lower index wins recv_ns ties.
  [[nodiscard]] virtual std::span<EventRing* const> rings() noexcept = 0;
  // Creates and starts the vendor APIs (engine thread).
  virtual void start() = 0;
  // Session and query events (everything except ticks, order/trade reports and order errors, which the
  // engine applies itself; query-row reports are applied by the engine and then passed here as well).
  virtual void on_event(const Event& event) noexcept = 0;
  // Drives timers of the state machine and the query scheduler; returns the next time it needs a poll.
  [[nodiscard]] virtual std::int64_t poll(std::int64_t now_ns) noexcept = 0;
  // Logged in, confirmed and reconciled: orders may be sent.
  [[nodiscard]] virtual bool trading_ready() const noexcept = 0;
  // Assigns the order's identity (front, session, strictly increasing OrderRef). No I/O.
  virtual void prepare_insert(Order& order) noexcept = 0;
  // Writes ReqOrderInsert / ReqOrderAction; returns the Req* code (0, -1, -2, -3).
  [[nodiscard]] virtual int write_insert(const Order& order) noexcept = 0;
  [[nodiscard]] virtual int write_cancel(const Order& order) noexcept = 0;
  // Asks for an order (and trade) query soon: the engine's in-flight checks use it for an order with no
  // acknowledgement or a cancel with no answer. False when the gateway cannot query (nothing happens).
  [[nodiscard]] virtual bool request_order_query() noexcept { return false; }
  // Queues a positions + account query (the ledgers reconcile on the answers); false when not possible now.
  [[nodiscard]] virtual bool request_account_query() noexcept { return false; }
  // Market data wanted for this instrument from now on (kept across reconnects).
  virtual void want_market_data(InstrumentIndex instrument) noexcept = 0;
  // Releases the vendor APIs. After this no vendor thread touches the rings.
  virtual void stop() noexcept = 0;
};

}  // namespace shandian::core
