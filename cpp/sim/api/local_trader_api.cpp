// libthosttraderapi_se.so of the local front: CThostFtdcTraderApi over an in-process ExchangeCore.
//
// Threads: requests run on the caller's thread and call the core under the front instance's lock; the core
// pushes TraderMessages into this API's CallbackQueue (its TraderSink); one callback thread per API drains
// the queue and calls the Spi, as the vendor's worker thread does. Release() from any non-callback thread
// disconnects, closes the queue, joins the thread and frees everything. Release() from inside a callback
// (the vendor crashes) is detected and deferred: the callback thread tears down after the callback returns.
#pragma GCC visibility push(default)
#include "ThostFtdcTraderApi.h"
#pragma GCC visibility pop

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sim/api/api_common.hpp"
#include "sim/api/callback_queue.hpp"
#include "sim/api/flow_file.hpp"
#include "sim/api/front_instance.hpp"
#include "sim/api/gbk.hpp"

namespace shandian::sim {
namespace {

struct QueuedTraderMessage {
  std::int64_t ready_ns = 0;  // reply_delay_us: not delivered before this steady-clock time (0: at once)
  TraderMessage msg;
};

bool is_query_response(TraderCallback k) noexcept {
  switch (k) {
    case TraderCallback::RspQrySettlementInfoConfirm:
    case TraderCallback::RspQrySettlementInfo:
    case TraderCallback::RspQryInstrument:
    case TraderCallback::RspQryInstrumentMarginRate:
    case TraderCallback::RspQryInstrumentCommissionRate:
    case TraderCallback::RspQryInvestorPosition:
    case TraderCallback::RspQryInvestorPositionDetail:
    case TraderCallback::RspQryTradingAccount:
    case TraderCallback::RspQryOrder:
    case TraderCallback::RspQryTrade:
    case TraderCallback::RspQryDepthMarketData:
    case TraderCallback::RspQryExchange:
    case TraderCallback::RspQryProduct:
    case TraderCallback::RspQryInvestor: return true;
    default: return false;
  }
}

bool is_private_stream(TraderCallback k) noexcept {
  return k == TraderCallback::RtnOrder || k == TraderCallback::RtnTrade || k == TraderCallback::ErrRtnOrderInsert ||
         k == TraderCallback::ErrRtnOrderAction;
}

ResumeType to_resume(THOST_TE_RESUME_TYPE t) noexcept {
  switch (t) {
    case THOST_TERT_RESTART: return ResumeType::Restart;
    case THOST_TERT_RESUME: return ResumeType::Resume;
    case THOST_TERT_QUICK: return ResumeType::Quick;
    case THOST_TERT_NONE: return ResumeType::None;
  }
  return ResumeType::Restart;
}

#define SHANDIAN_UNSUPPORTED(Method, Field) \
  int Method(Field*, int nRequestID) override { return unsupported(nRequestID); }

class LocalTraderApi final : public CThostFtdcTraderApi {
 public:
  explicit LocalTraderApi(const char* flow_path) : flow_prefix_(flow_path ? flow_path : "") {}

