#include "ctp/session.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/clock.hpp"
#include "ctp/disconnect_reason.hpp"
#include "ctp/order_encoding.hpp"

namespace shandian::ctp {

using core::Event;
using core::EventKind;
using core::SessionNoticeKind;

const char* to_string(TraderState s) noexcept {
  switch (s) {
    case TraderState::Idle: return "idle";
    case TraderState::Connecting: return "connecting";
    case TraderState::Authenticating: return "authenticating";
    case TraderState::LoggingIn: return "logging_in";
    case TraderState::Confirming: return "confirming";
    case TraderState::Querying: return "querying";
    case TraderState::Ready: return "ready";
    case TraderState::Disconnected: return "disconnected";
    case TraderState::Stopped: return "stopped";
  }
  return "unknown";
}

const char* to_string(MdState s) noexcept {
  switch (s) {
    case MdState::Idle: return "idle";
    case MdState::Connecting: return "connecting";
    case MdState::LoggingIn: return "logging_in";
    case MdState::Ready: return "ready";
    case MdState::Disconnected: return "disconnected";
  }
  return "unknown";
}

namespace {

template <std::size_t N>
void put(char (&dst)[N], std::string_view text) noexcept {
  const std::size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(dst, text.data(), n);
  dst[n] = '\0';
}

constexpr std::int64_t ms(std::int64_t v) noexcept { return v * core::kNsPerMs; }

QuerySchedulerConfig scheduler_config(const SessionConfig& c) {
  return QuerySchedulerConfig{ms(c.query_interval_ms), ms(c.query_backoff_initial_ms), ms(c.query_backoff_max_ms),
                              ms(c.query_timeout_ms)};
}

}  // namespace

Session::Session(const LibraryPair& library, SessionConfig config)
    : library_(library),
      config_(std::move(config)),
      td_ring_(config_.td_ring_capacity),
      md_ring_(config_.md_ring_capacity),
      rings_{&td_ring_, &md_ring_},
      queries_(scheduler_config(config_)) {
  if (config_.trader_fronts.empty())
    throw std::invalid_argument("SessionConfig: at least one trader front is required");
  if (config_.user_id.empty()) throw std::invalid_argument("SessionConfig: user_id is required");
  if (config_.flow_dir.empty()) throw std::invalid_argument("SessionConfig: flow_dir is required");
  if (config_.query_interval_ms < 0) throw std::invalid_argument("SessionConfig: query_interval_ms must be >= 0");
  // The constant part of every ReqOrderInsert, prepared once (ctp-semantics.md §2 required fields).
  prepare_insert_template(order_template_, config_.broker_id, config_.investor(), config_.user_id);
}

Session::~Session() { stop(); }

void Session::attach(core::GatewayHost& host, queue::Waiter& waiter) {
  host_ = &host;
  const std::int64_t full_wait_ns = config_.ring_full_wait_us * 1000;
  td_spi_.emplace(td_ring_, waiter, full_wait_ns, /*lossy=*/false);
  md_spi_.emplace(md_ring_, waiter, full_wait_ns, /*lossy=*/true);
  const std::size_t capacity = host.instruments().capacity();
  wanted_.reserve(capacity);
  wanted_flag_.assign(capacity, false);
  subscribe_buffer_.reserve(capacity);
}

void Session::start() {
  if (host_ == nullptr) throw std::logic_error("Session::start before attach");
  if (trader_ != nullptr) return;
  // Flow directories first: a missing one crashes the vendor library ("can not open CFlow file"), and
  // trader and md must not share one (FAQ09 Q18).
  const std::filesystem::path td_dir = config_.flow_dir / "td";
  const std::filesystem::path md_dir = config_.flow_dir / "md";
  std::filesystem::create_directories(td_dir);
  std::filesystem::create_directories(md_dir);
  const std::string td_flow = td_dir.string() + "/";
  const std::string md_flow = md_dir.string() + "/";

  trader_ = library_.create_trader(td_flow.c_str());
  if (trader_ == nullptr)
    throw std::runtime_error("CreateFtdcTraderApi returned null (" + library_.trader_path() + ")");
  trader_->RegisterSpi(&*td_spi_);
  fronts_storage_.reserve(config_.trader_fronts.size() + config_.md_fronts.size());
  for (const std::string& front : config_.trader_fronts) {
    fronts_storage_.push_back(front);
    trader_->RegisterFront(fronts_storage_.back().data());
  }
  trader_->SubscribePrivateTopic(static_cast<THOST_TE_RESUME_TYPE>(config_.resume));
  trader_->SubscribePublicTopic(THOST_TERT_QUICK);
  trader_state_ = TraderState::Connecting;
  trader_->Init();

  if (!config_.md_fronts.empty()) {
    md_ = library_.create_md(md_flow.c_str());
    if (md_ == nullptr) throw std::runtime_error("CreateFtdcMdApi returned null (" + library_.md_path() + ")");
    md_->RegisterSpi(&*md_spi_);
    for (const std::string& front : config_.md_fronts) {
      fronts_storage_.push_back(front);
      md_->RegisterFront(fronts_storage_.back().data());
    }
    md_state_ = MdState::Connecting;
    md_->Init();
  }
}

void Session::stop() noexcept {
  // Release() joins the vendor threads: afterwards nothing produces into the rings. Never called from a
  // callback (the Spi never calls into the session).
  if (md_ != nullptr) {
    md_->Release();
    md_ = nullptr;
  }
  if (trader_ != nullptr) {
    trader_->Release();
    trader_ = nullptr;
  }
}

void Session::notice(SessionNoticeKind kind, int code, const char* format, ...) noexcept {
  char text[192];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  host_->publish_notice(kind, code, text);
}

SessionStats Session::stats() const noexcept {
  SessionStats s;
  s.trader_connects = trader_connects_;
  s.trader_disconnects = trader_disconnects_;
  s.logins = logins_;
  s.md_connects = md_connects_;
  s.md_disconnects = md_disconnects_;
  s.queries_issued = queries_.issued();
  s.last_insert_ns = last_insert_ns_;
  s.query_retries = queries_.retries();
  s.query_timeouts = queries_.timeouts();
  if (md_spi_) {
    // relaxed: statistics (RingCounters).
    s.ticks_pushed = md_spi_->counters().pushed.load(std::memory_order_relaxed);
    s.ticks_dropped = md_spi_->counters().lost.load(std::memory_order_relaxed);
  }
  if (td_spi_) {
    s.trader_pushed = td_spi_->counters().pushed.load(std::memory_order_relaxed);
    s.trader_ring_stalls = td_spi_->counters().full_stalls.load(std::memory_order_relaxed);
    s.trader_events_lost = td_spi_->counters().lost.load(std::memory_order_relaxed);
  }
  return s;
}

// ---- the trader state machine -------------------------------------------------------------------------------

void Session::run_step(Step step, std::int64_t now) noexcept {
  pending_step_ = Step::None;
  if (trader_ == nullptr) return;
  int rc = 0;
  const int id = ++request_id_;
  step_request_id_ = id;
  switch (step) {
    case Step::None: return;
    case Step::Authenticate: {
      trader_state_ = TraderState::Authenticating;
      CThostFtdcReqAuthenticateField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.UserID, config_.user_id);
      put(f.AppID, config_.app_id);
      put(f.AuthCode, config_.auth_code);
      put(f.UserProductInfo, config_.user_product_info);
      rc = trader_->ReqAuthenticate(&f, id);
      break;
    }
    case Step::Login: {
      trader_state_ = TraderState::LoggingIn;
      CThostFtdcReqUserLoginField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.UserID, config_.user_id);
      put(f.Password, config_.password);
      put(f.UserProductInfo, config_.user_product_info);
      rc = trader_->ReqUserLogin(&f, id);
      std::memset(f.Password, 0, sizeof f.Password);
      break;
    }
    case Step::Confirm: {
      trader_state_ = TraderState::Confirming;
      CThostFtdcSettlementInfoConfirmField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.InvestorID, config_.investor());
      rc = trader_->ReqSettlementInfoConfirm(&f, id);
      break;
    }
  }
  if (rc != 0) {  // not written (-1 network, -2/-3 flow control): try again shortly
    pending_step_ = step;
    step_retry_at_ns_ = now + ms(config_.relogin_delay_ms);
  }
}

