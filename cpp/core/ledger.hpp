// Per-agent ledgers: each agent sees its own capital, positions, margin, commission, PnL and
// counts as if it had its own account; the account is the sum of the agents plus an "unattributed" bucket
// (orders and trades this process did not place, and what CTP held before the first reconcile).
//
// Everything lives on the engine thread and is pre-sized: a slot table (bucket x instrument -> position
// slot) and a fixed pool of position records, so booking a trade is two array reads and a few adds.
//
// Bookkeeping per order (OrderLedgerState, embedded in core::Order):
//  * open orders freeze `pending_open` lots, `frozen_margin` (margin per lot at the order price) and
//    `frozen_commission` (the open fee per lot at the order price); market orders at the day's limit price;
//  * close orders freeze held lots, split today / yesterday by the offset (CloseToday: today, CloseYesterday:
//    yesterday, Close: yesterday first — SHFE/INE "Close" closes yesterday's lots only), and the close fee
//    of those lots (close-today rate for today's lots);
//  * what stays frozen is a function of the order: volume - booked while working; once final, the lots
//    reported traded whose trades have not arrived yet (so a second close cannot overshoot before the
//    trade lands). `sync()` recomputes it and applies the difference, so it is idempotent, and everything
//    frozen returns to zero once every order is final and every trade booked. A fill turns the frozen fee
//    into the real commission at the trade price (the counter does the same).
// Trades book into the order's bucket; a close beyond the bucket's holdings (an explicit-offset close of
// lots the agent never opened) draws on the unattributed bucket, never below zero (counted otherwise).
//
// Margin basis (CTP): today's lots at their open price, yesterday's lots at the previous settlement
// price (PreSettlementPrice of the day's market data, or of the position query). Until a pre-settlement
// price of the current trading day is known, yesterday's lots keep the margin they had; after a day roll
// open lots are marked at it until the new day's first tick.
//
// Trading day: roll_day() (a login reporting a new TradingDay) turns today's lots into yesterday's, moves
// the day's realized PnL and commission into `carried` and re-bases pnl_today; yesterday's margin follows
// the new day's pre-settlement price once it arrives.
//
// The account (balance, available, margin, frozen margin, frozen commission) is tracked live between
// counter queries: the last ReqQryTradingAccount answer plus what the ledgers booked since (all buckets);
// each answer is compared with the live figures (the difference is kept) and becomes the new anchor.
//
// Simplifications (documented, not hidden): one average price per side for PnL; today's lots release
// margin at their average open price (CTP releases the FIFO lot's own), so partial closes of lots opened
// at different prices leave a margin difference that the next account query reconciles and reports.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>

#include "core/dispatch.hpp"
#include "core/instrument_registry.hpp"
#include "core/risk_hook.hpp"
#include "core/types.hpp"

