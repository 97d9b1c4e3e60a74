#include "sim/api/front_instance.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "sim/feed/feed.hpp"

namespace shandian::sim {
namespace {

// The registry: the one process-wide mutable state of the local front (see front_instance.hpp for why).
// Allocated once and never destroyed, so APIs still alive during static destruction at exit cannot touch
// a destroyed map.
struct Registry {
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<FrontInstance>> instances;
};

Registry& registry() {
  static Registry* const r = new Registry();  // intentionally leaked: outlives every API
  return *r;
}

constexpr std::size_t kFeedBatch = 256;  // events applied per instance-lock acquisition

// The ErrorMsg field holds 80 bytes: a file named by its full path rarely fits, so the path's directory
// is dropped (the full path is in the stderr message) before the text is cut.
std::string short_reason(std::string reason, const FrontConfig& cfg) {
  constexpr std::size_t kErrorMsgBytes = sizeof(CThostFtdcRspInfoField{}.ErrorMsg) - 1;
  if (reason.size() <= kErrorMsgBytes) return reason;
  constexpr std::string_view kCsv = "csv:";
  for (std::string path :
       {cfg.source.rfind(kCsv, 0) == 0 ? cfg.source.substr(kCsv.size()) : std::string(), cfg.state}) {
    const std::size_t slash = path.rfind('/');
    if (path.empty() || slash == std::string::npos) continue;
    const std::string base = path.substr(slash + 1);
    for (std::size_t at = reason.find(path); at != std::string::npos; at = reason.find(path, at + base.size()))
      reason.replace(at, path.size(), base);
  }
  return reason;
}

}  // namespace

std::shared_ptr<FrontInstance> FrontInstance::acquire(const FrontAddress& address, StartFailure& failure) {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  auto& slot = reg.instances[address.config.name];
  if (auto live = slot.lock()) {
    if (!address.settings.empty() && address.settings != live->address_.settings) {
      failure.reason = "instance '" + address.config.name + "' already runs with other settings";
      failure.message = "shandian local front: instance '" + address.config.name + "' already runs with settings '" +
                        live->address_.settings + "'; '" + address.original +
                        "' asks for different ones (register local://" + address.config.name +
                        " without settings to join it, or use another NAME)";
      return nullptr;
    }
    return live;
  }
  try {
    const FrontConfig& cfg = address.config;
    std::vector<InstrumentSpec> instruments = cfg.trading_day.empty()
                                                  ? select_instruments(cfg.instruments)
                                                  : select_instruments(cfg.instruments, cfg.trading_day);
    std::unique_ptr<FeedSource> source = make_feed_source(cfg, instruments);
    std::string day = cfg.trading_day.empty() ? std::string(source->trading_day()) : cfg.trading_day;
    std::shared_ptr<FrontInstance> created(
        new FrontInstance(address, std::move(instruments), std::move(source), std::move(day)));
    slot = created;
    return created;
  } catch (const std::exception& e) {
    reg.instances.erase(address.config.name);
    failure.reason = short_reason(e.what(), address.config);
    failure.message = "shandian local front: cannot start instance '" + address.config.name + "' (" + address.original +
                      "): " + e.what();
    return nullptr;
  }
}

std::size_t FrontInstance::live_instances() {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  std::size_t n = 0;
  for (auto it = reg.instances.begin(); it != reg.instances.end();) {
    if (it->second.expired()) {
      it = reg.instances.erase(it);
    } else {
      ++n;
      ++it;
    }
  }
  return n;
}

FrontInstance::FrontInstance(FrontAddress address, std::vector<InstrumentSpec> instruments,
                             std::unique_ptr<FeedSource> source, std::string trading_day)
    : address_(std::move(address)), trading_day_(std::move(trading_day)), source_(std::move(source)) {
  const std::size_t n = instruments.size();
  core_ = std::make_unique<ExchangeCore>(address_.config, std::move(instruments), trading_day_);
  subscribers_.resize(n);
  latest_.resize(n);
  has_latest_.assign(n, false);
  if (!address_.config.state.empty()) restore_state();
}

namespace {
// Outputs of replayed inputs were delivered to a process that no longer exists.
class DiscardSink final : public TraderSink {
 public:
  void push(const TraderMessage&) override {}
};

template <class T>
bool body_as(const InputEntry& e, T& out) {
  if (e.body.size() != sizeof(T)) return false;
  std::memcpy(&out, e.body.data(), sizeof(T));
  return true;
}
}  // namespace

void FrontInstance::restore_state() {
  const std::string& path = address_.config.state;
  std::vector<InputEntry> entries;
  std::string error;
  std::size_t complete_bytes = 0;
  if (!StateLog::read(path, entries, error, &complete_bytes)) throw std::runtime_error(error);
  static DiscardSink discard;  // stateless; shared by every replay
  std::vector<bool> open;
  FeedEvent ev;
  const auto bad = [&](std::size_t i) {
    return std::runtime_error("state file " + path + ": entry " + std::to_string(i) + " does not replay");
  };
  // The log's first day: the core and the feed restart from it (the address may name a later day).
  if (!entries.empty() && entries.front().kind == InputKind::TradingDay &&
      std::to_string(entries.front().a) != core_->trading_day()) {
    start_day(std::to_string(entries.front().a), false);
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const InputEntry& e = entries[i];
    switch (e.kind) {
      case InputKind::TradingDay:
        if (std::to_string(e.a) != core_->trading_day()) start_day(std::to_string(e.a), true);
        break;
      case InputKind::Connect: {
        StreamSubscription topics[2];
        if (e.body.size() != sizeof topics) throw bad(i);
        std::memcpy(topics, e.body.data(), sizeof topics);
        if (core_->connect(discard, topics[0], topics[1]) != e.conn) throw bad(i);
        open.resize(static_cast<std::size_t>(e.conn) + 1, false);
        open[static_cast<std::size_t>(e.conn)] = true;
        break;
      }
      case InputKind::Disconnect:
        core_->disconnect(e.conn, e.a);
        if (e.conn >= 0 && static_cast<std::size_t>(e.conn) < open.size())
          open[static_cast<std::size_t>(e.conn)] = false;
        break;
      case InputKind::Authenticate: {
        CThostFtdcReqAuthenticateField f{};
        if (!body_as(e, f)) throw bad(i);
        (void)core_->authenticate(e.conn, f, e.request_id);
        break;
      }
      case InputKind::Login: {
        CThostFtdcReqUserLoginField f{};
        if (!body_as(e, f)) throw bad(i);
        (void)core_->login(e.conn, f, e.request_id);
        break;
      }
      case InputKind::Logout: {
        CThostFtdcUserLogoutField f{};
        if (!body_as(e, f)) throw bad(i);
        (void)core_->logout(e.conn, f, e.request_id);
        break;
      }
      case InputKind::ConfirmSettlement: {
        CThostFtdcSettlementInfoConfirmField f{};
        if (!body_as(e, f)) throw bad(i);
        (void)core_->confirm_settlement(e.conn, f, e.request_id);
        break;
      }
      case InputKind::InsertOrder: {
        CThostFtdcInputOrderField f{};
        if (!body_as(e, f)) throw bad(i);
        (void)core_->insert_order(e.conn, f, e.request_id);
        break;
      }
      case InputKind::OrderAction: {
        CThostFtdcInputOrderActionField f{};
        if (!body_as(e, f)) throw bad(i);
        (void)core_->order_action(e.conn, f, e.request_id);
        break;
      }
      case InputKind::FeedEvents:
        for (std::int32_t k = 0; k < e.a; ++k) {
          if (!source_->next(ev)) throw bad(i);
          core_->on_feed_event(ev);
          ++feed_stats_.events;
          if (ev.kind == FeedEvent::Kind::Tick && ev.instrument_index >= 0 &&
              static_cast<std::size_t>(ev.instrument_index) < latest_.size()) {
            latest_[static_cast<std::size_t>(ev.instrument_index)] = ev.tick;
            has_latest_[static_cast<std::size_t>(ev.instrument_index)] = true;
          }
        }
        break;
    }
  }
  state_ = std::make_unique<StateLog>();
  if (!state_->open(path, complete_bytes, error)) throw std::runtime_error(error);
  if (entries.empty()) state_->append(InputKind::TradingDay, -1, 0, std::stoi(trading_day_), nullptr, 0);
  // The process that held these connections is gone: its sockets dropped.
  for (std::size_t c = 0; c < open.size(); ++c) {
    if (!open[c]) continue;
    record_disconnect(static_cast<int>(c), 0);
    core_->disconnect(static_cast<int>(c), 0);
  }
  if (core_->trading_day() == trading_day_) return;
  if (std::stoi(core_->trading_day()) > std::stoi(trading_day_)) {
    throw std::runtime_error("state file " + path + " is at trading day " + core_->trading_day() +
                             "; trading_day=" + trading_day_ + " is earlier (a counter's day only moves forward)");
  }
  // A later day than the log's: the counter settles into it (positions become yesterday's lots).
  state_->append(InputKind::TradingDay, -1, 0, std::stoi(trading_day_), nullptr, 0);
  start_day(trading_day_, true);
}

void FrontInstance::start_day(const std::string& day, bool settle) {
  FrontConfig cfg = address_.config;
  cfg.trading_day = day;
  if (settle) {
    core_->roll_trading_day(day);
  } else {
    std::vector<InstrumentSpec> instruments = core_->instruments();
    core_ = std::make_unique<ExchangeCore>(cfg, std::move(instruments), day);
  }
  source_ = make_feed_source(cfg, core_->instruments());
  has_latest_.assign(has_latest_.size(), false);
}

FrontInstance::~FrontInstance() {
  {
    std::lock_guard lock(sleep_mutex_);
    // release: pairs with the acquire loads in feed_loop / wait_for_space (see the member's comment).
    stop_.store(true, std::memory_order_release);
  }
  sleep_cv_.notify_all();
  {
    // Wake a feed thread blocked on backpressure.
    std::lock_guard lock(mutex_);
    for (auto& subs : subscribers_)
      for (auto& q : subs) q->notify_space();
  }
  subscribed_cv_.notify_all();  // and one waiting for its first subscriber
  if (feed_thread_.joinable()) feed_thread_.join();
}

void FrontInstance::start_feed() {
  std::call_once(feed_started_, [this] { feed_thread_ = std::thread([this] { feed_loop(); }); });
}

void FrontInstance::to_md_tick(const CThostFtdcDepthMarketDataField& in, MdMessage& out,
                               int instrument_index) noexcept {
  out.kind = MdMessage::Kind::RtnDepthMarketData;
  out.instrument_index = instrument_index;
  out.has_rsp_info = false;
  std::memcpy(&out.body.tick, &in, sizeof(in));
  // The ordinary md front does not fill ExchangeID (ctp-semantics §3): clients map it from the instrument.
  std::memset(out.body.tick.ExchangeID, 0, sizeof(out.body.tick.ExchangeID));
}

bool FrontInstance::md_subscribe(const std::shared_ptr<MdQueue>& queue, int instrument_index) {
  if (instrument_index < 0 || static_cast<std::size_t>(instrument_index) >= subscribers_.size()) return false;
  auto& subs = subscribers_[static_cast<std::size_t>(instrument_index)];
  if (std::none_of(subs.begin(), subs.end(), [&](const auto& q) { return q.get() == queue.get(); })) {
    subs.push_back(queue);
    ++generation_;
    if (subscriptions_++ == 0) subscribed_cv_.notify_all();
  }
  if (has_latest_[static_cast<std::size_t>(instrument_index)]) {
    const auto& tick = latest_[static_cast<std::size_t>(instrument_index)];
    queue->push_with([&](MdMessage& m) { to_md_tick(tick, m, instrument_index); });
  }
  return true;
}

void FrontInstance::md_unsubscribe(const MdQueue* queue, int instrument_index) {
  if (instrument_index < 0 || static_cast<std::size_t>(instrument_index) >= subscribers_.size()) return;
  auto& subs = subscribers_[static_cast<std::size_t>(instrument_index)];
  const auto before = subs.size();
  std::erase_if(subs, [&](const auto& q) { return q.get() == queue; });
  if (subs.size() != before) {
    ++generation_;
    subscriptions_ -= before - subs.size();
  }
}

void FrontInstance::md_remove(const MdQueue* queue) {
  for (std::size_t i = 0; i < subscribers_.size(); ++i) md_unsubscribe(queue, static_cast<int>(i));
}

FeedStats FrontInstance::feed_stats() const {
  std::lock_guard lock(const_cast<std::mutex&>(mutex_));
  return feed_stats_;
}

bool FrontInstance::roll_day(FeedEvent& first) {
  FrontConfig next = address_.config;
  {
    std::lock_guard lock(mutex_);
    next.trading_day = format_yyyymmdd(next_weekday(parse_trading_day(core_->trading_day())));
  }
  std::unique_ptr<FeedSource> source;
  try {
    source = make_feed_source(next, core_->instruments());
  } catch (const std::exception& e) {  // the feed thread must not throw: the instance ends its feed instead
    std::fprintf(stderr, "shandian local front: cannot start trading day %s: %s\n", next.trading_day.c_str(), e.what());
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    core_->roll_trading_day(next.trading_day);
    has_latest_.assign(has_latest_.size(), false);  // a new subscriber gets the new day's first snapshot
  }
  source_ = std::move(source);
  return source_->next(first);
}

void FrontInstance::feed_loop() {
  using Clock = std::chrono::steady_clock;
  const double speed = address_.config.speed;
  const double drop_ratio = address_.config.md_drop_ratio;
  std::mt19937_64 drop_rng(address_.config.seed ^ 0x5d5d5d5dULL);  // seeded: the same drops every run
  std::uniform_real_distribution<double> uniform(0.0, 1.0);

  std::vector<FeedEvent> batch(kFeedBatch + 1);
  std::vector<bool> deliver(kFeedBatch);
  std::vector<std::vector<std::shared_ptr<MdQueue>>> subs;  // private copy of subscribers_
  std::uint64_t subs_generation = 0;
  // Per-queue fan-out lists (few md APIs per process: linear search is fastest).
  std::vector<std::pair<MdQueue*, std::vector<std::size_t>>> fan;

  // batch[0] always holds the next event not yet applied (`have_next`); events are generated straight
  // into their batch slot (no copy), and an event that is not due yet is carried over by a swap.
  bool have_next = source_->next(batch[0]);
  auto wall0 = Clock::now();
  std::int64_t exch0 = have_next ? batch[0].exchange_ns : 0;
  int days_left = address_.config.days - 1;
  auto due = [&](const FeedEvent& ev) {
    const double offset_ns = static_cast<double>(ev.exchange_ns - exch0) / speed;
    return wall0 + std::chrono::nanoseconds(static_cast<std::int64_t>(offset_ns));
  };
  std::vector<int> last_in_batch(latest_.size(), -1);

  // acquire: pairs with the destructor's release store.
  while (have_next && !stop_.load(std::memory_order_acquire)) {
    if (speed <= 0) {
      // Backpressure pacing: with nobody subscribed there is nobody to pace the clock, and racing
      // through the day would leave a client that subscribes later with its last minutes only.
      std::unique_lock lock(mutex_);
      subscribed_cv_.wait(lock, [&] { return subscriptions_ > 0 || stop_.load(std::memory_order_acquire); });
      if (stop_.load(std::memory_order_acquire)) break;
    } else {
      const auto when = due(batch[0]);
      if (when > Clock::now()) {
        std::unique_lock lock(sleep_mutex_);
        sleep_cv_.wait_until(lock, when, [&] { return stop_.load(std::memory_order_acquire); });
        if (stop_.load(std::memory_order_acquire)) break;
      }
    }
    // Gather every event that is due (all of them at speed 0), up to one batch.
    std::size_t n = 1;
    bool carry = false;
    const auto now = Clock::now();
    while (n < kFeedBatch) {
      if (!source_->next(batch[n])) {
        have_next = false;
        break;
      }
      if (speed > 0 && due(batch[n]) > now) {
        carry = true;
        break;
      }
      ++n;
    }

    {
      std::lock_guard lock(mutex_);
      if (subs_generation != generation_) {
        subs = subscribers_;
        subs_generation = generation_;
      }
      if (state_) state_->append(InputKind::FeedEvents, -1, 0, static_cast<std::int32_t>(n), nullptr, 0);
      for (std::size_t i = 0; i < n; ++i) {
        const FeedEvent& ev = batch[i];
        core_->on_feed_event(ev);
        ++feed_stats_.events;
        deliver[i] = false;
        if (ev.kind == FeedEvent::Kind::Tick && ev.instrument_index >= 0 &&
            static_cast<std::size_t>(ev.instrument_index) < latest_.size()) {
          ++feed_stats_.ticks;
          last_in_batch[static_cast<std::size_t>(ev.instrument_index)] = static_cast<int>(i);
          if (drop_ratio > 0 && uniform(drop_rng) < drop_ratio) {
            ++feed_stats_.dropped_ticks;
          } else {
            deliver[i] = true;
          }
        }
      }
      // The latest snapshot per instrument (pushed to new subscribers): one copy per instrument per batch.
      for (std::size_t k = 0; k < last_in_batch.size(); ++k) {
        if (last_in_batch[k] < 0) continue;
        latest_[k] = batch[static_cast<std::size_t>(last_in_batch[k])].tick;
        has_latest_[k] = true;
        last_in_batch[k] = -1;
      }
    }

    // Fan out outside the instance lock, so requests are never blocked behind md backpressure.
    for (auto& f : fan) f.second.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (!deliver[i]) continue;
      for (const auto& q : subs[static_cast<std::size_t>(batch[i].instrument_index)]) {
        auto it = std::find_if(fan.begin(), fan.end(), [&](const auto& f) { return f.first == q.get(); });
        if (it == fan.end()) {
          fan.emplace_back(q.get(), std::vector<std::size_t>{});
          it = fan.end() - 1;
        }
        it->second.push_back(i);
      }
    }
    std::uint64_t fanned = 0;
    std::uint64_t waits = 0;
    for (auto& [queue, items] : fan) {
      if (items.empty()) continue;
      if (speed <= 0) {
        const auto before = queue->stats().backpressure_waits;
        if (!queue->wait_for_space(stop_)) continue;  // closed (its API is going away) or stopping
        waits += queue->stats().backpressure_waits - before;
      }
      queue->push_many(items.size(), [&](MdMessage& m, std::size_t k) {
        const FeedEvent& ev = batch[items[k]];
        to_md_tick(ev.tick, m, ev.instrument_index);
      });
      fanned += items.size();
    }
    // Drop fan entries of queues no longer subscribed anywhere (their API was released).
    std::erase_if(fan, [&](const auto& f) {
      return std::none_of(subs.begin(), subs.end(), [&](const auto& v) {
        return std::any_of(v.begin(), v.end(), [&](const auto& q) { return q.get() == f.first; });
      });
    });
    if (fanned || waits) {
      std::lock_guard lock(mutex_);
      feed_stats_.fanned_out += fanned;
      feed_stats_.backpressure_waits += waits;
    }
    if (carry)
      std::swap(batch[0], batch[n]);  // the first event of the next round
    else if (have_next)
      have_next = source_->next(batch[0]);
    if (!have_next && days_left > 0 && !stop_.load(std::memory_order_acquire)) {
      --days_left;
      have_next = roll_day(batch[0]);
      wall0 = Clock::now();  // pacing restarts with the new day's first event
      exch0 = have_next ? batch[0].exchange_ns : 0;
    }
  }
  std::lock_guard lock(mutex_);
  feed_stats_.finished = !have_next;
}

}  // namespace shandian::sim
