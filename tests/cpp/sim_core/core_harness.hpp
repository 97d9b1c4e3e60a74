// Test harness for the exchange core: a recording sink, hand-made instruments and snapshots, and helpers
// that render callback sequences compactly ("O:a O:3 T") so the §2 sequences read like the spec table.
#pragma once

#include <cfloat>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/ctp_text.hpp"
#include "sim/core/exchange_core.hpp"
#include "support/check.hpp"

namespace shandian::sim::test {

struct RecordingSink final : TraderSink {
  std::vector<TraderMessage> messages;
  void push(const TraderMessage& m) override { messages.push_back(m); }
};

inline InstrumentSpec make_spec(const std::string& id, const std::string& product, ExchangeKind kind, double tick = 1.0,
                                int multiple = 10, double ref = 3000.0) {
  InstrumentSpec s;
  s.instrument_id = id;
  s.product_id = product;
  s.exchange = kind;
  switch (kind) {
    case ExchangeKind::SHFE: s.exchange_id = "SHFE"; break;
    case ExchangeKind::INE: s.exchange_id = "INE"; break;
    case ExchangeKind::DCE: s.exchange_id = "DCE"; break;
    case ExchangeKind::CZCE: s.exchange_id = "CZCE"; break;
    case ExchangeKind::CFFEX: s.exchange_id = "CFFEX"; break;
    case ExchangeKind::GFEX: s.exchange_id = "GFEX"; break;
  }
  s.price_tick = tick;
  s.volume_multiple = multiple;
  s.reference_price = ref;
  s.limit_ratio = 0.05;
  s.long_margin_ratio = 0.1;
  s.short_margin_ratio = 0.1;
  return s;
}

// The standard table: one instrument per exchange, all at reference 3000, tick 1, multiplier 10.
inline std::vector<InstrumentSpec> standard_instruments() {
  return {make_spec("rb2505", "rb", ExchangeKind::SHFE),  make_spec("sc2505", "sc", ExchangeKind::INE),
          make_spec("m2509", "m", ExchangeKind::DCE),     make_spec("SR505", "SR", ExchangeKind::CZCE),
          make_spec("IF2506", "IF", ExchangeKind::CFFEX), make_spec("si2510", "si", ExchangeKind::GFEX)};
}

struct Book {
  double bid = 0, ask = 0;
  int bid_volume = 0, ask_volume = 0;
  double last = 0;
  long long volume = 0;
  // optional second levels
  double bid2 = 0, ask2 = 0;
  int bid2_volume = 0, ask2_volume = 0;
};

inline constexpr std::int64_t kDayStart = 1'745'830'800'000'000'000;  // 2025-04-28 09:00:00 (CST digits)

class Harness {
 public:
  explicit Harness(FrontConfig cfg = {}, std::vector<InstrumentSpec> specs = standard_instruments())
      : core(std::move(cfg), std::move(specs), "20250428") {}

  ExchangeCore core;
  RecordingSink sink;
  int conn = -1;
  int next_ref = 1;
  int rid = 1;
  std::int64_t now = kDayStart;
  int front_id = 0, session_id = 0;

  // connect + authenticate + login + confirm settlement; returns the connection.
  int open(RecordingSink& s, const char* user = "u1", StreamSubscription priv = {}, StreamSubscription pub = {},
           bool confirm = true) {
    const int c = core.connect(s, priv, pub);
    CThostFtdcReqAuthenticateField a{};
    set_str(a.BrokerID, "9999");
    set_str(a.UserID, user);
    set_str(a.AppID, "app");
    set_str(a.AuthCode, "code");
    CHECK_EQ(core.authenticate(c, a, rid++), 0);
    CThostFtdcReqUserLoginField l{};
    set_str(l.BrokerID, "9999");
    set_str(l.UserID, user);
    CHECK_EQ(core.login(c, l, rid++), 0);
    for (const TraderMessage& m : s.messages) {
      if (m.kind == TraderCallback::RspUserLogin && m.rsp_info.ErrorID == 0) {
        front_id = m.body.rsp_user_login.FrontID;
        session_id = m.body.rsp_user_login.SessionID;
      }
    }
    if (confirm) {
      CThostFtdcSettlementInfoConfirmField f{};
      set_str(f.BrokerID, "9999");
      set_str(f.InvestorID, user);
      CHECK_EQ(core.confirm_settlement(c, f, rid++), 0);
    }
    return c;
  }
  void open_default() {
    conn = open(sink);
    sink.messages.clear();
  }

  CThostFtdcInputOrderField order(const char* inst, char dir, char offset, double price, int volume,
                                  char tc = THOST_FTDC_TC_GFD, char vc = THOST_FTDC_VC_AV,
                                  char opt = THOST_FTDC_OPT_LimitPrice, const char* user = "u1") {
    CThostFtdcInputOrderField r{};
    set_str(r.BrokerID, "9999");
    set_str(r.InvestorID, user);
    set_str(r.UserID, user);
    set_str(r.InstrumentID, inst);
    set_int(r.OrderRef, next_ref++);
    r.OrderPriceType = opt;
    r.Direction = dir;
    r.CombOffsetFlag[0] = offset;
    r.CombHedgeFlag[0] = THOST_FTDC_HF_Speculation;
    r.LimitPrice = price;
    r.VolumeTotalOriginal = volume;
    r.TimeCondition = tc;
    r.VolumeCondition = vc;
    r.MinVolume = 1;
    r.ContingentCondition = THOST_FTDC_CC_Immediately;
    r.ForceCloseReason = THOST_FTDC_FCC_NotForceClose;
    return r;
  }
  int insert(const CThostFtdcInputOrderField& r, int c = -1) { return core.insert_order(c < 0 ? conn : c, r, rid++); }
  int buy(const char* inst, double price, int volume, char offset = THOST_FTDC_OF_Open, char tc = THOST_FTDC_TC_GFD,
          char vc = THOST_FTDC_VC_AV) {
    return insert(order(inst, THOST_FTDC_D_Buy, offset, price, volume, tc, vc));
  }
  int sell(const char* inst, double price, int volume, char offset = THOST_FTDC_OF_Open, char tc = THOST_FTDC_TC_GFD,
           char vc = THOST_FTDC_VC_AV) {
    return insert(order(inst, THOST_FTDC_D_Sell, offset, price, volume, tc, vc));
  }

