// ExchangeCore's private state, shared by the implementation files:
//   exchange_core.cpp  facade, sessions (connect/auth/login/logout/settlement), streams, feed events
//   orders.cpp         order validation, matching, per-exchange callback sequences, cancels, bookkeeping
//   queries.cpp        query answers
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/core/account.hpp"
#include "sim/core/chunked_log.hpp"
#include "sim/core/exchange_core.hpp"
#include "sim/core/market.hpp"

namespace shandian::sim {

namespace detail {

// Callback-shape families of ctp-semantics.md §2 (INE = SHFE rules, GFEX = DCE rules).
enum class Style : std::uint8_t {
  Shfe,  // SHFE, INE, CFFEX: immediate results without a '3' step; FAK part-fill a → 5 → (5, Trade)…
  Dce,   // DCE, GFEX: always '3' first; fills push the new state without re-pushing the previous one
  Czce,  // CZCE: always '3' first; fills re-push the previous state
};

[[nodiscard]] inline Style style_of(ExchangeKind e) noexcept {
  switch (e) {
    case ExchangeKind::DCE:
    case ExchangeKind::GFEX: return Style::Dce;
    case ExchangeKind::CZCE: return Style::Czce;
    default: return Style::Shfe;
  }
}

inline constexpr int kExchangeKinds = 6;

struct Connection {
  TraderSink* sink = nullptr;
  bool open = false;
  bool authenticated = false;
  bool logged_in = false;
  int investor = -1;
  int session_id = 0;
  std::string user_key;  // BrokerID + '\n' + UserID of the login
  StreamSubscription private_topic;
  StreamSubscription public_topic;
  std::int64_t last_order_ref = 0;
  std::deque<std::int64_t> request_times;  // accepted inserts+cancels within the last second (116 gate)
};

struct Order {
  int id = -1;
  CThostFtdcOrderField f{};   // working state: what the next RtnOrder carries
  std::size_t last_push = 0;  // index in the investor's private stream of this order's latest RtnOrder
  int investor = -1;
  int instrument = -1;
  bool buy = true;
  bool is_open = true;
  bool ioc = false;          // fill-and-kill semantics (IOC, or a market order)
  bool market = false;       // AnyPrice
  bool close_today = false;  // SHFE/INE: closes today's lots
  char volume_condition = THOST_FTDC_VC_AV;
  int min_volume = 1;
  std::int64_t price_ticks = 0;
  int remaining = 0;
  double frozen_margin = 0.0;
  double frozen_commission = 0.0;
  int frozen_today = 0;
  int frozen_yd = 0;
  std::int64_t queue_ahead = 0;
  bool resting = false;
  bool finished = false;
  std::int64_t sys_id = 0;
  std::int64_t insert_due_ns = 0;  // exchange_delay_ms: the insert reaches the exchange then (0: it has)
  std::int64_t cancel_due_ns = 0;  // a cancel on its way to the exchange arrives then (0: none pending)
};

struct Investor {
  std::string broker_id;
  std::string investor_id;
  Account account;
  std::vector<PositionSide> positions;  // 2 per instrument: [2*i] long, [2*i+1] short
  // Private stream of the trading day (seq = index + 1); chunked so growth never copies the history.
  ChunkedLog<TraderMessage> stream;
  bool confirmed = false;
  char confirm_date[9] = {};
  char confirm_time[9] = {};
  std::int64_t max_order_ref = 0;  // highest numeric OrderRef used today, any session
  std::vector<int> orders;
  std::vector<CThostFtdcTradeField> trades;
};

struct Fill {
  std::int64_t ticks = 0;
  int volume = 0;
  int passive = -1;  // client order on the other side, -1 for replayed-market liquidity
};

}  // namespace detail

struct ExchangeCore::Impl {
  FrontConfig config;
  std::vector<InstrumentSpec> instruments;
  std::string trading_day;
  std::map<std::string, int, std::less<>> instrument_ids;
  std::vector<detail::Market> markets;
  std::vector<detail::Connection> connections;
  std::vector<detail::Investor> investors;
  std::map<std::string, int, std::less<>> investor_ids;             // BrokerID + '\n' + InvestorID
  detail::ChunkedLog<detail::Order> orders;                         // stable addresses, one allocation per 256 orders
  std::map<std::tuple<int, int, std::int64_t>, int> orders_by_ref;  // FrontID, SessionID, OrderRef
  std::map<std::pair<int, std::int64_t>, int> orders_by_sys_id;     // exchange kind, OrderSysID
  detail::ChunkedLog<TraderMessage> public_stream;
  // Failed logins: consecutive per user (BrokerID + '\n' + UserID; 75 beyond login_fail_limit) and in
  // total from the client's IP (143 beyond ip_login_fail_limit; every connection of a process is one IP).
  std::map<std::string, int, std::less<>> login_failures;
  int ip_login_failures = 0;
  std::int64_t now_ns = 0;
  int front_id = 1;
  int next_session_id = 0x10001;
  std::int64_t next_order_local_id = 1;
  std::int64_t next_broker_order_seq = 1;
  std::int64_t next_sys_id[detail::kExchangeKinds] = {1, 1, 1, 1, 1, 1};
  std::int64_t next_trade_id[detail::kExchangeKinds] = {1, 1, 1, 1, 1, 1};
  std::int64_t next_sequence_no[detail::kExchangeKinds] = {1, 1, 1, 1, 1, 1};
  std::int64_t next_yd_lot = 1;
  std::vector<detail::Fill> fill_scratch;  // reused per order (no per-order heap churn)
  std::vector<int> id_scratch;
  std::vector<CThostFtdcTradeField> trade_scratch;
  struct RestingFill {
    int order;
    std::int64_t ticks;
    int volume;
  };
  std::vector<RestingFill> resting_scratch;
  std::vector<int> in_flight;  // orders with an insert or a cancel on its way to the exchange, in send order

