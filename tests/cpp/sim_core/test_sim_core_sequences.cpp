// Exact callback sequences of ctp-semantics.md §2 (scenarios 1–10 and the DCE special case), per exchange
// family: SHFE/INE/CFFEX, DCE/GFEX, CZCE.
#include "core_harness.hpp"

using namespace shandian::sim;
using namespace shandian::sim::test;

namespace {

struct Case {
  const char* inst;
  const char* exchange;
  enum Family { Shfe, Dce, Czce } family;
};

const Case kCases[] = {
    {"rb2505", "SHFE", Case::Shfe}, {"sc2505", "INE", Case::Shfe}, {"IF2506", "CFFEX", Case::Shfe},
    {"m2509", "DCE", Case::Dce},    {"si2510", "GFEX", Case::Dce}, {"SR505", "CZCE", Case::Czce},
};

struct Slice {
  std::vector<TraderMessage>* all;
  std::size_t from;
  [[nodiscard]] std::vector<TraderMessage> get() const {
    return std::vector<TraderMessage>(all->begin() + static_cast<long>(from), all->end());
  }
};

Slice mark(Harness& h) { return {&h.sink.messages, h.sink.messages.size()}; }

// Spread 2999 / 3001 (10 lots each), last 3000.
void quiet_book(Harness& h, const char* inst, long long volume = 100) {
  h.tick(inst, Book{2999, 3001, 10, 10, 3000, volume});
}

void scenario_1_rest_then_fill(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  Slice m = mark(h);
  h.buy(c.inst, 3000, 1);
  auto ms = m.get();
  CHECK_EQ(render(ms), s("O:a O:3"));
  auto os = orders_of(ms);
  REQUIRE(os.size() == 2);
  CHECK_EQ(os[0]->OrderSubmitStatus, THOST_FTDC_OSS_InsertSubmitted);
  CHECK_EQ(s(os[0]->StatusMsg), s(text::kSubmitted));
  CHECK_EQ(s(os[0]->OrderSysID), s(""));
  CHECK_EQ(os[1]->OrderSubmitStatus, THOST_FTDC_OSS_Accepted);
  CHECK_EQ(s(os[1]->StatusMsg), s(text::kNoTrade));
  CHECK_EQ(s(os[1]->OrderSysID), s("           1"));
  CHECK_EQ(s(os[1]->ExchangeID), s(c.exchange));
  CHECK_EQ(os[1]->FrontID, h.front_id);
  CHECK_EQ(os[1]->SessionID, h.session_id);
  CHECK_EQ(s(os[1]->OrderRef), s("1"));
  CHECK_EQ(os[1]->VolumeTotal, 1);
  // A later snapshot crosses it.
  m = mark(h);
  h.tick(c.inst, Book{2998, 3000, 10, 5, 3000, 120});
  ms = m.get();
  CHECK_EQ(render(ms), s(c.family == Case::Dce ? "O:0 T" : "O:3 O:0 T"));
  os = orders_of(ms);
  CHECK_EQ(os.back()->OrderStatus, THOST_FTDC_OST_AllTraded);
  CHECK_EQ(s(os.back()->StatusMsg), s(text::kAllTraded));
  CHECK_EQ(os.back()->VolumeTraded, 1);
  CHECK_EQ(os.back()->VolumeTotal, 0);
  auto ts = trades_of(ms);
  REQUIRE(ts.size() == 1);
  CHECK_EQ(ts[0]->Price, 3000.0);
  CHECK_EQ(ts[0]->Volume, 1);
  CHECK_EQ(s(ts[0]->OrderSysID), s(os.back()->OrderSysID));
  CHECK_EQ(s(ts[0]->TradeID), s("           1"));
  CHECK_EQ(s(ts[0]->OrderRef), s("1"));
}

void scenario_2_immediate_full_fill(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  Slice m = mark(h);
  h.buy(c.inst, 3001, 2);
  auto ms = m.get();
  auto os = orders_of(ms);
  switch (c.family) {
    case Case::Shfe:
      CHECK_EQ(render(ms), s("O:a O:a O:0 T"));
      REQUIRE(os.size() == 3);
      CHECK_EQ(s(os[2]->StatusMsg), s(text::kAllTradedSubmitted));
      CHECK(std::memcmp(os[0], os[1], sizeof(CThostFtdcOrderField)) == 0);  // byte-identical re-push
      break;
    case Case::Dce: CHECK_EQ(render(ms), s("O:a O:3 O:0 T")); break;  // DCE special: no re-push of '3'
    case Case::Czce: CHECK_EQ(render(ms), s("O:a O:3 O:3 O:0 T")); break;
  }
  CHECK_EQ(os.back()->VolumeTraded, 2);
  auto ts = trades_of(ms);
  REQUIRE(ts.size() == 1);
  CHECK_EQ(ts[0]->Price, 3001.0);
}

void scenario_3_rest_then_cancel(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  h.buy(c.inst, 3000, 1);
  Slice m = mark(h);
  CHECK_EQ(h.cancel_ref(1), 0);
  auto ms = m.get();
  CHECK_EQ(render(ms), s("O:3 O:5"));
  auto os = orders_of(ms);
  REQUIRE(os.size() == 2);
  CHECK_EQ(s(os[1]->StatusMsg), s(text::kCanceled));
  CHECK_EQ(os[1]->VolumeTraded, 0);
  CHECK_EQ(os[1]->VolumeTotal, 1);
}

void scenario_4_two_fills(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  h.buy(c.inst, 3000, 10);
  Slice m = mark(h);
  h.tick(c.inst, Book{2998, 3000, 10, 3, 3000, 120});
  auto ms = m.get();
  CHECK_EQ(render(ms), s(c.family == Case::Dce ? "O:1 T" : "O:3 O:1 T"));
  auto os = orders_of(ms);
  CHECK_EQ(os.back()->VolumeTraded, 3);
  CHECK_EQ(os.back()->VolumeTotal, 7);
  CHECK_EQ(s(os.back()->StatusMsg), s(text::kPartTraded));
  m = mark(h);
  h.tick(c.inst, Book{2998, 3000, 10, 9, 3000, 130});
  ms = m.get();
  CHECK_EQ(render(ms), s(c.family == Case::Dce ? "O:0 T" : "O:1 O:0 T"));
  os = orders_of(ms);
  CHECK_EQ(os.back()->VolumeTraded, 10);
  auto ts = trades_of(ms);
  REQUIRE(ts.size() == 1);
  CHECK_EQ(ts[0]->Volume, 7);
}

void scenario_5_partial_then_cancel(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  h.buy(c.inst, 3000, 10);
  h.tick(c.inst, Book{2998, 3000, 10, 4, 3000, 120});
  Slice m = mark(h);
  CHECK_EQ(h.cancel_ref(1), 0);
  auto ms = m.get();
  CHECK_EQ(render(ms), s("O:1 O:5"));
  auto os = orders_of(ms);
  CHECK_EQ(os.back()->VolumeTraded, 4);
  CHECK_EQ(os.back()->VolumeTotal, 6);
  CHECK_EQ(s(os.back()->StatusMsg), s(text::kCanceled));
}

void scenario_6_7_cancel_rejects(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  h.buy(c.inst, 3000, 1);
  CHECK_EQ(h.cancel_ref(1), 0);
  Slice m = mark(h);
  CHECK_EQ(h.cancel_ref(1), 0);  // already cancelled
  auto ms = m.get();
  CHECK_EQ(render(ms), s("RA:26 EA:26"));
  REQUIRE(ms.size() == 2);
  CHECK_EQ(ms[0].stream_seq, 0);  // dialog
  CHECK(ms[1].stream_seq > 0);    // private stream
  CHECK_EQ(ms[1].body.order_action.OrderActionStatus, THOST_FTDC_OAS_Rejected);
  m = mark(h);
  CHECK_EQ(h.cancel_ref(99), 0);  // unknown ref
  CHECK_EQ(render(m.get()), s("RA:25 EA:25"));
  m = mark(h);
  CHECK_EQ(h.cancel_sys(c.exchange, "         777"), 0);  // unknown OrderSysID
  CHECK_EQ(render(m.get()), s("RA:25 EA:25"));
}

void scenario_8_9_10_fak_partial(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  Slice m = mark(h);
  h.buy(c.inst, 3001, 15, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);  // 10 available at 3001
  auto ms = m.get();
  switch (c.family) {
    case Case::Shfe: CHECK_EQ(render(ms), s("O:a O:5 O:5 T")); break;
    case Case::Dce: CHECK_EQ(render(ms), s("O:a O:3 O:1 T O:5")); break;
    case Case::Czce: CHECK_EQ(render(ms), s("O:a O:3 O:3 O:1 T O:5")); break;
  }
  auto os = orders_of(ms);
  CHECK_EQ(os.back()->OrderStatus, THOST_FTDC_OST_Canceled);
  CHECK_EQ(os.back()->VolumeTraded, 10);
  CHECK_EQ(os.back()->VolumeTotal, 5);
  if (c.family == Case::Shfe) {
    CHECK_EQ(os[1]->VolumeTraded, 10);  // the '5' already carries VolumeTraded
  }
  auto ts = trades_of(ms);
  REQUIRE(ts.size() == 1);
  CHECK_EQ(ts[0]->Volume, 10);
}

void fak_multi_fill_and_zero_fill(const Case& c) {
  Harness h;
  h.open_default();
  Book b{2999, 3001, 10, 2, 3000, 100};
  b.ask2 = 3002;
  b.ask2_volume = 1;
  h.tick(c.inst, b);
  Slice m = mark(h);
  h.buy(c.inst, 3002, 5, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  auto ms = m.get();
  switch (c.family) {
    case Case::Shfe: CHECK_EQ(render(ms), s("O:a O:5 O:5 T O:5 T")); break;
    case Case::Dce: CHECK_EQ(render(ms), s("O:a O:3 O:1 T O:1 T O:5")); break;
    case Case::Czce: CHECK_EQ(render(ms), s("O:a O:3 O:3 O:1 T O:1 O:1 T O:5")); break;
  }
  auto ts = trades_of(ms);
  REQUIRE(ts.size() == 2);
  CHECK_EQ(ts[0]->Price, 3001.0);
  CHECK_EQ(ts[1]->Price, 3002.0);
  CHECK(s(ts[0]->TradeID) != s(ts[1]->TradeID));
  // Zero fill: nothing left at or below 3001 in this snapshot (consumed above).
  m = mark(h);
  h.buy(c.inst, 3001, 1, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  CHECK_EQ(render(m.get()), s(c.family == Case::Shfe ? "O:a O:5" : "O:a O:3 O:5"));
}

void fok_and_market(const Case& c) {
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  Slice m = mark(h);
  h.buy(c.inst, 3001, 11, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC, THOST_FTDC_VC_CV);  // only 10 there
  auto ms = m.get();
  CHECK_EQ(render(ms), s(c.family == Case::Shfe ? "O:a O:5" : "O:a O:3 O:5"));
  CHECK_EQ(orders_of(ms).back()->VolumeTraded, 0);
  m = mark(h);
  h.buy(c.inst, 3001, 10, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC, THOST_FTDC_VC_CV);
  switch (c.family) {
    case Case::Shfe: CHECK_EQ(render(m.get()), s("O:a O:a O:0 T")); break;
    case Case::Dce: CHECK_EQ(render(m.get()), s("O:a O:3 O:0 T")); break;
    case Case::Czce: CHECK_EQ(render(m.get()), s("O:a O:3 O:3 O:0 T")); break;
  }
  // vn.py market order: AnyPrice + GFD + AV → takes what the book offers, cancels the rest.
  h.tick(c.inst, Book{2999, 3001, 10, 3, 3000, 100});
  m = mark(h);
  h.insert(h.order(c.inst, THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 0, 5, THOST_FTDC_TC_GFD, THOST_FTDC_VC_AV,
                   THOST_FTDC_OPT_AnyPrice));
  ms = m.get();
  switch (c.family) {
    case Case::Shfe: CHECK_EQ(render(ms), s("O:a O:5 O:5 T")); break;
    case Case::Dce: CHECK_EQ(render(ms), s("O:a O:3 O:1 T O:5")); break;
    case Case::Czce: CHECK_EQ(render(ms), s("O:a O:3 O:3 O:1 T O:5")); break;
  }
  CHECK_EQ(orders_of(ms).back()->VolumeTraded, 3);
  // AnyPrice + IOC, fully fillable.
  h.tick(c.inst, Book{2999, 3001, 10, 3, 3000, 100});
  m = mark(h);
  h.insert(h.order(c.inst, THOST_FTDC_D_Sell, THOST_FTDC_OF_Open, 0, 2, THOST_FTDC_TC_IOC, THOST_FTDC_VC_AV,
                   THOST_FTDC_OPT_AnyPrice));
  ms = m.get();
  CHECK_EQ(orders_of(ms).back()->OrderStatus, THOST_FTDC_OST_AllTraded);
  REQUIRE(trades_of(ms).size() == 1);
  CHECK_EQ(trades_of(ms)[0]->Price, 2999.0);
}

void min_volume(const Case& c) {
  // MV honoured at SHFE/INE/CFFEX only: 10 available, MinVolume 12 of 15 → nothing fills there; elsewhere
  // treated as AV (fills 10).
  Harness h;
  h.open_default();
  quiet_book(h, c.inst);
  CThostFtdcInputOrderField r =
      h.order(c.inst, THOST_FTDC_D_Buy, THOST_FTDC_OF_Open, 3001, 15, THOST_FTDC_TC_IOC, THOST_FTDC_VC_MV);
  r.MinVolume = 12;
  Slice m = mark(h);
  h.insert(r);
  const auto ms = m.get();  // keep the messages alive: CHECK_EQ binds references
  CHECK_EQ(orders_of(ms).back()->VolumeTraded, c.family == Case::Shfe ? 0 : 10);
}

}  // namespace

int main() {
  for (const Case& c : kCases) {
    std::fprintf(stderr, "-- %s\n", c.exchange);
    scenario_1_rest_then_fill(c);
    scenario_2_immediate_full_fill(c);
    scenario_3_rest_then_cancel(c);
    scenario_4_two_fills(c);
    scenario_5_partial_then_cancel(c);
    scenario_6_7_cancel_rejects(c);
    scenario_8_9_10_fak_partial(c);
    fak_multi_fill_and_zero_fill(c);
    fok_and_market(c);
    min_volume(c);
  }
  return shandian::testing::finish("test_sim_core_sequences");
}