namespace shandian::core {

// What an order holds in the ledgers (part of core::Order; zero for an order that froze nothing).
struct OrderLedgerState {
  AgentId agent = kNoAgent;
  InstrumentIndex instrument = kNoInstrument;
  Direction direction = Direction::Buy;
  bool is_open = true;
  bool active = false;          // registered with the ledgers (freeze_new succeeded)
  std::int32_t plan_today = 0;  // close orders: lots planned out of today's / yesterday's holdings
  std::int32_t plan_yd = 0;
  std::int32_t booked_today = 0;  // close lots booked by trades out of each
  std::int32_t booked_yd = 0;
  std::int32_t frozen_today = 0;  // currently frozen (close orders)
  std::int32_t frozen_yd = 0;
  std::int32_t pending_open = 0;  // currently frozen (open orders)
  std::int32_t unbooked = 0;      // lots reported traded whose trades are not booked yet
  double margin_per_lot = 0.0;
  double frozen_margin = 0.0;
  double fee_per_lot_today = 0.0;  // fee per lot: opens (and closes of today's lots), closes of yesterday's
  double fee_per_lot_yd = 0.0;
  double frozen_commission = 0.0;
};

struct SideLedger {
  std::int32_t today = 0;
  std::int32_t yd = 0;
  std::int32_t frozen_today = 0;  // lots in working close orders (or reported traded, trade not yet booked)
  std::int32_t frozen_yd = 0;
  std::int32_t pending_open = 0;  // lots in working open orders
  double avg_price = 0.0;
  double margin = 0.0;        // margin_today + margin_yd
  double margin_today = 0.0;  // today's lots at their open prices
  double margin_yd = 0.0;     // yesterday's lots at the pre-settlement price
  double frozen_margin = 0.0;
  double frozen_commission = 0.0;
  [[nodiscard]] std::int32_t held() const noexcept { return today + yd; }
  [[nodiscard]] std::int32_t frozen() const noexcept { return frozen_today + frozen_yd; }
};

struct PositionLedger {
  InstrumentIndex instrument = kNoInstrument;
  std::uint32_t bucket = 0;
  std::uint32_t next_in_bucket = 0xFFFF'FFFFU;
  SideLedger side[2];         // [0] long, [1] short
  double realized_pnl = 0.0;  // of the trading day
  double commission = 0.0;    // of the trading day
  std::uint32_t fills = 0;
  // Lots the counter reported traded (order reports) whose trades are not booked yet, by order direction
  // ([0] buy, [1] sell): CTP pushes an order's fill before its trade.
  std::int32_t unbooked[2] = {0, 0};
  [[nodiscard]] SideLedger& of(bool is_long) noexcept { return side[is_long ? 0 : 1]; }
  [[nodiscard]] const SideLedger& of(bool is_long) const noexcept { return side[is_long ? 0 : 1]; }
};

// Refusal counters are indexed by the RejectCode value (every code is below this bound).
inline constexpr std::size_t kRejectCodeSlots = 256;
static_assert(static_cast<std::size_t>(RejectCode::JournalBacklog) < kRejectCodeSlots);

// One agent's money and counters: the only set of books (the run report and the Python views read it).
struct AgentLedger {
  double allocation = std::numeric_limits<double>::infinity();  // unlimited until set_allocation
  double carried = 0.0;                                         // realized PnL - commission of earlier trading days
  double realized_pnl = 0.0;                                    // of the trading day
  double commission = 0.0;                                      // of the trading day
  double margin = 0.0;
  double frozen_margin = 0.0;
  double frozen_commission = 0.0;
  double unrealized_at_roll = 0.0;  // floating PnL when the day rolled (pnl_today counts from it)
  std::uint32_t orders = 0;         // orders placed (sent or about to be), conditional children included
  std::uint32_t fills = 0;          // trades booked in this process (a journal's recovered trades are not)
  std::uint32_t filled_lots = 0;
  std::uint32_t cancels = 0;    // cancel requests written
  std::uint32_t rejects = 0;    // orders that ended rejected (engine, CTP or exchange)
  std::uint32_t cancelled = 0;  // orders that ended cancelled
  // Every refusal once, by code: an order's (engine after creation, CTP, exchange, a refused cancel) when
  // it happens, and an agent action refused before any order existed (Engine's agent API) when returned.
  std::uint32_t refusals[kRejectCodeSlots] = {};
};

struct LedgerStats {
  std::uint64_t overclosed_lots = 0;      // close lots booked beyond every bucket's holdings (clamped)
  std::uint64_t position_slots_full = 0;  // a (bucket, instrument) could not get a position record
  std::uint64_t reconciles = 0;
  std::uint64_t mismatches = 0;  // reconciles whose sum differed from CTP
  std::uint64_t day_rolls = 0;
};

// The account's funds (counter vocabulary) as one record.
struct AccountFigures {
  double balance = 0.0;
  double available = 0.0;
  double margin = 0.0;
  double frozen_margin = 0.0;
  double frozen_commission = 0.0;
};

// The live account and its reconciliation with the counter.
struct AccountTrack {
  AccountFigures live;             // the last query + what the ledgers booked since (== last query right after it)
  AccountFigures difference;       // at the last reconciliation: counter - live (zero at the first one)
  std::uint64_t reconciles = 0;    // account query answers applied
  std::uint64_t differing = 0;     // reconciliations where some figure differed by more than a cent
  std::int64_t reconciled_ns = 0;  // CLOCK_MONOTONIC of the last reconciliation (0: never)
};

class Ledgers final : public LedgerView {
 public:
  struct Capacity {
    std::size_t agents = 64;
    std::size_t instruments = 4096;
    std::size_t positions = 16'384;  // (bucket, instrument) pairs ever touched
  };
  static constexpr std::uint32_t kNoSlot = 0xFFFF'FFFFU;

