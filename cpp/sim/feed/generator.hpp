// Seeded, deterministic market generator of the local front: per instrument a random walk in integer
// ticks around the reference price (previous settlement), a 5-level book, cumulative Volume / Turnover /
// OpenInterest, and the product-level InstrumentStatus timeline of the trading calendar — all interleaved
// in exchange-time order. The same seed, instruments and options give a byte-identical event stream; the
// wall clock is never read.
//
// Snapshot conventions (ctp-semantics.md §3):
//  - one snapshot every 500 ms per instrument (UpdateMillisec jittered and never exactly 000/500), and
//    only inside continuous-trading intervals, plus one opening-auction tick at the AuctionMatch instant
//    of an auction that opens a session (night 20:59, day-only products 08:59, CFFEX 09:29);
//  - every field without a value is DBL_MAX (SettlementPrice, ClosePrice, CurrDelta, Banding*, empty book
//    levels, Open/Highest/Lowest/AveragePrice before the first trade); at limit-up the ask side is empty
//    (AskPrice1 = DBL_MAX, AskVolume1 = 0), at limit-down the bid side;
//  - Turnover = Σ price × volume × VolumeMultiple (CZCE computed the same way, as CTP does);
//    AveragePrice = Turnover / Volume for non-CZCE (includes the multiplier, as CTP), Turnover / Volume /
//    VolumeMultiple for CZCE (CZCE publishes a plain average price);
//  - TradingDay/ActionDay: DCE ActionDay = trading day; CZCE TradingDay = ActionDay = natural day;
//    SHFE/INE/CFFEX/GFEX TradingDay = trading day, ActionDay = natural day;
//  - ExchangeID is filled. The ordinary CTP md front leaves it empty (only mdfront fills it); the md library
//    decides what to deliver.
// Each instrument draws from its own mt19937_64 seeded from (seed, instrument id), so an instrument's path
// does not depend on which other instruments are selected.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/feed/feed_event.hpp"
#include "sim/feed/instrument.hpp"

namespace shandian::sim {

struct FrontConfig;

struct GeneratorOptions {
  std::uint64_t seed = 42;
  std::string trading_day = "20250102";  // YYYYMMDD weekday (InvalidTradingDayError otherwise)
  bool start_with_night = false;         // start at the trading day's night session (previous weekday evening)
  std::int64_t max_ticks = 0;            // stop after this many Tick events (0: until the trading day's close)
};

class GeneratorSource final : public FeedSource {
 public:
  // `instruments` become the front's instrument table: FeedEvent::instrument_index indexes it.
  GeneratorSource(std::vector<InstrumentSpec> instruments, GeneratorOptions options);
  // Reads seed, session ("night"/"day"), max_ticks and trading_day (empty: kDefaultTradingDay).
  GeneratorSource(const FrontConfig& config, std::vector<InstrumentSpec> instruments);
  ~GeneratorSource() override;
  GeneratorSource(const GeneratorSource&) = delete;
  GeneratorSource& operator=(const GeneratorSource&) = delete;

  [[nodiscard]] bool next(FeedEvent& out) override;
  [[nodiscard]] const char* trading_day() const noexcept override;

  [[nodiscard]] const std::vector<InstrumentSpec>& instruments() const noexcept;
  [[nodiscard]] std::int64_t ticks_emitted() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses FrontConfig into GeneratorOptions (session must be "day" or "night": std::invalid_argument).
[[nodiscard]] GeneratorOptions generator_options(const FrontConfig& config);

}  // namespace shandian::sim
