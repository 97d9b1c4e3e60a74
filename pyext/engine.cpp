// Bindings of the engine and the CTP session (cpp/core, cpp/ctp). Thin: conversion and GIL handling only.
//
//   rt = _core.Engine(library_dir, session_config, wait="block", ...)
//   agent = rt.add_agent("name"); rt.set_dispatcher(obj)   # obj.on_batch(batch) once per drained batch
//   rt.subscribe(agent, "rb2505"); rt.run()                 # GIL released while waiting; stop() from any thread
//
// GIL discipline (vnpy_ctp#108): run / run_once / shutdown release the GIL; the dispatcher takes it once per
// batch. A Python exception raised by on_batch stops the engine and is re-raised by run()/run_once().
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>
#include <string>

#include "backtest/backtest_gateway.hpp"
#include "bindings.hpp"
#include "core/clock.hpp"
#include "core/engine.hpp"
#include "journal/journal.hpp"
#include "journal/replay.hpp"
#include "risk/risk_limits.hpp"
#include "runtime/runtime.hpp"
#include "runtime/snapshot.hpp"
#include "tables.hpp"
#include "time_of_day.hpp"

namespace py = pybind11;

namespace shandian::pyext {
namespace {

using namespace shandian::core;

// A batch seen from Python: valid only during on_batch (afterwards every accessor raises). Records are
// returned as copies, so a Python object never points into engine memory.
struct BatchView {
  const Batch* batch = nullptr;
  const Batch& get() const {
    if (batch == nullptr) throw std::runtime_error("a Batch is only valid inside on_batch()");
    return *batch;
  }
};

template <class T>
py::list copy_list(std::span<const T> records) {
  py::list out(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) out[i] = py::cast(records[i]);
  return out;
}

template <class T>
T at(std::span<const T> records, std::size_t i) {
  if (i >= records.size()) throw py::index_error("batch record index out of range");
  return records[i];
}

class PyDispatcher final : public AgentDispatcher {
 public:
  explicit PyDispatcher(Engine& engine) : engine_(engine) {}
  ~PyDispatcher() override {
    py::gil_scoped_acquire gil;  // the Python references die with the GIL held
    target_ = py::object();
    tick_handlers_ = tick_miss_ = tick_error_ = py::object();
    bar_handlers_ = bar_miss_ = bar_error_ = py::object();
    error_.reset();
  }
  void set_target(py::object target) { target_ = std::move(target); }
  // Tick-only batches go straight to the agents' on_tick callables: `handlers` is the dispatcher's
  // subscriber mask -> ((agent, on_tick), ...) cache (read, never written here), `on_miss((tick,))` delivers
  // a tick whose mask is not cached yet (and caches it), `on_error(agent, exc)` handles an on_tick that
  // raised. Saves the Batch view and the Python dispatcher frame per tick (backtests: one tick a batch).
  void set_tick_handlers(py::dict handlers, py::object on_miss, py::object on_error) {
    tick_handlers_ = std::move(handlers);
    tick_miss_ = std::move(on_miss);
    tick_error_ = std::move(on_error);
  }
  // Bar-only batches go straight to the agents' on_bar callables, as ticks do: `handlers[~mask]` (the
  // inverted subscriber mask, so the bars share the tick cache and its invalidation) holds
  // ((agent, on_bar), ...), `on_miss(bar)` delivers a bar whose mask is not cached yet, `on_error(agent, exc)`
  // handles an on_bar that raised. Saves the Batch view and the dispatcher frames per bar (bar backtests).
  void set_bar_handlers(py::dict handlers, py::object on_miss, py::object on_error) {
    bar_handlers_ = std::move(handlers);
    bar_miss_ = std::move(on_miss);
    bar_error_ = std::move(on_error);
  }

  // The state snapshot (runtime/snapshot.hpp) is published here, before the GIL is taken: at most once per
  // its interval, with no Python involved.
  void set_snapshot(runtime::SnapshotWriter* writer, runtime::Runtime* runtime,
                    const core::LatencyHistogram* latency) noexcept {
    snapshot_ = writer;
    runtime_ = runtime;
    latency_ = latency;
  }

  void on_batch(const Batch& batch) override {
    if (snapshot_ != nullptr) (void)snapshot_->maybe_publish(*runtime_, latency_, batch.dispatch_ns);
    py::gil_scoped_acquire gil;
    if (error_ || !target_) return;
    if (tick_handlers_ && batch.sequence.size() == batch.ticks.size()) {
      try {
        deliver_ticks(batch.ticks);
      } catch (py::error_already_set& e) {
        error_.emplace(std::move(e));
        engine_.stop();
      }
      return;
    }
    if (bar_handlers_ && batch.sequence.size() == batch.bars.size()) {
      try {
        deliver_bars(batch.bars);
      } catch (py::error_already_set& e) {
        error_.emplace(std::move(e));
        engine_.stop();
      }
      return;
    }
    py::object view = py::cast(BatchView{&batch});
    try {
      target_.attr("on_batch")(view);
    } catch (py::error_already_set& e) {
      error_.emplace(std::move(e));
      engine_.stop();
    }
    view.cast<BatchView&>().batch = nullptr;
  }

  void deliver_ticks(std::span<const TickData> ticks) {
    for (const TickData& t : ticks) {
      const py::int_ mask(t.subscribers);
      PyObject* found = PyDict_GetItemWithError(tick_handlers_.ptr(), mask.ptr());  // borrowed
      if (found == nullptr) {
        if (PyErr_Occurred() != nullptr) throw py::error_already_set();
        tick_miss_(py::make_tuple(t));
        continue;
      }
      const py::tuple handlers = py::reinterpret_borrow<py::tuple>(found);  // held: a failure may clear the cache
      if (handlers.empty()) continue;
      const py::object tick = py::cast(t);
      for (const py::handle pair : handlers) {
        PyObject* fn = PyTuple_GET_ITEM(pair.ptr(), 1);
        PyObject* result = PyObject_CallOneArg(fn, tick.ptr());
        if (result != nullptr) {
          Py_DECREF(result);
          continue;
        }
        py::error_already_set raised;
        tick_error_(py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(pair.ptr(), 0)), raised.value());
      }
    }
  }

  void deliver_bars(std::span<const BarUpdate> bars) {
    for (const BarUpdate& b : bars) {
      const py::int_ mask(b.subscribers);
      const py::object key = py::reinterpret_steal<py::object>(PyNumber_Invert(mask.ptr()));
      if (!key) throw py::error_already_set();
      PyObject* found = PyDict_GetItemWithError(bar_handlers_.ptr(), key.ptr());  // borrowed
      if (found == nullptr) {
        if (PyErr_Occurred() != nullptr) throw py::error_already_set();
        bar_miss_(b);
        continue;
      }
      const py::tuple handlers = py::reinterpret_borrow<py::tuple>(found);  // held: a failure may clear the cache
      if (handlers.empty()) continue;
      const py::object bar = py::cast(b);
      for (const py::handle pair : handlers) {
        PyObject* result = PyObject_CallOneArg(PyTuple_GET_ITEM(pair.ptr(), 1), bar.ptr());
        if (result != nullptr) {
          Py_DECREF(result);
          continue;
        }
        py::error_already_set raised;
        bar_error_(py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(pair.ptr(), 0)), raised.value());
      }
    }
  }

  // Called with the GIL held after the loop returned.
  void rethrow_pending() {
    if (!error_) return;
    py::error_already_set e = std::move(*error_);
    error_.reset();
    throw e;
  }

 private:
  Engine& engine_;
  py::object target_;
  py::object tick_handlers_, tick_miss_, tick_error_;  // a dict and two callables; null: no fast path
  py::object bar_handlers_, bar_miss_, bar_error_;     // the same for bar-only batches
  std::optional<py::error_already_set> error_;
  runtime::SnapshotWriter* snapshot_ = nullptr;
  runtime::Runtime* runtime_ = nullptr;
  const core::LatencyHistogram* latency_ = nullptr;
};

struct PyEngine {
  std::unique_ptr<runtime::Runtime> runtime;
  std::unique_ptr<PyDispatcher> dispatcher;
  backtest::BacktestGateway* backtest = nullptr;      // owned by runtime; set for a backtest engine
  std::unique_ptr<runtime::SnapshotWriter> snapshot;  // destroyed before the dispatcher that points at it
  py::object snapshot_latency;                        // keeps the LatencyHistogram it reads alive
  ~PyEngine() {
    if (runtime) runtime->engine().set_dispatcher(nullptr);  // the dispatcher goes first
  }
  Engine& engine() { return runtime->engine(); }
  journal::Journal* journal() { return runtime->journal(); }
};

py::tuple tuple_of(const double (&v)[kDepthLevels]) { return py::make_tuple(v[0], v[1], v[2], v[3], v[4]); }
py::tuple tuple_of(const std::int32_t (&v)[kDepthLevels]) { return py::make_tuple(v[0], v[1], v[2], v[3], v[4]); }

void bind_enums(py::module_& m) {
  bind_enum_from_names<Direction>(m, "Direction");
  bind_enum_from_names<Offset>(m, "Offset");
  bind_enum_from_names<OrderKind>(m, "OrderKind");
  bind_enum_from_names<OrderStatus>(m, "OrderStatus");
  bind_enum_from_names<RejectCode>(m, "RejectCode");
  bind_enum_from_names<OffsetMode>(m, "OffsetMode");
  bind_enum_from_names<ConditionalKind>(m, "ConditionalKind");
  bind_enum_from_names<TriggerSource>(m, "TriggerSource");
  bind_enum_from_names<SessionNoticeKind>(m, "SessionNoticeKind");
  bind_enum_from_names<BatchItemKind>(m, "BatchItemKind");
  bind_enum_from_names<ctp::ResumeType>(m, "ResumeType");
}

