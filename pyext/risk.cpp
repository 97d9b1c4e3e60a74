// Bindings of the risk engine (cpp/risk). Thin: the limit
// structs are bound by iterating their one declaration (risk/risk_limits.hpp), which risk_limit_fields()
// also hands to the Python loader (shandian/risk.py) that validates values and names before they get here.
//
//   limits = _core.RiskLimits(); limits.agent.daily_cancels = 480; limits.agent.order_rate = [(5, 1000)]
//   risk = _core.RiskEngine(rt, limits)      # rt's runtime builds and installs it as the risk hook (engine thread)
//   risk.post_limits(new_limits)             # any thread: applied by the engine thread at its next check
//   risk.kill("operator", reducing_only=False)
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "core/clock.hpp"
#include "core/engine.hpp"
#include "risk/risk_engine.hpp"
#include "runtime/runtime.hpp"

namespace py = pybind11;

namespace shandian::pyext {
namespace {

using namespace shandian::core;
using namespace shandian::risk;

std::vector<std::pair<std::uint32_t, std::int64_t>> get_windows(const WindowRule (&w)[kMaxWindows]) {
  std::vector<std::pair<std::uint32_t, std::int64_t>> out;
  for (const WindowRule& r : w) {
    if (r.limit > 0 && r.window_ms > 0) out.emplace_back(r.limit, r.window_ms);
  }
  return out;
}

void set_windows(WindowRule (&w)[kMaxWindows], const std::vector<std::pair<std::uint32_t, std::int64_t>>& rules) {
  if (rules.size() > kMaxWindows) throw py::value_error("at most " + std::to_string(kMaxWindows) + " windows per rule");
  for (auto& r : w) r = WindowRule{};
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].second < 0) throw py::value_error("window_ms must be >= 0");
    w[i] = WindowRule{rules[i].first, rules[i].second};
  }
}

TradingState parse_state(const std::string& s) {
  if (const std::optional<TradingState> state = core::from_name<TradingState>(s)) return *state;
  std::string names;
  for (const auto& entry : enum_names(TradingState{}))
    names += (names.empty() ? "'" : ", '") + std::string(entry.name) + "'";
  throw py::value_error("trading state must be one of " + names + ", not '" + s + "'");
}

py::dict stats_dict(const RiskEngine& r) {
  const RiskStats& s = r.stats();
  py::dict d;
  for_each_field(s, [&d](std::string_view name, std::uint64_t value) { d[py::str(name.data(), name.size())] = value; });
  py::dict rejects;
  for (std::size_t i = 0; i < kRiskCodeCount; ++i) {
    if (s.rejects[i] == 0) continue;
    rejects[py::str(std::string(to_string(static_cast<RejectCode>(kRiskCodeBase + i))))] = s.rejects[i];
  }
  d["rejects"] = rejects;
  return d;
}

py::tuple verdict_tuple(const RiskVerdict& v) {
  return py::make_tuple(std::string(to_string(v.code)), std::string(v.reason.view()));
}

// The risk engine a runtime owns and has installed as its engine's risk hook (keep_alive keeps the
// Engine object, hence the runtime, alive as long as this handle).
struct PyRisk {
  RiskEngine* risk = nullptr;
  runtime::EngineKillSink* sink = nullptr;
};

// A RiskEngine over its own one-instrument registry: for property tests of the rules from Python.
struct RiskSandbox {
  InstrumentRegistry registry{8};
  InstrumentIndex instrument = 0;
  std::unique_ptr<RiskEngine> risk;
};

// A scratch RiskEngine over the registry of an engine (or of a RiskSandbox), never installed as a hook: a
// journaled day is replayed through it (requests sent, order updates) so the rebuilt daily counts follow the
// live rules (shandian.journal.daily_counts). keep_alive keeps the registry's owner.
struct RiskReplay {
  std::unique_ptr<RiskEngine> risk;
};

// Python value of one limit: windows as a list of (limit, window_ms), everything else as is.
template <class T>
py::object limit_value(const T& value) {
  if constexpr (std::is_same_v<T, WindowRules>) {
    return py::cast(get_windows(value));
  } else {
    return py::cast(value);
  }
}

