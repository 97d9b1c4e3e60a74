// ExchangeCore facade: construction, connections and sessions, the private/public streams, feed events.
//
// Session decisions (documented for the api engineer and gateway authors):
//  - FrontID is 1 for the whole front; every successful login gets a new, positive, increasing SessionID
//    (deterministic: the n-th login of the process gets 0x10001 + n − 1).
//  - MaxOrderRef = highest numeric OrderRef this investor used today in any session + 1 ("1" on a fresh
//    day). OrderRefs are validated per session (FrontID+SessionID): each must be numeric and strictly
//    greater than the session's previous one, so a client that starts at MaxOrderRef never collides with
//    an earlier session's refs. An empty OrderRef gets the session's previous ref + 1.
//  - Streams: one private stream per investor and one public stream per trading day, 1-based stream_seq.
//    Login replays them per the connection's StreamSubscription (Restart: everything, Resume: after
//    last_seq, Quick/None: nothing old) right after RspUserLogin, then the session receives live pushes.
//    Public None = no public pushes at all; private None is treated as Quick.
#include "sim/core/exchange_core.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/core/clock.hpp"
#include "sim/core/core_impl.hpp"
#include "sim/core/ctp_text.hpp"

namespace shandian::sim {

using detail::Connection;
using detail::Investor;

ExchangeCore::Impl::Impl(FrontConfig cfg, std::vector<InstrumentSpec> specs, std::string day)
    : config(std::move(cfg)), instruments(std::move(specs)), trading_day(std::move(day)) {
  if (trading_day.empty()) trading_day = config.trading_day;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    instrument_ids.emplace(instruments[i].instrument_id, static_cast<int>(i));
  }
  markets.resize(instruments.size());
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    // Until a snapshot brings Upper/LowerLimitPrice, the limits follow from the previous settlement.
    const InstrumentSpec& s = instruments[i];
    if (s.reference_price > 0.0 && s.price_tick > 0.0) {
      markets[i].has_limits = true;
      markets[i].upper_ticks =
          static_cast<std::int64_t>(std::floor(s.reference_price * (1.0 + s.limit_ratio) / s.price_tick + 1e-9));
      markets[i].lower_ticks =
          static_cast<std::int64_t>(std::ceil(s.reference_price * (1.0 - s.limit_ratio) / s.price_tick - 1e-9));
    }
  }
  now_ns = clock::session_open_ns(trading_day, config.session == "night");
  fill_scratch.reserve(64);
  id_scratch.reserve(64);
}

void ExchangeCore::Impl::date_now(char (&out)[9]) const noexcept { clock::format_date(now_ns, out); }
void ExchangeCore::Impl::time_now(char (&out)[9]) const noexcept { clock::format_time(now_ns, out); }

Connection* ExchangeCore::Impl::conn(int id) noexcept {
  if (id < 0 || static_cast<std::size_t>(id) >= connections.size()) return nullptr;
  Connection& c = connections[static_cast<std::size_t>(id)];
  return c.open ? &c : nullptr;
}

bool ExchangeCore::Impl::logged_in(int connection) const noexcept {
  if (connection < 0 || static_cast<std::size_t>(connection) >= connections.size()) return false;
  const Connection& c = connections[static_cast<std::size_t>(connection)];
  return c.open && c.logged_in;
}

void ExchangeCore::Impl::deliver(int connection, const TraderMessage& m) {
  Connection* c = conn(connection);
  if (c != nullptr && c->sink != nullptr) c->sink->push(m);
}

std::size_t ExchangeCore::Impl::push_private(int investor, TraderMessage& m) {
  Investor& inv = investors[static_cast<std::size_t>(investor)];
  m.stream_seq = static_cast<int>(inv.stream.size()) + 1;
  m.request_id = 0;
  m.is_last = true;
  inv.stream.push_back(m);
  for (std::size_t i = 0; i < connections.size(); ++i) {
    const Connection& c = connections[i];
    if (c.open && c.logged_in && c.investor == investor) c.sink->push(m);
  }
  return inv.stream.size() - 1;
}

