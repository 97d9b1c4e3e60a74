// BacktestGateway's bar-input loop (the rules are in bar_feed.hpp).
#include "backtest/bar_feed.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include "backtest/backtest_gateway.hpp"
#include "ctp/order_encoding.hpp"

namespace shandian::backtest {

namespace {

// Ample displayed volume at the next open: bar mode models price, not depth.
constexpr int kOpenBookVolume = 1'000'000'000;

}  // namespace

void BacktestGateway::bar_snapshot(int instrument, std::int64_t exchange_ns, double last, std::int64_t traded,
                                   double bid, double ask, const BarBand& band) {
  const auto at = static_cast<std::size_t>(instrument);
  if (bar_templates_.size() != core_->instruments().size()) bar_templates_.assign(core_->instruments().size(), {});
  BarTemplate& tpl = bar_templates_[at];
  if (tpl.day != day_) {  // the fields a bar's snapshots share, built once a trading day per instrument
    const sim::InstrumentSpec& spec = core_->instruments()[at];
    CThostFtdcDepthMarketDataField& t = tpl.tick;
    std::memset(&t, 0, sizeof t);
    ctp::put_text(t.InstrumentID, spec.instrument_id.c_str());
    ctp::put_text(t.ExchangeID, spec.exchange_id.c_str());
    ctp::put_text(t.TradingDay, day_.c_str());
    for (double* p : {&t.PreSettlementPrice, &t.PreClosePrice, &t.OpenPrice, &t.HighestPrice, &t.LowestPrice,
                      &t.ClosePrice, &t.SettlementPrice, &t.AveragePrice, &t.BidPrice2, &t.AskPrice2, &t.BidPrice3,
                      &t.AskPrice3, &t.BidPrice4, &t.AskPrice4, &t.BidPrice5, &t.AskPrice5}) {
      *p = DBL_MAX;
    }
    tpl.day = day_;
  }
  sim::FeedEvent& ev = bar_event_;
  ev.kind = sim::FeedEvent::Kind::Tick;
  ev.exchange_ns = exchange_ns;
  ev.instrument_index = instrument;
  CThostFtdcDepthMarketDataField& t = ev.tick;
  std::memcpy(&t, &tpl.tick, sizeof t);
  bar_volume_ += traded;
  t.LastPrice = last;
  t.Volume = static_cast<int>(bar_volume_);
  t.BidPrice1 = std::isfinite(bid) ? bid : DBL_MAX;
  t.AskPrice1 = std::isfinite(ask) ? ask : DBL_MAX;
  t.BidVolume1 = std::isfinite(bid) ? kOpenBookVolume : 0;
  t.AskVolume1 = std::isfinite(ask) ? kOpenBookVolume : 0;
  t.UpperLimitPrice = band.upper;
  t.LowerLimitPrice = band.lower;
  if (exchange_ns > clock_ns_) clock_ns_ = exchange_ns;
  ++counters_.feed_events;
  core_->on_feed_event(ev);
}

bool BacktestGateway::run_bars(core::Engine& engine) {
  engine.start();
  pump(engine);
  counters_.days = 1;
  const std::vector<std::string>& symbols = settings_.chunk_symbols;
  std::vector<int> core_index(symbols.size(), -1);
  std::vector<core::InstrumentId> ids(symbols.size());
  for (std::size_t s = 0; s < symbols.size(); ++s) {
    core_index[s] = core_->instrument_index(symbols[s].c_str());
    if (core_index[s] < 0) throw std::invalid_argument("backtest data: instrument " + symbols[s] + " is unknown");
    ids[s].assign(symbols[s]);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // The newest bar of each stream instrument, handed to the engine once the next bar's open is on the book.
  std::vector<std::optional<bars::Bar>> held(symbols.size());
  // Price limits: limit_ratio around the previous day's last close (the first open on the first day).
  std::vector<BarBand> band(symbols.size());
  std::vector<double> last_close(symbols.size(), nan);
  std::vector<bool> band_set(symbols.size(), false);
  auto hand_over = [&](std::size_t s) {
    bars::Bar bar = *held[s];
    held[s].reset();
    (void)engine.inject_bar(bar);
    ++counters_.ticks_forwarded;
    pump(engine);
  };
  // End of a trading day (or of the data): the held bars go out in time order with no next open shown.
  auto end_day = [&] {
    for (;;) {
      std::size_t best = held.size();
      for (std::size_t s = 0; s < held.size(); ++s) {
        if (held[s] && (best == held.size() || held[s]->end_ms < held[best]->end_ms)) best = s;
      }
      if (best == held.size()) break;
      bar_snapshot(core_index[best], held[best]->end_ms * 1'000'000, held[best]->close, 0, nan, nan, band[best]);
      hand_over(best);
    }
    deliver_due(engine, INT64_MAX);
    pump(engine);
  };
  std::uint32_t day_number = static_cast<std::uint32_t>(std::stoul(day_));  // day_ as a number
  std::size_t pos = 0;
  while (!engine.stop_requested()) {
    if (pos >= bar_cols_.rows) {
      bar_cols_ = BarColumns{};
      pos = 0;
      if (!settings_.pull_bars(bar_cols_)) {
        end_day();
        return true;
      }
      continue;
    }
    const std::size_t r = pos++;
    const std::int32_t k = bar_cols_.instrument[r];
    if (k < 0 || static_cast<std::size_t>(k) >= symbols.size()) {
      throw std::out_of_range("backtest data: bar instrument index " + std::to_string(k) + " out of range");
    }
    const auto s = static_cast<std::size_t>(k);
    if (bar_cols_.trading_day[r] != day_number) {
      day_number = bar_cols_.trading_day[r];
      end_day();
      roll_to(engine, std::to_string(day_number));
      bar_volume_ = 0;
      band_set.assign(band_set.size(), false);
      ++counters_.days;
      pump(engine);
    }
    const int ci = core_index[s];
    const double tick = core_->instruments()[static_cast<std::size_t>(ci)].price_tick;
    const double slip = settings_.slippage_ticks * tick;
    const double open = bar_cols_.open[r], high = bar_cols_.high[r], low = bar_cols_.low[r];
    const double close = bar_cols_.close[r];
    if (!band_set[s]) {
      const double ref = std::isnan(last_close[s]) ? open : last_close[s];
      const double ratio = core_->instruments()[static_cast<std::size_t>(ci)].limit_ratio;
      band[s] = BarBand{std::ceil(ref * (1.0 - ratio) / tick - 1e-9) * tick,
                        std::floor(ref * (1.0 + ratio) / tick + 1e-9) * tick};
      band_set[s] = true;
    }
    last_close[s] = close;
    const std::int64_t start_ns = bar_cols_.start_ms[r] * 1'000'000;
    const std::int64_t end_ns = bar_cols_.end_ms[r] * 1'000'000;
    deliver_due(engine, start_ns);
    if (counters_.first_ns == 0) counters_.first_ns = start_ns;
    // The open on the book, then the previous bar to the agents: what they send meets this open.
    bar_snapshot(ci, start_ns, open, 0, open - slip, open + slip, band[s]);
    if (held[s]) hand_over(s);
    // The range as trades (no displayed book): resting orders fill at their price when traded through.
    const std::int64_t traded = std::max<std::int64_t>(1, bar_cols_.volume[r]);
    const bool up = close >= open;
    bar_snapshot(ci, start_ns, up ? low : high, traded, nan, nan, band[s]);
    bar_snapshot(ci, start_ns, up ? high : low, traded, nan, nan, band[s]);
    bar_snapshot(ci, end_ns, close, 0, nan, nan, band[s]);
    if (ring_->front() != nullptr) pump(engine);  // this bar's fills are booked before the bar closes
    ++counters_.ticks;
    counters_.last_ns = end_ns;
    bars::Bar bar{};
    bar.symbol = ids[s];
    bar.interval = settings_.bar_interval;
    bar.trading_day = bar_cols_.trading_day[r];
    bar.start_ms = bar_cols_.start_ms[r];
    bar.end_ms = bar_cols_.end_ms[r];
    bar.open = open;
    bar.high = high;
    bar.low = low;
    bar.close = close;
    bar.volume = bar_cols_.volume[r];
    bar.turnover = bar_cols_.turnover[r];
    bar.open_interest = bar_cols_.open_interest[r];
    bar.tick_count = 0;
    bar.filled = false;
    held[s] = bar;
  }
  engine.clear_stop();
  return false;
}

}  // namespace shandian::backtest
