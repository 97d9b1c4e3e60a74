#include "core/order_manager.hpp"

#include <algorithm>
#include <functional>

namespace shandian::core {

OrderManager::OrderManager(Capacity capacity, Ledgers* ledgers)
    : ledgers_(ledgers),
      pool_(capacity.live_orders),
      by_ref_(capacity.orders_per_day),
      by_sys_id_(capacity.orders_per_day),
      by_ref_only_(capacity.orders_per_day),
      seen_trades_(capacity.trades_per_day),
      foreign_status_(capacity.orders_per_day),
      live_(std::make_unique<OrderId[]>(capacity.live_orders)) {}

Order* OrderManager::create(AgentId agent, InstrumentIndex instrument, std::int64_t now_ns) noexcept {
  auto acquired = pool_.acquire();
  if (!acquired) return nullptr;
  Order* order = pool_.get(acquired.value());
  order->id = to_order_id(acquired.value());
  order->agent = agent;
  order->instrument = instrument;
  order->submit_ns = now_ns;
  order->ledger = OrderLedgerState{};
  order->live_slot = static_cast<std::uint32_t>(live_count_);
  live_[live_count_++] = order->id;
  return order;
}

bool OrderManager::commit_new(Order& order) noexcept {
  if (ledgers_ == nullptr) return true;
  if (!ledgers_->freeze_new(order.ledger, order.agent, order.instrument, order.direction, order.offset, order.price,
                            order.volume)) {
    return false;
  }
  ledgers_->count_order(order.agent);
  return true;
}

void OrderManager::resync(Order& order) noexcept {
  if (ledgers_ != nullptr) {
    ledgers_->sync(order.ledger, order.volume, order.traded, order.traded_by_trades, is_final(order.status));
  }
}

bool OrderManager::step(Order& order, fsm::Event event) noexcept {
  // A refusal after lots traded ends the order Cancelled: "rejected" means nothing traded.
  if (event == fsm::Event::Rejected && order.traded > 0) event = fsm::Event::Cancelled;
  const bool was_final = is_final(order.status);
  const fsm::Outcome outcome = fsm::step(order.status, order.cancel_pending, event);
  if (outcome == fsm::Outcome::Ignore) ++stats_.ignored_events;
  if (outcome == fsm::Outcome::Illegal) ++stats_.illegal_events;
  const bool changed = outcome != fsm::Outcome::Ignore && outcome != fsm::Outcome::Illegal;
  if (changed && !was_final && is_final(order.status) && ledgers_ != nullptr) {
    ledgers_->count_final(order.agent, order.status);
  }
  return changed;
}

bool OrderManager::cancel_requested(Order& order, std::int64_t now_ns) noexcept {
  if (!step(order, fsm::Event::CancelRequested)) return false;
  order.cancel_sent_ns = now_ns;
  ++order.cancel_attempts;
  if (ledgers_ != nullptr) ledgers_->count_cancel(order.agent);
  return true;
}

bool OrderManager::bind_ref(const Order& order) noexcept {
  const OrderLink link{order.id, order.agent};
  const auto a = by_ref_.insert(OrderRefKey{order.front_id, order.session_id, order.order_ref}, link);
  const auto b = by_ref_only_.insert(order.order_ref, link);
  if (a == decltype(by_ref_)::InsertResult::Full || b == decltype(by_ref_only_)::InsertResult::Full) {
    ++stats_.map_full;
    return false;
  }
  return true;
}

Order* OrderManager::find_by_ref(std::int32_t front_id, std::int32_t session_id, std::int64_t order_ref) noexcept {
  const OrderLink* link = by_ref_.find(OrderRefKey{front_id, session_id, order_ref});
  return link != nullptr ? get(link->id) : nullptr;
}

Order* OrderManager::find_live_by_ref_only(std::int64_t order_ref) noexcept {
  const OrderLink* link = by_ref_only_.find(order_ref);
  return link != nullptr ? get(link->id) : nullptr;
}

bool OrderManager::seed_link(AgentId agent, std::int32_t front_id, std::int32_t session_id, std::int64_t order_ref,
                             const ExchangeId& exchange, const OrderSysId& sys_id, std::int32_t booked) noexcept {
  const OrderLink link{kNoOrder, agent, booked};
  if (by_ref_.insert(OrderRefKey{front_id, session_id, order_ref}, link) == decltype(by_ref_)::InsertResult::Full) {
    ++stats_.map_full;
    return false;
  }
  if (!sys_id.empty() &&
      by_sys_id_.insert(SysIdKey{exchange, sys_id}, link) == decltype(by_sys_id_)::InsertResult::Full) {
    ++stats_.map_full;
    return false;
  }
  return true;
}

bool OrderManager::seed_trade(const ExchangeId& exchange, const TradeId& trade_id, Direction direction) noexcept {
  const auto r = seen_trades_.insert(TradeKey{exchange, trade_id, direction}, true);
  if (r == decltype(seen_trades_)::InsertResult::Full) {
    ++stats_.map_full;
    return false;
  }
  return true;
}

bool OrderManager::adoptable(const OrderData& report, bool adopt_unknown) const noexcept {
  if (is_final(report.status) || report.exchange_rejected) return false;
  const OrderLink* link = by_ref_.find(OrderRefKey{report.front_id, report.session_id, report.order_ref});
  if (link == nullptr) return adopt_unknown;
  return link->id == kNoOrder;  // a seeded link (ours before the restart), not an order of this process
}

Order* OrderManager::adopt(const OrderData& report, InstrumentIndex instrument, std::int64_t now_ns,
                           std::uint32_t reconcile_epoch) noexcept {
  const OrderRefKey key{report.front_id, report.session_id, report.order_ref};
  OrderLink* stored = nullptr;
  const auto inserted = by_ref_.insert(key, OrderLink{}, &stored);
  if (inserted == decltype(by_ref_)::InsertResult::Full) {
    ++stats_.map_full;
    return nullptr;
  }
  const AgentId agent = stored->agent;  // kNoAgent for an order nobody here placed
  Order* order = create(agent, instrument, now_ns);
  if (order == nullptr) return nullptr;
  order->symbol = report.symbol;
  order->exchange = report.exchange;
  order->direction = report.direction;
  order->offset = report.offset;
  order->kind = OrderKind::Limit;  // only resting (GFD limit) orders are still working after a restart
  order->status = report.status;
  order->price = report.limit_price;
  order->volume = report.volume_total_original;
  order->traded = report.volume_traded;
  order->traded_by_trades = std::min(stored->booked, report.volume_traded);
  order->front_id = report.front_id;
  order->session_id = report.session_id;
  order->order_ref = report.order_ref;
  order->order_sys_id = report.order_sys_id;
  order->ack_ns = now_ns;
  order->seen_epoch = reconcile_epoch;
  // The lots the journal booked are gone from the agent's holdings already: freeze only what is left.
  if (ledgers_ != nullptr && instrument != kNoInstrument &&
      ledgers_->freeze_new(order->ledger, agent, instrument, order->direction, order->offset, order->price,
                           order->volume - order->traded_by_trades)) {
    resync(*order);
  }
  const OrderLink link{order->id, agent, stored->booked};
  *stored = link;
  OrderLink* by_ref_only = nullptr;
  if (by_ref_only_.insert(order->order_ref, link, &by_ref_only) == decltype(by_ref_only_)::InsertResult::Full) {
    ++stats_.map_full;
  } else if (by_ref_only->id == kNoOrder || get(by_ref_only->id) == nullptr) {
    *by_ref_only = link;  // never shadow a live order of this process that reuses the ref
  }
  if (!order->order_sys_id.empty()) {
    OrderLink* by_sys = nullptr;
    if (by_sys_id_.insert(SysIdKey{order->exchange, order->order_sys_id}, link, &by_sys) ==
        decltype(by_sys_id_)::InsertResult::Full) {
      ++stats_.map_full;
    } else {
      *by_sys = link;
    }
  }
  return order;
}

void OrderManager::link_sys_id(Order& order) noexcept {
  if (order.order_sys_id.empty()) return;
  const auto r = by_sys_id_.insert(SysIdKey{order.exchange, order.order_sys_id}, OrderLink{order.id, order.agent});
  if (r == decltype(by_sys_id_)::InsertResult::Full) ++stats_.map_full;
}

bool OrderManager::apply_report(const OrderData& report, std::int64_t recv_ns, std::int64_t now_ns,
                                std::uint32_t reconcile_epoch, OrderUpdate& out) noexcept {
  const OrderRefKey key{report.front_id, report.session_id, report.order_ref};
  const OrderLink* link = by_ref_.find(key);
  if (link == nullptr || link->id == kNoOrder) {
    // Not ours: another session of this account, or a previous process. Reported (agent = kNoAgent, or the
    // agent a seeded link names) once per status so a desk sees it, never twice.
    if (link == nullptr) {
      ++stats_.unknown_reports;
    } else if (!report.order_sys_id.empty()) {
      const auto r = by_sys_id_.insert(SysIdKey{report.exchange, report.order_sys_id}, *link);
      if (r == decltype(by_sys_id_)::InsertResult::Full) ++stats_.map_full;
    }
    const AgentId agent = link != nullptr ? link->agent : kNoAgent;
    OrderStatus* last = nullptr;
    const auto r = foreign_status_.insert(key, report.status, &last);
    if (r == decltype(foreign_status_)::InsertResult::Exists) {
      if (*last == report.status) return false;
      *last = report.status;
    }
    out = OrderUpdate{};
    out.id = kNoOrder;
    out.agent = agent;
    out.instrument = kNoInstrument;
    out.symbol = report.symbol;
    out.direction = report.direction;
    out.offset = report.offset;
    out.kind = report.kind;
    out.status = report.status;
    out.price = report.limit_price;
    out.volume = report.volume_total_original;
    out.traded = report.volume_traded;
    out.order_ref = report.order_ref;
    out.reject_code = report.exchange_rejected ? RejectCode::ExchangeRejected : RejectCode::None;
    if (report.exchange_rejected && ledgers_ != nullptr) ledgers_->count_refusal(agent, RejectCode::ExchangeRejected);
    out.reason = report.status_msg;
    out.recv_ns = recv_ns;
    out.update_ns = now_ns;
    return true;
  }
  Order* order = get(link->id);
  if (order == nullptr) {
    ++stats_.stale_reports;  // retired: a replay or a late re-push of a finished order
    return false;
  }
  order->seen_epoch = reconcile_epoch;
  if (order->exchange.empty() && !report.exchange.empty()) order->exchange = report.exchange;
  if (order->order_sys_id.empty() && !report.order_sys_id.empty()) {
    order->order_sys_id = report.order_sys_id;
    link_sys_id(*order);
  }
  if (order->ack_ns == 0) order->ack_ns = now_ns;
  bool changed = false;
  if (report.volume_traded > order->traded) {
    order->traded = report.volume_traded;
    changed = true;
  }
  if (report.exchange_rejected) {
    if (step(*order, fsm::Event::Rejected)) {
      order->reject_code = RejectCode::ExchangeRejected;
      if (ledgers_ != nullptr) ledgers_->count_refusal(order->agent, RejectCode::ExchangeRejected);
      order->reason = report.status_msg;
      changed = true;
    }
  } else if (step(*order, fsm::event_of(report.status))) {
    if (order->status == OrderStatus::Cancelled) order->reason = report.status_msg;
    changed = true;
  }
  if (changed) resync(*order);
  if (changed) describe(*order, recv_ns, now_ns, out);
  return changed;
}

bool OrderManager::apply_trade(const TradeData& trade, std::int64_t recv_ns, bool from_reconcile,
                               InstrumentIndex instrument, TradeUpdate& out, bool* status_changed) noexcept {
  if (status_changed != nullptr) *status_changed = false;
  const auto seen = seen_trades_.insert(TradeKey{trade.exchange, trade.trade_id, trade.direction}, true);
  if (seen == decltype(seen_trades_)::InsertResult::Exists) {
    ++stats_.duplicate_trades;
    return false;
  }
  if (seen == decltype(seen_trades_)::InsertResult::Full) ++stats_.map_full;  // applied, but cannot dedupe later

  const OrderLink* link = by_sys_id_.find(SysIdKey{trade.exchange, trade.order_sys_id});
  out = TradeUpdate{};
  out.order = link != nullptr ? link->id : kNoOrder;
  out.agent = link != nullptr ? link->agent : kNoAgent;
  out.instrument = instrument;
  out.symbol = trade.symbol;
  out.exchange = trade.exchange;
  out.trade_id = trade.trade_id;
  out.direction = trade.direction;
  out.offset = trade.offset;
  out.price = trade.price;
  out.volume = trade.volume;
  out.trade_ms = trade.trade_ms;
  out.from_reconcile = from_reconcile;
  out.recv_ns = recv_ns;
  if (link == nullptr) {
    ++stats_.unattributed_trades;
    if (ledgers_ != nullptr) {
      ledgers_->book_trade(nullptr, kNoAgent, instrument, trade.direction, trade.offset, trade.price, trade.volume);
    }
    return true;
  }
  Order* order = get(link->id);
  if (order == nullptr) {  // retired order (its trades were all matched): book to its agent all the same
    if (ledgers_ != nullptr) {
      ledgers_->book_trade(nullptr, link->agent, instrument, trade.direction, trade.offset, trade.price, trade.volume);
    }
    return true;
  }
  order->traded_by_trades += trade.volume;
  if (order->traded_by_trades > order->traded) order->traded = order->traded_by_trades;
  if (ledgers_ != nullptr) {
    ledgers_->book_trade(&order->ledger, order->agent, instrument, trade.direction, trade.offset, trade.price,
                         trade.volume);
  }
  // A trade ahead of the report that announces it moves the status itself (the late report is then a no-op).
  const bool moved =
      step(*order, order->traded_by_trades >= order->volume ? fsm::Event::Filled : fsm::Event::PartFilled);
  if (status_changed != nullptr) *status_changed = moved;
  resync(*order);
  return true;
}

void OrderManager::reject(Order& order, RejectCode code, std::int32_t ctp_error_id, std::string_view reason) noexcept {
  if (is_final(order.status)) return;
  if (!step(order, fsm::Event::Rejected)) return;
  order.reject_code = code;
  if (ledgers_ != nullptr) ledgers_->count_refusal(order.agent, code);
  order.ctp_error_id = ctp_error_id;
  order.reason.assign(reason);
  resync(order);
}

void OrderManager::cancel_refused(Order& order, std::int32_t ctp_error_id, std::string_view reason) noexcept {
  if (!step(order, fsm::Event::CancelRefused)) return;
  if (ledgers_ != nullptr) ledgers_->count_refusal(order.agent, RejectCode::CancelRejected);
  order.cancel_sent_ns = 0;
  order.ctp_error_id = ctp_error_id;
  order.reason.assign(reason);
}

void OrderManager::describe(const Order& order, std::int64_t recv_ns, std::int64_t now_ns,
                            OrderUpdate& out) const noexcept {
  out.id = order.id;
  out.agent = order.agent;
  out.instrument = order.instrument;
  out.symbol = order.symbol;
  out.direction = order.direction;
  out.offset = order.offset;
  out.kind = order.kind;
  out.status = order.status;
  out.price = order.price;
  out.volume = order.volume;
  out.traded = order.traded;
  out.order_ref = order.order_ref;
  out.reject_code = order.reject_code;
  out.ctp_error_id = order.ctp_error_id;
  out.reason = order.reason;
  out.recv_ns = recv_ns;
  out.update_ns = now_ns;
}

void OrderManager::release_if_done(Order& order) noexcept {
  if (!is_final(order.status) || order.traded_by_trades < order.traded) return;
  resync(order);  // frozen lots / margin are zero by now: final and every reported lot booked
  const std::uint32_t slot = order.live_slot;
  const OrderId moved = live_[live_count_ - 1];
  live_[slot] = moved;
  if (Order* other = get(moved)) other->live_slot = slot;
  --live_count_;
  (void)pool_.release(to_handle(order.id));  // cannot be stale: `order` is live
}

}  // namespace shandian::core
