#include "journal/replay.hpp"

#include <sqlite3.h>

#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "journal/journal.hpp"

namespace shandian::journal {
namespace {

struct RefKey {
  std::int32_t front_id;
  std::int32_t session_id;
  std::int64_t order_ref;
  auto operator<=>(const RefKey&) const = default;
};

core::Direction parse_direction(std::string_view s) noexcept {
  return core::from_name<core::Direction>(s).value_or(core::Direction::Buy);
}

core::Offset parse_offset(std::string_view s) noexcept {
  return core::from_name<core::Offset>(s).value_or(core::Offset::Open);
}

core::OrderStatus parse_status(std::string_view s) noexcept {
  return core::from_name<core::OrderStatus>(s).value_or(core::OrderStatus::Submitting);
}

RecordKind parse_kind(std::string_view s) noexcept {
  for (int i = 1; i <= static_cast<int>(RecordKind::Command); ++i) {
    const auto kind = static_cast<RecordKind>(i);
    if (to_string(kind) == s) return kind;
  }
  return RecordKind::Notice;
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t != nullptr
             ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
             : std::string();
}

int rank(core::OrderStatus s) noexcept {
  switch (s) {
    case core::OrderStatus::Submitting: return 0;
    case core::OrderStatus::Accepted: return 1;
    case core::OrderStatus::Queued: return 2;
    case core::OrderStatus::PartFilled: return 3;
    default: return 4;
  }
}

}  // namespace

void apply_trade(LegPosition& p, core::Direction direction, core::Offset offset, std::int32_t volume) noexcept {
  const bool open = offset == core::Offset::Open;
  if (direction == core::Direction::Buy) {
    if (open)
      p.long_lots += volume;
    else
      p.short_lots -= volume;
  } else {
    if (open)
      p.short_lots += volume;
    else
      p.long_lots -= volume;
  }
}

Replay replay(std::span<const ReplayRow> rows) {
  Replay out;
  std::map<RefKey, std::size_t> by_key;
  std::unordered_map<std::int64_t, std::size_t> by_ref;  // our refs never repeat within a trading day
  std::set<std::tuple<std::string, std::string, core::Direction>> seen;
  std::set<std::uint32_t> runs;
  for (const ReplayRow& r : rows) {
    if (r.seq > out.last_seq) out.last_seq = r.seq;
    runs.insert(r.run);
    switch (r.kind) {
      case RecordKind::OrderRequest: {
        ReplayOrder o;
        o.agent = r.agent;
        o.symbol = r.symbol;
        o.exchange = r.exchange;
        o.front_id = r.front_id;
        o.session_id = r.session_id;
        o.order_ref = r.order_ref;
        o.direction = r.direction;
        o.offset = r.offset;
        o.volume = r.volume;
        o.requested = true;
        o.run = r.run;
        by_key[RefKey{r.front_id, r.session_id, r.order_ref}] = out.orders.size();
        by_ref[r.order_ref] = out.orders.size();
        out.orders.push_back(std::move(o));
        break;
      }
      case RecordKind::OrderUpdate: {
        std::size_t index = out.orders.size();
        if (r.front_id != 0 || r.session_id != 0) {
          if (auto it = by_key.find(RefKey{r.front_id, r.session_id, r.order_ref}); it != by_key.end())
            index = it->second;
        } else if (!r.agent.empty()) {
          // a counter report of an order placed before a restart (attributed through a seeded link)
          if (auto it = by_ref.find(r.order_ref); it != by_ref.end()) index = it->second;
        }
        if (index == out.orders.size()) {
          if (r.agent.empty() && r.order_ref == 0) break;  // nothing to key it by
          // A report of an order not requested here (another session, or a request lost in a crash).
          ReplayOrder o;
          o.agent = r.agent;
          o.symbol = r.symbol;
          o.order_ref = r.order_ref;
          o.front_id = r.front_id;
          o.session_id = r.session_id;
          o.direction = r.direction;
          o.offset = r.offset;
          o.volume = r.volume;
          o.run = r.run;
          if (r.front_id != 0 || r.session_id != 0) by_key[RefKey{r.front_id, r.session_id, r.order_ref}] = index;
          if (!r.agent.empty()) by_ref[r.order_ref] = index;
          out.orders.push_back(std::move(o));
        }
        ReplayOrder& o = out.orders[index];
        if (o.exchange.empty()) o.exchange = r.exchange;
        if (o.order_sys_id.empty()) o.order_sys_id = r.order_sys_id;
        if (r.traded > o.traded) o.traded = r.traded;
        if (rank(r.status) >= rank(o.status)) o.status = r.status;
        break;
      }
      case RecordKind::Trade: {
        if (!seen.emplace(r.exchange, r.trade_id, r.direction).second) {
          ++out.duplicate_trades;
          break;
        }
        out.trades.push_back(ReplayTrade{r.exchange, r.trade_id, r.direction});
        if (r.front_id != 0 || r.session_id != 0) {  // a trade of a live order carries the order's identity
          if (auto it = by_key.find(RefKey{r.front_id, r.session_id, r.order_ref}); it != by_key.end()) {
            out.orders[it->second].booked += r.volume;
          }
        }
        const std::string& agent = r.agent.empty() ? std::string(kUnattributed) : r.agent;
        apply_trade(out.positions[{agent, r.symbol}], r.direction, r.offset, r.volume);
        break;
      }
      case RecordKind::PositionCarry: {  // lots carried in from the previous day (negative: cut at reconcile)
        LegPosition& p = out.positions[{r.agent, r.symbol}];
        (r.direction == core::Direction::Buy ? p.long_lots : p.short_lots) += r.volume;
        break;
      }
      default: break;
    }
  }
  out.runs = static_cast<std::uint32_t>(runs.size());
  return out;
}

std::vector<ReplayRow> read_rows(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw JournalError("journal " + path + ": cannot open: " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* q = nullptr;
  const char* sql =
      "SELECT seq, run, kind, agent_name, symbol, exchange, order_sys_id, trade_id, direction, offset, status,"
      " volume, traded, front_id, session_id, order_ref FROM records"
      " WHERE kind IN ('order_request', 'order_update', 'trade', 'position_carry') ORDER BY seq";
  if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) != SQLITE_OK) {
    const std::string why = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw JournalError("journal " + path + ": not a shandian journal: " + why);
  }
  std::vector<ReplayRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    ReplayRow r;
    r.seq = static_cast<std::uint64_t>(sqlite3_column_int64(q, 0));
    r.run = static_cast<std::uint32_t>(sqlite3_column_int64(q, 1));
    r.kind = parse_kind(column_text(q, 2));
    r.agent = column_text(q, 3);
    r.symbol = column_text(q, 4);
    r.exchange = column_text(q, 5);
    r.order_sys_id = column_text(q, 6);
    r.trade_id = column_text(q, 7);
    r.direction = parse_direction(column_text(q, 8));
    r.offset = parse_offset(column_text(q, 9));
    r.status = parse_status(column_text(q, 10));
    r.volume = sqlite3_column_int(q, 11);
    r.traded = sqlite3_column_int(q, 12);
    r.front_id = sqlite3_column_int(q, 13);
    r.session_id = sqlite3_column_int(q, 14);
    r.order_ref = sqlite3_column_int64(q, 15);
    rows.push_back(std::move(r));
  }
  const std::string why = rc == SQLITE_DONE ? std::string() : sqlite3_errmsg(db);
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (!why.empty()) throw JournalError("journal " + path + ": " + why);
  return rows;
}

}  // namespace shandian::journal
