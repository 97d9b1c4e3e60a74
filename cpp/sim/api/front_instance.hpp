// One local exchange instance (a "front"): the ExchangeCore (book, clock, accounts), the feed thread that
// paces FeedEvents into it, and the md fan-out to subscribed md APIs. Lives in libshandian_exchange.so,
// which both CTP libraries link, so a trader API and an md API of one process that register the same
// NAME meet one instance.
//
// The registry (NAME → weak_ptr<FrontInstance>, behind a mutex) is the one process-wide mutable state of
// the local front. It has to be global: the two CTP libraries are created through independent static
// factories (CreateFtdcTraderApi / CreateFtdcMdApi) that take no context argument, so the only way for
// them to find the same book is a process-level name lookup. Weak references mean the registry never
// keeps an instance alive: the last API holding it (shared_ptr) frees it on Release, and the next
// registration of that NAME starts a fresh exchange day.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sim/api/front_address.hpp"
#include "sim/api/md_message.hpp"
#include "sim/api/state_log.hpp"
#include "sim/core/exchange_core.hpp"

#define SHANDIAN_EXCHANGE_API __attribute__((visibility("default")))

namespace shandian::sim {

struct FeedStats {
  std::uint64_t events = 0;         // feed events applied to the core
  std::uint64_t ticks = 0;          // tick events among them
  std::uint64_t dropped_ticks = 0;  // not delivered because of md_drop_ratio (counted, on purpose)
  std::uint64_t fanned_out = 0;     // tick messages queued to md APIs
  std::uint64_t backpressure_waits = 0;
  bool finished = false;  // the source is exhausted
};

// Why an instance could not be had. The front is reachable but its exchange cannot serve: the libraries
// answer every login with ErrorID 7 NOT_INITED and `reason` as the ErrorMsg (they never retry).
struct StartFailure {
  std::string message;  // the whole story, printed on stderr (instance, address, cause)
  std::string reason;   // the cause alone, short enough for an ErrorMsg (char[81] GBK) where possible
};

class SHANDIAN_EXCHANGE_API FrontInstance {
 public:
  // Finds the live instance named address.config.name, or creates it (instruments, feed source and
  // ExchangeCore from the config). Fails (nullptr, `failure` set) when the feed, the instrument table or
  // the state log cannot be built, or when a live instance of that NAME was created with different
  // settings and this address gives settings of its own (an address without settings joins whatever exists).
  [[nodiscard]] static std::shared_ptr<FrontInstance> acquire(const FrontAddress& address, StartFailure& failure);

  // Instances currently registered and alive (tests: the last Release frees the instance).
  [[nodiscard]] static std::size_t live_instances();

  ~FrontInstance();
  FrontInstance(const FrontInstance&) = delete;
  FrontInstance& operator=(const FrontInstance&) = delete;

  // The instance lock: every ExchangeCore call and every md subscription change happens under it.
  [[nodiscard]] std::mutex& mutex() noexcept { return mutex_; }
  [[nodiscard]] ExchangeCore& core() noexcept { return *core_; }  // under mutex()
  [[nodiscard]] const FrontAddress& address() const noexcept { return address_; }
  [[nodiscard]] const FrontConfig& config() const noexcept { return address_.config; }
  // The day the instance started with (the core's current day, after `days` rolls: core().trading_day()).
  [[nodiscard]] const std::string& trading_day() const noexcept { return trading_day_; }

  // Starts the feed thread (idempotent, thread-safe): on the first md subscription or trader login.
  // At speed=0 (backpressure) the feed is paced by its md consumers and applies no event while no md API
  // is subscribed to anything, so a client that logs its trader in long before it subscribes (vn.py
  // always does) still gets the day from its first tick.
  void start_feed();

  // --- md side (all under mutex()) -----------------------------------------------------------------
  [[nodiscard]] int next_md_session() noexcept { return ++md_sessions_; }
  // Adds `queue` to the instrument's subscribers (idempotent) and queues the latest snapshot if any.
  // Returns false when the instrument is unknown.
  bool md_subscribe(const std::shared_ptr<MdQueue>& queue, int instrument_index);
  void md_unsubscribe(const MdQueue* queue, int instrument_index);
  void md_remove(const MdQueue* queue);  // every subscription of that queue (disconnect, Release)

  [[nodiscard]] FeedStats feed_stats() const;  // takes mutex()

  // --- persistence (`state` key; all under mutex(); no-ops without it) -------------------------------------
  // Appends one core input to the state log before the caller applies it.
  template <class T>
  void record(InputKind kind, int conn, int request_id, const T& body) noexcept {
    if (state_) state_->append(kind, conn, request_id, body);
  }
  void record_disconnect(int conn, int reason) noexcept {
    if (state_) state_->append(InputKind::Disconnect, conn, 0, reason, nullptr, 0);
  }

  // Prepares a tick as the ordinary md front delivers it (ExchangeID empty, ctp-semantics §3).
  static void to_md_tick(const CThostFtdcDepthMarketDataField& in, MdMessage& out, int instrument_index) noexcept;

 private:
  FrontInstance(FrontAddress address, std::vector<InstrumentSpec> instruments, std::unique_ptr<FeedSource> source,
                std::string trading_day);
  void feed_loop();
  // The feed ran past the day's end and `days` allow another: the core settles and starts the next
  // weekday, the feed source restarts for it. Returns whether the new day has a first event (in `first`).
  bool roll_day(FeedEvent& first);
  void restore_state();  // constructor: replays the state log, then keeps appending to it
  // restore_state: the core starts trading day `day` — settled from the current day (`settle`) or built
  // afresh for it (the log's first day) — and the feed source restarts for it.
  void start_day(const std::string& day, bool settle);

  const FrontAddress address_;
  std::string trading_day_;
  std::mutex mutex_;
  std::unique_ptr<FeedSource> source_;  // feed thread only (and the constructor's replay)
  std::unique_ptr<StateLog> state_;
  std::unique_ptr<ExchangeCore> core_;
  // md subscriptions: per instrument index, the subscribed queues. generation_ bumps on every change so
  // the feed thread refreshes its private copy only then.
  std::vector<std::vector<std::shared_ptr<MdQueue>>> subscribers_;
  std::uint64_t generation_ = 1;
  std::size_t subscriptions_ = 0;          // (instrument, queue) pairs in subscribers_
  std::condition_variable subscribed_cv_;  // with mutex_: speed=0 feed waits for a first subscriber
  std::vector<CThostFtdcDepthMarketDataField> latest_;
  std::vector<bool> has_latest_;
  int md_sessions_ = 0;
  FeedStats feed_stats_;
  std::once_flag feed_started_;
  std::thread feed_thread_;
  // Set by the destructor; read by the feed thread between batches and by backpressure waits. release /
  // acquire so that a thread that sees the stop also sees everything the destructor did before it.
  std::atomic<bool> stop_{false};
  std::mutex sleep_mutex_;  // pacing sleeps wait on this cv so the destructor can cut them short
  std::condition_variable sleep_cv_;
};

}  // namespace shandian::sim
