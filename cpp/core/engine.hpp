// Engine: the one thread that owns all mutable trading state (architecture.md, "Threads and data flow").
//
// Each iteration of the loop:
//   1. waits (spin / yield / block, always bounded) until a ring has events, a timer or gateway deadline
//      is due, or stop() was called;
//   2. drains up to max_events_per_batch events, merging the gateway's rings in recv_ns order (ties: the
//      lower ring index first; within a ring, FIFO), applying each to instrument state / order manager /
//      session state machine and appending the resulting records to the pending batch;
//   3. fires due timers and polls the gateway (queries, reconnect timers);
//   4. hands the pending batch to the AgentDispatcher in one call (one GIL acquisition in Python).
// Agents act from inside that call through insert_order / cancel / cancel_all. The order path is
// synchronous on this thread: validation -> risk hook -> pooled order -> SUBMITTING published ->
// ReqOrderInsert written. Nothing on this path allocates in steady state.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bars/bar_hub.hpp"
#include "core/clock.hpp"
#include "core/conditional.hpp"
#include "core/dispatch.hpp"
#include "core/events.hpp"
#include "core/gateway.hpp"
#include "core/instrument_registry.hpp"
#include "core/ledger.hpp"
#include "core/order_manager.hpp"
#include "core/risk_hook.hpp"
#include "queue/wait_strategy.hpp"

