#include "sim/feed/generator.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>

#include "ThostFtdcUserApiDataType.h"
#include "sim/core/front_config.hpp"
#include "sim/feed/calendar.hpp"
#include "sim/feed/instrument_table.hpp"

namespace shandian::sim {

namespace {

constexpr std::int64_t kSnapshotPeriodNs = 500 * kNanosPerMilli;
constexpr int kMaxJitterMs = 40;  // per-snapshot jitter on top of the instrument's phase
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

template <std::size_t N>
void copy_text(char (&dest)[N], const std::string& text) noexcept {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(dest, text.data(), n);
  dest[n] = '\0';
}

void write_yyyymmdd(char* dest, CivilDate d) noexcept {
  int y = d.year;
  for (int i = 3; i >= 0; --i) dest[i] = static_cast<char>('0' + y % 10), y /= 10;
  dest[4] = static_cast<char>('0' + d.month / 10), dest[5] = static_cast<char>('0' + d.month % 10);
  dest[6] = static_cast<char>('0' + d.day / 10), dest[7] = static_cast<char>('0' + d.day % 10);
  dest[8] = '\0';
}

void write_hhmmss(char* dest, int seconds_of_day) noexcept {
  const int h = seconds_of_day / 3600, m = seconds_of_day / 60 % 60, s = seconds_of_day % 60;
  dest[0] = static_cast<char>('0' + h / 10), dest[1] = static_cast<char>('0' + h % 10), dest[2] = ':';
  dest[3] = static_cast<char>('0' + m / 10), dest[4] = static_cast<char>('0' + m % 10), dest[5] = ':';
  dest[6] = static_cast<char>('0' + s / 10), dest[7] = static_cast<char>('0' + s % 10), dest[8] = '\0';
}

// FNV-1a: a stable (platform-independent) hash of the instrument id for per-instrument seeding.
std::uint64_t fnv1a(const std::string& text) noexcept {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BEB133111BULL;
  return x ^ (x >> 31);
}

// Uniform integer in [0, n) from 16 random bits (n ≤ 65536); multiply-shift keeps it exact and portable.
inline std::int64_t bounded16(std::uint64_t bits16, std::int64_t n) noexcept {
  return static_cast<std::int64_t>((bits16 & 0xFFFF) * static_cast<std::uint64_t>(n) >> 16);
}

struct Lane {
  int index = 0;
  const InstrumentSpec* spec = nullptr;
  std::mt19937_64 rng;
  CThostFtdcDepthMarketDataField tick;  // static fields preset; dynamic ones rewritten per snapshot
  std::vector<TradingInterval> intervals;
  std::vector<std::int64_t> auctions;
  std::size_t interval = 0;       // current interval
  std::size_t auction = 0;        // next auction instant
  std::int64_t slot_ns = 0;       // next 500 ms slot in the current interval (before jitter)
  std::int64_t next_ns = kNever;  // time of the next snapshot
  bool next_is_auction = false;
  std::int64_t day_number = -1;  // natural day the date fields currently show
  bool czce = false, dce = false;
  CivilDate trading_day;
  // Price state in integer ticks.
  std::int64_t ref = 0, upper = 0, lower = 0, last = 0, open = -1, high = 0, low = 0;
  std::int64_t volume = 0;
  std::int64_t turnover_tick_lots = 0;  // Σ price_in_ticks × lots: Turnover = this × tick × multiplier
  std::int64_t open_interest = 0;
  int phase_ms = 0;
  std::int64_t step_scale = 1;   // typical move size in ticks per snapshot
  std::int64_t depth_base = 10;  // typical resting lots per level
  std::int64_t trade_base = 3;   // typical lots traded per snapshot
  double tick_value = 10.0;      // CNY per tick per lot (price_tick × multiplier, rounded to 1e-6)
  // from_ticks of every price in [lower, upper] (every price a snapshot shows lies there), computed once:
  // the same doubles as calling it per snapshot, without its rounding per field.
  std::vector<double> price_table;
  std::int64_t price_count = 0;  // price_table.size(), kept signed for the range check