void bind_records(py::module_& m) {
  py::class_<PositionView>(m, "PositionView", "An agent's position in one instrument after an update (copy).")
      .def(py::init<>(), "An empty position (no lots, nothing frozen, no PnL).")
      .def_readonly("long_today", &PositionView::long_today)
      .def_readonly("long_yd", &PositionView::long_yd)
      .def_readonly("short_today", &PositionView::short_today)
      .def_readonly("short_yd", &PositionView::short_yd)
      .def_readonly("long_frozen", &PositionView::long_frozen)
      .def_readonly("short_frozen", &PositionView::short_frozen)
      .def_readonly("long_pending_open", &PositionView::long_pending_open)
      .def_readonly("short_pending_open", &PositionView::short_pending_open)
      .def_readonly("long_avg", &PositionView::long_avg)
      .def_readonly("short_avg", &PositionView::short_avg)
      .def_readonly("realized_pnl", &PositionView::realized_pnl)
      .def_readonly("commission", &PositionView::commission)
      .def_readonly("margin", &PositionView::margin)
      .def_readonly("frozen_commission", &PositionView::frozen_commission)
      .def_readonly("fills", &PositionView::fills)
      .def_readonly("unbooked_buy", &PositionView::unbooked_buy)
      .def_readonly("unbooked_sell", &PositionView::unbooked_sell)
      .def_readonly("agent_available", &PositionView::agent_available)
      .def_readonly("agent_realized_pnl", &PositionView::agent_realized_pnl)
      .def_readonly("agent_commission", &PositionView::agent_commission)
      .def_readonly("agent_margin", &PositionView::agent_margin)
      .def_readonly("agent_frozen_margin", &PositionView::agent_frozen_margin)
      .def_readonly("agent_frozen_commission", &PositionView::agent_frozen_commission);

  py::class_<TickData>(m, "Tick")
      .def_readonly("instrument", &TickData::instrument)
      .def_property_readonly("symbol", [](const TickData& t) { return std::string(t.symbol.view()); })
      .def_readonly("trading_day", &TickData::trading_day)
      .def_readonly("action_day", &TickData::action_day)
      .def_readonly("exchange_time_ms", &TickData::update_ms, "exchange UpdateTime+UpdateMillisec, ms since midnight")
      .def_property_readonly("exchange_time", &exchange_time_of_day, "exchange UpdateTime+UpdateMillisec as a time")
      .def_readonly("recv_ns", &TickData::recv_ns)
      .def_readonly("last_price", &TickData::last_price)
      .def_readonly("pre_settlement_price", &TickData::pre_settlement_price)
      .def_readonly("open_price", &TickData::open_price)
      .def_readonly("high_price", &TickData::highest_price)
      .def_readonly("low_price", &TickData::lowest_price)
      .def_readonly("upper_limit_price", &TickData::upper_limit_price)
      .def_readonly("lower_limit_price", &TickData::lower_limit_price)
      .def_readonly("average_price", &TickData::average_price)
      .def_readonly("turnover", &TickData::turnover)
      .def_readonly("open_interest", &TickData::open_interest)
      .def_readonly("volume", &TickData::volume)
      .def_property_readonly("bid_price1", [](const TickData& t) { return t.bid_price[0]; })
      .def_property_readonly("ask_price1", [](const TickData& t) { return t.ask_price[0]; })
      .def_property_readonly("bid_volume1", [](const TickData& t) { return t.bid_volume[0]; })
      .def_property_readonly("ask_volume1", [](const TickData& t) { return t.ask_volume[0]; })
      .def_property_readonly("bid_prices", [](const TickData& t) { return tuple_of(t.bid_price); })
      .def_property_readonly("ask_prices", [](const TickData& t) { return tuple_of(t.ask_price); })
      .def_property_readonly("bid_volumes", [](const TickData& t) { return tuple_of(t.bid_volume); })
      .def_property_readonly("ask_volumes", [](const TickData& t) { return tuple_of(t.ask_volume); })
      .def_readonly("subscribers", &TickData::subscribers);

  // A finished bar (cpp/bars/bar.hpp); times are exchange wall time (CST digits as ms since the epoch).
  py::class_<BarUpdate>(m, "Bar")
      .def_property_readonly("symbol", [](const BarUpdate& b) { return std::string(b.bar.symbol.view()); })
      .def_property_readonly("interval", [](const BarUpdate& b) { return bars::to_string(b.bar.interval); })
      .def_property_readonly("trading_day", [](const BarUpdate& b) { return b.bar.trading_day; })
      .def_property_readonly("start_ms", [](const BarUpdate& b) { return b.bar.start_ms; })
      .def_property_readonly("end_ms", [](const BarUpdate& b) { return b.bar.end_ms; })
      .def_property_readonly("open", [](const BarUpdate& b) { return b.bar.open; })
      .def_property_readonly("high", [](const BarUpdate& b) { return b.bar.high; })
      .def_property_readonly("low", [](const BarUpdate& b) { return b.bar.low; })
      .def_property_readonly("close", [](const BarUpdate& b) { return b.bar.close; })
      .def_property_readonly("volume", [](const BarUpdate& b) { return b.bar.volume; })
      .def_property_readonly("turnover", [](const BarUpdate& b) { return b.bar.turnover; })
      .def_property_readonly("open_interest", [](const BarUpdate& b) { return b.bar.open_interest; })
      .def_property_readonly("open_interest_change", [](const BarUpdate& b) { return b.bar.open_interest_change; })
      .def_property_readonly("tick_count", [](const BarUpdate& b) { return b.bar.tick_count; })
      .def_property_readonly("filled", [](const BarUpdate& b) { return b.bar.filled; })
      .def_readonly("subscribers", &BarUpdate::subscribers)
      .def("__repr__", [](const BarUpdate& b) {
        return "Bar(" + std::string(b.bar.symbol.view()) + " " + bars::to_string(b.bar.interval) + " " +
               std::to_string(b.bar.start_ms) + " O=" + std::to_string(b.bar.open) +
               " H=" + std::to_string(b.bar.high) + " L=" + std::to_string(b.bar.low) +
               " C=" + std::to_string(b.bar.close) + " V=" + std::to_string(b.bar.volume) + ")";
      });

  py::class_<OrderUpdate>(m, "OrderUpdate")
      .def_readonly("id", &OrderUpdate::id)
      .def_readonly("agent", &OrderUpdate::agent)
      .def_readonly("instrument", &OrderUpdate::instrument)
      .def_property_readonly("symbol", [](const OrderUpdate& o) { return std::string(o.symbol.view()); })
      .def_readonly("direction", &OrderUpdate::direction)
      .def_readonly("offset", &OrderUpdate::offset)
      .def_readonly("kind", &OrderUpdate::kind)
      .def_readonly("status", &OrderUpdate::status)
      .def_readonly("price", &OrderUpdate::price)
      .def_readonly("volume", &OrderUpdate::volume)
      .def_readonly("traded", &OrderUpdate::traded)
      .def_readonly("order_ref", &OrderUpdate::order_ref)
      .def_readonly("reject_code", &OrderUpdate::reject_code)
      .def_readonly("ctp_error_id", &OrderUpdate::ctp_error_id)
      .def_property_readonly("reason", [](const OrderUpdate& o) { return std::string(o.reason.view()); })
      .def_readonly("recv_ns", &OrderUpdate::recv_ns)
      .def_readonly("update_ns", &OrderUpdate::update_ns)
      .def_readonly("position", &OrderUpdate::position)
      // One tuple of plain ints for the Python record (shandian.records.Order.from_update): reading each enum
      // property builds a new enum object, several times the cost of one tuple.
      .def_property_readonly("codes", [](const OrderUpdate& o) {
        return py::make_tuple(static_cast<int>(o.direction), static_cast<int>(o.offset), static_cast<int>(o.kind),
                              static_cast<int>(o.status), static_cast<int>(o.reject_code));
      });

  py::class_<TradeUpdate>(m, "TradeUpdate")
      .def_readonly("order", &TradeUpdate::order)
      .def_readonly("agent", &TradeUpdate::agent)
      .def_readonly("instrument", &TradeUpdate::instrument)
      .def_property_readonly("symbol", [](const TradeUpdate& t) { return std::string(t.symbol.view()); })
      .def_property_readonly("exchange", [](const TradeUpdate& t) { return std::string(t.exchange.view()); })
      .def_property_readonly("trade_id", [](const TradeUpdate& t) { return std::string(t.trade_id.view()); })
      .def_readonly("direction", &TradeUpdate::direction)
      .def_readonly("offset", &TradeUpdate::offset)
      .def_readonly("price", &TradeUpdate::price)
      .def_readonly("volume", &TradeUpdate::volume)
      .def_readonly("trade_time_ms", &TradeUpdate::trade_ms)
      .def_readonly("from_reconcile", &TradeUpdate::from_reconcile)
      .def_readonly("recv_ns", &TradeUpdate::recv_ns)
      .def_readonly("position", &TradeUpdate::position)
      .def_property_readonly("codes", [](const TradeUpdate& t) {  // (direction, offset) as ints, as OrderUpdate's
        return py::make_tuple(static_cast<int>(t.direction), static_cast<int>(t.offset));
      });

  py::class_<AgentLedger>(m, "AgentLedger", "One agent's money and counters in the C++ ledger (copy).")
      .def_readonly("allocation", &AgentLedger::allocation)
      .def_readonly("carried", &AgentLedger::carried)
      .def_readonly("realized_pnl", &AgentLedger::realized_pnl)
      .def_readonly("commission", &AgentLedger::commission)
      .def_readonly("margin", &AgentLedger::margin)
      .def_readonly("frozen_margin", &AgentLedger::frozen_margin)
      .def_readonly("frozen_commission", &AgentLedger::frozen_commission)
      .def_readonly("orders", &AgentLedger::orders)
      .def_readonly("fills", &AgentLedger::fills)
      .def_readonly("filled_lots", &AgentLedger::filled_lots)
      .def_readonly("cancels", &AgentLedger::cancels)
      .def_readonly("rejects", &AgentLedger::rejects)
      .def_readonly("cancelled", &AgentLedger::cancelled)
      .def_property_readonly(
          "refusals",
          [](const AgentLedger& a) { return std::vector<std::uint32_t>(std::begin(a.refusals), std::end(a.refusals)); },
          "Refusals counted per RejectCode value (list indexed by int(RejectCode)).");

  py::class_<SessionNotice>(m, "SessionNotice")
      .def_readonly("kind", &SessionNotice::kind)
      .def_readonly("code", &SessionNotice::code)
      .def_property_readonly("message", [](const SessionNotice& n) { return std::string(n.message.view()); })
      .def_readonly("ns", &SessionNotice::ns);

  py::class_<TimerFired>(m, "TimerFired")
      .def_readonly("agent", &TimerFired::agent)
      .def_readonly("timer_id", &TimerFired::timer_id)
      .def_readonly("now_ns", &TimerFired::now_ns);

  py::class_<BatchView>(m, "Batch", "One drained batch; valid only inside on_batch(). Records are copies.")
      .def_property_readonly("sequence",
                             [](const BatchView& v) {
                               const Batch& b = v.get();
                               py::list out(b.sequence.size());
                               for (std::size_t i = 0; i < b.sequence.size(); ++i) {
                                 out[i] = py::make_tuple(b.sequence[i].kind, b.sequence[i].index);
                               }
                               return out;
                             })
      .def_property_readonly("ticks", [](const BatchView& v) { return copy_list(v.get().ticks); })
      .def_property_readonly("orders", [](const BatchView& v) { return copy_list(v.get().orders); })
      .def_property_readonly("trades", [](const BatchView& v) { return copy_list(v.get().trades); })
      .def_property_readonly("notices", [](const BatchView& v) { return copy_list(v.get().notices); })
      .def_property_readonly("timers", [](const BatchView& v) { return copy_list(v.get().timers); })
      .def_property_readonly("bars", [](const BatchView& v) { return copy_list(v.get().bars); })
      .def_property_readonly("dispatch_ns", [](const BatchView& v) { return v.get().dispatch_ns; })
      .def("__len__", [](const BatchView& v) { return v.get().sequence.size(); })
      // Single-record accessors: a dispatcher walking `sequence` copies only what it touches.
      .def(
          "tick", [](const BatchView& v, std::size_t i) { return at(v.get().ticks, i); }, py::arg("index"))
      .def(
          "order", [](const BatchView& v, std::size_t i) { return at(v.get().orders, i); }, py::arg("index"))
      .def(
          "trade", [](const BatchView& v, std::size_t i) { return at(v.get().trades, i); }, py::arg("index"))
      .def(
          "notice", [](const BatchView& v, std::size_t i) { return at(v.get().notices, i); }, py::arg("index"))
      .def(
          "timer", [](const BatchView& v, std::size_t i) { return at(v.get().timers, i); }, py::arg("index"))
      .def(
          "bar", [](const BatchView& v, std::size_t i) { return at(v.get().bars, i); }, py::arg("index"))
      .def_property_readonly("tick_count", [](const BatchView& v) { return v.get().ticks.size(); });

  using InsertResultT = InsertResult;
  py::class_<InsertResultT>(m, "InsertResult")
      .def_property_readonly("ok", &InsertResultT::ok)
      .def_readonly("order", &InsertResultT::order)
      .def_readonly("code", &InsertResultT::code)
      .def_property_readonly("reason", [](const InsertResultT& r) { return std::string(r.reason.view()); })
      .def("__bool__", &InsertResultT::ok);
  py::class_<PlaceResult>(m, "PlaceResult")
      .def_property_readonly("ok", &PlaceResult::ok)
      .def_property_readonly("orders",
                             [](const PlaceResult& r) { return std::vector<OrderId>(r.orders, r.orders + r.count); })
      .def_readonly("code", &PlaceResult::code)
      .def_property_readonly("reason", [](const PlaceResult& r) { return std::string(r.reason.view()); })
      .def("__bool__", &PlaceResult::ok);
  py::class_<ConditionalResult>(m, "ConditionalResult")
      .def_property_readonly("ok", &ConditionalResult::ok)
      .def_readonly("id", &ConditionalResult::id)
      .def_readonly("code", &ConditionalResult::code)
      .def_property_readonly("reason", [](const ConditionalResult& r) { return std::string(r.reason.view()); })
      .def("__bool__", &ConditionalResult::ok);
  py::class_<CancelResult>(m, "CancelResult")
      .def_property_readonly("ok", &CancelResult::ok)
      .def_readonly("order", &CancelResult::order)
      .def_readonly("code", &CancelResult::code)
      .def_property_readonly("reason", [](const CancelResult& r) { return std::string(r.reason.view()); })
      .def("__bool__", &CancelResult::ok);
}