  // --- lifecycle ---------------------------------------------------------------------------------------
  void Release() override {
    if (thread_.joinable() && std::this_thread::get_id() == thread_.get_id()) {
      // Called from inside a callback: the vendor crashes here. We defer: the callback thread finishes the
      // teardown (and frees this object) as soon as the current callback returns.
      // release: the callback thread's acquire load then sees everything the caller did before Release.
      release_from_callback_.store(true, std::memory_order_release);
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
    if (!flow_.open(flow_prefix_, true, trading_day_, error)) {
      front_.reset();
      fail_init("shandian local front (trader): " + error);
      return;
    }
    const FrontConfig& cfg = front_->config();
    reply_delay_ns_ = static_cast<std::int64_t>(cfg.reply_delay_us) * 1000;
    query_interval_ns_ = static_cast<std::int64_t>(cfg.query_interval_ms) * 1'000'000;
    disconnect_after_ = cfg.disconnect_after;
    reconnect_ns_ = static_cast<std::int64_t>(cfg.reconnect_ms) * 1'000'000;
    queue_ = std::make_unique<CallbackQueue<QueuedTraderMessage>>(parsed.address->wait);
    private_seq_ = private_type_ == THOST_TERT_RESUME ? flow_.last_seq("Private.con", trading_day_) : 0;
    public_seq_ = public_type_ == THOST_TERT_RESUME ? flow_.last_seq("Public.con", trading_day_) : 0;
    thread_ = std::thread([this] { callback_loop(); });
    std::lock_guard lock(front_->mutex());
    connect_locked(StreamSubscription{to_resume(private_type_), private_seq_},
                   StreamSubscription{to_resume(public_type_), public_seq_});
  }

  // Under the instance lock: connects and records the input (the state log, when the front keeps one).
  void connect_locked(StreamSubscription private_topic, StreamSubscription public_topic) {
    conn_ = front_->core().connect(sink_, private_topic, public_topic);
    const StreamSubscription topics[2] = {private_topic, public_topic};
    front_->record(InputKind::Connect, conn_, 0, topics);
  }

  int Join() override {
    std::shared_ptr<JoinState> state = join_state_;
    state->wait();
    return 0;
  }

  const char* GetTradingDay() override { return trading_day_.c_str(); }

  void GetFrontInfo(CThostFtdcFrontInfoField* info) override {
    if (info == nullptr) return;
    std::memset(info, 0, sizeof(*info));
    if (!fronts_.empty()) copy_field(info->FrontAddr, fronts_.front());
    if (front_) {
      const int interval = front_->config().query_interval_ms;
      info->QryFreq = interval > 0 ? (interval >= 1000 ? 1 : 1000 / interval) : 0;
      info->FTDPkgFreq = front_->config().order_rate_limit;
    }
  }

  void RegisterFront(char* address) override {
    if (address != nullptr && !initialized_) fronts_.emplace_back(address);
  }
  void RegisterNameServer(char* address) override {
    report_error(std::string("shandian local front: RegisterNameServer(") + (address ? address : "") +
                 ") is not supported; use RegisterFront(\"local://NAME?...\") (ignored)");
  }
  void RegisterFensUserInfo(CThostFtdcFensUserInfoField*) override {}
  void RegisterSpi(CThostFtdcTraderSpi* spi) override {
    spi_.store(spi, std::memory_order_release);  // release/acquire: the callback thread sees a complete Spi
  }
  void SubscribePrivateTopic(THOST_TE_RESUME_TYPE type) override { private_type_ = type; }
  void SubscribePublicTopic(THOST_TE_RESUME_TYPE type) override { public_type_ = type; }

  // --- session requests --------------------------------------------------------------------------------
  int ReqAuthenticate(CThostFtdcReqAuthenticateField* f, int id) override {
    if (f != nullptr && !refusal_.empty()) return refuse(TraderCallback::RspAuthenticate, id);
    return f ? request([&](ExchangeCore& c, int conn) {
      front_->record(InputKind::Authenticate, conn, id, *f);
      return c.authenticate(conn, *f, id);
    })
             : -1;
  }
  int RegisterUserSystemInfo(CThostFtdcUserSystemInfoField*) override { return 0; }  // relay systems: accepted
  int SubmitUserSystemInfo(CThostFtdcUserSystemInfoField*) override { return 0; }
  int RegisterWechatUserSystemInfo(CThostFtdcWechatUserSystemInfoField*) override { return 0; }
  int SubmitWechatUserSystemInfo(CThostFtdcWechatUserSystemInfoField*) override { return 0; }
  int ReqUserLogin(CThostFtdcReqUserLoginField* f, int id) override {
    if (f != nullptr && !refusal_.empty()) return refuse(TraderCallback::RspUserLogin, id);
    const int rc = f ? request([&](ExchangeCore& c, int conn) {
      front_->record(InputKind::Login, conn, id, *f);
      const int r = c.login(conn, *f, id);
      note_quick_start(c, conn);
      return r;
    })
                     : -1;
    if (rc == 0) front_->start_feed();  // the exchange clock starts with the first login or subscription
    return rc;
  }
  int ReqUserLogout(CThostFtdcUserLogoutField* f, int id) override {
    return f ? request([&](ExchangeCore& c, int conn) {
      front_->record(InputKind::Logout, conn, id, *f);
      return c.logout(conn, *f, id);
    })
             : -1;
  }
  int ReqSettlementInfoConfirm(CThostFtdcSettlementInfoConfirmField* f, int id) override {
    return f ? request([&](ExchangeCore& c, int conn) {
      front_->record(InputKind::ConfirmSettlement, conn, id, *f);
      return c.confirm_settlement(conn, *f, id);
    })
             : -1;
  }
  int ReqOrderInsert(CThostFtdcInputOrderField* f, int id) override {
    return f ? request([&](ExchangeCore& c, int conn) {
      front_->record(InputKind::InsertOrder, conn, id, *f);
      return c.insert_order(conn, *f, id);
    })
             : -1;
  }
  int ReqOrderAction(CThostFtdcInputOrderActionField* f, int id) override {
    return f ? request([&](ExchangeCore& c, int conn) {
      front_->record(InputKind::OrderAction, conn, id, *f);
      return c.order_action(conn, *f, id);
    })
             : -1;
  }

  // --- queries (flow control: one in flight → -2; QryFreq → OnRspError 90) ---------------------------
#define SHANDIAN_QUERY(Method, Field, core_fn)                                            \
  int Method(Field* f, int id) override {                                                 \
    if (f == nullptr) return -1;                                                          \
    return query(id, [&](ExchangeCore& c, int conn) { return c.core_fn(conn, *f, id); }); \
  }
  SHANDIAN_QUERY(ReqQrySettlementInfoConfirm, CThostFtdcQrySettlementInfoConfirmField, qry_settlement_info_confirm)
  SHANDIAN_QUERY(ReqQrySettlementInfo, CThostFtdcQrySettlementInfoField, qry_settlement_info)
  SHANDIAN_QUERY(ReqQryInstrument, CThostFtdcQryInstrumentField, qry_instrument)
  SHANDIAN_QUERY(ReqQryInstrumentMarginRate, CThostFtdcQryInstrumentMarginRateField, qry_margin_rate)
  SHANDIAN_QUERY(ReqQryInstrumentCommissionRate, CThostFtdcQryInstrumentCommissionRateField, qry_commission_rate)
  SHANDIAN_QUERY(ReqQryInvestorPosition, CThostFtdcQryInvestorPositionField, qry_position)
  SHANDIAN_QUERY(ReqQryInvestorPositionDetail, CThostFtdcQryInvestorPositionDetailField, qry_position_detail)
  SHANDIAN_QUERY(ReqQryTradingAccount, CThostFtdcQryTradingAccountField, qry_trading_account)
  SHANDIAN_QUERY(ReqQryOrder, CThostFtdcQryOrderField, qry_order)
  SHANDIAN_QUERY(ReqQryTrade, CThostFtdcQryTradeField, qry_trade)
  SHANDIAN_QUERY(ReqQryDepthMarketData, CThostFtdcQryDepthMarketDataField, qry_depth_market_data)
  SHANDIAN_QUERY(ReqQryExchange, CThostFtdcQryExchangeField, qry_exchange)
  SHANDIAN_QUERY(ReqQryProduct, CThostFtdcQryProductField, qry_product)
  SHANDIAN_QUERY(ReqQryInvestor, CThostFtdcQryInvestorField, qry_investor)
#undef SHANDIAN_QUERY

  // --- everything else: return 0 and answer OnRspError 27 UNSUPPORTED_FUNCTION ---------------------------
  SHANDIAN_UNSUPPORTED(ReqUserPasswordUpdate, CThostFtdcUserPasswordUpdateField)
  SHANDIAN_UNSUPPORTED(ReqTradingAccountPasswordUpdate, CThostFtdcTradingAccountPasswordUpdateField)
  SHANDIAN_UNSUPPORTED(ReqUserAuthMethod, CThostFtdcReqUserAuthMethodField)
  SHANDIAN_UNSUPPORTED(ReqGenUserCaptcha, CThostFtdcReqGenUserCaptchaField)
  SHANDIAN_UNSUPPORTED(ReqGenUserText, CThostFtdcReqGenUserTextField)
  SHANDIAN_UNSUPPORTED(ReqUserLoginWithCaptcha, CThostFtdcReqUserLoginWithCaptchaField)
  SHANDIAN_UNSUPPORTED(ReqUserLoginWithText, CThostFtdcReqUserLoginWithTextField)
  SHANDIAN_UNSUPPORTED(ReqUserLoginWithOTP, CThostFtdcReqUserLoginWithOTPField)
  SHANDIAN_UNSUPPORTED(ReqParkedOrderInsert, CThostFtdcParkedOrderField)
  SHANDIAN_UNSUPPORTED(ReqParkedOrderAction, CThostFtdcParkedOrderActionField)
  SHANDIAN_UNSUPPORTED(ReqQryMaxOrderVolume, CThostFtdcQryMaxOrderVolumeField)
  SHANDIAN_UNSUPPORTED(ReqRemoveParkedOrder, CThostFtdcRemoveParkedOrderField)
  SHANDIAN_UNSUPPORTED(ReqRemoveParkedOrderAction, CThostFtdcRemoveParkedOrderActionField)
  SHANDIAN_UNSUPPORTED(ReqExecOrderInsert, CThostFtdcInputExecOrderField)
  SHANDIAN_UNSUPPORTED(ReqExecOrderAction, CThostFtdcInputExecOrderActionField)
  SHANDIAN_UNSUPPORTED(ReqForQuoteInsert, CThostFtdcInputForQuoteField)
  SHANDIAN_UNSUPPORTED(ReqQuoteInsert, CThostFtdcInputQuoteField)
  SHANDIAN_UNSUPPORTED(ReqQuoteAction, CThostFtdcInputQuoteActionField)
  SHANDIAN_UNSUPPORTED(ReqBatchOrderAction, CThostFtdcInputBatchOrderActionField)
  SHANDIAN_UNSUPPORTED(ReqOptionSelfCloseInsert, CThostFtdcInputOptionSelfCloseField)
  SHANDIAN_UNSUPPORTED(ReqOptionSelfCloseAction, CThostFtdcInputOptionSelfCloseActionField)
  SHANDIAN_UNSUPPORTED(ReqCombActionInsert, CThostFtdcInputCombActionField)
  SHANDIAN_UNSUPPORTED(ReqQryTradingCode, CThostFtdcQryTradingCodeField)
  SHANDIAN_UNSUPPORTED(ReqQryUserSession, CThostFtdcQryUserSessionField)
  SHANDIAN_UNSUPPORTED(ReqQryTraderOffer, CThostFtdcQryTraderOfferField)
  SHANDIAN_UNSUPPORTED(ReqQryTransferBank, CThostFtdcQryTransferBankField)
  SHANDIAN_UNSUPPORTED(ReqQryNotice, CThostFtdcQryNoticeField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorPositionCombineDetail, CThostFtdcQryInvestorPositionCombineDetailField)
  SHANDIAN_UNSUPPORTED(ReqQryCFMMCTradingAccountKey, CThostFtdcQryCFMMCTradingAccountKeyField)
  SHANDIAN_UNSUPPORTED(ReqQryEWarrantOffset, CThostFtdcQryEWarrantOffsetField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorProductGroupMargin, CThostFtdcQryInvestorProductGroupMarginField)
  SHANDIAN_UNSUPPORTED(ReqQryExchangeMarginRate, CThostFtdcQryExchangeMarginRateField)
  SHANDIAN_UNSUPPORTED(ReqQryExchangeMarginRateAdjust, CThostFtdcQryExchangeMarginRateAdjustField)
  SHANDIAN_UNSUPPORTED(ReqQryExchangeRate, CThostFtdcQryExchangeRateField)
  SHANDIAN_UNSUPPORTED(ReqQrySecAgentACIDMap, CThostFtdcQrySecAgentACIDMapField)
  SHANDIAN_UNSUPPORTED(ReqQryProductExchRate, CThostFtdcQryProductExchRateField)
  SHANDIAN_UNSUPPORTED(ReqQryProductGroup, CThostFtdcQryProductGroupField)
  SHANDIAN_UNSUPPORTED(ReqQryMMInstrumentCommissionRate, CThostFtdcQryMMInstrumentCommissionRateField)
  SHANDIAN_UNSUPPORTED(ReqQryMMOptionInstrCommRate, CThostFtdcQryMMOptionInstrCommRateField)
  SHANDIAN_UNSUPPORTED(ReqQryInstrumentOrderCommRate, CThostFtdcQryInstrumentOrderCommRateField)
  SHANDIAN_UNSUPPORTED(ReqQrySecAgentTradingAccount, CThostFtdcQryTradingAccountField)
  SHANDIAN_UNSUPPORTED(ReqQrySecAgentCheckMode, CThostFtdcQrySecAgentCheckModeField)
  SHANDIAN_UNSUPPORTED(ReqQrySecAgentTradeInfo, CThostFtdcQrySecAgentTradeInfoField)
  SHANDIAN_UNSUPPORTED(ReqQryOptionInstrTradeCost, CThostFtdcQryOptionInstrTradeCostField)
  SHANDIAN_UNSUPPORTED(ReqQryOptionInstrCommRate, CThostFtdcQryOptionInstrCommRateField)
  SHANDIAN_UNSUPPORTED(ReqQryExecOrder, CThostFtdcQryExecOrderField)
  SHANDIAN_UNSUPPORTED(ReqQryForQuote, CThostFtdcQryForQuoteField)
  SHANDIAN_UNSUPPORTED(ReqQryQuote, CThostFtdcQryQuoteField)
  SHANDIAN_UNSUPPORTED(ReqQryOptionSelfClose, CThostFtdcQryOptionSelfCloseField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestUnit, CThostFtdcQryInvestUnitField)
  SHANDIAN_UNSUPPORTED(ReqQryCombInstrumentGuard, CThostFtdcQryCombInstrumentGuardField)
  SHANDIAN_UNSUPPORTED(ReqQryCombAction, CThostFtdcQryCombActionField)
  SHANDIAN_UNSUPPORTED(ReqQryTransferSerial, CThostFtdcQryTransferSerialField)
  SHANDIAN_UNSUPPORTED(ReqQryAccountregister, CThostFtdcQryAccountregisterField)
  SHANDIAN_UNSUPPORTED(ReqQryContractBank, CThostFtdcQryContractBankField)
  SHANDIAN_UNSUPPORTED(ReqQryParkedOrder, CThostFtdcQryParkedOrderField)
  SHANDIAN_UNSUPPORTED(ReqQryParkedOrderAction, CThostFtdcQryParkedOrderActionField)
  SHANDIAN_UNSUPPORTED(ReqQryTradingNotice, CThostFtdcQryTradingNoticeField)
  SHANDIAN_UNSUPPORTED(ReqQryBrokerTradingParams, CThostFtdcQryBrokerTradingParamsField)
  SHANDIAN_UNSUPPORTED(ReqQryBrokerTradingAlgos, CThostFtdcQryBrokerTradingAlgosField)
  SHANDIAN_UNSUPPORTED(ReqQueryCFMMCTradingAccountToken, CThostFtdcQueryCFMMCTradingAccountTokenField)
  SHANDIAN_UNSUPPORTED(ReqFromBankToFutureByFuture, CThostFtdcReqTransferField)
  SHANDIAN_UNSUPPORTED(ReqFromFutureToBankByFuture, CThostFtdcReqTransferField)
  SHANDIAN_UNSUPPORTED(ReqQueryBankAccountMoneyByFuture, CThostFtdcReqQueryAccountField)
  SHANDIAN_UNSUPPORTED(ReqQryClassifiedInstrument, CThostFtdcQryClassifiedInstrumentField)
  SHANDIAN_UNSUPPORTED(ReqQryCombPromotionParam, CThostFtdcQryCombPromotionParamField)
  SHANDIAN_UNSUPPORTED(ReqQryRiskSettleInvstPosition, CThostFtdcQryRiskSettleInvstPositionField)
  SHANDIAN_UNSUPPORTED(ReqQryRiskSettleProductStatus, CThostFtdcQryRiskSettleProductStatusField)
  SHANDIAN_UNSUPPORTED(ReqQrySPBMFutureParameter, CThostFtdcQrySPBMFutureParameterField)
  SHANDIAN_UNSUPPORTED(ReqQrySPBMOptionParameter, CThostFtdcQrySPBMOptionParameterField)
  SHANDIAN_UNSUPPORTED(ReqQrySPBMIntraParameter, CThostFtdcQrySPBMIntraParameterField)
  SHANDIAN_UNSUPPORTED(ReqQrySPBMInterParameter, CThostFtdcQrySPBMInterParameterField)
  SHANDIAN_UNSUPPORTED(ReqQrySPBMPortfDefinition, CThostFtdcQrySPBMPortfDefinitionField)
  SHANDIAN_UNSUPPORTED(ReqQrySPBMInvestorPortfDef, CThostFtdcQrySPBMInvestorPortfDefField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorPortfMarginRatio, CThostFtdcQryInvestorPortfMarginRatioField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorProdSPBMDetail, CThostFtdcQryInvestorProdSPBMDetailField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorCommoditySPMMMargin, CThostFtdcQryInvestorCommoditySPMMMarginField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorCommodityGroupSPMMMargin, CThostFtdcQryInvestorCommodityGroupSPMMMarginField)
  SHANDIAN_UNSUPPORTED(ReqQrySPMMInstParam, CThostFtdcQrySPMMInstParamField)
  SHANDIAN_UNSUPPORTED(ReqQrySPMMProductParam, CThostFtdcQrySPMMProductParamField)
  SHANDIAN_UNSUPPORTED(ReqQrySPBMAddOnInterParameter, CThostFtdcQrySPBMAddOnInterParameterField)
  SHANDIAN_UNSUPPORTED(ReqQryRCAMSCombProductInfo, CThostFtdcQryRCAMSCombProductInfoField)
  SHANDIAN_UNSUPPORTED(ReqQryRCAMSInstrParameter, CThostFtdcQryRCAMSInstrParameterField)
  SHANDIAN_UNSUPPORTED(ReqQryRCAMSIntraParameter, CThostFtdcQryRCAMSIntraParameterField)
  SHANDIAN_UNSUPPORTED(ReqQryRCAMSInterParameter, CThostFtdcQryRCAMSInterParameterField)
  SHANDIAN_UNSUPPORTED(ReqQryRCAMSShortOptAdjustParam, CThostFtdcQryRCAMSShortOptAdjustParamField)
  SHANDIAN_UNSUPPORTED(ReqQryRCAMSInvestorCombPosition, CThostFtdcQryRCAMSInvestorCombPositionField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorProdRCAMSMargin, CThostFtdcQryInvestorProdRCAMSMarginField)
  SHANDIAN_UNSUPPORTED(ReqQryRULEInstrParameter, CThostFtdcQryRULEInstrParameterField)
  SHANDIAN_UNSUPPORTED(ReqQryRULEIntraParameter, CThostFtdcQryRULEIntraParameterField)
  SHANDIAN_UNSUPPORTED(ReqQryRULEInterParameter, CThostFtdcQryRULEInterParameterField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorProdRULEMargin, CThostFtdcQryInvestorProdRULEMarginField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorPortfSetting, CThostFtdcQryInvestorPortfSettingField)
  SHANDIAN_UNSUPPORTED(ReqQryInvestorInfoCommRec, CThostFtdcQryInvestorInfoCommRecField)
  SHANDIAN_UNSUPPORTED(ReqQryCombLeg, CThostFtdcQryCombLegField)
  SHANDIAN_UNSUPPORTED(ReqOffsetSetting, CThostFtdcInputOffsetSettingField)
  SHANDIAN_UNSUPPORTED(ReqCancelOffsetSetting, CThostFtdcInputOffsetSettingField)
  SHANDIAN_UNSUPPORTED(ReqQryOffsetSetting, CThostFtdcQryOffsetSettingField)

 private:
  struct Sink final : TraderSink {
    explicit Sink(LocalTraderApi& api) : api(api) {}
    void push(const TraderMessage& message) override { api.enqueue(message); }
    LocalTraderApi& api;
  };

  void enqueue(const TraderMessage& message) {
    const std::int64_t ready = reply_delay_ns_ > 0 ? steady_ns() + reply_delay_ns_ : 0;
    queue_->push_with([&](QueuedTraderMessage& q) {
      q.ready_ns = ready;
      std::memcpy(&q.msg, &message, sizeof(TraderMessage));
    });
  }

  void enqueue_error(int error_id, const char* utf8_text, int request_id) {
    if (!queue_) return;
    TraderMessage m;
    m.kind = TraderCallback::RspError;
    m.request_id = request_id;
    m.has_body = false;
    m.has_rsp_info = true;
    set_rsp_info(m.rsp_info, error_id, utf8_text);
    enqueue(m);
  }

  // The address/flow path is unusable: say so on stderr and fail the connection with
  // OnFrontDisconnected(4097) (no reconnect loop: retrying cannot fix a bad address).
  void fail_init(const std::string& why) {
    report_error(why);
    queue_ = std::make_unique<CallbackQueue<QueuedTraderMessage>>(WaitStrategy::Block);
    TraderMessage m;
    m.kind = TraderCallback::FrontDisconnected;
    m.reason = kDisconnectReadFail;
    m.has_body = false;
    enqueue(m);
    thread_ = std::thread([this] { callback_loop(); });
  }

  // The instance could not start (its tick source cannot be read, its state log does not replay, ...):
  // the front is reachable, says why on stderr, and refuses every authentication and login with
  // 7 NOT_INITED and the reason as ErrorMsg. It never recovers, so a client must not wait for it.
  void refuse_logins(const StartFailure& failure) {
    report_error(failure.message);
    refusal_ = failure.reason.empty() ? failure.message : failure.reason;
    queue_ = std::make_unique<CallbackQueue<QueuedTraderMessage>>(WaitStrategy::Block);
    TraderMessage m;
    m.kind = TraderCallback::FrontConnected;
    m.has_body = false;
    enqueue(m);
    thread_ = std::thread([this] { callback_loop(); });
  }

  int refuse(TraderCallback kind, int request_id) {
    TraderMessage m;
    m.kind = kind;
    m.request_id = request_id;
    std::memset(&m.body, 0, sizeof m.body);  // a non-null, empty body, as the vendor passes with an error
    m.has_rsp_info = true;
    set_rsp_info(m.rsp_info, kErrNotInited, refusal_);
    enqueue(m);
    return 0;
  }

  template <class F>
  int request(F&& f) {
    if (!front_) return -1;
    std::lock_guard lock(front_->mutex());
    if (conn_ < 0) return -1;  // not connected (fault injection, or before OnFrontConnected's connection)
    return f(front_->core(), conn_);
  }

  template <class F>
  int query(int request_id, F&& f) {
    if (!front_) return -1;
    std::lock_guard lock(front_->mutex());
    if (conn_ < 0) return -1;
    // acquire: pairs with the callback thread's release store when the last response is delivered.
    if (query_in_flight_.load(std::memory_order_acquire)) return -2;
    const std::int64_t now = steady_ns();
    if (query_interval_ns_ > 0 && last_query_ns_ != 0 && now - last_query_ns_ < query_interval_ns_) {
      enqueue_error(kErrNeedRetry, "CTP：查询未就绪，请稍后重试", request_id);
      return 0;
    }
    last_query_ns_ = now;
    // relaxed: published to the callback thread by the queue mutex of the response pushed below.
    query_request_id_.store(request_id, std::memory_order_relaxed);
    query_in_flight_.store(true, std::memory_order_relaxed);  // relaxed: read under the same lock by query()
    const int rc = f(front_->core(), conn_);
    if (rc != 0) query_in_flight_.store(false, std::memory_order_relaxed);
    return rc;
  }

  int unsupported(int request_id) {
    enqueue_error(kErrUnsupported, "CTP:不支持的功能", request_id);
    return 0;
  }

  // --- callback thread -------------------------------------------------------------------------------
  void callback_loop() {
    std::vector<QueuedTraderMessage> batch;
    while (!stopping()) {
      const std::int64_t now = steady_ns();
      if (reconnect_at_ns_ != 0 && now >= reconnect_at_ns_) reconnect();
      std::int64_t wake = now + 100'000'000;  // 100 ms: flush the flow files when idle
      if (reconnect_at_ns_ != 0 && reconnect_at_ns_ < wake) wake = reconnect_at_ns_;
      const auto deadline = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(wake));
      if (queue_->take(batch, deadline) == 0) {
        flush_flow();  // idle: persist the stream positions
        continue;
      }
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (stopping()) break;
        QueuedTraderMessage& q = batch[i];
        if (q.ready_ns > 0 && steady_ns() < q.ready_ns) {
          if (!queue_->sleep_until(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(q.ready_ns)))) break;
        }
        if (q.msg.kind == TraderCallback::FrontDisconnected) front_dropped();
        deliver(q.msg);
        ++delivered_;
        if (release_from_callback_.load(std::memory_order_acquire)) break;
        if (disconnect_after_ > 0 && !fault_fired_ && delivered_ >= static_cast<std::uint64_t>(disconnect_after_)) {
          fault_fired_ = true;
          discarded_on_disconnect_ += batch.size() - i - 1;
          inject_disconnect();
          break;
        }
      }
      // Busy: persist at most every 100 ms (a flush is file I/O: doing it per batch would put milliseconds
      // between an insert and its first OnRtnOrder). Disconnect and Release always flush.
      if (flow_dirty_ && steady_ns() - last_flush_ns_ >= kFlowFlushIntervalNs) flush_flow();
    }
    if (release_from_callback_.load(std::memory_order_acquire)) {
      // Deferred Release: nobody will join this thread; tear down and free the API from here.
      thread_.detach();
      shutdown();
      finish_and_delete();
    }
  }