  int cancel_ref(int order_ref, int c = -1) {
    CThostFtdcInputOrderActionField a{};
    set_str(a.BrokerID, "9999");
    set_str(a.InvestorID, "u1");
    set_str(a.UserID, "u1");
    a.ActionFlag = THOST_FTDC_AF_Delete;
    a.FrontID = front_id;
    a.SessionID = session_id;
    set_int(a.OrderRef, order_ref);
    return core.order_action(c < 0 ? conn : c, a, rid++);
  }
  int cancel_sys(const char* exchange, const char* sys_id) {
    CThostFtdcInputOrderActionField a{};
    set_str(a.BrokerID, "9999");
    set_str(a.InvestorID, "u1");
    set_str(a.UserID, "u1");
    a.ActionFlag = THOST_FTDC_AF_Delete;
    set_str(a.ExchangeID, exchange);
    set_str(a.OrderSysID, sys_id);
    return core.order_action(conn, a, rid++);
  }

  void tick(const char* inst, const Book& b, std::int64_t advance_ms = 500) {
    now += advance_ms * 1'000'000;
    FeedEvent e;
    e.kind = FeedEvent::Kind::Tick;
    e.exchange_ns = now;
    e.instrument_index = core.instrument_index(inst);
    CThostFtdcDepthMarketDataField& t = e.tick;
    set_str(t.InstrumentID, inst);
    t.LastPrice = b.last > 0 ? b.last : DBL_MAX;
    t.Volume = static_cast<int>(b.volume);
    t.BidPrice1 = b.bid > 0 ? b.bid : DBL_MAX;
    t.BidVolume1 = b.bid_volume;
    t.AskPrice1 = b.ask > 0 ? b.ask : DBL_MAX;
    t.AskVolume1 = b.ask_volume;
    t.BidPrice2 = b.bid2 > 0 ? b.bid2 : DBL_MAX;
    t.BidVolume2 = b.bid2_volume;
    t.AskPrice2 = b.ask2 > 0 ? b.ask2 : DBL_MAX;
    t.AskVolume2 = b.ask2_volume;
    t.BidPrice3 = t.BidPrice4 = t.BidPrice5 = DBL_MAX;
    t.AskPrice3 = t.AskPrice4 = t.AskPrice5 = DBL_MAX;
    t.UpperLimitPrice = 3150;
    t.LowerLimitPrice = 2850;
    t.PreSettlementPrice = 3000;
    core.on_feed_event(e);
  }

  void status(const char* product, const char* exchange, char st) {
    now += 1'000'000;
    FeedEvent e;
    e.kind = FeedEvent::Kind::Status;
    e.exchange_ns = now;
    set_str(e.status.ExchangeID, exchange);
    set_str(e.status.InstrumentID, product);
    e.status.InstrumentStatus = st;
    core.on_feed_event(e);
  }
};

// Compact rendering of stream/dialog messages: O:<OrderStatus> for RtnOrder, T for RtnTrade,
// EI:<id> ErrRtnOrderInsert, RI:<id> RspOrderInsert, RA:<id> RspOrderAction, EA:<id> ErrRtnOrderAction.
inline std::string render(const std::vector<TraderMessage>& ms) {
  std::string out;
  for (const TraderMessage& m : ms) {
    std::string item;
    switch (m.kind) {
      case TraderCallback::RtnOrder: item = std::string("O:") + m.body.order.OrderStatus; break;
      case TraderCallback::RtnTrade: item = "T"; break;
      case TraderCallback::ErrRtnOrderInsert: item = "EI:" + std::to_string(m.rsp_info.ErrorID); break;
      case TraderCallback::RspOrderInsert: item = "RI:" + std::to_string(m.rsp_info.ErrorID); break;
      case TraderCallback::RspOrderAction: item = "RA:" + std::to_string(m.rsp_info.ErrorID); break;
      case TraderCallback::ErrRtnOrderAction: item = "EA:" + std::to_string(m.rsp_info.ErrorID); break;
      case TraderCallback::RtnInstrumentStatus: item = "S"; break;
      default: item = "?" + std::to_string(static_cast<int>(m.kind)); break;
    }
    if (!out.empty()) out += ' ';
    out += item;
  }
  return out;
}

inline std::vector<const CThostFtdcOrderField*> orders_of(const std::vector<TraderMessage>& ms) {
  std::vector<const CThostFtdcOrderField*> r;
  for (const TraderMessage& m : ms) {
    if (m.kind == TraderCallback::RtnOrder) r.push_back(&m.body.order);
  }
  return r;
}
inline std::vector<const CThostFtdcTradeField*> trades_of(const std::vector<TraderMessage>& ms) {
  std::vector<const CThostFtdcTradeField*> r;
  for (const TraderMessage& m : ms) {
    if (m.kind == TraderCallback::RtnTrade) r.push_back(&m.body.trade);
  }
  return r;
}

inline std::string s(const char* p) { return std::string(p); }

}  // namespace shandian::sim::test