void bind_session_config(py::module_& m) {
  py::class_<ctp::SessionConfig>(m, "SessionConfig", "One CTP account's session settings (password never shown).")
      .def(py::init<>())
      .def_readwrite("trader_fronts", &ctp::SessionConfig::trader_fronts)
      .def_readwrite("md_fronts", &ctp::SessionConfig::md_fronts)
      .def_readwrite("broker_id", &ctp::SessionConfig::broker_id)
      .def_readwrite("user_id", &ctp::SessionConfig::user_id)
      .def_readwrite("investor_id", &ctp::SessionConfig::investor_id)
      .def_property(
          "password", [](const ctp::SessionConfig& c) { return c.password.empty() ? "" : "<set>"; },
          [](ctp::SessionConfig& c, const std::string& p) { c.password = p; })
      .def_readwrite("app_id", &ctp::SessionConfig::app_id)
      .def_property(
          "auth_code", [](const ctp::SessionConfig& c) { return c.auth_code.empty() ? "" : "<set>"; },
          [](ctp::SessionConfig& c, const std::string& p) { c.auth_code = p; })
      .def_readwrite("user_product_info", &ctp::SessionConfig::user_product_info)
      .def_readwrite("flow_dir", &ctp::SessionConfig::flow_dir)
      .def_readwrite("resume", &ctp::SessionConfig::resume)
      .def_readwrite("query_rates", &ctp::SessionConfig::query_rates)
      .def_readwrite("query_interval_ms", &ctp::SessionConfig::query_interval_ms)
      .def_readwrite("query_backoff_initial_ms", &ctp::SessionConfig::query_backoff_initial_ms)
      .def_readwrite("query_backoff_max_ms", &ctp::SessionConfig::query_backoff_max_ms)
      .def_readwrite("query_timeout_ms", &ctp::SessionConfig::query_timeout_ms)
      .def_readwrite("relogin_delay_ms", &ctp::SessionConfig::relogin_delay_ms)
      .def_readwrite("md_ring_capacity", &ctp::SessionConfig::md_ring_capacity)
      .def_readwrite("td_ring_capacity", &ctp::SessionConfig::td_ring_capacity)
      .def_readwrite("ring_full_wait_us", &ctp::SessionConfig::ring_full_wait_us)
      .def("__repr__", [](const ctp::SessionConfig& c) { return "SessionConfig(" + c.describe() + ")"; });

  m.def("resolve_library_dir", &ctp::resolve_library_dir, py::arg("flavour"), py::arg("package_lib_root"),
        "'sfit' / 'local' -> package_lib_root/<flavour>; anything else is a directory path.");
}

py::dict stats_dict(const EngineStats& s) {
  py::dict d;
  for_each_field(s, [&d](std::string_view name, std::uint64_t value) { d[py::str(name.data(), name.size())] = value; });
  return d;
}

py::dict session_stats_dict(const ctp::SessionStats& s) {
  py::dict d;
  ctp::for_each_field(s, [&d](std::string_view name, auto value) { d[py::str(name.data(), name.size())] = value; });
  return d;
}

// A stream of column chunks (btdata's TickChunk / BarChunk) pulled one at a time on the engine thread (GIL
// held there): each chunk's numpy columns are kept alive until the next pull and read by pointer, so no
// Python runs per row.
class ColumnChunks {
 public:
  ColumnChunks(const py::object& iterable, std::string what) : iterator_(py::iter(iterable)), what_(std::move(what)) {}

  // The next chunk, or false at the end of the stream (a Python error in the stream propagates).
  [[nodiscard]] bool next() {
    chunk_ = py::reinterpret_steal<py::object>(PyIter_Next(iterator_.ptr()));
    columns_.clear();
    if (!chunk_ && PyErr_Occurred() != nullptr) throw py::error_already_set();
    return static_cast<bool>(chunk_);
  }

  // The current chunk's column NAME as T (converted when its dtype differs).
  template <typename T>
  [[nodiscard]] const T* column(const char* name) {
    auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(chunk_.attr(name));
    if (!a) throw py::type_error(what_ + "." + name + ": not a numeric column");
    columns_.push_back(a);
    return static_cast<const T*>(a.data());
  }

  // Rows of the current chunk: every column read so far must have the same length.
  [[nodiscard]] std::size_t rows() const {
    const std::size_t n = columns_.empty() ? 0 : static_cast<std::size_t>(columns_.front().size());
    for (const py::array& a : columns_) {
      if (static_cast<std::size_t>(a.size()) != n) throw py::value_error(what_ + ": columns differ in length");
    }
    return n;
  }

 private:
  py::object iterator_;
  std::string what_;
  py::object chunk_;
  std::vector<py::array> columns_;
};

