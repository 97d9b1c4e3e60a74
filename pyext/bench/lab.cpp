// Test probes: OrderLab (cpp/core/order_lab.hpp), the scripted counter the hypothesis property tests drive,
// and LedgerProbe, one agent's C++ ledger booked trade by trade. Convert and forward only.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_bindings.hpp"
#include "core/order_lab.hpp"

namespace py = pybind11;

namespace shandian::pyext::bench_module {

void bind_lab(py::module_& m) {
  py::class_<core::OrderLab>(m, "OrderLab",
                             "Scripted counter around a real Engine for property tests (cpp/core/order_lab.hpp).")
      .def(py::init([](std::size_t agents) {
             core::LabConfig c;
             if (agents < 1 || agents > 8) throw py::value_error("agents must be 1..8");
             c.agents = agents;
             return std::make_unique<core::OrderLab>(c);
           }),
           py::arg("agents") = 2)
      .def(
          "apply",
          [](core::OrderLab& lab, int action, std::uint32_t agent, std::uint32_t instrument, std::int32_t a,
             std::int32_t b) {
            if (action < 0 || action >= static_cast<int>(core::LabAction::kCount)) {
              throw py::value_error("action must be 0.." +
                                    std::to_string(static_cast<int>(core::LabAction::kCount) - 1));
            }
            return lab.apply(static_cast<core::LabAction>(action), agent, instrument, a, b);
          },
          py::arg("action"), py::arg("agent"), py::arg("instrument"), py::arg("a"), py::arg("b"),
          "0 place (a: direction | mode<<1, b: volume), 1 ack, 2 fill, 3 fill trade-first, 4 cancel, 5 exchange\n"
          "cancel, 6 cancel refused, 7 insert refused, 8 duplicate (a: history index), 9 foreign trade, 10 tick,\n"
          "11 conditional order (a: kind/side/price bits, b: volume), 12 cancel a conditional, 13 insert with\n"
          "an explicit offset (a: direction | Offset<<1, b: volume)")
      .def("finish", &core::OrderLab::finish)
      .def_property_readonly("violations", [](const core::OrderLab& lab) { return lab.violations(); })
      .def_property_readonly("orders_placed", &core::OrderLab::orders_placed);

  // One agent's ledger over one instrument, booked trade by trade (property tests of the PnL arithmetic).
  struct LedgerProbe {
    core::InstrumentRegistry registry{4};
    core::Ledgers ledgers{registry, core::Ledgers::Capacity{1, 4, 8}};
    core::InstrumentIndex instrument = 0;
  };
  py::class_<LedgerProbe>(m, "LedgerProbe", "Trades booked straight into a C++ Ledgers (agent 0, one instrument).")
      .def(py::init([](std::int32_t multiplier, const std::string& exchange) {
             auto p = std::make_unique<LedgerProbe>();
             core::InstrumentSpec spec;
             spec.symbol.assign("rb2505");
             spec.exchange.assign(exchange);
             spec.price_tick = 1.0;
             spec.volume_multiple = multiplier;
             p->instrument = *p->registry.upsert(spec);
             return p;
           }),
           py::arg("multiplier") = 10, py::arg("exchange") = "SHFE")
      .def(
          "book",
          [](LedgerProbe& p, core::Direction direction, core::Offset offset, double price, std::int32_t volume) {
            p.ledgers.book_trade(nullptr, 0, p.instrument, direction, offset, price, volume);
          },
          py::arg("direction"), py::arg("offset"), py::arg("price"), py::arg("volume"))
      .def(
          "mark",
          [](LedgerProbe& p, double last) {
            core::InstrumentState& st = p.registry.at(p.instrument);
            st.last_tick.last_price = last;
            st.has_tick = true;
          },
          py::arg("last_price"))
      .def_property_readonly("view",
                             [](const LedgerProbe& p) {
                               core::PositionView v;
                               p.ledgers.fill_view(0, p.instrument, v);
                               return v;
                             })
      .def_property_readonly("unrealized_pnl", [](const LedgerProbe& p) { return p.ledgers.unrealized_pnl(0); })
      .def_property_readonly("overclosed_lots", [](const LedgerProbe& p) { return p.ledgers.stats().overclosed_lots; });
}

}  // namespace shandian::pyext::bench_module
