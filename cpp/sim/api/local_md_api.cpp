// libthostmduserapi_se.so of the local front: CThostFtdcMdApi over the shared front instance's feed.
//
// Md sessions live here, not in the exchange core: ReqUserLogin does not validate credentials (as
// production md fronts), SubscribeMarketData answers one OnRspSubMarketData per instrument (bIsLast on the
// last one of the call) and then pushes the latest snapshot, if any, followed by every new one. Ticks carry
// an empty ExchangeID, as the ordinary md front (ctp-semantics §3). Subscriptions belong to the session:
// a new connection starts with none (re-login, re-subscribe).
//
// Unknown instruments get ErrorID 0, like a real md front (a subscription is only a filter there; it
// never validates the instrument), and then never tick; the md library prints a one-line notice on stderr
// so a typo is visible.
#pragma GCC visibility push(default)
#include "ThostFtdcMdApi.h"
#pragma GCC visibility pop

#include <atomic>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "sim/api/api_common.hpp"
#include "sim/api/flow_file.hpp"
#include "sim/api/front_instance.hpp"
#include "sim/api/gbk.hpp"

namespace shandian::sim {
namespace {

constexpr std::size_t kMdBackpressureDepth = 16384;  // speed=0: the feed waits when a consumer lags this much

class LocalMdApi final : public CThostFtdcMdApi {
 public:
  explicit LocalMdApi(const char* flow_path) : flow_prefix_(flow_path ? flow_path : "") {}

  void Release() override {
    if (thread_.joinable() && std::this_thread::get_id() == thread_.get_id()) {
      // From inside a callback (the vendor crashes): deferred to the callback thread, see the trader library.
      release_from_callback_.store(true, std::memory_order_release);  // release: pairs with stopping()
      return;
    }
    shutdown();
    if (thread_.joinable()) thread_.join();
    finish_and_delete();
  }

  void Init() override {
    if (initialized_) return;
    initialized_ = true;
    if (fronts_.empty()) {
      fail_init("shandian local front: Init() without RegisterFront (register local://NAME?... or tcp://...)");
      return;
    }
    AddressParse parsed = resolve_registered(fronts_.front());
    if (!parsed.ok()) {
      fail_init(parsed.error.message);
      return;
    }
    StartFailure failure;
    front_ = FrontInstance::acquire(*parsed.address, failure);
    if (!front_) {
      refuse_logins(failure);
      return;
    }
    trading_day_ = front_->trading_day();
    std::string error;
    if (!flow_.open(flow_prefix_, false, trading_day_, error)) {
      front_.reset();
      fail_init("shandian local front (md): " + error);
      return;
    }
    const bool backpressure = front_->config().speed <= 0;
    queue_ = std::make_shared<MdQueue>(parsed.address->wait, backpressure ? kMdBackpressureDepth : 0);
    thread_ = std::thread([this] { callback_loop(); });
    std::lock_guard lock(front_->mutex());
    connected_ = true;
    queue_->push_with([](MdMessage& m) {
      m.clear_body();
      m.kind = MdMessage::Kind::FrontConnected;
    });
  }

  int Join() override {
    std::shared_ptr<JoinState> state = join_state_;
    state->wait();
    return 0;
  }

  const char* GetTradingDay() override { return trading_day_.c_str(); }
  void RegisterFront(char* address) override {
    if (address != nullptr && !initialized_) fronts_.emplace_back(address);
  }
  void RegisterNameServer(char* address) override {
    report_error(std::string("shandian local front: RegisterNameServer(") + (address ? address : "") +
                 ") is not supported; use RegisterFront(\"local://NAME?...\") (ignored)");
  }
  void RegisterFensUserInfo(CThostFtdcFensUserInfoField*) override {}
  void RegisterSpi(CThostFtdcMdSpi* spi) override {
    spi_.store(spi, std::memory_order_release);  // release/acquire: the callback thread sees a complete Spi
  }

  int SubscribeMarketData(char* ids[], int count) override { return subscription(ids, count, true); }
  int UnSubscribeMarketData(char* ids[], int count) override { return subscription(ids, count, false); }