  [[nodiscard]] bool stopping() const noexcept {
    // acquire: pairs with the release stores in shutdown() / Release().
    return stopping_.load(std::memory_order_acquire) || release_from_callback_.load(std::memory_order_acquire);
  }

  void deliver(TraderMessage& m) {
    CThostFtdcTraderSpi* spi = spi_.load(std::memory_order_acquire);
    if (m.stream_seq > 0) {
      if (is_private_stream(m.kind)) {
        if (m.stream_seq > private_seq_) private_seq_ = m.stream_seq;
      } else if (m.stream_seq > public_seq_) {
        public_seq_ = m.stream_seq;
      }
      flow_dirty_ = true;
    }
    if ((is_query_response(m.kind) || m.kind == TraderCallback::RspError) && m.is_last &&
        query_in_flight_.load(std::memory_order_relaxed) &&
        (is_query_response(m.kind) || m.request_id == query_request_id_.load(std::memory_order_relaxed))) {
      // release: a request thread that sees the flag cleared (acquire) may start the next query.
      query_in_flight_.store(false, std::memory_order_release);
    }
    if (spi == nullptr) return;
    CThostFtdcRspInfoField* info = m.has_rsp_info ? &m.rsp_info : nullptr;
    auto body = [&](auto& field) { return m.has_body ? &field : nullptr; };
    const int id = m.request_id;
    const bool last = m.is_last;
    auto& b = m.body;
    switch (m.kind) {
      case TraderCallback::FrontConnected: spi->OnFrontConnected(); break;
      case TraderCallback::FrontDisconnected: spi->OnFrontDisconnected(m.reason); break;
      case TraderCallback::RspError: spi->OnRspError(info, id, last); break;
      case TraderCallback::RspAuthenticate: spi->OnRspAuthenticate(body(b.rsp_authenticate), info, id, last); break;
      case TraderCallback::RspUserLogin: spi->OnRspUserLogin(body(b.rsp_user_login), info, id, last); break;
      case TraderCallback::RspUserLogout: spi->OnRspUserLogout(body(b.user_logout), info, id, last); break;
      case TraderCallback::RspSettlementInfoConfirm:
        spi->OnRspSettlementInfoConfirm(body(b.settlement_info_confirm), info, id, last);
        break;
      case TraderCallback::RspQrySettlementInfoConfirm:
        spi->OnRspQrySettlementInfoConfirm(body(b.settlement_info_confirm), info, id, last);
        break;
      case TraderCallback::RspQrySettlementInfo:
        spi->OnRspQrySettlementInfo(body(b.settlement_info), info, id, last);
        break;
      case TraderCallback::RspOrderInsert: spi->OnRspOrderInsert(body(b.input_order), info, id, last); break;
      case TraderCallback::ErrRtnOrderInsert: spi->OnErrRtnOrderInsert(body(b.input_order), info); break;
      case TraderCallback::RspOrderAction: spi->OnRspOrderAction(body(b.input_order_action), info, id, last); break;
      case TraderCallback::ErrRtnOrderAction: spi->OnErrRtnOrderAction(body(b.order_action), info); break;
      case TraderCallback::RtnOrder: spi->OnRtnOrder(body(b.order)); break;
      case TraderCallback::RtnTrade: spi->OnRtnTrade(body(b.trade)); break;
      case TraderCallback::RtnInstrumentStatus: spi->OnRtnInstrumentStatus(body(b.instrument_status)); break;
      case TraderCallback::RspQryInstrument: spi->OnRspQryInstrument(body(b.instrument), info, id, last); break;
      case TraderCallback::RspQryInstrumentMarginRate:
        spi->OnRspQryInstrumentMarginRate(body(b.margin_rate), info, id, last);
        break;
      case TraderCallback::RspQryInstrumentCommissionRate:
        spi->OnRspQryInstrumentCommissionRate(body(b.commission_rate), info, id, last);
        break;
      case TraderCallback::RspQryInvestorPosition:
        spi->OnRspQryInvestorPosition(body(b.position), info, id, last);
        break;
      case TraderCallback::RspQryInvestorPositionDetail:
        spi->OnRspQryInvestorPositionDetail(body(b.position_detail), info, id, last);
        break;
      case TraderCallback::RspQryTradingAccount:
        spi->OnRspQryTradingAccount(body(b.trading_account), info, id, last);
        break;
      case TraderCallback::RspQryOrder: spi->OnRspQryOrder(body(b.order), info, id, last); break;
      case TraderCallback::RspQryTrade: spi->OnRspQryTrade(body(b.trade), info, id, last); break;
      case TraderCallback::RspQryDepthMarketData:
        spi->OnRspQryDepthMarketData(body(b.depth_market_data), info, id, last);
        break;
      case TraderCallback::RspQryExchange: spi->OnRspQryExchange(body(b.exchange), info, id, last); break;
      case TraderCallback::RspQryProduct: spi->OnRspQryProduct(body(b.product), info, id, last); break;
      case TraderCallback::RspQryInvestor: spi->OnRspQryInvestor(body(b.investor), info, id, last); break;
    }
  }

