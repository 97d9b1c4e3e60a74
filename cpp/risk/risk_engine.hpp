// RiskEngine: the pre-trade rule set, implementing core::RiskHook on the engine thread.
//
// Every insert and every cancel is checked against the rules of three scopes (risk_limits.hpp); a refusal
// carries a stable RejectCode and a reason with its numbers, e.g.
//   RISK_CANCEL_LIMIT  "agent=mm rb2505 cancels 480/480 today"
// and is counted per code (stats()). Counters are updated only for admitted requests (a refused request
// never counts against later ones). Working orders are tracked from on_order_update (every order of the
// account, any agent, external ones included), which feeds self-trade prevention, active-order counts,
// open-volume caps and the cancel bookkeeping:
//   * a daily cancel is counted when the cancel is admitted, and subtracted back when the cancel was
//     refused (CancelRejected) or the order turned out rejected (cancels of rejected orders do not count);
//   * an explicit cancel request always counts and is always checked, whatever the order's kind; the
//     exchange's own cancel of an unfilled FAK/FOK remainder counts as a cancel only where the exchange
//     counts it (InstrumentLimits::fak_fok_cancels_exempt = false, CFFEX);
//   * messages (inserts + cancels) are counted when admitted and never subtracted (they were sent); where
//     the exchange charges the remainder's cancel as a message of its own (SHFE/INE 申报费: an unfilled
//     FAK/FOK is two messages; InstrumentLimits::unfilled_fak_fok_two_messages) it counts when the order
//     ends cancelled with lots unfilled and no cancel request of ours (whose message counted already).
//
// Trading states per agent and for the account: ACTIVE, REDUCING (only close offsets), HALTED (only
// cancels). An agent's effective state is the stricter of its own and the account's. Cancels are never
// refused because of a state. kill() halts the account, and its KillSink cancels every working order; while
// it runs, cancels bypass the cancel rules (a kill switch must not be throttled by them). Rules change
// states: agent daily loss / drawdown -> the agent REDUCING; account drawdown -> the account REDUCING;
// account daily loss -> kill (or REDUCING when daily_loss_kills is false). States are sticky until set
// back explicitly (set_agent_state / set_account_state) or a new trading day (new_day()).
//
// Position, capital and PnL rules read RiskContext::ledgers; when it is nullptr they are skipped (never a
// false reject). Limit-up/down and tick-multiple validity are the engine's own validation
// (PRICE_OUTSIDE_LIMITS, PRICE_NOT_ON_TICK) and run before this hook; the price band here is the
// fat-finger band around last/mid.
//
// Threads: everything runs on the engine thread except post_limits() / post_agent_limits(), which any
// thread may call: updates go through an MpscQueue and are applied by the engine thread at its next check
// or update (apply_pending()). Applying an update may allocate (window rings are re-sized); checks never do.
#pragma once

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/risk_hook.hpp"
#include "queue/mpsc_queue.hpp"
#include "risk/risk_limits.hpp"
#include "risk/sliding_window.hpp"