void ExchangeCore::Impl::push_public(TraderMessage& m) {
  m.stream_seq = static_cast<int>(public_stream.size()) + 1;
  m.request_id = 0;
  m.is_last = true;
  public_stream.push_back(m);
  for (const Connection& c : connections) {
    if (c.open && c.logged_in && c.public_topic.type != ResumeType::None) c.sink->push(m);
  }
}

void ExchangeCore::Impl::replay(int connection) {
  Connection& c = connections[static_cast<std::size_t>(connection)];
  const Investor& inv = investors[static_cast<std::size_t>(c.investor)];
  auto from = [](const StreamSubscription& s, std::size_t size) -> std::size_t {
    switch (s.type) {
      case ResumeType::Restart: return 0;
      case ResumeType::Resume: return s.last_seq <= 0 ? 0 : std::min(size, static_cast<std::size_t>(s.last_seq));
      default: return size;
    }
  };
  const int copies = (c.private_topic.type == ResumeType::Restart && config.duplicate_replay) ? 2 : 1;
  for (std::size_t i = from(c.private_topic, inv.stream.size()); i < inv.stream.size(); ++i) {
    for (int k = 0; k < copies; ++k) c.sink->push(inv.stream[i]);
  }
  for (std::size_t i = from(c.public_topic, public_stream.size()); i < public_stream.size(); ++i) {
    c.sink->push(public_stream[i]);
  }
}

TraderMessage ExchangeCore::Impl::rsp(TraderCallback kind, int request_id, int error) {
  TraderMessage m;
  m.kind = kind;
  m.request_id = request_id;
  m.is_last = true;
  m.has_rsp_info = true;
  m.rsp_info.ErrorID = error;
  set_str(m.rsp_info.ErrorMsg, error_message(error));
  return m;
}

int ExchangeCore::Impl::investor_for(const std::string& broker, const std::string& investor_id) {
  std::string key = broker + '\n' + investor_id;
  if (auto it = investor_ids.find(key); it != investor_ids.end()) return it->second;
  const int id = static_cast<int>(investors.size());
  investor_ids.emplace(std::move(key), id);
  Investor& inv = investors.emplace_back();
  inv.broker_id = broker;
  inv.investor_id = investor_id;
  inv.account.pre_balance = config.initial_balance;
  inv.positions.resize(instruments.size() * 2);
  // Yesterday positions carried at their previous settlement, opened "yesterday" (previous weekday).
  char open_date[9];
  clock::format_date(clock::session_open_ns(trading_day, true), open_date);
  for (const InitialPosition& p : config.positions) {
    auto it = instrument_ids.find(p.instrument_id);
    if (it == instrument_ids.end() || p.volume <= 0) continue;
    const InstrumentSpec& s = instruments[static_cast<std::size_t>(it->second)];
    detail::PositionSide& side = inv.positions[static_cast<std::size_t>(it->second) * 2 + (p.is_long ? 0 : 1)];
    detail::Lot lot;
    lot.price = p.price > 0.0 ? p.price : s.reference_price;
    lot.volume = p.volume;
    lot.today = false;
    set_padded(lot.trade_id, next_yd_lot++, 12);
    set_str(lot.open_date, open_date);
    side.lots.push_back(lot);
    side.yd_initial += p.volume;
    side.yd_volume += p.volume;
    side.touched[0] = true;
    inv.account.curr_margin += detail::margin_of(s, p.is_long, lot.price, p.volume);
  }
  return id;
}

// ---------------------------------------------------------------------------------------------------
ExchangeCore::ExchangeCore(FrontConfig config, std::vector<InstrumentSpec> instruments, std::string trading_day)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(instruments), std::move(trading_day))) {}

ExchangeCore::~ExchangeCore() = default;

int ExchangeCore::connect(TraderSink& sink, StreamSubscription private_topic, StreamSubscription public_topic) {
  Connection c;
  c.sink = &sink;
  c.open = true;
  c.private_topic = private_topic;
  c.public_topic = public_topic;
  impl_->connections.push_back(std::move(c));
  const int id = static_cast<int>(impl_->connections.size()) - 1;
  TraderMessage m;
  m.kind = TraderCallback::FrontConnected;
  m.has_body = false;
  impl_->deliver(id, m);
  return id;
}

