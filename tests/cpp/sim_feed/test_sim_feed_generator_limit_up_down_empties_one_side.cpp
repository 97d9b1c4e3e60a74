// Price limits: Upper/LowerLimitPrice = reference × (1 ± limit_ratio) on the tick grid, prices never leave
// them, and at limit-up the ask side is empty (AskPrice1 = DBL_MAX, AskVolume1 = 0), at limit-down the bid.
#include <algorithm>
#include <string>
#include <vector>

#include "feed_test_support.hpp"

using namespace shandian::sim;
using shandian::sim::test::check_tick_invariants;
using shandian::sim::test::is_none;

namespace {

void limits_are_reference_times_ratio_on_the_tick_grid() {
  GeneratorSource source(bundled_instruments(), GeneratorOptions{1, "20250102", false, 0});
  FeedEvent e{};
  std::vector<bool> checked(bundled_instruments().size());
  while (source.next(e)) {
    if (e.kind != FeedEvent::Kind::Tick) continue;
    const InstrumentSpec& spec = bundled_instruments()[static_cast<std::size_t>(e.instrument_index)];
    const double up = spec.reference_price * (1 + spec.limit_ratio);
    const double down = spec.reference_price * (1 - spec.limit_ratio);
    CHECK(spec.on_tick(e.tick.UpperLimitPrice) && spec.on_tick(e.tick.LowerLimitPrice));
    CHECK(e.tick.UpperLimitPrice <= up + 1e-9 && e.tick.UpperLimitPrice > up - spec.price_tick);
    CHECK(e.tick.LowerLimitPrice >= down - 1e-9 && e.tick.LowerLimitPrice < down + spec.price_tick);
    checked[static_cast<std::size_t>(e.instrument_index)] = true;
    if (std::find(checked.begin(), checked.end(), false) == checked.end()) break;  // IF opens last (09:30)
  }
  for (bool c : checked) CHECK(c);
  CHECK_EQ(bundled_instruments()[0].from_ticks(bundled_instruments()[0].to_ticks(3531.0)), 3531.0);
}

// A product with a band of a few ticks hits both limits many times in a day.
void narrow_band_hits_both_limits(InstrumentSpec spec, double limit_ratio, std::int64_t band_ticks) {
  spec.limit_ratio = limit_ratio;
  GeneratorSource source({spec}, GeneratorOptions{2024, "20250102", true, 0});
  FeedEvent e{};
  std::size_t at_upper = 0, at_lower = 0, ticks = 0;
  while (source.next(e)) {
    if (e.kind != FeedEvent::Kind::Tick) continue;
    ++ticks;
    const CThostFtdcDepthMarketDataField& t = e.tick;
    check_tick_invariants(spec, t);
    const std::int64_t upper = spec.to_ticks(t.UpperLimitPrice), lower = spec.to_ticks(t.LowerLimitPrice);
    CHECK_EQ(upper - spec.to_ticks(spec.reference_price), band_ticks);
    CHECK_EQ(spec.to_ticks(spec.reference_price) - lower, band_ticks);
    if (t.Volume == 0) continue;
    const std::int64_t last = spec.to_ticks(t.LastPrice);
    CHECK(last >= lower && last <= upper);
    CHECK(spec.to_ticks(t.HighestPrice) <= upper && spec.to_ticks(t.LowestPrice) >= lower);
    if (last == upper) {
      ++at_upper;
      CHECK(is_none(t.AskPrice1) && t.AskVolume1 == 0);
      CHECK(is_none(t.AskPrice5) && t.AskVolume5 == 0);
      CHECK_EQ(spec.to_ticks(t.BidPrice1), upper);
      CHECK(t.BidVolume1 > 0);
    }
    if (last == lower) {
      ++at_lower;
      CHECK(is_none(t.BidPrice1) && t.BidVolume1 == 0);
      CHECK_EQ(spec.to_ticks(t.AskPrice1), lower);
      CHECK(t.AskVolume1 > 0);
    }
    // The book never shows a price beyond the band: deeper levels run out instead.
    if (!is_none(t.BidPrice5)) CHECK(spec.to_ticks(t.BidPrice5) >= lower);
    if (!is_none(t.AskPrice5)) CHECK(spec.to_ticks(t.AskPrice5) <= upper);
  }
  std::printf("%s band ±%lld ticks: %zu ticks, %zu at limit-up, %zu at limit-down\n", spec.instrument_id.c_str(),
              static_cast<long long>(band_ticks), ticks, at_upper, at_lower);
  CHECK(at_upper > 100);
  CHECK(at_lower > 100);
}

}  // namespace

int main() {
  limits_are_reference_times_ratio_on_the_tick_grid();
  narrow_band_hits_both_limits(bundled_instruments()[0], 0.001, 3);   // rb 3300 ± 3
  narrow_band_hits_both_limits(bundled_instruments()[2], 0.0001, 3);  // au 620 ± 0.06 (0.02 ticks)
  narrow_band_hits_both_limits(bundled_instruments()[5], 0.0005, 2);  // SR 5900 ± 2 (CZCE)
  return shandian::testing::finish("test_sim_feed_generator_limit_up_down_empties_one_side");
}