// Bar-input mode: the BarStream's BarChunks.
backtest::PullBars bar_puller(const py::object& stream) {
  auto chunks = std::make_shared<ColumnChunks>(stream, "BarChunk");
  return [chunks](backtest::BarColumns& c) {
    if (!chunks->next()) return false;
    c.instrument = chunks->column<std::int32_t>("instrument");
    c.start_ms = chunks->column<std::int64_t>("start_ms");
    c.end_ms = chunks->column<std::int64_t>("end_ms");
    c.trading_day = chunks->column<std::uint32_t>("trading_day");
    c.open = chunks->column<double>("open");
    c.high = chunks->column<double>("high");
    c.low = chunks->column<double>("low");
    c.close = chunks->column<double>("close");
    c.volume = chunks->column<std::int64_t>("volume");
    c.turnover = chunks->column<double>("turnover");
    c.open_interest = chunks->column<double>("open_interest");
    c.rows = chunks->rows();
    return true;
  };
}

std::unique_ptr<PyEngine> make_backtest_engine(const py::dict& front, std::int32_t order_ms, double report_ms,
                                               const std::string& jitter, double jitter_ms, std::uint64_t latency_seed,
                                               const py::list& rates, std::size_t max_events_per_batch,
                                               std::size_t bar_history, std::size_t max_live_orders,
                                               const py::object& chunks, const py::object& bar_stream,
                                               const std::string& bar_interval, std::int32_t slippage_ticks) {
  backtest::BacktestSettings settings;
  if (!bar_stream.is_none()) {
    settings.pull_bars = bar_puller(bar_stream);
    settings.bar_interval = bars::parse_interval(bar_interval);
    settings.slippage_ticks = slippage_ticks;
  }
  if (!chunks.is_none()) {
    auto stream = std::make_shared<ColumnChunks>(chunks, "TickChunk");  // the stream's TickChunks
    settings.pull_chunk = [stream](backtest::TickColumns& c) {
      if (!stream->next()) return false;
      c.instrument = stream->column<std::int32_t>("instrument");
      c.time_ms = stream->column<std::int64_t>("time_ms");
      c.trading_day = stream->column<std::uint32_t>("trading_day");
      c.last_price = stream->column<double>("last_price");
      c.volume = stream->column<std::int64_t>("volume");
      c.turnover = stream->column<double>("turnover");
      c.open_interest = stream->column<double>("open_interest");
      c.bid_price_1 = stream->column<double>("bid_price_1");
      c.ask_price_1 = stream->column<double>("ask_price_1");
      c.bid_volume_1 = stream->column<std::int32_t>("bid_volume_1");
      c.ask_volume_1 = stream->column<std::int32_t>("ask_volume_1");
      c.upper_limit = stream->column<double>("upper_limit");
      c.lower_limit = stream->column<double>("lower_limit");
      c.rows = stream->rows();
      return true;
    };
  }
  sim::FrontConfig& f = settings.front;
  for (auto [key, value] : front) {
    const std::string k = py::str(key);
    if (k == "source")
      f.source = value.cast<std::string>();
    else if (k == "seed")
      f.seed = value.cast<std::uint64_t>();
    else if (k == "instruments")
      f.instruments = value.cast<std::vector<std::string>>();
    else if (k == "session")
      f.session = value.cast<std::string>();
    else if (k == "days")
      f.days = value.cast<int>();
    else if (k == "max_ticks")
      f.max_ticks = value.cast<int>();
    else if (k == "trading_day")
      f.trading_day = value.cast<std::string>();
    else if (k == "initial_balance")
      f.initial_balance = value.cast<double>();
    else if (k == "symbols")
      settings.chunk_symbols = value.cast<std::vector<std::string>>();
    else if (k == "queue") {
      const std::string q = value.cast<std::string>();
      if (q != "conservative" && q != "optimistic")
        throw py::value_error("queue = " + q + ": must be conservative or optimistic");
      f.queue_model = q == "optimistic" ? sim::QueueModel::Optimistic : sim::QueueModel::Conservative;
    } else {
      throw py::value_error("backtest front: unknown key " + k);
    }
  }
  settings.latency.order_ms = order_ms;
  settings.latency.report_ms = report_ms;
  settings.latency.jitter_ms = jitter_ms;
  settings.latency.seed = latency_seed;
  if (jitter == "none")
    settings.latency.jitter = backtest::Jitter::None;
  else if (jitter == "uniform")
    settings.latency.jitter = backtest::Jitter::Uniform;
  else if (jitter == "normal")
    settings.latency.jitter = backtest::Jitter::Normal;
  else
    throw py::value_error("latency.jitter = " + jitter + ": must be none, uniform or normal");
  for (const py::handle item : rates) {
    const py::dict r = item.cast<py::dict>();
    backtest::RateOverride o;
    o.key = r["key"].cast<std::string>();
    auto get = [&](const char* name, double& field) {
      if (r.contains(name)) field = r[name].cast<double>();
    };
    get("long_margin_ratio", o.long_margin_ratio);
    get("short_margin_ratio", o.short_margin_ratio);
    get("open_by_money", o.open_by_money);
    get("open_by_volume", o.open_by_volume);
    get("close_by_money", o.close_by_money);
    get("close_by_volume", o.close_by_volume);
    get("close_today_by_money", o.close_today_by_money);
    get("close_today_by_volume", o.close_today_by_volume);
    settings.rates.push_back(std::move(o));
  }
  auto gateway = std::make_unique<backtest::BacktestGateway>(std::move(settings));
  backtest::BacktestGateway* raw = gateway.get();
  runtime::EngineSettings es;
  es.wait = "spin";  // never waits: the driver hands it events only when it has them
  es.max_events_per_batch = max_events_per_batch;
  es.bar_history = bar_history;
  es.max_live_orders = max_live_orders;
  auto e = std::make_unique<PyEngine>();
  e->runtime = std::make_unique<runtime::Runtime>(es, std::move(gateway), raw->clock());
  e->backtest = raw;
  e->dispatcher = std::make_unique<PyDispatcher>(e->engine());
  e->engine().set_dispatcher(e->dispatcher.get());
  return e;
}

