// OrderManager: the minimal, correct order book-keeping of the engine thread. Pooled orders (no heap per
// order), the OrderRef <-> order <-> agent mapping, statuses from OnRtnOrder / OnRtnTrade / rejects, and
// idempotent trade handling keyed by ExchangeID + TradeID + direction (a self-trade shares its TradeID
// between the buy and the sell side: vnpy#3229).
//
// Every status change goes through the explicit FSM table (core/order_fsm.hpp); every change of what an
// order freezes or books goes to the per-agent ledgers (core/ledger.hpp) when attached. The seams are
// apply_report()/apply_trade() (CTP facts in) and OrderUpdate/TradeUpdate (facts out).
//
// Identity (ctp-semantics.md §2): (FrontID, SessionID, OrderRef) from the moment we send; (ExchangeID,
// OrderSysID) once the exchange accepts, which is the only link from a trade to its order. Both maps keep
// an entry after the order leaves the pool ("retired"), so a late or replayed report (RESUME flow replay,
// query rows during reconcile) is recognised and never resurrects or duplicates anything.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "core/dispatch.hpp"
#include "core/events.hpp"
#include "core/fixed_hash_map.hpp"
#include "core/ledger.hpp"
#include "core/order_fsm.hpp"
#include "queue/object_pool.hpp"

