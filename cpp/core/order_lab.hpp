// OrderLab: a scripted exchange around a real Engine, for randomized / property tests of the order FSM and
// the ledgers (tests/cpp/core/test_core_ledger_fuzz.cpp, and hypothesis through _bench.OrderLab).
//
// The lab plays CTP: it captures every ReqOrderInsert / ReqOrderAction the engine writes and, on request,
// pushes the callbacks a counter would (acks, fills as report+trade in either order, cancels, insert and
// cancel refusals, duplicates of anything pushed before, foreign trades), then runs the engine loop and
// checks the invariants after every step:
//   * traded <= volume for every published order;
//   * a final status never changes, except the documented edge Rejected -> Cancelled on a trade;
//   * every agent's ledger position equals an independent model built from the trades it was sent;
//   * agents + unattributed == the account view == the counter's positions (every lot the lab's counter
//     filled); no negative holdings, frozen within holdings; a close (explicit offset or not) is refused
//     INSUFFICIENT_POSITION exactly when it exceeds the agent's own free lots;
//   * margin = today's + yesterday's per side, summed per agent; yesterday's at the pre-settlement price
//     once known; frozen commission = the fee of every frozen lot; fees booked over all days = the fee of
//     every lot traded; a day roll leaves no today lots and moves the day's net into `carried`, keeping
//     every agent's balance;
//   * every agent's ledger counters match what it was sent and told: orders = requests written, cancels =
//     cancel requests written, fills / filled lots = trades delivered, refusals per code = each refusal once
//     (an update recording one, or an action refused before any order existed; cancel races excluded), and
//     the unbooked lots published with each update = lots reported traded minus those delivered as trades;
//   * after finish(): nothing frozen (lots, margin, commission), no live order and no live conditional order.
// Test support, not engine code: it allocates freely (violations are strings).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/engine.hpp"

namespace shandian::core {

enum class LabAction : std::uint8_t {
  Place = 0,           // agent, instrument, a = direction (bit 0) | OffsetMode << 1, b = volume
  Ack = 1,             // a = lab order index: OnRtnOrder Queued with an OrderSysID
  Fill = 2,            // a = order, b = lots: OnRtnOrder (PartFilled/Filled) then OnRtnTrade
  FillTradeFirst = 3,  // a = order, b = lots: OnRtnTrade then OnRtnOrder
  Cancel = 4,          // a = order: Engine::cancel by the owning agent
  ExchangeCancel = 5,  // a = order: OnRtnOrder Cancelled (the exchange took the cancel)
  CancelRefused = 6,   // a = order: OnErrRtnOrderAction
  InsertRefused = 7,   // a = order: OnRspOrderInsert error (only before an ack)
  Duplicate = 8,       // a = index into everything pushed so far: pushed again
  ForeignTrade = 9,    // instrument, a = direction, b = lots: a trade of an order this process never placed
  Tick = 10,           // instrument, a = price offset in ticks
  Conditional = 11,    // agent, instrument, a: kind (stop/tp/trailing/iceberg/bracket) + side + price bits, b = volume
  CancelConditional = 12,  // a = index of a conditional placed so far
  Insert = 13,             // agent, instrument, a = direction (bit 0) | Offset << 1, b = volume: an explicit offset
  RollDay = 14,            // a login reporting the next trading day: the ledgers roll
  PreSettle = 15,          // instrument, a = price offset: a tick carrying a PreSettlementPrice (and last price)
  kCount
};

struct LabConfig {
  std::size_t agents = 2;
  std::size_t live_orders = 1024;
  double margin_by_money = 0.1;  // rates set on every instrument (0: unknown rates)
  double commission_by_volume = 1.5;
};

class OrderLab {
 public:
  explicit OrderLab(LabConfig config = {});
  ~OrderLab();
  OrderLab(const OrderLab&) = delete;
  OrderLab& operator=(const OrderLab&) = delete;

  // One step; returns false when the action did nothing (e.g. no such order, not applicable).
  bool apply(LabAction action, std::uint32_t agent, std::uint32_t instrument, std::int32_t a, std::int32_t b);
  // Exchange-cancels whatever is still working, delivers every fill already reported, checks that nothing
  // stays frozen and no order stays live.
  void finish();

  [[nodiscard]] const std::vector<std::string>& violations() const noexcept { return violations_; }
  [[nodiscard]] Engine& engine() noexcept;
  [[nodiscard]] std::size_t orders_placed() const noexcept;
  [[nodiscard]] std::size_t instrument_count() const noexcept { return 2; }
  [[nodiscard]] InstrumentIndex instrument(std::uint32_t i) const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> violations_;
};

}  // namespace shandian::core