  [[nodiscard]] double price(std::int64_t ticks) const noexcept {
    const std::int64_t k = ticks - lower;
    return k >= 0 && k < price_count ? price_table[static_cast<std::size_t>(k)] : spec->from_ticks(ticks);
  }
};

constexpr std::int64_t kMaxPriceTable = 1 << 16;  // wider bands (none bundled) convert per snapshot

struct StatusEvent {
  std::int64_t exchange_ns;
  int order;  // product order: stable tie-break
  CThostFtdcInstrumentStatusField field;
};

}  // namespace

GeneratorOptions generator_options(const FrontConfig& config) {
  GeneratorOptions o;
  o.seed = config.seed;
  o.trading_day = config.trading_day.empty() ? std::string(kDefaultTradingDay) : config.trading_day;
  if (config.session == "night") {
    o.start_with_night = true;
  } else if (config.session == "day") {
    o.start_with_night = false;
  } else {
    throw std::invalid_argument("FrontConfig.session '" + config.session + "': expected \"night\" or \"day\"");
  }
  if (config.max_ticks < 0) {
    throw std::invalid_argument("FrontConfig.max_ticks " + std::to_string(config.max_ticks) + ": expected >= 0");
  }
  o.max_ticks = config.max_ticks;
  return o;
}

struct GeneratorSource::Impl {
  std::vector<InstrumentSpec> instruments;
  GeneratorOptions options;
  std::string trading_day_text;
  std::vector<Lane> lanes;
  std::vector<StatusEvent> statuses;
  std::size_t next_status = 0;
  std::int64_t ticks = 0;

  Impl(std::vector<InstrumentSpec> specs, GeneratorOptions opts)
      : instruments(std::move(specs)), options(std::move(opts)) {
    const CivilDate day = parse_trading_day(options.trading_day);
    trading_day_text = format_yyyymmdd(day);
    if (instruments.empty()) throw std::invalid_argument("GeneratorSource: no instruments");
    lanes.resize(instruments.size());
    std::vector<std::string> products_seen;
    for (std::size_t i = 0; i < instruments.size(); ++i) {
      const InstrumentSpec& spec = instruments[i];
      if (!(spec.price_tick > 0) || spec.volume_multiple <= 0 || !(spec.reference_price > 0) ||
          !(spec.limit_ratio > 0) || !spec.on_tick(spec.reference_price)) {
        throw std::invalid_argument("GeneratorSource: instrument '" + spec.instrument_id +
                                    "' needs price_tick > 0, volume_multiple > 0, limit_ratio > 0 and a "
                                    "reference_price > 0 on a tick multiple");
      }
      const SessionTimeline timeline = session_timeline(spec.sessions, spec.exchange, day, options.start_with_night);
      init_lane(lanes[i], static_cast<int>(i), spec, timeline, day);
      const std::string product_key = spec.exchange_id + "." + spec.product_id;
      if (std::find(products_seen.begin(), products_seen.end(), product_key) == products_seen.end()) {
        add_statuses(spec, timeline, static_cast<int>(products_seen.size()));
        products_seen.push_back(product_key);
      }
    }
    std::stable_sort(statuses.begin(), statuses.end(), [](const StatusEvent& a, const StatusEvent& b) {
      return a.exchange_ns != b.exchange_ns ? a.exchange_ns < b.exchange_ns : a.order < b.order;
    });
  }

  void add_statuses(const InstrumentSpec& spec, const SessionTimeline& timeline, int order) {
    int segment = 0;
    for (const StatusChange& change : timeline.status_changes) {
      statuses.push_back(StatusEvent{change.exchange_ns, order, make_status_field(spec, change, ++segment)});
    }
  }

