// CSV: generator → write_csv (native format) → CsvSource reproduces the generator's events bit for bit
// (ticks and, for a whole day, the status timeline too); a vn.py TickData CSV replays with CTP conventions.
#include <cfloat>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "feed_test_support.hpp"
#include "sim/core/front_config.hpp"

using namespace shandian::sim;

namespace {

bool same_event(const FeedEvent& a, const FeedEvent& b) {
  if (a.kind != b.kind || a.exchange_ns != b.exchange_ns || a.instrument_index != b.instrument_index) return false;
  if (a.kind == FeedEvent::Kind::Tick) return std::memcmp(&a.tick, &b.tick, sizeof a.tick) == 0;
  if (a.kind == FeedEvent::Kind::Status) return std::memcmp(&a.status, &b.status, sizeof a.status) == 0;
  return true;
}

void whole_day_round_trip_is_bit_exact() {
  const std::vector<InstrumentSpec> rb = select_instruments({"rb"});
  const std::string path = "test_sim_feed_csv_round_trip_rb_day.csv";
  {
    GeneratorSource source(rb, GeneratorOptions{7, "20250102", false, 0});
    CHECK_EQ(write_csv(source, path), 27'000);  // 3h45m of 500 ms snapshots
  }
  GeneratorSource generated(rb, GeneratorOptions{7, "20250102", false, 0});
  CsvSource replayed(path, rb);
  CHECK(replayed.dialect() == CsvDialect::Native);
  CHECK_EQ(std::string(replayed.trading_day()), std::string("20250102"));
  CHECK_EQ(replayed.tick_count(), 27'000u);
  FeedEvent a{}, b{};
  std::size_t events = 0, mismatches = 0, statuses = 0;
  bool more = true;
  while (more) {
    more = generated.next(a);
    const bool more_replayed = replayed.next(b);
    CHECK_EQ(more, more_replayed);
    if (!same_event(a, b)) {
      if (mismatches++ < 3) std::fprintf(stderr, "event %zu differs (kinds %d/%d)\n", events, int(a.kind), int(b.kind));
    }
    statuses += a.kind == FeedEvent::Kind::Status;
    ++events;
  }
  CHECK_EQ(mismatches, 0u);
  CHECK_EQ(statuses, 6u);  // 09:00 2, 10:15 1, 10:30 2, 11:30 1, 13:30 2, 15:00 6
  std::remove(path.c_str());
}

void night_start_multi_instrument_ticks_round_trip() {
  const std::vector<InstrumentSpec> all = bundled_instruments();
  std::ostringstream csv;
  {
    GeneratorSource source(all, GeneratorOptions{9, "20250102", true, 30'000});
    CHECK_EQ(write_csv(source, csv), 30'000);
  }
  const std::string path = "test_sim_feed_csv_round_trip_night.csv";
  std::ofstream(path, std::ios::binary) << csv.str();
  // Through the factory, as the front does.
  FrontConfig config;
  config.source = "csv:" + path;
  const std::unique_ptr<FeedSource> replayed = make_feed_source(config, all);
  CHECK_EQ(std::string(replayed->trading_day()), std::string("20250102"));
  GeneratorSource generated(all, GeneratorOptions{9, "20250102", true, 30'000});
  FeedEvent a{}, b{};
  std::size_t ticks = 0, mismatches = 0;
  std::string replay_statuses;
  while (generated.next(a)) {
    if (a.kind != FeedEvent::Kind::Tick) continue;
    do {
      REQUIRE(replayed->next(b));
      if (b.kind == FeedEvent::Kind::Status) replay_statuses += b.status.InstrumentStatus;
    } while (b.kind != FeedEvent::Kind::Tick);
    mismatches += !same_event(a, b);
    ++ticks;
  }
  CHECK_EQ(ticks, 30'000u);
  CHECK_EQ(mismatches, 0u);
  // The replay derives the night's status timeline from the calendar: 20:55 3, 20:59 5, 21:00 2 per product
  // with a night session (CFFEX has none), before the first continuous tick.
  CHECK_EQ(replay_statuses.substr(0, 15), std::string("333335555522222"));
  std::remove(path.c_str());
}

void vnpy_tick_csv_replays_with_ctp_conventions() {
  const std::vector<InstrumentSpec> table = bundled_instruments();  // rb2505 ... SR505
  const std::string path = "test_sim_feed_csv_vnpy.csv";
  std::ofstream(path, std::ios::binary)
      << ",symbol,exchange,datetime,name,volume,turnover,open_interest,last_price,last_volume,limit_up,limit_down,"
         "open_price,high_price,low_price,pre_close,bid_price_1,bid_price_2,bid_price_3,bid_price_4,bid_price_5,"
         "ask_price_1,ask_price_2,ask_price_3,ask_price_4,ask_price_5,bid_volume_1,bid_volume_2,bid_volume_3,"
         "bid_volume_4,bid_volume_5,ask_volume_1,ask_volume_2,ask_volume_3,ask_volume_4,ask_volume_5,gateway_name,"
         "localtime\r\n"
      << "0,SR505,CZCE,2025-01-01 21:00:00.500000+08:00,\"白糖,505\",10.0,590000.0,678010.0,5900.0,10.0,6195.0,5605.0,"
         "5900.0,5900.0,5900.0,5902.0,5899.0,5898.0,0.0,0.0,0.0,5900.0,5901.0,0.0,0.0,0.0,5.0,6.0,0.0,0.0,0.0,7.0,8.0,"
         "0.0,0.0,0.0,CTP,\r\n"
      << "1,rb2505,SHFE,2025-01-02 "
         "00:00:00.5,,12,396000,1000000,3300,2,3531,3069,3300,3300,3300,3303,3299,,,,,3531,,,,,"
         "4,,,,,9,,,,,CTP,\r\n"
      << "2,rb2505,SHFE,2025-01-02T09:00:01,,20,660000,1000004,3300,8,3531,3069,3300,3300,3300,3303,3300,3299,3298,"
         "3297,3296,0,0,0,0,0,1,2,3,4,5,0,0,0,0,0,CTP,\r\n";
  CsvSource source(path, table);
  CHECK(source.dialect() == CsvDialect::VnPy);
  CHECK_EQ(std::string(source.trading_day()), std::string("20250102"));
  FeedEvent e{};
  std::vector<FeedEvent> ticks;
  std::string statuses;
  while (source.next(e)) {
    if (e.kind == FeedEvent::Kind::Tick) ticks.push_back(e);
    if (e.kind == FeedEvent::Kind::Status)
      statuses += std::string(e.status.InstrumentID) + e.status.InstrumentStatus + " ";
  }
  REQUIRE(ticks.size() == 3);
  const CThostFtdcDepthMarketDataField& sr = ticks[0].tick;
  CHECK_EQ(ticks[0].instrument_index, 5);
  CHECK_EQ(std::string(sr.InstrumentID), std::string("SR505"));
  CHECK_EQ(std::string(sr.ExchangeID), std::string("CZCE"));
  CHECK_EQ(std::string(sr.TradingDay), std::string("20250101"));  // CZCE: natural day
  CHECK_EQ(std::string(sr.ActionDay), std::string("20250101"));
  CHECK_EQ(std::string(sr.UpdateTime), std::string("21:00:00"));
  CHECK_EQ(sr.UpdateMillisec, 500);
  CHECK_EQ(sr.Volume, 10);
  CHECK_EQ(sr.Turnover, 590000.0);
  CHECK_EQ(sr.AveragePrice, 5900.0);  // CZCE: per-unit average
  CHECK_EQ(sr.BidPrice2, 5898.0);
  CHECK(sr.BidPrice3 == DBL_MAX && sr.BidVolume3 == 0);  // vn.py's 0 is CTP's DBL_MAX
  CHECK(sr.AskPrice3 == DBL_MAX && sr.AskVolume3 == 0);
  CHECK(sr.PreSettlementPrice == DBL_MAX && sr.SettlementPrice == DBL_MAX);
  CHECK_EQ(sr.UpperLimitPrice, 6195.0);
  CHECK_EQ(ticks[0].exchange_ns, to_exchange_ns(CivilDate{2025, 1, 1}, 21 * 3600, 500));

  const CThostFtdcDepthMarketDataField& rb_night = ticks[1].tick;
  CHECK_EQ(std::string(rb_night.TradingDay), std::string("20250102"));
  CHECK_EQ(std::string(rb_night.ActionDay), std::string("20250102"));
  CHECK_EQ(rb_night.AveragePrice, 33000.0);  // non-CZCE: Turnover / Volume, multiplier included
  CHECK(rb_night.BidPrice2 == DBL_MAX && rb_night.AskVolume2 == 0);
  const CThostFtdcDepthMarketDataField& rb_day = ticks[2].tick;
  CHECK(rb_day.AskPrice1 == DBL_MAX && rb_day.AskVolume1 == 0);  // nobody sells (no ask side)
  CHECK_EQ(rb_day.BidVolume5, 5);
  CHECK_EQ(std::string(rb_day.UpdateTime), std::string("09:00:01"));
  CHECK_EQ(rb_day.UpdateMillisec, 0);
  // Status timeline from the night start (first row at 21:00) to the close of the session in progress.
  CHECK_EQ(statuses, std::string("SR3 rb3 SR5 rb5 SR2 rb2 SR1 rb1 SR2 rb2 SR1 rb1 "));
  std::remove(path.c_str());
}

void front_derives_trading_day_and_instruments_from_the_file() {
  const std::string path = "test_sim_feed_csv_round_trip_preview.csv";
  {
    GeneratorSource source(select_instruments({"SR", "m"}, "20250106"), GeneratorOptions{4, "20250106", true, 500});
    CHECK_EQ(write_csv(source, path), 500);
  }
  const CsvPreview preview = preview_csv(path);
  CHECK(preview.dialect == CsvDialect::Native);
  CHECK_EQ(preview.trading_day, std::string("20250106"));  // from a CZCE row dated Friday evening
  FrontConfig config;
  config.source = "csv:" + path;
  CHECK_EQ(feed_trading_day(config), std::string("20250106"));
  const std::vector<InstrumentSpec> instruments = feed_instruments(config);
  REQUIRE(instruments.size() == 2);
  CHECK(instruments[0].instrument_id == "SR505" || instruments[0].instrument_id == "m2505");
  CHECK(instruments[1].instrument_id == "SR505" || instruments[1].instrument_id == "m2505");
  const std::unique_ptr<FeedSource> replay = make_feed_source(config, instruments);
  CHECK_EQ(std::string(replay->trading_day()), std::string("20250106"));
  config.trading_day = "20250107";
  CHECK_EQ(feed_trading_day(config), std::string("20250107"));  // configured wins (the replay then rejects rows)
  FrontConfig gen;
  CHECK_EQ(feed_trading_day(gen), std::string("20250102"));
  CHECK_EQ(feed_instruments(gen).size(), bundled_instruments().size());
  std::remove(path.c_str());
}

}  // namespace

int main() {
  front_derives_trading_day_and_instruments_from_the_file();
  whole_day_round_trip_is_bit_exact();
  night_start_multi_instrument_ticks_round_trip();
  vnpy_tick_csv_replays_with_ctp_conventions();
  return shandian::testing::finish("test_sim_feed_csv_round_trip_reproduces_generator");
}