namespace shandian::risk {

using core::CancelIntent;
using core::InstrumentIndex;
using core::OrderId;
using core::OrderIntent;
using core::OrderUpdate;
using core::RejectCode;
using core::RiskContext;
using core::RiskVerdict;
using core::TradeUpdate;

// Receives the kill switch's order to cancel everything (runtime::EngineKillSink calls Engine::cancel_all
// for every agent and for no agent). Called on the engine thread from kill().
class KillSink {
 public:
  virtual ~KillSink() = default;
  virtual void cancel_everything() noexcept = 0;
};

// What the risk engine's counting reads of an order update. Journal replays and rule tests build their
// updates from these facts (order_update_of), the engine publishes the full record.
struct OrderFacts {
  OrderId id = 0;
  AgentId agent = core::kNoAgent;
  InstrumentIndex instrument = core::kNoInstrument;
  core::Direction direction = core::Direction::Buy;
  core::Offset offset = core::Offset::Open;
  core::OrderKind kind = core::OrderKind::Limit;
  core::OrderStatus status = core::OrderStatus::Submitting;
  double price = 0.0;
  std::int32_t volume = 0;
  std::int32_t traded = 0;
  bool cancel_rejected = false;  // the update reports a refused cancel (RejectCode::CancelRejected)
};

[[nodiscard]] inline OrderUpdate order_update_of(const OrderFacts& f) noexcept {
  OrderUpdate u{};
  u.id = f.id;
  u.agent = f.agent;
  u.instrument = f.instrument;
  u.direction = f.direction;
  u.offset = f.offset;
  u.kind = f.kind;
  u.status = f.status;
  u.price = f.price;
  u.volume = f.volume;
  u.traded = f.traded;
  u.reject_code = f.cancel_rejected ? RejectCode::CancelRejected : RejectCode::None;
  return u;
}

// max_order_volume() when no volume rule applies.
inline constexpr std::int32_t kUnlimitedVolume = INT32_MAX;

// insert_room() when no order-rate window applies.
inline constexpr std::int64_t kNoInsertWindow = -1;

struct RiskCapacity {
  std::size_t max_agents = 64;
  std::size_t max_instruments = 4096;
  std::size_t max_live_orders = 16384;  // the order pool's live capacity (OrderId index bound)
  std::size_t update_queue = 128;       // pending live updates (whole limits or one agent's) before post_* fails
};

// Risk reject codes are 100..199 (core/types.hpp); RiskStats counts them by code - 100, sized from the list
// so a new risk code needs no edit here.
inline constexpr std::size_t kRiskCodeBase = 100;
inline constexpr std::size_t kRiskCodeCount = [] {
  std::size_t count = 0;
  for (const auto& entry : core::enum_names(core::RejectCode{})) {
    const auto code = static_cast<std::size_t>(entry.value);
    if (code >= kRiskCodeBase && code < kRiskCodeBase + 100) count = std::max(count, code - kRiskCodeBase + 1);
  }
  return count;
}();

// The risk engine's counters, declared once: X(field, "doc"); for_each_field(stats, f) calls f(name, value)
// per counter (the binding's stats dict iterates it). `rejects` is counted by code - 100.
#define SHANDIAN_RISK_STATS(X) \
  X(orders_checked, "")        \
  X(cancels_checked, "")       \
  X(updates_applied, "")       \
  X(update_failures, "")       \
  X(kills, "")

struct RiskStats {
#define SHANDIAN_STATS_FIELD(field, doc) std::uint64_t field = 0;
  SHANDIAN_RISK_STATS(SHANDIAN_STATS_FIELD)
#undef SHANDIAN_STATS_FIELD
  std::array<std::uint64_t, kRiskCodeCount> rejects{};  // by code - 100
};

template <class F>
constexpr void for_each_field(const RiskStats& s, F&& f) {
#define SHANDIAN_STATS_VISIT(field, doc) f(std::string_view(#field), s.field);
  SHANDIAN_RISK_STATS(SHANDIAN_STATS_VISIT)
#undef SHANDIAN_STATS_VISIT
}

class RiskEngine final : public core::RiskHook {
 public:
  RiskEngine(const core::InstrumentRegistry& registry, RiskCapacity capacity, const RiskLimits& limits = {});
  ~RiskEngine() override;
  RiskEngine(const RiskEngine&) = delete;
  RiskEngine& operator=(const RiskEngine&) = delete;

  // ---- RiskHook (engine thread) -------------------------------------------------------------------
  [[nodiscard]] RiskVerdict check_order(const OrderIntent& intent, const RiskContext& context) noexcept override;
  [[nodiscard]] RiskVerdict check_cancel(const CancelIntent& intent, const RiskContext& context) noexcept override;
  void on_order_update(const OrderUpdate& update) noexcept override;
  void on_trade(const TradeUpdate& trade) noexcept override;

  // ---- configuration (engine thread; may allocate) ----------------------------------------------------
  void set_limits(const RiskLimits& limits);
  // Replaces the agent-scope limits of one agent (an override of limits().agent).
  void set_agent_limits(AgentId agent, const AgentLimits& limits);
  void set_agent_name(AgentId agent, std::string_view name) noexcept;
  void set_kill_sink(KillSink* sink) noexcept { kill_sink_ = sink; }
  [[nodiscard]] const RiskLimits& limits() const noexcept { return limits_; }
  [[nodiscard]] const AgentLimits& agent_limits(AgentId agent) const noexcept;
  // The largest volume one order of `agent` on `instrument` passes the per-order volume rules with: the
  // agent's max (when its rules are enabled), the instrument scope's max and its ratio of the exchange's
  // MaxLimitOrderVolume; kUnlimitedVolume when none applies (0 when the ratio admits no lot at all).
  // Applies queued limit updates first, as check_order does. Engine thread; for orders sized to pass
  // the rules (flatten-on-kill), not a check: check_order still judges every order.
  [[nodiscard]] std::int32_t max_order_volume(AgentId agent, InstrumentIndex instrument) noexcept;

  // How many more orders of `agent` the order-rate windows check_order applies (the agent's, when its rules
  // are enabled, and the account's) admit at `now_ns`: the minimum of limit - count over every enabled
  // window, counted as check_order counts them; kNoInsertWindow when no window applies. Only the windows:
  // other rules may still refuse. Reads the limits in force (queued updates are applied by the next check).
  [[nodiscard]] std::int64_t insert_room(AgentId agent, std::int64_t now_ns) const noexcept;

