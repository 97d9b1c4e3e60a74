#include "backtest/chunk_feed.hpp"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace shandian::backtest {

namespace {

double price_or_none(double v) noexcept { return std::isfinite(v) ? v : DBL_MAX; }

template <std::size_t N>
void put(char (&dst)[N], const std::string& text) noexcept {
  const std::size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(dst, text.data(), n);
  dst[n] = '\0';
}

// Writes `value` as `width` decimal digits at dst[at] (zero-padded, the lowest digits kept).
template <std::size_t N>
void digits(char (&dst)[N], std::size_t at, std::size_t width, unsigned value) noexcept {
  for (std::size_t k = width; k-- > 0;) {
    if (at + k < N) dst[at + k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
void civil(std::int64_t days, int& y, unsigned& m, unsigned& d) noexcept {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe) + static_cast<int>(era) * 400 + (m <= 2 ? 1 : 0);
}

}  // namespace

ChunkFeed::ChunkFeed(PullChunk pull, const std::vector<std::string>& symbols,
                     const std::vector<sim::InstrumentSpec>& instruments)
    : pull_(std::move(pull)) {
  for (const std::string& s : symbols) {
    int found = -1;
    for (std::size_t i = 0; i < instruments.size(); ++i) {
      if (instruments[i].instrument_id == s) found = static_cast<int>(i);
    }
    if (found < 0) throw std::invalid_argument("backtest data: instrument " + s + " is not in the instrument table");
    core_index_.push_back(found);
    ids_.push_back(s);
    exchange_.push_back(instruments[static_cast<std::size_t>(found)].exchange_id);
  }
}

bool ChunkFeed::load() {
  while (!ended_ && pos_ >= cols_.rows) {
    pos_ = 0;
    cols_ = TickColumns{};
    if (!pull_(cols_)) ended_ = true;
  }
  return !ended_;
}

std::uint32_t ChunkFeed::first_day() {
  if (!load()) return 0;
  if (day_ == 0) {
    day_ = cols_.trading_day[pos_];
    day_text_ = std::to_string(day_);
  }
  return day_;
}

void ChunkFeed::start_pending_day() {
  day_ = pending_day_;
  day_text_ = std::to_string(day_);
  pending_day_ = 0;
}

bool ChunkFeed::next(sim::FeedEvent& out) {
  if (pending_day_ != 0 || !load()) {
    out.kind = sim::FeedEvent::Kind::EndOfData;
    return false;
  }
  const std::size_t i = pos_;
  if (day_ == 0) (void)first_day();
  if (cols_.trading_day[i] != day_) {  // a new trading day: settle first
    pending_day_ = cols_.trading_day[i];
    out.kind = sim::FeedEvent::Kind::EndOfData;
    return false;
  }
  ++pos_;
  const std::int32_t k = cols_.instrument[i];
  if (k < 0 || static_cast<std::size_t>(k) >= ids_.size()) {
    throw std::out_of_range("backtest data: instrument index " + std::to_string(k) + " out of range");
  }
  const std::size_t s = static_cast<std::size_t>(k);
  const std::int64_t ms = cols_.time_ms[i];
  out.kind = sim::FeedEvent::Kind::Tick;
  out.exchange_ns = ms * 1'000'000;
  out.instrument_index = core_index_[s];
  CThostFtdcDepthMarketDataField& t = out.tick;
  std::memset(&t, 0, sizeof t);
  put(t.InstrumentID, ids_[s]);
  put(t.ExchangeID, exchange_[s]);
  put(t.TradingDay, day_text_);
  const std::int64_t day_number = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
  const std::int64_t in_day = ms - day_number * 86'400'000;
  int y = 0;
  unsigned mo = 0, d = 0;
  civil(day_number, y, mo, d);
  digits(t.ActionDay, 0, 4, static_cast<unsigned>(y));
  digits(t.ActionDay, 4, 2, mo);
  digits(t.ActionDay, 6, 2, d);
  t.ActionDay[8] = '\0';
  const unsigned secs = static_cast<unsigned>(in_day / 1000);
  digits(t.UpdateTime, 0, 2, secs / 3600);
  t.UpdateTime[2] = ':';
  digits(t.UpdateTime, 3, 2, secs / 60 % 60);
  t.UpdateTime[5] = ':';
  digits(t.UpdateTime, 6, 2, secs % 60);
  t.UpdateTime[8] = '\0';
  t.UpdateMillisec = static_cast<int>(in_day % 1000);
  t.LastPrice = price_or_none(cols_.last_price[i]);
  t.Volume = static_cast<int>(cols_.volume[i]);
  t.Turnover = cols_.turnover[i];
  t.OpenInterest = cols_.open_interest[i];
  t.BidPrice1 = price_or_none(cols_.bid_price_1[i]);
  t.AskPrice1 = price_or_none(cols_.ask_price_1[i]);
  t.BidVolume1 = cols_.bid_volume_1[i];
  t.AskVolume1 = cols_.ask_volume_1[i];
  t.UpperLimitPrice = price_or_none(cols_.upper_limit[i]);
  t.LowerLimitPrice = price_or_none(cols_.lower_limit[i]);
  for (double* p : {&t.PreSettlementPrice, &t.PreClosePrice, &t.OpenPrice, &t.HighestPrice, &t.LowestPrice,
                    &t.ClosePrice, &t.SettlementPrice, &t.AveragePrice, &t.BidPrice2, &t.AskPrice2, &t.BidPrice3,
                    &t.AskPrice3, &t.BidPrice4, &t.AskPrice4, &t.BidPrice5, &t.AskPrice5}) {
    *p = DBL_MAX;
  }
  return true;
}

}  // namespace shandian::backtest