  Ledgers(const InstrumentRegistry& registry, Capacity capacity);

  // ---- configuration -------------------------------------------------------------------------------
  void set_allocation(AgentId agent, double capital) noexcept;
  // Monopoly: only `agent` may trade the instrument (kNoAgent: shared again).
  void set_owner(InstrumentIndex instrument, AgentId agent) noexcept;
  [[nodiscard]] AgentId owner(InstrumentIndex instrument) const noexcept {
    return instrument < capacity_.instruments ? owners_[instrument] : kNoAgent;
  }

  // ---- updates (engine thread) ---------------------------------------------------------------------
  // Registers a new order and freezes what it needs. False (nothing frozen) when no position slot is left.
  [[nodiscard]] bool freeze_new(OrderLedgerState& s, AgentId agent, InstrumentIndex instrument, Direction direction,
                                Offset offset, double price, std::int32_t volume) noexcept;
  // Brings the order's frozen lots/margin to what its state implies (see the header comment).
  void sync(OrderLedgerState& s, std::int32_t volume, std::int32_t traded_reported, std::int32_t booked,
            bool final) noexcept;
  // Books one distinct trade into the order's bucket (`s` may be null: a foreign trade -> unattributed).
  void book_trade(OrderLedgerState* s, AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                  double price, std::int32_t volume) noexcept;
  // A trade of an earlier process of the day (journal recovery): booked like book_trade, not counted as
  // a fill of this process.
  void book_recovered_trade(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset, double price,
                            std::int32_t volume) noexcept;
  void count_order(AgentId agent) noexcept { ++agent_ledger(agent).orders; }
  void count_refusal(AgentId agent, RejectCode code) noexcept {
    const auto slot = static_cast<std::size_t>(code);
    if (code != RejectCode::None && slot < kRejectCodeSlots) ++agent_ledger(agent).refusals[slot];
  }
  void count_cancel(AgentId agent) noexcept { ++agent_ledger(agent).cancels; }
  void count_final(AgentId agent, OrderStatus status) noexcept;

  // ---- carry-over -----------------------------------------------------------------------------------------
  // An agent's lots of an earlier trading day (the journal's end of that day), booked as yesterday's lots at
  // their average price, before the first reconcile; margined at the pre-settlement price once it is known.
  void seed_yesterday(AgentId agent, InstrumentIndex instrument, bool is_long, std::int32_t lots,
                      double price) noexcept;
  // One cut of clamp_yesterday: lots of an agent's yesterday position the counter does not hold.
  struct YesterdayCut {
    AgentId agent = kNoAgent;
    InstrumentIndex instrument = kNoInstrument;
    bool is_long = true;
    std::int32_t lots = 0;
  };
  // Before the first reconcile (the counter is the truth): where the agents' yesterday lots of an instrument
  // side exceed the counter's (registry PositionSnapshot), the excess is cut, from the highest agent id
  // down. Writes at most `capacity` cuts into `out`; returns how many cuts were made (may exceed capacity).
  [[nodiscard]] std::size_t clamp_yesterday(YesterdayCut* out, std::size_t capacity) noexcept;
  [[nodiscard]] bool reconciled_once() const noexcept { return seeded_; }

  // ---- reconcile ----------------------------------------------------------------------------------------
  // Compares the sum of the buckets with CTP's queried positions (registry PositionSnapshot). The first
  // call adopts what CTP holds beyond the agents into the unattributed bucket; later calls report.
  // Writes a one-line diff of the first mismatches into `diff` (empty when equal); returns true on a match.
  [[nodiscard]] bool reconcile(char* diff, std::size_t diff_size) noexcept;
  // A ReqQryTradingAccount answer: compared with the live account (the difference is kept), then the
  // live account is re-anchored on it. `now_ns`: CLOCK_MONOTONIC of the reconciliation.
  void reconcile_account(const AccountData& counter, std::int64_t now_ns) noexcept;
  // The live account (counter figures + what the ledgers booked since the last query).
  [[nodiscard]] AccountTrack account() const noexcept;

