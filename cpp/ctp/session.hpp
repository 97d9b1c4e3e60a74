// Session: one CTP account = one TraderApi + one MdApi from a dlopen'd LibraryPair, driven from the
// engine thread as a core::Gateway.
//
// Threads: the vendor threads only run the Spi (cpp/ctp/spi.hpp), which copies into the two rings. Every
// Req* call and every state transition happens on the engine thread, in on_event() / poll() /
// write_insert() / write_cancel().
//
// Trader state machine (ctp-semantics.md §1):
//   Idle -start()-> Connecting -OnFrontConnected-> Authenticating (skipped without an AppID)
//     -> LoggingIn -> Confirming (ReqSettlementInfoConfirm) -> Querying -> Ready
//   Querying (first time): instruments, margin rates, commission rates, positions, account, orders, trades
//   Querying (after a reconnect): orders, trades (the reconcile), positions, account
//   any -OnFrontDisconnected-> Disconnected (agents told; the vendor API reconnects by itself, and the next
//     OnFrontConnected re-runs auth, login, confirm and the reconcile queries on the new session)
//   Stopped (fatal, never retried until a new Session): 63 AUTH_FAILED, 75 / 143 login lockouts,
//     3 bad credentials and 140 password change required (retrying those leads to a lockout).
// Other refusals of auth / login / confirm are retried after relogin_delay_ms.
//
// Reconcile without duplicate trades: QUICK resumes the private stream after login only, and the
// order + trade queries fill what the disconnect swallowed; RESUME / RESTART replay history instead. Either
// way every trade passes the engine's (ExchangeID, TradeID, direction) de-duplication, so a trade seen live,
// replayed and queried is delivered exactly once. Orders sent before the drop that no query row confirms
// never reached CTP and are rejected (REQUEST_NETWORK_ERROR). OrderRef stays strictly increasing across
// sessions: max(next ref, login MaxOrderRef + 1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ThostFtdcMdApi.h"
#include "ThostFtdcTraderApi.h"
#include "core/gateway.hpp"
#include "ctp/library.hpp"
#include "ctp/query_scheduler.hpp"
#include "ctp/session_config.hpp"
#include "ctp/spi.hpp"

namespace shandian::ctp {

enum class TraderState : std::uint8_t {
  Idle,
  Connecting,
  Authenticating,
  LoggingIn,
  Confirming,
  Querying,
  Ready,
  Disconnected,
  Stopped
};
enum class MdState : std::uint8_t { Idle, Connecting, LoggingIn, Ready, Disconnected };

[[nodiscard]] const char* to_string(TraderState s) noexcept;
[[nodiscard]] const char* to_string(MdState s) noexcept;

// The session's counters, declared once: X(type, field, "doc"). The list generates the struct and
// for_each_field(stats, f) (f(name, value) per field, in order), which the binding's dict iterates.
#define SHANDIAN_SESSION_STATS(X)                                                                      \
  X(std::uint64_t, trader_connects, "")                                                                \
  X(std::uint64_t, trader_disconnects, "")                                                             \
  X(std::uint64_t, logins, "")                                                                         \
  X(std::uint64_t, md_connects, "")                                                                    \
  X(std::uint64_t, md_disconnects, "")                                                                 \
  X(std::uint64_t, queries_issued, "")                                                                 \
  X(std::uint64_t, query_retries, "")                                                                  \
  X(std::uint64_t, query_timeouts, "")                                                                 \
  X(std::uint64_t, ticks_pushed, "")                                                                   \
  X(std::uint64_t, ticks_dropped, "md ring full")                                                      \
  X(std::uint64_t, trader_pushed, "")                                                                  \
  X(std::uint64_t, trader_ring_stalls, "a trader callback waited for room")                            \
  X(std::uint64_t, trader_events_lost, "... and gave up (each one triggers a reconcile)")              \
  /* CLOCK_MONOTONIC just before the latest ReqOrderInsert (engine thread; 0 = none yet): the stage */ \
  /* stamp "ReqOrderInsert entered" of bench/ (agent.buy -> ReqOrderInsert, Kungfu's insert_time). */  \
  X(std::int64_t, last_insert_ns, "CLOCK_MONOTONIC just before the latest ReqOrderInsert")

struct SessionStats {
#define SHANDIAN_SESSION_STATS_FIELD(type, field, doc) type field = 0;
  SHANDIAN_SESSION_STATS(SHANDIAN_SESSION_STATS_FIELD)
#undef SHANDIAN_SESSION_STATS_FIELD
};

template <class F>
constexpr void for_each_field(const SessionStats& s, F&& f) {
#define SHANDIAN_SESSION_STATS_VISIT(type, field, doc) f(std::string_view(#field), s.field);
  SHANDIAN_SESSION_STATS(SHANDIAN_SESSION_STATS_VISIT)
#undef SHANDIAN_SESSION_STATS_VISIT
}

class Session final : public core::Gateway {
 public:
  // `library` must outlive the session. Throws std::invalid_argument on an unusable config.
  Session(const LibraryPair& library, SessionConfig config);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // core::Gateway
  void attach(core::GatewayHost& host, queue::Waiter& waiter) override;
  [[nodiscard]] std::span<core::EventRing* const> rings() noexcept override { return {rings_, 2}; }
  void start() override;
  void on_event(const core::Event& event) noexcept override;
  [[nodiscard]] std::int64_t poll(std::int64_t now_ns) noexcept override;
  [[nodiscard]] bool trading_ready() const noexcept override { return trader_state_ == TraderState::Ready; }
  void prepare_insert(core::Order& order) noexcept override;
  [[nodiscard]] int write_insert(const core::Order& order) noexcept override;
  [[nodiscard]] int write_cancel(const core::Order& order) noexcept override;
  void want_market_data(core::InstrumentIndex instrument) noexcept override;
  // In-flight checks of the engine: queue an orders + trades query (deduplicated by the scheduler).
  [[nodiscard]] bool request_order_query() noexcept override;
  [[nodiscard]] bool request_account_query() noexcept override;
  void stop() noexcept override;

