#include "sim/feed/feed.hpp"

#include <stdexcept>

#include "sim/core/front_config.hpp"

namespace shandian::sim {

namespace {

constexpr std::string_view kCsvPrefix = "csv:";

bool is_csv(const FrontConfig& config) {
  return config.source.size() > kCsvPrefix.size() && config.source.compare(0, kCsvPrefix.size(), kCsvPrefix) == 0;
}

std::string csv_path(const FrontConfig& config) { return config.source.substr(kCsvPrefix.size()); }

}  // namespace

std::string feed_trading_day(const FrontConfig& config) {
  if (!config.trading_day.empty()) return format_yyyymmdd(parse_trading_day(config.trading_day));
  if (is_csv(config)) {
    const CsvPreview preview = preview_csv(csv_path(config));
    if (!preview.trading_day.empty()) return preview.trading_day;
  }
  return std::string(kDefaultTradingDay);
}

std::vector<InstrumentSpec> feed_instruments(const FrontConfig& config) {
  const std::string day = feed_trading_day(config);
  if (is_csv(config) && config.instruments.empty()) {
    const CsvPreview preview = preview_csv(csv_path(config));
    if (!preview.instrument_ids.empty()) return select_instruments(preview.instrument_ids, day);
  }
  return select_instruments(config.instruments, day);
}

std::unique_ptr<FeedSource> make_feed_source(const FrontConfig& config,
                                             const std::vector<InstrumentSpec>& instruments) {
  if (config.source == "gen") return std::make_unique<GeneratorSource>(config, instruments);
  if (is_csv(config)) return std::make_unique<CsvSource>(csv_path(config), instruments, config.trading_day);
  throw std::invalid_argument("FrontConfig.source '" + config.source +
                              "': expected \"gen\" or \"csv:/path/ticks.csv\"");
}

}  // namespace shandian::sim