  // ---- trading day -----------------------------------------------------------------------------------
  // The counter's trading day (login). A later, different day rolls the ledgers (roll_day) and returns
  // true; the caller rolls every live order first (roll_order). The first call only records the day.
  [[nodiscard]] bool is_new_day(std::uint32_t trading_day) const noexcept {
    return trading_day != 0 && trading_day_ != 0 && trading_day != trading_day_;
  }
  void roll_order(OrderLedgerState& s) noexcept;
  void roll_day(std::uint32_t trading_day) noexcept;
  void set_trading_day(std::uint32_t trading_day) noexcept { trading_day_ = trading_day; }
  [[nodiscard]] std::uint32_t trading_day() const noexcept { return trading_day_; }
  // The previous settlement price of an instrument (market data or position query): yesterday's lots of
  // every bucket are margined at it, and marked at it until the first tick after a day roll.
  void set_pre_settlement(InstrumentIndex instrument, double price) noexcept;
  // Every tick (engine thread): its PreSettlementPrice, and the instrument is marked at last prices again
  // (the move from the settlement to the first price of the day is the day's PnL, not a re-basing).
  void on_tick(InstrumentIndex instrument, double pre_settlement_price) noexcept {
    if (instrument >= capacity_.instruments) return;
    if (pre_settlement_price != pre_settlement_[instrument]) set_pre_settlement(instrument, pre_settlement_price);
    ticked_[instrument] = true;
  }
  // The price open lots are marked at: the last price, but after a day roll and before the new day's
  // first tick the pre-settlement price (CTP's marks restart from the settlement); 0 when none is known.
  [[nodiscard]] double mark_price(InstrumentIndex instrument) const noexcept;
  [[nodiscard]] double pre_settlement(InstrumentIndex instrument) const noexcept {
    return instrument < capacity_.instruments ? pre_settlement_[instrument] : 0.0;
  }

  // ---- reads ---------------------------------------------------------------------------------------
  [[nodiscard]] const PositionLedger* position(AgentId agent, InstrumentIndex instrument) const noexcept;
  [[nodiscard]] const AgentLedger& agent(AgentId agent) const noexcept { return agents_[bucket_of(agent)]; }
  [[nodiscard]] PositionView view(AgentId agent, InstrumentIndex instrument) const noexcept;
  // view() plus the agent's account figures (the record published with each update).
  void fill_view(AgentId agent, InstrumentIndex instrument, PositionView& out) const noexcept;
  // Sum over every bucket (agents + unattributed) of one instrument.
  [[nodiscard]] PositionView account_view(InstrumentIndex instrument) const noexcept;
  [[nodiscard]] double unrealized_pnl(AgentId agent) const noexcept;
  // One agent's open lots of one instrument marked at mark_price (0 before any price is known).
  [[nodiscard]] double unrealized_pnl(AgentId agent, InstrumentIndex instrument) const noexcept;
  [[nodiscard]] double position_unrealized(const PositionLedger& p) const noexcept;
  [[nodiscard]] const LedgerStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint32_t unattributed() const noexcept { return static_cast<std::uint32_t>(capacity_.agents); }
  // Instrument indices the agent has a position record for (first, then next_in_bucket).
  [[nodiscard]] std::uint32_t first_slot(AgentId agent) const noexcept { return heads_[bucket_of(agent)]; }
  [[nodiscard]] const PositionLedger& slot(std::uint32_t s) const noexcept { return positions_[s]; }
  // Price at which an order freezes money: its limit price, or for a market order (price 0) the day's
  // limit price on its side (0 when no tick has brought one).
  [[nodiscard]] double freeze_price(InstrumentIndex instrument, Direction direction, double price) const noexcept;
  // Margin per lot of an open at `price` (instrument rates; 0 when unknown).
  [[nodiscard]] double margin_per_lot(InstrumentIndex instrument, bool is_long, double price) const noexcept;
  [[nodiscard]] double commission_of(InstrumentIndex instrument, Offset offset, bool today, double price,
                                     std::int32_t volume) const noexcept;

