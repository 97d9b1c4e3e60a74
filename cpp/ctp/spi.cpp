#include "ctp/spi.hpp"

#include <cfloat>
#include <cmath>
#include <thread>

#include "core/clock.hpp"

namespace shandian::ctp {

using core::Event;
using core::EventKind;
using core::monotonic_ns;

// ---- conversions ------------------------------------------------------------------------------------------

std::uint32_t parse_yyyymmdd(const char* text) noexcept {
  std::uint32_t value = 0;
  for (int i = 0; i < 8; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value;
}

std::int32_t parse_hhmmss_ms(const char* text, int millis) noexcept {
  // Checked character by character, stopping at the first mismatch, so a short (NUL-terminated) string is
  // never read past its terminator.
  int fields[3] = {0, 0, 0};
  for (int f = 0; f < 3; ++f) {
    for (int k = 0; k < 2; ++k) {
      const char c = text[f * 3 + k];
      if (c < '0' || c > '9') return -1;
      fields[f] = fields[f] * 10 + (c - '0');
    }
    if (f < 2 && text[f * 3 + 2] != ':') return -1;
  }
  return ((fields[0] * 60 + fields[1]) * 60 + fields[2]) * 1000 + millis;
}

std::int64_t parse_ref(const char* text, std::size_t max_len) noexcept {
  std::size_t i = 0;
  while (i < max_len && text[i] == ' ') ++i;
  if (i >= max_len || text[i] < '0' || text[i] > '9') return -1;
  std::int64_t value = 0;
  while (i < max_len && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i] - '0');
    if (value > (INT64_MAX / 10)) return -1;
    ++i;
  }
  return value;
}

double sanitize_price(double price) noexcept {
  return (std::isfinite(price) && price < DBL_MAX / 2 && price > -DBL_MAX / 2) ? price : 0.0;
}

core::OrderStatus map_order_status(char s) noexcept {
  switch (s) {
    case THOST_FTDC_OST_AllTraded: return core::OrderStatus::Filled;
    case THOST_FTDC_OST_PartTradedQueueing: return core::OrderStatus::PartFilled;
    case THOST_FTDC_OST_NoTradeQueueing: return core::OrderStatus::Queued;
    case THOST_FTDC_OST_PartTradedNotQueueing:  // final: the rest is gone
    case THOST_FTDC_OST_NoTradeNotQueueing:
    case THOST_FTDC_OST_Canceled: return core::OrderStatus::Cancelled;
    default: return core::OrderStatus::Accepted;  // 'a' unknown, 'b'/'c' conditional
  }
}

core::OrderKind map_order_kind(char price_type, char time_condition, char volume_condition) noexcept {
  if (price_type == THOST_FTDC_OPT_AnyPrice) return core::OrderKind::Market;
  if (time_condition != THOST_FTDC_TC_IOC) return core::OrderKind::Limit;
  return volume_condition == THOST_FTDC_VC_CV ? core::OrderKind::Fok : core::OrderKind::Fak;
}

core::Offset map_offset(char o) noexcept {
  switch (o) {
    case THOST_FTDC_OF_Open: return core::Offset::Open;
    case THOST_FTDC_OF_CloseToday: return core::Offset::CloseToday;
    case THOST_FTDC_OF_CloseYesterday: return core::Offset::CloseYesterday;
    default: return core::Offset::Close;  // Close, ForceClose, ForceOff, LocalForceClose
  }
}

core::Direction map_direction(char d) noexcept {
  return d == THOST_FTDC_D_Sell ? core::Direction::Sell : core::Direction::Buy;
}

// ---- publication -------------------------------------------------------------------------------------------