void bind_engine_class(py::module_& m) {
  py::class_<PyEngine>(m, "Engine",
                       "One account: a CTP library pair (dlopen), its session and the engine loop. Engine-thread "
                       "methods must be called from the thread that runs run()/run_once() (or before it starts).")
      .def(py::init([](const std::filesystem::path& library_dir, ctp::SessionConfig session, const std::string& wait,
                       std::size_t max_instruments, std::size_t max_live_orders, std::size_t orders_per_day,
                       std::size_t trades_per_day, std::size_t max_agents, std::size_t max_events_per_batch,
                       double max_wait_ms, std::size_t bar_history) {
             runtime::RuntimeSettings settings{
                 library_dir, std::move(session),
                 runtime::EngineSettings{wait, max_instruments, max_live_orders, orders_per_day, trades_per_day,
                                         max_agents, max_events_per_batch, max_wait_ms, bar_history}};
             auto e = std::make_unique<PyEngine>();
             {
               py::gil_scoped_release nogil;  // dlopen runs the vendor's static constructors
               e->runtime = std::make_unique<runtime::Runtime>(std::move(settings));
             }
             e->dispatcher = std::make_unique<PyDispatcher>(e->engine());
             e->engine().set_dispatcher(e->dispatcher.get());
             return e;
           }),
           py::arg("library_dir"), py::arg("session"), py::kw_only(), py::arg("wait") = "block",
           py::arg("max_instruments") = 4096, py::arg("max_live_orders") = 16384, py::arg("orders_per_day") = 131072,
           py::arg("trades_per_day") = 262144, py::arg("max_agents") = 64, py::arg("max_events_per_batch") = 512,
           py::arg("max_wait_ms") = 50.0, py::arg("bar_history") = 1000)
      .def(
          "add_agent", [](PyEngine& e, const std::string& name) { return e.engine().add_agent(name); }, py::arg("name"))
      .def(
          "set_dispatcher", [](PyEngine& e, py::object target) { e.dispatcher->set_target(std::move(target)); },
          py::arg("dispatcher"), "dispatcher.on_batch(batch) is called once per drained batch, with the GIL held")
      .def(
          "set_tick_handlers",
          [](PyEngine& e, py::dict handlers, py::object on_miss, py::object on_error) {
            e.dispatcher->set_tick_handlers(std::move(handlers), std::move(on_miss), std::move(on_error));
          },
          py::arg("handlers"), py::arg("on_miss"), py::arg("on_error"),
          "Tick-only batches bypass on_batch: each tick goes to handlers[tick.subscribers]'s on_tick callables "
          "((agent, fn) pairs); on_miss((tick,)) when the mask is not in handlers; on_error(agent, exc) when "
          "an on_tick raised")
      .def(
          "set_bar_handlers",
          [](PyEngine& e, py::dict handlers, py::object on_miss, py::object on_error) {
            e.dispatcher->set_bar_handlers(std::move(handlers), std::move(on_miss), std::move(on_error));
          },
          py::arg("handlers"), py::arg("on_miss"), py::arg("on_error"),
          "Bar-only batches bypass on_batch: each bar goes to handlers[~bar.subscribers]'s on_bar callables "
          "((agent, fn) pairs); on_miss(bar) when the key is not in handlers; on_error(agent, exc) when an "
          "on_bar raised")
      .def(
          "subscribe",
          [](PyEngine& e, AgentId agent, const std::string& symbol) { return e.engine().subscribe(agent, symbol); },
          py::arg("agent"), py::arg("symbol"))
      .def(
          "subscribe_bars",
          [](PyEngine& e, AgentId agent, const std::string& symbol, const std::string& interval) {
            return e.engine().subscribe_bars(agent, symbol, bars::parse_interval(interval));
          },
          py::arg("agent"), py::arg("symbol"), py::arg("interval"),
          "Raises BarIntervalError (bad interval text) or UnknownProductError (no trading hours for the product).")
      .def(
          "bar_history",
          [](py::object self, const std::string& symbol, const std::string& interval, std::size_t n) {
            const bars::HistoryRing* ring =
                self.cast<PyEngine&>().engine().bar_history(symbol, bars::parse_interval(interval));
            if (ring == nullptr) return py::object(py::none());
            const std::size_t count = std::min(n, ring->size());
            // Views into the engine's ring (no copy); `self` is their base, so the memory outlives them.
            const auto column = [&](auto which) {
              using T = std::remove_cv_t<std::remove_pointer_t<decltype(ring->newest(which, count))>>;
              py::array_t<T> a({count}, {sizeof(T)}, ring->newest(which, count), self);
              py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
              return a;
            };
            using H = bars::HistoryRing;
            return py::object(py::make_tuple(column(H::Open), column(H::High), column(H::Low), column(H::Close),
                                             column(H::Volume), column(H::OpenInterest), column(H::StartMs)));
          },
          py::arg("symbol"), py::arg("interval"), py::arg("n"),
          "(open, high, low, close, volume, open_interest, start_ms) of the newest min(n, kept) bars as read-only "
          "numpy views of the engine's ring, oldest first; None when nobody subscribed to these bars.")
      .def(
          "seed_bar",
          [](PyEngine& e, const std::string& symbol, const std::string& interval, std::uint32_t trading_day,
             std::int64_t start_ms, std::int64_t end_ms, double open, double high, double low, double close,
             std::int64_t volume, double turnover, double open_interest, double open_interest_change,
             std::uint32_t tick_count) -> py::object {
            BarUpdate update{};
            bars::Bar& bar = update.bar;
            bar.symbol.assign(symbol);
            bar.interval = bars::parse_interval(interval);
            bar.trading_day = trading_day;
            bar.start_ms = start_ms;
            bar.end_ms = end_ms;
            bar.open = open;
            bar.high = high;
            bar.low = low;
            bar.close = close;
            bar.volume = volume;
            bar.turnover = turnover;
            bar.open_interest = open_interest;
            bar.open_interest_change = open_interest_change;
            bar.tick_count = tick_count;
            switch (e.engine().seed_bar(symbol, bar)) {
              case bars::BarHub::SeedResult::Ok: return py::cast(update);
              case bars::BarHub::SeedResult::NotSubscribed: return py::none();
              case bars::BarHub::SeedResult::OutOfOrder: break;
            }
            throw py::value_error("bar " + std::to_string(start_ms) + ".." + std::to_string(end_ms) + " of " + symbol +
                                  " " + interval + " does not start after the bars already kept");
          },
          py::arg("symbol"), py::arg("interval"), py::arg("trading_day"), py::arg("start_ms"), py::arg("end_ms"),
          py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"), py::arg("volume"), py::arg("turnover"),
          py::arg("open_interest"), py::arg("open_interest_change"), py::arg("tick_count") = 0,
          "Warm-up: append a past bar to a subscribed (symbol, interval) history ring; returns it as a Bar (None "
          "when nobody subscribed). Live bars starting before its end are dropped. ValueError when out of order.")
      // The agent.buy() hot path: plain ints in (the enums' values), a plain int out on success, so the call
      // converts no enum objects and allocates no result object; an InsertResult only for a refusal.
      .def(
          "insert_order",
          [](PyEngine& e, AgentId agent, InstrumentIndex instrument, unsigned direction, unsigned offset, double price,
             std::int32_t volume, unsigned kind) -> py::object {
            if (direction > 1)
              throw py::value_error("direction " + std::to_string(direction) + " must be 0 (buy) or 1 (sell)");
            if (offset > 3) throw py::value_error("offset " + std::to_string(offset) + " must be in 0..3 (Offset)");
            if (kind > 3) throw py::value_error("kind " + std::to_string(kind) + " must be in 0..3 (OrderKind)");
            const InsertResult r =
                e.engine().insert_order(agent, instrument, static_cast<Direction>(direction),
                                        static_cast<Offset>(offset), price, volume, static_cast<OrderKind>(kind));
            if (r.ok()) return py::int_(r.order);
            return py::cast(r);
          },
          "int(Direction), int(Offset), int(OrderKind) -> the order id (int) when sent, else an InsertResult.")
      .def(
          "place",
          [](PyEngine& e, AgentId agent, InstrumentIndex instrument, Direction direction, double price,
             std::int32_t volume, OrderKind kind,
             OffsetMode mode) { return e.engine().place(agent, instrument, direction, price, volume, kind, mode); },
          py::arg("agent"), py::arg("instrument"), py::arg("direction"), py::arg("price"), py::arg("volume"),
          py::arg("kind"), py::arg("mode"), "Offsets resolved per mode / exchange, split by the max order volume.")
      .def(
          "position",
          [](PyEngine& e, AgentId agent, InstrumentIndex instrument) {
            PositionView v;
            e.engine().ledgers().fill_view(agent, instrument, v);
            return v;
          },
          py::arg("agent"), py::arg("instrument"), "The ledger's current view (agent 0xFFFFFFFF: the account).")
      .def(
          "agent_ledger", [](PyEngine& e, AgentId agent) { return e.engine().ledgers().agent(agent); },
          py::arg("agent"), "The agent's ledger now: money and counters (a copy).")
      .def(
          "unrealized_pnl",
          [](PyEngine& e, AgentId agent, InstrumentIndex instrument) {
            return e.engine().ledgers().unrealized_pnl(agent, instrument);
          },
          py::arg("agent"), py::arg("instrument"), "The agent's open lots of the instrument at mark_price (CNY).")
      .def(
          "mark_price",
          [](PyEngine& e, InstrumentIndex instrument) { return e.engine().ledgers().mark_price(instrument); },
          py::arg("instrument"), "The price open lots are marked at (0.0 when none is known).")
      .def(
          "count_refusal",
          [](PyEngine& e, AgentId agent, RejectCode code) { e.engine().count_agent_refusal(agent, code); },
          py::arg("agent"), py::arg("code"), "An agent action refused before it reached the engine (counted once).")
      .def(
          "agent_account",
          [](PyEngine& e, AgentId agent) {
            const AgentLedger& a = e.engine().ledgers().agent(agent);
            py::dict d;
            d["allocation"] = a.allocation;
            d["available"] = e.engine().ledgers().available_capital(agent);
            d["realized_pnl"] = a.realized_pnl;
            d["unrealized_pnl"] = e.engine().ledgers().unrealized_pnl(agent);
            d["pnl_today"] = e.engine().ledgers().pnl_today(agent);
            d["commission"] = a.commission;
            d["margin"] = a.margin;
            d["frozen_margin"] = a.frozen_margin;
            d["frozen_commission"] = a.frozen_commission;
            d["carried"] = a.carried;
            d["orders"] = a.orders;
            d["fills"] = a.fills;
            d["filled_lots"] = a.filled_lots;
            d["cancels"] = a.cancels;
            d["rejects"] = a.rejects;
            d["cancelled"] = a.cancelled;
            return d;
          },
          py::arg("agent"))
      .def(
          "add_conditional",
          [](PyEngine& e, AgentId agent, InstrumentIndex instrument, ConditionalKind kind, Direction direction,
             OffsetMode mode, std::int32_t volume, double trigger, double limit, double trail, TriggerSource source,
             std::int32_t display) {
            ConditionalRequest r;
            r.kind = kind;
            r.direction = direction;
            r.mode = mode;
            r.volume = volume;
            r.trigger = trigger;
            r.limit = limit;
            r.trail = trail;
            r.source = source;
            r.display = display;
            return e.engine().add_conditional(agent, instrument, r);
          },
          py::arg("agent"), py::arg("instrument"), py::arg("kind"), py::arg("direction"), py::arg("mode"),
          py::arg("volume"), py::arg("trigger") = 0.0, py::arg("limit") = 0.0, py::arg("trail") = 0.0,
          py::arg("source") = TriggerSource::Last, py::arg("display") = 0)
      .def(
          "link_oco",
          [](PyEngine& e, AgentId agent, ConditionalId a, ConditionalId b) { return e.engine().link_oco(agent, a, b); },
          py::arg("agent"), py::arg("first"), py::arg("second"))
      .def(
          "add_bracket",
          [](PyEngine& e, AgentId agent, InstrumentIndex instrument, Direction direction, std::int32_t volume,
             double entry, double take_profit, double stop_loss) {
            return e.engine().add_bracket(agent, instrument, direction, volume, entry, take_profit, stop_loss);
          },
          py::arg("agent"), py::arg("instrument"), py::arg("direction"), py::arg("volume"), py::arg("entry_price"),
          py::arg("take_profit"), py::arg("stop_loss"))
      .def(
          "cancel_conditional",
          [](PyEngine& e, AgentId agent, ConditionalId id) { return e.engine().cancel_conditional(agent, id); },
          py::arg("agent"), py::arg("id"))
      .def(
          "conditional",
          [](PyEngine& e, ConditionalId id) -> std::optional<py::dict> {
            const Conditional* c = e.engine().conditional(id);
            if (c == nullptr) return std::nullopt;
            py::dict d;
            d["id"] = c->id;
            d["status"] = std::string(to_string(c->status));
            d["volume"] = c->volume;
            d["armed"] = c->armed;
            d["released"] = c->released;
            d["filled"] = c->filled;
            d["reason"] = std::string(c->reason.view());
            return d;
          },
          py::arg("id"), "A live conditional order's state; None once it finished and was released.")
      .def(
          "set_allocation",
          [](PyEngine& e, AgentId agent, double capital) { e.engine().set_allocation(agent, capital); },
          py::arg("agent"), py::arg("capital"))
      .def(
          "set_owner",
          [](PyEngine& e, InstrumentIndex instrument, AgentId agent) { e.engine().set_owner(instrument, agent); },
          py::arg("instrument"), py::arg("agent"), "Monopoly: only `agent` may trade the instrument.")
      .def(
          "cancel", [](PyEngine& e, AgentId agent, OrderId order) { return e.engine().cancel(agent, order); },
          py::arg("agent"), py::arg("order"))
      .def(
          "cancel_all",
          [](PyEngine& e, AgentId agent, std::optional<InstrumentIndex> instrument) {
            return e.engine().cancel_all(agent, instrument.value_or(kNoInstrument));
          },
          py::arg("agent"), py::arg("instrument") = py::none())
      .def(
          "add_timer",
          [](PyEngine& e, AgentId agent, std::int64_t interval_ns) { return e.engine().add_timer(agent, interval_ns); },
          py::arg("agent"), py::arg("interval_ns"))
      .def(
          "cancel_timer", [](PyEngine& e, std::uint32_t id) { return e.engine().cancel_timer(id); },
          py::arg("timer_id"))
      .def("start",
           [](PyEngine& e) {
             py::gil_scoped_release nogil;
             e.engine().start();
           })
      .def(
          "run",
          [](PyEngine& e) {
            if (e.backtest != nullptr) {  // one thread, event time: the GIL stays held (agents run per batch)
              e.backtest->run(e.engine());
              e.dispatcher->rethrow_pending();
              return;
            }
            // Comes back every 100 ms to let Python see Ctrl-C; a stop() is never lost (run_for consumes it).
            for (;;) {
              bool stopped = false;
              {
                py::gil_scoped_release nogil;
                stopped = e.engine().run_for(100'000'000);
              }
              e.dispatcher->rethrow_pending();
              if (stopped) return;
              if (PyErr_CheckSignals() != 0) throw py::error_already_set();
            }
          },
          "Runs the engine loop on this thread until stop(); the GIL is released except inside on_batch.")
      .def(
          "run_once",
          [](PyEngine& e, double max_wait_ms) {
            bool dispatched = false;
            {
              if (e.backtest != nullptr) {  // after the replay (the stop): reports still held by latency
                dispatched = e.backtest->flush(e.engine());
              } else {
                py::gil_scoped_release nogil;
                dispatched = e.engine().run_once(static_cast<std::int64_t>(max_wait_ms * 1e6));
              }
            }
            e.dispatcher->rethrow_pending();
            return dispatched;
          },
          py::arg("max_wait_ms") = 0.0)
      .def(
          "stop", [](PyEngine& e) { e.engine().stop(); }, "Thread-safe: run() returns after the current iteration.")
      .def("shutdown",
           [](PyEngine& e) {
             py::gil_scoped_release nogil;  // Release() joins the vendor threads
             e.engine().shutdown();
           })
      .def_property_readonly("trading_ready", [](PyEngine& e) { return e.engine().trading_ready(); })
      .def_property_readonly("instruments_loaded", [](PyEngine& e) { return e.engine().instruments_are_loaded(); })
      .def_property_readonly("trader_state",
                             [](PyEngine& e) {
                               if (!e.runtime->has_session()) return std::string("backtest");
                               return std::string(ctp::to_string(e.runtime->session().trader_state()));
                             })
      .def_property_readonly("md_state",
                             [](PyEngine& e) {
                               if (!e.runtime->has_session()) return std::string("backtest");
                               return std::string(ctp::to_string(e.runtime->session().md_state()));
                             })
      .def_property_readonly(
          "fatal_reason",
          [](PyEngine& e) { return e.runtime->has_session() ? e.runtime->session().fatal_reason() : std::string(); })
      .def_property_readonly("trading_day",
                             [](PyEngine& e) {
                               if (e.backtest != nullptr)
                                 return static_cast<std::uint32_t>(std::stoul(e.backtest->trading_day()));
                               return e.runtime->session().trading_day();
                             })
      .def_property_readonly("library_versions",
                             [](PyEngine& e) {
                               if (!e.runtime->has_session())
                                 return py::make_tuple(std::string("backtest"), std::string("backtest"));
                               return py::make_tuple(e.runtime->library().trader_version(),
                                                     e.runtime->library().md_version());
                             })
      .def(
          "instrument_index",
          [](PyEngine& e, const std::string& symbol) -> std::optional<InstrumentIndex> {
            const InstrumentIndex i = e.engine().instrument_index(symbol);
            if (i == kNoInstrument) return std::nullopt;
            return i;
          },
          py::arg("symbol"))
      .def_property_readonly("instrument_count", [](PyEngine& e) { return e.engine().registry().size(); })
      .def(
          "clock_ns", [](PyEngine& e) { return e.engine().clock_ns(); },
          "The engine's now as its risk checks see it: the event clock in a backtest, else CLOCK_MONOTONIC.")
      .def(
          "trading_status",
          [](PyEngine& e, InstrumentIndex i) -> std::string {
            if (!e.engine().registry().contains(i)) throw py::index_error("no instrument with that index");
            const std::uint8_t status = e.engine().registry().at(i).trading_status;
            return status == 0 ? std::string() : std::string(1, static_cast<char>(status));
          },
          py::arg("index"),
          "The instrument's last CTP InstrumentStatus code ('2' continuous trading, ...), '' before any.")
      .def(
          "instrument",
          [](PyEngine& e, InstrumentIndex i) {
            if (!e.engine().registry().contains(i)) throw py::index_error("no instrument with that index");
            const InstrumentState& s = e.engine().registry().at(i);
            py::dict d;
            d["symbol"] = std::string(s.spec.symbol.view());
            d["exchange"] = std::string(s.spec.exchange.view());
            d["price_tick"] = s.spec.price_tick;
            d["volume_multiple"] = s.spec.volume_multiple;
            d["max_limit_order_volume"] = s.spec.max_limit_order_volume;
            d["min_limit_order_volume"] = s.spec.min_limit_order_volume;
            py::dict fees;  // the counter's commission rates (known false until its answer arrived)
            fees["known"] = s.commission.known;
            fees["open_by_money"] = s.commission.open_by_money;
            fees["open_by_volume"] = s.commission.open_by_volume;
            fees["close_by_money"] = s.commission.close_by_money;
            fees["close_by_volume"] = s.commission.close_by_volume;
            fees["close_today_by_money"] = s.commission.close_today_by_money;
            fees["close_today_by_volume"] = s.commission.close_today_by_volume;
            d["commission"] = fees;
            d["long_today"] = s.position.long_today;
            d["long_yd"] = s.position.long_yd;
            d["short_today"] = s.position.short_today;
            d["short_yd"] = s.position.short_yd;
            d["last_tick"] = s.has_tick ? py::cast(s.last_tick) : py::none();
            return d;
          },
          py::arg("index"))
      .def(
          "order",
          [](PyEngine& e, OrderId id) -> std::optional<OrderUpdate> {
            const Order* o = e.engine().order(id);
            if (o == nullptr) return std::nullopt;
            OrderUpdate u;
            e.engine().order_manager().describe(*o, 0, monotonic_ns(), u);
            return u;
          },
          py::arg("order_id"), "A live order's current state, or None once it is final and released.")
      .def_property_readonly("account",
                             [](PyEngine& e) {
                               const AccountData& a = e.engine().account();
                               py::dict d;
                               d["balance"] = a.balance;
                               d["available"] = a.available;
                               d["current_margin"] = a.current_margin;
                               d["frozen_margin"] = a.frozen_margin;
                               d["frozen_commission"] = a.frozen_commission;
                               d["commission"] = a.commission;
                               d["close_profit"] = a.close_profit;
                               d["position_profit"] = a.position_profit;
                               return d;
                             })
      .def(
          "query_account", [](PyEngine& e) { return e.engine().request_account_query(); },
          "Queue a positions + account query (engine thread); False when the trader session is not ready.")
      .def_property_readonly(
          "account_live",
          [](PyEngine& e) {
            const AccountTrack t = e.engine().ledgers().account();
            const auto figures = [](const AccountFigures& f) {
              py::dict d;
              d["balance"] = f.balance;
              d["available"] = f.available;
              d["current_margin"] = f.margin;
              d["frozen_margin"] = f.frozen_margin;
              d["frozen_commission"] = f.frozen_commission;
              return d;
            };
            py::dict d;
            d["live"] = figures(t.live);
            d["difference"] = figures(t.difference);
            d["reconciles"] = t.reconciles;
            d["differing"] = t.differing;
            d["reconciled_ns"] = t.reconciled_ns;
            d["trading_day"] = e.engine().ledgers().trading_day();
            d["day_rolls"] = e.engine().ledgers().stats().day_rolls;
            return d;
          },
          "The account tracked live by the ledgers, and its last reconciliation with the counter.")
      .def(
          "open_journal",
          [](PyEngine& e, const std::string& path, std::size_t ring_capacity, std::size_t backlog_limit,
             const std::string& writer_priority, bool wake_on_request) {
            try {
              const journal::Journal& j = e.runtime->open_journal(
                  runtime::JournalSettings{path, ring_capacity, backlog_limit, writer_priority, wake_on_request});
              return py::make_tuple(j.run(), j.first_seq());
            } catch (const journal::JournalError& err) {
              throw py::value_error(err.what());
            } catch (const std::logic_error& err) {  // SettingsError, or a journal already open
              throw py::value_error(err.what());
            }
          },
          py::arg("path"), py::arg("ring_capacity") = 16384, py::arg("backlog_limit") = 8192,
          py::arg("writer_priority") = "batch", py::arg("wake_on_request") = false,
          "Journals every order request/update, trade, risk decision and notice to SQLite; returns (run, first_seq).")
      .def(
          "close_journal",
          [](PyEngine& e, double timeout_ms) {
            py::gil_scoped_release nogil;
            return e.runtime->close_journal(static_cast<std::int64_t>(timeout_ms * 1e6));
          },
          py::arg("timeout_ms") = 5000.0)
      .def(
          "journal_agent_added",
          [](PyEngine& e, AgentId agent, const std::string& name) {
            if (journal::Journal* j = e.journal()) j->agent_added(agent, name);
          },
          py::arg("agent"), py::arg("name"))
      .def(
          "journal_agent_stopped",
          [](PyEngine& e, AgentId agent, const std::string& reason) {
            if (journal::Journal* j = e.journal()) j->agent_stopped(agent, reason);
          },
          py::arg("agent"), py::arg("reason"))
      .def(
          "journal_position_carry",
          [](PyEngine& e, const std::string& agent, const std::string& symbol, bool is_long, std::int32_t lots,
             double price) {
            if (journal::Journal* j = e.journal())
              j->position_carried(agent, make_fixed<32>(symbol), is_long, lots, price);
          },
          py::arg("agent"), py::arg("symbol"), py::arg("is_long"), py::arg("lots"), py::arg("price"))
      .def(
          "journal_param_change",
          [](PyEngine& e, AgentId agent, const std::string& key_value) {
            if (journal::Journal* j = e.journal()) j->param_changed(agent, key_value);
          },
          py::arg("agent"), py::arg("key_value"))
      .def(
          "journal_agent_state",
          [](PyEngine& e, AgentId agent, const std::string& payload) {
            if (journal::Journal* j = e.journal()) j->agent_state(agent, payload);
          },
          py::arg("agent"), py::arg("payload"))
      .def(
          "journal_command",
          [](PyEngine& e, std::optional<AgentId> agent, const std::string& text) {
            if (journal::Journal* j = e.journal()) j->command(agent.value_or(kNoAgent), text);
          },
          py::arg("agent"), py::arg("text"), "Journal an operator's command (engine thread).")
      .def(
          "open_snapshot",
          [](PyEngine& e, const std::string& path, double interval_ms, py::object latency) {
            const core::LatencyHistogram* hist =
                latency.is_none() ? nullptr : &latency.cast<const core::LatencyHistogram&>();
            e.dispatcher->set_snapshot(nullptr, nullptr, nullptr);
            try {
              e.snapshot =
                  std::make_unique<runtime::SnapshotWriter>(path, static_cast<std::int64_t>(interval_ms * 1e6));
            } catch (const std::exception& err) {
              throw py::value_error(err.what());
            }
            e.snapshot_latency = latency;
            e.dispatcher->set_snapshot(e.snapshot.get(), e.runtime.get(), hist);
          },
          py::arg("path"), py::arg("interval_ms"), py::arg("latency") = py::none(),
          "Publish the state snapshot into PATH (mmap) at most every interval_ms, from the engine loop in C++.")
      .def(
          "publish_snapshot",
          [](PyEngine& e) {
            if (!e.snapshot) return false;
            const auto* hist =
                e.snapshot_latency.is_none() ? nullptr : &e.snapshot_latency.cast<const core::LatencyHistogram&>();
            e.snapshot->publish(*e.runtime, hist, monotonic_ns());
            return true;
          },
          "Publish the snapshot now (engine thread); False when none is open.")
      .def(
          "journal_flush",
          [](PyEngine& e, double timeout_ms) {
            journal::Journal* j = e.journal();
            if (j == nullptr) return true;
            py::gil_scoped_release nogil;
            return j->flush(static_cast<std::int64_t>(timeout_ms * 1e6));
          },
          py::arg("timeout_ms") = 5000.0)
      .def(
          "journal_pause_writer",
          [](PyEngine& e, bool paused) {
            if (journal::Journal* j = e.journal()) j->pause_writer(paused);
          },
          py::arg("paused"), "Tests: a paused writer commits nothing (the backlog builds up).")
      .def("journal_stats",
           [](PyEngine& e) -> py::object {
             const journal::Journal* j = e.journal();
             if (j == nullptr) return py::none();
             const journal::JournalStats s = j->stats();
             py::dict d;
             d["path"] = j->path();
             d["run"] = j->run();
             d["recorded"] = s.recorded;
             d["written"] = s.written;
             d["transactions"] = s.transactions;
             d["backlog_refusals"] = s.backlog_refusals;
             d["full_waits"] = s.full_waits;
             d["lost"] = s.lost;
             d["write_errors"] = s.write_errors;
             d["max_backlog"] = s.max_backlog;
             d["error"] = j->error();
             return d;
           })
      .def(
          "seed_order_link",
          [](PyEngine& e, std::optional<AgentId> agent, std::int32_t front_id, std::int32_t session_id,
             std::int64_t order_ref, const std::string& exchange, const std::string& order_sys_id,
             std::int32_t booked) {
            return e.engine().order_manager_for_recovery().seed_link(agent.value_or(kNoAgent), front_id, session_id,
                                                                     order_ref, make_fixed<9>(exchange),
                                                                     make_fixed<21>(order_sys_id), booked);
          },
          py::arg("agent"), py::arg("front_id"), py::arg("session_id"), py::arg("order_ref"), py::arg("exchange"),
          py::arg("order_sys_id"), py::arg("booked") = 0,
          "Recovery: attribute a pre-restart order's reports and trades (agent None: unattributed); `booked`: "
          "lots of its trades the journal already booked.")
      .def(
          "set_adopt_working_orders", [](PyEngine& e, bool on) { e.engine().set_adopt_working_orders(on); },
          py::arg("on"),
          "Recovery: adopt the counter's working orders of a previous process as pooled orders with real ids.")
      .def(
          "seed_trade",
          [](PyEngine& e, const std::string& exchange, const std::string& trade_id, Direction direction) {
            return e.engine().order_manager_for_recovery().seed_trade(make_fixed<9>(exchange), make_fixed<21>(trade_id),
                                                                      direction);
          },
          py::arg("exchange"), py::arg("trade_id"), py::arg("direction"),
          "Recovery: a trade already booked before the restart (its replay is ignored as a duplicate).")
      .def(
          "seed_ledger_trade",
          [](PyEngine& e, std::optional<AgentId> agent, const std::string& symbol, Direction direction, Offset offset,
             double price, std::int32_t volume) {
            e.engine().seed_ledger_trade(agent.value_or(kNoAgent), symbol, direction, offset, price, volume);
          },
          py::arg("agent"), py::arg("symbol"), py::arg("direction"), py::arg("offset"), py::arg("price"),
          py::arg("volume"), "Recovery: book a journaled trade into the agent's ledger once instruments are loaded.")
      .def(
          "seed_ledger_carry",
          [](PyEngine& e, AgentId agent, const std::string& symbol, bool is_long, std::int32_t lots, double price) {
            e.engine().seed_ledger_carry(agent, symbol, is_long, lots, price);
          },
          py::arg("agent"), py::arg("symbol"), py::arg("is_long"), py::arg("lots"), py::arg("price"),
          "Carry-over: an agent's lots of an earlier day, booked as yesterday's lots once instruments are loaded.")
      .def(
          "yesterday_cuts",
          [](PyEngine& e) {
            py::list out;
            for (const Ledgers::YesterdayCut& c : e.engine().yesterday_cuts()) {
              py::dict d;
              d["agent"] = c.agent;
              d["symbol"] = std::string(e.engine().registry().at(c.instrument).spec.symbol.view());
              d["side"] = c.is_long ? "long" : "short";
              d["lots"] = c.lots;
              out.append(d);
            }
            return out;
          },
          "Carried-in yesterday lots cut at the first reconcile (beyond the counter's yesterday position).")
      .def("order_manager_stats",
           [](PyEngine& e) {
             const OrderManagerStats& s = e.engine().order_manager().stats();
             py::dict d;
             d["duplicate_trades"] = s.duplicate_trades;
             d["unknown_reports"] = s.unknown_reports;
             d["stale_reports"] = s.stale_reports;
             d["unattributed_trades"] = s.unattributed_trades;
             d["map_full"] = s.map_full;
             return d;
           })
      .def(
          "kill",
          [](PyEngine& e, const std::string& reason, bool flatten) {
            const runtime::KillResult r = e.runtime->kill(reason, flatten);
            py::list orders;
            for (const runtime::FlattenOrder& o : r.flatten_orders) orders.append(py::make_tuple(o.agent, o.order));
            py::dict d;
            d["cancels"] = r.cancels;
            d["flatten_orders"] = orders;
            d["failures"] = r.failures;
            return d;
          },
          py::arg("reason"), py::arg("flatten") = false,
          "Kill switch (engine thread): halt the account (REDUCING with flatten), cancel every working order and, "
          "with flatten, close every agent's free lots by FAK orders sized to the volume limits. Returns "
          "{cancels, flatten_orders[(agent, order)], failures[str]}.")
      .def("stats", [](PyEngine& e) { return stats_dict(e.engine().stats()); })
      .def("session_stats",
           [](PyEngine& e) {
             if (!e.runtime->has_session()) return py::dict();
             return session_stats_dict(e.runtime->session().stats());
           })
      .def_static("backtest", &make_backtest_engine, py::arg("front"), py::kw_only(), py::arg("order_ms") = 0,
                  py::arg("report_ms") = 0.0, py::arg("jitter") = "none", py::arg("jitter_ms") = 0.0,
                  py::arg("latency_seed") = 7, py::arg("rates") = py::list(), py::arg("max_events_per_batch") = 512,
                  py::arg("bar_history") = 1000, py::arg("max_live_orders") = 16384, py::arg("chunks") = py::none(),
                  py::arg("bars") = py::none(), py::arg("bar_interval") = "1m", py::arg("slippage_ticks") = 0,
                  "A backtest engine: the local front's matching core driven in-thread on event time (front: "
                  "source, seed, instruments, session, days, max_ticks, trading_day, queue, initial_balance; "
                  "rates: dicts of commission/margin overrides; chunks: an iterable of TickChunk instead of the "
                  "front's source, "
                  "front['symbols'] naming their instruments; bars: an iterable of BarChunk (bar-input mode, "
                  "bar_interval, slippage_ticks), front['symbols'] naming theirs). run() replays the data to its end.")
      .def_property_readonly("backtest_counters", [](PyEngine& e) {
        py::dict d;
        if (e.backtest == nullptr) return d;
        const backtest::BacktestCounters& c = e.backtest->counters();
        d["feed_events"] = c.feed_events;
        d["ticks"] = c.ticks;
        d["ticks_forwarded"] = c.ticks_forwarded;
        d["reports"] = c.reports;
        d["days"] = c.days;
        d["first_ns"] = c.first_ns;
        d["last_ns"] = c.last_ns;
        d["now_ns"] = e.backtest->now_ns();
        return d;
      });
}

}  // namespace

