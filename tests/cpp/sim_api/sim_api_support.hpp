// Test support for the local front's CTP libraries: loads them from the build tree with
// shandian::ctp::LibraryPair and records Spi callbacks behind a mutex + condition variable, so tests wait
// with bounded timeouts on what they expect (never bare sleeps).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ThostFtdcMdApi.h"
#include "ThostFtdcTraderApi.h"
#include "ctp/library.hpp"

#ifndef SHANDIAN_LOCAL_LIB_DIR
#error "SHANDIAN_LOCAL_LIB_DIR must name the build directory of the local front libraries"
#endif

namespace sim_test {

using namespace std::chrono_literals;

inline const shandian::ctp::LibraryPair& libraries() {
  static const shandian::ctp::LibraryPair pair(SHANDIAN_LOCAL_LIB_DIR);  // test-binary-only state
  return pair;
}

// A fresh flow directory per API (the vendor requires it to exist); returned with a trailing '/'.
inline std::string make_flow_dir(const std::string& tag) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("shandian-sim-api-" + std::to_string(::getpid()) + "-" + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string() + "/";
}

// Shared recorder: the Spi threads write, the test thread waits.
class Recorder {
 public:
  template <class F>
  void update(F&& f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    cv_.notify_all();
  }
  // Waits up to `timeout` for pred() (evaluated under the lock).
  template <class Pred>
  bool wait(Pred&& pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, pred);
  }
  template <class F>
  auto read(F&& f) {
    std::lock_guard lock(mutex_);
    return f();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
};

struct TraderSpi : CThostFtdcTraderSpi {
  Recorder rec;
  int connected = 0;
  int disconnected = 0;
  int last_disconnect_reason = 0;
  int auth_ok = 0;
  int login_ok = 0;
  int login_errors = 0;
  int confirm_ok = 0;
  int last_session_id = 0;
  int front_id = 0;
  std::string max_order_ref;
  std::string trading_day;
  std::vector<CThostFtdcOrderField> orders;
  std::vector<CThostFtdcTradeField> trades;
  std::vector<std::pair<int, int>> rsp_errors;        // (ErrorID, request id)
  std::vector<std::string> rsp_error_texts;           // raw GBK bytes
  std::vector<std::pair<int, std::string>> refusals;  // authentication / login errors (ErrorID, raw GBK)
  std::vector<int> rsp_order_insert_errors;
  std::vector<int> rsp_order_action_errors;  // OnRspOrderAction: only refused cancels
  std::map<int, int> query_last;             // request id -> count of is_last responses
  int instrument_status = 0;
  int callbacks = 0;
  std::function<void()> on_connected_hook;  // runs on the callback thread

  void OnFrontConnected() override {
    rec.update([&] {
      ++connected;
      ++callbacks;
    });
    if (on_connected_hook) on_connected_hook();
  }
  void OnFrontDisconnected(int reason) override {
    rec.update([&] {
      ++disconnected;
      last_disconnect_reason = reason;
      ++callbacks;
    });
  }
  void OnRspAuthenticate(CThostFtdcRspAuthenticateField*, CThostFtdcRspInfoField* info, int, bool) override {
    rec.update([&] {
      if (!info || info->ErrorID == 0)
        ++auth_ok;
      else
        refusals.emplace_back(info->ErrorID, info->ErrorMsg);
      ++callbacks;
    });
  }
  void OnRspUserLogin(CThostFtdcRspUserLoginField* f, CThostFtdcRspInfoField* info, int, bool) override {
    rec.update([&] {
      ++callbacks;
      if ((!info || info->ErrorID == 0) && f) {
        ++login_ok;
        last_session_id = f->SessionID;
        front_id = f->FrontID;
        max_order_ref = f->MaxOrderRef;
        trading_day = f->TradingDay;
      } else {
        ++login_errors;
        if (info) refusals.emplace_back(info->ErrorID, info->ErrorMsg);
      }
    });
  }
  void OnRspSettlementInfoConfirm(CThostFtdcSettlementInfoConfirmField*, CThostFtdcRspInfoField* info, int,
                                  bool) override {
    rec.update([&] {
      if (!info || info->ErrorID == 0) ++confirm_ok;
      ++callbacks;
    });
  }
  void OnRspQrySettlementInfoConfirm(CThostFtdcSettlementInfoConfirmField*, CThostFtdcRspInfoField*, int id,
                                     bool last) override {
    rec.update([&] {
      if (last) ++query_last[id];
      ++callbacks;
    });
  }
  void OnRspQryInstrument(CThostFtdcInstrumentField*, CThostFtdcRspInfoField*, int id, bool last) override {
    rec.update([&] {
      if (last) ++query_last[id];
      ++callbacks;
    });
  }
  void OnRspQryTradingAccount(CThostFtdcTradingAccountField*, CThostFtdcRspInfoField*, int id, bool last) override {
    rec.update([&] {
      if (last) ++query_last[id];
      ++callbacks;
    });
  }
  void OnRspError(CThostFtdcRspInfoField* info, int id, bool) override {
    rec.update([&] {
      ++callbacks;
      rsp_errors.emplace_back(info ? info->ErrorID : -1, id);
      rsp_error_texts.emplace_back(info ? info->ErrorMsg : "");
    });
  }
  void OnRspOrderInsert(CThostFtdcInputOrderField*, CThostFtdcRspInfoField* info, int, bool) override {
    rec.update([&] {
      rsp_order_insert_errors.push_back(info ? info->ErrorID : -1);
      ++callbacks;
    });
  }
  void OnRspOrderAction(CThostFtdcInputOrderActionField*, CThostFtdcRspInfoField* info, int, bool) override {
    rec.update([&] {
      rsp_order_action_errors.push_back(info ? info->ErrorID : -1);
      ++callbacks;
    });
  }
  void OnRtnOrder(CThostFtdcOrderField* o) override {
    rec.update([&] {
      orders.push_back(*o);
      ++callbacks;
    });
  }
  void OnRtnTrade(CThostFtdcTradeField* t) override {
    rec.update([&] {
      trades.push_back(*t);
      ++callbacks;
    });
  }
  void OnRtnInstrumentStatus(CThostFtdcInstrumentStatusField*) override {
    rec.update([&] {
      ++instrument_status;
      ++callbacks;
    });
  }

