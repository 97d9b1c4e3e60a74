// shandian._bench: the C++ benchmarks (cpp/bench) and test probes (OrderLab, LedgerProbe) behind the latency
// harness (shandian/bench) and the property tests. A separate extension so the runtime's shandian._core holds
// none of this code; nothing in the runtime imports it.
#include <pybind11/pybind11.h>

#include "bench_bindings.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_bench, m) {
  m.doc() = "shandian benchmarks and test probes (bindings only; see cpp/bench, cpp/core/order_lab.hpp)";
  // The probes hand out and take _core's types (PositionView, Direction, Offset): pybind11 shares registered
  // types between extensions built alike, once the module registering them has been imported.
  py::module_::import("shandian._core");
  shandian::pyext::bench_module::bind_ring(m);
  shandian::pyext::bench_module::bind_wake(m);
  shandian::pyext::bench_module::bind_front(m);
  shandian::pyext::bench_module::bind_risk(m);
  shandian::pyext::bench_module::bind_order(m);
  shandian::pyext::bench_module::bind_lab(m);
  shandian::pyext::bench_module::bind_bars(m);
}
