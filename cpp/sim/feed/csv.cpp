#include "sim/feed/csv.hpp"

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>
#include <unordered_map>

#include "sim/feed/calendar.hpp"

namespace shandian::sim {

CsvError::CsvError(std::string file, int line, std::string column, std::string value, const std::string& reason)
    : std::runtime_error(file + ":" + std::to_string(line) + ": column " + (column.empty() ? "-" : column) +
                         ": value '" + value + "': " + reason),
      file_(std::move(file)),
      line_(line),
      column_(std::move(column)),
      value_(std::move(value)) {}

namespace {

// Splits one CSV record. Supports RFC 4180 quoting ("a,b" and "" escapes) for text columns such as vn.py's
// name; a stray quote inside an unquoted field is kept verbatim (and then fails the value parse).
void split_record(std::string_view line, std::vector<std::string>& fields) {
  // Reuses `fields` (and each string's buffer) from the previous row: no allocation per row once warm.
  std::size_t count = 0;
  const auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& f = fields[count++];
    f.clear();
    return f;
  };
  std::string* field = &next_field();
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        *field += '"', ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        *field += c;
      }
    } else if (c == '"' && field->empty()) {
      quoted = true;
    } else if (c == ',') {
      field = &next_field();
    } else {
      *field += c;
    }
  }
  fields.resize(count);
}

std::vector<std::string> split_record(std::string_view line) {
  std::vector<std::string> fields;
  split_record(line, fields);
  return fields;
}

struct Record {
  const std::string& file;
  int line;
  const std::vector<std::string>& header;
  const std::vector<std::string>& fields;

  [[noreturn]] void fail(std::size_t col, const std::string& reason) const {
    throw CsvFormatError(file, line, header[col], fields[col], reason);
  }
  [[nodiscard]] const std::string& text(std::size_t col) const { return fields[col]; }

  [[nodiscard]] double number(std::size_t col) const {
    const std::string& s = fields[col];
    double v = 0;
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    if (!s.empty() && *begin == '+') ++begin;
    const auto [ptr, ec] = std::from_chars(begin, end, v);
    if (s.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) fail(col, "not a finite number");
    return v;
  }
  // A non-negative whole number (vn.py stores volumes as floats: "12.0" is accepted).
  [[nodiscard]] std::int64_t count(std::size_t col) const {
    const double v = number(col);
    if (v < 0 || v != std::floor(v) || v > 2e9) fail(col, "not a non-negative whole number");
    return static_cast<std::int64_t>(v);
  }
  // A price on the instrument's tick grid; `empty_is_none`: "" → DBL_MAX; `zero_is_none`: 0 → DBL_MAX (vn.py).
  [[nodiscard]] double price(std::size_t col, const InstrumentSpec& spec, bool zero_is_none) const {
    if (fields[col].empty()) return DBL_MAX;
    const double v = number(col);
    if (zero_is_none && v == 0.0) return DBL_MAX;
    if (v <= 0) fail(col, "price must be positive (empty cell = no value)");
    if (!spec.on_tick(v)) fail(col, "price is not a multiple of " + spec.instrument_id + "'s PriceTick");
    return spec.from_ticks(spec.to_ticks(v));
  }
  [[nodiscard]] int seconds_of_day(std::size_t col) const { return seconds_of_day(col, fields[col]); }
  // "HH:MM:SS" held in (part of) column `col`; errors name the whole cell.
  [[nodiscard]] int seconds_of_day(std::size_t col, std::string_view s) const {
    const auto digit = [&](std::size_t i) {
      if (s[i] < '0' || s[i] > '9') fail(col, "expected HH:MM:SS");
      return s[i] - '0';
    };
    if (s.size() != 8 || s[2] != ':' || s[5] != ':') fail(col, "expected HH:MM:SS");
    const int h = digit(0) * 10 + digit(1), m = digit(3) * 10 + digit(4), sec = digit(6) * 10 + digit(7);
    if (h > 23 || m > 59 || sec > 59) fail(col, "time out of range");
    return (h * 60 + m) * 60 + sec;
  }
  [[nodiscard]] CivilDate date(std::size_t col) const {
    try {
      return parse_yyyymmdd(fields[col]);
    } catch (const InvalidTradingDayError&) {
      fail(col, "expected a YYYYMMDD date");
    }
  }
};

template <std::size_t N>
void copy_text(char (&dest)[N], std::string_view text) noexcept {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(dest, text.data(), n);
  dest[n] = '\0';
}