template <class Filler>
bool SpiBase::publish_slow(EventKind kind, std::int64_t recv_ns, Filler& fill) noexcept {
  // relaxed: statistics (RingCounters).
  if (lossy_) {
    counters_.lost.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  counters_.full_stalls.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t give_up = monotonic_ns() + full_wait_ns_;
  for (int spins = 0;; ++spins) {
    if (spins < 64) {
      queue::cpu_relax();
    } else {
      std::this_thread::yield();  // the engine thread may share our core
    }
    if (ring_.try_emplace(Event::Fill{}, kind, recv_ns, fill)) return true;
    if ((spins & 15) == 15 && monotonic_ns() >= give_up) break;
  }
  counters_.lost.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void SpiBase::set_rsp(Event& e, const CThostFtdcRspInfoField* info, int request_id, bool is_last) noexcept {
  e.request_id = request_id;
  e.is_last = is_last;
  e.error_id = info != nullptr ? info->ErrorID : 0;
}

namespace {

template <std::size_t N, std::size_t M>
void copy_id(core::FixedString<N>& out, const char (&in)[M]) noexcept {
  out.assign(in, M);
}

void error_text(GbkToUtf8& gbk, const CThostFtdcRspInfoField* info, core::Message& out) noexcept {
  if (info == nullptr) {
    out.clear();
    return;
  }
  gbk.convert(info->ErrorMsg, sizeof info->ErrorMsg, out.data, sizeof out.data);
}

}  // namespace

// ---- trader ---------------------------------------------------------------------------------------------------

void TraderSpi::OnFrontConnected() {
  publish(EventKind::TdConnected, now(), [](Event&) noexcept {});
}

void TraderSpi::OnFrontDisconnected(int nReason) {
  publish(EventKind::TdDisconnected, now(), [nReason](Event& e) noexcept { e.error_id = nReason; });
}

void TraderSpi::OnRspAuthenticate(CThostFtdcRspAuthenticateField*, CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::Authenticated, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    error_text(gbk_, info, e.payload.error.error_msg);
  });
}

void TraderSpi::OnRspUserLogin(CThostFtdcRspUserLoginField* login, CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::LoggedIn, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    if (e.error_id != 0 || login == nullptr) {
      e.has_row = false;
      error_text(gbk_, info, e.payload.error.error_msg);
      return;
    }
    e.payload.login.front_id = login->FrontID;
    e.payload.login.session_id = login->SessionID;
    const std::int64_t max_ref = parse_ref(login->MaxOrderRef, sizeof login->MaxOrderRef);
    e.payload.login.max_order_ref = max_ref < 0 ? 0 : max_ref;
    e.payload.login.trading_day = parse_yyyymmdd(login->TradingDay);
  });
}

void TraderSpi::OnRspSettlementInfoConfirm(CThostFtdcSettlementInfoConfirmField*, CThostFtdcRspInfoField* info, int id,
                                           bool last) {
  publish(EventKind::SettlementConfirmed, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    error_text(gbk_, info, e.payload.error.error_msg);
  });
}

void TraderSpi::insert_error(const CThostFtdcInputOrderField* order, const CThostFtdcRspInfoField* info) noexcept {
  publish(EventKind::OrderInsertError, now(), [&](Event& e) noexcept {
    e.error_id = info != nullptr ? info->ErrorID : -1;
    if (order != nullptr) {
      copy_id(e.payload.insert_error.symbol, order->InstrumentID);
      e.payload.insert_error.order_ref = parse_ref(order->OrderRef, sizeof order->OrderRef);
    } else {
      e.payload.insert_error.symbol.clear();
      e.payload.insert_error.order_ref = -1;
    }
    error_text(gbk_, info, e.payload.insert_error.error_msg);
  });
}

void TraderSpi::OnRspOrderInsert(CThostFtdcInputOrderField* order, CThostFtdcRspInfoField* info, int, bool) {
  insert_error(order, info);
}

void TraderSpi::OnErrRtnOrderInsert(CThostFtdcInputOrderField* order, CThostFtdcRspInfoField* info) {
  insert_error(order, info);
}

void TraderSpi::OnRspOrderAction(CThostFtdcInputOrderActionField* action, CThostFtdcRspInfoField* info, int, bool) {
  publish(EventKind::OrderActionError, now(), [&](Event& e) noexcept {
    e.error_id = info != nullptr ? info->ErrorID : -1;
    auto& p = e.payload.action_error;
    if (action != nullptr) {
      copy_id(p.symbol, action->InstrumentID);
      copy_id(p.exchange, action->ExchangeID);
      copy_id(p.order_sys_id, action->OrderSysID);
      p.front_id = action->FrontID;
      p.session_id = action->SessionID;
      p.order_ref = parse_ref(action->OrderRef, sizeof action->OrderRef);
    } else {
      p = core::ActionErrorData{};
      p.order_ref = -1;
    }
    error_text(gbk_, info, p.error_msg);
  });
}