// One property per entry of the struct's limit list (risk/risk_limits.hpp), so a new limit needs no edit here.
template <class Limits>
void bind_limit_fields(py::class_<Limits>& cls) {
  for_each_limit_field(static_cast<const Limits*>(nullptr), [&cls](const LimitField& field, auto member) {
    using T = std::remove_cvref_t<decltype(std::declval<Limits&>().*member)>;
    const std::string name(field.name);
    const std::string doc(field.doc);
    if constexpr (std::is_same_v<T, WindowRules>) {
      cls.def_property(
          name.c_str(), [member](const Limits& l) { return get_windows(l.*member); },
          [member](Limits& l, const std::vector<std::pair<std::uint32_t, std::int64_t>>& w) {
            set_windows(l.*member, w);
          },
          (doc + " (list of (limit, window_ms))").c_str());
    } else {
      cls.def_readwrite(name.c_str(), member, doc.c_str());
    }
  });
}

// The limit list of one struct for the Python loader: [{name, kind, unit, doc, default}] in declaration order.
template <class Limits>
py::list limit_fields() {
  py::list out;
  const Limits defaults{};
  for_each_limit_field(static_cast<const Limits*>(nullptr), [&](const LimitField& field, auto member) {
    py::dict d;
    d["name"] = std::string(field.name);
    d["kind"] = std::string(to_string(field.kind));
    d["unit"] = std::string(field.unit);
    d["doc"] = std::string(field.doc);
    d["default"] = limit_value(defaults.*member);
    out.append(d);
  });
  return out;
}

void bind_limits(py::module_& m) {
  py::class_<AgentLimits> agent(m, "AgentLimits", "Agent-scope limits (cpp/risk/risk_limits.hpp); 0 = off.");
  agent.def(py::init<>());
  bind_limit_fields(agent);
  py::class_<InstrumentLimits> instrument(m, "InstrumentLimits", "Per-instrument, whole-account limits; 0 = off.");
  instrument.def(py::init<>());
  bind_limit_fields(instrument);
  py::class_<AccountLimits> account(m, "AccountLimits", "Whole-account limits; 0 = off.");
  account.def(py::init<>());
  bind_limit_fields(account);
  m.def(
      "risk_limit_fields",
      [] {
        py::dict d;
        d["agent"] = limit_fields<AgentLimits>();
        d["instrument"] = limit_fields<InstrumentLimits>();
        d["account"] = limit_fields<AccountLimits>();
        return d;
      },
      "Every risk limit by scope, as declared in risk/risk_limits.hpp: [{name, kind, unit, doc, default}].");
  m.attr("RISK_MAX_WINDOWS") = kMaxWindows;
  m.attr("RISK_MAX_EXCHANGE_OVERRIDES") = kMaxExchangeOverrides;

  py::class_<RiskLimits>(m, "RiskLimits", "The whole rule configuration handed to the C++ risk engine.")
      .def(py::init<>())
      .def_readwrite("enabled", &RiskLimits::enabled)
      .def_readwrite("agent", &RiskLimits::agent)
      .def_readwrite("instrument", &RiskLimits::instrument)
      .def_readwrite("account", &RiskLimits::account)
      .def(
          "set_exchange",
          [](RiskLimits& l, const std::string& exchange, const InstrumentLimits& limits) {
            if (exchange.empty() || exchange.size() > ExchangeId::capacity())
              throw py::value_error("bad exchange id '" + exchange + "'");
            for (std::uint32_t i = 0; i < l.exchange_count; ++i) {
              if (l.exchanges[i].exchange == exchange) {
                l.exchanges[i].limits = limits;
                return;
              }
            }
            if (l.exchange_count >= kMaxExchangeOverrides) throw py::value_error("too many exchange overrides");
            l.exchanges[l.exchange_count].exchange.assign(exchange);
            l.exchanges[l.exchange_count].limits = limits;
            ++l.exchange_count;
          },
          py::arg("exchange"), py::arg("limits"), "Instrument-scope limits for the instruments of one exchange.")
      .def_property_readonly("exchanges", [](const RiskLimits& l) {
        py::dict d;
        for (std::uint32_t i = 0; i < l.exchange_count; ++i)
          d[py::str(std::string(l.exchanges[i].exchange.view()))] = l.exchanges[i].limits;
        return d;
      });
}

