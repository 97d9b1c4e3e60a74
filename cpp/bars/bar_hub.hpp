// BarHub: the engine's bars. One BarBuilder per instrument some agent asked bars for, per (instrument,
// interval) series the mask of subscribed agents and a history ring of the last N bars in columns.
// Subscribing allocates (builder, rings); ticks and clock calls after that allocate nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bars/bar.hpp"
#include "bars/bar_builder.hpp"
#include "core/events.hpp"
#include "core/types.hpp"

namespace shandian::bars {

// The newest `capacity` bars of one series as columns. Every value is written twice, at slot i and at
// i + capacity, so the newest n (n <= capacity) are always one contiguous run of each column, ending at
// head + capacity: a reader gets a plain pointer (a numpy view) instead of a copy. The memory never moves
// once allocated; a run handed out stays unchanged until capacity - n more bars were pushed (then its
// oldest slots are overwritten with newer bars).
class HistoryRing {
 public:
  enum Column : std::uint8_t { Open, High, Low, Close, OpenInterest, kDoubleColumns };
  enum IntColumn : std::uint8_t { Volume, StartMs, kIntColumns };

  explicit HistoryRing(std::size_t capacity)
      : capacity_(capacity),
        doubles_(std::make_unique<double[]>(kDoubleColumns * 2 * capacity)),
        ints_(std::make_unique<std::int64_t[]>(kIntColumns * 2 * capacity)) {
    if (capacity == 0) throw std::invalid_argument("bar history capacity must be positive");
  }

  void push(const Bar& bar) noexcept {
    const double d[kDoubleColumns] = {bar.open, bar.high, bar.low, bar.close, bar.open_interest};
    const std::int64_t i[kIntColumns] = {bar.volume, bar.start_ms};
    for (std::size_t c = 0; c < kDoubleColumns; ++c) {
      double* col = doubles_.get() + c * 2 * capacity_;
      col[head_] = col[head_ + capacity_] = d[c];
    }
    for (std::size_t c = 0; c < kIntColumns; ++c) {
      std::int64_t* col = ints_.get() + c * 2 * capacity_;
      col[head_] = col[head_ + capacity_] = i[c];
    }
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    if (size_ < capacity_) ++size_;
    ++pushed_;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint64_t pushed() const noexcept { return pushed_; }
  // The oldest of the newest n values of a column (n <= size()); the other n - 1 follow it in memory.
  [[nodiscard]] const double* newest(Column c, std::size_t n) const noexcept {
    return doubles_.get() + c * 2 * capacity_ + head_ + capacity_ - n;
  }
  [[nodiscard]] const std::int64_t* newest(IntColumn c, std::size_t n) const noexcept {
    return ints_.get() + c * 2 * capacity_ + head_ + capacity_ - n;
  }

 private:
  std::size_t capacity_;
  std::unique_ptr<double[]> doubles_;
  std::unique_ptr<std::int64_t[]> ints_;
  std::size_t head_ = 0;  // the slot the next bar goes to
  std::size_t size_ = 0;
  std::uint64_t pushed_ = 0;
};

class BarHub {
 public:
  struct Series {
    BarInterval interval;
    std::uint64_t subscribers = 0;  // bit per agent
    std::unique_ptr<HistoryRing> history;
    std::int64_t last_end_ms = INT64_MIN;    // end of the newest bar pushed (seeded or live)
    std::int64_t seeded_end_ms = INT64_MIN;  // end of the newest seeded (past) bar
  };
  struct Entry {
    core::InstrumentId symbol;
    core::InstrumentIndex instrument = core::kNoInstrument;
    std::unique_ptr<BarBuilder> builder;
    std::array<Series, BarBuilder::kMaxSeries> series;  // in the builder's series order
    std::size_t series_count = 0;
  };

  BarHub(std::size_t history_capacity, BuilderOptions options) : history_(history_capacity), options_(options) {
    if (history_capacity == 0) throw std::invalid_argument("bar history capacity must be positive");
  }

  // The agent gets the (symbol, interval) bars. Throws UnknownProductError (a product without a session
  // table entry), InvalidBuilderConfigError (more than kMaxSeries intervals). Returns the entry index and
  // whether the entry is new (its builder needs a start-up clock and its instrument's market data).
  struct Subscribed {
    std::size_t entry;
    bool created;
  };
  Subscribed subscribe(std::size_t agent, std::string_view symbol, BarInterval interval) {
    std::size_t e = find(symbol);
    bool created = false;
    if (e == entries_.size()) {
      Entry fresh;
      fresh.builder = std::make_unique<BarBuilder>(symbol, options_);  // UnknownProductError
      fresh.symbol.assign(symbol);
      entries_.push_back(std::move(fresh));
      created = true;
    }
    Entry& entry = entries_[e];
    std::size_t s = 0;
    while (s < entry.series_count && !(entry.series[s].interval == interval)) ++s;
    if (s == entry.series_count) {
      const std::size_t added = entry.builder->add_interval(interval);  // InvalidBuilderConfigError
      entry.series[added] = Series{interval, 0, std::make_unique<HistoryRing>(history_)};
      entry.series_count = added + 1;
    }
    entry.series[s].subscribers |= (1ULL << agent);
    return {e, created};
  }