void Session::become_fatal(SessionNoticeKind kind, int error_id, std::string_view what,
                           std::string_view message) noexcept {
  trader_state_ = TraderState::Stopped;
  pending_step_ = Step::None;
  queries_.reset();
  char text[192];
  std::snprintf(text, sizeof text, "%.*s refused (CTP error %d: %.*s); not retrying", static_cast<int>(what.size()),
                what.data(), error_id, static_cast<int>(message.size()), message.data());
  fatal_reason_ = text;
  host_->publish_notice(kind, error_id, text);
}

void Session::step_failed(Step step, int error_id, std::string_view message, std::int64_t now) noexcept {
  const char* what = step == Step::Authenticate ? "authentication"
                     : step == Step::Login      ? "login"
                                                : "settlement confirm";
  if (step == Step::Authenticate && error_id == 63) {
    become_fatal(SessionNoticeKind::AuthFailed, error_id, what, message);
    return;
  }
  if (step == Step::Login && (error_id == 75 || error_id == 143)) {
    become_fatal(SessionNoticeKind::LoginLocked, error_id, what, message);
    return;
  }
  if (step == Step::Login && (error_id == 3 || error_id == 140)) {
    become_fatal(SessionNoticeKind::LoginFailed, error_id, what, message);
    return;
  }
  // 7 NOT_INITED from shandian's local front means its exchange could not start (a tick source it cannot
  // read, ...; the reason is the message) and never will; a real counter says it while initialising.
  if (error_id == 7 && !config_.trader_fronts.empty() && config_.trader_fronts.front().rfind("local://", 0) == 0) {
    become_fatal(SessionNoticeKind::LoginFailed, error_id, what, message);
    return;
  }
  notice(SessionNoticeKind::Warning, error_id, "%s refused (CTP error %d: %.*s); retrying in %lld ms", what, error_id,
         static_cast<int>(message.size()), message.data(), static_cast<long long>(config_.relogin_delay_ms));
  pending_step_ = step;
  step_retry_at_ns_ = now + ms(config_.relogin_delay_ms);
}