namespace shandian::core {

struct EngineConfig {
  queue::WaitStrategy wait = queue::WaitStrategy::Block;
  std::size_t max_instruments = 4096;
  OrderManager::Capacity orders{};
  std::size_t max_agents = 64;  // subscriber masks are 64-bit
  std::size_t max_timers = 256;
  std::size_t max_events_per_batch = 512;
  std::size_t max_pending_subscriptions = 1024;
  std::size_t max_products = 512;  // products whose InstrumentStatus is remembered (China lists ~150)
  // Upper bound of one wait: the loop comes back this often even when idle (stop flag, deadlines).
  std::int64_t max_wait_ns = 50'000'000;
  // Per-agent ledgers: (agent or unattributed, instrument) position records ever touched.
  std::size_t max_positions = 16'384;
  // In-flight checks (Engine::check_inflight), run at most every inflight_check_ns:
  //  * an order with no acknowledgement after ack_timeout_ns -> order query (once) + Warning notice;
  //  * a cancel with no answer after cancel_timeout_ns -> re-sent (cancel_timeout_action Retry, up to
  //    max_cancel_retries) and then, or at once with Query, an order query + Warning notice.
  std::int64_t inflight_check_ns = 100'000'000;
  std::int64_t ack_timeout_ns = 5'000'000'000;
  std::int64_t cancel_timeout_ns = 3'000'000'000;
  enum class CancelTimeoutAction : std::uint8_t { Retry, Query } cancel_timeout_action = CancelTimeoutAction::Retry;
  std::uint16_t max_cancel_retries = 2;
  std::size_t max_conditionals = 1024;  // conditional orders alive at once (stop, OCO, bracket, iceberg)
  // A marketable conditional child (stop-market, trailing stop) is a FAK priced this many ticks through the
  // opposite best, clamped to the day's limits. Not the limit price itself (vn.py's habit): the risk
  // engine's fat-finger band refuses a price 4-10 % from last, and a FAK only fills at book prices anyway.
  std::int32_t marketable_slippage_ticks = 5;
  // Bars (cpp/bars/bar_hub.hpp): the newest bar_history bars kept per (instrument, interval) for history();
  // the builders' clock advanced every bar_clock_ns from the loop (the close grace is 2 s).
  std::size_t bar_history = 1000;
  std::int64_t bar_clock_ns = 250'000'000;
  // Event-time clock (backtests): when set, every "now" of the engine (timers, stamps, deadlines, the bar
  // clock) is this value, which the driving thread advances; unset, CLOCK_MONOTONIC.
  const std::int64_t* event_clock_ns = nullptr;
};

// How place() turns "buy / sell N" into offsets (PandoraTrader's EasyInputOrder modes). Closing uses the
// agent's own holdings only (held minus lots in its working closes); SHFE/INE close with CloseToday /
// CloseYesterday per lot origin, other exchanges with Close.
#define SHANDIAN_OFFSET_MODES(X)                                                       \
  X(CloseTodayThenYd, 0, "close_today_then_yd",                                        \
    "close only: today's lots first, then yesterday's; more than held -> rejected")    \
  X(CloseYdThenOpen, 1, "close_yd_then_open", "close yesterday's lots, open the rest") \
  X(OpenOnly, 2, "open_only", "open everything")                                       \
  X(CloseOnly, 3, "close_only", "close only: yesterday's lots first, then today's; more than held -> rejected")
SHANDIAN_DEFINE_ENUM(OffsetMode, std::uint8_t, SHANDIAN_OFFSET_MODES, "unknown")

template <class Code>
struct [[nodiscard]] ActionResult {
  OrderId order = kNoOrder;  // set whenever an order was created (even if it was then refused)
  RejectCode code = RejectCode::None;
  Message reason{};
  [[nodiscard]] bool ok() const noexcept { return code == RejectCode::None; }
};
using InsertResult = ActionResult<struct InsertTag>;
using CancelResult = ActionResult<struct CancelTag>;

// place(): the orders it sent (split by offset and by the exchange's max order volume). On a refusal,
// `code` / `reason` describe it and `count` says how many legs were sent before it (0 when refused up
// front: nothing reaches the counter unless every leg passed the position and volume checks).
struct [[nodiscard]] PlaceResult {
  static constexpr std::size_t kMaxLegs = 16;
  std::uint32_t count = 0;
  OrderId orders[kMaxLegs] = {};
  OrderId refused_order = kNoOrder;  // the leg that was created and then refused, if that was the refusal
  RejectCode code = RejectCode::None;
  Message reason{};
  [[nodiscard]] bool ok() const noexcept { return code == RejectCode::None; }
};

// A conditional order request (stop / take-profit / trailing stop / iceberg). The children are sent with
// `direction` and offsets resolved by `mode` (Engine::place).
struct ConditionalRequest {
  ConditionalKind kind = ConditionalKind::Stop;
  Direction direction = Direction::Sell;
  OffsetMode mode = OffsetMode::CloseTodayThenYd;
  std::int32_t volume = 0;
  double trigger = 0.0;  // stop / take-profit
  double limit = 0.0;    // child limit price (iceberg: required); 0 = marketable FAK at the day's limit price
  double trail = 0.0;    // trailing stop distance in price units (> 0)
  TriggerSource source = TriggerSource::Last;
  std::int32_t display = 0;  // iceberg slice (> 0)
};
struct [[nodiscard]] ConditionalResult {
  ConditionalId id = kNoConditional;
  RejectCode code = RejectCode::None;
  Message reason{};
  [[nodiscard]] bool ok() const noexcept { return code == RejectCode::None; }
};

// The engine's counters, declared once: X(field, "doc"). The list generates the struct and
// for_each_field(stats, f) (f(name, value) per field, in order), which the binding's stats dict iterates,
// so a counter added here reaches Python with no other edit.
#define SHANDIAN_ENGINE_STATS(X)                                                     \
  X(events, "")                                                                      \
  X(ticks, "")                                                                       \
  X(unknown_instrument_ticks, "")                                                    \
  X(batches, "")                                                                     \
  X(buffer_growths, "a batch outgrew its pre-reserved arrays (heap); should stay 0") \
  X(orders_sent, "")                                                                 \
  X(cancels_sent, "")                                                                \
  X(unmatched_errors, "insert/action errors naming no order of ours")                \
  X(ack_timeouts, "orders unacknowledged past ack_timeout_ns")                       \
  X(cancel_timeouts, "cancels unanswered past cancel_timeout_ns")                    \
  X(cancel_retries, "cancels re-sent after a timeout")                               \
  X(order_queries, "order queries requested by the in-flight checks")                \
  X(position_mismatches, "ledger vs CTP position reconciles that differed")          \
  X(conditionals_triggered, "conditional orders whose trigger fired")                \
  X(conditional_children, "orders released by conditional orders")                   \
  X(orders_adopted, "working orders of a previous process adopted at recovery")

struct EngineStats {
#define SHANDIAN_STATS_FIELD(field, doc) std::uint64_t field = 0;
  SHANDIAN_ENGINE_STATS(SHANDIAN_STATS_FIELD)
#undef SHANDIAN_STATS_FIELD
};

template <class F>
constexpr void for_each_field(const EngineStats& s, F&& f) {
#define SHANDIAN_STATS_VISIT(field, doc) f(std::string_view(#field), s.field);
  SHANDIAN_ENGINE_STATS(SHANDIAN_STATS_VISIT)
#undef SHANDIAN_STATS_VISIT
}

class Engine final : private GatewayHost {
 public:
  Engine(EngineConfig config, Gateway& gateway, RiskHook* risk = nullptr);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The engine's "now": the event clock when configured, else CLOCK_MONOTONIC.
  [[nodiscard]] std::int64_t clock_ns() const noexcept {
    return config_.event_clock_ns != nullptr ? *config_.event_clock_ns : monotonic_ns();
  }

