// The market side of the local front, in one include: the bundled instrument table, the trading calendar,
// the seeded generator, CSV replay, and the factory that picks a source from FrontConfig.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/feed/calendar.hpp"
#include "sim/feed/csv.hpp"
#include "sim/feed/feed_event.hpp"
#include "sim/feed/generator.hpp"
#include "sim/feed/instrument.hpp"
#include "sim/feed/instrument_table.hpp"

namespace shandian::sim {

struct FrontConfig;

// The trading day a front built from `config` runs: FrontConfig::trading_day if set; for a CSV source
// the trading day of the file's first row; else kDefaultTradingDay (never the wall clock).
[[nodiscard]] std::string feed_trading_day(const FrontConfig& config);

// The front's instrument table for `config`: select_instruments(config.instruments, feed_trading_day(config)),
// except that a CSV source with no instruments configured gets the instruments found in the file (each must
// be a contract of a bundled product: UnknownInstrumentError otherwise).
[[nodiscard]] std::vector<InstrumentSpec> feed_instruments(const FrontConfig& config);

// FrontConfig::source "gen" → GeneratorSource (seed, session, max_ticks, trading_day); "csv:/path" →
// CsvSource (trading_day: FrontConfig::trading_day, or the file's). `instruments` is the front's table —
// typically select_instruments(config.instruments, trading_day). Throws std::invalid_argument for any other
// source string, and whatever the chosen source's constructor throws (CsvError, InvalidTradingDayError).
[[nodiscard]] std::unique_ptr<FeedSource> make_feed_source(const FrontConfig& config,
                                                           const std::vector<InstrumentSpec>& instruments);

}  // namespace shandian::sim