void Session::begin_queries() noexcept {
  trader_state_ = TraderState::Querying;
  bool ok = true;
  if (!instruments_loaded_) {
    ok &= queries_.enqueue(QueryKind::Instruments);
    if (config_.query_rates) {
      ok &= queries_.enqueue(QueryKind::MarginRates);
      ok &= queries_.enqueue(QueryKind::CommissionRates);
    }
    ok &= queries_.enqueue(QueryKind::Positions);
    ok &= queries_.enqueue(QueryKind::Account);
    ok &= queries_.enqueue(QueryKind::Orders);
    ok &= queries_.enqueue(QueryKind::Trades);
  } else {
    // Reconnect: reconcile first, then refresh the account.
    ok &= queries_.enqueue(QueryKind::Orders);
    ok &= queries_.enqueue(QueryKind::Trades);
    ok &= queries_.enqueue(QueryKind::Positions);
    ok &= queries_.enqueue(QueryKind::Account);
  }
  (void)ok;  // the queue holds 16 and was reset on disconnect: these always fit
}

QueryIssue Session::issue_query(QueryKind kind) noexcept {
  const int id = ++request_id_;
  if (trader_ == nullptr) return {-1, id};
  const std::string investor = config_.investor();  // not on the hot path (queries are >= 1 s apart)
  int rc = -1;
  switch (kind) {
    case QueryKind::Instruments: {
      CThostFtdcQryInstrumentField f{};
      rc = trader_->ReqQryInstrument(&f, id);
      break;
    }
    case QueryKind::MarginRates: {
      CThostFtdcQryInstrumentMarginRateField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.InvestorID, investor);
      f.HedgeFlag = THOST_FTDC_HF_Speculation;
      rc = trader_->ReqQryInstrumentMarginRate(&f, id);
      break;
    }
    case QueryKind::CommissionRates: {
      CThostFtdcQryInstrumentCommissionRateField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.InvestorID, investor);
      rc = trader_->ReqQryInstrumentCommissionRate(&f, id);
      break;
    }
    case QueryKind::Positions: {
      CThostFtdcQryInvestorPositionField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.InvestorID, investor);
      rc = trader_->ReqQryInvestorPosition(&f, id);
      if (rc == 0) {
        positions_request_id_ = id;
        positions_reset_pending_ = true;
      }
      break;
    }
    case QueryKind::Account: {
      CThostFtdcQryTradingAccountField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.InvestorID, investor);
      rc = trader_->ReqQryTradingAccount(&f, id);
      break;
    }
    case QueryKind::Orders: {
      CThostFtdcQryOrderField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.InvestorID, investor);
      rc = trader_->ReqQryOrder(&f, id);
      if (rc == 0) reconcile_epoch_ = host_->begin_order_reconcile();
      break;
    }
    case QueryKind::Trades: {
      CThostFtdcQryTradeField f{};
      put(f.BrokerID, config_.broker_id);
      put(f.InvestorID, investor);
      rc = trader_->ReqQryTrade(&f, id);
      break;
    }
  }
  return {rc, id};
}