void ExchangeCore::disconnect(int connection, int reason) {
  Connection* c = impl_->conn(connection);
  if (c == nullptr) return;
  if (reason != 0) {
    TraderMessage m;
    m.kind = TraderCallback::FrontDisconnected;
    m.has_body = false;
    m.reason = reason;
    impl_->deliver(connection, m);
  }
  c->open = false;
  c->logged_in = false;
  c->authenticated = false;
  c->sink = nullptr;
}

int ExchangeCore::authenticate(int connection, const CThostFtdcReqAuthenticateField& req, int request_id) {
  Connection* c = impl_->conn(connection);
  if (c == nullptr) return -1;
  const FrontConfig& cfg = impl_->config;
  const bool ok = (cfg.app_id.empty() || cfg.app_id == str_of(req.AppID)) &&
                  (cfg.auth_code.empty() || cfg.auth_code == str_of(req.AuthCode)) &&
                  (cfg.broker_id.empty() || cfg.broker_id == str_of(req.BrokerID));
  c->authenticated = ok;
  TraderMessage m = Impl::rsp(TraderCallback::RspAuthenticate, request_id, ok ? err::kNone : err::kAuthFailed);
  set_str(m.body.rsp_authenticate.BrokerID, str_of(req.BrokerID));
  set_str(m.body.rsp_authenticate.UserID, str_of(req.UserID));
  set_str(m.body.rsp_authenticate.UserProductInfo, str_of(req.UserProductInfo));
  set_str(m.body.rsp_authenticate.AppID, str_of(req.AppID));
  m.body.rsp_authenticate.AppType = THOST_FTDC_APP_TYPE_Investor;
  impl_->deliver(connection, m);
  return 0;
}

int ExchangeCore::login(int connection, const CThostFtdcReqUserLoginField& req, int request_id) {
  Connection* c = impl_->conn(connection);
  if (c == nullptr) return -1;
  const FrontConfig& cfg = impl_->config;
  Impl& im = *impl_;
  std::string user_key = std::string(str_of(req.BrokerID)) + '\n' + std::string(str_of(req.UserID));
  int& failures = im.login_failures[user_key];
  int error = err::kNone;
  if (c->logged_in) {
    error = err::kDuplicateLogin;  // this session is logged in already
  } else if (cfg.ip_login_fail_limit > 0 && im.ip_login_failures >= cfg.ip_login_fail_limit) {
    error = err::kIpForbidden;
  } else if (cfg.login_fail_limit > 0 && failures >= cfg.login_fail_limit) {
    error = err::kLoginForbidden;  // locked until the broker unlocks it (here: for the instance's life)
  } else if (cfg.require_auth && !c->authenticated) {
    error = err::kNotAuthent;
  } else if ((!cfg.broker_id.empty() && cfg.broker_id != str_of(req.BrokerID)) || str_of(req.UserID).empty() ||
             (!cfg.password.empty() && cfg.password != str_of(req.Password))) {
    error = err::kBadLogin;
    ++failures;
    ++im.ip_login_failures;
  } else if (cfg.max_sessions > 0 &&
             std::count_if(im.connections.begin(), im.connections.end(), [&](const Connection& o) {
               return o.open && o.logged_in && o.user_key == user_key;
             }) >= cfg.max_sessions) {
    error = err::kSessionLimit;
  }
  if (error == err::kNone) failures = 0;  // "consecutive"
  TraderMessage m = Impl::rsp(TraderCallback::RspUserLogin, request_id, error);
  CThostFtdcRspUserLoginField& b = m.body.rsp_user_login;
  set_str(b.BrokerID, str_of(req.BrokerID));
  set_str(b.UserID, str_of(req.UserID));
  set_str(b.TradingDay, impl_->trading_day);
  if (error != err::kNone) {
    impl_->deliver(connection, m);
    return 0;
  }
  const int investor = impl_->investor_for(std::string(str_of(req.BrokerID)), std::string(str_of(req.UserID)));
  c->investor = investor;
  c->logged_in = true;
  c->user_key = std::move(user_key);
  c->session_id = impl_->next_session_id++;
  c->last_order_ref = 0;
  c->request_times.clear();
  char t[9];
  impl_->time_now(t);
  set_str(b.LoginTime, t);
  set_str(b.SHFETime, t);
  set_str(b.DCETime, t);
  set_str(b.CZCETime, t);
  set_str(b.FFEXTime, t);
  set_str(b.INETime, t);
  set_str(b.GFEXTime, t);
  set_str(b.SystemName, "shandian local front");
  set_str(b.SysVersion, "shandian-sim 6.7.11");
  b.FrontID = impl_->front_id;
  b.SessionID = c->session_id;
  set_int(b.MaxOrderRef, impl_->investors[static_cast<std::size_t>(investor)].max_order_ref + 1);
  impl_->deliver(connection, m);
  impl_->replay(connection);
  return 0;
}

