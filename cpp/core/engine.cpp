#include "core/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/clock.hpp"

namespace shandian::core {
namespace {

template <class Result>
Result refuse(RejectCode code, const char* format, auto... args) noexcept {
  Result r;
  r.code = code;
  std::snprintf(r.reason.data, sizeof r.reason.data, format, args...);
  return r;
}

// The bar clock is estimated from the latest tick of any instrument (exchanges' clocks and feeds differ by a
// few hundred ms): a tick that far behind it still lands in its own minute.
constexpr std::int32_t kBarClockToleranceMs = 500;

RejectCode code_for_request_failure(int rc) noexcept {
  switch (rc) {
    case -2: return RejectCode::RequestQueueFull;
    case -3: return RejectCode::RequestRateLimited;
    default: return RejectCode::RequestNetworkError;
  }
}

}  // namespace

void Engine::Buffers::reserve(std::size_t events, std::size_t extra_orders) {
  sequence.reserve(events * 2 + extra_orders);
  ticks.reserve(events);
  orders.reserve(events + extra_orders);
  trades.reserve(events);
  notices.reserve(64);
  timers.reserve(256);
  bars.reserve(events);
}

void Engine::Buffers::clear() noexcept {
  sequence.clear();
  ticks.clear();
  orders.clear();
  trades.clear();
  notices.clear();
  timers.clear();
  bars.clear();
}

Engine::Engine(EngineConfig config, Gateway& gateway, RiskHook* risk)
    : config_(config),
      gateway_(gateway),
      risk_(risk != nullptr ? risk : &permissive_),
      waiter_(config.wait),
      registry_(config.max_instruments),
      ledgers_(registry_, Ledgers::Capacity{config.max_agents, config.max_instruments, config.max_positions}),
      orders_(config.orders, &ledgers_),
      bars_(config.bar_history, bars::BuilderOptions{.clock_tolerance_ms = kBarClockToleranceMs}),
      cond_pool_(config.max_conditionals),
      cond_live_(std::make_unique<ConditionalId[]>(config.max_conditionals)) {
  if (config_.max_agents == 0 || config_.max_agents > 64) throw std::invalid_argument("max_agents must be 1..64");
  agent_names_.reserve(config_.max_agents);
  timers_.reserve(config_.max_timers);
  pending_subscriptions_.reserve(config_.max_pending_subscriptions);
  bar_entry_of_.assign(config_.max_instruments, kNoBarEntry);
  product_status_.reserve(config_.max_products);
  // Orders created by agents inside one batch callback land in the other buffer: leave room for a burst
  // as large as the pool (cancel_all over every live order) without growing.
  pending_.reserve(config_.max_events_per_batch, config_.orders.live_orders);
  dispatching_.reserve(config_.max_events_per_batch, config_.orders.live_orders);
  gateway_.attach(*this, waiter_);
}

Engine::~Engine() { shutdown(); }

AgentId Engine::add_agent(std::string_view name) {
  if (agent_names_.size() >= config_.max_agents) throw std::length_error("too many agents (max_agents)");
  agent_names_.emplace_back(name);
  return static_cast<AgentId>(agent_names_.size() - 1);
}

std::string_view Engine::agent_name(AgentId agent) const noexcept {
  return agent < agent_names_.size() ? std::string_view(agent_names_[agent]) : std::string_view();
}

// ---- subscriptions ---------------------------------------------------------------------------------

void Engine::grant_subscription(AgentId agent, InstrumentIndex instrument) noexcept {
  InstrumentState& state = registry_.at(instrument);
  const bool first = state.subscribers == 0;
  state.subscribers |= (1ULL << agent);
  if (first) gateway_.want_market_data(instrument);
}

RejectCode Engine::subscribe(AgentId agent, std::string_view symbol) noexcept {
  if (agent >= agent_names_.size()) return RejectCode::InvalidAgent;
  if (symbol.empty() || symbol.size() > InstrumentId::capacity()) return RejectCode::UnknownInstrument;
  const InstrumentIndex index = registry_.find(symbol);
  if (index != kNoInstrument) {
    grant_subscription(agent, index);
    return RejectCode::None;
  }
  if (instruments_loaded_) return RejectCode::UnknownInstrument;
  if (pending_subscriptions_.size() >= config_.max_pending_subscriptions) return RejectCode::UnknownInstrument;
  pending_subscriptions_.push_back(PendingSubscription{agent, make_fixed<32>(symbol)});
  return RejectCode::None;
}

// ---- bars ------------------------------------------------------------------------------------------------

RejectCode Engine::subscribe_bars(AgentId agent, std::string_view symbol, bars::BarInterval interval) {
  if (agent >= agent_names_.size()) return RejectCode::InvalidAgent;
  if (symbol.empty() || symbol.size() > InstrumentId::capacity()) return RejectCode::UnknownInstrument;
  if (instruments_loaded_ && registry_.find(symbol) == kNoInstrument) return RejectCode::UnknownInstrument;
  if (bars_.find(symbol) == bars_.entries().size() && bars_.entries().size() >= kNoBarEntry) {
    return RejectCode::UnknownInstrument;
  }
  const bars::BarHub::Subscribed sub = bars_.subscribe(agent, symbol, interval);
  if (sub.created) {
    // Before the first tick the clock is the host's China Standard Time, but only when the host's trading
    // day is the session's (live): a simulated or replayed session of another day keeps no start-up clock.
    const std::int64_t host_cst_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count() +
        8 * bars::kMsPerHour;
    const std::int64_t natural = host_cst_ms / bars::kMsPerDay;
    const auto ms_of_day = static_cast<std::int32_t>(host_cst_ms - natural * bars::kMsPerDay);
    const std::int32_t host_day = bars::trading_day_of(static_cast<std::int32_t>(natural), ms_of_day);
    if (login_trading_day_ != 0 && bars::yyyymmdd_of_day_number(host_day) == login_trading_day_) {
      bars_.entries()[sub.entry].builder->on_clock(host_cst_ms, [](const bars::Bar&) {});
    }
    resolve_bar_instrument(sub.entry);
  }
  return RejectCode::None;
}

void Engine::resolve_bar_instrument(std::size_t entry) noexcept {
  bars::BarHub::Entry& e = bars_.entries()[entry];
  if (e.instrument != kNoInstrument) return;
  const InstrumentIndex index = registry_.find(e.symbol.view());
  if (index == kNoInstrument || index >= bar_entry_of_.size()) return;
  e.instrument = index;
  bar_entry_of_[index] = static_cast<std::uint16_t>(entry);
  gateway_.want_market_data(index);
}

void Engine::publish_bar(const bars::Bar& bar, std::uint64_t subscribers) noexcept {
  append(pending_.bars, BarUpdate{bar, subscribers}, BatchItemKind::Bar);
}

bool Engine::inject_bar(const bars::Bar& bar) noexcept {
  const InstrumentIndex index = registry_.find(bar.symbol.view());
  if (index != kNoInstrument) {
    InstrumentState& state = registry_.at(index);
    state.last_tick.last_price = bar.close;
    state.last_tick.instrument = index;
    state.last_tick.recv_ns = clock_ns();  // the stale-data guard's age: the bar is the newest price
    state.has_tick = true;
    ledgers_.on_tick(index, ledgers_.pre_settlement(index));  // bars carry no settlement: keep the known one
  }
  return bars_.push_built(bar.symbol.view(), bar,
                          [this](const bars::Bar& b, std::uint64_t subscribers) { publish_bar(b, subscribers); });
}

void Engine::advance_bar_clock(std::int64_t now_ns) noexcept {
  if (bars_.empty() || now_ns < next_bar_clock_ns_) return;
  next_bar_clock_ns_ = now_ns + config_.bar_clock_ns;
  bars_.on_clock(bars_.estimated_exchange_ms(now_ns),
                 [this](const bars::Bar& bar, std::uint64_t subscribers) { publish_bar(bar, subscribers); });
}

namespace {
// The product of a China futures symbol: its leading letters ("rb2505" -> "rb", "SR505" -> "SR").
[[nodiscard]] std::string_view product_of(std::string_view symbol) noexcept {
  std::size_t n = 0;
  while (n < symbol.size() && ((symbol[n] >= 'a' && symbol[n] <= 'z') || (symbol[n] >= 'A' && symbol[n] <= 'Z'))) ++n;
  return symbol.substr(0, n);
}

[[nodiscard]] bool status_names(std::string_view id, const ExchangeId& exchange, const InstrumentSpec& spec) noexcept {
  if (!exchange.view().empty() && !spec.exchange.view().empty() && exchange.view() != spec.exchange.view())
    return false;
  return spec.symbol.view() == id || product_of(spec.symbol.view()) == id;
}
}  // namespace

void Engine::on_instrument_status(const StatusData& status) noexcept {
  const std::string_view id = status.instrument_or_product.view();
  if (id.empty()) return;
  bool remembered = false;
  for (ProductStatus& p : product_status_) {
    if (p.product == status.instrument_or_product && p.exchange == status.exchange) {
      p.status = status.status;
      remembered = true;
      break;
    }
  }
  if (!remembered) {
    if (product_status_.size() < product_status_.capacity()) {
      product_status_.push_back(ProductStatus{status.instrument_or_product, status.exchange, status.status});
    } else {
      publish_notice(SessionNoticeKind::Warning, 0, "instrument status table full (raise EngineConfig::max_products)");
    }
  }
  for (std::size_t i = 0; i < registry_.size(); ++i) {
    InstrumentState& st = registry_.at(static_cast<InstrumentIndex>(i));
    if (status_names(id, status.exchange, st.spec)) st.trading_status = status.status;
  }
}

void Engine::apply_known_status(InstrumentIndex instrument) noexcept {
  if (!registry_.contains(instrument)) return;
  InstrumentState& st = registry_.at(instrument);
  // A per-instrument status wins over its product's.
  for (const ProductStatus& p : product_status_) {
    if (status_names(p.product.view(), p.exchange, st.spec) && product_of(st.spec.symbol.view()) == p.product.view()) {
      st.trading_status = p.status;
    }
  }
  for (const ProductStatus& p : product_status_) {
    if (p.product.view() == st.spec.symbol.view() && status_names(p.product.view(), p.exchange, st.spec))
      st.trading_status = p.status;
  }
}

void Engine::instruments_loaded() noexcept {
  instruments_loaded_ = true;
  for (std::size_t i = 0; i < registry_.size(); ++i) apply_known_status(static_cast<InstrumentIndex>(i));
  for (const PendingSubscription& p : pending_subscriptions_) {
    const InstrumentIndex index = registry_.find(p.symbol);
    if (index != kNoInstrument) {
      grant_subscription(p.agent, index);
    } else {
      char text[96];
      std::snprintf(text, sizeof text, "subscription of agent %u to %s: no such instrument", p.agent, p.symbol.c_str());
      publish_notice(SessionNoticeKind::Warning, 16, text);
    }
  }
  pending_subscriptions_.clear();
  for (std::size_t e = 0; e < bars_.entries().size(); ++e) resolve_bar_instrument(e);
  for (const SeededCarry& c : seeded_carries_) {
    const InstrumentIndex index = registry_.find(c.symbol);
    if (index != kNoInstrument) {
      ledgers_.seed_yesterday(c.agent, index, c.is_long, c.lots, c.price);
    } else {
      char text[96];
      std::snprintf(text, sizeof text, "carried-in lots of %s: no such instrument, not booked", c.symbol.c_str());
      publish_notice(SessionNoticeKind::Warning, 16, text);
    }
  }
  seeded_carries_.clear();
  for (const SeededTrade& t : seeded_trades_) {
    const InstrumentIndex index = registry_.find(t.symbol);
    if (index != kNoInstrument) {
      ledgers_.book_recovered_trade(t.agent, index, t.direction, t.offset, t.price, t.volume);
    } else {
      char text[96];
      std::snprintf(text, sizeof text, "recovered trade of %s: no such instrument, not booked", t.symbol.c_str());
      publish_notice(SessionNoticeKind::Warning, 16, text);
    }
  }
  seeded_trades_.clear();
}

void Engine::seed_ledger_trade(AgentId agent, std::string_view symbol, Direction direction, Offset offset, double price,
                               std::int32_t volume) {
  seeded_trades_.push_back(SeededTrade{agent, make_fixed<32>(symbol), direction, offset, price, volume});
}

void Engine::seed_ledger_carry(AgentId agent, std::string_view symbol, bool is_long, std::int32_t lots, double price) {
  seeded_carries_.push_back(SeededCarry{agent, make_fixed<32>(symbol), is_long, lots, price});
}

// ---- order path --------------------------------------------------------------------------------------

void Engine::count_refusal(AgentId agent, RejectCode code, OrderId created, bool is_cancel) noexcept {
  if (code == RejectCode::None || created != kNoOrder) return;
  if (is_cancel &&
      (code == RejectCode::UnknownOrder || code == RejectCode::AlreadyFinal || code == RejectCode::CancelPending)) {
    return;
  }
  ledgers_.count_refusal(agent, code);
}

InsertResult Engine::insert_order(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                                  double price, std::int32_t volume, OrderKind kind) noexcept {
  InsertResult r = submit(agent, instrument, direction, offset, price, volume, kind);
  if (!r.ok()) count_refusal(agent, r.code, r.order, false);
  return r;
}

PlaceResult Engine::place(AgentId agent, InstrumentIndex instrument, Direction direction, double price,
                          std::int32_t volume, OrderKind kind, OffsetMode mode) noexcept {
  PlaceResult r = place_orders(agent, instrument, direction, price, volume, kind, mode);
  if (!r.ok()) count_refusal(agent, r.code, r.refused_order, false);
  return r;
}

CancelResult Engine::cancel(AgentId agent, OrderId id) noexcept {
  CancelResult r = request_cancel(agent, id);
  if (!r.ok()) count_refusal(agent, r.code, kNoOrder, true);
  return r;
}

InsertResult Engine::submit(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset, double price,
                            std::int32_t volume, OrderKind kind) noexcept {
  const std::int64_t now = clock_ns();
  if (agent >= agent_names_.size())
    return refuse<InsertResult>(RejectCode::InvalidAgent, "agent %u is not registered", agent);
  if (!registry_.contains(instrument)) {
    return refuse<InsertResult>(RejectCode::UnknownInstrument, "instrument index %u is not registered", instrument);
  }
  const InstrumentState& state = registry_.at(instrument);
  const InstrumentSpec& spec = state.spec;
  if (volume <= 0)
    return refuse<InsertResult>(RejectCode::InvalidVolume, "%s: volume %d must be positive", spec.symbol.c_str(),
                                volume);
  if (spec.max_limit_order_volume > 0 && volume > spec.max_limit_order_volume) {
    return refuse<InsertResult>(RejectCode::InvalidVolume, "%s: volume %d exceeds the exchange maximum %d",
                                spec.symbol.c_str(), volume, spec.max_limit_order_volume);
  }
  std::int64_t ticks = 0;
  if (kind != OrderKind::Market) {
    if (!std::isfinite(price) || price <= 0.0) {
      return refuse<InsertResult>(RejectCode::InvalidPrice, "%s: price %g is not a positive number",
                                  spec.symbol.c_str(), price);
    }
    const auto on_grid = price_to_ticks(price, spec.price_tick);
    if (!on_grid) {
      return refuse<InsertResult>(RejectCode::PriceNotOnTick, "%s: price %g is not a multiple of the tick %g",
                                  spec.symbol.c_str(), price, spec.price_tick);
    }
    ticks = *on_grid;
    price = ticks_to_price(ticks, spec.price_tick);  // sent exactly on the grid, never the caller's residue
    if (state.has_tick && state.last_tick.upper_limit_price > 0.0 && state.last_tick.lower_limit_price > 0.0) {
      const auto upper = price_to_ticks(state.last_tick.upper_limit_price, spec.price_tick);
      const auto lower = price_to_ticks(state.last_tick.lower_limit_price, spec.price_tick);
      if (upper && lower && (ticks > *upper || ticks < *lower)) {
        return refuse<InsertResult>(RejectCode::PriceOutsideLimits, "%s: price %g is outside the limits [%g, %g]",
                                    spec.symbol.c_str(), price, state.last_tick.lower_limit_price,
                                    state.last_tick.upper_limit_price);
      }
    }
  } else {
    price = 0.0;
  }
  if (!gateway_.trading_ready()) {
    return refuse<InsertResult>(RejectCode::SessionNotReady, "%s: trading session is not ready", spec.symbol.c_str());
  }
  const AgentId owner = ledgers_.owner(instrument);
  if (owner != kNoAgent && owner != agent) {
    const std::string_view name = agent_name(owner);
    return refuse<InsertResult>(RejectCode::InstrumentOwned, "%s is owned exclusively by agent %.*s",
                                spec.symbol.c_str(), static_cast<int>(name.size()), name.data());
  }
  if (offset != Offset::Open) {
    // Every close, explicit offsets included, draws on the agent's own free lots only: the counter would
    // take any lots of the account, i.e. another agent's.
    const bool split = splits_today(spec.exchange.view());
    if (!split) offset = Offset::Close;  // CTP turns CloseToday / CloseYesterday into Close outside SHFE/INE
    const ClosableLots free = closable_lots(agent, instrument, direction);
    // SHFE/INE: CloseToday takes today's lots, Close and CloseYesterday yesterday's; elsewhere any lots.
    const std::int32_t usable = !split ? free.today + free.yd : offset == Offset::CloseToday ? free.today : free.yd;
    if (volume > usable) {
      const std::string_view name = agent_name(agent);
      return refuse<InsertResult>(RejectCode::InsufficientPosition,
                                  "%s: %s %d %s > %d free lots of agent %.*s (td %d yd %d)", spec.symbol.c_str(),
                                  to_string(offset).data(), volume, direction == Direction::Sell ? "long" : "short",
                                  usable, static_cast<int>(name.size()), name.data(), free.today, free.yd);
    }
  }
  // The journal's backlog gate comes before the risk hook, so a refused order never enters risk windows.
  if (observer_ != nullptr) {
    if (const RejectCode gate = observer_->admit_order(); gate != RejectCode::None) {
      InsertResult r =
          refuse<InsertResult>(gate, "%s: %s, new orders refused", spec.symbol.c_str(), to_string(gate).data());
      notify_risk_decision(agent, kNoOrder, spec.symbol, false, r.code, r.reason);
      return r;
    }
  }
  const OrderIntent intent{agent, instrument, direction, offset, kind, price, ticks, volume, now};
  const RiskVerdict verdict = risk_->check_order(intent, RiskContext{registry_, &ledgers_});
  if (!verdict.accepted()) {
    InsertResult r;
    r.code = verdict.code;
    r.reason = verdict.reason;
    notify_risk_decision(agent, kNoOrder, spec.symbol, false, r.code, r.reason);
    return r;
  }
  Order* order = orders_.create(agent, instrument, now);
  if (order == nullptr) {
    return refuse<InsertResult>(RejectCode::OrderPoolExhausted, "%s: %zu orders alive, pool exhausted",
                                spec.symbol.c_str(), orders_.capacity());
  }
  order->symbol = spec.symbol;
  order->exchange = spec.exchange;
  order->direction = direction;
  order->offset = offset;
  order->kind = kind;
  order->price = price;
  order->price_ticks = ticks;
  order->volume = volume;
  if (!orders_.commit_new(*order)) {
    orders_.reject(*order, RejectCode::PositionTableFull, 0, "ledger position table full (max_positions)");
    InsertResult r;
    r.order = order->id;
    r.code = order->reject_code;
    r.reason = order->reason;
    orders_.release_if_done(*order);  // never published: nothing was sent and no identity was bound
    return r;
  }
  gateway_.prepare_insert(*order);
  InsertResult result;
  result.order = order->id;
  if (!orders_.bind_ref(*order)) {
    orders_.reject(*order, RejectCode::OrderPoolExhausted, 0, "order identity map full (orders_per_day)");
  } else {
    // SUBMITTING is published before the request is written: no reply can overtake it (vnpy_ctp#104).
    if (observer_ != nullptr) {
      observer_->on_order_request(OrderRequest{order->id, agent, order->symbol, order->exchange, direction, offset,
                                               kind, price, volume, order->front_id, order->session_id,
                                               order->order_ref, now});
    }
    publish_order(*order, 0, now);
    const int rc = gateway_.write_insert(*order);
    if (rc == 0) {
      ++stats_.orders_sent;
      return result;
    }
    char text[64];
    std::snprintf(text, sizeof text, "ReqOrderInsert returned %d", rc);
    orders_.reject(*order, code_for_request_failure(rc), rc, text);
  }
  result.code = order->reject_code;
  result.reason = order->reason;
  publish_order(*order, 0, clock_ns());
  orders_.release_if_done(*order);
  return result;
}

CancelResult Engine::request_cancel(AgentId agent, OrderId id) noexcept {
  Order* order = orders_.get(id);
  if (order == nullptr)
    return refuse<CancelResult>(RejectCode::UnknownOrder, "order %llu is not live",
                                static_cast<unsigned long long>(id));
  CancelResult result;
  result.order = id;
  if (order->agent != agent)
    return refuse<CancelResult>(RejectCode::NotOwner, "order %llu belongs to agent %u",
                                static_cast<unsigned long long>(id), order->agent);
  if (is_final(order->status))
    return refuse<CancelResult>(RejectCode::AlreadyFinal, "order %llu is already %s",
                                static_cast<unsigned long long>(id), to_string(order->status).data());
  if (order->cancel_pending)
    return refuse<CancelResult>(RejectCode::CancelPending, "order %llu: a cancel is already in flight",
                                static_cast<unsigned long long>(id));
  if (!gateway_.trading_ready())
    return refuse<CancelResult>(RejectCode::SessionNotReady, "order %llu: trading session is not ready",
                                static_cast<unsigned long long>(id));
  const std::int64_t now = clock_ns();
  const RiskVerdict verdict =
      risk_->check_cancel(CancelIntent{agent, id, order->instrument, now}, RiskContext{registry_, &ledgers_});
  if (!verdict.accepted()) {
    result.code = verdict.code;
    result.reason = verdict.reason;
    notify_risk_decision(agent, id, order->symbol, true, result.code, result.reason);
    return result;
  }
  if (observer_ != nullptr) {
    observer_->on_cancel_request(CancelRequest{id, agent, order->symbol, order->exchange, order->order_sys_id,
                                               order->front_id, order->session_id, order->order_ref, clock_ns()});
  }
  const int rc = gateway_.write_cancel(*order);
  if (rc != 0) return refuse<CancelResult>(code_for_request_failure(rc), "ReqOrderAction returned %d", rc);
  (void)orders_.cancel_requested(*order, now);
  ++stats_.cancels_sent;
  return result;
}

Engine::ClosableLots Engine::closable_lots(AgentId agent, InstrumentIndex instrument,
                                           Direction direction) const noexcept {
  ClosableLots free;
  if (const PositionLedger* p = ledgers_.position(agent, instrument)) {
    const SideLedger& side = p->of(direction == Direction::Sell);  // a sell closes long lots, a buy short
    free.today = std::max(0, side.today - side.frozen_today);
    free.yd = std::max(0, side.yd - side.frozen_yd);
  }
  return free;
}

PlaceResult Engine::place_orders(AgentId agent, InstrumentIndex instrument, Direction direction, double price,
                                 std::int32_t volume, OrderKind kind, OffsetMode mode) noexcept {
  PlaceResult result;
  auto fail = [&result](RejectCode code, const char* format, auto... args) {
    result.code = code;
    std::snprintf(result.reason.data, sizeof result.reason.data, format, args...);
    return result;
  };
  if (agent >= agent_names_.size()) return fail(RejectCode::InvalidAgent, "agent %u is not registered", agent);
  if (!registry_.contains(instrument))
    return fail(RejectCode::UnknownInstrument, "instrument index %u is not registered", instrument);
  const InstrumentSpec& spec = registry_.at(instrument).spec;
  if (volume <= 0)
    return fail(RejectCode::InvalidVolume, "%s: volume %d must be positive", spec.symbol.c_str(), volume);
  const bool closes_long = direction == Direction::Sell;
  const ClosableLots free = closable_lots(agent, instrument, direction);
  const std::int32_t avail_today = free.today;
  const std::int32_t avail_yd = free.yd;
  const bool split = splits_today(spec.exchange.view());
  struct Part {
    Offset offset;
    std::int32_t lots;
  } parts[3]{};
  std::size_t nparts = 0;
  auto add = [&](Offset offset, std::int32_t lots) {
    if (lots > 0) parts[nparts++] = Part{offset, lots};
  };
  switch (mode) {
    case OffsetMode::OpenOnly: add(Offset::Open, volume); break;
    case OffsetMode::CloseTodayThenYd:
    case OffsetMode::CloseOnly: {
      if (volume > avail_today + avail_yd) {
        return fail(RejectCode::InsufficientPosition, "%s: close %d %s > %d held free (td %d yd %d)",
                    spec.symbol.c_str(), volume, closes_long ? "long" : "short", avail_today + avail_yd, avail_today,
                    avail_yd);
      }
      if (!split) {
        add(Offset::Close, volume);
      } else if (mode == OffsetMode::CloseTodayThenYd) {
        const std::int32_t today = std::min(volume, avail_today);
        add(Offset::CloseToday, today);
        add(Offset::CloseYesterday, volume - today);
      } else {
        const std::int32_t yd = std::min(volume, avail_yd);
        add(Offset::CloseYesterday, yd);
        add(Offset::CloseToday, volume - yd);
      }
      break;
    }
    case OffsetMode::CloseYdThenOpen: {
      const std::int32_t yd = std::min(volume, avail_yd);
      add(split ? Offset::CloseYesterday : Offset::Close, yd);
      add(Offset::Open, volume - yd);
      break;
    }
  }
  const std::int32_t max_leg = spec.max_limit_order_volume > 0 ? spec.max_limit_order_volume : volume;
  std::size_t legs = 0;
  for (std::size_t i = 0; i < nparts; ++i) legs += static_cast<std::size_t>((parts[i].lots + max_leg - 1) / max_leg);
  if (legs > PlaceResult::kMaxLegs) {
    return fail(RejectCode::InvalidVolume, "%s: volume %d needs %zu orders of at most %d (limit %zu)",
                spec.symbol.c_str(), volume, legs, max_leg, PlaceResult::kMaxLegs);
  }
  for (std::size_t i = 0; i < nparts; ++i) {
    for (std::int32_t left = parts[i].lots; left > 0;) {
      const std::int32_t lots = std::min(left, max_leg);
      const InsertResult r = submit(agent, instrument, direction, parts[i].offset, price, lots, kind);
      if (!r.ok()) {
        result.code = r.code;
        result.reason = r.reason;
        result.refused_order = r.order;
        return result;
      }
      result.orders[result.count++] = r.order;
      left -= lots;
    }
  }
  return result;
}

std::size_t Engine::cancel_all(AgentId agent, InstrumentIndex instrument) noexcept {
  std::size_t sent = 0;
  // The agent's conditional orders first (they would release new children otherwise).
  for (std::size_t i = 0; i < cond_live_count_; ++i) {
    const Conditional* c = conditional(cond_live_[i]);
    if (c == nullptr || c->agent != agent || is_final(c->status)) continue;
    if (instrument != kNoInstrument && c->instrument != instrument) continue;
    (void)drop_conditional(agent, c->id);
  }
  retire_conditionals();
  for (const OrderId id : orders_.live()) {  // cancel() never creates or releases: the span stays valid
    const Order* order = orders_.get(id);
    if (order == nullptr || order->agent != agent || is_final(order->status) || order->cancel_pending) continue;
    if (instrument != kNoInstrument && order->instrument != instrument) continue;
    if (request_cancel(agent, id).ok()) ++sent;
  }
  return sent;
}

// ---- timers --------------------------------------------------------------------------------------------

std::optional<std::uint32_t> Engine::add_timer(AgentId agent, std::int64_t interval_ns) noexcept {
  if (agent >= agent_names_.size() || interval_ns <= 0) return std::nullopt;
  Timer* slot = nullptr;
  for (Timer& t : timers_) {
    if (!t.active) {
      slot = &t;
      break;
    }
  }
  if (slot == nullptr) {
    if (timers_.size() >= config_.max_timers) return std::nullopt;
    timers_.emplace_back();
    slot = &timers_.back();
  }
  *slot = Timer{agent, next_timer_id_++, interval_ns, clock_ns() + interval_ns, true};
  if (slot->next_due_ns < next_timer_due_ns_) next_timer_due_ns_ = slot->next_due_ns;
  return slot->id;
}

bool Engine::cancel_timer(std::uint32_t timer_id) noexcept {
  for (Timer& t : timers_) {
    if (t.active && t.id == timer_id) {
      t.active = false;
      return true;
    }
  }
  return false;
}

void Engine::fire_timers(std::int64_t now_ns) noexcept {
  if (now_ns < next_timer_due_ns_) return;
  std::int64_t next = INT64_MAX;
  for (Timer& t : timers_) {
    if (!t.active) continue;
    if (t.next_due_ns <= now_ns) {
      append(pending_.timers, TimerFired{t.agent, t.id, now_ns}, BatchItemKind::Timer);
      t.next_due_ns += t.interval_ns;
      if (t.next_due_ns <= now_ns) t.next_due_ns = now_ns + t.interval_ns;  // fell behind: no burst
    }
    if (t.next_due_ns < next) next = t.next_due_ns;
  }
  next_timer_due_ns_ = next;
}

// ---- publication -------------------------------------------------------------------------------------------

void Engine::notify_risk_decision(AgentId agent, OrderId order, const InstrumentId& symbol, bool is_cancel,
                                  RejectCode code, const Message& reason) noexcept {
  if (observer_ != nullptr)
    observer_->on_risk_decision(RiskDecision{agent, order, symbol, is_cancel, code, reason, clock_ns()});
}

template <class T>
void Engine::append(std::vector<T>& records, const T& record, BatchItemKind kind) noexcept {
  if (records.size() == records.capacity() || pending_.sequence.size() == pending_.sequence.capacity()) {
    ++stats_.buffer_growths;  // counted: the steady state must never get here
  }
  records.push_back(record);
  pending_.sequence.push_back(BatchItem{kind, static_cast<std::uint32_t>(records.size() - 1)});
}

void Engine::publish_order(const Order& order, std::int64_t recv_ns, std::int64_t now_ns) noexcept {
  OrderUpdate update;
  orders_.describe(order, recv_ns, now_ns, update);
  publish_order_update(update);
}

void Engine::publish_order_update(const OrderUpdate& update) noexcept {
  if (observer_ != nullptr) observer_->on_order_update(update);
  risk_->on_order_update(update);
  append(pending_.orders, update, BatchItemKind::Order);
  // The agent's position as of this update travels with it (views never run ahead of callbacks).
  if (update.agent != kNoAgent && update.instrument != kNoInstrument) {
    ledgers_.fill_view(update.agent, update.instrument, pending_.orders.back().position);
  }
}

void Engine::publish_trade(const TradeUpdate& trade) noexcept {
  if (observer_ != nullptr) observer_->on_trade(trade);
  risk_->on_trade(trade);
  append(pending_.trades, trade, BatchItemKind::Trade);
  if (trade.agent != kNoAgent && trade.instrument != kNoInstrument) {
    ledgers_.fill_view(trade.agent, trade.instrument, pending_.trades.back().position);
  }
}

void Engine::publish_notice(SessionNoticeKind kind, std::int32_t code, std::string_view message) noexcept {
  SessionNotice notice;
  notice.kind = kind;
  notice.code = code;
  notice.message.assign(message);
  notice.ns = clock_ns();
  if (observer_ != nullptr) observer_->on_notice(notice);
  append(pending_.notices, notice, BatchItemKind::Notice);
}

// ---- event processing ---------------------------------------------------------------------------------------

void Engine::on_tick(const Event& event) noexcept {
  ++stats_.ticks;
  const InstrumentIndex index = registry_.find(event.payload.tick.symbol);
  if (index == kNoInstrument) {
    ++stats_.unknown_instrument_ticks;
    return;
  }
  InstrumentState& state = registry_.at(index);
  state.last_tick = event.payload.tick;
  state.last_tick.instrument = index;
  state.last_tick.subscribers = state.subscribers;
  state.last_tick.recv_ns = event.recv_ns;
  state.has_tick = true;
  ledgers_.on_tick(index, state.last_tick.pre_settlement_price);
  // The bars this tick finishes go before the tick itself (the tick belongs to the next bar).
  if (index < bar_entry_of_.size() && bar_entry_of_[index] != kNoBarEntry) {
    bars_.on_tick(bar_entry_of_[index], state.last_tick, event.recv_ns,
                  [this](const bars::Bar& bar, std::uint64_t subscribers) { publish_bar(bar, subscribers); });
  }
  if (state.subscribers != 0) append(pending_.ticks, state.last_tick, BatchItemKind::Tick);
  if (cond_live_count_ != 0) conditional_tick(index, state.last_tick);
}

void Engine::on_order_report(const Event& event) noexcept {
  const std::int64_t now = clock_ns();
  const OrderData& report = event.payload.order;
  if (adopt_working_ && orders_.adoptable(report, !first_reconcile_done_)) {
    const InstrumentIndex instrument = registry_.find(report.symbol);
    if (instrument != kNoInstrument) {
      if (const Order* adopted = orders_.adopt(report, instrument, now, reconcile_epoch_)) {
        ++stats_.orders_adopted;
        publish_order(*adopted, event.recv_ns, now);
        return;
      }
    }
  }
  OrderUpdate update;
  update.id = kNoOrder;  // apply_report fills `update` only when it reports a change
  if (orders_.apply_report(event.payload.order, event.recv_ns, now, reconcile_epoch_, update)) {
    if (update.instrument == kNoInstrument) update.instrument = registry_.find(update.symbol);
    publish_order_update(update);
  }
  if (update.id != kNoOrder) {
    if (Order* order = orders_.get(update.id)) orders_.release_if_done(*order);
  }
}

void Engine::on_trade_report(const Event& event) noexcept {
  const TradeData& trade = event.payload.trade;
  TradeUpdate update;
  bool status_changed = false;
  if (!orders_.apply_trade(trade, event.recv_ns, event.from_query, registry_.find(trade.symbol), update,
                           &status_changed)) {
    return;
  }
  publish_trade(update);
  if (const Order* child = orders_.get(update.order); child != nullptr && child->parent != 0) {
    conditional_child_trade(*child, update.volume);
  }
  if (status_changed) {
    // The trade came before the report announcing it: agents see the order move (the report is a no-op).
    if (const Order* order = orders_.get(update.order)) publish_order(*order, event.recv_ns, clock_ns());
  }
  if (Order* order = orders_.get(update.order)) orders_.release_if_done(*order);
}

void Engine::on_insert_error(const Event& event) noexcept {
  const InsertErrorData& error = event.payload.insert_error;
  Order* order = orders_.find_live_by_ref_only(error.order_ref);
  // The dialog-stream OnRspOrderInsert and the private-stream OnErrRtnOrderInsert report the same
  // refusal; the first one retires the order, so the second finds nothing and is ignored.
  if (order == nullptr || is_final(order->status)) {
    ++stats_.unmatched_errors;
    return;
  }
  orders_.reject(*order, RejectCode::CtpRejected, event.error_id, error.error_msg.view());
  publish_order(*order, event.recv_ns, clock_ns());
  orders_.release_if_done(*order);
}

void Engine::on_action_error(const Event& event) noexcept {
  const ActionErrorData& error = event.payload.action_error;
  Order* order = orders_.find_by_ref(error.front_id, error.session_id, error.order_ref);
  if (order == nullptr) order = orders_.find_live_by_ref_only(error.order_ref);
  if (order == nullptr) {
    ++stats_.unmatched_errors;
    return;
  }
  // OnRspOrderAction and OnErrRtnOrderAction both report one refusal: publish once.
  if (!order->cancel_pending) return;
  orders_.cancel_refused(*order, event.error_id, error.error_msg.view());
  OrderUpdate update;
  orders_.describe(*order, event.recv_ns, clock_ns(), update);
  update.reject_code = RejectCode::CancelRejected;
  update.ctp_error_id = event.error_id;
  update.reason = error.error_msg;
  publish_order_update(update);
}

void Engine::process(const Event& event) noexcept {
  ++stats_.events;
  switch (event.kind) {
    case EventKind::Tick: on_tick(event); return;
    case EventKind::OrderReport:
      if (event.has_row && event.error_id == 0) on_order_report(event);
      if (event.from_query) gateway_.on_event(event);
      return;
    case EventKind::TradeReport:
      if (event.has_row && event.error_id == 0) on_trade_report(event);
      if (event.from_query) gateway_.on_event(event);
      return;
    case EventKind::OrderInsertError: on_insert_error(event); return;
    case EventKind::OrderActionError: on_action_error(event); return;
    case EventKind::InstrumentStatus:
      on_instrument_status(event.payload.status);
      gateway_.on_event(event);
      return;
    default: gateway_.on_event(event); return;
  }
}

// ---- GatewayHost ----------------------------------------------------------------------------------------------

std::uint32_t Engine::begin_order_reconcile() noexcept { return ++reconcile_epoch_; }

void Engine::end_order_reconcile(std::uint32_t epoch, std::int32_t front_id, std::int32_t session_id) noexcept {
  first_reconcile_done_ = true;
  const std::int64_t now = clock_ns();
  // Collect in chunks first: reject + release reorders the live list being iterated.
  for (;;) {
    std::size_t count = 0;
    OrderId lost[64];
    for (const OrderId id : orders_.live()) {
      const Order* order = orders_.get(id);
      if (order == nullptr || order->status != OrderStatus::Submitting || order->seen_epoch == epoch) continue;
      if (order->front_id == front_id && order->session_id == session_id) continue;
      if (count < std::size(lost)) lost[count++] = id;
    }
    if (count == 0) return;
    for (std::size_t i = 0; i < count; ++i) {
      Order* order = orders_.get(lost[i]);
      orders_.reject(*order, RejectCode::RequestNetworkError, 0,
                     "not received by CTP before the connection dropped (absent from the reconcile query)");
      publish_order(*order, 0, now);
      orders_.release_if_done(*order);
    }
  }
}

void Engine::reset_positions() noexcept {
  for (std::size_t i = 0; i < registry_.size(); ++i)
    registry_.at(static_cast<InstrumentIndex>(i)).position = PositionSnapshot{};
  positions_dirty_ = true;
}

void Engine::set_account(const AccountData& account) noexcept {
  account_ = account;
  // The account query follows the position query (first login and every reconcile): compare the sum of
  // the agents and the unattributed bucket with what CTP holds. The first one adopts CTP's positions.
  if (positions_dirty_) {
    positions_dirty_ = false;
    if (!ledgers_.reconciled_once()) clamp_carried_lots();
    char diff[160];
    if (!ledgers_.reconcile(diff, sizeof diff)) {
      ++stats_.position_mismatches;
      char text[192];
      std::snprintf(text, sizeof text, "position mismatch: %s", diff);
      publish_notice(SessionNoticeKind::Warning, 0, text);
    }
  }
  // After any adoption above, which the counter's figures already include.
  ledgers_.reconcile_account(account, clock_ns());
}

void Engine::clamp_carried_lots() noexcept {
  yesterday_cut_count_ = ledgers_.clamp_yesterday(yesterday_cuts_.data(), yesterday_cuts_.size());
  for (const Ledgers::YesterdayCut& cut : yesterday_cuts()) {
    const std::string_view name = agent_name(cut.agent);
    char text[192];
    std::snprintf(text, sizeof text,
                  "carry-over: agent %.*s carried %d %s yesterday lot(s) of %s the counter does not hold: cut",
                  static_cast<int>(name.size()), name.data(), cut.lots, cut.is_long ? "long" : "short",
                  registry_.at(cut.instrument).spec.symbol.c_str());
    publish_notice(SessionNoticeKind::Warning, 0, text);
  }
}

void Engine::trading_day(std::uint32_t yyyymmdd) noexcept {
  login_trading_day_ = yyyymmdd;
  if (!ledgers_.is_new_day(yyyymmdd)) {
    ledgers_.set_trading_day(yyyymmdd);
    return;
  }
  for (const OrderId id : orders_.live()) {  // nothing below creates or releases orders
    if (Order* order = orders_.get(id)) ledgers_.roll_order(order->ledger);
  }
  ledgers_.roll_day(yyyymmdd);
}

void Engine::check_inflight(std::int64_t now_ns) noexcept {
  if (now_ns < next_inflight_check_ns_) return;
  next_inflight_check_ns_ = now_ns + config_.inflight_check_ns;
  if (!gateway_.trading_ready()) return;  // a disconnect: the reconnect's reconcile queries anyway
  bool want_query = false;
  for (const OrderId id : orders_.live()) {  // nothing below creates or releases orders
    Order* order = orders_.get(id);
    if (order == nullptr || is_final(order->status)) continue;
    if (order->status == OrderStatus::Submitting && order->ack_ns == 0 && !order->ack_queried &&
        now_ns - order->submit_ns > config_.ack_timeout_ns) {
      order->ack_queried = true;
      want_query = true;
      ++stats_.ack_timeouts;
      char text[128];
      std::snprintf(text, sizeof text, "%s order ref %lld unacknowledged after %lld ms: querying orders",
                    order->symbol.c_str(), static_cast<long long>(order->order_ref),
                    static_cast<long long>((now_ns - order->submit_ns) / 1'000'000));
      publish_notice(SessionNoticeKind::Warning, 0, text);
    }
    if (order->cancel_pending && order->cancel_sent_ns != 0 &&
        now_ns - order->cancel_sent_ns > config_.cancel_timeout_ns) {
      ++stats_.cancel_timeouts;
      const bool retry = config_.cancel_timeout_action == EngineConfig::CancelTimeoutAction::Retry &&
                         order->cancel_attempts <= config_.max_cancel_retries;
      if (retry && gateway_.write_cancel(*order) == 0) {
        ++order->cancel_attempts;
        ++stats_.cancel_retries;
        ++stats_.cancels_sent;
        order->cancel_sent_ns = now_ns;
        continue;
      }
      order->cancel_sent_ns = now_ns;  // next check only after another timeout
      if (!order->cancel_queried) {
        order->cancel_queried = true;
        want_query = true;
        char text[128];
        std::snprintf(text, sizeof text, "%s order ref %lld: cancel unanswered after %u attempt(s): querying orders",
                      order->symbol.c_str(), static_cast<long long>(order->order_ref), order->cancel_attempts);
        publish_notice(SessionNoticeKind::Warning, 0, text);
      }
    }
  }
  if (want_query) {
    ++stats_.order_queries;
    if (!gateway_.request_order_query()) {
      publish_notice(SessionNoticeKind::Warning, 0, "in-flight check: this gateway cannot query orders");
    }
  }
}

void Engine::apply_position(const PositionData& row) noexcept {
  const InstrumentIndex index = registry_.find(row.symbol);
  if (index == kNoInstrument) return;
  PositionSnapshot& p = registry_.at(index).position;
  ledgers_.set_pre_settlement(index, row.pre_settlement_price);
  const std::int32_t yd = row.position - row.today_position;
  if (row.is_long) {
    p.long_today += row.today_position;
    p.long_yd += yd;
    p.long_cost += row.position_cost;
  } else {
    p.short_today += row.today_position;
    p.short_yd += yd;
    p.short_cost += row.position_cost;
  }
}

// ---- the loop -----------------------------------------------------------------------------------------------------

bool Engine::any_event_ready() noexcept {
  for (EventRing* ring : gateway_.rings()) {
    if (ring->front() != nullptr) return true;
  }
  return false;
}

void Engine::drain(std::size_t max_events) noexcept {
  const std::span<EventRing* const> rings = gateway_.rings();
  for (std::size_t n = 0; n < max_events; ++n) {
    EventRing* best_ring = nullptr;
    const Event* best = nullptr;
    for (EventRing* ring : rings) {
      const Event* e = ring->front();
      // Strict <: on equal recv_ns the earlier ring wins, so the merge is stable.
      if (e != nullptr && (best == nullptr || e->recv_ns < best->recv_ns)) {
        best = e;
        best_ring = ring;
      }
    }
    if (best == nullptr) return;
    process(*best);
    best_ring->pop();
  }
}

void Engine::start() {
  if (started_) return;
  started_ = true;
  gateway_.start();
  gateway_deadline_ns_ = clock_ns();
}

bool Engine::run_once(std::int64_t max_wait_ns) {
  if (!started_) start();
  std::int64_t now = clock_ns();
  if (!any_event_ready() && pending_.sequence.empty()) {
    std::int64_t deadline = now + max_wait_ns;
    if (next_timer_due_ns_ < deadline) deadline = next_timer_due_ns_;
    if (gateway_deadline_ns_ < deadline) deadline = gateway_deadline_ns_;
    if (deadline > now) {
      // stop_requested_: acquire pairs with the release store in stop() (a flag only; no data).
      (void)waiter_.wait_for([this] { return any_event_ready() || stop_requested_.load(std::memory_order_acquire); },
                             std::chrono::nanoseconds(deadline - now));
    }
  }
  drain(config_.max_events_per_batch);
  if (cond_live_count_ != 0) process_conditionals();
  now = clock_ns();
  fire_timers(now);
  advance_bar_clock(now);
  check_inflight(now);
  gateway_deadline_ns_ = gateway_.poll(now);
  const bool dispatched = dispatch(now);
  if (observer_ != nullptr) observer_->end_of_iteration();
  return dispatched;
}

bool Engine::dispatch(std::int64_t now_ns) {
  if (pending_.sequence.empty()) return false;
  std::swap(pending_, dispatching_);
  ++stats_.batches;
  if (dispatcher_ != nullptr) {
    const Batch batch{dispatching_.sequence, dispatching_.ticks,  dispatching_.orders, dispatching_.trades,
                      dispatching_.notices,  dispatching_.timers, dispatching_.bars,   now_ns};
    struct ClearOnExit {
      Buffers& buffers;
      ~ClearOnExit() { buffers.clear(); }
    } clear{dispatching_};
    dispatcher_->on_batch(batch);
  } else {
    dispatching_.clear();
  }
  return true;
}

void Engine::run() {
  while (!run_for(INT64_MAX / 2)) {
  }
}

bool Engine::run_for(std::int64_t duration_ns) {
  if (!started_) start();
  const std::int64_t end = monotonic_ns() + duration_ns;
  // acquire: pairs with the release store in stop(). A stop() that came before the call makes it return
  // at once; the flag is consumed on the way out so the next call starts fresh.
  while (!stop_requested_.load(std::memory_order_acquire)) {
    const std::int64_t now = monotonic_ns();
    if (now >= end) return false;
    const std::int64_t left = end - now;
    run_once(left < config_.max_wait_ns ? left : config_.max_wait_ns);
  }
  // relaxed: only this thread acts on the flag; a stop() racing with this store is a stop of a loop that
  // is already returning.
  stop_requested_.store(false, std::memory_order_relaxed);
  return true;
}

void Engine::stop() noexcept {
  // release: pairs with the acquire loads in run() and the wait predicate.
  stop_requested_.store(true, std::memory_order_release);
  waiter_.notify();
}

void Engine::shutdown() noexcept {
  if (started_ && !stopped_gateway_) {
    stopped_gateway_ = true;
    gateway_.stop();
  }
}

}  // namespace shandian::core