py::dict replay_dict(const journal::Replay& r) {
  py::list orders;
  for (const journal::ReplayOrder& o : r.orders) {
    py::dict d;
    d["agent"] = o.agent.empty() ? py::object(py::none()) : py::object(py::str(o.agent));
    d["symbol"] = o.symbol;
    d["exchange"] = o.exchange;
    d["order_sys_id"] = o.order_sys_id;
    d["front_id"] = o.front_id;
    d["session_id"] = o.session_id;
    d["order_ref"] = o.order_ref;
    d["direction"] = std::string(to_string(o.direction));
    d["offset"] = std::string(to_string(o.offset));
    d["status"] = std::string(to_string(o.status));
    d["volume"] = o.volume;
    d["traded"] = o.traded;
    d["booked"] = o.booked;
    d["requested"] = o.requested;
    d["run"] = o.run;
    orders.append(d);
  }
  py::dict positions;
  for (const auto& [key, p] : r.positions) {
    const py::str agent(key.first);
    if (!positions.contains(agent)) positions[agent] = py::dict();
    positions[agent].cast<py::dict>()[py::str(key.second)] = py::make_tuple(p.long_lots, p.short_lots);
  }
  py::list trades;
  for (const journal::ReplayTrade& t : r.trades) {
    trades.append(py::make_tuple(t.exchange, t.trade_id, std::string(to_string(t.direction))));
  }
  py::dict d;
  d["orders"] = orders;
  d["positions"] = positions;
  d["trades"] = trades;
  d["duplicate_trades"] = r.duplicate_trades;
  d["last_seq"] = r.last_seq;
  d["runs"] = r.runs;
  return d;
}