void Session::after_query(QueryKind kind, const Event& last) noexcept {
  if (last.error_id != 0) {
    notice(SessionNoticeKind::Warning, last.error_id, "query %s failed with CTP error %d; continuing without it",
           to_string(kind), last.error_id);
  }
  switch (kind) {
    case QueryKind::Instruments:
      // Each resolved subscription reaches want_market_data(), which subscribes at once when md is up;
      // an md login still to come subscribes everything wanted.
      instruments_loaded_ = true;
      host_->instruments_loaded();
      break;
    case QueryKind::Orders: host_->end_order_reconcile(reconcile_epoch_, front_id_, session_id_); break;
    default: break;
  }
}

void Session::on_query_event(const Event& e, std::int64_t now) noexcept {
  core::InstrumentRegistry& registry = host_->instruments();
  if (e.has_row && e.error_id == 0) {
    switch (e.kind) {
      case EventKind::InstrumentRow: {
        const core::InstrumentData& d = e.payload.instrument;
        core::InstrumentSpec spec;
        spec.symbol = d.symbol;
        spec.exchange = d.exchange;
        spec.price_tick = d.price_tick;
        spec.volume_multiple = d.volume_multiple;
        spec.max_limit_order_volume = d.max_limit_order_volume;
        spec.min_limit_order_volume = d.min_limit_order_volume;
        spec.product_class = d.product_class;
        spec.is_trading = d.is_trading;
        if (!registry.upsert(spec)) {
          notice(SessionNoticeKind::Warning, 0, "instrument registry full (%zu): %s not registered",
                 registry.capacity(), d.symbol.c_str());
        }
        break;
      }
      case EventKind::MarginRateRow: {
        const core::InstrumentIndex i = registry.find(e.payload.margin.symbol);
        if (i != core::kNoInstrument) {
          const core::MarginData& m = e.payload.margin;
          registry.at(i).margin =
              core::MarginRates{m.long_by_money, m.long_by_volume, m.short_by_money, m.short_by_volume, true};
        }
        break;
      }
      case EventKind::CommissionRateRow: {
        const core::CommissionData& c = e.payload.commission;
        const core::CommissionRates rates{c.open_by_money,
                                          c.open_by_volume,
                                          c.close_by_money,
                                          c.close_by_volume,
                                          c.close_today_by_money,
                                          c.close_today_by_volume,
                                          true};
        const core::InstrumentIndex i = registry.find(c.symbol);
        if (i != core::kNoInstrument) {
          registry.at(i).commission = rates;
        } else {
          // Product-level row ("rb"): applies to every instrument of the product without its own row.
          const std::string_view product = c.symbol.view();
          for (std::size_t k = 0; k < registry.size(); ++k) {
            core::InstrumentState& s = registry.at(static_cast<core::InstrumentIndex>(k));
            const std::string_view sym = s.spec.symbol.view();
            if (!s.commission.known && sym.size() > product.size() && sym.substr(0, product.size()) == product &&
                sym[product.size()] >= '0' && sym[product.size()] <= '9') {
              s.commission = rates;
            }
          }
        }
        break;
      }
      case EventKind::PositionRow:
        if (e.request_id == positions_request_id_) {
          if (positions_reset_pending_) {
            host_->reset_positions();
            positions_reset_pending_ = false;
          }
          host_->apply_position(e.payload.position);
        }
        break;
      case EventKind::AccountRow: host_->set_account(e.payload.account); break;
      default: break;  // order / trade rows were applied by the engine
    }
  }
  if (e.kind == EventKind::PositionRow && e.is_last && e.request_id == positions_request_id_ &&
      positions_reset_pending_) {
    host_->reset_positions();  // an empty answer: no positions
    positions_reset_pending_ = false;
  }
  QueryKind kind{};
  const QueryScheduler::Outcome outcome = queries_.on_response(e.request_id, e.error_id, e.is_last, now, &kind);
  if (outcome == QueryScheduler::Outcome::Completed) after_query(kind, e);
}

