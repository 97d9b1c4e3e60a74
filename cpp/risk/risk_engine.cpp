// RiskEngine rules (see risk_engine.hpp for the semantics). Hot path: check_order / check_cancel /
// on_order_update touch only pre-sized arrays; snprintf into the verdict's fixed buffer on refusals only.
#include "risk/risk_engine.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace shandian::risk {

using core::Direction;
using core::kNoAgent;
using core::kNoInstrument;
using core::Offset;
using core::OrderKind;
using core::OrderStatus;

namespace {

constexpr std::uint8_t kStatusContinuous = '2';       // CTP THOST_FTDC_IS_Continous
constexpr std::uint8_t kStatusAuctionOrdering = '3';  // THOST_FTDC_IS_AuctionOrdering
constexpr std::uint8_t kUnresolved = 0xFF;

[[nodiscard]] bool is_reducing(Offset offset) noexcept { return offset != Offset::Open; }
[[nodiscard]] std::int64_t ms_to_ns(std::int64_t ms) noexcept { return ms * 1'000'000; }
[[nodiscard]] const char* side(Direction d) noexcept { return d == Direction::Buy ? "buy" : "sell"; }

// Checks every window of a set without recording; returns the first that is full (or nullptr).
template <std::size_t N>
[[nodiscard]] SlidingWindow* full_window(SlidingWindow (&windows)[N], std::int64_t now) noexcept {
  for (SlidingWindow& w : windows) {
    if (!w.would_admit(now)) return &w;
  }
  return nullptr;
}
// The least room of the enabled windows of a set, lowered into `room` (kNoInsertWindow: none so far).
template <std::size_t N>
void lower_room(const SlidingWindow (&windows)[N], std::int64_t now, std::int64_t& room) noexcept {
  for (const SlidingWindow& w : windows) {
    if (!w.enabled()) continue;
    const std::int64_t r = w.room(now);
    if (room == kNoInsertWindow || r < room) room = r;
  }
}
template <std::size_t N>
void record_all(SlidingWindow (&windows)[N], std::int64_t now) noexcept {
  for (SlidingWindow& w : windows) w.record(now);
}
template <std::size_t N>
void configure_all(SlidingWindow (&windows)[N], const WindowRule (&rules)[N]) {
  for (std::size_t i = 0; i < N; ++i) windows[i].configure(rules[i].limit, ms_to_ns(rules[i].window_ms));
}

}  // namespace

RiskEngine::RiskEngine(const core::InstrumentRegistry& registry, RiskCapacity capacity, const RiskLimits& limits)
    : registry_(registry),
      capacity_(capacity),
      agents_(capacity.max_agents),
      agent_counters_(capacity.max_agents * capacity.max_instruments),
      instrument_counters_(capacity.max_instruments),
      limits_slot_(capacity.max_instruments, kUnresolved),
      list_head_(capacity.max_instruments, kNil),
      working_(capacity.max_live_orders),
      updates_(std::make_unique<queue::MpscQueue<PendingUpdate>>(capacity.update_queue)) {
  if (capacity.max_agents == 0 || capacity.max_instruments == 0 || capacity.max_live_orders == 0) {
    throw std::invalid_argument("RiskCapacity: max_agents, max_instruments and max_live_orders must be > 0");
  }
  set_limits(limits);
}

RiskEngine::~RiskEngine() = default;

// ---- configuration --------------------------------------------------------------------------------------

void RiskEngine::configure_windows(AgentState& a) {
  configure_all(a.order_windows, a.limits.order_rate);
  configure_all(a.cancel_windows, a.limits.cancel_rate);
}

void RiskEngine::set_limits(const RiskLimits& limits) {
  if (limits.exchange_count > kMaxExchangeOverrides) {
    throw std::invalid_argument("RiskLimits.exchange_count exceeds kMaxExchangeOverrides");
  }
  limits_ = limits;
  for (AgentState& a : agents_) {
    if (!a.overridden) a.limits = limits_.agent;
    configure_windows(a);
  }
  configure_all(account_order_windows_, limits_.account.order_rate);
  configure_all(account_cancel_windows_, limits_.account.cancel_rate);
  std::fill(limits_slot_.begin(), limits_slot_.end(), kUnresolved);
}

void RiskEngine::set_agent_limits(AgentId agent, const AgentLimits& limits) {
  if (agent >= agents_.size()) throw std::out_of_range("set_agent_limits: agent id out of range");
  AgentState& a = agents_[agent];
  a.limits = limits;
  a.overridden = true;
  configure_windows(a);
}

const AgentLimits& RiskEngine::agent_limits(AgentId agent) const noexcept {
  return agent < agents_.size() ? agents_[agent].limits : limits_.agent;
}

void RiskEngine::set_agent_name(AgentId agent, std::string_view name) noexcept {
  if (agent < agents_.size()) agents_[agent].name.assign(name);
}

bool RiskEngine::post_limits(const RiskLimits& limits) noexcept {
  PendingUpdate u;
  u.kind = Update::Limits;
  u.limits = limits;
  return updates_->try_push(u);
}

bool RiskEngine::post_agent_limits(AgentId agent, const AgentLimits& limits) noexcept {
  PendingUpdate u;
  u.kind = Update::AgentLimits;
  u.agent = agent;
  u.agent_limits = limits;
  return updates_->try_push(u);
}

std::size_t RiskEngine::apply_pending() {
  std::size_t applied = 0;
  PendingUpdate u;
  while (updates_->try_pop(u)) {
    if (u.kind == Update::Limits) {
      if (u.limits.exchange_count <= kMaxExchangeOverrides) set_limits(u.limits);
    } else if (u.agent < agents_.size()) {
      set_agent_limits(u.agent, u.agent_limits);
    }
    ++applied;
  }
  stats_.updates_applied += applied;
  return applied;
}