void write_date(char (&dest)[9], CivilDate d) { copy_text(dest, format_yyyymmdd(d)); }

// A blank tick with the fields a CSV does not carry set as the generator sets them.
CThostFtdcDepthMarketDataField blank_tick() {
  CThostFtdcDepthMarketDataField t;
  std::memset(&t, 0, sizeof t);
  t.PreDelta = 0.0;
  t.CurrDelta = DBL_MAX;
  t.BandingUpperPrice = t.BandingLowerPrice = DBL_MAX;
  return t;
}

struct Row {
  std::int64_t exchange_ns;
  int instrument_index;
  CThostFtdcDepthMarketDataField tick;
};

bool is_night_time(int seconds_of_day) { return seconds_of_day >= 20 * 3600 || seconds_of_day < 3 * 3600; }

// Natural (calendar) date of a native row: ActionDay, except at DCE whose ActionDay is the trading day.
CivilDate natural_date_of(const InstrumentSpec& spec, CivilDate trading_day, CivilDate action_day, int seconds) {
  if (spec.exchange != ExchangeKind::DCE) return action_day;
  if (seconds >= 20 * 3600) return night_session_date(trading_day);
  if (seconds < 3 * 3600) return add_days(night_session_date(trading_day), 1);
  return trading_day;
}

constexpr std::string_view kVnPyIgnored[] = {"", "Unnamed: 0", "name", "last_volume", "gateway_name", "localtime"};
constexpr std::array<std::string_view, 33> kVnPyKnown = {
    "symbol",       "exchange",     "datetime",     "last_price",   "volume",       "turnover",     "open_interest",
    "limit_up",     "limit_down",   "open_price",   "high_price",   "low_price",    "pre_close",    "bid_price_1",
    "bid_price_2",  "bid_price_3",  "bid_price_4",  "bid_price_5",  "ask_price_1",  "ask_price_2",  "ask_price_3",
    "ask_price_4",  "ask_price_5",  "bid_volume_1", "bid_volume_2", "bid_volume_3", "bid_volume_4", "bid_volume_5",
    "ask_volume_1", "ask_volume_2", "ask_volume_3", "ask_volume_4", "ask_volume_5"};

constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);

// Column names are resolved to slots at compile time and to file columns once per header, so a row costs
// array lookups, not string hashing (a day of six instruments is ~275k rows).
template <std::size_t N>
consteval std::size_t slot_in(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return i;
  }
  throw "column name not in the list";  // compile-time error
}
consteval std::size_t native_slot(std::string_view name) { return slot_in(kNativeCsvColumns, name); }
consteval std::size_t vnpy_slot(std::string_view name) { return slot_in(kVnPyKnown, name); }

struct BookSlots {
  std::array<std::size_t, 5> bid_price, ask_price, bid_volume, ask_volume;
};
constexpr BookSlots kNativeBook{{native_slot("BidPrice1"), native_slot("BidPrice2"), native_slot("BidPrice3"),
                                 native_slot("BidPrice4"), native_slot("BidPrice5")},
                                {native_slot("AskPrice1"), native_slot("AskPrice2"), native_slot("AskPrice3"),
                                 native_slot("AskPrice4"), native_slot("AskPrice5")},
                                {native_slot("BidVolume1"), native_slot("BidVolume2"), native_slot("BidVolume3"),
                                 native_slot("BidVolume4"), native_slot("BidVolume5")},
                                {native_slot("AskVolume1"), native_slot("AskVolume2"), native_slot("AskVolume3"),
                                 native_slot("AskVolume4"), native_slot("AskVolume5")}};
constexpr BookSlots kVnPyBook{{vnpy_slot("bid_price_1"), vnpy_slot("bid_price_2"), vnpy_slot("bid_price_3"),
                               vnpy_slot("bid_price_4"), vnpy_slot("bid_price_5")},
                              {vnpy_slot("ask_price_1"), vnpy_slot("ask_price_2"), vnpy_slot("ask_price_3"),
                               vnpy_slot("ask_price_4"), vnpy_slot("ask_price_5")},
                              {vnpy_slot("bid_volume_1"), vnpy_slot("bid_volume_2"), vnpy_slot("bid_volume_3"),
                               vnpy_slot("bid_volume_4"), vnpy_slot("bid_volume_5")},
                              {vnpy_slot("ask_volume_1"), vnpy_slot("ask_volume_2"), vnpy_slot("ask_volume_3"),
                               vnpy_slot("ask_volume_4"), vnpy_slot("ask_volume_5")}};

}  // namespace