void TraderSpi::OnErrRtnOrderAction(CThostFtdcOrderActionField* action, CThostFtdcRspInfoField* info) {
  publish(EventKind::OrderActionError, now(), [&](Event& e) noexcept {
    e.error_id = info != nullptr ? info->ErrorID : -1;
    auto& p = e.payload.action_error;
    if (action != nullptr) {
      copy_id(p.symbol, action->InstrumentID);
      copy_id(p.exchange, action->ExchangeID);
      copy_id(p.order_sys_id, action->OrderSysID);
      p.front_id = action->FrontID;
      p.session_id = action->SessionID;
      p.order_ref = parse_ref(action->OrderRef, sizeof action->OrderRef);
    } else {
      p = core::ActionErrorData{};
      p.order_ref = -1;
    }
    error_text(gbk_, info, p.error_msg);
  });
}

void TraderSpi::order_report(const CThostFtdcOrderField* o, Event& e) noexcept {
  auto& p = e.payload.order;
  copy_id(p.symbol, o->InstrumentID);
  copy_id(p.exchange, o->ExchangeID);
  copy_id(p.order_sys_id, o->OrderSysID);
  p.front_id = o->FrontID;
  p.session_id = o->SessionID;
  p.order_ref = parse_ref(o->OrderRef, sizeof o->OrderRef);
  p.direction = map_direction(o->Direction);
  p.offset = map_offset(o->CombOffsetFlag[0]);
  p.kind = map_order_kind(o->OrderPriceType, o->TimeCondition, o->VolumeCondition);
  p.status = map_order_status(o->OrderStatus);
  // An exchange refusal arrives as OnRtnOrder Canceled + OrderSubmitStatus InsertRejected (§2 Rejects).
  p.exchange_rejected =
      o->OrderSubmitStatus == THOST_FTDC_OSS_InsertRejected && p.status == core::OrderStatus::Cancelled;
  if (p.exchange_rejected) p.status = core::OrderStatus::Rejected;
  p.limit_price = sanitize_price(o->LimitPrice);
  p.volume_total_original = o->VolumeTotalOriginal;
  p.volume_traded = o->VolumeTraded;
  gbk_.convert(o->StatusMsg, sizeof o->StatusMsg, p.status_msg.data, sizeof p.status_msg.data);
}

void TraderSpi::trade_report(const CThostFtdcTradeField* t, Event& e) noexcept {
  auto& p = e.payload.trade;
  copy_id(p.symbol, t->InstrumentID);
  copy_id(p.exchange, t->ExchangeID);
  copy_id(p.trade_id, t->TradeID);
  copy_id(p.order_sys_id, t->OrderSysID);
  p.order_ref = parse_ref(t->OrderRef, sizeof t->OrderRef);
  p.direction = map_direction(t->Direction);
  p.offset = map_offset(t->OffsetFlag);
  p.price = t->Price;
  p.volume = t->Volume;
  p.trade_ms = parse_hhmmss_ms(t->TradeTime, 0);
  p.trade_date = parse_yyyymmdd(t->TradeDate);
}

void TraderSpi::OnRtnOrder(CThostFtdcOrderField* order) {
  if (order == nullptr) return;
  publish(EventKind::OrderReport, now(), [&](Event& e) noexcept { order_report(order, e); });
}

void TraderSpi::OnRtnTrade(CThostFtdcTradeField* trade) {
  if (trade == nullptr) return;
  publish(EventKind::TradeReport, now(), [&](Event& e) noexcept { trade_report(trade, e); });
}

void TraderSpi::OnRspQryOrder(CThostFtdcOrderField* order, CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::OrderReport, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.from_query = true;
    e.has_row = order != nullptr && e.error_id == 0;
    if (e.has_row) order_report(order, e);
  });
}

void TraderSpi::OnRspQryTrade(CThostFtdcTradeField* trade, CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::TradeReport, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.from_query = true;
    e.has_row = trade != nullptr && e.error_id == 0;
    if (e.has_row) trade_report(trade, e);
  });
}