  // ---- live changes from any thread -----------------------------------------------------------------
  // False when the queue is full (the caller retries); applied at the engine thread's next check.
  [[nodiscard]] bool post_limits(const RiskLimits& limits) noexcept;
  [[nodiscard]] bool post_agent_limits(AgentId agent, const AgentLimits& limits) noexcept;
  // Engine thread: applies queued updates now (checks do it themselves). Returns how many were applied.
  std::size_t apply_pending();

  // ---- states and kill switch (engine thread) ----------------------------------------------------------
  void set_agent_state(AgentId agent, TradingState state) noexcept;
  void set_account_state(TradingState state) noexcept;
  [[nodiscard]] TradingState agent_state(AgentId agent) const noexcept;
  [[nodiscard]] TradingState account_state() const noexcept { return account_state_; }
  // Halts the account (or leaves it REDUCING when `reducing_only`, so a flatten can follow) and cancels
  // every working order through the KillSink; cancel rules are bypassed meanwhile. Idempotent.
  void kill(std::string_view reason, bool reducing_only = false) noexcept;
  [[nodiscard]] bool killed() const noexcept { return killed_; }
  // While set, cancels pass every cancel rule (still counted): an orderly stop must cancel everything.
  void set_cancel_rules_bypassed(bool bypassed) noexcept { bypass_cancel_rules_ = bypassed; }
  [[nodiscard]] std::string_view kill_reason() const noexcept { return kill_reason_.view(); }
  [[nodiscard]] std::string_view state_reason(AgentId agent) const noexcept;
  [[nodiscard]] std::string_view account_state_reason() const noexcept { return account_reason_.view(); }
  // Resets every daily counter and clears loss-triggered states (not the kill switch).
  void new_day() noexcept;

  // ---- restart recovery (engine thread, before agents place orders) -----------------------------------
  // A restart on the same trading day must not give back budget already spent. While recovering, the
  // counter's history of the day as the reconcile reports it counts: each order reported by no one here
  // (id kNoOrder: final orders of a previous process or another session, attributed to the agent a journal
  // link names) or adopted (a pooled order seen first) is one message; one that ended cancelled is one more
  // message and a cancel (a cancel request's, ours or another session's); an IOC order (FAK/FOK, its kind as
  // reported) that ended cancelled with lots unfilled counts as the exchange's cancel of its remainder (the
  // rule of on_order_update: a cancel unless exempt, a second message where charged; a cancel request of ours
  // for it is in the journal, not in the report); its traded lots of an open are opened lots (an adopted
  // order's fills count as any tracked order's).
  void begin_recovery() noexcept { recovering_ = true; }
  void end_recovery() noexcept { recovering_ = false; }
  [[nodiscard]] bool recovering() const noexcept { return recovering_; }
  // Raises the daily counts of (agent, instrument) — with agent == kNoAgent, the account's counts of the
  // instrument — to at least the given values (the journal's exact counts; max, so seeding twice or over the
  // counter's history never adds twice).
  void seed_daily(AgentId agent, InstrumentIndex instrument, std::int32_t messages, std::int32_t cancels,
                  std::int32_t large_cancels, std::int32_t opened) noexcept;

  // ---- counting a journaled day (a scratch engine over the same registry and limits) --------------------
  // What check_order / check_cancel record when they admit a request, without the checks. A journal holds
  // the requests that were sent: replaying them here, and their order updates through on_order_update,
  // rebuilds the daily counts by these very rules (shandian.journal.daily_counts).
  void count_sent_order(const OrderIntent& intent) noexcept;
  void count_sent_cancel(const CancelIntent& intent) noexcept;

  // ---- introspection -------------------------------------------------------------------------------------
  [[nodiscard]] const RiskStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint64_t rejects(RejectCode code) const noexcept;
  [[nodiscard]] std::int32_t daily_cancels(AgentId agent, InstrumentIndex instrument) const noexcept;
  [[nodiscard]] std::int32_t daily_messages(AgentId agent, InstrumentIndex instrument) const noexcept;
  [[nodiscard]] std::int32_t daily_large_cancels(AgentId agent, InstrumentIndex instrument) const noexcept;
  [[nodiscard]] std::int32_t daily_opened(AgentId agent,
                                          InstrumentIndex instrument) const noexcept;  // traded open lots
  [[nodiscard]] std::int32_t working_orders(AgentId agent) const noexcept;             // kNoAgent: account

