// Journal: the record that survives kill -9. CTP knows nothing about agents; after a crash only
// this file can say which agent owns which order, trade and position.
//
// Threads: the engine thread is the only producer. It builds a fixed-size Record per fact (EngineObserver
// callbacks, agent lifecycle, parameter changes), stamps the next sequence number and pushes it into an
// SpscRing — no allocation, no lock, never a wait on disk. The only syscall: an order/cancel request wakes
// a sleeping writer (futex), so the request is committed within ~a transaction of being sent; other
// records wait for the writer's next wake-up (1 ms while busy, backing off to 8 ms while idle). The journal thread
// drains the ring and writes each drained batch in one SQLite transaction (WAL mode, synchronous=NORMAL: a committed
// transaction survives the process being killed at any instant; only an OS crash can lose the last ones).
//
// Backlog bound: when more than `backlog_limit` records are pushed but not yet committed, admit_order()
// refuses new orders with JOURNAL_BACKLOG (cancels and counter reports still flow, into the ring's reserve
// of capacity - backlog_limit slots). Records are never dropped while the writer is healthy: if even the
// reserve fills, the engine waits for the writer (counted in full_waits; this needs a writer stalled far
// beyond any order flow). Only after the writer failed for good (disk error, reported in error()) would a
// record be dropped, and that is counted in `lost`.
//
// File: one SQLite file per account per trading day (default_path). Sequence numbers and the run counter
// continue across openings of the same file, so a reader sees one gap-free sequence for the whole day.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/dispatch.hpp"
#include "core/order_manager.hpp"
#include "journal/record.hpp"
#include "queue/spsc_ring.hpp"
#include "queue/wait_strategy.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace shandian::journal {

// The writer thread's scheduling class. Batch (default, with writer_nice): a woken writer never preempts
// a running thread and gets a small share of a busy CPU, so its commits do not take the CPU from the engine
// or the CTP callback threads, yet it always progresses. Idle: it runs only on CPU time nothing else wants
// (the least interference), but on a machine whose CPUs are all saturated it gets ~0.3 % of one: the
// backlog then grows, new orders are refused (JOURNAL_BACKLOG) and records still in the ring when the
// stop's flush times out are lost (seen with two busy loops on 2 vCPUs). Normal: an ordinary thread.
enum class WriterPriority : std::uint8_t { Idle, Batch, Normal };

struct JournalConfig {
  std::string path;                            // the SQLite file (its directory must exist)
  std::size_t ring_capacity = 16'384;          // records in flight (rounded up to a power of two)
  std::size_t backlog_limit = 8'192;           // uncommitted records beyond which new orders are refused
  std::size_t max_batch = 4'096;               // records per transaction
  std::int64_t idle_sleep_ns = 1'000'000;      // writer's first sleep when the ring is empty
  std::int64_t max_idle_sleep_ns = 2'000'000;  // doubling up to this while it stays empty (fewer wakeups)
  WriterPriority writer_priority = WriterPriority::Batch;
  // Wake the sleeping writer at the end of each engine-loop iteration that wrote a request: the request is
  // then on disk within about one transaction (~0.1 ms), instead of within the writer's sleep (idle_sleep_ns
  // while orders flow, max_idle_sleep_ns after a quiet spell). Off by default: the wake is a futex syscall
  // on the engine thread, measured at +15-20 % tick -> agent p99 with wait=spin (bench/journal_overhead.py).
  // A request sent but not yet committed when the process dies is recovered as unattributed, never lost.
  bool wake_on_request = false;
  int writer_nice = 10;  // Batch / Normal: the writer yields the CPU to the engine / vendor threads
};

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JournalStats {
  std::uint64_t recorded = 0;          // records pushed by the engine thread
  std::uint64_t written = 0;           // records committed
  std::uint64_t transactions = 0;      // committed batches
  std::uint64_t backlog_refusals = 0;  // orders refused with JOURNAL_BACKLOG
  std::uint64_t full_waits = 0;        // pushes that found the ring full and waited for the writer
  std::uint64_t lost = 0;              // records dropped because the writer had failed (should stay 0)
  std::uint64_t write_errors = 0;      // failed transactions (retried)
  std::uint64_t max_backlog = 0;       // highest uncommitted count seen by the engine thread
};

// "<dir>/<account>-<YYYYMMDD>.journal.sqlite"; account characters outside [A-Za-z0-9_-] become '_'.
[[nodiscard]] std::string default_path(std::string_view dir, std::string_view account, std::uint32_t trading_day);

