#include "ctp/query_scheduler.hpp"

#include <climits>

namespace shandian::ctp {

bool QueryScheduler::enqueue(QueryKind kind) noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    if (queue_[(head_ + i) % kMaxPending].kind == kind) return true;
  }
  if (count_ >= kMaxPending) return false;
  queue_[(head_ + count_) % kMaxPending] = Pending{kind, 0};
  ++count_;
  return true;
}

void QueryScheduler::pop_front() noexcept {
  head_ = (head_ + 1) % kMaxPending;
  --count_;
}

std::int64_t QueryScheduler::backoff(int attempts) const noexcept {
  std::int64_t delay = config_.backoff_initial_ns;
  for (int i = 1; i < attempts && delay < config_.backoff_max_ns; ++i) delay *= 2;
  return delay < config_.backoff_max_ns ? delay : config_.backoff_max_ns;
}

void QueryScheduler::retry_current(std::int64_t now_ns) noexcept {
  in_flight_ = false;
  Pending again = current_;
  ++again.attempts;
  ++retries_;
  // Back to the front of the queue: the retried query keeps its place in the session's sequence.
  head_ = (head_ + kMaxPending - 1) % kMaxPending;
  if (count_ == kMaxPending) {  // cannot happen (it left the queue when issued), but never overwrite
    head_ = (head_ + 1) % kMaxPending;
    return;
  }
  queue_[head_] = again;
  ++count_;
  const std::int64_t not_before = now_ns + backoff(again.attempts);
  if (not_before > next_allowed_ns_) next_allowed_ns_ = not_before;
}

void QueryScheduler::check_timeout(std::int64_t now_ns) noexcept {
  if (in_flight_ && now_ns - issued_ns_ >= config_.response_timeout_ns) {
    ++timeouts_;
    retry_current(now_ns);
  }
}

QueryScheduler::Outcome QueryScheduler::on_response(int request_id, int error_id, bool is_last, std::int64_t now_ns,
                                                    QueryKind* kind) noexcept {
  if (!in_flight_ || request_id != current_request_id_) return Outcome::Ignored;
  if (kind != nullptr) *kind = current_.kind;
  if (is_retryable(error_id)) {
    retry_current(now_ns);
    return Outcome::Retrying;
  }
  if (!is_last) return Outcome::Partial;
  in_flight_ = false;
  return Outcome::Completed;
}

void QueryScheduler::reset() noexcept {
  in_flight_ = false;
  head_ = 0;
  count_ = 0;
}

std::int64_t QueryScheduler::next_deadline() const noexcept {
  if (in_flight_) return issued_ns_ + config_.response_timeout_ns;
  if (count_ == 0) return INT64_MAX;
  return next_allowed_ns_;
}

}  // namespace shandian::ctp
