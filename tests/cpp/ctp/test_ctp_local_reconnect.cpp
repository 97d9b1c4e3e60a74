// Fault injection through the local front (disconnect_after): the trader connection drops while orders
// are filling; the vendor API reconnects by itself; the session re-authenticates, logs in on a new
// session, reconciles with order + trade queries (and the front's stream resume), and agents end up with
// every trade exactly once: no duplicate (ExchangeID, TradeID, direction), every order's traded volume
// matched by its trades, and the queried position equal to the net of the delivered trades.
#include <cmath>
#include <set>
#include <tuple>

#include "local_front.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

const std::string kBase = "instruments=rb&speed=20&seed=11&query_interval_ms=100&app_id=shandian_test&reconnect_ms=300";

// How many trader callbacks the session receives up to Ready (deterministic for a seed).
std::uint64_t callbacks_until_ready(const std::string& name) {
  LocalFront probe(name, kBase);
  if (!probe.wait_ready()) return 0;
  probe.run_for(std::chrono::milliseconds(200));
  return probe.session.stats().trader_pushed;
}

void disconnect_reconnect_reconcile(const std::string& name, shandian::ctp::ResumeType resume, std::uint64_t extra) {
  const std::uint64_t startup = callbacks_until_ready(name + "-probe");
  REQUIRE(startup > 0);
  const std::string params = kBase + "&disconnect_after=" + std::to_string(startup + extra);
  LocalFront f(name, params, [&](SessionConfig& c) { c.resume = resume; });
  REQUIRE(f.wait_ready());
  const InstrumentIndex rb = f.instrument_of("rb");
  REQUIRE(rb != kNoInstrument);
  REQUIRE(f.engine.subscribe(f.agent, f.engine.registry().at(rb).spec.symbol.view()) == RejectCode::None);
  REQUIRE(f.run_until(
      [&] {
        return !f.journal.ticks.empty() && f.journal.ticks.back().ask_price[0] > 0 &&
               f.journal.ticks.back().bid_price[0] > 0;
      },
      std::chrono::milliseconds(20000)));

  std::vector<OrderId> ours;
  int long_open = 0;  // our belief, only to choose the next side
  auto all_final = [&] {
    for (const OrderId id : ours) {
      const OrderUpdate* u = f.journal.last_update(id);
      if (u == nullptr || !is_final(u->status) || f.journal.traded_by_trades(id) != u->traded) return false;
    }
    return true;
  };
  // Trade in bursts of two orders until the connection drops.
  const bool dropped = f.run_until(
      [&] {
        if (f.journal.count(SessionNoticeKind::TraderDisconnected) > 0) return true;
        if (!f.session.trading_ready() || !all_final() || ours.size() >= 60) return false;
        const TickData& t = f.journal.ticks.back();
        for (int k = 0; k < 2; ++k) {
          // Close only lots the agent's ledger holds free (a FAK may not fill): the engine refuses the rest.
          const PositionLedger* p = f.engine.ledgers().position(f.agent, rb);
          const bool holds = p != nullptr && p->side[0].today - p->side[0].frozen_today > 0;
          const bool buy = long_open < 4 || !holds;
          const double price = buy ? std::min(t.ask_price[0] + 10, t.upper_limit_price)
                                   : std::max(t.bid_price[0] - 10, t.lower_limit_price);
          const InsertResult r =
              f.engine.insert_order(f.agent, rb, buy ? Direction::Buy : Direction::Sell,
                                    buy ? Offset::Open : Offset::CloseToday, price, 1, OrderKind::Fak);
          if (!r.ok()) break;
          ours.push_back(r.order);
          long_open += buy ? 1 : -1;
        }
        return false;
      },
      std::chrono::milliseconds(60000));
  REQUIRE(dropped);
  const std::size_t sent_before_drop = ours.size();
  CHECK(sent_before_drop > 0);

  // Reconnect, re-login, reconcile: Ready again, and every order settled.
  REQUIRE(f.run_until([&] { return f.journal.count(SessionNoticeKind::TraderReady) >= 2; },
                      std::chrono::milliseconds(30000)));
  REQUIRE(f.run_until(all_final, std::chrono::milliseconds(20000)));
  // One more round trip on the new session proves the OrderRef sequence survived the reconnect.
  const TickData& t = f.journal.ticks.back();
  const InsertResult after = f.engine.insert_order(
      f.agent, rb, Direction::Buy, Offset::Open, std::min(t.ask_price[0] + 10, t.upper_limit_price), 1, OrderKind::Fak);
  REQUIRE(after.ok());
  ours.push_back(after.order);
  REQUIRE(f.run_until(all_final, std::chrono::milliseconds(20000)));
  // Let the position/account queries of a final reconcile settle: ask for one more via a second drop?
  // No: compare with the positions queried after the reconnect plus what traded since.
  f.run_for(std::chrono::milliseconds(500));

  CHECK_EQ(f.journal.count(SessionNoticeKind::TraderDisconnected), 1u);
  CHECK(f.session.stats().logins >= 2u);
  CHECK(f.session.session_id() != 0);

  // No duplicate trade.
  std::set<std::tuple<std::string, std::string, int>> keys;
  int net = 0;
  for (const TradeUpdate& tr : f.journal.trades) {
    const bool fresh =
        keys.emplace(std::string(tr.exchange.view()), std::string(tr.trade_id.view()), static_cast<int>(tr.direction))
            .second;
    CHECK(fresh);
    CHECK_EQ(tr.agent, f.agent);  // every trade attributed to the agent, also those learned by reconcile
    net += tr.direction == Direction::Buy ? tr.volume : -tr.volume;
  }
  // No lost trade: each order's reported traded volume is matched by distinct trades.
  int orders_with_fills = 0;
  for (const OrderId id : ours) {
    REQUIRE(f.journal.last_update(id) != nullptr);
    const OrderUpdate u = *f.journal.last_update(id);  // a copy: the journal's vector may grow
    CHECK(is_final(u.status));
    CHECK_EQ(f.journal.traded_by_trades(id), u.traded);
    if (u.traded > 0) ++orders_with_fills;
  }
  CHECK(orders_with_fills > 0);
  CHECK_EQ(f.engine.order_manager().live_count(), 0u);

  // Ground truth from the exchange: the position query after the reconnect, plus the one order since.
  const PositionSnapshot& p = f.engine.registry().at(rb).position;
  const int after_fill = f.journal.traded_by_trades(after.order);
  CHECK_EQ(p.long_today + after_fill, net);
  std::fprintf(stderr,
               "%s: %zu orders before the drop, %zu trades, net %d, queried long_today %d (+%d since), "
               "reconcile trades %zu, duplicates suppressed %llu\n",
               name.c_str(), sent_before_drop, f.journal.trades.size(), net, p.long_today, after_fill,
               static_cast<std::size_t>(std::count_if(f.journal.trades.begin(), f.journal.trades.end(),
                                                      [](const TradeUpdate& x) { return x.from_reconcile; })),
               static_cast<unsigned long long>(f.engine.order_manager().stats().duplicate_trades));
}

}  // namespace

int main() {
  disconnect_reconnect_reconcile("reconnect-quick", shandian::ctp::ResumeType::Quick, 9);
  disconnect_reconnect_reconcile("reconnect-resume", shandian::ctp::ResumeType::Resume, 14);
  return shandian::testing::finish("test_ctp_local_reconnect");
}