namespace shandian::core {

struct Order {
  OrderId id = kNoOrder;
  AgentId agent = kNoAgent;
  InstrumentIndex instrument = kNoInstrument;
  InstrumentId symbol{};
  ExchangeId exchange{};
  Direction direction = Direction::Buy;
  Offset offset = Offset::Open;
  OrderKind kind = OrderKind::Limit;
  OrderStatus status = OrderStatus::Submitting;
  double price = 0.0;
  std::int64_t price_ticks = 0;
  std::int32_t volume = 0;
  std::int32_t traded = 0;            // max VolumeTraded reported by OnRtnOrder
  std::int32_t traded_by_trades = 0;  // sum of distinct OnRtnTrade volumes
  std::int32_t front_id = 0;
  std::int32_t session_id = 0;
  std::int64_t order_ref = 0;
  OrderSysId order_sys_id{};
  bool cancel_pending = false;
  std::uint32_t seen_epoch = 0;  // reconcile epoch in which a query last confirmed it
  RejectCode reject_code = RejectCode::None;
  std::int32_t ctp_error_id = 0;
  Message reason{};
  std::int64_t submit_ns = 0;
  std::uint32_t live_slot = 0;  // position in the live list (for O(1) removal)
  OrderLedgerState ledger{};    // what the order froze / booked in the per-agent ledgers
  // In-flight tracking (Engine::check_inflight): first report time, cancel request time and retries.
  std::int64_t ack_ns = 0;  // 0 until CTP acknowledged it (first report or error)
  std::int64_t cancel_sent_ns = 0;
  std::uint16_t cancel_attempts = 0;
  bool ack_queried = false;     // an order query was requested because no acknowledgement came
  bool cancel_queried = false;  // an order query was requested because no cancel answer came
  std::uint64_t parent = 0;     // the conditional order (core/conditional.hpp) that released it, or 0
};

[[nodiscard]] constexpr OrderId to_order_id(queue::PoolHandle h) noexcept {
  return (static_cast<std::uint64_t>(h.generation) << 32) | h.index;
}
[[nodiscard]] constexpr queue::PoolHandle to_handle(OrderId id) noexcept {
  return queue::PoolHandle{static_cast<std::uint32_t>(id & 0xFFFF'FFFFU), static_cast<std::uint32_t>(id >> 32)};
}

struct OrderRefKey {
  std::int32_t front_id = 0;
  std::int32_t session_id = 0;
  std::int64_t order_ref = 0;
  friend bool operator==(const OrderRefKey&, const OrderRefKey&) = default;
};
struct OrderRefKeyHash {
  std::size_t operator()(const OrderRefKey& k) const noexcept {
    std::uint64_t h = static_cast<std::uint32_t>(k.front_id);
    h = h * 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint32_t>(k.session_id);
    h = h * 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint64_t>(k.order_ref);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

struct SysIdKey {
  ExchangeId exchange{};
  OrderSysId order_sys_id{};
  friend bool operator==(const SysIdKey& a, const SysIdKey& b) noexcept {
    return a.exchange == b.exchange && a.order_sys_id == b.order_sys_id;
  }
};
struct SysIdKeyHash {
  std::size_t operator()(const SysIdKey& k) const noexcept {
    return static_cast<std::size_t>(fnv1a(k.order_sys_id.view(), fnv1a(k.exchange.view())));
  }
};

struct TradeKey {
  ExchangeId exchange{};
  TradeId trade_id{};
  Direction direction = Direction::Buy;
  friend bool operator==(const TradeKey& a, const TradeKey& b) noexcept {
    return a.direction == b.direction && a.exchange == b.exchange && a.trade_id == b.trade_id;
  }
};
struct TradeKeyHash {
  std::size_t operator()(const TradeKey& k) const noexcept {
    return static_cast<std::size_t>(fnv1a(k.trade_id.view(), fnv1a(k.exchange.view())) ^
                                    static_cast<std::uint64_t>(k.direction));
  }
};

// What the maps remember about an order, also after it left the pool.
struct OrderLink {
  OrderId id = kNoOrder;
  AgentId agent = kNoAgent;
  std::int32_t booked = 0;  // seeded links: lots of the order's trades already booked from the journal
};

struct OrderManagerStats {
  std::uint64_t duplicate_trades = 0;     // trades ignored because their key was already applied
  std::uint64_t unknown_reports = 0;      // order reports for orders this process did not place
  std::uint64_t stale_reports = 0;        // reports for retired orders (replays), ignored
  std::uint64_t unattributed_trades = 0;  // trades whose order is unknown (agent = kNoAgent)
  std::uint64_t map_full = 0;             // an identity map was full (raise the per-day capacity)
  std::uint64_t ignored_events = 0;       // FSM: duplicate / stale / re-pushed events (no change)
  std::uint64_t illegal_events = 0;       // FSM: events that cannot happen in a correct flow (no change)
};

class OrderManager {
 public:
  struct Capacity {
    std::size_t live_orders = 16'384;      // pool size: orders alive at once
    std::size_t orders_per_day = 131'072;  // identity map entries (OrderRef and OrderSysID)
    std::size_t trades_per_day = 262'144;  // trade keys remembered for de-duplication
  };

  // `ledgers` (optional, not owned) receives every freeze / trade / final state of the orders.
  explicit OrderManager(Capacity capacity, Ledgers* ledgers = nullptr);

  // ---- recovery (journal): what a previous process of this trading day placed ----------------
  // Links an order placed before a restart to its agent, so the counter's reports (agent = that agent,
  // id = kNoOrder) and trades of it are attributed after the restart. sys_id may be empty (not known yet:
  // the first report carrying it links it). False when an identity map is full.
  // `booked`: lots of its trades the journal already booked into the ledgers (an adopted order counts them
  // as matched, so its remaining trades complete it and nothing stays frozen twice).
  [[nodiscard]] bool seed_link(AgentId agent, std::int32_t front_id, std::int32_t session_id, std::int64_t order_ref,
                               const ExchangeId& exchange, const OrderSysId& sys_id, std::int32_t booked = 0) noexcept;
  // Adoption: a working order placed by a previous process (seeded link: its agent) or, while
  // `adopt_unknown` holds, by nobody known here (unattributed) becomes a pooled order again with a real id,
  // so cancel_all, the kill switch and the stop see it. True when `report` is such an order.
  [[nodiscard]] bool adoptable(const OrderData& report, bool adopt_unknown) const noexcept;
  // Creates the pooled order for an adoptable report (freezing its unfilled lots in the ledgers) and links
  // its identity to it; nullptr when the pool is exhausted (the report is then handled as foreign).
  [[nodiscard]] Order* adopt(const OrderData& report, InstrumentIndex instrument, std::int64_t now_ns,
                             std::uint32_t reconcile_epoch) noexcept;
  // A trade already booked before the restart: a replay of it (RESUME stream, trade query) is a duplicate.
  [[nodiscard]] bool seed_trade(const ExchangeId& exchange, const TradeId& trade_id, Direction direction) noexcept;

  // A new order in SUBMITTING; nullptr when the pool is exhausted. The caller fills the request fields.
  [[nodiscard]] Order* create(AgentId agent, InstrumentIndex instrument, std::int64_t now_ns) noexcept;

  // Registers a created order (request fields filled) with the ledgers: freezes its margin / close lots.
  // False when the ledgers have no position slot left (the caller rejects the order).
  [[nodiscard]] bool commit_new(Order& order) noexcept;

  // Records (front, session, ref) -> order once the gateway assigned the ref. False when the map is full.
  [[nodiscard]] bool bind_ref(const Order& order) noexcept;

  [[nodiscard]] Order* get(OrderId id) noexcept { return id == kNoOrder ? nullptr : pool_.get(to_handle(id)); }
  [[nodiscard]] const Order* get(OrderId id) const noexcept {
    return id == kNoOrder ? nullptr : pool_.get(to_handle(id));
  }
  [[nodiscard]] Order* find_by_ref(std::int32_t front_id, std::int32_t session_id, std::int64_t order_ref) noexcept;
  // Our refs never repeat within a process (the gateway keeps them strictly increasing across sessions),
  // so an OnRspOrderInsert/OnErrRtnOrderInsert, which carries no FrontID/SessionID, is matched by ref.
  [[nodiscard]] Order* find_live_by_ref_only(std::int64_t order_ref) noexcept;

  // Applies an OnRtnOrder (or an order query row). Returns true and fills `out` when agents should see a
  // change; false for a no-op re-push, a replay of a retired order, or a foreign order already reported.
  [[nodiscard]] bool apply_report(const OrderData& report, std::int64_t recv_ns, std::int64_t now_ns,
                                  std::uint32_t reconcile_epoch, OrderUpdate& out) noexcept;

  // Applies an OnRtnTrade (or a trade query row). Returns true and fills `out` exactly once per distinct
  // (ExchangeID, TradeID, direction); duplicates return false and are counted.
  // `status_changed` (optional) is set when the trade moved the order's status (a trade before its report).
  [[nodiscard]] bool apply_trade(const TradeData& trade, std::int64_t recv_ns, bool from_reconcile,
                                 InstrumentIndex instrument, TradeUpdate& out, bool* status_changed = nullptr) noexcept;

  // A cancel request for `order` was written: CancelPending (FSM). Illegal for a final order (false).
  bool cancel_requested(Order& order, std::int64_t now_ns) noexcept;

  // The order was refused (engine-side after SUBMITTING, CTP or exchange); it becomes final.
  void reject(Order& order, RejectCode code, std::int32_t ctp_error_id, std::string_view reason) noexcept;

  // A cancel request for `order` was refused: status unchanged, cancel_pending cleared.
  void cancel_refused(Order& order, std::int32_t ctp_error_id, std::string_view reason) noexcept;

  // Snapshot of an order as an update record.
  void describe(const Order& order, std::int64_t recv_ns, std::int64_t now_ns, OrderUpdate& out) const noexcept;

  // Returns the order to the pool once nothing more can refer to it: final, and every traded lot it
  // reported has been matched by a distinct trade. Safe to call at any time.
  void release_if_done(Order& order) noexcept;

  // Orders currently in the pool, for cancel_all and the reconcile sweep. Invalidated by create/release.
  [[nodiscard]] std::span<const OrderId> live() const noexcept { return {live_.get(), live_count_}; }

  [[nodiscard]] const OrderManagerStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::size_t live_count() const noexcept { return live_count_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return pool_.capacity(); }

 private:
  void link_sys_id(Order& order) noexcept;
  // Steps the FSM, counts ignored/illegal events, keeps the ledgers in line. True when something changed.
  bool step(Order& order, fsm::Event event) noexcept;
  void resync(Order& order) noexcept;

  Ledgers* ledgers_ = nullptr;
  queue::ObjectPool<Order> pool_;
  FixedHashMap<OrderRefKey, OrderLink, OrderRefKeyHash> by_ref_;
  FixedHashMap<SysIdKey, OrderLink, SysIdKeyHash> by_sys_id_;
  FixedHashMap<std::int64_t, OrderLink, std::hash<std::int64_t>> by_ref_only_;
  FixedHashMap<TradeKey, bool, TradeKeyHash> seen_trades_;
  // Foreign orders (not placed by this process): last status published, so re-pushes and repeated query
  // rows are not reported again.
  FixedHashMap<OrderRefKey, OrderStatus, OrderRefKeyHash> foreign_status_;
  std::unique_ptr<OrderId[]> live_;
  std::size_t live_count_ = 0;
  OrderManagerStats stats_;
};

}  // namespace shandian::core
