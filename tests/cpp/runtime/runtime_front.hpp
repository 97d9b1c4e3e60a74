// A whole runtime::Runtime over the local front's libraries (built in this tree) with the block strategy,
// recording what agents would see. Every wait is bounded.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>

#include "local_front.hpp"
#include "runtime/runtime.hpp"

namespace shandian::testing {

inline runtime::RuntimeSettings local_runtime_settings(const std::string& name, const std::string& params,
                                                       const std::filesystem::path& flow_dir) {
  runtime::RuntimeSettings s;
  s.library_dir = SHANDIAN_LOCAL_LIB_DIR;
  s.session = local_config("local://" + name + "?" + params, flow_dir);
  s.engine.wait = "block";  // 2 cores: never spin beside the CTP threads in tests
  s.engine.max_wait_ms = 20.0;
  return s;
}

struct RuntimeFront {
  std::filesystem::path flow_dir;
  std::unique_ptr<runtime::Runtime> rt;
  Journal seen;  // what the dispatcher was handed
  AgentId agent;

  RuntimeFront(const std::string& name, const std::string& params)
      : flow_dir(fresh_flow_dir(name)),
        rt(std::make_unique<runtime::Runtime>(local_runtime_settings(name, params, flow_dir))),
        agent(rt->engine().add_agent("test-agent")) {
    rt->engine().set_dispatcher(&seen);
  }
  ~RuntimeFront() {
    if (rt) rt->engine().set_dispatcher(nullptr);
    rt.reset();
    std::error_code ec;
    std::filesystem::remove_all(flow_dir.parent_path(), ec);
  }
  Engine& engine() { return rt->engine(); }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds timeout) {
    const std::int64_t deadline =
        monotonic_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
    while (!pred()) {
      if (monotonic_ns() >= deadline) return false;
      engine().run_once(20'000'000);
    }
    return true;
  }
  bool wait_ready() {
    return run_until([&] { return rt->session().trading_ready(); }, std::chrono::milliseconds(30000));
  }
  // Subscribes to `product`'s first instrument and waits for a two-sided tick; kNoInstrument otherwise.
  InstrumentIndex subscribed(std::string_view product) {
    const InstrumentRegistry& reg = engine().registry();
    for (std::size_t i = 0; i < reg.size(); ++i) {
      const std::string_view s = reg.at(static_cast<InstrumentIndex>(i)).spec.symbol.view();
      if (s.size() > product.size() && s.substr(0, product.size()) == product && s[product.size()] >= '0' &&
          s[product.size()] <= '9') {
        const auto index = static_cast<InstrumentIndex>(i);
        if (engine().subscribe(agent, s) != RejectCode::None) return kNoInstrument;
        const bool ticked = run_until(
            [&] {
              return !seen.ticks.empty() && seen.ticks.back().instrument == index &&
                     seen.ticks.back().bid_price[0] > 0 && seen.ticks.back().ask_price[0] > 0;
            },
            std::chrono::milliseconds(20000));
        return ticked ? index : kNoInstrument;
      }
    }
    return kNoInstrument;
  }
  bool wait_final(OrderId id) {
    return run_until(
        [&] {
          const OrderUpdate* u = seen.last_update(id);
          return u != nullptr && is_final(u->status);
        },
        std::chrono::milliseconds(15000));
  }
  // A 1-lot buy resting 50 ticks below the bid, once the exchange has queued it; kNoOrder otherwise.
  OrderId rest_passive(InstrumentIndex instrument) {
    const TickData& t = engine().registry().at(instrument).last_tick;
    const double passive =
        std::max(t.lower_limit_price, t.bid_price[0] - 50 * engine().registry().at(instrument).spec.price_tick);
    const InsertResult rest =
        engine().insert_order(agent, instrument, Direction::Buy, Offset::Open, passive, 1, OrderKind::Limit);
    if (!rest.ok()) return kNoOrder;
    const bool queued = run_until(
        [&] {
          const OrderUpdate* u = seen.last_update(rest.order);
          return u != nullptr && u->status == OrderStatus::Queued;
        },
        std::chrono::milliseconds(10000));
    return queued ? rest.order : kNoOrder;
  }
  // Buys `lots` with marketable limit orders until the agent holds them (bounded tries).
  bool buy_held(InstrumentIndex instrument, std::int32_t lots) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::int32_t held = engine().ledgers().long_volume(agent, instrument);
      if (held >= lots) return held == lots;
      const TickData& t = engine().registry().at(instrument).last_tick;
      const double price =
          t.upper_limit_price > 0 ? std::min(t.ask_price[0] + 5, t.upper_limit_price) : t.ask_price[0] + 5;
      const InsertResult r =
          engine().insert_order(agent, instrument, Direction::Buy, Offset::Open, price, lots - held, OrderKind::Limit);
      if (!r.ok() || !wait_final(r.order)) return false;
      (void)run_until([&] { return seen.traded_by_trades(r.order) == seen.last_update(r.order)->traded; },
                      std::chrono::milliseconds(5000));
    }
    return engine().ledgers().long_volume(agent, instrument) == lots;
  }
};

}  // namespace shandian::testing
