#include "backtest/backtest_gateway.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "ctp/order_encoding.hpp"

namespace shandian::backtest {

namespace {

constexpr std::size_t kRingCapacity = 1 << 16;
// Engine iterations per feed event before the loop moves on (an agent re-ordering on every report of its
// own orders would otherwise never let the clock advance).
constexpr int kMaxPumpIterations = 100'000;

void apply_override(sim::InstrumentSpec& s, const RateOverride& o) {
  auto set = [](double& field, double value) {
    if (value >= 0) field = value;
  };
  set(s.long_margin_ratio, o.long_margin_ratio);
  set(s.short_margin_ratio, o.short_margin_ratio);
  set(s.open_ratio_by_money, o.open_by_money);
  set(s.open_ratio_by_volume, o.open_by_volume);
  set(s.close_ratio_by_money, o.close_by_money);
  set(s.close_ratio_by_volume, o.close_by_volume);
  set(s.close_today_ratio_by_money, o.close_today_by_money);
  set(s.close_today_ratio_by_volume, o.close_today_by_volume);
}

}  // namespace

BacktestGateway::BacktestGateway(BacktestSettings settings)
    : settings_(std::move(settings)), rng_(settings_.latency.seed) {
  sim::FrontConfig& f = settings_.front;
  f.speed = 0.0;
  f.require_auth = false;
  f.require_settlement_confirm = false;
  f.query_interval_ms = 0;
  f.order_rate_limit = 0;
  if (settings_.pull_bars) settings_.latency = LatencyModel{};  // bar mode: orders meet the next bar's open
  f.exchange_delay_ms = settings_.latency.order_ms;
  if (settings_.latency.order_ms < 0 || settings_.latency.report_ms < 0 || settings_.latency.jitter_ms < 0) {
    throw std::invalid_argument("backtest latency: order_ms, report_ms and jitter_ms must be >= 0");
  }
  const bool columns = settings_.pull_chunk || settings_.pull_bars;
  std::vector<sim::InstrumentSpec> instruments =
      columns ? sim::select_instruments(settings_.chunk_symbols) : sim::feed_instruments(f);
  for (const RateOverride& o : settings_.rates) {
    bool used = false;
    for (sim::InstrumentSpec& s : instruments) {
      if (s.instrument_id == o.key || s.product_id == o.key) {
        apply_override(s, o);
        used = true;
      }
    }
    (void)used;  // an override for an instrument this run does not trade is harmless
  }
  if (settings_.pull_bars) {
    while (bar_cols_.rows == 0) {  // the first chunk names the first trading day; run_bars starts on it
      if (!settings_.pull_bars(bar_cols_)) throw std::invalid_argument("backtest data: the stream holds no bars");
    }
    day_ = std::to_string(bar_cols_.trading_day[0]);
    f.trading_day = day_;
  } else if (settings_.pull_chunk) {
    auto chunks = std::make_unique<ChunkFeed>(settings_.pull_chunk, settings_.chunk_symbols, instruments);
    const std::uint32_t first = chunks->first_day();
    if (first == 0) throw std::invalid_argument("backtest data: the stream holds no ticks");
    day_ = std::to_string(first);
    chunks_ = chunks.get();
    source_ = std::move(chunks);
    f.trading_day = day_;
  } else {
    day_ = sim::feed_trading_day(f);
    f.trading_day = day_;
    source_ = sim::make_feed_source(f, instruments);
  }
  core_ = std::make_unique<sim::ExchangeCore>(f, std::move(instruments), day_);
  wanted_.assign(core_->instruments().size(), false);
}

BacktestGateway::~BacktestGateway() = default;

void BacktestGateway::attach(core::GatewayHost& host, queue::Waiter& waiter) {
  host_ = &host;
  waiter_ = &waiter;
  ring_ = std::make_unique<core::EventRing>(kRingCapacity);
  ring_ptr_ = ring_.get();
  // One ring for trader and md events: everything is produced on this thread in event order, so FIFO is
  // the exchange's order (two rings would be merged by recv_ns, equal for a tick and its fills).
  trader_spi_ = std::make_unique<ctp::TraderSpi>(*ring_, waiter, 0, false);
  md_spi_ = std::make_unique<ctp::MdSpi>(*ring_, waiter, 0, false);
  trader_spi_->set_clock(&clock_ns_);
  md_spi_->set_clock(&clock_ns_);
}

void BacktestGateway::start() {
  if (host_ == nullptr) throw std::logic_error("BacktestGateway::start before attach");
  clock_ns_ = core_->now_exchange_ns();
  define_instruments();
  login();
  host_->instruments_loaded();
}

void BacktestGateway::define_instruments() {
  core::InstrumentRegistry& registry = host_->instruments();
  for (const sim::InstrumentSpec& s : core_->instruments()) {
    core::InstrumentSpec spec;
    spec.symbol.assign(s.instrument_id);
    spec.exchange.assign(s.exchange_id);
    spec.price_tick = s.price_tick;
    spec.volume_multiple = s.volume_multiple;
    spec.max_limit_order_volume = s.max_limit_order_volume;
    spec.min_limit_order_volume = s.min_limit_order_volume;
    spec.product_class = '1';
    spec.is_trading = true;
    const std::optional<core::InstrumentIndex> index = registry.upsert(spec);
    if (!index) throw std::length_error("backtest: instrument registry full at " + s.instrument_id);
    core::InstrumentState& st = registry.at(*index);
    st.margin = core::MarginRates{s.long_margin_ratio, 0.0, s.short_margin_ratio, 0.0, true};
    st.commission = core::CommissionRates{s.open_ratio_by_money,
                                          s.open_ratio_by_volume,
                                          s.close_ratio_by_money,
                                          s.close_ratio_by_volume,
                                          s.close_today_ratio_by_money,
                                          s.close_today_ratio_by_volume,
                                          true};
  }
}

void BacktestGateway::login() {
  forwarding_ = false;
  logged_in_ = false;
  connection_ = core_->connect(*this, {sim::ResumeType::Quick, 0}, {sim::ResumeType::Quick, 0});
  CThostFtdcReqUserLoginField req{};
  ctp::put_text(req.BrokerID, "9999");
  ctp::put_text(req.UserID, "backtest");
  const int rc = core_->login(connection_, req, request_id_++);
  if (rc != 0 || !logged_in_) {
    throw std::runtime_error("backtest: the exchange core refused the login (rc " + std::to_string(rc) + ", error " +
                             std::to_string(login_error_) + ")");
  }
  CThostFtdcSettlementInfoConfirmField confirm{};
  ctp::put_text(confirm.BrokerID, "9999");
  ctp::put_text(confirm.InvestorID, "backtest");
  (void)core_->confirm_settlement(connection_, confirm, request_id_++);
  ctp::prepare_insert_template(insert_template_, "9999", "backtest", "backtest");
  host_->trading_day(static_cast<std::uint32_t>(std::stoul(day_)));
  forwarding_ = true;
  host_->publish_notice(core::SessionNoticeKind::TraderReady, 0, "backtest: trading day " + day_);
}

void BacktestGateway::prepare_insert(core::Order& order) noexcept {
  order.front_id = front_id_;
  order.session_id = session_id_;
  order.order_ref = next_ref_++;
}

int BacktestGateway::write_insert(const core::Order& order) noexcept {
  CThostFtdcInputOrderField f{};
  ctp::encode_insert(insert_template_, order, f);
  return core_->insert_order(connection_, f, request_id_++);
}

int BacktestGateway::write_cancel(const core::Order& order) noexcept {
  CThostFtdcInputOrderActionField f{};
  ctp::encode_cancel(insert_template_, order, action_ref_++, f);
  return core_->order_action(connection_, f, request_id_++);
}

void BacktestGateway::want_market_data(core::InstrumentIndex instrument) noexcept {
  const int i = core_->instrument_index(host_->instruments().at(instrument).spec.symbol.c_str());
  if (i >= 0) wanted_[static_cast<std::size_t>(i)] = true;
}

std::int64_t BacktestGateway::report_delay_ns() noexcept {
  const LatencyModel& l = settings_.latency;
  double ms = l.report_ms;
  if (l.jitter == Jitter::Uniform) {
    ms += std::uniform_real_distribution<double>(-l.jitter_ms, l.jitter_ms)(rng_);
  } else if (l.jitter == Jitter::Normal) {
    ms += std::normal_distribution<double>(0.0, l.jitter_ms)(rng_);
  }
  return static_cast<std::int64_t>(std::llround(std::max(0.0, ms) * 1e6));
}

void BacktestGateway::push(const sim::TraderMessage& m) {
  if (!forwarding_) {
    if (m.kind == sim::TraderCallback::RspUserLogin) {
      login_error_ = m.has_rsp_info ? m.rsp_info.ErrorID : 0;
      if (login_error_ != 0) return;
      logged_in_ = true;
      front_id_ = m.body.rsp_user_login.FrontID;
      session_id_ = m.body.rsp_user_login.SessionID;
    }
    return;
  }
  if (m.kind == sim::TraderCallback::FrontDisconnected) {  // the day roll: the next login follows
    logged_in_ = false;
    return;
  }
  const LatencyModel& l = settings_.latency;
  if (l.report_ms <= 0.0 && l.jitter == Jitter::None && delayed_.empty()) {
    deliver(m);
    return;
  }
  // Reports keep their order (one private stream): a draw never overtakes the report before it.
  last_due_ns_ = std::max(last_due_ns_, clock_ns_ + report_delay_ns());
  delayed_.push_back(Delayed{last_due_ns_, m});
}

void BacktestGateway::deliver(const sim::TraderMessage& m) noexcept {
  ++counters_.reports;
  CThostFtdcRspInfoField info = m.rsp_info;
  CThostFtdcRspInfoField* rsp = m.has_rsp_info ? &info : nullptr;
  sim::TraderMessage copy = m;  // the Spi takes non-const pointers
  auto& b = copy.body;
  ctp::TraderSpi& spi = *trader_spi_;
  switch (m.kind) {
    case sim::TraderCallback::RtnOrder: spi.OnRtnOrder(&b.order); break;
    case sim::TraderCallback::RtnTrade: spi.OnRtnTrade(&b.trade); break;
    case sim::TraderCallback::RspOrderInsert:
      spi.OnRspOrderInsert(m.has_body ? &b.input_order : nullptr, rsp, m.request_id, m.is_last);
      break;
    case sim::TraderCallback::ErrRtnOrderInsert: spi.OnErrRtnOrderInsert(&b.input_order, rsp); break;
    case sim::TraderCallback::RspOrderAction:
      spi.OnRspOrderAction(m.has_body ? &b.input_order_action : nullptr, rsp, m.request_id, m.is_last);
      break;
    case sim::TraderCallback::ErrRtnOrderAction: spi.OnErrRtnOrderAction(&b.order_action, rsp); break;
    case sim::TraderCallback::RtnInstrumentStatus: spi.OnRtnInstrumentStatus(&b.instrument_status); break;
    case sim::TraderCallback::RspError: spi.OnRspError(rsp, m.request_id, m.is_last); break;
    default: --counters_.reports; break;  // session and query answers: the gateway answers those itself
  }
}

void BacktestGateway::deliver_due(core::Engine& engine, std::int64_t until_ns) {
  while (!delayed_.empty() && delayed_.front().due_ns <= until_ns) {
    clock_ns_ = std::max(clock_ns_, delayed_.front().due_ns);
    const sim::TraderMessage m = delayed_.front().message;
    delayed_.pop_front();
    deliver(m);
    pump(engine);
  }
}

void BacktestGateway::pump(core::Engine& engine) {
  // At least one iteration (timers, the bar clock), then until every event the agents caused is applied.
  engine.run_once(0);
  for (int i = 0; i < kMaxPumpIterations && ring_->front() != nullptr; ++i) engine.run_once(0);
}

void BacktestGateway::roll_to(core::Engine& engine, const std::string& next) {
  core_->roll_trading_day(next);  // expires working orders (pushed), drops the connection
  deliver_due(engine, INT64_MAX);
  pump(engine);  // the expiries reach the ledgers of the day they belong to
  day_ = next;
  login();
}

bool BacktestGateway::flush(core::Engine& engine) {
  deliver_due(engine, INT64_MAX);
  const bool dispatched = engine.run_once(0);
  pump(engine);
  return dispatched;
}

bool BacktestGateway::run(core::Engine& engine) {
  if (settings_.pull_bars) return run_bars(engine);
  engine.start();
  pump(engine);
  counters_.days = 1;
  sim::FeedEvent ev;
  while (!engine.stop_requested()) {
    if (!source_->next(ev)) {
      deliver_due(engine, INT64_MAX);
      pump(engine);
      if (chunks_ != nullptr) {
        if (chunks_->pending_day() == 0) return true;
        roll_to(engine, std::to_string(chunks_->pending_day()));
        chunks_->start_pending_day();
      } else {
        if (counters_.days >= static_cast<std::uint64_t>(std::max(1, settings_.front.days))) return true;
        sim::FrontConfig next = settings_.front;
        next.trading_day = sim::format_yyyymmdd(sim::next_weekday(sim::parse_trading_day(day_)));
        source_ = sim::make_feed_source(next, core_->instruments());
        roll_to(engine, next.trading_day);
      }
      ++counters_.days;
      pump(engine);
      continue;
    }
    deliver_due(engine, ev.exchange_ns);
    if (ev.exchange_ns > clock_ns_) clock_ns_ = ev.exchange_ns;
    ++counters_.feed_events;
    if (counters_.first_ns == 0) counters_.first_ns = clock_ns_;
    counters_.last_ns = clock_ns_;
    core_->on_feed_event(ev);
    if (ev.kind == sim::FeedEvent::Kind::Tick) {
      ++counters_.ticks;
      if (ev.instrument_index >= 0 && wanted_[static_cast<std::size_t>(ev.instrument_index)]) {
        ++counters_.ticks_forwarded;
        md_spi_->OnRtnDepthMarketData(&ev.tick);
      }
    } else if (ev.kind == sim::FeedEvent::Kind::Status) {
      trader_spi_->OnRtnInstrumentStatus(&ev.status);
    }
    pump(engine);
  }
  engine.clear_stop();
  return false;
}

}  // namespace shandian::backtest
