// Every snapshot of whole generated trading days (night start, day start, a Monday with its Friday night)
// satisfies the CTP snapshot rules: prices on the tick grid within the limits, a consistent 5-level book,
// cumulative statistics, DBL_MAX for empty fields, ~500 ms cadence with ms not on 000/500, dates per
// exchange, ticks only inside trading periods, status changes in calendar order.
#include <map>
#include <string>
#include <vector>

#include "feed_test_support.hpp"

using namespace shandian::sim;
using shandian::sim::test::check_tick_invariants;
using shandian::sim::test::generate;

namespace {

struct LaneSeen {
  bool any = false;
  std::int64_t ns = 0;
  int volume = 0;
  double turnover = 0;
  std::int64_t open_ticks = 0;
  std::size_t interval = 0;
};

std::string date_text(CivilDate d) { return format_yyyymmdd(d); }

void check_day(const std::string& trading_day, bool night, std::uint64_t seed) {
  const std::vector<InstrumentSpec> specs = bundled_instruments(trading_day);
  const CivilDate day = parse_trading_day(trading_day);
  // Streamed, not collected: a whole day is ~275k events of ~1 KB.
  GeneratorSource source(specs, GeneratorOptions{seed, trading_day, night, 0});
  auto event = std::make_unique<FeedEvent>();
  REQUIRE(source.next(*event));

  std::vector<SessionTimeline> timelines;
  for (const InstrumentSpec& s : specs) timelines.push_back(session_timeline(s.sessions, s.exchange, day, night));
  std::map<std::string, std::string> status_seq;  // product → statuses seen, in order
  std::map<std::string, char> current_status;     // product → status in force
  std::vector<LaneSeen> seen(specs.size());
  std::int64_t previous_ns = event->exchange_ns;
  std::size_t ticks = 0, events = 0, cadence_violations = 0, aligned_ms = 0;
  std::vector<std::size_t> lane_ticks(specs.size());

  do {
    const FeedEvent& e = *event;
    ++events;
    CHECK(e.exchange_ns >= previous_ns);  // one stream in exchange-time order
    previous_ns = e.exchange_ns;
    if (e.kind == FeedEvent::Kind::Status) {
      const std::string product = e.status.InstrumentID;
      status_seq[product] += e.status.InstrumentStatus;
      current_status[product] = e.status.InstrumentStatus;
      const int s = seconds_of_day_of(e.exchange_ns);
      char hhmmss[16];
      std::snprintf(hhmmss, sizeof hhmmss, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
      CHECK_EQ(std::string(e.status.EnterTime), std::string(hhmmss));
      CHECK_EQ(e.status.EnterReason, '1');
      continue;
    }
    ++lane_ticks[static_cast<std::size_t>(std::max(0, e.instrument_index))];
    REQUIRE(e.kind == FeedEvent::Kind::Tick);
    ++ticks;
    REQUIRE(e.instrument_index >= 0 && static_cast<std::size_t>(e.instrument_index) < specs.size());
    const auto idx = static_cast<std::size_t>(e.instrument_index);
    const InstrumentSpec& spec = specs[idx];
    const CThostFtdcDepthMarketDataField& t = e.tick;
    check_tick_invariants(spec, t);
    CHECK_EQ(spec.to_ticks(t.PreSettlementPrice), spec.to_ticks(spec.reference_price));

    // Time fields agree with exchange_ns; dates follow §3.
    const int s = seconds_of_day_of(e.exchange_ns);
    char hhmmss[16];
    std::snprintf(hhmmss, sizeof hhmmss, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    CHECK_EQ(std::string(t.UpdateTime), std::string(hhmmss));
    CHECK_EQ(static_cast<std::int64_t>(t.UpdateMillisec), e.exchange_ns / kNanosPerMilli % 1000);
    aligned_ms += t.UpdateMillisec % 500 == 0;
    const CivilDate natural = date_of_exchange_ns(e.exchange_ns);
    const std::string expected_trading = spec.exchange == ExchangeKind::CZCE ? date_text(natural) : trading_day;
    const std::string expected_action = spec.exchange == ExchangeKind::DCE ? trading_day : date_text(natural);
    CHECK_EQ(std::string(t.TradingDay), expected_trading);
    CHECK_EQ(std::string(t.ActionDay), expected_action);

    // Ticks only in continuous trading, or the one opening-auction tick in the AuctionMatch second.
    const SessionTimeline& tl = timelines[idx];
    bool in_auction_second = false;
    for (std::int64_t a : tl.auction_match_ns)
      in_auction_second |= e.exchange_ns >= a && e.exchange_ns < a + kNanosPerSecond;
    CHECK(in_continuous_trading(tl, e.exchange_ns) || in_auction_second);
    const char status = current_status[spec.product_id];
    CHECK(in_auction_second ? status == '5' : status == '2');

    // Cumulative statistics and cadence against the instrument's previous snapshot.
    LaneSeen& prev = seen[idx];
    std::size_t interval = tl.continuous.size();
    for (std::size_t i = 0; i < tl.continuous.size(); ++i) {
      if (e.exchange_ns >= tl.continuous[i].begin_ns && e.exchange_ns < tl.continuous[i].end_ns) interval = i;
    }
    if (prev.any) {
      CHECK(t.Volume >= prev.volume);
      CHECK(t.Turnover >= prev.turnover);
      const int traded = t.Volume - prev.volume;
      if (traded > 0) {
        // One trade price per snapshot: the turnover step is exactly lots × price × multiplier.
        const double step = t.Turnover - prev.turnover;
        const double expected = traded * t.LastPrice * spec.volume_multiple;
        CHECK(std::fabs(step - expected) <= 1e-6 * expected + 1e-6);
      }
      if (t.Volume > 0 && prev.volume > 0) CHECK_EQ(spec.to_ticks(t.OpenPrice), prev.open_ticks);
      if (interval == prev.interval && interval < tl.continuous.size()) {
        const std::int64_t gap_ms = (e.exchange_ns - prev.ns) / kNanosPerMilli;
        if (gap_ms < 450 || gap_ms > 550) ++cadence_violations;
      }
    } else if (t.Volume > 0) {
      CHECK(std::fabs(t.Turnover - t.Volume * t.LastPrice * spec.volume_multiple) <= 1e-6 * t.Turnover);
    }
    prev.any = true;
    prev.ns = e.exchange_ns;
    prev.volume = t.Volume;
    prev.turnover = t.Turnover;
    if (t.Volume > 0) prev.open_ticks = spec.to_ticks(t.OpenPrice);
    prev.interval = interval;
  } while (source.next(*event));
  CHECK(event->kind == FeedEvent::Kind::EndOfData);
  CHECK_EQ(cadence_violations, 0u);
  CHECK_EQ(aligned_ms, 0u);

  // Whole day: every lane trades every 500 ms of its intervals (± the first/last slot).
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::int64_t trading_ms = 0;
    for (const TradingInterval& iv : timelines[i].continuous) trading_ms += (iv.end_ns - iv.begin_ns) / kNanosPerMilli;
    const auto expected = static_cast<std::size_t>(trading_ms / 500);
    CHECK(lane_ticks[i] + timelines[i].continuous.size() >= expected &&
          lane_ticks[i] <= expected + timelines[i].auction_match_ns.size());
  }

  // Status changes in calendar order, product level, ending Closed.
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::string expected;
    for (const StatusChange& c : timelines[i].status_changes) expected += c.status;
    CHECK_EQ(status_seq[specs[i].product_id], expected);
    CHECK_EQ(current_status[specs[i].product_id], '6');
  }
  if (night) {
    CHECK_EQ(status_seq["rb"], std::string("3521212126"));
    CHECK_EQ(status_seq["m"], std::string("352135212126"));
  } else {
    CHECK_EQ(status_seq["rb"], std::string("212126"));
  }
  CHECK_EQ(status_seq["IF"], std::string("352126"));
  std::printf("trading day %s (%s start, seed %llu): %zu ticks, %zu events\n", trading_day.c_str(),
              night ? "night" : "day", static_cast<unsigned long long>(seed), ticks, events);
}

void max_ticks_stops_exactly() {
  const auto events = generate(bundled_instruments(), 3, true, "20250102", 777);
  std::size_t ticks = 0;
  for (const FeedEvent& e : events) ticks += e.kind == FeedEvent::Kind::Tick;
  CHECK_EQ(ticks, 777u);
  CHECK(events.back().kind == FeedEvent::Kind::Tick);
}

void night_ticks_after_midnight_carry_the_natural_action_day() {
  // Monday 2025-01-06: au trades Friday 21:00 to Saturday 02:30; SHFE ActionDay is the natural day.
  GeneratorSource source(select_instruments({"au", "m", "SR"}, "20250106"), GeneratorOptions{5, "20250106", true, 0});
  bool saw_saturday = false, saw_dce_night = false, saw_czce_night = false;
  auto event = std::make_unique<FeedEvent>();
  while (source.next(*event)) {
    const FeedEvent& e = *event;
    if (e.kind != FeedEvent::Kind::Tick) continue;
    const std::string id = e.tick.InstrumentID;
    const int s = seconds_of_day_of(e.exchange_ns);
    if (id.rfind("au", 0) == 0 && s < 3 * 3600) {
      saw_saturday = true;
      CHECK_EQ(std::string(e.tick.ActionDay), std::string("20250104"));
      CHECK_EQ(std::string(e.tick.TradingDay), std::string("20250106"));
    }
    if (id.rfind("m", 0) == 0 && s > 20 * 3600) {
      saw_dce_night = true;
      CHECK_EQ(std::string(e.tick.ActionDay), std::string("20250106"));  // DCE: the trading day
    }
    if (id.rfind("SR", 0) == 0 && s > 20 * 3600) {
      saw_czce_night = true;
      CHECK_EQ(std::string(e.tick.TradingDay), std::string("20250103"));  // CZCE: the natural day
    }
  }
  CHECK(saw_saturday && saw_dce_night && saw_czce_night);
}

}  // namespace

int main() {
  check_day("20250102", true, 11);
  check_day("20250102", false, 12);
  check_day("20250106", true, 13);
  max_ticks_stops_exactly();
  night_ticks_after_midnight_carry_the_natural_action_day();
  return shandian::testing::finish("test_sim_feed_generator_tick_invariants_hold_all_day");
}
