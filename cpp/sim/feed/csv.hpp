// CSV replay of depth snapshots, and the writer of shandian's native tick CSV.
//
// Two dialects, recognised by the header row (cpp/sim/feed/README.md has the full description):
//
// 1. native (written by write_csv; the header must contain every column, in any order, and nothing else):
//      TradingDay,ActionDay,UpdateTime,UpdateMillisec,ExchangeID,InstrumentID,LastPrice,PreSettlementPrice,
//      PreClosePrice,PreOpenInterest,OpenPrice,HighestPrice,LowestPrice,Volume,Turnover,OpenInterest,
//      ClosePrice,SettlementPrice,UpperLimitPrice,LowerLimitPrice,AveragePrice,
//      BidPrice1,BidVolume1,AskPrice1,AskVolume1, ... ,BidPrice5,BidVolume5,AskPrice5,AskVolume5
//    Column names and meanings are CThostFtdcDepthMarketDataField's; an empty price cell means "no value"
//    (DBL_MAX in CTP); numbers are written in shortest round-trip form so a replay is bit-exact; dates and
//    times follow §3 (DCE ActionDay = trading day, CZCE TradingDay = natural day).
// 2. vn.py TickData field names (a DataFrame / csv.DictWriter dump of vnpy.trader.object.TickData):
//      symbol,exchange,datetime,last_price,volume                          (required)
//      name,turnover,open_interest,last_volume,limit_up,limit_down,open_price,high_price,low_price,pre_close,
//      bid_price_1..5,ask_price_1..5,bid_volume_1..5,ask_volume_1..5,gateway_name,localtime  (optional)
//    plus an unnamed pandas index column. datetime is "YYYY-MM-DD HH:MM:SS[.ffffff][+08:00]" in China time.
//    vn.py writes 0 where CTP had DBL_MAX, so a 0 price reads as "no value"; volume and turnover are
//    cumulative for the trading day (as vn.py's CTP gateway stores them). vn.py has no pre-settlement,
//    pre-open-interest, close or settlement: those read as DBL_MAX.
//
// Rows must be in non-decreasing exchange time and belong to one trading day. Anything else is an error:
// a malformed value → CsvFormatError, an instrument absent from the table → CsvUnknownInstrumentError,
// time going backwards → CsvOrderError; each names the file, line (1-based, header = 1), column and value.
// The whole file is parsed and validated in the constructor, so errors surface at start-up, never mid-replay.
//
// Status events: CsvSource merges the calendar's InstrumentStatus timeline (calendar.hpp) of each product in
// the file into the replay, from the start of the session of the first row (night if the first row is a
// night tick) up to the first change at or after the last row (the close of the session in progress).
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/feed/feed_event.hpp"
#include "sim/feed/instrument.hpp"

namespace shandian::sim {

// Base of every CSV replay error: what() is "FILE:LINE: column COLUMN: value 'VALUE': reason".
class CsvError : public std::runtime_error {
 public:
  CsvError(std::string file, int line, std::string column, std::string value, const std::string& reason);
  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] int line() const noexcept { return line_; }  // 0: the file as a whole (e.g. cannot open)
  [[nodiscard]] const std::string& column() const noexcept { return column_; }
  [[nodiscard]] const std::string& value() const noexcept { return value_; }

 private:
  std::string file_;
  int line_;
  std::string column_;
  std::string value_;
};
// Unreadable file, bad header, wrong field count, a value that does not parse or is out of range,
// a price off the tick grid, a row of another trading day, an exchange that contradicts the table.
class CsvFormatError : public CsvError {
 public:
  using CsvError::CsvError;
};
// An instrument id not in the front's instrument table.
class CsvUnknownInstrumentError : public CsvError {
 public:
  using CsvError::CsvError;
};
// A row earlier in exchange time than the row before it.
class CsvOrderError : public CsvError {
 public:
  using CsvError::CsvError;
};

enum class CsvDialect : std::uint8_t { Native, VnPy };

inline constexpr std::array<std::string_view, 41> kNativeCsvColumns = {
    "TradingDay",   "ActionDay",    "UpdateTime",         "UpdateMillisec",  "ExchangeID",
    "InstrumentID", "LastPrice",    "PreSettlementPrice", "PreClosePrice",   "PreOpenInterest",
    "OpenPrice",    "HighestPrice", "LowestPrice",        "Volume",          "Turnover",
    "OpenInterest", "ClosePrice",   "SettlementPrice",    "UpperLimitPrice", "LowerLimitPrice",
    "AveragePrice", "BidPrice1",    "BidVolume1",         "AskPrice1",       "AskVolume1",
    "BidPrice2",    "BidVolume2",   "AskPrice2",          "AskVolume2",      "BidPrice3",
    "BidVolume3",   "AskPrice3",    "AskVolume3",         "BidPrice4",       "BidVolume4",
    "AskPrice4",    "AskVolume4",   "BidPrice5",          "BidVolume5",      "AskPrice5",
    "AskVolume5"};

class CsvSource final : public FeedSource {
 public:
  // `instruments` is the front's table (FeedEvent::instrument_index indexes it). `trading_day` empty:
  // taken from the first row. Throws CsvError subclasses (see above), InvalidTradingDayError.
  CsvSource(std::string path, std::vector<InstrumentSpec> instruments, std::string trading_day = "");
  ~CsvSource() override;
  CsvSource(const CsvSource&) = delete;
  CsvSource& operator=(const CsvSource&) = delete;

  [[nodiscard]] bool next(FeedEvent& out) override;
  [[nodiscard]] const char* trading_day() const noexcept override;

  [[nodiscard]] CsvDialect dialect() const noexcept;
  [[nodiscard]] std::size_t tick_count() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A quick look at a CSV before the front is built: the instrument ids in order of first appearance and the
// trading day of the first row (empty when the file has no rows). Only the header and the id/time columns
// are read; CsvSource validates everything. Throws CsvFormatError when the file or its header is unusable.
struct CsvPreview {
  CsvDialect dialect = CsvDialect::Native;
  std::vector<std::string> instrument_ids;
  std::string trading_day;
};
[[nodiscard]] CsvPreview preview_csv(const std::string& path);

// Native-format writer. write_csv drains `source` and writes its Tick events (Status events are not
// written: CsvSource re-derives them from the calendar); returns the number of rows written.
void write_csv_header(std::ostream& out);
void write_csv_row(std::ostream& out, const CThostFtdcDepthMarketDataField& tick);
[[nodiscard]] std::int64_t write_csv(FeedSource& source, std::ostream& out);
// Same, to a file (std::runtime_error naming the path when it cannot be written).
[[nodiscard]] std::int64_t write_csv(FeedSource& source, const std::string& path);

}  // namespace shandian::sim