  // disconnect_after: drop the connection as a broken socket would. What was still queued for it is lost
  // (counted in discarded_on_disconnect_), private/public stream messages come back on reconnect through
  // the stream sequence numbers.
  void inject_disconnect() {
    {
      std::lock_guard lock(front_->mutex());
      if (conn_ >= 0) {
        front_->record_disconnect(conn_, 0);
        front_->core().disconnect(conn_, 0);
      }
      conn_ = -1;
      last_query_ns_ = 0;
    }
    discarded_on_disconnect_ += queue_->clear();
    query_in_flight_.store(false, std::memory_order_release);  // release: see deliver()
    TraderMessage m;
    m.kind = TraderCallback::FrontDisconnected;
    m.reason = kDisconnectReadFail;
    m.has_body = false;
    deliver(m);
    ++delivered_;
    flush_flow();
    reconnect_at_ns_ = steady_ns() + (reconnect_ns_ > 0 ? reconnect_ns_ : 1);
  }

  // Under the instance lock, after a login request: the first successful login of a QUICK (or NONE)
  // subscription fixes where its streams start, so a reconnect that comes before any message was delivered
  // resumes from there, not from the day's start.
  void note_quick_start(const ExchangeCore& core, int conn) {
    if (quick_start_known_) return;
    ExchangeCore::StreamPositions now;
    if (!core.stream_positions(conn, now)) return;  // refused: not logged in
    quick_start_known_ = true;
    if (private_type_ == THOST_TERT_QUICK || private_type_ == THOST_TERT_NONE) quick_private_start_ = now.private_seq;
    if (public_type_ == THOST_TERT_QUICK) quick_public_start_ = now.public_seq;
  }