  // Quote requests (询价) are an options-market-maker feature the local front does not produce: the
  // subscription is acknowledged (ErrorID 0) and no OnRtnForQuoteRsp ever follows.
  int SubscribeForQuoteRsp(char* ids[], int count) override { return for_quote(ids, count, true); }
  int UnSubscribeForQuoteRsp(char* ids[], int count) override { return for_quote(ids, count, false); }

  int ReqUserLogin(CThostFtdcReqUserLoginField* req, int id) override {
    if (req != nullptr && !refusal_.empty()) {
      queue_->push_with([&](MdMessage& m) {
        m.clear_body();
        m.kind = MdMessage::Kind::RspUserLogin;
        m.request_id = id;
        m.has_rsp_info = true;
        set_rsp_info(m.rsp_info, kErrNotInited, refusal_);
      });
      return 0;
    }
    if (req == nullptr || !front_) return -1;
    std::lock_guard lock(front_->mutex());
    if (!connected_) return -1;
    session_id_ = front_->next_md_session();
    logged_in_ = true;
    const std::int64_t ns = front_->core().now_exchange_ns();
    queue_->push_with([&](MdMessage& m) {
      m.clear_body();
      m.kind = MdMessage::Kind::RspUserLogin;
      m.request_id = id;
      m.has_rsp_info = true;
      set_rsp_info(m.rsp_info, 0, "CTP:正确");
      auto& l = m.body.login;
      copy_field(l.TradingDay, trading_day_);
      format_time(ns, l.LoginTime);
      std::memcpy(l.BrokerID, req->BrokerID, sizeof(l.BrokerID));
      std::memcpy(l.UserID, req->UserID, sizeof(l.UserID));
      copy_field(l.SystemName, "shandian");
      l.FrontID = 1;
      l.SessionID = session_id_;
      copy_field(l.MaxOrderRef, "");
      for (char* t : {l.SHFETime, l.DCETime, l.CZCETime, l.FFEXTime, l.INETime, l.GFEXTime}) format_time(ns, t);
    });
    return 0;
  }

  int ReqUserLogout(CThostFtdcUserLogoutField* req, int id) override {
    if (req == nullptr || !front_) return -1;
    std::lock_guard lock(front_->mutex());
    if (!connected_) return -1;
    logged_in_ = false;
    front_->md_remove(queue_.get());
    queue_->push_with([&](MdMessage& m) {
      m.clear_body();
      m.kind = MdMessage::Kind::RspUserLogout;
      m.request_id = id;
      m.has_rsp_info = true;
      set_rsp_info(m.rsp_info, 0, "CTP:正确");
      std::memcpy(&m.body.logout, req, sizeof(*req));
    });
    return 0;
  }

  int ReqQryMulticastInstrument(CThostFtdcQryMulticastInstrumentField*, int id) override {
    if (!queue_) return -1;
    queue_->push_with([&](MdMessage& m) {
      m.clear_body();
      m.kind = MdMessage::Kind::RspError;
      m.request_id = id;
      m.has_rsp_info = true;
      set_rsp_info(m.rsp_info, kErrUnsupported, "CTP:不支持的功能");
    });
    return 0;
  }