struct CsvSource::Impl {
  std::string path;
  std::vector<InstrumentSpec> instruments;
  std::unordered_map<std::string, int> index_of;
  std::string trading_day_text;
  CivilDate trading_day{};
  bool trading_day_known = false;
  CsvDialect dialect = CsvDialect::Native;
  std::vector<Row> rows;
  struct PendingStatus {
    std::int64_t exchange_ns;
    int order;
    CThostFtdcInstrumentStatusField field;
  };
  std::vector<PendingStatus> statuses;
  std::size_t next_row = 0;
  std::size_t next_status = 0;
  std::unordered_map<std::string, std::size_t> column_of;  // header name → column (header checks only)
  std::vector<std::size_t> slot_column;                    // dialect slot → file column, kAbsent if missing

  Impl(std::string file, std::vector<InstrumentSpec> specs, const std::string& day)
      : path(std::move(file)), instruments(std::move(specs)) {
    for (std::size_t i = 0; i < instruments.size(); ++i)
      index_of.emplace(instruments[i].instrument_id, static_cast<int>(i));
    if (!day.empty()) {
      trading_day = parse_trading_day(day);
      trading_day_known = true;
    }
    load();
    if (!trading_day_known) trading_day = parse_trading_day(std::string(kDefaultTradingDay)), trading_day_known = true;
    trading_day_text = format_yyyymmdd(trading_day);
    build_statuses();
  }

  [[noreturn]] void fail_file(int line, const std::string& column, const std::string& value,
                              const std::string& why) const {
    throw CsvFormatError(path, line, column, value, why);
  }

  bool has(const std::string& name) const { return column_of.count(name) != 0; }
  // File column of a slot (native_slot(...) / vnpy_slot(...) for the file's dialect).
  [[nodiscard]] std::size_t col(std::size_t slot) const { return slot_column[slot]; }
  [[nodiscard]] bool has_slot(std::size_t slot) const { return slot_column[slot] != kAbsent; }

  template <std::size_t N>
  void map_slots(const std::array<std::string_view, N>& names) {
    slot_column.assign(N, kAbsent);
    for (std::size_t i = 0; i < N; ++i) {
      const auto it = column_of.find(std::string(names[i]));
      if (it != column_of.end()) slot_column[i] = it->second;
    }
  }