void Session::on_trader_event(const Event& e, std::int64_t now) noexcept {
  switch (e.kind) {
    case EventKind::TdConnected:
      ++trader_connects_;
      notice(SessionNoticeKind::TraderConnected, 0, "trader front connected");
      if (trader_state_ == TraderState::Stopped) return;  // fatal: do not hammer the counter
      run_step(config_.app_id.empty() ? Step::Login : Step::Authenticate, now);
      return;
    case EventKind::TdDisconnected:
      ++trader_disconnects_;
      queries_.reset();
      pending_step_ = Step::None;
      positions_reset_pending_ = false;
      if (trader_state_ != TraderState::Stopped) trader_state_ = TraderState::Disconnected;
      notice(SessionNoticeKind::TraderDisconnected, e.error_id,
             "trader front disconnected (reason %d: %s); the API reconnects by itself", e.error_id,
             disconnect_reason_text(e.error_id).data());
      return;
    case EventKind::Authenticated:
      if (trader_state_ != TraderState::Authenticating) return;
      if (e.error_id == 0) {
        run_step(Step::Login, now);
      } else {
        step_failed(Step::Authenticate, e.error_id, e.payload.error.error_msg.view(), now);
      }
      return;
    case EventKind::LoggedIn:
      if (trader_state_ != TraderState::LoggingIn) return;
      if (e.error_id != 0 || !e.has_row) {
        step_failed(Step::Login, e.error_id, e.has_row ? std::string_view() : e.payload.error.error_msg.view(), now);
        return;
      }
      ++logins_;
      front_id_ = e.payload.login.front_id;
      session_id_ = e.payload.login.session_id;
      trading_day_ = e.payload.login.trading_day;
      host_->trading_day(trading_day_);
      // Above the login's MaxOrderRef and never below a ref this process already used (refs must not
      // repeat: insert errors carry no FrontID/SessionID and are matched by ref alone).
      if (e.payload.login.max_order_ref + 1 > next_order_ref_) next_order_ref_ = e.payload.login.max_order_ref + 1;
      run_step(Step::Confirm, now);
      return;
    case EventKind::SettlementConfirmed:
      if (trader_state_ != TraderState::Confirming) return;
      if (e.error_id == 0) {
        begin_queries();
      } else {
        step_failed(Step::Confirm, e.error_id, e.payload.error.error_msg.view(), now);
      }
      return;
    case EventKind::RspError: {
      QueryKind kind{};
      const auto outcome = queries_.on_response(e.request_id, e.error_id, true, now, &kind);
      if (outcome == QueryScheduler::Outcome::Completed) {
        after_query(kind, e);
        return;
      }
      if (outcome != QueryScheduler::Outcome::Ignored) return;  // retrying: counted by the scheduler
      if (e.request_id == step_request_id_ && pending_step_ == Step::None) {
        const Step step = trader_state_ == TraderState::Authenticating ? Step::Authenticate
                          : trader_state_ == TraderState::LoggingIn    ? Step::Login
                          : trader_state_ == TraderState::Confirming   ? Step::Confirm
                                                                       : Step::None;
        if (step != Step::None) {
          step_failed(step, e.error_id, e.payload.error.error_msg.view(), now);
          return;
        }
      }
      notice(SessionNoticeKind::Warning, e.error_id, "CTP error %d on request %d: %s", e.error_id, e.request_id,
             e.payload.error.error_msg.c_str());
      return;
    }
    case EventKind::InstrumentRow:
    case EventKind::MarginRateRow:
    case EventKind::CommissionRateRow:
    case EventKind::PositionRow:
    case EventKind::AccountRow:
    case EventKind::OrderReport:
    case EventKind::TradeReport: on_query_event(e, now); return;
    case EventKind::InstrumentStatus:
      return;  // product-level session states: the risk engine's session gate will consume these
    default: return;
  }
}

