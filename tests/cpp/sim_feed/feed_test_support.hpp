// Helpers shared by the sim_feed tests: collect a source's events, and check the per-tick invariants.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/feed/feed.hpp"
#include "support/check.hpp"

namespace shandian::sim::test {

inline std::vector<FeedEvent> drain(FeedSource& source, std::size_t limit = 50'000'000) {
  std::vector<FeedEvent> events;
  auto event = std::make_unique<FeedEvent>();
  while (events.size() < limit && source.next(*event)) events.push_back(*event);
  CHECK(event->kind == FeedEvent::Kind::EndOfData || events.size() == limit);
  return events;
}

inline std::vector<FeedEvent> generate(const std::vector<InstrumentSpec>& instruments, std::uint64_t seed, bool night,
                                       std::string trading_day = "20250102", std::int64_t max_ticks = 0) {
  GeneratorSource source(instruments, GeneratorOptions{seed, std::move(trading_day), night, max_ticks});
  return drain(source);
}

inline bool is_none(double v) { return v == DBL_MAX; }

// Every per-snapshot invariant that does not depend on the previous snapshot of the instrument.
inline void check_tick_invariants(const InstrumentSpec& spec, const CThostFtdcDepthMarketDataField& t) {
  CHECK_EQ(std::string(t.InstrumentID), spec.instrument_id);
  CHECK_EQ(std::string(t.ExchangeID), spec.exchange_id);
  CHECK(is_none(t.SettlementPrice));
  CHECK(is_none(t.ClosePrice));
  CHECK(is_none(t.CurrDelta));
  CHECK(!is_none(t.PreSettlementPrice) && spec.on_tick(t.PreSettlementPrice));
  CHECK(!is_none(t.PreClosePrice) && spec.on_tick(t.PreClosePrice));
  CHECK(!is_none(t.PreOpenInterest));
  CHECK(spec.on_tick(t.UpperLimitPrice) && spec.on_tick(t.LowerLimitPrice));
  const std::int64_t upper = spec.to_ticks(t.UpperLimitPrice), lower = spec.to_ticks(t.LowerLimitPrice);
  CHECK(lower < upper);
  const auto in_limits = [&](double price) {
    return !is_none(price) && spec.on_tick(price) && spec.to_ticks(price) >= lower && spec.to_ticks(price) <= upper;
  };
  if (t.Volume > 0) {
    CHECK(in_limits(t.LastPrice));
    CHECK(in_limits(t.OpenPrice) && in_limits(t.HighestPrice) && in_limits(t.LowestPrice));
    CHECK(spec.to_ticks(t.LowestPrice) <= spec.to_ticks(t.LastPrice));
    CHECK(spec.to_ticks(t.LastPrice) <= spec.to_ticks(t.HighestPrice));
    const double expected_avg =
        spec.exchange == ExchangeKind::CZCE ? t.Turnover / t.Volume / spec.volume_multiple : t.Turnover / t.Volume;
    CHECK(std::fabs(t.AveragePrice - expected_avg) <= 1e-9 * expected_avg);
  } else {
    CHECK(is_none(t.LastPrice) && is_none(t.OpenPrice) && is_none(t.AveragePrice));
  }
  const double bid_price[5] = {t.BidPrice1, t.BidPrice2, t.BidPrice3, t.BidPrice4, t.BidPrice5};
  const double ask_price[5] = {t.AskPrice1, t.AskPrice2, t.AskPrice3, t.AskPrice4, t.AskPrice5};
  const int bid_volume[5] = {t.BidVolume1, t.BidVolume2, t.BidVolume3, t.BidVolume4, t.BidVolume5};
  const int ask_volume[5] = {t.AskVolume1, t.AskVolume2, t.AskVolume3, t.AskVolume4, t.AskVolume5};
  for (int i = 0; i < 5; ++i) {
    CHECK(is_none(bid_price[i]) ? bid_volume[i] == 0 : (in_limits(bid_price[i]) && bid_volume[i] > 0));
    CHECK(is_none(ask_price[i]) ? ask_volume[i] == 0 : (in_limits(ask_price[i]) && ask_volume[i] > 0));
    if (i > 0 && !is_none(bid_price[i])) {
      CHECK(!is_none(bid_price[i - 1]) && spec.to_ticks(bid_price[i]) < spec.to_ticks(bid_price[i - 1]));
    }
    if (i > 0 && !is_none(ask_price[i])) {
      CHECK(!is_none(ask_price[i - 1]) && spec.to_ticks(ask_price[i]) > spec.to_ticks(ask_price[i - 1]));
    }
  }
  CHECK(!is_none(t.BidPrice1) || !is_none(t.AskPrice1));  // never both sides empty
  if (!is_none(t.BidPrice1) && !is_none(t.AskPrice1)) {
    CHECK(spec.to_ticks(t.BidPrice1) < spec.to_ticks(t.AskPrice1));
  }
  if (t.Volume > 0 && spec.to_ticks(t.LastPrice) == upper) {  // limit-up: nobody sells
    CHECK(is_none(t.AskPrice1) && t.AskVolume1 == 0 && spec.to_ticks(t.BidPrice1) == upper);
  }
  if (t.Volume > 0 && spec.to_ticks(t.LastPrice) == lower) {  // limit-down: nobody buys
    CHECK(is_none(t.BidPrice1) && t.BidVolume1 == 0 && spec.to_ticks(t.AskPrice1) == lower);
  }
  CHECK(t.UpdateMillisec >= 0 && t.UpdateMillisec < 1000);
}

}  // namespace shandian::sim::test
