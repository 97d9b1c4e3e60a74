#include "sim/feed/feed.hpp"

#include <stdexcept>

#include "sim/core/front_config.hpp"

namespace shandian::sim {

std::unique_ptr<FeedSource> make_feed_source(const FrontConfig& config, const std::vector<InstrumentSpec>& instruments) {
  if (config.source == "gen") return std::make_unique<GeneratorSource>(config, instruments);
  constexpr std::string_view kCsvPrefix = "csv:";
  if (config.source.size() > kCsvPrefix.size() && config.source.compare(0, kCsvPrefix.size(), kCsvPrefix) == 0) {
    return std::make_unique<CsvSource>(config.source.substr(kCsvPrefix.size()), instruments, config.trading_day);
  }
  throw std::invalid_argument("FrontConfig.source '" + config.source + "': expected \"gen\" or \"csv:/path/ticks.csv\"");
}

}  // namespace shandian::sim