  // ---- LedgerView ------------------------------------------------------------------------------------
  [[nodiscard]] std::int32_t long_volume(AgentId agent, InstrumentIndex instrument) const noexcept override;
  [[nodiscard]] std::int32_t short_volume(AgentId agent, InstrumentIndex instrument) const noexcept override;
  [[nodiscard]] std::int32_t pending_open_volume(AgentId agent, InstrumentIndex instrument,
                                                 Direction direction) const noexcept override;
  [[nodiscard]] double available_capital(AgentId agent) const noexcept override;
  [[nodiscard]] double order_cost(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                                  double price, std::int32_t volume) const noexcept override;
  [[nodiscard]] double pnl_today(AgentId agent) const noexcept override;

 private:
  [[nodiscard]] std::uint32_t bucket_of(AgentId agent) const noexcept {
    return agent < capacity_.agents ? agent : static_cast<std::uint32_t>(capacity_.agents);
  }
  [[nodiscard]] AgentLedger& agent_ledger(AgentId agent) noexcept { return agents_[bucket_of(agent)]; }
  [[nodiscard]] PositionLedger* slot_for(std::uint32_t bucket, InstrumentIndex instrument, bool create) noexcept;
  [[nodiscard]] const PositionLedger* slot_for(std::uint32_t bucket, InstrumentIndex instrument) const noexcept;
  [[nodiscard]] double multiplier(InstrumentIndex instrument) const noexcept;
  void book(OrderLedgerState* s, AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
            double price, std::int32_t volume, bool count_fill) noexcept;
  // Removes up to `lots` from `side` (today or yesterday first as asked); returns what it took.
  std::int32_t take(std::uint32_t bucket, PositionLedger& p, bool is_long, bool yd_first, std::int32_t lots,
                    double price, std::int32_t& took_today) noexcept;
  // Sets a side's yesterday margin (at the pre-settlement price when known), keeping the totals in step.
  void margin_yd_at_pre_settlement(std::uint32_t bucket, PositionLedger& p, SideLedger& side, bool is_long) noexcept;
  void add_margin(std::uint32_t bucket, SideLedger& side, double today, double yd) noexcept;
  // Sums over every bucket that the live account follows.
  struct Totals {
    double pnl = 0.0;  // carried + realized - commission + unrealized
    double margin = 0.0, frozen_margin = 0.0, frozen_commission = 0.0;
  };
  [[nodiscard]] Totals totals() const noexcept;
  // Applies a change of valuation basis (pre-settlement margin or mark) so that pnl_today does not count
  // it, nor the live account unless `settlement` (the counter settled at that price after a day roll):
  // `change` runs between the before/after sums.
  template <class Change>
  void rebase(InstrumentIndex instrument, bool settlement, Change&& change) noexcept;

  const InstrumentRegistry& registry_;
  Capacity capacity_;
  std::unique_ptr<std::uint32_t[]> slots_;  // (bucket * instruments + instrument) -> position index
  std::unique_ptr<PositionLedger[]> positions_;
  std::size_t used_positions_ = 0;
  std::unique_ptr<std::uint32_t[]> heads_;  // per bucket: first position index
  std::unique_ptr<AgentLedger[]> agents_;   // agents + unattributed
  std::unique_ptr<AgentId[]> owners_;
  std::unique_ptr<double[]> pre_settlement_;  // per instrument, of trading_day_ (0: not known yet)
  std::unique_ptr<bool[]> ticked_;            // per instrument: a tick arrived since the last day roll
  // Per instrument: the day rolled and no pre-settlement price arrived yet. The first one is the
  // counter's settlement (account activity: marks and margins move to it), later ones re-base.
  std::unique_ptr<bool[]> settling_;
  std::uint32_t trading_day_ = 0;
  // Live account: the last counter answer and the ledgers' totals at that moment (margin repricing that
  // the counter had already applied moves the base with it, so it is not counted as account activity).
  AccountData anchor_{};
  Totals base_;
  AccountTrack track_;
  bool anchored_ = false;
  bool seeded_ = false;
  LedgerStats stats_;
};

[[nodiscard]] constexpr bool splits_today(std::string_view exchange) noexcept {
  return exchange == "SHFE" || exchange == "INE";
}

}  // namespace shandian::core
