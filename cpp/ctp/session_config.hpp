// Configuration of one CTP session (one account): fronts, credentials, flow directory, resume type,
// flow-control and ring sizes. The password is never logged: describe() redacts it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace shandian::ctp {

// How the private stream (OnRtnOrder/OnRtnTrade) resumes after a (re)connect (ctp-semantics.md §1).
#define SHANDIAN_RESUME_TYPES(X)                                                          \
  X(Restart, 0, "restart", "replay the whole trading day (slow on busy days: vnpy#2805)") \
  X(Resume, 1, "resume", "from the last sequence number recorded in the flow files")      \
  X(Quick, 2, "quick", "only what happens after login; the gaps are filled by order/trade queries (default)")
SHANDIAN_DEFINE_ENUM(ResumeType, std::uint8_t, SHANDIAN_RESUME_TYPES, "unknown")

struct SessionConfig {
  std::vector<std::string> trader_fronts;  // "tcp://host:port" or "local://NAME?..."; at least one
  std::vector<std::string> md_fronts;      // may be empty: no market data session
  std::string broker_id;
  std::string user_id;
  std::string investor_id;  // empty: user_id
  std::string password;     // never logged
  std::string app_id;       // empty: skip ReqAuthenticate
  std::string auth_code;
  std::string user_product_info;
  std::filesystem::path flow_dir;  // trader flow files in flow_dir/td/, md in flow_dir/md/ (created first)
  ResumeType resume = ResumeType::Quick;
  bool query_rates = true;  // query margin and commission rates at start-up
  // Query flow control (QuerySchedulerConfig): >= 1 s apart by default.
  std::int64_t query_interval_ms = 1000;
  std::int64_t query_backoff_initial_ms = 1000;
  std::int64_t query_backoff_max_ms = 16000;
  std::int64_t query_timeout_ms = 10000;
  // Delay before re-trying a retryable auth / login / settlement refusal (never for 63, 75, 143, 3, 140,
  // nor for 7 from a local:// front, whose exchange could not start).
  std::int64_t relogin_delay_ms = 2000;
  // Rings: the trader ring must never fill in practice (pushes are order/trade/query rows); on a full
  // ring the vendor thread waits at most ring_full_wait_us, then the event is counted as lost and a
  // reconcile (order + trade queries) is scheduled. Ticks on a full md ring are counted and dropped.
  std::size_t md_ring_capacity = 1 << 16;
  std::size_t td_ring_capacity = 1 << 14;
  std::int64_t ring_full_wait_us = 200;

  [[nodiscard]] std::string investor() const { return investor_id.empty() ? user_id : investor_id; }

  // One line for logs; the password and auth code are shown only as "set"/"empty".
  [[nodiscard]] std::string describe() const;
};

// The library directory for a flavour: "sfit" and "local" are subdirectories of `package_lib_root`
// (shandian/lib); anything else is taken as a directory path.
[[nodiscard]] std::filesystem::path resolve_library_dir(std::string_view flavour,
                                                        const std::filesystem::path& package_lib_root);

}  // namespace shandian::ctp