  // The last OnRtnOrder of an OrderRef with the given status, if any (call under rec.read/wait).
  bool has_status(const std::string& ref, char status) const {
    for (const auto& o : orders)
      if (ref == o.OrderRef && o.OrderStatus == status) return true;
    return false;
  }
};

struct MdSpi : CThostFtdcMdSpi {
  Recorder rec;
  int connected = 0;
  int disconnected = 0;
  int login_ok = 0;
  int sub_ok = 0;
  int sub_responses = 0;
  int unsub_responses = 0;
  std::vector<std::string> sub_instruments;
  std::map<std::string, int> ticks_by_instrument;
  CThostFtdcDepthMarketDataField first_tick{};
  CThostFtdcDepthMarketDataField last_tick{};
  bool exchange_id_empty = true;
  long long ticks = 0;
  std::vector<std::pair<int, std::string>> refusals;  // login errors (ErrorID, raw GBK)

  void OnFrontConnected() override {
    rec.update([&] { ++connected; });
  }
  void OnFrontDisconnected(int) override {
    rec.update([&] { ++disconnected; });
  }
  void OnRspUserLogin(CThostFtdcRspUserLoginField*, CThostFtdcRspInfoField* info, int, bool) override {
    rec.update([&] {
      if (!info || info->ErrorID == 0)
        ++login_ok;
      else
        refusals.emplace_back(info->ErrorID, info->ErrorMsg);
    });
  }
  void OnRspSubMarketData(CThostFtdcSpecificInstrumentField* f, CThostFtdcRspInfoField* info, int, bool) override {
    rec.update([&] {
      ++sub_responses;
      if (!info || info->ErrorID == 0) ++sub_ok;
      sub_instruments.emplace_back(f ? f->InstrumentID : "");
    });
  }
  void OnRspUnSubMarketData(CThostFtdcSpecificInstrumentField*, CThostFtdcRspInfoField*, int, bool) override {
    rec.update([&] { ++unsub_responses; });
  }
  void OnRtnDepthMarketData(CThostFtdcDepthMarketDataField* t) override {
    rec.update([&] {
      if (ticks++ == 0) first_tick = *t;
      ++ticks_by_instrument[t->InstrumentID];
      last_tick = *t;
      if (t->ExchangeID[0] != '\0') exchange_id_empty = false;
    });
  }
};

inline void fill(char* dst, std::size_t n, const std::string& s) {
  std::memset(dst, 0, n);
  std::memcpy(dst, s.data(), std::min(s.size(), n - 1));
}
#define SIM_FILL(field, value) ::sim_test::fill(field, sizeof(field), value)

inline CThostFtdcInputOrderField limit_order(const std::string& instrument, const std::string& exchange,
                                             const std::string& ref, char direction, double price, int volume) {
  CThostFtdcInputOrderField o{};
  SIM_FILL(o.BrokerID, "9999");
  SIM_FILL(o.InvestorID, "000001");
  SIM_FILL(o.UserID, "000001");
  SIM_FILL(o.InstrumentID, instrument);
  SIM_FILL(o.ExchangeID, exchange);
  SIM_FILL(o.OrderRef, ref);
  o.OrderPriceType = THOST_FTDC_OPT_LimitPrice;
  o.Direction = direction;
  o.CombOffsetFlag[0] = THOST_FTDC_OF_Open;
  o.CombHedgeFlag[0] = THOST_FTDC_HF_Speculation;
  o.LimitPrice = price;
  o.VolumeTotalOriginal = volume;
  o.TimeCondition = THOST_FTDC_TC_GFD;
  o.VolumeCondition = THOST_FTDC_VC_AV;
  o.MinVolume = 1;
  o.ContingentCondition = THOST_FTDC_CC_Immediately;
  o.ForceCloseReason = THOST_FTDC_FCC_NotForceClose;
  return o;
}

// Connect → authenticate → login → confirm settlement, with bounded waits. Returns false on a timeout.
inline bool trader_session(CThostFtdcTraderApi* api, TraderSpi& spi, int& request_id) {
  if (!spi.rec.wait([&] { return spi.connected > spi.login_ok; })) return false;
  const int logins_before = spi.rec.read([&] { return spi.login_ok; });
  const int auth_before = spi.rec.read([&] { return spi.auth_ok; });
  CThostFtdcReqAuthenticateField auth{};
  SIM_FILL(auth.BrokerID, "9999");
  SIM_FILL(auth.UserID, "000001");
  SIM_FILL(auth.AppID, "shandian_test");
  SIM_FILL(auth.AuthCode, "0000000000000000");
  if (api->ReqAuthenticate(&auth, ++request_id) != 0) return false;
  if (!spi.rec.wait([&] { return spi.auth_ok > auth_before; })) return false;
  CThostFtdcReqUserLoginField login{};
  SIM_FILL(login.BrokerID, "9999");
  SIM_FILL(login.UserID, "000001");
  SIM_FILL(login.Password, "secret");
  if (api->ReqUserLogin(&login, ++request_id) != 0) return false;
  if (!spi.rec.wait([&] { return spi.login_ok > logins_before; })) return false;
  const int confirms = spi.rec.read([&] { return spi.confirm_ok; });
  CThostFtdcSettlementInfoConfirmField confirm{};
  SIM_FILL(confirm.BrokerID, "9999");
  SIM_FILL(confirm.InvestorID, "000001");
  if (api->ReqSettlementInfoConfirm(&confirm, ++request_id) != 0) return false;
  return spi.rec.wait([&] { return spi.confirm_ok > confirms; });
}

// A trader API on `address` with its own Spi and flow directory, released at scope exit (or by release()).
struct Trader {
  TraderSpi spi;
  CThostFtdcTraderApi* api = nullptr;
  int request_id = 0;
  Trader(const std::string& address, const std::string& flow, THOST_TE_RESUME_TYPE priv = THOST_TERT_QUICK,
         THOST_TE_RESUME_TYPE pub = THOST_TERT_NONE) {
    api = libraries().create_trader(flow.c_str());
    api->RegisterSpi(&spi);
    api->SubscribePrivateTopic(priv);
    api->SubscribePublicTopic(pub);
    api->RegisterFront(const_cast<char*>(address.c_str()));
    api->Init();
  }
  ~Trader() {
    if (api != nullptr) api->Release();
  }
  void release() {
    api->Release();
    api = nullptr;
  }
  Trader(const Trader&) = delete;
  Trader& operator=(const Trader&) = delete;
};

// Registers `spi` and `address` on an md API and waits for OnFrontConnected. False on a timeout.
inline bool md_connect(CThostFtdcMdApi* md, MdSpi& spi, const std::string& address) {
  md->RegisterSpi(&spi);
  md->RegisterFront(const_cast<char*>(address.c_str()));
  md->Init();
  return spi.rec.wait([&] { return spi.connected == 1; });
}

// Logs an md API in (md fronts check no credentials) and subscribes `instruments`. False on a timeout or
// a refused login.
inline bool md_login_subscribe(CThostFtdcMdApi* md, MdSpi& spi, const std::vector<std::string>& instruments) {
  CThostFtdcReqUserLoginField login{};
  SIM_FILL(login.BrokerID, "9999");
  SIM_FILL(login.UserID, "000001");
  if (md->ReqUserLogin(&login, 1) != 0 || !spi.rec.wait([&] { return spi.login_ok == 1; })) return false;
  std::vector<char*> ids;
  for (const std::string& id : instruments) ids.push_back(const_cast<char*>(id.c_str()));
  return md->SubscribeMarketData(ids.data(), static_cast<int>(ids.size())) == 0;
}

}  // namespace sim_test
