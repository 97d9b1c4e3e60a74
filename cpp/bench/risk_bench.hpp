// Micro-benchmark of the risk engine's full rule set per request, for the Python
// harness through pyext/bench/risk.cpp (`_bench.bench_risk_check`). Returns raw per-check latencies; statistics
// and provenance are the harness's job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shandian::bench {

struct RiskBenchOptions {
  std::int64_t samples = 100'000;
  std::int64_t warmup = 10'000;
  std::int32_t resting_orders = 8;  // working orders of the account on the benched instrument (self-trade scan)
  std::int32_t agents = 4;          // agents the checks rotate over
  std::string kind = "order";       // "order": check_order; "cancel": check_cancel
};

// Every rule enabled with limits that admit every request (a refusal would be a cheaper, shorter path):
// order/cancel windows at agent and account scope, daily cancel/message/large-cancel/open-volume counts,
// self-trade scan over `resting_orders`, volume limits, price band, stale-data guard, session gate,
// ledger-based position / capital / daily loss / drawdown through a LedgerView. Each sample is one
// check timed with std::chrono::steady_clock (two clock reads, ~20-40 ns of the figure on a TSC clock).
// Throws std::invalid_argument for bad options and std::runtime_error if any check was refused.
[[nodiscard]] std::vector<std::int64_t> risk_check_latency(const RiskBenchOptions& options);

}  // namespace shandian::bench