// One consistent snapshot (runtime/snapshot.hpp) as plain Python values (enums by their names).
py::dict snapshot_dict(const runtime::Snapshot& s) {
  using runtime::Snapshot;
  py::dict d;
  d["publishes"] = s.publishes;
  d["wall_ns"] = s.wall_ns;
  d["mono_ns"] = s.mono_ns;
  d["pid"] = s.pid;
  d["trading_day"] = s.trading_day;
  d["trader_state"] = std::string(s.trader_state);
  d["md_state"] = std::string(s.md_state);
  d["trading_ready"] = s.trading_ready != 0;
  d["account_state"] = std::string(risk::to_string(static_cast<risk::TradingState>(s.account_state)));
  d["killed"] = s.killed != 0;
  d["account"] = py::dict(py::arg("balance") = s.balance, py::arg("available") = s.available,
                          py::arg("margin") = s.margin, py::arg("frozen_margin") = s.frozen_margin);
  d["stats"] = py::dict(py::arg("events") = s.events, py::arg("ticks") = s.ticks,
                        py::arg("orders_sent") = s.orders_sent, py::arg("cancels_sent") = s.cancels_sent);
  d["latency_ns"] =
      py::dict(py::arg("count") = s.latency_count, py::arg("p50") = s.latency_p50, py::arg("p90") = s.latency_p90,
               py::arg("p99") = s.latency_p99, py::arg("max") = s.latency_max);
  py::list agents;
  for (std::size_t i = 0; i < std::min<std::size_t>(s.agent_count, Snapshot::kMaxAgents); ++i) {
    const runtime::SnapAgent& a = s.agents[i];
    py::dict x;
    x["id"] = i;
    x["name"] = std::string(a.name);
    x["state"] = std::string(risk::to_string(static_cast<risk::TradingState>(a.state)));
    x["realized_pnl"] = a.realized_pnl;
    x["unrealized_pnl"] = a.unrealized_pnl;
    x["commission"] = a.commission;
    x["margin"] = a.margin;
    x["orders"] = a.orders;
    x["fills"] = a.fills;
    x["filled_lots"] = a.filled_lots;
    x["cancels"] = a.cancels;
    x["rejects"] = a.rejects;
    x["cancelled"] = a.cancelled;
    agents.append(x);
  }
  d["agents"] = agents;
  py::list positions;
  for (std::size_t i = 0; i < std::min<std::size_t>(s.position_count, Snapshot::kMaxPositions); ++i) {
    const runtime::SnapPosition& p = s.positions[i];
    positions.append(py::dict(py::arg("agent") = p.agent, py::arg("symbol") = std::string(p.symbol),
                              py::arg("long") = p.long_lots, py::arg("short") = p.short_lots,
                              py::arg("long_avg_price") = p.long_avg_price,
                              py::arg("short_avg_price") = p.short_avg_price, py::arg("realized_pnl") = p.realized_pnl,
                              py::arg("unrealized_pnl") = p.unrealized_pnl));
  }
  d["positions"] = positions;
  d["positions_total"] = s.position_total;
  py::list instruments;
  for (std::size_t i = 0; i < std::min<std::size_t>(s.instrument_count, Snapshot::kMaxInstruments); ++i) {
    const runtime::SnapInstrument& x = s.instruments[i];
    instruments.append(py::dict(py::arg("symbol") = std::string(x.symbol), py::arg("last") = x.last_price,
                                py::arg("bid") = x.bid_price, py::arg("ask") = x.ask_price,
                                py::arg("volume") = x.volume, py::arg("update_ms") = x.update_ms));
  }
  d["instruments"] = instruments;
  d["instruments_total"] = s.instrument_total;
  py::list orders;
  for (std::size_t i = 0; i < std::min<std::size_t>(s.order_count, Snapshot::kMaxOrders); ++i) {
    const runtime::SnapOrder& o = s.orders[i];
    orders.append(py::dict(py::arg("id") = o.id, py::arg("agent") = o.agent, py::arg("symbol") = std::string(o.symbol),
                           py::arg("direction") = std::string(to_string(static_cast<Direction>(o.direction))),
                           py::arg("offset") = std::string(to_string(static_cast<Offset>(o.offset))),
                           py::arg("kind") = std::string(to_string(static_cast<OrderKind>(o.kind))),
                           py::arg("status") = std::string(to_string(static_cast<OrderStatus>(o.status))),
                           py::arg("price") = o.price, py::arg("volume") = o.volume, py::arg("traded") = o.traded));
  }
  d["orders"] = orders;
  d["orders_total"] = s.order_total;
  py::dict refusals;
  for (std::size_t i = 0; i < std::min<std::size_t>(s.refusal_count, Snapshot::kMaxRefusals); ++i) {
    refusals[py::str(std::string(to_string(static_cast<RejectCode>(s.refusals[i].code))))] = s.refusals[i].count;
  }
  d["refusals"] = refusals;
  return d;
}

