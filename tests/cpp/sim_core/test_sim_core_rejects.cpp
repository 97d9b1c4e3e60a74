// Every bad input gets its real CTP error id and the right reject surface:
//  CTP layer  → RspOrderInsert(echo) + ErrRtnOrderInsert(echo), no RtnOrder
//  exchange   → RtnOrder 'a', RtnOrder Canceled/InsertRejected (StatusMsg reason), ErrRtnOrderInsert(id)
#include "core_harness.hpp"

using namespace shandian::sim;
using namespace shandian::sim::test;

namespace {

std::vector<TraderMessage> since(Harness& h, std::size_t from) {
  return std::vector<TraderMessage>(h.sink.messages.begin() + static_cast<long>(from), h.sink.messages.end());
}

void ctp_layer_rejects() {
  FrontConfig cfg;
  InitialPosition yd;
  yd.instrument_id = "rb2505";
  yd.is_long = true;
  yd.volume = 2;
  cfg.positions.push_back(yd);
  Harness h(cfg);
  h.open_default();
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  h.tick("m2509", Book{2999, 3001, 10, 10, 3000, 100});

  std::size_t m = h.sink.messages.size();
  h.buy("xx9999", 3000, 1);
  auto ms = since(h, m);
  CHECK_EQ(render(ms), s("RI:16 EI:16"));
  REQUIRE(ms.size() == 2);
  CHECK_EQ(s(ms[0].body.input_order.InstrumentID), s("xx9999"));  // echo
  CHECK_EQ(ms[0].stream_seq, 0);
  CHECK(ms[1].stream_seq > 0);
  CHECK_EQ(s(ms[1].body.input_order.OrderRef), s(ms[0].body.input_order.OrderRef));

  m = h.sink.messages.size();
  h.buy("rb2505", 3000, 0);
  h.buy("rb2505", 3000, -3);
  auto bad_dir = h.order("rb2505", '7', THOST_FTDC_OF_Open, 3000, 1);
  h.insert(bad_dir);
  auto bad_offset = h.order("rb2505", THOST_FTDC_D_Buy, '9', 3000, 1);
  h.insert(bad_offset);
  auto bad_tc = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 3000, 1, THOST_FTDC_TC_GTC);
  h.insert(bad_tc);
  auto gfd_fok = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 3000, 1, THOST_FTDC_TC_GFD, THOST_FTDC_VC_CV);
  h.insert(gfd_fok);
  auto no_investor = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 3000, 1);
  no_investor.InvestorID[0] = '\0';
  h.insert(no_investor);
  auto bad_price_type = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 3000, 1);
  bad_price_type.OrderPriceType = THOST_FTDC_OPT_BestPrice;
  h.insert(bad_price_type);
  auto bad_mv = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 3000, 1, THOST_FTDC_TC_IOC, THOST_FTDC_VC_MV);
  bad_mv.MinVolume = 5;
  h.insert(bad_mv);
  CHECK_EQ(render(since(h, m)), s("RI:15 EI:15 RI:15 EI:15 RI:15 EI:15 RI:15 EI:15 RI:15 EI:15 RI:15 EI:15 RI:15 EI:15 "
                                  "RI:15 EI:15 RI:15 EI:15"));

  // OrderRef: duplicate and lower → 22; empty → assigned next.
  m = h.sink.messages.size();
  auto r50 = h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 2990, 1);
  set_str(r50.OrderRef, "50");
  h.insert(r50);
  h.insert(r50);
  auto r40 = r50;
  set_str(r40.OrderRef, "40");
  h.insert(r40);
  auto empty_ref = r50;
  empty_ref.OrderRef[0] = '\0';
  h.insert(empty_ref);
  ms = since(h, m);
  CHECK_EQ(render(ms), s("O:a O:3 RI:22 EI:22 RI:22 EI:22 O:a O:3"));
  CHECK_EQ(s(orders_of(ms).back()->OrderRef), s("51"));

  h.next_ref = 100;  // continue above the refs used by hand
  // Close volume: SHFE with 2 yesterday lots.
  m = h.sink.messages.size();
  h.sell("rb2505", 3000, 3, THOST_FTDC_OF_Close);           // more than held at all → 30
  h.sell("rb2505", 3000, 1, THOST_FTDC_OF_CloseToday);      // no today position → 50
  h.buy("rb2505", 3001, 1);                                 // open 1 today (fills)
  h.sell("rb2505", 3005, 3, THOST_FTDC_OF_CloseYesterday);  // 3 ≤ total 3 but only 2 yesterday → 51
  h.sell("rb2505", 3005, 2, THOST_FTDC_OF_CloseToday);      // only 1 today → 50
  h.buy("m2509", 3000, 1, THOST_FTDC_OF_Close);             // DCE: nothing short → 30
  CHECK_EQ(render(since(h, m)), s("RI:30 EI:30 RI:50 EI:50 O:a O:a O:0 T RI:51 EI:51 RI:50 EI:50 RI:30 EI:30"));
  // Frozen close volume counts: 2 yesterday lots held by a working close → a third close is 51.
  m = h.sink.messages.size();
  h.sell("rb2505", 3100, 2, THOST_FTDC_OF_Close);
  h.sell("rb2505", 3100, 1, THOST_FTDC_OF_CloseYesterday);
  CHECK_EQ(render(since(h, m)), s("O:a O:3 RI:51 EI:51"));
}