  void init_lane(Lane& lane, int index, const InstrumentSpec& spec, const SessionTimeline& timeline, CivilDate day) {
    lane.index = index;
    lane.spec = &spec;
    lane.rng.seed(splitmix64(options.seed ^ splitmix64(fnv1a(spec.instrument_id))));
    lane.intervals = timeline.continuous;
    lane.auctions = timeline.auction_match_ns;
    lane.czce = spec.exchange == ExchangeKind::CZCE;
    lane.dce = spec.exchange == ExchangeKind::DCE;
    lane.trading_day = day;

    lane.ref = spec.to_ticks(spec.reference_price);
    // Limits: reference × (1 ± ratio) rounded inwards to ticks, so a limit is never beyond the ratio.
    const double up = spec.reference_price * (1.0 + spec.limit_ratio) / spec.price_tick;
    const double down = spec.reference_price * (1.0 - spec.limit_ratio) / spec.price_tick;
    lane.upper = static_cast<std::int64_t>(std::floor(up + 1e-9));
    lane.lower = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(down - 1e-9)));
    if (lane.upper <= lane.ref) lane.upper = lane.ref + 1;
    if (lane.lower >= lane.ref) lane.lower = std::max<std::int64_t>(1, lane.ref - 1);
    lane.last = lane.ref;
    if (lane.upper - lane.lower < kMaxPriceTable) {
      lane.price_table.resize(static_cast<std::size_t>(lane.upper - lane.lower + 1));
      for (std::size_t k = 0; k < lane.price_table.size(); ++k) {
        lane.price_table[k] = spec.from_ticks(lane.lower + static_cast<std::int64_t>(k));
      }
      lane.price_count = static_cast<std::int64_t>(lane.price_table.size());
    }
    // Rounded so that Turnover stays an exact multiple (0.02 × 1000 must be 20, not 20.000000000000004).
    lane.tick_value = std::round(spec.price_tick * spec.volume_multiple * 1e6) / 1e6;
    const double notional = spec.reference_price * spec.volume_multiple;
    lane.step_scale = std::max<std::int64_t>(1, std::llround(spec.reference_price * 0.0002 / spec.price_tick));
    lane.depth_base = std::clamp<std::int64_t>(std::llround(2e7 / notional), 2, 500);
    lane.trade_base = std::max<std::int64_t>(1, lane.depth_base / 4);
    lane.open_interest = lane.depth_base * 2000;
    lane.phase_ms = 20 + static_cast<int>(lane.rng() % 420);  // in [20, 440): ms never 000/500 with jitter
    const std::int64_t pre_close =
        std::clamp(lane.ref + static_cast<std::int64_t>(lane.rng() % (10 * lane.step_scale + 1)) - 5 * lane.step_scale,
                   lane.lower, lane.upper);

    CThostFtdcDepthMarketDataField& t = lane.tick;
    std::memset(&t, 0, sizeof t);  // zeroed padding: byte-identical streams
    copy_text(t.ExchangeID, spec.exchange_id);
    copy_text(t.InstrumentID, spec.instrument_id);
    copy_text(t.ExchangeInstID, spec.instrument_id);
    t.PreSettlementPrice = spec.from_ticks(lane.ref);
    t.PreClosePrice = spec.from_ticks(pre_close);
    t.PreOpenInterest = static_cast<double>(lane.open_interest);
    t.OpenPrice = t.HighestPrice = t.LowestPrice = DBL_MAX;
    t.ClosePrice = t.SettlementPrice = DBL_MAX;
    t.UpperLimitPrice = spec.from_ticks(lane.upper);
    t.LowerLimitPrice = spec.from_ticks(lane.lower);
    t.PreDelta = 0.0;
    t.CurrDelta = DBL_MAX;
    t.AveragePrice = DBL_MAX;
    t.BandingUpperPrice = t.BandingLowerPrice = DBL_MAX;
    t.LastPrice = DBL_MAX;
    t.OpenInterest = static_cast<double>(lane.open_interest);

