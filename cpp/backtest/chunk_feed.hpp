// ChunkFeed: a FeedSource over column chunks of ticks (numpy arrays handed over by pointer: no Python per
// tick), for the streaming loaders' TickStream (vn.py SQLite, Parquet, CSV files). Each row becomes the
// CTP depth snapshot the matching core and the md Spi read (level 1 only; NaN prices -> no value).
// next() returns false at the end of the data and also where the trading day changes (pending_day()
// names the next one), so the gateway settles the day in between, as the counter does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/feed/feed_event.hpp"
#include "sim/feed/instrument.hpp"

namespace shandian::backtest {

struct TickColumns {
  std::size_t rows = 0;
  const std::int32_t* instrument = nullptr;  // index into the stream's symbols
  const std::int64_t* time_ms = nullptr;     // exchange-local clock, ms since the epoch
  const std::uint32_t* trading_day = nullptr;
  const double* last_price = nullptr;
  const std::int64_t* volume = nullptr;
  const double* turnover = nullptr;
  const double* open_interest = nullptr;
  const double* bid_price_1 = nullptr;
  const double* ask_price_1 = nullptr;
  const std::int32_t* bid_volume_1 = nullptr;
  const std::int32_t* ask_volume_1 = nullptr;
  const double* upper_limit = nullptr;
  const double* lower_limit = nullptr;
};

// Fills the next chunk's columns (valid until the next call); false at the end of the stream.
using PullChunk = std::function<bool(TickColumns&)>;

class ChunkFeed final : public sim::FeedSource {
 public:
  // `symbols`: the stream's instruments (TickColumns::instrument indexes them); `instruments`: the exchange
  // core's table (each symbol must be in it).
  ChunkFeed(PullChunk pull, const std::vector<std::string>& symbols,
            const std::vector<sim::InstrumentSpec>& instruments);

  [[nodiscard]] bool next(sim::FeedEvent& out) override;
  [[nodiscard]] const char* trading_day() const noexcept override { return day_text_.c_str(); }
  // The first row's trading day (YYYYMMDD), 0 for an empty stream. Reads the first chunk.
  [[nodiscard]] std::uint32_t first_day();
  // After next() returned false: the trading day the data continues with (0: the data ended).
  [[nodiscard]] std::uint32_t pending_day() const noexcept { return pending_day_; }
  // Starts delivering the pending day's rows.
  void start_pending_day();

 private:
  bool load();
  PullChunk pull_;
  std::vector<int> core_index_;        // stream instrument -> exchange core index
  std::vector<std::string> ids_;       // stream instrument -> InstrumentID
  std::vector<std::string> exchange_;  // stream instrument -> ExchangeID
  TickColumns cols_;
  std::size_t pos_ = 0;
  bool ended_ = false;
  std::uint32_t day_ = 0;
  std::uint32_t pending_day_ = 0;
  std::string day_text_;
};

}  // namespace shandian::backtest