class Journal final : public core::EngineObserver {
 public:
  // Opens (creates) the file, sets WAL mode, reads the last sequence number and run, and writes nothing
  // yet. Throws JournalError naming the path and SQLite's reason.
  explicit Journal(JournalConfig config);
  ~Journal() override;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Live orders are looked up here for the identity an OrderUpdate does not carry (front, session,
  // exchange, OrderSysID). Engine thread, before start.
  void set_order_source(const core::OrderManager* orders) noexcept { orders_ = orders; }

  // Starts the writer thread and records RunStart. Engine thread.
  void start();
  // Drains everything, commits and joins the writer. Idempotent; the destructor calls it.
  void stop() noexcept;

  // ---- engine-thread producers -------------------------------------------------------------------------
  void agent_added(AgentId agent, std::string_view name) noexcept;
  void agent_stopped(AgentId agent, std::string_view reason) noexcept;
  void param_changed(AgentId agent, std::string_view key_value) noexcept;
  // One persistent state field's JSON payload (ASCII), cut into as many AgentState records as its length
  // needs; consecutive in seq, the last one flagged, so a reader reassembles it (or skips a torn tail).
  void agent_state(AgentId agent, std::string_view payload) noexcept;
  // An operator's command with its origin (agent: its target, kNoAgent for the account).
  void command(AgentId agent, std::string_view text) noexcept;
  // A lot carried in from the previous trading day's file (an agent by name: it may not be configured today).
  void position_carried(std::string_view agent_name, const core::InstrumentId& symbol, bool is_long, std::int32_t lots,
                        double price) noexcept;

  // EngineObserver (engine thread)
  void on_order_update(const core::OrderUpdate& update) noexcept override;
  void on_trade(const core::TradeUpdate& trade) noexcept override;
  void on_notice(const core::SessionNotice& notice) noexcept override;
  [[nodiscard]] core::RejectCode admit_order() noexcept override;
  void on_order_request(const core::OrderRequest& request) noexcept override;
  void on_cancel_request(const core::CancelRequest& request) noexcept override;
  void on_risk_decision(const core::RiskDecision& decision) noexcept override;
  // Wakes the writer when this iteration recorded a request (after the request was written), if
  // config.wake_on_request.
  void end_of_iteration() noexcept override;

  // Records pushed but not yet committed (engine thread).
  [[nodiscard]] std::uint64_t backlog() const noexcept;
  // Waits (engine thread) until every record pushed so far is committed; false on timeout or writer failure.
  // For shutdown and tests: never called on the order path.
  [[nodiscard]] bool flush(std::int64_t timeout_ns) noexcept;
  // Tests: a paused writer drains nothing (the backlog builds up as if the disk stalled).
  void pause_writer(bool paused) noexcept;

  [[nodiscard]] JournalStats stats() const noexcept;  // any thread (a consistent-enough snapshot)
  [[nodiscard]] std::string error() const;            // the writer's last failure, empty when healthy
  [[nodiscard]] const std::string& path() const noexcept { return config_.path; }
  [[nodiscard]] std::uint32_t run() const noexcept { return run_; }
  [[nodiscard]] std::uint64_t first_seq() const noexcept { return first_seq_; }  // of this run
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_seq_; }    // engine thread

 private:
  void push(Record& record) noexcept;
  // An agent-scoped fact whose payload is one text (lifecycle, parameter change), stamped now.
  void push_agent_text(RecordKind kind, AgentId agent, std::string_view text) noexcept;
  void writer_loop();
  bool write_batch(const std::vector<Record>& batch);
  void bind_row(const Record& r);
  void exec(const char* sql);

  JournalConfig config_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  queue::SpscRing<Record> ring_;
  const core::OrderManager* orders_ = nullptr;
  std::uint32_t run_ = 0;
  std::uint64_t first_seq_ = 1;
  // engine thread only
  std::uint64_t next_seq_ = 1;
  std::uint64_t pushed_ = 0;
  bool wake_pending_ = false;  // a request was recorded since the last end_of_iteration()
  // writer thread only: run-local agent id -> name, for the agent_name column
  std::vector<std::string> agent_names_;
  std::thread writer_;
  bool started_ = false;
  // written_: release by the writer after a commit, acquire by the engine thread (backlog, flush), so a
  // record counted as written is on disk. The others are flags/counters with no data attached (relaxed
  // unless noted).
  std::atomic<std::uint64_t> written_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> backlog_refusals_{0};
  std::atomic<std::uint64_t> full_waits_{0};
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<std::uint64_t> max_backlog_{0};
  mutable std::mutex error_mutex_;
  std::string error_;
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;  // retry back-off after a failed transaction
  // The idle writer sleeps here. With config.wake_on_request, an order or cancel request wakes it at the
  // end of the engine-loop iteration that wrote it (one futex wake, only while it is actually asleep).
  queue::Waiter wake_{queue::WaitStrategy::Block, std::chrono::nanoseconds(0)};
};

}  // namespace shandian::journal
