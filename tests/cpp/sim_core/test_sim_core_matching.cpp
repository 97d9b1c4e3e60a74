// Matching: snapshot liquidity consumed until the next snapshot, self-trade (same TradeID both sides),
// client vs client across investors, conservative queue position, optimistic queue model, trade-through,
// determinism (same inputs → identical outputs).
#include "core_harness.hpp"

using namespace shandian::sim;
using namespace shandian::sim::test;

namespace {

void liquidity_consumed_until_next_snapshot() {
  Harness h;
  h.open_default();
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  h.buy("rb2505", 3001, 6, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  h.sink.messages.clear();
  h.buy("rb2505", 3001, 6, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  CHECK_EQ(orders_of(h.sink.messages).back()->VolumeTraded, 4);
  h.sink.messages.clear();
  h.buy("rb2505", 3001, 1, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  CHECK_EQ(orders_of(h.sink.messages).back()->VolumeTraded, 0);
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  h.sink.messages.clear();
  h.buy("rb2505", 3001, 1, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  CHECK_EQ(orders_of(h.sink.messages).back()->VolumeTraded, 1);
  // A GFD remainder rests after taking the level: 12 @3001 → 10 filled now... (9 left in this snapshot)
  h.sink.messages.clear();
  h.buy("rb2505", 3001, 12);
  CHECK_EQ(render(h.sink.messages), s("O:a O:a O:1 T"));
  CHECK_EQ(orders_of(h.sink.messages).back()->VolumeTraded, 9);
  CHECK_EQ(orders_of(h.sink.messages).back()->VolumeTotal, 3);
}

void self_trade_same_trade_id() {
  Harness h;
  h.open_default();
  h.tick("rb2505", Book{2990, 3010, 10, 10, 3000, 100});
  h.sell("rb2505", 3000, 2);  // rests inside the spread
  h.sink.messages.clear();
  h.buy("rb2505", 3000, 2);  // crosses our own resting order
  // aggressor (SHFE immediate full fill) then the passive side.
  CHECK_EQ(render(h.sink.messages), s("O:a O:a O:0 T O:3 O:0 T"));
  auto ts = trades_of(h.sink.messages);
  REQUIRE(ts.size() == 2);
  CHECK_EQ(s(ts[0]->TradeID), s(ts[1]->TradeID));
  CHECK(ts[0]->Direction != ts[1]->Direction);
  CHECK_EQ(ts[0]->Price, 3000.0);
  CHECK_EQ(ts[1]->Price, 3000.0);
  CHECK(s(ts[0]->OrderSysID) != s(ts[1]->OrderSysID));

  // Two investors: the passive side's pushes go to its own sessions only.
  RecordingSink s2;
  const int c2 = h.open(s2, "u2");
  s2.messages.clear();
  h.sink.messages.clear();
  h.insert(h.order("rb2505", THOST_FTDC_D_Sell, THOST_FTDC_OF_Open, 3005, 3, THOST_FTDC_TC_GFD, THOST_FTDC_VC_AV,
                   THOST_FTDC_OPT_LimitPrice, "u2"),
           c2);
  CHECK_EQ(render(s2.messages), s("O:a O:3"));
  s2.messages.clear();
  h.buy("rb2505", 3006, 1);  // better than the market ask 3010: fills u2's 3005 at 3005
  CHECK_EQ(render(h.sink.messages), s("O:a O:a O:0 T"));
  CHECK_EQ(render(s2.messages), s("O:3 O:1 T"));
  CHECK_EQ(trades_of(h.sink.messages)[0]->Price, 3005.0);
}

void conservative_queue() {
  Harness h;
  h.open_default();
  h.tick("rb2505", Book{3000, 3002, 10, 10, 3001, 100});
  h.buy("rb2505", 3000, 3);  // joins behind the 10 lots displayed at 3000
  h.sink.messages.clear();
  // 6 trade at 3000, displayed drops 10 → 4: queue ahead 10 → 4, no fill.
  h.tick("rb2505", Book{3000, 3002, 4, 10, 3000, 106});
  CHECK(h.sink.messages.empty());
  // 5 more join behind us (displayed 9), no trade.
  h.tick("rb2505", Book{3000, 3002, 9, 10, 3001, 106});
  CHECK(h.sink.messages.empty());
  // 6 trade at 3000, displayed 9 → 3: provably 6 traded; 4 were ahead → we get 2.
  h.tick("rb2505", Book{3000, 3002, 3, 10, 3000, 112});
  CHECK_EQ(render(h.sink.messages), s("O:3 O:1 T"));
  auto ts = trades_of(h.sink.messages);
  REQUIRE(ts.size() == 1);
  CHECK_EQ(ts[0]->Volume, 2);
  CHECK_EQ(ts[0]->Price, 3000.0);
  h.sink.messages.clear();
  // Volume traded at 3000 with the displayed size unchanged (refills): nothing provable.
  h.tick("rb2505", Book{3000, 3002, 3, 10, 3000, 120});
  CHECK(h.sink.messages.empty());
  // The market trades through 3000 (last 2999): everything at 3000 went first → the last lot fills.
  h.tick("rb2505", Book{2999, 3001, 5, 10, 2999, 125});
  CHECK_EQ(render(h.sink.messages), s("O:1 O:0 T"));
  CHECK_EQ(orders_of(h.sink.messages).back()->VolumeTraded, 3);
}

void optimistic_queue() {
  FrontConfig cfg;
  cfg.queue_model = QueueModel::Optimistic;
  Harness h(cfg);
  h.open_default();
  h.tick("rb2505", Book{3000, 3002, 10, 10, 3001, 100});
  h.buy("rb2505", 3000, 3);
  h.sink.messages.clear();
  h.tick("rb2505", Book{3000, 3002, 9, 10, 3000, 101});  // one lot trades at our price: touch → filled
  CHECK_EQ(render(h.sink.messages), s("O:3 O:0 T"));
  CHECK_EQ(trades_of(h.sink.messages)[0]->Volume, 3);
}

std::string run_script() {
  Harness h;
  h.open_default();
  std::string out;
  for (int i = 0; i < 20; ++i) {
    const double mid = 3000 + (i % 5);
    h.tick("rb2505", Book{mid - 1, mid + 1, 5 + i % 3, 4 + i % 4, mid, 100 + i * 7});
    if (i % 3 == 0) h.buy("rb2505", mid, 2);
    if (i % 4 == 1) h.sell("rb2505", mid + 1, 1);
    if (i % 5 == 2) h.buy("rb2505", mid + 1, 3, THOST_FTDC_OF_Open, THOST_FTDC_TC_IOC);
  }
  for (const TraderMessage& m : h.sink.messages) {
    out.append(reinterpret_cast<const char*>(&m.body), sizeof m.body);
    out += std::to_string(m.stream_seq);
  }
  return out;
}

void deterministic() {
  const std::string a = run_script();
  const std::string b = run_script();
  CHECK(a.size() > 1000);
  CHECK(a == b);
}

}  // namespace

int main() {
  liquidity_consumed_until_next_snapshot();
  self_trade_same_trade_id();
  conservative_queue();
  optimistic_queue();
  deterministic();
  return shandian::testing::finish("test_sim_core_matching");
}
