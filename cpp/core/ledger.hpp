// Per-agent ledgers (issue 5): each agent sees its own capital, positions, margin, commission, PnL and
// counts as if it had its own account; the account is the sum of the agents plus an "unattributed" bucket
// (orders and trades this process did not place, and what CTP held before the first reconcile).
//
// Everything lives on the engine thread and is pre-sized: a slot table (bucket x instrument -> position
// slot) and a fixed pool of position records, so booking a trade is two array reads and a few adds.
//
// Bookkeeping per order (OrderLedgerState, embedded in core::Order):
//  * open orders freeze `pending_open` lots and `frozen_margin` (margin per lot at the order price);
//  * close orders freeze held lots, split today / yesterday by the offset (CloseToday: today, CloseYesterday:
//    yesterday, Close: yesterday first — SHFE/INE "Close" closes yesterday's lots only);
//  * what stays frozen is a function of the order: volume - booked while working; once final, the lots
//    reported traded whose trades have not arrived yet (so a second close cannot overshoot before the
//    trade lands). `sync()` recomputes it and applies the difference, so it is idempotent, and everything
//    frozen returns to zero once every order is final and every trade booked.
// Trades book into the order's bucket; a close beyond the bucket's holdings (an explicit-offset close of
// lots the agent never opened) draws on the unattributed bucket, never below zero (counted otherwise).
//
// Simplifications (documented, not hidden): margin is booked at the trade price with the instrument's
// by-money / by-volume rates (CTP uses the pre-settlement price for yesterday's lots); commission is not
// frozen for working orders; one average price per side (today and yesterday lots together).
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
  bool active = false;             // registered with the ledgers (freeze_new succeeded)
  std::int32_t plan_today = 0;     // close orders: lots planned out of today's / yesterday's holdings
  std::int32_t plan_yd = 0;
  std::int32_t booked_today = 0;   // close lots booked by trades out of each
  std::int32_t booked_yd = 0;
  std::int32_t frozen_today = 0;   // currently frozen (close orders)
  std::int32_t frozen_yd = 0;
  std::int32_t pending_open = 0;   // currently frozen (open orders)
  double margin_per_lot = 0.0;
  double frozen_margin = 0.0;
};

struct SideLedger {
  std::int32_t today = 0;
  std::int32_t yd = 0;
  std::int32_t frozen_today = 0;  // lots in working close orders (or reported traded, trade not yet booked)
  std::int32_t frozen_yd = 0;
  std::int32_t pending_open = 0;  // lots in working open orders
  double avg_price = 0.0;
  double margin = 0.0;
  double frozen_margin = 0.0;
  [[nodiscard]] std::int32_t held() const noexcept { return today + yd; }
  [[nodiscard]] std::int32_t frozen() const noexcept { return frozen_today + frozen_yd; }
};

struct PositionLedger {
  InstrumentIndex instrument = kNoInstrument;
  std::uint32_t bucket = 0;
  std::uint32_t next_in_bucket = 0xFFFF'FFFFU;
  SideLedger side[2];  // [0] long, [1] short
  double realized_pnl = 0.0;
  double commission = 0.0;
  std::uint32_t fills = 0;
  [[nodiscard]] SideLedger& of(bool is_long) noexcept { return side[is_long ? 0 : 1]; }
  [[nodiscard]] const SideLedger& of(bool is_long) const noexcept { return side[is_long ? 0 : 1]; }
};

struct AgentLedger {
  double allocation = std::numeric_limits<double>::infinity();  // unlimited until set_allocation
  double realized_pnl = 0.0;
  double commission = 0.0;
  double margin = 0.0;
  double frozen_margin = 0.0;
  std::uint32_t orders = 0;     // orders placed (sent or about to be)
  std::uint32_t fills = 0;      // trades booked
  std::uint32_t filled_lots = 0;
  std::uint32_t cancels = 0;    // cancel requests written
  std::uint32_t rejects = 0;    // orders that ended rejected (engine, CTP or exchange)
  std::uint32_t cancelled = 0;  // orders that ended cancelled
};

struct LedgerStats {
  std::uint64_t overclosed_lots = 0;      // close lots booked beyond every bucket's holdings (clamped)
  std::uint64_t position_slots_full = 0;  // a (bucket, instrument) could not get a position record
  std::uint64_t reconciles = 0;
  std::uint64_t mismatches = 0;           // reconciles whose sum differed from CTP
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
  void count_order(AgentId agent) noexcept { ++agent_ledger(agent).orders; }
  void count_cancel(AgentId agent) noexcept { ++agent_ledger(agent).cancels; }
  void count_final(AgentId agent, OrderStatus status) noexcept;

  // ---- reconcile ----------------------------------------------------------------------------------------
  // Compares the sum of the buckets with CTP's queried positions (registry PositionSnapshot). The first
  // call adopts what CTP holds beyond the agents into the unattributed bucket; later calls report.
  // Writes a one-line diff of the first mismatches into `diff` (empty when equal); returns true on a match.
  [[nodiscard]] bool reconcile(char* diff, std::size_t diff_size) noexcept;
  // Account-level figures last queried from CTP (whole-account available capital).
  void set_account_available(double available) noexcept { account_available_ = available; }

  // ---- reads ---------------------------------------------------------------------------------------
  [[nodiscard]] const PositionLedger* position(AgentId agent, InstrumentIndex instrument) const noexcept;
  [[nodiscard]] const AgentLedger& agent(AgentId agent) const noexcept { return agents_[bucket_of(agent)]; }
  [[nodiscard]] PositionView view(AgentId agent, InstrumentIndex instrument) const noexcept;
  // view() plus the agent's account figures (the record published with each update).
  void fill_view(AgentId agent, InstrumentIndex instrument, PositionView& out) const noexcept;
  // Sum over every bucket (agents + unattributed) of one instrument.
  [[nodiscard]] PositionView account_view(InstrumentIndex instrument) const noexcept;
  [[nodiscard]] double unrealized_pnl(AgentId agent) const noexcept;
  [[nodiscard]] double position_unrealized(const PositionLedger& p) const noexcept;
  [[nodiscard]] const LedgerStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint32_t unattributed() const noexcept { return static_cast<std::uint32_t>(capacity_.agents); }
  // Instrument indices the agent has a position record for (first, then next_in_bucket).
  [[nodiscard]] std::uint32_t first_slot(AgentId agent) const noexcept { return heads_[bucket_of(agent)]; }
  [[nodiscard]] const PositionLedger& slot(std::uint32_t s) const noexcept { return positions_[s]; }
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
  // Removes up to `lots` from `side` (today or yesterday first as asked); returns what it took.
  std::int32_t take(std::uint32_t bucket, PositionLedger& p, bool is_long, bool yd_first, std::int32_t lots,
                    double price, std::int32_t& took_today) noexcept;

  const InstrumentRegistry& registry_;
  Capacity capacity_;
  std::unique_ptr<std::uint32_t[]> slots_;     // (bucket * instruments + instrument) -> position index
  std::unique_ptr<PositionLedger[]> positions_;
  std::size_t used_positions_ = 0;
  std::unique_ptr<std::uint32_t[]> heads_;     // per bucket: first position index
  std::unique_ptr<AgentLedger[]> agents_;      // agents + unattributed
  std::unique_ptr<AgentId[]> owners_;
  double account_available_ = std::numeric_limits<double>::infinity();
  bool seeded_ = false;
  LedgerStats stats_;
};

[[nodiscard]] constexpr bool splits_today(std::string_view exchange) noexcept {
  return exchange == "SHFE" || exchange == "INE";
}

}  // namespace shandian::core
