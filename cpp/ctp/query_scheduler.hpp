// QueryScheduler: CTP query flow control done right (ctp-semantics.md §4): one ReqQry* in flight, the
// next no sooner than `interval` after the previous was issued, retries with exponential back-off when the
// API refuses to write it (-1/-2/-3) or the front answers 90 NEED_RETRY, and a response timeout (a query
// in flight when the connection drops is simply lost: the dialog stream is not persistent).
//
// It never sleeps and never blocks: poll(now) issues at most one query when one is due and returns;
// next_deadline() tells the engine loop when to come back. Time is injected (tests drive a fake clock).
#pragma once

#include <cstddef>
#include <cstdint>

namespace shandian::ctp {

enum class QueryKind : std::uint8_t { Instruments, MarginRates, CommissionRates, Positions, Account, Orders, Trades };

[[nodiscard]] constexpr const char* to_string(QueryKind k) noexcept {
  switch (k) {
    case QueryKind::Instruments: return "instruments";
    case QueryKind::MarginRates: return "margin_rates";
    case QueryKind::CommissionRates: return "commission_rates";
    case QueryKind::Positions: return "positions";
    case QueryKind::Account: return "account";
    case QueryKind::Orders: return "orders";
    case QueryKind::Trades: return "trades";
  }
  return "unknown";
}

struct QuerySchedulerConfig {
  std::int64_t interval_ns = 1'000'000'000;         // >= 1 s between issues (front QryFreq)
  std::int64_t backoff_initial_ns = 1'000'000'000;  // first retry delay; doubles per attempt
  std::int64_t backoff_max_ns = 16'000'000'000;
  std::int64_t response_timeout_ns = 10'000'000'000;
};

struct QueryIssue {
  int rc = 0;          // the ReqQry* return value
  int request_id = 0;  // the nRequestID it was sent with
};

class QueryScheduler {
 public:
  static constexpr std::size_t kMaxPending = 16;

  explicit QueryScheduler(QuerySchedulerConfig config) noexcept : config_(config) {}

  // Queues a query; a kind already pending is not queued twice. False when the queue is full.
  [[nodiscard]] bool enqueue(QueryKind kind) noexcept;

  // Issues the next query if one is due: `issue(kind)` must write the request and return QueryIssue.
  template <class Issue>
  void poll(std::int64_t now_ns, Issue&& issue) {
    check_timeout(now_ns);
    if (in_flight_ || count_ == 0 || now_ns < next_allowed_ns_) return;
    Pending& head = queue_[head_];
    const QueryIssue result = issue(head.kind);
    ++issued_;
    if (result.rc == 0) {
      in_flight_ = true;
      current_ = head;
      current_request_id_ = result.request_id;
      issued_ns_ = now_ns;
      pop_front();
      next_allowed_ns_ = now_ns + config_.interval_ns;
    } else {
      ++head.attempts;  // -1 network, -2 too many in flight, -3 rate: back off, keep it at the front
      ++retries_;
      next_allowed_ns_ = now_ns + backoff(head.attempts);
    }
  }

  enum class Outcome : std::uint8_t {
    Ignored,    // not the query in flight (stale id after a timeout/reset, or not a query response)
    Partial,    // a row of the query in flight; more follow
    Completed,  // the last response of the query in flight (error_id may be a non-retryable error)
    Retrying,   // 90 NEED_RETRY (or -2/-3 reported in the response): re-queued with back-off
  };

  // A response (row, empty answer or OnRspError) for request_id. `kind` receives the query's kind for
  // Partial / Completed / Retrying.
  [[nodiscard]] Outcome on_response(int request_id, int error_id, bool is_last, std::int64_t now_ns,
                                    QueryKind* kind = nullptr) noexcept;

  // The connection dropped: the query in flight is lost and pending ones are meaningless for the next
  // session (the state machine re-queues what the new session needs).
  void reset() noexcept;

  [[nodiscard]] bool idle() const noexcept { return !in_flight_ && count_ == 0; }
  [[nodiscard]] bool in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] std::size_t pending() const noexcept { return count_; }
  // When poll() has something to do next (INT64_MAX when idle).
  [[nodiscard]] std::int64_t next_deadline() const noexcept;
  [[nodiscard]] std::uint64_t retries() const noexcept { return retries_; }
  [[nodiscard]] std::uint64_t issued() const noexcept { return issued_; }
  [[nodiscard]] std::uint64_t timeouts() const noexcept { return timeouts_; }

  [[nodiscard]] static bool is_retryable(int error_id) noexcept {
    return error_id == 90 || error_id == -2 || error_id == -3;
  }

 private:
  struct Pending {
    QueryKind kind = QueryKind::Instruments;
    int attempts = 0;
  };
  [[nodiscard]] std::int64_t backoff(int attempts) const noexcept;
  void check_timeout(std::int64_t now_ns) noexcept;
  void pop_front() noexcept;
  void retry_current(std::int64_t now_ns) noexcept;

  QuerySchedulerConfig config_;
  Pending queue_[kMaxPending];
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool in_flight_ = false;
  Pending current_;
  int current_request_id_ = 0;
  std::int64_t issued_ns_ = 0;
  std::int64_t next_allowed_ns_ = 0;
  std::uint64_t retries_ = 0;
  std::uint64_t issued_ = 0;
  std::uint64_t timeouts_ = 0;
};

}  // namespace shandian::ctp