  // The front closed this connection (the counter's day roll): reconnect as the vendor API does. A new
  // trading day has new private/public streams, so RESUME starts from their beginning.
  void front_dropped() {
    if (!front_) return;  // fail_init: no front, nothing to reconnect to
    {
      std::lock_guard lock(front_->mutex());
      conn_ = -1;
      last_query_ns_ = 0;
      const std::string& day = front_->core().trading_day();
      if (day != trading_day_) {
        trading_day_ = day;
        private_seq_ = 0;
        public_seq_ = 0;
        flow_dirty_ = true;
        quick_start_known_ = false;  // the new day's streams start afresh: the next login fixes QUICK's start
        quick_private_start_ = 0;
        quick_public_start_ = 0;
      }
    }
    query_in_flight_.store(false, std::memory_order_release);  // release: see deliver()
    reconnect_at_ns_ = steady_ns() + (reconnect_ns_ > 0 ? reconnect_ns_ : 1);
  }

  // The vendor API reconnects by itself; its streams continue where they stopped (RESUME from the last
  // delivered sequence numbers, never before a QUICK login), and the client must authenticate and log in
  // again (new SessionID).
  void reconnect() {
    reconnect_at_ns_ = 0;
    std::lock_guard lock(front_->mutex());
    if (stopping()) return;
    const ResumeType pub = public_type_ == THOST_TERT_NONE ? ResumeType::None : ResumeType::Resume;
    connect_locked(StreamSubscription{ResumeType::Resume, std::max(private_seq_, quick_private_start_)},
                   StreamSubscription{pub, std::max(public_seq_, quick_public_start_)});
  }

