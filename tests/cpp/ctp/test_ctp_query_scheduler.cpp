// Query scheduler timing logic under an injected clock: one in flight, >= interval between issues,
// back-off on -2/-3 (write refused) and 90 (NEED_RETRY), response timeout, reset on disconnect.
#include <vector>

#include "ctp/query_scheduler.hpp"
#include "support/check.hpp"

using namespace shandian::ctp;

namespace {

constexpr std::int64_t kMs = 1'000'000;

struct Harness {
  QueryScheduler scheduler;
  std::vector<std::pair<QueryKind, std::int64_t>> issued;  // kind, time
  std::vector<int> script;                                 // return codes for the next issues (0 when exhausted)
  int next_id = 0;
  std::int64_t now = 0;

  explicit Harness(QuerySchedulerConfig c = {1000 * kMs, 1000 * kMs, 8000 * kMs, 10000 * kMs}) : scheduler(c) {}
  void poll() {
    scheduler.poll(now, [&](QueryKind k) {
      issued.emplace_back(k, now);
      int rc = 0;
      if (!script.empty()) {
        rc = script.front();
        script.erase(script.begin());
      }
      return QueryIssue{rc, ++next_id};
    });
  }
  // Advance in 1 ms steps, polling, until `until`.
  void run_until(std::int64_t until) {
    while (now < until) {
      now += kMs;
      poll();
    }
  }
};

void one_in_flight_and_spacing() {
  Harness h;
  CHECK(h.scheduler.enqueue(QueryKind::Instruments));
  CHECK(h.scheduler.enqueue(QueryKind::Positions));
  CHECK(h.scheduler.enqueue(QueryKind::Positions));  // coalesced
  CHECK_EQ(h.scheduler.pending(), 2u);
  h.poll();
  REQUIRE(h.issued.size() == 1);
  CHECK(h.issued[0].first == QueryKind::Instruments);
  h.run_until(500 * kMs);
  CHECK_EQ(h.issued.size(), 1u);  // in flight: nothing else goes out
  CHECK(h.scheduler.on_response(h.next_id, 0, false, h.now) == QueryScheduler::Outcome::Partial);
  CHECK(h.scheduler.on_response(h.next_id, 0, true, h.now) == QueryScheduler::Outcome::Completed);
  h.run_until(999 * kMs);
  CHECK_EQ(h.issued.size(), 1u);  // answered at 500 ms, but the next waits for 1 s after the first issue
  h.run_until(1000 * kMs);
  REQUIRE(h.issued.size() == 2);
  CHECK(h.issued[1].first == QueryKind::Positions);
  CHECK_EQ(h.issued[1].second, 1000 * kMs);
  CHECK(h.scheduler.on_response(h.next_id, 0, true, h.now) == QueryScheduler::Outcome::Completed);
  CHECK(h.scheduler.idle());
  CHECK_EQ(h.scheduler.next_deadline(), INT64_MAX);
}

void refused_writes_back_off_exponentially() {
  Harness h;
  h.script = {-2, -3, -2, 0};
  CHECK(h.scheduler.enqueue(QueryKind::Orders));
  h.poll();                 // t=0: -2 -> retry at 1 s
  h.run_until(3000 * kMs);  // t=1 s: -3 -> retry at 3 s; t=3 s: -2 -> retry at 7 s
  CHECK_EQ(h.issued.size(), 3u);
  h.run_until(6999 * kMs);
  CHECK_EQ(h.issued.size(), 3u);
  h.run_until(7000 * kMs);  // t=7 s: written
  REQUIRE(h.issued.size() == 4);
  CHECK_EQ(h.issued[1].second, 1000 * kMs);
  CHECK_EQ(h.issued[2].second, 3000 * kMs);
  CHECK_EQ(h.issued[3].second, 7000 * kMs);
  CHECK(h.scheduler.in_flight());
  CHECK_EQ(h.scheduler.retries(), 3u);
}

void need_retry_90_requeues_with_backoff_and_keeps_order() {
  Harness h;
  CHECK(h.scheduler.enqueue(QueryKind::Orders));
  CHECK(h.scheduler.enqueue(QueryKind::Trades));
  h.poll();
  const int first = h.next_id;
  QueryKind kind{};
  CHECK(h.scheduler.on_response(first, 90, true, h.now, &kind) == QueryScheduler::Outcome::Retrying);
  CHECK(kind == QueryKind::Orders);
  CHECK(h.scheduler.on_response(first, 0, true, h.now) == QueryScheduler::Outcome::Ignored);  // stale id
  h.run_until(999 * kMs);
  CHECK_EQ(h.issued.size(), 1u);
  h.run_until(1000 * kMs);
  REQUIRE(h.issued.size() == 2);
  CHECK(h.issued[1].first == QueryKind::Orders);  // the retried query keeps its place before Trades
}

void a_lost_response_times_out_and_is_retried() {
  Harness h({100 * kMs, 200 * kMs, 8000 * kMs, 5000 * kMs});
  CHECK(h.scheduler.enqueue(QueryKind::Account));
  h.poll();
  CHECK_EQ(h.scheduler.next_deadline(), 5000 * kMs);
  h.run_until(5000 * kMs);  // timeout at 5 s -> back-off 200 ms
  CHECK_EQ(h.scheduler.timeouts(), 1u);
  h.run_until(5200 * kMs);
  REQUIRE(h.issued.size() == 2);
  CHECK_EQ(h.issued[1].second, 5200 * kMs);
}

void reset_on_disconnect_drops_everything() {
  Harness h;
  CHECK(h.scheduler.enqueue(QueryKind::Orders));
  CHECK(h.scheduler.enqueue(QueryKind::Trades));
  h.poll();
  const int in_flight = h.next_id;
  h.scheduler.reset();
  CHECK(h.scheduler.idle());
  CHECK(h.scheduler.on_response(in_flight, 0, true, h.now) == QueryScheduler::Outcome::Ignored);
  for (int i = 0; i < 16; ++i) CHECK(h.scheduler.enqueue(static_cast<QueryKind>(i % 7)));
  CHECK_EQ(h.scheduler.pending(), 7u);
}

void non_retryable_errors_complete() {
  Harness h;
  CHECK(h.scheduler.enqueue(QueryKind::MarginRates));
  h.poll();
  CHECK(h.scheduler.on_response(h.next_id, 9, true, h.now) == QueryScheduler::Outcome::Completed);
  CHECK(QueryScheduler::is_retryable(90));
  CHECK(QueryScheduler::is_retryable(-2));
  CHECK(QueryScheduler::is_retryable(-3));
  CHECK(!QueryScheduler::is_retryable(9));
}

}  // namespace

int main() {
  one_in_flight_and_spacing();
  refused_writes_back_off_exponentially();
  need_retry_90_requeues_with_backoff_and_keeps_order();
  a_lost_response_times_out_and_is_retried();
  reset_on_disconnect_drops_everything();
  non_retryable_errors_complete();
  return shandian::testing::finish("test_ctp_query_scheduler");
}