void exchange_layer_rejects() {
  Harness h;
  h.open_default();
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  std::size_t m = h.sink.messages.size();
  h.buy("rb2505", 3000.5, 1);
  auto ms = since(h, m);
  CHECK_EQ(render(ms), s("O:a O:5 EI:165"));
  auto os = orders_of(ms);
  REQUIRE(os.size() == 2);
  CHECK_EQ(os[1]->OrderSubmitStatus, THOST_FTDC_OSS_InsertRejected);
  CHECK_EQ(s(os[1]->OrderSysID), s(""));
  CHECK(s(os[1]->StatusMsg).rfind(s(text::kRejectedPrefix) + "SHFE:", 0) == 0);

  m = h.sink.messages.size();
  h.buy("rb2505", 3151, 1);    // limit up 3150
  h.sell("rb2505", 2849, 1);   // limit down 2850
  h.buy("rb2505", 3000, 501);  // MaxLimitOrderVolume 500
  CHECK_EQ(render(since(h, m)), s("O:a O:5 EI:163 O:a O:5 EI:163 O:a O:5 EI:164"));

  // CZCE truncates an off-tick price instead of rejecting.
  h.tick("SR505", Book{2999, 3001, 10, 10, 3000, 100});
  m = h.sink.messages.size();
  h.buy("SR505", 3000.7, 1);
  ms = since(h, m);
  CHECK_EQ(render(ms), s("O:a O:3"));
  CHECK_EQ(orders_of(ms).back()->LimitPrice, 3000.0);

  // Instrument status: NoTrading → 162; auction → GFD rests, IOC → 162.
  h.status("rb", "SHFE", THOST_FTDC_IS_NoTrading);
  m = h.sink.messages.size();
  h.buy("rb2505", 3000, 1);
  CHECK_EQ(render(since(h, m)), s("O:a O:5 EI:162"));
  h.status("rb", "SHFE", THOST_FTDC_IS_AuctionOrdering);
  m = h.sink.messages.size();
  h.buy("rb2505", 3001, 1);  // marketable but auction: rests unmatched
  h.buy("rb2505", 3001, 1, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  CHECK_EQ(render(since(h, m)), s("O:a O:3 O:a O:5 EI:162"));
  // Continuous again: the next snapshot fills the resting order.
  h.status("rb", "SHFE", THOST_FTDC_IS_Continous);
  m = h.sink.messages.size();
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  CHECK_EQ(render(since(h, m)), s("O:3 O:0 T"));
}

void settlement_money_rate() {
  {
    Harness h;
    h.conn = h.open(h.sink, "u1", {}, {}, /*confirm=*/false);
    h.sink.messages.clear();
    h.buy("rb2505", 3000, 1);
    h.cancel_ref(1);
    CHECK_EQ(render(h.sink.messages), s("RI:42 EI:42 RA:42 EA:42"));
  }
  {
    FrontConfig cfg;
    cfg.initial_balance = 5000.0;  // one lot at 3000 needs 3000 margin; two need 6000
    Harness h(cfg);
    h.open_default();
    h.buy("rb2505", 3000, 1);
    h.buy("rb2505", 3000, 1);
    CHECK_EQ(render(h.sink.messages), s("O:a O:3 RI:31 EI:31"));
  }
  {
    FrontConfig cfg;
    cfg.order_rate_limit = 2;
    Harness h(cfg);
    h.open_default();
    h.buy("rb2505", 2990, 1);
    h.buy("rb2505", 2990, 1);
    h.buy("rb2505", 2990, 1);  // third within the same second → 116
    h.cancel_ref(1);           // cancels share the window → 116
    CHECK_EQ(render(h.sink.messages), s("O:a O:3 O:a O:3 RI:116 EI:116 RA:116 EA:116"));
    h.sink.messages.clear();
    h.tick("rb2505", Book{2989, 3001, 10, 10, 3000, 100}, 1500);  // the clock moves on
    h.buy("rb2505", 2990, 1);
    CHECK_EQ(render(h.sink.messages), s("O:a O:3"));
    h.buy("rb2505", 2990, 1);
    h.buy("rb2505", 2990, 1);
    h.sink.messages.clear();
    // No market event: the api library can still move the clock (paced replay clock while idle).
    h.core.advance_clock(h.now + 999'000'000);
    h.buy("rb2505", 2990, 1);
    CHECK_EQ(render(h.sink.messages), s("RI:116 EI:116"));
    h.sink.messages.clear();
    h.core.advance_clock(h.now + 1'000'000'000);
    h.core.advance_clock(h.now);  // never backwards
    CHECK_EQ(h.core.now_exchange_ns(), h.now + 1'000'000'000);
    h.buy("rb2505", 2990, 1);
    CHECK_EQ(render(h.sink.messages), s("O:a O:3"));
  }
  {
    // Not logged in: only the dialog answer (no investor, no private stream).
    Harness h;
    const int c = h.core.connect(h.sink, {}, {});
    h.sink.messages.clear();
    h.insert(h.order("rb2505", THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 3000, 1), c);
    CHECK_EQ(render(h.sink.messages), s("RI:6"));
  }
}

void cancel_rejects_and_ids() {
  Harness h;
  h.open_default();
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  h.buy("rb2505", 3000, 1);
  const std::string sys = orders_of(h.sink.messages).back()->OrderSysID;
  CHECK_EQ(sys, s("           1"));
  std::size_t m = h.sink.messages.size();
  // By ExchangeID + OrderSysID (padding-insensitive).
  CHECK_EQ(h.cancel_sys("SHFE", "1"), 0);
  CHECK_EQ(render(since(h, m)), s("O:3 O:5"));
  m = h.sink.messages.size();
  CHECK_EQ(h.cancel_sys("SHFE", sys.c_str()), 0);
  CHECK_EQ(render(since(h, m)), s("RA:26 EA:26"));
  // Another investor cannot cancel u1's order: 25.
  h.buy("rb2505", 3000, 1);
  RecordingSink other;
  const int c2 = h.open(other, "u2");
  other.messages.clear();
  CThostFtdcInputOrderActionField a{};
  set_str(a.BrokerID, "9999");
  set_str(a.InvestorID, "u2");
  a.ActionFlag = THOST_FTDC_AF_Delete;
  set_str(a.ExchangeID, "SHFE");
  set_str(a.OrderSysID, "2");
  CHECK_EQ(h.core.order_action(c2, a, 99), 0);
  CHECK_EQ(render(other.messages), s("RA:25 EA:25"));
  CHECK_EQ(other.messages[0].request_id, 99);
}

}  // namespace

int main() {
  ctp_layer_rejects();
  exchange_layer_rejects();
  settlement_money_rate();
  cancel_rejects_and_ids();
  return shandian::testing::finish("test_sim_core_rejects");
}