  void flush_flow() {
    if (!flow_dirty_ || !flow_.is_open()) return;
    flow_dirty_ = false;
    last_flush_ns_ = steady_ns();
    if (!flow_.store("Private.con", trading_day_, private_seq_) ||
        !flow_.store("Public.con", trading_day_, public_seq_))
      report_error("shandian local front: cannot write flow files under '" + flow_.prefix() + "'");
  }

  // Stops the connection and wakes the callback thread (any thread).
  void shutdown() {
    stopping_.store(true, std::memory_order_release);  // release: see stopping()
    if (front_) {
      std::lock_guard lock(front_->mutex());
      if (conn_ >= 0) {
        front_->record_disconnect(conn_, 0);
        front_->core().disconnect(conn_, 0);
      }
      conn_ = -1;
    }
    if (queue_) queue_->close();
  }

  // After the callback thread has stopped (joined, or this is it): flush, drop the front, free.
  void finish_and_delete() {
    flush_flow();
    if (queue_ && std::getenv("SHANDIAN_LOCAL_FRONT_STATS") != nullptr) {
      const QueueStats st = queue_->stats();
      std::fprintf(stderr,
                   "shandian local front (trader): delivered=%llu queued=%llu max_depth=%llu "
                   "lost_on_disconnect=%llu discarded_at_release=%llu\n",
                   static_cast<unsigned long long>(delivered_), static_cast<unsigned long long>(st.pushed),
                   static_cast<unsigned long long>(st.max_depth),
                   static_cast<unsigned long long>(discarded_on_disconnect_),
                   static_cast<unsigned long long>(st.discarded));
    }
    std::shared_ptr<JoinState> join = join_state_;
    std::shared_ptr<FrontInstance> front = std::move(front_);
    delete this;
    front.reset();  // may free the instance (and join its feed thread) after this API is gone
    join->signal();
  }