int ExchangeCore::logout(int connection, const CThostFtdcUserLogoutField& req, int request_id) {
  Connection* c = impl_->conn(connection);
  if (c == nullptr) return -1;
  const int error = c->logged_in ? err::kNone : err::kNotLoggedIn;
  TraderMessage m = Impl::rsp(TraderCallback::RspUserLogout, request_id, error);
  set_str(m.body.user_logout.BrokerID, str_of(req.BrokerID));
  set_str(m.body.user_logout.UserID, str_of(req.UserID));
  impl_->deliver(connection, m);
  // The session ends (a new login gets a new SessionID); working orders stay, as at a real counter.
  c->logged_in = false;
  c->authenticated = false;
  return 0;
}

int ExchangeCore::confirm_settlement(int connection, const CThostFtdcSettlementInfoConfirmField& req, int request_id) {
  Connection* c = impl_->conn(connection);
  if (c == nullptr) return -1;
  TraderMessage m =
      Impl::rsp(TraderCallback::RspSettlementInfoConfirm, request_id, c->logged_in ? err::kNone : err::kNotLoggedIn);
  CThostFtdcSettlementInfoConfirmField& b = m.body.settlement_info_confirm;
  set_str(b.BrokerID, str_of(req.BrokerID));
  set_str(b.InvestorID, str_of(req.InvestorID));
  if (c->logged_in) {
    Investor& inv = impl_->investors[static_cast<std::size_t>(c->investor)];
    if (!inv.confirmed) {
      inv.confirmed = true;
      impl_->date_now(inv.confirm_date);
      impl_->time_now(inv.confirm_time);
    }
    set_str(b.BrokerID, inv.broker_id);
    set_str(b.InvestorID, inv.investor_id);
    set_str(b.ConfirmDate, inv.confirm_date);
    set_str(b.ConfirmTime, inv.confirm_time);
    set_str(b.AccountID, inv.investor_id);
    set_str(b.CurrencyID, "CNY");
  }
  impl_->deliver(connection, m);
  return 0;
}

int ExchangeCore::insert_order(int connection, const CThostFtdcInputOrderField& req, int request_id) {
  if (impl_->conn(connection) == nullptr) return -1;
  return impl_->insert_order(connection, req, request_id);
}

int ExchangeCore::order_action(int connection, const CThostFtdcInputOrderActionField& req, int request_id) {
  if (impl_->conn(connection) == nullptr) return -1;
  return impl_->order_action(connection, req, request_id);
}