  // ---- set-up (engine thread, before or between run calls) ------------------------------------------
  // A dense agent id; std::length_error past max_agents.
  [[nodiscard]] AgentId add_agent(std::string_view name);
  [[nodiscard]] std::string_view agent_name(AgentId agent) const noexcept;
  [[nodiscard]] std::size_t agent_count() const noexcept { return agent_names_.size(); }
  void set_dispatcher(AgentDispatcher* dispatcher) noexcept { dispatcher_ = dispatcher; }
  void set_observer(EngineObserver* observer) noexcept { observer_ = observer; }
  void set_risk_hook(RiskHook* risk) noexcept { risk_ = risk != nullptr ? risk : &permissive_; }

  // Registers (or updates the spec of) an instrument by hand: backtests, config-defined instruments,
  // tests. The gateway's instrument query does the same for every listed instrument.
  [[nodiscard]] std::optional<InstrumentIndex> define_instrument(const InstrumentSpec& spec) noexcept {
    const std::optional<InstrumentIndex> index = registry_.upsert(spec);
    if (index) apply_known_status(*index);
    return index;
  }

  // ---- agent API (engine thread: from on_batch or between runs) -------------------------------------
  // Each call is an agent's own action: a refusal returned before any order existed is counted in the
  // agent's ledger (AgentLedger::refusals), except the cancel races UNKNOWN_ORDER / ALREADY_FINAL /
  // CANCEL_PENDING (a fill racing a cancel is normal). The engine's own uses (place's legs, conditional
  // children, cancel_all, brackets) go through the private forms, which count nothing.
  // Subscribes the agent to an instrument's ticks. Before the instrument list is loaded the request is
  // kept and resolved then. UnknownInstrument once the list is loaded and the symbol is not in it.
  [[nodiscard]] RejectCode subscribe(AgentId agent, std::string_view symbol) noexcept;
  // Subscribes the agent to the instrument's bars of `interval` (built on this thread from its ticks,
  // delivered as BatchItemKind::Bar; the agent's tick subscription is not implied). Allocates the builder
  // and the history ring. Throws bars::UnknownProductError for a product without trading hours in the
  // session table, bars::InvalidBuilderConfigError past BarBuilder::kMaxSeries intervals; returns
  // UnknownInstrument once the list is loaded and the symbol is not in it.
  [[nodiscard]] RejectCode subscribe_bars(AgentId agent, std::string_view symbol, bars::BarInterval interval);
  // The newest bars of (symbol, interval) kept so far; nullptr when nobody subscribed to them.
  [[nodiscard]] const bars::HistoryRing* bar_history(std::string_view symbol,
                                                     bars::BarInterval interval) const noexcept {
    return bars_.history(symbol, interval);
  }
  // Bar-input backtests: a bar from the data, not built here: into its history and to its subscribers (next
  // dispatch); its close becomes the instrument's mark price (ledgers). False when nobody wants the bars.
  bool inject_bar(const bars::Bar& bar) noexcept;
  // Warm-up: appends a past bar of a subscribed (symbol, bar.interval) to its history (BarHub::seed).
  [[nodiscard]] bars::BarHub::SeedResult seed_bar(std::string_view symbol, const bars::Bar& bar) noexcept {
    return bars_.seed(symbol, bar);
  }
  // A close offset (any of Close / CloseToday / CloseYesterday) must fit the agent's own free lots
  // (INSUFFICIENT_POSITION otherwise); outside SHFE/INE it is sent as Close. The price is sent on the grid.
  [[nodiscard]] InsertResult insert_order(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                                          double price, std::int32_t volume, OrderKind kind) noexcept;
  // Resolves offsets per `mode` and the exchange, splits by the exchange's max order volume and sends the
  // legs through insert_order (validation + risk hook each). Refuses before sending anything when the agent
  // would close more than it holds (INSUFFICIENT_POSITION) or more than kMaxLegs legs are needed.
  PlaceResult place(AgentId agent, InstrumentIndex instrument, Direction direction, double price, std::int32_t volume,
                    OrderKind kind, OffsetMode mode) noexcept;
  [[nodiscard]] CancelResult cancel(AgentId agent, OrderId order) noexcept;
  // ---- conditional orders (engine_conditional.cpp) ------------------------------------------------------
  // Stop / take-profit / trailing stop: armed now, released on the first tick that triggers it. Iceberg:
  // the first slice is sent now. Refusals: INVALID_VOLUME / INVALID_PRICE / ORDER_POOL_EXHAUSTED.
  ConditionalResult add_conditional(AgentId agent, InstrumentIndex instrument,
                                    const ConditionalRequest& request) noexcept;
  // Links two armed conditionals of the agent: when one releases its child, the other is cancelled.
  ConditionalResult link_oco(AgentId agent, ConditionalId first, ConditionalId second) noexcept;
  // Entry limit order + take-profit and stop-loss exits (opposite side, closing), armed for the entry's
  // filled lots as they fill and linked as an OCO pair. `take_profit` / `stop_loss` 0 = no such exit.
  ConditionalResult add_bracket(AgentId agent, InstrumentIndex instrument, Direction direction, std::int32_t volume,
                                double entry_price, double take_profit, double stop_loss) noexcept;
  // Cancels the conditional, its working child orders, its bracket exits / entry and its OCO peer.
  CancelResult cancel_conditional(AgentId agent, ConditionalId id) noexcept;
  // A live conditional's state, or nullptr once it finished (done / cancelled / failed) and was released.
  [[nodiscard]] const Conditional* conditional(ConditionalId id) const noexcept;
  [[nodiscard]] std::size_t conditional_count() const noexcept { return cond_live_count_; }