    lane.interval = 0;
    lane.auction = 0;
    if (!lane.intervals.empty()) lane.slot_ns = lane.intervals[0].begin_ns + lane.phase_ms * kNanosPerMilli;
    schedule(lane);
  }

  // Picks the lane's next snapshot time: the next auction instant if it comes before the next continuous
  // slot, else the next 500 ms slot (jittered) that still falls inside a continuous interval.
  void schedule(Lane& lane) {
    std::int64_t continuous_ns = kNever;
    while (lane.interval < lane.intervals.size()) {
      const TradingInterval& iv = lane.intervals[lane.interval];
      if (lane.slot_ns + kMaxJitterMs * kNanosPerMilli < iv.end_ns) {
        const auto jitter = static_cast<std::int64_t>(lane.rng() % kMaxJitterMs);
        continuous_ns = lane.slot_ns + jitter * kNanosPerMilli;
        break;
      }
      if (++lane.interval < lane.intervals.size()) {
        lane.slot_ns = lane.intervals[lane.interval].begin_ns + lane.phase_ms * kNanosPerMilli;
      }
    }
    const std::int64_t auction_ns =
        lane.auction < lane.auctions.size() ? lane.auctions[lane.auction] + lane.phase_ms * kNanosPerMilli : kNever;
    if (auction_ns < continuous_ns) {
      lane.next_ns = auction_ns;
      lane.next_is_auction = true;
    } else {
      lane.next_ns = continuous_ns;
      lane.next_is_auction = false;
    }
  }

  void update_dates(Lane& lane, std::int64_t ns) {
    const std::int64_t day_number = ns / kNanosPerDay;
    if (day_number == lane.day_number) return;
    lane.day_number = day_number;
    const CivilDate natural = civil_from_days(day_number);
    write_yyyymmdd(lane.tick.TradingDay, lane.czce ? natural : lane.trading_day);
    write_yyyymmdd(lane.tick.ActionDay, lane.dce ? lane.trading_day : natural);
  }

  void record_trade(Lane& lane, std::int64_t price, std::int64_t lots) {
    lane.last = price;
    if (lane.open < 0) lane.open = lane.high = lane.low = price;
    lane.high = std::max(lane.high, price);
    lane.low = std::min(lane.low, price);
    lane.volume += lots;
    lane.turnover_tick_lots += price * lots;
  }

  void make_snapshot(Lane& lane, FeedEvent& out) {
    const InstrumentSpec& spec = *lane.spec;
    const std::uint64_t r1 = lane.rng();
    const std::uint64_t r2 = lane.rng();
    const std::uint64_t r3 = lane.rng();
    const std::uint64_t r4 = lane.rng();  // bid volumes, levels 1-4
    const std::uint64_t r5 = lane.rng();  // ask volumes, levels 1-4

    if (lane.next_is_auction) {
      // Opening call auction: one match at a price near the previous settlement, a larger volume.
      const std::int64_t spread = 3 * lane.step_scale;
      const std::int64_t price = std::clamp(lane.ref + bounded16(r1, 2 * spread + 1) - spread, lane.lower, lane.upper);
      record_trade(lane, price, lane.trade_base * 4 + bounded16(r1 >> 16, lane.trade_base * 4 + 1));
      lane.open_interest += bounded16(r1 >> 32, lane.trade_base + 1);
    } else if (bounded16(r1, 10) < 7) {  // a trade in 70 % of snapshots
      std::int64_t price = lane.last;
      if (bounded16(r1 >> 16, 10) < 4) {  // the price moves in 40 % of trading snapshots
        // Mild mean reversion towards the previous settlement keeps a day's range realistic.
        const double pull = static_cast<double>(lane.last - lane.ref) / static_cast<double>(lane.upper - lane.ref);
        const double p_up = 0.5 - 0.15 * std::clamp(pull, -1.0, 1.0);
        const bool up = static_cast<double>((r1 >> 32) & 0xFFFF) < p_up * 65536.0;
        const std::int64_t size = 1 + bounded16(r1 >> 48, lane.step_scale);
        price = std::clamp(up ? price + size : price - size, lane.lower, lane.upper);
      }
      const std::int64_t lots = 1 + bounded16(r2, lane.trade_base * 2);
      record_trade(lane, price, lots);
      const std::int64_t oi_change = bounded16(r2 >> 16, 2 * lots + 1) - lots;
      lane.open_interest = std::max<std::int64_t>(0, lane.open_interest + oi_change);
    }

    CThostFtdcDepthMarketDataField& t = lane.tick;
    update_dates(lane, lane.next_ns);
    write_hhmmss(t.UpdateTime, seconds_of_day_of(lane.next_ns));
    t.UpdateMillisec = static_cast<int>(lane.next_ns / kNanosPerMilli % 1000);
    if (lane.open >= 0) {
      t.LastPrice = lane.price(lane.last);
      t.OpenPrice = lane.price(lane.open);
      t.HighestPrice = lane.price(lane.high);
      t.LowestPrice = lane.price(lane.low);
      t.Turnover = static_cast<double>(lane.turnover_tick_lots) * lane.tick_value;
      t.AveragePrice = t.Turnover / static_cast<double>(lane.volume);
      if (lane.czce) t.AveragePrice /= spec.volume_multiple;
    }
    t.Volume = static_cast<int>(lane.volume);
    t.OpenInterest = static_cast<double>(lane.open_interest);

    // Book: best bid/ask around the last price; one side empty at a limit.
    std::int64_t bid1 = -1, ask1 = -1;  // -1: side empty
    const std::int64_t reference = lane.open >= 0 ? lane.last : lane.ref;
    if (reference >= lane.upper) {
      bid1 = lane.upper;
    } else if (reference <= lane.lower) {
      ask1 = lane.lower;
    } else {
      const std::int64_t spread = bounded16(r3, 10) == 0 ? 2 : 1;
      bid1 = reference - ((r3 >> 16) & 1);
      ask1 = bid1 + spread;
      if (ask1 > lane.upper) ask1 = lane.upper, bid1 = std::max(lane.lower, ask1 - spread);
    }
    double* bid_price[5] = {&t.BidPrice1, &t.BidPrice2, &t.BidPrice3, &t.BidPrice4, &t.BidPrice5};
    double* ask_price[5] = {&t.AskPrice1, &t.AskPrice2, &t.AskPrice3, &t.AskPrice4, &t.AskPrice5};
    int* bid_volume[5] = {&t.BidVolume1, &t.BidVolume2, &t.BidVolume3, &t.BidVolume4, &t.BidVolume5};
    int* ask_volume[5] = {&t.AskVolume1, &t.AskVolume2, &t.AskVolume3, &t.AskVolume4, &t.AskVolume5};
    const std::uint64_t level5_bits = r3 >> 20;  // 44 spare bits of r3: the two level-5 volumes
    for (int level = 0; level < 5; ++level) {
      const std::int64_t b = bid1 < 0 ? -1 : bid1 - level;
      const std::int64_t a = ask1 < 0 ? -1 : ask1 + level;
      const std::uint64_t vb = level < 4 ? r4 >> (16 * level) : level5_bits;
      const std::uint64_t va = level < 4 ? r5 >> (16 * level) : level5_bits >> 16;
      if (b >= lane.lower && b >= 1) {
        *bid_price[level] = lane.price(b);
        *bid_volume[level] = static_cast<int>(1 + bounded16(vb, 2 * lane.depth_base));
      } else {
        *bid_price[level] = DBL_MAX, *bid_volume[level] = 0;
      }
      if (a >= 0 && a <= lane.upper) {
        *ask_price[level] = lane.price(a);
        *ask_volume[level] = static_cast<int>(1 + bounded16(va, 2 * lane.depth_base));
      } else {
        *ask_price[level] = DBL_MAX, *ask_volume[level] = 0;
      }
    }

    out.kind = FeedEvent::Kind::Tick;
    out.exchange_ns = lane.next_ns;
    out.instrument_index = lane.index;
    std::memcpy(&out.tick, &t, sizeof t);

    if (lane.next_is_auction) {
      ++lane.auction;
    } else {
      lane.slot_ns += kSnapshotPeriodNs;
    }
    schedule(lane);
  }

  bool next(FeedEvent& out) {
    if (options.max_ticks > 0 && ticks >= options.max_ticks) return finish(out);
    Lane* earliest = nullptr;
    for (Lane& lane : lanes) {
      if (lane.next_ns != kNever && (earliest == nullptr || lane.next_ns < earliest->next_ns)) earliest = &lane;
    }
    // A status change at the same instant as a snapshot goes first: the phase changes, then trading shows.
    if (next_status < statuses.size() &&
        (earliest == nullptr || statuses[next_status].exchange_ns <= earliest->next_ns)) {
      const StatusEvent& ev = statuses[next_status++];
      out.kind = FeedEvent::Kind::Status;
      out.exchange_ns = ev.exchange_ns;
      out.instrument_index = -1;
      std::memcpy(&out.status, &ev.field, sizeof ev.field);
      return true;
    }
    if (earliest == nullptr) return finish(out);
    make_snapshot(*earliest, out);
    ++ticks;
    return true;
  }

  static bool finish(FeedEvent& out) {
    out.kind = FeedEvent::Kind::EndOfData;
    out.instrument_index = -1;
    return false;
  }
};

GeneratorSource::GeneratorSource(std::vector<InstrumentSpec> instruments, GeneratorOptions options)
    : impl_(std::make_unique<Impl>(std::move(instruments), std::move(options))) {}

GeneratorSource::GeneratorSource(const FrontConfig& config, std::vector<InstrumentSpec> instruments)
    : GeneratorSource(std::move(instruments), generator_options(config)) {}

GeneratorSource::~GeneratorSource() = default;

bool GeneratorSource::next(FeedEvent& out) { return impl_->next(out); }

const char* GeneratorSource::trading_day() const noexcept { return impl_->trading_day_text.c_str(); }

const std::vector<InstrumentSpec>& GeneratorSource::instruments() const noexcept { return impl_->instruments; }

std::int64_t GeneratorSource::ticks_emitted() const noexcept { return impl_->ticks; }

}  // namespace shandian::sim