// ---- market data ---------------------------------------------------------------------------------------------

void Session::md_login(std::int64_t now) noexcept {
  md_login_pending_ = false;
  if (md_ == nullptr) return;
  md_state_ = MdState::LoggingIn;
  CThostFtdcReqUserLoginField f{};
  put(f.BrokerID, config_.broker_id);
  put(f.UserID, config_.user_id);
  put(f.Password, config_.password);
  const int rc = md_->ReqUserLogin(&f, ++request_id_);
  std::memset(f.Password, 0, sizeof f.Password);
  if (rc != 0) {
    md_login_pending_ = true;
    md_retry_at_ns_ = now + ms(config_.relogin_delay_ms);
  }
}

void Session::subscribe(const std::vector<core::InstrumentIndex>& which, std::size_t first,
                        std::size_t count) noexcept {
  if (md_ == nullptr || count == 0) return;
  core::InstrumentRegistry& registry = host_->instruments();
  subscribe_buffer_.clear();
  for (std::size_t i = first; i < first + count; ++i)
    subscribe_buffer_.push_back(registry.at(which[i]).spec.symbol.data);
  const int rc = md_->SubscribeMarketData(subscribe_buffer_.data(), static_cast<int>(subscribe_buffer_.size()));
  if (rc != 0) notice(SessionNoticeKind::Warning, rc, "SubscribeMarketData returned %d for %zu instruments", rc, count);
}

void Session::subscribe_all() noexcept {
  constexpr std::size_t kChunk = 500;  // keep each request small
  for (std::size_t first = 0; first < wanted_.size(); first += kChunk) {
    subscribe(wanted_, first, wanted_.size() - first < kChunk ? wanted_.size() - first : kChunk);
  }
}

void Session::want_market_data(core::InstrumentIndex instrument) noexcept {
  if (instrument >= wanted_flag_.size() || wanted_flag_[instrument]) return;
  wanted_flag_[instrument] = true;
  wanted_.push_back(instrument);
  if (md_state_ == MdState::Ready && instruments_loaded_) subscribe(wanted_, wanted_.size() - 1, 1);
}

void Session::on_md_event(const Event& e, std::int64_t now) noexcept {
  switch (e.kind) {
    case EventKind::MdConnected:
      ++md_connects_;
      notice(SessionNoticeKind::MdConnected, 0, "md front connected");
      md_login(now);
      return;
    case EventKind::MdDisconnected:
      ++md_disconnects_;
      md_state_ = MdState::Disconnected;
      md_login_pending_ = false;
      notice(SessionNoticeKind::MdDisconnected, e.error_id,
             "md front disconnected (reason %d: %s); the API reconnects by itself", e.error_id,
             disconnect_reason_text(e.error_id).data());
      return;
    case EventKind::MdLoggedIn:
      if (md_state_ != MdState::LoggingIn) return;
      if (e.error_id != 0 || !e.has_row) {
        notice(SessionNoticeKind::Warning, e.error_id, "md login refused (CTP error %d: %s); retrying", e.error_id,
               e.has_row ? "" : e.payload.error.error_msg.c_str());
        md_login_pending_ = true;
        md_retry_at_ns_ = now + ms(config_.relogin_delay_ms);
        return;
      }
      md_state_ = MdState::Ready;
      if (instruments_loaded_) subscribe_all();  // re-subscribe everything after a reconnect
      notice(SessionNoticeKind::MdReady, 0, "md logged in; %zu instruments subscribed",
             instruments_loaded_ ? wanted_.size() : 0);
      return;
    case EventKind::MdSubscribed:
      if (e.error_id != 0) {
        notice(SessionNoticeKind::Warning, e.error_id, "subscription of %s refused (CTP error %d: %s)",
               e.payload.subscription.symbol.c_str(), e.error_id, e.payload.subscription.error_msg.c_str());
      }
      return;
    default: return;
  }
}

// ---- gateway entry points ----------------------------------------------------------------------------------------