void RiskEngine::apply_pending_noexcept() noexcept {
  try {
    apply_pending();
  } catch (...) {  // allocation failure while re-sizing a window: keep the previous limits
    ++stats_.update_failures;
  }
}

// ---- states ------------------------------------------------------------------------------------------------

void RiskEngine::set_agent_state(AgentId agent, TradingState state) noexcept {
  if (agent >= agents_.size()) return;
  agents_[agent].state = state;
  agents_[agent].reason.assign(state == TradingState::Active ? "" : "set by the operator");
  if (state == TradingState::Active) agents_[agent].peak_pnl = 0.0;
}

void RiskEngine::set_account_state(TradingState state) noexcept {
  account_state_ = state;
  account_reason_.assign(state == TradingState::Active ? "" : "set by the operator");
  if (state == TradingState::Active) {
    killed_ = false;
    kill_reason_.clear();
  }
}

TradingState RiskEngine::agent_state(AgentId agent) const noexcept {
  const TradingState own = agent < agents_.size() ? agents_[agent].state : TradingState::Active;
  return std::max(own, account_state_);
}

std::string_view RiskEngine::state_reason(AgentId agent) const noexcept {
  return agent < agents_.size() ? agents_[agent].reason.view() : std::string_view{};
}

void RiskEngine::kill(std::string_view reason, bool reducing_only) noexcept {
  ++stats_.kills;
  killed_ = true;
  kill_reason_.assign(reason);
  account_state_ = reducing_only ? TradingState::Reducing : TradingState::Halted;
  account_reason_.assign(reason);
  if (kill_sink_ != nullptr && !killing_) {
    killing_ = true;  // cancels from the sink bypass the cancel rules
    kill_sink_->cancel_everything();
    killing_ = false;
  }
}

std::int32_t RiskEngine::max_order_volume(AgentId agent, InstrumentIndex instrument) noexcept {
  if (updates_->size_approx() != 0) apply_pending_noexcept();
  if (!limits_.enabled) return kUnlimitedVolume;
  std::int32_t max = kUnlimitedVolume;
  const bool known_agent = agent < agents_.size();
  const AgentLimits& al = known_agent ? agents_[agent].limits : limits_.agent;
  if (known_agent && al.enabled && al.max_order_volume > 0) max = std::min(max, al.max_order_volume);
  const InstrumentLimits& il = instrument_limits(instrument);
  if (il.max_order_volume > 0) max = std::min(max, il.max_order_volume);
  if (il.max_order_volume_ratio > 0.0 && registry_.contains(instrument)) {
    const std::int32_t exchange_max = registry_.at(instrument).spec.max_limit_order_volume;
    if (exchange_max > 0) {
      // check_order refuses volume > ratio x max: the largest admitted volume is its floor.
      const double admitted = std::floor(il.max_order_volume_ratio * exchange_max);
      max = std::min(max, static_cast<std::int32_t>(std::min(admitted, static_cast<double>(kUnlimitedVolume))));
    }
  }
  return max;
}

std::int64_t RiskEngine::insert_room(AgentId agent, std::int64_t now_ns) const noexcept {
  std::int64_t room = kNoInsertWindow;
  if (!limits_.enabled) return room;  // check_order admits without the windows then
  if (agent < agents_.size() && agents_[agent].limits.enabled) lower_room(agents_[agent].order_windows, now_ns, room);
  lower_room(account_order_windows_, now_ns, room);
  return room;
}

void RiskEngine::new_day() noexcept {
  std::fill(agent_counters_.begin(), agent_counters_.end(), Counters{});
  std::fill(instrument_counters_.begin(), instrument_counters_.end(), Counters{});
  // Working orders carry their open lots into the new day's pending counts.
  for (const Working& w : working_) {
    if (w.id == 0 || w.offset != Offset::Open) continue;
    const std::int32_t rest = w.volume - w.traded;
    agent_counters(w.agent, w.instrument).pending_open += rest;
    instrument_counters_[w.instrument].pending_open += rest;
  }
  for (AgentState& a : agents_) {
    a.peak_pnl = 0.0;
    if (a.state == TradingState::Reducing) {
      a.state = TradingState::Active;
      a.reason.clear();
    }
  }
  account_peak_pnl_ = 0.0;
  if (!killed_ && account_state_ == TradingState::Reducing) {
    account_state_ = TradingState::Active;
    account_reason_.clear();
  }
}

// ---- restart recovery -------------------------------------------------------------------------------------

void RiskEngine::seed_daily(AgentId agent, InstrumentIndex instrument, std::int32_t messages, std::int32_t cancels,
                            std::int32_t large_cancels, std::int32_t opened) noexcept {
  if (instrument >= instrument_counters_.size()) return;
  Counters& c = agent == kNoAgent ? instrument_counters_[instrument] : agent_counters(agent, instrument);
  c.messages = std::max(c.messages, messages);
  c.cancels = std::max(c.cancels, cancels);
  c.large_cancels = std::max(c.large_cancels, large_cancels);
  c.opened = std::max(c.opened, opened);
}

void RiskEngine::count_history(AgentId agent, InstrumentIndex instrument, std::int32_t messages, bool cancelled,
                               std::int32_t volume) noexcept {
  if (instrument >= instrument_counters_.size()) return;
  Counters& ac = agent_counters(agent, instrument);  // kNoAgent: a scratch record, the account's count only
  Counters& ic = instrument_counters_[instrument];
  ac.messages += messages;
  ic.messages += messages;
  if (!cancelled) return;
  ++ac.cancels;
  ++ic.cancels;
  if (is_large(instrument_limits(instrument), instrument, volume)) {
    ++ac.large_cancels;
    ++ic.large_cancels;
  }
}

