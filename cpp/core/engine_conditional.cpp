// Conditional orders on the engine thread (core/conditional.hpp): creation, tick triggers, child fills,
// releases through Engine::place (validation + risk hook for every child), cancels and retirement.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/clock.hpp"
#include "core/engine.hpp"

namespace shandian::core {
namespace {

constexpr ConditionalId kTag = 1ULL << 63;  // keeps conditional ids apart from order ids

[[nodiscard]] constexpr ConditionalId to_conditional_id(queue::PoolHandle h) noexcept {
  return kTag | (static_cast<std::uint64_t>(h.generation) << 32) | h.index;
}
[[nodiscard]] constexpr queue::PoolHandle to_pool_handle(ConditionalId id) noexcept {
  return queue::PoolHandle{static_cast<std::uint32_t>(id & 0xFFFF'FFFFU),
                           static_cast<std::uint32_t>((id & ~kTag) >> 32)};
}

template <class Result>
Result refused(RejectCode code, const char* format, auto... args) noexcept {
  Result r;
  r.code = code;
  std::snprintf(r.reason.data, sizeof r.reason.data, format, args...);
  return r;
}

}  // namespace

Conditional* Engine::conditional_mut(ConditionalId id) noexcept {
  if ((id & kTag) == 0) return nullptr;
  return cond_pool_.get(to_pool_handle(id));
}

const Conditional* Engine::conditional(ConditionalId id) const noexcept {
  if ((id & kTag) == 0) return nullptr;
  return cond_pool_.get(to_pool_handle(id));
}

ConditionalResult Engine::add_conditional(AgentId agent, InstrumentIndex instrument,
                                          const ConditionalRequest& r) noexcept {
  ConditionalResult result = arm_conditional(agent, instrument, r);
  if (!result.ok()) count_refusal(agent, result.code, kNoOrder, false);
  return result;
}

ConditionalResult Engine::link_oco(AgentId agent, ConditionalId first, ConditionalId second) noexcept {
  ConditionalResult result = link_pair(agent, first, second);
  if (!result.ok()) count_refusal(agent, result.code, kNoOrder, false);
  return result;
}

CancelResult Engine::cancel_conditional(AgentId agent, ConditionalId id) noexcept {
  CancelResult result = drop_conditional(agent, id);
  if (!result.ok()) count_refusal(agent, result.code, kNoOrder, true);
  return result;
}

ConditionalResult Engine::arm_conditional(AgentId agent, InstrumentIndex instrument,
                                          const ConditionalRequest& r) noexcept {
  using R = ConditionalResult;
  if (agent >= agent_names_.size()) return refused<R>(RejectCode::InvalidAgent, "agent %u is not registered", agent);
  if (!registry_.contains(instrument))
    return refused<R>(RejectCode::UnknownInstrument, "instrument index %u is not registered", instrument);
  const InstrumentSpec& spec = registry_.at(instrument).spec;
  if (r.volume <= 0)
    return refused<R>(RejectCode::InvalidVolume, "%s: volume %d must be positive", spec.symbol.c_str(), r.volume);
  switch (r.kind) {
    case ConditionalKind::Stop:
    case ConditionalKind::TakeProfit:
      if (!(r.trigger > 0.0))
        return refused<R>(RejectCode::InvalidPrice, "%s: trigger %g must be > 0", spec.symbol.c_str(), r.trigger);
      break;
    case ConditionalKind::TrailingStop:
      if (!(r.trail > 0.0))
        return refused<R>(RejectCode::InvalidPrice, "%s: trail %g must be > 0", spec.symbol.c_str(), r.trail);
      break;
    case ConditionalKind::Iceberg:
      if (r.display <= 0 || r.display > r.volume) {
        return refused<R>(RejectCode::InvalidVolume, "%s: display %d must be in 1..volume %d", spec.symbol.c_str(),
                          r.display, r.volume);
      }
      if (!(r.limit > 0.0))
        return refused<R>(RejectCode::InvalidPrice, "%s: iceberg limit %g must be > 0", spec.symbol.c_str(), r.limit);
      break;
    case ConditionalKind::Bracket:
      return refused<R>(RejectCode::InvalidVolume, "%s: brackets are created with add_bracket", spec.symbol.c_str());
  }
  if (r.limit < 0.0 || !std::isfinite(r.limit))
    return refused<R>(RejectCode::InvalidPrice, "%s: limit %g must be >= 0", spec.symbol.c_str(), r.limit);
  if (r.limit > 0.0 && !price_to_ticks(r.limit, spec.price_tick)) {
    return refused<R>(RejectCode::PriceNotOnTick, "%s: limit %g is not a multiple of the tick %g", spec.symbol.c_str(),
                      r.limit, spec.price_tick);
  }
  auto acquired = cond_pool_.acquire();
  if (!acquired)
    return refused<R>(RejectCode::OrderPoolExhausted, "%s: %zu conditional orders alive", spec.symbol.c_str(),
                      cond_pool_.capacity());
  Conditional& c = *cond_pool_.get(acquired.value());
  c.id = to_conditional_id(acquired.value());
  c.kind = r.kind;
  c.status = ConditionalStatus::Armed;
  c.source = r.source;
  c.agent = agent;
  c.instrument = instrument;
  c.direction = r.direction;
  c.mode = static_cast<std::uint8_t>(r.mode);
  c.volume = r.volume;
  c.armed = r.volume;
  c.trigger = r.trigger;
  c.limit = r.limit;
  c.trail = r.trail;
  c.display = r.display;
  cond_live_[cond_live_count_++] = c.id;
  R result;
  result.id = c.id;
  if (c.kind == ConditionalKind::Iceberg) {
    c.status = ConditionalStatus::Working;
    if (const RejectCode rc = release_child(c, std::min(c.display, c.volume), c.limit); rc != RejectCode::None) {
      result.code = rc;
      result.reason = c.reason;
      retire_conditionals();
    }
  } else if (registry_.at(instrument).has_tick) {
    // Already through its trigger? Then it fires at the next poll, like on a tick.
    if (triggers(c, trigger_price(c, registry_.at(instrument).last_tick))) c.fire = true;
  }
  return result;
}

ConditionalResult Engine::link_pair(AgentId agent, ConditionalId first, ConditionalId second) noexcept {
  using R = ConditionalResult;
  Conditional* a = conditional_mut(first);
  Conditional* b = conditional_mut(second);
  if (a == nullptr || b == nullptr || first == second)
    return refused<R>(RejectCode::UnknownOrder, "OCO needs two live conditional orders");
  if (a->agent != agent || b->agent != agent)
    return refused<R>(RejectCode::NotOwner, "OCO legs must belong to agent %u", agent);
  if (a->status != ConditionalStatus::Armed || b->status != ConditionalStatus::Armed || a->peer != 0 || b->peer != 0) {
    return refused<R>(RejectCode::AlreadyFinal, "OCO legs must be armed and not linked yet");
  }
  a->peer = second;
  b->peer = first;
  R r;
  r.id = first;
  return r;
}

ConditionalResult Engine::add_bracket(AgentId agent, InstrumentIndex instrument, Direction direction,
                                      std::int32_t volume, double entry_price, double take_profit,
                                      double stop_loss) noexcept {
  ConditionalResult result = arm_bracket(agent, instrument, direction, volume, entry_price, take_profit, stop_loss);
  if (!result.ok()) count_refusal(agent, result.code, kNoOrder, false);
  return result;
}

ConditionalResult Engine::arm_bracket(AgentId agent, InstrumentIndex instrument, Direction direction,
                                      std::int32_t volume, double entry_price, double take_profit,
                                      double stop_loss) noexcept {
  using R = ConditionalResult;
  if (agent >= agent_names_.size()) return refused<R>(RejectCode::InvalidAgent, "agent %u is not registered", agent);
  if (!registry_.contains(instrument))
    return refused<R>(RejectCode::UnknownInstrument, "instrument index %u is not registered", instrument);
  const char* symbol = registry_.at(instrument).spec.symbol.c_str();
  if (volume <= 0) return refused<R>(RejectCode::InvalidVolume, "%s: volume %d must be positive", symbol, volume);
  if (!(take_profit >= 0.0) || !(stop_loss >= 0.0) || (take_profit == 0.0 && stop_loss == 0.0)) {
    return refused<R>(RejectCode::InvalidPrice, "%s: a bracket needs take_profit and/or stop_loss > 0", symbol);
  }
  const bool long_entry = direction == Direction::Buy;
  if ((take_profit > 0 && (long_entry ? take_profit <= entry_price : take_profit >= entry_price)) ||
      (stop_loss > 0 && (long_entry ? stop_loss >= entry_price : stop_loss <= entry_price))) {
    return refused<R>(RejectCode::InvalidPrice, "%s: take-profit %g / stop-loss %g on the wrong side of entry %g",
                      symbol, take_profit, stop_loss, entry_price);
  }
  if (cond_live_count_ + 3 > cond_pool_.capacity()) {
    return refused<R>(RejectCode::OrderPoolExhausted, "%s: %zu conditional orders alive", symbol,
                      cond_pool_.capacity());
  }
  const Direction exit = long_entry ? Direction::Sell : Direction::Buy;
  ConditionalId tp = kNoConditional;
  ConditionalId sl = kNoConditional;
  ConditionalRequest req;
  req.direction = exit;
  req.mode = OffsetMode::CloseTodayThenYd;
  req.volume = volume;
  if (take_profit > 0) {
    req.kind = ConditionalKind::TakeProfit;
    req.trigger = take_profit;
    const ConditionalResult r = arm_conditional(agent, instrument, req);
    if (!r.ok()) return r;
    tp = r.id;
  }
  if (stop_loss > 0) {
    req.kind = ConditionalKind::Stop;
    req.trigger = stop_loss;
    const ConditionalResult r = arm_conditional(agent, instrument, req);
    if (!r.ok()) {
      if (tp != 0) (void)drop_conditional(agent, tp);
      return r;
    }
    sl = r.id;
  }
  if (tp != 0 && sl != 0) (void)link_pair(agent, tp, sl);
  auto acquired = cond_pool_.acquire();
  Conditional& b = *cond_pool_.get(acquired.value());  // room checked above
  b.id = to_conditional_id(acquired.value());
  b.kind = ConditionalKind::Bracket;
  b.status = ConditionalStatus::Working;
  b.agent = agent;
  b.instrument = instrument;
  b.direction = direction;
  b.mode = static_cast<std::uint8_t>(OffsetMode::OpenOnly);
  b.volume = volume;
  b.armed = volume;
  b.limit = entry_price;
  b.exit_tp = tp;
  b.exit_sl = sl;
  cond_live_[cond_live_count_++] = b.id;
  for (ConditionalId e : {tp, sl}) {
    if (Conditional* x = conditional_mut(e)) {
      x->parent = b.id;
      x->armed = 0;  // exits are armed only by entry fills
      x->fire = false;
    }
  }
  R result;
  result.id = b.id;
  if (const RejectCode rc = release_child(b, volume, entry_price); rc != RejectCode::None) {
    result.code = rc;
    result.reason = b.reason;
    retire_conditionals();
  }
  return result;
}

CancelResult Engine::drop_conditional(AgentId agent, ConditionalId id) noexcept {
  Conditional* c = conditional_mut(id);
  if (c == nullptr)
    return refused<CancelResult>(RejectCode::UnknownOrder, "conditional %llu is not live",
                                 static_cast<unsigned long long>(id));
  if (c->agent != agent)
    return refused<CancelResult>(RejectCode::NotOwner, "conditional %llu belongs to agent %u",
                                 static_cast<unsigned long long>(id), c->agent);
  if (is_final(c->status))
    return refused<CancelResult>(RejectCode::AlreadyFinal, "conditional %llu is %s",
                                 static_cast<unsigned long long>(id), to_string(c->status));
  finish_conditional(*c, ConditionalStatus::Cancelled, "cancelled by the agent");
  CancelResult r;
  r.order = id;
  return r;
}

void Engine::finish_conditional(Conditional& c, ConditionalStatus status, std::string_view reason) noexcept {
  if (is_final(c.status)) return;
  c.status = status;
  c.reason.assign(reason);
  c.fire = false;
  if (status == ConditionalStatus::Done) return;
  // Cancelled / failed: its working child, its exits (bracket), its entry (exit of a bracket: no), its peer.
  if (const Order* o = orders_.get(c.working); o != nullptr && !is_final(o->status) && !o->cancel_pending) {
    (void)request_cancel(c.agent, c.working);
  }
  for (ConditionalId e : {c.exit_tp, c.exit_sl, c.peer}) {
    if (Conditional* x = conditional_mut(e))
      finish_conditional(*x, ConditionalStatus::Cancelled, "cancelled with its OCO peer / bracket");
  }
  cond_dirty_ = true;
}

double Engine::marketable_price(const InstrumentState& st, Direction direction) const noexcept {
  const TickData& t = st.last_tick;
  const bool buy = direction == Direction::Buy;
  const double limit = buy ? t.upper_limit_price : t.lower_limit_price;
  const double best = buy ? t.ask_price[0] : t.bid_price[0];
  const double tick = st.spec.price_tick;
  // An empty opposite side (limit-locked, or DBL_MAX/0 from the feed): only the limit price can trade.
  if (!(best > 0.0) || best >= 1e300 || !(tick > 0.0)) return limit;
  const double ticks_through = std::nearbyint(best / tick) + (buy ? 1 : -1) * config_.marketable_slippage_ticks;
  const double through = ticks_through * tick;  // on the grid by construction
  if (!(limit > 0.0) || limit >= 1e300) return through;
  return buy ? std::min(through, limit) : std::max(through, limit);
}

RejectCode Engine::release_child(Conditional& c, std::int32_t lots, double price) noexcept {
  if (lots <= 0) return RejectCode::None;
  OrderKind kind = OrderKind::Limit;
  if (!(price > 0.0)) {  // marketable: a FAK through the opposite best (CTP futures take no true market order)
    const InstrumentState& st = registry_.at(c.instrument);
    if (!st.has_tick) {
      finish_conditional(c, ConditionalStatus::Failed, "no tick yet to price a marketable child");
      return RejectCode::InvalidPrice;
    }
    price = marketable_price(st, c.direction);
    kind = OrderKind::Fak;
  }
  const PlaceResult r =
      place_orders(c.agent, c.instrument, c.direction, price, lots, kind, static_cast<OffsetMode>(c.mode));
  for (std::uint32_t i = 0; i < r.count; ++i) {
    if (Order* o = orders_.get(r.orders[i])) o->parent = c.id;
    c.working = r.orders[i];
    c.released += orders_.get(r.orders[i]) != nullptr ? orders_.get(r.orders[i])->volume : 0;
    ++stats_.conditional_children;
  }
  if (!r.ok()) {
    // Sized for the longest code name + a full reason, so nothing is cut (c.reason / the notice keep a prefix).
    char text[sizeof(Message) + 32];
    std::snprintf(text, sizeof text, "%s: %s", std::string(to_string(r.code)).c_str(), r.reason.c_str());
    finish_conditional(c, ConditionalStatus::Failed, text);
    char notice[sizeof text + 48];
    std::snprintf(notice, sizeof notice, "conditional order of agent %u failed: %s", c.agent, text);
    publish_notice(SessionNoticeKind::Warning, 0, notice);
    return r.code;
  }
  return RejectCode::None;
}

void Engine::conditional_tick(InstrumentIndex instrument, const TickData& tick) noexcept {
  for (std::size_t i = 0; i < cond_live_count_; ++i) {
    Conditional* c = conditional_mut(cond_live_[i]);
    if (c == nullptr || c->instrument != instrument || c->status != ConditionalStatus::Armed || c->fire) continue;
    if (c->parent != 0 && c->armed == 0) continue;  // bracket exit with nothing filled yet: not watching
    if (triggers(*c, trigger_price(*c, tick))) {
      c->fire = true;
      cond_dirty_ = true;
    }
  }
}

void Engine::conditional_child_trade(const Order& order, std::int32_t volume) noexcept {
  Conditional* c = conditional_mut(order.parent);
  if (c == nullptr) return;
  c->filled += volume;
  if (c->kind == ConditionalKind::Bracket) {
    // Exits armed pro rata: each one may close as many lots as the entry has filled.
    for (ConditionalId e : {c->exit_tp, c->exit_sl}) {
      if (Conditional* x = conditional_mut(e); x != nullptr && !is_final(x->status)) x->armed += volume;
    }
  }
  cond_dirty_ = true;
}

void Engine::process_conditionals() noexcept {
  for (std::size_t i = 0; i < cond_live_count_; ++i) {
    Conditional* c = conditional_mut(cond_live_[i]);
    if (c == nullptr || is_final(c->status)) continue;
    const Order* working = orders_.get(c->working);
    const bool child_done = working == nullptr || is_final(working->status);
    switch (c->kind) {
      case ConditionalKind::Stop:
      case ConditionalKind::TakeProfit:
      case ConditionalKind::TrailingStop: {
        if (c->fire && c->status == ConditionalStatus::Armed) {
          c->fire = false;
          ++stats_.conditionals_triggered;
          c->status = ConditionalStatus::Working;
          if (Conditional* peer = conditional_mut(c->peer)) {
            c->peer = kNoConditional;
            peer->peer = kNoConditional;
            finish_conditional(*peer, ConditionalStatus::Cancelled, "its OCO peer triggered");
          }
        }
        if (c->status == ConditionalStatus::Working && c->armed > c->released) {
          if (release_child(*c, c->armed - c->released, c->limit) != RejectCode::None) break;
        }
        if (c->status == ConditionalStatus::Working && c->released >= c->volume)
          finish_conditional(*c, ConditionalStatus::Done, "released");
        break;
      }
      case ConditionalKind::Iceberg: {
        if (!child_done) break;
        if (c->filled >= c->volume) {
          finish_conditional(*c, ConditionalStatus::Done, "filled");
        } else if (working == nullptr && c->filled < c->released) {
          if (const Order* o = orders_.get(c->working); o == nullptr) {
            finish_conditional(*c, ConditionalStatus::Cancelled, "a slice ended without filling");
          }
        } else if (working == nullptr) {
          (void)release_child(*c, std::min(c->display, c->volume - c->released), c->limit);
        }
        break;
      }
      case ConditionalKind::Bracket: {
        if (!child_done || working != nullptr) break;  // entry still working (or its trades not all booked)
        const Conditional* tp = conditional(c->exit_tp);
        const Conditional* sl = conditional(c->exit_sl);
        const bool exits_final = (tp == nullptr || is_final(tp->status)) && (sl == nullptr || is_final(sl->status));
        if (c->filled == 0) {
          finish_conditional(*c, ConditionalStatus::Cancelled, "entry ended without a fill");
        } else if (exits_final) {
          finish_conditional(*c, ConditionalStatus::Done, "entry filled and exited");
        } else {
          // Entry done: exits can never be armed further; cap them at what filled.
          for (ConditionalId e : {c->exit_tp, c->exit_sl}) {
            if (Conditional* x = conditional_mut(e)) x->volume = c->filled;
          }
        }
        break;
      }
    }
  }
  retire_conditionals();
}

void Engine::retire_conditionals() noexcept {
  // A final conditional leaves the pool once nothing refers to it: bracket exits wait for their bracket.
  for (std::size_t i = 0; i < cond_live_count_;) {
    Conditional* c = conditional_mut(cond_live_[i]);
    bool retire = c == nullptr;
    if (c != nullptr && is_final(c->status)) {
      const Conditional* parent = conditional(c->parent);
      const Conditional* tp = conditional(c->exit_tp);
      const Conditional* sl = conditional(c->exit_sl);
      retire = (parent == nullptr || is_final(parent->status)) && (tp == nullptr || is_final(tp->status)) &&
               (sl == nullptr || is_final(sl->status));
    }
    if (!retire) {
      ++i;
      continue;
    }
    if (c != nullptr) (void)cond_pool_.release(to_pool_handle(c->id));
    cond_live_[i] = cond_live_[--cond_live_count_];
  }
}

}  // namespace shandian::core