 private:
  struct Counters {  // per day
    std::int32_t cancels = 0;
    std::int32_t messages = 0;
    std::int32_t large_cancels = 0;
    std::int32_t opened = 0;        // traded open lots
    std::int32_t pending_open = 0;  // working open lots not yet traded
  };
  struct Working {
    OrderId id = 0;  // 0: free slot
    AgentId agent = core::kNoAgent;
    InstrumentIndex instrument = core::kNoInstrument;
    core::Direction direction{};
    core::Offset offset{};
    core::OrderKind kind{};
    bool cancel_counted = false;
    bool cancel_sent = false;  // a cancel request of ours was admitted (its message counted)
    bool large = false;
    std::int64_t price_ticks = 0;
    std::int32_t volume = 0;
    std::int32_t traded = 0;
    std::uint32_t prev = kNil, next = kNil;  // per-instrument list of working orders
  };
  struct AgentState {
    AgentLimits limits{};
    bool overridden = false;
    SlidingWindow order_windows[kMaxWindows];
    SlidingWindow cancel_windows[kMaxWindows];
    std::int32_t working = 0;
    TradingState state = TradingState::Active;
    core::FixedString<96> reason{};
    double peak_pnl = 0.0;
    core::FixedString<32> name{};
  };
  enum class Update : std::uint8_t { Limits, AgentLimits };
  struct PendingUpdate {
    Update kind = Update::Limits;
    AgentId agent = core::kNoAgent;
    RiskLimits limits{};
    AgentLimits agent_limits{};
  };
  static constexpr std::uint32_t kNil = 0xFFFF'FFFFU;

  [[nodiscard]] const InstrumentLimits& instrument_limits(InstrumentIndex instrument) noexcept;
  [[nodiscard]] Counters& agent_counters(AgentId agent, InstrumentIndex instrument) noexcept;
  [[nodiscard]] Working* find_working(OrderId id) noexcept;
  [[nodiscard]] const char* agent_label(AgentId agent) const noexcept;
  [[nodiscard]] bool is_large(const InstrumentLimits& il, InstrumentIndex instrument,
                              std::int32_t volume) const noexcept;
  RiskVerdict refuse(RiskVerdict verdict) noexcept;
  RiskVerdict check_loss_rules(AgentId agent, const OrderIntent& intent, const RiskContext& context) noexcept;
  void configure_windows(AgentState& a);
  void apply_pending_noexcept() noexcept;
  void unlink(Working& w) noexcept;
  void retire(Working& w) noexcept;  // no longer working: counts released, unlinked, slot freed
  void uncount_cancel(Working& w) noexcept;
  // An IOC order (FAK/FOK) ended cancelled with lots unfilled: the exchange cancelled the remainder itself
  // unless our cancel request did.
  [[nodiscard]] static bool ends_with_remainder(core::OrderStatus status, core::OrderKind kind, std::int32_t traded,
                                                std::int32_t volume) noexcept;
  // The exchange's cancel of an IOC remainder: a cancel where the exchange counts it (unless one is counted
  // for the order already), a second message where it charges one (unless a cancel request of ours was sent).
  void count_remainder_cancel(AgentId agent, InstrumentIndex instrument, bool cancel_counted,
                              bool cancel_sent) noexcept;
  // Recovery: one order of the counter's history (see begin_recovery).
  void count_history(AgentId agent, InstrumentIndex instrument, std::int32_t messages, bool cancelled,
                     std::int32_t volume) noexcept;

  const core::InstrumentRegistry& registry_;
  RiskCapacity capacity_;
  RiskLimits limits_{};
  std::vector<AgentState> agents_;
  SlidingWindow account_order_windows_[kMaxWindows];
  SlidingWindow account_cancel_windows_[kMaxWindows];
  std::int32_t account_working_ = 0;
  TradingState account_state_ = TradingState::Active;
  core::FixedString<96> account_reason_{};
  double account_peak_pnl_ = 0.0;
  bool killed_ = false;
  bool killing_ = false;
  bool bypass_cancel_rules_ = false;
  bool recovering_ = false;
  core::FixedString<96> kill_reason_{};
  std::vector<Counters> agent_counters_;       // [agent * max_instruments + instrument]
  std::vector<Counters> instrument_counters_;  // [instrument] (account)
  std::vector<std::uint8_t> limits_slot_;      // resolved InstrumentLimits per instrument (0xFF unresolved)
  std::vector<std::uint32_t> list_head_;       // per instrument: first working order slot
  std::vector<Working> working_;               // indexed by the OrderId's pool index
  Counters scratch_{};                         // returned for out-of-range ids (never a false reject)
  KillSink* kill_sink_ = nullptr;
  std::unique_ptr<queue::MpscQueue<PendingUpdate>> updates_;
  RiskStats stats_{};
};

}  // namespace shandian::risk