bool RiskEngine::ends_with_remainder(OrderStatus status, OrderKind kind, std::int32_t traded,
                                     std::int32_t volume) noexcept {
  return status == OrderStatus::Cancelled && traded < volume && (kind == OrderKind::Fak || kind == OrderKind::Fok);
}

void RiskEngine::count_remainder_cancel(AgentId agent, InstrumentIndex instrument, bool cancel_counted,
                                        bool cancel_sent) noexcept {
  if (instrument >= instrument_counters_.size()) return;
  const InstrumentLimits& il = instrument_limits(instrument);
  Counters& ac = agent_counters(agent, instrument);
  Counters& ic = instrument_counters_[instrument];
  if (!cancel_counted && !il.fak_fok_cancels_exempt) {  // the exchange counts the remainder as a cancel
    ++ac.cancels;
    ++ic.cancels;
  }
  if (!cancel_sent && il.unfilled_fak_fok_two_messages) {  // ... and/or as a second message
    ++ac.messages;
    ++ic.messages;
  }
}

// ---- helpers ---------------------------------------------------------------------------------------------

const InstrumentLimits& RiskEngine::instrument_limits(InstrumentIndex instrument) noexcept {
  if (instrument >= limits_slot_.size()) return limits_.instrument;
  std::uint8_t& slot = limits_slot_[instrument];
  if (slot == kUnresolved) {
    slot = 0;
    if (registry_.contains(instrument)) {
      const core::ExchangeId& ex = registry_.at(instrument).spec.exchange;
      for (std::uint32_t i = 0; i < limits_.exchange_count; ++i) {
        if (limits_.exchanges[i].exchange == ex) {
          slot = static_cast<std::uint8_t>(i + 1);
          break;
        }
      }
    }
  }
  return slot == 0 ? limits_.instrument : limits_.exchanges[slot - 1].limits;
}

RiskEngine::Counters& RiskEngine::agent_counters(AgentId agent, InstrumentIndex instrument) noexcept {
  if (agent >= capacity_.max_agents || instrument >= capacity_.max_instruments) {
    scratch_ = Counters{};
    return scratch_;
  }
  return agent_counters_[static_cast<std::size_t>(agent) * capacity_.max_instruments + instrument];
}

