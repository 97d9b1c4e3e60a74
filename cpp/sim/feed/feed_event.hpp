// What the market side of the local front produces, in exchange-time order: depth snapshots and
// instrument status changes. Consumers: the matching core (fills resting orders, gates orders by status)
// and the md library (fans snapshots out to subscribers).
#pragma once

#include <cstdint>

#include "ThostFtdcUserApiStruct.h"

namespace shandian::sim {

struct FeedEvent {
  enum class Kind : std::uint8_t { Tick, Status, EndOfData };
  Kind kind = Kind::EndOfData;
  // Exchange time as nanoseconds since the Unix epoch in China Standard Time read as if it were UTC
  // (i.e. the wall-clock digits of UpdateTime/ActionDay), used to pace replay and stamp orders.
  std::int64_t exchange_ns = 0;
  int instrument_index = -1;                 // index into the front's instrument table (Tick)
  CThostFtdcDepthMarketDataField tick{};     // valid when kind == Tick (DBL_MAX for empty fields)
  CThostFtdcInstrumentStatusField status{};  // valid when kind == Status (product level, as CTP)
};

// A source of feed events: the seeded generator or a CSV replay. Single consumer; not thread-safe.
class FeedSource {
 public:
  virtual ~FeedSource() = default;
  // Fills `out` with the next event; returns false (and kind EndOfData) once the source is exhausted.
  [[nodiscard]] virtual bool next(FeedEvent& out) = 0;
  // The trading day (YYYYMMDD) the events belong to.
  [[nodiscard]] virtual const char* trading_day() const noexcept = 0;
};

}  // namespace shandian::sim
