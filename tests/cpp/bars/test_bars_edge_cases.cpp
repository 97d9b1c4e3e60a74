// The session edge-case table of the bar builder: one block per rule of cpp/bars/bar_builder.hpp, with
// night sessions across midnight, a missing tick at a boundary and late ticks after the close.
#include <cstdio>
#include <string>
#include <vector>

#include "bars_test_support.hpp"

using namespace shandian::bars;
using namespace shandian::bars::testing;

namespace {

// Ticks every `step_ms` in [from, to) (wall-clock ms of day), price rising 1 per tick, volume +2 per tick.
void feed_range(Feed& f, std::uint32_t trading_day, std::int32_t from, std::int32_t to, std::int32_t step_ms,
                double& price, std::int64_t& volume) {
  for (std::int32_t t = from; t < to; t += step_ms) {
    price += 1.0;
    volume += 2;
    f.tick(trading_day, t % static_cast<std::int32_t>(kMsPerDay), price, volume);
  }
}

void opening_auction_tick_folds_into_the_first_bar() {
  {  // night product: 20:59 match tick → the 21:00 bar; its volume is the auction's (new day, base 0)
    Feed f("rb2505");
    f.clock(kFri, hms(20, 58));
    f.tick(kMon, hms(20, 59), 3500, 100);
    f.tick(kMon, hms(21, 0, 0, 500), 3505, 110);
    f.tick(kMon, hms(21, 0, 30), 3498, 112);
    CHECK(f.bars.empty());
    f.tick(kMon, hms(21, 1, 0, 500), 3502, 115);
    REQUIRE(f.bars.size() == 1);
    const Bar& b = f.bars[0];
    CHECK_EQ(b.start_ms, wall(kFri, hms(21, 0)));
    CHECK_EQ(b.end_ms, wall(kFri, hms(21, 1)));
    CHECK_EQ(b.open, 3500.0);
    CHECK_EQ(b.high, 3505.0);
    CHECK_EQ(b.low, 3498.0);
    CHECK_EQ(b.close, 3498.0);
    CHECK_EQ(b.volume, 112);
    CHECK_EQ(b.tick_count, 3U);
    CHECK_EQ(b.trading_day, kMon);
    CHECK(f.at("1m", kFri, hms(20, 59)) == nullptr);
  }
  {  // day-only product: 08:59 → 09:00 bar
    Feed f("AP505");
    f.clock(kMon, hms(8, 50));
    f.tick(kMon, hms(8, 59), 7000, 50);
    f.tick(kMon, hms(9, 0, 10), 7010, 55);
    f.clock(kMon, hms(9, 1));
    REQUIRE(f.bars.size() == 1);
    CHECK_EQ(f.bars[0].start_ms, wall(kMon, hms(9, 0)));
    CHECK_EQ(f.bars[0].open, 7000.0);
    CHECK_EQ(f.bars[0].volume, 55);
  }
  {  // CFFEX: 09:29 → 09:30 bar
    Feed f("IF2503");
    f.clock(kMon, hms(9, 20));
    f.tick(kMon, hms(9, 29), 3900, 20);
    f.tick(kMon, hms(9, 30, 5), 3901, 25);
    f.clock(kMon, hms(9, 31));
    REQUIRE(f.bars.size() == 1);
    CHECK_EQ(f.bars[0].start_ms, wall(kMon, hms(9, 30)));
    CHECK_EQ(f.bars[0].open, 3900.0);
    CHECK_EQ(f.bars[0].tick_count, 2U);
  }
}

struct SessionEnd {
  const char* symbol;
  std::uint32_t natural_day;
  std::int32_t end;
};

void tick_at_a_session_end_folds_into_the_last_minute_and_the_clock_closes_it() {
  const SessionEnd ends[] = {
      {"rb2505", kMon, hms(10, 15)}, {"rb2505", kMon, hms(11, 30)}, {"SR505", kMon, hms(15, 0)},
      {"rb2505", kFri, hms(23, 0)},  {"cu2505", kSat, hms(1, 0)},   {"au2506", kSat, hms(2, 30)},
      {"IF2503", kMon, hms(11, 30)}, {"T2503", kMon, hms(15, 15)},  {"si2505", kMon, hms(15, 0)},
  };
  for (const SessionEnd& e : ends) {
    Feed f(e.symbol);
    f.clock(e.natural_day, e.end - 2 * kMsPerMinute);
    f.tick(kMon, e.end - 30'000, 100.0, 10);
    f.tick(kMon, e.end, 101.0, 12);  // stamped exactly at the end
    f.tick(kMon, e.end + 500, 102.0, 13);
    CHECK(f.bars.empty());
    f.clock(e.natural_day, e.end + 1999);  // still inside the closing grace
    CHECK(f.bars.empty());
    f.clock(e.natural_day, e.end + 2000);
    if (f.bars.size() != 1) {
      std::fprintf(stderr, "%s end %d: %zu bars\n", e.symbol, e.end, f.bars.size());
      CHECK(f.bars.size() == 1);
      continue;
    }
    const Bar& b = f.bars[0];
    CHECK_EQ(b.start_ms, wall(e.natural_day, e.end - kMsPerMinute));
    CHECK_EQ(b.end_ms, wall(e.natural_day, e.end));
    CHECK_EQ(b.close, 102.0);
    CHECK_EQ(b.volume, 3);  // first tick mid-session only sets the base
    CHECK_EQ(b.tick_count, 3U);
    CHECK_EQ(b.trading_day, kMon);
  }
}

void czce_close_without_a_closing_tick_closes_every_series_on_the_clock() {
  Feed f("SR505", {"1m", "5m", "1d"});
  f.clock(kMon, hms(14, 58));
  f.tick(kMon, hms(14, 58, 10), 6000, 500);
  f.tick(kMon, hms(14, 59, 40), 6004, 520);
  CHECK_EQ(f.of("1m").size(), 1U);  // 14:58 closed by the 14:59 tick
  f.clock(kMon, hms(15, 0, 1, 999));
  CHECK_EQ(f.bars.size(), 1U);
  f.clock(kMon, hms(15, 0, 2));
  CHECK_EQ(f.of("1m").size(), 2U);
  REQUIRE(f.of("5m").size() == 1);
  CHECK_EQ(f.nth("5m", 0).start_ms, wall(kMon, hms(14, 55)));
  CHECK_EQ(f.nth("5m", 0).end_ms, wall(kMon, hms(15, 0)));
  CHECK_EQ(f.nth("5m", 0).volume, 20);
  REQUIRE(f.of("1d").size() == 1);
  CHECK_EQ(f.nth("1d", 0).close, 6004.0);
  CHECK_EQ(f.nth("1d", 0).trading_day, kMon);
}

void stale_tick_of_the_previous_session_at_start_up_never_opens_a_bar() {
  {  // started before the day open: the last night tick arrives as the snapshot
    Feed f("rb2505");
    f.clock(kMon, hms(8, 50));
    f.tick(kMon, hms(22, 59, 59, 500), 3400, 5000);
    f.clock(kMon, hms(8, 59, 59));
    CHECK(f.bars.empty());
    CHECK_EQ(f.builder.stats().stale, 1U);
    f.tick(kMon, hms(9, 0, 0, 500), 3410, 5006);
    f.clock(kMon, hms(9, 1));
    REQUIRE(f.bars.size() == 1);
    CHECK_EQ(f.bars[0].start_ms, wall(kMon, hms(9, 0)));
    CHECK_EQ(f.bars[0].open, 3410.0);
    CHECK_EQ(f.bars[0].volume, 6);  // the stale snapshot of the same trading day set the base
  }
  {  // started before the night: the previous day's 15:00 closing tick arrives as the snapshot
    Feed f("rb2505");
    f.clock(kMon, hms(20, 50));
    f.tick(kMon, hms(15, 0), 3400, 9000);
    f.clock(kMon, hms(20, 58));
    CHECK(f.bars.empty());
    CHECK_EQ(f.builder.stats().stale, 1U);
    f.tick(kTue, hms(20, 59), 3420, 30);
    f.tick(kTue, hms(21, 0, 20), 3421, 31);
    f.clock(kMon, hms(21, 1));
    REQUIRE(f.bars.size() == 1);
    CHECK_EQ(f.bars[0].open, 3420.0);
    CHECK_EQ(f.bars[0].volume, 31);
    CHECK_EQ(f.bars[0].trading_day, kTue);
  }
}

void time_bars_never_span_a_break_and_are_anchored_at_window_starts() {
  Feed f("rb2505", {"15m", "30m", "1h"});
  double price = 3000;
  std::int64_t volume = 0;
  f.clock(kFri, hms(20, 58));
  feed_range(f, kMon, hms(21, 0, 10), hms(23, 0), 20'000, price, volume);
  feed_range(f, kMon, hms(9, 0, 10), hms(10, 15), 20'000, price, volume);
  feed_range(f, kMon, hms(10, 30, 10), hms(11, 30), 20'000, price, volume);
  feed_range(f, kMon, hms(13, 30, 10), hms(15, 0), 20'000, price, volume);
  f.clock(kMon, hms(15, 0, 2));
  const auto starts_ends = [&](std::string_view interval) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const Bar& b : f.of(interval)) out.emplace_back(b.start_ms, b.end_ms);
    return out;
  };
  const auto span = [](std::uint32_t d1, std::int32_t s, std::uint32_t d2, std::int32_t e) {
    return std::pair<std::int64_t, std::int64_t>{wall(d1, s), wall(d2, e)};
  };
  const std::vector<std::pair<std::int64_t, std::int64_t>> hours = {
      span(kFri, hms(21, 0), kFri, hms(22, 0)),   span(kFri, hms(22, 0), kFri, hms(23, 0)),
      span(kMon, hms(9, 0), kMon, hms(10, 0)),    span(kMon, hms(10, 0), kMon, hms(10, 15)),
      span(kMon, hms(10, 30), kMon, hms(11, 30)), span(kMon, hms(13, 30), kMon, hms(14, 30)),
      span(kMon, hms(14, 30), kMon, hms(15, 0)),
  };
  CHECK(starts_ends("1h") == hours);
  const std::vector<std::pair<std::int64_t, std::int64_t>> halves = {
      span(kFri, hms(21, 0), kFri, hms(21, 30)), span(kFri, hms(21, 30), kFri, hms(22, 0)),
      span(kFri, hms(22, 0), kFri, hms(22, 30)), span(kFri, hms(22, 30), kFri, hms(23, 0)),
      span(kMon, hms(9, 0), kMon, hms(9, 30)),   span(kMon, hms(9, 30), kMon, hms(10, 0)),
      span(kMon, hms(10, 0), kMon, hms(10, 15)), span(kMon, hms(10, 30), kMon, hms(11, 0)),
      span(kMon, hms(11, 0), kMon, hms(11, 30)), span(kMon, hms(13, 30), kMon, hms(14, 0)),
      span(kMon, hms(14, 0), kMon, hms(14, 30)), span(kMon, hms(14, 30), kMon, hms(15, 0)),
  };
  CHECK(starts_ends("30m") == halves);
  CHECK_EQ(f.of("15m").size(), 8U + 5U + 4U + 6U);
  std::int64_t total = 0;
  for (const Bar& b : f.of("30m")) total += b.volume;
  CHECK_EQ(total, volume - 2);   // the first tick (mid-session start) only sets the base
  for (const Bar& b : f.bars) {  // nothing inside 10:15-10:30, 11:30-13:30 or 23:00-09:00
    CHECK(!(b.start_ms < wall(kMon, hms(10, 30)) && b.end_ms > wall(kMon, hms(10, 15))));
    CHECK(!(b.start_ms < wall(kMon, hms(13, 30)) && b.end_ms > wall(kMon, hms(11, 30))));
    CHECK(!(b.start_ms < wall(kMon, hms(9, 0)) && b.end_ms > wall(kFri, hms(23, 0))));
    CHECK_EQ(b.trading_day, kMon);
  }
  {  // CFFEX index hours: hour bars from 09:30 and 13:00; bond futures add 15:00-15:15
    for (const char* symbol : {"IF2503", "T2503"}) {
      Feed c(symbol, {"1h"});
      double p = 100;
      std::int64_t v = 0;
      c.clock(kMon, hms(9, 20));
      feed_range(c, kMon, hms(9, 30, 10), hms(11, 30), 60'000, p, v);
      feed_range(c, kMon, hms(13, 0, 10), hms(15, 15), 60'000, p, v);
      c.clock(kMon, hms(15, 20));
      std::vector<std::pair<std::int64_t, std::int64_t>> got;
      for (const Bar& b : c.bars) got.emplace_back(b.start_ms, b.end_ms);
      std::vector<std::pair<std::int64_t, std::int64_t>> want = {
          span(kMon, hms(9, 30), kMon, hms(10, 30)), span(kMon, hms(10, 30), kMon, hms(11, 30)),
          span(kMon, hms(13, 0), kMon, hms(14, 0)), span(kMon, hms(14, 0), kMon, hms(15, 0))};
      if (std::string(symbol) == "T2503") want.push_back(span(kMon, hms(15, 0), kMon, hms(15, 15)));
      CHECK(got == want);
      CHECK_EQ(c.builder.stats().out_of_session, std::string(symbol) == "T2503" ? 0U : 15U);
    }
  }
}

void no_empty_bars_across_breaks_and_fills_only_inside_a_window_when_asked() {
  {
    Feed f("rb2505");
    f.clock(kMon, hms(10, 14));
    f.tick(kMon, hms(10, 14, 30), 100, 10);
    f.tick(kMon, hms(10, 30, 30), 101, 12);
    f.clock(kMon, hms(10, 31));
    REQUIRE(f.bars.size() == 2);
    CHECK_EQ(f.bars[0].start_ms, wall(kMon, hms(10, 14)));
    CHECK_EQ(f.bars[1].start_ms, wall(kMon, hms(10, 30)));
  }
  {
    BuilderOptions fill;
    fill.emit_empty_bars = true;
    Feed f("rb2505", {"1m"}, fill);
    f.clock(kMon, hms(10, 10));
    f.tick(kMon, hms(10, 10, 30), 100, 10);
    f.tick(kMon, hms(10, 13, 30), 103, 14);
    f.clock(kMon, hms(10, 15, 2));
    f.tick(kMon, hms(10, 30, 30), 104, 15);
    f.clock(kMon, hms(10, 31));
    const std::int32_t starts[] = {hms(10, 10), hms(10, 11), hms(10, 12), hms(10, 13), hms(10, 14), hms(10, 30)};
    const bool filled[] = {false, true, true, false, true, false};
    const double closes[] = {100, 100, 100, 103, 103, 104};
    REQUIRE(f.bars.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
      CHECK_EQ(f.bars[i].start_ms, wall(kMon, starts[i]));
      CHECK_EQ(f.bars[i].filled, filled[i]);
      CHECK_EQ(f.bars[i].close, closes[i]);
      if (filled[i]) CHECK_EQ(f.bars[i].volume, 0);
      if (filled[i]) CHECK_EQ(f.bars[i].tick_count, 0U);
    }
    CHECK_EQ(f.bars[3].volume, 4);
    CHECK_EQ(f.bars[5].volume, 1);
  }
}

void night_session_belongs_to_the_next_trading_days_daily_bar() {
  Feed f("rb2505", {"1m", "1d"});
  f.clock(kFri, hms(20, 58));
  f.tick(kMon, hms(20, 59), 3500, 100);
  f.tick(kMon, hms(21, 30), 3520, 200);
  f.tick(kMon, hms(22, 59, 59), 3490, 300);
  f.clock(kFri, hms(23, 5));
  f.clock(kMon, hms(8, 55));
  f.tick(kMon, hms(9, 0, 30), 3480, 350);
  f.tick(kMon, hms(14, 59, 59), 3530, 400);
  CHECK(f.of("1d").empty());
  f.clock(kMon, hms(15, 0, 2));
  REQUIRE(f.of("1d").size() == 1);
  const Bar d = f.of("1d")[0];
  CHECK_EQ(d.trading_day, kMon);
  CHECK_EQ(d.start_ms, wall(kFri, hms(21, 0)));
  CHECK_EQ(d.end_ms, wall(kMon, hms(15, 0)));
  CHECK_EQ(d.open, 3500.0);
  CHECK_EQ(d.high, 3530.0);
  CHECK_EQ(d.low, 3480.0);
  CHECK_EQ(d.close, 3530.0);
  CHECK_EQ(d.volume, 400);
  CHECK_EQ(d.tick_count, 5U);
  const Bar* night = f.at("1m", kFri, hms(21, 30));
  REQUIRE(night != nullptr);
  CHECK_EQ(night->trading_day, kMon);
}

void night_session_across_midnight_keeps_one_trading_day_and_wall_times() {
  Feed f("au2506", {"1m", "1h"});
  f.clock(kFri, hms(23, 58));
  f.tick(kMon, hms(23, 59, 30), 500, 1000);
  f.tick(kMon, hms(0, 0, 30), 501, 1010);
  f.tick(kMon, hms(0, 59, 59), 502, 1020);
  f.tick(kMon, hms(2, 29, 59, 500), 503, 1030);
  f.tick(kMon, hms(2, 30), 504, 1040);
  f.clock(kSat, hms(2, 30, 2));
  CHECK(f.at("1m", kFri, hms(23, 59)) != nullptr);
  CHECK(f.at("1m", kSat, hms(0, 0)) != nullptr);
  CHECK(f.at("1m", kSat, hms(0, 59)) != nullptr);
  const Bar* last = f.at("1m", kSat, hms(2, 29));
  REQUIRE(last != nullptr);
  CHECK_EQ(last->close, 504.0);
  CHECK_EQ(last->end_ms, wall(kSat, hms(2, 30)));
  const Bar* h23 = f.at("1h", kFri, hms(23, 0));
  const Bar* h00 = f.at("1h", kSat, hms(0, 0));
  const Bar* h02 = f.at("1h", kSat, hms(2, 0));
  REQUIRE(h23 != nullptr && h00 != nullptr && h02 != nullptr);
  CHECK_EQ(h23->end_ms, wall(kSat, hms(0, 0)));
  CHECK_EQ(h00->volume, 20);
  CHECK_EQ(h02->end_ms, wall(kSat, hms(2, 30)));
  for (const Bar& b : f.bars) CHECK_EQ(b.trading_day, kMon);
  CHECK_EQ(f.bars.size(), 4U + 3U);
}

void czce_night_ticks_stamped_with_the_natural_day_go_to_the_next_trading_day() {
  Feed f("SR505", {"1m", "1d"});
  f.clock(kFri, hms(20, 58));
  f.tick(kFri, hms(20, 59), 6000, 20);  // CZCE: TradingDay = natural day (Friday) at night
  f.tick(kFri, hms(21, 0, 30), 6002, 50);
  f.clock(kFri, hms(23, 5));
  f.tick(kMon, hms(9, 0, 30), 6010, 80);
  f.clock(kMon, hms(15, 0, 2));
  const Bar* night = f.at("1m", kFri, hms(21, 0));
  REQUIRE(night != nullptr);
  CHECK_EQ(night->trading_day, kMon);
  CHECK_EQ(night->volume, 50);
  REQUIRE(f.of("1d").size() == 1);
  CHECK_EQ(f.nth("1d", 0).trading_day, kMon);
  CHECK_EQ(f.nth("1d", 0).volume, 80);
  CHECK_EQ(f.nth("1d", 0).start_ms, wall(kFri, hms(21, 0)));
}

void volume_turnover_and_open_interest_come_from_cumulative_fields_and_reset_at_the_trading_day() {
  Feed f("rb2505");
  f.clock(kMon, hms(14, 58));
  f.tick(kMon, hms(14, 59), 3500, 5000, 2000);
  f.tick(kMon, hms(14, 59, 30), 3501, 5010, 1990);
  f.clock(kMon, hms(15, 0, 2));
  REQUIRE(f.bars.size() == 1);
  CHECK_EQ(f.bars[0].volume, 10);
  CHECK_EQ(f.bars[0].turnover, 100.0);
  CHECK_EQ(f.bars[0].open_interest, 1990.0);
  CHECK_EQ(f.bars[0].open_interest_change, -10.0);
  f.clock(kMon, hms(20, 58));
  f.tick(kTue, hms(20, 59), 3510, 30, 2010);
  f.tick(kTue, hms(21, 0, 30), 3512, 45, 2005);
  f.clock(kMon, hms(21, 1));
  REQUIRE(f.bars.size() == 2);
  CHECK_EQ(f.bars[1].volume, 45);  // not 45 - 5010
  CHECK_EQ(f.bars[1].turnover, 450.0);
  CHECK_EQ(f.bars[1].open_interest, 2005.0);
  CHECK_EQ(f.bars[1].open_interest_change, 15.0);  // against the last open interest of the previous day
  CHECK_EQ(f.bars[1].trading_day, kTue);

  Feed missed("rb2505");  // the new day's auction tick was missed: still counted from 0, not from 5010
  missed.clock(kMon, hms(14, 58));
  missed.tick(kMon, hms(14, 59), 3500, 5000);
  missed.tick(kMon, hms(14, 59, 30), 3501, 5010);
  missed.clock(kMon, hms(20, 58));
  missed.tick(kTue, hms(21, 0, 30), 3512, 45);
  missed.clock(kMon, hms(21, 1));
  REQUIRE(missed.bars.size() == 2);
  CHECK_EQ(missed.bars[1].volume, 45);
}

void missing_tick_at_a_boundary_closes_the_bar_on_the_next_tick_or_the_clock() {
  Feed f("rb2505");
  f.clock(kMon, hms(9, 0));
  f.tick(kMon, hms(9, 0, 30), 100, 1000);
  f.tick(kMon, hms(9, 0, 50), 101, 1005);
  f.tick(kMon, hms(9, 2, 10), 102, 1010);  // nothing in 09:01
  REQUIRE(f.bars.size() == 1);
  CHECK_EQ(f.bars[0].start_ms, wall(kMon, hms(9, 0)));
  CHECK_EQ(f.bars[0].volume, 5);
  f.clock(kMon, hms(9, 2, 59, 999));
  CHECK_EQ(f.bars.size(), 1U);
  f.clock(kMon, hms(9, 3));  // in-session bars close on the clock without grace
  REQUIRE(f.bars.size() == 2);
  CHECK_EQ(f.bars[1].start_ms, wall(kMon, hms(9, 2)));
  CHECK_EQ(f.bars[1].volume, 5);
  CHECK(f.at("1m", kMon, hms(9, 1)) == nullptr);
}

void late_tick_after_the_close_changes_no_bar() {
  Feed f("rb2505", {"1m", "1d"});
  f.clock(kMon, hms(10, 14));
  f.tick(kMon, hms(10, 14, 20), 100, 1000);
  f.clock(kMon, hms(10, 15, 2));
  REQUIRE(f.of("1m").size() == 1);
  f.tick(kMon, hms(10, 14, 59, 800), 999, 1003);  // arrives after its window closed
  f.tick(kMon, hms(10, 15, 1), 998, 1004);        // stamped in the closed grace
  CHECK_EQ(f.of("1m").size(), 1U);
  CHECK_EQ(f.nth("1m", 0).close, 100.0);
  CHECK_EQ(f.builder.stats().stale, 2U);
  f.tick(kMon, hms(10, 30, 10), 101, 1006);
  f.clock(kMon, hms(15, 0, 2));
  f.tick(kMon, hms(15, 0, 1, 500), 997, 1100);  // closing tick after the day closed on the clock
  f.clock(kMon, hms(15, 10));
  REQUIRE(f.of("1m").size() == 2);
  CHECK_EQ(f.nth("1m", 1).volume, 2);  // the late ticks re-based the volume
  REQUIRE(f.of("1d").size() == 1);
  CHECK_EQ(f.nth("1d", 0).high, 101.0);
  CHECK_EQ(f.builder.stats().stale, 3U);
}

void tick_a_little_behind_the_clock_in_the_same_window_is_taken_at_the_clock_time() {
  Feed f("rb2505");
  f.clock(kMon, hms(9, 0));
  f.tick(kMon, hms(9, 0, 30), 100, 1000);
  f.clock(kMon, hms(9, 1, 0, 200));
  REQUIRE(f.bars.size() == 1);
  f.tick(kMon, hms(9, 0, 59, 900), 105, 1002);
  CHECK_EQ(f.bars[0].close, 100.0);
  f.clock(kMon, hms(9, 2));
  REQUIRE(f.bars.size() == 2);
  CHECK_EQ(f.bars[1].start_ms, wall(kMon, hms(9, 1)));
  CHECK_EQ(f.bars[1].open, 105.0);
  CHECK_EQ(f.bars[1].volume, 2);
}

void tick_behind_the_clock_within_the_tolerance_counts_at_its_own_time() {
  BuilderOptions options;
  options.clock_tolerance_ms = 500;
  Feed f("rb2505", {"1m"}, options);
  f.clock(kMon, hms(9, 0));
  f.tick(kMon, hms(9, 0, 30), 100, 1000);
  f.clock(kMon, hms(9, 1, 0, 300));
  CHECK(f.bars.empty());  // waits for ticks up to 500 ms late
  f.tick(kMon, hms(9, 0, 59, 900), 105, 1002);
  f.clock(kMon, hms(9, 1, 0, 499));
  CHECK(f.bars.empty());
  f.clock(kMon, hms(9, 1, 0, 500));
  REQUIRE(f.bars.size() == 1);
  CHECK_EQ(f.bars[0].close, 105.0);
  CHECK_EQ(f.bars[0].volume, 2);
  f.tick(kMon, hms(9, 0, 59, 950), 107, 1003);  // now beyond the tolerance: taken at the clock's time
  f.clock(kMon, hms(9, 2, 0, 500));
  REQUIRE(f.bars.size() == 2);
  CHECK_EQ(f.bars[1].start_ms, wall(kMon, hms(9, 1)));
  CHECK_EQ(f.bars[1].open, 107.0);
  CHECK_EQ(f.nth("1m", 0).close, 105.0);
  BuilderOptions bad;
  bad.clock_tolerance_ms = 3000;  // more than the closing grace
  bool thrown = false;
  try {
    BarBuilder b("rb2505", bad);
  } catch (const InvalidBuilderConfigError&) {
    thrown = true;
  }
  CHECK(thrown);
}

void tick_and_volume_bars_count_in_session_ticks_and_close_with_the_day() {
  Feed f("rb2505", {"3t", "10v"});
  f.clock(kMon, hms(9, 0));
  f.tick(kMon, hms(9, 0, 10), 100, 1000);
  f.tick(kMon, hms(9, 0, 20), 101, 1004);
  f.tick(kMon, hms(10, 20), 150, 1005);  // in the break: not a tick of any bar
  f.tick(kMon, hms(9, 0, 30), 102, 1008);
  REQUIRE(f.of("3t").size() == 1);
  const Bar t = f.of("3t")[0];
  CHECK_EQ(t.start_ms, wall(kMon, hms(9, 0, 10)));
  CHECK_EQ(t.end_ms, wall(kMon, hms(9, 0, 30)));
  CHECK_EQ(t.volume, 8);
  CHECK_EQ(t.high, 102.0);
  CHECK(f.of("10v").empty());
  f.tick(kMon, hms(9, 0, 40), 103, 1015);
  REQUIRE(f.of("10v").size() == 1);
  CHECK_EQ(f.nth("10v", 0).volume, 15);
  CHECK_EQ(f.nth("10v", 0).tick_count, 4U);
  f.tick(kMon, hms(14, 0), 104, 1016);
  f.clock(kMon, hms(15, 0, 1));
  CHECK_EQ(f.bars.size(), 2U);
  f.clock(kMon, hms(15, 0, 2));
  REQUIRE(f.of("3t").size() == 2);
  CHECK_EQ(f.nth("3t", 1).tick_count, 2U);
  REQUIRE(f.of("10v").size() == 2);
  CHECK_EQ(f.nth("10v", 1).volume, 1);
  CHECK_EQ(f.builder.stats().out_of_session, 1U);
}

void ticks_in_breaks_or_without_a_price_or_date_are_counted_and_ignored() {
  Feed f("rb2505");
  f.clock(kMon, hms(10, 16));
  f.tick(kMon, hms(10, 20), 100, 10);
  f.tick(kMon, hms(10, 29, 30), 100, 10);  // 10:30 resumes without an auction
  f.tick(kMon, hms(12, 0), 100, 10);
  shandian::core::TickData t = make_tick("rb2505", 20250230, hms(10, 31), 100, 10);
  f.builder.on_tick(t, [&](const Bar& b) { f.bars.push_back(b); });
  t = make_tick("rb2505", kMon, static_cast<std::int32_t>(kMsPerDay), 100, 10);
  f.builder.on_tick(t, [&](const Bar& b) { f.bars.push_back(b); });
  f.tick(kMon, hms(10, 31), 0.0, 10);
  f.clock(kMon, hms(11, 0));
  CHECK(f.bars.empty());
  CHECK_EQ(f.builder.stats().out_of_session, 3U);
  CHECK_EQ(f.builder.stats().malformed, 2U);
  CHECK_EQ(f.builder.stats().no_price, 1U);
  CHECK_EQ(f.builder.stats().accepted, 0U);
}

template <class Error, class Fn>
void expect_throw(Fn&& fn, const char* what) {
  try {
    fn();
  } catch (const Error&) {
    return;
  }
  std::fprintf(stderr, "expected a typed error: %s\n", what);
  CHECK(false);
}

void bad_set_up_raises_typed_errors() {
  expect_throw<InvalidIntervalError>([] { (void)parse_interval("7x"); }, "unit x");
  expect_throw<InvalidIntervalError>([] { (void)parse_interval("0m"); }, "zero minutes");
  expect_throw<InvalidIntervalError>([] { (void)parse_interval("300m"); }, "300 minutes");
  expect_throw<InvalidIntervalError>([] { (void)parse_interval("2d"); }, "2 days");
  expect_throw<InvalidIntervalError>([] { (void)parse_interval("m"); }, "no count");
  expect_throw<UnknownProductError>([] { BarBuilder b("xx2505"); }, "unknown product");
  expect_throw<InvalidBuilderConfigError>(
      [] {
        BarBuilder b("rb2505");
        b.add_interval(parse_interval("5m"));
        b.add_interval(parse_interval("5m"));
      },
      "duplicate interval");
  expect_throw<InvalidBuilderConfigError>(
      [] {
        BuilderOptions o;
        o.close_grace_ms = 70'000;
        BarBuilder b("rb2505", o);
      },
      "grace too long");
  CHECK(parse_interval("1h") == (BarInterval{BarKind::Minutes, 60}));
  CHECK_EQ(to_string(parse_interval("60m")), std::string("1h"));
  CHECK_EQ(to_string(parse_interval("500v")), std::string("500v"));
}

}  // namespace

int main() {
  opening_auction_tick_folds_into_the_first_bar();
  tick_at_a_session_end_folds_into_the_last_minute_and_the_clock_closes_it();
  czce_close_without_a_closing_tick_closes_every_series_on_the_clock();
  stale_tick_of_the_previous_session_at_start_up_never_opens_a_bar();
  time_bars_never_span_a_break_and_are_anchored_at_window_starts();
  no_empty_bars_across_breaks_and_fills_only_inside_a_window_when_asked();
  night_session_belongs_to_the_next_trading_days_daily_bar();
  night_session_across_midnight_keeps_one_trading_day_and_wall_times();
  czce_night_ticks_stamped_with_the_natural_day_go_to_the_next_trading_day();
  volume_turnover_and_open_interest_come_from_cumulative_fields_and_reset_at_the_trading_day();
  missing_tick_at_a_boundary_closes_the_bar_on_the_next_tick_or_the_clock();
  late_tick_after_the_close_changes_no_bar();
  tick_a_little_behind_the_clock_in_the_same_window_is_taken_at_the_clock_time();
  tick_behind_the_clock_within_the_tolerance_counts_at_its_own_time();
  tick_and_volume_bars_count_in_session_ticks_and_close_with_the_day();
  ticks_in_breaks_or_without_a_price_or_date_are_counted_and_ignored();
  bad_set_up_raises_typed_errors();
  return shandian::testing::finish("test_bars_edge_cases");
}
