// Recovery input: read a journal file back and replay it into what a restarted process needs:
//   * attribution: every order this account's agents placed today, by (FrontID, SessionID, OrderRef) and,
//     once known, (ExchangeID, OrderSysID) -> agent name — seeded into OrderManager::seed_link so the
//     counter's reports and trades of those orders are attributed after the restart;
//   * the trade keys already booked — seeded into OrderManager::seed_trade so a replayed trade (RESUME
//     stream, trade query) is never counted twice;
//   * per-agent positions (long / short lots per instrument): the lots carried in from the previous day
//     (position_carry) plus the journaled trades; trades of orders nobody here placed are booked to
//     "unattributed". (shandian.journal.end_of_day adds the average prices the carry-over needs.)
// replay() is a pure function of the rows (tested on its own); read_rows() is the SQLite part.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/types.hpp"
#include "journal/record.hpp"

namespace shandian::journal {

inline constexpr const char* kUnattributed = "unattributed";

struct ReplayRow {
  RecordKind kind = RecordKind::OrderUpdate;
  std::uint64_t seq = 0;
  std::uint32_t run = 0;
  std::string agent;  // agent name; empty = not attributed
  std::string symbol;
  std::string exchange;
  std::string order_sys_id;
  std::string trade_id;
  core::Direction direction = core::Direction::Buy;
  core::Offset offset = core::Offset::Open;
  core::OrderStatus status = core::OrderStatus::Submitting;
  std::int32_t volume = 0;
  std::int32_t traded = 0;
  std::int32_t front_id = 0;
  std::int32_t session_id = 0;
  std::int64_t order_ref = 0;
};

struct ReplayOrder {
  std::string agent;  // empty = unattributed (reported by the counter, never requested here)
  std::string symbol;
  std::string exchange;
  std::string order_sys_id;
  std::int32_t front_id = 0;
  std::int32_t session_id = 0;
  std::int64_t order_ref = 0;
  core::Direction direction = core::Direction::Buy;
  core::Offset offset = core::Offset::Open;
  core::OrderStatus status = core::OrderStatus::Submitting;
  std::int32_t volume = 0;
  std::int32_t traded = 0;
  std::int32_t booked = 0;  // lots of its distinct journaled trades (those carrying its identity)
  bool requested = false;   // an order_request record exists (this account's agents sent it)
  std::uint32_t run = 0;    // run of the request (or of the first report)
};

struct LegPosition {
  std::int32_t long_lots = 0;
  std::int32_t short_lots = 0;
  friend bool operator==(const LegPosition&, const LegPosition&) = default;
};

struct ReplayTrade {
  std::string exchange;
  std::string trade_id;
  core::Direction direction = core::Direction::Buy;
};

struct Replay {
  std::vector<ReplayOrder> orders;                                       // in request order
  std::map<std::pair<std::string, std::string>, LegPosition> positions;  // (agent or "unattributed", symbol)
  std::vector<ReplayTrade> trades;                                       // distinct keys, in journal order
  std::uint64_t duplicate_trades = 0;  // trade records whose key was already booked (must stay 0)
  std::uint64_t last_seq = 0;
  std::uint32_t runs = 0;
};

// Rows must be in sequence order.
[[nodiscard]] Replay replay(std::span<const ReplayRow> rows);

// Reads every order / trade row of a journal file in sequence order. Throws JournalError (path + reason).
[[nodiscard]] std::vector<ReplayRow> read_rows(const std::string& path);

// One leg of a trade applied to a position (the rule replay() uses; exposed for tests and ledgers).
void apply_trade(LegPosition& position, core::Direction direction, core::Offset offset, std::int32_t volume) noexcept;

}  // namespace shandian::journal
