// Orders: CTP-layer validation, exchange-layer checks, matching and the per-exchange callback sequences
// of ctp-semantics.md §2.
//
// Decisions (documented for the api engineer and gateway authors):
//  - CTP-layer validation order: not logged in (6, RspOrderInsert only) → unknown instrument 16 → bad
//    fields 15 → OrderRef 22 → settlement not confirmed 42 → close volume 30 / 50 / 51 → money 31 →
//    order rate 116. Each is answered with RspOrderInsert(echo) to the requester and ErrRtnOrderInsert(echo)
//    on the private stream; no RtnOrder. An OrderRef is consumed once it passes the 22 check, even if a
//    later check rejects the order (so a retry must use a new ref, as at a real counter).
//  - Order rate (116): inserts and cancels share one window per session, over the last second of exchange
//    time; only requests that pass every other check are counted.
//  - Exchange-layer rejects (not trading 162, volume outside [Min,Max]{Limit,Market}OrderVolume 164,
//    off-tick 165, outside the limits 163): RtnOrder 'a' (OSS InsertSubmitted), then RtnOrder OrderStatus
//    Canceled + OSS InsertRejected, empty OrderSysID, StatusMsg "已撤单报单被拒绝<EXCHANGE>:<reason>", then
//    ALSO ErrRtnOrderInsert(echo, RspInfo{id}) so a client sees the numeric id (CHM defines 错单回报 as CTP
//    or exchange rejects). CZCE truncates an off-tick price to the tick below instead of rejecting.
//  - Market orders: AnyPrice with IOC, and AnyPrice+GFD+AV as vn.py sends, are both treated as fill-and-
//    kill: they take what the book offers (no price bound inside the limits) and cancel the rest;
//    AnyPrice+CV is fill-or-kill. Money is frozen at the limit-up (buy) / limit-down (sell) price.
//  - FAK MinVolume (VolumeCondition MV) is honoured at SHFE/INE/CFFEX only, treated as AV elsewhere.
//  - IOC orders in a non-continuous status (auction) are rejected with 162; GFD orders are accepted during
//    auction statuses and rest unmatched until the instrument is Continuous (no auction price discovery).
//  - Identity: OrderLocalID, OrderSysID and TradeID are decimal numbers right-aligned in 12 characters
//    (e.g. "           7"), OrderSysID/TradeID counted per exchange, OrderLocalID and BrokerOrderSeq per
//    front; TraderID "shandian01"; OrderSysID is empty on 'a' pushes and exchange rejects.
//  - Self-trade: two client orders that cross match; both get a RtnTrade with the same TradeID.
#include <algorithm>
#include <cmath>
#include <string>

#include "sim/core/core_impl.hpp"
#include "sim/core/ctp_text.hpp"

