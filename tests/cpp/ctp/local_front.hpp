// Integration harness: a real ctp::Session over the local front's libraries (built in this tree), an
// Engine with the block strategy, and a journal of everything agents would see. Every wait is bounded.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/engine.hpp"
#include "ctp/library.hpp"
#include "ctp/session.hpp"

namespace shandian::testing {

using namespace shandian::core;
using shandian::ctp::Session;
using shandian::ctp::SessionConfig;

struct Journal final : AgentDispatcher {
  std::vector<TickData> ticks;
  std::vector<OrderUpdate> orders;
  std::vector<TradeUpdate> trades;
  std::vector<SessionNotice> notices;
  std::function<void(const Batch&)> hook;

  void on_batch(const Batch& batch) override {
    for (const BatchItem& item : batch.sequence) {
      switch (item.kind) {
        case BatchItemKind::Tick: ticks.push_back(batch.ticks[item.index]); break;
        case BatchItemKind::Order: orders.push_back(batch.orders[item.index]); break;
        case BatchItemKind::Trade: trades.push_back(batch.trades[item.index]); break;
        case BatchItemKind::Notice:
          notices.push_back(batch.notices[item.index]);
          if (std::getenv("SHANDIAN_TEST_VERBOSE") != nullptr) {
            const std::string_view kind = to_string(notices.back().kind);
            std::fprintf(stderr, "notice %.*s %d %s\n", static_cast<int>(kind.size()), kind.data(), notices.back().code,
                         notices.back().message.c_str());
          }
          break;
        case BatchItemKind::Timer:
        case BatchItemKind::Bar: break;
      }
    }
    if (hook) hook(batch);
  }
  [[nodiscard]] std::size_t count(SessionNoticeKind kind) const {
    return static_cast<std::size_t>(
        std::count_if(notices.begin(), notices.end(), [&](const SessionNotice& n) { return n.kind == kind; }));
  }
  [[nodiscard]] const OrderUpdate* last_update(OrderId id) const {
    for (auto it = orders.rbegin(); it != orders.rend(); ++it) {
      if (it->id == id) return &*it;
    }
    return nullptr;
  }
  [[nodiscard]] int traded_by_trades(OrderId id) const {
    int sum = 0;
    for (const TradeUpdate& t : trades) {
      if (t.order == id) sum += t.volume;
    }
    return sum;
  }
};

inline std::filesystem::path fresh_flow_dir(const std::string& name) {
  char templ[] = "/tmp/shandian-ctp-test-XXXXXX";
  const char* dir = ::mkdtemp(templ);
  if (dir == nullptr) std::abort();
  return std::filesystem::path(dir) / name;  // the session creates td/ and md/ below it
}

inline SessionConfig local_config(const std::string& address, const std::filesystem::path& flow_dir) {
  SessionConfig c;
  c.trader_fronts = {address};
  c.md_fronts = {address};
  c.broker_id = "9999";
  c.user_id = "tester";
  c.password = "secret-never-logged";
  c.app_id = "shandian_test";
  c.auth_code = "0000000000000000";
  c.flow_dir = flow_dir;
  c.query_interval_ms = 120;  // the fronts below use query_interval_ms=100
  c.query_backoff_initial_ms = 200;
  c.query_backoff_max_ms = 1000;
  c.query_timeout_ms = 3000;
  c.relogin_delay_ms = 300;
  return c;
}

inline EngineConfig test_engine_config() {
  EngineConfig c;
  c.wait = queue::WaitStrategy::Block;  // 2 cores: never spin beside the CTP threads in tests
  c.max_wait_ns = 20'000'000;
  return c;
}

struct LocalFront {
  std::filesystem::path flow_dir;
  ctp::LibraryPair library;
  Session session;
  Engine engine;
  Journal journal;
  AgentId agent;

  LocalFront(const std::string& name, const std::string& params, const std::function<void(SessionConfig&)>& tweak = {})
      : flow_dir(fresh_flow_dir(name)),
        library(SHANDIAN_LOCAL_LIB_DIR),
        session(library, make_config(name, params, flow_dir, tweak)),
        engine(test_engine_config(), session),
        agent(engine.add_agent("test-agent")) {
    engine.set_dispatcher(&journal);
  }
  ~LocalFront() {
    engine.shutdown();
    std::error_code ec;
    std::filesystem::remove_all(flow_dir.parent_path(), ec);
  }

  static SessionConfig make_config(const std::string& name, const std::string& params,
                                   const std::filesystem::path& flow_dir,
                                   const std::function<void(SessionConfig&)>& tweak) {
    SessionConfig c = local_config("local://" + name + "?" + params, flow_dir);
    if (tweak) tweak(c);
    return c;
  }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds timeout) {
    const std::int64_t deadline =
        monotonic_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
    while (!pred()) {
      if (monotonic_ns() >= deadline) return false;
      engine.run_once(20'000'000);
    }
    return true;
  }
  // Keeps the loop running for a while (to let late callbacks arrive), bounded.
  void run_for(std::chrono::milliseconds duration) {
    (void)run_until([] { return false; }, duration);
  }

  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
    return run_until([&] { return session.trading_ready(); }, timeout);
  }

  // The first registered instrument whose id starts with `product` followed by a digit.
  InstrumentIndex instrument_of(std::string_view product) const {
    const InstrumentRegistry& reg = engine.registry();
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const std::string_view s = reg.at(static_cast<InstrumentIndex>(i)).spec.symbol.view();
      if (s.size() > product.size() && s.substr(0, product.size()) == product && s[product.size()] >= '0' &&
          s[product.size()] <= '9') {
        return static_cast<InstrumentIndex>(i);
      }
    }
    return kNoInstrument;
  }

  bool wait_final(OrderId id, std::chrono::milliseconds timeout = std::chrono::milliseconds(15000)) {
    return run_until(
        [&] {
          const OrderUpdate* u = journal.last_update(id);
          return u != nullptr && is_final(u->status);
        },
        timeout);
  }
};

}  // namespace shandian::testing