  void load() {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(0, "", path, "cannot open the file");
    std::ostringstream buffer;
    buffer << in.rdbuf();  // one bulk read (istreambuf_iterator goes char by char)
    const std::string content = std::move(buffer).str();
    std::size_t pos = 0;
    int line_no = 0;
    std::vector<std::string> header;
    std::vector<std::string> fields;
    rows.reserve(static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n')));
    // UTF-8 byte-order mark (Excel, pandas with encoding="utf-8-sig").
    if (content.size() >= 3 && content.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
    while (pos < content.size()) {
      std::size_t eol = content.find('\n', pos);
      if (eol == std::string::npos) eol = content.size();
      std::string_view line(content.data() + pos, eol - pos);
      pos = eol + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (header.empty()) {
        if (line.empty()) fail_file(line_no, "", "", "the first line must be the header row");
        header = split_record(line);
        parse_header(header);
        continue;
      }
      if (line.empty()) {
        // Only a trailing newline may be empty; an empty line in the middle is a malformed row.
        if (pos >= content.size()) break;
        fail_file(line_no, "", "", "empty line in the middle of the data");
      }
      split_record(line, fields);
      if (fields.size() != header.size()) {
        fail_file(line_no, "", std::string(line),
                  "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(fields.size()));
      }
      const Record record{path, line_no, header, fields};
      Row row = dialect == CsvDialect::Native ? native_row(record) : vnpy_row(record);
      if (!rows.empty() && row.exchange_ns < rows.back().exchange_ns) {
        const std::size_t c =
            dialect == CsvDialect::Native ? col(native_slot("UpdateTime")) : col(vnpy_slot("datetime"));
        throw CsvOrderError(path, line_no, header[c], fields[c],
                            "earlier than the previous row: rows must be in time order");
      }
      rows.push_back(row);
    }
    if (header.empty()) fail_file(1, "", "", "empty file: expected a header row");
  }

  void parse_header(const std::vector<std::string>& header) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (!column_of.emplace(header[i], i).second && !header[i].empty()) {
        fail_file(1, header[i], header[i], "duplicate column");
      }
    }
    if (has("InstrumentID")) {
      dialect = CsvDialect::Native;
      for (std::string_view name : kNativeCsvColumns) {
        if (!has(std::string(name))) fail_file(1, std::string(name), "", "missing column of the native format");
      }
      for (const std::string& name : header) {
        if (std::find(kNativeCsvColumns.begin(), kNativeCsvColumns.end(), name) == kNativeCsvColumns.end()) {
          fail_file(1, name, name, "unknown column in the native format");
        }
      }
      map_slots(kNativeCsvColumns);
    } else if (has("symbol") && has("datetime")) {
      dialect = CsvDialect::VnPy;
      for (const char* name : {"exchange", "last_price", "volume"}) {
        if (!has(name)) fail_file(1, name, "", "missing column of the vn.py TickData format");
      }
      for (const std::string& name : header) {
        const auto known = [&](std::string_view k) { return k == name; };
        if (std::none_of(kVnPyKnown.begin(), kVnPyKnown.end(), known) &&
            std::none_of(std::begin(kVnPyIgnored), std::end(kVnPyIgnored), known)) {
          fail_file(1, name, name, "unknown column in the vn.py TickData format");
        }
      }
      map_slots(kVnPyKnown);
    } else {
      fail_file(1, header.empty() ? "" : header[0], header.empty() ? "" : header[0],
                "unrecognised header: expected shandian's native columns (TradingDay,...,InstrumentID,...) or "
                "vn.py TickData columns (symbol,exchange,datetime,...)");
    }
  }

  int instrument(const Record& r, std::size_t c) const {
    const auto it = index_of.find(r.text(c));
    if (it == index_of.end()) {
      std::string known;
      for (const InstrumentSpec& s : instruments) known += (known.empty() ? "" : ", ") + s.instrument_id;
      throw CsvUnknownInstrumentError(path, r.line, r.header[c], r.text(c),
                                      "instrument not in the front's instrument table (" + known + ")");
    }
    return it->second;
  }

  void check_exchange(const Record& r, std::size_t c, const InstrumentSpec& spec) const {
    if (!r.text(c).empty() && r.text(c) != spec.exchange_id) {
      r.fail(c, spec.instrument_id + " trades on " + spec.exchange_id);
    }
  }

  // Establishes the file's trading day from its first row, then requires every row to belong to it.
  void check_trading_day(const Record& r, std::size_t c, CivilDate row_day) {
    if (!trading_day_known) {
      if (!is_weekday(row_day)) r.fail(c, "row belongs to a weekend trading day");
      trading_day = row_day, trading_day_known = true;
    } else if (row_day != trading_day) {
      r.fail(c, "row belongs to trading day " + format_yyyymmdd(row_day) + ", the replay's is " +
                    format_yyyymmdd(trading_day) + " (one trading day per replay)");
    }
  }

  void fill_book_and_stats(const Record& r, const InstrumentSpec& spec, CThostFtdcDepthMarketDataField& t) const {
    double* bid_price[5] = {&t.BidPrice1, &t.BidPrice2, &t.BidPrice3, &t.BidPrice4, &t.BidPrice5};
    double* ask_price[5] = {&t.AskPrice1, &t.AskPrice2, &t.AskPrice3, &t.AskPrice4, &t.AskPrice5};
    int* bid_volume[5] = {&t.BidVolume1, &t.BidVolume2, &t.BidVolume3, &t.BidVolume4, &t.BidVolume5};
    int* ask_volume[5] = {&t.AskVolume1, &t.AskVolume2, &t.AskVolume3, &t.AskVolume4, &t.AskVolume5};
    const bool vnpy = dialect == CsvDialect::VnPy;
    const BookSlots& book = vnpy ? kVnPyBook : kNativeBook;
    // vn.py (pandas) writes a missing level as an empty cell or 0; the native format always writes a count.
    const auto lots = [&](std::size_t slot) {
      if (!has_slot(slot) || (vnpy && r.text(col(slot)).empty())) return 0;
      return static_cast<int>(r.count(col(slot)));
    };
    for (std::size_t level = 0; level < 5; ++level) {
      *bid_price[level] = has_slot(book.bid_price[level]) ? r.price(col(book.bid_price[level]), spec, vnpy) : DBL_MAX;
      *ask_price[level] = has_slot(book.ask_price[level]) ? r.price(col(book.ask_price[level]), spec, vnpy) : DBL_MAX;
      *bid_volume[level] = lots(book.bid_volume[level]);
      *ask_volume[level] = lots(book.ask_volume[level]);
    }
  }

  Row native_row(const Record& r) {
    Row row{};
    const std::size_t c_id = col(native_slot("InstrumentID"));
    row.instrument_index = instrument(r, c_id);
    const InstrumentSpec& spec = instruments[static_cast<std::size_t>(row.instrument_index)];
    check_exchange(r, col(native_slot("ExchangeID")), spec);
    CThostFtdcDepthMarketDataField& t = row.tick;
    t = blank_tick();
    const CivilDate trading = r.date(col(native_slot("TradingDay")));
    const CivilDate action = r.date(col(native_slot("ActionDay")));
    const int seconds = r.seconds_of_day(col(native_slot("UpdateTime")));
    const std::int64_t ms = r.count(col(native_slot("UpdateMillisec")));
    if (ms > 999) r.fail(col(native_slot("UpdateMillisec")), "milliseconds out of range 0..999");
    const CivilDate natural = natural_date_of(spec, trading, action, seconds);
    check_trading_day(r, col(native_slot("TradingDay")), trading_day_of(natural, seconds));
    row.exchange_ns = to_exchange_ns(natural, seconds, static_cast<int>(ms));

    write_date(t.TradingDay, trading);
    write_date(t.ActionDay, action);
    copy_text(t.UpdateTime, r.text(col(native_slot("UpdateTime"))));
    t.UpdateMillisec = static_cast<int>(ms);
    copy_text(t.ExchangeID, spec.exchange_id);
    copy_text(t.InstrumentID, spec.instrument_id);
    copy_text(t.ExchangeInstID, spec.instrument_id);
    const auto money = [&](std::size_t slot) {
      const std::size_t c = col(slot);
      if (r.text(c).empty()) return DBL_MAX;
      const double v = r.number(c);
      if (v < 0) r.fail(c, "must not be negative");
      return v;
    };
    t.LastPrice = r.price(col(native_slot("LastPrice")), spec, false);
    t.PreSettlementPrice = r.price(col(native_slot("PreSettlementPrice")), spec, false);
    t.PreClosePrice = r.price(col(native_slot("PreClosePrice")), spec, false);
    t.PreOpenInterest = money(native_slot("PreOpenInterest"));
    t.OpenPrice = r.price(col(native_slot("OpenPrice")), spec, false);
    t.HighestPrice = r.price(col(native_slot("HighestPrice")), spec, false);
    t.LowestPrice = r.price(col(native_slot("LowestPrice")), spec, false);
    t.Volume = static_cast<int>(r.count(col(native_slot("Volume"))));
    t.Turnover = money(native_slot("Turnover"));
    t.OpenInterest = money(native_slot("OpenInterest"));
    t.ClosePrice = r.price(col(native_slot("ClosePrice")), spec, false);
    t.SettlementPrice = r.price(col(native_slot("SettlementPrice")), spec, false);
    t.UpperLimitPrice = r.price(col(native_slot("UpperLimitPrice")), spec, false);
    t.LowerLimitPrice = r.price(col(native_slot("LowerLimitPrice")), spec, false);
    t.AveragePrice = money(native_slot("AveragePrice"));
    fill_book_and_stats(r, spec, t);
    return row;
  }

  // "YYYY-MM-DD HH:MM:SS[.ffffff][+08:00]" (also 'T' as separator) → natural date, seconds, milliseconds.
  void parse_vnpy_datetime(const Record& r, std::size_t c, CivilDate& date, int& seconds, int& millis) const {
    std::string s = r.text(c);
    if (s.size() >= 6 && (s.compare(s.size() - 6, 6, "+08:00") == 0)) s.resize(s.size() - 6);
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') {
      r.fail(c, "expected YYYY-MM-DD HH:MM:SS[.ffffff][+08:00] (China time)");
    }
    const std::string ymd = s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2);
    try {
      date = parse_yyyymmdd(ymd);
    } catch (const InvalidTradingDayError&) {
      r.fail(c, "invalid date");
    }
    seconds = r.seconds_of_day(c, std::string_view(s).substr(11, 8));
    millis = 0;
    if (s.size() > 19) {
      if (s[19] != '.' || s.size() == 20) r.fail(c, "expected a fraction of a second after '.'");
      int scale = 100;
      for (std::size_t i = 20; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') r.fail(c, "expected digits in the fraction of a second");
        if (scale > 0) millis += (s[i] - '0') * scale, scale /= 10;
      }
    }
  }

  Row vnpy_row(const Record& r) {
    Row row{};
    row.instrument_index = instrument(r, col(vnpy_slot("symbol")));
    const InstrumentSpec& spec = instruments[static_cast<std::size_t>(row.instrument_index)];
    check_exchange(r, col(vnpy_slot("exchange")), spec);
    CThostFtdcDepthMarketDataField& t = row.tick;
    t = blank_tick();
    CivilDate natural{};
    int seconds = 0, millis = 0;
    parse_vnpy_datetime(r, col(vnpy_slot("datetime")), natural, seconds, millis);
    const CivilDate trading = trading_day_of(natural, seconds);
    check_trading_day(r, col(vnpy_slot("datetime")), trading);
    row.exchange_ns = to_exchange_ns(natural, seconds, millis);
    write_date(t.TradingDay, spec.exchange == ExchangeKind::CZCE ? natural : trading);
    write_date(t.ActionDay, spec.exchange == ExchangeKind::DCE ? trading : natural);
    char hhmmss[9];
    const int parts[3] = {seconds / 3600, seconds / 60 % 60, seconds % 60};
    for (int i = 0; i < 3; ++i) {
      hhmmss[3 * i] = static_cast<char>('0' + parts[i] / 10),
                 hhmmss[3 * i + 1] = static_cast<char>('0' + parts[i] % 10);
      hhmmss[3 * i + 2] = i < 2 ? ':' : '\0';
    }
    copy_text(t.UpdateTime, std::string_view(hhmmss, 8));
    t.UpdateMillisec = millis;
    copy_text(t.ExchangeID, spec.exchange_id);
    copy_text(t.InstrumentID, spec.instrument_id);
    copy_text(t.ExchangeInstID, spec.instrument_id);
    const auto optional_price = [&](std::size_t slot) {
      return has_slot(slot) ? r.price(col(slot), spec, true) : DBL_MAX;
    };
    t.LastPrice = r.price(col(vnpy_slot("last_price")), spec, true);
    t.PreSettlementPrice = DBL_MAX;
    t.PreClosePrice = optional_price(vnpy_slot("pre_close"));
    t.PreOpenInterest = DBL_MAX;
    t.OpenPrice = optional_price(vnpy_slot("open_price"));
    t.HighestPrice = optional_price(vnpy_slot("high_price"));
    t.LowestPrice = optional_price(vnpy_slot("low_price"));
    t.Volume = static_cast<int>(r.count(col(vnpy_slot("volume"))));
    t.Turnover = 0.0;
    if (has_slot(vnpy_slot("turnover")) && !r.text(col(vnpy_slot("turnover"))).empty()) {
      t.Turnover = r.number(col(vnpy_slot("turnover")));
      if (t.Turnover < 0) r.fail(col(vnpy_slot("turnover")), "must not be negative");
    }
    t.OpenInterest = DBL_MAX;
    if (has_slot(vnpy_slot("open_interest")) && !r.text(col(vnpy_slot("open_interest"))).empty()) {
      t.OpenInterest = static_cast<double>(r.count(col(vnpy_slot("open_interest"))));
    }
    t.ClosePrice = t.SettlementPrice = DBL_MAX;
    t.UpperLimitPrice = optional_price(vnpy_slot("limit_up"));
    t.LowerLimitPrice = optional_price(vnpy_slot("limit_down"));
    t.AveragePrice = DBL_MAX;
    if (t.Volume > 0 && t.Turnover > 0) {
      t.AveragePrice = t.Turnover / t.Volume;
      if (spec.exchange == ExchangeKind::CZCE) t.AveragePrice /= spec.volume_multiple;
    }
    fill_book_and_stats(r, spec, t);
    return row;
  }

  void build_statuses() {
    if (rows.empty()) return;
    const bool include_night = is_night_time(seconds_of_day_of(rows.front().exchange_ns));
    const std::int64_t last_ns = rows.back().exchange_ns;
    std::vector<std::string> products;
    for (const Row& row : rows) {
      const InstrumentSpec& spec = instruments[static_cast<std::size_t>(row.instrument_index)];
      const std::string key = spec.exchange_id + "." + spec.product_id;
      if (std::find(products.begin(), products.end(), key) != products.end()) continue;
      const int order = static_cast<int>(products.size());
      products.push_back(key);
      const SessionTimeline timeline = session_timeline(spec.sessions, spec.exchange, trading_day, include_night);
      int segment = 0;
      for (const StatusChange& change : timeline.status_changes) {
        statuses.push_back({change.exchange_ns, order, make_status_field(spec, change, ++segment)});
        if (change.exchange_ns >= last_ns) break;  // the close of the session in progress
      }
    }
    std::stable_sort(statuses.begin(), statuses.end(), [](const PendingStatus& a, const PendingStatus& b) {
      return a.exchange_ns != b.exchange_ns ? a.exchange_ns < b.exchange_ns : a.order < b.order;
    });
  }

  bool next(FeedEvent& out) {
    const bool have_row = next_row < rows.size();
    if (next_status < statuses.size() &&
        (!have_row || statuses[next_status].exchange_ns <= rows[next_row].exchange_ns)) {
      const PendingStatus& s = statuses[next_status++];
      out.kind = FeedEvent::Kind::Status;
      out.exchange_ns = s.exchange_ns;
      out.instrument_index = -1;
      std::memcpy(&out.status, &s.field, sizeof s.field);
      return true;
    }
    if (!have_row) {
      out.kind = FeedEvent::Kind::EndOfData;
      out.instrument_index = -1;
      return false;
    }
    const Row& row = rows[next_row++];
    out.kind = FeedEvent::Kind::Tick;
    out.exchange_ns = row.exchange_ns;
    out.instrument_index = row.instrument_index;
    std::memcpy(&out.tick, &row.tick, sizeof row.tick);
    return true;
  }
};