void bind_risk_engine(py::module_& m) {
  py::class_<PyRisk>(m, "RiskEngine",
                     "The C++ risk engine installed as an Engine's risk hook (engine-thread methods unless noted).")
      .def(py::init([](py::object rt, const RiskLimits& limits, std::size_t max_agents) {
             runtime::Runtime& runtime = runtime_of(rt);
             RiskEngine& risk = runtime.install_risk(limits, max_agents);
             return PyRisk{&risk, runtime.kill_sink()};
           }),
           py::arg("engine"), py::arg("limits"), py::arg("max_agents") = 64, py::keep_alive<1, 2>())
      .def(
          "set_limits", [](PyRisk& r, const RiskLimits& l) { r.risk->set_limits(l); }, py::arg("limits"))
      .def(
          "post_limits", [](PyRisk& r, const RiskLimits& l) { return r.risk->post_limits(l); }, py::arg("limits"),
          "Any thread: queue new limits for the engine thread; False when the queue is full.")
      .def(
          "set_agent_limits", [](PyRisk& r, AgentId a, const AgentLimits& l) { r.risk->set_agent_limits(a, l); },
          py::arg("agent"), py::arg("limits"))
      .def(
          "post_agent_limits",
          [](PyRisk& r, AgentId a, const AgentLimits& l) { return r.risk->post_agent_limits(a, l); }, py::arg("agent"),
          py::arg("limits"))
      .def("apply_pending", [](PyRisk& r) { return r.risk->apply_pending(); })
      .def("set_agent_name", [](PyRisk& r, AgentId a, const std::string& n) { r.risk->set_agent_name(a, n); })
      .def_property_readonly("limits", [](const PyRisk& r) { return r.risk->limits(); })
      .def("agent_limits", [](const PyRisk& r, AgentId a) { return r.risk->agent_limits(a); })
      .def(
          "kill",
          [](PyRisk& r, const std::string& reason, bool reducing_only) {
            r.risk->kill(reason, reducing_only);
            return r.sink->sent();
          },
          py::arg("reason"), py::arg("reducing_only") = false,
          "Halts the account (or REDUCING when reducing_only) and cancels every working order; returns the "
          "number of cancel requests written.")
      .def(
          "set_cancel_rules_bypassed", [](PyRisk& r, bool b) { r.risk->set_cancel_rules_bypassed(b); },
          py::arg("bypassed"), "While True, cancels pass every cancel rule (an orderly stop must cancel everything).")
      .def_property_readonly("killed", [](const PyRisk& r) { return r.risk->killed(); })
      .def_property_readonly("kill_reason", [](const PyRisk& r) { return std::string(r.risk->kill_reason()); })
      .def("set_agent_state",
           [](PyRisk& r, AgentId a, const std::string& s) { r.risk->set_agent_state(a, parse_state(s)); })
      .def("agent_state", [](const PyRisk& r, AgentId a) { return std::string(to_string(r.risk->agent_state(a))); })
      .def("state_reason", [](const PyRisk& r, AgentId a) { return std::string(r.risk->state_reason(a)); })
      .def("set_account_state", [](PyRisk& r, const std::string& s) { r.risk->set_account_state(parse_state(s)); })
      .def_property_readonly("account_state",
                             [](const PyRisk& r) { return std::string(to_string(r.risk->account_state())); })
      .def("new_day", [](PyRisk& r) { r.risk->new_day(); })
      .def("daily_cancels", [](const PyRisk& r, AgentId a, InstrumentIndex i) { return r.risk->daily_cancels(a, i); })
      .def("daily_messages", [](const PyRisk& r, AgentId a, InstrumentIndex i) { return r.risk->daily_messages(a, i); })
      .def("daily_opened", [](const PyRisk& r, AgentId a, InstrumentIndex i) { return r.risk->daily_opened(a, i); })
      .def(
          "begin_recovery", [](PyRisk& r) { r.risk->begin_recovery(); },
          "Count the counter's order history of the day (reconcile reports) into the daily counts.")
      .def("end_recovery", [](PyRisk& r) { r.risk->end_recovery(); })
      .def(
          "seed_daily",
          [](PyRisk& r, std::optional<AgentId> agent, InstrumentIndex instrument, std::int32_t messages,
             std::int32_t cancels, std::int32_t large_cancels, std::int32_t opened) {
            r.risk->seed_daily(agent.value_or(kNoAgent), instrument, messages, cancels, large_cancels, opened);
          },
          py::arg("agent"), py::arg("instrument"), py::arg("messages"), py::arg("cancels"), py::arg("large_cancels"),
          py::arg("opened"),
          "Raise the daily counts of an agent (None: the account) on an instrument to at least these values.")
      .def("daily_large_cancels",
           [](const PyRisk& r, AgentId a, InstrumentIndex i) { return r.risk->daily_large_cancels(a, i); })
      .def("working_orders", [](const PyRisk& r, AgentId a) { return r.risk->working_orders(a); })
      .def(
          "insert_room",
          [](const PyRisk& r, AgentId a, std::int64_t now_ns) -> std::optional<std::int64_t> {
            const std::int64_t room = r.risk->insert_room(a, now_ns);
            if (room == kNoInsertWindow) return std::nullopt;
            return room;
          },
          py::arg("agent"), py::arg("now_ns"),
          "Inserts the order-rate windows (agent's and account's) still admit at now_ns (the engine's "
          "clock_ns); None when no window applies.")
      .def("stats", [](const PyRisk& r) { return stats_dict(*r.risk); });

  py::class_<RiskSandbox>(
      m, "RiskSandbox",
      "A risk engine over its own one-instrument registry, for tests of the rules (no CTP, no engine).")
      .def(py::init([](const RiskLimits& limits, const std::string& symbol, const std::string& exchange,
                       double price_tick, std::int32_t max_limit_order_volume) {
             auto s = std::make_unique<RiskSandbox>();
             InstrumentSpec spec;
             spec.symbol.assign(symbol);
             spec.exchange.assign(exchange);
             spec.price_tick = price_tick;
             spec.volume_multiple = 10;
             spec.max_limit_order_volume = max_limit_order_volume;
             s->instrument = *s->registry.upsert(spec);
             RiskCapacity c;
             c.max_instruments = 8;
             c.max_live_orders = 1024;
             s->risk = std::make_unique<RiskEngine>(s->registry, c, limits);
             return s;
           }),
           py::arg("limits"), py::arg("symbol") = "rb2505", py::arg("exchange") = "SHFE", py::arg("price_tick") = 1.0,
           py::arg("max_limit_order_volume") = 500)
      .def(
          "check_order",
          [](RiskSandbox& s, AgentId agent, std::int64_t now_ns, std::int32_t volume, Direction d, double price,
             Offset offset, OrderKind kind) {
            const double tick = s.registry.at(s.instrument).spec.price_tick;
            const OrderIntent in{
                agent,  s.instrument, d, offset, kind, price, static_cast<std::int64_t>(price / tick + 0.5),
                volume, now_ns};
            return verdict_tuple(s.risk->check_order(in, RiskContext{s.registry, nullptr}));
          },
          py::arg("agent"), py::arg("now_ns"), py::arg("volume") = 1, py::arg("direction") = Direction::Buy,
          py::arg("price") = 3500.0, py::arg("offset") = Offset::Open, py::arg("kind") = OrderKind::Limit,
          "(code name, reason); code 'NONE' when admitted.")
      .def(
          "check_cancel",
          [](RiskSandbox& s, AgentId agent, OrderId order, std::int64_t now_ns) {
            return verdict_tuple(s.risk->check_cancel(CancelIntent{agent, order, s.instrument, now_ns},
                                                      RiskContext{s.registry, nullptr}));
          },
          py::arg("agent"), py::arg("order"), py::arg("now_ns"))
      .def(
          "order_update",
          [](RiskSandbox& s, OrderId id, AgentId agent, OrderStatus status, Direction d, double price,
             std::int32_t volume, std::int32_t traded, OrderKind kind, Offset offset, bool cancel_rejected) {
            s.risk->on_order_update(order_update_of(
                OrderFacts{id, agent, s.instrument, d, offset, kind, status, price, volume, traded, cancel_rejected}));
          },
          py::arg("id"), py::arg("agent"), py::arg("status"), py::arg("direction") = Direction::Buy,
          py::arg("price") = 3500.0, py::arg("volume") = 1, py::arg("traded") = 0, py::arg("kind") = OrderKind::Limit,
          py::arg("offset") = Offset::Open, py::arg("cancel_rejected") = false,
          "Feed an order update as the engine publishes it.")
      .def(
          "daily_cancels", [](const RiskSandbox& s, AgentId a) { return s.risk->daily_cancels(a, s.instrument); },
          py::arg("agent"), "Cancels counted today on the instrument (agent, or 0xFFFFFFFF for the account).")
      .def(
          "daily_messages", [](const RiskSandbox& s, AgentId a) { return s.risk->daily_messages(a, s.instrument); },
          py::arg("agent"), "Messages (inserts + cancels) counted today on the instrument.")
      .def(
          "daily_large_cancels",
          [](const RiskSandbox& s, AgentId a) { return s.risk->daily_large_cancels(a, s.instrument); },
          py::arg("agent"))
      .def(
          "working_orders", [](const RiskSandbox& s, AgentId a) { return s.risk->working_orders(a); }, py::arg("agent"))
      .def("set_limits", [](RiskSandbox& s, const RiskLimits& l) { s.risk->set_limits(l); })
      .def("set_agent_name", [](RiskSandbox& s, AgentId a, const std::string& n) { s.risk->set_agent_name(a, n); })
      .def("stats", [](const RiskSandbox& s) { return stats_dict(*s.risk); });

  py::class_<RiskReplay>(m, "RiskReplay",
                         "Replays a journaled day through the risk engine's own counting (no checks, no hook).")
      .def(py::init([](py::object source, const RiskLimits& limits, std::size_t max_agents, std::size_t max_orders) {
             const InstrumentRegistry& registry = py::isinstance<RiskSandbox>(source)
                                                      ? source.cast<RiskSandbox&>().registry
                                                      : engine_of(source).registry();
             RiskCapacity capacity;
             capacity.max_agents = max_agents;
             capacity.max_instruments = registry.capacity();
             capacity.max_live_orders = max_orders;
             auto r = std::make_unique<RiskReplay>();
             r->risk = std::make_unique<RiskEngine>(registry, capacity, limits);
             return r;
           }),
           py::arg("source"), py::arg("limits"), py::arg("max_agents"), py::arg("max_orders"), py::keep_alive<1, 2>(),
           "source: the Engine (or a RiskSandbox) whose instruments the journal names.")
      .def(
          "order_sent",
          [](RiskReplay& r, AgentId agent, InstrumentIndex instrument, OrderKind kind, std::int32_t volume) {
            r.risk->count_sent_order(
                OrderIntent{agent, instrument, Direction::Buy, Offset::Open, kind, 0.0, 0, volume, 0});
          },
          py::arg("agent"), py::arg("instrument"), py::arg("kind"), py::arg("volume"))
      .def(
          "cancel_sent",
          [](RiskReplay& r, AgentId agent, InstrumentIndex instrument, OrderId order) {
            r.risk->count_sent_cancel(CancelIntent{agent, order, instrument, 0});
          },
          py::arg("agent"), py::arg("instrument"), py::arg("order"), "order: 0 for an order the journal does not hold.")
      .def(
          "order_update",
          [](RiskReplay& r, OrderId id, AgentId agent, InstrumentIndex instrument, OrderKind kind, OrderStatus status,
             std::int32_t volume, std::int32_t traded, Offset offset, bool cancel_rejected) {
            r.risk->on_order_update(order_update_of(OrderFacts{id, agent, instrument, Direction::Buy, offset, kind,
                                                               status, 0.0, volume, traded, cancel_rejected}));
          },
          py::arg("id"), py::arg("agent"), py::arg("instrument"), py::arg("kind"), py::arg("status"), py::arg("volume"),
          py::arg("traded"), py::arg("offset"), py::arg("cancel_rejected"))
      .def(
          "daily",
          [](const RiskReplay& r, AgentId agent, InstrumentIndex instrument) {
            return py::make_tuple(r.risk->daily_messages(agent, instrument), r.risk->daily_cancels(agent, instrument),
                                  r.risk->daily_large_cancels(agent, instrument));
          },
          py::arg("agent"), py::arg("instrument"),
          "(messages, cancels, large_cancels); agent 0xFFFFFFFF: the account.");
}

}  // namespace

void bind_risk(py::module_& m) {
  bind_limits(m);
  bind_risk_engine(m);
}

}  // namespace shandian::pyext