void Session::on_event(const Event& e) noexcept {
  const std::int64_t now = core::monotonic_ns();
  switch (e.kind) {
    case EventKind::MdConnected:
    case EventKind::MdDisconnected:
    case EventKind::MdLoggedIn:
    case EventKind::MdSubscribed: on_md_event(e, now); return;
    default: on_trader_event(e, now); return;
  }
}

bool Session::request_order_query() noexcept {
  if (trader_state_ != TraderState::Ready) return false;
  return queries_.enqueue(QueryKind::Orders) && queries_.enqueue(QueryKind::Trades);
}

bool Session::request_account_query() noexcept {
  if (trader_state_ != TraderState::Ready) return false;
  return queries_.enqueue(QueryKind::Positions) && queries_.enqueue(QueryKind::Account);
}

std::int64_t Session::poll(std::int64_t now) noexcept {
  if (td_spi_) {
    // relaxed: a statistic; the reconcile it triggers is correct whenever it runs (RingCounters).
    const std::uint64_t lost = td_spi_->counters().lost.load(std::memory_order_relaxed);
    if (lost != td_lost_reported_) {
      notice(SessionNoticeKind::RingOverflow, 0,
             "trader ring full: %llu callbacks lost so far; re-querying orders and trades",
             static_cast<unsigned long long>(lost));
      td_lost_reported_ = lost;
      if (trader_state_ == TraderState::Ready || trader_state_ == TraderState::Querying) {
        (void)queries_.enqueue(QueryKind::Orders);
        (void)queries_.enqueue(QueryKind::Trades);
      }
    }
  }
  if (md_spi_ && now >= next_drop_report_ns_) {
    const std::uint64_t dropped = md_spi_->counters().lost.load(std::memory_order_relaxed);  // relaxed: statistic
    if (dropped != md_dropped_reported_) {
      notice(SessionNoticeKind::RingOverflow, 0, "md ring full: %llu ticks dropped so far",
             static_cast<unsigned long long>(dropped));
      md_dropped_reported_ = dropped;
      next_drop_report_ns_ = now + core::kNsPerSec;  // at most one report a second
    }
  }
  if (pending_step_ != Step::None && now >= step_retry_at_ns_) run_step(pending_step_, now);
  if (md_login_pending_ && now >= md_retry_at_ns_) md_login(now);
  if (trader_state_ == TraderState::Querying || trader_state_ == TraderState::Ready) {
    queries_.poll(now, [this](QueryKind kind) { return issue_query(kind); });
  }
  if (trader_state_ == TraderState::Querying && queries_.idle()) {
    trader_state_ = TraderState::Ready;
    notice(SessionNoticeKind::TraderReady, 0,
           "trader ready: front %d session %d trading day %u next OrderRef %lld (%s)", front_id_, session_id_,
           trading_day_, static_cast<long long>(next_order_ref_),
           ever_ready_ ? "reconnected and reconciled" : "first login");
    ever_ready_ = true;
  }
  std::int64_t next = now + 100 * core::kNsPerMs;  // overflow counters and retries are checked at >= 10 Hz
  const std::int64_t q = queries_.next_deadline();
  if (q < next) next = q > now ? q : now;
  if (pending_step_ != Step::None && step_retry_at_ns_ < next) next = step_retry_at_ns_;
  if (md_login_pending_ && md_retry_at_ns_ < next) next = md_retry_at_ns_;
  return next;
}

void Session::prepare_insert(core::Order& order) noexcept {
  order.front_id = front_id_;
  order.session_id = session_id_;
  order.order_ref = next_order_ref_++;
}

int Session::write_insert(const core::Order& order) noexcept {
  if (trader_ == nullptr) return -1;
  CThostFtdcInputOrderField f;
  encode_insert(order_template_, order, f);
  last_insert_ns_ = core::monotonic_ns();  // bench stage stamp: the request is entered next
  return trader_->ReqOrderInsert(&f, ++request_id_);
}

int Session::write_cancel(const core::Order& order) noexcept {
  if (trader_ == nullptr) return -1;
  CThostFtdcInputOrderActionField f;
  encode_cancel(order_template_, order, ++order_action_ref_, f);
  return trader_->ReqOrderAction(&f, ++request_id_);
}

}  // namespace shandian::ctp