CsvSource::CsvSource(std::string path, std::vector<InstrumentSpec> instruments, std::string trading_day)
    : impl_(std::make_unique<Impl>(std::move(path), std::move(instruments), trading_day)) {}

CsvSource::~CsvSource() = default;

bool CsvSource::next(FeedEvent& out) { return impl_->next(out); }

const char* CsvSource::trading_day() const noexcept { return impl_->trading_day_text.c_str(); }

CsvDialect CsvSource::dialect() const noexcept { return impl_->dialect; }

std::size_t CsvSource::tick_count() const noexcept { return impl_->rows.size(); }

CsvPreview preview_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CsvFormatError(path, 0, "", path, "cannot open the file");
  CsvPreview preview;
  std::string line;
  std::vector<std::string> header;
  std::unordered_map<std::string, std::size_t> column_of;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (header.empty()) {
      header = split_record(line);
      for (std::size_t i = 0; i < header.size(); ++i) column_of.emplace(header[i], i);
      if (column_of.count("InstrumentID") && column_of.count("TradingDay") && column_of.count("ActionDay") &&
          column_of.count("UpdateTime") && column_of.count("ExchangeID")) {
        preview.dialect = CsvDialect::Native;
      } else if (column_of.count("symbol") && column_of.count("datetime")) {
        preview.dialect = CsvDialect::VnPy;
      } else {
        throw CsvFormatError(path, 1, header.empty() ? "" : header[0], header.empty() ? "" : header[0],
                             "unrecognised header: expected shandian's native columns or vn.py TickData columns");
      }
      continue;
    }
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_record(line);
    if (fields.size() != header.size()) continue;  // CsvSource reports it with the full context
    const bool native = preview.dialect == CsvDialect::Native;
    const std::string& id = fields[column_of.at(native ? "InstrumentID" : "symbol")];
    if (std::find(preview.instrument_ids.begin(), preview.instrument_ids.end(), id) == preview.instrument_ids.end()) {
      preview.instrument_ids.push_back(id);
    }
    if (!preview.trading_day.empty()) continue;
    try {
      if (native) {
        const std::string& time = fields[column_of.at("UpdateTime")];
        const int seconds = time.size() >= 2 ? std::atoi(time.substr(0, 2).c_str()) * 3600 : 0;
        // CZCE's TradingDay is the natural day: derive the trading day from ActionDay and the time.
        preview.trading_day =
            fields[column_of.at("ExchangeID")] == "CZCE"
                ? format_yyyymmdd(trading_day_of(parse_yyyymmdd(fields[column_of.at("ActionDay")]), seconds))
                : format_yyyymmdd(parse_yyyymmdd(fields[column_of.at("TradingDay")]));
      } else {
        const std::string& dt = fields[column_of.at("datetime")];
        if (dt.size() >= 13) {
          const CivilDate natural = parse_yyyymmdd(dt.substr(0, 4) + dt.substr(5, 2) + dt.substr(8, 2));
          preview.trading_day = format_yyyymmdd(trading_day_of(natural, std::atoi(dt.substr(11, 2).c_str()) * 3600));
        }
      }
    } catch (const InvalidTradingDayError&) {
      // Left empty: CsvSource reports the malformed date with its line and column.
    }
  }
  if (header.empty()) throw CsvFormatError(path, 1, "", "", "empty file: expected a header row");
  return preview;
}