RiskEngine::Working* RiskEngine::find_working(OrderId id) noexcept {
  const std::size_t index = static_cast<std::size_t>(id & 0xFFFF'FFFFULL);
  if (id == 0 || index >= working_.size() || working_[index].id != id) return nullptr;
  return &working_[index];
}

const char* RiskEngine::agent_label(AgentId agent) const noexcept {
  if (agent < agents_.size() && !agents_[agent].name.empty()) return agents_[agent].name.c_str();
  return agent == kNoAgent ? "(external)" : "?";
}

bool RiskEngine::is_large(const InstrumentLimits& il, InstrumentIndex instrument, std::int32_t volume) const noexcept {
  if (il.large_order_lots > 0 && volume >= il.large_order_lots) return true;
  if (il.large_order_ratio > 0.0 && registry_.contains(instrument)) {
    const std::int32_t max = registry_.at(instrument).spec.max_limit_order_volume;
    if (max > 0 && static_cast<double>(volume) >= il.large_order_ratio * max) return true;
  }
  return false;
}

RiskVerdict RiskEngine::refuse(RiskVerdict verdict) noexcept {
  const auto code = static_cast<std::size_t>(verdict.code);
  if (code >= kRiskCodeBase && code < kRiskCodeBase + kRiskCodeCount) ++stats_.rejects[code - kRiskCodeBase];
  return verdict;
}

std::uint64_t RiskEngine::rejects(RejectCode code) const noexcept {
  const auto c = static_cast<std::size_t>(code);
  return c >= kRiskCodeBase && c < kRiskCodeBase + kRiskCodeCount ? stats_.rejects[c - kRiskCodeBase] : 0;
}

std::int32_t RiskEngine::daily_cancels(AgentId agent, InstrumentIndex instrument) const noexcept {
  if (instrument >= capacity_.max_instruments) return 0;
  if (agent == kNoAgent) return instrument_counters_[instrument].cancels;
  if (agent >= capacity_.max_agents) return 0;
  return agent_counters_[static_cast<std::size_t>(agent) * capacity_.max_instruments + instrument].cancels;
}

std::int32_t RiskEngine::daily_messages(AgentId agent, InstrumentIndex instrument) const noexcept {
  if (instrument >= capacity_.max_instruments) return 0;
  if (agent == kNoAgent) return instrument_counters_[instrument].messages;
  if (agent >= capacity_.max_agents) return 0;
  return agent_counters_[static_cast<std::size_t>(agent) * capacity_.max_instruments + instrument].messages;
}

std::int32_t RiskEngine::daily_large_cancels(AgentId agent, InstrumentIndex instrument) const noexcept {
  if (instrument >= capacity_.max_instruments) return 0;
  if (agent == kNoAgent) return instrument_counters_[instrument].large_cancels;
  if (agent >= capacity_.max_agents) return 0;
  return agent_counters_[static_cast<std::size_t>(agent) * capacity_.max_instruments + instrument].large_cancels;
}

std::int32_t RiskEngine::daily_opened(AgentId agent, InstrumentIndex instrument) const noexcept {
  if (instrument >= capacity_.max_instruments) return 0;
  if (agent == kNoAgent) return instrument_counters_[instrument].opened;
  if (agent >= capacity_.max_agents) return 0;
  return agent_counters_[static_cast<std::size_t>(agent) * capacity_.max_instruments + instrument].opened;
}

std::int32_t RiskEngine::working_orders(AgentId agent) const noexcept {
  if (agent == kNoAgent) return account_working_;
  return agent < agents_.size() ? agents_[agent].working : 0;
}

// ---- rules: orders -------------------------------------------------------------------------------------------

RiskVerdict RiskEngine::check_loss_rules(AgentId agent, const OrderIntent& intent,
                                         const RiskContext& context) noexcept {
  const core::LedgerView* ledgers = context.ledgers;
  if (ledgers == nullptr) return RiskVerdict::accept();
  const AccountLimits& acc = limits_.account;
  if (acc.daily_loss > 0.0 || acc.max_drawdown > 0.0) {
    const double pnl = ledgers->pnl_today(kNoAgent);
    account_peak_pnl_ = std::max(account_peak_pnl_, pnl);
    if (acc.daily_loss > 0.0 && pnl <= -acc.daily_loss && account_state_ == TradingState::Active) {
      char text[96];
      std::snprintf(text, sizeof text, "account daily loss %.2f reached limit %.2f", -pnl, acc.daily_loss);
      if (acc.daily_loss_kills) {
        kill(text);
      } else {
        account_state_ = TradingState::Reducing;
        account_reason_.assign(text);
      }
      if (!is_reducing(intent.offset) || account_state_ == TradingState::Halted) {
        return refuse(RiskVerdict::reject(acc.daily_loss_kills ? RejectCode::RiskKillSwitch : RejectCode::RiskDailyLoss,
                                          "%s", text));
      }
    }
    if (acc.max_drawdown > 0.0 && account_peak_pnl_ - pnl >= acc.max_drawdown &&
        account_state_ == TradingState::Active) {
      account_state_ = TradingState::Reducing;
      char text[96];
      std::snprintf(text, sizeof text, "account drawdown %.2f reached limit %.2f", account_peak_pnl_ - pnl,
                    acc.max_drawdown);
      account_reason_.assign(text);
      if (!is_reducing(intent.offset)) return refuse(RiskVerdict::reject(RejectCode::RiskDrawdown, "%s", text));
    }
  }
  if (agent >= agents_.size()) return RiskVerdict::accept();
  AgentState& a = agents_[agent];
  if (a.limits.daily_loss > 0.0 || a.limits.max_drawdown > 0.0) {
    const double pnl = ledgers->pnl_today(agent);
    a.peak_pnl = std::max(a.peak_pnl, pnl);
    if (a.state == TradingState::Active && a.limits.daily_loss > 0.0 && pnl <= -a.limits.daily_loss) {
      a.state = TradingState::Reducing;
      char text[96];
      std::snprintf(text, sizeof text, "agent=%s daily loss %.2f reached limit %.2f", agent_label(agent), -pnl,
                    a.limits.daily_loss);
      a.reason.assign(text);
      if (!is_reducing(intent.offset)) return refuse(RiskVerdict::reject(RejectCode::RiskDailyLoss, "%s", text));
    }
    if (a.state == TradingState::Active && a.limits.max_drawdown > 0.0 && a.peak_pnl - pnl >= a.limits.max_drawdown) {
      a.state = TradingState::Reducing;
      char text[96];
      std::snprintf(text, sizeof text, "agent=%s drawdown %.2f reached limit %.2f", agent_label(agent),
                    a.peak_pnl - pnl, a.limits.max_drawdown);
      a.reason.assign(text);
      if (!is_reducing(intent.offset)) return refuse(RiskVerdict::reject(RejectCode::RiskDrawdown, "%s", text));
    }
  }
  return RiskVerdict::accept();
}

RiskVerdict RiskEngine::check_order(const OrderIntent& in, const RiskContext& context) noexcept {
  if (updates_->size_approx() != 0) apply_pending_noexcept();
  ++stats_.orders_checked;
  const AgentId agent = in.agent;
  const bool known_agent = agent < agents_.size();
  const char* name = agent_label(agent);
  const bool has_instrument = registry_.contains(in.instrument);
  const char* symbol = has_instrument ? registry_.at(in.instrument).spec.symbol.c_str() : "?";
  const bool opening = !is_reducing(in.offset);

  // States first: they hold even when the rules are disabled.
  const TradingState own = known_agent ? agents_[agent].state : TradingState::Active;
  if (account_state_ == TradingState::Halted) {
    if (killed_)
      return refuse(RiskVerdict::reject(RejectCode::RiskKillSwitch,
                                        "agent=%s %s: account halted by the kill switch (%s)", name, symbol,
                                        kill_reason_.c_str()));
    return refuse(RiskVerdict::reject(RejectCode::RiskHalted, "agent=%s %s: account halted (%s)", name, symbol,
                                      account_reason_.c_str()));
  }
  if (own == TradingState::Halted) {
    return refuse(RiskVerdict::reject(RejectCode::RiskHalted, "agent=%s %s: agent halted (%s)", name, symbol,
                                      agents_[agent].reason.c_str()));
  }
  if (opening && (own == TradingState::Reducing || account_state_ == TradingState::Reducing)) {
    const bool acct = account_state_ == TradingState::Reducing;
    return refuse(RiskVerdict::reject(RejectCode::RiskReducing, "agent=%s %s: %s is reducing only (%s): open refused",
                                      name, symbol, acct ? "account" : "agent",
                                      acct ? account_reason_.c_str() : agents_[agent].reason.c_str()));
  }
  if (!limits_.enabled) return RiskVerdict::accept();
  if (RiskVerdict v = check_loss_rules(agent, in, context); !v.accepted()) return v;

  const InstrumentLimits& il = instrument_limits(in.instrument);
  const AgentLimits& al = known_agent ? agents_[agent].limits : limits_.agent;
  const bool agent_rules = known_agent && al.enabled;

  // Session gate and stale-data guard.
  if (has_instrument) {
    const core::InstrumentState& st = registry_.at(in.instrument);
    const std::uint8_t status = st.trading_status;
    if (il.session_gate && status != 0 && status != kStatusContinuous &&
        !(status == kStatusAuctionOrdering && in.kind == OrderKind::Limit)) {
      return refuse(RiskVerdict::reject(RejectCode::RiskSessionClosed,
                                        "agent=%s %s: instrument status '%c' is not trading", name, symbol,
                                        static_cast<char>(status)));
    }
    // An instrument never ticked (not subscribed) is not judged: there is no feed to be stale. The price
    // band has no reference then either; the exchange's own limit check still applies.
    if (il.stale_after_ms > 0 && (status == 0 || status == kStatusContinuous) && st.has_tick) {
      const std::int64_t age_ms = (in.now_ns - st.last_tick.recv_ns) / 1'000'000;
      if (age_ms >= il.stale_after_ms) {
        return refuse(RiskVerdict::reject(RejectCode::RiskStaleData,
                                          "agent=%s %s: last tick %lld ms old (limit %lld ms)", name, symbol,
                                          static_cast<long long>(age_ms), static_cast<long long>(il.stale_after_ms)));
      }
    }
  }

  // Volume per order.
  if (agent_rules && al.max_order_volume > 0 && in.volume > al.max_order_volume) {
    return refuse(RiskVerdict::reject(RejectCode::RiskMaxOrderVolume,
                                      "agent=%s %s volume %d > %d (agent max per order)", name, symbol, in.volume,
                                      al.max_order_volume));
  }
  if (il.max_order_volume > 0 && in.volume > il.max_order_volume) {
    return refuse(RiskVerdict::reject(RejectCode::RiskMaxOrderVolume,
                                      "agent=%s %s volume %d > %d (instrument max per order)", name, symbol, in.volume,
                                      il.max_order_volume));
  }
  if (il.max_order_volume_ratio > 0.0 && has_instrument) {
    const std::int32_t exchange_max = registry_.at(in.instrument).spec.max_limit_order_volume;
    if (exchange_max > 0 && static_cast<double>(in.volume) > il.max_order_volume_ratio * exchange_max) {
      return refuse(RiskVerdict::reject(RejectCode::RiskMaxOrderVolume,
                                        "agent=%s %s volume %d > %.0f%% of the exchange max %d", name, symbol,
                                        in.volume, il.max_order_volume_ratio * 100.0, exchange_max));
    }
  }

  // Fat-finger price band around last / mid.
  if (in.kind != OrderKind::Market && has_instrument && (il.price_band_ticks > 0 || il.price_band_pct > 0.0)) {
    const core::InstrumentState& st = registry_.at(in.instrument);
    double reference = 0.0;
    if (st.has_tick) {
      const core::TickData& t = st.last_tick;
      if (il.price_band_use_mid && t.bid_price[0] > 0.0 && t.ask_price[0] > 0.0) {
        reference = (t.bid_price[0] + t.ask_price[0]) / 2.0;
      } else {
        reference = t.last_price;
      }
    }
    const double tick = st.spec.price_tick;
    if (reference > 0.0 && tick > 0.0) {
      const double distance_ticks = std::fabs(static_cast<double>(in.price_ticks) - reference / tick);
      if (il.price_band_ticks > 0 && distance_ticks > il.price_band_ticks + 1e-9) {
        return refuse(RiskVerdict::reject(RejectCode::RiskPriceBand,
                                          "agent=%s %s price %g is %.1f ticks from %g (band %d ticks)", name, symbol,
                                          in.price, distance_ticks, reference, il.price_band_ticks));
      }
      const double pct = distance_ticks * tick / reference * 100.0;
      if (il.price_band_pct > 0.0 && pct > il.price_band_pct + 1e-9) {
        return refuse(RiskVerdict::reject(RejectCode::RiskPriceBand,
                                          "agent=%s %s price %g is %.2f%% from %g (band %.2f%%)", name, symbol,
                                          in.price, pct, reference, il.price_band_pct));
      }
    }
  }

  // Working orders.
  if (agent_rules && al.max_active_orders > 0 && agents_[agent].working >= al.max_active_orders) {
    return refuse(RiskVerdict::reject(RejectCode::RiskActiveOrders, "agent=%s %s working orders %d/%d", name, symbol,
                                      agents_[agent].working, al.max_active_orders));
  }
  if (limits_.account.max_active_orders > 0 && account_working_ >= limits_.account.max_active_orders) {
    return refuse(RiskVerdict::reject(RejectCode::RiskActiveOrders, "agent=%s %s account working orders %d/%d", name,
                                      symbol, account_working_, limits_.account.max_active_orders));
  }

  // Order-rate windows (checked all, recorded only when everything passed).
  if (agent_rules) {
    if (SlidingWindow* w = full_window(agents_[agent].order_windows, in.now_ns)) {
      return refuse(RiskVerdict::reject(RejectCode::RiskOrderRate, "agent=%s %s orders %u/%u in %lld ms", name, symbol,
                                        w->count(in.now_ns), w->limit(),
                                        static_cast<long long>(w->window_ns() / 1'000'000)));
    }
  }
  if (SlidingWindow* w = full_window(account_order_windows_, in.now_ns)) {
    return refuse(RiskVerdict::reject(RejectCode::RiskOrderRate, "agent=%s %s account orders %u/%u in %lld ms", name,
                                      symbol, w->count(in.now_ns), w->limit(),
                                      static_cast<long long>(w->window_ns() / 1'000'000)));
  }

  // Daily per-instrument counts.
  Counters& ac = agent_counters(agent, in.instrument);
  Counters& ic = in.instrument < instrument_counters_.size() ? instrument_counters_[in.instrument] : scratch_;
  if (agent_rules && al.daily_messages > 0 && ac.messages >= al.daily_messages) {
    return refuse(RiskVerdict::reject(RejectCode::RiskMessageLimit, "agent=%s %s messages %d/%d today", name, symbol,
                                      ac.messages, al.daily_messages));
  }
  if (il.daily_messages > 0 && ic.messages >= il.daily_messages) {
    return refuse(RiskVerdict::reject(RejectCode::RiskMessageLimit, "agent=%s %s account messages %d/%d today", name,
                                      symbol, ic.messages, il.daily_messages));
  }
  // An order that rests needs a cancel budget: none left -> no new cancellable orders (ctp-semantics §8).
  if (in.kind == OrderKind::Limit) {
    if (agent_rules && al.daily_cancels > 0 && ac.cancels >= al.daily_cancels) {
      return refuse(RiskVerdict::reject(RejectCode::RiskCancelLimit,
                                        "agent=%s %s cancels %d/%d today: no new resting orders", name, symbol,
                                        ac.cancels, al.daily_cancels));
    }
    if (il.daily_cancels > 0 && ic.cancels >= il.daily_cancels) {
      return refuse(RiskVerdict::reject(RejectCode::RiskCancelLimit,
                                        "agent=%s %s account cancels %d/%d today: no new resting orders", name, symbol,
                                        ic.cancels, il.daily_cancels));
    }
  }
  if (opening) {
    if (agent_rules && al.daily_open_volume > 0 && ac.opened + ac.pending_open + in.volume > al.daily_open_volume) {
      return refuse(RiskVerdict::reject(RejectCode::RiskOpenVolumeLimit,
                                        "agent=%s %s open volume %d+%d working+%d > %d today", name, symbol, ac.opened,
                                        ac.pending_open, in.volume, al.daily_open_volume));
    }
    if (il.daily_open_volume > 0 && ic.opened + ic.pending_open + in.volume > il.daily_open_volume) {
      return refuse(RiskVerdict::reject(RejectCode::RiskOpenVolumeLimit,
                                        "agent=%s %s account open volume %d+%d working+%d > %d today", name, symbol,
                                        ic.opened, ic.pending_open, in.volume, il.daily_open_volume));
    }
  }

  // Position and capital (ledgers).
  if (opening && context.ledgers != nullptr) {
    const core::LedgerView& lv = *context.ledgers;
    const auto held = [&](AgentId who) {
      return (in.direction == Direction::Buy ? lv.long_volume(who, in.instrument)
                                             : lv.short_volume(who, in.instrument)) +
             lv.pending_open_volume(who, in.instrument, in.direction);
    };
    if (agent_rules && al.max_position > 0) {
      const std::int32_t h = held(agent);
      if (h + in.volume > al.max_position) {
        return refuse(RiskVerdict::reject(
            RejectCode::RiskPositionLimit, "agent=%s %s %s position %d held+working + %d > %d", name, symbol,
            in.direction == Direction::Buy ? "long" : "short", h, in.volume, al.max_position));
      }
    }
    if (il.max_position > 0) {
      const std::int32_t h = held(kNoAgent);
      if (h + in.volume > il.max_position) {
        return refuse(RiskVerdict::reject(
            RejectCode::RiskPositionLimit, "agent=%s %s account %s position %d held+working + %d > %d", name, symbol,
            in.direction == Direction::Buy ? "long" : "short", h, in.volume, il.max_position));
      }
    }
    if (agent_rules && al.check_capital) {
      const double cost = lv.order_cost(agent, in.instrument, in.direction, in.offset, in.price, in.volume);
      const double available = lv.available_capital(agent);
      if (cost > available) {
        return refuse(RiskVerdict::reject(RejectCode::RiskCapital, "agent=%s %s order cost %.2f > available %.2f", name,
                                          symbol, cost, available));
      }
    }
  }

  // Self-trade prevention: any resting order of the account on the other side at a crossing price. Only
  // GFD limit orders rest: an immediate-or-cancel order (FAK, FOK, market) in flight is matched or cancelled
  // on arrival, so a later order can never trade against it.
  if (il.self_trade_prevention && in.instrument < list_head_.size()) {
    for (std::uint32_t i = list_head_[in.instrument]; i != kNil; i = working_[i].next) {
      const Working& w = working_[i];
      if (w.direction == in.direction || w.kind != OrderKind::Limit) continue;
      const bool crosses =
          in.kind == OrderKind::Market ||
          (in.direction == Direction::Buy ? in.price_ticks >= w.price_ticks : in.price_ticks <= w.price_ticks);
      if (crosses) {
        const double tick = has_instrument ? registry_.at(in.instrument).spec.price_tick : 0.0;
        return refuse(RiskVerdict::reject(RejectCode::RiskSelfTrade,
                                          "agent=%s %s %s %g would cross own %s %g (order of agent=%s)", name, symbol,
                                          side(in.direction), in.price, side(w.direction),
                                          static_cast<double>(w.price_ticks) * tick, agent_label(w.agent)));
      }
    }
  }

  count_sent_order(in);
  return RiskVerdict::accept();
}

void RiskEngine::count_sent_order(const OrderIntent& in) noexcept {
  const AgentId agent = in.agent;
  if (agent < agents_.size() && agents_[agent].limits.enabled) record_all(agents_[agent].order_windows, in.now_ns);
  record_all(account_order_windows_, in.now_ns);
  ++agent_counters(agent, in.instrument).messages;
  if (in.instrument < instrument_counters_.size()) ++instrument_counters_[in.instrument].messages;
}

// ---- rules: cancels ------------------------------------------------------------------------------------------

RiskVerdict RiskEngine::check_cancel(const CancelIntent& in, const RiskContext&) noexcept {
  if (updates_->size_approx() != 0) apply_pending_noexcept();
  ++stats_.cancels_checked;
  const AgentId agent = in.agent;
  const bool known_agent = agent < agents_.size();
  const char* name = agent_label(agent);
  const bool has_instrument = registry_.contains(in.instrument);
  const char* symbol = has_instrument ? registry_.at(in.instrument).spec.symbol.c_str() : "?";
  const InstrumentLimits& il = instrument_limits(in.instrument);
  const AgentLimits& al = known_agent ? agents_[agent].limits : limits_.agent;
  const bool agent_rules = known_agent && al.enabled;
  // An explicit cancel request is always a cancel, whatever the order's kind: the FAK/FOK exemption covers
  // only the exchange's own cancel of an IOC remainder (on_order_update).
  Working* w = find_working(in.order);
  const bool large = w != nullptr && w->large;
  Counters& ac = agent_counters(agent, in.instrument);
  Counters& ic = in.instrument < instrument_counters_.size() ? instrument_counters_[in.instrument] : scratch_;

  // The kill switch's cancels pass every rule (still counted).
  if (limits_.enabled && !killing_ && !bypass_cancel_rules_) {
    if (agent_rules) {
      if (SlidingWindow* win = full_window(agents_[agent].cancel_windows, in.now_ns)) {
        return refuse(RiskVerdict::reject(RejectCode::RiskCancelRate, "agent=%s %s cancels %u/%u in %lld ms", name,
                                          symbol, win->count(in.now_ns), win->limit(),
                                          static_cast<long long>(win->window_ns() / 1'000'000)));
      }
    }
    if (SlidingWindow* win = full_window(account_cancel_windows_, in.now_ns)) {
      return refuse(RiskVerdict::reject(RejectCode::RiskCancelRate, "agent=%s %s account cancels %u/%u in %lld ms",
                                        name, symbol, win->count(in.now_ns), win->limit(),
                                        static_cast<long long>(win->window_ns() / 1'000'000)));
    }
    if (agent_rules && al.daily_cancels > 0 && ac.cancels >= al.daily_cancels) {
      return refuse(RiskVerdict::reject(RejectCode::RiskCancelLimit, "agent=%s %s cancels %d/%d today", name, symbol,
                                        ac.cancels, al.daily_cancels));
    }
    if (il.daily_cancels > 0 && ic.cancels >= il.daily_cancels) {
      return refuse(RiskVerdict::reject(RejectCode::RiskCancelLimit, "agent=%s %s account cancels %d/%d today", name,
                                        symbol, ic.cancels, il.daily_cancels));
    }
    if (large && agent_rules && al.large_cancels > 0 && ac.large_cancels >= al.large_cancels) {
      return refuse(RiskVerdict::reject(RejectCode::RiskLargeCancelLimit, "agent=%s %s large-order cancels %d/%d today",
                                        name, symbol, ac.large_cancels, al.large_cancels));
    }
    if (large && il.large_cancels > 0 && ic.large_cancels >= il.large_cancels) {
      return refuse(RiskVerdict::reject(RejectCode::RiskLargeCancelLimit,
                                        "agent=%s %s account large-order cancels %d/%d today", name, symbol,
                                        ic.large_cancels, il.large_cancels));
    }
    if (agent_rules && al.daily_messages > 0 && ac.messages >= al.daily_messages) {
      return refuse(RiskVerdict::reject(RejectCode::RiskMessageLimit, "agent=%s %s messages %d/%d today", name, symbol,
                                        ac.messages, al.daily_messages));
    }
    if (il.daily_messages > 0 && ic.messages >= il.daily_messages) {
      return refuse(RiskVerdict::reject(RejectCode::RiskMessageLimit, "agent=%s %s account messages %d/%d today", name,
                                        symbol, ic.messages, il.daily_messages));
    }
  }

  count_sent_cancel(in);
  return RiskVerdict::accept();
}

void RiskEngine::count_sent_cancel(const CancelIntent& in) noexcept {
  const AgentId agent = in.agent;
  if (agent < agents_.size()) record_all(agents_[agent].cancel_windows, in.now_ns);
  record_all(account_cancel_windows_, in.now_ns);
  Working* w = find_working(in.order);
  const bool large = w != nullptr && w->large;
  Counters& ac = agent_counters(agent, in.instrument);
  Counters& ic = in.instrument < instrument_counters_.size() ? instrument_counters_[in.instrument] : scratch_;
  ++ac.messages;
  ++ic.messages;
  if (w != nullptr) w->cancel_sent = true;
  if (!(w != nullptr && w->cancel_counted)) {  // a cancel already counted for it: not twice
    ++ac.cancels;
    ++ic.cancels;
    if (large) {
      ++ac.large_cancels;
      ++ic.large_cancels;
    }
    if (w != nullptr) w->cancel_counted = true;
  }
}

// ---- order tracking ------------------------------------------------------------------------------------------

void RiskEngine::unlink(Working& w) noexcept {
  if (w.prev != kNil) {
    working_[w.prev].next = w.next;
  } else if (w.instrument < list_head_.size()) {
    list_head_[w.instrument] = w.next;
  }
  if (w.next != kNil) working_[w.next].prev = w.prev;
  w.prev = w.next = kNil;
}

void RiskEngine::uncount_cancel(Working& w) noexcept {
  if (!w.cancel_counted) return;
  w.cancel_counted = false;
  Counters& ac = agent_counters(w.agent, w.instrument);
  Counters& ic = w.instrument < instrument_counters_.size() ? instrument_counters_[w.instrument] : scratch_;
  if (ac.cancels > 0) --ac.cancels;
  if (ic.cancels > 0) --ic.cancels;
  if (w.large) {
    if (ac.large_cancels > 0) --ac.large_cancels;
    if (ic.large_cancels > 0) --ic.large_cancels;
  }
}

void RiskEngine::on_order_update(const OrderUpdate& u) noexcept {
  if (updates_->size_approx() != 0) apply_pending_noexcept();
  const std::size_t index = static_cast<std::size_t>(u.id & 0xFFFF'FFFFULL);
  const bool final = core::is_final(u.status);
  if (recovering_ && u.id == 0 && final) {  // the counter's history: reported once per final status
    const bool cancelled = u.status == OrderStatus::Cancelled && u.reject_code != RejectCode::ExchangeRejected;
    if (cancelled && ends_with_remainder(u.status, u.kind, u.traded, u.volume)) {
      // An IOC order: the exchange cancelled its remainder (a cancel request of ours is not in the report;
      // the journal has it).
      count_history(u.agent, u.instrument, 1, false, u.volume);
      count_remainder_cancel(u.agent, u.instrument, false, false);
    } else {
      count_history(u.agent, u.instrument, cancelled ? 2 : 1, cancelled, u.volume);  // its insert (and cancel)
    }
    if (u.offset == Offset::Open && u.traded > 0 && u.instrument < instrument_counters_.size()) {
      agent_counters(u.agent, u.instrument).opened += u.traded;
      instrument_counters_[u.instrument].opened += u.traded;
    }
  }
  if (u.id == 0 || index >= working_.size() || u.instrument >= list_head_.size()) return;
  Working* w = working_[index].id == u.id ? &working_[index] : nullptr;
  if (w == nullptr) {
    if (final) return;                                                          // never seen working: nothing to track
    if (recovering_) count_history(u.agent, u.instrument, 1, false, u.volume);  // adopted: its insert
    Working& slot = working_[index];
    if (slot.id != 0) retire(slot);  // a stale entry of a previous generation (its final update was missed)
    slot = Working{};
    slot.id = u.id;
    slot.agent = u.agent;
    slot.instrument = u.instrument;
    slot.direction = u.direction;
    slot.offset = u.offset;
    slot.kind = u.kind;
    slot.volume = u.volume;
    slot.traded = 0;
    const double tick = registry_.contains(u.instrument) ? registry_.at(u.instrument).spec.price_tick : 0.0;
    slot.price_ticks = tick > 0.0 ? std::llround(u.price / tick) : 0;
    slot.large = is_large(instrument_limits(u.instrument), u.instrument, u.volume);
    slot.next = list_head_[u.instrument];
    slot.prev = kNil;
    if (slot.next != kNil) working_[slot.next].prev = static_cast<std::uint32_t>(index);
    list_head_[u.instrument] = static_cast<std::uint32_t>(index);
    if (u.agent < agents_.size()) ++agents_[u.agent].working;
    ++account_working_;
    if (slot.offset == Offset::Open) {
      agent_counters(u.agent, u.instrument).pending_open += slot.volume;
      instrument_counters_[u.instrument].pending_open += slot.volume;
    }
    w = &slot;
  }
  // Fills: working open lots become opened lots.
  if (u.traded > w->traded) {
    const std::int32_t delta = std::min(u.traded, w->volume) - w->traded;
    w->traded += delta;
    if (w->offset == Offset::Open && delta > 0) {
      Counters& ac = agent_counters(w->agent, w->instrument);
      Counters& ic = instrument_counters_[w->instrument];
      ac.pending_open -= delta;
      ac.opened += delta;
      ic.pending_open -= delta;
      ic.opened += delta;
    }
  }
  if (u.reject_code == RejectCode::CancelRejected && !final) uncount_cancel(*w);  // the cancel did not happen
  if (!final) return;
  if (recovering_ && u.status == OrderStatus::Cancelled && !w->cancel_counted) {
    count_history(w->agent, w->instrument, 1, true, w->volume);  // an adopted order cancelled from elsewhere
    w->cancel_counted = true;
  }
  if (u.status == OrderStatus::Rejected) uncount_cancel(*w);  // cancels of rejected orders do not count
  if (ends_with_remainder(u.status, w->kind, w->traded, w->volume)) {
    count_remainder_cancel(w->agent, w->instrument, w->cancel_counted, w->cancel_sent);
  }
  retire(*w);
}

void RiskEngine::retire(Working& w) noexcept {
  if (w.offset == Offset::Open) {
    const std::int32_t rest = w.volume - w.traded;
    agent_counters(w.agent, w.instrument).pending_open -= rest;
    instrument_counters_[w.instrument].pending_open -= rest;
  }
  if (w.agent < agents_.size()) --agents_[w.agent].working;
  --account_working_;
  unlink(w);
  w.id = 0;
}

void RiskEngine::on_trade(const TradeUpdate&) noexcept {
  // Open volume and fills are taken from order updates (they report fills before trades arrive); PnL and
  // positions come from the ledgers. Nothing to count here.
}

}  // namespace shandian::risk