  // Observability (engine thread).
  [[nodiscard]] TraderState trader_state() const noexcept { return trader_state_; }
  [[nodiscard]] MdState md_state() const noexcept { return md_state_; }
  [[nodiscard]] const std::string& fatal_reason() const noexcept { return fatal_reason_; }
  [[nodiscard]] std::int32_t front_id() const noexcept { return front_id_; }
  [[nodiscard]] std::int32_t session_id() const noexcept { return session_id_; }
  [[nodiscard]] std::int64_t next_order_ref() const noexcept { return next_order_ref_; }
  [[nodiscard]] std::uint32_t trading_day() const noexcept { return trading_day_; }
  [[nodiscard]] SessionStats stats() const noexcept;
  [[nodiscard]] const SessionConfig& config() const noexcept { return config_; }

 private:
  enum class Step : std::uint8_t { None, Authenticate, Login, Confirm };

  void on_trader_event(const core::Event& e, std::int64_t now) noexcept;
  void on_md_event(const core::Event& e, std::int64_t now) noexcept;
  void on_query_event(const core::Event& e, std::int64_t now) noexcept;
  void run_step(Step step, std::int64_t now) noexcept;
  void step_failed(Step step, int error_id, std::string_view message, std::int64_t now) noexcept;
  void become_fatal(core::SessionNoticeKind kind, int error_id, std::string_view what,
                    std::string_view message) noexcept;
  void begin_queries() noexcept;
  void after_query(QueryKind kind, const core::Event& last) noexcept;
  [[nodiscard]] QueryIssue issue_query(QueryKind kind) noexcept;
  void md_login(std::int64_t now) noexcept;
  void subscribe_all() noexcept;
  void subscribe(const std::vector<core::InstrumentIndex>& which, std::size_t first, std::size_t count) noexcept;
  void notice(core::SessionNoticeKind kind, int code, const char* format, ...) noexcept
      __attribute__((format(printf, 4, 5)));

  const LibraryPair& library_;
  SessionConfig config_;
  core::EventRing td_ring_;
  core::EventRing md_ring_;
  core::EventRing* rings_[2];
  std::optional<TraderSpi> td_spi_;
  std::optional<MdSpi> md_spi_;
  core::GatewayHost* host_ = nullptr;
  CThostFtdcTraderApi* trader_ = nullptr;
  CThostFtdcMdApi* md_ = nullptr;
  std::vector<std::string> fronts_storage_;  // RegisterFront takes char*

  TraderState trader_state_ = TraderState::Idle;
  MdState md_state_ = MdState::Idle;
  std::string fatal_reason_;
  Step pending_step_ = Step::None;
  std::int64_t step_retry_at_ns_ = 0;
  int step_request_id_ = 0;
  bool md_login_pending_ = false;
  std::int64_t md_retry_at_ns_ = 0;

  QueryScheduler queries_;
  bool instruments_loaded_ = false;
  bool ever_ready_ = false;
  int positions_request_id_ = -1;
  bool positions_reset_pending_ = false;
  std::uint32_t reconcile_epoch_ = 0;

  int request_id_ = 0;
  std::int32_t front_id_ = 0;
  std::int32_t session_id_ = 0;
  std::int64_t next_order_ref_ = 1;
  std::int64_t last_insert_ns_ = 0;  // see SessionStats::last_insert_ns (engine thread only)
  int order_action_ref_ = 0;
  std::uint32_t trading_day_ = 0;
  CThostFtdcInputOrderField order_template_{};  // the constant fields, filled at construction

  std::vector<core::InstrumentIndex> wanted_;  // instruments with market data wanted, in request order
  std::vector<bool> wanted_flag_;
  std::vector<char*> subscribe_buffer_;

  std::uint64_t td_lost_reported_ = 0;
  std::uint64_t md_dropped_reported_ = 0;
  std::int64_t next_drop_report_ns_ = 0;
  std::uint64_t trader_connects_ = 0, trader_disconnects_ = 0, logins_ = 0, md_connects_ = 0, md_disconnects_ = 0;
};

}  // namespace shandian::ctp
