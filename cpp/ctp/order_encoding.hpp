// Encoding of shandian orders into CTP request structs (ctp-semantics.md §2), shared by the Session and
// the allocation test. Pure functions: no I/O, no heap.
#pragma once

#include <charconv>
#include <cstring>
#include <string_view>

#include "ThostFtdcTraderApi.h"
#include "core/order_manager.hpp"

namespace shandian::ctp {

template <std::size_t N>
inline void put_text(char (&dst)[N], std::string_view text) noexcept {
  const std::size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(dst, text.data(), n);
  dst[n] = '\0';
}

template <std::size_t N>
inline void put_number(char (&dst)[N], std::int64_t value) noexcept {
  const auto r = std::to_chars(dst, dst + N - 1, value);
  *r.ptr = '\0';
}

// The constant fields of every ReqOrderInsert of one account.
inline void prepare_insert_template(CThostFtdcInputOrderField& t, std::string_view broker, std::string_view investor,
                                    std::string_view user) noexcept {
  std::memset(&t, 0, sizeof t);
  put_text(t.BrokerID, broker);
  put_text(t.InvestorID, investor);
  put_text(t.UserID, user);  // without it OnErrRtn* can be missed
  t.CombHedgeFlag[0] = THOST_FTDC_HF_Speculation;
  t.MinVolume = 1;
  t.ContingentCondition = THOST_FTDC_CC_Immediately;
  t.ForceCloseReason = THOST_FTDC_FCC_NotForceClose;
  t.IsAutoSuspend = 0;
  t.UserForceClose = 0;
  t.IsSwapOrder = 0;
}

// Order-type encoding: limit = LimitPrice+GFD+AV; FAK = LimitPrice+IOC+AV; FOK = LimitPrice+IOC+CV;
// market = AnyPrice+IOC+AV with LimitPrice 0.
inline void encode_insert(const CThostFtdcInputOrderField& tmpl, const core::Order& order,
                          CThostFtdcInputOrderField& f) noexcept {
  std::memcpy(&f, &tmpl, sizeof f);
  put_text(f.InstrumentID, order.symbol.view());
  put_text(f.ExchangeID, order.exchange.view());
  put_number(f.OrderRef, order.order_ref);
  f.Direction = order.direction == core::Direction::Buy ? THOST_FTDC_D_Buy : THOST_FTDC_D_Sell;
  switch (order.offset) {
    case core::Offset::Open: f.CombOffsetFlag[0] = THOST_FTDC_OF_Open; break;
    case core::Offset::Close: f.CombOffsetFlag[0] = THOST_FTDC_OF_Close; break;
    case core::Offset::CloseToday: f.CombOffsetFlag[0] = THOST_FTDC_OF_CloseToday; break;
    case core::Offset::CloseYesterday: f.CombOffsetFlag[0] = THOST_FTDC_OF_CloseYesterday; break;
  }
  switch (order.kind) {
    case core::OrderKind::Limit:
      f.OrderPriceType = THOST_FTDC_OPT_LimitPrice;
      f.TimeCondition = THOST_FTDC_TC_GFD;
      f.VolumeCondition = THOST_FTDC_VC_AV;
      break;
    case core::OrderKind::Fak:
      f.OrderPriceType = THOST_FTDC_OPT_LimitPrice;
      f.TimeCondition = THOST_FTDC_TC_IOC;
      f.VolumeCondition = THOST_FTDC_VC_AV;
      break;
    case core::OrderKind::Fok:
      f.OrderPriceType = THOST_FTDC_OPT_LimitPrice;
      f.TimeCondition = THOST_FTDC_TC_IOC;
      f.VolumeCondition = THOST_FTDC_VC_CV;
      break;
    case core::OrderKind::Market:
      f.OrderPriceType = THOST_FTDC_OPT_AnyPrice;
      f.TimeCondition = THOST_FTDC_TC_IOC;
      f.VolumeCondition = THOST_FTDC_VC_AV;
      break;
  }
  f.LimitPrice = order.kind == core::OrderKind::Market ? 0.0 : order.price;
  f.VolumeTotalOriginal = order.volume;
}

// Cancel by ExchangeID + OrderSysID when the exchange assigned one (it survives the session), else by
// FrontID + SessionID + OrderRef.
inline void encode_cancel(const CThostFtdcInputOrderField& tmpl, const core::Order& order, int action_ref,
                          CThostFtdcInputOrderActionField& f) noexcept {
  std::memset(&f, 0, sizeof f);
  std::memcpy(f.BrokerID, tmpl.BrokerID, sizeof f.BrokerID);
  std::memcpy(f.InvestorID, tmpl.InvestorID, sizeof f.InvestorID);
  std::memcpy(f.UserID, tmpl.UserID, sizeof f.UserID);
  put_text(f.InstrumentID, order.symbol.view());
  put_text(f.ExchangeID, order.exchange.view());
  f.ActionFlag = THOST_FTDC_AF_Delete;
  f.OrderActionRef = action_ref;
  if (!order.order_sys_id.empty()) {
    put_text(f.OrderSysID, order.order_sys_id.view());
  } else {
    f.FrontID = order.front_id;
    f.SessionID = order.session_id;
    put_number(f.OrderRef, order.order_ref);
  }
}

}  // namespace shandian::ctp