void bind_snapshot_reader(py::module_& m) {
  struct Reader {
    std::unique_ptr<runtime::SnapshotReader> reader;
    std::unique_ptr<runtime::Snapshot> copy = std::make_unique<runtime::Snapshot>();
  };
  py::class_<Reader>(m, "SnapshotReader", "Reads the state snapshot a running engine publishes (open_snapshot).")
      .def(py::init([](const std::string& path) {
             auto r = std::make_unique<Reader>();
             try {
               r->reader = std::make_unique<runtime::SnapshotReader>(path);
             } catch (const std::exception& err) {
               throw py::value_error(err.what());
             }
             return r;
           }),
           py::arg("path"))
      .def(
          "read",
          [](Reader& r) -> py::object {
            bool ok = false;
            {
              py::gil_scoped_release nogil;
              ok = r.reader->read(*r.copy);
            }
            if (!ok) return py::none();
            return snapshot_dict(*r.copy);
          },
          "A consistent copy as a dict; None when the writer was busy on every try or nothing was published.")
      .def(
          "publishes",
          [](Reader& r) -> std::uint64_t {
            bool ok = false;
            {
              py::gil_scoped_release nogil;
              ok = r.reader->read(*r.copy);
            }
            return ok ? r.copy->publishes : 0;
          },
          "How many snapshots were published so far (0 before the first).");
}

core::Engine& engine_of(py::handle engine) { return engine.cast<PyEngine&>().engine(); }
runtime::Runtime& runtime_of(py::handle engine) { return *engine.cast<PyEngine&>().runtime; }

void bind_engine(py::module_& m) {
  bind_snapshot_reader(m);
  py::register_exception<bars::InvalidIntervalError>(m, "BarIntervalError", PyExc_ValueError);
  py::register_exception<bars::UnknownProductError>(m, "UnknownProductError", PyExc_ValueError);
  py::register_exception<bars::InvalidBuilderConfigError>(m, "BarConfigError", PyExc_ValueError);
  m.def(
      "bar_interval", [](const std::string& text) { return bars::to_string(bars::parse_interval(text)); },
      py::arg("text"), "The canonical text of a bar interval (\"60m\" -> \"1h\"); BarIntervalError when invalid.");
  m.def(
      "check_bar_product", [](const std::string& symbol) { (void)bars::sessions_for_symbol(symbol); },
      py::arg("symbol"), "UnknownProductError when the session table has no trading hours for the symbol's product.");
  m.def(
      "journal_replay",
      [](const std::string& path) {
        std::vector<journal::ReplayRow> rows;
        {
          py::gil_scoped_release nogil;
          try {
            rows = journal::read_rows(path);
          } catch (const journal::JournalError& e) {
            py::gil_scoped_acquire gil;
            throw py::value_error(e.what());
          }
        }
        return replay_dict(journal::replay(rows));
      },
      py::arg("path"),
      "Replays a journal: {orders, positions{agent: {symbol: (long, short)}}, trades[(exchange, trade_id, "
      "direction)], duplicate_trades, last_seq, runs}. Trades of unknown orders are booked to 'unattributed'.");
  m.def("journal_default_path", &journal::default_path, py::arg("dir"), py::arg("account"), py::arg("trading_day"));
  bind_enums(m);
  bind_records(m);
  bind_session_config(m);
  bind_engine_class(m);
}

}  // namespace shandian::pyext
