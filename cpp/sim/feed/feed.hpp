// The market side of the local front, in one include: the bundled instrument table, the trading calendar,
// the seeded generator, CSV replay, and the factory that picks a source from FrontConfig.
#pragma once

#include <memory>
#include <vector>

#include "sim/feed/calendar.hpp"
#include "sim/feed/csv.hpp"
#include "sim/feed/feed_event.hpp"
#include "sim/feed/generator.hpp"
#include "sim/feed/instrument.hpp"
#include "sim/feed/instrument_table.hpp"

namespace shandian::sim {

struct FrontConfig;

// FrontConfig::source "gen" → GeneratorSource (seed, session, max_ticks, trading_day); "csv:/path" →
// CsvSource (trading_day: FrontConfig::trading_day, or the file's). `instruments` is the front's table —
// typically select_instruments(config.instruments, trading_day). Throws std::invalid_argument for any other
// source string, and whatever the chosen source's constructor throws (CsvError, InvalidTradingDayError).
[[nodiscard]] std::unique_ptr<FeedSource> make_feed_source(const FrontConfig& config,
                                                           const std::vector<InstrumentSpec>& instruments);

}  // namespace shandian::sim