 private:
  static void format_time(std::int64_t exchange_ns, char* out) {
    const std::int64_t sec = exchange_ns / 1'000'000'000;
    const int s = static_cast<int>(((sec % 86400) + 86400) % 86400);
    std::snprintf(out, 9, "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }

  int subscription(char* ids[], int count, bool subscribe) {
    if (!front_ || ids == nullptr || count <= 0) return -1;
    std::lock_guard lock(front_->mutex());
    if (!connected_) return -1;
    for (int i = 0; i < count; ++i) {
      const char* name = ids[i] ? ids[i] : "";
      const int idx = front_->core().instrument_index(name);
      queue_->push_with([&](MdMessage& m) {
        m.clear_body();
        m.kind = subscribe ? MdMessage::Kind::RspSubMarketData : MdMessage::Kind::RspUnSubMarketData;
        m.is_last = i == count - 1;
        m.has_rsp_info = true;
        m.instrument_index = idx;
        if (logged_in_)
          set_rsp_info(m.rsp_info, 0, "CTP:正确");
        else
          set_rsp_info(m.rsp_info, kErrNotLoggedIn, "CTP:还没有登录");
        copy_field(m.body.instrument.InstrumentID, name);
      });
      if (!logged_in_) continue;
      if (idx < 0) {
        if (subscribe)
          report_error(std::string("shandian local front (md): '") + name + "' is not an instrument of front '" +
                       front_->config().name + "': subscribed (ErrorID 0, as a real md front), no ticks will follow");
        continue;
      }
      if (subscribe)
        front_->md_subscribe(queue_, idx);  // queues the latest snapshot after the response
      else
        front_->md_unsubscribe(queue_.get(), idx);
    }
    // The exchange clock starts with the first subscription or trader login.
    if (subscribe && logged_in_) front_->start_feed();
    return 0;
  }

  int for_quote(char* ids[], int count, bool subscribe) {
    if (!front_ || ids == nullptr || count <= 0) return -1;
    std::lock_guard lock(front_->mutex());
    if (!connected_) return -1;
    for (int i = 0; i < count; ++i) {
      queue_->push_with([&](MdMessage& m) {
        m.clear_body();
        m.kind = subscribe ? MdMessage::Kind::RspSubForQuoteRsp : MdMessage::Kind::RspUnSubForQuoteRsp;
        m.is_last = i == count - 1;
        m.has_rsp_info = true;
        set_rsp_info(m.rsp_info, 0, "CTP:正确");
        copy_field(m.body.instrument.InstrumentID, ids[i] ? ids[i] : "");
      });
    }
    return 0;
  }

  // The instance could not start: reachable, every login refused with 7 NOT_INITED and the reason (see
  // the trader library).
  void refuse_logins(const StartFailure& failure) {
    report_error(failure.message);
    refusal_ = failure.reason.empty() ? failure.message : failure.reason;
    queue_ = std::make_shared<MdQueue>(WaitStrategy::Block);
    queue_->push_with([](MdMessage& m) {
      m.clear_body();
      m.kind = MdMessage::Kind::FrontConnected;
    });
    thread_ = std::thread([this] { callback_loop(); });
  }

  void fail_init(const std::string& why) {
    report_error(why);
    queue_ = std::make_shared<MdQueue>(WaitStrategy::Block);
    queue_->push_with([](MdMessage& m) {
      m.clear_body();
      m.kind = MdMessage::Kind::FrontDisconnected;
      m.reason = kDisconnectReadFail;
    });
    thread_ = std::thread([this] { callback_loop(); });
  }

  [[nodiscard]] bool stopping() const noexcept {
    // acquire: pairs with the release stores in shutdown() / Release().
    return stopping_.load(std::memory_order_acquire) || release_from_callback_.load(std::memory_order_acquire);
  }

  void callback_loop() {
    std::vector<MdMessage> batch;
    while (!stopping()) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      if (queue_->take(batch, deadline) == 0) continue;
      for (MdMessage& m : batch) {
        if (stopping()) break;
        deliver(m);
        if (release_from_callback_.load(std::memory_order_acquire)) break;
      }
    }
    if (release_from_callback_.load(std::memory_order_acquire)) {
      thread_.detach();
      shutdown();
      finish_and_delete();
    }
  }

  void deliver(MdMessage& m) {
    // The delivered subscription set, kept by this thread in queue order, filters ticks that raced an
    // unsubscribe (queued by the feed before the instance saw the unsubscribe).
    const auto idx = m.instrument_index;
    switch (m.kind) {
      case MdMessage::Kind::RtnDepthMarketData:
        if (idx < 0 || static_cast<std::size_t>(idx) >= delivered_subs_.size() ||
            !delivered_subs_[static_cast<std::size_t>(idx)]) {
          ++filtered_ticks_;
          return;
        }
        break;
      case MdMessage::Kind::RspSubMarketData:
      case MdMessage::Kind::RspUnSubMarketData:
        if (idx >= 0 && m.rsp_info.ErrorID == 0) {
          if (delivered_subs_.size() <= static_cast<std::size_t>(idx))
            delivered_subs_.resize(static_cast<std::size_t>(idx) + 1);
          delivered_subs_[static_cast<std::size_t>(idx)] = m.kind == MdMessage::Kind::RspSubMarketData;
        }
        break;
      case MdMessage::Kind::FrontDisconnected:
      case MdMessage::Kind::RspUserLogout: delivered_subs_.assign(delivered_subs_.size(), false); break;
      default: break;
    }
    CThostFtdcMdSpi* spi = spi_.load(std::memory_order_acquire);  // acquire: see RegisterSpi
    if (spi == nullptr) return;
    CThostFtdcRspInfoField* info = m.has_rsp_info ? &m.rsp_info : nullptr;
    switch (m.kind) {
      case MdMessage::Kind::FrontConnected: spi->OnFrontConnected(); break;
      case MdMessage::Kind::FrontDisconnected: spi->OnFrontDisconnected(m.reason); break;
      case MdMessage::Kind::RspUserLogin: spi->OnRspUserLogin(&m.body.login, info, m.request_id, m.is_last); break;
      case MdMessage::Kind::RspUserLogout: spi->OnRspUserLogout(&m.body.logout, info, m.request_id, m.is_last); break;
      case MdMessage::Kind::RspError: spi->OnRspError(info, m.request_id, m.is_last); break;
      case MdMessage::Kind::RspSubMarketData:
        spi->OnRspSubMarketData(&m.body.instrument, info, m.request_id, m.is_last);
        break;
      case MdMessage::Kind::RspUnSubMarketData:
        spi->OnRspUnSubMarketData(&m.body.instrument, info, m.request_id, m.is_last);
        break;
      case MdMessage::Kind::RspSubForQuoteRsp:
        spi->OnRspSubForQuoteRsp(&m.body.instrument, info, m.request_id, m.is_last);
        break;
      case MdMessage::Kind::RspUnSubForQuoteRsp:
        spi->OnRspUnSubForQuoteRsp(&m.body.instrument, info, m.request_id, m.is_last);
        break;
      case MdMessage::Kind::RtnDepthMarketData: spi->OnRtnDepthMarketData(&m.body.tick); break;
    }
  }

  void shutdown() {
    stopping_.store(true, std::memory_order_release);  // release: see stopping()
    if (front_) {
      std::lock_guard lock(front_->mutex());
      connected_ = false;
      logged_in_ = false;
      front_->md_remove(queue_.get());
    }
    if (queue_) {
      queue_->close();
      queue_->notify_space();
    }
  }

  void finish_and_delete() {
    if (queue_ && std::getenv("SHANDIAN_LOCAL_FRONT_STATS") != nullptr) {
      const QueueStats st = queue_->stats();
      std::fprintf(stderr,
                   "shandian local front (md): queued=%llu max_depth=%llu backpressure_waits=%llu "
                   "filtered_after_unsubscribe=%llu discarded_at_release=%llu\n",
                   static_cast<unsigned long long>(st.pushed), static_cast<unsigned long long>(st.max_depth),
                   static_cast<unsigned long long>(st.backpressure_waits),
                   static_cast<unsigned long long>(filtered_ticks_), static_cast<unsigned long long>(st.discarded));
    }
    std::shared_ptr<JoinState> join = join_state_;
    std::shared_ptr<FrontInstance> front = std::move(front_);
    delete this;
    front.reset();
    join->signal();
  }

  std::string flow_prefix_;
  std::vector<std::string> fronts_;
  bool initialized_ = false;
  std::string refusal_;  // non-empty: the instance could not start (set in Init, then read-only)
  std::string trading_day_;
  FlowFiles flow_;
  std::atomic<CThostFtdcMdSpi*> spi_{nullptr};
  std::shared_ptr<FrontInstance> front_;
  std::shared_ptr<MdQueue> queue_;
  std::thread thread_;
  std::shared_ptr<JoinState> join_state_ = std::make_shared<JoinState>();
  // under front_->mutex()
  bool connected_ = false;
  bool logged_in_ = false;
  int session_id_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> release_from_callback_{false};
  // callback thread only
  std::vector<bool> delivered_subs_;
  std::uint64_t filtered_ticks_ = 0;
};

}  // namespace
}  // namespace shandian::sim

CThostFtdcMdApi* CThostFtdcMdApi::CreateFtdcMdApi(const char* pszFlowPath, const bool /*bIsUsingUdp*/,
                                                  const bool /*bIsMulticast*/, bool /*bIsProductionMode*/) {
  return new shandian::sim::LocalMdApi(pszFlowPath);
}

const char* CThostFtdcMdApi::GetApiVersion() { return shandian::sim::kApiVersion; }
