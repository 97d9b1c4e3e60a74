#include "sim/core/market.hpp"

#include <cfloat>
#include <cmath>

namespace shandian::sim::detail {

void read_side(const InstrumentSpec& spec, const CThostFtdcDepthMarketDataField& t, bool bid, Side& out) {
  const double prices[kDepth] = {bid ? t.BidPrice1 : t.AskPrice1, bid ? t.BidPrice2 : t.AskPrice2,
                                 bid ? t.BidPrice3 : t.AskPrice3, bid ? t.BidPrice4 : t.AskPrice4,
                                 bid ? t.BidPrice5 : t.AskPrice5};
  const int volumes[kDepth] = {bid ? t.BidVolume1 : t.AskVolume1, bid ? t.BidVolume2 : t.AskVolume2,
                               bid ? t.BidVolume3 : t.AskVolume3, bid ? t.BidVolume4 : t.AskVolume4,
                               bid ? t.BidVolume5 : t.AskVolume5};
  out.count = 0;
  for (int i = 0; i < kDepth; ++i) {
    if (!has_value(prices[i]) || volumes[i] <= 0) continue;
    out.level[out.count++] = Level{spec.to_ticks(prices[i]), volumes[i]};
  }
}

}  // namespace shandian::sim::detail