  // An agent action refused before it reached the engine (e.g. a symbol the caller could not resolve):
  // counted in the agent's ledger like the engine's own refusals.
  void count_agent_refusal(AgentId agent, RejectCode code) noexcept { ledgers_.count_refusal(agent, code); }
  // Capital the agent may commit (LedgerView::available_capital); infinite until set.
  void set_allocation(AgentId agent, double capital) noexcept { ledgers_.set_allocation(agent, capital); }
  // "Monopoly": only `agent` may place orders on the instrument (kNoAgent: shared again).
  void set_owner(InstrumentIndex instrument, AgentId agent) noexcept { ledgers_.set_owner(instrument, agent); }
  // Cancels every cancellable order of the agent (on one instrument, or all when kNoInstrument).
  // Returns how many cancel requests were written.
  std::size_t cancel_all(AgentId agent, InstrumentIndex instrument = kNoInstrument) noexcept;
  // A periodic timer delivering TimerFired every interval; nullopt when the timer table is full.
  [[nodiscard]] std::optional<std::uint32_t> add_timer(AgentId agent, std::int64_t interval_ns) noexcept;
  bool cancel_timer(std::uint32_t timer_id) noexcept;

  // ---- running -----------------------------------------------------------------------------------
  // Starts the gateway (creates the vendor APIs). Called by run() if not done yet.
  void start();
  // One loop iteration, waiting at most max_wait_ns. Returns true when a batch was dispatched.
  bool run_once(std::int64_t max_wait_ns);
  // Loops until stop(). Exceptions from the dispatcher propagate (after which run() may be called again).
  void run();
  // Loops until stop() (returns true, and the stop is consumed) or until duration_ns elapsed (false).
  // Lets a binding come back periodically (e.g. to check for Ctrl-C) without losing a stop().
  bool run_for(std::int64_t duration_ns);
  // Any thread: makes run() return after the current iteration.
  void stop() noexcept;
  // Stops the gateway's vendor APIs (engine thread, after run() returned). Idempotent.
  void shutdown() noexcept;