namespace shandian::sim {

using detail::Connection;
using detail::Investor;
using detail::Order;
using detail::Style;
using detail::style_of;
using Account_t = detail::Account;

namespace {

constexpr int kSysIdWidth = 12;
constexpr const char* kTraderId = "shandian01";

bool valid_offset(char c) noexcept {
  return c == THOST_FTDC_OF_Open || c == THOST_FTDC_OF_Close || c == THOST_FTDC_OF_ForceClose ||
         c == THOST_FTDC_OF_CloseToday || c == THOST_FTDC_OF_CloseYesterday;
}
bool valid_hedge(char c) noexcept {
  return c == THOST_FTDC_HF_Speculation || c == THOST_FTDC_HF_Arbitrage || c == THOST_FTDC_HF_Hedge ||
         c == THOST_FTDC_HF_MarketMaker;
}

// Field checks of the CTP layer (error 15).
bool fields_ok(const CThostFtdcInputOrderField& r, const InstrumentSpec& s, const Investor& inv) {
  if (str_of(r.InvestorID) != inv.investor_id || str_of(r.BrokerID) != inv.broker_id) return false;
  if (!str_of(r.ExchangeID).empty() && str_of(r.ExchangeID) != s.exchange_id) return false;
  if (r.Direction != THOST_FTDC_D_Buy && r.Direction != THOST_FTDC_D_Sell) return false;
  if (!valid_offset(r.CombOffsetFlag[0]) || !valid_hedge(r.CombHedgeFlag[0])) return false;
  if (r.VolumeTotalOriginal <= 0) return false;
  if (r.ContingentCondition != THOST_FTDC_CC_Immediately) return false;  // conditional orders: unsupported
  const char tc = r.TimeCondition;
  const char vc = r.VolumeCondition;
  if (tc != THOST_FTDC_TC_IOC && tc != THOST_FTDC_TC_GFD && tc != THOST_FTDC_TC_GFS) return false;
  if (vc != THOST_FTDC_VC_AV && vc != THOST_FTDC_VC_MV && vc != THOST_FTDC_VC_CV) return false;
  if (vc == THOST_FTDC_VC_MV && (r.MinVolume < 1 || r.MinVolume > r.VolumeTotalOriginal)) return false;
  if (r.OrderPriceType == THOST_FTDC_OPT_LimitPrice) {
    if (!std::isfinite(r.LimitPrice)) return false;
    // A resting (GFD) limit order is all-volume by nature; MV/CV only make sense with IOC.
    if (tc != THOST_FTDC_TC_IOC && vc != THOST_FTDC_VC_AV) return false;
  } else if (r.OrderPriceType != THOST_FTDC_OPT_AnyPrice) {
    return false;  // BestPrice/LastPrice/FiveLevelPrice...: not supported by this front
  }
  if (!str_of(r.OrderRef).empty() && !trim_spaces(str_of(r.OrderRef)).empty() &&
      parse_order_ref(str_of(r.OrderRef)) < 0) {
    return false;
  }
  return true;
}

CThostFtdcInputOrderField input_from_order(const CThostFtdcOrderField& f) {
  CThostFtdcInputOrderField r{};
  set_str(r.BrokerID, str_of(f.BrokerID));
  set_str(r.InvestorID, str_of(f.InvestorID));
  set_str(r.OrderRef, str_of(f.OrderRef));
  set_str(r.UserID, str_of(f.UserID));
  r.OrderPriceType = f.OrderPriceType;
  r.Direction = f.Direction;
  set_str(r.CombOffsetFlag, str_of(f.CombOffsetFlag));
  set_str(r.CombHedgeFlag, str_of(f.CombHedgeFlag));
  r.LimitPrice = f.LimitPrice;
  r.VolumeTotalOriginal = f.VolumeTotalOriginal;
  r.TimeCondition = f.TimeCondition;
  set_str(r.GTDDate, str_of(f.GTDDate));
  r.VolumeCondition = f.VolumeCondition;
  r.MinVolume = f.MinVolume;
  r.ContingentCondition = f.ContingentCondition;
  r.StopPrice = f.StopPrice;
  r.ForceCloseReason = f.ForceCloseReason;
  r.IsAutoSuspend = f.IsAutoSuspend;
  set_str(r.BusinessUnit, str_of(f.BusinessUnit));
  r.RequestID = f.RequestID;
  r.UserForceClose = f.UserForceClose;
  r.IsSwapOrder = f.IsSwapOrder;
  set_str(r.ExchangeID, str_of(f.ExchangeID));
  set_str(r.InvestUnitID, str_of(f.InvestUnitID));
  set_str(r.AccountID, str_of(f.AccountID));
  set_str(r.CurrencyID, str_of(f.CurrencyID));
  set_str(r.ClientID, str_of(f.ClientID));
  set_str(r.MacAddress, str_of(f.MacAddress));
  set_str(r.InstrumentID, str_of(f.InstrumentID));
  set_str(r.IPAddress, str_of(f.IPAddress));
  set_str(r.OrderMemo, str_of(f.OrderMemo));
  r.SessionReqSeq = f.SessionReqSeq;
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Money

double ExchangeCore::Impl::mark_price(int instrument, double fallback) const {
  const detail::Market& mk = markets[static_cast<std::size_t>(instrument)];
  return mk.has_last ? instruments[static_cast<std::size_t>(instrument)].from_ticks(mk.last_ticks) : fallback;
}

double ExchangeCore::Impl::available(const Investor& inv) const {
  const Account_t& a = inv.account;
  double position_profit = 0.0;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    if (!markets[i].has_last) continue;
    const double mark = instruments[i].from_ticks(markets[i].last_ticks);
    for (int d = 0; d < 2; ++d) {
      const detail::PositionSide& p = inv.positions[i * 2 + static_cast<std::size_t>(d)];
      if (!p.lots.empty()) position_profit += detail::lots_profit(instruments[i], p, d == 0, mark, 2);
    }
  }
  return a.pre_balance + a.close_profit + position_profit - a.commission - a.curr_margin - a.frozen_margin -
         a.frozen_commission;
}

bool ExchangeCore::Impl::limits(int instrument, std::int64_t& lower, std::int64_t& upper) const {
  const detail::Market& mk = markets[static_cast<std::size_t>(instrument)];
  lower = mk.lower_ticks;
  upper = mk.upper_ticks;
  return mk.has_limits;
}

// ---------------------------------------------------------------------------------------------------
// Pushes

void ExchangeCore::Impl::push_order(Order& o) {
  TraderMessage m;
  m.kind = TraderCallback::RtnOrder;
  m.body.order = o.f;
  o.last_push = push_private(o.investor, m);
}

void ExchangeCore::Impl::repush_order(Order& o) {
  // CTP re-pushes the previous state byte for byte before each new one.
  TraderMessage m = investors[static_cast<std::size_t>(o.investor)].stream[o.last_push];
  o.last_push = push_private(o.investor, m);
}

void ExchangeCore::Impl::set_state(Order& o, char status, char submit_status, const char* msg) {
  const InstrumentSpec& s = instruments[static_cast<std::size_t>(o.instrument)];
  o.f.OrderStatus = status;
  o.f.OrderSubmitStatus = submit_status;
  set_str(o.f.StatusMsg, msg);
  time_now(o.f.UpdateTime);
  if (status == THOST_FTDC_OST_Canceled) time_now(o.f.CancelTime);
  o.f.SequenceNo = static_cast<int>(next_sequence_no[static_cast<int>(s.exchange)]++);
  ++o.f.NotifySequence;
}

void ExchangeCore::Impl::push_trade(Order& o, const CThostFtdcTradeField& t) {
  TraderMessage m;
  m.kind = TraderCallback::RtnTrade;
  m.body.trade = t;
  investors[static_cast<std::size_t>(o.investor)].trades.push_back(t);
  push_private(o.investor, m);
}

void ExchangeCore::Impl::release_frozen(Order& o) {
  Investor& inv = investors[static_cast<std::size_t>(o.investor)];
  inv.account.frozen_margin -= o.frozen_margin;
  inv.account.frozen_commission -= o.frozen_commission;
  if (std::fabs(inv.account.frozen_margin) < 1e-6) inv.account.frozen_margin = 0.0;
  if (std::fabs(inv.account.frozen_commission) < 1e-6) inv.account.frozen_commission = 0.0;
  o.frozen_margin = 0.0;
  o.frozen_commission = 0.0;
  if (!o.is_open) {
    detail::PositionSide& p = inv.positions[static_cast<std::size_t>(o.instrument) * 2 + (o.buy ? 1 : 0)];
    p.frozen_today = std::max(0, p.frozen_today - o.frozen_today);
    p.frozen_yd = std::max(0, p.frozen_yd - o.frozen_yd);
  }
  o.frozen_today = 0;
  o.frozen_yd = 0;
}

void ExchangeCore::Impl::reject_insert(int connection, int investor, const CThostFtdcInputOrderField& echo,
                                       int request_id, int error) {
  TraderMessage m = rsp(TraderCallback::RspOrderInsert, request_id, error);
  m.body.input_order = echo;
  deliver(connection, m);
  if (investor < 0) return;
  TraderMessage e = rsp(TraderCallback::ErrRtnOrderInsert, 0, error);
  e.body.input_order = echo;
  push_private(investor, e);
}

void ExchangeCore::Impl::reject_action(int connection, int investor, const CThostFtdcInputOrderActionField& echo,
                                       int request_id, int error) {
  TraderMessage m = rsp(TraderCallback::RspOrderAction, request_id, error);
  m.body.input_order_action = echo;
  deliver(connection, m);
  if (investor < 0) return;
  TraderMessage e = rsp(TraderCallback::ErrRtnOrderAction, 0, error);
  CThostFtdcOrderActionField& a = e.body.order_action;
  set_str(a.BrokerID, str_of(echo.BrokerID));
  set_str(a.InvestorID, str_of(echo.InvestorID));
  a.OrderActionRef = echo.OrderActionRef;
  set_str(a.OrderRef, str_of(echo.OrderRef));
  a.RequestID = echo.RequestID;
  a.FrontID = echo.FrontID;
  a.SessionID = echo.SessionID;
  set_str(a.ExchangeID, str_of(echo.ExchangeID));
  set_str(a.OrderSysID, str_of(echo.OrderSysID));
  a.ActionFlag = echo.ActionFlag;
  a.LimitPrice = echo.LimitPrice;
  a.VolumeChange = echo.VolumeChange;
  date_now(a.ActionDate);
  time_now(a.ActionTime);
  a.OrderActionStatus = THOST_FTDC_OAS_Rejected;
  set_str(a.UserID, str_of(echo.UserID));
  set_str(a.StatusMsg, error_message(error));
  set_str(a.InvestUnitID, str_of(echo.InvestUnitID));
  set_str(a.MacAddress, str_of(echo.MacAddress));
  set_str(a.InstrumentID, str_of(echo.InstrumentID));
  set_str(a.IPAddress, str_of(echo.IPAddress));
  set_str(a.OrderMemo, str_of(echo.OrderMemo));
  a.SessionReqSeq = echo.SessionReqSeq;
  push_private(investor, e);
}

// ---------------------------------------------------------------------------------------------------
// Insert

int ExchangeCore::Impl::insert_order(int connection, const CThostFtdcInputOrderField& req, int request_id) {
  Connection& c = connections[static_cast<std::size_t>(connection)];
  CThostFtdcInputOrderField echo = req;
  if (!c.logged_in) {
    reject_insert(connection, -1, echo, request_id, err::kNotLoggedIn);
    return 0;
  }
  const int inv_id = c.investor;
  Investor& inv = investors[static_cast<std::size_t>(inv_id)];
  auto reject = [&](int error) {
    reject_insert(connection, inv_id, echo, request_id, error);
    return 0;
  };

  const auto it = instrument_ids.find(str_of(req.InstrumentID));
  if (it == instrument_ids.end()) return reject(err::kInstrumentNotFound);
  const int idx = it->second;
  const InstrumentSpec& s = instruments[static_cast<std::size_t>(idx)];
  if (!fields_ok(req, s, inv)) return reject(err::kBadField);

  std::int64_t ref = parse_order_ref(str_of(req.OrderRef));
  if (ref < 0) {  // empty: the counter assigns the session's next ref
    ref = c.last_order_ref + 1;
    set_int(echo.OrderRef, ref);
  } else if (ref <= c.last_order_ref) {
    return reject(err::kDuplicateOrderRef);
  }
  c.last_order_ref = ref;
  inv.max_order_ref = std::max(inv.max_order_ref, ref);

  if (config.require_settlement_confirm && !inv.confirmed) return reject(err::kSettlementNotConfirmed);

  const bool buy = req.Direction == THOST_FTDC_D_Buy;
  const char offset = req.CombOffsetFlag[0];
  const bool is_open = offset == THOST_FTDC_OF_Open;
  const int volume = req.VolumeTotalOriginal;
  const bool market = req.OrderPriceType == THOST_FTDC_OPT_AnyPrice;
  const bool split = detail::splits_today(s.exchange);
  detail::PositionSide& pos = inv.positions[static_cast<std::size_t>(idx) * 2 + (buy ? 1 : 0)];  // closes
  bool close_today = false;
  int freeze_today = 0, freeze_yd = 0;
  if (!is_open) {
    const int avail_today = pos.today_volume - pos.frozen_today;
    const int avail_yd = pos.yd_volume - pos.frozen_yd;
    if (volume > avail_today + avail_yd) return reject(err::kOverClosePosition);
    if (split) {
      close_today = offset == THOST_FTDC_OF_CloseToday;
      if (close_today && volume > avail_today) return reject(err::kOverCloseTodayPosition);
      if (!close_today && volume > avail_yd) return reject(err::kOverCloseYesterdayPosition);
      (close_today ? freeze_today : freeze_yd) = volume;
    } else {
      freeze_yd = std::min(volume, avail_yd);  // FIFO: yesterday's lots are the oldest
      freeze_today = volume - freeze_yd;
    }
  }

  // Money frozen at the order price (market orders: at the limit price they could reach).
  std::int64_t lower = 0, upper = 0;
  const bool has_limits = limits(idx, lower, upper);
  double price = req.LimitPrice;
  if (market) {
    price = has_limits ? s.from_ticks(buy ? upper : lower) : mark_price(idx, s.reference_price);
  }
  double freeze_margin = 0.0, freeze_fee = 0.0;
  if (is_open) {
    freeze_margin = detail::margin_of(s, buy, price, volume);
    freeze_fee = detail::open_commission(s, price, volume);
  } else {
    freeze_fee =
        detail::close_commission(s, price, freeze_yd, false) + detail::close_commission(s, price, freeze_today, true);
  }
  if (freeze_margin + freeze_fee > available(inv) + 1e-6) return reject(err::kInsufficientMoney);

  if (config.order_rate_limit > 0) {
    while (!c.request_times.empty() && c.request_times.front() <= now_ns - 1'000'000'000) c.request_times.pop_front();
    if (static_cast<int>(c.request_times.size()) >= config.order_rate_limit) return reject(err::kOrderFreqLimit);
    c.request_times.push_back(now_ns);
  }

  // --- accepted by the counter: freeze and push 'a'
  const int oid = static_cast<int>(orders.size());
  Order& o = orders.emplace_back();
  o.id = oid;
  o.investor = inv_id;
  o.instrument = idx;
  o.buy = buy;
  o.is_open = is_open;
  o.market = market;
  o.ioc = market || req.TimeCondition == THOST_FTDC_TC_IOC;
  o.close_today = close_today;
  o.volume_condition = req.VolumeCondition;
  if (o.volume_condition == THOST_FTDC_VC_MV && style_of(s.exchange) != Style::Shfe)
    o.volume_condition = THOST_FTDC_VC_AV;
  o.min_volume = o.volume_condition == THOST_FTDC_VC_MV ? req.MinVolume : 1;
  o.price_ticks = market ? 0 : s.to_ticks(req.LimitPrice);
  o.remaining = volume;
  o.frozen_margin = freeze_margin;
  o.frozen_commission = freeze_fee;
  o.frozen_today = freeze_today;
  o.frozen_yd = freeze_yd;
  inv.account.frozen_margin += freeze_margin;
  inv.account.frozen_commission += freeze_fee;
  pos.frozen_today += freeze_today;
  pos.frozen_yd += freeze_yd;

  CThostFtdcOrderField& f = o.f;
  const CThostFtdcInputOrderField& r = echo;
  set_str(f.BrokerID, str_of(r.BrokerID));
  set_str(f.InvestorID, str_of(r.InvestorID));
  set_str(f.OrderRef, str_of(r.OrderRef));
  set_str(f.UserID, str_of(r.UserID));
  f.OrderPriceType = r.OrderPriceType;
  f.Direction = r.Direction;
  set_str(f.CombOffsetFlag, str_of(r.CombOffsetFlag));
  set_str(f.CombHedgeFlag, str_of(r.CombHedgeFlag));
  f.LimitPrice = r.LimitPrice;
  f.VolumeTotalOriginal = r.VolumeTotalOriginal;
  f.TimeCondition = r.TimeCondition;
  set_str(f.GTDDate, str_of(r.GTDDate));
  f.VolumeCondition = r.VolumeCondition;
  f.MinVolume = r.MinVolume;
  f.ContingentCondition = r.ContingentCondition;
  f.StopPrice = r.StopPrice;
  f.ForceCloseReason = r.ForceCloseReason;
  f.IsAutoSuspend = r.IsAutoSuspend;
  set_str(f.BusinessUnit, str_of(r.BusinessUnit));
  f.RequestID = r.RequestID;
  set_padded(f.OrderLocalID, next_order_local_id++, kSysIdWidth);
  set_str(f.ExchangeID, s.exchange_id);
  set_str(f.ParticipantID, inv.broker_id);
  set_str(f.ClientID, inv.investor_id);
  set_str(f.TraderID, kTraderId);
  f.InstallID = 1;
  f.OrderSubmitStatus = THOST_FTDC_OSS_InsertSubmitted;
  f.NotifySequence = 1;
  set_str(f.TradingDay, trading_day);
  f.SettlementID = 1;
  f.OrderSource = THOST_FTDC_OSRC_Participant;
  f.OrderStatus = THOST_FTDC_OST_Unknown;
  f.OrderType = THOST_FTDC_ORDT_Normal;
  f.VolumeTraded = 0;
  f.VolumeTotal = volume;
  // InsertDate: the natural day, except DCE/GFEX which report the trading day (CHM 317).
  if (style_of(s.exchange) == Style::Dce) {
    set_str(f.InsertDate, trading_day);
  } else {
    date_now(f.InsertDate);
  }
  time_now(f.InsertTime);
  set_str(f.ActiveTraderID, kTraderId);
  set_str(f.ClearingPartID, inv.broker_id);
  f.FrontID = front_id;
  f.SessionID = c.session_id;
  set_str(f.StatusMsg, text::kSubmitted);
  f.UserForceClose = r.UserForceClose;
  set_str(f.ActiveUserID, str_of(r.UserID));
  f.BrokerOrderSeq = static_cast<int>(next_broker_order_seq++);
  f.IsSwapOrder = r.IsSwapOrder;
  set_str(f.InvestUnitID, str_of(r.InvestUnitID));
  set_str(f.AccountID, str_of(r.AccountID));
  set_str(f.CurrencyID, str_of(r.CurrencyID));
  set_str(f.MacAddress, str_of(r.MacAddress));
  set_str(f.InstrumentID, s.instrument_id);
  set_str(f.ExchangeInstID, s.instrument_id);
  set_str(f.IPAddress, str_of(r.IPAddress));
  set_str(f.OrderMemo, str_of(r.OrderMemo));
  f.SessionReqSeq = r.SessionReqSeq;

  orders_by_ref[{front_id, c.session_id, ref}] = oid;
  inv.orders.push_back(oid);
  push_order(o);
  if (config.exchange_delay_ms > 0) {
    o.insert_due_ns = now_ns + std::int64_t{config.exchange_delay_ms} * 1'000'000;
    in_flight.push_back(oid);
  } else {
    exchange_accept(oid);
  }
  return 0;
}

void ExchangeCore::Impl::arrive_at_exchange(std::int64_t up_to_ns) {
  if (in_flight.empty()) return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < in_flight.size(); ++i) {
    Order& o = orders[static_cast<std::size_t>(in_flight[i])];
    if (o.insert_due_ns != 0 && o.insert_due_ns <= up_to_ns) {
      o.insert_due_ns = 0;
      exchange_accept(o.id);
    }
    if (o.insert_due_ns == 0 && o.cancel_due_ns != 0 && o.cancel_due_ns <= up_to_ns) {
      o.cancel_due_ns = 0;
      if (!o.finished) cancel(o);  // filled meanwhile: the cancel finds nothing to do
    }
    if (o.insert_due_ns != 0 || o.cancel_due_ns != 0) in_flight[kept++] = o.id;
  }
  in_flight.resize(kept);
}

// ---------------------------------------------------------------------------------------------------
// Exchange side

void ExchangeCore::Impl::exchange_reject(Order& o, int error, const char* reason) {
  const InstrumentSpec& s = instruments[static_cast<std::size_t>(o.instrument)];
  std::string msg = text::kRejectedPrefix;
  msg += s.exchange_id;
  msg += ':';
  msg += reason;
  set_state(o, THOST_FTDC_OST_Canceled, THOST_FTDC_OSS_InsertRejected, msg.c_str());
  push_order(o);
  release_frozen(o);
  o.finished = true;
  TraderMessage e = rsp(TraderCallback::ErrRtnOrderInsert, 0, error);
  e.body.input_order = input_from_order(o.f);
  push_private(o.investor, e);
}

void ExchangeCore::Impl::collect_fills(Order& o, std::vector<detail::Fill>& out, bool consume) {
  out.clear();
  detail::Market& mk = markets[static_cast<std::size_t>(o.instrument)];
  detail::Side& levels = o.buy ? mk.ask : mk.bid;
  auto acceptable = [&](std::int64_t ticks) {
    return o.market || (o.buy ? ticks <= o.price_ticks : ticks >= o.price_ticks);
  };
  auto better = [&](std::int64_t a, std::int64_t b) { return o.buy ? a < b : a > b; };
  auto run = [&](auto& book) {
    int want = o.remaining;
    int li = 0;
    auto bit = book.begin();
    std::size_t bj = 0;
    while (want > 0) {
      while (li < levels.count && levels.level[li].volume <= 0) ++li;
      const bool have_market = li < levels.count;
      const bool have_client = bit != book.end();
      if (!have_market && !have_client) break;
      // Equal prices: the displayed (replayed) volume was there first.
      const bool take_market = have_market && (!have_client || !better(bit->first, levels.level[li].ticks));
      if (take_market) {
        detail::Level& lv = levels.level[li];
        if (!acceptable(lv.ticks)) break;
        const int take = std::min(want, lv.volume);
        out.push_back({lv.ticks, take, -1});
        want -= take;
        // Dry runs leave the level alone: a partial take there means `want` is exhausted anyway.
        if (consume) {
          lv.volume -= take;
        } else {
          ++li;
        }
      } else {
        if (!acceptable(bit->first)) break;
        const int pid = bit->second[bj];
        const int take = std::min(want, orders[static_cast<std::size_t>(pid)].remaining);
        out.push_back({bit->first, take, pid});
        want -= take;
        if (++bj >= bit->second.size()) {
          ++bit;
          bj = 0;
        }
      }
    }
  };
  if (o.buy) {
    run(mk.asks);
  } else {
    run(mk.bids);
  }
}

void ExchangeCore::Impl::exchange_accept(int oid) {
  Order& o = orders[static_cast<std::size_t>(oid)];
  const InstrumentSpec& s = instruments[static_cast<std::size_t>(o.instrument)];
  detail::Market& mk = markets[static_cast<std::size_t>(o.instrument)];
  const Style st = style_of(s.exchange);
  const char status = mk.status;
  const bool continuous = status == THOST_FTDC_IS_Continous;
  const bool auction = status == THOST_FTDC_IS_AuctionOrdering || status == THOST_FTDC_IS_AuctionBalance ||
                       status == THOST_FTDC_IS_AuctionMatch;
  if (!continuous && !(auction && !o.ioc)) return exchange_reject(o, err::kNotTradingPeriod, text::kReasonNotTrading);
  const int vmin = o.market ? s.min_market_order_volume : s.min_limit_order_volume;
  const int vmax = o.market ? s.max_market_order_volume : s.max_limit_order_volume;
  if (o.remaining < vmin || o.remaining > vmax) return exchange_reject(o, err::kVolumeNotValid, text::kReasonVolume);
  if (!o.market) {
    if (!s.on_tick(o.f.LimitPrice)) {
      if (s.exchange != ExchangeKind::CZCE) return exchange_reject(o, err::kPriceWrongTick, text::kReasonTick);
      // CZCE truncates to the tick below (towards −∞ in ticks).
      o.price_ticks = static_cast<std::int64_t>(std::floor(o.f.LimitPrice / s.price_tick + 1e-9));
      o.f.LimitPrice = s.from_ticks(o.price_ticks);
    }
    std::int64_t lower = 0, upper = 0;
    if (limits(o.instrument, lower, upper) && (o.price_ticks < lower || o.price_ticks > upper)) {
      return exchange_reject(o, err::kPriceOverLimit, text::kReasonPriceOverLimit);
    }
  }

  // Accepted by the exchange.
  const int kind = static_cast<int>(s.exchange);
  o.sys_id = next_sys_id[kind]++;
  set_padded(o.f.OrderSysID, o.sys_id, kSysIdWidth);
  orders_by_sys_id[{kind, o.sys_id}] = oid;

  std::vector<detail::Fill>& fills = fill_scratch;
  fills.clear();
  if (continuous) {
    const int original = o.remaining;
    if (o.volume_condition == THOST_FTDC_VC_CV || o.volume_condition == THOST_FTDC_VC_MV) {
      collect_fills(o, fills, false);
      int total = 0;
      for (const detail::Fill& fl : fills) total += fl.volume;
      const int need = o.volume_condition == THOST_FTDC_VC_CV ? original : o.min_volume;
      if (total >= need) {
        collect_fills(o, fills, true);
      } else {
        fills.clear();
      }
    } else {
      collect_fills(o, fills, true);
    }
  }
  int filled_total = 0;
  for (const detail::Fill& fl : fills) filled_total += fl.volume;

  bool queued_pushed = false;
  if (st != Style::Shfe || (fills.empty() && !o.ioc)) {
    set_state(o, THOST_FTDC_OST_NoTradeQueueing, THOST_FTDC_OSS_Accepted, text::kNoTrade);
    push_order(o);
    queued_pushed = true;
  }
  const char later_oss = queued_pushed ? THOST_FTDC_OSS_Accepted : THOST_FTDC_OSS_InsertSubmitted;

  // Trade ids are per fill and shared with the passive side (self-trade: same TradeID both sides).
  id_scratch.clear();
  for (std::size_t i = 0; i < fills.size(); ++i) id_scratch.push_back(static_cast<int>(take_trade_id(s.exchange)));

  if (st == Style::Shfe && o.ioc && !fills.empty() && filled_total < o.remaining) {
    // SHFE/INE/CFFEX FAK part-fill: a → 5 (VolumeTraded set) → (5, Trade) per fill.
    trade_scratch.clear();
    for (std::size_t i = 0; i < fills.size(); ++i) {
      trade_scratch.push_back(apply_fill(o, fills[i].ticks, fills[i].volume, id_scratch[i]));
    }
    set_state(o, THOST_FTDC_OST_Canceled, later_oss, text::kCanceled);
    release_frozen(o);
    o.finished = true;
    push_order(o);
    for (const CThostFtdcTradeField& t : trade_scratch) {
      repush_order(o);
      push_trade(o, t);
    }
  } else {
    for (std::size_t i = 0; i < fills.size(); ++i) {
      const char prev = o.f.OrderStatus;
      const CThostFtdcTradeField t = apply_fill(o, fills[i].ticks, fills[i].volume, id_scratch[i]);
      const bool done = o.remaining == 0;
      const char* msg =
          done ? (prev == THOST_FTDC_OST_Unknown ? text::kAllTradedSubmitted : text::kAllTraded) : text::kPartTraded;
      // DCE sends only the trade; CTP synthesizes the new state without re-pushing the previous one.
      if (st != Style::Dce) repush_order(o);
      set_state(o, done ? THOST_FTDC_OST_AllTraded : THOST_FTDC_OST_PartTradedQueueing, later_oss, msg);
      push_order(o);
      push_trade(o, t);
    }
    if (o.remaining == 0) {
      release_frozen(o);
      o.finished = true;
    } else if (o.ioc) {
      // FAK/FOK/market remainder cancelled by the exchange: no re-push of the previous state.
      set_state(o, THOST_FTDC_OST_Canceled, later_oss, text::kCanceled);
      release_frozen(o);
      o.finished = true;
      push_order(o);
    } else {
      rest(oid);
    }
  }

  // The passive client orders this order traded with (self-trade included), in fill order.
  for (std::size_t i = 0; i < fills.size(); ++i) {
    if (fills[i].passive >= 0) passive_fill(fills[i].passive, fills[i].ticks, fills[i].volume, id_scratch[i]);
  }
}

CThostFtdcTradeField ExchangeCore::Impl::apply_fill(Order& o, std::int64_t ticks, int volume, std::int64_t trade_id) {
  Investor& inv = investors[static_cast<std::size_t>(o.investor)];
  const InstrumentSpec& s = instruments[static_cast<std::size_t>(o.instrument)];
  Account_t& acc = inv.account;
  const double price = s.from_ticks(ticks);
  const int before = o.remaining;

  // Release the frozen share of this volume; the last fill releases exactly what is left.
  const double rel_margin = volume == before ? o.frozen_margin : o.frozen_margin * volume / before;
  const double rel_fee = volume == before ? o.frozen_commission : o.frozen_commission * volume / before;
  o.frozen_margin -= rel_margin;
  o.frozen_commission -= rel_fee;
  acc.frozen_margin -= rel_margin;
  acc.frozen_commission -= rel_fee;
  if (std::fabs(acc.frozen_margin) < 1e-6) acc.frozen_margin = 0.0;
  if (std::fabs(acc.frozen_commission) < 1e-6) acc.frozen_commission = 0.0;

  o.remaining -= volume;
  o.f.VolumeTraded += volume;
  o.f.VolumeTotal = o.remaining;

  char trade_id_text[21];
  set_padded(trade_id_text, trade_id, kSysIdWidth);
  const bool is_long = o.is_open ? o.buy : !o.buy;
  detail::PositionSide& p = inv.positions[static_cast<std::size_t>(o.instrument) * 2 + (is_long ? 0 : 1)];
  if (o.is_open) {
    detail::Lot lot;
    lot.price = price;
    lot.volume = volume;
    lot.today = true;
    set_str(lot.trade_id, trade_id_text);
    set_str(lot.open_date, trading_day);
    p.lots.push_back(lot);
    p.today_volume += volume;
    p.touched[1] = true;
    const double margin = detail::margin_of(s, is_long, price, volume);
    const double fee = detail::open_commission(s, price, volume);
    acc.curr_margin += margin;
    acc.commission += fee;
    p.stats[1].commission += fee;
    p.stats[1].open_volume += volume;
    p.stats[1].open_amount += detail::notional(s, price, volume);
  } else {
    const bool fifo = !detail::splits_today(s.exchange);
    const detail::CloseResult r = detail::close_lots(s, p, is_long, price, volume, fifo, o.close_today);
    acc.close_profit += r.profit;
    acc.commission += r.commission;
    acc.curr_margin -= r.margin_released;
    if (std::fabs(acc.curr_margin) < 1e-6) acc.curr_margin = 0.0;
    if (r.today_closed > 0) p.touched[1] = true;
    if (r.yd_closed > 0) p.touched[0] = true;
    // Unfreeze the closed volume: same category first, then the other (FIFO may cross categories).
    int yd = r.yd_closed, td = r.today_closed;
    auto unfreeze = [&](int& want, int& order_frozen, int& pos_frozen) {
      const int d = std::min(want, order_frozen);
      order_frozen -= d;
      pos_frozen = std::max(0, pos_frozen - d);
      want -= d;
    };
    unfreeze(yd, o.frozen_yd, p.frozen_yd);
    unfreeze(td, o.frozen_today, p.frozen_today);
    unfreeze(yd, o.frozen_today, p.frozen_today);
    unfreeze(td, o.frozen_yd, p.frozen_yd);
  }

  CThostFtdcTradeField t{};
  const CThostFtdcOrderField& f = o.f;
  set_str(t.BrokerID, str_of(f.BrokerID));
  set_str(t.InvestorID, str_of(f.InvestorID));
  set_str(t.OrderRef, str_of(f.OrderRef));
  set_str(t.UserID, str_of(f.UserID));
  set_str(t.ExchangeID, str_of(f.ExchangeID));
  set_str(t.TradeID, trade_id_text);
  t.Direction = f.Direction;
  set_str(t.OrderSysID, str_of(f.OrderSysID));
  set_str(t.ParticipantID, str_of(f.ParticipantID));
  set_str(t.ClientID, str_of(f.ClientID));
  t.TradingRole = THOST_FTDC_ER_Broker;
  // Non-SHFE/INE closes come back as Close whatever the order said (CTP converts them).
  t.OffsetFlag = (!o.is_open && !detail::splits_today(s.exchange)) ? THOST_FTDC_OF_Close : f.CombOffsetFlag[0];
  t.HedgeFlag = f.CombHedgeFlag[0];
  t.Price = price;
  t.Volume = volume;
  date_now(t.TradeDate);
  time_now(t.TradeTime);
  t.TradeType = THOST_FTDC_TRDT_Common;
  t.PriceSource = THOST_FTDC_PSRC_LastPrice;
  set_str(t.TraderID, str_of(f.TraderID));
  set_str(t.OrderLocalID, str_of(f.OrderLocalID));
  set_str(t.ClearingPartID, str_of(f.ClearingPartID));
  set_str(t.BusinessUnit, str_of(f.BusinessUnit));
  t.SequenceNo = static_cast<int>(next_sequence_no[static_cast<int>(s.exchange)]++);
  set_str(t.TradingDay, trading_day);
  t.SettlementID = 1;
  t.BrokerOrderSeq = f.BrokerOrderSeq;
  t.TradeSource = THOST_FTDC_TSRC_NORMAL;
  set_str(t.InvestUnitID, str_of(f.InvestUnitID));
  set_str(t.InstrumentID, str_of(f.InstrumentID));
  set_str(t.ExchangeInstID, str_of(f.ExchangeInstID));
  return t;
}

void ExchangeCore::Impl::passive_fill(int order_id, std::int64_t ticks, int volume, std::int64_t trade_id) {
  Order& o = orders[static_cast<std::size_t>(order_id)];
  const Style st = style_of(instruments[static_cast<std::size_t>(o.instrument)].exchange);
  const CThostFtdcTradeField t = apply_fill(o, ticks, volume, trade_id);
  const bool done = o.remaining == 0;
  if (st != Style::Dce) repush_order(o);
  set_state(o, done ? THOST_FTDC_OST_AllTraded : THOST_FTDC_OST_PartTradedQueueing, THOST_FTDC_OSS_Accepted,
            done ? text::kAllTraded : text::kPartTraded);
  push_order(o);
  push_trade(o, t);
  if (done) {
    unrest(o);
    release_frozen(o);
    o.finished = true;
  }
}

void ExchangeCore::Impl::rest(int order_id) {
  Order& o = orders[static_cast<std::size_t>(order_id)];
  detail::Market& mk = markets[static_cast<std::size_t>(o.instrument)];
  // Conservative queue position: everything displayed at our price when we join is ahead of us. A price
  // beyond the displayed depth counts as an empty queue (nothing provable is ahead).
  const int shown = o.buy ? mk.shown_bid.volume_at(o.price_ticks, true) : mk.shown_ask.volume_at(o.price_ticks, false);
  o.queue_ahead = shown > 0 ? shown : 0;
  o.resting = true;
  if (o.buy) {
    mk.bids[o.price_ticks].push_back(order_id);
  } else {
    mk.asks[o.price_ticks].push_back(order_id);
  }
}

void ExchangeCore::Impl::unrest(Order& o) {
  if (!o.resting) return;
  o.resting = false;
  detail::Market& mk = markets[static_cast<std::size_t>(o.instrument)];
  const int id = o.id;
  auto drop = [&](auto& book) {
    auto it = book.find(o.price_ticks);
    if (it == book.end()) return;
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    if (ids.empty()) book.erase(it);
  };
  if (o.buy) {
    drop(mk.bids);
  } else {
    drop(mk.asks);
  }
}

void ExchangeCore::Impl::cancel(Order& o) {
  repush_order(o);
  set_state(o, THOST_FTDC_OST_Canceled, THOST_FTDC_OSS_Accepted, text::kCanceled);
  push_order(o);
  unrest(o);
  release_frozen(o);
  o.finished = true;
}

// A new snapshot: fill resting client orders it crosses or that the market traded at/through.
//  - Cross: the opposite side displays a price at or through ours → we take those levels' volumes
//    (consuming them) at our own price.
//  - Trade-through: LastPrice strictly through our price with volume traded → everything at our price was
//    filled first, so we fill up to the traded volume.
//  - At our price (Conservative): the volume provably traded at P is min(traded volume, drop of the
//    displayed volume at P on our side between the two snapshots), counted only when LastPrice == P. It
//    first reduces queue_ahead (set when we joined, never reduced by cancels); the excess fills us.
//  - Optimistic: a trade at or through our price fills the whole remainder.
void ExchangeCore::Impl::match_resting(int instrument, const detail::Side& prev_bid, const detail::Side& prev_ask,
                                       std::int64_t traded) {
  detail::Market& mk = markets[static_cast<std::size_t>(instrument)];
  const bool optimistic = config.queue_model == QueueModel::Optimistic;
  resting_scratch.clear();
  auto side_pass = [&](auto& book, bool buy) {
    detail::Side& opposite = buy ? mk.ask : mk.bid;
    const detail::Side& prev_own = buy ? prev_bid : prev_ask;
    const detail::Side& now_own = buy ? mk.shown_bid : mk.shown_ask;
    std::int64_t budget = traded;
    for (auto& [p, ids] : book) {
      const std::int64_t price = p;
      std::int64_t provable = 0;
      if (mk.has_last && mk.last_ticks == price && traded > 0) {
        const int pv = prev_own.volume_at(price, buy);
        int nv = now_own.volume_at(price, buy);
        if (nv < 0) nv = pv;  // now beyond the visible depth: nothing provable
        provable = std::min<std::int64_t>(traded, std::max(0, pv - nv));
      }
      std::int64_t given_at_price = 0;
      for (int id : ids) {
        Order& o = orders[static_cast<std::size_t>(id)];
        const int want = o.remaining;
        int got = 0;
        for (int li = 0; li < opposite.count && got < want; ++li) {
          detail::Level& lv = opposite.level[li];
          if (buy ? lv.ticks > price : lv.ticks < price) break;
          const int take = std::min(want - got, lv.volume);
          lv.volume -= take;
          got += take;
        }
        if (got < want && mk.has_last && traded > 0) {
          const bool through = buy ? mk.last_ticks < price : mk.last_ticks > price;
          const bool at = mk.last_ticks == price;
          if (optimistic) {
            if (through || at) got = want;
          } else if (through) {
            const std::int64_t take = std::min<std::int64_t>(want - got, budget);
            budget -= take;
            got += static_cast<int>(take);
          } else if (at) {
            const std::int64_t ahead = o.queue_ahead;
            o.queue_ahead = std::max<std::int64_t>(0, ahead - provable);
            const std::int64_t fillable = std::max<std::int64_t>(0, provable - ahead - given_at_price);
            const std::int64_t take = std::min<std::int64_t>({static_cast<std::int64_t>(want - got), fillable, budget});
            given_at_price += take;
            budget -= take;
            got += static_cast<int>(take);
          }
        }
        if (got > 0) resting_scratch.push_back({id, price, got});
      }
    }
  };
  side_pass(mk.bids, true);
  side_pass(mk.asks, false);
  const ExchangeKind e = instruments[static_cast<std::size_t>(instrument)].exchange;
  for (std::size_t i = 0; i < resting_scratch.size(); ++i) {
    const RestingFill f = resting_scratch[i];
    passive_fill(f.order, f.ticks, f.volume, take_trade_id(e));
  }
}

// ---------------------------------------------------------------------------------------------------
// Cancel

int ExchangeCore::Impl::order_action(int connection, const CThostFtdcInputOrderActionField& req, int request_id) {
  Connection& c = connections[static_cast<std::size_t>(connection)];
  if (!c.logged_in) {
    reject_action(connection, -1, req, request_id, err::kNotLoggedIn);
    return 0;
  }
  const int inv_id = c.investor;
  Investor& inv = investors[static_cast<std::size_t>(inv_id)];
  auto reject = [&](int error) {
    reject_action(connection, inv_id, req, request_id, error);
    return 0;
  };
  if (req.ActionFlag != THOST_FTDC_AF_Delete) return reject(err::kBadOrderActionField);
  if (config.require_settlement_confirm && !inv.confirmed) return reject(err::kSettlementNotConfirmed);

  int oid = -1;
  const std::string_view sys = trim_spaces(str_of(req.OrderSysID));
  if (!sys.empty()) {
    const std::int64_t n = parse_order_ref(sys);
    const std::string_view exch = str_of(req.ExchangeID);
    for (int k = 0; k < detail::kExchangeKinds && n >= 0 && oid < 0; ++k) {
      auto it = orders_by_sys_id.find({k, n});
      if (it == orders_by_sys_id.end()) continue;
      const Order& o = orders[static_cast<std::size_t>(it->second)];
      if (exch.empty() || exch == str_of(o.f.ExchangeID)) oid = it->second;
    }
  } else {
    int fid = req.FrontID, sid = req.SessionID;
    if (fid == 0 && sid == 0) {
      fid = front_id;
      sid = c.session_id;
    }
    const std::int64_t ref = parse_order_ref(str_of(req.OrderRef));
    auto it = orders_by_ref.find({fid, sid, ref});
    if (ref >= 0 && it != orders_by_ref.end()) oid = it->second;
  }
  if (oid < 0 || orders[static_cast<std::size_t>(oid)].investor != inv_id) return reject(err::kOrderNotFound);
  Order& o = orders[static_cast<std::size_t>(oid)];
  if (o.finished) return reject(err::kInsuitableOrderStatus);
  if (o.cancel_due_ns != 0) return reject(err::kDuplicateOrderAction);  // a cancel is on its way already
  // Counters >= 6.6.5 do not cancel a CZCE order the exchange has not acknowledged yet ('a').
  const bool unknown_at_exchange = o.insert_due_ns != 0;
  if (unknown_at_exchange && instruments[static_cast<std::size_t>(o.instrument)].exchange == ExchangeKind::CZCE) {
    return reject(err::kCancelUnknownOrderUnsupported);
  }

  if (config.order_rate_limit > 0) {
    while (!c.request_times.empty() && c.request_times.front() <= now_ns - 1'000'000'000) c.request_times.pop_front();
    if (static_cast<int>(c.request_times.size()) >= config.order_rate_limit) return reject(err::kOrderFreqLimit);
    c.request_times.push_back(now_ns);
  }
  if (config.exchange_delay_ms > 0) {
    // Reaches the exchange after the delay, and never before the order itself.
    o.cancel_due_ns = std::max(o.insert_due_ns, now_ns + std::int64_t{config.exchange_delay_ms} * 1'000'000);
    if (!unknown_at_exchange) in_flight.push_back(oid);
    return 0;
  }
  cancel(o);
  return 0;
}

}  // namespace shandian::sim