void TraderSpi::OnRspQryInstrument(CThostFtdcInstrumentField* in, CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::InstrumentRow, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.from_query = true;
    e.has_row = in != nullptr && e.error_id == 0;
    if (!e.has_row) return;
    auto& p = e.payload.instrument;
    copy_id(p.symbol, in->InstrumentID);
    copy_id(p.exchange, in->ExchangeID);
    p.price_tick = in->PriceTick;
    p.volume_multiple = in->VolumeMultiple;
    p.max_limit_order_volume = in->MaxLimitOrderVolume;
    p.min_limit_order_volume = in->MinLimitOrderVolume;
    p.product_class = static_cast<std::uint8_t>(in->ProductClass);
    p.is_trading = in->IsTrading != 0;
  });
}

void TraderSpi::OnRspQryInstrumentMarginRate(CThostFtdcInstrumentMarginRateField* r, CThostFtdcRspInfoField* info,
                                             int id, bool last) {
  publish(EventKind::MarginRateRow, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.from_query = true;
    e.has_row = r != nullptr && e.error_id == 0;
    if (!e.has_row) return;
    auto& p = e.payload.margin;
    copy_id(p.symbol, r->InstrumentID);
    p.long_by_money = r->LongMarginRatioByMoney;
    p.long_by_volume = r->LongMarginRatioByVolume;
    p.short_by_money = r->ShortMarginRatioByMoney;
    p.short_by_volume = r->ShortMarginRatioByVolume;
  });
}

void TraderSpi::OnRspQryInstrumentCommissionRate(CThostFtdcInstrumentCommissionRateField* r,
                                                 CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::CommissionRateRow, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.from_query = true;
    e.has_row = r != nullptr && e.error_id == 0;
    if (!e.has_row) return;
    auto& p = e.payload.commission;
    copy_id(p.symbol, r->InstrumentID);
    p.open_by_money = r->OpenRatioByMoney;
    p.open_by_volume = r->OpenRatioByVolume;
    p.close_by_money = r->CloseRatioByMoney;
    p.close_by_volume = r->CloseRatioByVolume;
    p.close_today_by_money = r->CloseTodayRatioByMoney;
    p.close_today_by_volume = r->CloseTodayRatioByVolume;
  });
}

void TraderSpi::OnRspQryInvestorPosition(CThostFtdcInvestorPositionField* r, CThostFtdcRspInfoField* info, int id,
                                         bool last) {
  publish(EventKind::PositionRow, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.from_query = true;
    e.has_row = r != nullptr && e.error_id == 0;
    if (!e.has_row) return;
    auto& p = e.payload.position;
    copy_id(p.symbol, r->InstrumentID);
    p.is_long = r->PosiDirection == THOST_FTDC_PD_Long;
    p.is_today_row = r->PositionDate == THOST_FTDC_PSD_Today;
    p.position = r->Position;
    p.today_position = r->TodayPosition;
    p.yd_position = r->YdPosition;
    p.position_cost = r->PositionCost;
    p.use_margin = r->UseMargin;
    p.pre_settlement_price = sanitize_price(r->PreSettlementPrice);
  });
}

void TraderSpi::OnRspQryTradingAccount(CThostFtdcTradingAccountField* r, CThostFtdcRspInfoField* info, int id,
                                       bool last) {
  publish(EventKind::AccountRow, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.from_query = true;
    e.has_row = r != nullptr && e.error_id == 0;
    if (!e.has_row) return;
    auto& p = e.payload.account;
    p.balance = r->Balance;
    p.available = r->Available;
    p.current_margin = r->CurrMargin;
    p.frozen_margin = r->FrozenMargin;
    p.frozen_commission = r->FrozenCommission;
    p.commission = r->Commission;
    p.close_profit = r->CloseProfit;
    p.position_profit = r->PositionProfit;
  });
}

void TraderSpi::OnRspError(CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::RspError, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    error_text(gbk_, info, e.payload.error.error_msg);
  });
}

void TraderSpi::OnRtnInstrumentStatus(CThostFtdcInstrumentStatusField* s) {
  if (s == nullptr) return;
  publish(EventKind::InstrumentStatus, now(), [&](Event& e) noexcept {
    copy_id(e.payload.status.instrument_or_product, s->InstrumentID);
    copy_id(e.payload.status.exchange, s->ExchangeID);
    e.payload.status.status = static_cast<std::uint8_t>(s->InstrumentStatus);
  });
}

// ---- md ----------------------------------------------------------------------------------------------------------