  // ---- state (engine thread) ------------------------------------------------------------------------
  [[nodiscard]] const InstrumentRegistry& registry() const noexcept { return registry_; }
  [[nodiscard]] InstrumentIndex instrument_index(std::string_view symbol) const noexcept {
    return registry_.find(symbol);
  }
  [[nodiscard]] const Order* order(OrderId id) const noexcept { return orders_.get(id); }
  [[nodiscard]] const OrderManager& order_manager() const noexcept { return orders_; }
  [[nodiscard]] const Ledgers& ledgers() const noexcept { return ledgers_; }
  // Recovery only (journal replay seeds links and booked trades before start); nothing else mutates it.
  [[nodiscard]] OrderManager& order_manager_for_recovery() noexcept { return orders_; }
  // Recovery (journal): a trade booked before a restart, into the agent's ledger (kNoAgent: unattributed).
  // Kept until the instrument list is loaded, then booked — before the first position reconcile, so that
  // reconcile adopts only what no journal entry explains. Before start (allocates).
  void seed_ledger_trade(AgentId agent, std::string_view symbol, Direction direction, Offset offset, double price,
                         std::int32_t volume);
  // Carry-over (journal): an agent's lots of an earlier trading day, booked as yesterday's lots once the
  // instrument list is loaded (before the seeded trades of the day, which may close them). At the first
  // position reconcile they are clamped to the counter's yesterday position (yesterday_cuts()). Before start.
  void seed_ledger_carry(AgentId agent, std::string_view symbol, bool is_long, std::int32_t lots, double price);
  // The cuts of that clamp (at most kMaxYesterdayCuts kept; yesterday_cut_count() counts them all).
  static constexpr std::size_t kMaxYesterdayCuts = 64;
  [[nodiscard]] std::span<const Ledgers::YesterdayCut> yesterday_cuts() const noexcept {
    return {yesterday_cuts_.data(), std::min(yesterday_cut_count_, kMaxYesterdayCuts)};
  }
  [[nodiscard]] std::size_t yesterday_cut_count() const noexcept { return yesterday_cut_count_; }
  // Recovery: adopt the working orders a previous process left at the counter (OrderManager::adopt) — those
  // the journal seeded, and, until the first order reconcile has ended, unknown ones (unattributed) — so
  // they are pooled orders with real ids that cancel_all, the kill switch and the stop reach. Off by default.
  void set_adopt_working_orders(bool on) noexcept { adopt_working_ = on; }
  [[nodiscard]] const AccountData& account() const noexcept { return account_; }
  // Asks the counter for positions + account now; the answers reconcile the ledgers and the live account.
  [[nodiscard]] bool request_account_query() noexcept { return gateway_.request_account_query(); }
  [[nodiscard]] bool trading_ready() const noexcept { return gateway_.trading_ready(); }
  [[nodiscard]] bool instruments_are_loaded() const noexcept { return instruments_loaded_; }
  [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
  [[nodiscard]] queue::Waiter& waiter() noexcept { return waiter_; }
  // A stop() not yet consumed by run()/run_for(): an external driver (a backtest) loops while false.
  [[nodiscard]] bool stop_requested() const noexcept { return stop_requested_.load(std::memory_order_acquire); }
  // Consumes a stop() (the driver's loop returned because of it).
  void clear_stop() noexcept { stop_requested_.store(false, std::memory_order_relaxed); }

 private:
  struct Buffers {
    std::vector<BatchItem> sequence;
    std::vector<TickData> ticks;
    std::vector<OrderUpdate> orders;
    std::vector<TradeUpdate> trades;
    std::vector<SessionNotice> notices;
    std::vector<TimerFired> timers;
    std::vector<BarUpdate> bars;
    void reserve(std::size_t events, std::size_t extra_orders);
    void clear() noexcept;
  };
  struct Timer {
    AgentId agent = kNoAgent;
    std::uint32_t id = 0;
    std::int64_t interval_ns = 0;
    std::int64_t next_due_ns = 0;
    bool active = false;
  };
  struct PendingSubscription {
    AgentId agent;
    InstrumentId symbol;
  };

  // The agent API's bodies (uncounted: see "agent API").
  [[nodiscard]] InsertResult submit(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                                    double price, std::int32_t volume, OrderKind kind) noexcept;
  PlaceResult place_orders(AgentId agent, InstrumentIndex instrument, Direction direction, double price,
                           std::int32_t volume, OrderKind kind, OffsetMode mode) noexcept;
  [[nodiscard]] CancelResult request_cancel(AgentId agent, OrderId order) noexcept;
  ConditionalResult arm_conditional(AgentId agent, InstrumentIndex instrument,
                                    const ConditionalRequest& request) noexcept;
  ConditionalResult link_pair(AgentId agent, ConditionalId first, ConditionalId second) noexcept;
  CancelResult drop_conditional(AgentId agent, ConditionalId id) noexcept;
  ConditionalResult arm_bracket(AgentId agent, InstrumentIndex instrument, Direction direction, std::int32_t volume,
                                double entry_price, double take_profit, double stop_loss) noexcept;
  // Counts an agent action's refusal (see "agent API"): `created` is the order it created, if any (that
  // order's refusal is counted by the order manager when it happens).
  void count_refusal(AgentId agent, RejectCode code, OrderId created, bool is_cancel) noexcept;

  // GatewayHost
  InstrumentRegistry& instruments() noexcept override { return registry_; }
  void publish_notice(SessionNoticeKind kind, std::int32_t code, std::string_view message) noexcept override;
  void instruments_loaded() noexcept override;
  std::uint32_t begin_order_reconcile() noexcept override;
  void end_order_reconcile(std::uint32_t epoch, std::int32_t front_id, std::int32_t session_id) noexcept override;
  void reset_positions() noexcept override;
  void apply_position(const PositionData& row) noexcept override;
  void set_account(const AccountData& account) noexcept override;
  // First position reconcile: the carried-in lots beyond the counter's yesterday position are cut (notices).
  void clamp_carried_lots() noexcept;
  void trading_day(std::uint32_t yyyymmdd) noexcept override;

  // The agent's own lots an order in `direction` can close: held minus lots frozen in its working closes.
  struct ClosableLots {
    std::int32_t today = 0;
    std::int32_t yd = 0;
  };
  [[nodiscard]] ClosableLots closable_lots(AgentId agent, InstrumentIndex instrument,
                                           Direction direction) const noexcept;
  [[nodiscard]] bool any_event_ready() noexcept;
  void drain(std::size_t max_events) noexcept;
  void process(const Event& event) noexcept;
  void on_tick(const Event& event) noexcept;
  void on_order_report(const Event& event) noexcept;
  void on_trade_report(const Event& event) noexcept;
  void on_insert_error(const Event& event) noexcept;
  void on_action_error(const Event& event) noexcept;
  void fire_timers(std::int64_t now_ns) noexcept;
  // The bar builders' exchange clock: every bar_clock_ns, the latest tick's time + monotonic time since.
  void advance_bar_clock(std::int64_t now_ns) noexcept;
  void publish_bar(const bars::Bar& bar, std::uint64_t subscribers) noexcept;
  void resolve_bar_instrument(std::size_t entry) noexcept;
  void check_inflight(std::int64_t now_ns) noexcept;
  // Conditional orders: triggers on a tick, child fills, releases / cancels after each drain.
  [[nodiscard]] Conditional* conditional_mut(ConditionalId id) noexcept;
  void conditional_tick(InstrumentIndex instrument, const TickData& tick) noexcept;
  void conditional_child_trade(const Order& order, std::int32_t volume) noexcept;
  void process_conditionals() noexcept;
  // Sends `lots` as children of `c` (place()); the refusal code (None when sent). A refusal fails `c`.
  RejectCode release_child(Conditional& c, std::int32_t lots, double price) noexcept;
  [[nodiscard]] double marketable_price(const InstrumentState& st, Direction direction) const noexcept;
  void finish_conditional(Conditional& c, ConditionalStatus status, std::string_view reason) noexcept;
  void retire_conditionals() noexcept;
  bool dispatch(std::int64_t now_ns);
  void publish_order(const Order& order, std::int64_t recv_ns, std::int64_t now_ns) noexcept;
  void publish_order_update(const OrderUpdate& update) noexcept;
  void publish_trade(const TradeUpdate& trade) noexcept;
  void notify_risk_decision(AgentId agent, OrderId order, const InstrumentId& symbol, bool is_cancel, RejectCode code,
                            const Message& reason) noexcept;
  template <class T>
  void append(std::vector<T>& records, const T& record, BatchItemKind kind) noexcept;
  void grant_subscription(AgentId agent, InstrumentIndex instrument) noexcept;
  // OnRtnInstrumentStatus -> InstrumentState::trading_status (the risk engine's session gate reads it).
  // CTP pushes it per product ("rb") on the public stream, often before the instrument list is loaded,
  // so the last status of each product is kept and applied to instruments registered later.
  void on_instrument_status(const StatusData& status) noexcept;
  void apply_known_status(InstrumentIndex instrument) noexcept;

  EngineConfig config_;
  Gateway& gateway_;
  PermissiveRiskHook permissive_;
  RiskHook* risk_;
  AgentDispatcher* dispatcher_ = nullptr;
  EngineObserver* observer_ = nullptr;
  queue::Waiter waiter_;
  InstrumentRegistry registry_;
  Ledgers ledgers_;
  OrderManager orders_;
  bars::BarHub bars_;
  // BarHub entry of each instrument with bars (kNoBarEntry otherwise), by InstrumentIndex.
  static constexpr std::uint16_t kNoBarEntry = 0xFFFF;
  std::vector<std::uint16_t> bar_entry_of_;
  std::int64_t next_bar_clock_ns_ = 0;
  std::uint32_t login_trading_day_ = 0;
  std::vector<std::string> agent_names_;
  std::vector<Timer> timers_;
  std::vector<PendingSubscription> pending_subscriptions_;
  struct ProductStatus {
    InstrumentId product;  // product id, or an instrument id when the exchange reports per instrument
    ExchangeId exchange;
    std::uint8_t status = 0;
  };
  std::vector<ProductStatus> product_status_;  // reserved: max_products entries, linear scan (rare events)
  struct SeededTrade {
    AgentId agent;
    InstrumentId symbol;
    Direction direction;
    Offset offset;
    double price;
    std::int32_t volume;
  };
  std::vector<SeededTrade> seeded_trades_;  // recovery: booked at instruments_loaded()
  struct SeededCarry {
    AgentId agent;
    InstrumentId symbol;
    bool is_long;
    std::int32_t lots;
    double price;
  };
  std::vector<SeededCarry> seeded_carries_;  // carry-over: booked at instruments_loaded(), before the trades
  std::array<Ledgers::YesterdayCut, kMaxYesterdayCuts> yesterday_cuts_{};
  std::size_t yesterday_cut_count_ = 0;
  std::uint32_t next_timer_id_ = 1;
  std::int64_t next_timer_due_ns_ = INT64_MAX;
  std::int64_t gateway_deadline_ns_ = 0;
  std::uint32_t reconcile_epoch_ = 0;
  std::int64_t next_inflight_check_ns_ = 0;
  queue::ObjectPool<Conditional> cond_pool_;
  std::unique_ptr<ConditionalId[]> cond_live_;
  std::size_t cond_live_count_ = 0;
  bool cond_dirty_ = false;
  bool positions_dirty_ = false;  // a position query ran since the last ledger reconcile
  bool adopt_working_ = false;
  bool first_reconcile_done_ = false;  // unknown orders are adopted only before it (they predate this process)
  bool started_ = false;
  bool stopped_gateway_ = false;
  bool instruments_loaded_ = false;
  AccountData account_{};
  Buffers pending_;
  Buffers dispatching_;
  EngineStats stats_;
  // Written by any thread in stop(), read by the engine thread each iteration.
  std::atomic<bool> stop_requested_{false};
};

}  // namespace shandian::core