  [[nodiscard]] std::size_t find(std::string_view symbol) const noexcept {
    std::size_t e = 0;
    while (e < entries_.size() && entries_[e].symbol.view() != symbol) ++e;
    return e;
  }
  [[nodiscard]] std::vector<Entry>& entries() noexcept { return entries_; }
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

  // nullptr when nobody asked for these bars.
  [[nodiscard]] const HistoryRing* history(std::string_view symbol, BarInterval interval) const noexcept {
    const std::size_t e = find(symbol);
    if (e == entries_.size()) return nullptr;
    const Entry& entry = entries_[e];
    for (std::size_t s = 0; s < entry.series_count; ++s) {
      if (entry.series[s].interval == interval) return entry.series[s].history.get();
    }
    return nullptr;
  }

  // Warm-up: appends a past bar (built elsewhere from history) to the (symbol, interval) ring. Seeded bars
  // must come oldest first and start at or after the end of every bar already kept; a live bar that starts
  // before the end of the newest seeded bar is then dropped (it repeats history), so the series continues at
  // the seam without a duplicate. Returns NotSubscribed when nobody asked for these bars, OutOfOrder otherwise.
  enum class SeedResult : std::uint8_t { Ok, NotSubscribed, OutOfOrder };
  SeedResult seed(std::string_view symbol, const Bar& bar) noexcept {
    const std::size_t e = find(symbol);
    if (e == entries_.size()) return SeedResult::NotSubscribed;
    Entry& entry = entries_[e];
    for (std::size_t s = 0; s < entry.series_count; ++s) {
      Series& series = entry.series[s];
      if (!(series.interval == bar.interval)) continue;
      if (bar.end_ms <= bar.start_ms || bar.start_ms < series.last_end_ms) return SeedResult::OutOfOrder;
      series.history->push(bar);
      series.last_end_ms = series.seeded_end_ms = bar.end_ms;
      return SeedResult::Ok;
    }
    return SeedResult::NotSubscribed;
  }

  // A bar built elsewhere (bar-input backtests): kept in its series' history and handed to sink(bar,
  // subscribers) as a built bar would be; false when nobody subscribed to (symbol, bar.interval).
  template <class Sink>
  bool push_built(std::string_view symbol, const Bar& bar, Sink&& sink) {
    const std::size_t e = find(symbol);
    if (e == entries_.size()) return false;
    for (std::size_t s = 0; s < entries_[e].series_count; ++s) {
      if (entries_[e].series[s].interval == bar.interval) {
        deliver(entries_[e], bar, sink);
        return true;
      }
    }
    return false;
  }

  // Folds a tick of entry `e` in (received at monotonic recv_ns); sink(const Bar&, subscribers) per bar.
  template <class Sink>
  void on_tick(std::size_t e, const core::TickData& tick, std::int64_t recv_ns, Sink&& sink) {
    Entry& entry = entries_[e];
    const std::uint64_t accepted_before = entry.builder->stats().accepted;
    entry.builder->on_tick(tick, [&](const Bar& bar) { deliver(entry, bar, sink); });
    if (entry.builder->stats().accepted != accepted_before) {
      const std::int64_t tick_ms = entry.builder->last_tick_exchange_ms();
      if (tick_ms >= last_tick_exchange_ms_) {
        last_tick_exchange_ms_ = tick_ms;
        last_tick_recv_ns_ = recv_ns;
      }
    }
  }

  // The exchange clock estimate at monotonic now_ns: the latest accepted tick's exchange time advanced by
  // the monotonic time since it was received; nullopt-like kNoClock before any tick.
  static constexpr std::int64_t kNoClock = INT64_MIN;
  [[nodiscard]] std::int64_t estimated_exchange_ms(std::int64_t now_ns) const noexcept {
    if (last_tick_exchange_ms_ == kNoClock) return kNoClock;
    const std::int64_t since_ms = now_ns > last_tick_recv_ns_ ? (now_ns - last_tick_recv_ns_) / 1'000'000 : 0;
    return last_tick_exchange_ms_ + since_ms;
  }

  // Advances every builder's clock to `exchange_ms` (ignored when kNoClock).
  template <class Sink>
  void on_clock(std::int64_t exchange_ms, Sink&& sink) {
    if (exchange_ms == kNoClock) return;
    for (Entry& entry : entries_) {
      entry.builder->on_clock(exchange_ms, [&](const Bar& bar) { deliver(entry, bar, sink); });
    }
  }

 private:
  template <class Sink>
  static void deliver(Entry& entry, const Bar& bar, Sink& sink) {
    for (std::size_t s = 0; s < entry.series_count; ++s) {
      Series& series = entry.series[s];
      if (!(series.interval == bar.interval)) continue;
      if (bar.start_ms < series.seeded_end_ms) return;  // already delivered as history (seed)
      series.history->push(bar);
      series.last_end_ms = bar.end_ms;
      sink(bar, series.subscribers);
      return;
    }
  }

  std::size_t history_;
  BuilderOptions options_;
  std::vector<Entry> entries_;
  std::int64_t last_tick_exchange_ms_ = kNoClock;
  std::int64_t last_tick_recv_ns_ = 0;
};

}  // namespace shandian::bars
