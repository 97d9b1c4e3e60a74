// Every kind of malformed CSV input raises its own typed error naming the file, line, column and value —
// rows are never silently skipped.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "feed_test_support.hpp"

using namespace shandian::sim;

namespace {

const std::vector<InstrumentSpec>& table() {
  static const std::vector<InstrumentSpec> t = bundled_instruments();
  return t;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!text.empty() && text.back() == sep) out.emplace_back();
  return out;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(1, sep) : "") + parts[i];
  return out;
}

// A valid native CSV of three rb snapshots (header + lines 2..4).
std::vector<std::string> valid_lines() {
  GeneratorSource source(select_instruments({"rb"}), GeneratorOptions{5, "20250102", false, 3});
  std::ostringstream out;
  (void)write_csv(source, out);
  std::vector<std::string> lines = split(out.str(), '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::size_t column_index(const std::string& name) {
  for (std::size_t i = 0; i < kNativeCsvColumns.size(); ++i) {
    if (kNativeCsvColumns[i] == name) return i;
  }
  REQUIRE(false);
  return 0;
}

// Lines with one cell of data line `line` (1-based file line) replaced.
std::vector<std::string> with_cell(std::vector<std::string> lines, int line, const std::string& column,
                                   const std::string& value) {
  std::vector<std::string> cells = split(lines[static_cast<std::size_t>(line - 1)], ',');
  cells[column_index(column)] = value;
  lines[static_cast<std::size_t>(line - 1)] = join(cells, ',');
  return lines;
}

std::string content(const std::vector<std::string>& lines) { return join(lines, '\n') + "\n"; }

int case_number = 0;

template <class Expected>
void expect(const std::string& what, const std::string& text, int line, const std::string& column,
            const std::string& value, const std::string& trading_day = "") {
  const std::string path = "test_sim_feed_csv_malformed_" + std::to_string(++case_number) + ".csv";
  std::ofstream(path, std::ios::binary) << text;
  bool ok = false;
  try {
    CsvSource source(path, table(), trading_day);
    std::fprintf(stderr, "case '%s': no error raised\n", what.c_str());
  } catch (const CsvError& e) {
    const std::string message = e.what();
    ok = typeid(e) == typeid(Expected) && e.file() == path && e.line() == line && e.column() == column &&
         e.value() == value && message.find(path + ":" + std::to_string(line)) != std::string::npos &&
         message.find(value) != std::string::npos;
    if (!ok) {
      std::fprintf(stderr, "case '%s': got %s (line %d, column '%s', value '%s'): %s\n", what.c_str(), typeid(e).name(),
                   e.line(), e.column().c_str(), e.value().c_str(), message.c_str());
    }
  }
  CHECK(ok);
  std::remove(path.c_str());
}

void native_format_errors() {
  const std::vector<std::string> good = valid_lines();
  REQUIRE(good.size() == 4);
  {  // the valid file itself loads
    const std::string path = "test_sim_feed_csv_malformed_valid.csv";
    std::ofstream(path, std::ios::binary) << content(good);
    CsvSource ok(path, table());
    CHECK_EQ(ok.tick_count(), 3u);
    std::remove(path.c_str());
  }
  expect<CsvFormatError>("empty file", "", 1, "", "");
  expect<CsvFormatError>("unknown header", "a,b,c\n1,2,3\n", 1, "a", "a");
  {
    std::string header = good[0];
    header.replace(header.rfind("AskVolume5"), 10, "AskVol5");
    expect<CsvFormatError>("missing column", header + "\n", 1, "AskVolume5", "");
    std::string extra = good[0] + ",Comment";
    expect<CsvFormatError>("extra column", extra + "\n", 1, "Comment", "Comment");
    std::string dup = good[0];
    dup.replace(dup.rfind("AskVolume5"), 10, "AskPrice5");
    expect<CsvFormatError>("duplicate column", dup + "\n", 1, "AskPrice5", "AskPrice5");
  }
  {
    std::vector<std::string> short_row = good;
    short_row[2] = short_row[2].substr(0, short_row[2].rfind(','));
    expect<CsvFormatError>("missing field", content(short_row), 3, "", short_row[2]);
  }
  expect<CsvFormatError>("not a number", content(with_cell(good, 2, "LastPrice", "abc")), 2, "LastPrice", "abc");
  expect<CsvFormatError>("not finite", content(with_cell(good, 3, "BidPrice1", "nan")), 3, "BidPrice1", "nan");
  expect<CsvFormatError>("trailing junk", content(with_cell(good, 3, "Turnover", "12x")), 3, "Turnover", "12x");
  expect<CsvFormatError>("off the tick grid", content(with_cell(good, 4, "AskPrice2", "3300.5")), 4, "AskPrice2",
                         "3300.5");
  expect<CsvFormatError>("negative price", content(with_cell(good, 2, "UpperLimitPrice", "-3531")), 2,
                         "UpperLimitPrice", "-3531");
  expect<CsvFormatError>("bad time", content(with_cell(good, 2, "UpdateTime", "25:00:00")), 2, "UpdateTime",
                         "25:00:00");
  expect<CsvFormatError>("bad time shape", content(with_cell(good, 2, "UpdateTime", "9:00:00")), 2, "UpdateTime",
                         "9:00:00");
  expect<CsvFormatError>("bad date", content(with_cell(good, 2, "TradingDay", "20251301")), 2, "TradingDay",
                         "20251301");
  expect<CsvFormatError>("bad millis", content(with_cell(good, 3, "UpdateMillisec", "1000")), 3, "UpdateMillisec",
                         "1000");
  expect<CsvFormatError>("negative volume", content(with_cell(good, 2, "Volume", "-5")), 2, "Volume", "-5");
  expect<CsvFormatError>("fractional volume", content(with_cell(good, 2, "BidVolume1", "1.5")), 2, "BidVolume1", "1.5");
  expect<CsvFormatError>("empty volume", content(with_cell(good, 2, "AskVolume3", "")), 2, "AskVolume3", "");
  expect<CsvFormatError>("wrong exchange", content(with_cell(good, 3, "ExchangeID", "DCE")), 3, "ExchangeID", "DCE");
  expect<CsvUnknownInstrumentError>("unknown instrument", content(with_cell(good, 3, "InstrumentID", "zz2505")), 3,
                                    "InstrumentID", "zz2505");
  {
    std::vector<std::string> swapped = good;
    std::swap(swapped[1], swapped[2]);
    const std::string time = split(swapped[2], ',')[column_index("UpdateTime")];
    expect<CsvOrderError>("rows out of time order", content(swapped), 3, "UpdateTime", time);
  }
  {
    std::vector<std::string> other_day =
        with_cell(with_cell(good, 4, "TradingDay", "20250103"), 4, "ActionDay", "20250103");
    expect<CsvFormatError>("two trading days", content(other_day), 4, "TradingDay", "20250103");
    expect<CsvFormatError>("not the configured trading day", content(good), 2, "TradingDay", "20250102", "20250106");
  }
  {
    std::vector<std::string> gap = good;
    gap.insert(gap.begin() + 2, "");
    expect<CsvFormatError>("empty line in the middle", content(gap), 3, "", "");
  }
  {  // the file itself
    bool ok = false;
    try {
      CsvSource missing("test_sim_feed_csv_malformed_does_not_exist.csv", table());
    } catch (const CsvFormatError& e) {
      ok = e.line() == 0 && e.value() == "test_sim_feed_csv_malformed_does_not_exist.csv";
    }
    CHECK(ok);
    bool weekend = false;
    try {
      CsvSource saturday("test_sim_feed_csv_malformed_does_not_exist.csv", table(), "20250104");
    } catch (const InvalidTradingDayError&) {
      weekend = true;
    }
    CHECK(weekend);
  }
}

void vnpy_format_errors() {
  const std::string header =
      "symbol,exchange,datetime,volume,turnover,open_interest,last_price,bid_price_1,ask_price_1,"
      "bid_volume_1,ask_volume_1\n";
  const std::string row1 = "rb2505,SHFE,2025-01-02 09:00:00.500,10,330000,1000000,3300,3299,3300,5,6\n";
  expect<CsvFormatError>("bad datetime", header + "rb2505,SHFE,2025/01/02 09:00:00,10,330000,1,3300,3299,3300,5,6\n", 2,
                         "datetime", "2025/01/02 09:00:00");
  expect<CsvFormatError>("bad clock", header + "rb2505,SHFE,2025-01-02 09:61:00,10,330000,1,3300,3299,3300,5,6\n", 2,
                         "datetime", "2025-01-02 09:61:00");
  expect<CsvFormatError>("other time zone",
                         header + "rb2505,SHFE,2025-01-02 09:00:00+00:00,10,1,1,3300,3299,3300,5,6\n", 2, "datetime",
                         "2025-01-02 09:00:00+00:00");
  expect<CsvFormatError>("bad fraction", header + "rb2505,SHFE,2025-01-02 09:00:00.5x,10,330000,1,3300,3299,3300,5,6\n",
                         2, "datetime", "2025-01-02 09:00:00.5x");
  expect<CsvUnknownInstrumentError>("unknown symbol",
                                    header + row1 + "rb2601,SHFE,2025-01-02 09:00:01,10,1,1,3300,3299,3300,5,6\n", 3,
                                    "symbol", "rb2601");
  expect<CsvFormatError>("wrong exchange", header + "rb2505,DCE,2025-01-02 09:00:00,10,1,1,3300,3299,3300,5,6\n", 2,
                         "exchange", "DCE");
  expect<CsvFormatError>("unknown column", "symbol,exchange,datetime,volume,last_price,foo\n", 1, "foo", "foo");
  expect<CsvFormatError>("missing column", "symbol,datetime,volume,last_price\n", 1, "exchange", "");
  expect<CsvFormatError>("fractional volume", header + "rb2505,SHFE,2025-01-02 09:00:00,10.5,1,1,3300,3299,3300,5,6\n",
                         2, "volume", "10.5");
  expect<CsvFormatError>("off tick", header + "rb2505,SHFE,2025-01-02 09:00:00,10,1,1,3300.2,3299,3300,5,6\n", 2,
                         "last_price", "3300.2");
  expect<CsvOrderError>("out of order",
                        header + row1 + "rb2505,SHFE,2025-01-02 09:00:00.000,10,1,1,3300,3299,3300,5,6\n", 3,
                        "datetime", "2025-01-02 09:00:00.000");
}

}  // namespace

int main() {
  native_format_errors();
  vnpy_format_errors();
  return shandian::testing::finish("test_sim_feed_csv_malformed_inputs_raise_typed_errors");
}
