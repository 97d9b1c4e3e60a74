// State snapshot: what a monitor (the web dashboard, another process) needs to show a running account,
// published by the engine thread into a shared-memory file at a bounded rate, with no Python involved.
//
//   runtime::SnapshotWriter w("/tmp/x.snapshot", 100'000'000);   // creates the file, mmaps it shared
//   w.maybe_publish(rt, &latency, now_ns);                         // engine thread; returns fast when not due
//   runtime::SnapshotReader r("/tmp/x.snapshot");                  // another process
//   Snapshot s; bool ok = r.read(s);                               // a consistent copy, or false (retry later)
//
// Consistency is a seqlock over the whole record: the writer makes `seq` odd, writes, makes it even; a
// reader copies and keeps the copy only when `seq` was the same even value before and after. The writer
// never waits for a reader, so a slow or stuck monitor cannot slow the engine. Fixed-size arrays: what
// does not fit is counted in the `*_total` fields and left out (the journal has the rest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/latency_histogram.hpp"

namespace shandian::runtime {

class Runtime;

inline constexpr std::uint64_t kSnapshotMagic = 0x5348'4E44'534E'4150ULL;  // "SHNDSNAP"
inline constexpr std::uint32_t kSnapshotVersion = 1;

struct SnapAgent {
  char name[32];
  std::uint8_t state;  // risk::TradingState of the agent alone (the account's is separate)
  std::uint8_t pad[7];
  double realized_pnl;
  double unrealized_pnl;
  double commission;
  double margin;
  std::uint32_t orders;
  std::uint32_t fills;
  std::uint32_t filled_lots;
  std::uint32_t cancels;
  std::uint32_t rejects;
  std::uint32_t cancelled;
};

struct SnapPosition {
  std::uint32_t agent;
  char symbol[32];
  std::int32_t long_lots;
  std::int32_t short_lots;
  std::int32_t pad;
  double long_avg_price;
  double short_avg_price;
  double realized_pnl;
  double unrealized_pnl;
};

struct SnapInstrument {
  char symbol[32];
  double last_price;
  double bid_price;
  double ask_price;
  std::int64_t volume;
  std::int32_t update_ms;  // exchange time of day
  std::int32_t pad;
};

struct SnapOrder {
  std::uint64_t id;
  std::uint32_t agent;
  char symbol[32];
  std::uint8_t direction;  // core::Direction
  std::uint8_t offset;     // core::Offset
  std::uint8_t kind;       // core::OrderKind
  std::uint8_t status;     // core::OrderStatus
  double price;
  std::int32_t volume;
  std::int32_t traded;
};

struct SnapRefusal {
  std::uint16_t code;  // core::RejectCode
  std::uint16_t pad;
  std::uint32_t count;
};

struct Snapshot {
  static constexpr std::size_t kMaxAgents = 64;
  static constexpr std::size_t kMaxPositions = 256;
  static constexpr std::size_t kMaxInstruments = 128;
  static constexpr std::size_t kMaxOrders = 512;
  static constexpr std::size_t kMaxRefusals = 64;

  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t size;
  std::uint64_t seq;          // seqlock: odd while being written (accessed through std::atomic_ref only)
  std::uint64_t publishes;    // how many snapshots were published so far
  std::int64_t wall_ns;       // CLOCK_REALTIME at publication (a monitor's "how old is this")
  std::int64_t mono_ns;       // CLOCK_MONOTONIC at publication
  std::int32_t pid;           // the engine process
  std::uint32_t trading_day;  // YYYYMMDD, 0 before login
  char trader_state[24];
  char md_state[24];
  std::uint8_t trading_ready;
  std::uint8_t account_state;  // risk::TradingState
  std::uint8_t killed;
  std::uint8_t pad[5];
  double balance;
  double available;
  double margin;
  double frozen_margin;
  std::uint64_t events;
  std::uint64_t ticks;
  std::uint64_t orders_sent;
  std::uint64_t cancels_sent;
  // tick -> agent latency (ns) over the run so far (LatencyHistogram), 0 before any sample
  std::uint64_t latency_count;
  std::int64_t latency_p50;
  std::int64_t latency_p90;
  std::int64_t latency_p99;
  std::int64_t latency_max;
  std::uint32_t agent_count;
  std::uint32_t position_count;
  std::uint32_t position_total;
  std::uint32_t instrument_count;
  std::uint32_t instrument_total;
  std::uint32_t order_count;
  std::uint32_t order_total;
  std::uint32_t refusal_count;
  SnapAgent agents[kMaxAgents];
  SnapPosition positions[kMaxPositions];
  SnapInstrument instruments[kMaxInstruments];
  SnapOrder orders[kMaxOrders];
  SnapRefusal refusals[kMaxRefusals];  // summed over every agent, by code
};

// The latency histogram's percentile q in [0, 1] as shandian.histogram.Histogram.percentile (0 when empty).
[[nodiscard]] std::int64_t histogram_quantile(const core::LatencyHistogram& h, double q) noexcept;

class SnapshotWriter {
 public:
  // Creates (truncates) the file with mode 0600 and maps it; std::runtime_error naming the path on failure.
  SnapshotWriter(const std::string& path, std::int64_t interval_ns);
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Engine thread: publishes when interval_ns passed since the last publication; true when it did.
  bool maybe_publish(Runtime& runtime, const core::LatencyHistogram* latency, std::int64_t now_ns) noexcept;
  // Engine thread: publishes now.
  void publish(Runtime& runtime, const core::LatencyHistogram* latency, std::int64_t now_ns) noexcept;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint64_t publishes() const noexcept { return publishes_; }

 private:
  void fill(Snapshot& s, Runtime& runtime, const core::LatencyHistogram* latency) noexcept;

  std::string path_;
  std::int64_t interval_ns_;
  std::int64_t next_ns_ = 0;
  std::uint64_t publishes_ = 0;
  Snapshot* shared_ = nullptr;   // the mapping
  Snapshot* scratch_ = nullptr;  // built here, then copied under the seqlock (the odd window stays short)
};

class SnapshotReader {
 public:
  explicit SnapshotReader(const std::string& path);  // std::runtime_error naming the path on failure
  ~SnapshotReader();
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  // A consistent copy into `out`; false when the writer was busy on every try or the file is no snapshot.
  [[nodiscard]] bool read(Snapshot& out) const noexcept;

 private:
  const Snapshot* shared_ = nullptr;
};

}  // namespace shandian::runtime