  Impl(FrontConfig cfg, std::vector<InstrumentSpec> specs, std::string day);

  // --- time
  void date_now(char (&out)[9]) const noexcept;  // natural date
  void time_now(char (&out)[9]) const noexcept;

  // --- delivery
  void deliver(int connection, const TraderMessage& m);
  void reply(int connection, const TraderMessage& m) { deliver(connection, m); }
  std::size_t push_private(int investor, TraderMessage& m);  // returns the stream index
  void push_public(TraderMessage& m);
  void replay(int connection);

  // --- sessions
  [[nodiscard]] detail::Connection* conn(int id) noexcept;
  int investor_for(const std::string& broker, const std::string& investor_id);
  [[nodiscard]] static TraderMessage rsp(TraderCallback kind, int request_id, int error);
  [[nodiscard]] bool logged_in(int connection) const noexcept;

  // --- orders (orders.cpp)
  int insert_order(int connection, const CThostFtdcInputOrderField& req, int request_id);
  int order_action(int connection, const CThostFtdcInputOrderActionField& req, int request_id);
  void reject_insert(int connection, int investor, const CThostFtdcInputOrderField& echo, int request_id, int error);
  void reject_action(int connection, int investor, const CThostFtdcInputOrderActionField& echo, int request_id,
                     int error);
  [[nodiscard]] double available(const detail::Investor& inv) const;
  [[nodiscard]] double mark_price(int instrument, double fallback) const;
  [[nodiscard]] bool limits(int instrument, std::int64_t& lower, std::int64_t& upper) const;
  void push_order(detail::Order& o);
  void repush_order(detail::Order& o);
  void set_state(detail::Order& o, char status, char submit_status, const char* msg);
  CThostFtdcTradeField apply_fill(detail::Order& o, std::int64_t ticks, int volume, std::int64_t trade_id);
  void push_trade(detail::Order& o, const CThostFtdcTradeField& t);
  void release_frozen(detail::Order& o);
  void exchange_accept(int order_id);
  void exchange_reject(detail::Order& o, int error, const char* reason);
  void collect_fills(detail::Order& o, std::vector<detail::Fill>& out, bool consume);
  void passive_fill(int order_id, std::int64_t ticks, int volume, std::int64_t trade_id);
  void rest(int order_id);
  void unrest(detail::Order& o);
  void cancel(detail::Order& o);
  void arrive_at_exchange(std::int64_t up_to_ns);  // carries out delayed inserts and cancels due by then
  void match_resting(int instrument, const detail::Side& prev_bid, const detail::Side& prev_ask, std::int64_t traded);
  std::int64_t take_trade_id(ExchangeKind e) { return next_trade_id[static_cast<int>(e)]++; }
};

}  // namespace shandian::sim
