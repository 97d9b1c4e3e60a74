// One instrument's ticks of a tick CSV (either dialect of csv.hpp) as columns, read by the local front's own
// CSV replay (CsvSource: the same parsing and validation). Header-only.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <string>
#include <vector>

#include "bars/history.hpp"
#include "sim/feed/csv.hpp"
#include "sim/feed/instrument_table.hpp"

namespace shandian::sim {

// The ticks of `symbol` in the CSV at `path`, in file order. Throws CsvError subclasses for a bad file,
// UnknownInstrumentError when `symbol` has no row in the file (or the file names an unlisted instrument).
[[nodiscard]] inline bars::TickColumns read_csv_ticks(const std::string& path, const std::string& symbol) {
  const CsvPreview preview = preview_csv(path);
  const auto& ids = preview.instrument_ids;
  if (std::find(ids.begin(), ids.end(), symbol) == ids.end()) {
    std::string listed;
    for (const std::string& id : ids) listed += (listed.empty() ? "" : ", ") + id;
    throw UnknownInstrumentError(symbol, path + ": no tick of instrument '" + symbol + "' (the file has: " +
                                             (listed.empty() ? std::string("no rows") : listed) + ")");
  }
  const std::string day = preview.trading_day;
  CsvSource source(path, select_instruments(ids, day), day);
  const auto value = [](double price) { return price == DBL_MAX ? 0.0 : price; };
  bars::TickColumns out;
  FeedEvent event;
  while (source.next(event)) {
    if (event.kind != FeedEvent::Kind::Tick) continue;
    const CThostFtdcDepthMarketDataField& t = event.tick;
    if (symbol != t.InstrumentID) continue;
    const std::int64_t time_ms = event.exchange_ns / 1'000'000;
    out.time_ms.push_back(time_ms);
    // The file's TradingDay is CTP's (the natural day for CZCE): the real one comes from the clock.
    out.trading_day.push_back(bars::trading_day_of_exchange_ms(time_ms));
    out.last_price.push_back(value(t.LastPrice));
    out.volume.push_back(t.Volume);
    out.turnover.push_back(value(t.Turnover));
    out.open_interest.push_back(value(t.OpenInterest));
    out.bid_price_1.push_back(value(t.BidPrice1));
    out.ask_price_1.push_back(value(t.AskPrice1));
    out.bid_volume_1.push_back(t.BidVolume1);
    out.ask_volume_1.push_back(t.AskVolume1);
  }
  return out;
}

}  // namespace shandian::sim
