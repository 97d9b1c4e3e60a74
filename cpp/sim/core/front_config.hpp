// Settings of one local exchange instance, parsed from the RegisterFront address
//   local://NAME?key=value&key=value...      (see cpp/sim/api/front_address.hpp for the parser and the
//                                             full key list; unknown keys are an error, never ignored)
// Both libraries of a process that register the same NAME share one instance (one book, one clock).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shandian::sim {

struct InitialPosition {  // a yesterday position the account holds at start ("rb2505:long:5")
  std::string instrument_id;
  bool is_long = true;
  int volume = 0;
  double price = 0.0;  // previous settlement it is carried at (0: the instrument's reference price)
};

enum class QueueModel : std::uint8_t {
  Conservative,  // a resting order is filled only after all volume shown ahead of it at its price trades
  Optimistic,    // a resting order fills as soon as the market trades at or through its price
};

struct FrontConfig {
  std::string name = "default";
  // --- identity and gates
  std::string broker_id;                   // empty: any BrokerID accepted
  std::string app_id;                      // empty: any AppID accepted
  std::string auth_code;                   // empty: any AuthCode accepted
  bool require_auth = true;                // login before a successful ReqAuthenticate → 64 NOT_AUTHENT
  bool require_settlement_confirm = true;  // insert/cancel before confirmation → 42
  std::string password;                    // empty: any password accepted; else a different one → 3
  int login_fail_limit = 6;                // after this many consecutive failed logins of a user → 75 (0 = off)
  int ip_login_fail_limit = 0;             // after this many failed logins from the client's IP → 143 (0 = off)
  int max_sessions = 0;                    // logged-in sessions of one user beyond → 60 (0 = no limit)
  std::string trading_day;                 // YYYYMMDD; empty: the feed's
  double initial_balance = 10'000'000.0;
  std::vector<InitialPosition> positions;
  // --- market data
  std::string source = "gen";  // "gen" (seeded generator) or "csv:/path/ticks.csv"
  std::uint64_t seed = 42;
  std::vector<std::string> instruments;  // bundled products ("rb") or instrument ids; empty: all bundled
  double speed = 1.0;                    // 1 = real time, N = N times faster, 0 = as fast as consumed
  std::string session = "day";           // which session the generator starts in: "night" or "day"
  int max_ticks = 0;                     // stop the feed after this many snapshots (0: whole trading day)
  int days = 1;                          // trading days the feed runs; each end rolls the counter's day
  // --- matching
  QueueModel queue_model = QueueModel::Conservative;
  // Exchange time an insert or a cancel takes to reach the exchange (0: at once). Meanwhile an order is
  // 'a' (unknown) and a cancel is pending, which is when a counter answers 157 (CZCE) and 24; a delayed
  // request is carried out when the feed's clock passes its due time (with the next feed event).
  int exchange_delay_ms = 0;
  // --- flow control
  int query_interval_ms = 1000;  // QryFreq: a query sooner than this after the last → 90 (0 = off)
  int order_rate_limit = 0;      // inserts+cancels per second per session beyond → 116 (0 = off)
  // --- fault injection
  int disconnect_after = 0;       // inject OnFrontDisconnected(4097) after N delivered trader callbacks
  int reconnect_ms = 1000;        // vendor 6.7.9+: reconnects every 1 s by itself
  int reply_delay_us = 0;         // delay every trader reply and push by this much
  double md_drop_ratio = 0.0;     // fraction of snapshots silently not delivered (seeded)
  bool duplicate_replay = false;  // a RESTART replay delivers every private message twice
  std::string state;              // input log: the instance survives its host process (api/state_log.hpp)
};

}  // namespace shandian::sim