// ---------------------------------------------------------------------------------------------- writer

namespace {

void put_number(std::ostream& out, double v) {
  if (v == DBL_MAX) return;  // no value: empty cell
  char buf[32];
  // Whole numbers (volumes, open interest, most prices) as plain integers, everything else in the shortest
  // form that round-trips exactly — a replay reproduces the generator's doubles bit for bit.
  const bool whole = std::fabs(v) < 1e15 && v == std::floor(v);
  const auto [ptr, ec] =
      whole ? std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v)) : std::to_chars(buf, buf + sizeof buf, v);
  out.write(buf, ec == std::errc() ? ptr - buf : 0);
}

void put_int(std::ostream& out, long long v) {
  char buf[24];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.write(buf, ec == std::errc() ? ptr - buf : 0);
}

}  // namespace

void write_csv_header(std::ostream& out) {
  for (std::size_t i = 0; i < kNativeCsvColumns.size(); ++i) {
    if (i) out << ',';
    out << kNativeCsvColumns[i];
  }
  out << '\n';
}

void write_csv_row(std::ostream& out, const CThostFtdcDepthMarketDataField& t) {
  out << t.TradingDay << ',' << t.ActionDay << ',' << t.UpdateTime << ',';
  put_int(out, t.UpdateMillisec);
  out << ',' << t.ExchangeID << ',' << t.InstrumentID;
  const double before_volume[] = {t.LastPrice, t.PreSettlementPrice, t.PreClosePrice, t.PreOpenInterest,
                                  t.OpenPrice, t.HighestPrice,       t.LowestPrice};
  for (double v : before_volume) out << ',', put_number(out, v);
  out << ',';
  put_int(out, t.Volume);
  const double after_volume[] = {t.Turnover,        t.OpenInterest,    t.ClosePrice,  t.SettlementPrice,
                                 t.UpperLimitPrice, t.LowerLimitPrice, t.AveragePrice};
  for (double v : after_volume) out << ',', put_number(out, v);
  const double bid_price[5] = {t.BidPrice1, t.BidPrice2, t.BidPrice3, t.BidPrice4, t.BidPrice5};
  const double ask_price[5] = {t.AskPrice1, t.AskPrice2, t.AskPrice3, t.AskPrice4, t.AskPrice5};
  const int bid_volume[5] = {t.BidVolume1, t.BidVolume2, t.BidVolume3, t.BidVolume4, t.BidVolume5};
  const int ask_volume[5] = {t.AskVolume1, t.AskVolume2, t.AskVolume3, t.AskVolume4, t.AskVolume5};
  for (int i = 0; i < 5; ++i) {
    out << ',', put_number(out, bid_price[i]);
    out << ',', put_int(out, bid_volume[i]);
    out << ',', put_number(out, ask_price[i]);
    out << ',', put_int(out, ask_volume[i]);
  }
  out << '\n';
}

std::int64_t write_csv(FeedSource& source, std::ostream& out) {
  write_csv_header(out);
  std::int64_t rows = 0;
  auto event = std::make_unique<FeedEvent>();  // ~1 KB: keep it off the stack
  while (source.next(*event)) {
    if (event->kind != FeedEvent::Kind::Tick) continue;
    write_csv_row(out, event->tick);
    ++rows;
  }
  return rows;
}

std::int64_t write_csv(FeedSource& source, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("write_csv: cannot open '" + path + "' for writing");
  const std::int64_t rows = write_csv(source, out);
  out.flush();
  if (!out) throw std::runtime_error("write_csv: writing '" + path + "' failed");
  return rows;
}

}  // namespace shandian::sim
