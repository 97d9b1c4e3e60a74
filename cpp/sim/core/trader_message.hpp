// One trader-side callback, produced by the exchange core and delivered to a CThostFtdcTraderSpi by the
// trader library's callback thread. Plain data: CTP structs are POD, so one union holds any body.
#pragma once

#include <cstdint>

#include "ThostFtdcUserApiStruct.h"

namespace shandian::sim {

enum class TraderCallback : std::uint8_t {
  FrontConnected,
  FrontDisconnected,               // reason
  RspError,                        // rsp_info, request_id
  RspAuthenticate,                 // body.rsp_authenticate
  RspUserLogin,                    // body.rsp_user_login
  RspUserLogout,                   // body.user_logout
  RspSettlementInfoConfirm,        // body.settlement_info_confirm
  RspQrySettlementInfoConfirm,     // body.settlement_info_confirm (has_body=false: not confirmed today)
  RspQrySettlementInfo,            // body.settlement_info (possibly several, is_last on the final one)
  RspOrderInsert,                  // body.input_order (CTP-layer reject)
  ErrRtnOrderInsert,               // body.input_order (private stream)
  RspOrderAction,                  // body.input_order_action (cancel reject)
  ErrRtnOrderAction,               // body.order_action (private stream)
  RtnOrder,                        // body.order (private stream)
  RtnTrade,                        // body.trade (private stream)
  RtnInstrumentStatus,             // body.instrument_status (public stream)
  RspQryInstrument,                // body.instrument
  RspQryInstrumentMarginRate,      // body.margin_rate
  RspQryInstrumentCommissionRate,  // body.commission_rate
  RspQryInvestorPosition,          // body.position
  RspQryInvestorPositionDetail,    // body.position_detail
  RspQryTradingAccount,            // body.trading_account
  RspQryOrder,                     // body.order
  RspQryTrade,                     // body.trade
  RspQryDepthMarketData,           // body.depth_market_data
  RspQryExchange,                  // body.exchange
  RspQryProduct,                   // body.product
  RspQryInvestor,                  // body.investor
};

struct TraderMessage {
  TraderCallback kind = TraderCallback::FrontConnected;
  int request_id = 0;
  bool is_last = true;
  bool has_body = true;       // false → the Spi receives a null body pointer (e.g. an empty query)
  bool has_rsp_info = false;  // false → null pRspInfo
  int reason = 0;             // OnFrontDisconnected nReason
  // Private/public stream sequence number (1-based, per trading day), 0 for dialog/query responses.
  // The trader library persists the highest one it delivered so RESUME can continue from it.
  int stream_seq = 0;
  CThostFtdcRspInfoField rsp_info{};
  union Body {
    CThostFtdcRspAuthenticateField rsp_authenticate;
    CThostFtdcRspUserLoginField rsp_user_login;
    CThostFtdcUserLogoutField user_logout;
    CThostFtdcSettlementInfoConfirmField settlement_info_confirm;
    CThostFtdcSettlementInfoField settlement_info;
    CThostFtdcInputOrderField input_order;
    CThostFtdcInputOrderActionField input_order_action;
    CThostFtdcOrderActionField order_action;
    CThostFtdcOrderField order;
    CThostFtdcTradeField trade;
    CThostFtdcInstrumentStatusField instrument_status;
    CThostFtdcInstrumentField instrument;
    CThostFtdcInstrumentMarginRateField margin_rate;
    CThostFtdcInstrumentCommissionRateField commission_rate;
    CThostFtdcInvestorPositionField position;
    CThostFtdcInvestorPositionDetailField position_detail;
    CThostFtdcTradingAccountField trading_account;
    CThostFtdcDepthMarketDataField depth_market_data;
    CThostFtdcExchangeField exchange;
    CThostFtdcProductField product;
    CThostFtdcInvestorField investor;
  } body{};
};

}  // namespace shandian::sim