void MdSpi::OnFrontConnected() {
  publish(EventKind::MdConnected, now(), [](Event&) noexcept {});
}

void MdSpi::OnFrontDisconnected(int nReason) {
  publish(EventKind::MdDisconnected, now(), [nReason](Event& e) noexcept { e.error_id = nReason; });
}

void MdSpi::OnRspUserLogin(CThostFtdcRspUserLoginField* login, CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::MdLoggedIn, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.has_row = login != nullptr && e.error_id == 0;
    if (!e.has_row) {
      error_text(gbk_, info, e.payload.error.error_msg);
      return;
    }
    e.payload.login = core::LoginData{login->FrontID, login->SessionID, 0, parse_yyyymmdd(login->TradingDay)};
  });
}

void MdSpi::OnRspSubMarketData(CThostFtdcSpecificInstrumentField* inst, CThostFtdcRspInfoField* info, int id,
                               bool last) {
  publish(EventKind::MdSubscribed, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    e.has_row = inst != nullptr;
    if (inst != nullptr) {
      copy_id(e.payload.subscription.symbol, inst->InstrumentID);
    } else {
      e.payload.subscription.symbol.clear();
    }
    error_text(gbk_, info, e.payload.subscription.error_msg);
  });
}

void MdSpi::OnRspError(CThostFtdcRspInfoField* info, int id, bool last) {
  publish(EventKind::RspError, now(), [&](Event& e) noexcept {
    set_rsp(e, info, id, last);
    error_text(gbk_, info, e.payload.error.error_msg);
  });
}

void MdSpi::OnRtnDepthMarketData(CThostFtdcDepthMarketDataField* d) {
  const std::int64_t recv_ns = now();  // first thing: the latency budget starts here
  if (d == nullptr) return;
  publish(EventKind::Tick, recv_ns, [d](Event& e) noexcept {
    core::TickData& t = e.payload.tick;
    t.instrument = core::kNoInstrument;
    t.subscribers = 0;
    t.symbol.assign(d->InstrumentID, sizeof d->InstrumentID);
    t.trading_day = parse_yyyymmdd(d->TradingDay);
    t.action_day = parse_yyyymmdd(d->ActionDay);
    t.update_ms = parse_hhmmss_ms(d->UpdateTime, d->UpdateMillisec);
    t.last_price = sanitize_price(d->LastPrice);
    t.pre_settlement_price = sanitize_price(d->PreSettlementPrice);
    t.open_price = sanitize_price(d->OpenPrice);
    t.highest_price = sanitize_price(d->HighestPrice);
    t.lowest_price = sanitize_price(d->LowestPrice);
    t.upper_limit_price = sanitize_price(d->UpperLimitPrice);
    t.lower_limit_price = sanitize_price(d->LowerLimitPrice);
    t.average_price = sanitize_price(d->AveragePrice);
    t.turnover = sanitize_price(d->Turnover);
    t.open_interest = sanitize_price(d->OpenInterest);
    t.volume = d->Volume;
    t.bid_price[0] = sanitize_price(d->BidPrice1);
    t.bid_price[1] = sanitize_price(d->BidPrice2);
    t.bid_price[2] = sanitize_price(d->BidPrice3);
    t.bid_price[3] = sanitize_price(d->BidPrice4);
    t.bid_price[4] = sanitize_price(d->BidPrice5);
    t.ask_price[0] = sanitize_price(d->AskPrice1);
    t.ask_price[1] = sanitize_price(d->AskPrice2);
    t.ask_price[2] = sanitize_price(d->AskPrice3);
    t.ask_price[3] = sanitize_price(d->AskPrice4);
    t.ask_price[4] = sanitize_price(d->AskPrice5);
    t.bid_volume[0] = d->BidVolume1;
    t.bid_volume[1] = d->BidVolume2;
    t.bid_volume[2] = d->BidVolume3;
    t.bid_volume[3] = d->BidVolume4;
    t.bid_volume[4] = d->BidVolume5;
    t.ask_volume[0] = d->AskVolume1;
    t.ask_volume[1] = d->AskVolume2;
    t.ask_volume[2] = d->AskVolume3;
    t.ask_volume[3] = d->AskVolume4;
    t.ask_volume[4] = d->AskVolume5;
  });
}

}  // namespace shandian::ctp