  // configuration (set before Init / in Init, then read-only)
  std::string flow_prefix_;
  std::vector<std::string> fronts_;
  THOST_TE_RESUME_TYPE private_type_ = THOST_TERT_RESTART;
  THOST_TE_RESUME_TYPE public_type_ = THOST_TERT_RESTART;
  bool initialized_ = false;
  std::string refusal_;  // non-empty: the instance could not start (set in Init, then read-only)
  std::string trading_day_;
  std::int64_t reply_delay_ns_ = 0;
  std::int64_t query_interval_ns_ = 0;
  std::int64_t reconnect_ns_ = 0;
  int disconnect_after_ = 0;
  FlowFiles flow_;

  std::atomic<CThostFtdcTraderSpi*> spi_{nullptr};
  std::shared_ptr<FrontInstance> front_;
  std::unique_ptr<CallbackQueue<QueuedTraderMessage>> queue_;
  Sink sink_{*this};
  std::thread thread_;
  std::shared_ptr<JoinState> join_state_ = std::make_shared<JoinState>();

  // under front_->mutex()
  int conn_ = -1;
  std::int64_t last_query_ns_ = 0;
  bool quick_start_known_ = false;
  int quick_private_start_ = 0;  // QUICK: the streams' last sequence numbers at the first login
  int quick_public_start_ = 0;

  std::atomic<bool> query_in_flight_{false};
  std::atomic<int> query_request_id_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> release_from_callback_{false};

  // callback thread only
  int private_seq_ = 0;
  int public_seq_ = 0;
  bool flow_dirty_ = false;
  std::int64_t last_flush_ns_ = 0;
  static constexpr std::int64_t kFlowFlushIntervalNs = 100'000'000;
  bool fault_fired_ = false;
  std::uint64_t delivered_ = 0;
  std::uint64_t discarded_on_disconnect_ = 0;
  std::int64_t reconnect_at_ns_ = 0;
};

}  // namespace
}  // namespace shandian::sim

CThostFtdcTraderApi* CThostFtdcTraderApi::CreateFtdcTraderApi(const char* pszFlowPath, bool /*bIsProductionMode*/) {
  return new shandian::sim::LocalTraderApi(pszFlowPath);
}

const char* CThostFtdcTraderApi::GetApiVersion() { return shandian::sim::kApiVersion; }