void ExchangeCore::on_feed_event(const FeedEvent& event) {
  Impl& im = *impl_;
  im.arrive_at_exchange(event.exchange_ns);  // what reached the exchange before this event
  if (event.exchange_ns > im.now_ns) im.now_ns = event.exchange_ns;
  if (event.kind == FeedEvent::Kind::Status) {
    // Product-level (as CTP): applies to every instrument whose product or id matches.
    const std::string_view id = str_of(event.status.InstrumentID);
    const std::string_view inst = str_of(event.status.ExchangeInstID);
    const std::string_view exch = str_of(event.status.ExchangeID);
    for (std::size_t i = 0; i < im.instruments.size(); ++i) {
      const InstrumentSpec& s = im.instruments[i];
      if (!exch.empty() && exch != s.exchange_id) continue;
      const bool match = (!id.empty() && (id == s.product_id || id == s.instrument_id)) ||
                         (!inst.empty() && (inst == s.product_id || inst == s.instrument_id));
      if (match) im.markets[i].status = event.status.InstrumentStatus;
    }
    TraderMessage m;
    m.kind = TraderCallback::RtnInstrumentStatus;
    m.body.instrument_status = event.status;
    if (m.body.instrument_status.EnterTime[0] == '\0') im.time_now(m.body.instrument_status.EnterTime);
    im.push_public(m);
    return;
  }
  if (event.kind != FeedEvent::Kind::Tick) return;
  if (event.instrument_index < 0 || static_cast<std::size_t>(event.instrument_index) >= im.instruments.size()) return;
  const int idx = event.instrument_index;
  const InstrumentSpec& s = im.instruments[static_cast<std::size_t>(idx)];
  detail::Market& mk = im.markets[static_cast<std::size_t>(idx)];
  const bool had_tick = mk.has_tick;
  const std::int64_t prev_volume = mk.cum_volume;
  mk.prev_bid = mk.shown_bid;  // written only here: match_resting reads them below
  mk.prev_ask = mk.shown_ask;
  mk.tick = event.tick;
  mk.has_tick = true;
  detail::read_side(s, event.tick, true, mk.shown_bid);
  detail::read_side(s, event.tick, false, mk.shown_ask);
  mk.bid = mk.shown_bid;  // new snapshot: liquidity our orders consumed from the last one is back
  mk.ask = mk.shown_ask;
  mk.has_last = detail::has_value(event.tick.LastPrice);
  // A snapshot writes each *_ticks only with its *_px (the constructor's limits leave upper/lower_px NaN).
  auto convert = [&s](double price, double& px, std::int64_t& ticks) {
    if (price != px) {
      px = price;
      ticks = s.to_ticks(price);
    }
  };
  if (mk.has_last) convert(event.tick.LastPrice, mk.last_px, mk.last_ticks);
  mk.cum_volume = event.tick.Volume;
  if (detail::has_value(event.tick.UpperLimitPrice) && detail::has_value(event.tick.LowerLimitPrice) &&
      event.tick.UpperLimitPrice > 0.0) {
    mk.has_limits = true;
    convert(event.tick.UpperLimitPrice, mk.upper_px, mk.upper_ticks);
    convert(event.tick.LowerLimitPrice, mk.lower_px, mk.lower_ticks);
  }
  const std::int64_t traded = had_tick ? std::max<std::int64_t>(0, mk.cum_volume - prev_volume) : 0;
  if (mk.status == THOST_FTDC_IS_Continous) im.match_resting(idx, mk.prev_bid, mk.prev_ask, traded);
}

void ExchangeCore::advance_clock(std::int64_t exchange_ns) {
  if (exchange_ns > impl_->now_ns) impl_->now_ns = exchange_ns;
  impl_->arrive_at_exchange(impl_->now_ns);
}

const std::vector<InstrumentSpec>& ExchangeCore::instruments() const noexcept { return impl_->instruments; }

int ExchangeCore::instrument_index(const char* instrument_id) const noexcept {
  if (instrument_id == nullptr) return -1;
  auto it = impl_->instrument_ids.find(std::string_view(instrument_id));
  return it == impl_->instrument_ids.end() ? -1 : it->second;
}

const std::string& ExchangeCore::trading_day() const noexcept { return impl_->trading_day; }

bool ExchangeCore::stream_positions(int connection, StreamPositions& out) const noexcept {
  if (!impl_->logged_in(connection)) return false;
  const Connection& c = impl_->connections[static_cast<std::size_t>(connection)];
  out.private_seq = static_cast<int>(impl_->investors[static_cast<std::size_t>(c.investor)].stream.size());
  out.public_seq = static_cast<int>(impl_->public_stream.size());
  return true;
}
std::int64_t ExchangeCore::now_exchange_ns() const noexcept { return impl_->now_ns; }

}  // namespace shandian::sim
