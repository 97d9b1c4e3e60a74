// One md-side callback, queued by the front (feed thread, request threads) and delivered to a
// CThostFtdcMdSpi by the md library's callback thread. Plain data, like TraderMessage.
#pragma once

#include <cstdint>
#include <cstring>

#include "ThostFtdcUserApiStruct.h"
#include "sim/api/callback_queue.hpp"

namespace shandian::sim {

struct MdMessage {
  enum class Kind : std::uint8_t {
    FrontConnected,
    FrontDisconnected,    // reason
    RspUserLogin,         // body.login
    RspUserLogout,        // body.logout
    RspError,             // rsp_info
    RspSubMarketData,     // body.instrument; instrument_index (-1: unknown instrument)
    RspUnSubMarketData,   // body.instrument; instrument_index
    RspSubForQuoteRsp,    // body.instrument
    RspUnSubForQuoteRsp,  // body.instrument
    RtnDepthMarketData,   // body.tick; instrument_index
  };
  Kind kind = Kind::FrontConnected;
  bool is_last = true;
  bool has_rsp_info = false;
  int request_id = 0;
  int reason = 0;
  int instrument_index = -1;
  // rsp_info and body are not zero-initialised on purpose: a tick overwrites the body whole and has no
  // rsp_info; every other producer clears both first (clear_body). Zeroing them per queued tick was ~5% of
  // the feed thread.
  CThostFtdcRspInfoField rsp_info;
  union Body {
    CThostFtdcDepthMarketDataField tick;
    CThostFtdcSpecificInstrumentField instrument;
    CThostFtdcRspUserLoginField login;
    CThostFtdcUserLogoutField logout;
  } body;

  void clear_body() noexcept {
    std::memset(static_cast<void*>(&body), 0, sizeof(body));
    std::memset(static_cast<void*>(&rsp_info), 0, sizeof(rsp_info));
  }
};

using MdQueue = CallbackQueue<MdMessage>;

}  // namespace shandian::sim
